/**
 * The systemd user unit, as text: where it goes, what it says, and reading its ExecStart back.
 * Pure; `linux.ts` writes it and drives systemctl. Why each line is there: docs/service.md.
 */
import path from "node:path";
import type { PlatformFacts } from "../config/paths.ts";
import type { AgentLaunch } from "./launch.ts";

export const UNIT_NAME = "agent-helper.service";
/** The systemd target of the user's graphical session: started by the desktop, stopped at logout. */
export const SESSION_TARGET = "graphical-session.target";

/** `$XDG_CONFIG_HOME/systemd/user/agent-helper.service` (`~/.config` when unset), as systemd reads it. */
export function unitPath(p: PlatformFacts): string {
  const xdg = p.env.XDG_CONFIG_HOME?.trim() ? p.env.XDG_CONFIG_HOME : undefined;
  return path.posix.join(
    xdg ?? path.posix.join(p.homeDir, ".config"),
    "systemd",
    "user",
    UNIT_NAME,
  );
}

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One ExecStart word: quoted when it holds anything but plain characters, `\` and `"` escaped
 * inside the quotes, and `%` / `$` doubled (systemd's specifier and variable expansion).
 */
export function quoteExecWord(word: string): string {
  return quoteWord(word).replace(/\$/g, "$$$$");
}

/** One `Environment=` assignment: quoted like an ExecStart word, but `$` is literal there. */
export function quoteEnvAssignment(name: string, value: string): string {
  return quoteWord(`${name}=${value}`);
}

function quoteWord(word: string): string {
  const quoted = PLAIN.test(word) ? word : `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return quoted.replace(/%/g, "%%");
}

/** The words of an ExecStart line written by {@link quoteExecWord}. */
export function parseExecStart(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) {
    const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!;
    words.push(raw.replace(/%%/g, "%").replace(/\$\$/g, "$"));
  }
  return words;
}

/** The program and arguments of the unit's ExecStart, or null when it has none. */
export function execStartOfUnit(unit: string): string[] | null {
  const line = /^ExecStart=(.*)$/m.exec(unit)?.[1];
  return line === undefined ? null : parseExecStart(line);
}

export interface UnitOptions {
  readonly launch: AgentLaunch;
  /** Written into the header comment, to tell which release wrote the file. */
  readonly version: string;
}

export function renderSystemdUnit(o: UnitOptions): string {
  const exec = [o.launch.program, ...o.launch.args].map(quoteExecWord).join(" ");
  const env = Object.entries(o.launch.env).map(([k, v]) =>
    `Environment=${quoteEnvAssignment(k, v)}`
  );
  return [
    `# AgentHelper ${o.version}, the contact-center screen-recording agent, for this user.`,
    "# Written by `agent-helper install-service`, removed by `agent-helper uninstall-service`;",
    "# the next install replaces it: settings belong in the agent's config file.",
    "[Unit]",
    "Description=AgentHelper screen-recording agent",
    "# It records the desktop, so it lives and dies with the user's graphical session.",
    `PartOf=${SESSION_TARGET}`,
    `After=${SESSION_TARGET}`,
    "StartLimitIntervalSec=300",
    "StartLimitBurst=10",
    "",
    "[Service]",
    "Type=exec",
    `ExecStart=${exec}`,
    ...env,
    "Restart=on-failure",
    "RestartSec=5",
    "# 2: a wrong command line, 3: an invalid config; restarting cannot fix either.",
    "RestartPreventExitStatus=2 3",
    "TimeoutStopSec=20",
    "# Hardening a user service can have without namespaces; it keeps X11 capture working.",
    "UMask=0077",
    "NoNewPrivileges=yes",
    "LockPersonality=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "RestrictNamespaces=yes",
    "SystemCallArchitectures=native",
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
    "",
    "[Install]",
    `WantedBy=${SESSION_TARGET}`,
    "",
  ].join("\n");
}
