/**
 * The real wss3 adapter, on the npm `ws` client (Deno's own WebSocket cannot show the upgrade's
 * HTTP status, which tells an invalid token from a broken network, and cannot add CAs per
 * connection). The JWT goes in `Authorization: Bearer …` on the upgrade (DESIGN.md §3).
 *
 * TLS is always verified: the system store plus `servers.caBundle`; there is no switch to turn
 * verification off. Redirects are not followed (a 3xx could lead off the allow-list). Inbound
 * messages are capped; a silent peer is detected by ping/pong and the link is dropped.
 */
import tls from "node:tls";
import WebSocket from "ws";
import type { Clock, TimerId } from "../clock/clock.ts";
import type { DialRequest, LinkHandlers, Wss3Connector, Wss3Link } from "./link.ts";

export interface WsConnectorOptions {
  /** Extra trusted CAs (PEM), beside the system store; null: the system store only. */
  readonly caPem: string | null;
  readonly maxMessageBytes: number;
  readonly handshakeTimeoutMs: number;
  /** Ping period; the link is dropped when a ping goes unanswered for as long. */
  readonly heartbeatMs: number;
  readonly userAgent: string;
}

export interface WsConnectorDeps {
  readonly clock: Clock;
}

/** Close code used locally when the peer stopped answering pings (not sent on the wire). */
export const CLOSE_NO_HEARTBEAT = 4000;

export function createWsConnector(
  deps: WsConnectorDeps,
  options: WsConnectorOptions,
): Wss3Connector {
  const ca = options.caPem === null ? undefined : [...tls.rootCertificates, options.caPem];
  return {
    connect(request: DialRequest, handlers: LinkHandlers): Wss3Link {
      const ws = new WebSocket(request.url, {
        headers: {
          authorization: `Bearer ${request.token}`,
          "user-agent": options.userAgent,
        },
        ...(ca ? { ca } : {}),
        rejectUnauthorized: true,
        followRedirects: false,
        maxPayload: options.maxMessageBytes,
        handshakeTimeout: options.handshakeTimeoutMs,
        perMessageDeflate: false,
      });
      let opened = false;
      let done = false;
      let heartbeat: TimerId | null = null;
      let awaitingPong = false;
      const finish = (report: () => void) => {
        if (done) return;
        done = true;
        if (heartbeat !== null) deps.clock.clearTimeout(heartbeat);
        report();
      };
      const beat = () => {
        heartbeat = deps.clock.setTimeout(() => {
          if (awaitingPong) {
            ws.terminate();
            finish(() => handlers.onClosed(CLOSE_NO_HEARTBEAT, "no answer to ping"));
            return;
          }
          awaitingPong = true;
          ws.ping();
          beat();
        }, options.heartbeatMs);
      };
      ws.on("pong", () => {
        awaitingPong = false;
      });
      ws.on("unexpected-response", (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        ws.terminate();
        finish(() => handlers.onRefused(status));
      });
      ws.on("open", () => {
        opened = true;
        beat();
        handlers.onOpen();
      });
      ws.on("message", (data, isBinary) => {
        if (done) return;
        if (isBinary) {
          ws.close(1003, "binary frames are not accepted");
          return;
        }
        handlers.onText(String(data));
      });
      ws.on("error", (error: Error) => {
        // Before open this is the whole story; after open a close follows.
        if (!opened) {
          ws.terminate();
          finish(() => handlers.onFailed(error.message));
        }
      });
      ws.on("close", (code: number, reason: Buffer) => {
        finish(() =>
          opened
            ? handlers.onClosed(code, String(reason))
            : handlers.onFailed(`closed before the connection was set up (${code})`)
        );
      });
      return {
        send(text) {
          if (ws.readyState !== WebSocket.OPEN) return false;
          ws.send(text);
          return true;
        },
        sendFlushed(text) {
          if (ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
          return new Promise<boolean>((resolve) => ws.send(text, (error) => resolve(!error)));
        },
        close(code, reason) {
          if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
          else ws.close(code, reason);
        },
      };
    },
  };
}
