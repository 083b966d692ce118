import { buildLivePlan, LIVE_KEYFRAME_INTERVAL_SEC } from "../live/live_args.ts";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { CapturePlanInvalid } from "./errors.ts";
import { buildEncoderArgs } from "./pipeline.ts";
import { buildTappedEncoderArgs, MAX_TAPS, tapFilters, tapRefusal } from "./taps.ts";
import type { CaptureArea, PipelinePlan } from "./types.ts";

const AREA: CaptureArea = {
  x: 0,
  y: 0,
  width: 1920,
  height: 1080,
  capture: { kind: "x11", display: ":0.0" },
};

function recording(over: Partial<PipelinePlan> = {}): PipelinePlan {
  return {
    backend: "x11grab",
    area: AREA,
    frameRate: 5,
    keyframeIntervalSec: 2,
    encoder: "libx264",
    quality: { crf: 34, maxBitrateKbps: 0, maxHeight: 0 },
    drawCursor: true,
    ...over,
  };
}

const live = (frameRate = 5, maxHeight = 720, area = AREA) =>
  buildLivePlan({ backend: "x11grab", area, drawCursor: true }, { frameRate, maxHeight });

const after = (args: readonly string[], flag: string) => args[args.indexOf(flag) + 1];

Deno.test("taps: none is the recording's own argv", () => {
  assertEquals(buildTappedEncoderArgs(recording(), []), buildEncoderArgs(recording()));
});

Deno.test("taps: one capture and conversion, split to the recording and a 720p live view", () => {
  const args = buildTappedEncoderArgs(recording(), [live()]);
  assertEquals(
    after(args, "-filter_complex"),
    "[0:v]format=bgr24,scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,split=2[rec][tap0];" +
      "[tap0]scale=w=-2:h=720:flags=bilinear,format=yuv420p[live0]",
  );
  assert(!args.includes("-vf"));
  // Everything else of the recording is exactly its own argv: the input before, the output after.
  const own = buildEncoderArgs(recording());
  const vf = own.indexOf("-vf");
  assertEquals(args.slice(0, vf), own.slice(0, vf));
  const recordingOutput = own.slice(vf + 2);
  const at = args.indexOf("[rec]") + 1;
  assertEquals(args.slice(at, at + recordingOutput.length), recordingOutput);
  // The live view's output: its own encoder settings, to fd 3, a fragment per frame.
  const liveOutput = args.slice(args.indexOf("[live0]") + 1);
  assertEquals(liveOutput.at(-1), "pipe:3");
  assertEquals(after(liveOutput, "-g"), String(5 * LIVE_KEYFRAME_INTERVAL_SEC));
  assertEquals(after(liveOutput, "-maxrate"), "1500k");
  assert(after(liveOutput, "-movflags")!.includes("frag_every_frame"));
  assert(after(liveOutput, "-x264-params")!.includes("force-cfr=1"));
  assertEquals(after(liveOutput, "-colorspace"), "bt709");
});

Deno.test("taps: each view has its pipe, rate and size; nothing is done that is not needed", () => {
  const args = buildTappedEncoderArgs(recording({ frameRate: 10 }), [
    live(10, 0),
    live(2, 540),
  ]);
  const graph = after(args, "-filter_complex")!;
  assert(graph.includes("split=3[rec][tap0][tap1]"), graph);
  assert(graph.includes("[tap0]format=yuv420p[live0]"), graph);
  assert(graph.includes("[tap1]fps=2,scale=w=-2:h=540:flags=bilinear,format=yuv420p[live1]"));
  assertEquals(args.filter((a) => a.startsWith("pipe:")), ["pipe:2", "pipe:1", "pipe:3", "pipe:4"]);
  const second = args.slice(args.indexOf("[live1]"));
  assertEquals(after(second, "-r"), "2");
});

Deno.test("taps: a scaled recording is tapped from its scaled frames", () => {
  const rec = recording({
    area: { ...AREA, width: 3840, height: 2160 },
    quality: {
      crf: 34,
      maxBitrateKbps: 0,
      maxHeight: 1080,
    },
  });
  const view = live(5, 720, rec.area);
  assertEquals(tapFilters(rec, view), ["scale=w=-2:h=720:flags=bilinear", "format=yuv420p"]);
  assertEquals(
    tapRefusal(rec, live(5, 0, rec.area)),
    "2160 pixels high is above the recording's 1080",
  );
});

Deno.test("taps: VAAPI uploads on the recording's branch only; the views stay in software", () => {
  const args = buildTappedEncoderArgs(recording({ encoder: "h264_vaapi" }), [live()]);
  const graph = after(args, "-filter_complex")!;
  assert(graph.startsWith("[0:v]scale=out_color_matrix=bt709:out_range=tv,format=nv12,split=2"));
  assert(graph.includes("[shared]hwupload[rec]"), graph);
  assert(graph.includes("[tap0]scale=w=-2:h=720:flags=bilinear,format=yuv420p[live0]"));
  assertEquals(after(args, "-vaapi_device"), "/dev/dri/renderD128");
});

Deno.test("taps: what cannot ride along is refused with the reason", () => {
  const other = { ...AREA, x: 1920, capture: { kind: "x11" as const, display: ":0.1" } };
  const cases: [PipelinePlan, string][] = [
    [live(10), "10 fps is above the recording's 5"],
    [live(5, 0, other), "the live view is of another monitor area"],
    [{ ...live(), drawCursor: false }, "the live view draws the cursor otherwise"],
    [{ ...live(), lowLatency: false }, "a tap is a low-latency libx264 live view"],
  ];
  for (const [view, why] of cases) {
    assertEquals(tapRefusal(recording(), view), why);
    const e = assertThrows(() => buildTappedEncoderArgs(recording(), [view]), CapturePlanInvalid);
    assert(e.message.includes(why), e.message);
  }
  assertEquals(
    tapRefusal(recording({ quality: { crf: 34, maxBitrateKbps: 0, maxHeight: 720 } }), live(5, 0)),
    "1080 pixels high is above the recording's 720",
  );
  assertEquals(tapRefusal(recording(), live(5, 1080)), null, "as tall is fine");
  const many = Array.from({ length: MAX_TAPS + 1 }, () => live());
  assertThrows(() => buildTappedEncoderArgs(recording(), many), CapturePlanInvalid, "at most 4");
});
