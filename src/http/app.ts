/**
 * The loopback HTTP app for local monitoring (Hono; runtime-neutral, served by `serveLoopback`).
 * GET and HEAD only, Host must be 127.0.0.1/localhost with our port, no CORS headers at all,
 * and a request carrying an `Origin` (i.e. made by a web page) is refused: nothing here is for
 * browsers.
 */
import { Hono } from "hono";
import type { MetricsRegistry } from "../metrics/registry.ts";
import { isLoopbackHost } from "../security/loopback_host.ts";

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface HttpAppDeps {
  readonly metrics: MetricsRegistry;
  /** The `/status` document. */
  readonly status: () => unknown;
  readonly readiness: () => Promise<readonly ReadinessCheck[]> | readonly ReadinessCheck[];
}

export interface HttpAppOptions {
  /** The port we are bound to, for the Host check (known only after listening on port 0). */
  readonly port: () => number;
}

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

export function createHttpApp(deps: HttpAppDeps, options: HttpAppOptions): Hono {
  const app = new Hono();
  app.use("*", async (c, next) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD") {
      return c.text("method not allowed\n", 405, { allow: "GET, HEAD", ...SECURITY_HEADERS });
    }
    if (!isLoopbackHost(c.req.header("host"), options.port())) {
      return c.text("forbidden host\n", 403, SECURITY_HEADERS);
    }
    if (c.req.header("origin") !== undefined) {
      return c.text("forbidden: not for web pages\n", 403, SECURITY_HEADERS);
    }
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    return undefined;
  });
  app.get("/healthz", (c) => c.text("ok\n"));
  app.get("/readyz", async (c) => {
    const checks = await deps.readiness();
    const ready = checks.every((ch) => ch.ok);
    return c.json({ ready, checks }, ready ? 200 : 503);
  });
  app.get(
    "/metrics",
    (c) =>
      c.body(deps.metrics.render(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      }),
  );
  app.get("/status", (c) => c.json(deps.status()));
  app.notFound((c) => c.text("not found\n", 404));
  return app;
}
