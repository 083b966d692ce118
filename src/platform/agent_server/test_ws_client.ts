/**
 * Test support: a WebSocket client over the npm `ws` package (which, unlike the browser API,
 * takes request headers and a CA), playing the helper on wss3 or the JsSDK on wss1 against
 * the reference AgentServer. It reports a refused upgrade with its HTTP status, and keeps what
 * it receives in a list tests can wait on, so no test sleeps.
 */
import { Buffer } from "node:buffer";
import WebSocket from "ws";
import { Waitable } from "./waitable.ts";

export interface WsClientOptions {
  /** The CA to trust (PEM); the system's store is not used when given. */
  readonly ca?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Give up on the handshake after this long, ms (default 5000). */
  readonly handshakeTimeoutMs?: number;
}

export interface Received {
  readonly text: string;
  /** The JSON value, or undefined when the text is not JSON. */
  readonly json: { action?: unknown; transaction?: unknown; data?: unknown } | undefined;
  /** A binary frame's bytes (its `text` is "<binary>"). */
  readonly binary?: Uint8Array;
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

export interface WsClient {
  readonly socket: WebSocket;
  readonly received: Waitable<Received>;
  /** Sends a string as is, anything else as JSON. */
  send(value: unknown): void;
  /** The first received message (so far or to come) with this action. */
  waitForAction(action: string, timeoutMs?: number): Promise<Received>;
  /** Resolves when the socket has closed, with the close code and reason. */
  readonly closed: Promise<CloseInfo>;
  close(code?: number, reason?: string): Promise<CloseInfo>;
}

export type OpenResult =
  | { readonly ok: true; readonly client: WsClient }
  /** `status`: the HTTP status of a refused upgrade; `error`: a TLS or network error. */
  | {
    readonly ok: false;
    readonly status?: number;
    readonly error?: string;
    readonly code?: string;
  };

function parse(text: string): Received["json"] {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Opens `url`; resolves once open, or with why it could not. */
export function openWsClient(url: string, options: WsClientOptions = {}): Promise<OpenResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const socket = new WebSocket(url, {
    headers,
    handshakeTimeout: options.handshakeTimeoutMs ?? 5000,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  const received = new Waitable<Received>();
  const closed = new Promise<CloseInfo>((resolve) => {
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  // Errors after the handshake are followed by a close event, which is what tests look at.
  socket.on("error", () => {});
  socket.on("message", (data, isBinary) => {
    if (isBinary) {
      const binary = data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : Array.isArray(data)
        ? new Uint8Array(Buffer.concat(data))
        : new Uint8Array(data);
      received.push({ text: "<binary>", json: undefined, binary });
      return;
    }
    const text = data.toString();
    received.push({ text, json: parse(text) });
  });
  const client: WsClient = {
    socket,
    received,
    send(value) {
      socket.send(typeof value === "string" ? value : JSON.stringify(value));
    },
    waitForAction: (action, timeoutMs = 5000) =>
      received.waitFor((m) => m.json?.action === action, timeoutMs, `message ${action}`),
    closed,
    close(code, reason) {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.close(code, reason);
      }
      return closed;
    },
  };
  return new Promise<OpenResult>((resolve) => {
    socket.once("open", () => resolve({ ok: true, client }));
    socket.once("unexpected-response", (request, response) => {
      const status = response.statusCode;
      response.resume();
      request.destroy();
      resolve(status === undefined ? { ok: false } : { ok: false, status });
    });
    socket.once("error", (error: Error & { code?: string }) => {
      resolve({
        ok: false,
        error: error.message,
        ...(error.code === undefined ? {} : { code: error.code }),
      });
    });
  });
}
