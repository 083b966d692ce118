/**
 * An operator's workstation and its platform in one process, for the tests that drive the JsSDK
 * end to end (tests/jssdk_test.ts in Deno, tests/browser_test.ts in Chromium): the reference
 * AgentServer and the reference ScreenRecorder on real TLS from a throw-away CA (sharing the
 * token secret, so that the operator's token is good for both), and the real agent (its
 * composition root, real sockets) with both on its allow-lists, the CA as its
 * `servers.caBundle`, and the given web origins on `ws2.allowedOrigins`. AgentServer hands out
 * the agent's ws2 address as `agentHelperURI` and the recorder's as `screenServer`, so the
 * JsSDK finds both exactly as on a workstation.
 *
 * The agent can be stopped and started again on the same ws2 port while the rest lives on: an
 * agent restart, as a page that keeps its JsSDK open sees it. Part of the reference platform,
 * never imported by the agent.
 */
import { type RunningAgent, startAgent } from "../../app/agent.ts";
import { realSystem, type SystemDeps } from "../../app/system.ts";
import { loadConfig } from "../../config/load.ts";
import {
  type ReferenceAgentServer,
  type ReferenceAgentServerOptions,
  startReferenceAgentServer,
} from "../agent_server/mod.ts";
import { generateTokenSecret } from "../agent_server/jwt.ts";
import { makeTestPki, type TestPki } from "../pki/test_pki.ts";
import { freePort } from "../../testing/free_port.ts";
import {
  type PlatformRecorder,
  type RecorderMode,
  startPlatformRecorder,
} from "./platform_recorder.ts";

export interface StackOptions {
  /** Exact origins the agent's ws2 lets in (a workplace server's `origin`). */
  readonly allowedOrigins: readonly string[];
  /** More options for the reference AgentServer. */
  readonly agentServer?: Omit<
    ReferenceAgentServerOptions,
    "cert" | "key" | "agentHelperURI" | "tokenSecret" | "screenServer"
  >;
  /** The ScreenRecorder in this process (default) or as its own, killable, process. */
  readonly recorderMode?: RecorderMode;
  /** More addresses on the agent's `servers.screenRecorderHosts` (e.g. a proxy's). */
  readonly screenRecorderHosts?: readonly string[];
  /** More AGENT_HELPER_* variables for the agent (they win over the stack's). */
  readonly agentEnv?: Readonly<Record<string, string>>;
  /** Replaces parts of the agent's real system, e.g. a FakeClock to drive its retries. */
  readonly system?: Partial<Pick<SystemDeps, "clock" | "random">>;
}

export interface Stack {
  readonly pki: TestPki;
  readonly agentServer: ReferenceAgentServer;
  readonly screenRecorder: PlatformRecorder;
  /** The HS256 secret of the operator tokens, shared by AgentServer and the recorder. */
  readonly tokenSecret: Uint8Array;
  /** The running agent; throws while it is stopped. */
  readonly agent: RunningAgent;
  /** The agent's ws2 port, the same across restarts. */
  readonly ws2Port: number;
  /** `ws://127.0.0.1:<ws2Port>/`, as AgentServer hands it to the JsSDK. */
  readonly agentHelperURI: string;
  /** The stack's temporary directory (removed by `stop`). */
  readonly dir: string;
  /** Where the agent writes its log files. */
  readonly logDir: string;
  /** The agent's spool directory. */
  readonly spoolDir: string;
  /** Stops the agent only (AgentServer and the pages live on). */
  stopAgent(): Promise<void>;
  /** Starts the agent again on the same ws2 port. */
  startAgent(): Promise<void>;
  /** Stops everything and removes the temporary directory. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  const dir = await Deno.makeTempDir({ prefix: "ah-stack-" });
  const caFile = `${dir}/ca.pem`;
  await Deno.writeTextFile(caFile, pki.caPem);
  const ws2Port = freePort();
  const agentHelperURI = `ws://127.0.0.1:${ws2Port}/`;
  const tokenSecret = generateTokenSecret();
  const screenRecorder = await startPlatformRecorder({
    dir,
    pki,
    tokenSecret,
    mode: options.recorderMode ?? "in-process",
  });
  const agentServer = startReferenceAgentServer({}, {
    ...options.agentServer,
    cert: pki.certPem,
    key: pki.keyPem,
    agentHelperURI,
    tokenSecret,
    screenServer: screenRecorder.address,
  });

  const sys = { ...realSystem(import.meta.url), ...options.system };
  const env: Record<string, string> = {
    AGENT_HELPER_WS2_PORT: String(ws2Port),
    AGENT_HELPER_HTTP_PORT: "0",
    AGENT_HELPER_WS2_ALLOWED_ORIGINS: options.allowedOrigins.join(","),
    AGENT_HELPER_SERVERS_AGENT_SERVER_HOSTS: `localhost:${agentServer.port}`,
    AGENT_HELPER_SERVERS_SCREEN_RECORDER_HOSTS: [
      screenRecorder.address,
      ...options.screenRecorderHosts ?? [],
    ].join(","),
    AGENT_HELPER_SERVERS_CA_BUNDLE: caFile,
    AGENT_HELPER_LOG_DIRECTORY: `${dir}/logs`,
    AGENT_HELPER_LOG_CONSOLE: "false",
    AGENT_HELPER_LOG_LEVEL: "debug",
    AGENT_HELPER_SPOOL_DIRECTORY: `${dir}/spool`,
    PATH: Deno.env.get("PATH") ?? "",
    ...options.agentEnv,
  };
  const platform = { ...sys.platform, env };
  const launch = async (): Promise<RunningAgent> => {
    const loaded = loadConfig({ ...sys, platform }, { ignoreStandardFiles: true });
    if (!loaded.ok) {
      throw new Error(`the stack's agent configuration is invalid: ${JSON.stringify(loaded)}`);
    }
    return await startAgent({ ...sys, platform }, { config: loaded.config, configFile: null });
  };

  let agent: RunningAgent | null = null;
  try {
    agent = await launch();
  } catch (e) {
    await agentServer.stop();
    await screenRecorder.stop();
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  return {
    pki,
    agentServer,
    screenRecorder,
    tokenSecret,
    get agent(): RunningAgent {
      if (!agent) throw new Error("the agent is stopped");
      return agent;
    },
    ws2Port,
    agentHelperURI,
    dir,
    logDir: `${dir}/logs`,
    spoolDir: `${dir}/spool`,
    stopAgent: async () => {
      const running = agent;
      agent = null;
      await running?.stop();
    },
    startAgent: async () => {
      if (agent) throw new Error("the agent is running");
      agent = await launch();
    },
    stop: async () => {
      const running = agent;
      agent = null;
      await running?.stop();
      await agentServer.stop();
      await screenRecorder.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
