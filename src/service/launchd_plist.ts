/**
 * The macOS LaunchAgent, as text: where the property list goes, what it says, and reading its
 * ProgramArguments back. Pure; `macos.ts` writes it and drives launchctl. Why each key is
 * there: docs/service.md.
 */
import path from "node:path";
import type { PlatformFacts } from "../config/paths.ts";
import type { AgentLaunch } from "./launch.ts";

/** The job's launchd label; also the plist's file name. */
export const LAUNCHD_LABEL = "agenthelper.agent";

export function plistPath(p: PlatformFacts): string {
  return path.posix.join(p.homeDir, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
}

/** launchd's own copies of the agent's standard output and error, in the log directory. */
export function launchdLogFiles(logDirectory: string): { stdout: string; stderr: string } {
  return {
    stdout: path.posix.join(logDirectory, "launchd-stdout.log"),
    stderr: path.posix.join(logDirectory, "launchd-stderr.log"),
  };
}

const XML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Text for an element's content (no attribute values are written): `&`, `<`, `>` escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (c) => XML_ESCAPES[c]!);
}

export function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named = Object.entries(XML_ESCAPES).find(([, v]) => v === `&${e};`);
    if (named) return named[0];
    return String.fromCodePoint(
      e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10),
    );
  });
}

export interface PlistOptions {
  readonly launch: AgentLaunch;
  readonly logDirectory: string;
}

export function renderLaunchAgentPlist(o: PlistOptions): string {
  const str = (s: string, indent: string) => `${indent}<string>${escapeXml(s)}</string>`;
  const logs = launchdLogFiles(o.logDirectory);
  // The agent writes its own rotated log files; launchd's copy of stderr is never rotated, so
  // it gets only what happens before logging starts (a crash at start).
  const env = { AGENT_HELPER_LOG_CONSOLE: "false", ...o.launch.env };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "\t<key>Label</key>",
    str(LAUNCHD_LABEL, "\t"),
    "\t<key>ProgramArguments</key>",
    "\t<array>",
    ...[o.launch.program, ...o.launch.args].map((a) => str(a, "\t\t")),
    "\t</array>",
    "\t<key>EnvironmentVariables</key>",
    "\t<dict>",
    ...Object.entries(env).flatMap(([k, v]) => [`\t\t<key>${escapeXml(k)}</key>`, str(v, "\t\t")]),
    "\t</dict>",
    "\t<key>LimitLoadToSessionType</key>",
    str("Aqua", "\t"),
    "\t<key>RunAtLoad</key>",
    "\t<true/>",
    "\t<key>KeepAlive</key>",
    "\t<dict>",
    "\t\t<key>SuccessfulExit</key>",
    "\t\t<false/>",
    "\t</dict>",
    "\t<key>ThrottleInterval</key>",
    "\t<integer>10</integer>",
    "\t<key>Umask</key>",
    "\t<integer>63</integer>",
    "\t<key>StandardOutPath</key>",
    str(logs.stdout, "\t"),
    "\t<key>StandardErrorPath</key>",
    str(logs.stderr, "\t"),
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/** The `ProgramArguments` strings of a plist written by {@link renderLaunchAgentPlist}. */
export function programArgumentsOfPlist(plist: string): string[] | null {
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(plist)?.[1];
  if (array === undefined) return null;
  return [...array.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((m) => unescapeXml(m[1]!));
}
