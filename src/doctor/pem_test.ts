import { makeTestPki } from "../platform/pki/test_pki.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../testing/assert.ts";
import { caBundleFindings, isoDay, oneLineName, parsePemCertificates } from "./pem.ts";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 1);
const FILE = "/etc/ah/ca.pem";

function sys(files: Record<string, string>, unreadable: string[] = []) {
  return {
    readTextFile: (p: string) => {
      if (unreadable.includes(p)) throw new Deno.errors.PermissionDenied("Permission denied");
      return files[p];
    },
  };
}

async function ca(days: number, now = NOW, caName?: string): Promise<string> {
  return (await makeTestPki({
    hosts: ["localhost"],
    now: new Date(now),
    validDays: days,
    ...(caName ? { caName } : {}),
  })).caPem;
}

Deno.test("pem: parses every certificate with subject and dates", async () => {
  const a = await ca(400, NOW, "First CA");
  const b = await ca(100, NOW, "Second CA");
  const r = parsePemCertificates(`# comment\n${a}\n${b}`);
  assert(r.ok);
  assertEquals(r.certificates.map((c) => c.subject), ["CN=First CA", "CN=Second CA"]);
  assertEquals(isoDay(r.certificates[1]!.validTo), isoDay(NOW + 100 * DAY));
  assertEquals(oneLineName("C=DE\nO=Corp\nCN=Root"), "C=DE, O=Corp, CN=Root");
});

Deno.test("pem: no certificate, a block without END, and a block that does not parse", async () => {
  const none = parsePemCertificates("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----");
  assertEquals(none, { ok: false, problem: "holds no PEM certificate" });
  const good = await ca(100);
  const cut = parsePemCertificates(`${good}-----BEGIN CERTIFICATE-----\nMIIB`);
  assert(!cut.ok);
  assertStringIncludes(cut.problem, "without its END line");
  const bad = parsePemCertificates(
    `${good}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n`,
  );
  assert(!bad.ok);
  assertStringIncludes(bad.problem, "certificate 2 of 2 does not parse");
});

Deno.test("pem: CA bundle not set, missing, unreadable, not PEM", () => {
  assertEquals(caBundleFindings(sys({}), "", NOW), { findings: [], caPem: null });
  const missing = caBundleFindings(sys({}), FILE, NOW);
  assertEquals(missing.findings.map((f) => f.verdict), ["FAIL"]);
  assertStringIncludes(missing.findings[0]!.detail, "does not exist");
  assertStringIncludes(missing.findings[0]!.fix ?? "", "servers.caBundle");
  const locked = caBundleFindings(sys({ [FILE]: "x" }, [FILE]), FILE, NOW);
  assertEquals(locked.findings[0]?.verdict, "FAIL");
  assertStringIncludes(locked.findings[0]!.detail, "cannot read");
  assertEquals(locked.caPem, null);
  const text = caBundleFindings(sys({ [FILE]: "hello" }), FILE, NOW);
  assertEquals(text.findings[0]?.verdict, "FAIL");
  assertStringIncludes(text.findings[0]!.detail, "holds no PEM certificate");
});

Deno.test("pem: a good bundle is OK with the count and the earliest expiry", async () => {
  const pem = `${await ca(400, NOW, "Late CA")}${await ca(200, NOW, "Early CA")}`;
  const r = caBundleFindings(sys({ [FILE]: pem }), FILE, NOW);
  assertEquals(r.caPem, pem);
  assertEquals(r.findings.length, 1);
  assertEquals(r.findings[0]!.verdict, "OK");
  assertMatch(
    r.findings[0]!.detail,
    new RegExp(
      `2 certificate\\(s\\), earliest expiry ${isoDay(NOW + 200 * DAY)} \\(CN=Early CA\\)`,
    ),
  );
});

Deno.test("pem: expired is FAIL, expiring within 30 days WARN, not yet valid WARN", async () => {
  const expired = await ca(7, NOW - 30 * DAY, "Old CA");
  const r1 = caBundleFindings(sys({ [FILE]: expired }), FILE, NOW);
  assertEquals(r1.findings.map((f) => f.verdict), ["FAIL"]);
  assertStringIncludes(r1.findings[0]!.detail, "CN=Old CA expired on");
  assert(r1.findings[0]!.fix);

  const soon = await ca(10, NOW, "Soon CA");
  const r2 = caBundleFindings(sys({ [FILE]: soon }), FILE, NOW);
  assertEquals(r2.findings.map((f) => f.verdict), ["WARN"]);
  assertMatch(r2.findings[0]!.detail, /CN=Soon CA expires on \S+ \(in 10 day\(s\)\)/);

  const future = await ca(100, NOW + 10 * DAY, "Future CA");
  const r3 = caBundleFindings(sys({ [FILE]: future }), FILE, NOW);
  assertEquals(r3.findings.map((f) => f.verdict), ["WARN"]);
  assertStringIncludes(r3.findings[0]!.detail, "not valid before");
});
