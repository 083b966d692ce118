/**
 * What each H.264 encoder needs to be told: the pixel format it is fed, its device, how the
 * one quality knob (an x264-style CRF) maps onto its own rate control, whether it can cap the
 * bitrate, and how to make it place keyframes exactly. All pure; `pipeline.ts` assembles these
 * pieces and `encoder_probe.ts` reuses them, so a probe encode exercises the same options the
 * recording will use (an option an encoder rejects fails the probe, not the recording).
 */
import type { H264Encoder } from "./types.ts";

/**
 * libx264 settings for screen content, in one place because encoder settings are benchmarked
 * (scripts/bench/encoder_settings.ts; results in docs/benchmarks.md). `superfast` turns off
 * mb-tree and keeps the per-frame cost low; the params then trade what a mostly static desktop
 * does not need for what it does:
 * - no lookahead: a frame leaves the encoder as soon as it is encoded (live view latency);
 * - no weighted prediction: desktops do not fade;
 * - a wide uneven-hexagon motion search (umh, range 64): scrolled tables and dragged windows
 *   move far between two frames at 5 fps, and finding the move is cheaper than re-coding it;
 * - no deblocking: it blurs text edges and costs CPU; at these quantisers blocks do not show
 *   on flat UI;
 * - slightly stronger adaptive quantisation (1.2): bits go to text on flat backgrounds.
 * B-frames and scene-cut keyframes are off through `keyframeArgs`. On the benchmark scene this
 * measured 5.8 % of a core and 277 kbit/s per 1080p monitor at CRF 34 against 7.3 % and 365
 * kbit/s for `-tune stillimage` at CRF 30, with SSIM 0.996 against a lossless encode.
 */
export const LIBX264_SCREEN_OPTIONS: readonly string[] = [
  "-preset",
  "superfast",
  "-x264-params",
  "rc-lookahead=0:sync-lookahead=0:weightp=0:me=umh:merange=64:no-deblock=1:aq-strength=1.2",
];

/** libx264 threads when the plan does not say: one core per monitor at most. */
export const DEFAULT_LIBX264_THREADS = 1;

export const DEFAULT_VAAPI_DEVICE = "/dev/dri/renderD128";

/**
 * The order "auto" tries hardware encoders in. Vendor SDK encoders first (best quality per
 * bit and the most mature ffmpeg wrappers: NVENC, then Quick Sync, then AMF), then the OS
 * frameworks: VideoToolbox (the only one on macOS anyway), VAAPI (Linux, Intel/AMD), and
 * Media Foundation last, because its ffmpeg wrapper ignores the GOP size and the bitrate cap
 * and its quality mode is the coarsest.
 */
export const HARDWARE_ENCODER_ORDER: readonly H264Encoder[] = [
  "h264_nvenc",
  "h264_qsv",
  "h264_amf",
  "h264_videotoolbox",
  "h264_vaapi",
  "h264_mf",
];

export function isSoftwareEncoder(encoder: H264Encoder): boolean {
  return encoder === "libx264";
}

/**
 * The pixel format handed to the encoder. Both are 8-bit 4:2:0, which every browser decodes
 * (High profile); software gets planar yuv420p, hardware gets nv12, the layout GPUs take natively.
 */
export function encoderPixelFormat(encoder: H264Encoder): "yuv420p" | "nv12" {
  return isSoftwareEncoder(encoder) ? "yuv420p" : "nv12";
}

/** The last filters before the encoder: the pixel format, and for VAAPI the upload to the GPU. */
export function encoderFeedFilters(encoder: H264Encoder): string[] {
  return [`format=${encoderPixelFormat(encoder)}`, ...encoderUploadFilters(encoder)];
}

/** What moves frames from system memory onto the encoder's device: VAAPI's upload, or none. */
export function encoderUploadFilters(encoder: H264Encoder): string[] {
  return encoder === "h264_vaapi" ? ["hwupload"] : [];
}

/** Global options that must precede the inputs (VAAPI opens its device there). */
export function encoderDeviceArgs(encoder: H264Encoder, vaapiDevice?: string): string[] {
  return encoder === "h264_vaapi" ? ["-vaapi_device", vaapiDevice ?? DEFAULT_VAAPI_DEVICE] : [];
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

/** A QP-like 1–51 value; 0 is excluded because NVENC, QSV and VAAPI read 0 as "not set". */
function qp(crf: number): string {
  return String(clamp(Math.round(crf), 1, 51));
}

/** CRF 0 (best) … 51 (worst) onto a 1–100 "higher is better" scale (VideoToolbox, MF). */
export function crfToPercent(crf: number): number {
  return clamp(Math.round((51 - crf) * 100 / 51), 1, 100);
}

/**
 * Constant-quality rate control per encoder, from one CRF. The numbers are not equivalent
 * across encoders (each has its own quantiser behaviour); the mapping only keeps "lower CRF =
 * better" and the usual 18–28 working range meaningful everywhere.
 */
export function qualityArgs(encoder: H264Encoder, crf: number): string[] {
  switch (encoder) {
    case "libx264":
      return ["-crf", String(crf)];
    case "h264_nvenc":
      // VBR driven by the CQ target; -b:v 0 so no default average bitrate competes with it.
      return ["-rc", "vbr", "-cq", qp(crf), "-b:v", "0"];
    case "h264_qsv":
      // global_quality without a bitrate selects ICQ (intelligent constant quality).
      return ["-global_quality", qp(crf)];
    case "h264_amf":
      return ["-rc", "cqp", "-qp_i", qp(crf), "-qp_p", qp(crf)];
    case "h264_mf":
      // hw_encoding: without it Media Foundation may pick Microsoft's software MFT, which is
      // worse than libx264; the probe then fails on machines without a hardware MFT, as it
      // should. camera_record puts the MFT in constant-frame-rate mode so it drops no frames.
      return [
        "-rate_control",
        "quality",
        "-quality",
        String(crfToPercent(crf)),
        "-scenario",
        "camera_record",
        "-hw_encoding",
        "1",
      ];
    case "h264_videotoolbox":
      // Constant quality exists only on Apple Silicon; on Intel Macs ffmpeg refuses -q:v, the
      // probe encode fails and libx264 is used instead.
      return ["-q:v", String(crfToPercent(crf))];
    case "h264_vaapi":
      return ["-rc_mode", "CQP", "-qp", qp(crf)];
  }
}

/**
 * Whether `-maxrate` is honoured together with the constant-quality mode above. QSV (switches
 * to QVBR, which wants a target bitrate too), AMF and VAAPI (CQP ignores caps) and MF (its
 * wrapper never reads it) are left uncapped rather than moved to rate-control modes no probe
 * has exercised; `ignoredSettings` reports it.
 */
export function capsBitrate(encoder: H264Encoder): boolean {
  return encoder === "libx264" || encoder === "h264_nvenc" || encoder === "h264_videotoolbox";
}

export function bitrateCapArgs(encoder: H264Encoder, maxBitrateKbps: number): string[] {
  if (maxBitrateKbps <= 0 || !capsBitrate(encoder)) return [];
  // VideoToolbox turns maxrate into a bytes-per-second data-rate limit; it has no VBV buffer.
  if (encoder === "h264_videotoolbox") return ["-maxrate", `${maxBitrateKbps}k`];
  // A two-second VBV buffer: short enough to bound bursts, long enough for a keyframe.
  return ["-maxrate", `${maxBitrateKbps}k`, "-bufsize", `${maxBitrateKbps * 2}k`];
}

/** Frames between keyframes: round(F × k), at least 1. */
export function gopFrames(frameRate: number, keyframeIntervalSec: number): number {
  return Math.max(1, Math.round(frameRate * keyframeIntervalSec));
}

/**
 * Keyframes every `gop` frames exactly, and no B-frames: every fragment then starts with an
 * IDR and decodes on its own, in order, which the fMP4 fragments, the segment cut and the live
 * view rely on. x264 would otherwise add keyframes at scene cuts (a window switch);
 * VideoToolbox reads -g only as a maximum and MF ignores it, so those two are also forced by
 * frame number (the output is constant frame rate, so frame n is at n / F seconds).
 */
export function keyframeArgs(encoder: H264Encoder, gop: number): string[] {
  const args = ["-g", String(gop), "-keyint_min", String(gop), "-bf", "0"];
  if (encoder === "libx264") args.push("-sc_threshold", "0");
  if (encoder === "h264_videotoolbox" || encoder === "h264_mf") {
    args.push("-force_key_frames", `expr:gte(n,n_forced*${gop})`);
  }
  return args;
}

/** `-c:v` with the encoder's quality, tuning and threads: everything encoder-specific. */
export function encoderArgs(encoder: H264Encoder, crf: number, threads?: number): string[] {
  const args = ["-c:v", encoder, ...qualityArgs(encoder, crf)];
  if (encoder === "libx264") {
    args.push(...LIBX264_SCREEN_OPTIONS, "-threads", String(threads ?? DEFAULT_LIBX264_THREADS));
  }
  return args;
}
