/**
 * `demo`, for now: the agent on embedded defaults (no config file, no AGENT_HELPER_* variables,
 * free ports, a temporary directory for logs and spool), probed over real HTTP the way local
 * monitoring would. Later issues grow it into the whole platform demo.
 */
import { startAgent } from "../app/agent.ts";
import type { SystemDeps } from "../app/system.ts";
import { FFMPEG_ENV } from "../ffmpeg/locate.ts";
import { loadConfig } from "../config/load.ts";
import { formatProblems } from "../config/problems.ts";
import { PRODUCT_VERSION } from "../version.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";

export interface DemoOptions {
  readonly keep: boolean;
}

export async function runDemo(
  deps: SystemDeps & { stopSignal: Promise<string> },
  options: DemoOptions,
): Promise<ExitCode> {
  const out = (line: string) => deps.writeStdout(`${line}\n`);
  const dir = deps.makeTempDir("agent-helper-demo-");
  const env: Record<string, string> = {
    AGENT_HELPER_WS2_PORT: "0",
    AGENT_HELPER_HTTP_PORT: "0",
    AGENT_HELPER_LOG_DIRECTORY: `${dir}/logs`,
    AGENT_HELPER_LOG_CONSOLE: "false",
    AGENT_HELPER_SPOOL_DIRECTORY: `${dir}/spool`,
    PATH: deps.platform.env.PATH ?? "",
  };
  const ffmpegPath = deps.platform.env[FFMPEG_ENV];
  if (ffmpegPath) env[FFMPEG_ENV] = ffmpegPath;
  const demoSys = { ...deps, platform: { ...deps.platform, env } };
  const loaded = loadConfig(demoSys, { ignoreStandardFiles: true });
  if (!loaded.ok) {
    deps.writeStderr(formatProblems("embedded demo config is invalid", loaded.problems) + "\n");
    return EXIT.config;
  }
  out(`${PRODUCT_VERSION} demo: embedded defaults, no config file`);
  const agent = await startAgent(demoSys, { config: loaded.config, configFile: null });
  let passed = false;
  try {
    await agent.ffmpegProbed;
    const base = `http://127.0.0.1:${agent.httpPort}`;
    const ff = agent.ffmpeg();
    out(`  ws2 (web page)    ws://127.0.0.1:${agent.ws2Port}/  (origins from ws2.allowedOrigins)`);
    out(`  health & metrics  ${base}/  (healthz, readyz, metrics, status)`);
    out(`  logs              ${agent.logging.currentFile ?? "(none)"}`);
    out(`  spool             ${loaded.config.spool.directory}`);
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
    passed = health?.status === 200 && readyOk && metrics?.status === 200;
    out(passed ? "demo OK: the agent is healthy and ready" : "demo FAILED: see the lines above");
    if (options.keep) {
      out("running; press Ctrl-C to stop");
      await deps.stopSignal;
    }
  } finally {
    await agent.stop();
    deps.removeDir(dir);
  }
  return passed ? EXIT.ok : EXIT.checksFailed;
}
