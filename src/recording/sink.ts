/**
 * Where a recording's bytes go: one file per (segment, monitor, part). The recorder opens a
 * part, writes its bytes in order (the fMP4 init segment at offset 0, then whole fragments),
 * and finishes it with its size and SHA-256. The upload issue's gRPC sink (through the spool)
 * implements this same interface; `file_sink.ts` writes plain files.
 */

/** What the ScreenRecorder needs to know about a file (DESIGN.md §4's metadata). */
export interface PartHeader {
  /** Object name on the ScreenRecorder, also sent in `newRecBatch`. */
  readonly fileName: string;
  readonly segmentId: string;
  readonly interactionId?: string;
  readonly workItemIds: readonly string[];
  /** Display index, as in getDisplayInfo. */
  readonly display: number;
  /** 0-based number of the file within (segmentId, display). */
  readonly part: number;
  /** Why this part began. */
  readonly cause: PartCause;
  /** The monitor as listed (name, desktop geometry). */
  readonly monitor: {
    readonly name: string;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  };
  readonly codec: "h264";
  readonly container: "fmp4";
  readonly encoder: string;
  readonly captureBackend: string;
  readonly frameRate: number;
  /** Wall-clock time of the part's first frame, Unix ms. */
  readonly startedAt: number;
  /**
   * Where the part begins on its segment's timeline, ms from part 0's first frame: a part
   * after a pause or an encoder restart starts later than the previous one ended, and the
   * difference is the gap (no frames were captured in it).
   */
  readonly offsetMs: number;
}

export type PartCause =
  | "segmentStart"
  | "segmentSwitch"
  | "resume"
  | "encoderRestart"
  | "monitorChanged"
  | "liveView";

export interface PartChunk {
  /** Byte offset of `bytes` in the file. */
  readonly offset: number;
  readonly bytes: Uint8Array;
  /** Wall-clock time of the chunk's first frame, Unix ms (the init segment: the part's start). */
  readonly captureTime: number;
}

export interface PartSummary {
  readonly bytes: number;
  /** Hex SHA-256 of the whole file. */
  readonly sha256: string;
  readonly frames: number;
  /** Media duration, ms. */
  readonly durationMs: number;
  /** Wall-clock time just after the last frame, Unix ms. */
  readonly endedAt: number;
}

export interface PartWriter {
  write(chunk: PartChunk): Promise<void>;
  finish(summary: PartSummary): Promise<void>;
  /** The part cannot be completed (its encoder output was unreadable): say why. */
  abort(reason: string): Promise<void>;
}

export interface RecordingSink {
  open(header: PartHeader): Promise<PartWriter>;
}

/** `<segmentId>.d<display>.p<part>.mp4`: segment ids are file-safe (fields.ts). */
export function partFileName(segmentId: string, display: number, part: number): string {
  return `${segmentId}.d${display}.p${part}.mp4`;
}

/**
 * The sink cannot take more bytes (the spool reached its cap). Not a failure of one part: the
 * recorder stops capturing everywhere and reports it, since every further byte would be lost.
 */
export class SinkFull extends Error {
  override readonly name = "SinkFull";
}
