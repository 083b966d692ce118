import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { H264_ENCODER_NAMES } from "./types.ts";
import type { CaptureArea, CaptureBackend, H264Encoder, PipelinePlan } from "./types.ts";
import { CapturePlanInvalid } from "./errors.ts";
import {
  buildEncoderArgs,
  ignoredSettings,
  MP4_MOVFLAGS,
  MP4_MOVFLAGS_LOW_LATENCY,
  videoFilters,
  X264_LOW_LATENCY_PARAMS,
  X264_LOW_LATENCY_PRESET,
} from "./pipeline.ts";

const AREAS: Record<CaptureBackend, CaptureArea> = {
  x11grab: { x: 1920, y: 0, width: 1280, height: 1024, capture: { kind: "x11", display: ":0.1" } },
  ddagrab: { x: 0, y: 0, width: 2560, height: 1440, capture: { kind: "windows", outputIndex: 2 } },
  gdigrab: {
    x: -1920,
    y: 120,
    width: 1920,
    height: 1080,
    capture: { kind: "windows", outputIndex: 1 },
  },
  avfoundation: {
    x: 0,
    y: 0,
    width: 2880,
    height: 1800,
    capture: { kind: "avfoundation", device: "Capture screen 0" },
  },
};
const BACKENDS = Object.keys(AREAS) as CaptureBackend[];

function plan(over: Partial<PipelinePlan> = {}): PipelinePlan {
  return {
    backend: "x11grab",
    area: AREAS.x11grab,
    frameRate: 5,
    keyframeIntervalSec: 2,
    encoder: "libx264",
    quality: { crf: 23, maxBitrateKbps: 0, maxHeight: 0 },
    drawCursor: true,
    ...over,
  };
}

/** The value after the first occurrence of `flag` (undefined when absent). */
function after(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

function has(args: readonly string[], ...seq: string[]): boolean {
  return args.some((_, i) => seq.every((s, j) => args[i + j] === s));
}

Deno.test("pipeline: the x11grab + libx264 argv, in full", () => {
  assertEquals(buildEncoderArgs(plan()), [
    ...["-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:2"],
    ...["-probesize", "32", "-analyzeduration", "0"],
    ...["-f", "x11grab", "-framerate", "5", "-draw_mouse", "1", "-video_size", "1280x1024"],
    ...["-i", ":0.1+1920,0"],
    ...["-vf", "format=bgr24,scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"],
    ...["-c:v", "libx264", "-crf", "23", "-preset", "superfast", "-x264-params"],
    "rc-lookahead=0:sync-lookahead=0:weightp=0:me=umh:merange=64:no-deblock=1:aq-strength=1.2",
    ...["-threads", "1"],
    ...["-g", "10", "-keyint_min", "10", "-bf", "0", "-sc_threshold", "0"],
    ...["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"],
    ...["-color_range", "tv", "-fps_mode", "cfr", "-r", "5"],
    ...["-movflags", MP4_MOVFLAGS, "-flush_packets", "1", "-f", "mp4", "pipe:1"],
  ]);
  assertEquals(MP4_MOVFLAGS, "+frag_keyframe+empty_moov+default_base_moof+skip_trailer");
});

Deno.test("pipeline: every backend × encoder keeps the shared contract", () => {
  for (const backend of BACKENDS) {
    for (const encoder of H264_ENCODER_NAMES) {
      const label = `${backend}/${encoder}`;
      const args = buildEncoderArgs(plan({ backend, encoder, area: AREAS[backend] }));
      assertEquals(args.slice(0, 6), [
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:2",
      ]);
      assert(!args.includes("-nostdin"), `${label}: stdin must stay open for "q"`);
      assertEquals(args.slice(-7), [
        "-movflags",
        MP4_MOVFLAGS,
        "-flush_packets",
        "1",
        "-f",
        "mp4",
        "pipe:1",
      ], label);
      assert(has(args, "-fps_mode", "cfr", "-r", "5"), label);
      assert(has(args, "-c:v", encoder), label);
      assert(has(args, "-g", "10", "-keyint_min", "10", "-bf", "0"), label);
      assertEquals(args.filter((a) => a === "-i").length, 1, label);
      const vf = after(args, "-vf") ?? "";
      const feed = encoder === "libx264"
        ? "format=yuv420p"
        : encoder === "h264_vaapi"
        ? "format=nv12,hwupload"
        : "format=nv12";
      assert(vf.endsWith(feed), `${label}: ${vf}`);
      assertEquals(
        after(args, "-vaapi_device"),
        encoder === "h264_vaapi" ? "/dev/dri/renderD128" : undefined,
      );
      if (encoder === "h264_vaapi") assert(args.indexOf("-vaapi_device") < args.indexOf("-i"));
      // RGB desktops are converted and tagged BT.709; avfoundation already delivers nv12.
      assertEquals(has(args, "-colorspace", "bt709"), backend !== "avfoundation", label);
      assertEquals(vf.includes("out_color_matrix=bt709"), backend !== "avfoundation", label);
      assertEquals(args.includes("-threads"), encoder === "libx264", label);
    }
  }
});

Deno.test("pipeline: each backend's input options", () => {
  const input = (backend: CaptureBackend, drawCursor: boolean, over: Partial<PipelinePlan> = {}) =>
    buildEncoderArgs(plan({ backend, area: AREAS[backend], drawCursor, frameRate: 12, ...over }));

  const x11 = input("x11grab", false);
  assert(has(x11, "-f", "x11grab", "-framerate", "12", "-draw_mouse", "0"));
  assert(has(x11, "-video_size", "1280x1024", "-i", ":0.1+1920,0"));
  assert(has(input("x11grab", true), "-draw_mouse", "1"));

  const dda = input("ddagrab", true);
  assert(
    has(
      dda,
      "-f",
      "lavfi",
      "-i",
      "ddagrab=output_idx=2:framerate=12:draw_mouse=1,hwdownload,format=bgra",
    ),
  );
  assert(!dda.includes("-framerate") && !dda.includes("-video_size"));
  const dda0 = input("ddagrab", false, {
    area: { ...AREAS.ddagrab, capture: { kind: "windows", outputIndex: 0 } },
  });
  assertEquals(
    after(dda0, "-i"),
    "ddagrab=output_idx=0:framerate=12:draw_mouse=0,hwdownload,format=bgra",
  );

  const gdi = input("gdigrab", true);
  assert(has(gdi, "-f", "gdigrab", "-framerate", "12", "-draw_mouse", "1"));
  assert(has(gdi, "-offset_x", "-1920", "-offset_y", "120", "-video_size", "1920x1080"));
  assert(has(gdi, "-i", "desktop"));
  assert(has(input("gdigrab", false), "-draw_mouse", "0"));

  const avf = input("avfoundation", false);
  assert(has(avf, "-f", "avfoundation", "-framerate", "12", "-capture_cursor", "0"));
  assert(has(avf, "-pixel_format", "nv12", "-i", "Capture screen 0:none"));
  assert(has(input("avfoundation", true), "-capture_cursor", "1"));
  const avfIndex = input("avfoundation", true, {
    area: { ...AREAS.avfoundation, capture: { kind: "avfoundation", device: "3" } },
  });
  assertEquals(after(avfIndex, "-i"), "3:none");
});

Deno.test("pipeline: quality maps onto each encoder's own rate control", () => {
  const q = (encoder: H264Encoder, crf: number, maxBitrateKbps = 0) =>
    buildEncoderArgs(plan({ encoder, quality: { crf, maxBitrateKbps, maxHeight: 0 } }));
  assert(has(q("libx264", 20.5), "-c:v", "libx264", "-crf", "20.5", "-preset", "superfast"));
  assert(has(q("h264_nvenc", 23), "-rc", "vbr", "-cq", "23", "-b:v", "0"));
  assert(has(q("h264_nvenc", 0), "-cq", "1"), "cq 0 would mean 'automatic'");
  assert(has(q("h264_qsv", 28), "-global_quality", "28"));
  assert(has(q("h264_amf", 23), "-rc", "cqp", "-qp_i", "23", "-qp_p", "23"));
  assert(has(q("h264_mf", 23), "-rate_control", "quality", "-quality", "55"));
  assert(has(q("h264_mf", 23), "-hw_encoding", "1"));
  assert(has(q("h264_videotoolbox", 23), "-q:v", "55"));
  assert(has(q("h264_videotoolbox", 0), "-q:v", "100"));
  assert(has(q("h264_videotoolbox", 51), "-q:v", "1"));
  assert(has(q("h264_vaapi", 23), "-rc_mode", "CQP", "-qp", "23"));

  // The bitrate cap where the encoder honours it with constant quality, nowhere else.
  assert(has(q("libx264", 23, 1500), "-maxrate", "1500k", "-bufsize", "3000k"));
  assert(has(q("h264_nvenc", 23, 1500), "-maxrate", "1500k", "-bufsize", "3000k"));
  const vt = q("h264_videotoolbox", 23, 1500);
  assert(has(vt, "-maxrate", "1500k") && !vt.includes("-bufsize"));
  for (const e of ["h264_qsv", "h264_amf", "h264_mf", "h264_vaapi"] as const) {
    assert(!q(e, 23, 1500).includes("-maxrate"), e);
    assertEquals(
      ignoredSettings(
        plan({ encoder: e, quality: { crf: 23, maxBitrateKbps: 1500, maxHeight: 0 } }),
      ).length,
      1,
    );
  }
  assert(!q("libx264", 23, 0).includes("-maxrate"));
});

Deno.test("pipeline: keyframes every round(F × k) frames, forced where -g is not enough", () => {
  const k = (encoder: H264Encoder, frameRate: number, keyframeIntervalSec: number) =>
    buildEncoderArgs(plan({ encoder, frameRate, keyframeIntervalSec }));
  assert(
    has(k("libx264", 5, 2), "-g", "10", "-keyint_min", "10", "-bf", "0", "-sc_threshold", "0"),
  );
  assert(has(k("libx264", 30, 0.5), "-g", "15"));
  assert(has(k("libx264", 3, 0.5), "-g", "2"), "1.5 rounds to 2");
  assert(has(k("libx264", 1, 0.1), "-g", "1"), "never below one frame");
  assert(!k("libx264", 5, 2).includes("-force_key_frames"));
  assert(!k("h264_nvenc", 5, 2).includes("-sc_threshold"));
  assertEquals(after(k("h264_mf", 5, 2), "-force_key_frames"), "expr:gte(n,n_forced*10)");
  assertEquals(
    after(k("h264_videotoolbox", 10, 3), "-force_key_frames"),
    "expr:gte(n,n_forced*30)",
  );
});

Deno.test("pipeline: scaling only for taller monitors, even sizes always", () => {
  const vf = (area: Partial<CaptureArea>, maxHeight: number, backend: CaptureBackend = "x11grab") =>
    videoFilters(plan({
      backend,
      area: { ...AREAS[backend], ...area },
      quality: { crf: 23, maxBitrateKbps: 0, maxHeight },
    }));
  assertEquals(vf({ height: 1080 }, 720), [
    "scale=w=-2:h=720:flags=lanczos:out_color_matrix=bt709:out_range=tv",
    "format=yuv420p",
  ]);
  assertEquals(vf({ height: 1080 }, 0), [
    "format=bgr24",
    "scale=out_color_matrix=bt709:out_range=tv",
    "format=yuv420p",
  ]);
  assertEquals(vf({ height: 720 }, 720), [
    "format=bgr24",
    "scale=out_color_matrix=bt709:out_range=tv",
    "format=yuv420p",
  ]);
  assertEquals(vf({ height: 1080 }, 2160), [
    "format=bgr24",
    "scale=out_color_matrix=bt709:out_range=tv",
    "format=yuv420p",
  ]);
  assertEquals(
    vf({ height: 1080 }, 481)[0],
    "scale=w=-2:h=480:flags=lanczos:out_color_matrix=bt709:out_range=tv",
  );
  assertEquals(vf({ width: 1365, height: 767 }, 0), [
    "crop=1364:766:0:0",
    "format=bgr24",
    "scale=out_color_matrix=bt709:out_range=tv",
    "format=yuv420p",
  ]);
  // Scaling already yields even sizes; no crop then.
  assertEquals(vf({ width: 1365, height: 767 }, 360).length, 2);
  // avfoundation delivers YUV: no colour conversion, only the size.
  assertEquals(vf({}, 1080, "avfoundation"), ["scale=w=-2:h=1080:flags=lanczos", "format=yuv420p"]);
  assertEquals(vf({}, 0, "avfoundation"), ["format=yuv420p"]);
  const vaapi = videoFilters(plan({ encoder: "h264_vaapi", vaapiDevice: "/dev/dri/renderD129" }));
  // The bgr24 shortcut is for the yuv420p feed only; hardware gets nv12 from the scaler.
  assertEquals(vaapi, ["scale=out_color_matrix=bt709:out_range=tv", "format=nv12", "hwupload"]);
  assertEquals(
    after(
      buildEncoderArgs(plan({ encoder: "h264_vaapi", vaapiDevice: "/dev/dri/renderD129" })),
      "-vaapi_device",
    ),
    "/dev/dri/renderD129",
  );
});

Deno.test("pipeline: threads apply to libx264 only", () => {
  assert(has(buildEncoderArgs(plan({ threads: 4 })), "-threads", "4"));
  assert(!buildEncoderArgs(plan({ encoder: "h264_nvenc", threads: 4 })).includes("-threads"));
  assertEquals(ignoredSettings(plan()), []);
  assertEquals(ignoredSettings(plan({ encoder: "h264_nvenc", threads: 4 })), [
    "threads applies to libx264 only, not to h264_nvenc",
  ]);
});

Deno.test("pipeline: a bad plan is refused with the value named, not retryable", () => {
  const cases: [Partial<PipelinePlan>, string][] = [
    [{ frameRate: 0 }, "frameRate 0"],
    [{ frameRate: 31 }, "frameRate 31"],
    [{ frameRate: 7.5 }, "frameRate 7.5"],
    [{ keyframeIntervalSec: 0 }, "keyframeIntervalSec 0"],
    [{ keyframeIntervalSec: Number.NaN }, "keyframeIntervalSec NaN"],
    [{ quality: { crf: 52, maxBitrateKbps: 0, maxHeight: 0 } }, "crf 52"],
    [{ quality: { crf: -1, maxBitrateKbps: 0, maxHeight: 0 } }, "crf -1"],
    [{ quality: { crf: 23, maxBitrateKbps: -5, maxHeight: 0 } }, "maxBitrateKbps -5"],
    [{ quality: { crf: 23, maxBitrateKbps: 0, maxHeight: 1 } }, "maxHeight 1"],
    [{ area: { ...AREAS.x11grab, width: 0 } }, "area size 0x1024"],
    [{ area: { ...AREAS.x11grab, x: -1 } }, "negative"],
    [{ area: { ...AREAS.x11grab, capture: { kind: "x11", display: "0; rm -rf" } } }, "X display"],
    [{ backend: "ddagrab" }, "ddagrab cannot capture a x11 target"],
    [{
      backend: "avfoundation",
      area: { ...AREAS.avfoundation, capture: { kind: "avfoundation", device: "a:b" } },
    }, "contains"],
    [{
      backend: "gdigrab",
      area: { ...AREAS.gdigrab, capture: { kind: "windows", outputIndex: -1 } },
    }, "outputIndex -1"],
    [{ threads: 0 }, "threads 0"],
    [{ vaapiDevice: "" }, "vaapiDevice"],
  ];
  for (const [over, text] of cases) {
    const e = assertThrows(() => buildEncoderArgs(plan(over)), CapturePlanInvalid, text);
    assertEquals((e as CapturePlanInvalid).retryable, false);
  }
  // Remote X displays and screen numbers are accepted.
  buildEncoderArgs(
    plan({ area: { ...AREAS.x11grab, capture: { kind: "x11", display: "host-1.lan:10.0" } } }),
  );
});

Deno.test("pipeline: lowLatency cuts a fragment per frame and keeps x264 from waiting", () => {
  const recording = buildEncoderArgs(plan());
  assertEquals(buildEncoderArgs(plan({ lowLatency: false })), recording, "false is the default");
  const live = buildEncoderArgs(plan({ lowLatency: true }));
  assertEquals(
    MP4_MOVFLAGS_LOW_LATENCY,
    "+frag_every_frame+empty_moov+default_base_moof+skip_trailer",
  );
  assertEquals(X264_LOW_LATENCY_PARAMS, "force-cfr=1");
  assertEquals(after(live, "-movflags"), MP4_MOVFLAGS_LOW_LATENCY);
  assertEquals(
    after(live, "-x264-params"),
    `${after(recording, "-x264-params")}:${X264_LOW_LATENCY_PARAMS}`,
  );
  assertEquals(after(recording, "-preset"), "superfast");
  assertEquals(after(live, "-preset"), X264_LOW_LATENCY_PRESET);
  assertEquals(X264_LOW_LATENCY_PRESET, "ultrafast");
  // Nothing else moves: same length, differing only in those three values.
  assertEquals(live.length, recording.length);
  const changed = live.flatMap((arg, i) => (arg === recording[i] ? [] : [recording[i - 1]]));
  assertEquals(changed, ["-preset", "-x264-params", "-movflags"]);
  // Keyframes stay where the plan puts them; fragments no longer wait for them.
  assert(has(live, "-g", "10", "-keyint_min", "10", "-bf", "0", "-sc_threshold", "0"));

  for (const encoder of H264_ENCODER_NAMES.filter((e) => e !== "libx264")) {
    const args = buildEncoderArgs(plan({ encoder, lowLatency: true }));
    assertEquals(after(args, "-movflags"), MP4_MOVFLAGS_LOW_LATENCY, encoder);
    assert(!args.some((a) => a.includes(X264_LOW_LATENCY_PARAMS)), encoder);
    assert(!args.includes(X264_LOW_LATENCY_PRESET), encoder);
    assertEquals(ignoredSettings(plan({ encoder, lowLatency: true })), [
      `lowLatency cuts a fragment per frame, but ${encoder}'s own frame delay is not tuned`,
    ]);
  }
  assertEquals(ignoredSettings(plan({ lowLatency: true })), []);
});
