/**
 * The real adapter against a real local TLS server made with the test PKI: trusted through
 * `servers.caBundle`, untrusted without it, expired, for another name, and a closed port.
 */
import { systemClock } from "../clock/clock.ts";
import { configSchema } from "../config/schema.ts";
import { makeTestPki, type TestPki } from "../platform/pki/test_pki.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../testing/assert.ts";
import type { Finding } from "./report.ts";
import { serverFindings } from "./server_checks.ts";
import { nodeTlsProbe } from "./tls_probe.ts";

const DAY = 24 * 60 * 60 * 1000;

/** A TLS server on 127.0.0.1 that completes handshakes and closes; nothing is read. */
function tlsServer(pki: TestPki, alpn?: string[]) {
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.certPem,
    key: pki.keyPem,
    ...(alpn ? { alpnProtocols: alpn } : {}),
  });
  const conns = new Set<Deno.TlsConn>();
  let received = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      conn.handshake().then(async () => {
        const buf = new Uint8Array(64);
        const n = await conn.read(buf).catch(() => null);
        if (n) received += n;
      }).catch(() => {}).finally(() => {
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* closed already */ }
      });
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    received: () => received,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed already */ }
      }
      await accepting.catch(() => {});
    },
  };
}

function check(
  servers: Record<string, unknown>,
  caPem: string | null,
): Promise<Finding[]> {
  return serverFindings(nodeTlsProbe, systemClock, configSchema.parse({ servers }), caPem, {
    timeoutMs: 3000,
  });
}

Deno.test("tls (real): trusted through the CA bundle is OK with subject, expiry and ALPN h2", async () => {
  const pki = await makeTestPki({ hosts: ["127.0.0.1"] });
  const server = tlsServer(pki, ["h2"]);
  try {
    const f = await check({ screenRecorderHosts: [`127.0.0.1:${server.port}`] }, pki.caPem);
    assertEquals(f.map((x) => x.verdict), ["OK", "WARN"], JSON.stringify(f));
    assertMatch(
      f[0]!.detail,
      new RegExp(
        `^127\\.0\\.0\\.1:${server.port}: TLS verified; CN=127\\.0\\.0\\.1, issued by CN=AgentHelper Test CA, valid until \\d{4}-\\d\\d-\\d\\d; ALPN h2$`,
      ),
    );
    // The test PKI lives 7 days: within the 14-day warning.
    assertStringIncludes(f[1]!.detail, "certificate expires in");
    assertEquals(server.received(), 0, "nothing is sent after the handshake");
  } finally {
    await server.close();
  }
});

Deno.test("tls (real): without the CA the certificate is untrusted, named by its issuer", async () => {
  const pki = await makeTestPki({ hosts: ["127.0.0.1"], validDays: 60 });
  const server = tlsServer(pki);
  try {
    const f = await check({ agentServerHosts: [`127.0.0.1:${server.port}`] }, null);
    assertEquals(f.length, 1);
    assertEquals(f[0]!.verdict, "FAIL");
    assertStringIncludes(
      f[0]!.detail,
      "certificate untrusted: CN=127.0.0.1 issued by CN=AgentHelper Test CA",
    );
    assertStringIncludes(f[0]!.fix ?? "", "servers.caBundle");
    // With the CA, the same server is OK (no ALPN line for AgentServer; 60 days: no expiry WARN).
    const trusted = await check({ agentServerHosts: [`127.0.0.1:${server.port}`] }, pki.caPem);
    assertEquals(trusted.map((x) => x.verdict), ["OK"], JSON.stringify(trusted));
  } finally {
    await server.close();
  }
});

Deno.test("tls (real): an expired certificate and one for another name", async () => {
  const old = await makeTestPki({
    hosts: ["127.0.0.1"],
    now: new Date(Date.now() - 30 * DAY),
    validDays: 7,
  });
  const expired = tlsServer(old);
  const other = await makeTestPki({ hosts: ["127.0.0.2"], validDays: 60 });
  const misnamed = tlsServer(other);
  try {
    const f1 = await check({ agentServerHosts: [`127.0.0.1:${expired.port}`] }, old.caPem);
    assertEquals(f1[0]?.verdict, "FAIL");
    assertStringIncludes(f1[0]!.detail, "certificate expired on");
    const f2 = await check({ agentServerHosts: [`127.0.0.1:${misnamed.port}`] }, other.caPem);
    assertEquals(f2[0]?.verdict, "FAIL");
    assertStringIncludes(f2[0]!.detail, "certificate name mismatch");
  } finally {
    await expired.close();
    await misnamed.close();
  }
});

Deno.test("tls (real): a closed port is refused", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const f = await check({ screenRecorderHosts: [`127.0.0.1:${port}`] }, null);
  assertEquals(f.length, 1);
  assertEquals(f[0]!.verdict, "FAIL");
  assertStringIncludes(f[0]!.detail, `127.0.0.1:${port}: connection refused`);
  assert(f[0]!.fix);
});

Deno.test("tls (real): a silent server times out within the bound", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of l) held.push(c); // accepts, never answers the ClientHello
  })();
  try {
    const started = Date.now();
    const f = await serverFindings(
      nodeTlsProbe,
      systemClock,
      configSchema.parse({
        servers: { screenRecorderHosts: [`127.0.0.1:${(l.addr as Deno.NetAddr).port}`] },
      }),
      null,
      { timeoutMs: 300 },
    );
    assertEquals(f[0]?.verdict, "FAIL");
    assertStringIncludes(f[0]!.detail, "timeout: no answer within 300 ms");
    assert(Date.now() - started < 2000);
  } finally {
    l.close();
    for (const c of held) c.close();
    await accepting.catch(() => {});
  }
});
