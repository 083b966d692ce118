/**
 * The upload's gRPC client, written directly on node:http2 (gRPC over HTTP/2: a POST with
 * `content-type: application/grpc`, length-prefixed messages both ways, the status in the
 * trailers). The agent makes exactly one kind of call — one bidirectional Upload stream per
 * file — so it does not need a general gRPC library, and doing without one matters for its
 * memory (docs/benchmarks.md, "Upload"): a chunk goes to the HTTP/2 stream in the buffer the
 * spool read it into (chunk_message.ts), with no copy for protobuf and none for the gRPC frame,
 * where grpc-js copied every chunk three times; and the agent no longer loads grpc-js.
 *
 * One HTTP/2 session per recorder address, shared by its calls, opened on first use and again
 * after it broke; keepalive pings while it carries calls, so a silently dead connection is
 * noticed within ~1.5 × `keepaliveMs`. Status codes follow the gRPC spec and grpc-js's mapping of
 * HTTP statuses and stream resets, so the upload machine classifies breaks as before.
 */
import http2 from "node:http2";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import { MAX_MESSAGE_BYTES, UPLOAD_PATH } from "../grpc/upload_limits.ts";
import { GrpcCode } from "./machine.ts";
import { decodeResponse } from "./messages.ts";
import { type CallStatus, FRAME_HEADROOM, type LinkOptions, type UploadLink } from "./link.ts";
import type { RecorderAddress } from "./recorder_address.ts";

/** A TCP + TLS + HTTP/2 handshake that takes longer than this has failed (grpc-js: 20 s). */
const CONNECT_TIMEOUT_MS = 20_000;

interface Session {
  readonly h2: http2.ClientHttp2Session;
  calls: number;
  connected: boolean;
}

/** grpc-js's mapping of an HTTP status without a gRPC status. */
function httpStatusCode(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.internal;
    case 401:
      return GrpcCode.unauthenticated;
    case 403:
      return GrpcCode.permissionDenied;
    case 404:
      return GrpcCode.unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.unavailable;
    default:
      return GrpcCode.unknown;
  }
}

/** grpc-js's mapping of a stream that closed without a gRPC status. */
function resetStatus(rstCode: number, error: Error | null, httpStatus: number): CallStatus {
  const c = http2.constants;
  const detail = error ? `: ${error.message}` : "";
  switch (rstCode) {
    case c.NGHTTP2_NO_ERROR:
      if (httpStatus !== 0 && httpStatus !== 200) {
        return { code: httpStatusCode(httpStatus), message: `HTTP status ${httpStatus}` };
      }
      return { code: GrpcCode.unavailable, message: `the call ended without a status${detail}` };
    case c.NGHTTP2_REFUSED_STREAM:
      return { code: GrpcCode.unavailable, message: "the recorder refused the stream" };
    case c.NGHTTP2_CANCEL:
      return { code: GrpcCode.cancelled, message: `the call was cancelled${detail}` };
    case c.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: GrpcCode.resourceExhausted, message: "the recorder asked to slow down" };
    case c.NGHTTP2_INADEQUATE_SECURITY:
      return { code: GrpcCode.permissionDenied, message: "the recorder found the TLS inadequate" };
    default:
      // Node reports a broken connection as an internal reset with an error beside it.
      return {
        code: error ? GrpcCode.unavailable : GrpcCode.internal,
        message: `stream reset (code ${rstCode})${detail}`,
      };
  }
}

/** grpc-message is percent-encoded (gRPC over HTTP/2, "Responses"). */
function decodeMessage(value: unknown): string {
  const text = typeof value === "string" ? value : "";
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The gRPC frame around an encoded message, written in the room before it. */
function frame(message: Uint8Array): Buffer {
  if (message.byteOffset < FRAME_HEADROOM) {
    throw new RangeError(`an encoded request needs ${FRAME_HEADROOM} bytes of room before it`);
  }
  const start = message.byteOffset - FRAME_HEADROOM;
  const view = new DataView(message.buffer, start, FRAME_HEADROOM);
  view.setUint8(0, 0); // not compressed
  view.setUint32(1, message.length);
  return Buffer.from(message.buffer, start, FRAME_HEADROOM + message.length);
}

/** Splits the response body into gRPC messages. */
function deframer(onMessage: (bytes: Uint8Array) => void) {
  let pending = new Uint8Array(0);
  return (data: Uint8Array): void => {
    let buf = pending.length === 0 ? data : concat(pending, data);
    while (buf.length >= 5) {
      if (buf[0] !== 0) throw new Error("the recorder sent a compressed message");
      const length = new DataView(buf.buffer, buf.byteOffset, 5).getUint32(1);
      if (length > MAX_MESSAGE_BYTES) throw new Error(`a response of ${length} bytes`);
      if (buf.length < 5 + length) break;
      onMessage(buf.subarray(5, 5 + length));
      buf = buf.subarray(5 + length);
    }
    pending = buf.slice();
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A timer that must not keep the agent's process alive (grpc-js unrefs its sessions too). */
function unref<T extends { unref(): unknown }>(timer: T): T {
  timer.unref();
  return timer;
}

const ENDED = "the upload call has ended";

export function createH2Link(options: LinkOptions): UploadLink {
  /** The session to open new calls on, per address. */
  const sessions = new Map<string, Session>();
  /** Every session not yet closed, including those a GOAWAY retired: close() ends them all. */
  const open = new Set<Session>();
  const roots = options.caPem === null ? undefined : [...tls.rootCertificates, options.caPem];
  const pingTimeoutMs = Math.max(1000, Math.round(options.keepaliveMs / 2));

  const sessionFor = (address: RecorderAddress): Session => {
    const key = `${address.secure ? "tls" : "plain"}:${address.target}`;
    const existing = sessions.get(key);
    if (existing && !existing.h2.closed && !existing.h2.destroyed) return existing;
    const h2 = http2.connect(`${address.secure ? "https" : "http"}://${address.target}`, {
      ...(address.secure
        ? {
          createConnection: () =>
            tls.connect({
              host: address.host,
              port: address.port,
              servername: address.host,
              ALPNProtocols: ["h2"],
              ...(roots ? { ca: roots } : {}),
            }),
        }
        : {}),
    });
    const session: Session = { h2, calls: 0, connected: false };
    sessions.set(key, session);
    open.add(session);
    const forget = () => {
      if (sessions.get(key) === session) sessions.delete(key);
    };
    const connectTimer = unref(setTimeout(() => {
      if (!session.connected) h2.destroy(new Error("cannot connect to the recorder in time"));
    }, CONNECT_TIMEOUT_MS));
    h2.once("connect", () => {
      session.connected = true;
      clearTimeout(connectTimer);
    });
    // Every call on it ends with its own status; the session's error is theirs.
    h2.on("error", () => {});
    h2.once("goaway", forget);
    h2.once("close", () => {
      forget();
      open.delete(session);
      clearTimeout(connectTimer);
      clearInterval(keepalive);
    });
    // Pings only while calls are open (grpc-js's keepalive_permit_without_calls: 0).
    const keepalive = unref(setInterval(() => {
      if (session.calls === 0 || !session.connected || h2.destroyed) return;
      const timer = unref(setTimeout(
        () => h2.destroy(new Error("keepalive ping not answered")),
        pingTimeoutMs,
      ));
      const sent = h2.ping((error) => {
        clearTimeout(timer);
        if (error && !h2.destroyed) h2.destroy(error);
      });
      if (!sent) clearTimeout(timer);
    }, options.keepaliveMs));
    return session;
  };

  return {
    open(address, token, handlers) {
      let ended = false;
      let status: CallStatus | null = null;
      let httpStatus = 0;
      let streamError: Error | null = null;
      let drain: (() => void) | null = null;
      const session = sessionFor(address);
      session.calls++;
      const end = (s: CallStatus) => {
        if (ended) return;
        ended = true;
        session.calls--;
        drain?.();
        drain = null;
        handlers.onEnd(s);
      };
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.h2.request({
          ":method": "POST",
          ":path": UPLOAD_PATH,
          "content-type": "application/grpc",
          te: "trailers",
          "grpc-accept-encoding": "identity",
          "user-agent": "agent-helper",
          authorization: `Bearer ${token}`,
        });
      } catch (e) {
        // E.g. the session is going away: the call breaks as a refused stream would, after
        // open() returned (the uploader keeps the call before it can hear of its end).
        const message = `cannot open a stream: ${(e as Error).message}`;
        setTimeout(() => end({ code: GrpcCode.unavailable, message }), 0);
        return {
          write: () => Promise.reject(new Error(ENDED)),
          cancel: () => end({ code: GrpcCode.cancelled, message: "cancelled by the agent" }),
        };
      }
      // The status ends the call at once, as in grpc-js: the recorder may answer with it while
      // the agent is still sending, and the stream would only close once both sides ended.
      const takeStatus = (headers: http2.IncomingHttpHeaders) => {
        const code = headers["grpc-status"];
        if (code === undefined) return;
        status = { code: Number(code), message: decodeMessage(headers["grpc-message"]) };
        if (status.code === 0 && httpStatus !== 0 && httpStatus !== 200) {
          status = { code: httpStatusCode(httpStatus), message: `HTTP status ${httpStatus}` };
        }
        if (!stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
        end(status);
      };
      stream.on("response", (headers) => {
        httpStatus = Number(headers[":status"] ?? 0);
        takeStatus(headers); // a "trailers-only" answer carries the status in the headers
      });
      stream.on("trailers", takeStatus);
      const onData = deframer((bytes) => {
        if (!ended) handlers.onResponse(decodeResponse(bytes));
      });
      stream.on("data", (data: Uint8Array) => {
        try {
          onData(data);
        } catch (e) {
          status = { code: GrpcCode.internal, message: (e as Error).message };
          stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
        }
      });
      stream.on("error", (e: Error) => (streamError = e));
      stream.on("drain", () => {
        drain?.();
        drain = null;
      });
      stream.on("close", () => {
        end(status ?? resetStatus(stream.rstCode ?? 0, streamError, httpStatus));
      });
      return {
        write(request, onWritten) {
          if (ended) return Promise.reject(new Error(ENDED));
          const framed = frame(request);
          const written = onWritten && ((error?: Error | null) => error || onWritten());
          if (stream.write(framed, written)) return Promise.resolve();
          return new Promise<void>((resolve) => (drain = resolve)).then(() => {
            if (ended) throw new Error(ENDED);
          });
        },
        cancel() {
          if (!ended && !stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
          end({ code: GrpcCode.cancelled, message: "cancelled by the agent" });
        },
      };
    },
    close() {
      for (const s of open) s.h2.close();
      open.clear();
      sessions.clear();
    },
  };
}
