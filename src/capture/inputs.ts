/**
 * The ffmpeg input side of a pipeline: which capture backend grabs which rectangle, at what
 * rate, with or without the cursor. Pure; validation of the plan happens in pipeline.ts.
 */
import type { CaptureArea, CaptureBackend } from "./types.ts";

/**
 * The pixel format asked of macOS screen capture. The screen device offers uyvy422, yuyv422,
 * nv12, 0rgb and bgr0, and rejects ffmpeg's default (yuv420p) — then silently picks uyvy422.
 * nv12 is already the 4:2:0 the recording ends up in (nothing kept is lost), moves half the
 * bytes of the RGB and 4:2:2 formats, and is what VideoToolbox takes without conversion.
 */
export const AVFOUNDATION_PIXEL_FORMAT = "nv12";

/** Whether the backend delivers RGB (so the pipeline converts to BT.709 YUV itself). */
export function deliversRgb(backend: CaptureBackend): boolean {
  return backend !== "avfoundation";
}

const flag = (on: boolean): string => (on ? "1" : "0");

/**
 * Input options for one monitor. x11grab and gdigrab grab the monitor's rectangle out of the
 * whole desktop; ddagrab (Desktop Duplication) and avfoundation capture one output by its
 * index / device name, so the rectangle only sizes the filters downstream.
 */
export function inputArgs(
  backend: CaptureBackend,
  area: CaptureArea,
  frameRate: number,
  drawCursor: boolean,
): string[] {
  const size = `${area.width}x${area.height}`;
  const fps = String(frameRate);
  switch (backend) {
    case "x11grab": {
      const display = area.capture.kind === "x11" ? area.capture.display : "";
      return [
        "-f",
        "x11grab",
        "-framerate",
        fps,
        "-draw_mouse",
        flag(drawCursor),
        "-video_size",
        size,
        "-i",
        `${display}+${area.x},${area.y}`,
      ];
    }
    case "ddagrab": {
      const index = area.capture.kind === "windows" ? area.capture.outputIndex : 0;
      // ddagrab is a filter source producing D3D11 frames. They are always downloaded to
      // system memory here, even for NVENC/QSV/AMF, which could take D3D11 frames directly:
      // our filters (crop, scale, format) are software filters, and a GPU-only path has not
      // been verified on real hardware. At 1–30 fps the copy costs little.
      return [
        "-f",
        "lavfi",
        "-i",
        `ddagrab=output_idx=${index}:framerate=${fps}:draw_mouse=${flag(drawCursor)}` +
        ",hwdownload,format=bgra",
      ];
    }
    case "gdigrab":
      // Offsets are desktop coordinates relative to the primary monitor (negative to its left).
      return [
        "-f",
        "gdigrab",
        "-framerate",
        fps,
        "-draw_mouse",
        flag(drawCursor),
        "-offset_x",
        String(area.x),
        "-offset_y",
        String(area.y),
        "-video_size",
        size,
        "-i",
        "desktop",
      ];
    case "avfoundation": {
      const device = area.capture.kind === "avfoundation" ? area.capture.device : "";
      return [
        "-f",
        "avfoundation",
        "-framerate",
        fps,
        "-capture_cursor",
        flag(drawCursor),
        "-pixel_format",
        AVFOUNDATION_PIXEL_FORMAT,
        "-i",
        `${device}:none`,
      ];
    }
  }
}
