import { assert, assertEquals } from "../testing/assert.ts";
import { AGENT_V8_FLAGS, v8FlagsArg } from "./v8_flags.ts";

Deno.test("v8 flags: `deno task start` launches the agent with the agent's flags", async () => {
  const denoJson = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  const start = denoJson.tasks["start"] ?? "";
  assert(start.split(" ").includes(v8FlagsArg()), `start task: ${start}`);
  assertEquals(v8FlagsArg(), "--v8-flags=--max-semi-space-size=1");
  assert(AGENT_V8_FLAGS.every((f) => f.startsWith("--") && !f.includes(",")));
});
