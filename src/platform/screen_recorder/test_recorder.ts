/**
 * Test-only: a ScreenRecorder over real TLS (a throw-away PKI) in a temporary directory, the
 * token authority of the same secret to issue operator tokens, and a client trusting the CA.
 */
import { systemClock } from "../../clock/clock.ts";
import {
  createTokenAuthority,
  generateTokenSecret,
  type TokenAuthority,
} from "../agent_server/jwt.ts";
import { sharedTestPki } from "../agent_server/test_support.ts";
import type { TestPki } from "../pki/test_pki.ts";
import { type ScreenRecorder, type ScreenRecorderOptions, startScreenRecorder } from "./server.ts";
import { RecorderClient } from "./test_client.ts";

export interface TestRecorder {
  readonly recorder: ScreenRecorder;
  readonly client: RecorderClient;
  readonly authority: TokenAuthority;
  readonly pki: TestPki;
  readonly dir: string;
  readonly secret: Uint8Array;
  /** Stops recorder and client (not the directory: see `dispose`). */
  stop(): Promise<void>;
  /**
   * Stops, runs `whileDown`, and starts a recorder again on the same directory and ports (a
   * restart), with a new client.
   */
  restart(whileDown?: () => Promise<void>): Promise<TestRecorder>;
  /** Stops and removes the directory. */
  dispose(): Promise<void>;
}

/** One PKI per test process (shared with the AgentServer's tests): making keys is slow. */
export const testPki = sharedTestPki;

export async function startTestRecorder(
  extra: Partial<ScreenRecorderOptions> = {},
  reuse?: { dir: string; secret: Uint8Array; grpcPort: number; httpPort: number },
): Promise<TestRecorder> {
  const pki = await testPki();
  const dir = reuse?.dir ?? await Deno.makeTempDir({ prefix: "screenrec-" });
  const secret = reuse?.secret ?? generateTokenSecret();
  const recorder = await startScreenRecorder({}, {
    storeDir: dir,
    tls: { certPem: pki.certPem, keyPem: pki.keyPem },
    tokenSecret: secret,
    stopGraceMs: 500,
    ...(reuse ? { grpcPort: reuse.grpcPort, httpPort: reuse.httpPort } : {}),
    ...extra,
  });
  const client = new RecorderClient({ port: recorder.grpcPort, ca: pki.caPem });
  const authority = createTokenAuthority({ clock: systemClock }, { secret });
  const stop = async () => {
    client.close();
    await recorder.stop();
  };
  return {
    recorder,
    client,
    authority,
    pki,
    dir,
    secret,
    stop,
    async restart(whileDown) {
      await stop();
      await whileDown?.();
      return startTestRecorder(extra, {
        dir,
        secret,
        grpcPort: recorder.grpcPort,
        httpPort: recorder.httpPort,
      });
    },
    async dispose() {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
