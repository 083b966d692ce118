/**
 * The upload link on grpc-js: one channel per recorder address, shared by all its calls, with
 * keepalive pings, TLS trusting the configured CA beside the system roots, and the Bearer JWT in
 * each call's metadata.
 *
 * Requests arrive encoded (requests.ts, chunk_message.ts) and go to grpc-js unchanged
 * (`uploadEncodedMethod`), so grpc-js's framing — a copy of the message behind its 5-byte
 * header — is the only copy of a chunk's data on its way out. grpc-js calls a write's callback
 * only after that copy, so the chunk's buffer may then be read into again; the uploader also
 * waits for the recorder's commit (uploader.ts).
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import tls from "node:tls";
import type { UploadResponse } from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import { MAX_MESSAGE_BYTES, uploadEncodedMethod } from "../grpc/screen_recorder_service.ts";
import type { CallStatus, LinkOptions, UploadLink } from "./link.ts";
import type { RecorderAddress } from "./recorder_address.ts";

const CANCELLED = 1;
const ENDED = "the upload call has ended";

export function createGrpcLink(options: LinkOptions): UploadLink {
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
        uploadEncodedMethod.path,
        uploadEncodedMethod.requestSerialize,
        uploadEncodedMethod.responseDeserialize,
        metadata,
        {},
      );
      let ended = false;
      let drain: (() => void) | null = null;
      const end = (status: CallStatus) => {
        if (ended) return;
        ended = true;
        drain?.();
        drain = null;
        handlers.onEnd(status);
      };
      call.on("data", (r: UploadResponse) => {
        if (!ended) handlers.onResponse(r);
      });
      call.on("status", (s: grpc.StatusObject) => end({ code: s.code, message: s.details }));
      call.on("error", (e: grpc.ServiceError) => end({ code: e.code ?? 2, message: e.details }));
      call.on("drain", () => {
        drain?.();
        drain = null;
      });
      return {
        write(request, onWritten) {
          if (ended) return Promise.reject(new Error(ENDED));
          // Called by grpc-js once it framed (copied) the message and the transport took it or
          // its retry buffer holds the copy; with an error if the stream was already destroyed.
          const written = onWritten && ((error?: Error | null) => error || onWritten());
          if (call.write(request, written)) return Promise.resolve();
          return new Promise<void>((resolve) => (drain = resolve)).then(() => {
            if (ended) throw new Error(ENDED);
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
