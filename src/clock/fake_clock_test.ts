import { assertEquals, assertThrows } from "../testing/assert.ts";
import { FakeClock } from "./fake_clock.ts";

Deno.test("FakeClock fires due timers in order and only when advanced", () => {
  const clock = new FakeClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push("b"), 20);
  clock.setTimeout(() => fired.push("a"), 10);
  const c = clock.setTimeout(() => fired.push("c"), 30);
  clock.clearTimeout(c);
  clock.advance(15);
  assertEquals(fired, ["a"]);
  assertEquals(clock.now(), 1015);
  clock.advance(100);
  assertEquals(fired, ["a", "b"]);
  assertEquals(clock.pending, 0);
});

Deno.test("FakeClock timers scheduled by a timer fire within the same advance", () => {
  const clock = new FakeClock(0);
  const at: number[] = [];
  clock.setTimeout(() => {
    at.push(clock.now());
    clock.setTimeout(() => at.push(clock.now()), 5);
  }, 5);
  clock.advance(10);
  assertEquals(at, [5, 10]);
  assertThrows(() => clock.set(0), RangeError);
});
