/**
 * Fixed-capacity FIFO ring of numbers over one typed array.
 *
 * Used for sensor sample windows and other numeric streams. The element type
 * is the typed array's: a value pushed into an `Int32Array` ring is stored
 * after the usual typed-array conversion (ToInt32), exactly as
 * `array[i] = value` would store it.
 *
 * Full policy (chosen at `create`, see full-policy.ts):
 *  - `RefuseNewest`: `push` returns `ErrorCode.Full`, contents unchanged,
 *    `refusedCount` + 1.
 *  - `DropOldest`: `push` overwrites the oldest value, `droppedCount` + 1.
 *
 * Reading values out: `shift`, `peek` and `at` write the value into a
 * caller-owned `Outcome<number>` slot and return a `Status`. Every number is
 * a legal element (NaN included for float kinds), so no return value could
 * double as a "nothing there" marker; the slot keeps reads allocation-free
 * and unambiguous. Read `out.value` only when the status is `Ok`.
 *
 * All operations are O(1) except `copyInto` (O(count)) and `clear`.
 * Nothing is allocated after `create`.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Outcome, type Result, type Status } from "../runtime/result";
import { FullPolicy, isFullPolicy } from "./full-policy";

/** Typed arrays that hold numbers (BigInt arrays are excluded). */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray;

/** A typed array constructor such as `Float64Array` or `Uint16Array`. */
export interface NumericArrayConstructor {
  new (length: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
}

/** Largest accepted capacity, in elements; keeps memory bounded by config. */
export const RING_BUFFER_CAPACITY_MAX = 1 << 24;

export class RingBuffer {
  private readonly storage_: NumericArray;
  private readonly capacity_: number;
  private readonly policy_: FullPolicy;
  private headIndex_ = 0; // storage index of the oldest element
  private length_ = 0;
  private droppedCount_ = 0;
  private refusedCount_ = 0;

  /**
   * Capacity in elements (1..RING_BUFFER_CAPACITY_MAX), element type, and
   * full policy. `InvalidArgument` for anything else.
   */
  static create(
    capacity: number,
    arrayType: NumericArrayConstructor,
    policy: FullPolicy,
  ): Result<RingBuffer> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > RING_BUFFER_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!isFullPolicy(policy)) return err(ErrorCode.InvalidArgument);
    const storage = new arrayType(capacity);
    if (storage.length !== capacity) return err(ErrorCode.InvalidArgument);
    return ok(new RingBuffer(storage, policy));
  }

  private constructor(storage: NumericArray, policy: FullPolicy) {
    this.storage_ = storage;
    this.capacity_ = storage.length;
    this.policy_ = policy;
  }

  get capacity(): number {
    return this.capacity_;
  }

  get length(): number {
    return this.length_;
  }

  get policy(): FullPolicy {
    return this.policy_;
  }

  /** Values overwritten by `push` under `DropOldest` (lifetime count). */
  get droppedCount(): number {
    return this.droppedCount_;
  }

  /** Values rejected by `push` under `RefuseNewest` (lifetime count). */
  get refusedCount(): number {
    return this.refusedCount_;
  }

  /** Append `value` as the newest element. `Ok` or `Full` (RefuseNewest). */
  push(value: number): Status {
    const capacity = this.capacity_;
    if (this.length_ === capacity) {
      if (this.policy_ === FullPolicy.RefuseNewest) {
        this.refusedCount_++;
        return ErrorCode.Full;
      }
      // DropOldest: the oldest slot becomes the newest one.
      const head = this.headIndex_;
      this.storage_[head] = value;
      this.headIndex_ = head + 1 === capacity ? 0 : head + 1;
      this.droppedCount_++;
      return ErrorCode.Ok;
    }
    this.storage_[this.physical(this.length_)] = value;
    this.length_++;
    return ErrorCode.Ok;
  }

  /** Remove the oldest element into `out`. `Ok` or `Empty`. */
  shift(out: Outcome<number>): Status {
    if (this.length_ === 0) return out.fail(ErrorCode.Empty);
    const head = this.headIndex_;
    const value = this.storage_[head] ?? 0;
    this.length_--;
    // An empty ring restarts at index 0 so `copyInto` of a fresh window is one run.
    this.headIndex_ = this.length_ === 0 || head + 1 === this.capacity_ ? 0 : head + 1;
    return out.succeed(value);
  }

  /** The oldest element into `out`, not removed. `Ok` or `Empty`. */
  peek(out: Outcome<number>): Status {
    if (this.length_ === 0) return out.fail(ErrorCode.Empty);
    return out.succeed(this.storage_[this.headIndex_] ?? 0);
  }

  /** Element `index` (0 = oldest) into `out`. `Ok` or `OutOfRange`. */
  at(index: number, out: Outcome<number>): Status {
    if ((index >>> 0) !== index || index >= this.length_) return out.fail(ErrorCode.OutOfRange);
    return out.succeed(this.storage_[this.physical(index)] ?? 0);
  }

  /**
   * Copy `count` elements starting at logical `fromIndex` (0 = oldest) into
   * `dest[destOffset ..]`, oldest first. For windowed aggregation: the newest
   * n values are `copyInto(dest, 0, ring.length - n, n)`. `OutOfRange` when
   * the window is not inside the ring or does not fit `dest`; then `dest` is
   * untouched.
   */
  copyInto(dest: NumericArray, destOffset: number, fromIndex: number, count: number): Status {
    if ((destOffset >>> 0) !== destOffset || (fromIndex >>> 0) !== fromIndex || (count >>> 0) !== count) {
      return ErrorCode.OutOfRange;
    }
    if (fromIndex + count > this.length_ || destOffset + count > dest.length) return ErrorCode.OutOfRange;
    const storage = this.storage_;
    const capacity = this.capacity_;
    let source = this.physical(fromIndex);
    for (let i = 0; i < count; i++) {
      dest[destOffset + i] = storage[source] ?? 0;
      source = source + 1 === capacity ? 0 : source + 1;
    }
    return ErrorCode.Ok;
  }

  /** Forget all elements. Counters are lifetime metrics and are kept. */
  clear(): void {
    this.headIndex_ = 0;
    this.length_ = 0;
  }

  /** `Ok`, or `InvariantViolated` if internal state is inconsistent (tests). */
  checkInvariants(): Status {
    const capacity = this.capacity_;
    if (this.storage_.length !== capacity) return ErrorCode.InvariantViolated;
    if ((this.headIndex_ >>> 0) !== this.headIndex_ || this.headIndex_ >= capacity) {
      return ErrorCode.InvariantViolated;
    }
    if ((this.length_ >>> 0) !== this.length_ || this.length_ > capacity) return ErrorCode.InvariantViolated;
    if (this.length_ === 0 && this.headIndex_ !== 0) return ErrorCode.InvariantViolated;
    if (!Number.isSafeInteger(this.droppedCount_) || this.droppedCount_ < 0) return ErrorCode.InvariantViolated;
    if (!Number.isSafeInteger(this.refusedCount_) || this.refusedCount_ < 0) return ErrorCode.InvariantViolated;
    // Each policy has exactly one way to lose data; the other counter stays 0.
    if (this.policy_ === FullPolicy.RefuseNewest && this.droppedCount_ !== 0) return ErrorCode.InvariantViolated;
    if (this.policy_ === FullPolicy.DropOldest && this.refusedCount_ !== 0) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }

  /** Storage index of logical index `index` (0 = oldest), index < capacity. */
  private physical(index: number): number {
    const raw = this.headIndex_ + index;
    return raw >= this.capacity_ ? raw - this.capacity_ : raw;
  }
}
