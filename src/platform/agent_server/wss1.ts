/**
 * The reference AgentServer's wss1 endpoint: the JsSDK's operator session (PROTOCOL.md §3).
 * It answers `getAgentHelperData` with what the JsSDK hands the helper (a fresh JWT for the
 * operator among it), records `agentHelperConnect` reports, and pushes
 * `agentHelperConnectionState` to every wss1 connection of the operator whenever the helper's
 * registration changes, and once on connect when a helper is known.
 *
 * The operator is named by `/wss1?userID=<id>` and NOT authenticated: the real platform's
 * operator login is outside this project, and the reference serves tests and the demo only.
 *
 * Refused messages: the platform channel has no error message. A refused `getAgentHelperData`
 * (say, a bad envelope with a readable action) is answered by `resultGetAgentHelperData` with
 * result "error", so the JsSDK's request completes; anything else refused is only recorded.
 */
import {
  buildMessage,
  failureDescription,
  findEntry,
  parseInbound,
  type WrittenMessage,
} from "../../protocol/catalog.ts";
import type { HelperRegistry, StateChange } from "./helpers.ts";
import type { TokenAuthority } from "./jwt.ts";
import type { AgsLog } from "./log.ts";
import type { AnyMessage, MessageLog } from "./message_log.ts";
import { settleWithin } from "./wss3.ts";

export interface Wss1Deps {
  readonly log: AgsLog;
  readonly tokens: TokenAuthority;
  readonly helpers: HelperRegistry;
  readonly messages: MessageLog;
  readonly nextConnectionId: () => number;
}

export interface Wss1Options {
  /** The helper's ws2 address the JsSDK should try, e.g. "ws://127.0.0.1:41770/". */
  readonly agentHelperURI: string;
  /** The wss3 address handed to the helper (known once the server listens). */
  readonly agentServerURI: () => string;
  readonly screenServer: string;
  /** Seconds between the helper's connection attempts, as the source writes it ("5"). */
  readonly retryDelay: string;
}

export interface Wss1Endpoint {
  handle(request: Request): Response;
  /** Pushes `change` as agentHelperConnectionState to every connection of its user. */
  pushState(change: StateChange): void;
  /** Open wss1 connections of `userID` (of everyone when absent). */
  connections(userID?: string): number;
  closeAll(waitMs: number): Promise<void>;
}

interface Connection {
  readonly id: number;
  readonly userID: string | undefined;
  readonly socket: WebSocket;
  readonly closed: Promise<void>;
}

type StateMessage = WrittenMessage<"platform", "agentHelperConnectionState">;

export function stateMessage(change: Omit<StateChange, "seq" | "at">): StateMessage {
  return change.state === "active"
    ? buildMessage("platform", "agentHelperConnectionState", {
      userID: change.userID,
      connectionState: "active",
    })
    : buildMessage("platform", "agentHelperConnectionState", {
      userID: change.userID,
      connectionState: "inactive",
      ...(change.resultDesc === undefined ? {} : { resultDesc: change.resultDesc }),
    });
}

export function createWss1Endpoint(deps: Wss1Deps, options: Wss1Options): Wss1Endpoint {
  const open = new Set<Connection>();
  const { log, messages } = deps;

  const send = (conn: Connection, message: AnyMessage) => {
    if (conn.socket.readyState !== WebSocket.OPEN) return;
    const raw = JSON.stringify(message);
    conn.socket.send(raw);
    messages.add({
      channel: "platform",
      direction: "out",
      userID: conn.userID,
      connectionId: conn.id,
      action: message.action,
      message,
      raw,
    });
  };

  const helperData = async (conn: Connection, transaction: string | undefined) => {
    const error = (resultDesc: string) =>
      buildMessage(
        "platform",
        "resultGetAgentHelperData",
        { result: "error", resultDesc },
        transaction,
      );
    if (conn.userID === undefined) {
      return error("userID missing: open wss1 as /wss1?userID=<operator id>");
    }
    if (deps.tokens.rejectingAll) return error("tokenUnavailable: Auth refuses to issue tokens");
    const token = await deps.tokens.issue(conn.userID);
    return buildMessage("platform", "resultGetAgentHelperData", {
      result: "success",
      agentHelperURI: options.agentHelperURI,
      agentServerURI: options.agentServerURI(),
      screenServer: options.screenServer,
      JWTToken: token,
      retryDelay: options.retryDelay,
    }, transaction);
  };

  const onText = async (conn: Connection, text: string) => {
    const parsed = parseInbound("platform", text, "agentServer");
    if (!parsed.ok) {
      messages.addInbound("platform", conn, text, parsed);
      log("warning", "wss1 #{id}: refused a message: {kind}: {reason}", {
        id: conn.id,
        kind: parsed.kind,
        reason: parsed.reason,
      });
      const request = parsed.action === undefined
        ? undefined
        : findEntry("platform", parsed.action, "agentServer");
      if (request?.name === "getAgentHelperData") {
        send(
          conn,
          buildMessage("platform", "resultGetAgentHelperData", {
            result: "error",
            resultDesc: failureDescription(parsed),
          }, parsed.transaction),
        );
      }
      return;
    }
    const message = parsed.message;
    messages.addInbound("platform", conn, text, { ok: true, message });
    switch (message.action) {
      case "getAgentHelperData":
        send(conn, await helperData(conn, message.transaction));
        return;
      case "agentHelperConnect":
        log("info", "wss1 #{id} ({userID}): agentHelperConnect {result} {resultDesc}", {
          id: conn.id,
          userID: conn.userID ?? "-",
          result: message.data.result,
          resultDesc: message.data.resultDesc ?? "",
        });
        return;
    }
  };

  return {
    handle(request) {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("expected a WebSocket upgrade\n", {
          status: 426,
          headers: { upgrade: "websocket" },
        });
      }
      const userID = new URL(request.url).searchParams.get("userID") || undefined;
      const { socket, response } = Deno.upgradeWebSocket(request);
      let markClosed = () => {};
      const closed = new Promise<void>((resolve) => markClosed = resolve);
      const conn: Connection = { id: deps.nextConnectionId(), userID, socket, closed };
      socket.onopen = () => {
        open.add(conn);
        log("info", "wss1 #{id} open for {userID}", { id: conn.id, userID: userID ?? "-" });
        const helper = userID === undefined ? undefined : deps.helpers.view(userID);
        if (helper !== undefined) send(conn, stateMessage(helper));
      };
      socket.onclose = () => {
        open.delete(conn);
        markClosed();
      };
      socket.onerror = () => {};
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") {
          socket.close(1003, "binary frames are not accepted");
          return;
        }
        onText(conn, event.data).catch((e) => {
          log("error", "wss1 #{id}: handling failed: {error}", { id: conn.id, error: e });
        });
      };
      return response;
    },

    pushState(change) {
      const message = stateMessage(change);
      for (const conn of open) {
        if (conn.userID === change.userID) send(conn, message);
      }
    },

    connections(userID) {
      let n = 0;
      for (const conn of open) if (userID === undefined || conn.userID === userID) n++;
      return n;
    },

    async closeAll(waitMs) {
      const closing = [...open];
      for (const conn of closing) {
        if (conn.socket.readyState === WebSocket.OPEN) {
          conn.socket.close(1001, "AgentServer stopping");
        }
      }
      await settleWithin(closing.map((c) => c.closed), waitMs);
    },
  };
}
