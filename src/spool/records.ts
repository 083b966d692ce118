/** What the spool keeps about each file, as stored on disk (see entry_files.ts). */
import type { PartHeader } from "../recording/sink.ts";

/** Who the file belongs to and where it goes: fixed when the part opens. */
export interface UploadTarget {
  /** ScreenRecorder address (`host:port`) given by the page or AgentServer; "" when none was. */
  readonly recorder: string;
  readonly tenantId: string;
  /** The registration's userID. */
  readonly operatorId: string;
  readonly sessionId: string;
}

/** meta.json */
export interface SpoolMeta {
  readonly header: PartHeader;
  readonly target: UploadTarget;
}

/** sealed.json: the file is complete. */
export interface SealedInfo {
  readonly bytes: number;
  /** Hex SHA-256 of the whole file. */
  readonly sha256: string;
  readonly frames?: number;
  readonly durationMs?: number;
  readonly endedAt?: number;
  /** The agent stopped before the part's end; the file ends after its last whole fragment. */
  readonly interrupted?: true;
  /** The part could not be completed (its writer aborted); what was spooled still plays. */
  readonly aborted?: string;
}

/** index.jsonl: one line per append. `h`: base64 SHA-256 state after these bytes. */
export interface IndexLine {
  readonly o: number;
  readonly n: number;
  readonly t: number;
  readonly h: string;
}

function isLine(v: unknown): v is IndexLine {
  const l = v as IndexLine;
  return typeof l === "object" && l !== null && Number.isSafeInteger(l.o) &&
    Number.isSafeInteger(l.n) && typeof l.t === "number" && typeof l.h === "string";
}

/**
 * The index's lines, in order, up to the first that is torn or does not follow on from the one
 * before (a crash mid-append leaves at most one such line, at the end).
 */
export function parseIndex(text: string): IndexLine[] {
  const out: IndexLine[] = [];
  for (const raw of text.split("\n")) {
    if (raw === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      break;
    }
    const expected = out.length === 0 ? 0 : out.at(-1)!.o + out.at(-1)!.n;
    if (!isLine(v) || v.o !== expected) break;
    out.push(v);
  }
  return out;
}
