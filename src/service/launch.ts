/**
 * The command line a service starts the agent with: the release executable itself, or, in a
 * source tree (`deno run … main.ts`), this same Deno running this same `main.ts`. Pure: the
 * executable, the project root and the OS come in as facts.
 */
import path from "node:path";
import type { OsName } from "../config/paths.ts";
import { v8FlagsArg } from "../app/v8_flags.ts";

/** A problem that stops a service command before it changes anything; the message says what to do. */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
}

export interface LaunchFacts {
  readonly os: OsName;
  /** `Deno.execPath()`: the release executable, or the `deno` running main.ts. */
  readonly execPath: string;
  /** The source tree main.ts was started from (node_modules beside it), else null. */
  readonly projectRoot: string | null;
}

export interface AgentLaunch {
  /** Absolute path of the program. */
  readonly program: string;
  /** Its arguments, ending with `run [--config FILE]`. */
  readonly args: readonly string[];
  /** Started from a source tree: `deno run` with main.ts, not a release executable. */
  readonly development: boolean;
  /** Environment the service sets; only what the launch itself needs. */
  readonly env: Readonly<Record<string, string>>;
}

function isDeno(os: OsName, execPath: string): boolean {
  const base = os === "windows" ? path.win32.basename(execPath) : path.posix.basename(execPath);
  return /^deno(\.exe)?$/i.test(base);
}

function checkPath(what: string, p: string): void {
  // deno-lint-ignore no-control-regex
  if (/[\x00-\x1f\x7f]/.test(p)) {
    throw new ServiceError(
      `${what} ${JSON.stringify(p)} holds a control character (a line break?), which a ` +
        "service definition cannot carry: move it to a plain path",
    );
  }
}

/**
 * `configFile`: absolute path of the config the service must read, or null to let the agent
 * find the OS-standard file at every start.
 */
export function agentLaunch(facts: LaunchFacts, configFile: string | null): AgentLaunch {
  const run = ["run", ...(configFile === null ? [] : ["--config", configFile])];
  checkPath("the executable", facts.execPath);
  if (configFile !== null) checkPath("the config file", configFile);
  if (!isDeno(facts.os, facts.execPath)) {
    return { program: facts.execPath, args: run, development: false, env: {} };
  }
  if (facts.projectRoot === null) {
    throw new ServiceError(
      `${facts.execPath} is Deno, but not running AgentHelper's main.ts from a source tree: ` +
        "run install-service from the release executable (agent-helper install-service) or " +
        "from the source tree (node_modules/.bin/deno run -A main.ts install-service)",
    );
  }
  checkPath("the source tree", facts.projectRoot);
  const join = facts.os === "windows" ? path.win32.join : path.posix.join;
  return {
    program: facts.execPath,
    args: ["run", "--allow-all", v8FlagsArg(), join(facts.projectRoot, "main.ts"), ...run],
    development: true,
    // `deno run` checks dl.deno.land for a newer Deno in the background; the agent talks only
    // to the hosts on its allow-lists (DESIGN.md §5).
    env: { DENO_NO_UPDATE_CHECK: "1" },
  };
}

/** `--config FILE` of a recorded argument list, or null. */
export function configOfArgs(args: readonly string[]): string | null {
  const i = args.lastIndexOf("--config");
  return i >= 0 && i + 1 < args.length ? args[i + 1]! : null;
}
