import { assertEquals } from "../testing/assert.ts";
import { checkHandshake, type HandshakeRequest } from "./handshake.ts";

Deno.test("ws2 handshake: the origin and host refusal table", () => {
  const options = {
    port: 41770,
    allowedOrigins: ["https://workplace.example.com", "http://127.0.0.1:8080"],
  };
  const base: HandshakeRequest = {
    method: "GET",
    host: "127.0.0.1:41770",
    origin: "https://workplace.example.com",
    upgrade: "websocket",
  };
  const table: [Partial<HandshakeRequest>, string][] = [
    [{}, "ok"],
    [{ host: "localhost:41770" }, "ok"],
    [{ origin: "http://127.0.0.1:8080" }, "ok"],
    [{ origin: null }, "origin-missing"],
    [{ origin: "null" }, "origin-missing"],
    [{ origin: "" }, "origin-missing"],
    [{ origin: "https://workplace.example.com.evil.example" }, "origin"],
    [{ origin: "https://evil-workplace.example.com" }, "origin"],
    [{ origin: "http://workplace.example.com" }, "origin"],
    [{ origin: "https://workplace.example.com:8443" }, "origin"],
    [{ origin: "https://workplace.example.com/" }, "origin"],
    [{ origin: "HTTPS://WORKPLACE.EXAMPLE.COM" }, "origin"],
    [{ origin: "http://127.0.0.1:8081" }, "origin"],
    [{ host: "evil.example.com:41770" }, "host"],
    [{ host: "127.0.0.1:41771" }, "host"],
    [{ host: null }, "host"],
    [{ method: "POST" }, "method"],
    [{ upgrade: null }, "not-websocket"],
  ];
  for (const [change, expected] of table) {
    const v = checkHandshake({ ...base, ...change }, options);
    assertEquals(v.ok ? "ok" : v.reason, expected, JSON.stringify(change));
  }
});
