/**
 * One monitor's encoder command line: `buildEncoderArgs(plan)` is the argv after the ffmpeg
 * path. Pure, so every backend × encoder combination is table-tested, and the x11grab one is
 * also run for real against Xvfb (pipeline_run_test.ts).
 *
 * The process contract the supervisor relies on:
 * - stdout (pipe:1) carries fragmented MP4: `ftyp`+`moov` first (empty_moov), then one
 *   `moof`+`mdat` per keyframe interval (per frame with `lowLatency`, for the live view),
 *   flushed as soon as written, no trailer (skip_trailer), so any prefix ending on a fragment
 *   is playable (MSE or a plain player).
 * - stderr carries `key=value` progress blocks ending in `progress=continue|end` (the stall
 *   watchdog reads `frame=` / `out_time_us=`) interleaved with error lines; nothing else,
 *   since the banner, stats and warnings are off.
 * - stdin stays open: writing "q" makes ffmpeg finish the last fragment and exit 0. Hence no
 *   -nostdin here.
 */
import { CapturePlanInvalid } from "./errors.ts";
import {
  bitrateCapArgs,
  capsBitrate,
  encoderArgs,
  encoderDeviceArgs,
  encoderFeedFilters,
  encoderPixelFormat,
  gopFrames,
  keyframeArgs,
} from "./encoders.ts";
import { deliversRgb, inputArgs } from "./inputs.ts";
import type { CaptureBackend, PipelinePlan } from "./types.ts";

export const MIN_FRAME_RATE = 1;
export const MAX_FRAME_RATE = 30;

/** fMP4 for streaming: fragments cut at keyframes, header before any media, no trailer. */
export const MP4_MOVFLAGS = "+frag_keyframe+empty_moov+default_base_moof+skip_trailer";

/**
 * The same with a fragment per frame (`lowLatency`): a live viewer gets each frame without
 * waiting for the rest of its keyframe interval. ffmpeg 5.1's mp4 muxer writes a frame's
 * fragment when the next frame reaches it (the next timestamp gives the duration), so a frame
 * leaves the pipe one frame interval after it was encoded (measured). Every fragment's first
 * sample carries its own sync flag; keyframes still come every `keyframeIntervalSec`.
 */
export const MP4_MOVFLAGS_LOW_LATENCY =
  "+frag_every_frame+empty_moov+default_base_moof+skip_trailer";

/**
 * Appended to libx264's `-x264-params` with `lowLatency`. Without it x264 treats the input as
 * variable frame rate and holds every frame until the next one arrives, to learn its duration
 * for rate control: one frame interval of latency (200 ms at 5 fps, measured). The output is
 * constant frame rate anyway (`-fps_mode cfr`), so nothing is lost. The recording's options
 * stay as benchmarked (LIBX264_SCREEN_OPTIONS).
 */
export const X264_LOW_LATENCY_PARAMS = "force-cfr=1";

/**
 * libx264's preset with `lowLatency`, in place of the recording's `superfast`. A live view is
 * watched, not kept: its CPU counts beside the recording's (target ≤ 1.6× the recording
 * alone), its bytes only on the link to AgentServer. Encoding the office scene at 720p,
 * ultrafast (with the same -x264-params) took 22–27 % less CPU than superfast, for 1.8× the
 * bits (~380 instead of ~210 kbit/s, far below the live view's cap) and the same SSIM
 * (0.9917 against 0.9910): docs/benchmarks.md, "Live view".
 */
export const X264_LOW_LATENCY_PRESET = "ultrafast";

/**
 * Colour handling for RGB desktops: convert with the BT.709 matrix into limited range and
 * say so in the stream, so browsers and players show the desktop's colours as captured
 * (untagged H.264 leaves the matrix to the player's guess, and text colours shift).
 */
export const RGB_TO_YUV = "out_color_matrix=bt709:out_range=tv";
export const COLOUR_TAGS: readonly string[] = [
  "-colorspace",
  "bt709",
  "-color_primaries",
  "bt709",
  "-color_trc",
  "bt709",
  "-color_range",
  "tv",
];

const CAPTURE_KIND: Record<CaptureBackend, "x11" | "windows" | "avfoundation"> = {
  x11grab: "x11",
  ddagrab: "windows",
  gdigrab: "windows",
  avfoundation: "avfoundation",
};

const isInt = (n: number): boolean => Number.isInteger(n);

/** Throws {@link CapturePlanInvalid} naming the first value out of range. */
export function validatePlan(plan: PipelinePlan): void {
  const bad = (what: string): never => {
    throw new CapturePlanInvalid(`invalid capture plan: ${what}`);
  };
  const { area, quality } = plan;
  if (
    !isInt(plan.frameRate) || plan.frameRate < MIN_FRAME_RATE || plan.frameRate > MAX_FRAME_RATE
  ) {
    bad(`frameRate ${plan.frameRate} is not an integer ${MIN_FRAME_RATE}–${MAX_FRAME_RATE}`);
  }
  if (!(plan.keyframeIntervalSec > 0 && plan.keyframeIntervalSec <= 600)) {
    bad(`keyframeIntervalSec ${plan.keyframeIntervalSec} is not in (0, 600]`);
  }
  if (!(quality.crf >= 0 && quality.crf <= 51)) bad(`crf ${quality.crf} is not in 0–51`);
  if (!isInt(quality.maxBitrateKbps) || quality.maxBitrateKbps < 0) {
    bad(`maxBitrateKbps ${quality.maxBitrateKbps} is not a non-negative integer`);
  }
  if (!isInt(quality.maxHeight) || quality.maxHeight < 0 || quality.maxHeight === 1) {
    bad(`maxHeight ${quality.maxHeight} is neither 0 nor an integer ≥ 2`);
  }
  if (!isInt(area.x) || !isInt(area.y)) bad(`area origin ${area.x},${area.y} is not integer`);
  if (!isInt(area.width) || !isInt(area.height) || area.width < 2 || area.height < 2) {
    bad(`area size ${area.width}x${area.height} is not at least 2x2 integer pixels`);
  }
  if (plan.threads !== undefined && (!isInt(plan.threads) || plan.threads < 1)) {
    bad(`threads ${plan.threads} is not a positive integer`);
  }
  if (plan.vaapiDevice !== undefined && plan.vaapiDevice === "") bad("vaapiDevice is empty");
  const capture = area.capture;
  if (capture.kind !== CAPTURE_KIND[plan.backend]) {
    bad(`${plan.backend} cannot capture a ${capture.kind} target`);
  }
  if (capture.kind === "x11") {
    if (!/^[A-Za-z0-9._-]*:\d+(\.\d+)?$/.test(capture.display)) {
      bad(`X display ${JSON.stringify(capture.display)} is not of the form [host]:N[.S]`);
    }
    if (area.x < 0 || area.y < 0) bad(`X11 area origin ${area.x},${area.y} is negative`);
  }
  if (capture.kind === "windows" && (!isInt(capture.outputIndex) || capture.outputIndex < 0)) {
    bad(`outputIndex ${capture.outputIndex} is not a non-negative integer`);
  }
  if (capture.kind === "avfoundation" && (capture.device === "" || capture.device.includes(":"))) {
    // avfoundation splits "video:audio" on the colon; a device name cannot contain one.
    bad(`avfoundation device ${JSON.stringify(capture.device)} is empty or contains ":"`);
  }
}

/** The output height when the monitor must be scaled down, or undefined for native size. */
export function scaledHeight(plan: PipelinePlan): number | undefined {
  const max = plan.quality.maxHeight;
  if (max === 0 || plan.area.height <= max) return undefined;
  return max - (max % 2); // 4:2:0 needs even dimensions
}

/** The -vf chain: even size, optional downscale, colour conversion, encoder feed format. */
export function videoFilters(plan: PipelinePlan): string[] {
  return [...conversionFilters(plan), ...encoderFeedFilters(plan.encoder)];
}

/**
 * The filters before the encoder's feed: even size, optional downscale, colour conversion into
 * BT.709 YUV. Shared with live views carried by the same encoder (taps.ts).
 */
export function conversionFilters(plan: PipelinePlan): string[] {
  const filters: string[] = [];
  const rgb = deliversRgb(plan.backend);
  const height = scaledHeight(plan);
  const { width: w, height: h } = plan.area;
  if (height !== undefined) {
    // -2: width follows the aspect ratio, rounded to even. Lanczos keeps small text legible in
    // the recording; the live view, watched at once and at a lower quality, takes the cheaper
    // bilinear filter (docs/benchmarks.md, "Live view").
    const flags = plan.lowLatency === true ? "bilinear" : "lanczos";
    filters.push(`scale=w=-2:h=${height}:flags=${flags}${rgb ? `:${RGB_TO_YUV}` : ""}`);
  } else {
    // 4:2:0 cannot encode odd sizes; dropping the last row/column beats resampling the frame.
    if (w % 2 !== 0 || h % 2 !== 0) filters.push(`crop=${w - (w % 2)}:${h - (h % 2)}:0:0`);
    // Repacking to bgr24 first lets swscale use its dedicated unscaled bgr24→yuv420p
    // converter (same BT.709 result within one code value) instead of the generic scaler:
    // half the conversion's CPU, measured. No such shortcut exists for nv12 (hardware feed).
    if (rgb && encoderPixelFormat(plan.encoder) === "yuv420p") filters.push("format=bgr24");
    if (rgb) filters.push(`scale=${RGB_TO_YUV}`);
  }
  return filters;
}

/** The output's size after {@link conversionFilters}: even, and scaled down if asked. */
export function outputSize(
  plan: PipelinePlan,
): { readonly width: number; readonly height: number } {
  const height = scaledHeight(plan);
  const { width: w, height: h } = plan.area;
  if (height === undefined) return { width: w - (w % 2), height: h - (h % 2) };
  // scale's w=-2: the aspect ratio's width in pairs of pixels, rounded to the nearest.
  return { width: Math.round((height * w) / (h * 2)) * 2, height };
}

/** The argv after the ffmpeg path. Throws {@link CapturePlanInvalid} on a bad plan. */
export function buildEncoderArgs(plan: PipelinePlan): string[] {
  validatePlan(plan);
  return [
    ...headArgs(plan),
    "-vf",
    videoFilters(plan).join(","),
    ...outputArgs(plan, "pipe:1"),
  ];
}

/** Everything before the filters: quiet, progress on stderr, the device and the capture input. */
export function headArgs(plan: PipelinePlan): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostats",
    "-progress",
    "pipe:2",
    ...encoderDeviceArgs(plan.encoder, plan.vaapiDevice),
    ...NO_PROBING,
    ...inputArgs(plan.backend, plan.area, plan.frameRate, plan.drawCursor),
  ];
}

/**
 * A screen grabber states its size, rate and pixel format; probing it only holds the first
 * frames back (ffmpeg 5.1 read ~1 s of x11grab before writing anything, measured), which delays
 * the first output of every run: a live view's start and the hand-over between encoders
 * (recording/handover.ts). With it off the first bytes come one frame interval after the spawn.
 */
export const NO_PROBING: readonly string[] = ["-probesize", "32", "-analyzeduration", "0"];

/** One output's encoder, rate and container options, written to `target` (e.g. "pipe:1"). */
export function outputArgs(plan: PipelinePlan, target: string): string[] {
  return [
    ...lowLatencyEncoderArgs(plan, encoderArgs(plan.encoder, plan.quality.crf, plan.threads)),
    ...keyframeArgs(plan.encoder, gopFrames(plan.frameRate, plan.keyframeIntervalSec)),
    ...bitrateCapArgs(plan.encoder, plan.quality.maxBitrateKbps),
    ...(deliversRgb(plan.backend) ? COLOUR_TAGS : []),
    // Constant frame rate: duplicates frames when the backend delivers late (an idle X
    // server, a static Windows desktop) so that frame n is always at n / F seconds.
    "-fps_mode",
    "cfr",
    "-r",
    String(plan.frameRate),
    "-movflags",
    plan.lowLatency === true ? MP4_MOVFLAGS_LOW_LATENCY : MP4_MOVFLAGS,
    "-flush_packets",
    "1",
    "-f",
    "mp4",
    target,
  ];
}

/**
 * libx264's encoder options with {@link X264_LOW_LATENCY_PRESET} and
 * {@link X264_LOW_LATENCY_PARAMS} when the plan asks for it.
 */
function lowLatencyEncoderArgs(plan: PipelinePlan, args: string[]): string[] {
  if (plan.lowLatency !== true || plan.encoder !== "libx264") return args;
  const preset = args.indexOf("-preset") + 1;
  const params = args.indexOf("-x264-params") + 1;
  const live = args.map((arg, i) =>
    i === preset && preset > 0
      ? X264_LOW_LATENCY_PRESET
      : i === params && params > 0
      ? `${arg}:${X264_LOW_LATENCY_PARAMS}`
      : arg
  );
  if (preset === 0) live.push("-preset", X264_LOW_LATENCY_PRESET);
  if (params === 0) live.push("-x264-params", X264_LOW_LATENCY_PARAMS);
  return live;
}

/**
 * Settings of the plan this encoder does not apply, as sentences for the log and status
 * (the recording still runs). Empty when everything is honoured.
 */
export function ignoredSettings(plan: PipelinePlan): string[] {
  const notes: string[] = [];
  if (plan.quality.maxBitrateKbps > 0 && !capsBitrate(plan.encoder)) {
    notes.push(
      `${plan.encoder} does not cap the bitrate in its constant-quality mode: ` +
        `maxBitrateKbps ${plan.quality.maxBitrateKbps} is not applied`,
    );
  }
  if (plan.threads !== undefined && plan.encoder !== "libx264") {
    notes.push(`threads applies to libx264 only, not to ${plan.encoder}`);
  }
  if (plan.vaapiDevice !== undefined && plan.encoder !== "h264_vaapi") {
    notes.push(`vaapiDevice applies to h264_vaapi only, not to ${plan.encoder}`);
  }
  if (plan.lowLatency === true && plan.encoder !== "libx264") {
    notes.push(
      `lowLatency cuts a fragment per frame, but ${plan.encoder}'s own frame delay is not tuned`,
    );
  }
  return notes;
}
