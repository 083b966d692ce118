/**
 * Whether a ScreenRecorder address (`screenServer`, from the page or AgentServer) may be dialled
 * (DESIGN.md §5: a page must not be able to send the screen elsewhere). Decided from the
 * agent's own `servers.screenRecorderHosts` before any socket opens.
 *
 * Accepted forms: `host`, `host:port` and `https://host[:port]` (TLS, port 443 by default);
 * `http://host:port` (plaintext gRPC) only in `servers.devMode` and only to a loopback host.
 * No path, user information, query or fragment.
 */
import { hostAllowed } from "../security/host_patterns.ts";

export interface RecorderAddress {
  readonly ok: true;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** `host:port`, as grpc-js dials it. */
  readonly target: string;
}

export type RecorderAddressCheck = RecorderAddress | {
  readonly ok: false;
  readonly reason: string;
};

const LOOPBACK = new Set(["localhost", "127.0.0.1"]);

export function checkRecorderAddress(
  address: string,
  options: { readonly hosts: readonly string[]; readonly devMode: boolean },
): RecorderAddressCheck {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  if (address === "") return refuse("no ScreenRecorder address was given (screenServer)");
  // deno-lint-ignore no-control-regex
  if (/[\s\\\u0000-\u001f\u007f@]/.test(address)) {
    return refuse(
      "the ScreenRecorder address contains spaces, @, backslashes or control characters",
    );
  }
  const withScheme = /^[a-z]+:\/\//i.test(address) ? address : `https://${address}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return refuse("the ScreenRecorder address is not host[:port] or https://host[:port]");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return refuse(`scheme ${url.protocol.slice(0, 16)} is not allowed for the ScreenRecorder`);
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    return refuse("the ScreenRecorder address must not have a path, query or fragment");
  }
  const host = url.hostname;
  const secure = url.protocol === "https:";
  if (!secure && !(options.devMode && LOOPBACK.has(host))) {
    return refuse("plaintext gRPC is allowed only to a loopback host in servers.devMode");
  }
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
  if (!hostAllowed(options.hosts, host, port)) {
    return refuse(
      options.hosts.length === 0
        ? "no ScreenRecorder host is allowed (servers.screenRecorderHosts is empty)"
        : `host ${host}:${port} is not on servers.screenRecorderHosts`,
    );
  }
  return { ok: true, host, port, secure, target: `${host}:${port}` };
}
