import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { checkServerUri } from "./allow_list.ts";

const HOSTS = ["ags.example.com", "ags2.example.com:8443", "*.cc.example.net", "10.0.0.5:9443"];
const prod = { hosts: HOSTS, devMode: false };
const dev = { hosts: [...HOSTS, "localhost:9000", "127.0.0.1:9001"], devMode: true };

Deno.test("allow-list: listed hosts pass, normalised", () => {
  const cases: [string, string, number][] = [
    ["wss://ags.example.com/agent", "wss://ags.example.com/agent", 443],
    ["wss://AGS.Example.COM:443/x?y=1", "wss://ags.example.com/x?y=1", 443],
    ["wss://ags2.example.com:8443/", "wss://ags2.example.com:8443/", 8443],
    ["wss://eu.cc.example.net/wss3", "wss://eu.cc.example.net/wss3", 443],
    ["wss://a.b.cc.example.net/", "wss://a.b.cc.example.net/", 443],
    ["wss://10.0.0.5:9443/", "wss://10.0.0.5:9443/", 9443],
  ];
  for (const [uri, url, port] of cases) {
    const r = checkServerUri(uri, prod);
    assert(r.ok, `${uri} should pass`);
    assertEquals(r.url, url);
    assertEquals(r.port, port);
  }
});

Deno.test("allow-list: off-list and disguised addresses are refused with a reason", () => {
  const cases: [string, RegExp][] = [
    ["wss://evil.example.com/", /not on servers\.agentServerHosts/],
    ["wss://ags.example.com:8443/", /ags\.example\.com:8443 is not on/],
    ["wss://ags2.example.com/", /ags2\.example\.com:443 is not on/],
    ["wss://cc.example.net/", /not on/], // *.domain is not the domain itself
    ["wss://evilcc.example.net/", /not on/],
    ["wss://ags.example.com.evil.io/", /not on/],
    ["wss://ags.example.com@evil.io/", /user information/],
    ["wss://ags.example.com:443@evil.io/", /user information/],
    ["wss://user:pw@ags.example.com/", /user information/],
    ["wss://@ags.example.com/", /user information/],
    ["ws://ags.example.com/", /wss only/],
    ["https://ags.example.com/", /scheme https: is not allowed/],
    ["wss://ags.example.com./", /ending in a dot/],
    ["wss://ags.example.com/#frag", /fragment/],
    ["wss://ags.example.com\\@evil.io/", /backslashes/],
    ["wss://ags.example.com /", /spaces/],
    ["wss://ags.example.com\t/", /control|spaces/],
    ["ags.example.com", /not an absolute URL/],
    ["", /not an absolute URL/],
    ["wss://10.0.0.6:9443/", /not on/],
    ["wss://10.0.0.5/", /10\.0\.0\.5:443 is not on/],
    ["wss://167772165:9443/", /./], // 10.0.0.5 as one number: normalised, then listed? see below
    ["wss://[::1]/", /not on/],
    ["wss://127.0.0.1/", /not on/],
    ["wss://xn--ags-example-com/", /not on/],
  ];
  for (const [uri, reason] of cases) {
    const r = checkServerUri(uri, prod);
    if (uri === "wss://167772165:9443/") {
      // The parser turns the number into 10.0.0.5, which IS listed: the same host, so allowed.
      assert(r.ok && r.host === "10.0.0.5", "a numeric IPv4 is the listed address");
      continue;
    }
    assert(!r.ok, `${JSON.stringify(uri)} should be refused`);
    assertMatch(r.reason, reason);
  }
});

Deno.test("allow-list: ws:// only in devMode and only to listed loopback hosts", () => {
  assert(checkServerUri("ws://localhost:9000/", dev).ok);
  assert(checkServerUri("ws://127.0.0.1:9001/x", dev).ok);
  const notLoopback = checkServerUri("ws://ags.example.com/", dev);
  assert(!notLoopback.ok);
  assertMatch(notLoopback.reason, /only to a loopback host in devMode/);
  const unlisted = checkServerUri("ws://localhost:9999/", dev);
  assert(!unlisted.ok);
  assertMatch(unlisted.reason, /not on/);
  assert(!checkServerUri("ws://localhost:9000/", { ...dev, devMode: false }).ok);
});

Deno.test("allow-list: an empty list refuses everything and says so; no token is echoed", () => {
  const r = checkServerUri("wss://ags.example.com/?token=eyJsecret.x.y", {
    hosts: [],
    devMode: false,
  });
  assert(!r.ok);
  assertMatch(r.reason, /servers\.agentServerHosts is empty/);
  const t = checkServerUri("wss://eyJabc:eyJdef@evil.io/", prod);
  assert(!t.ok && !t.reason.includes("eyJ"));
});
