/**
 * The reference AgentServer: the platform side the helper registers with, for tests and the
 * demo (DESIGN.md §1). One TLS server (`Deno.serve`) holds wss3 (the helper, JWT on the
 * upgrade), wss1 (the JsSDK's operator session) and a key-protected JSON console, and the
 * returned handle lets a test drive it: issue / revoke / reject tokens, send commands and read
 * the replies, close or drop a registration, and wait on recorded messages and state changes
 * instead of sleeping. Never imported by the agent.
 *
 * The live view (src/platform/live_view): helpers' streamBlobs fanned out to supervisors'
 * browsers at `/live/<userID>/<streamId>`, the supervisor's page at `/live-view`, and
 * startLiveView / stopLiveView / liveStreams on the handle.
 *
 * Stopping closes every socket and the listener, so a new server can be started on the same
 * port to play an AgentServer restart; pass the same `tokenSecret` to both when the helper's
 * token should stay valid across it (revocations do not carry over).
 */
import { type Clock, systemClock } from "../../clock/clock.ts";
import type { WriteData } from "../../protocol/catalog.ts";
import { createConsoleApp } from "./console.ts";
import {
  HelperRegistry,
  type HelperState,
  type HelperView,
  type InactiveReason,
  type StateChange,
} from "./helpers.ts";
import { createTokenAuthority } from "./jwt.ts";
import { type AgsLogSink, toAgsLog } from "./log.ts";
import { MessageLog, type RecordedMessage } from "./message_log.ts";
import { type HelperReply, PendingCommands } from "./pending.ts";
import { createWss1Endpoint } from "./wss1.ts";
import { CLOSE_SERVICE_RESTART, createWss3Endpoint, type HelperCommand } from "./wss3.ts";
import { toHex } from "../../util/hex.ts";
import type { LiveHubOptions } from "../live_view/types.ts";
import { createLiveViewService, type LiveViewApi } from "../live_view/service.ts";

export interface ReferenceAgentServerDeps {
  /** Stamps records, checks token expiry, times command replies and close graces. */
  readonly clock?: Clock;
  /** A LogTape logger or a callback; quiet when absent. Never given a token. */
  readonly log?: AgsLogSink;
}

export interface ReferenceAgentServerOptions {
  /** Server certificate (PEM) and its PKCS#8 key, e.g. from makeTestPki. */
  readonly cert: string;
  readonly key: string;
  /** Address to listen on (default 127.0.0.1). */
  readonly hostname?: string;
  /** Port (default 0: a free one). */
  readonly port?: number;
  /** Host name in the URLs handed out (default "localhost"; must be in the certificate). */
  readonly publicHost?: string;
  /** Lifetime of issued tokens, seconds (default 3600). */
  readonly tokenTtlSec?: number;
  /** HS256 secret (default: random per start). */
  readonly tokenSecret?: Uint8Array;
  /** agentHelperURI of resultGetAgentHelperData (default "ws://127.0.0.1:41770/"). */
  readonly agentHelperURI?: string;
  /** screenServer of resultGetAgentHelperData (default "localhost:50051"). */
  readonly screenServer?: string;
  /** retryDelay of resultGetAgentHelperData, seconds (default "5"). */
  readonly retryDelay?: string | number;
  /** Grace for the helper to close by itself after closeRegistration, ms (default 2000). */
  readonly closeGraceMs?: number;
  /** Default wait for a command's reply, ms (default 10000). */
  readonly commandTimeoutMs?: number;
  /** Larger wss3 text frames close the connection with 1009 (default 32 MiB). */
  readonly maxMessageBytes?: number;
  /** Recorded messages kept (default 10000, oldest dropped). */
  readonly maxRecordedMessages?: number;
  /** The console key (default: random per start). */
  readonly consoleKey?: string;
  /** Revoke a user's tokens when their wss3 registration ends (default false). */
  readonly revokeOnClose?: boolean;
  /** How long stop() waits for sockets to finish closing, ms (default 2000). */
  readonly stopWaitMs?: number;
  /** The live view's caps (streams, viewers, the late joiners' buffer, slow viewers). */
  readonly liveView?: LiveHubOptions;
}

export interface SendCommandOptions {
  /** Default: the server's commandTimeoutMs. */
  readonly timeoutMs?: number;
}

export interface ReferenceAgentServer extends LiveViewApi {
  readonly hostname: string;
  readonly port: number;
  /** `wss://<publicHost>:<port>/wss1` (append `?userID=<id>`). */
  readonly wss1Url: string;
  /** `wss://<publicHost>:<port>/wss3`: the agentServerURI handed out. */
  readonly wss3Url: string;
  /** `https://<publicHost>:<port>/console` */
  readonly consoleUrl: string;
  /** Send it as `x-console-key` to use the console. */
  readonly consoleKey: string;

  issueToken(userID: string): Promise<string>;
  /** Refuses the user's (everyone's) tokens from now on and closes their wss3 with 4401. */
  revokeTokens(userID?: string): void;
  /** While on, every token is refused at the upgrade and getAgentHelperData answers error. */
  rejectTokens(on: boolean): void;

  /** Sends a command with a fresh transaction; resolves with the helper's reply to it. */
  sendCommand<A extends HelperCommand>(
    userID: string,
    action: A,
    data: WriteData<"wss3", A>,
    options?: SendCommandOptions,
  ): Promise<HelperReply>;
  /** The same with data checked only at run time (by the message's writer); for the console. */
  sendCommandUnchecked(
    userID: string,
    action: HelperCommand,
    data: unknown,
    options?: SendCommandOptions,
  ): Promise<HelperReply>;
  /** Sends any text to the user's helper (fuzzing); throws CommandError when not connected. */
  sendRaw(userID: string, text: string): void;
  /**
   * Sends closeRegistration and closes the socket after the grace unless the helper closes it
   * first; resolves once closed. The helper ends `inactive` / `closedByServer`.
   */
  closeRegistration(userID: string, reason?: string): Promise<void>;
  /** Closes the user's wss3 at once with `code` (default 1012); false if none was open. */
  drop(userID: string, code?: number): boolean;

  helper(userID: string): HelperView | undefined;
  helpers(): HelperView[];
  /** Whether the user's helper has an open wss3 connection now. */
  isConnected(userID: string): boolean;
  /** Open wss1 connections of `userID` (of everyone when absent). */
  wss1Connections(userID?: string): number;

  /** Every recorded message, oldest first (bounded by maxRecordedMessages). */
  readonly messages: readonly RecordedMessage[];
  /** Sequence number of the last recorded message: wait for `m.seq > mark` after an action. */
  readonly lastMessageSeq: number;
  waitForMessage(
    predicate: (m: RecordedMessage) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedMessage>;
  /** Every registration state change, oldest first. */
  readonly stateChanges: readonly StateChange[];
  waitForStateChange(
    predicate: (c: StateChange) => boolean,
    timeoutMs?: number,
  ): Promise<StateChange>;
  /** The first change (recorded or to come) of `userID` to `state`, with `resultDesc` if given. */
  waitForState(
    userID: string,
    state: HelperState,
    resultDesc?: InactiveReason,
    timeoutMs?: number,
  ): Promise<StateChange>;
  onStateChange(listener: (change: StateChange) => void): () => void;

  /** Closes every socket and the listener; idempotent. */
  stop(): Promise<void>;
}

function randomKey(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(24)));
}

export function startReferenceAgentServer(
  deps: ReferenceAgentServerDeps,
  options: ReferenceAgentServerOptions,
): ReferenceAgentServer {
  const clock = deps.clock ?? systemClock;
  const log = toAgsLog(deps.log);
  const hostname = options.hostname ?? "127.0.0.1";
  const publicHost = options.publicHost ?? "localhost";
  const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
  const stopWaitMs = options.stopWaitMs ?? 2000;
  const consoleKey = options.consoleKey ?? randomKey();
  const retryDelay = String(options.retryDelay ?? "5");

  const tokens = createTokenAuthority({ clock }, {
    ...(options.tokenTtlSec === undefined ? {} : { ttlSec: options.tokenTtlSec }),
    ...(options.tokenSecret === undefined ? {} : { secret: options.tokenSecret }),
  });
  const helpers = new HelperRegistry(clock);
  const messages = new MessageLog(clock, options.maxRecordedMessages ?? 10_000);
  const pending = new PendingCommands(clock);
  let connectionIds = 0;
  const nextConnectionId = () => ++connectionIds;

  const wss3 = createWss3Endpoint(
    {
      clock,
      log,
      tokens,
      helpers,
      messages,
      pending,
      nextConnectionId,
      onStreamBlob: (userID, data) => live.blob(userID, data),
      onHelperGone: (userID, reason) => live.helperGone(userID, reason),
    },
    {
      closeGraceMs: options.closeGraceMs ?? 2000,
      maxMessageBytes: options.maxMessageBytes ?? 32 * 1024 * 1024,
      revokeOnClose: options.revokeOnClose ?? false,
    },
  );
  let wss3Url = "";
  const wss1 = createWss1Endpoint(
    { log, tokens, helpers, messages, nextConnectionId },
    {
      agentHelperURI: options.agentHelperURI ?? "ws://127.0.0.1:41770/",
      agentServerURI: () => wss3Url,
      screenServer: options.screenServer ?? "localhost:50051",
      retryDelay,
    },
  );
  const unsubscribe = helpers.changes.subscribe((change) => wss1.pushState(change));
  const live = createLiveViewService({
    clock,
    log,
    consoleKey,
    sendCommand: (userID, action, data, opts) =>
      handle.sendCommandUnchecked(userID, action, data, opts),
    origin: () => origin,
  }, options.liveView);

  const route = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path === "/wss3") return await wss3.handle(request);
    if (path === "/wss1") return wss1.handle(request);
    if (path === "/console" || path.startsWith("/console/")) return await consoleApp.fetch(request);
    if (live.owns(path)) return live.handle(request);
    return new Response("not found\n", { status: 404 });
  };

  const server = Deno.serve({
    hostname,
    port: options.port ?? 0,
    cert: options.cert,
    key: options.key,
    onListen: () => {},
    onError: (error) => {
      log("error", "request failed: {error}", { error });
      return new Response("internal error\n", { status: 500 });
    },
  }, route);
  const port = server.addr.port;
  const origin = `${publicHost}:${port}`;
  wss3Url = `wss://${origin}/wss3`;
  log("info", "reference AgentServer listening on {hostname}:{port}", { hostname, port });

  let stopping: Promise<void> | undefined;

  const handle: ReferenceAgentServer = {
    hostname,
    port,
    wss1Url: `wss://${origin}/wss1`,
    wss3Url,
    consoleUrl: `https://${origin}/console`,
    consoleKey,

    issueToken: (userID) => tokens.issue(userID),
    revokeTokens(userID) {
      tokens.revoke(userID);
      wss3.closeRevoked(userID);
      log("info", "tokens revoked for {userID}", { userID: userID ?? "everyone" });
    },
    rejectTokens(on) {
      tokens.setRejectAll(on);
      log("info", "rejecting every token: {on}", { on });
    },

    sendCommand(userID, action, data, opts = {}) {
      return live.observeCommand(
        userID,
        action,
        data,
        () => wss3.sendCommand(userID, action, data, opts.timeoutMs ?? commandTimeoutMs),
      );
    },
    sendCommandUnchecked(userID, action, data, opts = {}) {
      return live.observeCommand(
        userID,
        action,
        data,
        () => wss3.sendCommand(userID, action, data as never, opts.timeoutMs ?? commandTimeoutMs),
      );
    },
    ...live.api,
    sendRaw: (userID, text) => wss3.sendRaw(userID, text),
    closeRegistration: (userID, reason) => wss3.closeRegistration(userID, reason),
    drop: (userID, code = CLOSE_SERVICE_RESTART) => wss3.drop(userID, code),

    helper: (userID) => helpers.view(userID),
    helpers: () => helpers.all(),
    isConnected: (userID) => wss3.isConnected(userID),
    wss1Connections: (userID) => wss1.connections(userID),

    get messages() {
      return messages.records.items;
    },
    get lastMessageSeq() {
      return messages.lastSeq;
    },
    waitForMessage: (predicate, timeoutMs = 5000) =>
      messages.records.waitFor(predicate, timeoutMs, "message"),
    get stateChanges() {
      return helpers.changes.items;
    },
    waitForStateChange: (predicate, timeoutMs = 5000) =>
      helpers.changes.waitFor(predicate, timeoutMs, "state change"),
    waitForState: (userID, state, resultDesc, timeoutMs = 5000) =>
      helpers.changes.waitFor(
        (c) =>
          c.userID === userID && c.state === state &&
          (resultDesc === undefined || c.resultDesc === resultDesc),
        timeoutMs,
        `state change of ${userID} to ${state}${
          resultDesc === undefined ? "" : ` (${resultDesc})`
        }`,
      ),
    onStateChange: (listener) => helpers.changes.subscribe(listener),

    stop() {
      stopping ??= (async () => {
        await Promise.all([
          live.stop(stopWaitMs),
          wss3.closeAll(stopWaitMs),
          wss1.closeAll(stopWaitMs),
        ]);
        unsubscribe();
        messages.records.cancelWaits("the reference AgentServer stopped");
        helpers.changes.cancelWaits("the reference AgentServer stopped");
        await server.shutdown();
        log("info", "reference AgentServer on port {port} stopped", { port });
      })();
      return stopping;
    },
  };
  // Requests reach `route` only after this function has returned: no use before definition.
  const consoleApp = createConsoleApp(handle, consoleKey);
  return handle;
}
