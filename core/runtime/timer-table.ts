/**
 * The scheduler's timers: fixed slots, generation-checked handles and the
 * binary min-heap of their deadlines, in one table (no separate heap object:
 * the heap holds timer ids and reads deadlines from the slots).
 *
 * Two kinds of slot:
 *  - general slots 0..capacity-1, handed out by `arm` from a FIFO free list.
 *    A handle is `generation * capacity + slot`; the
 *    generation grows every time the slot is freed, so a stale handle (a
 *    one-shot that already fired, a cancelled timer) is refused with
 *    `NotFound` instead of touching the slot's next user. FIFO reuse keeps a
 *    freed slot out of use as long as possible. Handles stay exact safe
 *    integers for more than 2^40 reuses of one slot at capacity 4096.
 *  - reserved slots, one per task (`armReserved(task, ...)`), used for the
 *    task boundary's restart delays, so a restart can never fail for lack of
 *    a timer slot.
 *
 * Order: the earliest deadline fires first; equal deadlines fire in the
 * order they were armed (FIFO: each push into the heap takes the next arm
 * sequence number, and the heap orders by (deadline, sequence), integer
 * comparisons only, so every engine fires in the same order).
 *
 * Periodic timers re-arm at `deadline + period` (no drift: a late turn does
 * not shift later fires) and fire once for every period, however late the
 * turn; the scheduler bounds fires per turn and leaves the rest due for the
 * next turn. Each fire of a general timer adds one to its pending-fire count,
 * which the owning task reads with `takeFires`.
 *
 * Full policy: RefuseNewest. `arm` with every general slot in use returns
 * `-Full`, counted in `fullCount`. Nothing is allocated after `create`.
 *
 * Memory: numbers only, in a Float64 and an Int32 view (each typed array
 * costs about 128 B of heap on XS before its data, README "Board memory on
 * the board's terms"): the caller's (the scheduler keeps its tasks and its
 * timers behind one ArrayBuffer, `TimerStore`), or one ArrayBuffer of the
 * table's own. Float64 where a number can pass 2^31: the table's counters,
 * per timer id its deadline and heap sequence, per general slot its period,
 * generation and pending fires. Int32 for the rest: per id its owner and
 * heap position (-1 = not armed), the heap itself (ids by heap index), per
 * general slot its token, and the free list as a ring of slot numbers. A
 * general slot is in use exactly while it is armed (in the heap).
 */
import type { ValueOrCode } from "../collections/value-or-code";
import { ErrorCode } from "./errors";
import { err, ok, type Result, type Status } from "./result";

/** Largest number of general timer slots. */
export const TIMER_CAPACITY_MAX = 65_536;
/** Largest number of reserved (per-task) slots. */
export const TIMER_RESERVED_MAX = 4_096;

// Float64 view, from the table's base: the counters, then per timer id
// (general, then reserved) ID_F64 numbers, then per general slot SLOT_F64.
const C_SIZE = 0; // armed timers (heap entries)
const C_NEXT_SEQUENCE = 1;
const C_FREE_HEAD = 2;
const C_FREE_COUNT = 3;
const C_FIRED = 4;
const C_CANCELLED = 5;
const C_FULL = 6;
const COUNTERS = 7;
const F_DEADLINE = 0;
const F_SEQUENCE = 1; // arm order, breaks deadline ties
const ID_F64 = 2;
const G_PERIOD_MS = 0; // 0 = one-shot
const G_GENERATION = 1;
const G_PENDING_FIRES = 2;
const SLOT_F64 = 3;
// Int32 view, from the table's base: per id its owner, per id its heap
// position, the heap (ids by index), per general slot its token, the free ring.
const I_OWNERS = 0;
const I_POSITIONS = 1; // x total
const I_HEAP = 2; // x total
const I_TOKENS = 3; // x total

/** Where a table keeps its numbers: `TimerTable.f64Numbers` from `f64Base` in `f64`, `i32Numbers` from `i32Base` in `i32`. */
export interface TimerStore {
  readonly f64: Float64Array;
  readonly f64Base: number;
  readonly i32: Int32Array;
  readonly i32Base: number;
}

export class TimerTable {
  private readonly capacity_: number;
  private readonly reservedCount_: number;
  private readonly f_: Float64Array;
  private readonly i_: Int32Array;
  private readonly fBase_: number;
  private readonly iBase_: number;

  /** Float64 numbers a table of `capacity` general and `reservedCount` reserved slots keeps. */
  static f64Numbers(capacity: number, reservedCount: number): number {
    return COUNTERS + (capacity + reservedCount) * ID_F64 + capacity * SLOT_F64;
  }

  /** Int32 numbers such a table keeps. */
  static i32Numbers(capacity: number, reservedCount: number): number {
    return 3 * (capacity + reservedCount) + 2 * capacity;
  }

  /**
   * `capacity` general slots (1..TIMER_CAPACITY_MAX), `reservedCount`
   * reserved (0..TIMER_RESERVED_MAX), in `store` (which must have room for
   * them: `InvalidArgument` otherwise) or in an ArrayBuffer of their own.
   */
  static create(capacity: number, reservedCount: number, store?: TimerStore): Result<TimerTable> {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > TIMER_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!Number.isSafeInteger(reservedCount) || reservedCount < 0 || reservedCount > TIMER_RESERVED_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    const f64Count = TimerTable.f64Numbers(capacity, reservedCount);
    const i32Count = TimerTable.i32Numbers(capacity, reservedCount);
    if (store === undefined) {
      const buffer = new ArrayBuffer(f64Count * 8 + i32Count * 4);
      const own = { f64: new Float64Array(buffer, 0, f64Count), f64Base: 0, i32: new Int32Array(buffer, f64Count * 8, i32Count), i32Base: 0 };
      return ok(new TimerTable(capacity, reservedCount, own));
    }
    const { f64, f64Base, i32, i32Base } = store;
    if (!isIndexIn(f64Base, f64.length - f64Count) || !isIndexIn(i32Base, i32.length - i32Count)) return err(ErrorCode.InvalidArgument);
    return ok(new TimerTable(capacity, reservedCount, store));
  }

  private constructor(capacity: number, reservedCount: number, store: TimerStore) {
    this.capacity_ = capacity;
    this.reservedCount_ = reservedCount;
    this.f_ = store.f64;
    this.fBase_ = store.f64Base;
    this.i_ = store.i32;
    this.iBase_ = store.i32Base;
    const f = this.f_;
    const fBase = this.fBase_;
    f.fill(0, fBase, fBase + TimerTable.f64Numbers(capacity, reservedCount));
    const total = capacity + reservedCount;
    const i = this.i_;
    const iBase = this.iBase_;
    i.fill(-1, iBase, iBase + I_HEAP * total); // no owners, nothing armed
    i.fill(0, iBase + I_HEAP * total, iBase + I_TOKENS * total);
    i.fill(-1, iBase + I_TOKENS * total, iBase + I_TOKENS * total + capacity); // no tokens
    // Every general slot free, in order (inline: this runs at the deepest point of boot).
    for (let slot = 0; slot < capacity; slot++) i[iBase + I_TOKENS * total + capacity + slot] = slot;
    f[fBase + C_FREE_COUNT] = capacity;
  }

  /** General slots. */
  get capacity(): number {
    return this.capacity_;
  }

  get reservedCount(): number {
    return this.reservedCount_;
  }

  /** Timers armed now, general and reserved. */
  get armedCount(): number {
    return this.counter(C_SIZE);
  }

  /** General timers in use (armed) now. */
  get inUseCount(): number {
    return this.capacity_ - this.counter(C_FREE_COUNT);
  }

  get firedCount(): number {
    return this.counter(C_FIRED);
  }

  /** Timers taken out before firing (cancel, token, task end, shutdown). */
  get cancelledCount(): number {
    return this.counter(C_CANCELLED);
  }

  /** `arm` calls refused because every general slot was in use. */
  get fullCount(): number {
    return this.counter(C_FULL);
  }

  /**
   * Arm a general timer for `owner` (a task id) at `deadlineMs`, repeating
   * every `periodMs` (0 = one-shot), bound to `token` (-1 = none). Returns
   * the handle, `-Full`, or `-InvalidArgument` (deadline not a safe integer,
   * period not a non-negative safe integer). Arguments are the caller's to
   * validate further (the scheduler checks owner and token).
   */
  arm(owner: number, token: number, deadlineMs: number, periodMs: number): ValueOrCode {
    if (!Number.isSafeInteger(deadlineMs) || !Number.isSafeInteger(periodMs) || periodMs < 0) {
      return -ErrorCode.InvalidArgument;
    }
    const freeCount = this.counter(C_FREE_COUNT);
    if (freeCount === 0) {
      this.add(C_FULL, 1);
      return -ErrorCode.Full;
    }
    const head = this.counter(C_FREE_HEAD);
    const slot = this.i_[this.freeAt(head)] ?? 0;
    this.f_[this.fBase_ + C_FREE_HEAD] = head + 1 === this.capacity_ ? 0 : head + 1;
    this.f_[this.fBase_ + C_FREE_COUNT] = freeCount - 1;
    const at = this.slotF(slot);
    this.f_[at + G_PERIOD_MS] = periodMs;
    this.f_[at + G_PENDING_FIRES] = 0;
    this.i_[this.iBase_ + slot] = owner;
    this.i_[this.tokenAt(slot)] = token;
    this.push(slot, deadlineMs); // the slot was free, so it is not in the heap, and the heap has room for every id
    return (this.f_[at + G_GENERATION] ?? 0) * this.capacity_ + slot;
  }

  /** Move an armed timer to `deadlineMs` (it then fires after timers armed before). `Ok`, `NotFound`, `InvalidArgument`. */
  rearm(handle: number, deadlineMs: number): Status {
    const slot = this.slotOf(handle);
    if (slot < 0) return ErrorCode.NotFound;
    if (!Number.isSafeInteger(deadlineMs)) return ErrorCode.InvalidArgument;
    this.remove(slot);
    this.push(slot, deadlineMs);
    return ErrorCode.Ok;
  }

  /** Disarm and free a timer. `Ok` or `NotFound` (stale, never issued, not an id). */
  cancel(handle: number): Status {
    const slot = this.slotOf(handle);
    if (slot < 0) return ErrorCode.NotFound;
    this.remove(slot);
    this.release(slot);
    this.add(C_CANCELLED, 1);
    return ErrorCode.Ok;
  }

  /** True while `handle` is armed. */
  isArmed(handle: number): boolean {
    return this.slotOf(handle) >= 0;
  }

  /** Deadline of an armed timer, or +Infinity. */
  deadlineOf(handle: number): number {
    const slot = this.slotOf(handle);
    return slot < 0 ? Number.POSITIVE_INFINITY : (this.f_[this.idF(slot) + F_DEADLINE] ?? 0);
  }

  /** Fires since the last call (then reset to 0), or `-NotFound` for a timer that is not armed. */
  takeFires(handle: number): ValueOrCode {
    const slot = this.slotOf(handle);
    if (slot < 0) return -ErrorCode.NotFound;
    const at = this.slotF(slot) + G_PENDING_FIRES;
    const fires = this.f_[at] ?? 0;
    this.f_[at] = 0;
    return fires;
  }

  /** Arm reserved slot `index` for `owner` at `deadlineMs`, replacing an armed one. `Ok`, `OutOfRange`, `InvalidArgument`. */
  armReserved(index: number, owner: number, deadlineMs: number): Status {
    if ((index >>> 0) !== index || index >= this.reservedCount_) return ErrorCode.OutOfRange;
    if (!Number.isSafeInteger(deadlineMs)) return ErrorCode.InvalidArgument;
    const id = this.capacity_ + index;
    if (this.armedId(id)) this.remove(id);
    this.i_[this.iBase_ + id] = owner;
    this.push(id, deadlineMs);
    return ErrorCode.Ok;
  }

  /** Disarm reserved slot `index`. `Ok`, `NotFound` (not armed) or `OutOfRange`. */
  cancelReserved(index: number): Status {
    if ((index >>> 0) !== index || index >= this.reservedCount_) return ErrorCode.OutOfRange;
    const id = this.capacity_ + index;
    if (!this.armedId(id)) return ErrorCode.NotFound;
    this.remove(id);
    this.add(C_CANCELLED, 1);
    return ErrorCode.Ok;
  }

  isReservedArmed(index: number): boolean {
    return (index >>> 0) === index && index < this.reservedCount_ && this.armedId(this.capacity_ + index);
  }

  /** Earliest deadline, +Infinity when nothing is armed. */
  peekDeadline(): number {
    return this.counter(C_SIZE) === 0 ? Number.POSITIVE_INFINITY : (this.f_[this.idF(this.heapId(0)) + F_DEADLINE] ?? 0);
  }

  /**
   * Fire the earliest timer if its deadline is <= `nowMs`: a periodic one is
   * re-armed one period on, a one-shot is freed. Returns the fired slot (read
   * its owner with `ownerOf`, kind with `isReservedSlot`), or `-Empty` when
   * nothing is due.
   */
  fireNext(nowMs: number): ValueOrCode {
    const deadlineMs = this.peekDeadline();
    if (!(deadlineMs <= nowMs)) return -ErrorCode.Empty;
    const slot = this.heapId(0);
    this.removeAt(0);
    this.add(C_FIRED, 1);
    if (slot >= this.capacity_) return slot;
    const at = this.slotF(slot);
    this.f_[at + G_PENDING_FIRES] = (this.f_[at + G_PENDING_FIRES] ?? 0) + 1;
    const periodMs = this.f_[at + G_PERIOD_MS] ?? 0;
    const nextMs = deadlineMs + periodMs;
    if (periodMs > 0 && Number.isSafeInteger(nextMs)) this.push(slot, nextMs);
    else this.release(slot);
    return slot;
  }

  isReservedSlot(slot: number): boolean {
    return slot >= this.capacity_;
  }

  /** Owner task of a slot (kept after a one-shot fires, until the slot is reused). */
  ownerOf(slot: number): number {
    if ((slot >>> 0) !== slot || slot >= this.capacity_ + this.reservedCount_) return -1;
    return this.i_[this.iBase_ + slot] ?? -1;
  }

  /** Cancel every timer (general and reserved) owned by `owner`. Returns how many. O(slots). */
  cancelOwnedBy(owner: number): number {
    let cancelled = 0;
    const total = this.capacity_ + this.reservedCount_;
    for (let slot = 0; slot < total; slot++) {
      if (this.i_[this.iBase_ + slot] !== owner || !this.armedId(slot)) continue;
      this.remove(slot);
      if (slot < this.capacity_) this.release(slot);
      cancelled++;
    }
    this.add(C_CANCELLED, cancelled);
    return cancelled;
  }

  /** Timers (general and reserved) armed for `owner`. O(slots), for checks. */
  armedOwnedBy(owner: number): number {
    let armed = 0;
    const total = this.capacity_ + this.reservedCount_;
    for (let slot = 0; slot < total; slot++) {
      if (this.i_[this.iBase_ + slot] === owner && this.armedId(slot)) armed++;
    }
    return armed;
  }

  /** Cancel every general timer bound to `token`. Returns how many. O(capacity). */
  cancelBoundTo(token: number): number {
    let cancelled = 0;
    for (let slot = 0; slot < this.capacity_; slot++) {
      if (!this.armedId(slot) || this.i_[this.tokenAt(slot)] !== token) continue;
      this.remove(slot);
      this.release(slot);
      cancelled++;
    }
    this.add(C_CANCELLED, cancelled);
    return cancelled;
  }

  /** Cancel everything (shutdown). Returns how many were armed. */
  clear(): number {
    for (let slot = 0; slot < this.capacity_; slot++) {
      if (this.armedId(slot)) this.release(slot);
    }
    const cancelled = this.counter(C_SIZE);
    for (let index = 0; index < cancelled; index++) this.i_[this.positionAt(this.heapId(index))] = -1;
    this.f_[this.fBase_ + C_SIZE] = 0;
    this.add(C_CANCELLED, cancelled);
    return cancelled;
  }

  /**
   * `Ok`, or `InvariantViolated`: heap order (deadline, sequence) holds for
   * every parent/child pair and the positions and the heap agree both ways;
   * the free list holds exactly the general slots not armed. O(capacity), for tests.
   */
  checkInvariants(): Status {
    const size = this.counter(C_SIZE);
    const total = this.capacity_ + this.reservedCount_;
    if ((size >>> 0) !== size || size > total) return ErrorCode.InvariantViolated;
    const nextSequence = this.counter(C_NEXT_SEQUENCE);
    for (let index = 0; index < size; index++) {
      const id = this.heapId(index);
      if ((id >>> 0) !== id || id >= total || this.i_[this.positionAt(id)] !== index) return ErrorCode.InvariantViolated;
      const deadline = this.f_[this.idF(id) + F_DEADLINE] ?? 0;
      const sequence = this.f_[this.idF(id) + F_SEQUENCE] ?? 0;
      if (!Number.isSafeInteger(deadline) || !Number.isSafeInteger(sequence) || sequence < 0 || sequence >= nextSequence) return ErrorCode.InvariantViolated;
      if (index > 0 && this.before(id, this.heapId((index - 1) >> 1))) return ErrorCode.InvariantViolated;
    }
    let armed = 0;
    for (let id = 0; id < total; id++) {
      const index = this.i_[this.positionAt(id)] ?? -1;
      if (index === -1) continue;
      if (index < 0 || index >= size || this.heapId(index) !== id) return ErrorCode.InvariantViolated;
      armed++;
    }
    if (armed !== size) return ErrorCode.InvariantViolated;
    let inUse = 0;
    for (let slot = 0; slot < this.capacity_; slot++) if (this.armedId(slot)) inUse++;
    const freeCount = this.counter(C_FREE_COUNT);
    if (inUse + freeCount !== this.capacity_) return ErrorCode.InvariantViolated;
    const head = this.counter(C_FREE_HEAD);
    for (let k = 0; k < freeCount; k++) {
      const slot = this.i_[this.freeAt(head + k)] ?? -1;
      if ((slot >>> 0) !== slot || slot >= this.capacity_ || this.armedId(slot)) return ErrorCode.InvariantViolated;
    }
    return ErrorCode.Ok;
  }

  // ------------------------------------------------ where the numbers are

  private counter(c: number): number {
    return this.f_[this.fBase_ + c] ?? 0;
  }

  private add(c: number, delta: number): void {
    this.f_[this.fBase_ + c] = (this.f_[this.fBase_ + c] ?? 0) + delta;
  }

  /** Float64 index of timer `id`'s deadline and sequence. */
  private idF(id: number): number {
    return this.fBase_ + COUNTERS + id * ID_F64;
  }

  /** Float64 index of general `slot`'s period, generation and pending fires. */
  private slotF(slot: number): number {
    return this.fBase_ + COUNTERS + (this.capacity_ + this.reservedCount_) * ID_F64 + slot * SLOT_F64;
  }

  private positionAt(id: number): number {
    return this.iBase_ + I_POSITIONS * (this.capacity_ + this.reservedCount_) + id;
  }

  private heapId(index: number): number {
    return this.i_[this.iBase_ + I_HEAP * (this.capacity_ + this.reservedCount_) + index] ?? 0;
  }

  private tokenAt(slot: number): number {
    return this.iBase_ + I_TOKENS * (this.capacity_ + this.reservedCount_) + slot;
  }

  /** Int32 index of free-ring position `k` (taken modulo capacity; k < 2 x capacity). */
  private freeAt(k: number): number {
    const capacity = this.capacity_;
    return this.iBase_ + I_TOKENS * (capacity + this.reservedCount_) + capacity + (k >= capacity ? k - capacity : k);
  }

  /** The general slot of a live handle, or -1. */
  private slotOf(handle: number): number {
    if (!Number.isSafeInteger(handle) || handle < 0) return -1;
    const capacity = this.capacity_;
    const slot = handle % capacity;
    const generation = (handle - slot) / capacity;
    if (!this.armedId(slot) || this.f_[this.slotF(slot) + G_GENERATION] !== generation) return -1;
    return slot;
  }

  private armedId(id: number): boolean {
    return (this.i_[this.positionAt(id)] ?? -1) >= 0;
  }

  private release(slot: number): void {
    const at = this.slotF(slot) + G_GENERATION;
    this.i_[this.tokenAt(slot)] = -1;
    this.f_[at] = (this.f_[at] ?? 0) + 1;
    this.pushFree(slot);
  }

  /** Append `slot` to the free ring (never full: at most `capacity` slots are free). */
  private pushFree(slot: number): void {
    const freeCount = this.counter(C_FREE_COUNT);
    this.i_[this.freeAt(this.counter(C_FREE_HEAD) + freeCount)] = slot;
    this.f_[this.fBase_ + C_FREE_COUNT] = freeCount + 1;
  }

  // ------------------------------------------------ the heap of armed ids

  /** Arm `id` (not armed now) at `deadlineMs` with the next sequence number. */
  private push(id: number, deadlineMs: number): void {
    const at = this.idF(id);
    const sequence = this.counter(C_NEXT_SEQUENCE);
    this.f_[at + F_DEADLINE] = deadlineMs;
    this.f_[at + F_SEQUENCE] = sequence;
    this.f_[this.fBase_ + C_NEXT_SEQUENCE] = sequence + 1;
    const index = this.counter(C_SIZE);
    this.f_[this.fBase_ + C_SIZE] = index + 1;
    this.siftUp(index, id);
  }

  /** Take the armed `id` out of the heap. */
  private remove(id: number): void {
    this.removeAt(this.i_[this.positionAt(id)] ?? 0);
  }

  /** Take out heap index `index`: the last entry fills the hole and is resettled. */
  private removeAt(index: number): void {
    this.i_[this.positionAt(this.heapId(index))] = -1;
    const last = this.counter(C_SIZE) - 1;
    this.f_[this.fBase_ + C_SIZE] = last;
    if (index === last) return;
    const id = this.heapId(last);
    // The moved entry may belong above (removed from the middle) or below.
    if (index > 0 && this.before(id, this.heapId((index - 1) >> 1))) this.siftUp(index, id);
    else this.siftDown(index, id);
  }

  /** Move the hole at `index` up until `id` fits, then store it there. Bounded by log2(size). */
  private siftUp(index: number, id: number): void {
    let hole = index;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const parentId = this.heapId(parent);
      if (!this.before(id, parentId)) break;
      this.place(hole, parentId);
      hole = parent;
    }
    this.place(hole, id);
  }

  /** Move the hole at `index` down until `id` fits, then store it there. Bounded by log2(size). */
  private siftDown(index: number, id: number): void {
    const size = this.counter(C_SIZE);
    let hole = index;
    let child = 2 * hole + 1;
    while (child < size) {
      let childId = this.heapId(child);
      if (child + 1 < size) {
        const rightId = this.heapId(child + 1);
        if (this.before(rightId, childId)) {
          child++;
          childId = rightId;
        }
      }
      if (!this.before(childId, id)) break;
      this.place(hole, childId);
      hole = child;
      child = 2 * hole + 1;
    }
    this.place(hole, id);
  }

  private place(index: number, id: number): void {
    this.i_[this.iBase_ + I_HEAP * (this.capacity_ + this.reservedCount_) + index] = id;
    this.i_[this.positionAt(id)] = index;
  }

  /** Timer `a` orders strictly before timer `b`: earlier deadline, or the same one armed earlier. */
  private before(a: number, b: number): boolean {
    const f = this.f_;
    const atA = this.idF(a);
    const atB = this.idF(b);
    const deadlineA = f[atA + F_DEADLINE] ?? 0;
    const deadlineB = f[atB + F_DEADLINE] ?? 0;
    return deadlineA < deadlineB || (deadlineA === deadlineB && (f[atA + F_SEQUENCE] ?? 0) < (f[atB + F_SEQUENCE] ?? 0));
  }
}

function isIndexIn(base: number, max: number): boolean {
  return Number.isSafeInteger(base) && base >= 0 && base <= max;
}
