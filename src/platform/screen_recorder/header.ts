/**
 * A recording's Header as the store keeps it: plain JSON (int64 fields as numbers, a missing
 * Display as null), so the state file and the HTTP listing need no bigint handling. Every
 * stream of a file must send the same Header; `headerDifference` names the first field that
 * differs, by its proto name, for the INVALID_ARGUMENT the agent gets.
 */
import { z } from "zod";
import type { Header } from "../../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";

const DisplayJson = z.object({
  index: z.number().int(),
  name: z.string(),
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
});

/** The stored form; also what state files are checked against when loaded. */
export const RecordingHeaderJson = z.object({
  fileName: z.string(),
  tenantId: z.string(),
  operatorId: z.string(),
  sessionId: z.string(),
  segmentId: z.string(),
  interactionId: z.string(),
  workItemIds: z.array(z.string()),
  display: DisplayJson.nullable(),
  part: z.number().int(),
  cause: z.string(),
  codec: z.string(),
  container: z.string(),
  encoder: z.string(),
  captureBackend: z.string(),
  frameRate: z.number().int(),
  startedAtUnixMs: z.number().int(),
  offsetMs: z.number().int(),
});

export type RecordingDisplay = z.infer<typeof DisplayJson>;
export type RecordingHeader = z.infer<typeof RecordingHeaderJson>;

/** Thrown by `headerFromProto` for a value the store cannot represent exactly. */
export class HeaderValueError extends Error {
  override name = "HeaderValueError";
}

function safeInt(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new HeaderValueError(`${field} is out of range`);
  }
  return Number(value);
}

export function headerFromProto(h: Header): RecordingHeader {
  const d = h.display;
  return {
    fileName: h.fileName,
    tenantId: h.tenantId,
    operatorId: h.operatorId,
    sessionId: h.sessionId,
    segmentId: h.segmentId,
    interactionId: h.interactionId,
    workItemIds: [...h.workItemIds],
    display: d === undefined
      ? null
      : { index: d.index, name: d.name, x: d.x, y: d.y, width: d.width, height: d.height },
    part: h.part,
    cause: h.cause,
    codec: h.codec,
    container: h.container,
    encoder: h.encoder,
    captureBackend: h.captureBackend,
    frameRate: h.frameRate,
    startedAtUnixMs: safeInt(h.startedAtUnixMs, "started_at_unix_ms"),
    offsetMs: safeInt(h.offsetMs, "offset_ms"),
  };
}

/** Stored field → proto field name, in proto order (the first difference is reported). */
const PROTO_NAMES: ReadonlyArray<readonly [keyof RecordingHeader, string]> = [
  ["fileName", "file_name"],
  ["tenantId", "tenant_id"],
  ["operatorId", "operator_id"],
  ["sessionId", "session_id"],
  ["segmentId", "segment_id"],
  ["interactionId", "interaction_id"],
  ["workItemIds", "work_item_ids"],
  ["display", "display"],
  ["part", "part"],
  ["cause", "cause"],
  ["codec", "codec"],
  ["container", "container"],
  ["encoder", "encoder"],
  ["captureBackend", "capture_backend"],
  ["frameRate", "frame_rate"],
  ["startedAtUnixMs", "started_at_unix_ms"],
  ["offsetMs", "offset_ms"],
];

/** Structural equality of JSON values (key order does not matter). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((v, i) => sameJson(v, b[i]));
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(rb, k) && sameJson(ra[k], rb[k]));
}

/** The proto name of the first field where `incoming` differs from `stored`, if any. */
export function headerDifference(
  stored: RecordingHeader,
  incoming: RecordingHeader,
): string | undefined {
  for (const [key, protoName] of PROTO_NAMES) {
    if (!sameJson(stored[key], incoming[key])) return protoName;
  }
  return undefined;
}
