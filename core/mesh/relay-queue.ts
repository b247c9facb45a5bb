/**
 * Relays waiting for their moment (README "Mesh transport", managed flooding).
 *
 * A node that accepts a flooded frame schedules its rebroadcast after a
 * contention delay that grows with the received link quality, so the
 * node farthest from the transmitter (weakest SNR) goes first and covers
 * the most new ground; every node still waiting that then hears the frame
 * the frame relayed by peers (as many hops out as it would be) `threshold`
 * times cancels its own copy (Meshtastic's managed flooding; the
 * counter-based scheme of Ni et al., "The broadcast storm problem", 1999).
 *
 * Fixed slots, each holding a copy of the frame (already rewritten for
 * relaying) in a frame pool (frame-pool.ts: the transport's shared one, or
 * one of slots x frameBytes of its own), each with its deadline (equal
 * deadlines FIFO by a schedule sequence number). The slots are few, so the
 * earliest is found by a scan: O(slots), with no heap of its own to keep.
 * Full policy (every slot busy, or the pool cannot hold the frame):
 * refuse the newcomer (`MeshQueueFull`, counted by the caller). Cancellation looks the frame up by (source, counter), O(slots).
 * Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { FramePool, framePoolBlocks } from "./frame-pool";
import { arenaOr, type Arena } from "./arena";
import { SlotFields } from "./slot-fields";

// Per-slot fields at these byte offsets of one DataView over one ArrayBuffer
// (each typed array or view costs heap slots on XS before its data).
const RQ_U16_LENGTHS = 0; // u16 each
const RQ_U16_SOURCES = 2;
const RQ_U8_CLASSES = 4; // u8 each
const RQ_U8_HOPS = 5; // hops taken by our relayed copy
const RQ_U8_HEARD = 6; // peer relays heard while waiting
const RQ_U8_USED = 7;
const RQ_U32_COUNTER = 8; // u32: the link counter
const RQ_I32_HANDLE = 12; // i32: the frame's entry in the pool
const RQ_F64_DEADLINE = 16; // f64 each
const RQ_F64_SEQUENCE = 24; // order of scheduling: equal deadlines go first in, first out
const SLOT_BYTES = 32;

export class RelayQueue extends SlotFields {
  private readonly pool_: FramePool;
  private readonly frameBytes_: number;
  private size_ = 0;
  private sequence_ = 0;

  /** Bytes of arena the slots take (arena.ts). */
  static bytesFor(slots: number): number {
    return slots * SLOT_BYTES;
  }

  /**
   * Frames up to `frameBytes`, kept in `pool` (default: a pool of its own that holds every slot's
   * largest frame); the slots in `arena` from `base` (default: an arena of their own).
   */
  static create(slots: number, frameBytes: number, pool?: FramePool, arena?: Arena, base = 0): Result<RelayQueue> {
    if ((slots | 0) !== slots || slots < 1 || slots > 4096) return err(ErrorCode.InvalidArgument);
    if ((frameBytes | 0) !== frameBytes || frameBytes < 1 || frameBytes > 0xffff) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(RelayQueue.bytesFor(slots), arena);
    const own = pool === undefined ? FramePool.create(slots * framePoolBlocks(frameBytes)) : ok(pool);
    if (!own.ok) return own;
    return ok(new RelayQueue(slots, frameBytes, own.value, view, base));
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
   * Schedule a copy of frame[0 .. lengthBytes) for `deadlineMs`. Returns the
   * slot, or -MeshQueueFull / -MeshFrameOversized.
   */
  schedule(frame: Uint8Array, lengthBytes: number, source: number, counter: number, trafficClass: number, hopsTaken: number, deadlineMs: number): ValueOrCode {
    if (lengthBytes > this.frameBytes_) return -ErrorCode.MeshFrameOversized;
    let slot = -1;
    for (let s = 0; s < this.slots_; s++) {
      if (this.u8_(s, RQ_U8_USED) !== 1) {
        slot = s;
        break;
      }
    }
    if (slot < 0) return -ErrorCode.MeshQueueFull;
    const handle = this.pool_.store(frame, 0, lengthBytes);
    if (handle < 0) return -ErrorCode.MeshQueueFull;
    this.setI32_(slot, RQ_I32_HANDLE, handle);
    this.setF64_(slot, RQ_F64_DEADLINE, deadlineMs);
    this.setF64_(slot, RQ_F64_SEQUENCE, this.sequence_++);
    this.setU8_(slot, RQ_U8_USED, 1);
    this.setU16_(slot, RQ_U16_LENGTHS, lengthBytes);
    this.setU16_(slot, RQ_U16_SOURCES, source);
    this.setU32_(slot, RQ_U32_COUNTER, counter);
    this.setU8_(slot, RQ_U8_CLASSES, trafficClass);
    this.setU8_(slot, RQ_U8_HOPS, hopsTaken);
    this.setU8_(slot, RQ_U8_HEARD, 0);
    this.size_++;
    return slot;
  }

  /**
   * A copy of (source, counter) with `hopsTaken` was heard while its relay
   * waits. A copy from as far as our relay would be (or farther) is a peer's
   * relay; after `threshold` of them the relay is cancelled. Copies from
   * upstream (fewer hops) tell nothing about coverage and are ignored.
   * Ok (cancelled), NotFound (no such relay), or Empty (kept).
   */
  heardCopy(source: number, counter: number, hopsTaken: number, threshold: number): Status {
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RQ_U8_USED) !== 1 || this.u16_(slot, RQ_U16_SOURCES) !== source || this.counterAt(slot) !== counter) continue;
      if (hopsTaken < this.u8_(slot, RQ_U8_HOPS)) return ErrorCode.Empty;
      const heard = this.u8_(slot, RQ_U8_HEARD) + 1;
      this.setU8_(slot, RQ_U8_HEARD, heard);
      if (heard < threshold) return ErrorCode.Empty;
      this.release(slot);
      return ErrorCode.Ok;
    }
    return ErrorCode.NotFound;
  }

  /** Whether a relay of (source, counter) is waiting. */
  has(source: number, counter: number): boolean {
    if (this.size_ === 0) return false;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RQ_U8_USED) === 1 && this.u16_(slot, RQ_U16_SOURCES) === source && this.counterAt(slot) === counter) return true;
    }
    return false;
  }

  /** Cancel the relay of (source, counter) outright. Ok or NotFound. */
  cancel(source: number, counter: number): Status {
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RQ_U8_USED) === 1 && this.u16_(slot, RQ_U16_SOURCES) === source && this.counterAt(slot) === counter) {
        this.release(slot);
        return ErrorCode.Ok;
      }
    }
    return ErrorCode.NotFound;
  }

  /** Earliest deadline, or +Infinity when empty. */
  nextDeadlineMs(): number {
    const first = this.earliest_();
    return first < 0 ? Number.POSITIVE_INFINITY : this.deadlineAt(first);
  }

  /** The slot of the earliest relay if due by `nowMs` (still queued), else -NotFound. */
  peekDue(nowMs: number): ValueOrCode {
    const first = this.earliest_();
    return first < 0 || this.deadlineAt(first) > nowMs ? -ErrorCode.NotFound : first;
  }

  /** The earliest due relay of class `trafficClass` by `nowMs`, else -NotFound. O(slots). */
  dueOfClass(nowMs: number, trafficClass: number): ValueOrCode {
    let best = -1;
    let bestDeadlineMs = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RQ_U8_USED) !== 1 || this.u8_(slot, RQ_U8_CLASSES) !== trafficClass) continue;
      const deadlineMs = this.deadlineAt(slot);
      if (deadlineMs <= nowMs && deadlineMs < bestDeadlineMs) {
        best = slot;
        bestDeadlineMs = deadlineMs;
      }
    }
    return best < 0 ? -ErrorCode.NotFound : best;
  }

  /** Remove a slot (sent, dropped or cancelled). */
  release(slot: number): void {
    if (this.u8_(slot, RQ_U8_USED) !== 1) return;
    this.pool_.release(this.handleAt_(slot));
    this.setU8_(slot, RQ_U8_USED, 0);
    this.size_--;
  }

  lengthAt(slot: number): number {
    return this.u16_(slot, RQ_U16_LENGTHS);
  }

  /** Frame-store blocks the frames hold, or -1 when the slots in use disagree with `size` or an entry is broken (invariant checks). */
  blocksHeld(): number {
    let used = 0;
    let blocks = 0;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RQ_U8_USED) !== 1) continue;
      used++;
      const held = this.pool_.entryBlocks(this.handleAt_(slot));
      if (held < 0) return -1;
      blocks += held;
    }
    return used === this.size_ ? blocks : -1;
  }
  classAt(slot: number): number {
    return this.u8_(slot, RQ_U8_CLASSES);
  }
  sourceAt(slot: number): number {
    return this.u16_(slot, RQ_U16_SOURCES);
  }
  counterAt(slot: number): number {
    return this.u32_(slot, RQ_U32_COUNTER);
  }

  deadlineAt(slot: number): number {
    return this.f64_(slot, RQ_F64_DEADLINE);
  }

  /** The used slot with the earliest deadline, the first scheduled among equals; -1 when none. */
  private earliest_(): number {
    let best = -1;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RQ_U8_USED) !== 1) continue;
      if (best < 0 || this.deadlineAt(slot) < this.deadlineAt(best) || (this.deadlineAt(slot) === this.deadlineAt(best) && this.sequenceAt_(slot) < this.sequenceAt_(best))) best = slot;
    }
    return best;
  }

  private sequenceAt_(slot: number): number {
    return this.f64_(slot, RQ_F64_SEQUENCE);
  }

  private handleAt_(slot: number): number {
    return this.i32_(slot, RQ_I32_HANDLE);
  }
}
