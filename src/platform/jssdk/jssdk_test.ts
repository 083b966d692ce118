/**
 * The JsSDK's flow, step by step, against scripted sockets and a fake clock: every branch of
 * PROTOCOL.md §3 that the real-socket tests (tests/jssdk_test.ts, tests/browser_test.ts) cannot
 * reach cheaply or deterministically — timeouts, refusals, a ws2 broken mid-session, logout.
 */
import { FakeClock } from "../../clock/fake_clock.ts";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../../testing/assert.ts";
import { JsSdk, type JsSdkEvent, type JsSdkOptions } from "./jssdk.ts";
import type { SocketFactory, SocketHandlers } from "./sockets.ts";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2lnbmF0dXJl";
const HELPER_URI = "ws://127.0.0.1:41770/";

class FakeSocket {
  readonly sent: Record<string, unknown>[] = [];
  closedBy: "client" | "peer" | null = null;
  constructor(readonly url: string, readonly handlers: SocketHandlers) {}
  open(): void {
    this.handlers.opened();
  }
  receive(message: unknown): void {
    this.handlers.message(typeof message === "string" ? message : JSON.stringify(message));
  }
  drop(code = 1006): void {
    this.closedBy = "peer";
    this.handlers.closed(code, "");
  }
  last(): Record<string, unknown> {
    const m = this.sent.at(-1);
    assert(m, `nothing sent on ${this.url}`);
    return m;
  }
}

class Sockets {
  readonly all: FakeSocket[] = [];
  readonly factory: SocketFactory = (url, handlers) => {
    const s = new FakeSocket(url, handlers);
    this.all.push(s);
    return {
      send: (text) => s.sent.push(JSON.parse(text)),
      close: () => {
        s.closedBy ??= "client";
      },
    };
  };
  latest(): FakeSocket {
    const s = this.all.at(-1);
    assert(s, "no socket opened");
    return s;
  }
}

function setup(options: Partial<JsSdkOptions> = {}) {
  const clock = new FakeClock();
  const wss1 = new Sockets();
  const ws2 = new Sockets();
  const sdk = new JsSdk(
    { wss1Url: "wss://as.example.com/wss1", userID: "u-1", ...options },
    { platformSocket: wss1.factory, helperSocket: ws2.factory, timers: clock, random: () => 0 },
  );
  const events: JsSdkEvent[] = [];
  sdk.on("*", (e) => events.push(e));
  return { clock, wss1, ws2, sdk, events };
}

type Setup = ReturnType<typeof setup>;

/** Steps 1-3: wss1 opens, getAgentHelperData is answered. */
function handOverData(t: Setup): FakeSocket {
  const platform = t.wss1.latest();
  platform.open();
  const request = platform.last();
  assertEquals(request.action, "getAgentHelperData");
  platform.receive({
    action: "resultGetAgentHelperData",
    version: "1.0",
    transaction: request.transaction,
    data: {
      result: "success",
      agentHelperURI: HELPER_URI,
      agentServerURI: "wss://as.example.com/wss3",
      screenServer: "recorder.example.com:443",
      JWTToken: TOKEN,
      retryDelay: "3",
    },
  });
  return platform;
}

function answerOpen(helper: FakeSocket, result: "success" | "error", resultDesc?: string) {
  const open = helper.last();
  assertEquals(open.action, "agentOpenConnect");
  helper.receive({
    action: "resultAgentOpenConnect",
    version: "1.0",
    transaction: open.transaction,
    data: result === "success" ? { result } : { result, resultDesc },
  });
}

Deno.test("jssdk: the eleven steps as the JsSDK sees them, and the token stays out of status and events", async () => {
  const t = setup({ tenantId: "tenant-1" });
  const settled = t.sdk.start();
  assertEquals(t.wss1.latest().url, "wss://as.example.com/wss1?userID=u-1");
  const platform = handOverData(t);
  assertEquals(t.sdk.status.phase, "discovering");
  const helper = t.ws2.latest();
  assertEquals(helper.url, HELPER_URI);
  helper.open();
  assertEquals(helper.last().data, {
    agentServerURI: "wss://as.example.com/wss3",
    JWTToken: TOKEN,
    userID: "u-1",
    retryDelay: "3",
    screenServer: "recorder.example.com:443",
    tenantId: "tenant-1",
  });
  assertEquals(t.sdk.status.phase, "opening");
  answerOpen(helper, "success");
  assertEquals(platform.last(), {
    action: "agentHelperConnect",
    version: "1.0",
    data: { result: "success" },
  });
  const status = await settled;
  assertEquals(status.phase, "connected");

  helper.receive({
    action: "agentHelperState",
    version: "1.0",
    data: { userID: "u-1", connectionState: "active", versionAgentHelper: "AgentHelper 0.1.0" },
  });
  platform.receive({
    action: "agentHelperConnectionState",
    version: "1.0",
    data: { userID: "u-1", connectionState: "active" },
  });
  assertEquals(t.sdk.status.helperState?.connectionState, "active");
  assertEquals(t.sdk.status.platformState?.connectionState, "active");
  assertEquals(t.sdk.status.helperData?.agentHelperURI, HELPER_URI);
  assertNotIncludes(JSON.stringify(t.sdk.status), TOKEN);
  assertNotIncludes(JSON.stringify(t.events), TOKEN);
  assertEquals(
    t.events.filter((e) => e.type === "phase").map((e) => e.type === "phase" && e.phase),
    ["connectingPlatform", "requestingData", "discovering", "opening", "connected"],
  );
  assertEquals(t.clock.pending, 0, "no timer left running once connected");
});

Deno.test("jssdk: a helper that does not answer in time is 'AgentHelper not found' (step 5)", async () => {
  const t = setup({ discoveryTimeoutMs: 2000 });
  const settled = t.sdk.start();
  const platform = handOverData(t);
  t.clock.advance(1999);
  assertEquals(t.sdk.status.phase, "discovering");
  t.clock.advance(1);
  const status = await settled;
  assertEquals(status.phase, "notFound");
  assertEquals(t.ws2.latest().closedBy, "client");
  assertEquals(platform.last(), {
    action: "agentHelperConnect",
    version: "1.0",
    data: { result: "error", resultDesc: "AgentHelper not found" },
  });
  assert(
    t.events.some((e) =>
      e.type === "helperNotFound" && e.reason === "timeout" && e.agentHelperURI === HELPER_URI
    ),
  );
  // A late open of the abandoned socket changes nothing.
  t.ws2.latest().open();
  assertEquals(t.sdk.status.phase, "notFound");
  assertEquals(t.ws2.latest().sent, []);
});

Deno.test("jssdk: a refused ws2 handshake is 'AgentHelper not found' at once", async () => {
  const t = setup();
  const settled = t.sdk.start();
  const platform = handOverData(t);
  t.ws2.latest().drop(1006);
  assertEquals((await settled).phase, "notFound");
  assertEquals(
    (platform.last().data as { resultDesc: string }).resultDesc,
    "AgentHelper not found",
  );
  assert(t.events.some((e) => e.type === "helperNotFound" && e.reason === "refused"));
  assertEquals(t.clock.pending, 0);
});

Deno.test("jssdk: agentOpenConnect refused is reported as 'connection failed' (step 7)", async () => {
  const t = setup();
  const settled = t.sdk.start();
  const platform = handOverData(t);
  const helper = t.ws2.latest();
  helper.open();
  answerOpen(helper, "error", "serverNotAllowed: not on the allow-list");
  const status = await settled;
  assertEquals(status.phase, "failed");
  assertMatch(status.error ?? "", /serverNotAllowed/);
  assertEquals(platform.last().data, { result: "error", resultDesc: "connection failed" });
  assertEquals(helper.closedBy, "client");
  // No reconnection is attempted for a refused request.
  t.clock.advance(60_000);
  assertEquals(t.ws2.all.length, 1);
});

Deno.test("jssdk: no answer to agentOpenConnect, and ws2 lost before it, are 'connection failed'", async () => {
  for (const how of ["silence", "drop"] as const) {
    const t = setup({ answerTimeoutMs: 5000 });
    const settled = t.sdk.start();
    const platform = handOverData(t);
    t.ws2.latest().open();
    if (how === "silence") t.clock.advance(5000);
    else t.ws2.latest().drop();
    assertEquals((await settled).phase, "failed", how);
    assertEquals(platform.last().data, { result: "error", resultDesc: "connection failed" }, how);
  }
});

Deno.test("jssdk: getAgentHelperData refused, unanswered, or wss1 unreachable ends the flow", async () => {
  const refused = setup();
  const s1 = refused.sdk.start();
  const platform = refused.wss1.latest();
  platform.open();
  platform.receive({
    action: "resultGetAgentHelperData",
    version: "1.0",
    transaction: platform.last().transaction,
    data: { result: "error", resultDesc: "helper recording not licensed" },
  });
  assertEquals((await s1).error, "getAgentHelperData: helper recording not licensed");
  assertEquals(refused.ws2.all.length, 0);

  const silent = setup({ answerTimeoutMs: 1000 });
  const s2 = silent.sdk.start();
  silent.wss1.latest().open();
  silent.clock.advance(1000);
  assertEquals((await s2).error, "AgentServer did not answer getAgentHelperData");

  const down = setup();
  const s3 = down.sdk.start();
  down.wss1.latest().drop();
  assertEquals((await s3).error, "AgentServer (wss1) could not be reached");

  const badUrl = new JsSdk({ wss1Url: "not a url", userID: "u" }, { timers: new FakeClock() });
  assertEquals((await badUrl.start()).error, "wss1Url is not a valid URL");
});

Deno.test("jssdk: a ws2 broken while the page lives is restored with backoff and agentOpenConnect again", async () => {
  const t = setup({ reconnect: { initialMs: 100, maxMs: 400 } });
  const settled = t.sdk.start();
  const platform = handOverData(t);
  t.ws2.latest().open();
  answerOpen(t.ws2.latest(), "success");
  await settled;
  const reports = platform.sent.length;

  t.ws2.latest().drop(1001);
  assertEquals(t.sdk.status.phase, "reconnecting");
  assertEquals(t.sdk.status.helperSocket, "closed");
  // random() = 0: each delay is half its step: 50, 100, 200, 200 ...
  t.clock.advance(49);
  assertEquals(t.ws2.all.length, 1);
  t.clock.advance(1);
  assertEquals(t.ws2.all.length, 2);
  t.ws2.latest().drop(); // the helper is still down
  t.clock.advance(100);
  assertEquals(t.ws2.all.length, 3);
  t.clock.advance(3000); // this one never answers: the discovery timeout ends it
  assertEquals(t.ws2.latest().closedBy, "client");
  t.clock.advance(200);
  assertEquals(t.ws2.all.length, 4);
  const restored = t.ws2.latest();
  restored.open();
  assertEquals(restored.last().action, "agentOpenConnect");
  assertEquals((restored.last().data as { JWTToken: string }).JWTToken, TOKEN);
  answerOpen(restored, "success");
  assertEquals(t.sdk.status.phase, "connected");
  assertEquals(t.sdk.status.reattachments, 1);
  assertEquals(platform.sent.length, reports, "AgentServer is not told again");
  assertEquals(
    t.events.filter((e) => e.type === "reconnectScheduled").map((e) =>
      e.type === "reconnectScheduled" && e.delayMs
    ),
    [50, 100, 200],
  );
  // Backoff starts over after a success.
  restored.drop();
  t.clock.advance(50);
  assertEquals(t.ws2.all.length, 5);
  // close() while restoring stops everything.
  t.sdk.close();
  assertEquals(t.clock.pending, 0);
  t.clock.advance(10_000);
  assertEquals(t.ws2.all.length, 5);
  assertEquals(t.sdk.status.phase, "closed");
});

Deno.test("jssdk: a restored ws2 whose agentOpenConnect is refused is reported and not retried", async () => {
  const t = setup({ reconnect: { initialMs: 100, maxMs: 400 } });
  const settled = t.sdk.start();
  const platform = handOverData(t);
  t.ws2.latest().open();
  answerOpen(t.ws2.latest(), "success");
  await settled;
  t.ws2.latest().drop();
  t.clock.advance(50);
  t.ws2.latest().open();
  answerOpen(t.ws2.latest(), "error", "tokenInvalid");
  assertEquals(t.sdk.status.phase, "failed");
  assertEquals(platform.last().data, { result: "error", resultDesc: "connection failed" });
  t.clock.advance(60_000);
  assertEquals(t.ws2.all.length, 2);
});

Deno.test("jssdk: logout sends agentCloseConnect and closes both channels; setLogLevel is answered", async () => {
  const t = setup();
  const settled = t.sdk.start();
  const platform = handOverData(t);
  const helper = t.ws2.latest();
  helper.open();
  answerOpen(helper, "success");
  await settled;

  const level = t.sdk.setLogLevel("debug");
  const req = helper.last();
  assertEquals([req.action, req.data], ["setLogLevel", { logLevel: "debug" }]);
  helper.receive({
    action: "resultSetLogLevel",
    version: "1.0",
    transaction: req.transaction,
    data: { result: "success" },
  });
  assertEquals(await level, { result: "success" });

  const out = t.sdk.logout();
  const close = helper.last();
  assertEquals(close.action, "agentCloseConnect");
  helper.receive({
    action: "resultAgentCloseConnect",
    version: "1.0",
    transaction: close.transaction,
    data: { result: "success" },
  });
  assertEquals(await out, { result: "success" });
  assertEquals(t.sdk.status.phase, "closed");
  assertEquals([helper.closedBy, platform.closedBy], ["client", "client"]);
  assertEquals(t.clock.pending, 0);

  // Unanswered requests time out; without ws2 they fail at once.
  const t2 = setup({ answerTimeoutMs: 500 });
  const s2 = t2.sdk.start();
  handOverData(t2);
  t2.ws2.latest().open();
  answerOpen(t2.ws2.latest(), "success");
  await s2;
  const pending = t2.sdk.setLogLevel("info");
  t2.clock.advance(500);
  assertEquals(await pending, { result: "error", resultDesc: "no answer from AgentHelper" });
  t2.ws2.latest().drop();
  assertEquals(await t2.sdk.logout(), { result: "error", resultDesc: "AgentHelper not connected" });
  assertEquals(t2.sdk.status.phase, "closed");
});

Deno.test("jssdk: the helper's tokenInvalid is reported to AgentServer as 'invalid token', once", async () => {
  const t = setup();
  const settled = t.sdk.start();
  const platform = handOverData(t);
  const helper = t.ws2.latest();
  helper.open();
  answerOpen(helper, "success");
  await settled;
  const inactive = {
    action: "agentHelperState",
    version: "1.0",
    data: { userID: "u-1", connectionState: "inactive", resultDesc: "tokenInvalid" },
  };
  helper.receive(inactive);
  helper.receive(inactive);
  assertEquals(platform.sent.map((m) => m.data), [
    {},
    { result: "success" },
    { result: "error", resultDesc: "invalid token" },
  ]);
  assertEquals(t.sdk.status.helperState?.resultDesc, "tokenInvalid");
});

Deno.test("jssdk: unreadable frames are reported as events and change nothing", async () => {
  const t = setup();
  const settled = t.sdk.start();
  const platform = handOverData(t);
  t.ws2.latest().open();
  t.ws2.latest().receive("{garbage");
  platform.receive({
    action: "resultAgentOpenConnect",
    version: "1.0",
    data: { result: "success" },
  });
  assertEquals(t.sdk.status.phase, "opening");
  answerOpen(t.ws2.latest(), "success");
  await settled;
  assertEquals(
    t.events.filter((e) => e.type === "unreadable").map((e) =>
      e.type === "unreadable" && e.channel
    ),
    ["ws2", "wss1"],
  );
});
