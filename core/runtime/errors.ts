/**
 * Numeric error codes for the whole agent.
 *
 * Errors are values (ARCHITECTURE.md "No panics"): every fallible operation
 * returns one of these codes instead of throwing. Codes are grouped by layer
 * in blocks of 100 so a code read off a log record tells where it came from.
 * Codes are stable: they cross the wire in log records and metrics, so a code
 * is never renumbered, only added.
 */
export const ErrorCode = Object.freeze({
  Ok: 0,

  // runtime 1..99
  InvalidArgument: 1,
  Exception: 2, // a third-party call threw; caught by core/runtime/guard.ts
  Cancelled: 3,
  Timeout: 4,
  BudgetExhausted: 5,
  ShuttingDown: 6,
  RateLimited: 7,
  Unsupported: 8,

  // collections 100..199
  Full: 100,
  Empty: 101,
  NotFound: 102,
  Exists: 103,
  OutOfRange: 104,
  TooLarge: 105,
  PoolExhausted: 106,
  NotAllocated: 107,
  InvariantViolated: 108, // checkInvariants() found corrupted internal state
} as const);

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A non-Ok error code. */
export type FailureCode = Exclude<ErrorCode, 0>;

const names: readonly (readonly [ErrorCode, string])[] = Object.freeze(
  Object.entries(ErrorCode).map(([name, code]) => Object.freeze([code, name] as const)),
);

/**
 * The constant's name for a code, for host-side rendering (logs, CLI).
 * Not for hot paths: it scans a small table.
 */
export function errorName(code: number): string {
  for (let i = 0; i < names.length; i++) {
    const entry = names[i];
    if (entry !== undefined && entry[0] === code) return entry[1];
  }
  return "Unknown";
}
