/**
 * Reads the configuration once: defaults, then the config file (`--config`, `AGENT_HELPER_CONFIG`
 * or the first OS-standard file that exists), then `AGENT_HELPER_*` variables. Every problem is
 * collected, none stops the search for the next, so an administrator fixes all in one go.
 */
import { applyEnvOverrides, CONFIG_PATH_ENV } from "./env_overrides.ts";
import {
  configCandidates,
  defaultLogDirectory,
  defaultSpoolDirectory,
  dirName,
  isAbsolutePath,
  type PlatformFacts,
  resolvePath,
} from "./paths.ts";
import { type ConfigProblem, describeIssues } from "./problems.ts";
import { type Config, configSchema } from "./schema.ts";

export interface ConfigFileReader {
  /** The file's text, or `undefined` when it does not exist; other failures throw. */
  readTextFile(path: string): string | undefined;
}

export interface LoadConfigDeps extends ConfigFileReader {
  readonly platform: PlatformFacts;
  /** Working directory, to resolve a relative `--config`. */
  readonly cwd: string;
}

export interface LoadConfigOptions {
  /** `--config PATH`: must exist. */
  readonly path?: string | undefined;
  /** Skip the OS-standard files (tests, `demo`); `--config` and the environment still apply. */
  readonly ignoreStandardFiles?: boolean;
}

export type ConfigSourceFile = {
  readonly path: string;
  readonly origin: "flag" | "env" | "standard";
};

export type LoadConfigResult =
  | {
    readonly ok: true;
    readonly config: Readonly<Config>;
    readonly file: ConfigSourceFile | null;
    readonly envOverrides: readonly string[];
  }
  | {
    readonly ok: false;
    readonly file: ConfigSourceFile | null;
    readonly problems: readonly ConfigProblem[];
  };

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Line and column of a JSON syntax error, when the engine's message gives a position. */
function syntaxWhere(text: string, message: string): string {
  const m = /position (\d+)/.exec(message) ?? /line (\d+) column (\d+)/.exec(message);
  if (!m) return "";
  if (m.length === 3) return ` at line ${m[1]}, column ${m[2]}`;
  const before = text.slice(0, Number(m[1]));
  const line = before.split("\n").length;
  return ` at line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
}

function pickFile(deps: LoadConfigDeps, options: LoadConfigOptions): ConfigSourceFile | null {
  const os = deps.platform.os;
  if (options.path) return { path: resolvePath(os, deps.cwd, options.path), origin: "flag" };
  const fromEnv = deps.platform.env[CONFIG_PATH_ENV];
  if (fromEnv) return { path: resolvePath(os, deps.cwd, fromEnv), origin: "env" };
  if (options.ignoreStandardFiles) return null;
  for (const candidate of configCandidates(deps.platform)) {
    if (deps.readTextFile(candidate) !== undefined) return { path: candidate, origin: "standard" };
  }
  return null;
}

export function loadConfig(
  deps: LoadConfigDeps,
  options: LoadConfigOptions = {},
): LoadConfigResult {
  const problems: ConfigProblem[] = [];
  const file = pickFile(deps, options);
  let input: Record<string, unknown> = {};
  if (file) {
    let text: string | undefined;
    try {
      text = deps.readTextFile(file.path);
    } catch (e) {
      problems.push({ where: file.path, expected: "a readable file", found: (e as Error).message });
    }
    if (text === undefined && problems.length === 0) {
      problems.push({
        where: file.path,
        expected: "an existing config file",
        found: "no such file",
      });
    } else if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
          input = parsed as Record<string, unknown>;
        } else {
          problems.push({ where: file.path, expected: "a JSON object", found: typeof parsed });
        }
      } catch (e) {
        const message = (e as Error).message;
        problems.push({
          where: file.path + syntaxWhere(text, message),
          expected: "valid JSON",
          found: message.replace(/\s*\(line \d+ column \d+\)$/, ""),
        });
      }
    }
  }
  const env = applyEnvOverrides(input, deps.platform.env);
  problems.push(...env.problems);

  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const whereOf = (dotted: string) => {
      const byEnv = env.sources.get(dotted);
      if (byEnv) return `environment ${byEnv}`;
      return file ? `${file.path}: ${dotted || "(top level)"}` : `defaults: ${dotted}`;
    };
    problems.push(...describeIssues(parsed.error.issues, input, whereOf));
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, file, problems };

  const config = parsed.data;
  const os = deps.platform.os;
  const base = file ? dirName(os, file.path) : deps.cwd;
  const fill = (value: string, fallback: string) =>
    value === "" ? fallback : isAbsolutePath(os, value) ? value : resolvePath(os, base, value);
  config.log.directory = fill(config.log.directory, defaultLogDirectory(deps.platform));
  config.spool.directory = fill(config.spool.directory, defaultSpoolDirectory(deps.platform));
  if (config.ffmpeg.path !== "" && /[\\/]/.test(config.ffmpeg.path)) {
    config.ffmpeg.path = fill(config.ffmpeg.path, "");
  }
  if (config.servers.caBundle !== "") config.servers.caBundle = fill(config.servers.caBundle, "");
  return { ok: true, config: deepFreeze(config), file, envOverrides: [...env.sources.values()] };
}
