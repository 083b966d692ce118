/**
 * The source specification's own messages (tests/fixtures/spec, extracted verbatim): what it
 * sends to the helper parses; what the helper sends validates against the source's JSON
 * Schemas; the source's examples of helper messages, defects and all, are read and re-written
 * clean.
 */
// ajv-draft-04 is CommonJS: its class is both the module and `.default`; the types know only the latter.
import Ajv04 from "ajv-draft-04";
import { assert, assertEquals, assertNotIncludes } from "../testing/assert.ts";
import { buildMessage, CATALOG, type CatalogEntry, type Channel, parseInbound } from "./catalog.ts";
import { message } from "./envelope.ts";
import { SAMPLE_DATA, SAMPLE_TRANSACTION, sampleKey } from "./samples.ts";

const FIXTURES = new URL("../../tests/fixtures/spec/", import.meta.url);

interface Fixture {
  readonly file: string;
  readonly kind: "schema" | "example";
  readonly name: string;
  /** The canonical message of the section (misspelt headings normalised). */
  readonly message: string;
  readonly direction: "toHelper" | "fromHelper" | "platform";
  readonly pairedSchema: string | null;
}

const index = JSON.parse(Deno.readTextFileSync(new URL("index.json", FIXTURES))) as Fixture[];
const text = (file: string) => Deno.readTextFileSync(new URL(file, FIXTURES));
const json = (file: string) => JSON.parse(text(file)) as Record<string, unknown>;

/** The catalog entry a fixture is about; the index's `message`, not the block's own title. */
function entryFor(f: Fixture): CatalogEntry {
  const entry = CATALOG.find((e) =>
    e.name === f.message &&
    (f.direction === "platform"
      ? e.direction === "platform"
      : e.direction === f.direction && e.channel !== "platform")
  );
  if (!entry) throw new Error(`no catalog entry for ${f.file} (${f.message})`);
  return entry;
}

function sourceValidator(schemaFile: string) {
  const ajv = new Ajv04.default({ strict: true, allErrors: true });
  return ajv.compile(json(schemaFile));
}

Deno.test("the index lists the 40 blocks the README describes", () => {
  assertEquals(index.length, 40);
  assertEquals(index.filter((f) => f.kind === "schema").length, 20);
});

Deno.test("every source example sent to the helper parses through parseInbound", () => {
  const examples = index.filter((f) => f.kind === "example" && f.direction === "toHelper");
  assertEquals(examples.map((f) => f.file), [
    "24-agentHelperConnect.example.json",
    "34-agentHelperConnect.example.json",
  ]);
  for (const f of examples) {
    const entry = entryFor(f);
    const parsed = parseInbound(entry.channel, text(f.file));
    assert(parsed.ok, `${f.file}: ${parsed.ok ? "" : parsed.reason}`);
    assertEquals(parsed.message.action, "agentOpenConnect");
    assertEquals(parsed.alias, "agentHelperConnect");
    assertEquals(parsed.message.transaction, "string");
  }
  // v1 has no retryDelay (the config's default applies); v2 sends "1": one second.
  const v1 = parseInbound("ws2", text("24-agentHelperConnect.example.json"));
  const v2 = parseInbound("ws2", text("34-agentHelperConnect.example.json"));
  assert(v1.ok && v1.message.action === "agentOpenConnect");
  assert(v2.ok && v2.message.action === "agentOpenConnect");
  assertEquals(v1.message.data, { agentServerURI: "XXX", JWTToken: "WWW", userID: "UUID" });
  assertEquals(v2.message.data.retryDelay, 1);
});

/** Both outcomes where the message is a result: the source's schemas differ on neither. */
function realisticData(entry: CatalogEntry): unknown[] {
  const sample = SAMPLE_DATA[sampleKey(entry)] as Record<string, unknown>;
  if (!("result" in sample)) return [sample];
  if (entry.name === "newRecBatch") {
    return [sample, { ...sample, result: "error", resultDesc: "spoolFull: spool is full" }];
  }
  const success = sample.result === "success" ? sample : { result: "success" };
  return [success, { result: "error", resultDesc: "alreadyRecording: segment seg-1 is open" }];
}

Deno.test("what the helper sends validates against the source's JSON Schema", () => {
  const schemas = index.filter((f) => f.kind === "schema" && f.direction === "fromHelper");
  assertEquals(schemas.length, 11);
  const covered = new Set<string>();
  for (const f of schemas) {
    const entry = entryFor(f);
    const validate = sourceValidator(f.file);
    for (const data of realisticData(entry)) {
      // buildMessage runs our strict writer: a message it returns is one we would send.
      const built = buildMessage(
        entry.channel as Channel,
        entry.name as never,
        data as never,
        SAMPLE_TRANSACTION,
      );
      const ok = validate(built);
      assert(ok, `${f.file} (${entry.name}): ${JSON.stringify(validate.errors)}`);
    }
    covered.add(entry.name);
  }
  // File 11 is titled resultStartScreenRecord but is resultStopScreenRecord's schema.
  assert(covered.has("resultStopScreenRecord"));
  assertEquals(covered.size, 9);
});

/**
 * Our strict writers refuse three of the source's examples, because they lack what this
 * project adds (DESIGN.md §2) or carry a placeholder: reading them is what matters.
 */
const WRITER_REFUSES = new Set([
  "02-agentHelperInfo.example.json", // no osVersion, displays, capabilities
  "04-newRecBatch.example.json", // no segmentId, display, part
  "16-streamBlob.example.json", // payload "массив байт" is not base64; no streamId, seq
]);

function readAndRewrite(f: Fixture) {
  const entry = entryFor(f);
  const parsed = parseInbound(entry.channel, text(f.file), entry.to);
  assert(parsed.ok, `${f.file}: ${parsed.ok ? "" : parsed.reason}`);
  const read = parsed.message as { action: string; transaction?: string; data: unknown };
  const clean = message(read.action, read.data, read.transaction);
  return { entry, parsed, clean };
}

Deno.test("the source's examples of helper messages are read and re-written clean", () => {
  const examples = index.filter((f) => f.kind === "example" && f.direction === "fromHelper");
  assertEquals(examples.length, 11);
  assertEquals(json("02-agentHelperInfo.example.json").version, "v1.0"); // the defect is there
  for (const f of examples) {
    const { entry, clean } = readAndRewrite(f);
    const original = json(f.file);
    // The clean form is the example with its defects repaired and nothing else changed.
    assertEquals(clean, { ...original, version: "1.0" }, f.file);
    const wire = JSON.stringify(clean);
    assertNotIncludes(wire, '"v1.0"');
    assertNotIncludes(wire, '"succes"');
    // It still satisfies the source's schema of the message.
    assert(f.pairedSchema !== null);
    const validate = sourceValidator(f.pairedSchema);
    assert(validate(clean), `${f.file}: ${JSON.stringify(validate.errors)}`);
    // And our own writer takes it, except where the source predates our additions.
    const byWriter = entry.writer.safeParse(clean).success;
    assertEquals(byWriter, !WRITER_REFUSES.has(f.file), `${f.file}: writer ${byWriter}`);
  }
});

Deno.test("the defects the examples do not show are read too: succes, v1.0", () => {
  const batch = json("04-newRecBatch.example.json");
  const defective = { ...batch, version: "v1.0", data: { result: "succes", fileName: "ABCDEFG" } };
  const parsed = parseInbound("wss3", JSON.stringify(defective), "agentServer");
  assert(parsed.ok);
  assertEquals(parsed.message, {
    action: "newRecBatch",
    version: "1.0",
    data: { result: "success", fileName: "ABCDEFG" },
  });
});

Deno.test("the platform's examples are read by their receivers, misspellings included", () => {
  const examples = index.filter((f) => f.kind === "example" && f.direction === "platform");
  assertEquals(examples.length, 7);
  for (const f of examples) {
    const { clean } = readAndRewrite(f);
    // retryDelay is read as a number of seconds; the source writes it as a string.
    const data = clean.data as Record<string, unknown>;
    const written = typeof data.retryDelay === "number"
      ? { ...clean, data: { ...data, retryDelay: String(data.retryDelay) } }
      : clean;
    assert(f.pairedSchema !== null);
    const validate = sourceValidator(f.pairedSchema);
    assert(validate(written), `${f.file}: ${JSON.stringify(validate.errors)}`);
  }
  const v1 = readAndRewrite(
    index.find((f) => f.file === "22-resultGetAgenHelperData.example.json")!,
  );
  assertEquals(v1.parsed.ok && v1.parsed.alias, "resultGetAgenHelperData");
  assertEquals(v1.clean.action, "resultGetAgentHelperData");
  const v2 = readAndRewrite(
    index.find((f) => f.file === "32-resultGetAgentHelperData.example.json")!,
  );
  assertEquals((v2.clean.data as { retryDelay?: number }).retryDelay, 1);
});

Deno.test("what the reference platform writes validates against the source's schemas", () => {
  for (const f of index.filter((x) => x.kind === "schema" && x.direction === "platform")) {
    const entry = entryFor(f);
    const built = buildMessage(
      "platform",
      entry.name as never,
      SAMPLE_DATA[sampleKey(entry)] as never,
      SAMPLE_TRANSACTION,
    );
    const validate = sourceValidator(f.file);
    assert(validate(built), `${f.file}: ${JSON.stringify(validate.errors)}`);
  }
  // The reference JsSDK writes agentOpenConnect the source's way (retryDelay a string).
  for (const file of ["23-agentOpenConnect.schema.json", "33-agentOpenConnect.schema.json"]) {
    const built = buildMessage("ws2", "agentOpenConnect", SAMPLE_DATA["ws2.agentOpenConnect"]);
    const validate = sourceValidator(file);
    assert(validate(built), `${file}: ${JSON.stringify(validate.errors)}`);
  }
});

Deno.test("agentHelperConnect's misspelt reason is read as the real one", () => {
  const parsed = parseInbound(
    "platform",
    JSON.stringify({
      action: "agentHelperConnect",
      version: "1.0",
      data: { result: "error", resultDesc: "connection failedf" },
    }),
    "agentServer",
  );
  assert(parsed.ok && parsed.message.action === "agentHelperConnect");
  assertEquals(parsed.message.data.resultDesc, "connection failed");
});
