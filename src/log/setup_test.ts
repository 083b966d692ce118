import { FakeClock } from "../clock/fake_clock.ts";
import { CANARY_JWT } from "../testing/canary.ts";
import {
  assert,
  assertEquals,
  assertNotIncludes,
  assertStringIncludes,
} from "../testing/assert.ts";
import { denoLogFiles } from "./log_files.ts";
import { Redactor } from "./redact.ts";
import { logger, setupLogging } from "./setup.ts";

async function withLogging(
  level: "info" | "debug",
  body: (ctx: { stderr: string[]; dir: string; redactor: Redactor }) => Promise<void> | void,
) {
  const dir = await Deno.makeTempDir();
  const stderr: string[] = [];
  const redactor = new Redactor();
  const logging = await setupLogging(
    {
      clock: new FakeClock(Date.UTC(2026, 10, 26)),
      files: denoLogFiles,
      redactor,
      writeStderr: (t) => stderr.push(t),
    },
    { level, console: true, file: { directory: dir, maxFileBytes: 1 << 20, retentionDays: 7 } },
  );
  try {
    await body({ stderr, dir, redactor });
    if (level === "info") {
      logging.setLevel("debug");
      logger("t").debug("now visible");
    }
  } finally {
    await logging.close();
  }
  const fileText = await Deno.readTextFile(`${dir}/agent-helper-2026-11-26.log`);
  await Deno.remove(dir, { recursive: true });
  return { stderr: stderr.join(""), fileText };
}

Deno.test("logging: the canary token never reaches stderr or the file, by any path", async () => {
  const opaque = "opaque-canary-7f3a9c";
  const { stderr, fileText } = await withLogging("info", ({ redactor }) => {
    redactor.addSecret(opaque);
    const log = logger("canary");
    log.info(`raw message with ${CANARY_JWT} inline`);
    log.info("template value {value}", { value: CANARY_JWT });
    log.info("secret-named property", {
      JWTToken: "anything",
      token: opaque,
      nested: { authorization: "x" },
    });
    log.info("opaque in a plain string {s}", { s: `ws ${opaque} end` });
    log.error("failure {error}", {
      error: new Error(`upgrade rejected for ${CANARY_JWT}`, { cause: new Error(opaque) }),
    });
    log.warn`tagged template ${CANARY_JWT} and ${opaque}`;
    log.info("url {u}", { u: `wss://as.example.com/ws?token=${opaque}` });
    log.info("header {h}", { h: `Bearer ${CANARY_JWT}` });
    log.debug("below the level, dropped {x}", { x: 1 });
  });
  for (const [where, text] of [["stderr", stderr], ["file", fileText]] as const) {
    assertNotIncludes(text, CANARY_JWT, `${where} leaked the JWT`);
    assertNotIncludes(text, opaque, `${where} leaked the opaque token`);
    assertNotIncludes(text, "canary-operator", `${where} leaked part of the JWT`);
    assertStringIncludes(text, "[REDACTED]");
    assertStringIncludes(text, "upgrade rejected for");
    assertNotIncludes(text, "below the level");
    assertStringIncludes(text, "now visible", `${where} missed the level change`);
  }
  const lines = fileText.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.length, 10);
  assert(lines.every((l) => typeof l["@timestamp"] === "string" && typeof l.level === "string"));
});
