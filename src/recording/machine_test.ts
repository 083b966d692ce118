import { assert, assertEquals } from "../testing/assert.ts";
import {
  type CommandKind,
  type RecordingEffect,
  type RecordingEvent,
  type RecordingState,
  type SegmentSpec,
  step,
} from "./machine.ts";

const S1: SegmentSpec = { segmentId: "s1", interactionId: "i1", workItemIds: ["w1"] };
const S2: SegmentSpec = { segmentId: "s2", workItemIds: ["w1", "w2"] };
let ids = 0;

function cmd(kind: CommandKind, extra: Partial<RecordingEvent & { type: "command" }> = {}) {
  return { type: "command", id: ++ids, kind, ...extra } as RecordingEvent;
}

function drive(events: RecordingEvent[], from: RecordingState = { phase: "idle" }) {
  let state = from;
  const effects: RecordingEffect[] = [];
  for (const e of events) {
    const s = step(state, e);
    state = s.state;
    effects.push(...s.effects);
  }
  return { state, effects };
}

const errorOf = (effects: readonly RecordingEffect[]) =>
  effects.find((e) => e.type === "reply")?.type === "reply"
    ? (effects.find((e) => e.type === "reply") as { error?: string }).error
    : "no reply";

const RECORDING: RecordingState = { phase: "recording", segment: S1 };
const PAUSED: RecordingState = { phase: "paused", segment: S1 };

Deno.test("start → began → restart → pause → resume → stop → finished", () => {
  const start = cmd("start", { segment: S1 });
  const r = drive([
    start,
    { type: "began" },
    cmd("restart", { segment: S2 }),
    cmd("pause", { reason: "card number" }),
    cmd("resume"),
    cmd("stop", { segmentId: "s2" }),
    { type: "finished" },
  ]);
  assertEquals(r.state, { phase: "idle" });
  const kinds = r.effects.map((e) => e.type === "reply" ? `reply ${e.kind}` : e.type);
  assertEquals(kinds, [
    "begin",
    "reply start",
    "switchSegment",
    "reply restart",
    "pause",
    "reply pause",
    "resume",
    "reply resume",
    "finish",
    "reply stop",
  ]);
  assert(r.effects.every((e) => e.type !== "reply" || e.error === undefined));
});

Deno.test("the start reply waits for the encoders, and carries a failure", () => {
  const started = drive([cmd("start", { segment: S1 })]);
  assertEquals(started.state.phase, "starting");
  assertEquals(started.effects.some((e) => e.type === "reply"), false);
  const failed = drive([{ type: "beginFailed", why: "noDisplays: none" }], started.state);
  assertEquals(failed.state, { phase: "idle" });
  assertEquals(errorOf(failed.effects), "noDisplays: none");
});

Deno.test("every command in a wrong phase gets an error that says what to do", () => {
  const cases: [RecordingState, RecordingEvent, string][] = [
    [{ phase: "idle" }, cmd("stop"), "notRecording"],
    [{ phase: "idle" }, cmd("pause"), "notRecording"],
    [{ phase: "idle" }, cmd("resume"), "notRecording"],
    [{ phase: "idle" }, cmd("restart", { segment: S2 }), "notRecording"],
    [RECORDING, cmd("start", { segment: S2 }), "alreadyRecording"],
    [PAUSED, cmd("start", { segment: S2 }), "alreadyRecording"],
    [RECORDING, cmd("resume"), "notPaused"],
    [PAUSED, cmd("pause"), "alreadyPaused"],
    [RECORDING, cmd("restart", { segment: S1 }), "sameSegment"],
    [RECORDING, cmd("stop", { segmentId: "other" }), "segmentMismatch"],
    [RECORDING, cmd("pause", { segmentId: "other" }), "segmentMismatch"],
    [{ phase: "starting", segment: S1, replyTo: 1 }, cmd("stop"), "busy"],
    [{ phase: "stopping", segment: S1, replyTo: 1 }, cmd("start", { segment: S2 }), "busy"],
  ];
  for (const [state, event, code] of cases) {
    const r = step(state, event);
    assertEquals(r.state, state, `${code}: state unchanged`);
    assertEquals(r.effects.length, 1);
    const error = errorOf(r.effects) ?? "";
    assert(error.startsWith(`${code}: `), `${code}: ${error}`);
  }
});

Deno.test("a restart while paused changes the segment and stays paused", () => {
  const r = drive([cmd("restart", { segment: S2 })], PAUSED);
  assertEquals(r.state, { phase: "paused", segment: S2 });
  assertEquals(r.effects[0]?.type, "switchSegment");
});

Deno.test("the registration's stopAll finishes without a reply; during a start it waits", () => {
  const r = drive([{ type: "stopAll", why: "recoveryTimeout" }, { type: "finished" }], RECORDING);
  assertEquals(r.state, { phase: "idle" });
  assertEquals(r.effects, [{ type: "finish", why: "recoveryTimeout" }]);
  const starting = drive([cmd("start", { segment: S1 }), {
    type: "stopAll",
    why: "closedByServer",
  }]);
  assertEquals(starting.state.phase, "starting");
  const after = drive([{ type: "began" }], starting.state);
  assertEquals(after.state.phase, "stopping");
  assertEquals(after.effects[0], { type: "finish", why: "closedByServer" });
  assert((errorOf(after.effects) ?? "").startsWith("stopped: "));
  assertEquals(drive([{ type: "stopAll", why: "x" }]).effects, []);
});
