/**
 * The command line: parses argv, runs one command, returns its exit code. Takes the system as a
 * dependency, so tests run every command in-process with captured output.
 */
import { parseArgs } from "node:util";
import { startAgent, StartupError } from "../app/agent.ts";
import type { SystemDeps } from "../app/system.ts";
import type { TimerId } from "../clock/clock.ts";
import { loadConfig, type LoadConfigResult } from "../config/load.ts";
import { formatProblems } from "../config/problems.ts";
import { runDoctor } from "../doctor/checks.ts";
import { hasFailure, renderFindings } from "../doctor/report.ts";
import { Redactor } from "../log/redact.ts";
import { serviceCommand } from "../service/commands.ts";
import { denoServiceHost } from "../service/host.ts";
import { PRODUCT_VERSION, VERSION } from "../version.ts";

import { parseDemoOptions } from "./demo_options.ts";
import { EXIT, type ExitCode } from "./exit_codes.ts";
import { HELP } from "./help.ts";

export interface CliDeps extends SystemDeps {
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopSignal: Promise<string>;
}

const OPTIONS = {
  config: { type: "string" },
  json: { type: "boolean" },
  keep: { type: "boolean" },
  seconds: { type: "string" },
  monitors: { type: "string" },
  fps: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  run: ["config", "help"],
  demo: ["keep", "seconds", "monitors", "fps", "help"],
  doctor: ["config", "json", "help"],
  config: ["config", "help"],
  version: ["json", "help"],
  "install-service": ["config", "help"],
  "uninstall-service": ["config", "help"],
  "service-status": ["config", "json", "help"],
  help: ["help"],
};

class UsageError extends Error {}

function load(deps: CliDeps, path: string | undefined): LoadConfigResult {
  return loadConfig(deps, { path });
}

function reportConfigProblems(deps: CliDeps, loaded: LoadConfigResult & { ok: false }): ExitCode {
  const where = loaded.file ? `config ${loaded.file.path}` : "config";
  deps.writeStderr(`${formatProblems(`${where} is invalid`, loaded.problems)}\n`);
  return EXIT.config;
}

async function run(deps: CliDeps, configPath: string | undefined): Promise<ExitCode> {
  const loaded = load(deps, configPath);
  if (!loaded.ok) return reportConfigProblems(deps, loaded);
  const agent = await startAgent(deps, {
    config: loaded.config,
    configFile: loaded.file?.path ?? null,
  });
  const signal = await deps.stopSignal;
  deps.writeStderr(`${signal}: stopping\n`);
  // Encoders finish their fragments, parts are sealed, finished ones get a few seconds to
  // upload, pending commands are answered, then the registration closes: all well inside what
  // a service manager waits before it kills (systemd: 90 s; Windows: 20 s by default).
  let timer: TimerId | undefined;
  const stopped = await Promise.race([
    agent.stop().then(() => true),
    new Promise<false>((r) => (timer = deps.clock.setTimeout(() => r(false), STOP_BUDGET_MS))),
  ]);
  if (timer !== undefined) deps.clock.clearTimeout(timer);
  if (!stopped) {
    deps.writeStderr(`agent-helper: stopping took over ${STOP_BUDGET_MS / 1000} s; exiting\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

/** The longest a stop may take before the process exits regardless. */
const STOP_BUDGET_MS = 15_000;

function configCommand(
  deps: CliDeps,
  sub: string | undefined,
  configPath: string | undefined,
): ExitCode {
  if (sub !== "check" && sub !== "print") {
    throw new UsageError(`config needs "check" or "print", got ${sub ?? "nothing"}`);
  }
  const loaded = load(deps, configPath);
  if (!loaded.ok) return reportConfigProblems(deps, loaded);
  if (sub === "check") {
    const source = loaded.file ? loaded.file.path : "built-in defaults (no config file)";
    const env = loaded.envOverrides.length
      ? `; environment: ${loaded.envOverrides.join(", ")}`
      : "";
    deps.writeStdout(`config OK: ${source}${env}\n`);
  } else {
    deps.writeStdout(`${JSON.stringify(new Redactor().value(loaded.config), null, 2)}\n`);
  }
  return EXIT.ok;
}

function version(deps: CliDeps, json: boolean): ExitCode {
  const facts = {
    version: VERSION,
    product: PRODUCT_VERSION,
    deno: deps.runtime.deno,
    os: deps.platform.os,
    arch: deps.runtime.arch,
  };
  deps.writeStdout(
    json
      ? `${JSON.stringify(facts)}\n`
      : `${PRODUCT_VERSION} (deno ${facts.deno}, ${facts.os}-${facts.arch})\n`,
  );
  return EXIT.ok;
}

async function doctor(
  deps: CliDeps,
  configPath: string | undefined,
  json: boolean,
): Promise<ExitCode> {
  const findings = await runDoctor(deps, load(deps, configPath));
  deps.writeStdout(json ? `${JSON.stringify(findings, null, 2)}\n` : renderFindings(findings));
  return hasFailure(findings) ? EXIT.checksFailed : EXIT.ok;
}

/**
 * `demo` brings the whole reference platform (AgentServer, ScreenRecorder, PKI, the JsSDK,
 * playwright); imported statically it stayed loaded in every `run` as well, about a quarter of
 * the agent's memory (measured: 98 → 74 MB RSS idle). So it is loaded only when asked for, and
 * named through a variable so that `deno compile` leaves it out of the release binary.
 */
const DEMO_MODULE = "./demo.ts";

async function runDemoLazily(
  deps: CliDeps,
  raw: { keep?: boolean; seconds?: string; monitors?: string; fps?: string },
): Promise<ExitCode> {
  const options = parseDemoOptions(raw);
  if (!options.ok) throw new UsageError(options.error);
  let demo: typeof import("./demo.ts");
  try {
    demo = await import(DEMO_MODULE);
  } catch {
    throw new UsageError(
      "demo needs the reference platform, which the release binary leaves out: run it from " +
        "the source tree (scripts/run.sh demo)",
    );
  }
  return await demo.runDemo(deps, options.options);
}

export async function main(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [command = "run", ...rest] = positionals;
    const allowed = ALLOWED[command];
    if (!allowed) throw new UsageError(`unknown command "${command}"`);
    for (const key of Object.keys(values)) {
      if (!allowed.includes(key)) throw new UsageError(`${command} does not take --${key}`);
    }
    const maxPositionals = command === "config" ? 1 : command === "help" ? 1 : 0;
    if (rest.length > maxPositionals) {
      throw new UsageError(`unexpected argument "${rest[maxPositionals]}"`);
    }
    if (values.help || command === "help") {
      const topic = command === "help" ? rest[0] ?? "main" : command;
      const text = HELP[topic];
      if (!text) throw new UsageError(`no help for "${topic}"`);
      deps.writeStdout(text);
      return EXIT.ok;
    }
    switch (command) {
      case "run":
        return await run(deps, values.config);
      case "demo":
        return await runDemoLazily(deps, values);
      case "doctor":
        return await doctor(deps, values.config, values.json ?? false);
      case "config":
        return configCommand(deps, rest[0], values.config);
      case "version":
        return version(deps, values.json ?? false);
      case "install-service":
      case "uninstall-service":
      case "service-status":
        return await serviceCommand(deps, denoServiceHost, command, {
          configPath: values.config,
          json: values.json,
        });
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      deps.writeStderr(
        `agent-helper: ${(e as Error).message}\nRun "agent-helper --help" for usage.\n`,
      );
      return EXIT.usage;
    }
    if (e instanceof StartupError) {
      deps.writeStderr(`agent-helper: cannot start: ${e.message}\n`);
      return EXIT.unavailable;
    }
    deps.writeStderr(`agent-helper: ${new Redactor().text((e as Error).message ?? String(e))}\n`);
    return EXIT.failure;
  }
}
