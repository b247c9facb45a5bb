/**
 * Fixed-size object pool (slab): `capacity` objects made once by a factory
 * at `create`, handed out and returned by slot index.
 *
 * Free slots sit on a stack in a `Uint32Array`; `acquire` pops, `release`
 * pushes, both O(1). Reuse is LIFO (the slot released last is acquired
 * next, which keeps it warm in cache), and a fresh pool hands out slots
 * 0, 1, 2, ... in order, so slot numbers are deterministic on every engine.
 *
 * Full policy: refuse. `acquire` on an exhausted pool returns
 * `-ErrorCode.PoolExhausted` (value-or-code convention, value-or-code.ts) and
 * `exhaustedCount` + 1. `release` of a slot that is not allocated (double
 * free, out of range, not an integer) returns `NotAllocated`, changes
 * nothing and counts `badReleaseCount`.
 *
 * The pool owns no object state: a released object keeps whatever fields the
 * user left in it; reset it before or after `release` as the use requires.
 * Nothing is allocated after `create`.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "./value-or-code";

/** Largest accepted number of slots. */
export const POOL_CAPACITY_MAX = 1 << 24;

export class Pool<T extends object> {
  private readonly items_: readonly T[];
  // One ArrayBuffer (each costs heap slots on XS): the free stack, then one allocation flag per slot.
  private readonly freeSlots_: Uint32Array; // stack; [0, freeCount_) are free
  private readonly allocated_: Uint8Array; // 1 while a slot is handed out
  private readonly capacity_: number;
  private freeCount_: number;
  private exhaustedCount_ = 0;
  private badReleaseCount_ = 0;

  /**
   * Calls `factory(slot)` exactly `capacity` times, now. `capacity` in
   * 1..POOL_CAPACITY_MAX, else `InvalidArgument`.
   */
  static create<T extends object>(capacity: number, factory: (slot: number) => T): Result<Pool<T>> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > POOL_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    const items = Array.from({ length: capacity }, (_unused, slot) => factory(slot));
    return ok(new Pool(items));
  }

  private constructor(items: readonly T[]) {
    const capacity = items.length;
    this.items_ = items;
    this.capacity_ = capacity;
    const buffer = new ArrayBuffer(5 * capacity);
    this.freeSlots_ = new Uint32Array(buffer, 0, capacity);
    this.allocated_ = new Uint8Array(buffer, 4 * capacity, capacity);
    this.freeCount_ = capacity;
    this.resetFreeStack();
  }

  get capacity(): number {
    return this.capacity_;
  }

  /** Slots currently handed out. */
  get inUse(): number {
    return this.capacity_ - this.freeCount_;
  }

  /** Slots that `acquire` can still hand out. */
  get available(): number {
    return this.freeCount_;
  }

  /** `acquire` calls refused because the pool was empty (lifetime count). */
  get exhaustedCount(): number {
    return this.exhaustedCount_;
  }

  /** `release` calls refused with `NotAllocated` (lifetime count). */
  get badReleaseCount(): number {
    return this.badReleaseCount_;
  }

  /** A free slot index (>= 0), or `-PoolExhausted`. */
  acquire(): ValueOrCode {
    if (this.freeCount_ === 0) {
      this.exhaustedCount_++;
      return -ErrorCode.PoolExhausted;
    }
    this.freeCount_--;
    const slot = this.freeSlots_[this.freeCount_] ?? 0;
    this.allocated_[slot] = 1;
    return slot;
  }

  /** Return `slot` to the pool. `Ok` or `NotAllocated`. */
  release(slot: number): Status {
    if (!this.isAllocated(slot)) {
      this.badReleaseCount_++;
      return ErrorCode.NotAllocated;
    }
    this.allocated_[slot] = 0;
    this.freeSlots_[this.freeCount_] = slot;
    this.freeCount_++;
    return ErrorCode.Ok;
  }

  /** True when `slot` is a valid index currently handed out. */
  isAllocated(slot: number): boolean {
    return (slot >>> 0) === slot && slot < this.capacity_ && this.allocated_[slot] === 1;
  }

  /** The object in an allocated `slot`; `undefined` for a free or bad slot. */
  get(slot: number): T | undefined {
    return this.isAllocated(slot) ? this.items_[slot] : undefined;
  }

  /** Return every slot; the next `acquire` hands out slot 0 again. */
  releaseAll(): void {
    this.allocated_.fill(0);
    this.freeCount_ = this.capacity_;
    this.resetFreeStack();
  }

  /** `Ok`, or `InvariantViolated`. O(capacity), for tests. */
  checkInvariants(): Status {
    const capacity = this.capacity_;
    if (this.items_.length !== capacity || this.freeSlots_.length !== capacity) return ErrorCode.InvariantViolated;
    if ((this.freeCount_ >>> 0) !== this.freeCount_ || this.freeCount_ > capacity) return ErrorCode.InvariantViolated;
    let allocatedCount = 0;
    for (let slot = 0; slot < capacity; slot++) {
      const flag = this.allocated_[slot] ?? 2;
      if (flag > 1) return ErrorCode.InvariantViolated;
      allocatedCount += flag;
    }
    if (allocatedCount !== capacity - this.freeCount_) return ErrorCode.InvariantViolated;
    // Every stacked slot is in range, free, and stacked once (a duplicate
    // would mean another free slot is lost: never handed out again).
    for (let i = 0; i < this.freeCount_; i++) {
      const slot = this.freeSlots_[i] ?? capacity;
      if (slot >= capacity || this.allocated_[slot] !== 0) return ErrorCode.InvariantViolated;
    }
    return this.freeSlotsDistinct() ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  /** Top of the stack is slot 0, so a fresh pool hands out 0, 1, 2, ... */
  private resetFreeStack(): void {
    const capacity = this.capacity_;
    for (let i = 0; i < capacity; i++) this.freeSlots_[i] = capacity - 1 - i;
  }

  /** Marks stacked slots in the allocation map temporarily (2), then undoes it. */
  private freeSlotsDistinct(): boolean {
    let distinct = true;
    let marked = 0;
    for (; marked < this.freeCount_; marked++) {
      const slot = this.freeSlots_[marked] ?? 0;
      if (this.allocated_[slot] === 2) {
        distinct = false;
        break;
      }
      this.allocated_[slot] = 2;
    }
    for (let i = 0; i < marked; i++) this.allocated_[this.freeSlots_[i] ?? 0] = 0;
    return distinct;
  }
}
