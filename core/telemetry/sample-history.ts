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
  private readonly times_: Float64Array;
  private readonly values_: Int32Array;
  private pushed_ = 0;

  /** Bytes a history of `capacity` samples takes in a caller's buffer (`create`'s `buffer`): times, then values. */
  static bytesFor(capacity: number): number {
    return capacity * 12;
  }

  /**
   * `capacity` samples (1..RING_BUFFER_CAPACITY_MAX); `TelemetryBadCapacity`
   * otherwise. With `buffer`, the history lives there from `byteOffset` (a
   * multiple of 8) for `bytesFor(capacity)` bytes, which the caller does not
   * use otherwise (each ArrayBuffer costs heap slots on XS); `InvalidArgument`
   * when that range does not fit.
   */
  static create(capacity: number, buffer?: ArrayBuffer, byteOffset = 0): Result<SampleHistory> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > RING_BUFFER_CAPACITY_MAX) return err(ErrorCode.TelemetryBadCapacity);
    if (buffer !== undefined && ((byteOffset >>> 0) !== byteOffset || byteOffset % 8 !== 0 || byteOffset + SampleHistory.bytesFor(capacity) > buffer.byteLength)) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new SampleHistory(capacity, buffer ?? new ArrayBuffer(SampleHistory.bytesFor(capacity)), buffer === undefined ? 0 : byteOffset));
  }

  private constructor(capacity: number, buffer: ArrayBuffer, byteOffset: number) {
    this.times_ = new Float64Array(buffer, byteOffset, capacity);
    this.values_ = new Int32Array(buffer, byteOffset + capacity * 8, capacity);
  }

  get capacity(): number {
    return this.times_.length;
  }

  /** Samples retained. */
  get length(): number {
    return this.pushed_ < this.times_.length ? this.pushed_ : this.times_.length;
  }

  /** Samples that fell out of the ring (lifetime count). */
  get droppedCount(): number {
    return this.pushed_ - this.length;
  }

  /** Samples ever pushed. */
  get pushed(): number {
    return this.pushed_;
  }

  get oldestSeq(): number {
    return this.pushed_ - this.length;
  }

  /** -1 while empty. */
  get newestSeq(): number {
    return this.pushed_ - 1;
  }

  /** The newest value (0 while empty). */
  get newestValue(): number {
    return this.pushed_ === 0 ? 0 : (this.values_[(this.pushed_ - 1) % this.values_.length] ?? 0);
  }

  /** Append a sample (an int32 value); the oldest is dropped when full. */
  push(atMs: number, value: number): void {
    const at = this.pushed_ % this.times_.length;
    this.times_[at] = atMs;
    this.values_[at] = value;
    this.pushed_++;
  }

  /** Time of sample `seq`, or -1 when it is not retained. */
  timeAt(seq: number): number {
    return this.retained(seq) ? (this.times_[seq % this.times_.length] ?? -1) : -1;
  }

  /** Value of sample `seq`, or 0 when it is not retained. */
  valueAt(seq: number): number {
    return this.retained(seq) ? (this.values_[seq % this.times_.length] ?? 0) : 0;
  }

  /** `Ok`, or `InvariantViolated` (tests). */
  checkInvariants(): Status {
    if (this.times_.length !== this.values_.length || !Number.isSafeInteger(this.pushed_) || this.pushed_ < 0) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }

  private retained(seq: number): boolean {
    return Number.isSafeInteger(seq) && seq >= this.oldestSeq && seq < this.pushed_;
  }
}
