/**
 * Long-lived child processes (the encoders) behind one small interface, with one real adapter.
 * Unlike `process/runner.ts` (commands that end), these stream: stdout is the encoded video,
 * stderr the progress, stdin takes ffmpeg's "q" to finish cleanly, and an encoder that carries
 * live views writes each one's video to a further pipe (fd 3, 4, …: capture/taps.ts).
 *
 * `Deno.Command` cannot open pipes beyond the standard three, so a spawn that asks for extra
 * outputs goes through `node:child_process` (Deno's, which can); every other spawn stays on
 * `Deno.Command`, as measured in the recording benchmark. On Windows the extra pipes are
 * handed down the way libuv does (the C runtime's inherited descriptors), which ffmpeg's
 * `pipe:N` reads; that path has not run on Windows here.
 *
 * No child may outlive the agent. ffmpeg ignores SIGPIPE, so when the agent dies its next
 * write to the stdout pipe fails with EPIPE and it exits; with one fMP4 fragment per keyframe
 * interval that is within a few seconds (tests/recording_process_test.ts kills the agent and
 * checks). The shell also kills every child on `stop`.
 */

import { spawn as spawnNode } from "node:child_process";
import { constants as osConstants } from "node:os";
import { Readable } from "node:stream";

export interface ChildProcess {
  readonly pid: number;
  readonly stdout: AsyncIterable<Uint8Array>;
  readonly stderr: AsyncIterable<Uint8Array>;
  /** The pipes on fd 3, 4, …: as many as `extraOutputs` asked for. */
  readonly extraOutputs: readonly AsyncIterable<Uint8Array>[];
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

export interface SpawnOptions {
  /** Pipes to read beyond stdout and stderr, on fd 3 and up; default 0. */
  readonly extraOutputs?: number;
}

export interface ProcessSpawner {
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
}

export const denoProcessSpawner: ProcessSpawner = {
  spawn(command, args, options = {}) {
    const extra = options.extraOutputs ?? 0;
    if (extra > 0) return spawnWithExtraOutputs(command, args, extra);
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
      extraOutputs: [],
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

/** A spawn with pipes beyond stderr, through node:child_process (see the top of this file). */
function spawnWithExtraOutputs(
  command: string,
  args: readonly string[],
  extra: number,
): ChildProcess {
  const child = spawnNode(command, [...args], {
    stdio: ["pipe", "pipe", "pipe", ...Array.from({ length: extra }, () => "pipe" as const)],
    windowsHide: true,
  });
  // node reports a program that cannot start through an "error" event, with no pid.
  const failed = new Promise<Error>((resolve) => child.once("error", resolve));
  if (child.pid === undefined) {
    throw new SpawnFailed(command, "the process could not be started", true);
  }
  const pid = child.pid;
  const stream = (i: number): Readable => {
    const s = child.stdio[i];
    if (!(s instanceof Readable)) throw new Error(`fd ${i} of ${command} is not a pipe`);
    return s;
  };
  const exited = new Promise<{ code: number; signal: string | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      const number = signal === null ? undefined : osConstants.signals[signal];
      resolve({ code: code ?? (number === undefined ? -1 : 128 + number), signal });
    });
    void failed.then(() => resolve({ code: -1, signal: null }));
  });
  let stdinOpen = true;
  const stdin = child.stdin;
  // A write after ffmpeg closed its stdin fails through the stream's "error" event, which would
  // otherwise be thrown: writeStdin reports it as false instead.
  stdin?.on("error", () => (stdinOpen = false));
  return {
    pid,
    stdout: stream(1),
    stderr: stream(2),
    extraOutputs: Array.from({ length: extra }, (_, i) => stream(3 + i)),
    writeStdin(text) {
      if (!stdinOpen || stdin === null) return Promise.resolve(false);
      return new Promise((resolve) => {
        stdin.write(text, (e) => {
          if (e) stdinOpen = false;
          resolve(!e);
        });
      });
    },
    kill(signal) {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    },
    exited: exited.then((status) => {
      stdinOpen = false;
      stdin?.end();
      return status;
    }),
  };
}
