/**
 * The doctor's one contact with the network: a TCP connection and a TLS handshake to a
 * configured server, closed as soon as the handshake ends. Nothing is written on the
 * connection after the ClientHello: no request, no token (DESIGN.md §5).
 *
 * `verify: true` checks the server exactly as the agent does (node:tls, system roots plus
 * `servers.caBundle`, the host name). `verify: false` only reads the certificate the server
 * shows, to say why verification failed (expired? issued by whom?); its result is never taken
 * as a success. One interface, so the checks are tested without a network; `nodeTlsProbe` is
 * the real adapter.
 */
import { isIP } from "node:net";
import tls from "node:tls";

export interface HandshakeRequest {
  readonly host: string;
  readonly port: number;
  /** Extra trusted CAs (PEM) beside the system roots; null: the system roots only. */
  readonly caPem: string | null;
  /** ALPN protocols offered, e.g. ["h2"] for gRPC. */
  readonly alpn: readonly string[];
  readonly timeoutMs: number;
  readonly verify: boolean;
}

/** The server's leaf certificate, as far as the doctor reports it. */
export interface PeerCertificate {
  readonly subject: string;
  readonly issuer: string;
  /** Milliseconds since the epoch. */
  readonly validFrom: number;
  readonly validTo: number;
  /** "DNS:a.example.com, IP Address:10.0.0.1"; empty when the certificate has none. */
  readonly altNames: string;
}

export type HandshakeResult =
  | {
    readonly ok: true;
    /** The protocol the server chose by ALPN; null: none. */
    readonly alpn: string | null;
    readonly peer: PeerCertificate | null;
  }
  | {
    readonly ok: false;
    /** Node's error code (ENOTFOUND, ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID, ...) or ETIMEDOUT. */
    readonly code: string;
    readonly message: string;
  };

export interface ServerProbe {
  handshake(request: HandshakeRequest): Promise<HandshakeResult>;
}

/** `{ CN: "a", O: "b" }` as "CN=a, O=b". */
function nameOf(name: unknown): string {
  if (typeof name !== "object" || name === null) return "";
  return Object.entries(name as Record<string, unknown>)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : String(v)}`)
    .join(", ");
}

function peerOf(socket: tls.TLSSocket): PeerCertificate | null {
  const c = socket.getPeerCertificate();
  if (!c || typeof c !== "object" || !("valid_to" in c)) return null;
  return {
    subject: nameOf(c.subject),
    issuer: nameOf(c.issuer),
    validFrom: Date.parse(c.valid_from),
    validTo: Date.parse(c.valid_to),
    altNames: c.subjectaltname ?? "",
  };
}

/** The real adapter: node:tls, as the agent's wss3 and gRPC clients use it. */
export const nodeTlsProbe: ServerProbe = {
  handshake(request) {
    return new Promise((resolve) => {
      let done = false;
      let socket: tls.TLSSocket | undefined;
      const finish = (result: HandshakeResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket?.destroy();
        resolve(result);
      };
      const timer = setTimeout(() =>
        finish({
          ok: false,
          code: "ETIMEDOUT",
          message: `no answer within ${request.timeoutMs} ms`,
        }), request.timeoutMs);
      try {
        socket = tls.connect({
          host: request.host,
          port: request.port,
          // SNI carries names only; an IP address is checked against the certificate's IPs.
          ...(isIP(request.host) === 0 ? { servername: request.host } : {}),
          ...(request.caPem === null ? {} : { ca: [...tls.rootCertificates, request.caPem] }),
          ALPNProtocols: [...request.alpn],
          rejectUnauthorized: request.verify,
        });
      } catch (e) {
        finish({ ok: false, code: "EINVAL", message: (e as Error).message });
        return;
      }
      const s = socket;
      s.once("secureConnect", () => {
        const alpn = s.alpnProtocol;
        finish({ ok: true, alpn: typeof alpn === "string" ? alpn : null, peer: peerOf(s) });
      });
      s.once(
        "error",
        (e: Error & { code?: string }) =>
          finish({ ok: false, code: e.code ?? "ERROR", message: e.message }),
      );
      s.once("close", () =>
        finish({
          ok: false,
          code: "ECONNRESET",
          message: "the connection was closed during the TLS handshake",
        }));
    });
  },
};
