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
  /^cli\/demo(_session)?\.ts$/.test(file);

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
