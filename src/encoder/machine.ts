/**
 * One supervised encoder (one ffmpeg per monitor), as a pure state machine: `step(state,
 * event, options)` returns the next state and the effects the shell must perform
 * (`supervisor.ts`). Tests drive it without processes or time.
 *
 * Life of an encoder: `starting` (spawn asked) → `running` (process up; every progress block
 * re-arms the stall watchdog) → on an unexpected exit or a stall it goes to `backoff` and is
 * started again after a growing delay, each new process being a new `run` (the shell turns a
 * run into a new recording part). `stop` asks ffmpeg to finish ("q" on stdin, so the last
 * fragment is written) and kills it when it does not within the deadline. A spawn that can
 * never succeed (ffmpeg missing) ends in `stopped` with `gaveUp`.
 *
 * Every event names the run it is about; an event about an older run is ignored, so a late
 * exit of a killed process cannot disturb its successor.
 */

export type EncoderState =
  | { readonly phase: "idle" }
  | { readonly phase: "starting"; readonly run: number; readonly failures: number }
  | {
    readonly phase: "running";
    readonly run: number;
    readonly failures: number;
    readonly since: number;
    /** The watchdog fired and the process was killed: its exit is a stall, not a crash. */
    readonly stalled: boolean;
  }
  | { readonly phase: "backoff"; readonly run: number; readonly failures: number }
  | { readonly phase: "stopping"; readonly run: number }
  | { readonly phase: "stopped"; readonly run: number; readonly outcome: StopOutcome };

export type StopOutcome = "requested" | "gaveUp";

export type EncoderEvent =
  | { readonly type: "start" }
  | { readonly type: "spawned"; readonly run: number; readonly at: number }
  | { readonly type: "spawnFailed"; readonly run: number; readonly retryable: boolean }
  | { readonly type: "progress"; readonly run: number; readonly at: number }
  | { readonly type: "exited"; readonly run: number; readonly code: number; readonly at: number }
  | { readonly type: "timer"; readonly name: TimerName }
  | { readonly type: "stop" };

export type TimerName = "watchdog" | "restart" | "stopDeadline";

export type ExitCause = "crashed" | "stalled" | "finished";

export type EncoderEffect =
  | { readonly type: "spawn"; readonly run: number; readonly failures: number }
  | { readonly type: "quit"; readonly run: number }
  | { readonly type: "kill"; readonly run: number }
  | { readonly type: "startTimer"; readonly name: TimerName; readonly ms: number }
  | { readonly type: "cancelTimer"; readonly name: TimerName }
  /** A process of this run ended; `restartInMs` is null when no restart follows. */
  | {
    readonly type: "runEnded";
    readonly run: number;
    readonly cause: ExitCause;
    readonly code: number;
    readonly restartInMs: number | null;
  }
  | { readonly type: "gaveUp"; readonly run: number };

export interface EncoderMachineOptions {
  /** No progress block for this long: the process is killed and restarted. */
  readonly stallMs: number;
  /** Time ffmpeg gets to finish after "q" before it is killed. */
  readonly stopTimeoutMs: number;
  /** Delay before restart number n (1-based) is `backoffMs[min(n, len) - 1]`. */
  readonly backoffMs: readonly number[];
  /** A run that lived this long resets the failure count. */
  readonly healthyAfterMs: number;
}

/** First restart quickly (a killed ffmpeg is back within a second), then slower. */
export const DEFAULT_ENCODER_OPTIONS: EncoderMachineOptions = Object.freeze({
  stallMs: 15_000,
  stopTimeoutMs: 5_000,
  backoffMs: [250, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000],
  healthyAfterMs: 30_000,
});

export interface Step {
  readonly state: EncoderState;
  readonly effects: readonly EncoderEffect[];
}

export function backoffDelay(failures: number, options: EncoderMachineOptions): number {
  const list = options.backoffMs;
  return list[Math.min(Math.max(failures, 1), list.length) - 1] ?? 1_000;
}

function currentRun(state: EncoderState): number {
  return state.phase === "idle" ? 0 : state.run;
}

export function step(
  state: EncoderState,
  event: EncoderEvent,
  options: EncoderMachineOptions,
): Step {
  const same = { state, effects: [] };
  const run = currentRun(state);
  if ("run" in event && event.run !== run) return same;

  switch (event.type) {
    case "start": {
      if (state.phase !== "idle") return same;
      return {
        state: { phase: "starting", run: 1, failures: 0 },
        effects: [{ type: "spawn", run: 1, failures: 0 }],
      };
    }
    case "spawned": {
      if (state.phase !== "starting") return same;
      return {
        state: {
          phase: "running",
          run,
          failures: state.failures,
          since: event.at,
          stalled: false,
        },
        effects: [{ type: "startTimer", name: "watchdog", ms: options.stallMs }],
      };
    }
    case "spawnFailed": {
      if (state.phase === "stopping") {
        return { state: { phase: "stopped", run, outcome: "requested" }, effects: [] };
      }
      if (state.phase !== "starting") return same;
      if (!event.retryable) {
        return {
          state: { phase: "stopped", run, outcome: "gaveUp" },
          effects: [{ type: "gaveUp", run }],
        };
      }
      return toBackoff(run, state.failures + 1, "crashed", -1, options);
    }
    case "progress": {
      if (state.phase !== "running" || state.stalled) return same;
      const healthy = event.at - state.since >= options.healthyAfterMs;
      return {
        state: healthy && state.failures > 0 ? { ...state, failures: 0 } : state,
        effects: [
          { type: "cancelTimer", name: "watchdog" },
          { type: "startTimer", name: "watchdog", ms: options.stallMs },
        ],
      };
    }
    case "exited": {
      if (state.phase === "stopping") {
        return {
          state: { phase: "stopped", run, outcome: "requested" },
          effects: [
            { type: "cancelTimer", name: "stopDeadline" },
            { type: "runEnded", run, cause: "finished", code: event.code, restartInMs: null },
          ],
        };
      }
      if (state.phase !== "running" && state.phase !== "starting") return same;
      const cause: ExitCause = state.phase === "running" && state.stalled ? "stalled" : "crashed";
      const lived = state.phase === "running" ? event.at - state.since : 0;
      const failures = lived >= options.healthyAfterMs ? 1 : state.failures + 1;
      const next = toBackoff(run, failures, cause, event.code, options);
      return {
        state: next.state,
        effects: [{ type: "cancelTimer", name: "watchdog" }, ...next.effects],
      };
    }
    case "timer":
      return onTimer(state, event.name, options);
    case "stop": {
      switch (state.phase) {
        case "idle":
          return { state: { phase: "stopped", run: 0, outcome: "requested" }, effects: [] };
        case "backoff":
          return {
            state: { phase: "stopped", run, outcome: "requested" },
            effects: [{ type: "cancelTimer", name: "restart" }],
          };
        case "starting":
        case "running":
          return {
            state: { phase: "stopping", run },
            effects: [
              { type: "cancelTimer", name: "watchdog" },
              { type: "quit", run },
              { type: "startTimer", name: "stopDeadline", ms: options.stopTimeoutMs },
            ],
          };
        default:
          return same;
      }
    }
  }
}

function toBackoff(
  run: number,
  failures: number,
  cause: ExitCause,
  code: number,
  options: EncoderMachineOptions,
): Step {
  const delay = backoffDelay(failures, options);
  return {
    state: { phase: "backoff", run, failures },
    effects: [
      { type: "runEnded", run, cause, code, restartInMs: delay },
      { type: "startTimer", name: "restart", ms: delay },
    ],
  };
}

function onTimer(state: EncoderState, name: TimerName, _options: EncoderMachineOptions): Step {
  const same = { state, effects: [] };
  switch (name) {
    case "watchdog":
      if (state.phase !== "running" || state.stalled) return same;
      return { state: { ...state, stalled: true }, effects: [{ type: "kill", run: state.run }] };
    case "restart": {
      if (state.phase !== "backoff") return same;
      const run = state.run + 1;
      return {
        state: { phase: "starting", run, failures: state.failures },
        effects: [{ type: "spawn", run, failures: state.failures }],
      };
    }
    case "stopDeadline":
      if (state.phase !== "stopping") return same;
      return { state, effects: [{ type: "kill", run: state.run }] };
  }
}
