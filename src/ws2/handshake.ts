/**
 * Who may open ws2: a GET upgrade to `127.0.0.1:<port>` or `localhost:<port>` (DNS rebinding),
 * from a page whose `Origin` is exactly on the configured allow-list. A missing or `null`
 * origin (sandboxed frames, file:// pages, other programs) is refused, as is any look-alike:
 * the comparison is on the whole `scheme://host:port` string (DESIGN.md §5). Pure.
 */
import { isLoopbackHost } from "../security/loopback_host.ts";

export interface HandshakeRequest {
  readonly method: string;
  readonly host: string | null;
  readonly origin: string | null;
  readonly upgrade: string | null;
}

export interface HandshakeOptions {
  readonly port: number;
  readonly allowedOrigins: readonly string[];
}

export type HandshakeVerdict =
  | { readonly ok: true; readonly origin: string }
  | { readonly ok: false; readonly status: number; readonly reason: string };

export function checkHandshake(req: HandshakeRequest, options: HandshakeOptions): HandshakeVerdict {
  if (req.method !== "GET") return { ok: false, status: 405, reason: "method" };
  if (!isLoopbackHost(req.host, options.port)) return { ok: false, status: 403, reason: "host" };
  const origin = req.origin;
  if (origin === null || origin === "" || origin === "null") {
    return { ok: false, status: 403, reason: "origin-missing" };
  }
  if (!options.allowedOrigins.includes(origin)) return { ok: false, status: 403, reason: "origin" };
  if (req.upgrade?.toLowerCase() !== "websocket") {
    return { ok: false, status: 426, reason: "not-websocket" };
  }
  return { ok: true, origin };
}
