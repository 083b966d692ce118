/**
 * The upload's one outside system, gRPC, behind a small interface: open a bidirectional Upload
 * call to a recorder, write requests with backpressure, get responses and the final status.
 * The real adapter is grpc-js; one channel per recorder address, shared by all its calls.
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import tls from "node:tls";
import type {
  UploadRequest,
  UploadResponse,
} from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import { MAX_MESSAGE_BYTES, uploadMethod } from "../grpc/screen_recorder_service.ts";
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
  /** Resolves when the transport can take more (flow control); rejects once the call ended. */
  write(request: UploadRequest): Promise<void>;
  /** Aborts the call (its onEnd then reports CANCELLED). */
  cancel(): void;
}

export interface UploadLink {
  open(address: RecorderAddress, token: string, handlers: UploadCallHandlers): UploadCall;
  close(): void;
}

export interface GrpcLinkOptions {
  /** Extra trusted CAs (PEM) beside the default roots; null: the default roots only. */
  readonly caPem: string | null;
  /** Client keepalive ping period, ms: a silently dead connection is noticed within ~1.5×. */
  readonly keepaliveMs: number;
}

const CANCELLED = 1;

export function createGrpcLink(options: GrpcLinkOptions): UploadLink {
  const channels = new Map<string, grpc.Client>();
  const credentials = (secure: boolean) => {
    if (!secure) return grpc.credentials.createInsecure();
    const roots = options.caPem === null
      ? null
      : Buffer.from([...tls.rootCertificates, options.caPem].join("\n"));
    return grpc.credentials.createSsl(roots);
  };
  const clientFor = (address: RecorderAddress): grpc.Client => {
    const key = `${address.secure ? "tls" : "plain"}:${address.target}`;
    let client = channels.get(key);
    if (!client) {
      client = new grpc.Client(address.target, credentials(address.secure), {
        "grpc.keepalive_time_ms": options.keepaliveMs,
        "grpc.keepalive_timeout_ms": Math.max(1000, Math.round(options.keepaliveMs / 2)),
        "grpc.keepalive_permit_without_calls": 0,
        "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
        "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        // Reconnect quickly once the recorder is back; the upload machine has its own backoff.
        "grpc.initial_reconnect_backoff_ms": 200,
        "grpc.max_reconnect_backoff_ms": 5000,
      });
      channels.set(key, client);
    }
    return client;
  };
  return {
    open(address, token, handlers) {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${token}`);
      const call = clientFor(address).makeBidiStreamRequest(
        uploadMethod.path,
        uploadMethod.requestSerialize,
        uploadMethod.responseDeserialize,
        metadata,
        {},
      );
      let ended = false;
      let drain: (() => void) | null = null;
      const end = (status: CallStatus) => {
        if (ended) return;
        ended = true;
        drain?.();
        handlers.onEnd(status);
      };
      call.on("data", (r: UploadResponse) => handlers.onResponse(r));
      call.on("status", (s: grpc.StatusObject) => end({ code: s.code, message: s.details }));
      call.on("error", (e: grpc.ServiceError) => end({ code: e.code ?? 2, message: e.details }));
      call.on("drain", () => {
        drain?.();
        drain = null;
      });
      return {
        write(request) {
          if (ended) return Promise.reject(new Error("the upload call has ended"));
          if (call.write(request)) return Promise.resolve();
          return new Promise<void>((resolve) => (drain = resolve)).then(() => {
            if (ended) throw new Error("the upload call has ended");
          });
        },
        cancel() {
          if (!ended) call.cancel();
          end({ code: CANCELLED, message: "cancelled by the agent" });
        },
      };
    },
    close() {
      for (const c of channels.values()) c.close();
      channels.clear();
    },
  };
}
