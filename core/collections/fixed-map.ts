/**
 * Fixed-capacity hash map from uint32 keys (node ids, sequence numbers) to
 * numbers (values, or slot indices into a Pool).
 *
 * Open addressing with linear probing over typed arrays. The table has
 * `slotCount` = the power of two >= 2 * capacity slots, so the load factor
 * stays <= 1/2 (short probes) and an empty slot always ends a probe.
 * Deletion shifts later entries of the probe run back (Knuth 6.4,
 * Algorithm R), so there are no tombstones and lookups never slow down
 * with churn.
 *
 * Full policy: RefuseNewest. `set` of a NEW key when `size === capacity`
 * returns `ErrorCode.Full` and counts `refusedCount`; updating an existing
 * key always succeeds.
 *
 * Missing keys: `get(key, missing)` returns the caller's `missing` value,
 * so no allocation and no reserved value.
 *
 * Iteration order is slot order (`nextSlot`). The hash is integer-only
 * (Math.imul, shifts), so the order is a pure function of the sequence of
 * operations, identical on V8 and XS. It is NOT insertion order.
 *
 * Tables that map ids to their own slots use SlotIndex (slot-index.ts),
 * which stores a key per slot and a narrow table of slot numbers.
 *
 * Memory: one ArrayBuffer holds the values, the keys and the used flags,
 * behind three views (each ArrayBuffer costs heap slots on XS before its
 * data).
 *
 * Nothing is allocated after `create`.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "./value-or-code";

/** Largest accepted capacity (entries); the table is up to 2x in slots. */
export const FIXED_MAP_CAPACITY_MAX = 1 << 22;

/**
 * Integer mixer ("lowbias32" constants, public domain). Math.imul and
 * shifts are exact 32-bit operations on every engine.
 */
export function hashUint32(key: number): number {
  let h = key ^ (key >>> 16);
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Table slots for `capacity` entries: the power of two >= 2 * capacity (load <= 1/2). */
function slotCountFor(capacity: number): number {
  let slotCount = 2;
  for (let i = 0; i < 32 && slotCount < 2 * capacity; i++) slotCount *= 2;
  return slotCount;
}

export class FixedMap {
  private readonly keys_: Uint32Array;
  private readonly values_: Float64Array;
  // Non-zero = slot holds an entry (every uint32 is a legal key).
  private readonly used_: Uint8Array;
  private readonly capacity_: number;
  private readonly mask_: number; // slotCount - 1
  private size_ = 0;
  private refusedCount_ = 0;
  private invalidKeyCount_ = 0;

  /** `capacity` (entries) in 1..FIXED_MAP_CAPACITY_MAX, else `InvalidArgument`. */
  static create(capacity: number): Result<FixedMap> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > FIXED_MAP_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new FixedMap(capacity, slotCountFor(capacity)));
  }

  private constructor(capacity: number, slotCount: number) {
    this.capacity_ = capacity;
    this.mask_ = slotCount - 1;
    // Values (8 B each) first, then keys, then used flags: every view aligned.
    const buffer = new ArrayBuffer(slotCount * 13);
    this.values_ = new Float64Array(buffer, 0, slotCount);
    this.keys_ = new Uint32Array(buffer, 8 * slotCount, slotCount);
    this.used_ = new Uint8Array(buffer, 12 * slotCount, slotCount);
  }

  /** Maximum number of entries. */
  get capacity(): number {
    return this.capacity_;
  }

  /** Table slots (for cursors): a power of two >= 2 * capacity. */
  get slotCount(): number {
    return this.mask_ + 1;
  }

  get size(): number {
    return this.size_;
  }

  /** New keys refused with `Full` (lifetime count). */
  get refusedCount(): number {
    return this.refusedCount_;
  }

  /** `set` calls refused with `InvalidArgument` (lifetime count). */
  get invalidKeyCount(): number {
    return this.invalidKeyCount_;
  }

  /**
   * Insert or update. `Ok`, `Full` (new key, map at capacity; nothing
   * changed), or `InvalidArgument` (key not an integer in 0..2^32-1).
   */
  set(key: number, value: number): Status {
    if ((key >>> 0) !== key) {
      this.invalidKeyCount_++;
      return ErrorCode.InvalidArgument;
    }
    const mask = this.mask_;
    let slot = hashUint32(key) & mask;
    // Bounded by slotCount; an empty slot always exists (load <= 1/2).
    for (let probe = 0; probe <= mask; probe++) {
      if (this.used_[slot] === 0) {
        if (this.size_ >= this.capacity_) {
          this.refusedCount_++;
          return ErrorCode.Full;
        }
        this.used_[slot] = 1;
        this.keys_[slot] = key;
        this.values_[slot] = value;
        this.size_++;
        return ErrorCode.Ok;
      }
      if (this.keys_[slot] === key) {
        this.values_[slot] = value;
        return ErrorCode.Ok;
      }
      slot = (slot + 1) & mask;
    }
    return ErrorCode.InvariantViolated; // unreachable while invariants hold
  }

  /** The value for `key`, or `missing` when absent (or key invalid). */
  get(key: number, missing: number): number {
    const slot = this.find(key);
    return slot < 0 ? missing : this.storedValue(slot, missing);
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  /**
   * The slot holding `key`, or `-NotFound`. A slot number is valid only until
   * the next `set` of a new key or any delete (entries move on delete).
   */
  slotOf(key: number): ValueOrCode {
    const slot = this.find(key);
    return slot < 0 ? -ErrorCode.NotFound : slot;
  }

  /** Remove `key`. `Ok` or `NotFound` (also for an invalid key). */
  delete(key: number): Status {
    const slot = this.find(key);
    if (slot < 0) return ErrorCode.NotFound;
    this.removeAt(slot);
    return ErrorCode.Ok;
  }

  /**
   * Remove the entry in `slot` (from `nextSlot`). `Ok` or `NotFound` (slot
   * empty or out of range). During a scan, resume at the SAME slot: a later
   * entry may have moved into it. Each entry present for the whole scan is
   * still visited; one whose probe run wraps past the table end may be
   * visited twice.
   */
  deleteAt(slot: number): Status {
    if (!this.isEntry(slot)) return ErrorCode.NotFound;
    this.removeAt(slot);
    return ErrorCode.Ok;
  }

  /**
   * First occupied slot at or after `cursor`, or `-NotFound` when there is
   * none, or `-OutOfRange` when `cursor` is not in 0..slotCount.
   *
   *     for (let s = map.nextSlot(0); s >= 0; s = map.nextSlot(s + 1)) use(map.keyAt(s), map.valueAt(s, 0));
   */
  nextSlot(cursor: number): ValueOrCode {
    const slotCount = this.mask_ + 1;
    if ((cursor >>> 0) !== cursor || cursor > slotCount) return -ErrorCode.OutOfRange;
    const used = this.used_;
    for (let slot = cursor; slot < slotCount; slot++) {
      if (used[slot] !== 0) return slot;
    }
    return -ErrorCode.NotFound;
  }

  /** Key in an occupied `slot`, or `-NotFound`. */
  keyAt(slot: number): ValueOrCode {
    return this.isEntry(slot) ? (this.keys_[slot] ?? 0) : -ErrorCode.NotFound;
  }

  /** Value in an occupied `slot`, or `missing`. */
  valueAt(slot: number, missing: number): number {
    return this.isEntry(slot) ? this.storedValue(slot, missing) : missing;
  }

  /** Overwrite the value in an occupied `slot` (update during a scan). `Ok` or `NotFound`. */
  setValueAt(slot: number, value: number): Status {
    if (!this.isEntry(slot)) return ErrorCode.NotFound;
    this.values_[slot] = value;
    return ErrorCode.Ok;
  }

  /** Remove every entry. O(slotCount). Counters are kept. */
  clear(): void {
    this.used_.fill(0);
    this.size_ = 0;
  }

  /**
   * `Ok`, or `InvariantViolated`: size matches the occupied slots, size <=
   * capacity, and every entry is found by a lookup from its home slot (no
   * gap in its probe run, no earlier duplicate). O(size * probe), for tests.
   */
  checkInvariants(): Status {
    const slotCount = this.mask_ + 1;
    if (this.keys_.length !== slotCount || this.values_.length !== slotCount || this.used_.length !== slotCount) {
      return ErrorCode.InvariantViolated;
    }
    if (slotCount < 2 * this.capacity_ || this.size_ > this.capacity_) return ErrorCode.InvariantViolated;
    let occupied = 0;
    for (let slot = 0; slot < slotCount; slot++) {
      const flag = this.used_[slot] ?? 2;
      if (flag > 1) return ErrorCode.InvariantViolated;
      if (flag !== 0) {
        occupied++;
        if (this.find(this.keys_[slot] ?? 0) !== slot) return ErrorCode.InvariantViolated;
      }
    }
    return occupied === this.size_ ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  private isEntry(slot: number): boolean {
    return (slot >>> 0) === slot && slot <= this.mask_ && this.used_[slot] !== 0;
  }

  /** The value stored in an occupied `slot`, as given to `set`. */
  private storedValue(slot: number, missing: number): number {
    return this.values_[slot] ?? missing;
  }

  /** Slot of `key`, or -1. */
  private find(key: number): number {
    if ((key >>> 0) !== key) return -1;
    const mask = this.mask_;
    let slot = hashUint32(key) & mask;
    for (let probe = 0; probe <= mask; probe++) {
      if (this.used_[slot] === 0) return -1;
      if (this.keys_[slot] === key) return slot;
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /**
   * Backward-shift deletion (Knuth 6.4 Algorithm R): walk the run after the
   * hole; an entry may move into the hole when its home slot is not
   * cyclically inside (hole, entry], i.e. moving it keeps it reachable.
   */
  private removeAt(removedSlot: number): void {
    const mask = this.mask_;
    const keys = this.keys_;
    const values = this.values_;
    const used = this.used_;
    let hole = removedSlot;
    let slot = removedSlot;
    for (let step = 0; step < mask; step++) {
      slot = (slot + 1) & mask;
      if (used[slot] === 0) break;
      const key = keys[slot] ?? 0;
      const home = hashUint32(key) & mask;
      // Distances walking forward: from home to the entry vs. from hole to it.
      if (((slot - home) & mask) >= ((slot - hole) & mask)) {
        keys[hole] = key;
        values[hole] = values[slot] ?? 0;
        hole = slot;
      }
    }
    used[hole] = 0;
    this.size_--;
  }
}
