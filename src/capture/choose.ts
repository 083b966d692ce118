/**
 * Choosing how to capture and encode, from what the ffmpeg has (FfmpegInfo.captureBackends)
 * and which encoders passed a probe encode (encoder_probe.ts). Pure.
 *
 * Windows: Desktop Duplication (ddagrab) is preferred — GPU-composited, cheap at 4K, sees
 * HDR and hardware-accelerated windows that GDI shows black — but a user session gets at most
 * four duplication sessions, shared with every other program (screen sharing, remote
 * support), so the caller passes how many it may still take and the rest use GDI (gdigrab).
 */
import type { OsName } from "../config/paths.ts";
import { HARDWARE_ENCODER_ORDER } from "./encoders.ts";
import { CaptureUnsupported } from "./errors.ts";
import type { CaptureBackend, H264Encoder } from "./types.ts";

/** Desktop Duplication sessions Windows allows per user session. */
export const DDA_SESSION_LIMIT = 4;

/**
 * One backend per monitor, in monitor order. Throws {@link CaptureUnsupported} naming what
 * this ffmpeg lacks.
 */
export function chooseBackends(
  os: OsName,
  available: readonly string[],
  monitorCount: number,
  ddaSlotsFree: number = DDA_SESSION_LIMIT,
): CaptureBackend[] {
  if (!Number.isInteger(monitorCount) || monitorCount < 0) {
    throw new RangeError(`monitorCount ${monitorCount} is not a non-negative integer`);
  }
  if (monitorCount === 0) return [];
  const has = (name: string) => available.includes(name);
  const all = (backend: CaptureBackend): CaptureBackend[] => Array(monitorCount).fill(backend);
  switch (os) {
    case "linux":
      if (!has("x11grab")) {
        throw new CaptureUnsupported(
          "this ffmpeg has no x11grab (Linux screen capture needs an ffmpeg built with libxcb)",
        );
      }
      return all("x11grab");
    case "darwin":
      if (!has("avfoundation")) {
        throw new CaptureUnsupported("this ffmpeg has no avfoundation (macOS screen capture)");
      }
      return all("avfoundation");
    case "windows": {
      const dda = has("ddagrab") ? Math.max(0, Math.min(ddaSlotsFree, monitorCount)) : 0;
      if (dda < monitorCount && !has("gdigrab")) {
        throw new CaptureUnsupported(
          has("ddagrab")
            ? `this ffmpeg has no gdigrab, and only ${dda} of ${monitorCount} monitors can ` +
              `get a Desktop Duplication (ddagrab) session`
            : "this ffmpeg has neither ddagrab nor gdigrab (Windows screen capture)",
        );
      }
      return [
        ...Array<CaptureBackend>(dda).fill("ddagrab"),
        ...Array<CaptureBackend>(monitorCount - dda).fill("gdigrab"),
      ];
    }
  }
}

/** The backend to retry with when this one keeps failing on a monitor: ddagrab → gdigrab. */
export function fallbackBackend(backend: CaptureBackend): CaptureBackend | null {
  return backend === "ddagrab" ? "gdigrab" : null;
}

export interface EncoderChoice {
  readonly encoder: H264Encoder;
  /** Why the preference was not honoured; absent when it was. */
  readonly reason?: string;
}

/**
 * The encoder to use. "auto": the first usable hardware encoder in
 * {@link HARDWARE_ENCODER_ORDER}, else libx264. An explicit preference that did not pass its
 * probe falls back to libx264 (the predictable baseline, not another vendor's GPU encoder),
 * with the reason. Throws {@link CaptureUnsupported} when nothing usable is left at all.
 */
export function chooseEncoder(
  usable: readonly string[],
  preference: "auto" | H264Encoder,
): EncoderChoice {
  const ok = (e: H264Encoder) => usable.includes(e);
  if (preference !== "auto" && ok(preference)) return { encoder: preference };
  const fallback: H264Encoder | undefined = preference === "auto"
    ? HARDWARE_ENCODER_ORDER.find(ok) ?? (ok("libx264") ? "libx264" : undefined)
    : ok("libx264")
    ? "libx264"
    : HARDWARE_ENCODER_ORDER.find(ok);
  if (fallback === undefined) {
    throw new CaptureUnsupported(
      "no usable H.264 encoder: libx264 and every hardware encoder failed their probe " +
        "or are not built into this ffmpeg",
    );
  }
  if (preference === "auto") return { encoder: fallback };
  return {
    encoder: fallback,
    reason: `${preference} is not usable on this machine (not built into this ffmpeg, or ` +
      `its probe encode failed); using ${fallback}`,
  };
}
