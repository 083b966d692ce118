/**
 * `AGENT_HELPER_*` environment overrides. The variable names are derived from the config
 * schema (`ws2.port` → `AGENT_HELPER_WS2_PORT`), so every key has one and none is forgotten.
 */
import type { z } from "zod";
import { configSchema } from "./schema.ts";

export const ENV_PREFIX = "AGENT_HELPER_";
/** Names the config file; not a config key itself. */
export const CONFIG_PATH_ENV = "AGENT_HELPER_CONFIG";

export type LeafKind = "string" | "number" | "boolean" | "list" | "json";

export interface EnvKey {
  readonly name: string;
  readonly path: readonly string[];
  readonly kind: LeafKind;
}

export interface EnvProblem {
  readonly where: string;
  readonly expected: string;
  readonly found: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(schema: z.ZodType): Def {
  let def = defOf(schema);
  while (def.innerType && ["default", "prefault", "optional", "nullable"].includes(def.type)) {
    def = defOf(def.innerType);
  }
  return def;
}

function kindOf(def: Def): LeafKind {
  switch (def.type) {
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return def.element && unwrap(def.element).type === "string" ? "list" : "json";
    default:
      return "string";
  }
}

function snake(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

export function envNameFor(path: readonly string[]): string {
  return ENV_PREFIX + path.map(snake).join("_");
}

function collect(schema: z.ZodType, path: string[], out: EnvKey[]): void {
  const def = unwrap(schema);
  if (def.type === "object" && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) collect(child, [...path, key], out);
    return;
  }
  out.push({ name: envNameFor(path), path, kind: kindOf(def) });
}

/** Every overridable key of the config, with its variable name. */
export const ENV_KEYS: readonly EnvKey[] = (() => {
  const out: EnvKey[] = [];
  collect(configSchema, [], out);
  return Object.freeze(out);
})();

function convert(key: EnvKey, raw: string): { value: unknown } | { problem: string } {
  switch (key.kind) {
    case "string":
      return { value: raw };
    case "number": {
      const n = Number(raw.trim());
      return raw.trim() !== "" && Number.isFinite(n) ? { value: n } : { problem: "a number" };
    }
    case "boolean": {
      const v = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(v)) return { value: true };
      if (["0", "false", "no", "off"].includes(v)) return { value: false };
      return { problem: "true or false" };
    }
    case "list":
      return { value: raw.split(",").map((s) => s.trim()).filter((s) => s !== "") };
    case "json":
      try {
        return { value: JSON.parse(raw) };
      } catch {
        return { problem: "a JSON value" };
      }
  }
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

export interface EnvOverrideResult {
  /** Env var name by dotted config path, for problems found later by the schema. */
  readonly sources: ReadonlyMap<string, string>;
  readonly problems: readonly EnvProblem[];
}

/** Writes every `AGENT_HELPER_*` variable into `target` (mutated); unknown names are problems. */
export function applyEnvOverrides(
  target: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): EnvOverrideResult {
  const byName = new Map(ENV_KEYS.map((k) => [k.name, k]));
  const sources = new Map<string, string>();
  const problems: EnvProblem[] = [];
  for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || name === CONFIG_PATH_ENV || raw === undefined) continue;
    const key = byName.get(name);
    if (!key) {
      problems.push({
        where: `environment ${name}`,
        expected: "a known AGENT_HELPER_* variable (see `agent-helper config --help`)",
        found: "an unknown variable",
      });
      continue;
    }
    const converted = convert(key, raw);
    if ("problem" in converted) {
      problems.push({
        where: `environment ${name}`,
        expected: converted.problem,
        found: JSON.stringify(raw),
      });
      continue;
    }
    setAt(target, key.path, converted.value);
    sources.set(key.path.join("."), name);
  }
  return { sources, problems };
}
