/**
 * Routed frames waiting for their next hop to take them: hop-by-hop
 * retransmission for learned routes.
 *
 * A frame sent along a route is heard by one node only (its next hop), so a
 * single loss on any hop loses it. After putting a routed frame on the air
 * the transmitter keeps a copy here until the next hop shows it has the
 * frame:
 *  - implicitly, by forwarding it: the transmitter overhears a copy of the
 *    same (source, counter) with more hops taken and the same tag (the
 *    "passive acknowledgement" of multi-hop radio, Jubin and Tornow, Proc.
 *    IEEE 75(1), 1987; Meshtastic's implicit ACK on rebroadcast);
 *  - explicitly, by a HopAck frame (link-header.ts), which the next hop
 *    sends when it will not forward: it is the destination, or it already
 *    forwarded and hears the frame again.
 * Without either by the deadline the frame goes again (same bytes, so the
 * next hop's duplicate cache recognises it), at most `retriesMax` times;
 * then the transport gives up (counted) and forgets the route.
 *
 * The tag comparison makes an implicit acknowledgement as hard to forge as
 * replaying the authentic frame itself: relays change only the hop fields,
 * which the tag does not cover, so every true copy ends in the same 16 bytes.
 *
 * A frame of an acknowledged message we originated names its pending send
 * (the owner): the transport starts that message's end-to-end ack timer
 * only once the first hop took it, and fails the attempt at once when the
 * first hop gives up, so end-to-end resends never pile onto a hop that is
 * still resending.
 *
 * Fixed slots, each with a copy of the frame in a frame pool (frame-pool.ts:
 * the transport's shared one, or one of slots x frameBytes of its own).
 * Full policy (every slot busy, or the pool cannot hold the frame): refuse
 * the new frame (the caller counts it and sends it without a watch). Lookups are
 * O(slots). Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { E2E_TAG_BYTES, LINK_TAG_BYTES } from "./link-header";
import { FramePool, framePoolBlocks } from "./frame-pool";
import { arenaOr, type Arena } from "./arena";
import { SlotFields } from "./slot-fields";

// Per-slot fields at these byte offsets of one DataView over one ArrayBuffer
// (each typed array or view costs heap slots on XS before its data).
const B_USED = 0; // u8 each
const B_HOPS = 1; // hops taken by our copy
const B_NEXT_HOP = 2; // the next hop's low id byte (the frame's link hint)
const B_CLASS = 3;
const B_SENDS = 4; // times this frame went on the air
const W_LENGTH = 5; // u16 each
const W_SOURCE = 7;
const W_DESTINATION = 9;
const N_COUNTER = 11; // u32
const N_OWNER_SLOT = 15; // i32: pending-send slot of the message the frame belongs to, -1 none
const N_OWNER_ID = 19; // u16: that message's wire id (the slot may be reused)
const N_HANDLE = 21; // i32: the frame's entry in the pool
const N_DEADLINE = 25; // f64
const SLOT_BYTES = 33;

/**
 * What a watch keeps of a routed frame's header (link-header.ts): a parsed
 * LinkHeader is one, so the transport hands over the header of the frame it
 * just sent instead of eight numbers.
 */
export interface HopWatchKey {
  readonly source: number;
  readonly counter: number;
  readonly hopsTaken: number;
  /** The next hop's low id byte (a routed frame's link hint). */
  readonly linkHint: number;
  readonly destination: number;
  readonly trafficClass: number;
}

export class HopAckTable extends SlotFields {
  private readonly pool_: FramePool;
  private readonly frameBytes_: number;
  private size_ = 0;

  /** Bytes of arena the slots take (arena.ts). */
  static bytesFor(slots: number): number {
    return slots * SLOT_BYTES;
  }

  /**
   * Frames up to `frameBytes`, kept in `pool` (default: a pool of its own that holds every slot's
   * largest frame); the slots in `arena` from `base` (default: an arena of their own).
   */
  static create(slots: number, frameBytes: number, pool?: FramePool, arena?: Arena, base = 0): Result<HopAckTable> {
    if ((slots | 0) !== slots || slots < 1 || slots > 1024) return err(ErrorCode.InvalidArgument);
    if ((frameBytes | 0) !== frameBytes || frameBytes <= LINK_TAG_BYTES || frameBytes > 0xffff) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(HopAckTable.bytesFor(slots), arena);
    const own = pool === undefined ? FramePool.create(slots * framePoolBlocks(frameBytes)) : ok(pool);
    if (!own.ok) return own;
    return ok(new HopAckTable(slots, frameBytes, own.value, view, base));
  }

  private constructor(slots: number, frameBytes: number, pool: FramePool, view: Arena, base: number) {
    super(view, base, slots);
    this.frameBytes_ = frameBytes;
    this.pool_ = pool;
  }

  protected slotBytes_(): number {
    return SLOT_BYTES;
  }

  get size(): number {
    return this.size_;
  }
  get capacity(): number {
    return this.slots_;
  }
  get frameBytes(): number {
    return this.frameBytes_;
  }

  /** Copy the frame of `slot` into out[0 ..]; returns its length. */
  readFrame(slot: number, out: Uint8Array): number {
    const length = this.lengthAt(slot);
    this.pool_.read(this.handleAt_(slot), 0, out, 0, length);
    return length;
  }

  /**
   * Watch frame[0 .. lengthBytes), whose header is `key` (just put on the
   * air towards the next hop whose low id byte is `key.linkHint`), until
   * `deadlineMs`, for the pending send (`ownerSlot`, `ownerId`), or -1.
   * A frame already watched (a retransmission) keeps its slot and owner and
   * counts one more send. Returns the slot, or -MeshQueueFull /
   * -MeshFrameOversized / -InvalidArgument (shorter than a tag).
   */
  watch(frame: Uint8Array, lengthBytes: number, key: HopWatchKey, deadlineMs: number, ownerSlot: number, ownerId: number): ValueOrCode {
    if (lengthBytes > this.frameBytes_) return -ErrorCode.MeshFrameOversized;
    if (lengthBytes < LINK_TAG_BYTES || lengthBytes > frame.length) return -ErrorCode.InvalidArgument;
    let slot = this.find(key.source, key.counter);
    if (slot >= 0 && lengthBytes === this.lengthAt(slot)) {
      // A resend: the same frame again, over its copy.
      this.pool_.write(this.handleAt_(slot), 0, frame, 0, lengthBytes);
    } else if (slot >= 0) {
      this.pool_.release(this.handleAt_(slot));
      const handle = this.pool_.store(frame, 0, lengthBytes);
      this.setI32_(slot, N_HANDLE, handle);
      if (handle < 0) {
        this.setU8_(slot, B_USED, 0);
        this.size_--;
        return -ErrorCode.MeshQueueFull;
      }
    } else {
      slot = this.freeSlot_();
      if (slot < 0) return -ErrorCode.MeshQueueFull;
      const handle = this.pool_.store(frame, 0, lengthBytes);
      if (handle < 0) return -ErrorCode.MeshQueueFull;
      this.setI32_(slot, N_HANDLE, handle);
      this.setU8_(slot, B_USED, 1);
      this.setU8_(slot, B_SENDS, 0);
      this.setI32_(slot, N_OWNER_SLOT, ownerSlot);
      this.setU16_(slot, N_OWNER_ID, ownerId);
      this.size_++;
    }
    this.setU16_(slot, W_LENGTH, lengthBytes);
    this.setU16_(slot, W_SOURCE, key.source);
    this.setU16_(slot, W_DESTINATION, key.destination);
    this.setU32_(slot, N_COUNTER, key.counter);
    this.setF64_(slot, N_DEADLINE, deadlineMs);
    this.setU8_(slot, B_HOPS, key.hopsTaken);
    this.setU8_(slot, B_NEXT_HOP, key.linkHint);
    this.setU8_(slot, B_CLASS, key.trafficClass);
    this.setU8_(slot, B_SENDS, Math.min(255, this.sendsAt(slot) + 1));
    return slot;
  }

  /** The slot watching a frame of the pending send (`ownerSlot`, `ownerId`), or -1. */
  findOwned(ownerSlot: number, ownerId: number): number {
    if (this.size_ === 0 || ownerSlot < 0) return -1;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.isUsed_(slot) && this.ownerSlotAt(slot) === ownerSlot && this.ownerIdAt(slot) === ownerId) return slot;
    }
    return -1;
  }

  /** The slot watching (source, counter), or -1. */
  find(source: number, counter: number): number {
    if (this.size_ === 0) return -1;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.isUsed_(slot) && this.sourceAt(slot) === source && this.counterAt(slot) === counter) return slot;
    }
    return -1;
  }

  /**
   * A copy of (source, counter) with `hopsTaken` was heard: frame[0 ..
   * lengthBytes). The slot it acknowledges (the caller releases it), or -1:
   * it must have gone further than our copy and carry the same tag.
   */
  forwardedSlot(source: number, counter: number, hopsTaken: number, frame: Uint8Array, lengthBytes: number): number {
    const slot = this.find(source, counter);
    if (slot < 0 || hopsTaken <= this.u8_(slot, B_HOPS) || lengthBytes !== this.lengthAt(slot)) return -1;
    // The end-to-end tag: the same on every hop (each hop stamps its own hop tag after it, link-seal.ts).
    const tagAt = lengthBytes - LINK_TAG_BYTES;
    return this.pool_.equals(this.handleAt_(slot), tagAt, frame, tagAt, E2E_TAG_BYTES) ? slot : -1;
  }

  /** The slot a HopAck entry (source, counter) from the neighbour with low id byte `fromHint` acknowledges, or -1. */
  acknowledgedSlot(source: number, counter: number, fromHint: number): number {
    const slot = this.find(source, counter);
    return slot >= 0 && this.nextHopAt(slot) === fromHint ? slot : -1;
  }

  /** The earliest slot of `trafficClass` past its deadline with sends left (`sendsMax` in all), or -1. */
  retryDue(nowMs: number, trafficClass: number, sendsMax: number): number {
    let best = -1;
    let bestDeadlineMs = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (!this.isUsed_(slot) || this.u8_(slot, B_CLASS) !== trafficClass || this.sendsAt(slot) >= sendsMax) continue;
      const deadlineMs = this.deadlineAt(slot);
      if (deadlineMs <= nowMs && deadlineMs < bestDeadlineMs) {
        best = slot;
        bestDeadlineMs = deadlineMs;
      }
    }
    return best;
  }

  /** Hold the resend of `slot` until `atMs` (a gate is closed); no send is counted. */
  postpone(slot: number, atMs: number): void {
    if (this.isUsed_(slot) && atMs > this.deadlineAt(slot)) this.setF64_(slot, N_DEADLINE, atMs);
  }

  /** A slot past its deadline that has used all `sendsMax` sends (to give up), or -1. */
  exhausted(nowMs: number, sendsMax: number): number {
    if (this.size_ === 0) return -1;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.isUsed_(slot) && this.sendsAt(slot) >= sendsMax && this.deadlineAt(slot) <= nowMs) return slot;
    }
    return -1;
  }

  /** Earliest deadline, or +Infinity when nothing is watched. */
  nextDeadlineMs(): number {
    let firstMs = Number.POSITIVE_INFINITY;
    if (this.size_ === 0) return firstMs;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.isUsed_(slot) && this.deadlineAt(slot) < firstMs) firstMs = this.deadlineAt(slot);
    }
    return firstMs;
  }

  release(slot: number): void {
    if (!this.isUsed_(slot)) return;
    this.pool_.release(this.handleAt_(slot));
    this.setU8_(slot, B_USED, 0);
    this.size_--;
  }

  lengthAt(slot: number): number {
    return this.u16_(slot, W_LENGTH);
  }

  /** Frame-store blocks the watched frames hold, or -1 when the slots in use disagree with `size` or an entry is broken (invariant checks). */
  blocksHeld(): number {
    let used = 0;
    let blocks = 0;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (!this.isUsed_(slot)) continue;
      used++;
      const held = this.pool_.entryBlocks(this.handleAt_(slot));
      if (held < 0) return -1;
      blocks += held;
    }
    return used === this.size_ ? blocks : -1;
  }

  /** Is `slot` watching a frame? */
  isInUse(slot: number): boolean {
    return (slot >>> 0) === slot && slot < this.slots_ && this.isUsed_(slot);
  }
  sourceAt(slot: number): number {
    return this.u16_(slot, W_SOURCE);
  }
  destinationAt(slot: number): number {
    return this.u16_(slot, W_DESTINATION);
  }
  counterAt(slot: number): number {
    return this.u32_(slot, N_COUNTER);
  }
  deadlineAt(slot: number): number {
    return this.f64_(slot, N_DEADLINE);
  }
  /** The pending-send slot of the message the frame belongs to, or -1. */
  ownerSlotAt(slot: number): number {
    return this.i32_(slot, N_OWNER_SLOT);
  }
  ownerIdAt(slot: number): number {
    return this.u16_(slot, N_OWNER_ID);
  }
  nextHopAt(slot: number): number {
    return this.u8_(slot, B_NEXT_HOP);
  }
  /** The traffic class of the frame watched in `slot`. */
  trafficClassAt(slot: number): number {
    return this.u8_(slot, B_CLASS);
  }

  sendsAt(slot: number): number {
    return this.u8_(slot, B_SENDS);
  }

  private handleAt_(slot: number): number {
    return this.i32_(slot, N_HANDLE);
  }
  private isUsed_(slot: number): boolean {
    return this.u8_(slot, B_USED) === 1;
  }
  private freeSlot_(): number {
    for (let slot = 0; slot < this.slots_; slot++) if (!this.isUsed_(slot)) return slot;
    return -1;
  }
}

// A history entry (a slot of SlotFields): source u16, counter u32, time noted f64.
const H_SOURCE = 0;
const H_COUNTER = 2;
const H_NOTED_MS = 6;
const H_ENTRY_BYTES = 14;

/**
 * The receiving side: routed frames this node took as the last hop (it is
 * their destination, or it already forwarded them and heard them again),
 * newest first, so one HopAck frame can acknowledge the last few of them.
 * A HopAck lost at a busy sender (hidden neighbours keep its receiver
 * occupied) is then made good by the next one, instead of by a resend of
 * the whole frame: like TCP's SACK blocks, each acknowledgement repeats the
 * recent ones (RFC 2018 §4).
 *
 * A fixed array kept newest first (position 0); noting shifts the older
 * entries back by one (O(capacity), which is small). Nothing is allocated
 * after create.
 */
export class HopAckHistory extends SlotFields {
  private size_ = 0;

  /** Bytes of arena the entries take (arena.ts). */
  static bytesFor(capacity: number): number {
    return capacity * H_ENTRY_BYTES;
  }

  /** The entries in `arena` from `base` (default: an arena of their own). */
  static create(capacity: number, arena?: Arena, base = 0): Result<HopAckHistory> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > 64) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(HopAckHistory.bytesFor(capacity), arena);
    return ok(new HopAckHistory(capacity, view, base));
  }

  private constructor(capacity: number, view: Arena, base: number) {
    super(view, base, capacity);
  }

  protected slotBytes_(): number {
    return H_ENTRY_BYTES;
  }

  get size(): number {
    return this.size_;
  }

  /** Note (source, counter) taken at `nowMs`: it becomes the newest (an entry already there moves up; the oldest falls off when full). */
  note(source: number, counter: number, nowMs: number): void {
    let at = -1;
    for (let k = 0; k < this.size_ && at < 0; k++) if (this.u16_(k, H_SOURCE) === source && this.u32_(k, H_COUNTER) === counter) at = k;
    if (at < 0) {
      if (this.size_ < this.slots_) this.size_++;
      at = this.size_ - 1;
    }
    for (let k = at; k > 0; k--) {
      this.setU16_(k, H_SOURCE, this.u16_(k - 1, H_SOURCE));
      this.setU32_(k, H_COUNTER, this.u32_(k - 1, H_COUNTER));
      this.setF64_(k, H_NOTED_MS, this.f64_(k - 1, H_NOTED_MS));
    }
    this.setU16_(0, H_SOURCE, source);
    this.setU32_(0, H_COUNTER, counter);
    this.setF64_(0, H_NOTED_MS, nowMs);
  }

  /**
   * Write up to `maxEntries` entries noted at or after `sinceMs`, newest
   * first, as (source u16, counter u32) big-endian at out[offset ..].
   * Returns how many were written.
   */
  writeRecent(out: Uint8Array, offset: number, maxEntries: number, sinceMs: number): number {
    let written = 0;
    for (let k = 0; k < this.size_ && written < maxEntries; k++) {
      if (this.f64_(k, H_NOTED_MS) < sinceMs) break;
      const source = this.u16_(k, H_SOURCE);
      const counter = this.u32_(k, H_COUNTER);
      const base = offset + written * HOP_ACK_ENTRY_BYTES;
      out[base] = source >>> 8;
      out[base + 1] = source & 0xff;
      out[base + 2] = (counter / 0x100_0000) & 0xff;
      out[base + 3] = (counter >>> 16) & 0xff;
      out[base + 4] = (counter >>> 8) & 0xff;
      out[base + 5] = counter & 0xff;
      written++;
    }
    return written;
  }
}

/** One HopAck entry on the wire: source u16, counter u32. */
export const HOP_ACK_ENTRY_BYTES = 6;

/** Read entry `index` of a HopAck payload: the source, and the counter into `counterOut[0]`. */
export function readHopAckEntry(payload: Uint8Array, index: number, counterOut: Float64Array): number {
  counterOut[0] = readHopAckCounter(payload, index);
  return readHopAckSource(payload, index);
}

/** The source of entry `index` of a HopAck payload. */
export function readHopAckSource(payload: Uint8Array, index: number): number {
  const at = index * HOP_ACK_ENTRY_BYTES;
  return ((payload[at] ?? 0) << 8) | (payload[at + 1] ?? 0);
}

/** The counter of entry `index` of a HopAck payload. */
export function readHopAckCounter(payload: Uint8Array, index: number): number {
  const at = index * HOP_ACK_ENTRY_BYTES;
  return (payload[at + 2] ?? 0) * 0x100_0000 + (((payload[at + 3] ?? 0) << 16) | ((payload[at + 4] ?? 0) << 8) | (payload[at + 5] ?? 0));
}
