/**
 * The live view in the reference AgentServer: the fan-out (hub.ts) wired to the server's
 * commands, its wss3 endpoint and its TLS listener.
 *
 *   GET /live-view?user=&stream=&key=   the supervisor's page (page.ts, web/)
 *   GET /live/<userID>/<streamId>        the viewer WebSocket (framing.ts)
 *
 * Viewers are supervisors: they authenticate with the console key, since a browser cannot set
 * `x-console-key` on a WebSocket. The page's URL carries the key once; the page answers with an
 * HttpOnly, Secure, SameSite=Strict cookie scoped to `/live/`, and its script drops the key
 * from the address bar. The viewer socket accepts the key from the `x-console-key` header
 * (tools, tests), the `key` query parameter (another origin's page), or that cookie, and with
 * the cookie only from a page of this same origin (the Origin header), so another site cannot
 * ride on a supervisor's cookie. A wrong or missing key is 401, an unknown stream 404, a full
 * one 503.
 *
 * Streams follow the commands, whoever sends them (startLiveView, sendCommand, the console):
 * startStream opens the stream before it goes out (blobs may beat the reply), a failed one ends
 * it; stopStream ends it once answered (the blobs sent before the reply still go out).
 */
import type { Clock } from "../../clock/clock.ts";
import { settleWithin } from "../agent_server/wss3.ts";
import type { AgsLog } from "../agent_server/log.ts";
import type { HelperReply } from "../agent_server/pending.ts";
import { sameKey } from "../agent_server/console.ts";
import type { EndReason } from "./framing.ts";
import { LiveHub } from "./hub.ts";
import type {
  LiveHubOptions,
  LiveStreamRequest,
  LiveStreamStatus,
  StreamBlobData,
} from "./types.ts";
import { LIVE_PAGE_PATH, servePageAsset } from "./page.ts";

export const LIVE_SOCKET_PREFIX = "/live/";
export const LIVE_KEY_COOKIE = "live_view_key";
const KEY_HEADER = "x-console-key";

export interface LiveViewCommandOptions {
  readonly timeoutMs?: number;
}

/** The live view's part of the reference AgentServer's handle. */
export interface LiveViewApi {
  /** Sends startStream; resolves with the helper's reply (the stream is open meanwhile). */
  startLiveView(
    userID: string,
    request: LiveStreamRequest,
    options?: LiveViewCommandOptions,
  ): Promise<HelperReply>;
  /** Sends stopStream; once answered (or failed), the stream's viewers are told and closed. */
  stopLiveView(
    userID: string,
    streamId: string,
    options?: LiveViewCommandOptions,
  ): Promise<HelperReply>;
  /** Every open stream: viewers, bytes, last seq, last keyframe's age. */
  liveStreams(): LiveStreamStatus[];
  /** The supervisor's page for a stream, with the console key in it: hand it to a browser. */
  liveViewPageUrl(userID: string, streamId: string): string;
  /** The viewer WebSocket (send the key as `x-console-key`, or add `?key=`). */
  liveViewSocketUrl(userID: string, streamId: string): string;
}

type SendCommand = (
  userID: string,
  action: "startStream" | "stopStream",
  data: Record<string, unknown>,
  options?: LiveViewCommandOptions,
) => Promise<HelperReply>;

export interface LiveViewDeps {
  readonly clock: Clock;
  readonly log: AgsLog;
  readonly consoleKey: string;
  /** The server's sendCommand (so that the command is observed like any other). */
  readonly sendCommand: SendCommand;
  /** `host:port` of the URLs handed out. */
  readonly origin: () => string;
}

export interface LiveViewService {
  readonly api: LiveViewApi;
  readonly hub: LiveHub;
  /** Whether `path` is the live view's. */
  owns(path: string): boolean;
  handle(request: Request): Response;
  /** Wraps the sending of any command, to follow startStream / stopStream. */
  observeCommand(
    userID: string,
    action: string,
    data: unknown,
    send: () => Promise<HelperReply>,
  ): Promise<HelperReply>;
  /** A streamBlob from `userID`'s current helper connection. */
  blob(userID: string, data: StreamBlobData): void;
  /** The helper's registration ended, or a new connection replaced the one it had. */
  helperGone(userID: string, reason: EndReason): void;
  /** Ends every stream and waits (at most `waitMs`) for the viewers' sockets to close. */
  stop(waitMs: number): Promise<void>;
}

function succeeded(reply: HelperReply): boolean {
  const data = reply.data as { result?: unknown } | undefined;
  return data?.result === "success";
}

function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  try {
    const url = new URL(origin);
    return url.protocol === "https:" && url.host === request.headers.get("host");
  } catch {
    return false;
  }
}

const text = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body + "\n", {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });

export function createLiveViewService(
  deps: LiveViewDeps,
  options: LiveHubOptions = {},
): LiveViewService {
  const { log, consoleKey } = deps;
  const hub = new LiveHub(deps.clock, options);
  const sockets = new Map<WebSocket, Promise<void>>();

  /** Parses `/live/<userID>/<streamId>`. */
  const target = (path: string): { userID: string; streamId: string } | undefined => {
    const parts = path.slice(LIVE_SOCKET_PREFIX.length).split("/");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") return undefined;
    try {
      return { userID: decodeURIComponent(parts[0]!), streamId: decodeURIComponent(parts[1]!) };
    } catch {
      return undefined;
    }
  };

  const viewerAllowed = (request: Request, url: URL): boolean =>
    sameKey(request.headers.get(KEY_HEADER) ?? undefined, consoleKey) ||
    sameKey(url.searchParams.get("key") ?? undefined, consoleKey) ||
    (sameKey(cookie(request, LIVE_KEY_COOKIE), consoleKey) && sameOrigin(request));

  const viewer = (request: Request, url: URL): Response => {
    const wanted = target(url.pathname);
    if (wanted === undefined) return text(404, "not found");
    if (!viewerAllowed(request, url)) return text(401, "missing or wrong console key");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(426, "expected a WebSocket upgrade", { upgrade: "websocket" });
    }
    const { userID, streamId } = wanted;
    if (!hub.has(userID, streamId)) return text(404, "no such live stream");
    if (!hub.canJoin(userID, streamId)) return text(503, "the live stream has no room");
    const { socket, response } = Deno.upgradeWebSocket(request);
    let markClosed = () => {};
    sockets.set(socket, new Promise<void>((resolve) => markClosed = resolve));
    let id: number | undefined;
    socket.onopen = () => {
      id = hub.join(userID, streamId, socket);
      if (id === undefined) {
        socket.send(JSON.stringify({ type: "end", reason: "stopped" }));
        socket.close(1000, "no such live stream");
        return;
      }
      log("info", "live view {streamId} of {userID}: viewer #{id} joined", {
        userID,
        streamId,
        id,
      });
    };
    socket.onclose = (event) => {
      sockets.delete(socket);
      markClosed();
      if (id === undefined) return;
      hub.leave(userID, streamId, id);
      log("info", "live view {streamId} of {userID}: viewer #{id} left ({code})", {
        userID,
        streamId,
        id,
        code: event.code,
      });
    };
    socket.onerror = () => {}; // the close event follows
    socket.onmessage = () => {}; // viewers have nothing to say
    return response;
  };

  const page = (request: Request, url: URL): Response => {
    const given = url.searchParams.get("key") ?? undefined;
    if (sameKey(given, consoleKey)) {
      const value = encodeURIComponent(consoleKey);
      return servePageAsset(LIVE_PAGE_PATH, request.method, {
        "set-cookie":
          `${LIVE_KEY_COOKIE}=${value}; Path=${LIVE_SOCKET_PREFIX}; HttpOnly; Secure; SameSite=Strict`,
      });
    }
    if (given === undefined && sameKey(cookie(request, LIVE_KEY_COOKIE), consoleKey)) {
      return servePageAsset(LIVE_PAGE_PATH, request.method);
    }
    return text(401, "missing or wrong console key (add key=… to the address)");
  };

  const end = (userID: string, streamId: string, reason: EndReason) => {
    if (hub.end(userID, streamId, reason)) {
      log("info", "live view {streamId} of {userID} ended: {reason}", { userID, streamId, reason });
    }
  };

  const origin = () => deps.origin();
  const path = (userID: string, streamId: string) =>
    `${encodeURIComponent(userID)}/${encodeURIComponent(streamId)}`;

  const api: LiveViewApi = {
    startLiveView(userID, request, opts = {}) {
      const data: Record<string, unknown> = {
        streamId: request.streamId,
        display: request.display,
      };
      if (request.frameRate !== undefined) data.frameRate = request.frameRate;
      if (request.maxHeight !== undefined) data.maxHeight = request.maxHeight;
      return deps.sendCommand(userID, "startStream", data, opts);
    },
    stopLiveView(userID, streamId, opts = {}) {
      return deps.sendCommand(userID, "stopStream", { streamId }, opts);
    },
    liveStreams: () => hub.status(),
    liveViewPageUrl(userID, streamId) {
      const query = new URLSearchParams({ user: userID, stream: streamId, key: consoleKey });
      return `https://${origin()}${LIVE_PAGE_PATH}?${query}`;
    },
    liveViewSocketUrl: (userID, streamId) =>
      `wss://${origin()}${LIVE_SOCKET_PREFIX}${path(userID, streamId)}`,
  };

  return {
    api,
    hub,
    owns: (p) => p.startsWith(LIVE_SOCKET_PREFIX) || p.startsWith(LIVE_PAGE_PATH),
    handle(request) {
      const url = new URL(request.url);
      if (url.pathname.startsWith(LIVE_SOCKET_PREFIX)) return viewer(request, url);
      if (request.method !== "GET" && request.method !== "HEAD") {
        return text(405, "method not allowed", { allow: "GET, HEAD" });
      }
      if (url.pathname === LIVE_PAGE_PATH) return page(request, url);
      return servePageAsset(url.pathname, request.method);
    },

    observeCommand(userID, action, data, send) {
      const d = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
      const streamId = typeof d.streamId === "string" && d.streamId !== "" ? d.streamId : undefined;
      if (streamId === undefined || (action !== "startStream" && action !== "stopStream")) {
        return send();
      }
      if (action === "startStream") {
        const display = typeof d.display === "number" ? d.display : 0;
        const request: LiveStreamRequest = {
          streamId,
          display,
          ...(typeof d.frameRate === "number" ? { frameRate: d.frameRate } : {}),
          ...(typeof d.maxHeight === "number" ? { maxHeight: d.maxHeight } : {}),
        };
        try {
          hub.open(userID, request);
        } catch (e) {
          return Promise.reject(e);
        }
        const reply = send();
        reply.then(
          (r) => succeeded(r) ? undefined : end(userID, streamId, "startFailed"),
          () => end(userID, streamId, "startFailed"),
        );
        return reply;
      }
      const reply = send();
      const ended = () => end(userID, streamId, "stopped");
      reply.then(ended, ended);
      return reply;
    },

    blob(userID, data) {
      const outcome = hub.blob(userID, data);
      if (!outcome.ok) {
        log("warning", "live view {streamId} of {userID}: blob {seq} refused: {reason}", {
          userID,
          streamId: data.streamId ?? "(none)",
          seq: data.seq ?? "(none)",
          reason: outcome.reason,
        });
      }
    },

    helperGone(userID, reason) {
      const ended = hub.endUser(userID, reason);
      if (ended > 0) {
        log("info", "{count} live view(s) of {userID} ended: {reason}", {
          userID,
          count: ended,
          reason,
        });
      }
    },

    async stop(waitMs) {
      hub.endAll("serverStopping");
      await settleWithin([...sockets.values()], waitMs);
    },
  };
}
