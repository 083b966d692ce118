import { assert, assertEquals } from "../testing/assert.ts";
import { parseInbound } from "./catalog.ts";
import {
  agentHelperConnect,
  agentHelperConnectionState,
  resultGetAgentHelperData,
} from "./platform.ts";

const wire = (action: string, data?: unknown) =>
  JSON.stringify(
    data === undefined ? { action, version: "1.0" } : { action, version: "1.0", data },
  );

Deno.test("getAgentHelperData is read with or without data", () => {
  for (const text of [wire("getAgentHelperData"), wire("getAgentHelperData", { x: 1 })]) {
    const parsed = parseInbound("platform", text, "agentServer");
    assert(parsed.ok);
    assertEquals(parsed.message.data, {});
  }
});

Deno.test("resultGetAgentHelperData: addresses and token required on success", () => {
  const read = (data: unknown) =>
    parseInbound("platform", wire("resultGetAgentHelperData", data), "jsSdk");
  const full = {
    result: "success",
    agentHelperURI: "ws://127.0.0.1:41770",
    agentServerURI: "wss://a",
    JWTToken: "t",
  };
  assert(read(full).ok);
  for (const key of ["agentHelperURI", "agentServerURI", "JWTToken"]) {
    const { [key]: _, ...rest } = full as Record<string, string>;
    const parsed = read(rest);
    assert(!parsed.ok && parsed.reason === `data.${key}: required when result is success`, key);
  }
  assert(read({ result: "error", resultDesc: "no helper for this tenant" }).ok);
  const w = (data: unknown) =>
    resultGetAgentHelperData.writer.safeParse({
      action: "resultGetAgentHelperData",
      version: "1.0",
      data,
    }).success;
  assert(!w(full)); // screenServer and retryDelay are written too
  assert(w({ ...full, screenServer: "r:443", retryDelay: "5" }));
  assert(!w({ result: "error" }));
});

Deno.test("agentHelperConnect: the source's three reasons are what is written", () => {
  const w = (data: unknown) =>
    agentHelperConnect.writer.safeParse({ action: "agentHelperConnect", version: "1.0", data })
      .success;
  for (const reason of ["AgentHelper not found", "connection failed", "invalid token"]) {
    assert(w({ result: "error", resultDesc: reason }), reason);
  }
  assert(!w({ result: "error", resultDesc: "connection failedf" }));
  assert(!w({ result: "error" }));
  assert(w({ result: "success" }));
});

Deno.test("agentHelperConnectionState: a reason only when inactive", () => {
  const w = (data: unknown) =>
    agentHelperConnectionState.writer.safeParse({
      action: "agentHelperConnectionState",
      version: "1.0",
      data,
    })
      .success;
  assert(w({ userID: "u", connectionState: "active" }));
  assert(w({ userID: "u", connectionState: "inactive", resultDesc: "connectionLost" }));
  assert(!w({ userID: "u", connectionState: "active", resultDesc: "connectionLost" }));
  assert(!w({ userID: "u", connectionState: "connecting" }));
});
