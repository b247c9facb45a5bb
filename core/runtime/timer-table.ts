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
 * Memory: one ArrayBuffer behind two views (each typed array costs about
 * 128 B of heap on XS before its data, README "Board memory on the board's
 * terms"). Float64 where a number can pass 2^31: per timer id its deadline
 * and heap sequence, per general slot its period, generation and pending
 * fires. Int32 for the rest: per id its owner and heap position (-1 = not
 * armed), the heap itself (ids by heap index), per general slot its token,
 * and the free list as a ring of slot numbers. A general slot is in use
 * exactly while it is armed (in the heap).
 */
import type { ValueOrCode } from "../collections/value-or-code";
import { ErrorCode } from "./errors";
import { err, ok, type Result, type Status } from "./result";

/** Largest number of general timer slots. */
export const TIMER_CAPACITY_MAX = 65_536;
/** Largest number of reserved (per-task) slots. */
export const TIMER_RESERVED_MAX = 4_096;

// Float64 view: per timer id (general, then reserved) at id * ID_F64.
const F_DEADLINE = 0;
const F_SEQUENCE = 1; // arm order, breaks deadline ties
const ID_F64 = 2;
// Float64 view: per general slot at generalBase + slot * SLOT_F64.
const G_PERIOD_MS = 0; // 0 = one-shot
const G_GENERATION = 1;
const G_PENDING_FIRES = 2;
const SLOT_F64 = 3;

/** Float64 numbers of a table. */
function f64Count(capacity: number, total: number): number {
  return total * ID_F64 + capacity * SLOT_F64;
}

/** Int32 numbers of a table: owner, position and heap per id; token and free ring per general slot. */
function i32Count(capacity: number, total: number): number {
  return 3 * total + 2 * capacity;
}

export class TimerTable {
  readonly #capacity: number;
  readonly #reservedCount: number;
  readonly #total: number; // timer ids: general slots, then reserved slots
  readonly #f: Float64Array;
  readonly #i: Int32Array;
  readonly #generalBase: number; // in #f
  readonly #positionBase: number; // in #i; the owners are at 0
  readonly #heapBase: number;
  readonly #tokenBase: number;
  readonly #freeBase: number; // general slots not in use, a FIFO ring
  #size = 0; // armed timers (heap entries)
  #nextSequence = 0;
  #freeHead = 0;
  #freeCount = 0;
  #firedCount = 0;
  #cancelledCount = 0;
  #fullCount = 0;

  /** `capacity` general slots (1..TIMER_CAPACITY_MAX), `reservedCount` reserved (0..TIMER_RESERVED_MAX). */
  static create(capacity: number, reservedCount: number): Result<TimerTable> {
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > TIMER_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!Number.isSafeInteger(reservedCount) || reservedCount < 0 || reservedCount > TIMER_RESERVED_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new TimerTable(capacity, reservedCount));
  }

  private constructor(capacity: number, reservedCount: number) {
    const total = capacity + reservedCount;
    this.#capacity = capacity;
    this.#reservedCount = reservedCount;
    this.#total = total;
    this.#generalBase = total * ID_F64;
    const f64Bytes = f64Count(capacity, total) * 8;
    const buffer = new ArrayBuffer(f64Bytes + i32Count(capacity, total) * 4);
    this.#f = new Float64Array(buffer, 0, f64Count(capacity, total));
    const i = new Int32Array(buffer, f64Bytes, i32Count(capacity, total));
    this.#i = i;
    this.#positionBase = total;
    this.#heapBase = 2 * total;
    this.#tokenBase = 3 * total;
    this.#freeBase = 3 * total + capacity;
    i.fill(-1, 0, this.#heapBase); // no owners, nothing armed
    i.fill(-1, this.#tokenBase, this.#freeBase); // no tokens
    for (let slot = 0; slot < capacity; slot++) this.pushFree(slot);
  }

  /** General slots. */
  get capacity(): number {
    return this.#capacity;
  }

  get reservedCount(): number {
    return this.#reservedCount;
  }

  /** Timers armed now, general and reserved. */
  get armedCount(): number {
    return this.#size;
  }

  /** General timers in use (armed) now. */
  get inUseCount(): number {
    return this.#capacity - this.#freeCount;
  }

  get firedCount(): number {
    return this.#firedCount;
  }

  /** Timers taken out before firing (cancel, token, task end, shutdown). */
  get cancelledCount(): number {
    return this.#cancelledCount;
  }

  /** `arm` calls refused because every general slot was in use. */
  get fullCount(): number {
    return this.#fullCount;
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
    if (this.#freeCount === 0) {
      this.#fullCount++;
      return -ErrorCode.Full;
    }
    const slot = this.#i[this.#freeBase + this.#freeHead] ?? 0;
    this.#freeHead = this.#freeHead + 1 === this.#capacity ? 0 : this.#freeHead + 1;
    this.#freeCount--;
    const at = this.#generalBase + slot * SLOT_F64;
    this.#f[at + G_PERIOD_MS] = periodMs;
    this.#f[at + G_PENDING_FIRES] = 0;
    this.#i[slot] = owner;
    this.#i[this.#tokenBase + slot] = token;
    this.push(slot, deadlineMs); // the slot was free, so it is not in the heap, and the heap has room for every id
    return (this.#f[at + G_GENERATION] ?? 0) * this.#capacity + slot;
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
    this.#cancelledCount++;
    return ErrorCode.Ok;
  }

  /** True while `handle` is armed. */
  isArmed(handle: number): boolean {
    return this.slotOf(handle) >= 0;
  }

  /** Deadline of an armed timer, or +Infinity. */
  deadlineOf(handle: number): number {
    const slot = this.slotOf(handle);
    return slot < 0 ? Number.POSITIVE_INFINITY : (this.#f[slot * ID_F64 + F_DEADLINE] ?? 0);
  }

  /** Fires since the last call (then reset to 0), or `-NotFound` for a timer that is not armed. */
  takeFires(handle: number): ValueOrCode {
    const slot = this.slotOf(handle);
    if (slot < 0) return -ErrorCode.NotFound;
    const at = this.#generalBase + slot * SLOT_F64 + G_PENDING_FIRES;
    const fires = this.#f[at] ?? 0;
    this.#f[at] = 0;
    return fires;
  }

  /** Arm reserved slot `index` for `owner` at `deadlineMs`, replacing an armed one. `Ok`, `OutOfRange`, `InvalidArgument`. */
  armReserved(index: number, owner: number, deadlineMs: number): Status {
    if ((index >>> 0) !== index || index >= this.#reservedCount) return ErrorCode.OutOfRange;
    if (!Number.isSafeInteger(deadlineMs)) return ErrorCode.InvalidArgument;
    const id = this.#capacity + index;
    if (this.armedId(id)) this.remove(id);
    this.#i[id] = owner;
    this.push(id, deadlineMs);
    return ErrorCode.Ok;
  }

  /** Disarm reserved slot `index`. `Ok`, `NotFound` (not armed) or `OutOfRange`. */
  cancelReserved(index: number): Status {
    if ((index >>> 0) !== index || index >= this.#reservedCount) return ErrorCode.OutOfRange;
    const id = this.#capacity + index;
    if (!this.armedId(id)) return ErrorCode.NotFound;
    this.remove(id);
    this.#cancelledCount++;
    return ErrorCode.Ok;
  }

  isReservedArmed(index: number): boolean {
    return (index >>> 0) === index && index < this.#reservedCount && this.armedId(this.#capacity + index);
  }

  /** Earliest deadline, +Infinity when nothing is armed. */
  peekDeadline(): number {
    return this.#size === 0 ? Number.POSITIVE_INFINITY : (this.#f[(this.#i[this.#heapBase] ?? 0) * ID_F64 + F_DEADLINE] ?? 0);
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
    const slot = this.#i[this.#heapBase] ?? 0;
    this.removeAt(0);
    this.#firedCount++;
    if (slot >= this.#capacity) return slot;
    const at = this.#generalBase + slot * SLOT_F64;
    this.#f[at + G_PENDING_FIRES] = (this.#f[at + G_PENDING_FIRES] ?? 0) + 1;
    const periodMs = this.#f[at + G_PERIOD_MS] ?? 0;
    const nextMs = deadlineMs + periodMs;
    if (periodMs > 0 && Number.isSafeInteger(nextMs)) this.push(slot, nextMs);
    else this.release(slot);
    return slot;
  }

  isReservedSlot(slot: number): boolean {
    return slot >= this.#capacity;
  }

  /** Owner task of a slot (kept after a one-shot fires, until the slot is reused). */
  ownerOf(slot: number): number {
    if ((slot >>> 0) !== slot || slot >= this.#total) return -1;
    return this.#i[slot] ?? -1;
  }

  /** Cancel every timer (general and reserved) owned by `owner`. Returns how many. O(slots). */
  cancelOwnedBy(owner: number): number {
    let cancelled = 0;
    const total = this.#total;
    for (let slot = 0; slot < total; slot++) {
      if (this.#i[slot] !== owner || !this.armedId(slot)) continue;
      this.remove(slot);
      if (slot < this.#capacity) this.release(slot);
      cancelled++;
    }
    this.#cancelledCount += cancelled;
    return cancelled;
  }

  /** Timers (general and reserved) armed for `owner`. O(slots), for checks. */
  armedOwnedBy(owner: number): number {
    let armed = 0;
    const total = this.#total;
    for (let slot = 0; slot < total; slot++) {
      if (this.#i[slot] === owner && this.armedId(slot)) armed++;
    }
    return armed;
  }

  /** Cancel every general timer bound to `token`. Returns how many. O(capacity). */
  cancelBoundTo(token: number): number {
    let cancelled = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (!this.armedId(slot) || this.#i[this.#tokenBase + slot] !== token) continue;
      this.remove(slot);
      this.release(slot);
      cancelled++;
    }
    this.#cancelledCount += cancelled;
    return cancelled;
  }

  /** Cancel everything (shutdown). Returns how many were armed. */
  clear(): number {
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (this.armedId(slot)) this.release(slot);
    }
    const cancelled = this.#size;
    for (let index = 0; index < cancelled; index++) this.#i[this.#positionBase + (this.#i[this.#heapBase + index] ?? 0)] = -1;
    this.#size = 0;
    this.#cancelledCount += cancelled;
    return cancelled;
  }

  /**
   * `Ok`, or `InvariantViolated`: heap order (deadline, sequence) holds for
   * every parent/child pair and the positions and the heap agree both ways;
   * the free list holds exactly the general slots not armed. O(capacity), for tests.
   */
  checkInvariants(): Status {
    const size = this.#size;
    if ((size >>> 0) !== size || size > this.#total) return ErrorCode.InvariantViolated;
    for (let index = 0; index < size; index++) {
      const id = this.#i[this.#heapBase + index] ?? -1;
      if ((id >>> 0) !== id || id >= this.#total || this.#i[this.#positionBase + id] !== index) return ErrorCode.InvariantViolated;
      const deadline = this.#f[id * ID_F64 + F_DEADLINE] ?? 0;
      const sequence = this.#f[id * ID_F64 + F_SEQUENCE] ?? 0;
      if (!Number.isSafeInteger(deadline) || !Number.isSafeInteger(sequence) || sequence < 0 || sequence >= this.#nextSequence) return ErrorCode.InvariantViolated;
      if (index > 0 && this.before(id, this.#i[this.#heapBase + ((index - 1) >> 1)] ?? 0)) return ErrorCode.InvariantViolated;
    }
    let armed = 0;
    for (let id = 0; id < this.#total; id++) {
      const index = this.#i[this.#positionBase + id] ?? -1;
      if (index === -1) continue;
      if (index < 0 || index >= size || this.#i[this.#heapBase + index] !== id) return ErrorCode.InvariantViolated;
      armed++;
    }
    if (armed !== size) return ErrorCode.InvariantViolated;
    let inUse = 0;
    for (let slot = 0; slot < this.#capacity; slot++) if (this.armedId(slot)) inUse++;
    if (inUse + this.#freeCount !== this.#capacity) return ErrorCode.InvariantViolated;
    for (let k = 0; k < this.#freeCount; k++) {
      const at = this.#freeHead + k;
      const slot = this.#i[this.#freeBase + (at >= this.#capacity ? at - this.#capacity : at)] ?? -1;
      if ((slot >>> 0) !== slot || slot >= this.#capacity || this.armedId(slot)) return ErrorCode.InvariantViolated;
    }
    return ErrorCode.Ok;
  }

  /** The general slot of a live handle, or -1. */
  private slotOf(handle: number): number {
    if (!Number.isSafeInteger(handle) || handle < 0) return -1;
    const capacity = this.#capacity;
    const slot = handle % capacity;
    const generation = (handle - slot) / capacity;
    if (!this.armedId(slot) || this.#f[this.#generalBase + slot * SLOT_F64 + G_GENERATION] !== generation) return -1;
    return slot;
  }

  private armedId(id: number): boolean {
    return (this.#i[this.#positionBase + id] ?? -1) >= 0;
  }

  private release(slot: number): void {
    const at = this.#generalBase + slot * SLOT_F64 + G_GENERATION;
    this.#i[this.#tokenBase + slot] = -1;
    this.#f[at] = (this.#f[at] ?? 0) + 1;
    this.pushFree(slot);
  }

  /** Append `slot` to the free ring (never full: at most `capacity` slots are free). */
  private pushFree(slot: number): void {
    const at = this.#freeHead + this.#freeCount;
    this.#i[this.#freeBase + (at >= this.#capacity ? at - this.#capacity : at)] = slot;
    this.#freeCount++;
  }

  // ------------------------------------------------ the heap of armed ids

  /** Arm `id` (not armed now) at `deadlineMs` with the next sequence number. */
  private push(id: number, deadlineMs: number): void {
    this.#f[id * ID_F64 + F_DEADLINE] = deadlineMs;
    this.#f[id * ID_F64 + F_SEQUENCE] = this.#nextSequence++;
    const index = this.#size;
    this.#size++;
    this.siftUp(index, id);
  }

  /** Take the armed `id` out of the heap. */
  private remove(id: number): void {
    this.removeAt(this.#i[this.#positionBase + id] ?? 0);
  }

  /** Take out heap index `index`: the last entry fills the hole and is resettled. */
  private removeAt(index: number): void {
    const heap = this.#heapBase;
    this.#i[this.#positionBase + (this.#i[heap + index] ?? 0)] = -1;
    this.#size--;
    const last = this.#size;
    if (index === last) return;
    const id = this.#i[heap + last] ?? 0;
    // The moved entry may belong above (removed from the middle) or below.
    if (index > 0 && this.before(id, this.#i[heap + ((index - 1) >> 1)] ?? 0)) this.siftUp(index, id);
    else this.siftDown(index, id);
  }

  /** Move the hole at `index` up until `id` fits, then store it there. Bounded by log2(size). */
  private siftUp(index: number, id: number): void {
    const heap = this.#heapBase;
    let hole = index;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const parentId = this.#i[heap + parent] ?? 0;
      if (!this.before(id, parentId)) break;
      this.place(hole, parentId);
      hole = parent;
    }
    this.place(hole, id);
  }

  /** Move the hole at `index` down until `id` fits, then store it there. Bounded by log2(size). */
  private siftDown(index: number, id: number): void {
    const heap = this.#heapBase;
    const size = this.#size;
    let hole = index;
    let child = 2 * hole + 1;
    while (child < size) {
      let childId = this.#i[heap + child] ?? 0;
      if (child + 1 < size) {
        const rightId = this.#i[heap + child + 1] ?? 0;
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
    this.#i[this.#heapBase + index] = id;
    this.#i[this.#positionBase + id] = index;
  }

  /** Timer `a` orders strictly before timer `b`: earlier deadline, or the same one armed earlier. */
  private before(a: number, b: number): boolean {
    const f = this.#f;
    const deadlineA = f[a * ID_F64 + F_DEADLINE] ?? 0;
    const deadlineB = f[b * ID_F64 + F_DEADLINE] ?? 0;
    return deadlineA < deadlineB || (deadlineA === deadlineB && (f[a * ID_F64 + F_SEQUENCE] ?? 0) < (f[b * ID_F64 + F_SEQUENCE] ?? 0));
  }
}
