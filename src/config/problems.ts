/**
 * Turns zod issues into what an administrator needs to fix a config: where the value came from,
 * what was expected, what was found.
 */
import type { z } from "zod";
import { valueAt } from "../util/value_at.ts";

export interface ConfigProblem {
  readonly where: string;
  readonly expected: string;
  readonly found: string;
}

const MAX_FOUND = 80;

export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_FOUND ? `${text.slice(0, MAX_FOUND - 1)}…` : text;
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected === "number" ? "a number" : `a value of type ${issue.expected}`;
    case "too_small":
      return issue.origin === "array"
        ? `at least ${issue.minimum} item(s)`
        : `${issue.origin === "string" ? "a length" : "a value"} of at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array"
        ? `at most ${issue.maximum} item(s)`
        : `${issue.origin === "string" ? "a length" : "a value"} of at most ${issue.maximum}`;
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.message || `a ${issue.format}`;
    case "unrecognized_keys":
      return "only known keys (check the spelling, or remove it)";
    default:
      return issue.message;
  }
}

/**
 * `whereOf` names the source of the value at a dotted path (a file, an env var); `input` is what
 * the schema was given, to show the value found.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  whereOf: (dottedPath: string) => string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const dotted = [...path, key].join(".");
        problems.push({
          where: whereOf(dotted),
          expected: expectedOf(issue),
          found: `unknown key "${key}"`,
        });
      }
      continue;
    }
    const dotted = path.join(".");
    problems.push({
      where: whereOf(dotted),
      expected: expectedOf(issue),
      found: showValue(valueAt(input, issue.path)),
    });
  }
  return problems;
}

export function formatProblems(title: string, problems: readonly ConfigProblem[]): string {
  const lines = [`${title} (${problems.length} problem${problems.length === 1 ? "" : "s"}):`];
  for (const p of problems) lines.push(`  - ${p.where}: expected ${p.expected}; found ${p.found}`);
  return lines.join("\n");
}
