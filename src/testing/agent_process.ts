/**
 * The agent as its own process (`main.ts run`), registered on a reference AgentServer that
 * lives in the caller's process: for what needs a real, separate agent process — killing it,
 * measuring its CPU and memory. Test and benchmark helper only.
 */
import { v8FlagsArg } from "../app/v8_flags.ts";
import { startReferenceAgentServer } from "../platform/agent_server/mod.ts";
import type { ReferenceAgentServer } from "../platform/agent_server/mod.ts";
import { makeTestPki } from "../platform/pki/test_pki.ts";
import { connectWs2, isState } from "./ws2_client.ts";

export interface AgentProcess {
  readonly pid: number;
  readonly agentServer: ReferenceAgentServer;
  readonly userID: string;
  /** The agent's spool directory. */
  readonly spoolDir: string;
  /** Sends an AgentServer command to the agent; resolves with its reply's data. */
  command(action: string, data: unknown): Promise<{ result: string; resultDesc?: string }>;
  readonly exited: Promise<Deno.CommandStatus>;
  kill(signal: Deno.Signal): void;
  /** Stops the agent (SIGTERM, then SIGKILL), AgentServer, and removes the directory. */
  stop(): Promise<void>;
}

const ORIGIN = "https://workplace.example.com";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startAgentProcess(
  options: { readonly display: string; readonly env?: Readonly<Record<string, string>> },
): Promise<AgentProcess> {
  const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  const dir = await Deno.makeTempDir({ prefix: "ah-agent-" });
  await Deno.writeTextFile(`${dir}/ca.pem`, pki.caPem);
  const ags = startReferenceAgentServer({}, { cert: pki.certPem, key: pki.keyPem });
  const ws2Port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", v8FlagsArg(), "main.ts", "run"],
    cwd: new URL("../..", import.meta.url).pathname,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: dir,
      DISPLAY: options.display,
      AGENT_HELPER_WS2_PORT: String(ws2Port),
      AGENT_HELPER_HTTP_PORT: "0",
      AGENT_HELPER_WS2_ALLOWED_ORIGINS: ORIGIN,
      AGENT_HELPER_SERVERS_AGENT_SERVER_HOSTS: `localhost:${ags.port}`,
      AGENT_HELPER_SERVERS_CA_BUNDLE: `${dir}/ca.pem`,
      AGENT_HELPER_LOG_DIRECTORY: `${dir}/logs`,
      AGENT_HELPER_LOG_CONSOLE: "false",
      AGENT_HELPER_SPOOL_DIRECTORY: `${dir}/spool`,
      ...options.env,
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const userID = crypto.randomUUID();
  const stop = async () => {
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
    await ags.stop();
    await Deno.remove(dir, { recursive: true });
  };
  try {
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
      JWTToken: await ags.issueToken(userID),
      userID,
      retryDelay: "1",
    });
    await page.waitFor(isState("active"), 15_000);
    page.close();
    await ags.waitForState(userID, "active");
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    pid: child.pid,
    agentServer: ags,
    userID,
    spoolDir: `${dir}/spool`,
    async command(action, data) {
      const r = await ags.sendCommandUnchecked(userID, action as never, data, {
        timeoutMs: 30_000,
      });
      return (r as unknown as { data: { result: string; resultDesc?: string } }).data;
    },
    exited: child.status,
    kill: (signal) => child.kill(signal),
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
