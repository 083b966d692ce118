import { assertEquals } from "../testing/assert.ts";
import {
  type HandoverEffect,
  type HandoverEvent,
  type HandoverState,
  INITIAL_HANDOVER,
  step,
} from "./handover.ts";

/** Runs events from the start; returns the last state and every effect, in order. */
function drive(...events: HandoverEvent[]) {
  let state: HandoverState = INITIAL_HANDOVER;
  const effects: HandoverEffect[] = [];
  const accepted: (boolean | undefined)[] = [];
  for (const event of events) {
    const next = step(state, event);
    state = next.state;
    effects.push(...next.effects);
    if (event.type === "setTaps") accepted.push(next.accepted);
  }
  return { state, effects, accepted };
}

const setTaps = (...taps: string[]): HandoverEvent => ({ type: "setTaps", taps });

Deno.test("handover: the first encoder carries no view", () => {
  const { state, effects } = drive({ type: "start" });
  assertEquals(effects, [{ type: "spawn", generation: { no: 1, taps: [] } }]);
  assertEquals(state.phase, "steady");
});

Deno.test("handover: a new set of views starts a second encoder; the old one finishes only once it writes", () => {
  const before = drive({ type: "start" }, setTaps("a"));
  assertEquals(before.effects.slice(1), [
    { type: "spawn", generation: { no: 2, taps: ["a"] } },
    { type: "startDeadline", no: 2 },
  ]);
  assertEquals(before.state.phase, "switching");
  const after = drive({ type: "start" }, setTaps("a"), { type: "produced", no: 2 });
  assertEquals(after.effects.slice(3), [
    { type: "cancelDeadline", no: 2 },
    { type: "retire", no: 1 },
  ]);
  assertEquals(after.state, {
    phase: "steady",
    current: { no: 2, taps: ["a"] },
    next: 3,
    broken: false,
  });
  assertEquals(after.accepted, [true]);
});

Deno.test("handover: output of an older or unknown generation changes nothing", () => {
  const { state } = drive({ type: "start" }, setTaps("a"), { type: "produced", no: 1 });
  assertEquals(state.phase, "switching");
  const steady = drive({ type: "start" }, { type: "produced", no: 1 }, {
    type: "failed",
    no: 1,
    why: "x",
  });
  assertEquals(steady.state, {
    phase: "steady",
    current: { no: 1, taps: [] },
    next: 2,
    broken: false,
  });
});

Deno.test("handover: the same set is no change; a newer set replaces one still starting", () => {
  const same = drive({ type: "start" }, setTaps());
  assertEquals(same.effects.length, 1);
  assertEquals(same.accepted, [true]);
  const replaced = drive({ type: "start" }, setTaps("a"), setTaps("a", "b"));
  assertEquals(replaced.effects.slice(3), [
    { type: "cancelDeadline", no: 2 },
    { type: "abandon", no: 2 },
    { type: "spawn", generation: { no: 3, taps: ["a", "b"] } },
    { type: "startDeadline", no: 3 },
  ]);
  // Back to what runs: the starting one is abandoned and nothing new is spawned.
  const back = drive({ type: "start" }, setTaps("a"), setTaps());
  assertEquals(back.effects.slice(3), [
    { type: "cancelDeadline", no: 2 },
    { type: "abandon", no: 2 },
  ]);
  assertEquals(back.state.phase, "steady");
});

Deno.test("handover: a new encoder that fails keeps the old one and drops only the added views", () => {
  const failed = drive(
    { type: "start" },
    setTaps("a"),
    { type: "produced", no: 2 },
    setTaps("a", "b"),
    { type: "failed", no: 3, why: "pipe:4: Bad file descriptor" },
  );
  assertEquals(failed.effects.slice(-3), [
    { type: "cancelDeadline", no: 3 },
    { type: "abandon", no: 3 },
    {
      type: "tapsDropped",
      taps: ["b"],
      why: "the recording's encoder cannot carry live views: pipe:4: Bad file descriptor",
    },
  ]);
  assertEquals(failed.state, {
    phase: "steady",
    current: { no: 2, taps: ["a"] },
    next: 4,
    broken: true,
  });
  // Broken: no view comes any more, but a view may still go.
  const more = step(failed.state, setTaps("a", "c"));
  assertEquals([more.accepted, more.effects], [false, []]);
  const fewer = step(failed.state, setTaps());
  assertEquals(fewer.accepted, true);
  assertEquals(fewer.effects[0], { type: "spawn", generation: { no: 4, taps: [] } });
});

Deno.test("handover: a new encoder silent past the deadline is given up the same way", () => {
  const { effects, state } = drive({ type: "start" }, setTaps("a"), { type: "deadline", no: 2 });
  assertEquals(effects.slice(3), [
    { type: "abandon", no: 2 },
    {
      type: "tapsDropped",
      taps: ["a"],
      why: "the recording's encoder cannot carry live views: no output within 10 s",
    },
  ]);
  assertEquals(state.phase === "steady" && state.broken, true);
});

Deno.test("handover: finishing retires the encoder, abandons a starting one, drops every view", () => {
  const { effects, state } = drive(
    { type: "start" },
    setTaps("a"),
    { type: "produced", no: 2 },
    setTaps("a", "b"),
    { type: "finish" },
  );
  assertEquals(effects.slice(-4), [
    { type: "retire", no: 2 },
    { type: "cancelDeadline", no: 3 },
    { type: "abandon", no: 3 },
    { type: "tapsDropped", taps: ["a", "b"], why: "the recording's encoder stopped" },
  ]);
  assertEquals(state, { phase: "stopped", next: 4 });
  assertEquals(step(state, { type: "start" }).effects, [
    { type: "spawn", generation: { no: 4, taps: [] } },
  ], "a resume starts the next generation");
  assertEquals(step(state, setTaps("a")).accepted, false, "stopped takes no views");
  assertEquals(step(INITIAL_HANDOVER, setTaps("a")).accepted, false, "nor does idle");
  assertEquals(drive({ type: "finish" }).effects, []);
});
