/** The supervisors' page as the recorder serves it: the files, their types and headers. */
import { assert, assertEquals, assertStringIncludes } from "../../testing/assert.ts";
import { PAGE_ASSETS, PAGE_CSP } from "./page.ts";
import { startTestRecorder } from "./test_recorder.ts";

const WEB = new URL("./web/", import.meta.url);

Deno.test("page: the page and its assets, read-only, with CSP and nosniff; others 404", async (t) => {
  const rec = await startTestRecorder();
  const base = `http://127.0.0.1:${rec.recorder.httpPort}`;
  try {
    await t.step("/ is the page, loading its script and style from this origin only", async () => {
      const res = await fetch(`${base}/`);
      assertEquals(res.status, 200);
      assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
      assertEquals(res.headers.get("content-security-policy"), PAGE_CSP);
      assertEquals(res.headers.get("x-content-type-options"), "nosniff");
      const html = await res.text();
      assertEquals(html, await Deno.readTextFile(new URL("index.html", WEB)));
      assertStringIncludes(html, '<script type="module" src="/player.js"></script>');
      assertStringIncludes(html, '<link rel="stylesheet" href="/player.css">');
      assertEquals(html.match(/<script/g)?.length, 1, "no inline script");
      assert(!/\sstyle=|<style|\son[a-z]+=/i.test(html), "no inline style or handler");
    });

    await t.step("the policy allows nothing inline and nothing from elsewhere", () => {
      const directives = new Map(
        PAGE_CSP.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]),
      );
      for (const name of ["default-src", "script-src", "style-src", "media-src", "connect-src"]) {
        assertEquals(directives.get(name), ["'self'"], name);
      }
      assertEquals(directives.get("object-src"), ["'none'"]);
      assertEquals(directives.get("frame-ancestors"), ["'none'"]);
      assert(!PAGE_CSP.includes("unsafe"), PAGE_CSP);
    });

    await t.step("each asset is served as its file with its type", async () => {
      for (const [path, asset] of Object.entries(PAGE_ASSETS)) {
        const res = await fetch(`${base}${path}`);
        assertEquals(res.status, 200, path);
        assertEquals(res.headers.get("content-type"), asset.type, path);
        assertEquals(res.headers.get("content-security-policy"), PAGE_CSP, path);
        assertEquals(res.headers.get("x-content-type-options"), "nosniff", path);
        assertEquals(
          new Uint8Array(await res.arrayBuffer()),
          await Deno.readFile(new URL(asset.file, WEB)),
          path,
        );
      }
      assertEquals(PAGE_ASSETS["/player.js"]?.type, "text/javascript; charset=utf-8");
      assertEquals(PAGE_ASSETS["/player.css"]?.type, "text/css; charset=utf-8");
    });

    await t.step("HEAD answers the headers without a body", async () => {
      const res = await fetch(`${base}/player.js`, { method: "HEAD" });
      assertEquals(res.status, 200);
      assertEquals(res.headers.get("content-type"), "text/javascript; charset=utf-8");
      assertEquals((await res.arrayBuffer()).byteLength, 0);
    });

    await t.step("anything else is 404: other files of the folder, the sources", async () => {
      for (
        const path of [
          "/index.html",
          "/web/player.js",
          "/player.ts",
          "/page.ts",
          "/player.js/",
          "/%2e%2e/page.ts",
          "/web/..%2fpage.ts",
        ]
      ) {
        const res = await fetch(`${base}${path}`);
        assertEquals(res.status, 404, path);
        assertEquals(res.headers.get("x-content-type-options"), "nosniff", path);
        await res.body?.cancel();
      }
    });

    await t.step("the page is read-only", async () => {
      for (const method of ["POST", "PUT", "DELETE"]) {
        const res = await fetch(`${base}/`, { method, body: method === "DELETE" ? null : "x" });
        assertEquals(res.status, 404, method);
        await res.body?.cancel();
      }
    });

    await t.step("the API's answers carry nosniff too", async () => {
      const res = await fetch(`${base}/api/recordings`);
      assertEquals(res.status, 200);
      assertEquals(res.headers.get("x-content-type-options"), "nosniff");
      assertEquals(await res.json(), []);
    });
  } finally {
    await rec.dispose();
  }
});
