/**
 * Whether an `agentServerURI` handed over by a web page may be contacted at all (DESIGN.md §5):
 * a page must not be able to point the agent, its token and later the screen at another host.
 * Decided before any socket is opened, from the agent's own config only.
 *
 * Rules, all exact (no DNS, no guessing):
 * - `wss:` only; `ws:` only in `servers.devMode` and only to a loopback host on the list;
 * - no user info (`wss://good@evil`), no fragment, no backslash, whitespace or control chars;
 * - the host as the WHATWG URL parser normalises it (lower case, punycode, IPv4 numbers in
 *   dotted form) must match a pattern: `host` (port 443), `host:port`, `*.domain` (any name
 *   under the domain, not the domain itself, port 443) or `*.domain:port`;
 * - an IP literal matches only when it is itself on the list; IPv6 literals never match.
 */
import { hostAllowed } from "../security/host_patterns.ts";

export interface AllowedServer {
  readonly ok: true;
  /** The URL as it will be dialled (normalised). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

export interface RefusedServer {
  readonly ok: false;
  /** Why, without echoing the URI (it is the page's input and may carry a token). */
  readonly reason: string;
}

export type ServerCheck = AllowedServer | RefusedServer;

export interface AllowListOptions {
  readonly hosts: readonly string[];
  readonly devMode: boolean;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

function refuse(reason: string): RefusedServer {
  return { ok: false, reason };
}

export function checkServerUri(uri: string, options: AllowListOptions): ServerCheck {
  // The URL parser quietly repairs these; a URI that needs repair is not trusted.
  // deno-lint-ignore no-control-regex
  if (/[\s\\\u0000-\u001f\u007f]/.test(uri)) {
    return refuse("the address contains spaces, backslashes or control characters");
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return refuse("the address is not an absolute URL");
  }
  if (url.protocol !== "wss:" && url.protocol !== "ws:") {
    return refuse(`scheme ${url.protocol.slice(0, 16)} is not allowed: wss only`);
  }
  if (url.username !== "" || url.password !== "" || /^[a-z]+:\/\/[^/?#]*@/i.test(uri)) {
    return refuse("user information in the address is not allowed");
  }
  if (url.hash !== "") return refuse("a fragment in the address is not allowed");
  const host = url.hostname;
  if (host.endsWith(".")) return refuse("a host name ending in a dot is not allowed");
  const secure = url.protocol === "wss:";
  if (!secure && !(options.devMode && LOOPBACK.has(host))) {
    return refuse(
      options.devMode
        ? "ws:// is allowed only to a loopback host in devMode"
        : "ws:// is not allowed: wss only (servers.devMode allows ws:// to loopback)",
    );
  }
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
  if (!hostAllowed(options.hosts, host, port)) {
    return refuse(
      options.hosts.length === 0
        ? "no AgentServer host is allowed (servers.agentServerHosts is empty)"
        : `host ${host}:${port} is not on servers.agentServerHosts`,
    );
  }
  return { ok: true, url: url.href, host, port, secure };
}
