/**
 * The reference ScreenRecorder as the stack, the demo and the tests run it: real TLS from the
 * platform's throw-away PKI, the AgentServer's token secret, a store in a given directory,
 * either in this process or as its own process (`screen_recorder/main.ts`) so that a test can
 * kill it with SIGKILL. Stopped or killed, it starts again on the same ports and directory: a
 * restarted recorder pod, as the agent sees it. Part of the reference platform.
 */
import { join } from "node:path";
import { toHex } from "../../util/hex.ts";
import type { TestPki } from "../pki/test_pki.ts";
import { type ScreenRecorder, startScreenRecorder } from "../screen_recorder/server.ts";
import type { RecordingListing } from "../screen_recorder/http_app.ts";

export type RecorderMode = "in-process" | "process";

export interface PlatformRecorderOptions {
  /** Holds the store (`store/`) and, for a process, its certificate files. */
  readonly dir: string;
  readonly pki: TestPki;
  readonly tokenSecret: Uint8Array;
  readonly mode: RecorderMode;
}

export interface PlatformRecorder {
  readonly grpcPort: number;
  readonly httpPort: number;
  /** `localhost:<grpcPort>`: what the agent is given as `screenServer` (a TLS host name). */
  readonly address: string;
  /** `http://127.0.0.1:<httpPort>`: listing and playback. */
  readonly httpUrl: string;
  readonly storeDir: string;
  running(): boolean;
  /** A crash: SIGKILL for a process; for one in this process, a stop without grace. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and directory. */
  start(): Promise<void>;
  /** `/api/recordings`, with an optional query (`operator`, `segment`, …). */
  list(query?: Readonly<Record<string, string>>): Promise<RecordingListing[]>;
  /** A recording's committed bytes. */
  read(fileName: string): Promise<Uint8Array>;
  stop(): Promise<void>;
}

interface Running {
  readonly grpcPort: number;
  readonly httpPort: number;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const MAIN = new URL("../screen_recorder/main.ts", import.meta.url).pathname;
const ROOT = new URL("../../../", import.meta.url).pathname;

/** A started `screen_recorder/main.ts` process and the ports it announced. */
export interface RecorderProcess {
  readonly child: Deno.ChildProcess;
  readonly grpcPort: number;
  readonly httpPort: number;
}

/**
 * Starts `screen_recorder/main.ts` with `args` and waits for its one line on stdout,
 * `{"grpcPort":N,"httpPort":M}` (anything else there is an error); stdout is drained after.
 */
export async function spawnRecorderProcess(args: readonly string[]): Promise<RecorderProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      throw new Error(`the ScreenRecorder exited before announcing its ports: ${text}`);
    }
    text += value;
  }
  // Keep draining so that the child never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })().catch(() => {});
  const lines = text.split("\n").filter((l) => l !== "");
  const ports = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
  const keys = Object.keys(ports).sort().join(",");
  if (lines.length !== 1 || keys !== "grpcPort,httpPort") {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(`the ScreenRecorder announced ${JSON.stringify(text)}, not its two ports`);
  }
  return { child, grpcPort: Number(ports.grpcPort), httpPort: Number(ports.httpPort) };
}

async function spawnProcess(args: readonly string[]): Promise<Running> {
  const { child, grpcPort, httpPort } = await spawnRecorderProcess(args);
  const signal = async (sig: Deno.Signal) => {
    try {
      child.kill(sig);
    } catch { /* already gone */ }
    await child.status;
  };
  return { grpcPort, httpPort, kill: () => signal("SIGKILL"), stop: () => signal("SIGTERM") };
}

async function startInProcess(
  options: PlatformRecorderOptions,
  storeDir: string,
  ports: { grpcPort: number; httpPort: number } | null,
): Promise<Running> {
  const recorder: ScreenRecorder = await startScreenRecorder({}, {
    storeDir,
    tls: { certPem: options.pki.certPem, keyPem: options.pki.keyPem },
    tokenSecret: options.tokenSecret,
    // Running calls are cut almost at once, as a dying pod would cut them.
    stopGraceMs: 100,
    ...(ports ?? {}),
  });
  return {
    grpcPort: recorder.grpcPort,
    httpPort: recorder.httpPort,
    kill: () => recorder.stop(),
    stop: () => recorder.stop(),
  };
}

export async function startPlatformRecorder(
  options: PlatformRecorderOptions,
): Promise<PlatformRecorder> {
  const storeDir = join(options.dir, "store");
  const certFile = join(options.dir, "recorder-cert.pem");
  const keyFile = join(options.dir, "recorder-key.pem");
  if (options.mode === "process") {
    await Deno.writeTextFile(certFile, options.pki.certPem);
    await Deno.writeTextFile(keyFile, options.pki.keyPem, { mode: 0o600 });
  }
  const launch = (ports: { grpcPort: number; httpPort: number } | null) =>
    options.mode === "process"
      ? spawnProcess([
        "--store",
        storeDir,
        "--cert",
        certFile,
        "--key",
        keyFile,
        "--token-secret-hex",
        toHex(options.tokenSecret),
        ...(ports ? ["--grpc-port", String(ports.grpcPort)] : []),
        ...(ports ? ["--http-port", String(ports.httpPort)] : []),
      ])
      : startInProcess(options, storeDir, ports);

  let current: Running | null = await launch(null);
  const { grpcPort, httpPort } = current;
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const end = async (how: "kill" | "stop") => {
    const running = current;
    current = null;
    if (running) await running[how]();
  };
  return {
    grpcPort,
    httpPort,
    address: `localhost:${grpcPort}`,
    httpUrl,
    storeDir,
    running: () => current !== null,
    kill: () => end("kill"),
    stop: () => end("stop"),
    async start() {
      if (current) throw new Error("the ScreenRecorder is running");
      current = await launch({ grpcPort, httpPort });
    },
    async list(query = {}) {
      const res = await fetch(`${httpUrl}/api/recordings?${new URLSearchParams(query)}`);
      if (!res.ok) throw new Error(`listing: HTTP ${res.status}: ${await res.text()}`);
      return await res.json() as RecordingListing[];
    },
    async read(fileName) {
      const res = await fetch(`${httpUrl}/recordings/${encodeURIComponent(fileName)}`);
      if (!res.ok) throw new Error(`${fileName}: HTTP ${res.status}: ${await res.text()}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
