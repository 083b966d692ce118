/**
 * The small per-object state file of the filesystem store: the Header, the committed offset and
 * the finish result (with the agent's summary), as JSON. It is replaced atomically (write a
 * temporary file, fsync it, rename it over the old one, fsync the directory) so that after a
 * crash it is either the old or the new record, never a torn one, and a committed offset once
 * acknowledged stays on disk.
 */
import { z } from "zod";
import { RecordingHeaderJson } from "./header.ts";
import { replaceFileAtomically } from "../../util/durable_file.ts";

/** The agent's summary of a finished file (`RecordingSummary` in store.ts); safe integers. */
export const RecordingSummaryJson = z.object({
  frames: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  endedAtUnixMs: z.number().int(),
  incompleteReason: z.string().min(1).nullable(),
});

export const StateRecordJson = z.object({
  version: z.literal(1),
  header: RecordingHeaderJson,
  committed: z.number().int().nonnegative(),
  finished: z.boolean(),
  size: z.number().int().nonnegative().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  failure: z.string().nullable(),
  /** Absent from state files written before summaries were kept: read as null. */
  summary: RecordingSummaryJson.nullable().default(null),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export type StateRecord = z.infer<typeof StateRecordJson>;

/** Suffix of state files in the state directory; `<fileName>.json`. */
export const STATE_SUFFIX = ".json";
/** Atomically replaces `path` (in the state directory) with `record` (see the module comment). */
export function writeStateFile(path: string, record: StateRecord): Promise<void> {
  return replaceFileAtomically(path, JSON.stringify(record) + "\n");
}

/** Reads and checks a state file; throws on a missing, malformed or foreign one. */
export async function readStateFile(path: string): Promise<StateRecord> {
  const text = await Deno.readTextFile(path);
  return StateRecordJson.parse(JSON.parse(text));
}
