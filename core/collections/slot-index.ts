/**
 * Fixed-capacity index from uint32 keys (node ids, pair mixes) to the
 * caller's own slots 0..capacity-1: each key maps to one slot and each slot
 * is held by at most one key. The tables of the mesh and the crypto layer
 * keep their per-slot data in their own arrays and use this to find a
 * key's slot.
 *
 * Layout (one ArrayBuffer, two views; every typed array and ArrayBuffer
 * costs heap slots on XS before its data):
 *  - keys: one uint32 per SLOT (capacity words), the key that slot holds;
 *  - table: open addressing with linear probing over `slotCount` =
 *    2 * capacity positions (home = hash mod slotCount), each holding
 *    slot + 1 (0 = empty) in the narrowest word that fits capacity (8, 16
 *    or 32 bits).
 * So an entry costs 4 bytes plus 2..8 table bytes (a map with a key AND a
 * slot number per position of a power-of-two table cost 12..48). The load
 * factor stays <= 1/2, so an empty position always ends a probe; deletion
 * shifts later positions of the probe run back (Knuth 6.4, Algorithm R):
 * no tombstones. The hash is integer-only (hashUint32), the same on V8 and
 * XS. Capacity and slotCount are the two views' lengths (an instance costs
 * a heap slot per field on XS).
 *
 * Full policy: RefuseNewest. `set` of a NEW key when `size === capacity`
 * returns `Full` and counts `refusedCount`. Moving a key to another slot,
 * or setting a key to the slot it holds, always succeeds; `set` of a key to
 * a slot another key holds is refused with `Exists` (nothing changes), so
 * two keys never share a slot.
 *
 * The owner may place the index in its own ArrayBuffer (`bytesFor`), so a
 * table and its index share one backing store. Nothing is allocated after
 * `create`.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { hashUint32 } from "./fixed-map";
import type { ValueOrCode } from "./value-or-code";

/** Largest accepted capacity (slots). */
export const SLOT_INDEX_CAPACITY_MAX = 1 << 22;

/** Bytes per table position for `capacity` slots: the narrowest word holding slot + 1. */
function tableWordBytes(capacity: number): number {
  return capacity <= 0xff ? 1 : capacity <= 0xffff ? 2 : 4;
}

function validCapacity(capacity: number): boolean {
  return (capacity | 0) === capacity && capacity >= 1 && capacity <= SLOT_INDEX_CAPACITY_MAX;
}

export class SlotIndex {
  /** The key each slot holds (meaningful only while the table points at the slot). */
  private readonly keys_: Uint32Array;
  /** Per position: slot + 1, 0 = empty. */
  private readonly table_: Uint8Array | Uint16Array | Uint32Array;
  private size_ = 0;
  private refusedCount_ = 0;
  private invalidKeyCount_ = 0;

  /**
   * Bytes an index of `capacity` slots takes in a caller's buffer (keys,
   * then the table), or -InvalidArgument for a capacity out of range.
   */
  static bytesFor(capacity: number): ValueOrCode {
    if (!validCapacity(capacity)) return -ErrorCode.InvalidArgument;
    return 4 * capacity + tableWordBytes(capacity) * 2 * capacity;
  }

  /**
   * `capacity` slots in 1..SLOT_INDEX_CAPACITY_MAX. With `buffer`, the index
   * lives in `buffer` from `byteOffset` (a multiple of 4) for `bytesFor(capacity)`
   * bytes, which the caller must not use for anything else. Errors: InvalidArgument.
   */
  static create(capacity: number, buffer?: ArrayBuffer, byteOffset = 0): Result<SlotIndex> {
    const bytes = SlotIndex.bytesFor(capacity);
    if (bytes < 0) return err(ErrorCode.InvalidArgument);
    if (buffer !== undefined && ((byteOffset >>> 0) !== byteOffset || byteOffset % 4 !== 0 || byteOffset + bytes > buffer.byteLength)) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new SlotIndex(capacity, buffer ?? new ArrayBuffer(bytes), buffer === undefined ? 0 : byteOffset));
  }

  private constructor(capacity: number, buffer: ArrayBuffer, byteOffset: number) {
    const slotCount = 2 * capacity;
    this.keys_ = new Uint32Array(buffer, byteOffset, capacity);
    const at = byteOffset + 4 * capacity;
    const word = tableWordBytes(capacity);
    this.table_ = word === 1 ? new Uint8Array(buffer, at, slotCount) : word === 2 ? new Uint16Array(buffer, at, slotCount) : new Uint32Array(buffer, at, slotCount);
  }

  /** Slots (the largest slot is capacity - 1). */
  get capacity(): number {
    return this.keys_.length;
  }

  /** Table positions: 2 * capacity. */
  get slotCount(): number {
    return this.table_.length;
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

  /** The slot of `key`, or `missing` when absent (or the key is invalid). */
  get(key: number, missing: number): number {
    const position = this.find(key);
    return position < 0 ? missing : (this.table_[position] ?? 1) - 1;
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  /** The key `slot` holds, or -NotFound (no key holds it, or slot out of range). */
  keyOf(slot: number): ValueOrCode {
    return this.holds(slot) ? (this.keys_[slot] ?? 0) : -ErrorCode.NotFound;
  }

  /**
   * The key last set for `slot`, without checking that a key still holds
   * it (an owner that tracks which of its slots are in use reads its ids
   * from here instead of keeping a copy). 0 for a slot out of range.
   */
  storedKey(slot: number): number {
    return this.keys_[slot] ?? 0;
  }

  /**
   * Map `key` to `slot`. `Ok`; `Full` (a new key, index at capacity);
   * else `Exists` (another key holds `slot`); `InvalidArgument` (key not an
   * integer 0..2^32-1, or slot not 0..capacity-1). Nothing changes on error.
   */
  set(key: number, slot: number): Status {
    const capacity = this.keys_.length;
    if ((key >>> 0) !== key || (slot >>> 0) !== slot || slot >= capacity) {
      this.invalidKeyCount_++;
      return ErrorCode.InvalidArgument;
    }
    const position = this.find(key);
    if (position >= 0 && (this.table_[position] ?? 0) === slot + 1) return ErrorCode.Ok;
    if (position < 0 && this.size_ >= capacity) {
      this.refusedCount_++;
      return ErrorCode.Full;
    }
    if (this.holds(slot)) return ErrorCode.Exists;
    if (position >= 0) {
      // The key moves: its old slot is released, its position kept.
      this.keys_[slot] = key;
      this.table_[position] = slot + 1;
      return ErrorCode.Ok;
    }
    const slotCount = this.table_.length;
    let at = hashUint32(key) % slotCount;
    // Bounded by slotCount; an empty position always exists (load <= 1/2).
    for (let probe = 0; probe < slotCount && this.table_[at] !== 0; probe++) at = at + 1 === slotCount ? 0 : at + 1;
    this.keys_[slot] = key;
    this.table_[at] = slot + 1;
    this.size_++;
    return ErrorCode.Ok;
  }

  /** Remove `key` (its slot is released). `Ok` or `NotFound` (also for an invalid key). */
  delete(key: number): Status {
    const position = this.find(key);
    if (position < 0) return ErrorCode.NotFound;
    this.removeAt(position);
    return ErrorCode.Ok;
  }

  /** Remove every key. O(slotCount). Counters are kept. */
  clear(): void {
    this.table_.fill(0);
    this.size_ = 0;
  }

  /**
   * `Ok`, or `InvariantViolated`: size matches the occupied positions, every
   * position holds a slot 1..capacity, no slot is held twice, and every key
   * is found from its home position. O(slotCount * probe), for tests.
   */
  checkInvariants(): Status {
    const slotCount = this.table_.length;
    const capacity = this.keys_.length;
    if (slotCount !== 2 * capacity) return ErrorCode.InvariantViolated;
    let occupied = 0;
    for (let position = 0; position < slotCount; position++) {
      const stored = this.table_[position] ?? 0;
      if (stored === 0) continue;
      occupied++;
      if (stored > capacity || this.find(this.keys_[stored - 1] ?? 0) !== position) return ErrorCode.InvariantViolated;
    }
    return occupied === this.size_ && this.size_ <= capacity ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  /** Does a key hold `slot`? (Its stored key is found at a position pointing back at it.) */
  private holds(slot: number): boolean {
    if ((slot >>> 0) !== slot || slot >= this.keys_.length) return false;
    const position = this.find(this.keys_[slot] ?? 0);
    return position >= 0 && this.table_[position] === slot + 1;
  }

  /** Position of `key`, or -1. */
  private find(key: number): number {
    if ((key >>> 0) !== key) return -1;
    const table = this.table_;
    const slotCount = table.length;
    let at = hashUint32(key) % slotCount;
    for (let probe = 0; probe < slotCount; probe++) {
      const stored = table[at] ?? 0;
      if (stored === 0) return -1;
      if (this.keys_[stored - 1] === key) return at;
      at = at + 1 === slotCount ? 0 : at + 1;
    }
    return -1;
  }

  /**
   * Backward-shift deletion (Knuth 6.4 Algorithm R): walk the run after the
   * hole; a position may move into the hole when its key's home is not
   * cyclically inside (hole, position], i.e. moving it keeps it reachable.
   */
  private removeAt(removed: number): void {
    const table = this.table_;
    const slotCount = table.length;
    let hole = removed;
    let at = removed;
    for (let step = 1; step < slotCount; step++) {
      at = at + 1 === slotCount ? 0 : at + 1;
      const stored = table[at] ?? 0;
      if (stored === 0) break;
      const home = hashUint32(this.keys_[stored - 1] ?? 0) % slotCount;
      // Distances walking forward (mod slotCount): from home to the position vs. from the hole to it.
      if ((at - home + slotCount) % slotCount >= (at - hole + slotCount) % slotCount) {
        table[hole] = stored;
        hole = at;
      }
    }
    table[hole] = 0;
    this.size_--;
  }
}
