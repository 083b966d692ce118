/**
 * The ws2 endpoint: the WebSocket the operator's web workplace opens on 127.0.0.1. It guards
 * the handshake (`handshake.ts`), caps message size (close 1009), refuses binary frames
 * (close 1003), answers every text frame — a malformed one with an error reply naming what is
 * wrong (the connection stays open), a valid one with what the dispatcher returns — and can
 * push a message to every open connection (registration state changes).
 *
 * Rate limits (`rate_limit.ts`): a handshake that passes the guards but exceeds
 * `handshakesPerMinute` (all origins together) gets HTTP 429 with `Retry-After`, counted as
 * refused with reason `rateLimited`. Only handshakes the guards let through count, so a foreign
 * page hammering the port cannot spend the real workplace's allowance. On a connection, a
 * message over `messagesPerSecond` is not dispatched; the first of a run is answered with
 * `resultDesc: "rateLimited: …"` (its own reply action and transaction when readable, like any
 * refusal), the rest of the run silently dropped; more than 5× the rate closes the connection
 * with 1008 (policy violation). A client still sending when the close goes out may see an
 * abnormal close (1006) instead: Deno's server drops the TCP connection when data frames follow
 * its close frame (denoland/deno#21642); the connection ends either way.
 */
import type { Logger } from "@logtape/logtape";
import { type Clock, systemClock } from "../clock/clock.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import {
  echoableFields,
  errorReplyTo,
  failureReply,
  type InboundMessage,
  parseInbound,
  type WrittenEnvelope,
} from "../protocol/catalog.ts";
import { checkHandshake } from "./handshake.ts";
import {
  createHandshakeLimiter,
  createMessageLimiter,
  FLOOD_FACTOR,
  retryAfterSeconds,
} from "./rate_limit.ts";

export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TOO_BIG = 1009;

/** The config's defaults (src/config/schema.ts), for callers that do not pass the limits. */
export const DEFAULT_MESSAGES_PER_SECOND = 20;
export const DEFAULT_HANDSHAKES_PER_MINUTE = 60;

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
  /** Time for the rate limits; the system clock when absent. */
  readonly clock?: Clock;
  /**
   * What a newly opened connection is told at once, if anything: the registration's current
   * state, so a reloaded page learns it without asking.
   */
  readonly greeting?: () => WrittenEnvelope | null;
}

export interface Ws2Options {
  /** The bound port, for the Host check. */
  readonly port: () => number;
  readonly allowedOrigins: readonly string[];
  readonly maxMessageBytes: number;
  /** `ws2.messagesPerSecond`, per connection; default {@link DEFAULT_MESSAGES_PER_SECOND}. */
  readonly messagesPerSecond?: number;
  /** `ws2.handshakesPerMinute`, all origins together; default {@link DEFAULT_HANDSHAKES_PER_MINUTE}. */
  readonly handshakesPerMinute?: number;
}

export interface Ws2Endpoint {
  handle(request: Request): Response;
  /** Sends to every open connection. */
  broadcast(message: WrittenEnvelope): void;
  readonly openConnections: number;
  closeAll(): void;
}

const encoder = new TextEncoder();

/**
 * The refusal of a rate-limited message: its own reply action with result "error" when it is a
 * known request (so the page's pending transaction completes), else `error`; the transaction
 * and action only when they have the shape `parseInbound` would echo. The text is size-capped
 * before it gets here, so decoding it is bounded.
 */
export function rateLimitedReply(text: string, resultDesc: string): WrittenEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  return errorReplyTo("ws2", echoableFields(value), resultDesc);
}

export function createWs2Endpoint(deps: Ws2Deps, options: Ws2Options): Ws2Endpoint {
  const sockets = new Map<number, WebSocket>();
  let nextId = 1;
  const clock = deps.clock ?? systemClock;
  const messagesPerSecond = options.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
  const handshakeBucket = createHandshakeLimiter(
    clock,
    options.handshakesPerMinute ?? DEFAULT_HANDSHAKES_PER_MINUTE,
  );
  const rateLimitedDesc = `rateLimited: more than ${messagesPerSecond} messages a second on ` +
    "this connection; this and further messages are dropped until the rate falls (only the " +
    `first is answered; more than ${FLOOD_FACTOR}x the rate closes the connection)`;
  // Log the first refused handshake of a run only: the log must not become the flood.
  let handshakesLimited = false;
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
    help: "ws2 messages received, by outcome (ok, invalid, tooBig, binary, rateLimited, flood).",
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
      if (!handshakeBucket.take()) {
        refused.inc({ reason: "rateLimited" });
        const retryAfter = retryAfterSeconds(handshakeBucket);
        if (!handshakesLimited) {
          handshakesLimited = true;
          deps.log.warn(
            "ws2 handshakes refused: more than {limit} a minute (origin {origin}); retry after {retryAfter} s",
            {
              limit: options.handshakesPerMinute ?? DEFAULT_HANDSHAKES_PER_MINUTE,
              origin: verdict.origin,
              retryAfter,
            },
          );
        }
        return new Response("refused: rateLimited\n", {
          status: 429,
          headers: { "retry-after": String(retryAfter) },
        });
      }
      handshakesLimited = false;
      const { socket, response } = Deno.upgradeWebSocket(request, { idleTimeout: 60 });
      const peer: Ws2Peer = { id: nextId++, origin: verdict.origin };
      const limiter = createMessageLimiter(clock, { messagesPerSecond });
      socket.onopen = () => {
        sockets.set(peer.id, socket);
        open.set(sockets.size);
        deps.log.info("ws2 #{id} open from {origin}", { id: peer.id, origin: peer.origin });
        const hello = deps.greeting?.();
        if (hello) send(socket, hello);
      };
      socket.onclose = () => {
        sockets.delete(peer.id);
        open.set(sockets.size);
        deps.log.info("ws2 #{id} closed", { id: peer.id });
      };
      socket.onmessage = (event) => {
        // Frames already in flight after a close was decided are not looked at.
        if (socket.readyState !== WebSocket.OPEN) return;
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
        switch (limiter.admit()) {
          case "accept":
            break;
          case "reject":
            messages.inc({ outcome: "rateLimited" });
            deps.log.warn("ws2 #{id}: over {rate} messages a second; dropping until it falls", {
              id: peer.id,
              rate: messagesPerSecond,
            });
            send(socket, rateLimitedReply(event.data, rateLimitedDesc));
            return;
          case "drop":
            messages.inc({ outcome: "rateLimited" });
            return;
          case "close":
            messages.inc({ outcome: "flood" });
            deps.log.warn("ws2 #{id}: flooding (over {factor}x the rate); closing", {
              id: peer.id,
              factor: FLOOD_FACTOR,
            });
            socket.close(CLOSE_POLICY_VIOLATION, "message rate limit exceeded");
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
