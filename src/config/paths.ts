/**
 * OS-standard locations of the config file, logs and spool. Pure: the OS, the environment and
 * the home directory come in as facts, so every OS's answer is testable on any OS.
 */
import path from "node:path";

export type OsName = "windows" | "linux" | "darwin";

export interface PlatformFacts {
  readonly os: OsName;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
}

function join(os: OsName, ...parts: string[]): string {
  return os === "windows" ? path.win32.join(...parts) : path.posix.join(...parts);
}

export function isAbsolutePath(os: OsName, p: string): boolean {
  return os === "windows" ? path.win32.isAbsolute(p) : path.posix.isAbsolute(p);
}

export function resolvePath(os: OsName, base: string, p: string): string {
  return os === "windows" ? path.win32.resolve(base, p) : path.posix.resolve(base, p);
}

export function dirName(os: OsName, p: string): string {
  return os === "windows" ? path.win32.dirname(p) : path.posix.dirname(p);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== "" ? value : undefined;
}

/**
 * Config files looked for, in order; the first that exists is used. On Linux the system file
 * (/etc, placed by IT) comes before the user's, so a deployment's allow-lists win.
 */
export function configCandidates(p: PlatformFacts): string[] {
  switch (p.os) {
    case "windows": {
      const programData = nonEmpty(p.env.ProgramData) ?? nonEmpty(p.env.PROGRAMDATA) ??
        "C:\\ProgramData";
      return [join("windows", programData, "AgentHelper", "config.json")];
    }
    case "darwin":
      return [
        join("darwin", p.homeDir, "Library", "Application Support", "AgentHelper", "config.json"),
      ];
    case "linux": {
      const xdg = nonEmpty(p.env.XDG_CONFIG_HOME) ?? join("linux", p.homeDir, ".config");
      return ["/etc/agent-helper/config.json", join("linux", xdg, "agent-helper", "config.json")];
    }
  }
}

/** Per-user state directory: logs and spool live under it. */
function stateRoot(p: PlatformFacts): string {
  switch (p.os) {
    case "windows": {
      const local = nonEmpty(p.env.LOCALAPPDATA) ?? join("windows", p.homeDir, "AppData", "Local");
      return join("windows", local, "AgentHelper");
    }
    case "darwin":
      return join("darwin", p.homeDir, "Library", "Application Support", "AgentHelper");
    case "linux": {
      const xdg = nonEmpty(p.env.XDG_STATE_HOME) ?? join("linux", p.homeDir, ".local", "state");
      return join("linux", xdg, "agent-helper");
    }
  }
}

export function defaultLogDirectory(p: PlatformFacts): string {
  return p.os === "darwin"
    ? join("darwin", p.homeDir, "Library", "Logs", "AgentHelper")
    : join(p.os, stateRoot(p), "logs");
}

export function defaultSpoolDirectory(p: PlatformFacts): string {
  return join(p.os, stateRoot(p), "spool");
}
