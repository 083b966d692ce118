/**
 * A throw-away PKI made at run time, so the reference platform (and every test that talks to
 * it) uses real TLS with real verification instead of an "insecure" switch: a CA, and a server
 * certificate it signs for the given host names and IP addresses. ECDSA P-256 over WebCrypto
 * (@peculiar/x509); nothing is written to disk and no key outlives the process.
 */
import { x509 } from "./x509.ts";
import { toHex } from "../../util/hex.ts";

export interface TestPkiOptions {
  /** Names the server certificate is valid for: DNS names and IPv4/IPv6 addresses. */
  readonly hosts: readonly string[];
  /** Validity of both certificates, in days (default 7). */
  readonly validDays?: number;
  /** The moment the certificates are made (default now); they are valid from an hour before. */
  readonly now?: Date;
  /** Common name of the CA (default "AgentHelper Test CA"). */
  readonly caName?: string;
}

export interface TestPki {
  /** The CA certificate, PEM: what a client trusts. */
  readonly caPem: string;
  /** The server certificate, PEM (the leaf only; the CA is the trust anchor). */
  readonly certPem: string;
  /** The server's private key, PKCS#8 PEM. */
  readonly keyPem: string;
}

const ALGORITHM: EcKeyGenParams & EcdsaParams = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
};
const DAY_MS = 24 * 60 * 60 * 1000;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** True for an IPv4 address or an IPv6 one (which always holds a colon; a DNS name never does). */
export function isIpAddress(host: string): boolean {
  return IPV4.test(host) || (host.includes(":") && /^[0-9A-Fa-f:.]+$/.test(host));
}

/** A positive serial number: 16 random bytes, the top bit cleared. */
function serialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f | 0x01;
  return toHex(bytes);
}

function generateKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
}

/** Makes a CA and a server certificate signed by it for `hosts` (at least one). */
export async function makeTestPki(options: TestPkiOptions): Promise<TestPki> {
  if (options.hosts.length === 0) throw new Error("makeTestPki: hosts must name at least one host");
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + (options.validDays ?? 7) * DAY_MS);

  const caKeys = await generateKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${options.caName ?? "AgentHelper Test CA"}`,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const serverKeys = await generateKeys();
  const names = options.hosts.map((host) => ({
    type: isIpAddress(host) ? "ip" as const : "dns" as const,
    value: host,
  }));
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${options.hosts[0]}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(names, false),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const pkcs8 = await crypto.subtle.exportKey("pkcs8", serverKeys.privateKey);
  return {
    caPem: ca.toString("pem") + "\n",
    certPem: server.toString("pem") + "\n",
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n",
  };
}
