/**
 * Turns zod issues into the short reason a refused message is answered with: which field, what
 * was expected, what kind of thing was found. Never a value: the peer knows what it sent, and a
 * value may be a token (DESIGN.md §5).
 */
import type { z } from "zod";
import { valueAt } from "../util/value_at.ts";

/** More than this and the peer gets the first few and a count. */
const MAX_ISSUES = 3;
const MAX_REASON_LENGTH = 400;

/** `data.params.quality[0].crf`; keys that are not plain names are shown as `[…]`. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/.test(key)) {
      out += out === "" ? key : `.${key}`;
    } else out += "[…]";
  }
  return out === "" ? "(message)" : out;
}

/** The JSON kind of a value: what was found, without the value. */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
};

function bound(issue: { origin: string; inclusive?: boolean }, word: "least" | "most"): string {
  const strict = issue.inclusive === false;
  if (issue.origin === "number" || issue.origin === "int") {
    return strict ? (word === "least" ? "greater than" : "less than") : `at ${word}`;
  }
  return `at ${word}`;
}

function unit(origin: string, count: number | bigint): string {
  const s = Number(count) === 1 ? "" : "s";
  if (origin === "string") return ` character${s}`;
  if (origin === "array" || origin === "set") return ` item${s}`;
  return "";
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case "too_small":
      return `expected ${bound(issue, "least")} ${issue.minimum}${
        unit(issue.origin, issue.minimum)
      }`;
    case "too_big":
      return `expected ${bound(issue, "most")} ${issue.maximum}${
        unit(issue.origin, issue.maximum)
      }`;
    case "invalid_value":
      return `expected ${issue.values.length === 1 ? "" : "one of "}${
        issue.values.map((v) => JSON.stringify(v)).join(", ")
      }`;
    case "invalid_union": {
      // A discriminated union names the values its discriminator takes.
      const options = (issue as { options?: unknown }).options;
      if (Array.isArray(options)) {
        return `expected one of ${options.map((v) => JSON.stringify(v)).join(", ")}`;
      }
      // A union of kinds (a string or a number): name the kinds.
      const kinds = issue.errors.map((branch) =>
        branch.length === 1 && branch[0]?.code === "invalid_type"
          ? TYPE_NAMES[branch[0].expected] ?? branch[0].expected
          : undefined
      );
      return kinds.every((k) => k !== undefined) && kinds.length > 0
        ? `expected ${kinds.join(" or ")}`
        : "expected one of the accepted forms";
    }
    case "invalid_format":
      // Our regexes carry a description as their message; zod's own formats name themselves.
      return issue.format === "regex" ? `expected ${issue.message}` : `expected a ${issue.format}`;
    case "unrecognized_keys":
      return `unknown field(s) ${issue.keys.map((k) => pathText([k])).join(", ")}`;
    case "not_multiple_of":
      return `expected a multiple of ${issue.divisor}`;
    default:
      // custom: our refinements and transforms word their messages as the whole complaint.
      return issue.message;
  }
}

function describeOne(issue: z.core.$ZodIssue, root: unknown): string {
  const where = pathText(issue.path);
  const found = valueAt(root, issue.path);
  if (issue.code === "invalid_type" && found === undefined) {
    return `${where}: missing, ${expectation(issue)}`;
  }
  if (issue.code === "invalid_type" || (issue.code === "invalid_union" && !("options" in issue))) {
    return `${where}: ${expectation(issue)}, found ${kindOf(found)}`;
  }
  return `${where}: ${expectation(issue)}`;
}

/**
 * One line naming the first issues. `root` is what was parsed, used only to tell a missing
 * field from a wrong one and to name the kind found.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root: unknown): string {
  if (issues.length === 0) return "invalid message";
  const parts = issues.slice(0, MAX_ISSUES).map((issue) => describeOne(issue, root));
  const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : "";
  const text = parts.join("; ") + more;
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}
