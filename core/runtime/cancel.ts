/**
 * Cancellation tokens: a fixed table of integer handles, each live or
 * cancelled with a reason code.
 *
 * Tokens are allocated at start (never in steady state) and are plain
 * integers, so checking one from a hot path is an array read. A token says
 * "stop"; it does not stop anything by itself. The scheduler binds timers and
 * tasks to tokens and ends them when their token is cancelled
 * (Scheduler.cancelToken); a task may also poll `isCancelled` to stop a long
 * piece of work early.
 *
 * The reason is an error code (1..0xffff), e.g. `ShuttingDown`, so a log
 * record can say why work stopped. The first cancellation wins: cancelling a
 * cancelled token returns `Cancelled` and keeps the first reason. `reset`
 * makes a token live again for the next piece of work it guards.
 */
import { ErrorCode } from "./errors";
import { err, ok, type Result, type Status } from "./result";
import type { ValueOrCode } from "../collections/value-or-code";

/** "No token": the value of an unbound token field. */
export const NO_TOKEN = -1;

/** Sanity limit on the table size. */
export const CANCEL_TOKENS_MAX = 65_536;

/** Largest reason code a token can carry (stored in 16 bits). */
export const CANCEL_REASON_MAX = 0xffff;

export class CancelTokens {
  readonly #reasons: Uint16Array; // 0 = live, else the reason it was cancelled
  #allocated = 0;
  #cancelledCount = 0;

  /** `capacity` tokens, 1..CANCEL_TOKENS_MAX, else `InvalidArgument`. */
  static create(capacity: number): Result<CancelTokens> {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > CANCEL_TOKENS_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new CancelTokens(capacity));
  }

  private constructor(capacity: number) {
    this.#reasons = new Uint16Array(capacity);
  }

  get capacity(): number {
    return this.#reasons.length;
  }

  /** Tokens handed out so far (ids 0..size-1). */
  get size(): number {
    return this.#allocated;
  }

  /** Cancellations that took effect (lifetime). */
  get cancelledCount(): number {
    return this.#cancelledCount;
  }

  /** A new live token id, or `-Full`. Ids are 0, 1, 2, ... in allocation order. */
  allocate(): ValueOrCode {
    if (this.#allocated === this.#reasons.length) return -ErrorCode.Full;
    const id = this.#allocated;
    this.#allocated = id + 1;
    return id;
  }

  /** True for an allocated token id. */
  isToken(id: number): boolean {
    return (id >>> 0) === id && id < this.#allocated;
  }

  /**
   * Cancel `id` with `reason` (1..CANCEL_REASON_MAX). `Ok`; `Cancelled` if it
   * already was (first reason kept); `NotFound` for an unknown id;
   * `InvalidArgument` for a bad reason. Nothing changes on failure.
   */
  cancel(id: number, reason: number): Status {
    if (!this.isToken(id)) return ErrorCode.NotFound;
    if ((reason >>> 0) !== reason || reason < 1 || reason > CANCEL_REASON_MAX) return ErrorCode.InvalidArgument;
    if (this.#reasons[id] !== 0) return ErrorCode.Cancelled;
    this.#reasons[id] = reason;
    this.#cancelledCount++;
    return ErrorCode.Ok;
  }

  /** True when `id` is an allocated, cancelled token. */
  isCancelled(id: number): boolean {
    return this.isToken(id) && this.#reasons[id] !== 0;
  }

  /** The cancellation reason, 0 while live, or `-NotFound` for an unknown id. */
  reason(id: number): ValueOrCode {
    if (!this.isToken(id)) return -ErrorCode.NotFound;
    return this.#reasons[id] ?? 0;
  }

  /** Make `id` live again. `Ok` or `NotFound`. */
  reset(id: number): Status {
    if (!this.isToken(id)) return ErrorCode.NotFound;
    this.#reasons[id] = 0;
    return ErrorCode.Ok;
  }
}
