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
 *
 * Memory: the reasons in a Uint16Array of their own, or in `capacity`
 * numbers of a caller's Int32Array (the scheduler keeps them in its one
 * ArrayBuffer: each typed array costs about 128 B of heap on XS before its
 * data, README "Board memory on the board's terms").
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
  /** Token id's reason at base_ + id: 0 = live, else the reason it was cancelled. */
  private readonly reasons_: Uint16Array | Int32Array;
  private readonly base_: number;
  private readonly capacity_: number;
  private allocated_ = 0;
  private cancelledCount_ = 0;

  /**
   * `capacity` tokens, 1..CANCEL_TOKENS_MAX, else `InvalidArgument`; their
   * reasons in `store.i32` from `store.i32Base` on (which must have room:
   * `InvalidArgument` otherwise), or in a table of their own.
   */
  static create(capacity: number, store?: { readonly i32: Int32Array; readonly i32Base: number }): Result<CancelTokens> {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > CANCEL_TOKENS_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    if (store === undefined) return ok(new CancelTokens(capacity, new Uint16Array(capacity), 0));
    const base = store.i32Base;
    if (!Number.isSafeInteger(base) || base < 0 || base + capacity > store.i32.length) return err(ErrorCode.InvalidArgument);
    store.i32.fill(0, base, base + capacity);
    return ok(new CancelTokens(capacity, store.i32, base));
  }

  private constructor(capacity: number, reasons: Uint16Array | Int32Array, base: number) {
    this.capacity_ = capacity;
    this.reasons_ = reasons;
    this.base_ = base;
  }

  get capacity(): number {
    return this.capacity_;
  }

  /** Tokens handed out so far (ids 0..size-1). */
  get size(): number {
    return this.allocated_;
  }

  /** Cancellations that took effect (lifetime). */
  get cancelledCount(): number {
    return this.cancelledCount_;
  }

  /** A new live token id, or `-Full`. Ids are 0, 1, 2, ... in allocation order. */
  allocate(): ValueOrCode {
    if (this.allocated_ === this.capacity_) return -ErrorCode.Full;
    const id = this.allocated_;
    this.allocated_ = id + 1;
    return id;
  }

  /** True for an allocated token id. */
  isToken(id: number): boolean {
    return (id >>> 0) === id && id < this.allocated_;
  }

  /**
   * Cancel `id` with `reason` (1..CANCEL_REASON_MAX). `Ok`; `Cancelled` if it
   * already was (first reason kept); `NotFound` for an unknown id;
   * `InvalidArgument` for a bad reason. Nothing changes on failure.
   */
  cancel(id: number, reason: number): Status {
    if (!this.isToken(id)) return ErrorCode.NotFound;
    if ((reason >>> 0) !== reason || reason < 1 || reason > CANCEL_REASON_MAX) return ErrorCode.InvalidArgument;
    if (this.reasons_[this.base_ + id] !== 0) return ErrorCode.Cancelled;
    this.reasons_[this.base_ + id] = reason;
    this.cancelledCount_++;
    return ErrorCode.Ok;
  }

  /** True when `id` is an allocated, cancelled token. */
  isCancelled(id: number): boolean {
    return this.isToken(id) && this.reasons_[this.base_ + id] !== 0;
  }

  /** The cancellation reason, 0 while live, or `-NotFound` for an unknown id. */
  reason(id: number): ValueOrCode {
    if (!this.isToken(id)) return -ErrorCode.NotFound;
    return this.reasons_[this.base_ + id] ?? 0;
  }

  /** Make `id` live again. `Ok` or `NotFound`. */
  reset(id: number): Status {
    if (!this.isToken(id)) return ErrorCode.NotFound;
    this.reasons_[this.base_ + id] = 0;
    return ErrorCode.Ok;
  }
}
