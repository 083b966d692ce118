/**
 * Screen capture: choosing a backend and an H.264 encoder per monitor, proving encoders with
 * a probe encode, and building the ffmpeg command line that writes fragmented MP4 to stdout.
 * The process supervision (restart, stall watchdog, segment cuts) builds on these.
 */
export type {
  CaptureArea,
  CaptureBackend,
  CaptureTarget,
  H264Encoder,
  PipelinePlan,
  Quality,
} from "./types.ts";
export { H264_ENCODER_NAMES, isH264Encoder } from "./types.ts";
export { CapturePlanInvalid, CaptureUnsupported } from "./errors.ts";
export {
  crfToPercent,
  DEFAULT_LIBX264_THREADS,
  DEFAULT_VAAPI_DEVICE,
  gopFrames,
  HARDWARE_ENCODER_ORDER,
  isSoftwareEncoder,
  LIBX264_SCREEN_OPTIONS,
} from "./encoders.ts";
export { AVFOUNDATION_PIXEL_FORMAT } from "./inputs.ts";
export {
  buildEncoderArgs,
  COLOUR_TAGS,
  ignoredSettings,
  MAX_FRAME_RATE,
  MIN_FRAME_RATE,
  MP4_MOVFLAGS,
  RGB_TO_YUV,
  scaledHeight,
  validatePlan,
  videoFilters,
} from "./pipeline.ts";
export { buildTappedEncoderArgs, FIRST_TAP_FD, MAX_TAPS, tapFilters, tapRefusal } from "./taps.ts";
export {
  chooseBackends,
  chooseEncoder,
  DDA_SESSION_LIMIT,
  type EncoderChoice,
  fallbackBackend,
} from "./choose.ts";
export {
  type EncoderProbe,
  encoderProbeArgs,
  firstMeaningfulLine,
  PROBE_TIMEOUT_MS,
  probeEncoders,
  usableEncoders,
} from "./encoder_probe.ts";
