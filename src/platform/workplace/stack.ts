/**
 * An operator's workstation and its platform in one process, for the tests that drive the JsSDK
 * end to end (tests/jssdk_test.ts in Deno, tests/browser_test.ts in Chromium): the reference
 * AgentServer on real TLS from a throw-away CA, and the real agent (its composition root, real
 * sockets) with that AgentServer on its allow-list, the CA as its `servers.caBundle`, and the
 * given web origins on `ws2.allowedOrigins`. AgentServer hands the agent's ws2 address out as
 * `agentHelperURI`, so the JsSDK finds the agent exactly as on a workstation.
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
import { makeTestPki, type TestPki } from "../pki/test_pki.ts";

export interface StackOptions {
  /** Exact origins the agent's ws2 lets in (a workplace server's `origin`). */
  readonly allowedOrigins: readonly string[];
  /** More options for the reference AgentServer. */
  readonly agentServer?: Omit<ReferenceAgentServerOptions, "cert" | "key" | "agentHelperURI">;
  /** More AGENT_HELPER_* variables for the agent (they win over the stack's). */
  readonly agentEnv?: Readonly<Record<string, string>>;
  /** Replaces parts of the agent's real system, e.g. a FakeClock to drive its retries. */
  readonly system?: Partial<Pick<SystemDeps, "clock" | "random">>;
}

export interface Stack {
  readonly pki: TestPki;
  readonly agentServer: ReferenceAgentServer;
  /** The running agent; throws while it is stopped. */
  readonly agent: RunningAgent;
  /** The agent's ws2 port, the same across restarts. */
  readonly ws2Port: number;
  /** `ws://127.0.0.1:<ws2Port>/`, as AgentServer hands it to the JsSDK. */
  readonly agentHelperURI: string;
  /** Where the agent writes its log files. */
  readonly logDir: string;
  /** The agent's spool directory (recordings are files in `recordings/` under it). */
  readonly spoolDir: string;
  /** Stops the agent only (AgentServer and the pages live on). */
  stopAgent(): Promise<void>;
  /** Starts the agent again on the same ws2 port. */
  startAgent(): Promise<void>;
  /** Stops everything and removes the temporary directory. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 a moment ago (the agent binds it right after). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  const dir = await Deno.makeTempDir({ prefix: "ah-stack-" });
  const caFile = `${dir}/ca.pem`;
  await Deno.writeTextFile(caFile, pki.caPem);
  const ws2Port = freePort();
  const agentHelperURI = `ws://127.0.0.1:${ws2Port}/`;
  const agentServer = startReferenceAgentServer({}, {
    ...options.agentServer,
    cert: pki.certPem,
    key: pki.keyPem,
    agentHelperURI,
  });

  const sys = { ...realSystem(import.meta.url), ...options.system };
  const env: Record<string, string> = {
    AGENT_HELPER_WS2_PORT: String(ws2Port),
    AGENT_HELPER_HTTP_PORT: "0",
    AGENT_HELPER_WS2_ALLOWED_ORIGINS: options.allowedOrigins.join(","),
    AGENT_HELPER_SERVERS_AGENT_SERVER_HOSTS: `localhost:${agentServer.port}`,
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
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  return {
    pki,
    agentServer,
    get agent(): RunningAgent {
      if (!agent) throw new Error("the agent is stopped");
      return agent;
    },
    ws2Port,
    agentHelperURI,
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
      await Deno.remove(dir, { recursive: true });
    },
  };
}
