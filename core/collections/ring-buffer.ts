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
  readonly #storage: NumericArray;
  readonly #capacity: number;
  readonly #policy: FullPolicy;
  #headIndex = 0; // storage index of the oldest element
  #length = 0;
  #droppedCount = 0;
  #refusedCount = 0;

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
    this.#storage = storage;
    this.#capacity = storage.length;
    this.#policy = policy;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get length(): number {
    return this.#length;
  }

  get policy(): FullPolicy {
    return this.#policy;
  }

  /** Values overwritten by `push` under `DropOldest` (lifetime count). */
  get droppedCount(): number {
    return this.#droppedCount;
  }

  /** Values rejected by `push` under `RefuseNewest` (lifetime count). */
  get refusedCount(): number {
    return this.#refusedCount;
  }

  /** Append `value` as the newest element. `Ok` or `Full` (RefuseNewest). */
  push(value: number): Status {
    const capacity = this.#capacity;
    if (this.#length === capacity) {
      if (this.#policy === FullPolicy.RefuseNewest) {
        this.#refusedCount++;
        return ErrorCode.Full;
      }
      // DropOldest: the oldest slot becomes the newest one.
      const head = this.#headIndex;
      this.#storage[head] = value;
      this.#headIndex = head + 1 === capacity ? 0 : head + 1;
      this.#droppedCount++;
      return ErrorCode.Ok;
    }
    this.#storage[this.physical(this.#length)] = value;
    this.#length++;
    return ErrorCode.Ok;
  }

  /** Remove the oldest element into `out`. `Ok` or `Empty`. */
  shift(out: Outcome<number>): Status {
    if (this.#length === 0) return out.fail(ErrorCode.Empty);
    const head = this.#headIndex;
    const value = this.#storage[head] ?? 0;
    this.#length--;
    // An empty ring restarts at index 0 so `copyInto` of a fresh window is one run.
    this.#headIndex = this.#length === 0 || head + 1 === this.#capacity ? 0 : head + 1;
    return out.succeed(value);
  }

  /** The oldest element into `out`, not removed. `Ok` or `Empty`. */
  peek(out: Outcome<number>): Status {
    if (this.#length === 0) return out.fail(ErrorCode.Empty);
    return out.succeed(this.#storage[this.#headIndex] ?? 0);
  }

  /** Element `index` (0 = oldest) into `out`. `Ok` or `OutOfRange`. */
  at(index: number, out: Outcome<number>): Status {
    if ((index >>> 0) !== index || index >= this.#length) return out.fail(ErrorCode.OutOfRange);
    return out.succeed(this.#storage[this.physical(index)] ?? 0);
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
    if (fromIndex + count > this.#length || destOffset + count > dest.length) return ErrorCode.OutOfRange;
    const storage = this.#storage;
    const capacity = this.#capacity;
    let source = this.physical(fromIndex);
    for (let i = 0; i < count; i++) {
      dest[destOffset + i] = storage[source] ?? 0;
      source = source + 1 === capacity ? 0 : source + 1;
    }
    return ErrorCode.Ok;
  }

  /** Forget all elements. Counters are lifetime metrics and are kept. */
  clear(): void {
    this.#headIndex = 0;
    this.#length = 0;
  }

  /** `Ok`, or `InvariantViolated` if internal state is inconsistent (tests). */
  checkInvariants(): Status {
    const capacity = this.#capacity;
    if (this.#storage.length !== capacity) return ErrorCode.InvariantViolated;
    if ((this.#headIndex >>> 0) !== this.#headIndex || this.#headIndex >= capacity) {
      return ErrorCode.InvariantViolated;
    }
    if ((this.#length >>> 0) !== this.#length || this.#length > capacity) return ErrorCode.InvariantViolated;
    if (this.#length === 0 && this.#headIndex !== 0) return ErrorCode.InvariantViolated;
    if (!Number.isSafeInteger(this.#droppedCount) || this.#droppedCount < 0) return ErrorCode.InvariantViolated;
    if (!Number.isSafeInteger(this.#refusedCount) || this.#refusedCount < 0) return ErrorCode.InvariantViolated;
    // Each policy has exactly one way to lose data; the other counter stays 0.
    if (this.#policy === FullPolicy.RefuseNewest && this.#droppedCount !== 0) return ErrorCode.InvariantViolated;
    if (this.#policy === FullPolicy.DropOldest && this.#refusedCount !== 0) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }

  /** Storage index of logical index `index` (0 = oldest), index < capacity. */
  private physical(index: number): number {
    const raw = this.#headIndex + index;
    return raw >= this.#capacity ? raw - this.#capacity : raw;
  }
}
