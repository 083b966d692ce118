import { assert, assertEquals } from "../testing/assert.ts";
import { parseInbound } from "./catalog.ts";
import { SAMPLE_JWT } from "./samples.ts";
import { agentHelperState, agentOpenConnect } from "./ws2.ts";

const wire = (action: string, data?: unknown) =>
  JSON.stringify(
    data === undefined ? { action, version: "1.0" } : { action, version: "1.0", data },
  );

Deno.test("agentOpenConnect: every field, normalized, unknown ones dropped", () => {
  const parsed = parseInbound(
    "ws2",
    wire("agentOpenConnect", {
      agentServerURI: "wss://as.example.com/ah",
      JWTToken: SAMPLE_JWT,
      userID: "u-1",
      retryDelay: "10",
      screenServer: "rec.example.com:443",
      tenantId: "t",
      sessionId: "s",
      logLevel: "DEBUG",
      browser: "Firefox",
    }),
  );
  assert(parsed.ok && parsed.message.action === "agentOpenConnect");
  assertEquals(parsed.message.data, {
    agentServerURI: "wss://as.example.com/ah",
    JWTToken: SAMPLE_JWT,
    userID: "u-1",
    retryDelay: 10,
    screenServer: "rec.example.com:443",
    tenantId: "t",
    sessionId: "s",
    logLevel: "debug",
  });
});

Deno.test("agentOpenConnect: the four fields of the source; retryDelay may be absent", () => {
  const base = { agentServerURI: "x", JWTToken: "y", userID: "z" };
  assert(parseInbound("ws2", wire("agentOpenConnect", base)).ok);
  for (const key of Object.keys(base)) {
    const { [key]: _, ...rest } = base as Record<string, string>;
    const parsed = parseInbound("ws2", wire("agentOpenConnect", rest));
    assert(!parsed.ok && parsed.reason.startsWith(`data.${key}: missing`), key);
  }
  const retry = parseInbound("ws2", wire("agentHelperConnect", { ...base, retryDelay: 2 }));
  assert(
    retry.ok && retry.message.action === "agentOpenConnect" && retry.message.data.retryDelay === 2,
  );
});

Deno.test("setLogLevel and agentCloseConnect", () => {
  const level = parseInbound("ws2", wire("setLogLevel", { logLevel: 4 }));
  assert(level.ok && level.message.action === "setLogLevel");
  assertEquals(level.message.data.logLevel, "error");
  assert(!parseInbound("ws2", wire("setLogLevel", {})).ok);
  for (const data of [undefined, null, {}, { reason: "logout" }]) {
    const text = JSON.stringify({ action: "agentCloseConnect", version: "1.0", data });
    const close = parseInbound("ws2", text);
    assert(close.ok, text);
    assertEquals(close.message.data, {});
  }
});

Deno.test("agentHelperState: a reason while connecting or inactive, never when active", () => {
  const w = agentHelperState.writer;
  const at = (data: unknown) => w.safeParse({ action: "agentHelperState", version: "1.0", data });
  const base = { userID: "u", versionAgentHelper: "AgentHelper 0.1.0" };
  assert(at({ ...base, connectionState: "active" }).success);
  assert(at({ ...base, connectionState: "connecting", resultDesc: "connectionLost" }).success);
  assert(at({ ...base, connectionState: "inactive", resultDesc: "tokenInvalid" }).success);
  assert(at({ ...base, connectionState: "inactive" }).success);
  assert(!at({ ...base, connectionState: "active", resultDesc: "connectionLost" }).success);
  assert(!at({ ...base, connectionState: "inactive", resultDesc: "somethingElse" }).success);
  assert(!at({ ...base, connectionState: "gone" }).success);
  assert(!at({ userID: "u", connectionState: "active" }).success);
  // A reader (the reference JsSDK) takes reasons it does not know yet.
  const read = agentHelperState.reader.parse({
    action: "agentHelperState",
    version: "1.0",
    data: { ...base, connectionState: "inactive", resultDesc: "newReason" },
  });
  assertEquals(read.data.resultDesc, "newReason");
});

Deno.test("agentOpenConnect's writer (the reference JsSDK) sends retryDelay as a string", () => {
  const data = { agentServerURI: "x", JWTToken: "y", userID: "z" };
  const at = (extra: object) =>
    agentOpenConnect.writer.safeParse({
      action: "agentOpenConnect",
      version: "1.0",
      data: { ...data, ...extra },
    });
  assert(at({ retryDelay: "5" }).success);
  assert(!at({ retryDelay: 5 }).success);
  assert(!at({}).success);
  assert(!at({ retryDelay: "5", extra: 1 }).success);
});
