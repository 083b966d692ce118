import { FakeClock } from "../../clock/fake_clock.ts";
import { encodeMessage } from "../../protocol/catalog.ts";
import { CANARY_JWT } from "../../testing/canary.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertRejects,
} from "../../testing/assert.ts";
import { generateTokenSecret } from "./jwt.ts";
import { CommandError } from "./pending.ts";
import { startReferenceAgentServer } from "./server.ts";
import {
  connectHelper,
  helperUpgradeStatus,
  sharedTestPki,
  startTestServer,
  withServer,
} from "./test_support.ts";
import { openWsClient } from "./test_ws_client.ts";

const INFO = {
  action: "agentHelperInfo",
  version: "1.0",
  data: { computerName: "WS-01", versionAgentHelper: "AgentHelper 0.1.0", osLogin: "op" },
};

Deno.test("wss3: a valid token upgrades; the helper is active; agentHelperInfo is kept", async () => {
  await withServer(async (server) => {
    assertMatch(server.wss3Url, /^wss:\/\/localhost:\d+\/wss3$/);
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    assert(server.isConnected("op-1"));
    helper.send(INFO);
    const recorded = await server.waitForMessage((m) => m.action === "agentHelperInfo");
    assertEquals(recorded.userID, "op-1");
    assertEquals(recorded.direction, "in");
    const view = server.helper("op-1");
    assertEquals(view?.state, "active");
    assertEquals(view?.info?.computerName, "WS-01");
    assertEquals(view?.connections, 1);
    assertEquals(view?.infoCount, 1);
    assert(typeof view?.connectedAt === "number");
    await helper.close(1000);
    await server.waitForState("op-1", "inactive", "closedByClient");
  });
});

Deno.test("wss3: missing, malformed, foreign, revoked and rejected tokens get 401", async () => {
  await withServer(async (server) => {
    assertEquals(await helperUpgradeStatus(server, undefined), 401);
    assertEquals(await helperUpgradeStatus(server, "garbage"), 401);
    assertEquals(await helperUpgradeStatus(server, CANARY_JWT), 401);
    const token = await server.issueToken("op-1");
    server.rejectTokens(true);
    assertEquals(await helperUpgradeStatus(server, token), 401);
    server.rejectTokens(false);
    assertEquals(await helperUpgradeStatus(server, token), 0);
    server.revokeTokens("op-1");
    assertEquals(await helperUpgradeStatus(server, token), 401);
    assertEquals(server.helper("op-1")?.connections, 1, "refused upgrades never register");
  });
});

Deno.test("wss3: an expired token gets 401 (expiry on the injected clock)", async () => {
  const clock = new FakeClock(Date.now());
  await withServer(
    async (server) => {
      const token = await server.issueToken("op-1");
      clock.advance(61_000);
      assertEquals(await helperUpgradeStatus(server, token), 401);
    },
    { tokenTtlSec: 60 },
    { clock },
  );
});

Deno.test("wss3: refusals are logged with their reason, and no log line holds a token", async () => {
  const lines: string[] = [];
  await withServer(
    async (server, pki) => {
      const token = await server.issueToken("op-1");
      server.revokeTokens("op-1");
      const opened = await openWsClient(server.wss3Url, { ca: pki.caPem, token });
      assert(!opened.ok);
      assertEquals(opened.status, 401);
      await helperUpgradeStatus(server, CANARY_JWT);
      const fresh = await server.issueToken("op-2");
      const helper = await connectHelper(server, fresh);
      helper.send(`{"action":"agentHelperInfo","version":"1.0","data":{"osLogin":"${fresh}"}}`);
      await server.waitForMessage((m) => m.action === "agentHelperInfo");
      await helper.close(1000);
      await server.waitForState("op-2", "inactive");
      for (const line of lines) {
        assertNotIncludes(line, token);
        assertNotIncludes(line, fresh);
        assertNotIncludes(line, CANARY_JWT);
      }
    },
    {},
    {
      log: (level, template, properties) =>
        lines.push(`${level} ${template} ${JSON.stringify(properties)}`),
    },
  );
  assert(lines.some((l) => l.includes("upgrade refused") && l.includes('"revoked"')));
});

Deno.test("wss3: revoking closes the open connection with 4401 (tokenInvalid)", async () => {
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    const other = await connectHelper(server, await server.issueToken("op-2"));
    await server.waitForState("op-1", "active");
    server.revokeTokens("op-1");
    assertEquals((await helper.closed).code, 4401);
    const change = await server.waitForState("op-1", "inactive");
    assertEquals(change.resultDesc, "tokenInvalid");
    assert(server.isConnected("op-2"), "another user's helper stays");
    await other.close(1000);
  });
});

Deno.test("wss3: with revokeOnClose, a closed registration's token is refused", async () => {
  await withServer(async (server) => {
    const token = await server.issueToken("op-1");
    const helper = await connectHelper(server, token);
    await server.waitForState("op-1", "active");
    await helper.close(1000);
    await server.waitForState("op-1", "inactive", "closedByClient");
    assertEquals(await helperUpgradeStatus(server, token), 401);
  }, { revokeOnClose: true });
});

Deno.test("wss3: sendCommand resolves with the reply carrying its transaction", async () => {
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    const reply = server.sendCommand("op-1", "startScreenRecord", { segmentId: "seg-1" });
    const request = await helper.waitForAction("startScreenRecord");
    const transaction = String(request.json?.transaction);
    assertMatch(transaction, /^ags-\d+-/);
    assertEquals(request.json?.data, { segmentId: "seg-1" });
    // A reply to another transaction does not complete it.
    helper.send({
      action: "resultStartScreenRecord",
      version: "1.0",
      transaction: "someone-else",
      data: { result: "error", resultDesc: "not this one" },
    });
    helper.send({
      action: "resultStartScreenRecord",
      version: "1.0",
      transaction,
      data: { result: "success" },
    });
    const answer = await reply;
    assertEquals(answer.action, "resultStartScreenRecord");
    assertEquals(answer.transaction, transaction);
    assertEquals(answer.data, { result: "success" });
    const out = server.messages.find((m) =>
      m.direction === "out" && m.action === "startScreenRecord"
    );
    assertEquals(out?.message?.transaction, transaction);
    await helper.close(1000);
  });
});

Deno.test("wss3: sendCommand fails on timeout, on a refused reply, without a helper", async () => {
  await withServer(async (server) => {
    await assertRejects(
      () => server.sendCommand("nobody", "getDisplayInfo", {}),
      CommandError,
      "no helper connected",
    );
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    const timedOut = await assertRejects(
      () => server.sendCommand("op-1", "getDisplayInfo", {}, { timeoutMs: 20 }),
      CommandError,
    );
    assertEquals((timedOut as CommandError).kind, "timeout");

    const bad = server.sendCommand("op-1", "stopStream", { streamId: "s1" });
    const request = await helper.waitForAction("stopStream");
    helper.send({
      action: "resultStopStream",
      version: "1.0",
      transaction: request.json?.transaction,
      data: { result: "maybe" },
    });
    const refused = await assertRejects(() => bad, CommandError);
    assertEquals((refused as CommandError).kind, "invalidReply");
    const recorded = await server.waitForMessage((m) => m.refused !== undefined);
    assertEquals(recorded.refused?.kind, "invalidData");

    // Caught at once: it fails while the test is still closing the socket.
    const closing = server.sendCommand("op-1", "getDisplayInfo", {}).catch((e) => e);
    await helper.waitForAction("getDisplayInfo");
    await helper.close(1000);
    const closedError = await closing;
    assert(closedError instanceof CommandError);
    assertEquals(closedError.kind, "connectionClosed");
  });
});

Deno.test("wss3: closeRegistration ends the registration (closedByServer), by helper or grace", async () => {
  await withServer(async (server) => {
    // The helper closes by itself on closeRegistration.
    const first = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    first.received.subscribe((m) => {
      if (m.json?.action === "closeRegistration") first.socket.close(1000, "bye");
    });
    await server.closeRegistration("op-1", "operator logged out");
    const request = await first.waitForAction("closeRegistration");
    assertEquals(request.json?.data, { reason: "operator logged out" });
    assertEquals((await first.closed).code, 1000);
    await server.waitForState("op-1", "inactive", "closedByServer");

    // The helper ignores it: the server closes after the grace.
    const second = await connectHelper(server, await server.issueToken("op-2"));
    await server.waitForState("op-2", "active");
    await server.closeRegistration("op-2");
    assertEquals((await second.closed).code, 1000);
    await server.waitForState("op-2", "inactive", "closedByServer");
    await assertRejects(() => server.closeRegistration("op-2"), CommandError);
  }, { closeGraceMs: 30 });
});

Deno.test("wss3: drop closes at once with 1012 (connectionLost); a broken socket too", async () => {
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    assert(server.drop("op-1"));
    assertEquals((await helper.closed).code, 1012);
    await server.waitForState("op-1", "inactive", "connectionLost");
    assertEquals(server.drop("op-1"), false);

    const again = await connectHelper(server, await server.issueToken("op-1"));
    const active = await server.waitForStateChange((c) =>
      c.userID === "op-1" && c.state === "active" && c.seq > 1
    );
    assert(active.seq > 1);
    assertEquals(server.helper("op-1")?.connections, 2);
    again.socket.terminate();
    await server.waitForStateChange((c) => c.seq > active.seq && c.state === "inactive");
    assertEquals(server.helper("op-1")?.resultDesc, "connectionLost");
  });
});

Deno.test("wss3: a second connection of the same user replaces the first with 4409", async () => {
  await withServer(async (server) => {
    const first = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    const second = await connectHelper(server, await server.issueToken("op-1"));
    assertEquals(await first.closed, { code: 4409, reason: "replaced" });
    assertEquals(server.helper("op-1")?.connections, 2);
    assertEquals(server.helper("op-1")?.state, "active");
    assertEquals(
      server.stateChanges.filter((c) => c.userID === "op-1").map((c) => c.state),
      ["active"],
      "a replacement is no change of state",
    );
    await second.close(1000);
    await server.waitForState("op-1", "inactive", "closedByClient");
  });
});

Deno.test("wss3: refused frames are recorded; sendRaw reaches the helper", async () => {
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    helper.send("{not json");
    helper.send({ action: "startScreenRecord", version: "1.0", data: { segmentId: "x" } });
    const invalid = await server.waitForMessage((m) => m.refused?.kind === "invalidJson");
    assertEquals(invalid.raw, "{not json");
    const wrongWay = await server.waitForMessage((m) => m.refused?.kind === "unknownAction");
    assertEquals(wrongWay.action, "startScreenRecord");
    server.sendRaw("op-1", "\u0000 anything");
    assertEquals((await helper.received.waitFor(() => true)).text, "\u0000 anything");
    assert(server.messages.some((m) => m.direction === "out" && m.raw === "\u0000 anything"));
    assert(helper.received.items.length === 1, "no reply to refused frames");
    await helper.close(1000);
  });
});

Deno.test("wss3: a plain request with a valid token gets 426; other paths 404", async () => {
  await withServer(async (server, pki) => {
    const client = Deno.createHttpClient({ caCerts: [pki.caPem] });
    try {
      const token = await server.issueToken("op-1");
      const upgrade = await fetch(server.wss3Url.replace("wss:", "https:"), {
        client,
        headers: { authorization: `Bearer ${token}` },
      });
      assertEquals(upgrade.status, 426);
      await upgrade.body?.cancel();
      const other = await fetch(`https://localhost:${server.port}/elsewhere`, { client });
      assertEquals(other.status, 404);
      await other.body?.cancel();
    } finally {
      client.close();
    }
  });
});

Deno.test("wss3: a restarted server on the same port takes the old token (shared secret)", async () => {
  const tokenSecret = generateTokenSecret();
  const { server, pki } = await startTestServer({ tokenSecret });
  const token = await server.issueToken("op-1");
  const helper = await connectHelper(server, token);
  await server.waitForState("op-1", "active");
  await server.stop();
  assertEquals((await helper.closed).code, 1001);
  await server.stop(); // idempotent

  const restarted = startReferenceAgentServer({}, {
    cert: pki.certPem,
    key: pki.keyPem,
    port: server.port,
    tokenSecret,
  });
  try {
    assertEquals(restarted.wss3Url, server.wss3Url);
    const again = await connectHelper(restarted, token);
    await restarted.waitForState("op-1", "active");
    await again.close(1000);
  } finally {
    await restarted.stop();
  }
});

Deno.test("wss3: a message the helper's writer builds reads back on the server", async () => {
  await withServer(async (server) => {
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    helper.send(encodeMessage("wss3", "newRecBatch", {
      result: "success",
      fileName: "seg-1/0/part-0.mp4",
      segmentId: "seg-1",
      display: 0,
      part: 0,
    }));
    const batch = await server.waitForMessage((m) => m.action === "newRecBatch");
    assertEquals(batch.refused, undefined);
    await helper.close(1000);
  });
});

Deno.test("sharedTestPki is made once", async () => {
  assertEquals(await sharedTestPki(), await sharedTestPki());
});
