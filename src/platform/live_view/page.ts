/**
 * The supervisor's live view page: plain files from `web/` (no bundler, nothing from another
 * origin), with a Content-Security-Policy that allows only this origin's script, style, media
 * (blob: for the MediaSource's object URL) and WebSocket, no inline code. The page itself is
 * behind the console key (service.ts); its script, style and icon hold nothing secret.
 *
 *   GET /live-view       web/live_view.html
 *   GET /live-view.js    web/live_view.js
 *   GET /live-view.css   web/live_view.css
 *   GET /live-view.svg   web/live_view.svg (the icon, so the browser's request is not a 404)
 */

export const LIVE_PAGE_PATH = "/live-view";

/** This origin only, no inline code; media from blob: URLs (MSE). */
export const LIVE_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  [LIVE_PAGE_PATH]: { file: "live_view.html", type: "text/html; charset=utf-8" },
  [`${LIVE_PAGE_PATH}.js`]: { file: "live_view.js", type: "text/javascript; charset=utf-8" },
  [`${LIVE_PAGE_PATH}.css`]: { file: "live_view.css", type: "text/css; charset=utf-8" },
  [`${LIVE_PAGE_PATH}.svg`]: { file: "live_view.svg", type: "image/svg+xml" },
};

const WEB = new URL("./web/", import.meta.url);

/** Read once per process, on first use; synchronously, since they are a few kilobytes. */
const cache = new Map<string, Uint8Array<ArrayBuffer>>();

function readAsset(file: string): Uint8Array<ArrayBuffer> {
  let bytes = cache.get(file);
  if (bytes === undefined) {
    bytes = Deno.readFileSync(new URL(file, WEB));
    cache.set(file, bytes);
  }
  return bytes;
}

/** The asset at `path` (404 when there is none), with the page's headers and `extra` ones. */
export function servePageAsset(
  path: string,
  method: string,
  extra: Record<string, string> = {},
): Response {
  const asset = ASSETS[path];
  if (asset === undefined) {
    return new Response("not found\n", { status: 404, headers: { "content-type": "text/plain" } });
  }
  const body = readAsset(asset.file);
  return new Response(method === "HEAD" ? null : body, {
    headers: {
      "content-type": asset.type,
      "content-length": String(body.length),
      "content-security-policy": LIVE_PAGE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
      ...extra,
    },
  });
}
