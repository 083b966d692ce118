/**
 * The filesystem RecordingStore. Layout under its directory:
 *
 *   data/<fileName>          the recording's bytes (only [0, committed) count)
 *   state/<fileName>.json    its state (`state_file.ts`)
 *
 * Opening the store loads every state file and truncates each data file to its committed
 * offset, which is how bytes written but never committed by a crashed process are discarded.
 * A data file without a state file (a crash between creating the two) is ignored.
 */
import { join } from "node:path";
import { type Clock, systemClock } from "../../clock/clock.ts";
import { fileNameProblem } from "./file_name.ts";
import { FsObject, type FsObjectPaths, type GroupCommitOptions } from "./fs_object.ts";
import type { RecordingHeader } from "./header.ts";
import { syncDirectory, TMP_SUFFIX } from "../../util/durable_file.ts";
import { STATE_SUFFIX } from "./state_file.ts";
import {
  type OpenResult,
  type RecordingInfo,
  type RecordingStore,
  StoreError,
  type WriterEvents,
} from "./store.ts";

export interface FsStoreDeps {
  /** Stamps createdAt/updatedAt and times the idle commit. */
  readonly clock?: Clock;
  /** Told about state files that could not be loaded (they are left in place). */
  readonly onLoadProblem?: (fileName: string, error: unknown) => void;
}

export interface FsStoreOptions {
  /** Commit when this many bytes are pending (default 1 MiB). */
  readonly syncBytes?: number;
  /** Commit after this long without a write, ms (default 5). */
  readonly syncIdleMs?: number;
}

export const DEFAULT_SYNC_BYTES = 1024 * 1024;
export const DEFAULT_SYNC_IDLE_MS = 5;

const READ_BLOCK = 256 * 1024;

/** A stream of [start, end) of `path`; the file is closed at the end or on cancel. */
function fileRangeStream(
  file: Deno.FsFile,
  start: number,
  end: number,
): ReadableStream<Uint8Array> {
  let left = end - start;
  let positioned = false;
  const close = () => {
    try {
      file.close();
    } catch {
      // already closed
    }
  };
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    async pull(controller) {
      try {
        if (!positioned) {
          await file.seek(start, Deno.SeekMode.Start);
          positioned = true;
        }
        if (left <= 0) {
          close();
          controller.close();
          return;
        }
        const buf = new Uint8Array(Math.min(READ_BLOCK, left));
        const n = await file.read(buf);
        if (n === null) throw new Error("data file ended early");
        left -= n;
        controller.enqueue(buf.subarray(0, n));
        if (left <= 0) {
          close();
          controller.close();
        }
      } catch (e) {
        close();
        controller.error(e);
      }
    },
    cancel() {
      close();
    },
  });
}

export class FsRecordingStore implements RecordingStore {
  readonly dir: string;
  readonly #dataDir: string;
  readonly #stateDir: string;
  readonly #clock: Clock;
  readonly #commit: GroupCommitOptions;
  readonly #objects = new Map<string, FsObject>();
  #closed = false;

  private constructor(dir: string, clock: Clock, commit: GroupCommitOptions) {
    this.dir = dir;
    this.#dataDir = join(dir, "data");
    this.#stateDir = join(dir, "state");
    this.#clock = clock;
    this.#commit = commit;
  }

  /** Opens (creating when missing) the store in `dir` and loads what an earlier run left. */
  static async open(
    dir: string,
    deps: FsStoreDeps = {},
    options: FsStoreOptions = {},
  ): Promise<FsRecordingStore> {
    const store = new FsRecordingStore(dir, deps.clock ?? systemClock, {
      syncBytes: options.syncBytes ?? DEFAULT_SYNC_BYTES,
      syncIdleMs: options.syncIdleMs ?? DEFAULT_SYNC_IDLE_MS,
    });
    await Deno.mkdir(store.#dataDir, { recursive: true });
    await Deno.mkdir(store.#stateDir, { recursive: true });
    await syncDirectory(dir);
    await store.#load(deps.onLoadProblem ?? (() => {}));
    return store;
  }

  #paths(fileName: string): FsObjectPaths {
    return {
      data: join(this.#dataDir, fileName),
      state: join(this.#stateDir, fileName + STATE_SUFFIX),
    };
  }

  async #load(onProblem: (fileName: string, error: unknown) => void): Promise<void> {
    for await (const entry of Deno.readDir(this.#stateDir)) {
      if (!entry.isFile) continue;
      if (entry.name.endsWith(TMP_SUFFIX)) {
        // A state update a crash interrupted before its rename: the previous state stands.
        await Deno.remove(join(this.#stateDir, entry.name)).catch(() => {});
        continue;
      }
      if (!entry.name.endsWith(STATE_SUFFIX)) continue;
      const fileName = entry.name.slice(0, -STATE_SUFFIX.length);
      if (fileNameProblem(fileName) !== undefined) continue;
      try {
        const object = await FsObject.load(this.#paths(fileName), this.#clock, this.#commit);
        if (object.fileName !== fileName) throw new Error("state names another file");
        this.#objects.set(fileName, object);
      } catch (e) {
        onProblem(fileName, e);
      }
    }
  }

  openWriter(header: RecordingHeader, events: WriterEvents): Promise<OpenResult> {
    if (this.#closed) {
      return Promise.reject(new StoreError("closed", "the recorder is shutting down"));
    }
    const problem = fileNameProblem(header.fileName);
    if (problem !== undefined) return Promise.reject(new StoreError("invalid-name", problem));
    let object = this.#objects.get(header.fileName);
    if (object === undefined) {
      object = FsObject.create(this.#paths(header.fileName), this.#clock, this.#commit, header);
      this.#objects.set(header.fileName, object);
    }
    return object.open(header, events);
  }

  get(fileName: string): Promise<RecordingInfo | undefined> {
    const object = this.#objects.get(fileName);
    return Promise.resolve(object?.persisted ? object.info() : undefined);
  }

  list(): Promise<RecordingInfo[]> {
    const infos = [...this.#objects.values()].filter((o) => o.persisted).map((o) => o.info());
    return Promise.resolve(infos);
  }

  async read(fileName: string, start: number, end: number): Promise<ReadableStream<Uint8Array>> {
    const object = this.#objects.get(fileName);
    if (object === undefined || !object.persisted) {
      throw new StoreError("not-found", `no recording ${fileName}`);
    }
    if (start < 0 || end < start || end > object.committed) {
      throw new RangeError(`range [${start}, ${end}) is outside [0, ${object.committed})`);
    }
    const file = await Deno.open(object.dataPath, { read: true });
    return fileRangeStream(file, start, end);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#objects.values()].map((o) => o.close()));
  }
}
