/**
 * Rate limits of ws2 (config `ws2.messagesPerSecond`, `ws2.handshakesPerMinute`): a page — or
 * anything on the workstation that can reach 127.0.0.1 with an allowed Origin — must not be
 * able to make the helper spend its CPU, its log or its registration on a flood.
 *
 * Both limits are token buckets over the injected `Clock`, pure and tested with `FakeClock`:
 * - handshakes: one bucket for the whole endpoint, `handshakesPerMinute / 60` tokens a second,
 *   holding at most one minute's allowance (a burst of page reloads is fine);
 * - messages: one bucket per connection, `messagesPerSecond` tokens a second, holding at most
 *   one second's allowance (at least one token). Beside it a flood bucket at five times that
 *   rate and size: a connection that empties it — more than 5× the allowed rate within a
 *   second, or sustained — is closed (1008, policy violation). See {@link createMessageLimiter}
 *   for what happens to each message.
 */
import type { Clock } from "../clock/clock.ts";

export interface TokenBucketOptions {
  /** Tokens added per second (may be fractional: 1/60 is one a minute). */
  readonly ratePerSec: number;
  /** The most tokens the bucket holds; it starts full. At least 1. */
  readonly burst: number;
}

export interface TokenBucket {
  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean;
  /** Milliseconds until {@link take} can succeed; 0 when a token is there now. */
  msUntilToken(): number;
  /** Tokens available now (fractional while refilling). */
  available(): number;
}

/** Leaves room for floating-point error in the refill (1/60 × 60 000 ms is not exactly 1). */
const EPSILON = 1e-9;

export function createTokenBucket(clock: Clock, options: TokenBucketOptions): TokenBucket {
  const { ratePerSec, burst } = options;
  if (!Number.isFinite(ratePerSec) || ratePerSec <= 0) {
    throw new RangeError(`ratePerSec must be a positive number, got ${ratePerSec}`);
  }
  if (!Number.isFinite(burst) || burst < 1) {
    throw new RangeError(`burst must be a number of at least 1, got ${burst}`);
  }
  let tokens = burst;
  let last = clock.now();
  const refill = () => {
    const now = clock.now();
    // A wall clock stepped back (NTP) refills nothing, and does not owe time either.
    if (now > last) tokens = Math.min(burst, tokens + ((now - last) * ratePerSec) / 1000);
    last = now;
  };
  return {
    take() {
      refill();
      if (tokens + EPSILON < 1) return false;
      tokens = Math.max(0, tokens - 1);
      return true;
    },
    msUntilToken() {
      refill();
      const missing = 1 - tokens - EPSILON;
      return missing <= 0 ? 0 : Math.ceil((missing * 1000) / ratePerSec);
    },
    available() {
      refill();
      return tokens;
    },
  };
}

/** How much faster than allowed a connection may send before it is closed. */
export const FLOOD_FACTOR = 5;

/**
 * What to do with one message on a connection:
 * - `accept`: within the rate, dispatch it;
 * - `reject`: over the rate, the first of a run: answer it with a `rateLimited` error (not
 *   dispatched);
 * - `drop`: over the rate again before the rate fell back: not dispatched, not answered (an
 *   answer to every message of a flood would be the flood's echo);
 * - `close`: the connection floods (more than {@link FLOOD_FACTOR}× the rate): close it.
 */
export type MessageVerdict = "accept" | "reject" | "drop" | "close";

export interface MessageLimiter {
  /** Counts one received message and says what to do with it. */
  admit(): MessageVerdict;
}

export interface MessageLimiterOptions {
  readonly messagesPerSecond: number;
  /** Default {@link FLOOD_FACTOR}. */
  readonly floodFactor?: number;
}

export function createMessageLimiter(
  clock: Clock,
  options: MessageLimiterOptions,
): MessageLimiter {
  const rate = options.messagesPerSecond;
  const factor = options.floodFactor ?? FLOOD_FACTOR;
  const allowed = createTokenBucket(clock, { ratePerSec: rate, burst: Math.max(1, rate) });
  const flood = createTokenBucket(clock, {
    ratePerSec: rate * factor,
    burst: Math.max(1, Math.ceil(rate * factor)),
  });
  let answered = false;
  let closed = false;
  return {
    admit() {
      if (closed || !flood.take()) {
        closed = true;
        return "close";
      }
      if (allowed.take()) {
        answered = false;
        return "accept";
      }
      if (answered) return "drop";
      answered = true;
      return "reject";
    },
  };
}

/** The handshake bucket for `handshakesPerMinute`: that rate, one minute's allowance at once. */
export function createHandshakeLimiter(clock: Clock, handshakesPerMinute: number): TokenBucket {
  return createTokenBucket(clock, {
    ratePerSec: handshakesPerMinute / 60,
    burst: Math.max(1, handshakesPerMinute),
  });
}

/** `Retry-After` in whole seconds (at least 1) for a refused handshake. */
export function retryAfterSeconds(bucket: TokenBucket): number {
  return Math.max(1, Math.ceil(bucket.msUntilToken() / 1000));
}
