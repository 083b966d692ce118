/**
 * Test support for the reference AgentServer's own tests (and anyone else's): one test PKI per
 * process, a server started on it and always stopped, and a client that plays the helper on
 * wss3 or the JsSDK on wss1 with the right CA and token.
 */
import { makeTestPki, type TestPki } from "../pki/test_pki.ts";
import {
  type ReferenceAgentServer,
  type ReferenceAgentServerDeps,
  type ReferenceAgentServerOptions,
  startReferenceAgentServer,
} from "./server.ts";
import { openWsClient, type WsClient } from "./test_ws_client.ts";

let pki: Promise<TestPki> | undefined;

/** A PKI for localhost and 127.0.0.1, made once per process. */
export function sharedTestPki(): Promise<TestPki> {
  pki ??= makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  return pki;
}

export type ServerOverrides = Partial<Omit<ReferenceAgentServerOptions, "cert" | "key">>;

/** Starts a reference AgentServer on the shared PKI. */
export async function startTestServer(
  overrides: ServerOverrides = {},
  deps: ReferenceAgentServerDeps = {},
): Promise<{ server: ReferenceAgentServer; pki: TestPki }> {
  const keys = await sharedTestPki();
  const server = startReferenceAgentServer(deps, {
    cert: keys.certPem,
    key: keys.keyPem,
    ...overrides,
  });
  return { server, pki: keys };
}

/** Runs `body` with a fresh server and stops the server whatever happens. */
export async function withServer(
  body: (server: ReferenceAgentServer, pki: TestPki) => Promise<void>,
  overrides: ServerOverrides = {},
  deps: ReferenceAgentServerDeps = {},
): Promise<void> {
  const { server, pki } = await startTestServer(overrides, deps);
  try {
    await body(server, pki);
  } finally {
    await server.stop();
  }
}

/** Connects to wss3 as the helper with `token`; throws with the status when refused. */
export async function connectHelper(
  server: ReferenceAgentServer,
  token: string,
): Promise<WsClient> {
  const opened = await openWsClient(server.wss3Url, {
    ca: (await sharedTestPki()).caPem,
    token,
  });
  if (!opened.ok) {
    throw new Error(`wss3 refused: ${opened.status ?? opened.error ?? "unknown"}`);
  }
  return opened.client;
}

/** Connects to wss3 with `token` and returns the HTTP status of the refusal (0 if it opened). */
export async function helperUpgradeStatus(
  server: ReferenceAgentServer,
  token: string | undefined,
): Promise<number> {
  const opened = await openWsClient(server.wss3Url, {
    ca: (await sharedTestPki()).caPem,
    ...(token === undefined ? {} : { token }),
  });
  if (opened.ok) {
    await opened.client.close(1000);
    return 0;
  }
  if (opened.status === undefined) throw new Error(`wss3 failed: ${opened.error}`);
  return opened.status;
}

/** Connects to wss1 as the JsSDK of `userID` (none: no userID in the URL). */
export async function connectJsSdk(
  server: ReferenceAgentServer,
  userID: string | undefined,
): Promise<WsClient> {
  const url = userID === undefined
    ? server.wss1Url
    : `${server.wss1Url}?userID=${encodeURIComponent(userID)}`;
  const opened = await openWsClient(url, { ca: (await sharedTestPki()).caPem });
  if (!opened.ok) throw new Error(`wss1 refused: ${opened.status ?? opened.error ?? "unknown"}`);
  return opened.client;
}

/** The helper's side of a command: answers the next `action` with `result`. */
export async function answerNext(
  helper: WsClient,
  action: string,
  replyAction: string,
  data: Record<string, unknown> = { result: "success" },
): Promise<string> {
  const request = await helper.waitForAction(action);
  const transaction = String(request.json?.transaction);
  helper.send({ action: replyAction, version: "1.0", transaction, data });
  return transaction;
}
