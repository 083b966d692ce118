import { assert, assertEquals, assertNotIncludes } from "../../testing/assert.ts";
import { isSendableCloseCode, sameKey } from "./console.ts";
import type { ReferenceAgentServer } from "./server.ts";
import { answerNext, connectHelper, connectJsSdk, withServer } from "./test_support.ts";

type Call = (
  method: string,
  path: string,
  body?: unknown,
  key?: string | null,
) => Promise<{ status: number; json: Record<string, unknown> }>;

/** Runs `body` with a console caller that trusts the test CA. */
async function withConsole(body: (server: ReferenceAgentServer, call: Call) => Promise<void>) {
  await withServer(async (server, pki) => {
    const client = Deno.createHttpClient({ caCerts: [pki.caPem] });
    const call: Call = async (method, path, payload, key = server.consoleKey) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (key !== null) headers["x-console-key"] = key;
      const response = await fetch(`${server.consoleUrl}${path}`, {
        client,
        method,
        headers,
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      });
      return { status: response.status, json: await response.json() };
    };
    try {
      await body(server, call);
    } finally {
      client.close();
    }
  }, { closeGraceMs: 30 });
}

Deno.test("console: a missing or wrong key gets 401", async () => {
  await withConsole(async (server, call) => {
    assertEquals((await call("GET", "/helpers", undefined, null)).status, 401);
    assertEquals((await call("GET", "/helpers", undefined, "wrong")).status, 401);
    assertEquals((await call("POST", "/tokens/reject", { on: true }, null)).status, 401);
    assertEquals((await call("GET", "/nothing-here", undefined, null)).status, 401);
    assert(server.consoleKey.length >= 32);
  });
});

Deno.test("console: lists helpers and messages with tokens masked", async () => {
  await withConsole(async (server, call) => {
    const sdk = await connectJsSdk(server, "op-1");
    sdk.send({ action: "getAgentHelperData", version: "1.0" });
    const reply = await sdk.waitForAction("resultGetAgentHelperData");
    const token = (reply.json?.data as { JWTToken: string }).JWTToken;
    const helper = await connectHelper(server, token);
    await server.waitForState("op-1", "active");

    const helpers = await call("GET", "/helpers");
    assertEquals(helpers.status, 200);
    assertEquals((helpers.json.helpers as { userID: string }[]).map((h) => h.userID), ["op-1"]);
    const one = await call("GET", "/helpers/op-1");
    assertEquals(one.json.state, "active");
    assertEquals((await call("GET", "/helpers/nobody")).status, 404);

    const messages = await call("GET", "/messages?limit=10&userID=op-1");
    const text = JSON.stringify(messages.json);
    assert(text.includes("resultGetAgentHelperData"));
    assert(text.includes("[REDACTED]"));
    assertNotIncludes(text, token);
    await Promise.all([helper.close(1000), sdk.close(1000)]);
  });
});

Deno.test("console: sends a command and returns the reply; bad requests get 400/404", async () => {
  await withConsole(async (server, call) => {
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    const answered = answerNext(helper, "setLogLevel", "resultSetLogLevel");
    const result = await call("POST", "/helpers/op-1/command", {
      action: "setLogLevel",
      data: { logLevel: "debug" },
    });
    assertEquals(result.status, 200);
    const reply = result.json.reply as { action: string; transaction: string; data: unknown };
    assertEquals(reply.action, "resultSetLogLevel");
    assertEquals(reply.transaction, await answered);

    const invalidData = await call("POST", "/helpers/op-1/command", {
      action: "startStream",
      data: { streamId: "s" },
    });
    assertEquals(invalidData.status, 400);
    const notACommand = await call("POST", "/helpers/op-1/command", {
      action: "closeRegistration",
    });
    assertEquals(notACommand.status, 400);
    assertEquals(
      (await call("POST", "/helpers/nobody/command", { action: "getDisplayInfo" })).status,
      404,
    );
    const timedOut = await call("POST", "/helpers/op-1/command", {
      action: "getDisplayInfo",
      timeoutMs: 10,
    });
    assertEquals(timedOut.status, 504);
    await helper.close(1000);
  });
});

Deno.test("console: drop, close registration, revoke and reject", async () => {
  await withConsole(async (server, call) => {
    const first = await connectHelper(server, await server.issueToken("op-1"));
    await server.waitForState("op-1", "active");
    assertEquals((await call("POST", "/helpers/op-1/drop", { code: 4000 })).status, 200);
    assertEquals((await first.closed).code, 4000);
    assertEquals((await call("POST", "/helpers/op-1/drop", {})).status, 404);
    assertEquals((await call("POST", "/helpers/op-1/drop", { code: 1005 })).status, 400);

    const second = await connectHelper(server, await server.issueToken("op-2"));
    await server.waitForState("op-2", "active");
    const closed = await call("POST", "/helpers/op-2/close-registration", { reason: "test" });
    assertEquals(closed.json, { closed: true });
    assertEquals((await second.closed).code, 1000);
    await server.waitForState("op-2", "inactive", "closedByServer");

    const third = await connectHelper(server, await server.issueToken("op-3"));
    await server.waitForState("op-3", "active");
    assertEquals((await call("POST", "/tokens/revoke", { userID: "op-3" })).status, 200);
    assertEquals((await third.closed).code, 4401);

    assertEquals((await call("POST", "/tokens/reject", { on: true })).json, { rejecting: true });
    const sdk = await connectJsSdk(server, "op-4");
    sdk.send({ action: "getAgentHelperData", version: "1.0" });
    const refused = await sdk.waitForAction("resultGetAgentHelperData");
    assertEquals((refused.json?.data as { result: string }).result, "error");
    assertEquals((await call("POST", "/tokens/reject", { on: "yes" })).status, 400);
    await sdk.close(1000);
  });
});

Deno.test("sameKey and isSendableCloseCode", () => {
  assert(sameKey("abc", "abc"));
  assert(!sameKey("abd", "abc"));
  assert(!sameKey(undefined, "abc"));
  assert(!sameKey("ab", "abc"));
  for (const code of [1000, 1001, 1008, 1012, 3000, 4999]) assert(isSendableCloseCode(code));
  for (const code of [999, 1004, 1005, 1006, 1015, 2000, 5000]) assert(!isSendableCloseCode(code));
});
