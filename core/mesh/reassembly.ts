/**
 * Reassembly of fragmented messages into fixed slots (README "Mesh transport").
 *
 * `slots` slots for messages of up to `slotBytes`, their bytes in a frame
 * pool (frame-pool.ts: the transport's shared one, or one of slots x
 * slotBytes of its own). A message is (source, message id); its first
 * fragment takes a slot and room for the whole message in the pool, later
 * ones fill it at the offset their index implies (fragment-header.ts), a
 * bitmap records which arrived, and the message is complete when all have.
 *
 * Limits, each refusal with its own code and counter:
 *  - a sender holds at most `perSenderMax` slots (MeshReassemblySenderCap),
 *    so one sender flooding distinct message ids cannot starve the others;
 *  - when every slot is busy (or the pool cannot hold the message) a slot
 *    whose message timed out is reclaimed, otherwise the newcomer is
 *    refused (MeshReassemblyFull): in-progress messages are never evicted
 *    for new ones;
 *  - a message longer than `slotBytes` is refused (MeshMessageTooLarge);
 *  - a fragment that disagrees with its message's first fragment (count,
 *    length, acknowledgement flag) is refused (MeshFragmentInvalid);
 *  - a message not complete `timeoutMs` after its first fragment is dropped
 *    by `expire` (MeshReassemblyTimeout).
 *
 * Memory is the pool's plus small per-slot tables, whatever arrives.
 * Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { popcount32 } from "../collections/bit-set";
import type { ValueOrCode } from "../collections/value-or-code";
import { FRAGMENT_COUNT_MAX, fragmentChunkBytes, fragmentOffset, type FragmentHeader } from "./fragment-header";
import { FramePool, framePoolBlocks } from "./frame-pool";
import { arenaOr, type Arena } from "./arena";
import { SlotFields } from "./slot-fields";

// Per-slot fields at these byte offsets of one DataView over one ArrayBuffer
// (each typed array or view costs heap slots on XS before its data).
const RS_U8_USED = 0; // u8 each
const RS_U8_COUNTS = 1;
const RS_U8_RECEIVED = 2;
const RS_U8_ACK_REQUESTED = 3;
const RS_U8_TRAFFIC_CLASS = 4;
const RS_U8_NACKS_SENT = 5;
const RS_U16_SOURCES = 6; // u16 each
const RS_U16_MESSAGE_IDS = 8;
const RS_U16_TOTAL_BYTES = 10;
const RS_F64_STARTED_MS = 12; // f64 each
const RS_F64_LAST_FRAGMENT_MS = 20;
const RS_I32_HANDLE = 28; // i32: the message's entry in the pool
const RS_BITMAP = 32; // WORDS_PER_SLOT u32 words: fragments received (bit i = fragment i)

export interface ReassemblyOptions {
  readonly slots: number;
  /** Largest message, bytes. */
  readonly slotBytes: number;
  readonly perSenderMax: number;
  readonly timeoutMs: number;
}

const WORDS_PER_SLOT = (FRAGMENT_COUNT_MAX + 31) >>> 5;
const SLOT_BYTES = RS_BITMAP + WORDS_PER_SLOT * 4;

/** What `accept` did with a fragment (values >= 0; failures are negated codes). */
export const FragmentResult = Object.freeze({ Stored: 0, Complete: 1, Duplicate: 2 } as const);

export class ReassemblyTable extends SlotFields {
  private readonly messageSlotBytes_: number;
  private readonly perSenderMax_: number;
  private readonly timeoutMs_: number;
  private readonly pool_: FramePool;
  private inUse_ = 0;
  private timedOut_ = 0;
  /** Slot of the message the last `accept` completed (valid after Complete). */
  completedSlot = -1;

  /** Bytes of arena the slots take (arena.ts). */
  static bytesFor(slots: number): number {
    return slots * SLOT_BYTES;
  }

  /**
   * Messages kept in `pool` (default: a pool of its own that holds every slot's largest message);
   * the slots in `arena` from `base` (default: an arena of their own).
   */
  static create(options: ReassemblyOptions, pool?: FramePool, arena?: Arena, base = 0): Result<ReassemblyTable> {
    const { slots, slotBytes, perSenderMax, timeoutMs } = options;
    if ((slots | 0) !== slots || slots < 1 || slots > 1024) return err(ErrorCode.InvalidArgument);
    if ((slotBytes | 0) !== slotBytes || slotBytes < 1 || slotBytes > 0xffff) return err(ErrorCode.InvalidArgument);
    if ((perSenderMax | 0) !== perSenderMax || perSenderMax < 1 || perSenderMax > slots) return err(ErrorCode.InvalidArgument);
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(ReassemblyTable.bytesFor(slots), arena);
    const own = pool === undefined ? FramePool.create(slots * framePoolBlocks(slotBytes)) : ok(pool);
    if (!own.ok) return own;
    return ok(new ReassemblyTable(options, own.value, view, base));
  }

  private constructor(options: ReassemblyOptions, pool: FramePool, view: Arena, base: number) {
    super(view, base, options.slots);
    this.messageSlotBytes_ = options.slotBytes;
    this.perSenderMax_ = options.perSenderMax;
    this.timeoutMs_ = options.timeoutMs;
    this.pool_ = pool;
  }

  protected slotBytes_(): number {
    return SLOT_BYTES;
  }

  get slotCount(): number {
    return this.slots_;
  }
  get inUse(): number {
    return this.inUse_;
  }
  get timedOutCount(): number {
    return this.timedOut_;
  }
  get slotBytes(): number {
    return this.messageSlotBytes_;
  }

  /** Copy `length` bytes of the message in `slot` from byte `at` into out[offset ..]. */
  read(slot: number, at: number, out: Uint8Array, offset: number, length: number): void {
    this.pool_.read(this.handleAt_(slot), at, out, offset, length);
  }

  /**
   * Store one fragment (its header parsed into `f`, its chunk at
   * chunk[chunkOffset ..]). Returns a FragmentResult, or a negated code:
   * MeshReassemblySenderCap, MeshReassemblyFull, MeshMessageTooLarge,
   * MeshFragmentInvalid.
   */
  accept(source: number, trafficClass: number, f: FragmentHeader, chunk: Uint8Array, chunkOffset: number, nowMs: number): ValueOrCode {
    let slot = this.find(source, f.messageId);
    if (slot < 0) {
      if (f.totalBytes > this.messageSlotBytes_) return -ErrorCode.MeshMessageTooLarge;
      slot = this.claim_(source, nowMs);
      if (slot < 0) return slot;
      const handle = this.pool_.allocate(f.totalBytes);
      if (handle < 0) return -ErrorCode.MeshReassemblyFull;
      this.setI32_(slot, RS_I32_HANDLE, handle);
      this.setU8_(slot, RS_U8_USED, 1);
      this.setU16_(slot, RS_U16_SOURCES, source);
      this.setU16_(slot, RS_U16_MESSAGE_IDS, f.messageId);
      this.setU8_(slot, RS_U8_COUNTS, f.count);
      this.setU8_(slot, RS_U8_RECEIVED, 0);
      this.setU16_(slot, RS_U16_TOTAL_BYTES, f.totalBytes);
      this.setU8_(slot, RS_U8_ACK_REQUESTED, f.ackRequested ? 1 : 0);
      this.setU8_(slot, RS_U8_TRAFFIC_CLASS, trafficClass);
      this.setF64_(slot, RS_F64_STARTED_MS, nowMs);
      this.setU8_(slot, RS_U8_NACKS_SENT, 0);
      for (let w = 0; w < WORDS_PER_SLOT; w++) this.setU32_(slot, RS_BITMAP + w * 4, 0);
      this.inUse_++;
    } else if (
      this.u8_(slot, RS_U8_COUNTS) !== f.count ||
      this.u16_(slot, RS_U16_TOTAL_BYTES) !== f.totalBytes ||
      (this.u8_(slot, RS_U8_ACK_REQUESTED) === 1) !== f.ackRequested
    ) {
      return -ErrorCode.MeshFragmentInvalid;
    }
    this.setF64_(slot, RS_F64_LAST_FRAGMENT_MS, nowMs);
    const word = RS_BITMAP + (f.index >>> 5) * 4;
    const bit = (1 << (f.index & 31)) >>> 0;
    const bits = this.u32_(slot, word);
    if ((bits & bit) !== 0) return FragmentResult.Duplicate;
    this.setU32_(slot, word, (bits | bit) >>> 0);
    this.pool_.write(this.handleAt_(slot), fragmentOffset(f.totalBytes, f.count, f.index), chunk, chunkOffset, fragmentChunkBytes(f.totalBytes, f.count, f.index));
    const received = this.u8_(slot, RS_U8_RECEIVED) + 1;
    this.setU8_(slot, RS_U8_RECEIVED, received);
    if (received < f.count) return FragmentResult.Stored;
    this.completedSlot = slot;
    return FragmentResult.Complete;
  }

  /** The slot of (source, messageId) in progress, or -NotFound. O(slots). */
  find(source: number, messageId: number): ValueOrCode {
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RS_U8_USED) === 1 && this.u16_(slot, RS_U16_SOURCES) === source && this.u16_(slot, RS_U16_MESSAGE_IDS) === messageId) return slot;
    }
    return -ErrorCode.NotFound;
  }

  /** Free a slot (message delivered or abandoned). */
  release(slot: number): void {
    if (this.u8_(slot, RS_U8_USED) !== 1) return;
    this.pool_.release(this.handleAt_(slot));
    this.setU8_(slot, RS_U8_USED, 0);
    this.inUse_--;
  }

  /** Drop every message older than the timeout. Returns how many were dropped. */
  expire(nowMs: number): number {
    let dropped = 0;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RS_U8_USED) === 1 && this.isExpired_(slot, nowMs)) {
        this.release(slot);
        dropped++;
      }
    }
    this.timedOut_ += dropped;
    return dropped;
  }

  /** Earliest time a slot in use times out, or -1. */
  nextExpiryMs(): number {
    let firstMs = -1;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RS_U8_USED) !== 1) continue;
      const atMs = this.f64_(slot, RS_F64_STARTED_MS) + this.timeoutMs_ + 1;
      if (firstMs < 0 || atMs < firstMs) firstMs = atMs;
    }
    return firstMs;
  }

  isInUse(slot: number): boolean {
    return this.u8_(slot, RS_U8_USED) === 1;
  }
  sourceAt(slot: number): number {
    return this.u16_(slot, RS_U16_SOURCES);
  }
  messageIdAt(slot: number): number {
    return this.u16_(slot, RS_U16_MESSAGE_IDS);
  }
  totalBytesAt(slot: number): number {
    return this.u16_(slot, RS_U16_TOTAL_BYTES);
  }
  countAt(slot: number): number {
    return this.u8_(slot, RS_U8_COUNTS);
  }
  receivedAt(slot: number): number {
    return this.u8_(slot, RS_U8_RECEIVED);
  }
  ackRequestedAt(slot: number): boolean {
    return this.u8_(slot, RS_U8_ACK_REQUESTED) === 1;
  }
  trafficClassAt(slot: number): number {
    return this.u8_(slot, RS_U8_TRAFFIC_CLASS);
  }
  lastFragmentMsAt(slot: number): number {
    return this.f64_(slot, RS_F64_LAST_FRAGMENT_MS);
  }
  nacksSentAt(slot: number): number {
    return this.u8_(slot, RS_U8_NACKS_SENT);
  }
  noteNackSent(slot: number, nowMs: number): void {
    this.setU8_(slot, RS_U8_NACKS_SENT, this.u8_(slot, RS_U8_NACKS_SENT) + 1);
    this.setF64_(slot, RS_F64_LAST_FRAGMENT_MS, nowMs);
  }

  /**
   * Write the bitmap of MISSING fragments of `slot` (bit i of byte i/8 set =
   * fragment i not received) into out[at ..]; returns its length in bytes.
   */
  writeMissing(slot: number, out: Uint8Array, at: number): number {
    const count = this.u8_(slot, RS_U8_COUNTS);
    const bytes = (count + 7) >>> 3;
    for (let i = 0; i < bytes; i++) out[at + i] = 0;
    for (let index = 0; index < count; index++) {
      const word = this.u32_(slot, RS_BITMAP + (index >>> 5) * 4);
      if (((word >>> (index & 31)) & 1) === 0) out[at + (index >>> 3)] = (out[at + (index >>> 3)] ?? 0) | (1 << (index & 7));
    }
    return bytes;
  }

  /** Slots held by `source` (for tests and the sender cap). */
  heldBy(source: number): number {
    let held = 0;
    for (let slot = 0; slot < this.slots_; slot++) if (this.u8_(slot, RS_U8_USED) === 1 && this.u16_(slot, RS_U16_SOURCES) === source) held++;
    return held;
  }

  /** `Ok`, or InvariantViolated: counts agree with the bitmaps and the in-use count. For tests. */
  checkInvariants(): number {
    let used = 0;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RS_U8_USED) !== 1) continue;
      used++;
      let bits = 0;
      for (let w = 0; w < WORDS_PER_SLOT; w++) bits += popcount32(this.u32_(slot, RS_BITMAP + w * 4));
      if (bits !== this.u8_(slot, RS_U8_RECEIVED) || bits > this.u8_(slot, RS_U8_COUNTS)) return ErrorCode.InvariantViolated;
    }
    return used === this.inUse_ ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  /** Frame-store blocks the messages being reassembled hold, or -1 when an entry is broken (invariant checks; checkInvariants checks the count). */
  blocksHeld(): number {
    let blocks = 0;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RS_U8_USED) !== 1) continue;
      const held = this.pool_.entryBlocks(this.handleAt_(slot));
      if (held < 0) return -1;
      blocks += held;
    }
    return blocks;
  }

  private handleAt_(slot: number): number {
    return this.i32_(slot, RS_I32_HANDLE);
  }

  private isExpired_(slot: number, nowMs: number): boolean {
    return nowMs - this.f64_(slot, RS_F64_STARTED_MS) > this.timeoutMs_;
  }

  /** A slot for a new message from `source`, or a negated refusal code. Timed-out slots are freed on the way. */
  private claim_(source: number, nowMs: number): ValueOrCode {
    let held = 0;
    let free = -1;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, RS_U8_USED) === 1 && this.isExpired_(slot, nowMs)) {
        this.release(slot);
        this.timedOut_++;
      }
      if (this.u8_(slot, RS_U8_USED) !== 1) {
        if (free < 0) free = slot;
      } else if (this.u16_(slot, RS_U16_SOURCES) === source) {
        held++;
      }
    }
    if (held >= this.perSenderMax_) return -ErrorCode.MeshReassemblySenderCap;
    return free >= 0 ? free : -ErrorCode.MeshReassemblyFull;
  }
}
