/**
 * The reference AgentServer's wss3 endpoint: where the helper registers (PROTOCOL.md §3 steps
 * 8-11, DESIGN.md §3). The upgrade needs `Authorization: Bearer <JWT>`; a missing, invalid,
 * expired, revoked or rejected token gets HTTP 401 and no upgrade. The user is the token's
 * `sub`, and the helper counts as `active` as soon as the upgraded socket opens (the valid
 * token is the registration; `agentHelperInfo` then fills in its facts whenever it comes). One
 * helper connection per user: a new one replaces the old (closed 4409). Every inbound text
 * frame is read with the catalog and recorded, refused ones too; AgentServer sends nothing back
 * for a refused one (wss3 has no error message towards the helper). A `streamBlob` is recorded
 * without its payload (its length instead) and handed to the live view's fan-out.
 */
import type { Clock, TimerId } from "../../clock/clock.ts";
import {
  buildMessage,
  failureDescription,
  findEntry,
  type MessageName,
  parseInbound,
  type ReadMessage,
  type WriteData,
} from "../../protocol/catalog.ts";
import type { HelperRegistry, InactiveReason } from "./helpers.ts";
import type { TokenAuthority } from "./jwt.ts";
import type { AgsLog } from "./log.ts";
import type { AnyMessage, MessageLog } from "./message_log.ts";
import { CommandError, type HelperReply, type PendingCommands } from "./pending.ts";

export const CLOSE_TOKEN_INVALID = 4401;
export const CLOSE_REPLACED = 4409;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_SERVICE_RESTART = 1012;

/** Every message AgentServer may send the helper on wss3. */
export type ServerToHelper = Extract<
  MessageName<"wss3">,
  | "startScreenRecord"
  | "restartScreenRecord"
  | "stopScreenRecord"
  | "pauseScreenRecord"
  | "resumeScreenRecord"
  | "startStream"
  | "stopStream"
  | "setLogLevel"
  | "getDisplayInfo"
  | "closeRegistration"
>;
/** The commands answered by a reply (closeRegistration is not: see `closeRegistration`). */
export type HelperCommand = Exclude<ServerToHelper, "closeRegistration">;

export const HELPER_COMMANDS: readonly HelperCommand[] = [
  "startScreenRecord",
  "restartScreenRecord",
  "stopScreenRecord",
  "pauseScreenRecord",
  "resumeScreenRecord",
  "startStream",
  "stopStream",
  "setLogLevel",
  "getDisplayInfo",
];

export interface Wss3Deps {
  readonly clock: Clock;
  readonly log: AgsLog;
  readonly tokens: TokenAuthority;
  readonly helpers: HelperRegistry;
  readonly messages: MessageLog;
  readonly pending: PendingCommands;
  readonly nextConnectionId: () => number;
  /** A streamBlob from a user's current connection (the live view's fan-out). */
  readonly onStreamBlob?: (userID: string, data: StreamBlobData) => void;
  /** The user's current connection closed, or a new one replaced it. */
  readonly onHelperGone?: (
    userID: string,
    reason: "helperDisconnected" | "helperReconnected",
  ) => void;
}

type StreamBlobData = ReadMessage<"wss3", "streamBlob">["data"];

export interface Wss3Options {
  /** How long the helper has to close by itself after closeRegistration. */
  readonly closeGraceMs: number;
  /** Larger text frames close the connection with 1009. */
  readonly maxMessageBytes: number;
  /** Revoke the user's tokens whenever their registration ends (the source's design table). */
  readonly revokeOnClose: boolean;
}

interface Connection {
  readonly id: number;
  readonly userID: string;
  readonly socket: WebSocket;
  /** Set by whoever closes it on purpose, so the close handler reports the right reason. */
  closeReason?: InactiveReason;
  graceTimer?: TimerId;
  readonly closed: Promise<void>;
  readonly markClosed: () => void;
}

export interface Wss3Endpoint {
  handle(request: Request): Promise<Response>;
  isConnected(userID: string): boolean;
  sendCommand<A extends HelperCommand>(
    userID: string,
    action: A,
    data: WriteData<"wss3", A>,
    timeoutMs: number,
  ): Promise<HelperReply>;
  sendRaw(userID: string, text: string): void;
  closeRegistration(userID: string, reason?: string): Promise<void>;
  drop(userID: string, code: number): boolean;
  /** Closes with 4401 every connection of `userID` (of everyone when absent). */
  closeRevoked(userID?: string): void;
  /** Closes everything with 1001; resolves when closed or after `waitMs`. */
  closeAll(waitMs: number): Promise<void>;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | null): string | undefined {
  const match = header?.match(/^\s*Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

const encoder = new TextEncoder();

/** A refused streamBlob's text for the log: its start and its length, not megabytes. */
function clip(text: string): string {
  return text.length <= 512 ? text : `${text.slice(0, 256)}… (${text.length} characters)`;
}

export function createWss3Endpoint(deps: Wss3Deps, options: Wss3Options): Wss3Endpoint {
  const current = new Map<string, Connection>();
  const open = new Set<Connection>();
  const { log, messages } = deps;

  const recordOut = (conn: Connection, raw: string, message?: AnyMessage) => {
    messages.add({
      channel: "wss3",
      direction: "out",
      userID: conn.userID,
      connectionId: conn.id,
      raw,
      ...(message === undefined ? {} : { action: message.action, message }),
    });
  };

  const liveConnection = (userID: string): Connection => {
    const conn = current.get(userID);
    if (conn === undefined || conn.socket.readyState !== WebSocket.OPEN) {
      throw new CommandError("notConnected", `no helper connected for user ${userID}`);
    }
    return conn;
  };

  const onText = (conn: Connection, text: string) => {
    const parsed = parseInbound("wss3", text, "agentServer");
    if (!parsed.ok) {
      messages.addInbound("wss3", conn, parsed.action === "streamBlob" ? clip(text) : text, parsed);
      log("warning", "wss3 #{id} ({userID}): refused a message: {kind}: {reason}", {
        id: conn.id,
        userID: conn.userID,
        kind: parsed.kind,
        reason: parsed.reason,
      });
      if (parsed.transaction !== undefined && deps.pending.has(parsed.transaction)) {
        deps.pending.fail(parsed.transaction, "invalidReply", failureDescription(parsed));
      }
      return;
    }
    const message = parsed.message;
    if (message.action === "streamBlob") {
      // Video: the log keeps what it was, not its bytes (up to a MiB a blob, many a second).
      const { payload, ...rest } = message.data;
      const summary = { ...message, data: { ...rest, payloadChars: payload.length } };
      messages.addInbound("wss3", conn, JSON.stringify(summary), { ok: true, message: summary });
      if (current.get(conn.userID) === conn) deps.onStreamBlob?.(conn.userID, message.data);
      return;
    }
    messages.addInbound("wss3", conn, text, { ok: true, message });
    log("debug", "wss3 #{id} ({userID}): {action}", {
      id: conn.id,
      userID: conn.userID,
      action: message.action,
    });
    if (message.action === "agentHelperInfo" && current.get(conn.userID) === conn) {
      deps.helpers.setInfo(conn.userID, message.data);
    }
    deps.pending.resolve(message);
  };

  const onClose = (conn: Connection, code: number) => {
    open.delete(conn);
    if (conn.graceTimer !== undefined) deps.clock.clearTimeout(conn.graceTimer);
    deps.pending.failAll("connectionClosed", `connection closed (${code})`, conn.id);
    conn.markClosed();
    if (current.get(conn.userID) !== conn) {
      log("info", "wss3 #{id} ({userID}) closed ({code}), already replaced", {
        id: conn.id,
        userID: conn.userID,
        code,
      });
      return;
    }
    current.delete(conn.userID);
    const reason = conn.closeReason ?? (code === 1000 ? "closedByClient" : "connectionLost");
    log("info", "wss3 #{id} ({userID}) closed ({code}): {reason}", {
      id: conn.id,
      userID: conn.userID,
      code,
      reason,
    });
    if (options.revokeOnClose) deps.tokens.revoke(conn.userID);
    deps.onHelperGone?.(conn.userID, "helperDisconnected");
    deps.helpers.disconnected(conn.userID, reason);
  };

  const onOpen = (conn: Connection) => {
    open.add(conn);
    const old = current.get(conn.userID);
    current.set(conn.userID, conn);
    if (old !== undefined) {
      log("info", "wss3 #{id} ({userID}) replaces #{old}", {
        id: conn.id,
        userID: conn.userID,
        old: old.id,
      });
      old.socket.close(CLOSE_REPLACED, "replaced");
      deps.onHelperGone?.(conn.userID, "helperReconnected");
    } else {
      log("info", "wss3 #{id} ({userID}) open", { id: conn.id, userID: conn.userID });
    }
    deps.helpers.connected(conn.userID);
  };

  const refuse = (status: number, error: string, extra: Record<string, string> = {}) =>
    new Response(JSON.stringify({ error }) + "\n", {
      status,
      headers: { "content-type": "application/json", ...extra },
    });

  return {
    async handle(request) {
      const verdict = await deps.tokens.verify(bearerToken(request.headers.get("authorization")));
      if (!verdict.ok) {
        log("warning", "wss3 upgrade refused: token {reason}", { reason: verdict.reason });
        return refuse(401, `token ${verdict.reason}`, {
          "www-authenticate": 'Bearer realm="agent-server", error="invalid_token"',
        });
      }
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return refuse(426, "expected a WebSocket upgrade", { upgrade: "websocket" });
      }
      const { socket, response } = Deno.upgradeWebSocket(request);
      let markClosed = () => {};
      const closed = new Promise<void>((resolve) => markClosed = resolve);
      const conn: Connection = {
        id: deps.nextConnectionId(),
        userID: verdict.userID,
        socket,
        closed,
        markClosed,
      };
      socket.onopen = () => onOpen(conn);
      socket.onclose = (event) => onClose(conn, event.code);
      socket.onerror = () => {}; // the close event follows and says what happened
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") {
          messages.add({
            channel: "wss3",
            direction: "in",
            userID: conn.userID,
            connectionId: conn.id,
            raw: "<binary frame>",
            refused: { kind: "invalidJson", reason: "binary frames are not accepted" },
          });
          socket.close(CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted");
          return;
        }
        if (
          event.data.length > options.maxMessageBytes ||
          encoder.encode(event.data).length > options.maxMessageBytes
        ) {
          socket.close(CLOSE_TOO_BIG, `message larger than ${options.maxMessageBytes} bytes`);
          return;
        }
        onText(conn, event.data);
      };
      return response;
    },

    isConnected(userID) {
      return current.get(userID)?.socket.readyState === WebSocket.OPEN;
    },

    sendCommand(userID, action, data, timeoutMs) {
      try {
        if (findEntry("wss3", action)?.reply === undefined) {
          throw new CommandError("noReply", `${action} is not answered by the helper`);
        }
        const conn = liveConnection(userID);
        const transaction = deps.pending.newTransaction();
        const message = buildMessage("wss3", action, data, transaction) as AnyMessage;
        const reply = deps.pending.wait(transaction, conn.id, action, timeoutMs);
        const raw = JSON.stringify(message);
        conn.socket.send(raw);
        recordOut(conn, raw, message);
        return reply;
      } catch (e) {
        return Promise.reject(e);
      }
    },

    sendRaw(userID, text) {
      const conn = liveConnection(userID);
      conn.socket.send(text);
      recordOut(conn, text);
    },

    closeRegistration(userID, reason) {
      let conn: Connection;
      try {
        conn = liveConnection(userID);
      } catch (e) {
        return Promise.reject(e);
      }
      conn.closeReason = "closedByServer";
      const message = buildMessage(
        "wss3",
        "closeRegistration",
        reason === undefined ? {} : { reason },
      );
      const raw = JSON.stringify(message);
      conn.socket.send(raw);
      recordOut(conn, raw, message);
      log("info", "wss3 #{id} ({userID}): closeRegistration sent", { id: conn.id, userID });
      conn.graceTimer = deps.clock.setTimeout(() => {
        if (conn.socket.readyState === WebSocket.OPEN) {
          conn.socket.close(1000, "registration closed");
        }
      }, options.closeGraceMs);
      return conn.closed;
    },

    drop(userID, code) {
      const conn = current.get(userID);
      if (conn === undefined || conn.socket.readyState !== WebSocket.OPEN) return false;
      conn.closeReason = "connectionLost";
      log("info", "wss3 #{id} ({userID}): dropped with {code}", { id: conn.id, userID, code });
      conn.socket.close(code, "dropped by AgentServer");
      return true;
    },

    closeRevoked(userID) {
      for (const conn of open) {
        if (userID !== undefined && conn.userID !== userID) continue;
        if (conn.socket.readyState !== WebSocket.OPEN) continue;
        conn.closeReason = "tokenInvalid";
        conn.socket.close(CLOSE_TOKEN_INVALID, "token revoked");
      }
    },

    async closeAll(waitMs) {
      const closing = [...open];
      for (const conn of closing) {
        conn.closeReason ??= "connectionLost";
        if (conn.socket.readyState === WebSocket.OPEN) {
          conn.socket.close(CLOSE_GOING_AWAY, "AgentServer stopping");
        }
      }
      deps.pending.failAll("stopped", "AgentServer stopped");
      await settleWithin(closing.map((c) => c.closed), waitMs);
    },
  };
}

/** Waits for all of `promises`, but at most `ms` (real time: it bounds a shutdown). */
export async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  await Promise.race([Promise.allSettled(promises), deadline]);
  clearTimeout(timer);
}
