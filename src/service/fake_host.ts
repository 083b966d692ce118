/**
 * A {@link ServiceHost} for tests: files in memory, commands answered from a script and
 * recorded in order, and any step made to fail on demand.
 */
import { CommandNotStarted, type CommandResult } from "../process/runner.ts";
import type { ServiceHost } from "./host.ts";

/** How a scripted command answers: a result, or "missing" (the program is not installed). */
export type FakeReply = Partial<CommandResult> | "missing";

export class FakeHost implements ServiceHost {
  readonly files = new Map<string, string | Uint8Array>();
  readonly dirs = new Set<string>();
  /** Every command run, as one line: "systemctl --user daemon-reload". */
  readonly calls: string[] = [];
  /** Every file written, in order, with what was written (kept after removal). */
  readonly writes: [string, string | Uint8Array][] = [];
  /** Paths whose write, removal or creation throws; "TEMP": making a temporary directory. */
  readonly failing = new Set<string>();
  uidValue: number | null = 1000;
  #temp = 0;

  /**
   * `replies`: by exact command line; a program name alone answers all its commands (and
   * "missing" for a program wins over any line).
   */
  constructor(readonly replies: Record<string, FakeReply> = {}) {}

  readonly runner = {
    run: (command: string, args: readonly string[]): Promise<CommandResult> => {
      const line = [command, ...args].join(" ");
      this.calls.push(line);
      const program = this.replies[command];
      const reply = program === "missing" ? program : this.replies[line] ?? program ?? {};
      if (reply === "missing") return Promise.reject(new CommandNotStarted(command, "not found"));
      return Promise.resolve({ code: 0, stdout: "", stderr: "", ...reply });
    },
  };

  #check(path: string, what: string): void {
    if (this.failing.has(path)) {
      throw new Deno.errors.PermissionDenied(`Permission denied (os error 13): ${what} '${path}'`);
    }
  }

  readText(file: string): string | undefined {
    const v = this.files.get(file);
    return v === undefined ? undefined : typeof v === "string" ? v : new TextDecoder().decode(v);
  }

  writeText(file: string, text: string): Promise<void> {
    this.#check(file, "open");
    this.files.set(file, text);
    this.writes.push([file, text]);
    return Promise.resolve();
  }

  writeBytes(file: string, bytes: Uint8Array): Promise<void> {
    this.#check(file, "open");
    this.files.set(file, bytes);
    this.writes.push([file, bytes]);
    return Promise.resolve();
  }

  remove(file: string): boolean {
    this.#check(file, "remove");
    return this.files.delete(file);
  }

  ensureDir(dir: string): void {
    this.#check(dir, "mkdir");
    this.dirs.add(dir);
  }

  isFile(file: string): boolean {
    return this.files.has(file);
  }

  makeTempDir(prefix: string): string {
    const dir = `C:\\Temp\\${prefix}${++this.#temp}`;
    if (this.failing.has("TEMP")) this.#check("TEMP", "mkdir");
    this.dirs.add(dir);
    return dir;
  }

  removeDir(dir: string): void {
    this.dirs.delete(dir);
    for (const f of [...this.files.keys()]) if (f.startsWith(dir)) this.files.delete(f);
  }

  uid(): number | null {
    return this.uidValue;
  }
}
