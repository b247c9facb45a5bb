/**
 * The scheduler's timers: fixed slots, generation-checked handles, one
 * MinHeap of deadlines (core/collections: equal deadlines fire FIFO, i.e. in
 * the order they were armed).
 *
 * Two kinds of slot:
 *  - general slots 0..capacity-1, handed out by `arm` from a FIFO free list
 *    (a RingBuffer). A handle is `generation * capacity + slot`; the
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
 */
import { FullPolicy } from "../collections/full-policy";
import { MinHeap } from "../collections/min-heap";
import { RingBuffer } from "../collections/ring-buffer";
import type { ValueOrCode } from "../collections/value-or-code";
import { ErrorCode } from "./errors";
import { err, ok, Outcome, type Result, type Status } from "./result";

/** Largest number of general timer slots. */
export const TIMER_CAPACITY_MAX = 65_536;
/** Largest number of reserved (per-task) slots. */
export const TIMER_RESERVED_MAX = 4_096;

export class TimerTable {
  readonly #capacity: number;
  readonly #reservedCount: number;
  readonly #heap: MinHeap; // ids: general slots, then reserved slots
  readonly #freeSlots: RingBuffer; // general slots not in use, FIFO
  readonly #freeOut = new Outcome<number>(0);
  readonly #generation: Float64Array; // by general slot
  readonly #inUse: Uint8Array; // by general slot: handed out (armed)
  readonly #periodMs: Float64Array; // by general slot; 0 = one-shot
  readonly #pendingFires: Float64Array; // by general slot
  readonly #owner: Int32Array; // by slot (general + reserved)
  readonly #token: Int32Array; // by general slot; -1 = unbound
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
    const freeSlots = RingBuffer.create(capacity, Uint32Array, FullPolicy.RefuseNewest);
    if (!heap.ok) return err(heap.code);
    if (!freeSlots.ok) return err(freeSlots.code);
    return ok(new TimerTable(capacity, reservedCount, heap.value, freeSlots.value));
  }

  private constructor(capacity: number, reservedCount: number, heap: MinHeap, freeSlots: RingBuffer) {
    this.#capacity = capacity;
    this.#reservedCount = reservedCount;
    this.#heap = heap;
    this.#freeSlots = freeSlots;
    this.#generation = new Float64Array(capacity);
    this.#inUse = new Uint8Array(capacity);
    this.#periodMs = new Float64Array(capacity);
    this.#pendingFires = new Float64Array(capacity);
    this.#owner = new Int32Array(capacity + reservedCount).fill(-1);
    this.#token = new Int32Array(capacity).fill(-1);
    for (let slot = 0; slot < capacity; slot++) freeSlots.push(slot);
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
    return this.#capacity - this.#freeSlots.length;
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
    if (this.#freeSlots.shift(this.#freeOut) !== ErrorCode.Ok) {
      this.#fullCount++;
      return -ErrorCode.Full;
    }
    const slot = this.#freeOut.value;
    this.#inUse[slot] = 1;
    this.#periodMs[slot] = periodMs;
    this.#pendingFires[slot] = 0;
    this.#owner[slot] = owner;
    this.#token[slot] = token;
    this.#heap.push(deadlineMs, slot); // cannot fail: the slot was free, the heap has room for every slot
    return (this.#generation[slot] ?? 0) * this.#capacity + slot;
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
    const fires = this.#pendingFires[slot] ?? 0;
    this.#pendingFires[slot] = 0;
    return fires;
  }

  /** Arm reserved slot `index` for `owner` at `deadlineMs`, replacing an armed one. `Ok`, `OutOfRange`, `InvalidArgument`. */
  armReserved(index: number, owner: number, deadlineMs: number): Status {
    if ((index >>> 0) !== index || index >= this.#reservedCount) return ErrorCode.OutOfRange;
    if (!Number.isSafeInteger(deadlineMs)) return ErrorCode.InvalidArgument;
    const id = this.#capacity + index;
    this.#heap.remove(id);
    this.#owner[id] = owner;
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
    this.#pendingFires[slot] = (this.#pendingFires[slot] ?? 0) + 1;
    const periodMs = this.#periodMs[slot] ?? 0;
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
    return this.#owner[slot] ?? -1;
  }

  /** Cancel every timer (general and reserved) owned by `owner`. Returns how many. O(slots). */
  cancelOwnedBy(owner: number): number {
    let cancelled = 0;
    const total = this.#capacity + this.#reservedCount;
    for (let slot = 0; slot < total; slot++) {
      if (this.#owner[slot] !== owner || !this.#heap.contains(slot)) continue;
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
      if (this.#owner[slot] === owner && this.#heap.contains(slot)) armed++;
    }
    return armed;
  }

  /** Cancel every general timer bound to `token`. Returns how many. O(capacity). */
  cancelBoundTo(token: number): number {
    let cancelled = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (this.#inUse[slot] !== 1 || this.#token[slot] !== token) continue;
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
      if (this.#inUse[slot] === 1) this.release(slot);
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
      const used = this.#inUse[slot] === 1;
      if (used !== this.#heap.contains(slot)) return ErrorCode.InvariantViolated;
      if (used) inUse++;
    }
    if (inUse + this.#freeSlots.length !== this.#capacity) return ErrorCode.InvariantViolated;
    const out = this.#freeOut;
    for (let i = 0; i < this.#freeSlots.length; i++) {
      if (this.#freeSlots.at(i, out) !== ErrorCode.Ok || this.#inUse[out.value] !== 0) return ErrorCode.InvariantViolated;
    }
    return ErrorCode.Ok;
  }

  /** The general slot of a live handle, or -1. */
  private slotOf(handle: number): number {
    if (!Number.isSafeInteger(handle) || handle < 0) return -1;
    const capacity = this.#capacity;
    const slot = handle % capacity;
    const generation = (handle - slot) / capacity;
    if (this.#inUse[slot] !== 1 || this.#generation[slot] !== generation) return -1;
    return slot;
  }

  private release(slot: number): void {
    this.#inUse[slot] = 0;
    this.#token[slot] = -1;
    this.#generation[slot] = (this.#generation[slot] ?? 0) + 1;
    this.#freeSlots.push(slot); // never Full: at most `capacity` slots are free
  }
}
