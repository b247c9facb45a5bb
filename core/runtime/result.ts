/**
 * Errors as values.
 *
 * Three shapes, from cheapest to richest:
 *  - `Status`: a bare number, `Ok` (0) or an error code. Zero allocation; the
 *    default for operations that produce no value (push, insert, remove).
 *  - `Result<T>`: a discriminated union for operations that produce a value
 *    off the hot path. `err(code)` returns a shared frozen object per code,
 *    so the failure path never allocates; `ok(value)` allocates one small
 *    object unless the value is `undefined` (`OK_UNIT`).
 *  - `Outcome<T>`: a caller-owned, reusable result slot for hot paths that
 *    must return a value without allocating (the callee writes into it).
 */
import { ErrorCode, type FailureCode } from "./errors";

export type Status = ErrorCode;

export const OK: 0 = ErrorCode.Ok;

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Err {
  readonly ok: false;
  readonly code: FailureCode;
}

export type Result<T> = Ok<T> | Err;

export const OK_UNIT: Ok<undefined> = Object.freeze({ ok: true, value: undefined });

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

// One frozen Err per code, built once at module load. Frozen module-level
// data is fine on XS (preload moves it to flash); it is never mutated.
// A plain frozen object (not a Map): XS preload can freeze it into flash.
const errTable: Readonly<Record<number, Err>> = buildErrTable();

function buildErrTable(): Readonly<Record<number, Err>> {
  const table: Record<number, Err> = {};
  for (const code of Object.values(ErrorCode)) {
    if (code !== ErrorCode.Ok) table[code] = Object.freeze({ ok: false, code });
  }
  return Object.freeze(table);
}

const fallbackErr: Err = Object.freeze({ ok: false, code: ErrorCode.InvalidArgument });

/** The shared failure value for `code`. Never allocates. */
export function err(code: FailureCode): Err {
  return errTable[code] ?? fallbackErr;
}

export function isOk(status: Status): status is 0 {
  return status === ErrorCode.Ok;
}

/**
 * A reusable result slot. The callee sets it with `succeed` or `fail` and
 * returns the status; the caller reads `value` only when the status is Ok.
 */
export class Outcome<T> {
  code: ErrorCode = ErrorCode.Ok;
  value: T;

  constructor(initial: T) {
    this.value = initial;
  }

  succeed(value: T): 0 {
    this.code = ErrorCode.Ok;
    this.value = value;
    return ErrorCode.Ok;
  }

  fail(code: FailureCode): FailureCode {
    this.code = code;
    return code;
  }
}
