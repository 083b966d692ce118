/**
 * The ScreenRecorder's gRPC listener (grpc-js): the Upload service over TLS, or without TLS
 * only when a caller asks for it explicitly (tests). Messages up to MAX_MESSAGE_BYTES, and
 * keepalive settings that let the agent ping every 10 s even between calls, while the server
 * pings idle connections itself so a dead agent's stream ends and frees its file.
 */
import { Buffer } from "node:buffer";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { TokenAuthority } from "../agent_server/jwt.ts";
import type { AgsLog } from "../agent_server/log.ts";
import {
  MAX_MESSAGE_BYTES,
  screenRecorderServiceDefinition,
} from "../../grpc/screen_recorder_service.ts";
import type { RecordingStore } from "./store.ts";
import { serveUpload, type UploadCall } from "./upload_session.ts";

export interface TlsFiles {
  /** Server certificate chain, PEM. */
  readonly certPem: string;
  /** Its private key, PEM. */
  readonly keyPem: string;
}

export interface GrpcServerDeps {
  readonly store: RecordingStore;
  readonly authority: TokenAuthority;
  readonly log: AgsLog;
}

export interface GrpcServerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly tls: TlsFiles | "insecure";
  /** How long stop() lets running calls end by themselves, ms (default 2000). */
  readonly stopGraceMs?: number;
}

export interface GrpcServerHandle {
  readonly port: number;
  /** Stops listening and ends every call (after the grace, by force). */
  stop(): Promise<void>;
}

export const SERVER_OPTIONS = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  // The server's own pings find dead peers (a half-open TCP connection after a network loss).
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  // Clients may ping every 10 s, also without a call running (read by gRPC implementations
  // that police pings; grpc-js answers every ping).
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 5_000,
  "grpc.http2.max_ping_strikes": 0,
} as const;

function credentialsFor(tls: TlsFiles | "insecure"): ServerCredentials {
  if (tls === "insecure") return ServerCredentials.createInsecure();
  const cert = Buffer.from(tls.certPem);
  // rootCerts only serve to check client certificates, which are not requested. Passing null
  // would load the whole public root bundle into the TLS context, and under Deno that makes
  // the handshake fail ("excessive message size"); the server's own chain keeps it small.
  return ServerCredentials.createSsl(
    cert,
    [{ cert_chain: cert, private_key: Buffer.from(tls.keyPem) }],
    false,
  );
}

function address(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startGrpcServer(
  deps: GrpcServerDeps,
  options: GrpcServerOptions,
): Promise<GrpcServerHandle> {
  const server = new Server(SERVER_OPTIONS);
  server.addService(screenRecorderServiceDefinition, {
    upload: (call: UploadCall) => serveUpload(deps, call),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      address(options.host, options.port),
      credentialsFor(options.tls),
      (error, bound) => error ? reject(error) : resolve(bound),
    );
  });
  const graceMs = options.stopGraceMs ?? 2000;
  let stopped: Promise<void> | undefined;
  return {
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return stopped;
    },
  };
}
