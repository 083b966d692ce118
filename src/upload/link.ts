/**
 * The upload's one outside system, gRPC, behind a small interface: open a bidirectional Upload
 * call to a recorder, write requests with backpressure, get responses and the final status.
 * The real adapter is grpc_link.ts (grpc-js, one channel per recorder address).
 */
import type { UploadResponse } from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import type { RecorderAddress } from "./recorder_address.ts";

export interface CallStatus {
  readonly code: number;
  readonly message: string;
}

export interface UploadCallHandlers {
  onResponse(response: UploadResponse): void;
  /** Exactly once: the call ended (code 0) or broke. */
  onEnd(status: CallStatus): void;
}

export interface UploadCall {
  /**
   * Sends one encoded UploadRequest (requests.ts, chunk_message.ts) as one gRPC message; the
   * transport adds the gRPC framing. `request` is not copied before the transport takes it, so
   * its buffer must not be reused before `onWritten` was called (once the transport no longer
   * needs the bytes; perhaps never, if the call breaks first). Resolves when the transport can
   * take more (flow control); rejects once the call ended.
   */
  write(request: Uint8Array, onWritten?: () => void): Promise<void>;
  /** Aborts the call (its onEnd then reports CANCELLED). */
  cancel(): void;
}

export interface UploadLink {
  open(address: RecorderAddress, token: string, handlers: UploadCallHandlers): UploadCall;
  close(): void;
}

export interface LinkOptions {
  /** Extra trusted CAs (PEM) beside the default roots; null: the default roots only. */
  readonly caPem: string | null;
  /** Client keepalive ping period, ms: a silently dead connection is noticed within ~1.5×. */
  readonly keepaliveMs: number;
}
