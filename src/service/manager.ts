/**
 * What each OS's service manager (systemd, launchd, Task Scheduler) does for the three
 * commands. Every step becomes a finding, as in `doctor`: OK, WARN (done, but something needs
 * the administrator's attention) or FAIL (not done), each WARN and FAIL with what to do.
 */
import type { PlatformFacts } from "../config/paths.ts";
import type { Finding } from "../doctor/report.ts";
import type { ServiceHost } from "./host.ts";
import type { AgentLaunch } from "./launch.ts";

export interface ServiceContext {
  readonly host: ServiceHost;
  readonly platform: PlatformFacts;
  /** The agent's log directory (launchd writes the agent's stdout and stderr there). */
  readonly logDirectory: string;
  readonly version: string;
}

export interface Installed {
  /** Where the definition is: a file, or the task's name. */
  readonly where: string;
  /** The program and arguments it starts; empty when unreadable. */
  readonly command: readonly string[];
}

/** What `service-status` learnt, beside its findings. */
export interface StatusResult {
  readonly findings: Finding[];
  /** Whether the manager says the agent runs now; null when it cannot tell. */
  readonly running: boolean | null;
}

export interface ServiceManager {
  /** "systemd user unit", "launchd agent", "logon task": in the command's output. */
  readonly kind: string;
  /** Where the definition is when installed: a file, or the task's name. */
  location(ctx: ServiceContext): string;
  /** The installed definition, or null when there is none. */
  installed(ctx: ServiceContext): Promise<Installed | null>;
  install(ctx: ServiceContext, launch: AgentLaunch): Promise<Finding[]>;
  /** Called only when {@link installed} found a definition. */
  uninstall(ctx: ServiceContext, installed: Installed): Promise<Finding[]>;
  /** Called only when {@link installed} found a definition. */
  status(ctx: ServiceContext, installed: Installed): Promise<StatusResult>;
}

/** The first lines of a command's complaint, for a finding's detail. */
export function complaint(r: { code: number; stdout: string; stderr: string }): string {
  const text = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(0, 3).join(" / ");
  return text === "" ? `exit code ${r.code}` : text;
}

/** A command line for people to read (and paste into a POSIX shell): odd words single-quoted. */
export function displayCommand(words: readonly string[]): string {
  return words.map((w) =>
    /^[A-Za-z0-9_@%+=:,./\\-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`
  )
    .join(" ");
}
