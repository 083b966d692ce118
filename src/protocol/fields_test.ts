import { assert, assertEquals } from "../testing/assert.ts";
import {
  displayInfoList,
  displayList,
  fileSafeId,
  logLevelReader,
  retryDelayReader,
  retryDelayWriter,
} from "./fields.ts";

Deno.test("retryDelay reads a string or a number as seconds; empty is absent", () => {
  assertEquals(retryDelayReader.parse("5"), 5);
  assertEquals(retryDelayReader.parse(" 1.5 "), 1.5);
  assertEquals(retryDelayReader.parse("1"), 1);
  assertEquals(retryDelayReader.parse(3), 3);
  assertEquals(retryDelayReader.parse(0.25), 0.25);
  assertEquals(retryDelayReader.parse(""), undefined);
  assertEquals(retryDelayReader.parse("  "), undefined);
  for (const bad of ["0", "0.0", "-1", "abc", "1e3", "5s", "1,5", 0, -2, 2_000_000, true, null]) {
    assert(!retryDelayReader.safeParse(bad).success, `accepted ${JSON.stringify(bad)}`);
  }
});

Deno.test("retryDelay is written as the source does: a string holding seconds", () => {
  for (const good of ["5", "1", "0.5", "30.25"]) {
    assert(retryDelayWriter.safeParse(good).success, good);
  }
  for (const bad of ["0", "00", "0.0", "", " 5", "-1", "5s"]) {
    assert(!retryDelayWriter.safeParse(bad).success, bad);
  }
  assert(!retryDelayWriter.safeParse(5).success);
});

Deno.test("log levels are read the forgiving way and come out canonical", () => {
  assertEquals(logLevelReader.parse("WARN"), "warning");
  assertEquals(logLevelReader.parse("Information"), "info");
  assertEquals(logLevelReader.parse("verbose"), "trace");
  assertEquals(logLevelReader.parse(0), "trace");
  assertEquals(logLevelReader.parse("5"), "fatal");
  for (const bad of ["loud", "", 6, -1, 1.5, null]) assert(!logLevelReader.safeParse(bad).success);
});

Deno.test("file-safe ids cannot leave a directory", () => {
  for (const good of ["seg-1", "5b0d7c7e-2f4a-4c1e-9d3b-8a6f1e2c4d5b", "a.b_c", "x".repeat(128)]) {
    assert(fileSafeId.safeParse(good).success, good);
  }
  for (
    const bad of ["", ".", "..", "../x", ".hidden", "a/b", "a\\b", "a b", "x".repeat(129), "é"]
  ) {
    assert(!fileSafeId.safeParse(bad).success, bad);
  }
});

Deno.test("display lists: at least one, each once", () => {
  assert(displayList.safeParse([0, 2]).success);
  assert(!displayList.safeParse([]).success);
  assert(!displayList.safeParse([1, 1]).success);
  assert(!displayList.safeParse([64]).success);
  const screen = { name: "A", primary: true, x: -1920, y: 0, width: 1920, height: 1080, scale: 1 };
  assert(
    displayInfoList("write").safeParse([{ index: 0, ...screen }, { index: 1, ...screen }]).success,
  );
  assert(
    !displayInfoList("write").safeParse([{ index: 0, ...screen }, { index: 0, ...screen }]).success,
  );
  assert(!displayInfoList("write").safeParse([{ index: 0, ...screen, width: 0 }]).success);
  assert(!displayInfoList("write").safeParse([{ index: 0, ...screen, dpi: 96 }]).success);
  assertEquals(displayInfoList("read").parse([{ index: 0, ...screen, dpi: 96 }]), [{
    index: 0,
    ...screen,
  }]);
});
