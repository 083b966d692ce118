/**
 * Live views carried by the recording's own encoder ("taps", issue 8): one ffmpeg grabs a
 * monitor and converts it once, then encodes it more than once — the recording on stdout
 * (pipe:1) as ever, and each live view on a pipe of its own (fd 3, 4, …). A live view as a
 * second ffmpeg grabbed the same screen again and converted the full-size RGB again, which cost
 * more than its own encoding (docs/benchmarks.md, "Live view"); a tap costs only its downscale
 * (YUV to YUV, bilinear) and its encoder.
 *
 * A tap takes the recording's frames after their colour conversion, so it can only be as tall
 * and as frequent as the recording: `tapRefusal` says when a live view cannot ride along (it
 * then runs its own ffmpeg, as before). The recording's output options are exactly those of
 * `buildEncoderArgs`; only its filters move from `-vf` into the `-filter_complex` graph.
 * Pure, so every combination is table-tested; run for real against Xvfb in taps_run_test.ts.
 */
import { encoderPixelFormat, encoderUploadFilters } from "./encoders.ts";
import { CapturePlanInvalid } from "./errors.ts";
import {
  buildEncoderArgs,
  conversionFilters,
  headArgs,
  outputArgs,
  outputSize,
  validatePlan,
} from "./pipeline.ts";
import type { PipelinePlan } from "./types.ts";

/** The file descriptor of the first tap's output in the child (0–2 are stdin/out/err). */
export const FIRST_TAP_FD = 3;

/** Taps one encoder carries at most (each is an encoder in the same process). */
export const MAX_TAPS = 4;

/**
 * Why `live` cannot be carried by the encoder of `recording`, or null when it can. `live` is a
 * live view's plan (src/live/live_args.ts: low latency, libx264).
 */
export function tapRefusal(recording: PipelinePlan, live: PipelinePlan): string | null {
  if (live.lowLatency !== true || live.encoder !== "libx264") {
    return "a tap is a low-latency libx264 live view";
  }
  const a = recording.area;
  const b = live.area;
  if (
    a.x !== b.x || a.y !== b.y || a.width !== b.width || a.height !== b.height ||
    JSON.stringify(a.capture) !== JSON.stringify(b.capture)
  ) {
    return "the live view is of another monitor area";
  }
  if (live.drawCursor !== recording.drawCursor) return "the live view draws the cursor otherwise";
  if (live.frameRate > recording.frameRate) {
    return `${live.frameRate} fps is above the recording's ${recording.frameRate}`;
  }
  const tall = outputSize(live).height;
  const recorded = outputSize(recording).height;
  if (tall > recorded) return `${tall} pixels high is above the recording's ${recorded}`;
  return null;
}

/** A tap's own filters, from the recording's converted frames to its encoder's input. */
export function tapFilters(recording: PipelinePlan, live: PipelinePlan): string[] {
  const filters: string[] = [];
  // The fps filter drops (or repeats) frames to the lower rate on their timestamps.
  if (live.frameRate < recording.frameRate) filters.push(`fps=${live.frameRate}`);
  const tall = outputSize(live).height;
  if (tall < outputSize(recording).height) {
    // Already BT.709 YUV: a plain resize, no colour conversion. Bilinear, as a live view's own
    // encoder scales (pipeline.ts).
    filters.push(`scale=w=-2:h=${tall}:flags=bilinear`);
  }
  filters.push("format=yuv420p");
  return filters;
}

/**
 * ffmpeg's argv (after its path) for the recording of `recording` carrying `taps`: the
 * recording's fMP4 on pipe:1, tap i's on pipe:(3 + i). With no taps it is
 * {@link buildEncoderArgs}. Throws {@link CapturePlanInvalid} on a bad plan or a tap that
 * cannot ride along.
 */
export function buildTappedEncoderArgs(
  recording: PipelinePlan,
  taps: readonly PipelinePlan[],
): string[] {
  if (taps.length === 0) return buildEncoderArgs(recording);
  validatePlan(recording);
  if (taps.length > MAX_TAPS) {
    throw new CapturePlanInvalid(`invalid capture plan: ${taps.length} taps, at most ${MAX_TAPS}`);
  }
  for (const tap of taps) {
    validatePlan(tap);
    const why = tapRefusal(recording, tap);
    if (why !== null) throw new CapturePlanInvalid(`invalid live tap: ${why}`);
  }
  // The split comes after the conversion into the encoder's pixel format, so that the
  // conversion runs once; only the upload onto a GPU stays on the recording's branch.
  const shared = [
    ...conversionFilters(recording),
    `format=${encoderPixelFormat(recording.encoder)}`,
  ];
  const upload = encoderUploadFilters(recording.encoder);
  const recordingPad = upload.length > 0 ? "[shared]" : "[rec]";
  const graph = [
    `[0:v]${shared.join(",")},split=${taps.length + 1}${recordingPad}` +
    taps.map((_, i) => `[tap${i}]`).join(""),
    ...(upload.length > 0 ? [`[shared]${upload.join(",")}[rec]`] : []),
    ...taps.map((tap, i) => `[tap${i}]${tapFilters(recording, tap).join(",")}[live${i}]`),
  ].join(";");
  return [
    ...headArgs(recording),
    "-filter_complex",
    graph,
    "-map",
    "[rec]",
    ...outputArgs(recording, "pipe:1"),
    ...taps.flatMap((tap, i) => [
      "-map",
      `[live${i}]`,
      // The colour tags follow the frames, which the recording's capture converted.
      ...outputArgs({ ...tap, backend: recording.backend }, `pipe:${FIRST_TAP_FD + i}`),
    ]),
  ];
}
