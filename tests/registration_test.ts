/**
 * Registration on AgentServer as it happens on a workstation: the real agent (composition
 * root), the reference AgentServer on real TLS from a CA made here, a page on real ws2. Time
 * that matters (retries, the recovery window) runs on a FakeClock injected into the agent, so
 * the retry period is asserted to the millisecond and nothing sleeps through it.
 */
import os from "node:os";
import { FakeClock } from "../src/clock/fake_clock.ts";
import { allSamples } from "../src/protocol/samples.ts";
import { startReferenceAgentServer } from "../src/platform/agent_server/mod.ts";
import { makeTestPki } from "../src/platform/pki/test_pki.ts";
import { type Stack, type StackOptions, startStack } from "../src/platform/workplace/stack.ts";
import { assert, assertEquals, assertMatch, assertNotIncludes } from "../src/testing/assert.ts";
import { connectWs2, isState, type Ws2Client } from "../src/testing/ws2_client.ts";
import { PRODUCT_VERSION } from "../src/version.ts";
import { COMMANDS } from "../src/wss3/commands.ts";

const ORIGIN = "https://workplace.example.com";
const USER = "3f6c1a2e-0b7d-4c1e-9a55-1f0c2d3e4b5a";
/** With random() = 0.5 the jitter is zero: the retry comes exactly retryDelay later. */
const RETRY_MS = 5000;

async function withStack(
  body: (s: Stack, clock: FakeClock) => Promise<void>,
  options: Partial<StackOptions> = {},
) {
  const clock = new FakeClock(Date.now());
  const stack = await startStack({
    allowedOrigins: [ORIGIN],
    system: { clock, random: () => 0.5 },
    ...options,
  });
  try {
    await body(stack, clock);
  } finally {
    await stack.stop();
  }
}

async function openFor(stack: Stack, page: Ws2Client, userID = USER) {
  const token = await stack.agentServer.issueToken(userID);
  const reply = await page.request("agentOpenConnect", {
    agentServerURI: stack.agentServer.wss3Url,
    JWTToken: token,
    userID,
    retryDelay: String(RETRY_MS / 1000),
  });
  assertEquals(reply.action, "resultAgentOpenConnect");
  return { reply, token };
}

const connects = (s: Stack) => s.agent.registration.status().connects;

Deno.test("registration: agentOpenConnect registers; info carries real facts; every command is answered by transaction", async () => {
  await withStack(async (s) => {
    const page = await connectWs2(s.ws2Port, ORIGIN);
    const { reply, token } = await openFor(s, page);
    assertEquals(reply.data, { result: "success" });
    const active = await page.waitFor(isState("active"));
    assertEquals(active.data, {
      userID: USER,
      connectionState: "active",
      versionAgentHelper: PRODUCT_VERSION,
    });
    await s.agentServer.waitForState(USER, "active");
    const info = await s.agentServer.waitForMessage((m) => m.action === "agentHelperInfo");
    const data = (info.message as { data: Record<string, unknown> }).data;
    assertEquals(data.computerName, os.hostname());
    assertEquals(data.versionAgentHelper, PRODUCT_VERSION);
    assertMatch(String(data.osVersion), /Linux/);
    const caps = data.capabilities as { encoders: string[]; captureBackends: string[] };
    assert(caps.encoders.includes("libx264"), JSON.stringify(caps));
    assert(caps.captureBackends.includes("x11grab"), JSON.stringify(caps));

    const samples = allSamples();
    for (const command of COMMANDS) {
      const sample = samples.find((x) =>
        x.entry.channel === "wss3" && x.entry.name === command.name
      );
      assert(sample, command.name);
      const answer = await s.agentServer.sendCommandUnchecked(
        USER,
        command.name,
        sample.message.data ?? {},
      );
      const m = answer as { action: string; transaction?: string; data: Record<string, unknown> };
      assertEquals(m.action, command.reply, command.name);
      if (command.name === "setLogLevel") assertEquals(m.data.result, "success");
      // Nothing records here: the start sample names a ScreenRecorder off the allow-list,
      // refused before anything else; the other recording commands find nothing recording.
      const refusal = command.name === "startScreenRecord"
        ? /^screenServerNotAllowed: host recorder\.example\.com:443 is not on servers\.screenRecorderHosts$/
        : command.name.endsWith("ScreenRecord")
        ? /^notRecording: /
        : command.name === "startStream"
        ? /^displaysUnavailable: no X display is known/
        : command.name === "stopStream"
        ? /^unknownStream: view-17$/
        : null;
      if (refusal) {
        assertEquals(m.data.result, "error");
        assertMatch(String(m.data.resultDesc), refusal);
      }
    }
    await page.close();
    for (const f of Deno.readDirSync(s.logDir)) {
      assertNotIncludes(Deno.readTextFileSync(`${s.logDir}/${f.name}`), token);
    }
  });
});

Deno.test("registration: a reload and a second web app re-use the registration; another user replaces it cleanly", async () => {
  await withStack(async (s) => {
    const first = await connectWs2(s.ws2Port, ORIGIN);
    await openFor(s, first);
    await s.agentServer.waitForState(USER, "active");
    await first.close();

    // The reloaded page hears the state at once and asks again: no new registration.
    const reloaded = await connectWs2(s.ws2Port, ORIGIN);
    assertEquals((await reloaded.next()).data, {
      userID: USER,
      connectionState: "active",
      versionAgentHelper: PRODUCT_VERSION,
    });
    const other = await connectWs2(s.ws2Port, ORIGIN);
    await other.next();
    const again = await openFor(s, reloaded);
    assertEquals(again.reply.data, { result: "success" });
    assertEquals((await openFor(s, other)).reply.data, { result: "success" });
    assertEquals(s.agentServer.helper(USER)?.connections, 1);
    assertEquals(connects(s), 1);

    // Another operator on the same workstation: the old registration ends first.
    const mark = [reloaded.received.length, other.received.length] as const;
    await openFor(s, reloaded, "operator-b");
    await s.agentServer.waitForState(USER, "inactive", "closedByClient");
    await s.agentServer.waitForState("operator-b", "active");
    for (const [page, from] of [[reloaded, mark[0]], [other, mark[1]]] as const) {
      await page.waitFor(isState("inactive", "closedByClient"), 5000, from);
      await page.waitFor(isState("active"), 5000, from);
    }
    await reloaded.close();
    await other.close();
  });
});

Deno.test("registration: an invalid token stops the retries and ws2 hears tokenInvalid", async () => {
  await withStack(async (s, clock) => {
    const page = await connectWs2(s.ws2Port, ORIGIN);
    s.agentServer.rejectTokens(true);
    await openFor(s, page);
    await page.waitFor(isState("inactive", "tokenInvalid"));
    clock.advance(10 * RETRY_MS);
    assertEquals(connects(s), 1);
    assertEquals(s.agentServer.helper(USER), undefined);

    // Accepted again, then revoked while active: close 4401, the same verdict.
    s.agentServer.rejectTokens(false);
    const from = page.received.length;
    await openFor(s, page);
    await page.waitFor(isState("active"), 5000, from);
    s.agentServer.revokeTokens(USER);
    await page.waitFor(isState("inactive", "tokenInvalid"), 5000, from);
    clock.advance(10 * RETRY_MS);
    assertEquals(connects(s), 2);
    await page.close();
  });
});

Deno.test("registration: AgentServer drops and restarts; the agent retries every retryDelay and recovers", async () => {
  await withStack(async (s, clock) => {
    const page = await connectWs2(s.ws2Port, ORIGIN);
    await openFor(s, page);
    await s.agentServer.waitForState(USER, "active");
    await waitUntil(() => s.agentServer.helper(USER)?.infoCount === 1);
    let from = page.received.length;
    s.agentServer.drop(USER);
    await page.waitFor(isState("connecting", "connectionLost"), 5000, from);
    await s.agentServer.waitForState(USER, "inactive", "connectionLost");
    clock.advance(RETRY_MS - 1);
    assertEquals(connects(s), 1, "no attempt before retryDelay");
    clock.advance(1);
    assertEquals(connects(s), 2);
    await page.waitFor(isState("active"), 5000, from);
    await waitUntil(() => s.agentServer.helper(USER)?.infoCount === 2); // info on every connect
    assertEquals(s.agentServer.helper(USER)?.connections, 2);

    // The whole AgentServer goes away: attempts fail, one per retryDelay, until it is back.
    const port = s.agentServer.port;
    from = page.received.length;
    await s.agentServer.stop();
    await page.waitFor(isState("connecting", "connectionLost"), 5000, from);
    for (let i = 1; i <= 3; i++) {
      clock.advance(RETRY_MS);
      assertEquals(connects(s), 2 + i);
      await waitUntil(() => s.agent.registration.status().state === "backoff");
    }
    const pki = s.pki;
    const revived = startReferenceAgentServer({}, {
      cert: pki.certPem,
      key: pki.keyPem,
      port,
      tokenSecret: s.tokenSecret,
    });
    try {
      clock.advance(RETRY_MS);
      await revived.waitForState(USER, "active");
      await page.waitFor(isState("active"), 5000, from);
    } finally {
      await revived.stop();
    }
    await page.close();
  });
});

Deno.test("registration: past the recovery window work stops and is reported; closeRegistration ends it all", async () => {
  await withStack(async (s, clock) => {
    const page = await connectWs2(s.ws2Port, ORIGIN);
    await openFor(s, page);
    await s.agentServer.waitForState(USER, "active");
    const from = page.received.length;
    s.agentServer.drop(USER);
    await page.waitFor(isState("connecting", "connectionLost"), 5000, from);
    await s.agentServer.stop();
    for (let t = 0; t < 12_000; t += RETRY_MS) {
      clock.advance(RETRY_MS);
      await waitUntil(() => s.agent.registration.status().state === "backoff");
    }
    await page.waitFor(isState("connecting", "recoveryTimeout"), 5000, from);
    assertEquals(s.agent.registration.status().reason, "recoveryTimeout");
    await page.close();
  }, { agentEnv: { AGENT_HELPER_REGISTRATION_RECOVERY_WINDOW_SEC: "12" } });

  await withStack(async (s, clock) => {
    const page = await connectWs2(s.ws2Port, ORIGIN);
    await openFor(s, page);
    await s.agentServer.waitForState(USER, "active");
    await s.agentServer.closeRegistration(USER, "operator session ended");
    await page.waitFor(isState("inactive", "closedByServer"));
    await s.agentServer.waitForState(USER, "inactive", "closedByServer");
    clock.advance(10 * RETRY_MS);
    assertEquals(connects(s), 1);
    // agentCloseConnect: the operator logs out.
    const from = page.received.length;
    const again = await openFor(s, page);
    assertEquals(again.reply.data, { result: "success" });
    await page.waitFor(isState("active"), 5000, from);
    const bye = await page.request("agentCloseConnect", {});
    assertEquals(bye.data, { result: "success" });
    await s.agentServer.waitForState(USER, "inactive", "closedByClient");
    await page.waitFor(isState("inactive", "closedByClient"), 5000, from);
    await page.close();
  });
});

Deno.test("registration: an agentServerURI or screenServer off the allow-list makes no outbound connection at all", async () => {
  const trap = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const trapPort = (trap.addr as Deno.NetAddr).port;
  let dialled = 0;
  const accepting = (async () => {
    for await (const conn of trap) {
      dialled++;
      conn.close();
    }
  })();
  try {
    await withStack(async (s) => {
      const page = await connectWs2(s.ws2Port, ORIGIN);
      const ags = s.agentServer.port;
      const uris = [
        `wss://elsewhere.example.com/wss3`,
        `wss://127.0.0.1:${trapPort}/wss3`,
        `wss://127.0.0.1:${ags}/wss3`, // the right server by IP literal: not the listed name
        `ws://localhost:${ags}/wss3`,
        `wss://localhost:${trapPort}/wss3`,
        `wss://localhost:${ags}@127.0.0.1:${trapPort}/wss3`,
        `wss://localhost:${ags}\\@127.0.0.1:${trapPort}/wss3`,
        `https://localhost:${ags}/wss3`,
      ];
      for (const uri of uris) {
        const reply = await page.request("agentOpenConnect", {
          agentServerURI: uri,
          JWTToken: await s.agentServer.issueToken(USER),
          userID: USER,
          retryDelay: "5",
        });
        const data = reply.data as { result: string; resultDesc: string };
        assertEquals(data.result, "error", uri);
        assertMatch(data.resultDesc, /^serverNotAllowed: /, uri);
      }
      // The right AgentServer, but a ScreenRecorder the agent may not send the screen to.
      const rec = s.screenRecorder.grpcPort;
      const recorders = [
        "elsewhere.example.com:443",
        `localhost:${trapPort}`,
        `127.0.0.1:${rec}`,
        `http://localhost:${rec}`,
        `localhost:${rec}/upload`,
        `evil@localhost:${rec}`,
      ];
      for (const screenServer of recorders) {
        const reply = await page.request("agentOpenConnect", {
          agentServerURI: s.agentServer.wss3Url,
          screenServer,
          JWTToken: await s.agentServer.issueToken(USER),
          userID: USER,
          retryDelay: "5",
        });
        const data = reply.data as { result: string; resultDesc: string };
        assertEquals(data.result, "error", screenServer);
        assertMatch(data.resultDesc, /^screenServerNotAllowed: /, screenServer);
      }
      await new Promise((r) => setTimeout(r, 200));
      assertEquals(s.agent.registration.status(), { state: "idle", connects: 0 });
      assertEquals(s.agentServer.helpers(), []);
      await page.close();
    });
  } finally {
    trap.close();
    await accepting.catch(() => {});
  }
  assertEquals(dialled, 0);
});

Deno.test("registration: a server certificate from another CA is refused and retried, never trusted", async () => {
  const stranger = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  const dir = await Deno.makeTempDir({ prefix: "ah-ca-" });
  await Deno.writeTextFile(`${dir}/other-ca.pem`, stranger.caPem);
  try {
    await withStack(async (s, clock) => {
      const page = await connectWs2(s.ws2Port, ORIGIN);
      await openFor(s, page);
      await page.waitFor(isState("connecting", "connectionFailed"));
      clock.advance(RETRY_MS);
      assertEquals(connects(s), 2);
      await waitUntil(() => s.agent.registration.status().state === "backoff");
      assertEquals(s.agentServer.helper(USER), undefined);
      const logs = [...Deno.readDirSync(s.logDir)]
        .map((f) => Deno.readTextFileSync(`${s.logDir}/${f.name}`)).join("");
      assertMatch(logs, /certificate/);
      await page.close();
    }, { agentEnv: { AGENT_HELPER_SERVERS_CA_BUNDLE: `${dir}/other-ca.pem` } });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Polls a condition that real I/O will make true soon (never used to wait out time). */
async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
