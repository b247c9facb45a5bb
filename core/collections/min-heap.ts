/**
 * Bounded binary min-heap of timers: (deadline, id) pairs, earliest first.
 *
 * Everything lives in one `Float64Array` (integers up to 2^53 are exact
 * there; one backing store, as a typed array costs about 128 B of heap on XS
 * before its data): ENTRY_FIELDS numbers per heap index (deadline, insertion
 * sequence, id), then the position table. Ordering is by deadline, then by insertion sequence, so
 * timers with equal deadlines fire FIFO on every engine; all comparisons
 * are `<`/`===` between integers, never arithmetic on floats.
 *
 * Ids: integers in 0..idLimit-1 (`idLimit` fixed at `create`, default =
 * capacity). A position table indexed by id (-1 = absent)
 * makes `remove(id)` and `contains(id)` O(log n) / O(1), and means an id is
 * in the heap at most once (`push` of a present id returns `Exists`).
 *
 * Full policy: RefuseNewest. `push` with `size === capacity` returns
 * `ErrorCode.Full` and counts `refusedCount`. Other refused pushes
 * (OutOfRange id, InvalidArgument deadline, Exists) count `rejectedCount`.
 *
 * push, pop, remove: O(log n). Peeks, contains: O(1). Nothing is allocated
 * after `create`.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "./value-or-code";

/** Largest accepted capacity and id limit. */
export const MIN_HEAP_CAPACITY_MAX = 1 << 24;

// Per heap index (at index * ENTRY_FIELDS); the position table (by id: heap index, or -1 when absent) follows the entries.
const E_DEADLINE = 0;
const E_SEQUENCE = 1; // insertion order, breaks deadline ties
const E_ID = 2;
const ENTRY_FIELDS = 3;

export class MinHeap {
  private readonly t_: Float64Array;
  private readonly capacity_: number;
  private readonly idLimit_: number;
  private readonly positionBase_: number;
  private size_ = 0;
  private nextSequence_ = 0;
  private refusedCount_ = 0;
  private rejectedCount_ = 0;

  /**
   * `capacity` entries and ids in 0..idLimit-1, both in
   * 1..MIN_HEAP_CAPACITY_MAX, else `InvalidArgument`.
   */
  static create(capacity: number, idLimit: number = capacity): Result<MinHeap> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > MIN_HEAP_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    if ((idLimit | 0) !== idLimit || idLimit < 1 || idLimit > MIN_HEAP_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new MinHeap(capacity, idLimit));
  }

  private constructor(capacity: number, idLimit: number) {
    this.capacity_ = capacity;
    this.idLimit_ = idLimit;
    this.positionBase_ = capacity * ENTRY_FIELDS;
    this.t_ = new Float64Array(this.positionBase_ + idLimit).fill(-1, this.positionBase_);
  }

  get capacity(): number {
    return this.capacity_;
  }

  /** Ids must be below this. */
  get idLimit(): number {
    return this.idLimit_;
  }

  get size(): number {
    return this.size_;
  }

  /** Pushes refused with `Full` (lifetime count). */
  get refusedCount(): number {
    return this.refusedCount_;
  }

  /** Pushes refused for a bad id, bad deadline or duplicate id (lifetime count). */
  get rejectedCount(): number {
    return this.rejectedCount_;
  }

  /**
   * Schedule `id` at `deadline` (a safe integer, e.g. ticks). `Ok`,
   * `OutOfRange` (id not in 0..idLimit-1), `InvalidArgument` (deadline not a
   * safe integer), `Exists` (id already scheduled; remove it first to
   * reschedule), or `Full`. Nothing changes on failure.
   */
  push(deadline: number, id: number): Status {
    if (!this.validId(id)) return this.reject(ErrorCode.OutOfRange);
    if (!Number.isSafeInteger(deadline)) return this.reject(ErrorCode.InvalidArgument);
    if (this.t_[this.positionBase_ + id] !== -1) return this.reject(ErrorCode.Exists);
    if (this.size_ === this.capacity_) {
      this.refusedCount_++;
      return ErrorCode.Full;
    }
    const sequence = this.nextSequence_;
    this.nextSequence_++;
    const index = this.size_;
    this.size_++;
    this.siftUp(index, deadline, sequence, id);
    return ErrorCode.Ok;
  }

  /**
   * Earliest deadline, or +Infinity when empty, so the timer check
   * `heap.peekDeadline() <= nowTicks` is simply false for an empty heap.
   */
  peekDeadline(): number {
    return this.size_ === 0 ? Number.POSITIVE_INFINITY : (this.t_[0 * ENTRY_FIELDS + E_DEADLINE] ?? 0);
  }

  /** Id of the earliest entry, or `-Empty`. */
  peekId(): ValueOrCode {
    return this.size_ === 0 ? -ErrorCode.Empty : (this.t_[0 * ENTRY_FIELDS + E_ID] ?? 0);
  }

  /** Remove the earliest entry; its id, or `-Empty`. */
  pop(): ValueOrCode {
    if (this.size_ === 0) return -ErrorCode.Empty;
    const id = this.t_[0 * ENTRY_FIELDS + E_ID] ?? 0;
    this.removeAt(0);
    return id;
  }

  /** Cancel `id`. `Ok`, `NotFound` (not scheduled) or `OutOfRange` (bad id). */
  remove(id: number): Status {
    if (!this.validId(id)) return ErrorCode.OutOfRange;
    const index = this.t_[this.positionBase_ + id] ?? -1;
    if (index < 0) return ErrorCode.NotFound;
    this.removeAt(index);
    return ErrorCode.Ok;
  }

  /** True when `id` is scheduled. */
  contains(id: number): boolean {
    return this.validId(id) && (this.t_[this.positionBase_ + id] ?? -1) >= 0;
  }

  /** Deadline of a scheduled `id`, or +Infinity when not scheduled or bad. */
  deadlineOf(id: number): number {
    if (!this.validId(id)) return Number.POSITIVE_INFINITY;
    const index = this.t_[this.positionBase_ + id] ?? -1;
    return index < 0 ? Number.POSITIVE_INFINITY : (this.t_[index * ENTRY_FIELDS + E_DEADLINE] ?? 0);
  }

  /** Remove every entry. O(size). The sequence counter keeps running. */
  clear(): void {
    for (let i = 0; i < this.size_; i++) this.t_[this.positionBase_ + (this.t_[i * ENTRY_FIELDS + E_ID] ?? 0)] = -1;
    this.size_ = 0;
  }

  /**
   * `Ok`, or `InvariantViolated`: heap order (deadline, sequence) holds for
   * every parent/child pair, the position table and the id array agree both
   * ways, deadlines are safe integers, sequences are below the next one.
   * O(capacity + idLimit), for tests.
   */
  checkInvariants(): Status {
    const size = this.size_;
    if ((size >>> 0) !== size || size > this.capacity_) return ErrorCode.InvariantViolated;
    for (let i = 0; i < size; i++) {
      const deadline = this.t_[i * ENTRY_FIELDS + E_DEADLINE] ?? 0;
      const sequence = this.t_[i * ENTRY_FIELDS + E_SEQUENCE] ?? 0;
      if (!Number.isSafeInteger(deadline) || !Number.isSafeInteger(sequence)) return ErrorCode.InvariantViolated;
      if (sequence < 0 || sequence >= this.nextSequence_) return ErrorCode.InvariantViolated;
      const id = this.t_[i * ENTRY_FIELDS + E_ID] ?? 0;
      if (!this.validId(id) || this.t_[this.positionBase_ + id] !== i) return ErrorCode.InvariantViolated;
      if (i > 0 && this.lessAt(i, (i - 1) >> 1)) return ErrorCode.InvariantViolated;
    }
    let present = 0;
    for (let id = 0; id < this.idLimit_; id++) {
      const index = this.t_[this.positionBase_ + id] ?? -1;
      if (index === -1) continue;
      if (index < 0 || index >= size || this.t_[index * ENTRY_FIELDS + E_ID] !== id) return ErrorCode.InvariantViolated;
      present++;
    }
    return present === size ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  private validId(id: number): boolean {
    return (id >>> 0) === id && id < this.idLimit_;
  }

  private reject(code: Status): Status {
    this.rejectedCount_++;
    return code;
  }

  /** Entry at heap index `a` orders before entry at `b`. */
  private lessAt(a: number, b: number): boolean {
    return orders(this.t_[a * ENTRY_FIELDS + E_DEADLINE] ?? 0, this.t_[a * ENTRY_FIELDS + E_SEQUENCE] ?? 0, this.t_[b * ENTRY_FIELDS + E_DEADLINE] ?? 0, this.t_[b * ENTRY_FIELDS + E_SEQUENCE] ?? 0);
  }

  /** Take out heap index `index`: the last entry fills the hole and is resettled. */
  private removeAt(index: number): void {
    const removedId = this.t_[index * ENTRY_FIELDS + E_ID] ?? 0;
    this.t_[this.positionBase_ + removedId] = -1;
    this.size_--;
    const last = this.size_;
    if (index === last) return;
    const deadline = this.t_[last * ENTRY_FIELDS + E_DEADLINE] ?? 0;
    const sequence = this.t_[last * ENTRY_FIELDS + E_SEQUENCE] ?? 0;
    const id = this.t_[last * ENTRY_FIELDS + E_ID] ?? 0;
    // The moved entry may belong above (remove from the middle) or below.
    const parent = (index - 1) >> 1;
    if (index > 0 && orders(deadline, sequence, this.t_[parent * ENTRY_FIELDS + E_DEADLINE] ?? 0, this.t_[parent * ENTRY_FIELDS + E_SEQUENCE] ?? 0)) {
      this.siftUp(index, deadline, sequence, id);
    } else {
      this.siftDown(index, deadline, sequence, id);
    }
  }

  /** Move the hole at `index` up until the entry fits, then store it there. */
  private siftUp(index: number, deadline: number, sequence: number, id: number): void {
    let hole = index;
    // Bounded by log2(size): `hole` strictly decreases.
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      if (!orders(deadline, sequence, this.t_[parent * ENTRY_FIELDS + E_DEADLINE] ?? 0, this.t_[parent * ENTRY_FIELDS + E_SEQUENCE] ?? 0)) break;
      this.moveEntry(parent, hole);
      hole = parent;
    }
    this.store(hole, deadline, sequence, id);
  }

  /** Move the hole at `index` down until the entry fits, then store it there. */
  private siftDown(index: number, deadline: number, sequence: number, id: number): void {
    const size = this.size_;
    let hole = index;
    let child = 2 * hole + 1;
    // Bounded by log2(size): `child` at least doubles each step.
    while (child < size) {
      if (child + 1 < size && this.lessAt(child + 1, child)) child++;
      if (!orders(this.t_[child * ENTRY_FIELDS + E_DEADLINE] ?? 0, this.t_[child * ENTRY_FIELDS + E_SEQUENCE] ?? 0, deadline, sequence)) break;
      this.moveEntry(child, hole);
      hole = child;
      child = 2 * hole + 1;
    }
    this.store(hole, deadline, sequence, id);
  }

  private moveEntry(from: number, to: number): void {
    const id = this.t_[from * ENTRY_FIELDS + E_ID] ?? 0;
    this.t_[to * ENTRY_FIELDS + E_DEADLINE] = this.t_[from * ENTRY_FIELDS + E_DEADLINE] ?? 0;
    this.t_[to * ENTRY_FIELDS + E_SEQUENCE] = this.t_[from * ENTRY_FIELDS + E_SEQUENCE] ?? 0;
    this.t_[to * ENTRY_FIELDS + E_ID] = id;
    this.t_[this.positionBase_ + id] = to;
  }

  private store(index: number, deadline: number, sequence: number, id: number): void {
    this.t_[index * ENTRY_FIELDS + E_DEADLINE] = deadline;
    this.t_[index * ENTRY_FIELDS + E_SEQUENCE] = sequence;
    this.t_[index * ENTRY_FIELDS + E_ID] = id;
    this.t_[this.positionBase_ + id] = index;
  }
}

/** (deadlineA, sequenceA) orders strictly before (deadlineB, sequenceB). */
function orders(deadlineA: number, sequenceA: number, deadlineB: number, sequenceB: number): boolean {
  return deadlineA < deadlineB || (deadlineA === deadlineB && sequenceA < sequenceB);
}
