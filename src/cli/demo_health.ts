/**
 * `demo`'s first look at the agent, the way local monitoring and an administrator see it: its
 * addresses, the ffmpeg it found, and its health, readiness and metrics over real HTTP.
 */
import type { SystemDeps } from "../app/system.ts";
import type { Stack } from "../platform/workplace/stack.ts";

export async function checkAgentHealth(
  deps: Pick<SystemDeps, "httpGet">,
  stack: Stack,
  out: (line: string) => void,
): Promise<boolean> {
  const agent = stack.agent;
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
  return health?.status === 200 && readyOk && metrics?.status === 200;
}
