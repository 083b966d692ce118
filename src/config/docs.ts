/**
 * The configuration reference, generated from the schema (never written by hand, so it cannot
 * drift): docs/configuration.md for people, schemas/config.schema.json for editors and
 * deployment tools.
 */
import { z } from "zod";
import { envNameFor } from "./env_overrides.ts";
import { configSchema } from "./schema.ts";

interface JsonSchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}

/** The example shown in the docs; a test proves the agent accepts it. */
export const EXAMPLE_CONFIG = {
  ws2: { allowedOrigins: ["https://workplace.example.com"] },
  servers: {
    agentServerHosts: ["*.agents.example.com"],
    screenRecorderHosts: ["recorder.example.com:443"],
  },
  log: { level: "info", retentionDays: 30 },
};

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }),
    $id: "urn:agent-helper:schema:config",
    title: "AgentHelper configuration",
    description: "The agent's config.json (see docs/configuration.md). Every key is optional.",
  };
}

function range(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(", ");
  const parts: string[] = [];
  if (node.minimum !== undefined && node.minimum > -Number.MAX_SAFE_INTEGER) {
    parts.push(`≥ ${node.minimum}`);
  }
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) {
    parts.push(`≤ ${node.maximum}`);
  }
  return parts.join(", ");
}

function rows(node: JsonSchemaNode, path: string[], out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = [...path, key];
    if (child.type === "object" && child.properties) {
      out.push(`| **${p.join(".")}** | | | ${child.description ?? ""} |`);
      rows(child, p, out);
      continue;
    }
    const type = child.type === "array"
      ? `${child.items?.type ?? "object"}[]`
      : child.type ?? "string";
    const limits = range(child);
    const dflt = JSON.stringify(child.default ?? null);
    out.push(
      `| \`${p.join(".")}\`<br>\`${envNameFor(p)}\` | ${type}${
        limits ? ` (${limits})` : ""
      } | \`${dflt}\` | ${child.description ?? ""} |`,
    );
  }
}

export function configMarkdown(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input" }) as JsonSchemaNode;
  const out = [
    "# Configuration reference",
    "",
    "Generated from `src/config/schema.ts` by `deno task gen:schemas`; do not edit by hand.",
    "Every key is optional. Environment variables override the file; lists are comma-separated,",
    "`capture.displays` is JSON. An unknown key or variable is an error, so a typo never goes",
    "unnoticed. Paths that are relative are relative to the config file. The machine-readable",
    "form is [`schemas/config.schema.json`](../schemas/config.schema.json).",
    "",
    "| key / variable | type | default | meaning |",
    "| --- | --- | --- | --- |",
  ];
  rows(schema, [], out);
  out.push(
    "",
    "Example (`/etc/agent-helper/config.json`):",
    "",
    "```json",
    JSON.stringify(
      {
        ws2: { allowedOrigins: ["https://workplace.example.com"] },
        servers: {
          agentServerHosts: ["*.agents.example.com"],
          screenRecorderHosts: ["recorder.example.com:443"],
        },
        log: { level: "info", retentionDays: 30 },
      },
      null,
      2,
    ),
    "```",
    "",
  );
  return out.join("\n");
}
