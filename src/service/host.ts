/**
 * What installing a service needs of the machine: its service manager's command-line tool
 * (systemctl, launchctl, schtasks), a few file operations and the user's id. One interface so
 * that every step is testable with a fake (`fake_host.ts`); `denoServiceHost` is the real one.
 */
import path from "node:path";
import { type CommandResult, type CommandRunner, denoCommandRunner } from "../process/runner.ts";
import { replaceFileAtomically } from "../util/durable_file.ts";

export interface ServiceHost {
  readonly runner: CommandRunner;
  /** The file's text; undefined when it does not exist. Other failures throw. */
  readText(file: string): string | undefined;
  /** Creates the parent directories, then replaces the file so that it is never half written. */
  writeText(file: string, text: string): Promise<void>;
  /** Writes a file in one go (temporary files). */
  writeBytes(file: string, bytes: Uint8Array): Promise<void>;
  /** Removes a file; false when it was not there. Other failures throw. */
  remove(file: string): boolean;
  /** Creates a directory and its parents. */
  ensureDir(dir: string): void;
  isFile(file: string): boolean;
  makeTempDir(prefix: string): string;
  removeDir(dir: string): void;
  /** The numeric user id (launchctl's `gui/<uid>` domain); null on Windows. */
  uid(): number | null;
}

export const denoServiceHost: ServiceHost = {
  runner: denoCommandRunner,
  readText: (file) => {
    try {
      return Deno.readTextFileSync(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  },
  writeText: async (file, text) => {
    await Deno.mkdir(path.dirname(file), { recursive: true });
    await replaceFileAtomically(file, text);
  },
  writeBytes: (file, bytes) => Deno.writeFile(file, bytes),
  remove: (file) => {
    try {
      Deno.removeSync(file);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  },
  ensureDir: (dir) => Deno.mkdirSync(dir, { recursive: true }),
  isFile: (file) => {
    try {
      return Deno.statSync(file).isFile;
    } catch {
      return false;
    }
  },
  makeTempDir: (prefix) => Deno.makeTempDirSync({ prefix }),
  removeDir: (dir) => Deno.removeSync(dir, { recursive: true }),
  uid: () => Deno.uid(),
};

/**
 * Runs a service tool (systemctl, launchctl, schtasks) to its end. A tool that cannot be started
 * at all is a result too (code -1, why in stderr): each step reports it as its own FAIL.
 */
export async function runTool(
  host: ServiceHost,
  program: string,
  args: readonly string[],
): Promise<CommandResult> {
  try {
    return await host.runner.run(program, [...args], { timeoutMs: 30_000 });
  } catch (e) {
    return { code: -1, stdout: "", stderr: (e as Error).message };
  }
}
