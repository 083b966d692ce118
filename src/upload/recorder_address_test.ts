import { assertEquals } from "../testing/assert.ts";
import { checkRecorderAddress } from "./recorder_address.ts";

const hosts = ["rec.example.com", "*.corp.example:8443", "127.0.0.1:50051"];

Deno.test("recorder address: only hosts on screenRecorderHosts, TLS unless devMode loopback", () => {
  const ok = (a: string, devMode = false) => {
    const r = checkRecorderAddress(a, { hosts, devMode });
    return r.ok ? `${r.secure ? "tls" : "plain"}:${r.target}` : r.reason;
  };
  assertEquals(ok("rec.example.com"), "tls:rec.example.com:443");
  assertEquals(ok("rec.example.com:443"), "tls:rec.example.com:443");
  assertEquals(ok("https://REC.example.com"), "tls:rec.example.com:443");
  assertEquals(ok("a.corp.example:8443"), "tls:a.corp.example:8443");
  assertEquals(ok("127.0.0.1:50051"), "tls:127.0.0.1:50051");
  assertEquals(ok("http://127.0.0.1:50051", true), "plain:127.0.0.1:50051");
  const refused = [
    ["", "no ScreenRecorder address"],
    ["evil.example.com", "not on servers.screenRecorderHosts"],
    ["rec.example.com:444", "not on servers.screenRecorderHosts"],
    ["corp.example:8443", "not on servers.screenRecorderHosts"],
    ["http://127.0.0.1:50051", "plaintext gRPC"],
    ["http://rec.example.com", "plaintext gRPC"],
    ["rec.example.com@evil.com", "contains spaces, @"],
    ["https://rec.example.com/x", "path"],
    ["ftp://rec.example.com", "scheme"],
  ] as const;
  for (const [address, why] of refused) {
    const r = ok(address, address.startsWith("http://rec"));
    assertEquals(r.includes(why), true, `${address}: ${r}`);
  }
  assertEquals(
    checkRecorderAddress("rec.example.com", { hosts: [], devMode: false }).ok,
    false,
  );
});
