/**
 * The small per-object state file of the filesystem store: the Header, the committed offset and
 * the finish result, as JSON. It is replaced atomically (write a temporary file, fsync it,
 * rename it over the old one, fsync the directory) so that after a crash it is either the old
 * or the new record, never a torn one, and a committed offset once acknowledged stays on disk.
 */
import { z } from "zod";
import { RecordingHeaderJson } from "./header.ts";
import { writeAll } from "../../util/write_all.ts";

export const StateRecordJson = z.object({
  version: z.literal(1),
  header: RecordingHeaderJson,
  committed: z.number().int().nonnegative(),
  finished: z.boolean(),
  size: z.number().int().nonnegative().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  failure: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export type StateRecord = z.infer<typeof StateRecordJson>;

/** Suffix of state files in the state directory; `<fileName>.json`. */
export const STATE_SUFFIX = ".json";
/** Suffix of a state file being written; left over only by a crash, removed at load. */
export const TMP_SUFFIX = ".tmp";

const encoder = new TextEncoder();

/** fsync of a directory, so a rename in it survives a power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/** Atomically replaces `path` with `record` (see the module comment). */
export async function writeStateFile(
  path: string,
  dir: string,
  record: StateRecord,
): Promise<void> {
  const tmp = path + TMP_SUFFIX;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    await writeAll(file, encoder.encode(JSON.stringify(record) + "\n"));
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
  await syncDirectory(dir);
}

/** Reads and checks a state file; throws on a missing, malformed or foreign one. */
export async function readStateFile(path: string): Promise<StateRecord> {
  const text = await Deno.readTextFile(path);
  return StateRecordJson.parse(JSON.parse(text));
}
