/** Reachability and TLS of the configured servers, driven by a fake probe: every outcome. */
import { FakeClock } from "../clock/fake_clock.ts";
import { type Config, configSchema } from "../config/schema.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../testing/assert.ts";
import { FakeProbe } from "./fake_doctor.ts";
import type { Finding } from "./report.ts";
import { dialTarget, serverFindings } from "./server_checks.ts";
import type { HandshakeResult, PeerCertificate } from "./tls_probe.ts";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 1);

function config(servers: Record<string, unknown>): Config {
  return configSchema.parse({ servers });
}

function peer(o: Partial<PeerCertificate> = {}): PeerCertificate {
  return {
    subject: "CN=rec.example.com",
    issuer: "CN=Corp CA",
    validFrom: NOW - 100 * DAY,
    validTo: NOW + 200 * DAY,
    altNames: "DNS:rec.example.com",
    ...o,
  };
}

const good = (alpn: string | null, p = peer()): HandshakeResult => ({ ok: true, alpn, peer: p });
const error = (code: string, message = code): HandshakeResult => ({ ok: false, code, message });

async function run(
  probe: FakeProbe,
  servers: Record<string, unknown>,
  caPem: string | null = null,
): Promise<Finding[]> {
  return await serverFindings(probe, new FakeClock(NOW), config(servers), caPem);
}

/** One ScreenRecorder host answering `reply`: its findings. */
function recorder(reply: HandshakeResult, peek?: HandshakeResult, extra = {}): Promise<Finding[]> {
  return run(
    new FakeProbe({
      "rec.example.com:443 verify": reply,
      ...(peek ? { "rec.example.com:443 peek": peek } : {}),
    }),
    { screenRecorderHosts: ["rec.example.com"], ...extra },
  );
}

Deno.test("servers: entries as dial targets; wildcards are not dialled", () => {
  assertEquals(dialTarget("a.example.com"), { host: "a.example.com", port: 443 });
  assertEquals(dialTarget("a.example.com:8443"), { host: "a.example.com", port: 8443 });
  assertEquals(dialTarget("127.0.0.1:50051"), { host: "127.0.0.1", port: 50051 });
  assertEquals(dialTarget("*.example.com"), null);
  assertEquals(dialTarget("*.example.com:8443"), null);
});

Deno.test("servers: empty lists probe nothing; wildcards get one OK line per role", async () => {
  const probe = new FakeProbe();
  assertEquals(await run(probe, {}), []);
  const f = await run(probe, {
    agentServerHosts: ["*.corp.example", "*.other.example:8443"],
    screenRecorderHosts: ["*.rec.example"],
  });
  assertEquals(probe.requests, []);
  assertEquals(f.map((x) => [x.verdict, x.topic]), [["OK", "AgentServer"], [
    "OK",
    "ScreenRecorder",
  ]]);
  assertStringIncludes(f[0]!.detail, "*.corp.example, *.other.example:8443");
  assertStringIncludes(f[0]!.detail, "checked when the agent uses one");
});

Deno.test("servers: OK with certificate and ALPN; requests carry the CA bundle and ALPN per role", async () => {
  const probe = new FakeProbe({
    "as.example.com:443": good("http/1.1", peer({ subject: "CN=as.example.com" })),
    "rec.example.com:8443": good("h2"),
  });
  const f = await run(probe, {
    agentServerHosts: ["as.example.com", "as.example.com"],
    screenRecorderHosts: ["rec.example.com:8443"],
  }, "PEM");
  assertEquals(f.map((x) => x.verdict), ["OK", "OK"]);
  assertEquals(
    f[0]!.detail,
    "as.example.com:443: TLS verified; CN=as.example.com, issued by CN=Corp CA, valid until 2026-12-18",
  );
  assertEquals(
    f[1]!.detail,
    "rec.example.com:8443: TLS verified; CN=rec.example.com, issued by CN=Corp CA, valid until 2026-12-18; ALPN h2",
  );
  assertEquals(probe.requests.length, 2, "a repeated entry is probed once");
  assertEquals(probe.requests.map((r) => [r.alpn, r.caPem, r.verify, r.timeoutMs]), [
    [["http/1.1"], "PEM", true, 3000],
    [["h2"], "PEM", true, 3000],
  ]);
});

Deno.test("servers: a recorder without h2, and a certificate about to expire, are WARN", async () => {
  const f = await recorder(
    good(null, peer({ validTo: NOW + 5 * DAY, issuer: "CN=rec.example.com" })),
  );
  assertEquals(f.map((x) => x.verdict), ["OK", "WARN", "WARN"]);
  assertStringIncludes(f[0]!.detail, "self-signed, valid until");
  assertStringIncludes(f[0]!.detail, "ALPN none");
  assertStringIncludes(f[1]!.detail, "did not agree to HTTP/2 (ALPN h2)");
  assertStringIncludes(f[2]!.detail, "certificate expires in 5 day(s)");
  assert(f.slice(1).every((x) => x.fix));
});

Deno.test("servers: network failures name the step", async () => {
  const cases: [string, RegExp][] = [
    ["ENOTFOUND", /DNS lookup failed: rec.example.com is not known/],
    ["EAI_AGAIN", /DNS lookup failed for now/],
    ["ECONNREFUSED", /connection refused/],
    ["ETIMEDOUT", /timeout/],
    ["EHOSTUNREACH", /no route to the host/],
    ["ECONNRESET", /closed during the TLS handshake/],
  ];
  for (const [code, detail] of cases) {
    const f = await recorder(error(code, "no answer within 3000 ms"));
    assertEquals(f.length, 1, code);
    assertEquals([f[0]!.verdict, f[0]!.topic], ["FAIL", "ScreenRecorder"], code);
    assertMatch(f[0]!.detail, detail, code);
    assertStringIncludes(f[0]!.detail, "rec.example.com:443");
    assertStringIncludes(f[0]!.fix ?? "", "servers.screenRecorderHosts", code);
  }
});

Deno.test("servers: a name mismatch says what the certificate is for", async () => {
  const f = await recorder(
    error("ERR_TLS_CERT_ALTNAME_INVALID", "Host: rec.example.com. is not in the cert's altnames"),
  );
  assertEquals(f[0]!.verdict, "FAIL");
  assertStringIncludes(f[0]!.detail, "certificate name mismatch: Host: rec.example.com.");
  assertStringIncludes(f[0]!.fix ?? "", "a certificate for rec.example.com");
});

Deno.test("servers: an unverified certificate is explained from a peek", async () => {
  const bad = error("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate");
  const untrusted = await recorder(bad, good("h2"));
  assertEquals(untrusted[0]!.verdict, "FAIL");
  assertStringIncludes(
    untrusted[0]!.detail,
    "certificate untrusted: CN=rec.example.com issued by CN=Corp CA; neither the system store nor a servers.caBundle holds its CA",
  );
  assertStringIncludes(untrusted[0]!.fix ?? "", "name it in servers.caBundle");

  const self = await recorder(bad, good("h2", peer({ issuer: "CN=rec.example.com" })));
  assertStringIncludes(self[0]!.detail, "untrusted: self-signed CN=rec.example.com");

  const expired = await recorder(bad, good("h2", peer({ validTo: NOW - 2 * DAY })));
  assertStringIncludes(expired[0]!.detail, "certificate expired on 2026-05-30");

  const early = await recorder(bad, good("h2", peer({ validFrom: NOW + 2 * DAY })));
  assertStringIncludes(early[0]!.detail, "certificate not valid before 2026-06-03");

  const unknown = await recorder(bad, error("ECONNRESET"));
  assertStringIncludes(unknown[0]!.detail, "untrusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE);");

  const withBundle = await recorder(bad, good("h2"), { caBundle: "/etc/ah/ca.pem" });
  assertStringIncludes(withBundle[0]!.detail, "nor /etc/ah/ca.pem holds its CA");
  assertStringIncludes(
    withBundle[0]!.fix ?? "",
    "add the issuing CA's certificate (PEM) to /etc/ah/ca.pem",
  );
});

Deno.test("servers: other TLS failures FAIL; in devMode a loopback server may be plaintext", async () => {
  const f = await recorder(error("EPROTO", "wrong version number"));
  assertEquals(f[0]!.verdict, "FAIL");
  assertStringIncludes(f[0]!.detail, "TLS handshake failed: wrong version number (EPROTO)");

  const dev = async (reply: HandshakeResult) =>
    await serverFindings(
      new FakeProbe({ "127.0.0.1:50051": reply }),
      new FakeClock(NOW),
      config({ devMode: true, screenRecorderHosts: ["127.0.0.1:50051"] }),
      null,
    );
  const plain = await dev(error("ECONNRESET"));
  assertEquals(plain[0]!.verdict, "WARN");
  assertStringIncludes(plain[0]!.detail, "servers.devMode allows plaintext to loopback");
  assertEquals((await dev(error("EPROTO")))[0]!.verdict, "WARN");
  assertEquals((await dev(error("ECONNREFUSED")))[0]!.verdict, "FAIL", "nothing listens");
  assertEquals((await dev(error("ERR_TLS_CERT_ALTNAME_INVALID")))[0]!.verdict, "FAIL");
});

Deno.test("servers: a probe that throws or never answers is a FAIL, within the bound", async () => {
  const thrown = await run(
    new FakeProbe({ "rec.example.com:443": new Error("socket exploded") }),
    { screenRecorderHosts: ["rec.example.com"] },
  );
  assertEquals(thrown[0]!.verdict, "FAIL");
  assertStringIncludes(thrown[0]!.detail, "socket exploded");

  const clock = new FakeClock(NOW);
  const pending = serverFindings(
    new FakeProbe({
      "hang.example.com:443": new Promise<HandshakeResult>(() => {}),
      "as.example.com:443": good("http/1.1"),
    }),
    clock,
    config({ agentServerHosts: ["hang.example.com", "as.example.com"] }),
    null,
    { timeoutMs: 100 },
  );
  await new Promise((r) => setTimeout(r, 0)); // the answering probe settles first
  clock.advance(1200);
  const f = await pending;
  assertEquals(f.map((x) => x.verdict), ["FAIL", "OK"]);
  assertStringIncludes(f[0]!.detail, "hang.example.com:443: timeout: no verdict within 1200 ms");
  assertEquals(clock.pending, 0, "no timer left behind");
});
