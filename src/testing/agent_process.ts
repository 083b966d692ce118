/**
 * The agent as its own process (`main.ts run`), registered on a reference AgentServer and
 * uploading to a reference ScreenRecorder that live in the caller's process (or, for the
 * recorder, in a process of its own): for what needs a real, separate agent process — killing
 * it and starting it again, measuring its CPU and memory. Test and benchmark helper only.
 */
import { v8FlagsArg } from "../app/v8_flags.ts";
import { generateTokenSecret } from "../platform/agent_server/jwt.ts";
import { startReferenceAgentServer } from "../platform/agent_server/mod.ts";
import type { ReferenceAgentServer } from "../platform/agent_server/mod.ts";
import type { RecordingListing } from "../platform/screen_recorder/http_app.ts";
import { makeTestPki } from "../platform/pki/test_pki.ts";
import { freePort } from "./free_port.ts";
import {
  type PlatformRecorder,
  type RecorderMode,
  startPlatformRecorder,
} from "../platform/workplace/platform_recorder.ts";
import { connectWs2, isState } from "./ws2_client.ts";

export interface AgentProcess {
  /** The current process (a new one after `restart`). */
  readonly pid: number;
  readonly agentServer: ReferenceAgentServer;
  readonly screenRecorder: PlatformRecorder;
  readonly userID: string;
  /** The agent's spool directory. */
  readonly spoolDir: string;
  /** Sends an AgentServer command to the agent; resolves with its reply's data. */
  command(action: string, data: unknown): Promise<{ result: string; resultDesc?: string }>;
  /** The current process's exit. */
  readonly exited: Promise<Deno.CommandStatus>;
  kill(signal: Deno.Signal): void;
  /** Starts the agent again (same directories, ports and operator) once it has exited. */
  restart(): Promise<void>;
  /** Stops the agent (SIGTERM, then SIGKILL), the platform, and removes the directory. */
  stop(): Promise<void>;
}

export interface AgentProcessOptions {
  readonly display: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly recorderMode?: RecorderMode;
  /** A built agent executable to run instead of `deno run main.ts`. */
  readonly executable?: string;
  /** Diagnostic only (benchmarks): V8 flags added to the agent's own (`deno run` only). */
  readonly extraV8Flags?: readonly string[];
}

const ORIGIN = "https://workplace.example.com";

/**
 * This process's Deno cache, for the agent's `deno run main.ts`: there it finds main.ts's
 * modules transpiled already, as every start of `deno task start` but the first does, and as
 * the release binary (which transpiles nothing at run time) always does. With an empty cache,
 * transpiling the agent at its start leaves ~15 MB more private memory in its process for good,
 * which the recording benchmark would count as the agent's (docs/benchmarks.md).
 */
function denoDir(): string {
  const home = Deno.env.get("HOME") ?? "";
  return Deno.env.get("DENO_DIR") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${home}/.cache`}/deno`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startAgentProcess(options: AgentProcessOptions): Promise<AgentProcess> {
  const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  const dir = await Deno.makeTempDir({ prefix: "ah-agent-" });
  await Deno.writeTextFile(`${dir}/ca.pem`, pki.caPem);
  const tokenSecret = generateTokenSecret();
  const recorder = await startPlatformRecorder({
    dir,
    pki,
    tokenSecret,
    mode: options.recorderMode ?? "in-process",
  });
  const ags = startReferenceAgentServer({}, {
    cert: pki.certPem,
    key: pki.keyPem,
    tokenSecret,
    screenServer: recorder.address,
  });
  const ws2Port = freePort();
  const userID = crypto.randomUUID();
  const spawn = () =>
    new Deno.Command(options.executable ?? Deno.execPath(), {
      args: options.executable ? ["run"] : [
        "run",
        "--allow-all",
        [v8FlagsArg(), ...(options.extraV8Flags ?? [])].join(","),
        "main.ts",
        "run",
      ],
      cwd: new URL("../..", import.meta.url).pathname,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: dir,
        ...(options.executable ? {} : { DENO_DIR: denoDir() }),
        DISPLAY: options.display,
        AGENT_HELPER_WS2_PORT: String(ws2Port),
        AGENT_HELPER_HTTP_PORT: "0",
        AGENT_HELPER_WS2_ALLOWED_ORIGINS: ORIGIN,
        AGENT_HELPER_SERVERS_AGENT_SERVER_HOSTS: `localhost:${ags.port}`,
        AGENT_HELPER_SERVERS_SCREEN_RECORDER_HOSTS: recorder.address,
        AGENT_HELPER_SERVERS_CA_BUNDLE: `${dir}/ca.pem`,
        AGENT_HELPER_LOG_DIRECTORY: `${dir}/logs`,
        AGENT_HELPER_LOG_CONSOLE: "false",
        AGENT_HELPER_SPOOL_DIRECTORY: `${dir}/spool`,
        ...options.env,
      },
      stdout: "null",
      stderr: "null",
    }).spawn();

  /** Opens ws2 once the agent listens, and registers the operator. */
  const register = async () => {
    let page;
    for (let i = 0; !page; i++) {
      try {
        page = await connectWs2(ws2Port, ORIGIN);
      } catch (e) {
        if (i > 150) throw e;
        await sleep(100);
      }
    }
    await page.request("agentOpenConnect", {
      agentServerURI: ags.wss3Url,
      screenServer: recorder.address,
      JWTToken: await ags.issueToken(userID),
      userID,
      retryDelay: "1",
    });
    await page.waitFor(isState("active"), 15_000);
    page.close();
  };

  let child = spawn();
  const endChild = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 10_000);
    await child.status;
    clearTimeout(timer);
  };
  const stop = async () => {
    await endChild();
    await ags.stop();
    await recorder.stop();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await register();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    get pid() {
      return child.pid;
    },
    agentServer: ags,
    screenRecorder: recorder,
    userID,
    spoolDir: `${dir}/spool`,
    async command(action, data) {
      const r = await ags.sendCommandUnchecked(userID, action as never, data, {
        timeoutMs: 30_000,
      });
      return (r as unknown as { data: { result: string; resultDesc?: string } }).data;
    },
    get exited() {
      return child.status;
    },
    kill: (signal) => child.kill(signal),
    async restart() {
      await child.status;
      child = spawn();
      await register();
    },
    stop,
  };
}

/** Sends startScreenRecord until ffmpeg's probe at the agent's start is done and it succeeds. */
export async function startRecordingWhenReady(
  agent: AgentProcess,
  data: unknown,
  timeoutMs = 20_000,
): Promise<void> {
  const start = Date.now();
  for (;;) {
    const r = await agent.command("startScreenRecord", data);
    if (r.result === "success") return;
    if (!r.resultDesc?.includes("still being checked") || Date.now() - start > timeoutMs) {
      throw new Error(`startScreenRecord: ${JSON.stringify(r)}`);
    }
    await sleep(200);
  }
}

/**
 * The ScreenRecorder's listing once it holds at least `files` recordings and all are finished
 * (parts go on uploading for a moment after a stop's reply).
 */
export async function storedWhenUploaded(
  agent: AgentProcess,
  files: number,
  timeoutMs = 30_000,
): Promise<RecordingListing[]> {
  const start = Date.now();
  for (;;) {
    const listing = await agent.screenRecorder.list();
    if (listing.length >= files && listing.every((r) => r.finished)) return listing;
    if (Date.now() - start > timeoutMs) {
      throw new Error(`not uploaded within ${timeoutMs} ms: ${JSON.stringify(listing)}`);
    }
    await sleep(200);
  }
}
