/**
 * The workplace server over real HTTP: it serves the page and a browser bundle of the JsSDK that
 * stays browser-safe (no Deno API, no zod catalog pulled in) and small.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../../testing/assert.ts";
import { startWorkplace } from "./server.ts";

Deno.test("workplace: serves index.html and the browser bundle on 127.0.0.1, nothing else", async () => {
  const server = await startWorkplace();
  try {
    assertMatch(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    assertEquals(
      server.url({ wss1: "wss://localhost:8443/wss1", userID: "u 1", discoveryTimeoutMs: 500 }),
      `${server.origin}/?wss1=wss%3A%2F%2Flocalhost%3A8443%2Fwss1&userID=u+1&discoveryTimeoutMs=500`,
    );
    const page = await fetch(`${server.origin}/`);
    assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
    const html = await page.text();
    for (const id of ["phase", "helper-state", "platform-state", "report", "log"]) {
      assertStringIncludes(html, `id="${id}"`);
    }
    assertStringIncludes(html, 'src="/jssdk.js"');

    const script = await fetch(`${server.origin}/jssdk.js`);
    assertEquals(script.headers.get("content-type"), "text/javascript; charset=utf-8");
    const js = await script.text();
    assertStringIncludes(js, "getAgentHelperData");
    assert(!/\bDeno\./.test(js), "the browser bundle uses no Deno API");
    assert(!js.includes("zod"), "the browser bundle does not pull in the zod catalog");
    assert(js.length < 100_000, `the bundle is ${js.length} bytes`);

    assertEquals(await fetch(`${server.origin}/index.html`).then((r) => r.text()), html);
    const missing = await fetch(`${server.origin}/src/platform/jssdk/jssdk.ts`);
    await missing.body?.cancel();
    assertEquals(missing.status, 404);
    const post = await fetch(`${server.origin}/`, { method: "POST", body: "x" });
    await post.body?.cancel();
    assertEquals(post.status, 405);
  } finally {
    await server.stop();
  }
});
