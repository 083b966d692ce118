/** The ws2 restoration backoff: growth, ceiling and jitter bounds. */
import { assertEquals } from "../../testing/assert.ts";
import { backoffDelay } from "./backoff.ts";

Deno.test("jssdk backoff: doubles from the first delay up to the ceiling, jitter within [step/2, step]", () => {
  const opts = { initialMs: 100, maxMs: 1000 };
  const low = () => 0;
  const high = () => 0.999999;
  assertEquals([0, 1, 2, 3, 4, 10, 5000].map((n) => backoffDelay(n, opts, low)), [
    50,
    100,
    200,
    400,
    500,
    500,
    500,
  ]);
  assertEquals([0, 1, 2, 3, 4].map((n) => backoffDelay(n, opts, high)), [
    100,
    200,
    400,
    800,
    1000,
  ]);
  assertEquals(backoffDelay(-3, opts, low), 50);
  assertEquals(backoffDelay(1, { ...opts, factor: 3 }, low), 150);
  // A broken random source cannot push the delay out of its bounds.
  assertEquals(backoffDelay(0, opts, () => 7), 100);
});
