/**
 * The file names the agent has ever given its parts, kept across restarts. A part's name is
 * its object name on the ScreenRecorder (`<segment>.d<display>.p<part>.mp4`), and an uploaded
 * part leaves no trace in the spool; without this list an agent restarted mid-interaction
 * (or handed an old segment id again) would number from p0 again, reuse a name the recorder
 * already holds, and have that part refused as a header conflict. Part numbering skips every
 * name listed here.
 *
 * One name per line, appended and fdatasync'ed before the part is created. A torn last line
 * (a crash mid-append) is ignored. Past `maxNames` the file is rewritten with its newest half
 * at the next start, so it stays small (10 000 names are about 300 KB).
 */
import { replaceFileAtomically } from "../util/durable_file.ts";
import { appendDurably, readTextOrNull } from "./entry_files.ts";

export interface NameJournal {
  has(name: string): boolean;
  /** Durably adds `name`. */
  record(name: string): Promise<void>;
}

const enc = new TextEncoder();

export async function openNameJournal(
  file: string,
  options: { readonly maxNames?: number } = {},
): Promise<NameJournal> {
  const maxNames = options.maxNames ?? 10_000;
  const text = await readTextOrNull(file) ?? "";
  const lines = text.split("\n");
  // The last element is "" after a whole line, or a torn line: either way not a name.
  lines.pop();
  let kept = lines.filter((l) => l !== "");
  const torn = text !== "" && !text.endsWith("\n");
  if (kept.length > maxNames) kept = kept.slice(-Math.ceil(maxNames / 2));
  if (torn || kept.length < lines.length) {
    await replaceFileAtomically(file, kept.map((n) => `${n}\n`).join(""));
  }
  const names = new Set(kept);
  return {
    has: (name) => names.has(name),
    async record(name) {
      if (/[\n\r]/.test(name)) throw new Error("a part name cannot contain a line break");
      if (names.has(name)) return;
      await appendDurably(file, enc.encode(`${name}\n`));
      names.add(name);
    },
  };
}
