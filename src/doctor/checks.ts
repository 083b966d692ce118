/**
 * `doctor`: everything an administrator can check without the platform, each finding with its
 * fix. Reads only through `SystemDeps` and `DoctorDeps`, so it says the same thing the agent
 * would experience, and changes nothing but proving the log and spool directories writable.
 * The checks by concern: config and ports here; CA bundle (pem.ts), servers' reachability and
 * TLS (server_checks.ts), spool (spool_checks.ts), ffmpeg and H.264 (ffmpeg_checks.ts),
 * display (display_checks.ts), service (service_checks.ts). docs/doctor.md lists every line.
 */
import type { SystemDeps } from "../app/system.ts";
import type { LoadConfigResult } from "../config/load.ts";
import { defaultLogDirectory } from "../config/paths.ts";
import { type DoctorDeps, realDoctorDeps } from "./deps.ts";
import { displayFindings } from "./display_checks.ts";
import { ffmpegFindings } from "./ffmpeg_checks.ts";
import { caBundleFindings } from "./pem.ts";
import { fail, type Finding, ok, warn } from "./report.ts";
import { serverFindings } from "./server_checks.ts";
import { serviceFindings } from "./service_checks.ts";
import { spoolFindings } from "./spool_checks.ts";

function configFindings(loaded: LoadConfigResult): Finding[] {
  const source = loaded.file ? loaded.file.path : "built-in defaults (no config file found)";
  if (!loaded.ok) {
    return loaded.problems.map((p) =>
      fail(
        "config",
        `${p.where}: expected ${p.expected}; found ${p.found}`,
        "edit the value named (see README, Configuration)",
      )
    );
  }
  const out = [ok("config", `valid: ${source}`)];
  const c = loaded.config;
  if (c.ws2.allowedOrigins.length === 0) {
    out.push(
      warn(
        "origins",
        "ws2.allowedOrigins is empty: no web workplace can connect",
        "add the workplace's origin, e.g. https://workplace.example.com",
      ),
    );
  } else out.push(ok("origins", c.ws2.allowedOrigins.join(", ")));
  if (c.servers.agentServerHosts.length === 0) {
    out.push(
      warn(
        "servers",
        "servers.agentServerHosts is empty: registration will be refused",
        "list the AgentServer host names",
      ),
    );
  } else out.push(ok("servers", `AgentServer: ${c.servers.agentServerHosts.join(", ")}`));
  if (c.servers.screenRecorderHosts.length === 0) {
    out.push(
      warn(
        "servers",
        "servers.screenRecorderHosts is empty: uploads will be refused (recordings stay in the spool)",
        "list the ScreenRecorder host names (host or host:port), as AgentServer hands them out",
      ),
    );
  } else out.push(ok("servers", `ScreenRecorder: ${c.servers.screenRecorderHosts.join(", ")}`));
  if (c.servers.devMode) {
    out.push(
      warn(
        "dev mode",
        "servers.devMode is on: plaintext to loopback allowed",
        "turn it off outside development",
      ),
    );
  }
  return out;
}

function portFindings(sys: SystemDeps, loaded: LoadConfigResult): Promise<Finding[]> {
  if (!loaded.ok) return Promise.resolve([]);
  const c = loaded.config;
  const ports = [
    ["ws2 port", c.ws2.port],
    ...(c.http.enabled ? [["http port", c.http.port] as const] : []),
  ] as const;
  return Promise.all(ports.map(async ([topic, port]) => {
    if (port === 0) return ok(topic, "0: chosen at start");
    if (sys.portFree(port)) return ok(topic, `127.0.0.1:${port} is free`);
    const health = c.http.enabled
      ? await sys.httpGet(`http://127.0.0.1:${c.http.port}/healthz`)
      : null;
    if (health?.status === 200 && health.body.trim() === "ok") {
      return ok(topic, `127.0.0.1:${port} is in use by a running agent (healthz answers)`);
    }
    return fail(
      topic,
      `127.0.0.1:${port} is taken by another program`,
      `free it, or choose another port in the config`,
    );
  }));
}

function dirFindings(sys: SystemDeps, loaded: LoadConfigResult): Finding[] {
  if (!loaded.ok) return [];
  return [["log directory", loaded.config.log.directory], [
    "spool directory",
    loaded.config.spool.directory,
  ]].map(
    ([topic, dir]) => {
      const problem = sys.ensureWritableDir(dir as string);
      return problem
        ? fail(topic as string, problem, "create it and give the operator's account write access")
        : ok(topic as string, `${dir} is writable`);
    },
  );
}

export async function runDoctor(
  sys: SystemDeps,
  loaded: LoadConfigResult,
  deps: DoctorDeps = realDoctorDeps(sys),
): Promise<Finding[]> {
  const config = loaded.ok ? loaded.config : null;
  const ca = config
    ? caBundleFindings(sys, config.servers.caBundle, sys.clock.now())
    : { findings: [], caPem: null };
  // The slow parts (network, ffmpeg probes, service manager) overlap; the output keeps its order.
  const servers = config
    ? serverFindings(deps.probe, sys.clock, config, ca.caPem, deps.serverChecks)
    : Promise.resolve([]);
  const service = serviceFindings(
    sys.platform,
    deps.serviceHost,
    config?.log.directory ?? defaultLogDirectory(sys.platform),
  );
  const ports = await portFindings(sys, loaded);
  const dirs = dirFindings(sys, loaded);
  const spool = config
    ? spoolFindings(deps.files, config.spool.directory, config.spool.maxBytes)
    : Promise.resolve([]);
  const ff = await ffmpegFindings(
    sys,
    config?.ffmpeg.path ?? "",
    config?.capture.encoder ?? "auto",
  );
  const display = await displayFindings(sys, ff.info, deps.displayLister);
  return [
    ...configFindings(loaded),
    ...ca.findings,
    ...(await servers),
    ...ports,
    ...dirs,
    ...(await spool),
    ...ff.findings,
    ...display,
    ...(await service),
  ];
}
