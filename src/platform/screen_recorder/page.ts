/**
 * The reference ScreenRecorder's web page for supervisors: search recordings, then play a
 * segment with one synchronised player per monitor (`web/player.js` explains the timeline).
 * Plain files from `web/`, served as they are (no bundler, no framework, nothing from another
 * origin), read-only, with a Content-Security-Policy that allows only this origin's scripts,
 * styles, media and API (no inline script or style).
 *
 *   GET /              web/index.html
 *   GET /player.js     web/player.js
 *   GET /player.css    web/player.css
 *   GET /favicon.svg   web/favicon.svg (so that the browser's icon request is not a 404)
 */
import type { Hono } from "hono";

/** The page's policy: this origin only, no inline code, no frames, no plugins. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Path on the server → file in `web/` and its media type. */
export const PAGE_ASSETS: Readonly<
  Record<string, { readonly file: string; readonly type: string }>
> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/player.js": { file: "player.js", type: "text/javascript; charset=utf-8" },
  "/player.css": { file: "player.css", type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
};

const WEB = new URL("./web/", import.meta.url);

/** The headers of every page response. */
export function pageHeaders(type: string): Headers {
  return new Headers({
    "Content-Type": type,
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
  });
}

/** Assets are read once per process, on first use (a failed read is retried next time). */
const cache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

function readAsset(file: string): Promise<Uint8Array<ArrayBuffer>> {
  let bytes = cache.get(file);
  if (bytes === undefined) {
    bytes = Deno.readFile(new URL(file, WEB));
    bytes.catch(() => cache.delete(file));
    cache.set(file, bytes);
  }
  return bytes;
}

/** Adds the page's routes (GET, and so HEAD) to the recorder's HTTP app. */
export function addPageRoutes(app: Hono): void {
  for (const [path, asset] of Object.entries(PAGE_ASSETS)) {
    app.get(path, async () => {
      const body = await readAsset(asset.file);
      return new Response(body, { headers: pageHeaders(asset.type) });
    });
  }
}
