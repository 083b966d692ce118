import { Ajv2020 } from "ajv/dist/2020.js";
import { assert, assertStringIncludes } from "../testing/assert.ts";
import { configJsonSchema, configMarkdown, EXAMPLE_CONFIG } from "./docs.ts";
import { ENV_KEYS } from "./env_overrides.ts";
import { configSchema } from "./schema.ts";

Deno.test("config docs: every key and its variable are documented", () => {
  const md = configMarkdown();
  for (const key of ENV_KEYS) {
    assertStringIncludes(md, `\`${key.path.join(".")}\``);
    assertStringIncludes(md, `\`${key.name}\``);
  }
});

Deno.test("config JSON Schema: the documented example passes, a typo and a bad port do not", () => {
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(configJsonSchema());
  assert(validate(EXAMPLE_CONFIG), JSON.stringify(validate.errors));
  assert(configSchema.safeParse(EXAMPLE_CONFIG).success);
  assert(!validate({ ws2: { prot: 1 } }));
  assert(!validate({ ws2: { port: 70000 } }));
  assert(!validate({ log: { level: "loud" } }));
});
