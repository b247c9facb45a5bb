/**
 * Where send counters come from (README "Crypto boundary and envelopes").
 *
 * A counter used in a nonce must never repeat under one key, across reboots
 * too. The storage layer provides that with a reservation scheme (reserve a
 * block of values in flash, hand them out from RAM, skip to the next block
 * after a reboot; cf. RFC 8613 App. B.1.1). core/crypto depends only on
 * this interface, declared here so the two layers stay independent; the
 * storage engineer's core/storage/counter-reservation.ts has this shape.
 */
import { ErrorCode } from "../runtime/errors";
import type { Outcome, Status } from "../runtime/result";
import type { Counter } from "../runtime/ids";

export interface CounterSource {
  /**
   * Write the next never-before-used counter value into `out` and return
   * Ok, or return an error (nothing written) when none can be handed out
   * safely (for instance the next reservation could not be persisted, or
   * none is reserved until `prepare` runs).
   */
  next(out: Outcome<Counter>): Status;
  /**
   * The persist phase: make durable whatever the next values need before
   * any of them is used (a driver calls it before it seals and sends, so a
   * flash write never happens inside a seal). Ok when nothing was needed.
   */
  prepare(): Status;
  /**
   * Never issue the next `values` values (1..COUNTER_SKIP_MAX): a receiver
   * that lost power asked for it, so that its durable replay floors sit
   * below what comes next (core/storage/receive-ceilings.ts). Skipping is
   * always safe (values are only ever left unused); InvalidArgument out of
   * range.
   */
  skip(values: number): Status;
}

/** Most values one skip may leave unused. */
export const COUNTER_SKIP_MAX = 4096;

/**
 * A counter that lives only in RAM, for the simulator, tests and
 * benchmarks. NOT for boards: after a reboot it would repeat values.
 */
export class VolatileCounterSource implements CounterSource {
  private next_: number;
  private readonly limit_: number;

  constructor(start = 0, limit = Number.MAX_SAFE_INTEGER) {
    this.next_ = start;
    this.limit_ = limit;
  }

  next(out: Outcome<Counter>): Status {
    if (this.next_ > this.limit_) return out.fail(ErrorCode.SendCounterExhausted);
    return out.succeed(this.next_++ as Counter);
  }

  /** Nothing to persist. */
  prepare(): Status {
    return ErrorCode.Ok;
  }

  skip(values: number): Status {
    if ((values | 0) !== values || values < 1 || values > COUNTER_SKIP_MAX) return ErrorCode.InvalidArgument;
    this.next_ = Math.min(this.next_ + values, this.limit_ + 1);
    return ErrorCode.Ok;
  }
}
