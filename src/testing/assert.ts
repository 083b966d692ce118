/**
 * The assertions the tests use. JSR's @std/assert cannot be installed here (DESIGN.md §6), so
 * these are thin names over `node:assert/strict`, which Deno ships.
 */
import nodeAssert from "node:assert/strict";

export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message ?? "assertion failed");
}

export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  if (message === undefined) nodeAssert.deepStrictEqual(actual, expected);
  else nodeAssert.deepStrictEqual(actual, expected, message);
}

export function assertNotEquals(actual: unknown, expected: unknown, message?: string): void {
  if (message === undefined) nodeAssert.notDeepStrictEqual(actual, expected);
  else nodeAssert.notDeepStrictEqual(actual, expected, message);
}

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  if (message === undefined) nodeAssert.match(actual, pattern);
  else nodeAssert.match(actual, pattern, message);
}

export function assertStringIncludes(actual: string, part: string, message?: string): void {
  if (!actual.includes(part)) {
    nodeAssert.fail(
      message ?? `expected ${JSON.stringify(actual)} to include ${JSON.stringify(part)}`,
    );
  }
}

export function assertNotIncludes(actual: string, part: string, message?: string): void {
  if (actual.includes(part)) {
    nodeAssert.fail(message ?? `expected text not to include ${JSON.stringify(part)}`);
  }
}

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

export function assertThrows(fn: () => unknown, errorClass?: ErrorClass, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    return checkError(e, errorClass, includes);
  }
  return nodeAssert.fail("expected the function to throw");
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  errorClass?: ErrorClass,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return checkError(e, errorClass, includes);
  }
  return nodeAssert.fail("expected the promise to reject");
}

function checkError(e: unknown, errorClass?: ErrorClass, includes?: string): Error {
  if (!(e instanceof Error)) return nodeAssert.fail(`expected an Error, got ${String(e)}`);
  if (errorClass && !(e instanceof errorClass)) {
    const got = `${(e as Error).name}: ${(e as Error).message}`;
    nodeAssert.fail(`expected ${errorClass.name}, got ${got}`);
  }
  if (includes !== undefined) assertStringIncludes(e.message, includes);
  return e;
}
