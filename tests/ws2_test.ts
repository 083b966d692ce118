/**
 * ws2 as the web workplace meets it: the real agent (composition root), a real WebSocket client
 * with the page's Origin, real loopback sockets.
 */
import { startAgent } from "../src/app/agent.ts";
import { realSystem } from "../src/app/system.ts";
import { FakeClock } from "../src/clock/fake_clock.ts";
import { loadConfig } from "../src/config/load.ts";
import { logger } from "../src/log/setup.ts";
import { MetricsRegistry } from "../src/metrics/registry.ts";
import { serveLoopback } from "../src/net/loopback_server.ts";
import { buildMessage } from "../src/protocol/catalog.ts";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../src/testing/assert.ts";
import { CANARY_JWT } from "../src/testing/canary.ts";
import { rawRequest } from "../src/testing/raw_http.ts";
import { connectWs2 } from "../src/testing/ws2_client.ts";
import { createWs2Endpoint, rateLimitedReply, type Ws2Dispatch } from "../src/ws2/endpoint.ts";

const ORIGIN = "https://workplace.example.com";

async function withAgent(body: (ws2Port: number, logDir: string) => Promise<void>) {
  const sys = realSystem(import.meta.url);
  const dir = await Deno.makeTempDir({ prefix: "ah-ws2-" });
  const env = {
    AGENT_HELPER_WS2_PORT: "0",
    AGENT_HELPER_HTTP_PORT: "0",
    AGENT_HELPER_WS2_ALLOWED_ORIGINS: ORIGIN,
    AGENT_HELPER_WS2_MAX_MESSAGE_BYTES: "2048",
    AGENT_HELPER_LOG_DIRECTORY: `${dir}/logs`,
    AGENT_HELPER_LOG_CONSOLE: "false",
    AGENT_HELPER_LOG_LEVEL: "debug",
    AGENT_HELPER_SPOOL_DIRECTORY: `${dir}/spool`,
    PATH: Deno.env.get("PATH") ?? "",
  };
  const platform = { ...sys.platform, env };
  const loaded = loadConfig({ ...sys, platform }, { ignoreStandardFiles: true });
  assert(loaded.ok);
  const agent = await startAgent({ ...sys, platform }, { config: loaded.config, configFile: null });
  try {
    await body(agent.ws2Port, `${dir}/logs`);
  } finally {
    await agent.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A page of `origin` (the allowed one unless told) on ws2. */
const connect = (port: number, origin = ORIGIN) => connectWs2(port, origin);

Deno.test("ws2: setLogLevel is answered with the same transaction; bad input gets error replies", async () => {
  await withAgent(async (port) => {
    const c = await connect(port);
    c.ws.send(
      JSON.stringify({
        action: "setLogLevel",
        version: "v1.0",
        transaction: "t-1",
        data: { logLevel: "WARN" },
      }),
    );
    assertEquals(await c.next(), {
      action: "resultSetLogLevel",
      version: "1.0",
      transaction: "t-1",
      data: { result: "success" },
    });
    c.ws.send("{not json");
    const bad = await c.next();
    assertEquals(bad.action, "error");
    assertMatch(String((bad.data as { resultDesc: string }).resultDesc), /^invalidJson/);
    c.ws.send(
      JSON.stringify({ action: "formatDisk", version: "1.0", transaction: "t-2", data: {} }),
    );
    const unknown = await c.next();
    assertEquals([unknown.action, unknown.transaction], ["error", "t-2"]);
    assertMatch(String((unknown.data as { resultDesc: string }).resultDesc), /^unknownAction/);
    c.ws.send(
      JSON.stringify({
        action: "setLogLevel",
        version: "1.0",
        transaction: "t-3",
        data: { logLevel: "loud" },
      }),
    );
    const invalid = await c.next();
    assertEquals([invalid.action, invalid.transaction], ["resultSetLogLevel", "t-3"]);
    assertEquals((invalid.data as { result: string }).result, "error");
    c.ws.close();
    await c.closed;
  });
});

Deno.test("ws2: agentOpenConnect to a server off the allow-list is refused, and its token never reaches the log", async () => {
  await withAgent(async (port, logDir) => {
    const c = await connect(port);
    const opaque = "opaque-canary-token-4f1e";
    for (
      const [action, token] of [["agentHelperConnect", CANARY_JWT], ["agentOpenConnect", opaque]]
    ) {
      c.ws.send(JSON.stringify({
        action,
        version: "1.0",
        transaction: "open-1",
        data: {
          agentServerURI: "wss://as.example.com/agent",
          JWTToken: token,
          userID: "u-1",
          retryDelay: "5",
        },
      }));
      const reply = await c.next();
      assertEquals(reply, {
        action: "resultAgentOpenConnect",
        version: "1.0",
        transaction: "open-1",
        data: {
          result: "error",
          resultDesc:
            "serverNotAllowed: no AgentServer host is allowed (servers.agentServerHosts is empty)",
        },
      });
    }
    // A malformed open carrying a token: the refusal and the log must not quote it.
    c.ws.send(
      JSON.stringify({
        action: "agentOpenConnect",
        version: "1.0",
        data: { JWTToken: CANARY_JWT },
      }),
    );
    const refused = JSON.stringify(await c.next());
    assertNotIncludes(refused, CANARY_JWT);
    c.ws.close();
    await c.closed;
    for (const f of Deno.readDirSync(logDir)) {
      const text = Deno.readTextFileSync(`${logDir}/${f.name}`);
      assertNotIncludes(text, CANARY_JWT);
      assertNotIncludes(text, opaque);
    }
  });
});

Deno.test("ws2: oversize messages close with 1009, binary frames with 1003", async () => {
  await withAgent(async (port) => {
    const big = await connect(port);
    big.ws.send(
      JSON.stringify({
        action: "setLogLevel",
        version: "1.0",
        data: { logLevel: "x".repeat(3000) },
      }),
    );
    assertEquals((await big.closed).code, 1009);
    const bin = await connect(port);
    bin.ws.send(new Uint8Array([1, 2, 3]));
    assertEquals((await bin.closed).code, 1003);
  });
});

Deno.test("ws2: foreign, missing and null origins and a forged Host are refused at the handshake", async () => {
  await withAgent(async (port) => {
    for (
      const origin of [
        "https://evil.example.com",
        "null",
        "https://workplace.example.com.evil.example",
      ]
    ) {
      let refused = false;
      await connect(port, origin).then((c) => c.ws.close(), () => (refused = true));
      assert(refused, `${origin} was let in`);
    }
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    const upgrade = (host: string, origin?: string) =>
      `GET / HTTP/1.1\nHost: ${host}\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: ${key}\n` +
      `Sec-WebSocket-Version: 13\n${origin ? `Origin: ${origin}\n` : ""}Connection: close`;
    assertEquals((await rawRequest(port, upgrade(`127.0.0.1:${port}`))).status, 403);
    assertEquals((await rawRequest(port, upgrade(`evil.example.com:${port}`, ORIGIN))).status, 403);
    // Both headers right but not an upgrade: no WebSocket, no page content either.
    const plain = await rawRequest(
      port,
      `GET / HTTP/1.1\nHost: 127.0.0.1:${port}\nOrigin: ${ORIGIN}\nConnection: close`,
    );
    assertEquals(plain.status, 426);
  });
});

Deno.test("ws2: several pages at once are independent", async () => {
  await withAgent(async (port) => {
    const a = await connect(port);
    const b = await connect(port);
    a.ws.send(
      JSON.stringify({
        action: "setLogLevel",
        version: "1.0",
        transaction: "a",
        data: { logLevel: "info" },
      }),
    );
    b.ws.send("nonsense");
    assertEquals((await a.next()).transaction, "a");
    assertEquals((await b.next()).action, "error");
    a.ws.close();
    await a.closed;
    b.ws.send(JSON.stringify({ action: "agentCloseConnect", version: "1.0", transaction: "b" }));
    assertEquals(await b.next(), {
      action: "resultAgentCloseConnect",
      version: "1.0",
      transaction: "b",
      data: { result: "success" },
    });
    b.ws.close();
    await b.closed;
  });
});

// Rate limits. The endpoint is built directly (real loopback sockets, real WebSocket client)
// with a FakeClock, so the buckets refill only when the test says: exact counts, no sleeping.

/** Answers setLogLevel with success, counting what actually reached the dispatcher. */
function countingDispatch(): { dispatch: Ws2Dispatch; dispatched: string[] } {
  const dispatched: string[] = [];
  return {
    dispatched,
    dispatch: (message) => {
      dispatched.push(message.transaction ?? "");
      return Promise.resolve(
        buildMessage("ws2", "resultSetLogLevel", { result: "success" }, message.transaction),
      );
    },
  };
}

async function withEndpoint(
  limits: { messagesPerSecond: number; handshakesPerMinute: number },
  body: (ctx: {
    port: number;
    clock: FakeClock;
    metrics: MetricsRegistry;
    dispatched: string[];
  }) => Promise<void>,
) {
  const clock = new FakeClock();
  const metrics = new MetricsRegistry();
  const { dispatch, dispatched } = countingDispatch();
  let port = 0;
  const endpoint = createWs2Endpoint(
    { dispatch, metrics, log: logger("ws2", "test"), clock },
    {
      port: () => port,
      allowedOrigins: [ORIGIN],
      maxMessageBytes: 2048,
      ...limits,
    },
  );
  const server = await serveLoopback((req) => endpoint.handle(req), 0);
  port = server.port;
  try {
    await body({ port, clock, metrics, dispatched });
  } finally {
    endpoint.closeAll();
    await server.close();
  }
}

const setLevel = (transaction: string) =>
  JSON.stringify({
    action: "setLogLevel",
    version: "1.0",
    transaction,
    data: { logLevel: "info" },
  });

/** One sample of the Prometheus text, as `/metrics` would show it. */
function sample(metrics: MetricsRegistry, series: string): number | undefined {
  const line = metrics.render().split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("ws2: over messagesPerSecond, the first excess gets a rateLimited reply, the rest are dropped", async () => {
  await withEndpoint({ messagesPerSecond: 5, handshakesPerMinute: 60 }, async (t) => {
    const c = await connect(t.port);
    for (let i = 1; i <= 8; i++) c.ws.send(setLevel(`m-${i}`));
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await c.next());
    const limited = replies.filter((r) => (r.data as { result: string }).result === "error");
    assertEquals(limited.length, 1, JSON.stringify(replies));
    const [refusal] = limited;
    assertEquals([refusal?.action, refusal?.transaction], ["resultSetLogLevel", "m-6"]);
    assertMatch(String((refusal?.data as { resultDesc: string }).resultDesc), /^rateLimited: /);
    // A second later the allowance is back. The next reply is the marker's: m-7 and m-8 (sent
    // before it, on the same ordered stream) were dropped without an answer.
    t.clock.advance(1000);
    c.ws.send(setLevel("marker"));
    assertEquals((await c.next()).transaction, "marker");
    assertEquals(t.dispatched, ["m-1", "m-2", "m-3", "m-4", "m-5", "marker"]);
    assertEquals(sample(t.metrics, 'agent_helper_ws2_messages_total{outcome="rateLimited"}'), 3);
    assertEquals(c.ws.readyState, WebSocket.OPEN);
    c.ws.close();
    await c.closed;
  });
});

Deno.test("ws2: a connection flooding at more than 5x the rate is closed with 1008", async () => {
  await withEndpoint({ messagesPerSecond: 5, handshakesPerMinute: 60 }, async (t) => {
    // 5 a second allowed: 5 dispatched, the 6th answered, 7-25 dropped, the 26th (over 5x5
    // within the second) closes. The page stops there, so the close handshake completes.
    const c = await connect(t.port);
    for (let i = 1; i <= 26; i++) c.ws.send(setLevel(`f-${i}`));
    const closed = await c.closed;
    assertEquals([closed.code, closed.reason], [1008, "message rate limit exceeded"]);
    assertEquals(t.dispatched, ["f-1", "f-2", "f-3", "f-4", "f-5"]);
    assertEquals(sample(t.metrics, 'agent_helper_ws2_messages_total{outcome="flood"}'), 1);

    // A page that keeps sending is cut off all the same. (Deno's server drops the TCP
    // connection when data frames follow its close frame — denoland/deno#21642 — so such a
    // client may see an abnormal close instead of 1008.)
    const flood = await connect(t.port);
    for (let i = 1; i <= 200; i++) flood.ws.send(setLevel(`g-${i}`));
    await flood.closed;
    assertEquals(t.dispatched.filter((d) => d.startsWith("g-")).length, 5);

    const other = await connect(t.port);
    other.ws.send(setLevel("other"));
    assertEquals((await other.next()).transaction, "other", "other connections are unaffected");
    other.ws.close();
    await other.closed;
  });
});

Deno.test("ws2: handshakes over handshakesPerMinute get 429 with Retry-After, counted as rateLimited", async () => {
  await withEndpoint({ messagesPerSecond: 20, handshakesPerMinute: 3 }, async (t) => {
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    const upgrade = (origin: string) =>
      `GET / HTTP/1.1\nHost: 127.0.0.1:${t.port}\nUpgrade: websocket\nConnection: Upgrade\n` +
      `Sec-WebSocket-Key: ${key}\nSec-WebSocket-Version: 13\nOrigin: ${origin}`;
    // Refused origins do not spend the allowance.
    for (let i = 0; i < 5; i++) {
      assertEquals((await rawRequest(t.port, upgrade("https://evil.example.com"))).status, 403);
    }
    const open = [await connect(t.port), await connect(t.port), await connect(t.port)];
    const limited = await rawRequest(t.port, upgrade(ORIGIN) + "\nConnection: close");
    assertEquals(limited.status, 429);
    assertEquals(limited.headers.get("retry-after"), "20"); // 3 a minute: one every 20 s
    let refused = false;
    await connect(t.port).then((c) => c.ws.close(), () => (refused = true));
    assert(refused, "a WebSocket client is refused too");
    assertEquals(
      sample(t.metrics, 'agent_helper_ws2_handshakes_refused_total{reason="rateLimited"}'),
      2,
    );
    t.clock.advance(20_000);
    const later = await connect(t.port);
    open.push(later);
    for (const c of open) {
      c.ws.close();
      await c.closed;
    }
  });
});

Deno.test("ws2: the rateLimited refusal echoes only a well-formed transaction and action", () => {
  const desc = "rateLimited: too fast";
  assertEquals(rateLimitedReply(setLevel("t-9"), desc), {
    action: "resultSetLogLevel",
    version: "1.0",
    transaction: "t-9",
    data: { result: "error", resultDesc: desc },
  });
  assertEquals(rateLimitedReply("{not json", desc), {
    action: "error",
    version: "1.0",
    data: { result: "error", resultDesc: desc },
  });
  const odd = JSON.stringify({ action: "format disk!", transaction: "x".repeat(200) });
  assertEquals(rateLimitedReply(odd, desc), {
    action: "error",
    version: "1.0",
    data: { result: "error", resultDesc: desc },
  });
  const unknown = JSON.stringify({ action: "formatDisk", version: "1.0", transaction: "u" });
  assertEquals(rateLimitedReply(unknown, desc), {
    action: "error",
    version: "1.0",
    transaction: "u",
    data: { result: "error", resultDesc: desc, inReplyTo: "formatDisk" },
  });
});
