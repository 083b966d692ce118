/**
 * The on-disk layout of one spooled file (one directory per recorded part) and the small
 * file-system steps the spool is made of. Kept apart from the spool's bookkeeping so that the
 * durability rules are in one place:
 *
 *   <spool>/upload/<name>/meta.json      what the file is and where it goes (atomic write)
 *   <spool>/upload/<name>/index.jsonl    one line per appended chunk: offset, size, capture
 *                                         time and the SHA-256 state after it (append, fsync)
 *   <spool>/upload/<name>/data-<offset>  the bytes from <offset> on, up to DATA_FILE_BYTES each
 *   <spool>/upload/<name>/committed      the recorder's last committed offset (hint only)
 *   <spool>/upload/<name>/sealed.json    written when the encoder's part ended (atomic write)
 *   <spool>/upload/names.log             every part name ever used (append, fsync)
 *
 * Order on append: data, fdatasync, then the index line, fdatasync. An index line therefore
 * never names bytes that are not on disk, and recovery cuts the data back to the last line.
 */
import { writeAll } from "../util/write_all.ts";

/** Size at which a new data file starts: trimming frees disk one whole file at a time. */
export const DATA_FILE_BYTES = 4 * 1024 * 1024;

export const META = "meta.json";
/** In the spool's own directory: every part name ever used (name_journal.ts). */
export const NAMES = "names.log";
export const INDEX = "index.jsonl";
export const COMMITTED = "committed";
export const SEALED = "sealed.json";
const DATA_PREFIX = "data-";

export function dataFileName(startOffset: number): string {
  return `${DATA_PREFIX}${String(startOffset).padStart(15, "0")}`;
}

/** The start offsets of the data files present, ascending. */
export async function listDataFiles(dir: string): Promise<number[]> {
  const offsets: number[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.startsWith(DATA_PREFIX)) continue;
    const n = Number(e.name.slice(DATA_PREFIX.length));
    if (Number.isSafeInteger(n)) offsets.push(n);
  }
  return offsets.sort((a, b) => a - b);
}

/** Appends and makes it durable before returning. */
export async function appendDurably(file: string, bytes: Uint8Array): Promise<void> {
  const f = await Deno.open(file, { append: true, create: true });
  try {
    await writeAll(f, bytes);
    await f.syncData();
  } finally {
    f.close();
  }
}

export async function readTextOrNull(file: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

export async function removeIfPresent(file: string): Promise<void> {
  try {
    await Deno.remove(file, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * Reads up to `length` bytes at `position` of `file` (fewer at its end), into a buffer that has
 * `headroom` free bytes before them (the returned view starts there), so that a message can be
 * built around the bytes without copying them: `into` when given, else a new one.
 */
export async function readAt(
  file: string,
  position: number,
  length: number,
  headroom = 0,
  into?: ArrayBuffer,
): Promise<Uint8Array> {
  if (into && into.byteLength < headroom + length) {
    throw new RangeError(`a buffer of ${into.byteLength} bytes cannot take ${headroom}+${length}`);
  }
  const f = await Deno.open(file, { read: true });
  try {
    await f.seek(position, Deno.SeekMode.Start);
    const out = new Uint8Array(into ?? new ArrayBuffer(headroom + length), headroom, length);
    let done = 0;
    while (done < length) {
      const n = await f.read(out.subarray(done));
      if (n === null) break;
      done += n;
    }
    return out.subarray(0, done);
  } finally {
    f.close();
  }
}
