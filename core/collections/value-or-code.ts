/**
 * The "value or negated code" return convention.
 *
 * Operations whose value is a non-negative integer (a slot index, a byte
 * count, a timer id) return that value directly when they succeed, and the
 * NEGATED error code when they fail: `pool.acquire()` returns `3` or
 * `-ErrorCode.PoolExhausted`. Values and codes cannot be confused (codes are
 * all > 0, so failures are all < 0), the check is one comparison, and
 * nothing is allocated, unlike a `Result` object.
 *
 *     const slot = pool.acquire();
 *     if (slot < 0) return statusOf(slot); // propagate the code
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";

/** A non-negative integer value, or a negated `ErrorCode` (< 0). */
export type ValueOrCode = number;

/** `Ok` for a value (>= 0), otherwise the error code a failure carries. */
export function statusOf(valueOrCode: ValueOrCode): Status {
  return valueOrCode >= 0 ? ErrorCode.Ok : (-valueOrCode as Status);
}
