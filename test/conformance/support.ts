/**
 * Shared pieces of the conformance property suites. Platform neutral: these
 * files also run inside the XS engine, so no Node, no vitest here.
 */
import type * as FastCheckModule from "fast-check";
import type { Result } from "../../core/runtime/result";

/** fast-check is passed in (bundled into the XS entry), never imported at run time. */
export type FastCheck = typeof FastCheckModule;

export interface ConformanceProperty {
  readonly name: string;
  run(fc: FastCheck, numRuns: number, seed: number): void;
}

/** Fail the property now (fast-check reports the thrown message with the counterexample). */
export function fail(message: string): never {
  throw new Error(message);
}

/** Fail the property unless `condition` holds. */
export function check(condition: boolean, message: string): void {
  if (!condition) fail(message);
}

/** Fail the property unless `actual` is `expected` (Object.is: -0 and NaN compare exactly). */
export function expectSame(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) fail(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** The value of an Ok result; fails the property on an error code. */
export function unwrap<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what} failed with code ${result.code}`);
  return result.value;
}
