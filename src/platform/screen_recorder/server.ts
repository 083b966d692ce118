/**
 * The reference ScreenRecorder (DESIGN.md §4, platform side; the agent never imports it): the
 * gRPC Upload service, a filesystem store, and an HTTP listing / playback endpoint, started
 * together. Stopping closes the store first (every running upload ends with UNAVAILABLE after
 * its written bytes are committed), then both listeners; a new recorder can then be started
 * on the same ports and directory to play a recorder restart.
 */
import { type Clock, systemClock } from "../../clock/clock.ts";
import { createTokenAuthority } from "../agent_server/jwt.ts";
import { type AgsLogSink, toAgsLog } from "../agent_server/log.ts";
import { FsRecordingStore, type FsStoreOptions } from "./fs_store.ts";
import { startGrpcServer, type TlsFiles } from "./grpc_server.ts";
import { createHttpApp } from "./http_app.ts";
import type { RecordingStore } from "./store.ts";

export interface ScreenRecorderDeps {
  /** Checks token expiry, stamps records, times the idle commit (default: the system clock). */
  readonly clock?: Clock;
  /** A LogTape logger or a callback; quiet when absent. Never given a token. */
  readonly log?: AgsLogSink;
}

export interface ScreenRecorderOptions {
  /** Address both listeners bind (default 127.0.0.1). */
  readonly host?: string;
  /** gRPC port (default 0: any free one). */
  readonly grpcPort?: number;
  /** HTTP port (default 0: any free one). */
  readonly httpPort?: number;
  /** Directory of the filesystem store (created when missing). */
  readonly storeDir: string;
  /** The gRPC server's certificate and key; "insecure" (plaintext) is for tests only. */
  readonly tls?: TlsFiles | "insecure";
  /** HS256 secret of the AgentServer's tokens (the same one, so its tokens verify here). */
  readonly tokenSecret: Uint8Array;
  /** Group commit tuning of the store. */
  readonly store?: FsStoreOptions;
  /** How long stop() lets running calls end by themselves, ms (default 2000). */
  readonly stopGraceMs?: number;
}

export interface ScreenRecorder {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly store: RecordingStore;
  stop(): Promise<void>;
}

export async function startScreenRecorder(
  deps: ScreenRecorderDeps,
  options: ScreenRecorderOptions,
): Promise<ScreenRecorder> {
  if (options.tls === undefined) {
    throw new Error('startScreenRecorder: tls is required (certPem/keyPem, or "insecure")');
  }
  const clock = deps.clock ?? systemClock;
  const log = toAgsLog(deps.log);
  const host = options.host ?? "127.0.0.1";
  const store = await FsRecordingStore.open(options.storeDir, {
    clock,
    onLoadProblem: (fileName, error) =>
      log("warning", "state of {fileName} not loaded: {error}", { fileName, error }),
  }, options.store);
  const authority = createTokenAuthority({ clock }, { secret: options.tokenSecret });

  let grpc;
  try {
    grpc = await startGrpcServer({ store, authority, log }, {
      host,
      port: options.grpcPort ?? 0,
      tls: options.tls,
      ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
    });
  } catch (e) {
    await store.close();
    throw e;
  }

  const app = createHttpApp(
    store,
    host === "127.0.0.1" ? { allowedHostNames: ["127.0.0.1", "localhost"] } : {},
  );
  let http: Deno.HttpServer<Deno.NetAddr>;
  try {
    http = Deno.serve({
      hostname: host,
      port: options.httpPort ?? 0,
      onListen: () => {},
      onError: (error) => {
        log("error", "HTTP request failed: {error}", { error });
        return new Response("internal error\n", { status: 500 });
      },
    }, app.fetch);
  } catch (e) {
    await store.close();
    await grpc.stop();
    throw e;
  }

  let stopping: Promise<void> | undefined;
  return {
    grpcPort: grpc.port,
    httpPort: http.addr.port,
    store,
    stop() {
      stopping ??= (async () => {
        await store.close();
        await Promise.all([grpc.stop(), http.shutdown()]);
      })();
      return stopping;
    },
  };
}
