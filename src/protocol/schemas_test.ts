/**
 * `schemas/` is generated from the zod schemas: it must not drift, every file must be a valid
 * draft 2020-12 schema, and every message the catalog can produce must satisfy its file.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import {
  checkSchemaDir,
  expectedSchemaFiles,
  README,
  schemaFileName,
  schemaId,
} from "../../scripts/gen_schemas.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { CATALOG, parseInbound } from "./catalog.ts";
import { allSamples } from "./samples.ts";

const expected = expectedSchemaFiles();

function ajvWithAll() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  for (const [name, text] of expected) if (name !== README) ajv.addSchema(JSON.parse(text));
  return ajv;
}

Deno.test("schemas/ on disk is what the generator writes (run scripts/gen_schemas.ts)", async () => {
  const drift = await checkSchemaDir();
  assertEquals(drift, { drifted: [], missing: [], extra: [] });
});

Deno.test("the generator is deterministic and covers every message once", () => {
  const again = expectedSchemaFiles();
  assertEquals([...again], [...expected]);
  assertEquals(expected.size, CATALOG.length + 2); // + README.md and config.schema.json
  for (const entry of CATALOG) assert(expected.has(schemaFileName(entry)), entry.name);
  for (const [name, text] of expected) {
    assert(text.endsWith("\n"), name);
    if (name === README) continue;
    // Two-space JSON with keys in order at every level.
    assertEquals(JSON.stringify(JSON.parse(text), null, 2) + "\n", text);
    const keys = Object.keys(JSON.parse(text));
    assertEquals(keys, [...keys].sort(), name);
  }
});

Deno.test("every generated schema compiles under Ajv's draft 2020-12, strict mode", () => {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  for (const [name, text] of expected) {
    if (name === README) continue;
    const schema = JSON.parse(text) as Record<string, unknown>;
    assertEquals(schema.$schema, "https://json-schema.org/draft/2020-12/schema", name);
    assert(typeof schema.title === "string" && typeof schema.description === "string", name);
    ajv.compile(schema);
  }
});

Deno.test("a sample of every message validates against its generated schema", () => {
  const ajv = ajvWithAll();
  for (const { entry, message } of allSamples()) {
    const validate = ajv.getSchema(schemaId(entry));
    assert(validate, schemaId(entry));
    assert(validate(message), `${entry.channel}.${entry.name}: ${JSON.stringify(validate.errors)}`);
  }
});

Deno.test("written-form schemas refuse extra fields; accepted-form ones allow them", () => {
  const ajv = ajvWithAll();
  for (const { entry, message } of allSamples()) {
    const validate = ajv.getSchema(schemaId(entry))!;
    const extra = { ...message, extra: 1 };
    assertEquals(validate(extra), entry.direction === "toHelper", `${entry.name}`);
  }
});

Deno.test("the accepted form documents the defects the helper reads", () => {
  const ajv = ajvWithAll();
  const open = ajv.getSchema(schemaId({ channel: "ws2", name: "agentOpenConnect" }))!;
  const sourceStyle = {
    action: "agentHelperConnect",
    version: "v1.0",
    transaction: "string",
    data: { agentServerURI: "XXX", JWTToken: "WWW", userID: "UUID", retryDelay: 7 },
  };
  assert(open(sourceStyle), JSON.stringify(open.errors));
  // And the schema agrees with the parser on it.
  assert(parseInbound("ws2", JSON.stringify(sourceStyle)).ok);
});

Deno.test("the README indexes every file", () => {
  const readme = expected.get(README)!;
  for (const entry of CATALOG) assert(readme.includes(`(${schemaFileName(entry)})`), entry.name);
});
