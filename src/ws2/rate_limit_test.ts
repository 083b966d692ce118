/** The ws2 token buckets and the per-connection policy, driven by FakeClock (no sleeping). */
import { FakeClock } from "../clock/fake_clock.ts";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import {
  createHandshakeLimiter,
  createMessageLimiter,
  createTokenBucket,
  type MessageVerdict,
  retryAfterSeconds,
} from "./rate_limit.ts";

function takes(n: number, take: () => boolean): boolean[] {
  return Array.from({ length: n }, take);
}

Deno.test("token bucket: starts full, empties, refills at the rate, never above the burst", () => {
  const clock = new FakeClock();
  const bucket = createTokenBucket(clock, { ratePerSec: 20, burst: 20 });
  assertEquals(takes(21, bucket.take), [...Array(20).fill(true), false]);
  assertEquals(bucket.msUntilToken(), 50);
  clock.advance(49);
  assertEquals(bucket.take(), false);
  clock.advance(1);
  assertEquals(bucket.take(), true);
  assertEquals(bucket.take(), false);
  clock.advance(60_000);
  assertEquals(bucket.available(), 20);
  assertEquals(bucket.msUntilToken(), 0);
});

Deno.test("token bucket: fractional rates (one a minute) refill exactly on time", () => {
  const clock = new FakeClock();
  const bucket = createTokenBucket(clock, { ratePerSec: 1 / 60, burst: 1 });
  assert(bucket.take());
  assertEquals(bucket.take(), false);
  assertEquals(bucket.msUntilToken(), 60_000);
  clock.advance(59_999);
  assertEquals(bucket.take(), false);
  clock.advance(1);
  assert(bucket.take());
});

Deno.test("token bucket: a clock stepped back refills nothing and owes nothing", () => {
  let now = 1_000_000;
  const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
  const bucket = createTokenBucket(clock, { ratePerSec: 1, burst: 1 });
  assert(bucket.take());
  now -= 10_000;
  assertEquals(bucket.take(), false);
  now += 1000;
  assert(bucket.take(), "one second after the step back, one token is there again");
});

Deno.test("token bucket: refuses nonsense options", () => {
  const clock = new FakeClock();
  assertThrows(() => createTokenBucket(clock, { ratePerSec: 0, burst: 1 }), RangeError);
  assertThrows(() => createTokenBucket(clock, { ratePerSec: NaN, burst: 1 }), RangeError);
  assertThrows(() => createTokenBucket(clock, { ratePerSec: 1, burst: 0.5 }), RangeError);
});

Deno.test("message limiter: accept within the rate, answer the first excess, drop the rest", () => {
  const clock = new FakeClock();
  const limiter = createMessageLimiter(clock, { messagesPerSecond: 5 });
  const verdicts: MessageVerdict[] = Array.from({ length: 8 }, () => limiter.admit());
  assertEquals(verdicts, [
    ...Array(5).fill("accept"),
    "reject",
    "drop",
    "drop",
  ]);
  // The rate fell back: accepted again, and the next excess is answered again.
  clock.advance(1000);
  assertEquals(
    Array.from({ length: 7 }, () => limiter.admit()),
    [...Array(5).fill("accept"), "reject", "drop"],
  );
});

Deno.test("message limiter: more than 5x the rate within a second closes, and stays closed", () => {
  const clock = new FakeClock();
  const limiter = createMessageLimiter(clock, { messagesPerSecond: 5 });
  const verdicts = Array.from({ length: 26 }, () => limiter.admit());
  assertEquals(verdicts.slice(0, 6), [...Array(5).fill("accept"), "reject"]);
  assertEquals(verdicts.slice(6, 25), Array(19).fill("drop"));
  assertEquals(verdicts[25], "close");
  clock.advance(60_000);
  assertEquals(limiter.admit(), "close");
});

Deno.test("message limiter: a steady 4x the rate is limited but never closed", () => {
  const clock = new FakeClock();
  const limiter = createMessageLimiter(clock, { messagesPerSecond: 5 });
  const counts = { accept: 0, reject: 0, drop: 0, close: 0 };
  for (let ms = 0; ms < 10_000; ms += 50) {
    counts[limiter.admit()]++;
    clock.advance(50); // 20 a second
  }
  assertEquals(counts.close, 0);
  // The first second's burst of 5, then 5 a second.
  assert(counts.accept >= 50 && counts.accept <= 56, `accepted ${counts.accept}`);
  assert(counts.reject >= 1);
});

Deno.test("message limiter: a fractional rate still lets one message through", () => {
  const clock = new FakeClock();
  const limiter = createMessageLimiter(clock, { messagesPerSecond: 0.5 });
  assertEquals([limiter.admit(), limiter.admit()], ["accept", "reject"]);
  clock.advance(2000);
  assertEquals(limiter.admit(), "accept");
});

Deno.test("handshake limiter: one minute's allowance at once, then the rate; Retry-After", () => {
  const clock = new FakeClock();
  const bucket = createHandshakeLimiter(clock, 3);
  assertEquals(takes(4, bucket.take), [true, true, true, false]);
  assertEquals(retryAfterSeconds(bucket), 20);
  clock.advance(19_500);
  assertEquals(retryAfterSeconds(bucket), 1);
  clock.advance(500);
  assert(bucket.take());
});
