/**
 * The agent's code never reaches into the reference platform (DESIGN.md §1: kept apart): only
 * `demo`, which runs the platform beside the agent, the test helpers and tests may import
 * `src/platform/`. And nothing in the agent binds a socket but `net/loopback_server.ts` (and
 * the port probe in `app/system.ts`), both on 127.0.0.1 only.
 */
import { assertEquals } from "../src/testing/assert.ts";

const ROOT = new URL("../src/", import.meta.url);

function* sources(dir: URL, prefix = ""): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      yield* sources(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`);
    } else if (entry.name.endsWith(".ts")) yield `${prefix}${entry.name}`;
  }
}

const allowedToImportPlatform = (file: string) =>
  file.startsWith("platform/") || file.startsWith("testing/") || file.endsWith("_test.ts") ||
  /^cli\/demo(_[a-z]+)?\.ts$/.test(file);

Deno.test("layering: only demo, tests and test helpers import the reference platform", () => {
  const offenders: string[] = [];
  for (const file of sources(ROOT)) {
    if (allowedToImportPlatform(file)) continue;
    const text = Deno.readTextFileSync(new URL(file, ROOT));
    if (/from\s+"[^"]*\/platform\//.test(text)) offenders.push(file);
  }
  assertEquals(offenders, []);
});

/** The server, and doctor's port probe (binds 127.0.0.1 and closes at once). */
const LISTENERS = ["net/loopback_server.ts", "app/system.ts"];

Deno.test("layering: the agent listens only through serveLoopback", () => {
  const offenders: string[] = [];
  for (const file of sources(ROOT)) {
    if (allowedToImportPlatform(file) || LISTENERS.includes(file)) continue;
    const text = Deno.readTextFileSync(new URL(file, ROOT));
    if (/Deno\.(serve|listen|listenTls)\s*\(/.test(text)) offenders.push(file);
  }
  assertEquals(offenders, []);
});

/**
 * The modules `main.ts` loads before any command runs: static imports only (type-only imports
 * are erased, `import()` waits until called), followed through relative paths. Bare
 * specifiers (npm packages) are collected, not followed.
 */
function staticGraph(entry: URL): { files: string[]; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = [entry.href];
  const importRe = /(?:^|[\n;])\s*(?:import|export)\s+(type\s+)?(?:[^;"]*?\sfrom\s+)?"([^"]+)"/g;
  while (stack.length > 0) {
    const href = stack.pop()!;
    if (seen.has(href)) continue;
    seen.add(href);
    for (const m of Deno.readTextFileSync(new URL(href)).matchAll(importRe)) {
      const [, typeOnly, spec] = m;
      if (typeOnly || !spec) continue;
      if (spec.startsWith(".")) stack.push(new URL(spec, href).href);
      else packages.add(spec.replace(/^(@[^/]+\/[^/]+|[^@/][^/]*).*$/, "$1"));
    }
  }
  const root = new URL("../", import.meta.url).href;
  return { files: [...seen].map((h) => h.slice(root.length)).sort(), packages };
}

Deno.test("layering: the agent's own start-up loads no platform, test or dev-only code", () => {
  const { files, packages } = staticGraph(new URL("../main.ts", import.meta.url));
  // Sanity: the walk does reach the agent (a broken regex would pass vacuously).
  for (const f of ["src/app/agent.ts", "src/recording/recorder.ts", "src/wss3/ws_connector.ts"]) {
    assertEquals(files.includes(f), true, `${f} not reached from main.ts`);
  }
  assertEquals(files.filter((f) => /^src\/(platform|testing)\/|_test\.ts$|^tests\//.test(f)), []);
  const devOnly = ["@peculiar/x509", "jose", "playwright-core", "ajv", "ajv-draft-04"];
  assertEquals(devOnly.filter((p) => packages.has(p)), []);
  // The stack the product is specified on: zod, hono, and the upload on grpc-js with the code
  // protobuf-es generates from proto/.
  for (const p of ["zod", "hono", "ws", "@grpc/grpc-js", "@bufbuild/protobuf"]) {
    assertEquals(packages.has(p), true, `${p} not loaded by main.ts`);
  }
});
