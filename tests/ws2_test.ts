/**
 * ws2 as the web workplace meets it: the real agent (composition root), a real WebSocket client
 * with the page's Origin, real loopback sockets.
 */
import { startAgent } from "../src/app/agent.ts";
import { REGISTRATION_NOT_AVAILABLE } from "../src/app/ws2_commands.ts";
import { realSystem } from "../src/app/system.ts";
import { loadConfig } from "../src/config/load.ts";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../src/testing/assert.ts";
import { CANARY_JWT } from "../src/testing/canary.ts";
import { rawRequest } from "../src/testing/raw_http.ts";

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

interface Client {
  ws: WebSocket;
  next(): Promise<Record<string, unknown>>;
  closed: Promise<CloseEvent>;
}

function connect(port: number, origin = ORIGIN): Promise<Client> {
  // Deno's WebSocket takes extra headers; a browser sets Origin itself.
  const ws = new WebSocket(
    `ws://127.0.0.1:${port}/`,
    { headers: { origin } } as unknown as string[],
  );
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data as string);
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  };
  const closed = new Promise<CloseEvent>((resolve) =>
    ws.addEventListener("close", (e) => resolve(e))
  );
  return new Promise((resolve, reject) => {
    ws.onopen = () =>
      resolve({
        ws,
        closed,
        next: () => {
          const m = queue.shift();
          return m ? Promise.resolve(m) : new Promise((r) => waiters.push(r));
        },
      });
    ws.onerror = () => reject(new Error("handshake refused"));
  });
}

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

Deno.test("ws2: agentOpenConnect is refused explicitly for now, and its token never reaches the log", async () => {
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
        data: { result: "error", resultDesc: REGISTRATION_NOT_AVAILABLE },
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
