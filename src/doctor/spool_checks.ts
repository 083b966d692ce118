/**
 * How full the spool is: the files waiting for the ScreenRecorder's acknowledgement and their
 * bytes against `spool.maxBytes`. Read only: the directories are listed and sized, nothing is
 * recovered, sealed or removed (a running agent owns them; see src/spool/entry_files.ts for
 * the layout).
 */
import path from "node:path";
import { fail, type Finding, ok, warn } from "./report.ts";

export interface DirEntryInfo {
  readonly name: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  /** Bytes, for files. */
  readonly size: number;
}

export interface DoctorFiles {
  /** The entries of `dir`, sized; null when it does not exist. Other failures throw. */
  list(dir: string): Promise<DirEntryInfo[] | null>;
}

export const denoDoctorFiles: DoctorFiles = {
  async list(dir) {
    const out: DirEntryInfo[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        let size = 0;
        if (e.isFile) {
          try {
            size = (await Deno.stat(path.join(dir, e.name))).size;
          } catch (err) {
            // Trimmed or removed by a running agent between the listing and the stat.
            if (!(err instanceof Deno.errors.NotFound)) throw err;
            continue;
          }
        }
        out.push({ name: e.name, isFile: e.isFile, isDirectory: e.isDirectory, size });
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
    return out;
  },
};

/** Above this share of `spool.maxBytes` the spool is a WARN. */
export const SPOOL_WARN_SHARE = 0.8;
const MIB = 1024 * 1024;

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

export async function spoolFindings(
  files: DoctorFiles,
  spoolDirectory: string,
  maxBytes: number,
): Promise<Finding[]> {
  const topic = "spool";
  const upload = path.join(spoolDirectory, "upload");
  let pending = 0;
  let open = 0;
  let bytes = 0;
  try {
    const entries = (await files.list(upload)) ?? [];
    for (const entry of entries.filter((e) => e.isDirectory)) {
      const inside = await files.list(path.join(upload, entry.name));
      if (inside === null) continue; // uploaded and removed meanwhile
      pending++;
      if (!inside.some((f) => f.isFile && f.name === "sealed.json")) open++;
      for (const f of inside) if (f.isFile && f.name.startsWith("data-")) bytes += f.size;
    }
  } catch (e) {
    return [
      warn(
        topic,
        `cannot read ${upload}: ${(e as Error).message}`,
        "give the operator's account read and write access to spool.directory",
      ),
    ];
  }
  const share = bytes / maxBytes;
  const percent = `${Math.floor(share * 100)} %`;
  const openNote = open > 0
    ? ` (${open} not finished: being recorded, or interrupted and finished at the next start)`
    : "";
  const detail = pending === 0
    ? `nothing waits for upload; limit ${mib(maxBytes)} (spool.maxBytes)`
    : `${pending} file(s) wait for upload${openNote}: ${mib(bytes)} of ${
      mib(maxBytes)
    } (${percent} of spool.maxBytes)`;
  const fix = "make sure the ScreenRecorder is reachable (see its lines above): uploads empty " +
    "the spool; raise spool.maxBytes if the disk has room";
  if (share >= 1) return [fail(topic, `full, capture stops: ${detail}`, fix)];
  if (share > SPOOL_WARN_SHARE) return [warn(topic, detail, fix)];
  return [ok(topic, detail)];
}
