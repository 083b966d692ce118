/**
 * Running a short-lived program and collecting its output (ffmpeg probes, xrandr, promtool).
 * Long-lived encoder processes get their own supervisor later; this is only for commands that end.
 */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The program could not be started at all (missing, not executable). Retrying will not help. */
export class CommandNotStarted extends Error {
  override readonly name = "CommandNotStarted";
  constructor(readonly command: string, readonly reason: string) {
    super(`cannot start ${command}: ${reason}`);
  }
}

/** The program ran past its time limit and was killed. A retry might help. */
export class CommandTimedOut extends Error {
  override readonly name = "CommandTimedOut";
  constructor(readonly command: string, readonly timeoutMs: number) {
    super(`${command} did not finish within ${timeoutMs} ms`);
  }
}

export interface CommandRunner {
  run(
    command: string,
    args: readonly string[],
    options?: { timeoutMs?: number },
  ): Promise<CommandResult>;
}

export const denoCommandRunner: CommandRunner = {
  async run(command, args, options = {}) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(command, {
        args: [...args],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      })
        .spawn();
    } catch (e) {
      const reason = e instanceof Deno.errors.NotFound
        ? "not found"
        : e instanceof Deno.errors.PermissionDenied
        ? "permission denied"
        : (e as Error).message;
      throw new CommandNotStarted(command, reason);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, timeoutMs);
    try {
      const out = await child.output();
      if (timedOut) throw new CommandTimedOut(command, timeoutMs);
      const decoder = new TextDecoder();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    } finally {
      clearTimeout(timer);
    }
  },
};
