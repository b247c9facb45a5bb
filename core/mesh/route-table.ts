/**
 * Learned next-hop routes (README "Mesh transport"; Meshtastic's next-hop routing learns
 * from replies, AODV learns reverse paths from floods, RFC 3561 §6.5).
 *
 * A route to D is learned from an authenticated frame originated by D and
 * heard flooded: its transmitter (the link hint, resolved against the
 * neighbour table) is a next hop towards D, at hops-taken + 1 hops. So the
 * flooded request teaches every node the way back to its sender, and the
 * reply teaches the sender the way forward.
 *
 * Replacement (one rule, so routes do not flap): a learned path replaces the
 * current one when there is none, the current one is older than `ttlMs`,
 * the new one is shorter, or it is via the same next hop (refresh). A route
 * that failed (no ack) is invalidated, so the next attempt floods. With
 * hop-by-hop retransmission a single frame the next hop never took is no
 * proof the next hop is gone (a busy neighbour misses frames), so those
 * failures are counted per route (`noteFailure`), cleared by any frame it
 * took (`noteSuccess`), and the caller invalidates after several in a row.
 *
 * Route advertisements (a node's periodic flooded beacon) re-choose the
 * next hop: the first copy of a newer advertisement replaces a route of as
 * many hops too. Only the first copy of a flood gets this far (the others
 * are duplicates), and relays pass advertisements on later the busier they
 * are, so the next hop follows the least busy neighbour as load shifts.
 *
 * Full policy: a new destination replaces the route updated longest ago
 * (`evictedCount`). Nothing is allocated after create.
 *
 * Storage (a region of the transport's arena, arena.ts): per slot two uint32 words (advertisement
 * counter, update time), the destination (u32), the next hop (16 bits) and
 * three bytes (hops, flags: in use and advertisement known, failures);
 * past TABLE_SCAN_MAX slots, an index from destination to slot (else a
 * lookup scans the slots). Update times (integer ms) are
 * uint32 offsets from a base (collections/ms-stamps.ts): ages up to 2^31 ms
 * (24.8 days) are exact and an older update reads as that old, so every
 * fresh/stale decision is exact (create refuses a TTL past
 * ROUTE_TTL_MS_MAX); among routes all updated more than 24.8 days before
 * the newest update, the one in the lowest slot is evicted first.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { SlotIndex } from "../collections/slot-index";
import { STAMP_EXACT_AGE_MS, stampOf } from "../collections/ms-stamps";
import { arenaOr, arenaStampBase, TABLE_SCAN_MAX, type Arena } from "./arena";

const RT_U8_FIELDS = 3;
const RT_U8_HOPS = 0;
const RT_U8_FLAGS = 1; // RT_IN_USE | RT_ADVERT_KNOWN
const RT_U8_FAILURES = 2;
const RT_IN_USE = 1;
const RT_ADVERT_KNOWN = 2;
const RT_U32_FIELDS = 2;
const RT_U32_ADVERT = 0;
const RT_U32_UPDATED = 1;
// Where each per-slot array starts: this many bytes per slot into the region.
const RT_DESTINATION_AT = 4 * RT_U32_FIELDS;
const RT_HOP_AT = RT_DESTINATION_AT + 4;
const RT_BYTES_AT = RT_HOP_AT + 2;

/** Where the index starts in a table of `capacity` (4-aligned, after every slot's fields). */
function indexAt(capacity: number): number {
  return Math.ceil(((RT_BYTES_AT + RT_U8_FIELDS) * capacity) / 4) * 4;
}

/** Largest route TTL: every stale/fresh decision stays exact (older update times read as STAMP_EXACT_AGE_MS old). */
export const ROUTE_TTL_MS_MAX = STAMP_EXACT_AGE_MS;

export const RouteChange = Object.freeze({ None: 0, Refreshed: 1, Learned: 2, Replaced: 3 } as const);
export type RouteChange = (typeof RouteChange)[keyof typeof RouteChange];

export class RouteTable {
  /** Destination -> slot, only past TABLE_SCAN_MAX slots. */
  private readonly index_: SlotIndex | undefined;
  /**
   * The region from base_: per slot 2 u32 (the counter of the newest advertisement heard from the
   * destination, when RT_ADVERT_KNOWN; the update time after baseMs_), per slot the destination
   * (u32), per slot the next hop (u16), per slot 3 bytes (hops, flags, failures: consecutive
   * frames the next hop did not take), then the index if any.
   */
  private readonly view_: Arena;
  private readonly base_: number;
  private readonly capacity_: number;
  private readonly ttlMs_: number;
  private baseMs_ = 0;
  private size_ = 0;
  private evicted_ = 0;
  /** The next hop the last `learn` replaced (valid after Replaced). */
  previousNextHop = 0;

  /** Bytes of arena the table takes (arena.ts), or -1 for a capacity refused (SlotIndex's range). */
  static bytesFor(capacity: number): number {
    const indexBytes = SlotIndex.bytesFor(capacity);
    if (indexBytes < 0) return -1;
    return indexAt(capacity) + (capacity > TABLE_SCAN_MAX ? indexBytes : 0);
  }

  /** A table of `capacity` routes in `arena` from `base` (default: an arena of its own). */
  static create(capacity: number, ttlMs: number, arena?: Arena, base = 0): Result<RouteTable> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > ROUTE_TTL_MS_MAX) return err(ErrorCode.InvalidArgument);
    const bytes = RouteTable.bytesFor(capacity);
    if (bytes < 0) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(bytes, arena);
    const index = capacity > TABLE_SCAN_MAX ? SlotIndex.create(capacity, view.buffer, base + indexAt(capacity)) : undefined;
    if (index !== undefined && !index.ok) return err(ErrorCode.InvalidArgument);
    return ok(new RouteTable(index?.value, view, base, capacity, ttlMs));
  }

  private constructor(index: SlotIndex | undefined, view: Arena, base: number, capacity: number, ttlMs: number) {
    this.index_ = index;
    this.view_ = view;
    this.base_ = base;
    this.capacity_ = capacity;
    this.ttlMs_ = ttlMs;
  }

  get size(): number {
    return this.size_;
  }
  get evictedCount(): number {
    return this.evicted_;
  }

  /** Next hop towards `destination` if a fresh route exists, else -1. */
  nextHop(destination: number, nowMs: number): number {
    const slot = this.slotOf_(destination);
    if (slot < 0 || nowMs - this.updatedMs_(slot) > this.ttlMs_) return -1;
    return this.nextHopAt_(slot);
  }

  /** Hops of the fresh route to `destination`, or -1. */
  hops(destination: number, nowMs: number): number {
    const slot = this.slotOf_(destination);
    if (slot < 0 || nowMs - this.updatedMs_(slot) > this.ttlMs_) return -1;
    return this.byteAt_(slot, RT_U8_HOPS);
  }

  /**
   * Offer a path to `destination` via `nextHop` of `hops` hops; `advertCounter`
   * is the frame counter (0..2^32-1) when the path comes from the
   * destination's route advertisement, else -1. `nowMs` is an integer.
   * Returns the RouteChange.
   */
  learn(destination: number, nextHop: number, hops: number, nowMs: number, advertCounter = -1): RouteChange {
    let slot = this.slotOf_(destination);
    if (slot >= 0) {
      const stale = nowMs - this.updatedMs_(slot) > this.ttlMs_;
      const current = this.nextHopAt_(slot);
      const sameHop = current === nextHop;
      const newAdvert = advertCounter > this.advertAt_(slot);
      if (newAdvert) this.setAdvert_(slot, advertCounter);
      const better = hops < this.byteAt_(slot, RT_U8_HOPS) || (newAdvert && hops === this.byteAt_(slot, RT_U8_HOPS));
      if (!stale && !sameHop && !better) return RouteChange.None;
      this.previousNextHop = current;
      if (!sameHop) this.setByte_(slot, RT_U8_FAILURES, 0);
      this.view_.setUint16(this.base_ + RT_HOP_AT * this.capacity_ + 2 * slot, nextHop);
      this.setByte_(slot, RT_U8_HOPS, hops);
      this.setWord_(slot, RT_U32_UPDATED, this.stamp_(nowMs));
      return sameHop ? RouteChange.Refreshed : RouteChange.Replaced;
    }
    slot = this.freeSlot_();
    if (slot < 0) {
      slot = this.oldestSlot_();
      this.index_?.delete(this.destinationAt_(slot));
      this.evicted_++;
      this.size_--;
    }
    this.setByte_(slot, RT_U8_FLAGS, RT_IN_USE);
    this.setByte_(slot, RT_U8_FAILURES, 0);
    if (advertCounter >= 0) this.setAdvert_(slot, advertCounter);
    this.view_.setUint16(this.base_ + RT_HOP_AT * this.capacity_ + 2 * slot, nextHop);
    this.setByte_(slot, RT_U8_HOPS, hops);
    this.setWord_(slot, RT_U32_UPDATED, this.stamp_(nowMs));
    this.setDestination_(slot, destination);
    this.size_++;
    return RouteChange.Learned;
  }

  /**
   * A frame for `destination` sent to the neighbour with low id byte
   * `nextHopHint` was never taken. Returns the consecutive failures of the
   * route now, or 0 when the route goes elsewhere (or there is none).
   */
  noteFailure(destination: number, nextHopHint: number): number {
    const slot = this.slotOf_(destination);
    if (slot < 0 || (this.nextHopAt_(slot) & 0xff) !== nextHopHint) return 0;
    const failures = Math.min(255, this.byteAt_(slot, RT_U8_FAILURES) + 1);
    this.setByte_(slot, RT_U8_FAILURES, failures);
    return failures;
  }

  /** A frame for `destination` sent to the neighbour with low id byte `nextHopHint` was taken: the route works. */
  noteSuccess(destination: number, nextHopHint: number): void {
    const slot = this.slotOf_(destination);
    if (slot >= 0 && (this.nextHopAt_(slot) & 0xff) === nextHopHint) this.setByte_(slot, RT_U8_FAILURES, 0);
  }

  /** Forget the route to `destination` (it failed). True if there was one. */
  invalidate(destination: number): boolean {
    const slot = this.slotOf_(destination);
    if (slot < 0) return false;
    this.index_?.delete(destination);
    this.setByte_(slot, RT_U8_FLAGS, 0);
    this.size_--;
    return true;
  }

  private freeSlot_(): number {
    for (let slot = 0; slot < this.capacity_; slot++) if ((this.byteAt_(slot, RT_U8_FLAGS) & RT_IN_USE) === 0) return slot;
    return -1;
  }

  private oldestSlot_(): number {
    let oldest = 0;
    for (let slot = 1; slot < this.capacity_; slot++) {
      if (this.word_(slot, RT_U32_UPDATED) < this.word_(oldest, RT_U32_UPDATED)) oldest = slot;
    }
    return oldest;
  }

  /** The update time of `slot`, ms (see the module comment for times past 2^31 ms old). */
  private updatedMs_(slot: number): number {
    return this.baseMs_ + this.word_(slot, RT_U32_UPDATED);
  }

  /** The counter of the newest advertisement heard from `slot`'s destination, or -1. */
  private advertAt_(slot: number): number {
    return (this.byteAt_(slot, RT_U8_FLAGS) & RT_ADVERT_KNOWN) === 0 ? -1 : this.word_(slot, RT_U32_ADVERT);
  }

  private setAdvert_(slot: number, advertCounter: number): void {
    this.setWord_(slot, RT_U32_ADVERT, advertCounter);
    this.setByte_(slot, RT_U8_FLAGS, this.byteAt_(slot, RT_U8_FLAGS) | RT_ADVERT_KNOWN);
  }

  private word_(slot: number, field: number): number {
    return this.view_.getUint32(this.base_ + 4 * (slot * RT_U32_FIELDS + field));
  }
  private setWord_(slot: number, field: number, value: number): void {
    this.view_.setUint32(this.base_ + 4 * (slot * RT_U32_FIELDS + field), value);
  }
  private destinationAt_(slot: number): number {
    return this.view_.getUint32(this.base_ + RT_DESTINATION_AT * this.capacity_ + 4 * slot);
  }
  /** Give `slot` to `destination` (one that is not a u32 is not kept, as SlotIndex refuses it). */
  private setDestination_(slot: number, destination: number): void {
    if ((destination >>> 0) === destination) this.view_.setUint32(this.base_ + RT_DESTINATION_AT * this.capacity_ + 4 * slot, destination);
    this.index_?.set(destination, slot);
  }
  /** The slot of the route to `destination`, or -1. */
  private slotOf_(destination: number): number {
    if (this.index_ !== undefined) return this.index_.get(destination, -1);
    if ((destination >>> 0) !== destination) return -1;
    for (let slot = 0; slot < this.capacity_; slot++) if ((this.byteAt_(slot, RT_U8_FLAGS) & RT_IN_USE) !== 0 && this.destinationAt_(slot) === destination) return slot;
    return -1;
  }
  private nextHopAt_(slot: number): number {
    return this.view_.getUint16(this.base_ + RT_HOP_AT * this.capacity_ + 2 * slot);
  }
  private byteAt_(slot: number, field: number): number {
    return this.view_.getUint8(this.base_ + RT_BYTES_AT * this.capacity_ + slot * RT_U8_FIELDS + field);
  }
  private setByte_(slot: number, field: number, value: number): void {
    this.view_.setUint8(this.base_ + RT_BYTES_AT * this.capacity_ + slot * RT_U8_FIELDS + field, value);
  }

  /** `nowMs` as the offset to store (the base may move first). */
  private stamp_(nowMs: number): number {
    this.baseMs_ = arenaStampBase(this.view_, this.base_ + 4 * RT_U32_UPDATED, 4 * RT_U32_FIELDS, this.capacity_, this.baseMs_, nowMs);
    return stampOf(this.baseMs_, nowMs);
  }
}
