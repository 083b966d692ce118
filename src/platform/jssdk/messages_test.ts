/**
 * The JsSDK's hand-written messages against the zod catalog of src/protocol: what it writes is
 * exactly what the catalog's writer produces (so the helper and AgentServer accept it), and it
 * reads every message the catalog says the JsSDK can receive, including the source's defects.
 */
import { encodeMessage, parseInbound } from "../../protocol/catalog.ts";
import { allSamples, SAMPLE_JWT } from "../../protocol/samples.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import {
  agentCloseConnect,
  agentHelperConnect,
  agentOpenConnect,
  getAgentHelperData,
  normalizeRetryDelay,
  readInbound,
  setLogLevel,
} from "./messages.ts";

const json = (text: string): unknown => JSON.parse(text);

Deno.test("jssdk messages: what the JsSDK writes equals the catalog's clean form and is accepted", () => {
  assertEquals(
    json(getAgentHelperData("t1")),
    json(encodeMessage("platform", "getAgentHelperData", {}, "t1")),
  );
  assert(parseInbound("platform", getAgentHelperData("t1"), "agentServer").ok);

  for (
    const report of [
      { result: "success" },
      { result: "error", resultDesc: "AgentHelper not found" },
      { result: "error", resultDesc: "connection failed" },
      { result: "error", resultDesc: "invalid token" },
    ] as const
  ) {
    assertEquals(
      json(agentHelperConnect(report)),
      json(encodeMessage("platform", "agentHelperConnect", report)),
    );
    assert(parseInbound("platform", agentHelperConnect(report), "agentServer").ok);
  }

  const minimal = {
    agentServerURI: "wss://as.example.com/wss3",
    JWTToken: SAMPLE_JWT,
    userID: "u-1",
    retryDelay: "5",
  };
  assertEquals(
    json(agentOpenConnect(minimal, "t2")),
    json(encodeMessage("ws2", "agentOpenConnect", minimal, "t2")),
  );
  const full = {
    ...minimal,
    screenServer: "recorder.example.com:443",
    tenantId: "tenant-1",
    sessionId: "s-1",
    logLevel: "debug",
  } as const;
  assertEquals(
    json(agentOpenConnect(full, "t3")),
    json(encodeMessage("ws2", "agentOpenConnect", full, "t3")),
  );
  // Options left undefined are left out, not written as null.
  assertEquals(
    json(agentOpenConnect({ ...minimal, screenServer: undefined }, "t2")),
    json(agentOpenConnect(minimal, "t2")),
  );
  assert(parseInbound("ws2", agentOpenConnect(full, "t3")).ok);

  assertEquals(
    json(agentCloseConnect("t4")),
    json(encodeMessage("ws2", "agentCloseConnect", {}, "t4")),
  );
  assertEquals(
    json(setLogLevel("warning", "t5")),
    json(encodeMessage("ws2", "setLogLevel", { logLevel: "warning" }, "t5")),
  );
});

Deno.test("jssdk messages: every catalog sample addressed to the JsSDK is read", () => {
  const toJsSdk = allSamples().filter((s) => s.entry.to === "jsSdk");
  assert(toJsSdk.length >= 7, "the catalog has the JsSDK's messages");
  for (const { entry, message } of toJsSdk) {
    const read = readInbound(JSON.stringify(message));
    assert(read.action !== "unreadable", `${entry.channel}.${entry.name}: ${JSON.stringify(read)}`);
  }
});

Deno.test("jssdk messages: resultGetAgentHelperData in clean and defective forms", () => {
  const clean = encodeMessage("platform", "resultGetAgentHelperData", {
    result: "success",
    agentHelperURI: "ws://127.0.0.1:41770/",
    agentServerURI: "wss://as.example.com/wss3",
    screenServer: "recorder.example.com:443",
    JWTToken: SAMPLE_JWT,
    retryDelay: "5",
  }, "tx");
  assertEquals(readInbound(clean), {
    action: "resultGetAgentHelperData",
    transaction: "tx",
    data: {
      agentHelperURI: "ws://127.0.0.1:41770/",
      agentServerURI: "wss://as.example.com/wss3",
      screenServer: "recorder.example.com:443",
      JWTToken: SAMPLE_JWT,
      retryDelay: "5",
    },
  });
  // v1: misspelt action, "v1.0", "succes", no retryDelay and no screenServer.
  const v1 = JSON.stringify({
    action: "resultGetAgenHelperData",
    version: "v1.0",
    data: {
      result: "succes",
      agentHelperURI: "ws://127.0.0.1:41770/",
      agentServerURI: "wss://as.example.com/wss3",
      JWTToken: "t",
    },
  });
  assertEquals(readInbound(v1, "7"), {
    action: "resultGetAgentHelperData",
    data: {
      agentHelperURI: "ws://127.0.0.1:41770/",
      agentServerURI: "wss://as.example.com/wss3",
      JWTToken: "t",
      retryDelay: "7",
    },
  });
  const numeric = JSON.parse(clean);
  numeric.data.retryDelay = 2.5;
  const read = readInbound(JSON.stringify(numeric));
  assert(read.action === "resultGetAgentHelperData");
  assertEquals(read.data.retryDelay, "2.5");

  const refused = encodeMessage("platform", "resultGetAgentHelperData", {
    result: "error",
    resultDesc: "no token for you",
  }, "tx");
  assertEquals(readInbound(refused), {
    action: "resultGetAgentHelperDataError",
    transaction: "tx",
    resultDesc: "no token for you",
  });
  // A success without the token cannot be acted on.
  const noToken = JSON.parse(clean);
  delete noToken.data.JWTToken;
  assertEquals(readInbound(JSON.stringify(noToken)).action, "unreadable");
});

Deno.test("jssdk messages: states, results and refusals", () => {
  assertEquals(
    readInbound(JSON.stringify({
      action: "agentHelperState",
      version: "1.0",
      data: {
        userID: "u",
        connectionState: "inactive",
        resultDesc: "tokenInvalid",
        versionAgentHelper: "AgentHelper 0.1.0",
      },
    })),
    {
      action: "agentHelperState",
      data: {
        userID: "u",
        connectionState: "inactive",
        resultDesc: "tokenInvalid",
        versionAgentHelper: "AgentHelper 0.1.0",
      },
    },
  );
  // The platform's state has no "connecting".
  assertEquals(
    readInbound(JSON.stringify({
      action: "agentHelperConnectionState",
      version: "1.0",
      data: { userID: "u", connectionState: "connecting" },
    })).action,
    "unreadable",
  );
  assertEquals(
    readInbound(JSON.stringify({
      action: "resultAgentOpetConnect",
      version: "1.0",
      transaction: "x",
      data: { result: "error", resultDesc: "nope" },
    })),
    {
      action: "resultAgentOpenConnect",
      transaction: "x",
      data: { result: "error", resultDesc: "nope" },
    },
  );
  for (
    const bad of [
      "{",
      "[]",
      JSON.stringify({ action: "agentHelperState", data: {} }),
      JSON.stringify({ action: "formatDisk", version: "1.0", data: {} }),
      JSON.stringify({ action: 42, version: "1.0" }),
      JSON.stringify({ action: "resultAgentOpenConnect", version: "1.0", data: { result: "ok" } }),
    ]
  ) {
    const read = readInbound(bad);
    assertEquals(read.action, "unreadable", bad);
  }
  // A refusal never quotes what it refused.
  const secret = readInbound(JSON.stringify({ action: SAMPLE_JWT, version: "1.0" }));
  assert(secret.action === "unreadable");
  assert(!secret.reason.includes(SAMPLE_JWT.slice(0, 20)));
});

Deno.test("jssdk messages: retryDelay is a positive number of seconds", () => {
  assertEquals(normalizeRetryDelay("5"), "5");
  assertEquals(normalizeRetryDelay(" 10 "), "10");
  assertEquals(normalizeRetryDelay(0.5), "0.5");
  for (const bad of ["0", "-1", "five", "", 0, -3, Number.NaN, null]) {
    assertEquals(normalizeRetryDelay(bad), undefined, String(bad));
  }
});
