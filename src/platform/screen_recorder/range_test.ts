import { assertEquals } from "../../testing/assert.ts";
import { decideRange } from "./range.ts";

Deno.test("range: single ranges, suffixes and open ends", () => {
  assertEquals(decideRange("bytes=0-9", 100), { kind: "partial", start: 0, end: 9 });
  assertEquals(decideRange("bytes=90-", 100), { kind: "partial", start: 90, end: 99 });
  assertEquals(decideRange("bytes=-10", 100), { kind: "partial", start: 90, end: 99 });
  assertEquals(decideRange("bytes=-500", 100), { kind: "partial", start: 0, end: 99 });
  assertEquals(decideRange("bytes=50-500", 100), { kind: "partial", start: 50, end: 99 });
});

Deno.test("range: unsatisfiable ranges and ignored headers", () => {
  assertEquals(decideRange("bytes=100-", 100), { kind: "unsatisfiable" });
  assertEquals(decideRange("bytes=-0", 100), { kind: "unsatisfiable" });
  assertEquals(decideRange("bytes=0-", 0), { kind: "unsatisfiable" });
  for (
    const ignored of [undefined, null, "", "items=0-1", "bytes=0-1,5-6", "bytes=9-3", "bytes=-"]
  ) {
    assertEquals(decideRange(ignored, 100), { kind: "full" }, String(ignored));
  }
});
