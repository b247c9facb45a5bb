/**
 * The scheduler's timers: fixed slots, generation-checked handles, one
 * MinHeap of deadlines (core/collections: equal deadlines fire FIFO, i.e. in
 * the order they were armed).
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
 * Periodic timers re-arm at `deadline + period` (no drift: a late turn does
 * not shift later fires) and fire once for every period, however late the
 * turn; the scheduler bounds fires per turn and leaves the rest due for the
 * next turn. Each fire of a general timer adds one to its pending-fire count,
 * which the owning task reads with `takeFires`.
 *
 * Full policy: RefuseNewest. `arm` with every general slot in use returns
 * `-Full`, counted in `fullCount`. Nothing is allocated after `create`.
 *
 * Memory: besides the heap, one `Float64Array` (a typed array costs about
 * 128 B of heap on XS before its data): SLOT_FIELDS numbers per general
 * slot, the owners of the reserved slots, then the free list as a ring of
 * `capacity` slot numbers.
 */
import { MinHeap } from "../collections/min-heap";
import type { ValueOrCode } from "../collections/value-or-code";
import { ErrorCode } from "./errors";
import { err, ok, type Result, type Status } from "./result";

/** Largest number of general timer slots. */
export const TIMER_CAPACITY_MAX = 65_536;
/** Largest number of reserved (per-task) slots. */
export const TIMER_RESERVED_MAX = 4_096;

// Per general slot (at slot * SLOT_FIELDS).
const G_GENERATION = 0;
const G_IN_USE = 1; // handed out (armed)
const G_PERIOD_MS = 2; // 0 = one-shot
const G_PENDING_FIRES = 3;
const G_TOKEN = 4; // -1 = unbound
const G_OWNER = 5;
const SLOT_FIELDS = 6;

export class TimerTable {
  readonly #capacity: number;
  readonly #reservedCount: number;
  readonly #heap: MinHeap; // ids: general slots, then reserved slots
  readonly #t: Float64Array;
  readonly #reservedBase: number; // owners of reserved slots
  readonly #freeBase: number; // general slots not in use, a FIFO ring
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
    const heap = MinHeap.create(capacity + reservedCount);
    if (!heap.ok) return err(heap.code);
    return ok(new TimerTable(capacity, reservedCount, heap.value));
  }

  private constructor(capacity: number, reservedCount: number, heap: MinHeap) {
    this.#capacity = capacity;
    this.#reservedCount = reservedCount;
    this.#heap = heap;
    this.#reservedBase = capacity * SLOT_FIELDS;
    this.#freeBase = this.#reservedBase + reservedCount;
    const t = new Float64Array(this.#freeBase + capacity);
    this.#t = t;
    for (let slot = 0; slot < capacity; slot++) {
      t[slot * SLOT_FIELDS + G_TOKEN] = -1;
      t[slot * SLOT_FIELDS + G_OWNER] = -1;
      this.pushFree(slot);
    }
    t.fill(-1, this.#reservedBase, this.#freeBase);
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
    return this.#heap.size;
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
    const slot = this.#t[this.#freeBase + this.#freeHead] ?? 0;
    this.#freeHead = this.#freeHead + 1 === this.#capacity ? 0 : this.#freeHead + 1;
    this.#freeCount--;
    this.#t[slot * SLOT_FIELDS + G_IN_USE] = 1;
    this.#t[slot * SLOT_FIELDS + G_PERIOD_MS] = periodMs;
    this.#t[slot * SLOT_FIELDS + G_PENDING_FIRES] = 0;
    this.#t[this.ownerAt(slot)] = owner;
    this.#t[slot * SLOT_FIELDS + G_TOKEN] = token;
    this.#heap.push(deadlineMs, slot); // cannot fail: the slot was free, the heap has room for every slot
    return (this.#t[slot * SLOT_FIELDS + G_GENERATION] ?? 0) * this.#capacity + slot;
  }

  /** Move an armed timer to `deadlineMs` (it then fires after timers armed before). `Ok`, `NotFound`, `InvalidArgument`. */
  rearm(handle: number, deadlineMs: number): Status {
    const slot = this.slotOf(handle);
    if (slot < 0) return ErrorCode.NotFound;
    if (!Number.isSafeInteger(deadlineMs)) return ErrorCode.InvalidArgument;
    this.#heap.remove(slot);
    this.#heap.push(deadlineMs, slot);
    return ErrorCode.Ok;
  }

  /** Disarm and free a timer. `Ok` or `NotFound` (stale, never issued, not an id). */
  cancel(handle: number): Status {
    const slot = this.slotOf(handle);
    if (slot < 0) return ErrorCode.NotFound;
    this.#heap.remove(slot);
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
    return slot < 0 ? Number.POSITIVE_INFINITY : this.#heap.deadlineOf(slot);
  }

  /** Fires since the last call (then reset to 0), or `-NotFound` for a timer that is not armed. */
  takeFires(handle: number): ValueOrCode {
    const slot = this.slotOf(handle);
    if (slot < 0) return -ErrorCode.NotFound;
    const fires = this.#t[slot * SLOT_FIELDS + G_PENDING_FIRES] ?? 0;
    this.#t[slot * SLOT_FIELDS + G_PENDING_FIRES] = 0;
    return fires;
  }

  /** Arm reserved slot `index` for `owner` at `deadlineMs`, replacing an armed one. `Ok`, `OutOfRange`, `InvalidArgument`. */
  armReserved(index: number, owner: number, deadlineMs: number): Status {
    if ((index >>> 0) !== index || index >= this.#reservedCount) return ErrorCode.OutOfRange;
    if (!Number.isSafeInteger(deadlineMs)) return ErrorCode.InvalidArgument;
    const id = this.#capacity + index;
    this.#heap.remove(id);
    this.#t[this.ownerAt(id)] = owner;
    this.#heap.push(deadlineMs, id);
    return ErrorCode.Ok;
  }

  /** Disarm reserved slot `index`. `Ok`, `NotFound` (not armed) or `OutOfRange`. */
  cancelReserved(index: number): Status {
    if ((index >>> 0) !== index || index >= this.#reservedCount) return ErrorCode.OutOfRange;
    const status = this.#heap.remove(this.#capacity + index);
    if (status === ErrorCode.Ok) this.#cancelledCount++;
    return status;
  }

  isReservedArmed(index: number): boolean {
    return (index >>> 0) === index && index < this.#reservedCount && this.#heap.contains(this.#capacity + index);
  }

  /** Earliest deadline, +Infinity when nothing is armed. */
  peekDeadline(): number {
    return this.#heap.peekDeadline();
  }

  /**
   * Fire the earliest timer if its deadline is <= `nowMs`: a periodic one is
   * re-armed one period on, a one-shot is freed. Returns the fired slot (read
   * its owner with `ownerOf`, kind with `isReservedSlot`), or `-Empty` when
   * nothing is due.
   */
  fireNext(nowMs: number): ValueOrCode {
    const deadlineMs = this.#heap.peekDeadline();
    if (!(deadlineMs <= nowMs)) return -ErrorCode.Empty;
    const slot = this.#heap.pop();
    if (slot < 0) return slot;
    this.#firedCount++;
    if (slot >= this.#capacity) return slot;
    this.#t[slot * SLOT_FIELDS + G_PENDING_FIRES] = (this.#t[slot * SLOT_FIELDS + G_PENDING_FIRES] ?? 0) + 1;
    const periodMs = this.#t[slot * SLOT_FIELDS + G_PERIOD_MS] ?? 0;
    const nextMs = deadlineMs + periodMs;
    if (periodMs > 0 && Number.isSafeInteger(nextMs)) this.#heap.push(nextMs, slot);
    else this.release(slot);
    return slot;
  }

  isReservedSlot(slot: number): boolean {
    return slot >= this.#capacity;
  }

  /** Owner task of a slot (kept after a one-shot fires, until the slot is reused). */
  ownerOf(slot: number): number {
    if ((slot >>> 0) !== slot || slot >= this.#capacity + this.#reservedCount) return -1;
    return this.#t[this.ownerAt(slot)] ?? -1;
  }

  /** Cancel every timer (general and reserved) owned by `owner`. Returns how many. O(slots). */
  cancelOwnedBy(owner: number): number {
    let cancelled = 0;
    const total = this.#capacity + this.#reservedCount;
    for (let slot = 0; slot < total; slot++) {
      if (this.#t[this.ownerAt(slot)] !== owner || !this.#heap.contains(slot)) continue;
      this.#heap.remove(slot);
      if (slot < this.#capacity) this.release(slot);
      cancelled++;
    }
    this.#cancelledCount += cancelled;
    return cancelled;
  }

  /** Timers (general and reserved) armed for `owner`. O(slots), for checks. */
  armedOwnedBy(owner: number): number {
    let armed = 0;
    const total = this.#capacity + this.#reservedCount;
    for (let slot = 0; slot < total; slot++) {
      if (this.#t[this.ownerAt(slot)] === owner && this.#heap.contains(slot)) armed++;
    }
    return armed;
  }

  /** Cancel every general timer bound to `token`. Returns how many. O(capacity). */
  cancelBoundTo(token: number): number {
    let cancelled = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (this.#t[slot * SLOT_FIELDS + G_IN_USE] !== 1 || this.#t[slot * SLOT_FIELDS + G_TOKEN] !== token) continue;
      this.#heap.remove(slot);
      this.release(slot);
      cancelled++;
    }
    this.#cancelledCount += cancelled;
    return cancelled;
  }

  /** Cancel everything (shutdown). Returns how many were armed. */
  clear(): number {
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (this.#t[slot * SLOT_FIELDS + G_IN_USE] === 1) this.release(slot);
    }
    const cancelled = this.#heap.size;
    this.#heap.clear();
    this.#cancelledCount += cancelled;
    return cancelled;
  }

  /**
   * `Ok`, or `InvariantViolated`: the heap is sound, every in-use general
   * slot is in the heap and no free one is, the free list holds exactly the
   * slots not in use. O(capacity), for tests.
   */
  checkInvariants(): Status {
    if (this.#heap.checkInvariants() !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
    let inUse = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      const used = this.#t[slot * SLOT_FIELDS + G_IN_USE] === 1;
      if (used !== this.#heap.contains(slot)) return ErrorCode.InvariantViolated;
      if (used) inUse++;
    }
    if (inUse + this.#freeCount !== this.#capacity) return ErrorCode.InvariantViolated;
    for (let i = 0; i < this.#freeCount; i++) {
      const at = this.#freeHead + i;
      const slot = this.#t[this.#freeBase + (at >= this.#capacity ? at - this.#capacity : at)] ?? -1;
      if ((slot >>> 0) !== slot || slot >= this.#capacity || this.#t[slot * SLOT_FIELDS + G_IN_USE] !== 0) return ErrorCode.InvariantViolated;
    }
    return ErrorCode.Ok;
  }

  /** Index of the owner of `slot` (general or reserved) in the numbers. */
  private ownerAt(slot: number): number {
    return slot < this.#capacity ? slot * SLOT_FIELDS + G_OWNER : this.#reservedBase + slot - this.#capacity;
  }

  /** The general slot of a live handle, or -1. */
  private slotOf(handle: number): number {
    if (!Number.isSafeInteger(handle) || handle < 0) return -1;
    const capacity = this.#capacity;
    const slot = handle % capacity;
    const generation = (handle - slot) / capacity;
    if (this.#t[slot * SLOT_FIELDS + G_IN_USE] !== 1 || this.#t[slot * SLOT_FIELDS + G_GENERATION] !== generation) return -1;
    return slot;
  }

  private release(slot: number): void {
    this.#t[slot * SLOT_FIELDS + G_IN_USE] = 0;
    this.#t[slot * SLOT_FIELDS + G_TOKEN] = -1;
    this.#t[slot * SLOT_FIELDS + G_GENERATION] = (this.#t[slot * SLOT_FIELDS + G_GENERATION] ?? 0) + 1;
    this.pushFree(slot);
  }

  /** Append `slot` to the free ring (never full: at most `capacity` slots are free). */
  private pushFree(slot: number): void {
    const at = this.#freeHead + this.#freeCount;
    this.#t[this.#freeBase + (at >= this.#capacity ? at - this.#capacity : at)] = slot;
    this.#freeCount++;
  }
}
