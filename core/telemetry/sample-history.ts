/**
 * Recent samples of one channel: (time, value) pairs, oldest dropped first
 * when full (counted in `droppedCount`).
 *
 * Samples are also numbered: sequence number s is the s-th sample ever
 * pushed (from 0), so a reader can keep a position (a delta rule's cursor)
 * that stays meaningful while old samples fall out of the ring. The retained
 * samples are [oldestSeq, newestSeq]. Nothing is allocated after create.
 *
 * Memory: one ArrayBuffer behind two views (a typed array costs about 128 B
 * of heap on XS before its data): the times (ms, Float64: they pass 2^31)
 * and the int32 values; sample s sits at index s mod capacity of both, so
 * the ring needs no head index.
 */
import { RING_BUFFER_CAPACITY_MAX } from "../collections/ring-buffer";
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";

export class SampleHistory {
  readonly #times: Float64Array;
  readonly #values: Int32Array;
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
    const buffer = new ArrayBuffer(capacity * 12);
    this.#times = new Float64Array(buffer, 0, capacity);
    this.#values = new Int32Array(buffer, capacity * 8, capacity);
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
    const at = this.#pushed % this.#capacity;
    this.#times[at] = atMs;
    this.#values[at] = value;
    this.#newestValue = value;
    this.#pushed++;
  }

  /** Time of sample `seq`, or -1 when it is not retained. */
  timeAt(seq: number): number {
    return this.retained(seq) ? (this.#times[seq % this.#capacity] ?? -1) : -1;
  }

  /** Value of sample `seq`, or 0 when it is not retained. */
  valueAt(seq: number): number {
    return this.retained(seq) ? (this.#values[seq % this.#capacity] ?? 0) : 0;
  }

  /** `Ok`, or `InvariantViolated` (tests). */
  checkInvariants(): Status {
    if (this.#times.length !== this.#capacity || this.#values.length !== this.#capacity || !Number.isSafeInteger(this.#pushed) || this.#pushed < 0) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }

  private retained(seq: number): boolean {
    return Number.isSafeInteger(seq) && seq >= this.oldestSeq && seq < this.#pushed;
  }
}
