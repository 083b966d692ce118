/**
 * The shell around `machine.ts`: spawns ffmpeg, reads its stdout (the video) and stderr
 * (progress and errors), keeps the timers, and tells its owner about each run. A run's
 * `onRunEnded` fires only after its stdout has been read to the end, so the owner has every
 * byte of a part before it closes that part.
 */
import type { Logger } from "@logtape/logtape";
import type { Clock, TimerId } from "../clock/clock.ts";
import {
  DEFAULT_ENCODER_OPTIONS,
  type EncoderEffect,
  type EncoderEvent,
  type EncoderMachineOptions,
  type EncoderState,
  type ExitCause,
  step,
  type TimerName,
} from "./machine.ts";
import { type ChildProcess, type ProcessSpawner, SpawnFailed } from "./process.ts";
import { createProgressReader, type ProgressBlock } from "./progress.ts";

export interface RunEnd {
  readonly run: number;
  readonly cause: ExitCause;
  readonly code: number;
  /** Null when no restart follows (stopped, or gave up). */
  readonly restartInMs: number | null;
  /** ffmpeg's last messages, to explain a crash. */
  readonly lastMessages: readonly string[];
}

export interface EncoderHooks {
  /** The argv of run `run`; `failures` counts consecutive failed runs (fallbacks use it). */
  args(run: number, failures: number): readonly string[];
  onRunStarted?(run: number, pid: number): void;
  /** Encoded bytes of a run, in order; awaited, so a slow consumer slows the reading. */
  onOutput(run: number, chunk: Uint8Array): Promise<void>;
  /** Pipes beyond stdout each run writes (live views carried along, capture/taps.ts). */
  readonly extraOutputs?: number;
  /**
   * Bytes of extra output `index` (0: fd 3). Not awaited: a live view never slows the pipe
   * (and so the recording) down; its consumer drops what it cannot send.
   */
  onExtraOutput?(run: number, index: number, chunk: Uint8Array): void;
  onProgress?(run: number, block: ProgressBlock): void;
  onRunEnded(end: RunEnd): void;
  /** ffmpeg cannot be started at all (missing): no retry. */
  onGaveUp(reason: string): void;
}

export interface EncoderSupervisor {
  start(): void;
  /** Asks ffmpeg to finish; resolves when the last run has ended (or none was running). */
  stop(): Promise<void>;
  state(): EncoderState;
  /** Kills the current process as if it crashed (tests, and a monitor that changed). */
  killCurrent(): void;
}

const KEEP_MESSAGES = 8;

export function createEncoderSupervisor(
  deps: { readonly clock: Clock; readonly spawner: ProcessSpawner; readonly log: Logger },
  options: {
    readonly command: string;
    readonly name: string;
    readonly machine?: EncoderMachineOptions;
  },
  hooks: EncoderHooks,
): EncoderSupervisor {
  const machine = options.machine ?? DEFAULT_ENCODER_OPTIONS;
  let state: EncoderState = { phase: "idle" };
  const timers = new Map<TimerName, TimerId>();
  const children = new Map<number, ChildProcess>();
  const messages = new Map<number, string[]>();
  let stopped: (() => void) | null = null;
  /** Why the last spawn failed: the machine decides whether that means giving up. */
  let lastSpawnError = "";
  const whenStopped = new Promise<void>((r) => (stopped = r));

  const dispatch = (event: EncoderEvent): void => {
    const next = step(state, event, machine);
    state = next.state;
    for (const effect of next.effects) perform(effect);
    if (state.phase === "stopped") stopped?.();
  };

  const perform = (effect: EncoderEffect): void => {
    switch (effect.type) {
      case "spawn":
        spawn(effect.run, effect.failures);
        return;
      case "quit": {
        const child = children.get(effect.run);
        if (child) {
          void child.writeStdin("q\n").then((ok) => {
            if (!ok) child.kill("SIGTERM");
          });
        }
        return;
      }
      case "kill":
        deps.log.warn("{name}: killing ffmpeg (pid {pid})", {
          name: options.name,
          pid: children.get(effect.run)?.pid,
        });
        children.get(effect.run)?.kill("SIGKILL");
        return;
      case "startTimer":
        timers.set(
          effect.name,
          deps.clock.setTimeout(() => {
            timers.delete(effect.name);
            dispatch({ type: "timer", name: effect.name });
          }, effect.ms),
        );
        return;
      case "cancelTimer": {
        const id = timers.get(effect.name);
        if (id !== undefined) deps.clock.clearTimeout(id);
        timers.delete(effect.name);
        return;
      }
      case "runEnded": {
        const lastMessages = messages.get(effect.run) ?? [];
        messages.delete(effect.run);
        hooks.onRunEnded({ ...effect, lastMessages });
        return;
      }
      case "gaveUp":
        hooks.onGaveUp(lastSpawnError);
        return;
    }
  };

  const spawn = (run: number, failures: number): void => {
    let child: ChildProcess;
    try {
      child = deps.spawner.spawn(options.command, hooks.args(run, failures), {
        extraOutputs: hooks.extraOutputs ?? 0,
      });
    } catch (e) {
      const retryable = e instanceof SpawnFailed ? e.retryable : true;
      deps.log.error("{name}: {error}", { name: options.name, error: (e as Error).message });
      lastSpawnError = (e as Error).message;
      // Deferred: an effect must not re-enter the machine.
      queueMicrotask(() => dispatch({ type: "spawnFailed", run, retryable }));
      return;
    }
    children.set(run, child);
    messages.set(run, []);
    hooks.onRunStarted?.(run, child.pid);
    queueMicrotask(() => dispatch({ type: "spawned", run, at: deps.clock.now() }));
    const out = pumpStdout(run, child);
    const err = pumpStderr(run, child);
    const extra = Promise.all(child.extraOutputs.map((o, i) => pumpExtra(run, i, o)));
    void Promise.all([out, err, extra, child.exited]).then(([, , , status]) => {
      children.delete(run);
      dispatch({ type: "exited", run, code: status.code, at: deps.clock.now() });
    });
  };

  const pumpStdout = async (run: number, child: ChildProcess): Promise<void> => {
    try {
      for await (const chunk of child.stdout) await hooks.onOutput(run, chunk);
    } catch (e) {
      // The consumer refused the bytes (e.g. the disk is full): this run cannot go on.
      deps.log.error("{name}: output failed: {error}", {
        name: options.name,
        error: (e as Error).message,
      });
      child.kill("SIGKILL");
      for await (const _ of child.stdout) { /* drain so the process can end */ }
    }
  };

  const pumpExtra = async (
    run: number,
    index: number,
    output: AsyncIterable<Uint8Array>,
  ): Promise<void> => {
    // Read to the end whatever happens: ffmpeg blocked on a full pipe would stall the recording.
    let failed = false;
    const warn = (e: unknown) => {
      if (failed) return;
      failed = true;
      deps.log.warn("{name}: output {index} failed: {error}", {
        name: options.name,
        index,
        error: (e as Error).message,
      });
    };
    try {
      for await (const chunk of output) {
        if (failed) continue;
        try {
          hooks.onExtraOutput?.(run, index, chunk);
        } catch (e) {
          warn(e);
        }
      }
    } catch (e) {
      warn(e);
    }
  };

  const pumpStderr = async (run: number, child: ChildProcess): Promise<void> => {
    const reader = createProgressReader();
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      const update = reader.push(decoder.decode(chunk, { stream: true }));
      const kept = messages.get(run);
      if (kept) {
        kept.push(...update.messages);
        kept.splice(0, Math.max(0, kept.length - KEEP_MESSAGES));
      }
      for (const block of update.blocks) {
        hooks.onProgress?.(run, block);
        dispatch({ type: "progress", run, at: deps.clock.now() });
      }
    }
  };

  return {
    start: () => dispatch({ type: "start" }),
    stop() {
      dispatch({ type: "stop" });
      return whenStopped;
    },
    state: () => state,
    killCurrent() {
      if (state.phase === "running") children.get(state.run)?.kill("SIGKILL");
    },
  };
}
