import { assert, assertEquals } from "../testing/assert.ts";
import {
  type Effect,
  INITIAL_STATE,
  jittered,
  type RegistrationEvent,
  type RegistrationState,
  step,
  type Target,
} from "./machine.ts";

const A: Target = {
  userID: "user-a",
  url: "wss://ags.example.com/wss3",
  token: "tok-a",
  retryDelayMs: 5000,
};
const OPTS = { recoveryWindowMs: 120_000 };

/** Feeds events in order; returns the final state and every effect, in order. */
function run(events: RegistrationEvent[], start: RegistrationState = INITIAL_STATE, opts = OPTS) {
  let state = start;
  const effects: Effect[] = [];
  const outcomes: string[] = [];
  for (const e of events) {
    const t = step(state, e, opts);
    state = t.state;
    effects.push(...t.effects);
    if (t.outcome) outcomes.push(t.outcome);
  }
  return { state, effects, outcomes };
}

const types = (effects: readonly Effect[]) =>
  effects.map((e) =>
    e.type === "announce"
      ? `announce:${e.view.connectionState}${e.view.resultDesc ? `/${e.view.resultDesc}` : ""}`
      : e.type === "startTimer" || e.type === "cancelTimer"
      ? `${e.type}:${e.timer}`
      : e.type
  );

Deno.test("machine: open → connecting → active sends info and announces", () => {
  const r = run([{ type: "open", target: A, at: 0 }, { type: "linkOpen", gen: 1, at: 10 }]);
  assertEquals(r.state.phase.kind, "active");
  assertEquals(types(r.effects), [
    "connect",
    "announce:connecting",
    "cancelTimer:recovery",
    "sendInfo",
    "announce:active",
  ]);
  assertEquals(r.outcomes, ["registering"]);
});

Deno.test("machine: failures retry every retryDelay while the registration is wanted", () => {
  const r = run([
    { type: "open", target: A, at: 0 },
    { type: "linkFailed", gen: 1, at: 1 },
    { type: "retryDue", at: 5001 },
    { type: "linkRefused", gen: 2, status: 502, at: 5002 },
    { type: "retryDue", at: 10002 },
  ]);
  assertEquals(r.state.phase.kind, "connecting");
  assert(r.state.phase.kind === "connecting" && r.state.phase.attempt === 3);
  assertEquals(r.state.gen, 3);
  const timers = r.effects.filter((e) => e.type === "startTimer");
  assertEquals(timers, [
    { type: "startTimer", timer: "retry", ms: 5000 },
    { type: "startTimer", timer: "retry", ms: 5000 },
  ]);
  assert(types(r.effects).includes("announce:connecting/connectionFailed"));
});

Deno.test("machine: 401/403 at upgrade and close 4401/4403 mean tokenInvalid, no retry", () => {
  for (const status of [401, 403]) {
    const r = run([
      { type: "open", target: A, at: 0 },
      { type: "linkRefused", gen: 1, status, at: 1 },
    ]);
    assertEquals(r.state.phase, { kind: "inactive", target: A, reason: "tokenInvalid" });
    assert(!r.effects.some((e) => e.type === "startTimer"));
    assertEquals(types(r.effects).at(-1), "announce:inactive/tokenInvalid");
  }
  for (const code of [4401, 4403]) {
    const r = run([
      { type: "open", target: A, at: 0 },
      { type: "linkOpen", gen: 1, at: 1 },
      { type: "linkClosed", gen: 1, code, at: 2 },
    ]);
    assertEquals(r.state.phase.kind, "inactive");
    assert(types(r.effects).includes("stopWork"));
    assert(!r.effects.some((e) => e.type === "startTimer"));
  }
});

Deno.test("machine: a lost link retries and starts the recovery window; recovery cancels it", () => {
  const lost = run([
    { type: "open", target: A, at: 0 },
    { type: "linkOpen", gen: 1, at: 1 },
    { type: "linkClosed", gen: 1, code: 1006, at: 100 },
  ]);
  assertEquals(types(lost.effects).slice(-3), [
    "startTimer:recovery",
    "startTimer:retry",
    "announce:connecting/connectionLost",
  ]);
  const back = run([
    { type: "retryDue", at: 5100 },
    { type: "linkOpen", gen: 2, at: 5200 },
  ], lost.state);
  assertEquals(back.state.phase.kind, "active");
  assertEquals(types(back.effects), [
    "connect",
    "announce:connecting/connectionLost",
    "cancelTimer:recovery",
    "sendInfo",
    "announce:active",
  ]);
});

Deno.test("machine: the recovery window running out stops work once and keeps retrying", () => {
  const r = run([
    { type: "open", target: A, at: 0 },
    { type: "linkOpen", gen: 1, at: 1 },
    { type: "linkClosed", gen: 1, code: 1012, at: 100 },
    { type: "retryDue", at: 5100 },
    { type: "linkFailed", gen: 2, at: 5101 },
    { type: "recoveryDue", at: 120_100 },
    { type: "recoveryDue", at: 120_200 },
  ]);
  assertEquals(r.effects.filter((e) => e.type === "stopWork"), [
    { type: "stopWork", reason: "recoveryTimeout" },
  ]);
  assertEquals(types(r.effects).at(-1), "announce:connecting/recoveryTimeout");
  const again = run([{ type: "retryDue", at: 125_000 }], r.state);
  assertEquals(types(again.effects)[0], "connect");
  const zero = run(
    [
      { type: "open", target: A, at: 0 },
      { type: "linkOpen", gen: 1, at: 1 },
      { type: "linkClosed", gen: 1, code: 1006, at: 2 },
    ],
    INITIAL_STATE,
    { recoveryWindowMs: 0 },
  );
  assertEquals(types(zero.effects).slice(-3), [
    "stopWork",
    "startTimer:retry",
    "announce:connecting/recoveryTimeout",
  ]);
});

Deno.test("machine: same user and server again is not a new registration; token adopted", () => {
  const newer = { ...A, token: "tok-a2" };
  const r = run([
    { type: "open", target: A, at: 0 },
    { type: "linkOpen", gen: 1, at: 1 },
    { type: "open", target: newer, at: 2 },
  ]);
  assertEquals(r.outcomes, ["registering", "alreadyRegistered"]);
  assertEquals(r.effects.filter((e) => e.type === "connect").length, 1);
  assert(r.state.phase.kind === "active" && r.state.phase.target.token === "tok-a2");
  assertEquals(r.state.gen, 1);
});

Deno.test("machine: another user or server closes the old registration cleanly first", () => {
  const B = { ...A, userID: "user-b" };
  const r = run([
    { type: "open", target: A, at: 0 },
    { type: "linkOpen", gen: 1, at: 1 },
    { type: "open", target: B, at: 2 },
  ]);
  assertEquals(r.outcomes, ["registering", "replacing"]);
  assertEquals(types(r.effects).slice(5), [
    "cancelTimer:retry",
    "cancelTimer:recovery",
    "disconnect",
    "stopWork",
    "announce:inactive/closedByClient",
    "connect",
    "announce:connecting",
  ]);
  assert(r.state.phase.kind === "connecting" && r.state.phase.target.userID === "user-b");
  // Late news from the old link is ignored.
  const late = run([{ type: "linkClosed", gen: 1, code: 1000, at: 3 }], r.state);
  assertEquals(late.effects, []);
});

Deno.test("machine: closeRegistration and agentCloseConnect end it; nothing after", () => {
  const server = run([
    { type: "open", target: A, at: 0 },
    { type: "linkOpen", gen: 1, at: 1 },
    { type: "serverClosed", gen: 1, at: 2 },
    { type: "linkClosed", gen: 1, code: 1000, at: 3 },
    { type: "retryDue", at: 10_000 },
  ]);
  assertEquals(server.state.phase.kind, "inactive");
  assertEquals(types(server.effects).slice(-5), [
    "cancelTimer:retry",
    "cancelTimer:recovery",
    "disconnect",
    "stopWork",
    "announce:inactive/closedByServer",
  ]);
  const client = run([
    { type: "open", target: A, at: 0 },
    { type: "linkFailed", gen: 1, at: 1 },
    { type: "close", at: 2 },
    { type: "retryDue", at: 5001 },
  ]);
  assertEquals(client.state.phase, { kind: "inactive", target: A, reason: "closedByClient" });
  assert(!types(client.effects).includes("disconnect"), "nothing open to close while in backoff");
  assertEquals(client.effects.filter((e) => e.type === "connect").length, 1);
  assertEquals(run([{ type: "close", at: 0 }]).effects, []);
  // After an end, the same user and server may register again (a fresh token).
  const again = run([{ type: "open", target: A, at: 9 }], client.state);
  assertEquals(again.outcomes, ["registering"]);
});

Deno.test("machine: jitter stays within ±20 % and is never zero", () => {
  assertEquals(jittered(5000, 0), 4000);
  assertEquals(jittered(5000, 0.5), 5000);
  assertEquals(jittered(5000, 0.999999), 6000);
  assertEquals(jittered(1, 0), 1);
});
