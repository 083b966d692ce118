/** A recorded part's header for tests of the spool and the upload (display 0, 640x480). */
import type { PartHeader } from "../recording/sink.ts";

export function samplePartHeader(fileName = "seg.d0.p0.mp4"): PartHeader {
  return {
    fileName,
    segmentId: "seg",
    workItemIds: ["w"],
    display: 0,
    part: 0,
    cause: "segmentStart",
    monitor: { name: "m", x: 0, y: 0, width: 640, height: 480 },
    codec: "h264",
    container: "fmp4",
    encoder: "libx264",
    captureBackend: "x11grab",
    frameRate: 5,
    startedAt: 1_000,
    offsetMs: 0,
  };
}
