/**
 * A fixed-capacity set of recently seen (node id, number) pairs with one
 * integer value each, oldest first out (README "Mesh transport").
 *
 * Two uses in the mesh:
 *  - the duplicate cache: (source, frame counter) of accepted frames, value
 *    = a fingerprint of the frame's tag, so a relayed copy is recognised
 *    before any cryptography and a copy with another tag is known forged;
 *  - the delivered cache: (source, message id) of messages handed to the
 *    application, for exactly-once delivery of retransmitted messages.
 *
 * Storage (one ArrayBuffer): a ring of entries and a SlotIndex from a
 * 32-bit mix of the pair to the entry's ring slot. Pairs are (u16 id, u32
 * n). For a given id the mix is a bijection of n (every step of mixPair is
 * invertible on 32 bits), so an entry keeps only its id: a pair is found
 * when the index holds its mix and the slot holds its id, and the full pair
 * is compared without storing n. A mix shared by two ids makes the older
 * entry unreachable (counted in `collisionCount`), never a false match.
 * An entry keeps its value (u32) only when the set is made with values (the
 * delivered cache needs none), and its time only when `minAgeMs` > 0 (only
 * that policy reads it).
 *
 * Full policy, chosen at create: `minAgeMs` = 0 evicts the oldest entry
 * (counted in `evictedCount`); `minAgeMs` > 0 evicts it only if it is at
 * least that old, else refuses the newcomer with `Full` (`refusedCount`):
 * an entry must outlive every retransmission that could repeat it.
 * Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { SlotIndex } from "../collections/slot-index";
import type { ValueOrCode } from "../collections/value-or-code";

/** Largest id and n of a pair (a node id and a frame counter or message id). */
export const RECENT_PAIR_ID_MAX = 0xffff;
export const RECENT_PAIR_N_MAX = 0xffff_ffff;

/** Bijective in n for a fixed id: xor with a constant, then the murmur3 finalizer (each step invertible mod 2^32). */
function mixPair(id: number, n: number): number {
  let h = (Math.imul(id + 1, 0x9e3779b1) ^ n) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class RecentPairs {
  readonly #index: SlotIndex; // mix -> ring slot
  readonly #ids: Uint16Array;
  /** Per slot: the value (only when kept). */
  readonly #values: Uint32Array | undefined;
  /** Per slot: the insert time, ms (only when minAgeMs > 0). */
  readonly #times: Float64Array | undefined;
  readonly #minAgeMs: number;
  #head = 0; // oldest entry
  #size = 0;
  #evicted = 0;
  #refused = 0;
  #collisions = 0;

  /** `withValues` false: entries keep no value (`valueAt` is 0, `setValueAt` does nothing). */
  static create(capacity: number, minAgeMs = 0, withValues = true): Result<RecentPairs> {
    if (!Number.isSafeInteger(minAgeMs) || minAgeMs < 0) return err(ErrorCode.InvalidArgument);
    const indexBytes = SlotIndex.bytesFor(capacity);
    if (indexBytes < 0) return err(ErrorCode.InvalidArgument);
    // Times (8-aligned) first, then values, the index (4-aligned) and the ids.
    const timesBytes = minAgeMs > 0 ? 8 * capacity : 0;
    const valuesBytes = withValues ? 4 * capacity : 0;
    const buffer = new ArrayBuffer(timesBytes + valuesBytes + indexBytes + 2 * capacity);
    const index = SlotIndex.create(capacity, buffer, timesBytes + valuesBytes);
    if (!index.ok) return index;
    return ok(new RecentPairs(index.value, buffer, capacity, minAgeMs, withValues, timesBytes + valuesBytes + indexBytes));
  }

  private constructor(index: SlotIndex, buffer: ArrayBuffer, capacity: number, minAgeMs: number, withValues: boolean, idsAt: number) {
    this.#index = index;
    this.#minAgeMs = minAgeMs;
    this.#times = minAgeMs > 0 ? new Float64Array(buffer, 0, capacity) : undefined;
    this.#values = withValues ? new Uint32Array(buffer, minAgeMs > 0 ? 8 * capacity : 0, capacity) : undefined;
    this.#ids = new Uint16Array(buffer, idsAt, capacity);
  }

  get capacity(): number {
    return this.#ids.length;
  }
  get size(): number {
    return this.#size;
  }
  get evictedCount(): number {
    return this.#evicted;
  }
  get refusedCount(): number {
    return this.#refused;
  }
  /** Entries made unreachable because another pair had the same mix. */
  get collisionCount(): number {
    return this.#collisions;
  }

  /** The entry slot of (id, n), or -NotFound (also for an id or n out of range). */
  find(id: number, n: number): ValueOrCode {
    if (!validPair(id, n)) return -ErrorCode.NotFound;
    const slot = this.#index.get(mixPair(id, n), -1);
    if (slot < 0 || this.#ids[slot] !== id) return -ErrorCode.NotFound;
    return slot;
  }

  /** Would `insert` at `nowMs` succeed (room, or an entry old enough to evict)? */
  wouldAccept(nowMs: number): boolean {
    return this.#size < this.#ids.length || this.#minAgeMs === 0 || nowMs - this.timeAt(this.#head) >= this.#minAgeMs;
  }

  /**
   * Add (id, n) with `value` (u32) at `nowMs` (the pair must not be present).
   * Returns its slot, -Full when the policy refuses, or -InvalidArgument
   * for an id past RECENT_PAIR_ID_MAX or n past RECENT_PAIR_N_MAX (nothing changes).
   */
  insert(id: number, n: number, value: number, nowMs: number): ValueOrCode {
    if (!validPair(id, n)) return -ErrorCode.InvalidArgument;
    if (this.#size === this.#ids.length) {
      const oldest = this.#head;
      if (this.#minAgeMs > 0 && nowMs - this.timeAt(oldest) < this.#minAgeMs) {
        this.#refused++;
        return -ErrorCode.Full;
      }
      this.removeOldest();
      this.#evicted++;
    }
    let slot = this.#head + this.#size;
    if (slot >= this.#ids.length) slot -= this.#ids.length;
    this.#ids[slot] = id;
    if (this.#values !== undefined) this.#values[slot] = value;
    if (this.#times !== undefined) this.#times[slot] = nowMs;
    this.#size++;
    const key = mixPair(id, n);
    if (this.#index.get(key, -1) >= 0) this.#collisions++;
    // The slot is free (its old entry, if any, was removed above), so this moves or adds the key.
    this.#index.set(key, slot);
    return slot;
  }

  valueAt(slot: number): number {
    return this.#values === undefined ? 0 : (this.#values[slot] ?? 0);
  }

  setValueAt(slot: number, value: number): void {
    if (this.#values !== undefined && slot >= 0 && slot < this.#ids.length) this.#values[slot] = value;
  }

  private timeAt(slot: number): number {
    return this.#times === undefined ? 0 : (this.#times[slot] ?? 0);
  }

  clear(): void {
    this.#index.clear();
    this.#head = 0;
    this.#size = 0;
  }

  private removeOldest(): void {
    const slot = this.#head;
    // The index still names the slot's mix unless a colliding pair took it over.
    const key = this.#index.keyOf(slot);
    if (key >= 0) this.#index.delete(key);
    this.#head = slot + 1 === this.#ids.length ? 0 : slot + 1;
    this.#size--;
  }
}

function validPair(id: number, n: number): boolean {
  return (id >>> 0) === id && id <= RECENT_PAIR_ID_MAX && (n >>> 0) === n;
}
