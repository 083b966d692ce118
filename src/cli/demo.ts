/**
 * `demo`: the agent on embedded defaults (no config file, free ports, a temporary directory
 * for logs and spool) beside the embedded reference platform — an AgentServer on TLS from a
 * CA made for the run, and a JsSDK playing the operator's web page. The page connects the
 * agent exactly as on a workstation (PROTOCOL.md §3), AgentServer sends it commands, and the
 * agent is probed over real HTTP the way local monitoring would. Later issues add recording.
 */
import type { SystemDeps } from "../app/system.ts";
import { FFMPEG_ENV } from "../ffmpeg/locate.ts";
import { PRODUCT_VERSION } from "../version.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { runDemoSession } from "./demo_session.ts";
import { startStack } from "../platform/workplace/stack.ts";

/** The origin the demo's web page presents; the only one the demo agent lets in. */
const DEMO_ORIGIN = "https://workplace.demo.localhost";

export interface DemoOptions {
  readonly keep: boolean;
}

export async function runDemo(
  deps: SystemDeps & { stopSignal: Promise<string> },
  options: DemoOptions,
): Promise<ExitCode> {
  const out = (line: string) => deps.writeStdout(`${line}\n`);
  const ffmpegPath = deps.platform.env[FFMPEG_ENV];
  out(`${PRODUCT_VERSION} demo: embedded defaults and the reference platform, on loopback`);
  const stack = await startStack({
    allowedOrigins: [DEMO_ORIGIN],
    agentEnv: ffmpegPath ? { [FFMPEG_ENV]: ffmpegPath } : {},
  });
  const agent = stack.agent;
  let passed = false;
  try {
    await agent.ffmpegProbed;
    const base = `http://127.0.0.1:${agent.httpPort}`;
    const ff = agent.ffmpeg();
    out(`  ws2 (web page)    ws://127.0.0.1:${agent.ws2Port}/  (origins from ws2.allowedOrigins)`);
    out(`  health & metrics  ${base}/  (healthz, readyz, metrics, status)`);
    out(`  logs              ${agent.logging.currentFile ?? "(none)"}`);
    out(`  AgentServer       ${stack.agentServer.wss3Url} (reference, TLS, test CA)`);
    out(
      ff.kind === "ready"
        ? `  ffmpeg            ${ff.info.version} at ${ff.info.location.path}; capture: ${
          ff.info.captureBackends.join(", ")
        }; H.264: ${ff.info.h264Encoders.join(", ")}`
        : `  ffmpeg            UNUSABLE: ${
          ff.kind === "unusable" ? `${ff.problem}; fix: ${ff.fix}` : ff.kind
        }`,
    );
    const health = await deps.httpGet(`${base}/healthz`);
    out(`  GET /healthz      ${health ? `${health.status} ${health.body.trim()}` : "no answer"}`);
    const ready = await deps.httpGet(`${base}/readyz`);
    let readyOk = false;
    if (ready) {
      const body = JSON.parse(ready.body) as {
        ready: boolean;
        checks: { name: string; ok: boolean; detail: string }[];
      };
      readyOk = ready.status === 200 && body.ready;
      out(
        `  GET /readyz       ${ready.status} ${
          body.checks.map((c) => `${c.name} ${c.ok ? "ok" : `FAILED (${c.detail})`}`).join(", ")
        }`,
      );
    } else out("  GET /readyz       no answer");
    const metrics = await deps.httpGet(`${base}/metrics`);
    const families = metrics?.body.split("\n").filter((l) => l.startsWith("# TYPE")).length ?? 0;
    out(
      `  GET /metrics      ${
        metrics ? `${metrics.status}, ${families} metric families` : "no answer"
      }`,
    );
    const session = await runDemoSession(stack, DEMO_ORIGIN, out);
    passed = health?.status === 200 && readyOk && metrics?.status === 200 && session;
    out(
      passed
        ? "demo OK: the agent is healthy, ready and registered on AgentServer"
        : "demo FAILED: see the lines above",
    );
    if (options.keep) {
      out("running; press Ctrl-C to stop");
      await deps.stopSignal;
    }
  } finally {
    await stack.stop();
  }
  return passed ? EXIT.ok : EXIT.checksFailed;
}
