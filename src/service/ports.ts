/**
 * Whether anything listens on the agent's loopback ports, and whether it is an agent (its
 * /healthz answers "ok"). Probes 127.0.0.1 only, like everything the agent does (DESIGN.md §5).
 */
import type { SystemDeps } from "../app/system.ts";
import { fail, type Finding, ok, warn } from "../doctor/report.ts";

export interface AgentPorts {
  readonly ws2: number;
  /** null when the health endpoints are turned off (http.enabled false). */
  readonly http: number | null;
}

/**
 * What the caller expects: "running" (the service says the agent runs: a closed port is news),
 * "stopped" (just uninstalled: a listening agent is news, but never a failure of uninstall),
 * "any" (no expectation).
 */
export type Expectation = "running" | "stopped" | "any";

export async function portFindings(
  sys: Pick<SystemDeps, "portFree" | "httpGet">,
  ports: AgentPorts,
  expect: Expectation,
): Promise<Finding[]> {
  const list: [string, number][] = [["ws2 port", ports.ws2]];
  if (ports.http !== null) list.push(["http port", ports.http]);
  let agentAnswers: boolean | undefined;
  const isAgent = async () => {
    if (agentAnswers === undefined) {
      const r = ports.http === null
        ? null
        : await sys.httpGet(`http://127.0.0.1:${ports.http}/healthz`);
      agentAnswers = r?.status === 200 && r.body.trim() === "ok";
    }
    return agentAnswers;
  };
  const out: Finding[] = [];
  for (const [topic, port] of list) {
    const at = `127.0.0.1:${port}`;
    if (port === 0) {
      out.push(ok(topic, "0: the agent takes a free port at start, so it cannot be checked"));
    } else if (sys.portFree(port)) {
      out.push(
        expect === "running"
          ? warn(
            topic,
            `${at} is closed although the service runs`,
            "the agent may be starting: check again in a moment; its log says why it does not listen",
          )
          : ok(topic, `${at} is closed`),
      );
    } else if (await isAgent()) {
      out.push(
        expect === "stopped"
          ? warn(
            topic,
            `${at}: an agent still answers, one not run by this service (started by hand, or by another user)`,
            "stop that agent (Ctrl-C, or its own service)",
          )
          : ok(topic, `${at}: an agent answers (healthz)`),
      );
    } else {
      const detail = `${at} is taken by a program that is not an agent` +
        (ports.http === null ? " (or an agent with http.enabled off)" : "");
      const fix = "free it, or choose other ports in the config (ws2.port, http.port)";
      out.push(expect === "stopped" ? warn(topic, detail, fix) : fail(topic, detail, fix));
    }
  }
  return out;
}
