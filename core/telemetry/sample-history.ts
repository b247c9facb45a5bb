/**
 * Recent samples of one channel: (time, value) pairs in two lockstep
 * core/collections RingBuffers (Float64 times, Int32 values), oldest dropped
 * first when full (counted by the rings).
 *
 * Samples are also numbered: sequence number s is the s-th sample ever
 * pushed (from 0), so a reader can keep a position (a delta rule's cursor)
 * that stays meaningful while old samples fall out of the ring. The retained
 * samples are [oldestSeq, newestSeq]. Nothing is allocated after create.
 */
import { FullPolicy } from "../collections/full-policy";
import { RingBuffer } from "../collections/ring-buffer";
import { ErrorCode } from "../runtime/errors";
import { err, ok, Outcome, type Result, type Status } from "../runtime/result";

export class SampleHistory {
  readonly #timesMs: RingBuffer;
  readonly #values: RingBuffer;
  readonly #slot = new Outcome<number>(0);
  #pushed = 0;
  #newestValue = 0;

  /** `capacity` samples (1..65536); `TelemetryBadCapacity` otherwise. */
  static create(capacity: number): Result<SampleHistory> {
    const timesMs = RingBuffer.create(capacity, Float64Array, FullPolicy.DropOldest);
    const values = RingBuffer.create(capacity, Int32Array, FullPolicy.DropOldest);
    if (!timesMs.ok || !values.ok) return err(ErrorCode.TelemetryBadCapacity);
    return ok(new SampleHistory(timesMs.value, values.value));
  }

  private constructor(timesMs: RingBuffer, values: RingBuffer) {
    this.#timesMs = timesMs;
    this.#values = values;
  }

  get capacity(): number {
    return this.#values.capacity;
  }

  get length(): number {
    return this.#values.length;
  }

  /** Samples that fell out of the ring (lifetime). */
  get droppedCount(): number {
    return this.#values.droppedCount;
  }

  /** Samples ever pushed; the next sample's sequence number. */
  get pushed(): number {
    return this.#pushed;
  }

  get oldestSeq(): number {
    return this.#pushed - this.#values.length;
  }

  get newestSeq(): number {
    return this.#pushed - 1;
  }

  /** The newest value (0 before the first push). */
  get newestValue(): number {
    return this.#newestValue;
  }

  push(atMs: number, value: number): void {
    this.#timesMs.push(atMs);
    this.#values.push(value);
    this.#newestValue = value;
    this.#pushed++;
  }

  /** Time of retained sample `seq` (oldestSeq <= seq <= newestSeq); -1 if not retained. */
  timeAt(seq: number): number {
    return this.#timesMs.at(seq - this.oldestSeq, this.#slot) === ErrorCode.Ok ? this.#slot.value : -1;
  }

  /** Value of retained sample `seq`; 0 if not retained. */
  valueAt(seq: number): number {
    return this.#values.at(seq - this.oldestSeq, this.#slot) === ErrorCode.Ok ? this.#slot.value : 0;
  }

  /** `Ok` or `InvariantViolated` (tests). */
  checkInvariants(): Status {
    if (this.#timesMs.checkInvariants() !== ErrorCode.Ok || this.#values.checkInvariants() !== ErrorCode.Ok) {
      return ErrorCode.InvariantViolated;
    }
    if (this.#timesMs.length !== this.#values.length || this.#values.length > this.#pushed) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }
}
