/**
 * File-system steps whose result survives a power cut, not just a crash of the process: the
 * data is fsynced, and so is the directory entry that names it (a new or renamed file whose
 * directory was not synced may vanish, although its data was).
 */
import path from "node:path";
import { writeAll } from "./write_all.ts";

/** fsync of a directory, so that files created or renamed in it stay named after a power cut. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/** Suffix of the temporary file {@link replaceFileAtomically} writes before its rename. */
export const TMP_SUFFIX = ".tmp";

/**
 * Replaces `file` with `text` so that after a crash or power cut it holds either the old text
 * or the new one, never a torn mix: write a temporary file, fsync it, rename it over `file`,
 * fsync the directory.
 */
export async function replaceFileAtomically(file: string, text: string): Promise<void> {
  const tmp = file + TMP_SUFFIX;
  const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    await writeAll(f, new TextEncoder().encode(text));
    await f.syncData();
  } finally {
    f.close();
  }
  await Deno.rename(tmp, file);
  await syncDirectory(path.dirname(file));
}
