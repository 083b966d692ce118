/**
 * Where the reference ScreenRecorder keeps recordings, behind an interface so that an S3 (or
 * other) backend can replace the filesystem one (`fs_store.ts`) without touching the gRPC or
 * HTTP sides. The contract, whatever the backend:
 *
 * - One object per Header `file_name`; its Header never changes once stored.
 * - Bytes are appended at the end only; `onCommitted(n)` means [0, n) is durable and may be
 *   acknowledged to the agent (who then deletes them from its spool).
 * - One writer per object at a time: opening a new writer revokes the previous one.
 * - A finished object is immutable; its size and SHA-256 were checked against the agent's.
 */
import type { RecordingHeader } from "./header.ts";

/**
 * What the agent said about a file in its Finish (kept as sent, not checked against the bytes).
 * A number is 0 when the agent did not know it.
 */
export interface RecordingSummary {
  /** Video frames in the file. */
  readonly frames: number;
  /** Media duration, ms. */
  readonly durationMs: number;
  /** Wall-clock time just after the last frame, Unix ms. */
  readonly endedAtUnixMs: number;
  /** Why the file ended early (it still plays up to its last whole fragment); null if complete. */
  readonly incompleteReason: string | null;
}

/** What the store knows about one object (a snapshot). */
export interface RecordingInfo {
  readonly fileName: string;
  readonly header: RecordingHeader;
  /** [0, committed) is durable. */
  readonly committed: number;
  readonly finished: boolean;
  /** The checked total size, once finished. */
  readonly size: number | null;
  /** SHA-256 of the whole file, lowercase hex, once finished. */
  readonly sha256: string | null;
  /** Why the last Finish was refused (size or SHA-256 mismatch), null otherwise. */
  readonly failure: string | null;
  /** The agent's summary from the accepted Finish, null until finished. */
  readonly summary: RecordingSummary | null;
  /** Unix ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type StoreErrorKind =
  | "invalid-name" // the file name is not a safe key
  | "header-conflict" // a Header differs from the stored one (`field` names it)
  | "hole" // a write beyond the end (`expectedOffset` is the end)
  | "no-space" // the backend is full
  | "io" // any other storage failure
  | "superseded" // a newer writer took the object over
  | "size-mismatch" // Finish's total size differs from the stored size
  | "sha-mismatch" // Finish's SHA-256 differs from the stored bytes'
  | "finished" // the object is finished: no more writes
  | "not-found" // no such object
  | "closed"; // the store (or this writer) is closed

export class StoreError extends Error {
  override name = "StoreError";
  readonly kind: StoreErrorKind;
  /** For "hole": the offset the next write must start at. */
  readonly expectedOffset: number | undefined;
  /** For "header-conflict": the proto name of the first differing field. */
  readonly field: string | undefined;

  constructor(
    kind: StoreErrorKind,
    message: string,
    extra: { expectedOffset?: number; field?: string; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.kind = kind;
    this.expectedOffset = extra.expectedOffset;
    this.field = extra.field;
  }
}

/** True for the error an OS reports when the disk is full. */
export function isNoSpaceError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === "ENOSPC" || code === "EDQUOT" || /os error (28|122)\b/.test(error.message);
}

/** Wraps a backend failure: "no-space" for a full disk, "io" otherwise. */
export function storageError(what: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return isNoSpaceError(error)
    ? new StoreError("no-space", `${what}: store is full`, { cause: error })
    : new StoreError("io", `${what}: ${detail}`, { cause: error });
}

/** How a writer's owner hears what happens outside its own calls. */
export interface WriterEvents {
  /** [0, offset) became durable (called in increasing order, coalesced per commit). */
  onCommitted(offset: number): void;
  /** The writer is dead: superseded, a storage failure, or the store closing. */
  onClosed(error: StoreError): void;
}

export interface WriteResult {
  /** Bytes newly stored; 0 when the store held all of them already. */
  readonly stored: number;
  /** End of the bytes written so far (committed or about to be). */
  readonly end: number;
}

/** The single writer of one object (see `RecordingStore.openWriter`). */
export interface RecordingWriter {
  readonly fileName: string;
  /** [0, committed) is durable. */
  readonly committed: number;
  /**
   * Stores `data` at `offset`. Bytes the object already holds are skipped (idempotent per
   * offset); `offset` beyond the end is a "hole" error. Resolves once written, not yet durable:
   * durability is reported through `onCommitted`.
   */
  write(offset: number, data: Uint8Array): Promise<WriteResult>;
  /** Makes everything written durable; resolves with the committed offset. */
  flush(): Promise<number>;
  /**
   * Checks `totalSize` and `sha256` against the stored bytes and marks the object finished,
   * keeping `summary` with it (durably, in the same state update). A mismatch is a
   * "size-mismatch" / "sha-mismatch" error and marks the object failed (the summary is dropped).
   * A summary the store cannot keep (numbers that are not safe integers, negative counts) is a
   * RangeError and changes nothing.
   */
  finish(totalSize: number, sha256: Uint8Array, summary: RecordingSummary): Promise<RecordingInfo>;
  /** Ends this writer: commits what it wrote, frees its resources. Idempotent. */
  release(): Promise<void>;
}

export type OpenResult =
  | { readonly kind: "open"; readonly writer: RecordingWriter; readonly info: RecordingInfo }
  | { readonly kind: "finished"; readonly info: RecordingInfo };

export interface RecordingStore {
  /**
   * Opens `header.fileName` for writing, creating it when new. A Header differing from the
   * stored one is a "header-conflict" error; a finished object is returned as such. A previous
   * writer of the object is revoked (`onClosed` with "superseded") and what it wrote committed
   * before this resolves, so `info.committed` is where the new writer continues.
   */
  openWriter(header: RecordingHeader, events: WriterEvents): Promise<OpenResult>;
  get(fileName: string): Promise<RecordingInfo | undefined>;
  list(): Promise<RecordingInfo[]>;
  /** The committed bytes [start, end) of an object (end ≤ its committed offset). */
  read(fileName: string, start: number, end: number): Promise<ReadableStream<Uint8Array>>;
  /** Commits what was written, revokes every writer ("closed"), frees resources. */
  close(): Promise<void>;
}
