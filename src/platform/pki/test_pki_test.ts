import { assert, assertEquals, assertMatch, assertRejects } from "../../testing/assert.ts";
import { openWsClient } from "../agent_server/test_ws_client.ts";
import { isIpAddress, makeTestPki, type TestPki } from "./test_pki.ts";
import { x509 } from "./x509.ts";

/** A TLS WebSocket echo server with `pki`'s certificate. */
function echoServer(pki: TestPki) {
  return Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.certPem,
    key: pki.keyPem,
    onListen: () => {},
  }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    return response;
  });
}

Deno.test("the certificates have what TLS clients check", async () => {
  const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1", "::1"], validDays: 2 });
  assertMatch(pki.caPem, /^-----BEGIN CERTIFICATE-----\n/);
  assertMatch(pki.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  const ca = new x509.X509Certificate(pki.caPem);
  const cert = new x509.X509Certificate(pki.certPem);
  assertEquals(ca.getExtension(x509.BasicConstraintsExtension)?.ca, true);
  assert(
    ((ca.getExtension(x509.KeyUsagesExtension)?.usages ?? 0) & x509.KeyUsageFlags.keyCertSign) !==
      0,
  );
  assertEquals(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  assertEquals([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [
    x509.ExtendedKeyUsage.serverAuth,
  ]);
  const sans = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON();
  assertEquals(sans, [
    { type: "dns", value: "localhost" },
    { type: "ip", value: "127.0.0.1" },
    { type: "ip", value: "::1" },
  ]);
  assertEquals(cert.issuer, ca.subject);
  assert(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }));
  const days = (cert.notAfter.getTime() - Date.now()) / 86_400_000;
  assert(days > 1.9 && days <= 2, `valid for ${days} days`);
});

Deno.test("makeTestPki refuses an empty host list", async () => {
  await assertRejects(() => makeTestPki({ hosts: [] }), Error, "at least one host");
});

Deno.test("isIpAddress tells addresses from names", () => {
  for (const ip of ["127.0.0.1", "10.0.0.255", "::1", "fe80::1"]) assert(isIpAddress(ip), ip);
  for (const name of ["localhost", "a.example", "1.2.3", "999.1.1.1"]) {
    assert(!isIpAddress(name), name);
  }
});

Deno.test("Deno.serve takes the pair and a ws client trusting the CA connects", async () => {
  const pki = await makeTestPki({ hosts: ["localhost", "127.0.0.1"] });
  const server = echoServer(pki);
  try {
    for (const host of ["localhost", "127.0.0.1"]) {
      const opened = await openWsClient(`wss://${host}:${server.addr.port}/`, { ca: pki.caPem });
      assert(opened.ok, `${host}: ${opened.ok ? "" : opened.error ?? opened.status}`);
      opened.client.send("hi");
      const echo = await opened.client.received.waitFor(() => true);
      assertEquals(echo.text, "echo hi");
      await opened.client.close(1000);
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("a client trusting another CA (or none) refuses the server", async () => {
  const pki = await makeTestPki({ hosts: ["localhost"] });
  const other = await makeTestPki({ hosts: ["localhost"] });
  const server = echoServer(pki);
  try {
    const url = `wss://localhost:${server.addr.port}/`;
    const withOther = await openWsClient(url, { ca: other.caPem });
    assert(!withOther.ok);
    assertMatch(withOther.error ?? "", /unable to verify|self[- ]signed|unknown ?issuer/i);
    const withNone = await openWsClient(url);
    assert(!withNone.ok);
    assertMatch(withNone.error ?? "", /unable to verify|self[- ]signed|unknown ?issuer/i);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a client refuses a host the certificate does not name", async () => {
  const pki = await makeTestPki({ hosts: ["localhost"] });
  const server = echoServer(pki);
  try {
    const opened = await openWsClient(`wss://127.0.0.1:${server.addr.port}/`, { ca: pki.caPem });
    assert(!opened.ok);
    assertEquals(opened.code, "ERR_TLS_CERT_ALTNAME_INVALID");
  } finally {
    await server.shutdown();
  }
});
