/**
 * The ws2 endpoint: the WebSocket the operator's web workplace opens on 127.0.0.1. It guards
 * the handshake (`handshake.ts`), caps message size (close 1009), refuses binary frames
 * (close 1003), answers every text frame — a malformed one with an error reply naming what is
 * wrong (the connection stays open), a valid one with what the dispatcher returns — and can
 * push a message to every open connection (registration state changes).
 */
import type { Logger } from "@logtape/logtape";
import type { MetricsRegistry } from "../metrics/registry.ts";
import {
  failureReply,
  type InboundMessage,
  parseInbound,
  type WrittenEnvelope,
} from "../protocol/catalog.ts";
import { checkHandshake } from "./handshake.ts";

export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_TOO_BIG = 1009;

export interface Ws2Peer {
  readonly id: number;
  readonly origin: string;
}

/** Answers one valid message; the reply goes back on the same connection. */
export type Ws2Dispatch = (
  message: InboundMessage<"ws2">,
  peer: Ws2Peer,
) => Promise<WrittenEnvelope>;

export interface Ws2Deps {
  readonly dispatch: Ws2Dispatch;
  readonly metrics: MetricsRegistry;
  readonly log: Logger;
}

export interface Ws2Options {
  /** The bound port, for the Host check. */
  readonly port: () => number;
  readonly allowedOrigins: readonly string[];
  readonly maxMessageBytes: number;
}

export interface Ws2Endpoint {
  handle(request: Request): Response;
  /** Sends to every open connection. */
  broadcast(message: WrittenEnvelope): void;
  readonly openConnections: number;
  closeAll(): void;
}

const encoder = new TextEncoder();

export function createWs2Endpoint(deps: Ws2Deps, options: Ws2Options): Ws2Endpoint {
  const sockets = new Map<number, WebSocket>();
  let nextId = 1;
  const open = deps.metrics.gauge({
    name: "agent_helper_ws2_connections",
    help: "Open ws2 connections.",
  });
  const refused = deps.metrics.counter({
    name: "agent_helper_ws2_handshakes_refused_total",
    help: "ws2 handshakes refused, by reason.",
    labels: ["reason"],
  });
  const messages = deps.metrics.counter({
    name: "agent_helper_ws2_messages_total",
    help: "ws2 messages received, by outcome (ok, invalid, tooBig, binary).",
    labels: ["outcome"],
  });

  const send = (socket: WebSocket, message: WrittenEnvelope) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };

  const onText = async (socket: WebSocket, peer: Ws2Peer, text: string) => {
    const parsed = parseInbound("ws2", text);
    if (!parsed.ok) {
      messages.inc({ outcome: "invalid" });
      deps.log.warn("ws2 #{id}: refused a message: {kind}: {reason}", {
        id: peer.id,
        kind: parsed.kind,
        reason: parsed.reason,
      });
      send(socket, failureReply("ws2", parsed));
      return;
    }
    messages.inc({ outcome: "ok" });
    send(socket, await deps.dispatch(parsed.message, peer));
  };

  return {
    handle(request) {
      const verdict = checkHandshake(
        {
          method: request.method,
          host: request.headers.get("host"),
          origin: request.headers.get("origin"),
          upgrade: request.headers.get("upgrade"),
        },
        { port: options.port(), allowedOrigins: options.allowedOrigins },
      );
      if (!verdict.ok) {
        refused.inc({ reason: verdict.reason });
        deps.log.warn("ws2 handshake refused: {reason} (origin {origin})", {
          reason: verdict.reason,
          origin: request.headers.get("origin") ?? "none",
        });
        return new Response(`refused: ${verdict.reason}\n`, { status: verdict.status });
      }
      const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 60 });
      const peer: Ws2Peer = { id: nextId++, origin: verdict.origin };
      socket.onopen = () => {
        sockets.set(peer.id, socket);
        open.set(sockets.size);
        deps.log.info("ws2 #{id} open from {origin}", { id: peer.id, origin: peer.origin });
      };
      socket.onclose = () => {
        sockets.delete(peer.id);
        open.set(sockets.size);
        deps.log.info("ws2 #{id} closed", { id: peer.id });
      };
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") {
          messages.inc({ outcome: "binary" });
          socket.close(CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted");
          return;
        }
        // Cheap bound first (UTF-16 length ≥ characters), then the exact UTF-8 size.
        if (
          event.data.length > options.maxMessageBytes ||
          encoder.encode(event.data).length > options.maxMessageBytes
        ) {
          messages.inc({ outcome: "tooBig" });
          socket.close(CLOSE_TOO_BIG, `message larger than ${options.maxMessageBytes} bytes`);
          return;
        }
        onText(socket, peer, event.data).catch((e) => {
          deps.log.error("ws2 #{id}: dispatch failed: {error}", { id: peer.id, error: e });
        });
      };
      return response;
    },
    broadcast(message) {
      for (const socket of sockets.values()) send(socket, message);
    },
    get openConnections() {
      return sockets.size;
    },
    closeAll() {
      for (const socket of sockets.values()) socket.close(1001, "agent stopping");
    },
  };
}
