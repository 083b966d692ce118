import { assertEquals } from "../testing/assert.ts";
import {
  backoffDelay,
  DEFAULT_ENCODER_OPTIONS as O,
  type EncoderEvent,
  type EncoderState,
  step,
} from "./machine.ts";

function run(events: EncoderEvent[], from: EncoderState = { phase: "idle" }) {
  let state = from;
  const effects = [];
  for (const e of events) {
    const s = step(state, e, O);
    state = s.state;
    effects.push(...s.effects);
  }
  return { state, effects };
}

Deno.test("start spawns run 1 and arms the watchdog once it is up", () => {
  const r = run([{ type: "start" }, { type: "spawned", run: 1, at: 0 }]);
  assertEquals(r.state, { phase: "running", run: 1, failures: 0, since: 0, stalled: false });
  assertEquals(r.effects, [
    { type: "spawn", run: 1, failures: 0 },
    { type: "startTimer", name: "watchdog", ms: O.stallMs },
  ]);
});

Deno.test("a crash ends the run, backs off, and restarts as a new run", () => {
  const r = run([
    { type: "start" },
    { type: "spawned", run: 1, at: 0 },
    { type: "exited", run: 1, code: 255, at: 5_000 },
    { type: "timer", name: "restart" },
  ]);
  assertEquals(r.state, { phase: "starting", run: 2, failures: 1 });
  assertEquals(r.effects.slice(2), [
    { type: "cancelTimer", name: "watchdog" },
    { type: "runEnded", run: 1, cause: "crashed", code: 255, restartInMs: O.backoffMs[0] },
    { type: "startTimer", name: "restart", ms: O.backoffMs[0] },
    { type: "spawn", run: 2, failures: 1 },
  ]);
});

Deno.test("consecutive failures back off longer; a healthy run resets the count", () => {
  assertEquals(backoffDelay(1, O) < backoffDelay(2, O), true);
  assertEquals(backoffDelay(100, O), O.backoffMs[O.backoffMs.length - 1]);
  const events: EncoderEvent[] = [{ type: "start" }];
  for (let r = 1; r <= 3; r++) {
    events.push({ type: "spawned", run: r, at: 0 }, { type: "exited", run: r, code: 1, at: 10 });
    events.push({ type: "timer", name: "restart" });
  }
  const crashing = run(events);
  assertEquals(crashing.state, { phase: "starting", run: 4, failures: 3 });
  const healthy = run([
    { type: "spawned", run: 4, at: 0 },
    { type: "exited", run: 4, code: 1, at: O.healthyAfterMs + 1 },
  ], crashing.state);
  assertEquals(healthy.state, { phase: "backoff", run: 4, failures: 1 });
});

Deno.test("no progress within stallMs kills the process; its exit counts as a stall", () => {
  const r = run([
    { type: "start" },
    { type: "spawned", run: 1, at: 0 },
    { type: "progress", run: 1, at: 1_000 },
    { type: "timer", name: "watchdog" },
    { type: "progress", run: 1, at: 2_000 },
    { type: "exited", run: 1, code: -1, at: 3_000 },
  ]);
  assertEquals(r.effects.filter((e) => e.type === "kill"), [{ type: "kill", run: 1 }]);
  assertEquals(r.effects.find((e) => e.type === "runEnded"), {
    type: "runEnded",
    run: 1,
    cause: "stalled",
    code: -1,
    restartInMs: O.backoffMs[0],
  });
});

Deno.test("stop asks ffmpeg to quit, kills it at the deadline, and ends without restart", () => {
  const r = run([
    { type: "start" },
    { type: "spawned", run: 1, at: 0 },
    { type: "stop" },
    { type: "timer", name: "stopDeadline" },
    { type: "exited", run: 1, code: 0, at: 9_000 },
  ]);
  assertEquals(r.state, { phase: "stopped", run: 1, outcome: "requested" });
  assertEquals(r.effects.slice(2), [
    { type: "cancelTimer", name: "watchdog" },
    { type: "quit", run: 1 },
    { type: "startTimer", name: "stopDeadline", ms: O.stopTimeoutMs },
    { type: "kill", run: 1 },
    { type: "cancelTimer", name: "stopDeadline" },
    { type: "runEnded", run: 1, cause: "finished", code: 0, restartInMs: null },
  ]);
});

Deno.test("stop during backoff cancels the restart; stop when idle just stops", () => {
  const r = run([
    { type: "start" },
    { type: "spawned", run: 1, at: 0 },
    { type: "exited", run: 1, code: 1, at: 1 },
    { type: "stop" },
  ]);
  assertEquals(r.state, { phase: "stopped", run: 1, outcome: "requested" });
  assertEquals(r.effects.at(-1), { type: "cancelTimer", name: "restart" });
  assertEquals(run([{ type: "stop" }]).state, { phase: "stopped", run: 0, outcome: "requested" });
});

Deno.test("a missing ffmpeg gives up; a passing spawn failure is retried", () => {
  const missing = run([{ type: "start" }, { type: "spawnFailed", run: 1, retryable: false }]);
  assertEquals(missing.state, { phase: "stopped", run: 1, outcome: "gaveUp" });
  assertEquals(missing.effects.at(-1), { type: "gaveUp", run: 1 });
  const passing = run([{ type: "start" }, { type: "spawnFailed", run: 1, retryable: true }]);
  assertEquals(passing.state, { phase: "backoff", run: 1, failures: 1 });
});

Deno.test("events about an older run are ignored", () => {
  const r = run([
    { type: "start" },
    { type: "spawned", run: 1, at: 0 },
    { type: "exited", run: 1, code: 1, at: 1 },
    { type: "timer", name: "restart" },
    { type: "spawned", run: 2, at: 300 },
  ]);
  const late = step(r.state, { type: "exited", run: 1, code: 1, at: 400 }, O);
  assertEquals(late.state, r.state);
  assertEquals(late.effects, []);
});
