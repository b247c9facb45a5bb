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
 * Storage (a region of the transport's arena, arena.ts): a ring of entries, each keeping its id and
 * a 32-bit mix of the pair. Pairs are (u16 id, u32 n). For a given id the
 * mix is a bijection of n (every step of mixPair is invertible on 32 bits),
 * so n is not stored: the entry with the pair's mix and id IS the pair.
 * The newest entry with a mix hides older ones with the same mix (another
 * id's pair made them unreachable: counted in `collisionCount`, never a
 * false match). A set of up to RECENT_PAIRS_SCAN_MAX entries finds the
 * newest entry with a mix by scanning the ring from the newest entry (a
 * board's caches are this small: no index to pay for); a larger one keeps
 * a SlotIndex from mix to slot, which holds the mixes itself. An entry
 * keeps its value (u32) only when the set is made with values (the
 * delivered cache needs none), and its time only when `minAgeMs` > 0 (only
 * that policy reads it), as a uint32 offset from a base (ms-stamps.ts: ages
 * up to 2^31 ms are exact, so is every age decision with a minimum age up
 * to RECENT_PAIRS_MIN_AGE_MS_MAX, which create refuses beyond).
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
import { STAMP_EXACT_AGE_MS, stampOf } from "../collections/ms-stamps";
import type { ValueOrCode } from "../collections/value-or-code";
import { arenaOr, arenaStampBase, type Arena } from "./arena";

/** Largest id and n of a pair (a node id and a frame counter or message id). */
export const RECENT_PAIR_ID_MAX = 0xffff;
export const RECENT_PAIR_N_MAX = 0xffff_ffff;
/** Largest minimum age: every age decision stays exact (older insert times read as this old, ms-stamps.ts). */
export const RECENT_PAIRS_MIN_AGE_MS_MAX = STAMP_EXACT_AGE_MS;
/** Sets of up to this many entries scan their ring instead of keeping an index. */
export const RECENT_PAIRS_SCAN_MAX = 64;

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

/** Where the index starts (4-aligned, after every slot's words and id). */
function indexAt(capacity: number, minAgeMs: number, withValues: boolean): number {
  const stride = (capacity > RECENT_PAIRS_SCAN_MAX ? 0 : 1) + (withValues ? 1 : 0) + (minAgeMs > 0 ? 1 : 0);
  return Math.ceil(((4 * stride + 2) * capacity) / 4) * 4;
}

export class RecentPairs {
  /** Mix -> ring slot, only past RECENT_PAIRS_SCAN_MAX entries. */
  private readonly index_: SlotIndex | undefined;
  /**
   * The region from base_: per slot `stride()` u32 words (the mix, scanned sets only; the value,
   * only when kept; the insert time after baseMs_, only when minAgeMs > 0), per slot the id (u16),
   * then the index if any (4-aligned).
   */
  private readonly view_: Arena;
  private readonly base_: number;
  private readonly capacity_: number;
  /** Offsets of the value and the time in a slot's words, -1 when not kept. */
  private readonly valueField_: number;
  private readonly timeField_: number;
  private readonly minAgeMs_: number;
  private baseMs_ = 0;
  private head_ = 0; // oldest entry
  private size_ = 0;
  private evicted_ = 0;
  private refused_ = 0;
  private collisions_ = 0;

  /** Bytes of arena a set takes (arena.ts), or -1 for a capacity refused. */
  static bytesFor(capacity: number, minAgeMs = 0, withValues = true): number {
    if ((capacity | 0) !== capacity || capacity < 1) return -1;
    const indexBytes = capacity > RECENT_PAIRS_SCAN_MAX ? SlotIndex.bytesFor(capacity) : 0;
    if (indexBytes < 0) return -1;
    return indexAt(capacity, minAgeMs, withValues) + indexBytes;
  }

  /**
   * `withValues` false: entries keep no value (`valueAt` is 0, `setValueAt` does nothing). The set
   * lives in `arena` from `base` (default: an arena of its own).
   */
  static create(capacity: number, minAgeMs = 0, withValues = true, arena?: Arena, base = 0): Result<RecentPairs> {
    if (!Number.isSafeInteger(minAgeMs) || minAgeMs < 0 || minAgeMs > RECENT_PAIRS_MIN_AGE_MS_MAX) return err(ErrorCode.InvalidArgument);
    const bytes = RecentPairs.bytesFor(capacity, minAgeMs, withValues);
    if (bytes < 0) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(bytes, arena);
    const index = capacity > RECENT_PAIRS_SCAN_MAX ? SlotIndex.create(capacity, view.buffer, base + indexAt(capacity, minAgeMs, withValues)) : undefined;
    if (index !== undefined && !index.ok) return index;
    return ok(new RecentPairs(index?.value, view, base, capacity, minAgeMs, withValues));
  }

  private constructor(index: SlotIndex | undefined, view: Arena, base: number, capacity: number, minAgeMs: number, withValues: boolean) {
    this.index_ = index;
    this.view_ = view;
    this.base_ = base;
    this.capacity_ = capacity;
    this.minAgeMs_ = minAgeMs;
    const first = index === undefined ? 1 : 0; // after the mix
    this.valueField_ = withValues ? first : -1;
    this.timeField_ = minAgeMs > 0 ? first + (withValues ? 1 : 0) : -1;
  }

  get capacity(): number {
    return this.capacity_;
  }
  get size(): number {
    return this.size_;
  }
  get evictedCount(): number {
    return this.evicted_;
  }
  get refusedCount(): number {
    return this.refused_;
  }
  /** Entries made unreachable because another pair had the same mix. */
  get collisionCount(): number {
    return this.collisions_;
  }

  /** The entry slot of (id, n), or -NotFound (also for an id or n out of range). */
  find(id: number, n: number): ValueOrCode {
    if (!validPair(id, n)) return -ErrorCode.NotFound;
    const slot = this.newestWithMix_(mixPair(id, n));
    if (slot < 0 || this.idAt_(slot) !== id) return -ErrorCode.NotFound;
    return slot;
  }

  /** Would `insert` at `nowMs` succeed (room, or an entry old enough to evict)? */
  wouldAccept(nowMs: number): boolean {
    return this.size_ < this.capacity_ || this.minAgeMs_ === 0 || nowMs - this.timeAt_(this.head_) >= this.minAgeMs_;
  }

  /**
   * Add (id, n) with `value` (u32) at `nowMs` (the pair must not be present).
   * Returns its slot, -Full when the policy refuses, or -InvalidArgument
   * for an id past RECENT_PAIR_ID_MAX or n past RECENT_PAIR_N_MAX (nothing changes).
   */
  insert(id: number, n: number, value: number, nowMs: number): ValueOrCode {
    if (!validPair(id, n)) return -ErrorCode.InvalidArgument;
    if (this.size_ === this.capacity_) {
      const oldest = this.head_;
      if (this.minAgeMs_ > 0 && nowMs - this.timeAt_(oldest) < this.minAgeMs_) {
        this.refused_++;
        return -ErrorCode.Full;
      }
      this.removeOldest_();
      this.evicted_++;
    }
    let slot = this.head_ + this.size_;
    if (slot >= this.capacity_) slot -= this.capacity_;
    const mix = mixPair(id, n);
    if (this.newestWithMix_(mix) >= 0) this.collisions_++;
    const stride = this.stride_();
    this.view_.setUint16(this.base_ + 4 * stride * this.capacity_ + 2 * slot, id);
    if (this.valueField_ >= 0) this.setValueAt(slot, value);
    if (this.timeField_ >= 0) {
      this.baseMs_ = arenaStampBase(this.view_, this.base_ + 4 * this.timeField_, 4 * stride, this.capacity_, this.baseMs_, nowMs);
      this.setWord_(slot * stride + this.timeField_, stampOf(this.baseMs_, nowMs));
    }
    // The slot is free (its old entry, if any, was removed above), so an index moves or adds the mix.
    if (this.index_ !== undefined) this.index_.set(mix, slot);
    else this.setWord_(slot * stride, mix);
    this.size_++;
    return slot;
  }

  valueAt(slot: number): number {
    return this.valueField_ < 0 ? 0 : this.word_(slot * this.stride_() + this.valueField_);
  }

  setValueAt(slot: number, value: number): void {
    if (this.valueField_ >= 0 && slot >= 0 && slot < this.capacity_) this.setWord_(slot * this.stride_() + this.valueField_, value);
  }

  private idAt_(slot: number): number {
    return this.view_.getUint16(this.base_ + 4 * this.stride_() * this.capacity_ + 2 * slot);
  }

  /** Words per slot: the mix (scanned sets), the value and the time (when kept). */
  private stride_(): number {
    return (this.index_ === undefined ? 1 : 0) + (this.valueField_ >= 0 ? 1 : 0) + (this.timeField_ >= 0 ? 1 : 0);
  }

  /** Word `index` of the words (slot * stride() + field). */
  private word_(index: number): number {
    return this.view_.getUint32(this.base_ + 4 * index);
  }
  private setWord_(index: number, value: number): void {
    this.view_.setUint32(this.base_ + 4 * index, value);
  }

  /** The slot of the newest entry whose pair has `mix`, or -1. */
  private newestWithMix_(mix: number): number {
    if (this.index_ !== undefined) return this.index_.get(mix, -1);
    const capacity = this.capacity_;
    const stride = this.stride_();
    for (let k = this.size_ - 1; k >= 0; k--) {
      let slot = this.head_ + k;
      if (slot >= capacity) slot -= capacity;
      if (this.word_(slot * stride) === mix) return slot;
    }
    return -1;
  }

  /** The insert time of `slot` (0 when times are not kept); see ms-stamps.ts for times 2^31 ms old. */
  private timeAt_(slot: number): number {
    return this.timeField_ < 0 ? 0 : this.baseMs_ + this.word_(slot * this.stride_() + this.timeField_);
  }

  clear(): void {
    this.index_?.clear();
    this.head_ = 0;
    this.size_ = 0;
  }

  private removeOldest_(): void {
    const slot = this.head_;
    // An index still names the slot's mix unless a colliding pair took it over.
    const key = this.index_ === undefined ? -1 : this.index_.keyOf(slot);
    if (key >= 0) this.index_?.delete(key);
    this.head_ = slot + 1 === this.capacity_ ? 0 : slot + 1;
    this.size_--;
  }
}

function validPair(id: number, n: number): boolean {
  return (id >>> 0) === id && id <= RECENT_PAIR_ID_MAX && (n >>> 0) === n;
}
