/**
 * The ScreenRecorder's HTTP side (hono): the list of recordings with their metadata, and each
 * recording's committed bytes as video/mp4 with range requests, so a browser can play (MSE) or
 * seek in a recording while it is still being uploaded. Read-only.
 *
 *   GET /  (and its assets)
 *       the supervisors' page: search, and synchronised playback of a segment's monitors
 *       (page.ts, web/)
 *   GET /api/recordings?operator=&interaction=&segment=&from=&to=
 *       from/to: Unix ms, inclusive, against the Header's started_at_unix_ms
 *       each entry: a `RecordingInfo` (Header, committed offset, finish result and `summary`,
 *       the agent's frames / durationMs / endedAtUnixMs / incompleteReason, null until
 *       finished) plus `url`
 *   GET|HEAD /recordings/<fileName>
 */
import { Hono } from "hono";
import { fileNameProblem } from "./file_name.ts";
import { addPageRoutes } from "./page.ts";
import { decideRange } from "./range.ts";
import type { RecordingInfo, RecordingStore } from "./store.ts";

/**
 * What the listing says about one recording: everything in `RecordingInfo`, `summary`
 * included, plus where to fetch it.
 */
export interface RecordingListing extends RecordingInfo {
  /** Path of its bytes on this server. */
  readonly url: string;
}

export interface ListFilter {
  readonly operator?: string;
  readonly interaction?: string;
  readonly segment?: string;
  readonly from?: number;
  readonly to?: number;
}

export function matchesFilter(info: RecordingInfo, f: ListFilter): boolean {
  const h = info.header;
  if (f.operator !== undefined && h.operatorId !== f.operator) return false;
  if (f.interaction !== undefined && h.interactionId !== f.interaction) return false;
  if (f.segment !== undefined && h.segmentId !== f.segment) return false;
  if (f.from !== undefined && h.startedAtUnixMs < f.from) return false;
  if (f.to !== undefined && h.startedAtUnixMs > f.to) return false;
  return true;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseFilter(query: Record<string, string>): Parsed<ListFilter> {
  const filter: { -readonly [K in keyof ListFilter]: ListFilter[K] } = {};
  for (const key of ["operator", "interaction", "segment"] as const) {
    const v = query[key];
    if (v !== undefined) filter[key] = v;
  }
  for (const key of ["from", "to"] as const) {
    const v = query[key];
    if (v === undefined) continue;
    if (!/^-?\d+$/.test(v)) return { ok: false, error: `${key} must be Unix milliseconds` };
    filter[key] = Number(v);
  }
  return { ok: true, value: filter };
}

export interface HttpAppOptions {
  /**
   * Host names the `Host` header may carry (any port); absent: any. Bound to loopback, the
   * recorder takes only `127.0.0.1` and `localhost`, so that a web page that rebinds its own
   * domain to 127.0.0.1 cannot read recordings (DNS rebinding).
   */
  readonly allowedHostNames?: readonly string[];
}

/** The host name of a `Host` header value (`[::1]:80` → `[::1]`), lower case. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  return h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d*$/, "");
}

export function createHttpApp(store: RecordingStore, options: HttpAppOptions = {}): Hono {
  const app = new Hono();
  const allowed = options.allowedHostNames;
  app.use("*", async (c, next) => {
    if (allowed && !allowed.includes(hostName(c.req.header("host") ?? ""))) {
      return c.text("forbidden host\n", 403);
    }
    return await next();
  });
  app.use("*", async (c, next) => {
    await next();
    c.res.headers.set("X-Content-Type-Options", "nosniff");
  });
  addPageRoutes(app);

  app.get("/api/recordings", async (c) => {
    const filter = parseFilter(c.req.query());
    if (!filter.ok) return c.json({ error: filter.error }, 400);
    const infos = (await store.list())
      .filter((i) => matchesFilter(i, filter.value))
      .sort((a, b) =>
        a.header.startedAtUnixMs - b.header.startedAtUnixMs ||
        (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0)
      );
    const listing: RecordingListing[] = infos.map((i) => ({
      ...i,
      url: `/recordings/${encodeURIComponent(i.fileName)}`,
    }));
    return c.json(listing);
  });

  // Registered for GET; hono routes HEAD to it too, and HEAD is answered without a body.
  app.get("/recordings/:fileName", async (c) => {
    const fileName = c.req.param("fileName");
    const info = fileNameProblem(fileName) === undefined ? await store.get(fileName) : undefined;
    if (info === undefined) return c.text("no such recording\n", 404);
    const size = info.committed;
    const headers = new Headers({
      "Content-Type": "video/mp4",
      "Accept-Ranges": "bytes",
      "Cache-Control": "no-store",
    });
    const range = decideRange(c.req.header("range"), size);
    if (range.kind === "unsatisfiable") {
      headers.set("Content-Range", `bytes */${size}`);
      return new Response(null, { status: 416, headers });
    }
    const [start, end, statusCode] = range.kind === "partial"
      ? [range.start, range.end + 1, 206]
      : [0, size, 200];
    headers.set("Content-Length", String(end - start));
    if (range.kind === "partial") headers.set("Content-Range", `bytes ${start}-${end - 1}/${size}`);
    if (c.req.method === "HEAD") return new Response(null, { status: statusCode, headers });
    const body = await store.read(fileName, start, end);
    return new Response(body, { status: statusCode, headers });
  });

  return app;
}
