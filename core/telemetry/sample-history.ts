/**
 * Recent samples of one channel: (time, value) pairs, oldest dropped first
 * when full (counted in `droppedCount`).
 *
 * Samples are also numbered: sequence number s is the s-th sample ever
 * pushed (from 0), so a reader can keep a position (a delta rule's cursor)
 * that stays meaningful while old samples fall out of the ring. The retained
 * samples are [oldestSeq, newestSeq]. Nothing is allocated after create.
 *
 * Memory: one Float64Array of 2 x capacity numbers (a typed array costs
 * about 128 B of heap on XS before its data); sample s sits at pair
 * s mod capacity, so the ring needs no head index.
 */
import { RING_BUFFER_CAPACITY_MAX } from "../collections/ring-buffer";
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";

export class SampleHistory {
  /** Pair i: time (ms) at 2i, value at 2i + 1. */
  readonly #samples: Float64Array;
  readonly #capacity: number;
  #pushed = 0;
  #newestValue = 0;

  /** `capacity` samples (1..RING_BUFFER_CAPACITY_MAX); `TelemetryBadCapacity` otherwise. */
  static create(capacity: number): Result<SampleHistory> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > RING_BUFFER_CAPACITY_MAX) return err(ErrorCode.TelemetryBadCapacity);
    return ok(new SampleHistory(capacity));
  }

  private constructor(capacity: number) {
    this.#capacity = capacity;
    this.#samples = new Float64Array(2 * capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Samples retained. */
  get length(): number {
    return this.#pushed < this.#capacity ? this.#pushed : this.#capacity;
  }

  /** Samples that fell out of the ring (lifetime count). */
  get droppedCount(): number {
    return this.#pushed - this.length;
  }

  /** Samples ever pushed. */
  get pushed(): number {
    return this.#pushed;
  }

  get oldestSeq(): number {
    return this.#pushed - this.length;
  }

  /** -1 while empty. */
  get newestSeq(): number {
    return this.#pushed - 1;
  }

  /** The newest value (0 while empty). */
  get newestValue(): number {
    return this.#newestValue;
  }

  /** Append a sample (an int32 value); the oldest is dropped when full. */
  push(atMs: number, value: number): void {
    const at = 2 * (this.#pushed % this.#capacity);
    this.#samples[at] = atMs;
    this.#samples[at + 1] = value | 0;
    this.#newestValue = value;
    this.#pushed++;
  }

  /** Time of sample `seq`, or -1 when it is not retained. */
  timeAt(seq: number): number {
    return this.retained(seq) ? (this.#samples[2 * (seq % this.#capacity)] ?? -1) : -1;
  }

  /** Value of sample `seq`, or 0 when it is not retained. */
  valueAt(seq: number): number {
    return this.retained(seq) ? (this.#samples[2 * (seq % this.#capacity) + 1] ?? 0) : 0;
  }

  /** `Ok`, or `InvariantViolated` (tests). */
  checkInvariants(): Status {
    if (this.#samples.length !== 2 * this.#capacity || !Number.isSafeInteger(this.#pushed) || this.#pushed < 0) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }

  private retained(seq: number): boolean {
    return Number.isSafeInteger(seq) && seq >= this.oldestSeq && seq < this.#pushed;
  }
}
