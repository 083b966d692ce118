/**
 * `install-service`, `uninstall-service` and `service-status`: the configuration the service
 * will read, the command line it starts, the OS's service manager, and the agent's ports,
 * reported step by step like `doctor`. Exit codes: docs/service.md.
 */
import type { SystemDeps } from "../app/system.ts";
import { EXIT, type ExitCode } from "../cli/exit_codes.ts";
import { CONFIG_PATH_ENV, ENV_PREFIX } from "../config/env_overrides.ts";
import { loadConfig, type LoadConfigResult } from "../config/load.ts";
import { defaultLogDirectory, type OsName, type PlatformFacts } from "../config/paths.ts";
import { formatProblems } from "../config/problems.ts";
import { configSchema } from "../config/schema.ts";
import { fail, type Finding, hasFailure, ok, renderFindings, warn } from "../doctor/report.ts";
import { Redactor } from "../log/redact.ts";
import { VERSION } from "../version.ts";
import type { ServiceHost } from "./host.ts";
import { agentLaunch, configOfArgs, ServiceError } from "./launch.ts";
import { systemdManager } from "./linux.ts";
import { launchdManager } from "./macos.ts";
import { displayCommand, type ServiceContext, type ServiceManager } from "./manager.ts";
import { type AgentPorts, type Expectation, portFindings } from "./ports.ts";
import { taskSchedulerManager } from "./windows.ts";

export type ServiceCommand = "install-service" | "uninstall-service" | "service-status";

export type ServiceSystem = Pick<
  SystemDeps,
  | "platform"
  | "cwd"
  | "execPath"
  | "projectRoot"
  | "readTextFile"
  | "portFree"
  | "httpGet"
  | "writeStdout"
  | "writeStderr"
>;

export interface ServiceOptions {
  /** `--config PATH`. */
  readonly configPath?: string | undefined;
  /** `--json` (service-status). */
  readonly json?: boolean | undefined;
}

export function managerFor(os: OsName): ServiceManager {
  return os === "linux" ? systemdManager : os === "darwin" ? launchdManager : taskSchedulerManager;
}

/**
 * The configuration as the service will see it: the file named by `--config` or
 * AGENT_HELPER_CONFIG here (the service is given it with `--config`), else the OS-standard
 * one; without the other AGENT_HELPER_* variables of this shell, which do not reach it.
 */
function serviceConfig(
  sys: ServiceSystem,
  configPath: string | undefined,
): { loaded: LoadConfigResult; explicit: boolean; dropped: string[] } {
  const env = sys.platform.env;
  const explicit = configPath || env[CONFIG_PATH_ENV] || undefined;
  const dropped = Object.keys(env).filter((k) =>
    k.startsWith(ENV_PREFIX) && k !== CONFIG_PATH_ENV && env[k] !== undefined
  ).sort();
  const platform: PlatformFacts = {
    ...sys.platform,
    env: Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith(ENV_PREFIX))),
  };
  const loaded = loadConfig({ platform, cwd: sys.cwd, readTextFile: sys.readTextFile }, {
    path: explicit,
  });
  return { loaded, explicit: explicit !== undefined, dropped };
}

function context(sys: ServiceSystem, host: ServiceHost, loaded: LoadConfigResult): ServiceContext {
  return {
    host,
    platform: sys.platform,
    logDirectory: loaded.ok ? loaded.config.log.directory : defaultLogDirectory(sys.platform),
    version: VERSION,
  };
}

function write(sys: ServiceSystem, findings: readonly Finding[], summary: string): void {
  sys.writeStdout(new Redactor().text(`${renderFindings(findings)}${summary}\n`));
}

async function install(
  sys: ServiceSystem,
  host: ServiceHost,
  manager: ServiceManager,
  options: ServiceOptions,
): Promise<ExitCode> {
  const { loaded, explicit, dropped } = serviceConfig(sys, options.configPath);
  if (!loaded.ok) {
    const where = loaded.file ? `config ${loaded.file.path}` : "config";
    sys.writeStderr(
      `${formatProblems(`${where} is invalid`, loaded.problems)}\n` +
        "Nothing was installed: the service would stop at every start. Fix the config first.\n",
    );
    return EXIT.config;
  }
  const configFile = explicit && loaded.file ? loaded.file.path : null;
  const { execPath, projectRoot } = sys;
  const launch = agentLaunch({ os: sys.platform.os, execPath, projectRoot }, configFile);
  const findings: Finding[] = [];
  if (sys.platform.os !== "windows" && host.uid() === 0) {
    findings.push(warn(
      "user",
      "installing for root: the agent will run only in root's own graphical session",
      "run install-service as the operator, who will be recorded: it installs for the user who runs it",
    ));
  }
  if (dropped.length > 0) {
    findings.push(warn(
      "environment",
      `${dropped.join(", ")} set here will not reach the service`,
      `put the settings in ${loaded.file?.path ?? "the config file"} instead`,
    ));
  }
  findings.push(ok(
    "config",
    configFile !== null
      ? `valid: ${configFile}, passed to the service with --config`
      : loaded.file
      ? `valid: ${loaded.file.path}; the service looks for the OS-standard file at each start`
      : "none found, the built-in defaults apply; the service looks for the OS-standard file at each start",
  ));
  findings.push(ok(
    "command",
    displayCommand([launch.program, ...launch.args]) +
      (launch.development ? " (development: this Deno runs main.ts of this source tree)" : ""),
  ));
  findings.push(...await manager.install(context(sys, host, loaded), launch));
  const failed = hasFailure(findings);
  write(
    sys,
    findings,
    failed
      ? `Not installed completely (see FAIL above); agent-helper uninstall-service removes what was made.`
      : `Installed as a ${manager.kind}. Check it: agent-helper service-status; remove it: agent-helper uninstall-service.`,
  );
  return failed ? EXIT.unavailable : EXIT.ok;
}

/** The ports of the config the installed service reads (or would read). */
function agentPorts(
  sys: ServiceSystem,
  options: ServiceOptions,
  installedCommand: readonly string[],
): { ports: AgentPorts; findings: Finding[]; loaded: LoadConfigResult } {
  const { loaded } = serviceConfig(
    sys,
    options.configPath ?? configOfArgs(installedCommand) ?? undefined,
  );
  if (loaded.ok) {
    const c = loaded.config;
    return {
      ports: { ws2: c.ws2.port, http: c.http.enabled ? c.http.port : null },
      findings: [],
      loaded,
    };
  }
  const d = configSchema.parse({});
  return {
    ports: { ws2: d.ws2.port, http: d.http.port },
    findings: [warn(
      "config",
      `${loaded.file?.path ?? "the config"} is invalid, so the default ports are checked`,
      "agent-helper config check lists the problems",
    )],
    loaded,
  };
}

async function uninstall(
  sys: ServiceSystem,
  host: ServiceHost,
  manager: ServiceManager,
  options: ServiceOptions,
): Promise<ExitCode> {
  const ctx0 = context(sys, host, { ok: false, file: null, problems: [] });
  const installed = await manager.installed(ctx0);
  const { ports, findings, loaded } = agentPorts(sys, options, installed?.command ?? []);
  if (installed === null) {
    findings.push(ok(manager.kind, `not installed: there is no ${manager.location(ctx0)}`));
  } else findings.push(...await manager.uninstall(context(sys, host, loaded), installed));
  const failed = hasFailure(findings);
  findings.push(...await portFindings(sys, ports, "stopped"));
  write(
    sys,
    findings,
    installed === null
      ? "Nothing to remove: the service is not installed for this user."
      : failed
      ? "Not removed completely (see FAIL above)."
      : "Removed. The config, the logs and the spool stay: the spool may hold recordings not yet uploaded.",
  );
  return failed ? EXIT.unavailable : EXIT.ok;
}

async function status(
  sys: ServiceSystem,
  host: ServiceHost,
  manager: ServiceManager,
  options: ServiceOptions,
): Promise<ExitCode> {
  const ctx0 = context(sys, host, { ok: false, file: null, problems: [] });
  const installed = await manager.installed(ctx0);
  const { ports, findings, loaded } = agentPorts(sys, options, installed?.command ?? []);
  let running: boolean | null = false;
  if (installed === null) {
    findings.push(fail(
      manager.kind,
      `not installed: there is no ${manager.location(ctx0)}`,
      "agent-helper install-service",
    ));
  } else {
    const r = await manager.status(context(sys, host, loaded), installed);
    findings.push(...r.findings);
    running = r.running;
  }
  const expect: Expectation = running === true ? "running" : "any";
  findings.push(...await portFindings(sys, ports, expect));
  if (options.json) {
    sys.writeStdout(
      `${
        new Redactor().text(JSON.stringify(
          { service: manager.kind, installed: installed?.where ?? null, running, findings },
          null,
          2,
        ))
      }\n`,
    );
  } else {
    write(
      sys,
      findings,
      installed === null
        ? "Not installed."
        : `${manager.kind}: ${
          running === true ? "running" : running === false ? "not running" : "state unknown"
        }.`,
    );
  }
  return hasFailure(findings) ? EXIT.checksFailed : EXIT.ok;
}

export async function serviceCommand(
  sys: ServiceSystem,
  host: ServiceHost,
  command: ServiceCommand,
  options: ServiceOptions = {},
): Promise<ExitCode> {
  const manager = managerFor(sys.platform.os);
  try {
    switch (command) {
      case "install-service":
        return await install(sys, host, manager, options);
      case "uninstall-service":
        return await uninstall(sys, host, manager, options);
      case "service-status":
        return await status(sys, host, manager, options);
    }
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e;
    sys.writeStderr(`agent-helper: ${command}: ${e.message}\n`);
    return EXIT.failure;
  }
}
