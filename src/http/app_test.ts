import { MetricsRegistry } from "../metrics/registry.ts";
import { serveLoopback } from "../net/loopback_server.ts";
import { assert, assertEquals, assertStringIncludes } from "../testing/assert.ts";
import { rawRequest } from "../testing/raw_http.ts";
import { createHttpApp, type ReadinessCheck } from "./app.ts";

async function withApp(
  checks: ReadinessCheck[],
  body: (port: number, metrics: MetricsRegistry) => Promise<void>,
) {
  const metrics = new MetricsRegistry();
  metrics.counter({
    name: "agent_helper_test_events_total",
    help: "Test events.",
    labels: ["kind"],
  })
    .inc({ kind: "a" });
  let port = 0;
  const app = createHttpApp(
    {
      metrics,
      status: () => ({ version: "t", registration: { state: "idle" } }),
      readiness: () => checks,
    },
    { port: () => port },
  );
  const server = await serveLoopback(app.fetch, 0);
  port = server.port;
  try {
    await body(port, metrics);
  } finally {
    await server.close();
  }
}

Deno.test("http: healthz, status, readyz and metrics answer on 127.0.0.1", async () => {
  await withApp([{ name: "config", ok: true, detail: "valid" }], async (port) => {
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    assertEquals([health.status, await health.text()], [200, "ok\n"]);
    assertEquals(health.headers.get("access-control-allow-origin"), null);
    assertEquals(health.headers.get("cache-control"), "no-store");
    const status = await (await fetch(`http://localhost:${port}/status`)).json();
    assertEquals(status.registration.state, "idle");
    const ready = await fetch(`${base}/readyz`);
    assertEquals(ready.status, 200);
    assertEquals((await ready.json()).ready, true);
    const metrics = await fetch(`${base}/metrics`);
    assertStringIncludes(metrics.headers.get("content-type") ?? "", "text/plain; version=0.0.4");
    assertStringIncludes(await metrics.text(), 'agent_helper_test_events_total{kind="a"} 1');
    const missing = await fetch(`${base}/nope`);
    assertEquals(missing.status, 404);
    await missing.body?.cancel();
  });
});

Deno.test("http: readyz is 503 and names the failing check", async () => {
  await withApp(
    [{ name: "config", ok: true, detail: "valid" }, {
      name: "ffmpeg",
      ok: false,
      detail: "not found",
    }],
    async (port) => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      assertEquals(r.status, 503);
      const body = await r.json();
      assertEquals(body.ready, false);
      assertEquals(body.checks[1], { name: "ffmpeg", ok: false, detail: "not found" });
    },
  );
});

Deno.test("http: foreign Host, web-page Origin and non-GET methods are refused", async () => {
  await withApp([], async (port) => {
    const table: [string, number][] = [
      [`GET /healthz HTTP/1.1\nHost: 127.0.0.1:${port}\nConnection: close`, 200],
      [`HEAD /healthz HTTP/1.1\nHost: 127.0.0.1:${port}\nConnection: close`, 200],
      [`GET /healthz HTTP/1.1\nHost: evil.example.com:${port}\nConnection: close`, 403],
      [`GET /healthz HTTP/1.1\nHost: 127.0.0.1:${port + 1}\nConnection: close`, 403],
      [`GET /status HTTP/1.1\nHost: localhost.evil.example.com:${port}\nConnection: close`, 403],
      [
        `GET /status HTTP/1.1\nHost: 127.0.0.1:${port}\nOrigin: https://evil.example.com\nConnection: close`,
        403,
      ],
      [`GET /status HTTP/1.1\nHost: 127.0.0.1:${port}\nOrigin: null\nConnection: close`, 403],
      [
        `POST /healthz HTTP/1.1\nHost: 127.0.0.1:${port}\nContent-Length: 0\nConnection: close`,
        405,
      ],
      [`OPTIONS /metrics HTTP/1.1\nHost: 127.0.0.1:${port}\nConnection: close`, 405],
    ];
    for (const [head, expected] of table) {
      const r = await rawRequest(port, head);
      assertEquals(r.status, expected, head.split("\n").join(" | "));
      assertEquals(r.headers.get("access-control-allow-origin"), null);
    }
  });
});

Deno.test("http: /metrics passes promtool check metrics", async () => {
  const promtool = "/usr/bin/promtool";
  try {
    await Deno.stat(promtool);
  } catch {
    throw new Error(
      "promtool is missing: install the Debian package `prometheus` (scripts/run.sh test does)",
    );
  }
  await withApp([], async (port, metrics) => {
    metrics.gauge({ name: "agent_helper_test_bytes", help: 'Bytes with "quotes" and \\ in help.' })
      .set(1.5);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const child = new Deno.Command(promtool, {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
    const out = await child.output();
    const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.success, `promtool: ${said}\n---\n${text}`);
  });
});
