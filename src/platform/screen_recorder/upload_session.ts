/**
 * One Upload call (proto/agenthelper/screenrecorder/v1/screen_recorder.proto): credential,
 * Header, Chunks, Finish, processed strictly in order, with the store doing the storage.
 *
 * - Acks: one per commit of the store (a commit covers many chunks), plus a re-ack when a
 *   chunk held already arrives again, sent once the burst of incoming messages is drained.
 * - Back-pressure: the call is paused while more than HIGH_WATER bytes wait to be written, so
 *   a fast agent cannot fill the server's memory.
 * - Errors end the call with a gRPC status (`status_map.ts`); a newer stream for the same file
 *   ends this one with ABORTED (the store revokes this writer).
 */
import { create } from "@bufbuild/protobuf";
import { type ServerDuplexStream, status } from "@grpc/grpc-js";
import type { TokenAuthority } from "../agent_server/jwt.ts";
import type { AgsLog } from "../agent_server/log.ts";
import { MAX_CHUNK_BYTES } from "../../grpc/screen_recorder_service.ts";
import {
  type Chunk,
  type Finish,
  type Header,
  type UploadRequest,
  type UploadResponse,
  UploadResponseSchema,
} from "../../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import { authenticateCall } from "./auth.ts";
import { fileNameProblem } from "./file_name.ts";
import { headerFromProto, HeaderValueError } from "./header.ts";
import { StatusError, statusForStoreError } from "./status_map.ts";
import {
  type RecordingStore,
  type RecordingSummary,
  type RecordingWriter,
  StoreError,
} from "./store.ts";
import { hexToBytes } from "../../util/hex.ts";

export type UploadCall = ServerDuplexStream<UploadRequest, UploadResponse>;

export interface UploadSessionDeps {
  readonly store: RecordingStore;
  readonly authority: TokenAuthority;
  readonly log: AgsLog;
}

const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 2 * 1024 * 1024;

function invalid(message: string): StatusError {
  return new StatusError(status.INVALID_ARGUMENT, message);
}

/** A uint64/int64 as a number; INVALID_ARGUMENT when it is not exactly representable. */
function toSafeNumber(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${field} is too large`);
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) throw invalid(`${field} is too small`);
  return Number(value);
}

/** The agent's summary in a Finish, as the store keeps it (0 and "" stay "unknown"/complete). */
function summaryOf(finish: Finish): RecordingSummary {
  return {
    frames: toSafeNumber(finish.frames, "frames"),
    durationMs: toSafeNumber(finish.durationMs, "duration_ms"),
    endedAtUnixMs: toSafeNumber(finish.endedAtUnixMs, "ended_at_unix_ms"),
    incompleteReason: finish.incompleteReason === "" ? null : finish.incompleteReason,
  };
}

function statusOf(error: unknown): StatusError {
  if (error instanceof StatusError) return error;
  if (error instanceof StoreError) return statusForStoreError(error);
  if (error instanceof HeaderValueError) return invalid(error.message);
  return new StatusError(status.INTERNAL, "internal error");
}

/** Serves one Upload call until it ends. */
export function serveUpload(deps: UploadSessionDeps, call: UploadCall): void {
  new UploadSession(deps, call).start();
}

class UploadSession {
  readonly #deps: UploadSessionDeps;
  readonly #call: UploadCall;
  #chain: Promise<void> = Promise.resolve();
  #done = false;
  #userID: string | null = null;
  #fileName: string | null = null;
  #headerSeen = false;
  #finishSeen = false;
  #writer: RecordingWriter | null = null;
  #lastAcked = -1;
  #reackDue = false;
  /** Messages received and not yet processed, and the chunk bytes among them. */
  #queued = 0;
  #queuedBytes = 0;
  #paused = false;

  constructor(deps: UploadSessionDeps, call: UploadCall) {
    this.#deps = deps;
    this.#call = call;
  }

  start(): void {
    const call = this.#call;
    this.#then(() => this.#authenticate());
    call.on("data", (req: UploadRequest) => this.#receive(req));
    call.on("end", () => this.#then(() => this.#clientDone()));
    call.on("cancelled", () => this.#end("cancelled by the client or the connection"));
  }

  #then(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#done) return;
      try {
        await step();
      } catch (e) {
        this.#fail(statusOf(e));
      }
    });
  }

  #receive(req: UploadRequest): void {
    const bytes = req.kind.case === "chunk" ? req.kind.value.data.length : 0;
    this.#queued++;
    this.#queuedBytes += bytes;
    if (!this.#paused && this.#queuedBytes > HIGH_WATER) {
      this.#paused = true;
      this.#call.pause();
    }
    this.#then(async () => {
      try {
        await this.#handle(req);
      } finally {
        this.#queued--;
        this.#queuedBytes -= bytes;
        if (this.#paused && this.#queuedBytes < LOW_WATER && !this.#done) {
          this.#paused = false;
          this.#call.resume();
        }
      }
      if (this.#queued === 0 && this.#reackDue) this.#sendAck(true);
    });
  }

  async #authenticate(): Promise<void> {
    const result = await authenticateCall(this.#deps.authority, this.#call.metadata);
    if (!result.ok) throw new StatusError(status.UNAUTHENTICATED, result.reason);
    this.#userID = result.userID;
  }

  #handle(req: UploadRequest): Promise<void> {
    if (req.kind.case !== "header" && !this.#headerSeen) {
      throw invalid("the first message must be a header");
    }
    switch (req.kind.case) {
      case "header":
        if (this.#headerSeen) throw invalid("the header was already sent on this stream");
        this.#headerSeen = true;
        return this.#open(req.kind.value);
      case "chunk":
        if (this.#finishSeen) throw invalid("a chunk after the finish");
        return this.#chunk(req.kind.value);
      case "finish":
        if (this.#finishSeen) throw invalid("the finish was already sent on this stream");
        this.#finishSeen = true;
        return this.#finish(req.kind.value);
      default:
        throw invalid("an empty message");
    }
  }

  async #open(proto: Header): Promise<void> {
    const header = headerFromProto(proto);
    const problem = fileNameProblem(header.fileName);
    if (problem !== undefined) throw invalid(problem);
    if (header.operatorId !== this.#userID) {
      throw new StatusError(
        status.PERMISSION_DENIED,
        "operator_id is not the operator of the credential",
      );
    }
    this.#fileName = header.fileName;
    const opened = await this.#deps.store.openWriter(header, {
      onCommitted: () => this.#sendAck(false),
      onClosed: (error) => this.#fail(statusForStoreError(error)),
    });
    if (opened.kind === "finished") {
      const { size, sha256 } = opened.info;
      this.#sendFinished(size ?? opened.info.committed, sha256 ?? "");
      this.#end("already finished", true);
      return;
    }
    if (this.#done) {
      // Ended (cancelled) while the store was opening: give the object back.
      await opened.writer.release();
      return;
    }
    this.#writer = opened.writer;
    this.#log("info", "upload of {fileName} by {userID} at offset {offset}", {
      offset: opened.info.committed,
    });
    this.#sendAck(true);
  }

  async #chunk(chunk: Chunk): Promise<void> {
    const writer = this.#writer;
    if (writer === null) return;
    if (chunk.data.length > MAX_CHUNK_BYTES) {
      throw invalid(`chunk data is larger than ${MAX_CHUNK_BYTES} bytes`);
    }
    const offset = toSafeNumber(chunk.offset, "offset");
    const result = await writer.write(offset, chunk.data);
    // Held already and durable: acknowledge again (the agent is catching up after a break).
    if (result.stored === 0 && offset + chunk.data.length <= writer.committed) {
      this.#reackDue = true;
    }
  }

  async #finish(finish: Finish): Promise<void> {
    const writer = this.#writer;
    if (writer === null) return;
    if (finish.sha256.length !== 32) throw invalid("sha256 must be 32 bytes");
    const totalSize = toSafeNumber(finish.totalSize, "total_size");
    const info = await writer.finish(totalSize, finish.sha256, summaryOf(finish));
    this.#sendAck(false);
    this.#sendFinished(info.size ?? totalSize, info.sha256 ?? "");
    this.#end("finished", true);
  }

  /** The agent half-closed without a Finish (e.g. a pause): commit, ack, end with OK. */
  async #clientDone(): Promise<void> {
    if (this.#writer !== null) await this.#writer.flush();
    this.#sendAck(false);
    this.#end("ended by the client", true);
  }

  #sendAck(force: boolean): void {
    const writer = this.#writer;
    if (this.#done || writer === null) return;
    const committed = writer.committed;
    if (!force && committed <= this.#lastAcked) return;
    this.#reackDue = false;
    this.#lastAcked = committed;
    this.#call.write(
      create(UploadResponseSchema, {
        kind: { case: "ack", value: { committedOffset: BigInt(committed) } },
      }),
    );
  }

  #sendFinished(size: number, sha256Hex: string): void {
    const sha256 = hexToBytes(sha256Hex);
    this.#call.write(
      create(UploadResponseSchema, {
        kind: { case: "finished", value: { totalSize: BigInt(size), sha256 } },
      }),
    );
  }

  #fail(error: StatusError): void {
    if (this.#done) return;
    this.#log("info", "upload of {fileName} by {userID} failed: {code} {details}", {
      code: status[error.code],
      details: error.message,
    });
    this.#end(error.message);
    this.#call.emit("error", { code: error.code, details: error.message });
  }

  /** Marks the call over and gives the writer back; `ok` ends it with status OK. */
  #end(why: string, ok = false): void {
    if (this.#done) return;
    this.#done = true;
    const writer = this.#writer;
    this.#writer = null;
    if (writer !== null) void writer.release().catch(() => {});
    if (ok) {
      this.#log("debug", "upload of {fileName} by {userID}: {why}", { why });
      this.#call.end();
    }
  }

  #log(level: "debug" | "info", template: string, props: Record<string, unknown>): void {
    this.#deps.log(level, template, { fileName: this.#fileName, userID: this.#userID, ...props });
  }
}
