import { assert, assertEquals } from "../testing/assert.ts";
import {
  failure,
  message,
  outcomeReader,
  outcomeWriter,
  resultReader,
  resultReply,
  success,
  transactionSchema,
  versionReader,
} from "./envelope.ts";

Deno.test("message() writes version 1.0 and a transaction only when there is one", () => {
  assertEquals(message("setLogLevel", { logLevel: "info" }), {
    action: "setLogLevel",
    version: "1.0",
    data: { logLevel: "info" },
  });
  const withTx = message("setLogLevel", {}, "t-1");
  assertEquals(withTx.transaction, "t-1");
  assert(!("transaction" in message("setLogLevel", {}, undefined)));
});

Deno.test("resultReply() takes only a success or a failure with its reason", () => {
  assertEquals(resultReply("resultStartStream", success(), "t-2"), {
    action: "resultStartStream",
    version: "1.0",
    transaction: "t-2",
    data: { result: "success" },
  });
  assertEquals(resultReply("resultStartStream", failure("noSuchDisplay: 3")).data, {
    result: "error",
    resultDesc: "noSuchDisplay: 3",
  });
  assertEquals(success({ displays: [] }), { result: "success", displays: [] });
  const never = () => {
    // @ts-expect-error an error needs its resultDesc
    resultReply("resultStartStream", { result: "error" });
    // @ts-expect-error a success carries no resultDesc
    resultReply("resultStartStream", { result: "success", resultDesc: "x" });
    // @ts-expect-error only result… messages are replies
    resultReply("startStream", success());
  };
  assert(typeof never === "function");
});

Deno.test("version: 1.0 and v1.0 read as 1.0; nothing else", () => {
  assertEquals(versionReader.parse("1.0"), "1.0");
  assertEquals(versionReader.parse("v1.0"), "1.0");
  for (const v of ["1", "v1", "1.1", "V1.0", " 1.0", 1]) {
    assert(!versionReader.safeParse(v).success);
  }
});

Deno.test("result: succes reads as success", () => {
  assertEquals(resultReader.parse("succes"), "success");
  assertEquals(resultReader.parse("success"), "success");
  assertEquals(resultReader.parse("error"), "error");
  assert(!resultReader.safeParse("ok").success);
});

Deno.test("transaction: a string of at most 128 characters", () => {
  assert(transactionSchema.safeParse("x".repeat(128)).success);
  assert(!transactionSchema.safeParse("x".repeat(129)).success);
  assert(!transactionSchema.safeParse(5).success);
});

Deno.test("the outcome writer is strict, the reader tolerant", () => {
  const writer = outcomeWriter({});
  assert(writer.safeParse({ result: "success" }).success);
  assert(writer.safeParse({ result: "error", resultDesc: "why" }).success);
  assert(!writer.safeParse({ result: "error" }).success);
  assert(!writer.safeParse({ result: "error", resultDesc: "" }).success);
  assert(!writer.safeParse({ result: "success", resultDesc: "why" }).success);
  assert(!writer.safeParse({ result: "success", extra: 1 }).success);
  assert(!writer.safeParse({ result: "succes" }).success);
  const reader = outcomeReader({});
  assertEquals(reader.parse({ result: "succes", extra: 1 }), { result: "success" });
  assertEquals(reader.parse({ result: "error" }), { result: "error" });
});
