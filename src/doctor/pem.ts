/**
 * `servers.caBundle` as the agent will use it: readable, one or more PEM certificates that
 * parse, none expired. Parsed with node:crypto's X509Certificate (in the release binary
 * already; the reference platform's @peculiar/x509 is not).
 */
import { X509Certificate } from "node:crypto";
import type { SystemDeps } from "../app/system.ts";
import { fail, type Finding, ok, warn } from "./report.ts";

/** A bundle certificate that expires sooner than this is a WARN. */
export const CA_EXPIRY_WARN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export interface PemCertificate {
  readonly subject: string;
  /** Milliseconds since the epoch. */
  readonly validFrom: number;
  readonly validTo: number;
}

export type PemParse =
  | { readonly ok: true; readonly certificates: readonly PemCertificate[] }
  | { readonly ok: false; readonly problem: string };

/** "CN=a\nO=b" (node's form) as "CN=a, O=b". */
export function oneLineName(name: string): string {
  return name.split(/\r?\n/).filter((p) => p !== "").join(", ");
}

/** YYYY-MM-DD (UTC) of a time in ms. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Every `CERTIFICATE` block of a PEM text, parsed; the first that does not parse is named. */
export function parsePemCertificates(text: string): PemParse {
  const begins = text.split("-----BEGIN CERTIFICATE-----").length - 1;
  const blocks = text.match(BLOCK) ?? [];
  if (begins === 0) return { ok: false, problem: "holds no PEM certificate" };
  if (blocks.length !== begins) {
    return { ok: false, problem: "has a BEGIN CERTIFICATE line without its END line" };
  }
  const certificates: PemCertificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      const x = new X509Certificate(block);
      const validFrom = Date.parse(x.validFrom);
      const validTo = Date.parse(x.validTo);
      if (Number.isNaN(validFrom) || Number.isNaN(validTo)) throw new Error("unreadable dates");
      certificates.push({ subject: oneLineName(x.subject), validFrom, validTo });
    } catch (e) {
      return {
        ok: false,
        problem: `certificate ${i + 1} of ${blocks.length} does not parse (${
          (e as Error).message.slice(0, 120)
        })`,
      };
    }
  }
  return { ok: true, certificates };
}

/** What the CA bundle check found, and the bundle's text for the TLS checks (null: none). */
export interface CaBundleCheck {
  readonly findings: Finding[];
  readonly caPem: string | null;
}

export function caBundleFindings(
  sys: Pick<SystemDeps, "readTextFile">,
  file: string,
  now: number,
): CaBundleCheck {
  if (file === "") return { findings: [], caPem: null };
  const topic = "CA bundle";
  let text: string | undefined;
  try {
    text = sys.readTextFile(file);
  } catch (e) {
    return {
      findings: [
        fail(
          topic,
          `cannot read ${file}: ${(e as Error).message}`,
          "make the file readable by the operator's account, or fix servers.caBundle",
        ),
      ],
      caPem: null,
    };
  }
  if (text === undefined) {
    return {
      findings: [
        fail(topic, `${file} does not exist: the agent will not start`, "fix servers.caBundle"),
      ],
      caPem: null,
    };
  }
  const parsed = parsePemCertificates(text);
  if (!parsed.ok) {
    return {
      findings: [
        fail(
          topic,
          `${file} ${parsed.problem}`,
          "point servers.caBundle at a PEM file of CA certificates (-----BEGIN CERTIFICATE-----)",
        ),
      ],
      caPem: text,
    };
  }
  const certs = parsed.certificates;
  const earliest = certs.reduce((a, b) => (b.validTo < a.validTo ? b : a));
  const findings: Finding[] = [];
  for (const c of certs.filter((c) => c.validTo <= now)) {
    findings.push(fail(
      topic,
      `${file}: ${c.subject} expired on ${isoDay(c.validTo)}; servers it signed are refused`,
      "replace it with the CA's current certificate",
    ));
  }
  for (const c of certs.filter((c) => c.validFrom > now)) {
    findings.push(warn(
      topic,
      `${file}: ${c.subject} is not valid before ${isoDay(c.validFrom)}`,
      "check this machine's clock, or use the CA certificate that is valid now",
    ));
  }
  const soon = certs.filter((c) =>
    c.validTo > now && c.validTo - now < CA_EXPIRY_WARN_DAYS * DAY_MS
  );
  for (const c of soon) {
    const days = Math.floor((c.validTo - now) / DAY_MS);
    findings.push(warn(
      topic,
      `${file}: ${c.subject} expires on ${isoDay(c.validTo)} (in ${days} day(s))`,
      "add the CA's renewed certificate to the bundle before then",
    ));
  }
  if (findings.length === 0) {
    findings.push(ok(
      topic,
      `${file}: ${certs.length} certificate(s), earliest expiry ${
        isoDay(earliest.validTo)
      } (${earliest.subject})`,
    ));
  }
  return { findings, caPem: text };
}
