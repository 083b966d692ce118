/**
 * One object of the filesystem store: a data file (the recording's bytes) and a state file
 * (`state_file.ts`). Everything that changes the object runs through one queue, so writes of
 * one object are serialized whichever stream they come from.
 *
 * Durability (group commit): a write only appends to the data file. The bytes become
 * "committed" — and only then acknowledged — after fdatasync of the data file and an atomic
 * rewrite of the state file with the new offset. A commit starts when at least `syncBytes` are
 * pending or after `syncIdleMs` without a write, so one fdatasync covers several chunks and a
 * fast upload is not held to one sync per chunk; writes go on while a commit is in flight.
 * Bytes written but not committed when the process dies are cut off at the next open
 * (the data file is truncated to the committed offset).
 */
import { createHash } from "node:crypto";
import type { Clock, TimerId } from "../../clock/clock.ts";
import { headerDifference, type RecordingHeader } from "./header.ts";
import {
  readStateFile,
  RecordingSummaryJson,
  type StateRecord,
  writeStateFile,
} from "./state_file.ts";
import { writeAll } from "../../util/write_all.ts";
import {
  type OpenResult,
  type RecordingInfo,
  type RecordingSummary,
  type RecordingWriter,
  storageError,
  StoreError,
  type WriteResult,
  type WriterEvents,
} from "./store.ts";
import { syncDirectory } from "../../util/durable_file.ts";
import { toHex } from "../../util/hex.ts";
import { dirname } from "node:path";

export interface GroupCommitOptions {
  /** Commit at once when this many bytes are pending. */
  readonly syncBytes: number;
  /** Commit after this long without a write, ms. */
  readonly syncIdleMs: number;
}

export interface FsObjectPaths {
  readonly data: string;
  readonly state: string;
}

const READ_BLOCK = 1024 * 1024;

/** SHA-256 of the first `length` bytes of `path`, read in blocks (never the whole file). */
export async function sha256OfFile(path: string, length: number): Promise<Uint8Array> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(READ_BLOCK);
    let left = length;
    while (left > 0) {
      const n = await file.read(buf.subarray(0, Math.min(buf.length, left)));
      if (n === null) throw new Error(`data file ends ${left} bytes early`);
      hash.update(buf.subarray(0, n));
      left -= n;
    }
  } finally {
    file.close();
  }
  return new Uint8Array(hash.digest());
}

interface FlushWaiter {
  readonly target: number;
  readonly resolve: (committed: number) => void;
  readonly reject: (error: StoreError) => void;
}

/** The writer handed out by `FsObject.open`; dead once revoked, released or finished. */
class Lease implements RecordingWriter {
  #alive = true;
  constructor(readonly object: FsObject, readonly events: WriterEvents) {}

  get fileName(): string {
    return this.object.fileName;
  }
  get committed(): number {
    return this.object.committed;
  }
  get alive(): boolean {
    return this.#alive;
  }
  /** Ends the lease; tells its owner unless it ended by its own doing. */
  end(error?: StoreError): void {
    if (!this.#alive) return;
    this.#alive = false;
    if (error !== undefined) this.events.onClosed(error);
  }
  write(offset: number, data: Uint8Array): Promise<WriteResult> {
    return this.object.write(this, offset, data);
  }
  flush(): Promise<number> {
    return this.object.flush(this);
  }
  finish(totalSize: number, sha256: Uint8Array, summary: RecordingSummary): Promise<RecordingInfo> {
    return this.object.finish(this, totalSize, sha256, summary);
  }
  release(): Promise<void> {
    return this.object.release(this);
  }
}

export class FsObject {
  readonly fileName: string;
  readonly #paths: FsObjectPaths;
  readonly #clock: Clock;
  readonly #commit: GroupCommitOptions;
  #state: StateRecord;
  /** False until the state file of a new object exists. */
  #persisted: boolean;
  #closed = false;
  /** Open only while a writer holds the object. */
  #file: Deno.FsFile | null = null;
  /** End of the bytes in the data file (≥ committed); meaningful while #file is open. */
  #written = 0;
  #lease: Lease | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #stateChain: Promise<void> = Promise.resolve();
  #timer: TimerId | undefined;
  #syncing: Promise<void> | null = null;
  #syncRequested = false;
  #waiters: FlushWaiter[] = [];

  private constructor(
    paths: FsObjectPaths,
    clock: Clock,
    commit: GroupCommitOptions,
    state: StateRecord,
    persisted: boolean,
  ) {
    this.fileName = state.header.fileName;
    this.#paths = paths;
    this.#clock = clock;
    this.#commit = commit;
    this.#state = state;
    this.#persisted = persisted;
  }

  /** A new object, persisted by its first `open`. */
  static create(
    paths: FsObjectPaths,
    clock: Clock,
    commit: GroupCommitOptions,
    header: RecordingHeader,
  ): FsObject {
    const now = clock.now();
    const state: StateRecord = {
      version: 1,
      header,
      committed: 0,
      finished: false,
      size: null,
      sha256: null,
      failure: null,
      summary: null,
      createdAt: now,
      updatedAt: now,
    };
    return new FsObject(paths, clock, commit, state, false);
  }

  /**
   * An object from an earlier process: reads its state and cuts the data file back to the
   * committed offset (whatever was written after the last commit was never acknowledged).
   */
  static async load(
    paths: FsObjectPaths,
    clock: Clock,
    commit: GroupCommitOptions,
  ): Promise<FsObject> {
    const state = await readStateFile(paths.state);
    const object = new FsObject(paths, clock, commit, state, true);
    const file = await object.#openData();
    file.close();
    return object;
  }

  get persisted(): boolean {
    return this.#persisted;
  }
  get committed(): number {
    return this.#state.committed;
  }
  get dataPath(): string {
    return this.#paths.data;
  }

  info(): RecordingInfo {
    const s = this.#state;
    return {
      fileName: this.fileName,
      header: s.header,
      committed: s.committed,
      finished: s.finished,
      size: s.size,
      sha256: s.sha256,
      failure: s.failure,
      summary: s.summary,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  }

  open(header: RecordingHeader, events: WriterEvents): Promise<OpenResult> {
    return this.#enqueue(async () => {
      this.#checkOpen();
      const field = headerDifference(this.#state.header, header);
      if (field !== undefined) {
        throw new StoreError(
          "header-conflict",
          `header field ${field} differs from the one stored for ${this.fileName}`,
          { field },
        );
      }
      if (!this.#persisted) await this.#persist();
      if (this.#state.finished) return { kind: "finished", info: this.info() };
      const previous = this.#lease;
      this.#lease = null;
      previous?.end(new StoreError("superseded", "a newer upload stream took this file over"));
      if (this.#file !== null) {
        // What the previous writer wrote is good data: commit it, and tell the new writer.
        await this.#flushAll().catch(() => {});
      }
      if (this.#file === null) await this.#reopen();
      const lease = new Lease(this, events);
      this.#lease = lease;
      return { kind: "open", writer: lease, info: this.info() };
    });
  }

  write(lease: Lease, offset: number, data: Uint8Array): Promise<WriteResult> {
    return this.#enqueue(async () => {
      const file = this.#fileFor(lease);
      const end = offset + data.length;
      if (offset > this.#written) {
        throw new StoreError("hole", `expected offset ${this.#written}`, {
          expectedOffset: this.#written,
        });
      }
      if (end <= this.#written) return { stored: 0, end: this.#written };
      const tail = data.subarray(this.#written - offset);
      try {
        await writeAll(file, tail);
      } catch (e) {
        const error = storageError("write", e);
        this.#fail(error);
        throw error;
      }
      this.#written += tail.length;
      this.#scheduleSync();
      return { stored: tail.length, end: this.#written };
    });
  }

  flush(lease: Lease): Promise<number> {
    return this.#enqueue(() => {
      this.#fileFor(lease);
      return this.#flushAll();
    });
  }

  finish(
    lease: Lease,
    totalSize: number,
    sha256: Uint8Array,
    summary: RecordingSummary,
  ): Promise<RecordingInfo> {
    // Checked before anything changes: a summary the state file could not load again would
    // lose the object at the next start.
    const checked = RecordingSummaryJson.safeParse(summary);
    if (!checked.success) {
      const problem = checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      return Promise.reject(new RangeError(`unstorable summary (${problem.join("; ")})`));
    }
    return this.#enqueue(async () => {
      this.#fileFor(lease);
      const committed = await this.#flushAll();
      if (totalSize !== committed) {
        const message = `total_size ${totalSize} differs from the ${committed} bytes stored`;
        await this.#markFailed(message);
        throw new StoreError("size-mismatch", message);
      }
      let actual: Uint8Array;
      try {
        actual = await sha256OfFile(this.#paths.data, committed);
      } catch (e) {
        throw storageError("finish", e);
      }
      const actualHex = toHex(actual);
      if (actualHex !== toHex(sha256)) {
        const message = `sha256 differs from that of the ${committed} bytes stored`;
        await this.#markFailed(message);
        throw new StoreError("sha-mismatch", message);
      }
      await this.#saveState({
        ...this.#state,
        finished: true,
        size: committed,
        sha256: actualHex,
        failure: null,
        summary: checked.data,
      });
      this.#lease = null;
      lease.end();
      await this.#closeFile();
      return this.info();
    });
  }

  release(lease: Lease): Promise<void> {
    return this.#enqueue(async () => {
      lease.end();
      if (this.#lease !== lease) return;
      this.#lease = null;
      await this.#flushAll().catch(() => {});
      await this.#closeFile();
    });
  }

  /** Commits what was written, ends the writer, refuses everything afterwards. */
  close(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      this.#closed = true;
      // The writer keeps its lease through the last commit, so its owner can still ack it.
      if (this.#file !== null) await this.#flushAll().catch(() => {});
      const lease = this.#lease;
      this.#lease = null;
      await this.#closeFile();
      lease?.end(new StoreError("closed", "the recorder is shutting down"));
    });
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op);
    this.#queue = run.catch(() => {});
    return run;
  }

  #checkOpen(): void {
    if (this.#closed) throw new StoreError("closed", "the recorder is shutting down");
  }

  /** The data file, for a lease that still owns the object. */
  #fileFor(lease: Lease): Deno.FsFile {
    this.#checkOpen();
    if (this.#state.finished) throw new StoreError("finished", `${this.fileName} is finished`);
    if (this.#lease !== lease || !lease.alive || this.#file === null) {
      throw new StoreError("superseded", "this upload stream no longer owns the file");
    }
    return this.#file;
  }

  /** First open of a new object: an empty data file, then the state file naming it. */
  async #persist(): Promise<void> {
    try {
      const file = await Deno.open(this.#paths.data, { write: true, create: true, truncate: true });
      file.close();
      // The data file's name must be durable before a state file claims bytes in it: else a
      // power cut could leave a committed offset pointing into a file that is gone.
      await syncDirectory(dirname(this.#paths.data));
      await this.#saveState({ ...this.#state });
    } catch (e) {
      throw storageError("create", e);
    }
    this.#persisted = true;
  }

  /** Opens the data file and makes its length the committed offset. */
  async #openData(): Promise<Deno.FsFile> {
    const file = await Deno.open(this.#paths.data, { read: true, write: true, create: true });
    try {
      const size = (await file.stat()).size;
      const committed = this.#state.committed;
      if (size > committed) {
        await file.truncate(committed);
        await file.syncData();
      } else if (size < committed) {
        // The data file lost acknowledged bytes (tampered with, or a disk that lied about
        // fsync): record what is really there so the agent resends from it if it still can.
        await this.#saveState({ ...this.#state, committed: size });
      }
      await file.seek(this.#state.committed, Deno.SeekMode.Start);
    } catch (e) {
      file.close();
      throw e;
    }
    return file;
  }

  async #reopen(): Promise<void> {
    // A commit still in flight may move the committed offset: wait for it before truncating.
    await this.#syncing;
    try {
      this.#file = await this.#openData();
    } catch (e) {
      throw storageError("open", e);
    }
    this.#written = this.#state.committed;
  }

  async #closeFile(): Promise<void> {
    await this.#syncing;
    this.#clearTimer();
    const file = this.#file;
    this.#file = null;
    file?.close();
  }

  /** Serialized state writes: the record on disk only ever moves forward. */
  #saveState(next: StateRecord): Promise<void> {
    const run = this.#stateChain.then(async () => {
      const record = { ...next, updatedAt: this.#clock.now() };
      await writeStateFile(this.#paths.state, record);
      this.#state = record;
    });
    this.#stateChain = run.catch(() => {});
    return run;
  }

  async #markFailed(failure: string): Promise<void> {
    try {
      await this.#saveState({ ...this.#state, failure });
    } catch (e) {
      throw storageError("finish", e);
    }
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #scheduleSync(): void {
    const pending = this.#written - this.#state.committed;
    if (pending <= 0) return;
    if (pending >= this.#commit.syncBytes) {
      void this.#kickSync();
      return;
    }
    this.#clearTimer();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#kickSync();
    }, this.#commit.syncIdleMs);
  }

  #kickSync(): Promise<void> {
    this.#clearTimer();
    if (this.#syncing !== null) {
      this.#syncRequested = true;
      return this.#syncing;
    }
    const run = this.#syncLoop().finally(() => {
      this.#syncing = null;
    });
    this.#syncing = run;
    return run;
  }

  async #syncLoop(): Promise<void> {
    do {
      this.#syncRequested = false;
      const file = this.#file;
      const target = this.#written;
      if (file === null || target <= this.#state.committed) break;
      try {
        // Covers every byte written before the call: [0, target).
        await file.syncData();
        await this.#saveState({ ...this.#state, committed: target });
      } catch (e) {
        this.#fail(storageError("commit", e));
        return;
      }
      this.#lease?.events.onCommitted(target);
      this.#settleWaiters();
    } while (
      this.#syncRequested || this.#written - this.#state.committed >= this.#commit.syncBytes
    );
    this.#settleWaiters();
  }

  #settleWaiters(): void {
    const committed = this.#state.committed;
    const still: FlushWaiter[] = [];
    for (const w of this.#waiters) {
      if (w.target <= committed) w.resolve(committed);
      else still.push(w);
    }
    this.#waiters = still;
  }

  /** Commits everything written so far. */
  #flushAll(): Promise<number> {
    const target = this.#written;
    if (this.#file === null || target <= this.#state.committed) {
      return Promise.resolve(this.#state.committed);
    }
    return new Promise<number>((resolve, reject) => {
      this.#waiters.push({ target, resolve, reject });
      void this.#kickSync();
    });
  }

  /**
   * A write or a commit failed: the data file's tail is in doubt, so drop the handle (the next
   * open truncates to the committed offset), fail the writer and everyone waiting on a commit.
   */
  #fail(error: StoreError): void {
    this.#clearTimer();
    const file = this.#file;
    this.#file = null;
    try {
      file?.close();
    } catch {
      // already closed
    }
    const lease = this.#lease;
    this.#lease = null;
    lease?.end(error);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(error);
  }
}
