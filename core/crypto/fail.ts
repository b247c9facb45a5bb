/**
 * Turn a positive error code (or a negated one from the value-or-code
 * convention) into the shared failure value. Codes computed at run time are
 * plain numbers; this is the one place they are narrowed back.
 */
import { ErrorCode, type FailureCode } from "../runtime/errors";
import { err, type Err } from "../runtime/result";

export function failure(code: number): Err {
  const positive = code < 0 ? -code : code;
  return err(positive === 0 ? ErrorCode.InvariantViolated : (positive as FailureCode));
}
