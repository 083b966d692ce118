import {
  assert,
  assertEquals,
  assertMatch,
  assertNotIncludes,
  assertStringIncludes,
  assertThrows,
} from "../testing/assert.ts";
import {
  buildMessage,
  CATALOG,
  catalogProblems,
  encodeMessage,
  failureReply,
  findEntry,
  getEntry,
  type ParseFailure,
  parseInbound,
  ProtocolWriteError,
} from "./catalog.ts";
import { allSamples, SAMPLE_DATA, SAMPLE_JWT } from "./samples.ts";

const open = (data: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    action: "agentOpenConnect",
    version: "1.0",
    transaction: "t-1",
    data,
    ...extra,
  });
const goodOpen = { agentServerURI: "wss://as.example.com", JWTToken: SAMPLE_JWT, userID: "u-1" };

function refused(channel: "ws2" | "wss3", text: string): ParseFailure {
  const result = parseInbound(channel, text);
  assert(!result.ok, `expected a refusal of ${text.slice(0, 80)}`);
  assert(result.reason.length > 0);
  return result;
}

Deno.test("the catalog is consistent: names unique per channel, replies exist, aliases safe", () => {
  assertEquals(catalogProblems(), []);
  assertEquals(CATALOG.length, 35);
  assertEquals(CATALOG.filter((e) => e.direction === "toHelper").length, 13);
  assertEquals(CATALOG.filter((e) => e.direction === "fromHelper").length, 18);
});

Deno.test("aliases resolve on their channel only", () => {
  assertEquals(findEntry("ws2", "agentHelperConnect")?.name, "agentOpenConnect");
  // On the platform channel agentHelperConnect is its own message, JsSDK → AgentServer.
  assertEquals(
    findEntry("platform", "agentHelperConnect", "agentServer")?.name,
    "agentHelperConnect",
  );
  assertEquals(
    findEntry("platform", "resultGetAgenHelperData", "jsSdk")?.name,
    "resultGetAgentHelperData",
  );
  assertEquals(findEntry("wss3", "agentHelperConnect"), undefined);
  assertEquals(getEntry("wss3", "streamBlob").direction, "fromHelper");
});

Deno.test("parseInbound: not JSON", () => {
  for (const text of ["", "{", "{'action': 1}", `{"JWTToken":"${SAMPLE_JWT}"`]) {
    const f = refused("ws2", text);
    assertEquals(f.kind, "invalidJson");
    assertEquals(f.reason, "the message is not valid JSON");
    assertEquals(f.transaction, undefined);
  }
});

Deno.test("parseInbound: JSON that is not an object", () => {
  assertEquals(refused("ws2", "[]").reason, "expected a JSON object, found an array");
  assertEquals(refused("ws2", "null").reason, "expected a JSON object, found null");
  assertEquals(
    refused("wss3", '"startScreenRecord"').reason,
    "expected a JSON object, found a string",
  );
  assertEquals(refused("wss3", "42").kind, "invalidEnvelope");
});

Deno.test("parseInbound: missing or malformed action", () => {
  const missing = refused("ws2", JSON.stringify({ version: "1.0", transaction: "t-9", data: {} }));
  assertEquals(missing.kind, "invalidEnvelope");
  assertEquals(missing.reason, "action: expected a message name, missing");
  assertEquals(missing.transaction, "t-9");
  const number = refused("ws2", JSON.stringify({ action: 7, version: "1.0" }));
  assertEquals(number.reason, "action: expected a message name, found an integer");
});

Deno.test("parseInbound: unknown action, and a known one sent the wrong way", () => {
  const unknown = refused(
    "wss3",
    JSON.stringify({ action: "startRecording", version: "1.0", transaction: "t-2" }),
  );
  assertEquals(unknown.kind, "unknownAction");
  assertEquals(unknown.action, "startRecording");
  assertEquals(unknown.transaction, "t-2");
  assertStringIncludes(unknown.reason, "unknown action startRecording on wss3");
  assertStringIncludes(unknown.reason, "startScreenRecord");
  const backwards = refused(
    "ws2",
    JSON.stringify({ action: "resultAgentOpenConnect", version: "1.0", data: {} }),
  );
  assertEquals(backwards.kind, "unknownAction");
  assertEquals(
    backwards.reason,
    "action: resultAgentOpenConnect is sent by helper to jsSdk, not to helper",
  );
  // A wss3 command on ws2 is unknown there: a web page cannot start a recording.
  assertEquals(
    refused("ws2", JSON.stringify({ action: "startScreenRecord", version: "1.0", data: {} })).kind,
    "unknownAction",
  );
  // Names that are not name-shaped are neither echoed nor used.
  const odd = refused("ws2", JSON.stringify({ action: "drop table; --", version: "1.0" }));
  assertEquals(odd.reason, "action: not a known message name");
  assertEquals(odd.action, undefined);
});

Deno.test("parseInbound: bad or missing version", () => {
  for (const version of ["2.0", "1", "V1.0", ""]) {
    const f = refused("ws2", open(goodOpen, { version }));
    assertEquals(f.kind, "invalidEnvelope");
    assertEquals(f.reason, 'version: expected "1.0", found another version');
    assertEquals(f.transaction, "t-1");
  }
  assertEquals(
    refused("ws2", open(goodOpen, { version: 1 })).reason,
    'version: expected "1.0", found an integer',
  );
  const missing = JSON.stringify({ action: "setLogLevel", data: { logLevel: "info" } });
  assertEquals(refused("ws2", missing).reason, 'version: expected "1.0", missing');
  assert(parseInbound("ws2", open(goodOpen, { version: "v1.0" })).ok);
});

Deno.test("parseInbound: transaction limits", () => {
  const max = "x".repeat(128);
  const okMax = parseInbound("ws2", open(goodOpen, { transaction: max }));
  assert(okMax.ok && okMax.message.transaction === max);
  const over = refused("ws2", open(goodOpen, { transaction: "x".repeat(129) }));
  assertEquals(over.kind, "invalidEnvelope");
  assertEquals(over.reason, "transaction: expected a string of at most 128 characters");
  assertEquals(over.transaction, undefined);
  assertEquals(over.action, "agentOpenConnect");
  assertEquals(refused("ws2", open(goodOpen, { transaction: 12 })).kind, "invalidEnvelope");
  // null reads as absent (some serializers write absent fields so).
  const nul = parseInbound("ws2", open(goodOpen, { transaction: null }));
  assert(nul.ok && nul.message.transaction === undefined);
});

Deno.test("parseInbound: bad data, each kind of problem", () => {
  const cases: [string, string, string][] = [
    ["ws2", open("not an object"), "data: expected an object, found a string"],
    ["ws2", open([1, 2]), "data: expected an object, found an array"],
    [
      "ws2",
      JSON.stringify({ action: "agentOpenConnect", version: "1.0" }),
      "data: missing, expected an object",
    ],
    ["ws2", open({ ...goodOpen, userID: undefined }), "data.userID: missing, expected a string"],
    ["ws2", open({ ...goodOpen, userID: 42 }), "data.userID: expected a string, found an integer"],
    [
      "ws2",
      open({ ...goodOpen, agentServerURI: "" }),
      "data.agentServerURI: expected at least 1 character",
    ],
    [
      "ws2",
      open({ ...goodOpen, retryDelay: "soon" }),
      "data.retryDelay: expected a number of seconds",
    ],
    [
      "ws2",
      open({ ...goodOpen, retryDelay: "0" }),
      "data.retryDelay: expected a positive number of seconds",
    ],
    ["ws2", open({ ...goodOpen, logLevel: "loud" }), "data.logLevel: expected a log level"],
    [
      "wss3",
      JSON.stringify({
        action: "startScreenRecord",
        version: "1.0",
        data: { segmentId: "../etc" },
      }),
      "data.segmentId: expected 1-128 characters",
    ],
    [
      "wss3",
      JSON.stringify({
        action: "startScreenRecord",
        version: "1.0",
        data: { segmentId: "s", params: { frameRate: 31 } },
      }),
      "data.params.frameRate: expected at most 30",
    ],
    [
      "wss3",
      JSON.stringify({
        action: "startScreenRecord",
        version: "1.0",
        data: { segmentId: "s", params: { frameRate: 2.5 } },
      }),
      "data.params.frameRate: expected an integer, found a number",
    ],
    [
      "wss3",
      JSON.stringify({
        action: "startScreenRecord",
        version: "1.0",
        data: { segmentId: "s", params: { quality: [{ display: 1, crf: 60 }] } },
      }),
      "data.params.quality[0].crf: expected at most 51",
    ],
    [
      "wss3",
      JSON.stringify({
        action: "startScreenRecord",
        version: "1.0",
        data: { segmentId: "s", displays: [0, 0] },
      }),
      "data.displays: display 0 is listed twice",
    ],
    [
      "wss3",
      JSON.stringify({
        action: "startScreenRecord",
        version: "1.0",
        data: { segmentId: "s", displays: [] },
      }),
      "data.displays: expected at least 1 item",
    ],
    [
      "wss3",
      JSON.stringify({
        action: "startStream",
        version: "1.0",
        data: { streamId: "v", display: -1 },
      }),
      "data.display: expected at least 0",
    ],
    [
      "wss3",
      JSON.stringify({ action: "setLogLevel", version: "1.0", data: { logLevel: true } }),
      "data.logLevel: expected a string or a number, found a boolean",
    ],
  ];
  for (const [channel, text, reason] of cases) {
    const f = refused(channel as "ws2" | "wss3", text);
    assert(f.kind === "invalidData" || f.kind === "invalidEnvelope", f.kind);
    assertStringIncludes(f.reason, reason);
  }
  // Several problems: the first three and a count.
  const many = refused("ws2", open({ agentServerURI: 1, JWTToken: 2, userID: 3, tenantId: 4 }));
  assertMatch(many.reason, /; .*; .* \(and 1 more\)$/);
});

Deno.test("a JWT in a refused message never reaches the reason", () => {
  const texts = [
    open({ ...goodOpen, userID: 42 }),
    open({ ...goodOpen, JWTToken: SAMPLE_JWT.repeat(400) }),
    open({ ...goodOpen, JWTToken: { token: SAMPLE_JWT } }),
    open({ ...goodOpen, [SAMPLE_JWT]: SAMPLE_JWT, agentServerURI: 5 }),
    open({ ...goodOpen, logLevel: SAMPLE_JWT }),
    open({ ...goodOpen, retryDelay: SAMPLE_JWT }),
    open(goodOpen, { action: SAMPLE_JWT }),
    open(goodOpen, { action: `x${SAMPLE_JWT}` }),
    open(goodOpen, { version: SAMPLE_JWT }),
    open(goodOpen, { transaction: SAMPLE_JWT.repeat(2) }),
    open(SAMPLE_JWT),
    open(goodOpen).slice(0, -3),
    `{"action":"agentOpenConnect","data":{"JWTToken":"${SAMPLE_JWT}"`,
  ];
  for (const text of texts) {
    const f = refused("ws2", text);
    for (const part of SAMPLE_JWT.split(".")) assertNotIncludes(f.reason, part);
    const reply = JSON.stringify(failureReply("ws2", f));
    for (const part of SAMPLE_JWT.split(".")) assertNotIncludes(reply, part);
  }
});

Deno.test("unknown fields are dropped on read, at every level", () => {
  const text = JSON.stringify({
    action: "startScreenRecord",
    version: "1.0",
    extra: true,
    data: {
      segmentId: "s-1",
      future: 1,
      params: { frameRate: 5, colour: "x", quality: [{ display: 0, hdr: 1 }] },
    },
  });
  const parsed = parseInbound("wss3", text);
  assert(parsed.ok);
  assertEquals(parsed.message, {
    action: "startScreenRecord",
    version: "1.0",
    data: { segmentId: "s-1", params: { frameRate: 5, quality: [{ display: 0 }] } },
  });
});

Deno.test("failureReply answers a recognised request with its own result, anything else with error", () => {
  const bad = refused(
    "wss3",
    JSON.stringify({
      action: "startStream",
      version: "1.0",
      transaction: "t-5",
      data: { display: 0 },
    }),
  );
  assertEquals(failureReply("wss3", bad), {
    action: "resultStartStream",
    version: "1.0",
    transaction: "t-5",
    data: { result: "error", resultDesc: "invalidData: data.streamId: missing, expected a string" },
  });
  const unknown = refused(
    "wss3",
    JSON.stringify({ action: "startRecording", version: "1.0", transaction: "t-6" }),
  );
  const reply = failureReply("wss3", unknown);
  assertEquals(reply.action, "error");
  assertEquals(reply.transaction, "t-6");
  assertEquals((reply.data as { inReplyTo?: string }).inReplyTo, "startRecording");
  assertMatch((reply.data as { resultDesc: string }).resultDesc, /^unknownAction: /);
  const notJson = failureReply("ws2", refused("ws2", "{"));
  assertEquals(notJson, {
    action: "error",
    version: "1.0",
    data: { result: "error", resultDesc: "invalidJson: the message is not valid JSON" },
  });
  // The spec's own alias gets the real reply name.
  const alias = refused(
    "ws2",
    JSON.stringify({ action: "agentHelperConnect", version: "1.0", data: {} }),
  );
  assertEquals(failureReply("ws2", alias).action, "resultAgentOpenConnect");
  // closeRegistration has no reply of its own.
  const close = refused(
    "wss3",
    JSON.stringify({ action: "closeRegistration", version: "1.0", data: { reason: 5 } }),
  );
  assertEquals(failureReply("wss3", close).action, "error");
});

Deno.test("buildMessage writes the clean form in schema order, transaction only when given", () => {
  const text = encodeMessage("wss3", "newRecBatch", {
    part: 2,
    display: 1,
    segmentId: "seg-1",
    fileName: "f.mp4",
    result: "success",
  });
  assertEquals(
    text,
    '{"action":"newRecBatch","version":"1.0","data":{"result":"success","fileName":"f.mp4",' +
      '"segmentId":"seg-1","display":1,"part":2}}',
  );
  const reply = buildMessage("ws2", "resultAgentOpenConnect", { result: "success" }, "t-7");
  assertEquals(reply, {
    action: "resultAgentOpenConnect",
    version: "1.0",
    transaction: "t-7",
    data: { result: "success" },
  });
  const sdk = buildMessage("ws2", "agentOpenConnect", SAMPLE_DATA["ws2.agentOpenConnect"]);
  assertEquals(sdk.data.retryDelay, "5");
});

Deno.test("buildMessage refuses what the strict writer refuses, without echoing values", () => {
  const e = assertThrows(
    () => buildMessage("ws2", "resultAgentOpenConnect", { result: "error", resultDesc: "" }),
    ProtocolWriteError,
  );
  assertStringIncludes(e.message, "ws2 resultAgentOpenConnect: data.resultDesc");
  // Extra fields and success-with-reason cannot be written, even past the types.
  assertThrows(
    () => buildMessage("ws2", "resultSetLogLevel", { result: "success", resultDesc: "x" } as never),
    ProtocolWriteError,
  );
  assertThrows(
    () => buildMessage("wss3", "streamBlob", { payload: "not base64!", streamId: "v", seq: 0 }),
    ProtocolWriteError,
  );
  const leaky = assertThrows(() =>
    buildMessage("platform", "resultGetAgentHelperData", {
      result: "success",
      agentHelperURI: "ws://127.0.0.1:1",
      agentServerURI: "wss://x",
      screenServer: "r:1",
      JWTToken: SAMPLE_JWT,
      retryDelay: "0",
    }), ProtocolWriteError);
  assertNotIncludes(leaky.message, SAMPLE_JWT);
  assertThrows(
    () => buildMessage("ws2", "resultSetLogLevel", { result: "success" }, "x".repeat(129)),
    ProtocolWriteError,
  );
});

Deno.test("the types forbid a forgotten or misplaced resultDesc", () => {
  // Compile-time checks; the calls never run.
  const never = () => {
    // @ts-expect-error resultDesc is required on error
    buildMessage("wss3", "resultStartScreenRecord", { result: "error" });
    // @ts-expect-error resultDesc is not allowed on success
    buildMessage("wss3", "resultStartScreenRecord", { result: "success", resultDesc: "x" });
    buildMessage("ws2", "agentHelperState", {
      userID: "u",
      connectionState: "active",
      // @ts-expect-error a reason is never sent with active
      resultDesc: "connectionLost",
      versionAgentHelper: "v",
    });
    // @ts-expect-error the helper never writes an unknown message
    buildMessage("ws2", "startScreenRecord", {});
  };
  assert(typeof never === "function");
});

Deno.test("the parsed message is typed by action", () => {
  const parsed = parseInbound("ws2", open({ ...goodOpen, retryDelay: "2.5", logLevel: "WARN" }));
  assert(parsed.ok);
  const m = parsed.message;
  if (m.action !== "agentOpenConnect") throw new Error("expected agentOpenConnect");
  const seconds: number | undefined = m.data.retryDelay;
  assertEquals(seconds, 2.5);
  assertEquals(m.data.logLevel, "warning");
});

Deno.test("every message, written and read back by its receiver, comes back the same", () => {
  for (const { entry, message } of allSamples()) {
    const parsed = parseInbound(entry.channel, JSON.stringify(message), entry.to);
    assert(parsed.ok, `${entry.channel}.${entry.name}: ${parsed.ok ? "" : parsed.reason}`);
    // The one field read differently from how it is written: retryDelay, a string of seconds.
    const data = message.data as Record<string, unknown>;
    const expected = typeof data.retryDelay === "string"
      ? { ...message, data: { ...data, retryDelay: Number(data.retryDelay) } }
      : message;
    assertEquals(parsed.message, expected, `${entry.channel}.${entry.name}`);
  }
});
