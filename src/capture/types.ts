/**
 * The shapes the capture module works with: what to capture (a monitor's area and how the OS
 * names it), with which ffmpeg backend and H.264 encoder, at what quality. Kept apart from
 * src/workstation/displays.ts on purpose: `CaptureArea` is structurally a subset of its coming
 * `Monitor` type, so a monitor can be passed here as is, and neither module waits on the other.
 */

/** How the capture backend names the screen a monitor lives on. */
export type CaptureTarget =
  | { kind: "x11"; display: string /* ":0.1" */ }
  | { kind: "windows"; outputIndex: number }
  | { kind: "avfoundation"; device: string };

/**
 * One monitor's rectangle, in the pixels the capture backend sees (X11 root-window pixels,
 * Windows desktop pixels relative to the primary monitor, macOS capture pixels). The pipeline
 * sizes its filters from it, so it must be the capture size, not a DPI-scaled logical size.
 */
export interface CaptureArea {
  x: number;
  y: number;
  width: number;
  height: number;
  capture: CaptureTarget;
}

export type CaptureBackend = "x11grab" | "ddagrab" | "gdigrab" | "avfoundation";

export const H264_ENCODER_NAMES = [
  "libx264",
  "h264_nvenc",
  "h264_qsv",
  "h264_amf",
  "h264_mf",
  "h264_videotoolbox",
  "h264_vaapi",
] as const;

export type H264Encoder = typeof H264_ENCODER_NAMES[number];

export function isH264Encoder(name: string): name is H264Encoder {
  return (H264_ENCODER_NAMES as readonly string[]).includes(name);
}

export interface Quality {
  /** x264-style constant rate factor, 0 (best) – 51 (worst); mapped per encoder. */
  crf: number;
  /** Peak bitrate cap in kbit/s; 0 = no cap. */
  maxBitrateKbps: number;
  /** Downscale monitors taller than this (keeping aspect); 0 = native size. */
  maxHeight: number;
}

/** Everything one monitor's encoder process needs; `buildEncoderArgs` turns it into argv. */
export interface PipelinePlan {
  backend: CaptureBackend;
  area: CaptureArea;
  /** Frames per second, integer 1–30. */
  frameRate: number;
  /** Seconds between keyframes (fragment boundaries, segment cut points). */
  keyframeIntervalSec: number;
  encoder: H264Encoder;
  quality: Quality;
  drawCursor: boolean;
  /** libx264 threads; default 1 (one monitor = one core at most). Ignored by GPU encoders. */
  threads?: number;
  /** VAAPI render node; default /dev/dri/renderD128. */
  vaapiDevice?: string;
  /**
   * Live view (src/live/): a fragment after every frame instead of one per keyframe interval,
   * and libx264 told not to hold a frame back. Default false: the recording's layout, and its
   * argv unchanged. See `buildEncoderArgs`.
   */
  lowLatency?: boolean;
}
