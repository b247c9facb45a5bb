/**
 * The one exception guard in `core/` (docs/architecture.md "Rules").
 *
 * Third-party code we do not control (CBOR decoding, signature verification
 * on malformed input) may throw. Every such call goes through `guard`, which
 * turns any exception into an error value. The lint gate allows `try` only in
 * this file and at the task boundary in `agent/`.
 *
 * The thrown value is deliberately discarded: its message is an
 * engine-dependent string, and determinism (same trace on V8 and XS) forbids
 * letting it influence anything. Callers count the failure in a metric.
 */
import { ErrorCode, type FailureCode } from "./errors";
import { err, ok, type Result } from "./result";

/** Run `fn`; return its value, or `err(failCode)` if it threw. */
export function guard<T>(fn: () => T, failCode: FailureCode = ErrorCode.Exception): Result<T> {
  try {
    return ok(fn());
  } catch {
    return err(failCode);
  }
}

/** Like `guard` for calls whose value is not needed; zero allocation. */
export function guardStatus(fn: () => void, failCode: FailureCode = ErrorCode.Exception): ErrorCode {
  try {
    fn();
    return ErrorCode.Ok;
  } catch {
    return failCode;
  }
}

/**
 * `guardStatus` for `fn(arg)`: lets a class pass a static method and itself
 * instead of keeping a bound closure per instance (each closure costs heap
 * slots on XS for the object's whole life).
 */
export function guardCall<A>(fn: (arg: A) => void, arg: A, failCode: FailureCode = ErrorCode.Exception): ErrorCode {
  try {
    fn(arg);
    return ErrorCode.Ok;
  } catch {
    return failCode;
  }
}
