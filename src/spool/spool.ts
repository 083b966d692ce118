/**
 * The durable spool between the encoders and the ScreenRecorder (DESIGN.md §4). Every byte an
 * encoder produces is appended here, durably, before anything is sent; the recorder's
 * committed offsets trim it; what a previous run left behind is found again at start.
 *
 * fsync policy: each append (one fMP4 fragment, i.e. one keyframe interval of one monitor, or
 * the init segment) is fdatasync'ed, data first and then its index line. That is one or two
 * syncs per monitor every 2 s by default, negligible next to the encoder, and it makes the
 * promise simple: a fragment the sink accepted survives a crash of the agent or of the machine,
 * and recovery never finds an index line whose bytes are missing. Syncing less (per N
 * fragments) would save nothing measurable; syncing nothing would survive an agent crash (the
 * page cache outlives the process) but not a power cut. Directory entries are synced when a
 * file is created (an entry, its index, each 4 MiB data file) or replaced (meta, sealed), so
 * that no durable byte sits in a file whose name a power cut could lose.
 */
import path from "node:path";
import type { Logger } from "@logtape/logtape";
import { SinkFull } from "../recording/sink.ts";
import { replaceFileAtomically, syncDirectory } from "../util/durable_file.ts";
import { type NameJournal, openNameJournal } from "./name_journal.ts";
import { Sha256 } from "./sha256.ts";
import {
  appendDurably,
  COMMITTED,
  DATA_FILE_BYTES,
  dataFileName,
  INDEX,
  listDataFiles,
  META,
  NAMES,
  readAt,
  readTextOrNull,
  removeIfPresent,
  SEALED,
} from "./entry_files.ts";
import { type IndexLine, parseIndex, type SealedInfo, type SpoolMeta } from "./records.ts";

export type { SealedInfo, SpoolMeta } from "./records.ts";

export interface SpoolOptions {
  /** `<spool.directory>/upload`. */
  readonly directory: string;
  /** Bytes the spool may hold; an append beyond it throws {@link SinkFull}. */
  readonly maxBytes: number;
}

export interface SpoolDeps {
  readonly log: Logger;
}

/** Bytes at `offset` and the capture time of the chunk they belong to. */
export interface SpoolRead {
  readonly bytes: Uint8Array;
  readonly captureTime: number;
}

/** One spooled file: appended by its part's writer, read and trimmed by its upload. */
export interface SpoolEntry {
  readonly name: string;
  readonly meta: SpoolMeta;
  /** Bytes appended so far. */
  size(): number;
  /** Set once the part ended: the file is complete at `sealed().bytes`. */
  sealed(): SealedInfo | null;
  /** Highest offset the recorder has committed (all bytes before it are stored there). */
  committed(): number;
  append(bytes: Uint8Array, captureTime: number): Promise<void>;
  /** Ends the file; `expectSha256` (hex), when given, must equal what was spooled. */
  seal(extra: Omit<SealedInfo, "bytes" | "sha256">, expectSha256?: string): Promise<SealedInfo>;
  /**
   * Up to `max` bytes from `offset` (fewer at a data file's end; empty at the end), in a buffer
   * with `headroom` free bytes before them (for a message built around them; default 0): `into`
   * when given (at least `headroom + max` bytes), else a new one.
   */
  read(offset: number, max: number, headroom?: number, into?: ArrayBuffer): Promise<SpoolRead>;
  /** The recorder committed `offset`: frees whole data files below it. */
  commit(offset: number): Promise<void>;
  /** Resolves at the next append or seal. */
  changed(): Promise<void>;
  /** Deletes the entry (the recorder holds all of it). */
  remove(): Promise<void>;
}

export interface Spool {
  /** Recovers what a previous run left: interrupted files are sealed where their data ends. */
  recover(): Promise<SpoolEntry[]>;
  create(name: string, meta: SpoolMeta): Promise<SpoolEntry>;
  /**
   * Whether a part was ever created under this name (in this run, or an earlier one once
   * `recover` has run): such a name must not be given to a new part.
   */
  nameTaken(name: string): boolean;
  usedBytes(): number;
  readonly maxBytes: number;
}

/** The bytes asked for were already deleted (the recorder had committed them). */
export class SpoolTrimmed extends Error {
  override readonly name = "SpoolTrimmed";
}

const enc = new TextEncoder();

interface DataFile {
  readonly start: number;
  size: number;
}

export function createSpool(deps: SpoolDeps, options: SpoolOptions): Spool {
  let used = 0;
  const names = new Set<string>();
  let journal: NameJournal | null = null;
  let journalOpening: Promise<NameJournal> | null = null;
  const openJournal = async (): Promise<NameJournal> => {
    journalOpening ??= Deno.mkdir(options.directory, { recursive: true })
      .then(() => openNameJournal(path.join(options.directory, NAMES)));
    return journal = await journalOpening;
  };

  const makeEntry = (
    name: string,
    meta: SpoolMeta,
    init: {
      files: DataFile[];
      index: IndexLine[];
      hash: Sha256;
      sealed: SealedInfo | null;
      committed: number;
    },
  ): SpoolEntry => {
    const dir = path.join(options.directory, name);
    const files = init.files;
    const index = init.index;
    const hash = init.hash;
    let sealed = init.sealed;
    let committed = init.committed;
    // The index is never trimmed: its last line ends where the data ends.
    let size = index.length === 0 ? 0 : index.at(-1)!.o + index.at(-1)!.n;
    let wake: (() => void) | null = null;
    let waiting: Promise<void> | null = null;
    let removed = false;
    const notify = () => {
      wake?.();
      wake = null;
      waiting = null;
    };

    const captureTimeAt = (offset: number): number => {
      let lo = 0, hi = index.length - 1, found = index[0]?.t ?? meta.header.startedAt;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const line = index[mid]!;
        if (line.o <= offset) {
          found = line.t;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found;
    };

    const entry: SpoolEntry = {
      name,
      meta,
      size: () => size,
      sealed: () => sealed,
      committed: () => committed,
      async append(bytes, captureTime) {
        if (sealed) throw new Error(`${name} is sealed: nothing can be appended`);
        if (removed) throw new Error(`${name} was removed`);
        if (used + bytes.length > options.maxBytes) {
          throw new SinkFull(
            `the spool is full (${used} of ${options.maxBytes} bytes, spool.maxBytes)`,
          );
        }
        let last = files.at(-1);
        if (!last || last.size >= DATA_FILE_BYTES) {
          last = { start: size, size: 0 };
          files.push(last);
        }
        await appendDurably(path.join(dir, dataFileName(last.start)), bytes);
        hash.update(bytes);
        const line: IndexLine = { o: size, n: bytes.length, t: captureTime, h: toB64(hash.save()) };
        await appendDurably(path.join(dir, INDEX), enc.encode(`${JSON.stringify(line)}\n`));
        // A data file (or the index) this append created must keep its name after a power cut.
        if (last.size === 0 || index.length === 0) await syncDirectory(dir);
        index.push(line);
        last.size += bytes.length;
        size += bytes.length;
        used += bytes.length;
        notify();
      },
      async seal(extra, expectSha256) {
        if (sealed) return sealed;
        const sha256 = hash.hex();
        if (expectSha256 !== undefined && expectSha256 !== sha256) {
          throw new Error(
            `${name}: spooled bytes hash to ${sha256}, the encoder's to ${expectSha256}`,
          );
        }
        const info: SealedInfo = { ...extra, bytes: size, sha256 };
        await replaceFileAtomically(path.join(dir, SEALED), JSON.stringify(info));
        sealed = info;
        notify();
        return info;
      },
      async read(offset, max, headroom = 0, into) {
        const file = files.find((f) => offset >= f.start && offset < f.start + f.size);
        if (!file) {
          if (offset >= size) {
            return { bytes: new Uint8Array(0), captureTime: captureTimeAt(offset) };
          }
          throw new SpoolTrimmed(`${name}: offset ${offset} was already trimmed`);
        }
        const want = Math.min(max, file.start + file.size - offset);
        const bytes = await readAt(
          path.join(dir, dataFileName(file.start)),
          offset - file.start,
          want,
          headroom,
          into,
        );
        if (bytes.length !== want) throw new Error(`${name}: data file shorter than its index`);
        return { bytes, captureTime: captureTimeAt(offset) };
      },
      async commit(offset) {
        const next = Math.min(offset, size);
        if (next > committed) {
          committed = next;
          // A hint for the next run; the recorder's answer to the header is authoritative.
          await Deno.writeTextFile(path.join(dir, COMMITTED), String(committed));
        }
        while (files.length > 0) {
          const f = files[0]!;
          const whole = f.start + f.size <= committed;
          // The file being appended to stays until the part is sealed.
          if (!whole || (files.length === 1 && !sealed)) break;
          await removeIfPresent(path.join(dir, dataFileName(f.start)));
          files.shift();
          used -= f.size;
        }
      },
      changed() {
        waiting ??= new Promise<void>((r) => (wake = r));
        return waiting;
      },
      async remove() {
        if (removed) return;
        removed = true;
        await removeIfPresent(dir);
        for (const f of files) used -= f.size;
        files.length = 0;
        names.delete(name);
        notify();
      },
    };
    return entry;
  };

  const recoverOne = async (name: string): Promise<SpoolEntry | null> => {
    const dir = path.join(options.directory, name);
    const metaText = await readTextOrNull(path.join(dir, META));
    if (metaText === null) {
      // Created but never described: nothing in it can be uploaded anywhere.
      deps.log.warn("spool: {name} has no {meta}; removed", { name, meta: META });
      await removeIfPresent(dir);
      return null;
    }
    const meta = JSON.parse(metaText) as SpoolMeta;
    const index = parseIndex(await readTextOrNull(path.join(dir, INDEX)) ?? "");
    const validEnd = index.length === 0 ? 0 : index.at(-1)!.o + index.at(-1)!.n;
    const hash = index.length === 0 ? new Sha256() : Sha256.restore(fromB64(index.at(-1)!.h));
    const files: DataFile[] = [];
    for (const start of await listDataFiles(dir)) {
      const file = path.join(dir, dataFileName(start));
      if (start >= validEnd) {
        await removeIfPresent(file); // bytes no index line names: the crash came before it
        continue;
      }
      const actual = (await Deno.stat(file)).size;
      const size = Math.min(actual, validEnd - start);
      if (size < actual) await Deno.truncate(file, size);
      files.push({ start, size });
      used += size;
    }
    const committedHint = Number(await readTextOrNull(path.join(dir, COMMITTED)) ?? 0);
    const committed = Math.max(files[0]?.start ?? validEnd, committedHint || 0);
    const sealed = JSON.parse(await readTextOrNull(path.join(dir, SEALED)) ?? "null") as
      | SealedInfo
      | null;
    const entry = makeEntry(name, meta, { files, index, hash, sealed, committed });
    if (sealed === null) {
      // The agent stopped mid-part: the file ends after its last whole fragment, which plays.
      const info = await entry.seal({ interrupted: true });
      deps.log.info("spool: {name} was interrupted; sealed at {bytes} bytes", {
        name,
        bytes: info.bytes,
      });
    }
    names.add(name);
    return entry;
  };

  return {
    maxBytes: options.maxBytes,
    usedBytes: () => used,
    nameTaken: (name) => names.has(name) || (journal?.has(name) ?? false),
    async recover() {
      await openJournal();
      const out: SpoolEntry[] = [];
      const dirs: string[] = [];
      for await (const e of Deno.readDir(options.directory)) if (e.isDirectory) dirs.push(e.name);
      for (const name of dirs.sort()) {
        if (names.has(name)) continue;
        try {
          const entry = await recoverOne(name);
          if (entry) out.push(entry);
        } catch (e) {
          // Kept on disk for a person to look at; never deleted on a guess.
          deps.log.error("spool: cannot recover {name}: {error}", {
            name,
            error: (e as Error).message,
          });
        }
      }
      return out;
    },
    async create(name, meta) {
      if (names.has(name)) throw new Error(`spool: ${name} exists already`);
      await (await openJournal()).record(name);
      const dir = path.join(options.directory, name);
      await Deno.mkdir(dir, { recursive: true });
      await replaceFileAtomically(path.join(dir, META), JSON.stringify(meta));
      await syncDirectory(options.directory);
      names.add(name);
      return makeEntry(name, meta, {
        files: [],
        index: [],
        hash: new Sha256(),
        sealed: null,
        committed: 0,
      });
    },
  };
}

function toB64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromB64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
