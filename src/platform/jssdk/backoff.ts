/**
 * How long the JsSDK waits before its next attempt to restore a broken ws2 (the page lives on,
 * the helper restarted or dropped the socket). Exponential with "equal jitter", so many pages of
 * one workstation do not hammer a restarting helper in step. Pure: the random source is passed in.
 */

export interface BackoffOptions {
  /** The first delay, ms (before jitter). */
  readonly initialMs: number;
  /** The ceiling, ms (before jitter). */
  readonly maxMs: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, factor: 2 };

/**
 * The delay before attempt `attempt` (0 for the first retry): half of the exponential step is
 * fixed and half random, so it lies in [step/2, step]. `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const factor = options.factor ?? 2;
  const n = Math.max(0, Math.floor(attempt));
  // Capped before exponentiation overflows: factor^n grows past maxMs long before Infinity.
  const step = Math.min(options.maxMs, options.initialMs * Math.pow(factor, Math.min(n, 64)));
  const half = step / 2;
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(half + half * r);
}
