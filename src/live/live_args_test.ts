import { CapturePlanInvalid } from "../capture/errors.ts";
import { LIBX264_SCREEN_OPTIONS } from "../capture/encoders.ts";
import { buildEncoderArgs, MP4_MOVFLAGS_LOW_LATENCY } from "../capture/pipeline.ts";
import type { CaptureArea } from "../capture/types.ts";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import {
  buildLiveArgs,
  buildLivePlan,
  DEFAULT_LIVE_FRAME_RATE,
  DEFAULT_LIVE_MAX_HEIGHT,
  LIVE_CRF,
  LIVE_KEYFRAME_INTERVAL_SEC,
  LIVE_MAX_BITRATE_KBPS,
  liveMaxFrameBytes,
  type LiveSource,
} from "./live_args.ts";

const AREA: CaptureArea = {
  x: 1920,
  y: 0,
  width: 1920,
  height: 1080,
  capture: { kind: "x11", display: ":0.0" },
};
const SOURCE: LiveSource = { backend: "x11grab", area: AREA, drawCursor: true };

function after(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

function has(args: readonly string[], ...seq: string[]): boolean {
  return args.some((_, i) => seq.every((s, j) => args[i + j] === s));
}

Deno.test("live args: defaults are 5 fps, 720p at most, a keyframe every 2 s, libx264", () => {
  assertEquals(buildLivePlan(SOURCE), {
    backend: "x11grab",
    area: AREA,
    drawCursor: true,
    frameRate: DEFAULT_LIVE_FRAME_RATE,
    keyframeIntervalSec: LIVE_KEYFRAME_INTERVAL_SEC,
    encoder: "libx264",
    quality: {
      crf: LIVE_CRF,
      maxBitrateKbps: LIVE_MAX_BITRATE_KBPS,
      maxHeight: DEFAULT_LIVE_MAX_HEIGHT,
    },
    threads: 1,
    lowLatency: true,
  });
  assertEquals(
    [DEFAULT_LIVE_FRAME_RATE, DEFAULT_LIVE_MAX_HEIGHT, LIVE_KEYFRAME_INTERVAL_SEC],
    [5, 720, 2],
  );
  const args = buildLiveArgs(SOURCE);
  assertEquals(args, buildEncoderArgs(buildLivePlan(SOURCE)));
  assert(has(args, "-f", "x11grab", "-framerate", "5", "-draw_mouse", "1"));
  assert(has(args, "-video_size", "1920x1080", "-i", ":0.0+1920,0"));
  assert(after(args, "-vf")?.startsWith("scale=w=-2:h=720:flags=bilinear"));
  assert(has(args, "-fps_mode", "cfr", "-r", "5"));
});

Deno.test("live args: low latency: no lookahead, no B-frames, one thread, per-frame fragments", () => {
  const args = buildLiveArgs(SOURCE);
  // What the recording's screen options already give, and what the live view adds.
  const params = after(args, "-x264-params") ?? "";
  assertEquals(params, `${LIBX264_SCREEN_OPTIONS[3]}:force-cfr=1`);
  assert(params.includes("rc-lookahead=0") && params.includes("sync-lookahead=0"));
  assert(has(args, "-c:v", "libx264", "-crf", String(LIVE_CRF), "-preset", "ultrafast"));
  assert(has(args, "-threads", "1"), "frame threads would hold frames back");
  assert(has(args, "-g", "10", "-keyint_min", "10", "-bf", "0", "-sc_threshold", "0"));
  assert(has(args, "-maxrate", "1500k", "-bufsize", "3000k"));
  assertEquals(after(args, "-movflags"), MP4_MOVFLAGS_LOW_LATENCY);
  assert(has(args, "-flush_packets", "1", "-f", "mp4", "pipe:1"));
});

Deno.test("live args: startStream's frameRate and maxHeight; keyframes stay 2 s apart", () => {
  const at = (frameRate?: number, maxHeight?: number) =>
    buildLiveArgs(SOURCE, { frameRate, maxHeight });
  assert(has(at(1), "-framerate", "1") && has(at(1), "-g", "2"), "1 fps: every other frame");
  assert(has(at(30), "-framerate", "30") && has(at(30), "-g", "60"));
  assert(has(at(12), "-g", "24", "-keyint_min", "24"));
  assert(after(at(undefined, 480), "-vf")?.startsWith("scale=w=-2:h=480:"));
  assert(after(at(undefined, 481), "-vf")?.startsWith("scale=w=-2:h=480:"), "even heights");
  // Scaled down only: a taller limit, or 0, keeps the native 1080 lines.
  for (const maxHeight of [1080, 2160, 0]) {
    const vf = after(at(undefined, maxHeight), "-vf") ?? "";
    assert(!vf.includes("scale=w="), `${maxHeight}: ${vf}`);
  }
  // startStream's data passes as is (streamId and display are not the encoder's business).
  const data = { streamId: "s1", display: 1, frameRate: 10, maxHeight: undefined };
  assertEquals(buildLivePlan(SOURCE, data).frameRate, 10);
  assertEquals(buildLivePlan(SOURCE, data).quality.maxHeight, 720);
});

Deno.test("live args: the recording's capture carries over; quality may be tuned", () => {
  const gdi: LiveSource = {
    backend: "gdigrab",
    area: {
      x: -1280,
      y: 0,
      width: 1280,
      height: 1024,
      capture: { kind: "windows", outputIndex: 1 },
    },
    drawCursor: false,
  };
  const args = buildLiveArgs(gdi, { frameRate: 10 });
  assert(has(args, "-f", "gdigrab", "-framerate", "10", "-draw_mouse", "0"));
  assert(has(args, "-offset_x", "-1280", "-offset_y", "0", "-video_size", "1280x1024"));
  const tuned = buildLivePlan(SOURCE, {}, { crf: 26, maxBitrateKbps: 800 });
  assertEquals(tuned.quality, { crf: 26, maxBitrateKbps: 800, maxHeight: 720 });
  assertEquals(liveMaxFrameBytes(tuned), 200_000);
  assertEquals(liveMaxFrameBytes(buildLivePlan(SOURCE, {}, { maxBitrateKbps: 0 })), undefined);
});

Deno.test("live args: a request out of range is refused with the value named", () => {
  const cases: [Parameters<typeof buildLivePlan>[1], string][] = [
    [{ frameRate: 0 }, "frameRate 0"],
    [{ frameRate: 31 }, "frameRate 31"],
    [{ frameRate: 2.5 }, "frameRate 2.5"],
    [{ maxHeight: 1 }, "maxHeight 1"],
    [{ maxHeight: -2 }, "maxHeight -2"],
  ];
  for (const [request, text] of cases) {
    assertThrows(() => buildLivePlan(SOURCE, request), CapturePlanInvalid, text);
    assertThrows(() => buildLiveArgs(SOURCE, request), CapturePlanInvalid, text);
  }
  assertThrows(
    () => buildLivePlan({ ...SOURCE, backend: "ddagrab" }),
    CapturePlanInvalid,
    "ddagrab cannot capture a x11 target",
  );
});
