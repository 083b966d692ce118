/**
 * Can this workstation reach the configured AgentServer and ScreenRecorder hosts, and does it
 * trust them? For every allow-list entry that names a concrete host (`host`, `host:port`), a
 * TCP connection and a TLS handshake with the agent's trust (system roots plus
 * `servers.caBundle`) through {@link ServerProbe}; `*.domain` entries name no host to dial
 * and are checked when the agent uses them. All probes run at once, each bounded, the whole
 * bounded too. Nothing but a ClientHello is sent: no token ever (DESIGN.md §5).
 */
import type { Clock } from "../clock/clock.ts";
import type { Config } from "../config/schema.ts";
import { isoDay } from "./pem.ts";
import { fail, type Finding, ok, warn } from "./report.ts";
import type {
  HandshakeRequest,
  HandshakeResult,
  PeerCertificate,
  ServerProbe,
} from "./tls_probe.ts";

export interface ServerCheckOptions {
  /** Per connection and handshake (default 3 s). */
  readonly timeoutMs?: number;
  /** For each host, both handshakes together (default 2 × timeout + 1 s). */
  readonly overallMs?: number;
}

/** A server certificate that expires sooner than this is a WARN. */
export const SERVER_EXPIRY_WARN_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;
const LOOPBACK = new Set(["localhost", "127.0.0.1"]);

interface Role {
  readonly topic: "AgentServer" | "ScreenRecorder";
  readonly key: string;
  readonly hosts: readonly string[];
  readonly alpn: readonly string[];
}

interface Target {
  readonly role: Role;
  readonly host: string;
  readonly port: number;
}

/** `host` or `host:port` as host and port (443 by default); null for a `*.domain` pattern. */
export function dialTarget(entry: string): { host: string; port: number } | null {
  if (entry.startsWith("*.")) return null;
  const colon = entry.lastIndexOf(":");
  if (colon < 0) return { host: entry, port: 443 };
  return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) };
}

const DNS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN"]);
const CLOSED = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);
/** Codes of a certificate that did not verify (Node's names; Deno reports the last one). */
const UNTRUSTED = /CERT|SIGNATURE|ISSUER|SELF_SIGNED|UNTRUSTED|VERIFY|CHAIN/;
const ALTNAME = "ERR_TLS_CERT_ALTNAME_INVALID";

/** The server showed a certificate: it speaks TLS, whatever was wrong with it. */
function speaksTls(code: string): boolean {
  return code === ALTNAME || UNTRUSTED.test(code);
}

function firewallFix(t: Target): string {
  return `check the firewall, VPN or proxy between this workstation and ${t.host}:${t.port}, ` +
    `and the port in ${t.role.key}`;
}

/** A failed network step: DNS, refused, timeout, unreachable, closed. Null for a TLS failure. */
function networkFailure(t: Target, r: HandshakeResult & { ok: false }): Finding | null {
  const where = `${t.host}:${t.port}`;
  const f = (detail: string, fix: string) => fail(t.role.topic, `${where}: ${detail}`, fix);
  if (DNS.has(r.code)) {
    return f(
      r.code === "EAI_AGAIN"
        ? "DNS lookup failed for now (EAI_AGAIN: no DNS server answered)"
        : `DNS lookup failed: ${t.host} is not known (${r.code})`,
      `check the name in ${t.role.key}, this workstation's DNS server and VPN`,
    );
  }
  if (r.code === "ECONNREFUSED") {
    return f(
      "connection refused: nothing listens on that port",
      `start the server, or correct the port in ${t.role.key} (a firewall that rejects ` +
        "connections looks the same)",
    );
  }
  if (r.code === "ETIMEDOUT") return f(`timeout: ${r.message}`, firewallFix(t));
  if (UNREACHABLE.has(r.code)) return f(`no route to the host (${r.code})`, firewallFix(t));
  if (CLOSED.has(r.code)) {
    return f(
      `the connection was closed during the TLS handshake (${r.code}): not a TLS port, or a proxy cut it`,
      firewallFix(t),
    );
  }
  return null;
}

/** Why the certificate did not verify, from what the server showed when not verified. */
function untrusted(
  t: Target,
  peek: HandshakeResult,
  code: string,
  caBundle: string,
  now: number,
): Finding {
  const where = `${t.host}:${t.port}`;
  const peer = peek.ok ? peek.peer : null;
  if (peer !== null && peer.validTo <= now) {
    return fail(
      t.role.topic,
      `${where}: certificate expired on ${isoDay(peer.validTo)} (${peer.subject})`,
      "the server's administrator must renew its certificate (or check this machine's clock)",
    );
  }
  if (peer !== null && peer.validFrom > now) {
    return fail(
      t.role.topic,
      `${where}: certificate not valid before ${isoDay(peer.validFrom)} (${peer.subject})`,
      "check this workstation's date and time",
    );
  }
  const issuer = peer === null
    ? ` (${code})`
    : peer.issuer === peer.subject
    ? `: self-signed ${peer.subject}`
    : `: ${peer.subject} issued by ${peer.issuer}`;
  return fail(
    t.role.topic,
    `${where}: certificate untrusted${issuer}; neither the system store nor ${
      caBundle === "" ? "a servers.caBundle" : caBundle
    } holds its CA`,
    caBundle === ""
      ? "put the issuing CA's certificate (PEM) in a file and name it in servers.caBundle"
      : `add the issuing CA's certificate (PEM) to ${caBundle}`,
  );
}

function describePeer(peer: PeerCertificate | null): string {
  if (peer === null) return "no certificate details";
  const issuer = peer.issuer === peer.subject ? "self-signed" : `issued by ${peer.issuer}`;
  return `${peer.subject}, ${issuer}, valid until ${isoDay(peer.validTo)}`;
}

/** The one finding for a handshake that failed; a failed verification is explained by a peek. */
async function failure(
  probe: ServerProbe,
  t: Target,
  r: HandshakeResult & { ok: false },
  peekRequest: HandshakeRequest,
  config: Readonly<Config>,
  now: number,
): Promise<Finding> {
  const where = `${t.host}:${t.port}`;
  const network = networkFailure(t, r);
  if (network) return network;
  if (r.code === ALTNAME) {
    return fail(
      t.role.topic,
      `${where}: certificate name mismatch: ${r.message}`,
      `list the name the certificate is for in ${t.role.key}, or give the server a ` +
        `certificate for ${t.host}`,
    );
  }
  if (speaksTls(r.code)) {
    return untrusted(t, await probe.handshake(peekRequest), r.code, config.servers.caBundle, now);
  }
  return fail(
    t.role.topic,
    `${where}: TLS handshake failed: ${r.message} (${r.code})`,
    `check that ${where} is the server's TLS port; ${firewallFix(t)}`,
  );
}

async function checkTarget(
  probe: ServerProbe,
  t: Target,
  caPem: string | null,
  config: Readonly<Config>,
  timeoutMs: number,
  now: number,
): Promise<Finding[]> {
  const where = `${t.host}:${t.port}`;
  const request = { host: t.host, port: t.port, caPem, alpn: t.role.alpn, timeoutMs };
  const r = await probe.handshake({ ...request, verify: true });
  if (!r.ok) {
    const finding = await failure(probe, t, r, { ...request, verify: false }, config, now);
    // In devMode a loopback server may speak plaintext: one that answered, but not with TLS
    // (it closed, or sent something else), is not an error there.
    const notTls = CLOSED.has(r.code) ||
      (networkFailure(t, r) === null && !speaksTls(r.code));
    if (config.servers.devMode && LOOPBACK.has(t.host) && notTls) {
      return [warn(
        t.role.topic,
        `${finding.detail}; servers.devMode allows plaintext to loopback`,
        "use TLS for anything but local development",
      )];
    }
    return [finding];
  }
  const out: Finding[] = [];
  const alpnNote = t.role.topic === "ScreenRecorder" ? `; ALPN ${r.alpn ?? "none"}` : "";
  out.push(ok(t.role.topic, `${where}: TLS verified; ${describePeer(r.peer)}${alpnNote}`));
  if (t.role.topic === "ScreenRecorder" && r.alpn !== "h2") {
    out.push(warn(
      t.role.topic,
      `${where}: the server did not agree to HTTP/2 (ALPN h2), which gRPC needs`,
      "enable HTTP/2 on the recorder, or on the proxy or load balancer in front of it",
    ));
  }
  const left = r.peer ? r.peer.validTo - now : Infinity;
  if (left < SERVER_EXPIRY_WARN_DAYS * DAY_MS) {
    out.push(warn(
      t.role.topic,
      `${where}: certificate expires in ${Math.floor(left / DAY_MS)} day(s)`,
      "the server's administrator should renew it now",
    ));
  }
  return out;
}

/** Settles with `fallback` when `p` has not settled within `ms`. */
function within<T>(clock: Clock, p: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve(fallback()), ms);
    p.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clock.clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The allow-lists themselves and a reachability line (or two) per concrete host. */
export async function serverFindings(
  probe: ServerProbe,
  clock: Clock,
  config: Readonly<Config>,
  caPem: string | null,
  options: ServerCheckOptions = {},
): Promise<Finding[]> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const overallMs = options.overallMs ?? 2 * timeoutMs + 1000;
  const roles: Role[] = [
    {
      topic: "AgentServer",
      key: "servers.agentServerHosts",
      hosts: config.servers.agentServerHosts,
      alpn: ["http/1.1"],
    },
    {
      topic: "ScreenRecorder",
      key: "servers.screenRecorderHosts",
      hosts: config.servers.screenRecorderHosts,
      alpn: ["h2"],
    },
  ];
  const out: Finding[] = [];
  const targets: Target[] = [];
  for (const role of roles) {
    const entries = [...new Set(role.hosts)];
    const wild = entries.filter((e) => dialTarget(e) === null);
    if (wild.length > 0) {
      out.push(ok(
        role.topic,
        `${wild.join(", ")}: a wildcard names no host to dial; checked when the agent uses one`,
      ));
    }
    for (const entry of entries) {
      const d = dialTarget(entry);
      if (d) targets.push({ role, ...d });
    }
  }
  const now = clock.now();
  const results = await Promise.all(targets.map((t) =>
    within(
      clock,
      checkTarget(probe, t, caPem, config, timeoutMs, now).catch((e: Error) => [
        fail(t.role.topic, `${t.host}:${t.port}: ${e.message}`, firewallFix(t)),
      ]),
      overallMs,
      () => [
        fail(
          t.role.topic,
          `${t.host}:${t.port}: timeout: no verdict within ${overallMs} ms`,
          firewallFix(t),
        ),
      ],
    )
  ));
  return [...out, ...results.flat()];
}
