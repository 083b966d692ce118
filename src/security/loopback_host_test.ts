import { assertEquals } from "../testing/assert.ts";
import { isLoopbackHost } from "./loopback_host.ts";

Deno.test("loopback host: only 127.0.0.1 and localhost with the right port pass", () => {
  const table: [string | null, boolean][] = [
    ["127.0.0.1:41771", true],
    ["localhost:41771", true],
    ["LOCALHOST:41771", true],
    ["127.0.0.1", false],
    ["127.0.0.1:41772", false],
    ["evil.example.com:41771", false],
    ["localhost.evil.example.com:41771", false],
    ["127.0.0.1.nip.io:41771", false],
    ["[::1]:41771", false],
    ["0.0.0.0:41771", false],
    ["127.0.0.2:41771", false],
    ["", false],
    [null, false],
  ];
  for (const [host, ok] of table) assertEquals(isLoopbackHost(host, 41771), ok, String(host));
  assertEquals(isLoopbackHost("localhost", 80), true);
});
