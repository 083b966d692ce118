import { assertEquals } from "../testing/assert.ts";
import { createPartNumbering } from "./monitor_track.ts";

Deno.test("parts are numbered per (segment, display) from 0, with offsets from part 0", () => {
  const next = createPartNumbering();
  assertEquals(next("a", 0, 1_000), { part: 0, offsetMs: 0 });
  assertEquals(next("a", 1, 1_050), { part: 0, offsetMs: 0 });
  assertEquals(next("a", 0, 9_000), { part: 1, offsetMs: 8_000 });
  assertEquals(next("b", 0, 10_000), { part: 0, offsetMs: 0 });
  // Display 1 has not cut over yet: segment a still numbers on.
  assertEquals(next("a", 1, 10_100), { part: 1, offsetMs: 9_050 });
  for (const s of ["c", "d", "e", "f"]) next(s, 0, 0);
  assertEquals(next("a", 0, 20_000).part, 0, "old segments are forgotten");
});

Deno.test("part numbering skips names used before, by an earlier run or an old segment", () => {
  const used = new Set(["a.d0.p0.mp4", "a.d0.p1.mp4", "a.d1.p0.mp4"]);
  const next = createPartNumbering((name) => used.has(name));
  assertEquals(next("a", 0, 1_000), { part: 2, offsetMs: 0 });
  assertEquals(next("a", 1, 1_000), { part: 1, offsetMs: 0 });
  assertEquals(next("a", 0, 3_000), { part: 3, offsetMs: 2_000 });
  assertEquals(next("b", 0, 1_000).part, 0);
});
