/**
 * How store failures reach the agent: the gRPC statuses of the proto's service comment.
 * INVALID_ARGUMENT and DATA_LOSS tell the agent its own data is at fault; RESOURCE_EXHAUSTED
 * and UNAVAILABLE mean "retry later"; ABORTED means a newer stream of the same file won.
 */
import { status } from "@grpc/grpc-js";
import type { StoreError } from "./store.ts";

/** A gRPC status to end a call with; `message` becomes its details. */
export class StatusError extends Error {
  override name = "StatusError";
  constructor(readonly code: status, message: string) {
    super(message);
  }
}

export function statusForStoreError(error: StoreError): StatusError {
  switch (error.kind) {
    case "invalid-name":
    case "header-conflict":
    case "hole":
    case "finished":
      return new StatusError(status.INVALID_ARGUMENT, error.message);
    case "size-mismatch":
    case "sha-mismatch":
      return new StatusError(status.DATA_LOSS, error.message);
    case "no-space":
      return new StatusError(status.RESOURCE_EXHAUSTED, "the recorder's store is full");
    case "superseded":
      return new StatusError(status.ABORTED, "a newer upload stream for this file took over");
    case "closed":
      return new StatusError(status.UNAVAILABLE, "the recorder is shutting down");
    case "io":
      return new StatusError(status.UNAVAILABLE, "the recorder's store failed; retry later");
    case "not-found":
      return new StatusError(status.INTERNAL, error.message);
  }
}
