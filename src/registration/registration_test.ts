/**
 * The shell with a scripted connector and a FakeClock: timers, jitter, de-duplicated
 * announcements and late callbacks. Real sockets are in tests/registration_test.ts.
 */
import { getLogger } from "@logtape/logtape";
import { FakeClock } from "../clock/fake_clock.ts";
import { MetricsRegistry } from "../metrics/registry.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import type { LinkHandlers, Wss3Connector } from "../wss3/link.ts";
import type { StateView, Target } from "./machine.ts";
import { createRegistration } from "./registration.ts";

const TARGET: Target = {
  userID: "u1",
  url: "wss://ags.example.com/wss3",
  token: "secret-token",
  retryDelayMs: 5000,
};

function harness(random = 0.5) {
  const clock = new FakeClock();
  const dials: { at: number; handlers: LinkHandlers; sent: string[]; closed: number[] }[] = [];
  const connector: Wss3Connector = {
    connect(_request, handlers) {
      const dial = { at: clock.now(), handlers, sent: [] as string[], closed: [] as number[] };
      dials.push(dial);
      return {
        send: (text) => (dial.sent.push(text), true),
        sendFlushed: (text) => Promise.resolve((dial.sent.push(text), true)),
        close: (code) => void dial.closed.push(code),
      };
    },
  };
  const views: StateView[] = [];
  const stops: string[] = [];
  const registration = createRegistration({
    clock,
    random: () => random,
    connector,
    log: getLogger(["test"]),
    metrics: new MetricsRegistry(),
    announce: (v) => views.push(v),
    info: () =>
      Promise.resolve({
        versionAgentHelper: "AgentHelper 0.0.0",
        osVersion: "linux test",
        displays: [],
        capabilities: { encoders: [], captureBackends: [], maxFrameRate: 30 },
      }),
    commands: (m) =>
      Promise.resolve({
        action: "error",
        version: "1.0",
        transaction: m.transaction,
        data: { result: "error", resultDesc: "x" },
      }),
    stopWork: (reason) => stops.push(reason),
  }, { recoveryWindowMs: 60_000 });
  return { clock, dials, views, stops, registration };
}

Deno.test("registration shell: retries on the clock with jitter, no dial in between", () => {
  const h = harness(0); // jitter at its low end: 0.8 × 5 s
  h.registration.open(TARGET);
  assertEquals(h.dials.length, 1);
  h.dials[0]!.handlers.onFailed("ECONNREFUSED");
  h.clock.advance(3999);
  assertEquals(h.dials.length, 1);
  h.clock.advance(1);
  assertEquals(h.dials.length, 2);
  assertEquals(h.dials[1]!.at - h.dials[0]!.at, 4000);
  h.dials[1]!.handlers.onRefused(503);
  h.clock.advance(4000);
  assertEquals(h.dials.length, 3);
  // Announced once per change, not once per attempt.
  assertEquals(h.views.map((v) => `${v.connectionState}/${v.resultDesc ?? ""}`), [
    "connecting/",
    "connecting/connectionFailed",
  ]);
  assertEquals(h.registration.status().attempt, 3);
});

Deno.test("registration shell: info on open, commands answered, stale link ignored", async () => {
  const h = harness();
  h.registration.open(TARGET);
  const first = h.dials[0]!;
  first.handlers.onOpen();
  await Promise.resolve();
  await Promise.resolve();
  assertEquals(JSON.parse(first.sent[0]!).action, "agentHelperInfo");
  first.handlers.onText('{"action":"getDisplayInfo","version":"1.0","transaction":"t1"}');
  first.handlers.onText("not json");
  await new Promise((r) => setTimeout(r, 0));
  const replies = first.sent.slice(1).map((t) => JSON.parse(t));
  assert(replies.some((r) => r.transaction === "t1"));
  assert(replies.some((r) => r.action === "error" && /invalidJson/.test(r.data.resultDesc)));
  // Lose the link: recovery window starts; a second open for the same user does not dial.
  first.handlers.onClosed(1006, "");
  assertEquals(h.registration.open({ ...TARGET, token: "newer-token" }), "alreadyRegistered");
  assertEquals(h.dials.length, 1);
  h.clock.advance(5000);
  assertEquals(h.dials.length, 2);
  first.handlers.onOpen(); // late news from the old socket: ignored
  assertEquals(h.registration.status().state, "connecting");
  h.clock.advance(60_000);
  assertEquals(h.stops, ["recoveryTimeout"]);
  assertEquals(h.views.at(-1)?.resultDesc, "recoveryTimeout");
});

Deno.test("registration shell: closeRegistration ends it; stop() closes quietly", () => {
  const h = harness();
  h.registration.open(TARGET);
  h.dials[0]!.handlers.onOpen();
  h.dials[0]!.handlers.onText('{"action":"closeRegistration","version":"1.0","data":{}}');
  assertEquals(h.registration.status().state, "inactive");
  assertEquals(h.registration.status().reason, "closedByServer");
  assertEquals(h.dials[0]!.closed, [1000]);
  h.clock.advance(60_000);
  assertEquals(h.dials.length, 1);
  const again = harness();
  again.registration.open(TARGET);
  again.dials[0]!.handlers.onFailed("x");
  again.registration.stop();
  const seen = again.views.length;
  again.clock.advance(10_000);
  assertEquals(again.dials.length, 1);
  assertEquals(again.views.length, seen);
  assertEquals(again.clock.pending, 0);
});

Deno.test("registration shell: live bytes go out only while active, never queued", async () => {
  const h = harness();
  assertEquals(await h.registration.sendLive("early"), false, "idle");
  h.registration.open(TARGET);
  const first = h.dials[0]!;
  assertEquals(await h.registration.sendLive("connecting"), false);
  first.handlers.onOpen();
  await Promise.resolve();
  await Promise.resolve();
  assertEquals(h.registration.status().state, "active");
  assertEquals(await h.registration.sendLive("blob-1"), true);
  first.handlers.onClosed(1006, "");
  assertEquals(await h.registration.sendLive("blob-2"), false, "link lost");
  h.clock.advance(5000);
  h.dials[1]!.handlers.onOpen();
  await Promise.resolve();
  await Promise.resolve();
  const resent = h.dials[1]!.sent;
  assert(!resent.includes("blob-2"), "nothing of the live view is replayed after a reconnect");
  assertEquals(first.sent.filter((t) => t.startsWith("blob")), ["blob-1"]);
});
