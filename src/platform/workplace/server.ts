/**
 * A tiny server for the reference web workplace: `index.html` and the JsSDK bundled for the
 * browser (`page.ts` → `/jssdk.js`), on 127.0.0.1 and a port of the OS's choosing. Its origin
 * (`http://127.0.0.1:<port>`) is what a browser sends to the helper's ws2, so a test chooses
 * whether a page is on the helper's `ws2.allowedOrigins` by which server it opens it from.
 *
 * The bundle is made at run time with `deno bundle --platform browser` into a temporary
 * directory (once per process, shared by every server), so no build artefact is committed and
 * the page always runs the JsSDK as it is in the tree.
 */
import { fileURLToPath } from "node:url";
import { type LoopbackServer, serveLoopback } from "../../net/loopback_server.ts";

export interface WorkplaceParams {
  /** AgentServer's wss1 URL. */
  readonly wss1: string;
  readonly userID: string;
  readonly discoveryTimeoutMs?: number;
}

export interface WorkplaceServer {
  /** `http://127.0.0.1:<port>`: the Origin of every page this server serves. */
  readonly origin: string;
  /** The page's address with its query. */
  url(params: WorkplaceParams): string;
  stop(): Promise<void>;
}

export interface WorkplaceOptions {
  /** Port to listen on (default 0: the OS chooses). */
  readonly port?: number;
}

const HERE = new URL(".", import.meta.url);
const ENTRY = new URL("page.ts", HERE);
const HTML = new URL("index.html", HERE);
/** The repository root: `deno bundle` runs there so it finds deno.json and node_modules. */
const ROOT = new URL("../../../", HERE);

let bundled: Promise<string> | null = null;

/** Bundles page.ts for the browser (once per process) and returns the JavaScript. */
export function bundleJsSdk(): Promise<string> {
  bundled ??= runBundle().catch((e) => {
    bundled = null;
    throw e;
  });
  return bundled;
}

async function runBundle(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ah-workplace-" });
  const out = `${dir}/jssdk.js`;
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "browser", "--quiet", "-o", out, fileURLToPath(ENTRY)],
      cwd: fileURLToPath(ROOT),
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      const text = new TextDecoder().decode(result.stderr).trim();
      throw new Error(`deno bundle of the workplace page failed: ${text || `exit ${result.code}`}`);
    }
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function respond(body: string, type: string): Response {
  return new Response(body, {
    headers: {
      "content-type": `${type}; charset=utf-8`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

/** Starts serving the workplace; the bundle is made (or reused) before it listens. */
export async function startWorkplace(options: WorkplaceOptions = {}): Promise<WorkplaceServer> {
  const [script, html] = await Promise.all([bundleJsSdk(), Deno.readTextFile(HTML)]);
  const server: LoopbackServer = await serveLoopback((request) => {
    const path = new URL(request.url).pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    if (path === "/" || path === "/index.html") return respond(html, "text/html");
    if (path === "/jssdk.js") return respond(script, "text/javascript");
    return new Response("not found", { status: 404 });
  }, options.port ?? 0);
  const origin = `http://127.0.0.1:${server.port}`;
  return {
    origin,
    url: (params) => {
      const query = new URLSearchParams({ wss1: params.wss1, userID: params.userID });
      if (params.discoveryTimeoutMs !== undefined) {
        query.set("discoveryTimeoutMs", String(params.discoveryTimeoutMs));
      }
      return `${origin}/?${query}`;
    },
    stop: () => server.close(),
  };
}
