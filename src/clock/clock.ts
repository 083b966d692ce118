/**
 * Time as a dependency. Everything that waits, times out or stamps a record takes a `Clock`,
 * so tests drive time with `FakeClock` instead of sleeping.
 */
/** Opaque handle of a pending timer (a number in Deno and in `FakeClock`). */
export type TimerId = ReturnType<typeof setTimeout> | number;

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerId => setTimeout(fn, ms),
  clearTimeout: (id: TimerId) => clearTimeout(id as number),
});
