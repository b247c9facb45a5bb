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
 * Storage: a ring of entries in typed arrays plus a FixedMap from a 32-bit
 * mix of the pair to the entry's ring slot. An entry keeps its value only
 * when the set is made with values (the delivered cache needs none), and
 * its time only when `minAgeMs` > 0 (only that policy reads it). Lookups compare the full pair,
 * so a mix collision is a miss (counted), never a false match.
 *
 * Full policy, chosen at create: `minAgeMs` = 0 evicts the oldest entry
 * (counted in `evictedCount`); `minAgeMs` > 0 evicts it only if it is at
 * least that old, else refuses the newcomer with `Full` (`refusedCount`):
 * an entry must outlive every retransmission that could repeat it.
 * Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { FixedMap } from "../collections/fixed-map";
import type { ValueOrCode } from "../collections/value-or-code";

const RP_F64_NUMBERS = 0;

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
  readonly #index: FixedMap; // mix -> ring slot
  readonly #ids: Uint16Array;
  /** Per-slot fields (one array: each typed array costs heap slots on XS): number, then value (if kept), then time (if kept). */
  readonly #entryNumbers: Float64Array;
  readonly #stride: number;
  /** Field offsets of the value and the time, -1 when not kept. */
  readonly #valueField: number;
  readonly #timeField: number;
  readonly #capacity: number;
  readonly #minAgeMs: number;
  #head = 0; // oldest entry
  #size = 0;
  #evicted = 0;
  #refused = 0;
  #collisions = 0;

  /** `withValues` false: entries keep no value (`valueAt` is 0, `setValueAt` does nothing). */
  static create(capacity: number, minAgeMs = 0, withValues = true): Result<RecentPairs> {
    if (!Number.isSafeInteger(minAgeMs) || minAgeMs < 0) return err(ErrorCode.InvalidArgument);
    const index = FixedMap.createIndex(capacity);
    if (!index.ok) return index;
    return ok(new RecentPairs(index.value, capacity, minAgeMs, withValues));
  }

  private constructor(index: FixedMap, capacity: number, minAgeMs: number, withValues: boolean) {
    this.#index = index;
    this.#capacity = capacity;
    this.#minAgeMs = minAgeMs;
    this.#valueField = withValues ? 1 : -1;
    this.#timeField = minAgeMs > 0 ? (withValues ? 2 : 1) : -1;
    this.#stride = 1 + (withValues ? 1 : 0) + (minAgeMs > 0 ? 1 : 0);
    this.#ids = new Uint16Array(capacity);
    this.#entryNumbers = new Float64Array(capacity * this.#stride);
  }

  get capacity(): number {
    return this.#capacity;
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

  /** The entry slot of (id, n), or -NotFound. */
  find(id: number, n: number): ValueOrCode {
    const slot = this.#index.get(mixPair(id, n), -1);
    if (slot < 0 || this.#ids[slot] !== id || this.#entryNumbers[slot * this.#stride + RP_F64_NUMBERS] !== n) return -ErrorCode.NotFound;
    return slot;
  }

  /** Would `insert` at `nowMs` succeed (room, or an entry old enough to evict)? */
  wouldAccept(nowMs: number): boolean {
    return this.#size < this.#capacity || this.#minAgeMs === 0 || nowMs - this.timeAt(this.#head) >= this.#minAgeMs;
  }

  /**
   * Add (id, n) with `value` at `nowMs` (the pair must not be present).
   * Returns its slot, or -Full when the policy refuses.
   */
  insert(id: number, n: number, value: number, nowMs: number): ValueOrCode {
    if (this.#size === this.#capacity) {
      const oldest = this.#head;
      if (this.#minAgeMs > 0 && nowMs - this.timeAt(oldest) < this.#minAgeMs) {
        this.#refused++;
        return -ErrorCode.Full;
      }
      this.removeOldest();
      this.#evicted++;
    }
    let slot = this.#head + this.#size;
    if (slot >= this.#capacity) slot -= this.#capacity;
    this.#ids[slot] = id;
    const base = slot * this.#stride;
    this.#entryNumbers[base + RP_F64_NUMBERS] = n;
    if (this.#valueField > 0) this.#entryNumbers[base + this.#valueField] = value;
    if (this.#timeField > 0) this.#entryNumbers[base + this.#timeField] = nowMs;
    this.#size++;
    const key = mixPair(id, n);
    if (this.#index.get(key, -1) >= 0) this.#collisions++;
    this.#index.set(key, slot);
    return slot;
  }

  valueAt(slot: number): number {
    return this.#valueField > 0 ? (this.#entryNumbers[slot * this.#stride + this.#valueField] ?? 0) : 0;
  }

  setValueAt(slot: number, value: number): void {
    if (this.#valueField > 0 && slot >= 0 && slot < this.#capacity) this.#entryNumbers[slot * this.#stride + this.#valueField] = value;
  }

  private timeAt(slot: number): number {
    return this.#timeField > 0 ? (this.#entryNumbers[slot * this.#stride + this.#timeField] ?? 0) : 0;
  }

  clear(): void {
    this.#index.clear();
    this.#head = 0;
    this.#size = 0;
  }

  private removeOldest(): void {
    const slot = this.#head;
    const key = mixPair(this.#ids[slot] ?? 0, this.#entryNumbers[slot * this.#stride + RP_F64_NUMBERS] ?? 0);
    if (this.#index.get(key, -1) === slot) this.#index.delete(key);
    this.#head = slot + 1 === this.#capacity ? 0 : slot + 1;
    this.#size--;
  }
}
