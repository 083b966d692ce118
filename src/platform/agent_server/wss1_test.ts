import { decodeJwt } from "jose";
import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";
import { connectHelper, connectJsSdk, withServer } from "./test_support.ts";

const GET_DATA = { action: "getAgentHelperData", version: "1.0", transaction: "t-1" };

Deno.test("wss1: getAgentHelperData returns the helper's data and a token that works on wss3", async () => {
  await withServer(async (server) => {
    const sdk = await connectJsSdk(server, "op-1");
    sdk.send(GET_DATA);
    const reply = await sdk.waitForAction("resultGetAgentHelperData");
    assertEquals(reply.json?.transaction, "t-1");
    const data = reply.json?.data as Record<string, string>;
    assertEquals(data.result, "success");
    assertEquals(data.agentHelperURI, "ws://127.0.0.1:41999/");
    assertEquals(data.agentServerURI, server.wss3Url);
    assertEquals(data.screenServer, "localhost:50999");
    assertEquals(data.retryDelay, "3");
    assertEquals(decodeJwt(data.JWTToken ?? "").sub, "op-1");

    const helper = await connectHelper(server, data.JWTToken ?? "");
    await server.waitForState("op-1", "active");
    await helper.close(1000);
    await sdk.close(1000);
  }, { agentHelperURI: "ws://127.0.0.1:41999/", screenServer: "localhost:50999", retryDelay: 3 });
});

Deno.test("wss1: getAgentHelperData answers error while tokens are rejected or with no user", async () => {
  await withServer(async (server) => {
    const anonymous = await connectJsSdk(server, undefined);
    anonymous.send(GET_DATA);
    const noUser = await anonymous.waitForAction("resultGetAgentHelperData");
    assertEquals((noUser.json?.data as { result: string }).result, "error");
    assertMatch(String((noUser.json?.data as { resultDesc: string }).resultDesc), /userID/);

    const sdk = await connectJsSdk(server, "op-1");
    server.rejectTokens(true);
    sdk.send(GET_DATA);
    const rejected = await sdk.waitForAction("resultGetAgentHelperData");
    assertEquals(rejected.json?.data, {
      result: "error",
      resultDesc: "tokenUnavailable: Auth refuses to issue tokens",
    });
    await anonymous.close(1000);
    await sdk.close(1000);
  });
});

Deno.test("wss1: agentHelperConnectionState is pushed on every change and on connect", async () => {
  await withServer(async (server) => {
    const sdk = await connectJsSdk(server, "op-1");
    const bystander = await connectJsSdk(server, "op-2");
    const helper = await connectHelper(server, await server.issueToken("op-1"));
    const active = await sdk.waitForAction("agentHelperConnectionState");
    assertEquals(active.json, {
      action: "agentHelperConnectionState",
      version: "1.0",
      data: { userID: "op-1", connectionState: "active" },
    });
    server.drop("op-1");
    const inactive = await sdk.received.waitFor((m) =>
      (m.json?.data as { connectionState?: string })?.connectionState === "inactive"
    );
    assertEquals(inactive.json?.data, {
      userID: "op-1",
      connectionState: "inactive",
      resultDesc: "connectionLost",
    });
    await helper.closed;

    // A page opened later learns the current state at once.
    const late = await connectJsSdk(server, "op-1");
    const current = await late.waitForAction("agentHelperConnectionState");
    assertEquals((current.json?.data as { connectionState: string }).connectionState, "inactive");
    assertEquals(server.wss1Connections("op-1"), 2);
    assertEquals(bystander.received.items.length, 0, "other operators hear nothing");
    await Promise.all([sdk.close(1000), bystander.close(1000), late.close(1000)]);
  });
});

Deno.test("wss1: agentHelperConnect is recorded; refused messages are recorded, not answered", async () => {
  await withServer(async (server) => {
    const sdk = await connectJsSdk(server, "op-1");
    sdk.send({
      action: "agentHelperConnect",
      version: "1.0",
      data: { result: "error", resultDesc: "connection failedf" },
    });
    const report = await server.waitForMessage((m) => m.action === "agentHelperConnect");
    assertEquals(report.channel, "platform");
    assertEquals(report.message?.data, { result: "error", resultDesc: "connection failed" });

    sdk.send("not json");
    sdk.send({ action: "somethingElse", version: "1.0", data: {} });
    await server.waitForMessage((m) => m.refused?.kind === "unknownAction");
    assert(server.messages.some((m) => m.refused?.kind === "invalidJson"));
    // A refused getAgentHelperData is still answered, so the request completes.
    sdk.send({ action: "getAgentHelperData", version: "2.0", transaction: "t-9" });
    const error = await sdk.waitForAction("resultGetAgentHelperData");
    assertEquals(error.json?.transaction, "t-9");
    assertEquals((error.json?.data as { result: string }).result, "error");
    assertEquals(sdk.received.items.length, 1, "nothing answered the other refused messages");
    await sdk.close(1000);
  });
});
