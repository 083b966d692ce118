/**
 * Long-lived child processes (the encoders) behind one small interface, with one real adapter
 * on `Deno.Command`. Unlike `process/runner.ts` (commands that end), these stream: stdout is
 * the encoded video, stderr the progress, stdin takes ffmpeg's "q" to finish cleanly.
 *
 * No child may outlive the agent. ffmpeg ignores SIGPIPE, so when the agent dies its next
 * write to the stdout pipe fails with EPIPE and it exits; with one fMP4 fragment per keyframe
 * interval that is within a few seconds (tests/recording_process_test.ts kills the agent and
 * checks). The shell also kills every child on `stop`.
 */

export interface ChildProcess {
  readonly pid: number;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Writes to stdin; false when stdin is already closed or the process gone. */
  writeStdin(text: string): Promise<boolean>;
  kill(signal: "SIGTERM" | "SIGKILL"): void;
  /** Resolves when the process has ended: its exit code (signals give 128+n or -1). */
  readonly exited: Promise<{ readonly code: number; readonly signal: string | null }>;
}

/** The program could not be started; `retryable` false when it is missing or not executable. */
export class SpawnFailed extends Error {
  override readonly name = "SpawnFailed";
  constructor(readonly command: string, reason: string, readonly retryable: boolean) {
    super(`cannot start ${command}: ${reason}`);
  }
}

export interface ProcessSpawner {
  spawn(command: string, args: readonly string[]): ChildProcess;
}

export const denoProcessSpawner: ProcessSpawner = {
  spawn(command, args) {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(command, {
        args: [...args],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      const missing = e instanceof Deno.errors.NotFound ||
        e instanceof Deno.errors.PermissionDenied;
      throw new SpawnFailed(command, (e as Error).message, !missing);
    }
    const writer = child.stdin.getWriter();
    let stdinOpen = true;
    const encoder = new TextEncoder();
    return {
      pid: child.pid,
      stdout: child.stdout,
      stderr: child.stderr,
      async writeStdin(text) {
        if (!stdinOpen) return false;
        try {
          await writer.write(encoder.encode(text));
          return true;
        } catch {
          stdinOpen = false;
          return false;
        }
      },
      kill(signal) {
        try {
          child.kill(signal);
        } catch { /* already gone */ }
      },
      exited: child.status.then(async (s) => {
        if (stdinOpen) {
          stdinOpen = false;
          await writer.close().catch(() => {});
        }
        return { code: s.code, signal: s.signal };
      }),
    };
  },
};
