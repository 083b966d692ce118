/**
 * The reference JsSDK in Deno against the real parts: the reference AgentServer's wss1 (TLS,
 * test CA trusted through a Deno HTTP client) and the real agent's ws2 (the page's Origin sent
 * as a header, as a browser would). Covers PROTOCOL.md §3 from the JsSDK's side: discovery
 * failures reported to AgentServer, the Origin check, the whole flow to `active` on both
 * channels, a page reload that must not re-register, an agent restart under a living page, and
 * logout. tests/browser_test.ts runs the same JsSDK inside Chromium.
 */
import { startReferenceAgentServer } from "../src/platform/agent_server/mod.ts";
import type { RecordedMessage } from "../src/platform/agent_server/mod.ts";
import {
  JsSdk,
  type JsSdkDeps,
  type JsSdkOptions,
  type JsSdkStatus,
  webSocketFactory,
  whenStatus,
} from "../src/platform/jssdk/mod.ts";
import { makeTestPki } from "../src/platform/pki/test_pki.ts";
import { type Stack, startStack } from "../src/platform/workplace/stack.ts";
import { assert, assertEquals } from "../src/testing/assert.ts";

const ALLOWED = "https://workplace.example.com";
const FOREIGN = "https://evil.example.com";
const USER = "5b0d7c7e-2f4a-4c1e-9d3b-8a6f1e2c4d5b";

/** Sockets as a page at `origin` has them: wss1 trusting the test CA, ws2 with the Origin. */
function pageSockets(caPem: string, origin: string): { deps: JsSdkDeps; close(): void } {
  const client = Deno.createHttpClient({ caCerts: [caPem] });
  return {
    deps: {
      platformSocket: webSocketFactory((url) => new WebSocket(url, { client })),
      helperSocket: webSocketFactory((url) =>
        new WebSocket(url, { headers: { origin } } as unknown as string[])
      ),
    },
    close: () => client.close(),
  };
}

/** Resolves once `check(status)` holds; fails naming `what` and the status after `timeoutMs`. */
async function until(
  sdk: JsSdk,
  what: string,
  check: (status: JsSdkStatus) => boolean,
  timeoutMs = 10_000,
): Promise<JsSdkStatus> {
  const status = await whenStatus(sdk, check, timeoutMs);
  if (status) return status;
  throw new Error(`timed out waiting for ${what}; status: ${JSON.stringify(sdk.status)}`);
}

const isReport = (resultDesc?: string) => (m: RecordedMessage) =>
  m.channel === "platform" && m.direction === "in" && m.action === "agentHelperConnect" &&
  m.userID === USER &&
  JSON.stringify((m.message?.data as { resultDesc?: string } | undefined)?.resultDesc) ===
    JSON.stringify(resultDesc);

/** A port nothing listens on (it was free a moment ago). */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

Deno.test("jssdk: a helper that refuses the connection or never answers is reported as 'AgentHelper not found'", async () => {
  const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  // A listener that accepts TCP and never answers the upgrade: only the timeout can end it.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of silent) held.push(conn);
  })();
  const cases = [
    { uri: `ws://127.0.0.1:${closedPort()}/`, reason: "refused", within: 2500 },
    { uri: `ws://127.0.0.1:${(silent.addr as Deno.NetAddr).port}/`, reason: "timeout", within: 0 },
  ] as const;
  try {
    for (const c of cases) {
      const ags = startReferenceAgentServer({}, {
        cert: pki.certPem,
        key: pki.keyPem,
        agentHelperURI: c.uri,
      });
      const sockets = pageSockets(pki.caPem, ALLOWED);
      const sdk = new JsSdk({ wss1Url: ags.wss1Url, userID: USER, discoveryTimeoutMs: 800 }, {
        ...sockets.deps,
      });
      const reasons: string[] = [];
      sdk.on("helperNotFound", (e) => reasons.push(e.reason));
      try {
        const started = performance.now();
        const status = await sdk.start();
        const took = performance.now() - started;
        assertEquals(status.phase, "notFound", c.reason);
        assertEquals(reasons, [c.reason]);
        if (c.reason === "timeout") assert(took >= 800, `gave up after ${took} ms`);
        else assert(took < c.within, `a refused port took ${took} ms`);
        const report = await ags.waitForMessage(isReport("AgentHelper not found"), 5000);
        assertEquals(report.message?.data, {
          result: "error",
          resultDesc: "AgentHelper not found",
        });
      } finally {
        sdk.close();
        sockets.close();
        await ags.stop();
      }
    }
  } finally {
    silent.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});

async function withStack(body: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack({ allowedOrigins: [ALLOWED] });
  try {
    await body(stack);
  } finally {
    await stack.stop();
  }
}

function jssdk(stack: Stack, origin: string, options: Partial<JsSdkOptions> = {}) {
  const sockets = pageSockets(stack.pki.caPem, origin);
  const sdk = new JsSdk(
    { wss1Url: stack.agentServer.wss1Url, userID: USER, discoveryTimeoutMs: 3000, ...options },
    sockets.deps,
  );
  return {
    sdk,
    close: () => {
      sdk.close();
      sockets.close();
    },
  };
}

Deno.test("jssdk: a page whose origin is not on ws2.allowedOrigins is refused, and AgentServer is told", async () => {
  await withStack(async (stack) => {
    const page = jssdk(stack, FOREIGN);
    try {
      const status = await page.sdk.start();
      assertEquals(status.phase, "notFound");
      await stack.agentServer.waitForMessage(isReport("AgentHelper not found"), 5000);
      assertEquals(stack.agentServer.helper(USER), undefined, "nothing registered");
    } finally {
      page.close();
    }
  });
});

Deno.test("jssdk: the eleven steps end to end, a reload reattaches without registering again, logout ends it", async () => {
  await withStack(async (stack) => {
    const ags = stack.agentServer;
    const first = jssdk(stack, ALLOWED);
    try {
      const settled = await first.sdk.start();
      assertEquals(settled.phase, "connected", settled.error);
      await ags.waitForMessage(isReport(undefined), 5000);
      const active = await until(
        first.sdk,
        "helper and platform active",
        (s) =>
          s.helperState?.connectionState === "active" &&
          s.platformState?.connectionState === "active",
      );
      assertEquals(active.helperState?.userID, USER);
      assert(active.helperState?.versionAgentHelper, "the helper names its version");
      assertEquals(ags.helper(USER)?.connections, 1);
      // The steps in the order PROTOCOL.md §3 gives them, as AgentServer saw them: 1 and 3 on
      // wss1; 8-10 on wss3 (the token handed out in 3 is the one that registered, and the
      // helper then describes itself); 11 on wss1. Step 7's report (agentHelperConnect) may
      // overtake 8, which runs concurrently.
      await ags.waitForMessage((m) => m.action === "agentHelperInfo");
      const seen = ags.messages.map((m) => `${m.channel}:${m.direction}:${m.action}`);
      const at = (key: string) => seen.indexOf(key);
      const order = [
        "platform:in:getAgentHelperData",
        "platform:out:resultGetAgentHelperData",
        "platform:out:agentHelperConnectionState",
        "wss3:in:agentHelperInfo",
      ].map(at);
      assert(order.every((i, n) => i >= 0 && (n === 0 || i > order[n - 1]!)), seen.join(", "));
      assert(at("platform:in:agentHelperConnect") > order[1]!, seen.join(", "));
    } finally {
      first.close();
    }

    // A reload: the page's JsSDK is gone, a new one runs the same flow.
    const second = jssdk(stack, ALLOWED);
    try {
      const settled = await second.sdk.start();
      assertEquals(settled.phase, "connected", settled.error);
      await until(
        second.sdk,
        "the helper's state on the new page",
        (s) => s.helperState?.connectionState === "active",
      );
      const view = ags.helper(USER);
      assertEquals([view?.state, view?.connections], ["active", 1], "no new registration");

      const mark = ags.stateChanges.at(-1)?.seq ?? 0;
      assertEquals(await second.sdk.logout(), { result: "success" });
      await ags.waitForStateChange(
        (c) => c.userID === USER && c.state === "inactive" && c.seq > mark,
        5000,
      );
      assertEquals(ags.isConnected(USER), false);
    } finally {
      second.close();
    }
  });
});

Deno.test("jssdk: a page that outlives an agent restart restores ws2 and the helper registers again", async () => {
  await withStack(async (stack) => {
    const page = jssdk(stack, ALLOWED, { reconnect: { initialMs: 100, maxMs: 500 } });
    try {
      assertEquals((await page.sdk.start()).phase, "connected");
      await until(page.sdk, "active", (s) => s.helperState?.connectionState === "active");

      const mark = stack.agentServer.stateChanges.at(-1)?.seq ?? 0;
      await stack.stopAgent();
      await until(page.sdk, "reconnecting", (s) => s.phase === "reconnecting");
      await stack.startAgent();
      const restored = await until(
        page.sdk,
        "restored and active",
        (s) =>
          s.phase === "connected" && s.reattachments === 1 &&
          s.helperState?.connectionState === "active",
      );
      assertEquals(restored.helperSocket, "open");
      await stack.agentServer.waitForStateChange(
        (c) => c.userID === USER && c.state === "active" && c.seq > mark,
        5000,
      );
      assertEquals(stack.agentServer.helper(USER)?.connections, 2, "the new agent registered");
    } finally {
      page.close();
    }
  });
});
