/**
 * The upload's one outside system, gRPC, behind a small interface: open a bidirectional Upload
 * call to a recorder, write requests with backpressure, get responses and the final status.
 * The real adapter is h2_link.ts (gRPC over node:http2, one session per recorder address).
 */
import type { UploadReply } from "./messages.ts";
import type { RecorderAddress } from "./recorder_address.ts";

export interface CallStatus {
  readonly code: number;
  readonly message: string;
}

export interface UploadCallHandlers {
  onResponse(response: UploadReply): void;
  /** Exactly once: the call ended (code 0) or broke. */
  onEnd(status: CallStatus): void;
}

export interface UploadCall {
  /**
   * Sends an encoded UploadRequest (messages.ts, chunk_message.ts), which has
   * {@link FRAME_HEADROOM} free bytes before it for the gRPC frame's header: it is sent without
   * being copied, so its buffer must not be reused before `onWritten` was called (once the
   * transport is done with it; never, if the call breaks first). Resolves when the transport
   * can take more (flow control); rejects once the call ended.
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

/** A gRPC message's frame header: 1 byte "compressed", 4 bytes length (big-endian). */
export const FRAME_HEADROOM = 5;
