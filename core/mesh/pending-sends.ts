/**
 * Acknowledged sends in flight (README "Mesh transport"): acknowledgements and bounded
 * retransmissions for messages that ask for them.
 *
 * Each slot keeps a copy of the message (so it can be sent again), the
 * caller's message id (echoed in the outcome), the wire message id the
 * receiver acknowledges, the attempts made, the ack deadline, whether the
 * last attempt followed a learned route, and a bitmap of fragments the
 * receiver asked for again (NACK).
 *
 * The copies live in a frame pool (frame-pool.ts: the transport's shared
 * one, or one of slots x slotBytes of its own).
 *
 * Outcomes leave as a batch (docs/architecture.md "Rules": outputs are
 * drained by the caller, never called back): `finish` frees the copy and
 * keeps the slot, with its destination, caller id and status, until
 * `drainOutcomes`; outcome i is the i-th slot finished since the last
 * drain. A finished slot is not reused before the drain, so the batch
 * holds every outcome by construction (at most one per slot).
 *
 * Full policy (every slot busy or finished, or the pool cannot hold the
 * copy): refuse the new send (MeshPendingFull, counted by the transport).
 * Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { FRAGMENT_COUNT_MAX } from "./fragment-header";
import { FramePool, framePoolBlocks } from "./frame-pool";
import { arenaOr, type Arena } from "./arena";
import { SlotFields } from "./slot-fields";

// Per-slot fields at these byte offsets of one DataView over one ArrayBuffer
// (each typed array or view costs heap slots on XS before its data).
const F_USED = 0; // u8 each
const F_CLASS = 1;
const F_ATTEMPTS = 2;
const F_ROUTED = 3;
const F_DESTINATION = 4; // u16 each
const F_LENGTH = 6;
const F_MESSAGE_ID = 8;
const F_HANDLE = 10; // i32: the copy's entry in the pool
const F_CALLER_ID = 14; // f64 each
const F_DEADLINE_MS = 22;
const F_STATUS = 30; // u16: a finished slot's outcome
const F_FINISHED = 32; // u32: a finished slot's place in the outcome batch
const F_RESEND = 36; // WORDS u32 words: fragments to send again (bit i = fragment i)

const WORDS = (FRAGMENT_COUNT_MAX + 31) >>> 5;
const SLOT_BYTES = F_RESEND + WORDS * 4;
/** F_USED values. */
const SLOT_FREE = 0;
const SLOT_IN_USE = 1;
const SLOT_FINISHED = 2;
/** Deadline of a slot whose message is still queued or being sent. */
const NOT_ARMED = Number.POSITIVE_INFINITY;

export class PendingSends extends SlotFields {
  private readonly messageSlotBytes_: number;
  private readonly pool_: FramePool;
  private inUse_ = 0;
  /** Slots finished since the last drain (the outcome batch). */
  private finished_ = 0;

  /** Bytes of arena the slots take (arena.ts). */
  static bytesFor(slots: number): number {
    return slots * SLOT_BYTES;
  }

  /**
   * Messages up to `slotBytes`, kept in `pool` (default: a pool of its own that holds every slot's
   * largest message); the slots in `arena` from `base` (default: an arena of their own).
   */
  static create(slots: number, slotBytes: number, pool?: FramePool, arena?: Arena, base = 0): Result<PendingSends> {
    if ((slots | 0) !== slots || slots < 1 || slots > 256) return err(ErrorCode.InvalidArgument);
    if ((slotBytes | 0) !== slotBytes || slotBytes < 1 || slotBytes > 0xffff) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(PendingSends.bytesFor(slots), arena);
    const own = pool === undefined ? FramePool.create(slots * framePoolBlocks(slotBytes)) : ok(pool);
    if (!own.ok) return own;
    return ok(new PendingSends(slots, slotBytes, own.value, view, base));
  }

  private constructor(slots: number, slotBytes: number, pool: FramePool, view: Arena, base: number) {
    super(view, base, slots);
    this.messageSlotBytes_ = slotBytes;
    this.pool_ = pool;
    for (let i = 0; i < slots; i++) this.setF64_(i, F_DEADLINE_MS, NOT_ARMED);
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
  /** Largest message a slot keeps. */
  get slotBytes(): number {
    return this.messageSlotBytes_;
  }

  /** Copy `length` bytes of the message in `slot` from byte `at` into out[offset ..]. */
  read(slot: number, at: number, out: Uint8Array, offset: number, length: number): void {
    this.pool_.read(this.i32_(slot, F_HANDLE), at, out, offset, length);
  }

  /**
   * Keep a copy of bytes[offset .. offset + length). Returns the slot or
   * -MeshPendingFull. `_nowMs` is not kept: the message's queue record
   * carries its enqueued time (the transport's staleness check).
   */
  acquire(destination: number, trafficClass: number, bytes: Uint8Array, offset: number, length: number, callerId: number, messageId: number, _nowMs: number): ValueOrCode {
    if (length > this.messageSlotBytes_) return -ErrorCode.MeshMessageTooLarge;
    let slot = -1;
    for (let s = 0; s < this.slots_; s++) {
      if (this.u8_(s, F_USED) === SLOT_FREE) {
        slot = s;
        break;
      }
    }
    if (slot < 0) return -ErrorCode.MeshPendingFull;
    const handle = this.pool_.store(bytes, offset, length);
    if (handle < 0) return -ErrorCode.MeshPendingFull;
    this.setI32_(slot, F_HANDLE, handle);
    this.setU8_(slot, F_USED, SLOT_IN_USE);
    this.setU16_(slot, F_DESTINATION, destination);
    this.setU8_(slot, F_CLASS, trafficClass);
    this.setU16_(slot, F_LENGTH, length);
    this.setU16_(slot, F_MESSAGE_ID, messageId);
    this.setF64_(slot, F_CALLER_ID, callerId);
    this.setU8_(slot, F_ATTEMPTS, 0);
    this.setF64_(slot, F_DEADLINE_MS, NOT_ARMED);
    this.setU8_(slot, F_ROUTED, 0);
    for (let w = 0; w < WORDS; w++) this.setU32_(slot, F_RESEND + w * 4, 0);
    this.inUse_++;
    return slot;
  }

  /** The slot waiting for an ack of `messageId` from `destination`, or -NotFound. */
  find(destination: number, messageId: number): ValueOrCode {
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.isInUse(slot) && this.destinationAt(slot) === destination && this.messageIdAt(slot) === messageId) return slot;
    }
    return -ErrorCode.NotFound;
  }

  /** Free an in-use slot with no outcome (a send refused before it was accepted). */
  release(slot: number): void {
    if (!this.isInUse(slot)) return;
    this.pool_.release(this.i32_(slot, F_HANDLE));
    this.setU8_(slot, F_USED, SLOT_FREE);
    this.setF64_(slot, F_DEADLINE_MS, NOT_ARMED);
    this.inUse_--;
  }

  /**
   * The send in `slot` ended with `status` (Ok: acknowledged): free its
   * copy and keep the outcome in the batch until `drainOutcomes`. False
   * (nothing changed) for a slot not in use.
   */
  finish(slot: number, status: number): boolean {
    if (!this.isInUse(slot)) return false;
    this.pool_.release(this.i32_(slot, F_HANDLE));
    this.setU8_(slot, F_USED, SLOT_FINISHED);
    this.setF64_(slot, F_DEADLINE_MS, NOT_ARMED);
    this.setU16_(slot, F_STATUS, status);
    this.setU32_(slot, F_FINISHED, this.finished_);
    this.finished_++;
    return true;
  }

  /** Outcomes waiting to be drained. */
  get outcomeCount(): number {
    return this.finished_;
  }

  /** The slot of outcome `i` (0 = the first finished since the last drain), or -1. */
  outcomeSlot(i: number): number {
    if ((i >>> 0) !== i || i >= this.finished_) return -1;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, F_USED) === SLOT_FINISHED && this.u32_(slot, F_FINISHED) === i) return slot;
    }
    return -1;
  }

  /** A finished slot's status (what `finish` was given). */
  statusAt(slot: number): number {
    return this.u16_(slot, F_STATUS);
  }

  /** The caller has taken every outcome: their slots are free again. */
  drainOutcomes(): void {
    if (this.finished_ === 0) return;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.u8_(slot, F_USED) !== SLOT_FINISHED) continue;
      this.setU8_(slot, F_USED, SLOT_FREE);
      this.inUse_--;
    }
    this.finished_ = 0;
  }

  /** A send in flight (accepted, no outcome yet). */
  isInUse(slot: number): boolean {
    return (slot >>> 0) === slot && slot < this.slots_ && this.u8_(slot, F_USED) === SLOT_IN_USE;
  }

  /**
   * Cross-field invariants (the simulator checks them after every event):
   * `inUse` counts the slots in use or finished, and the finished slots
   * hold the batch places 0 .. outcomeCount - 1, each once. Ok or
   * InvariantViolated.
   */
  checkInvariants(): number {
    let held = 0;
    let finished = 0;
    for (let slot = 0; slot < this.slots_; slot++) {
      const used = this.u8_(slot, F_USED);
      if (used > SLOT_FINISHED) return ErrorCode.InvariantViolated;
      if (used === SLOT_FREE) continue;
      held++;
      if (used !== SLOT_FINISHED) continue;
      finished++;
      const place = this.u32_(slot, F_FINISHED);
      if (place >= this.finished_) return ErrorCode.InvariantViolated;
      for (let other = slot + 1; other < this.slots_; other++) {
        if (this.u8_(other, F_USED) === SLOT_FINISHED && this.u32_(other, F_FINISHED) === place) return ErrorCode.InvariantViolated;
      }
    }
    return held === this.inUse_ && finished === this.finished_ ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  /** The message (or a NACKed part of it) was sent: wait for the ack until `deadlineMs`. */
  arm(slot: number, deadlineMs: number, routed: boolean, countAttempt: boolean): void {
    if (countAttempt) this.setU8_(slot, F_ATTEMPTS, this.u8_(slot, F_ATTEMPTS) + 1);
    this.setF64_(slot, F_DEADLINE_MS, deadlineMs);
    this.setU8_(slot, F_ROUTED, routed ? 1 : 0);
  }

  /** The ack deadline of `slot` (+Infinity while queued or being sent). */
  deadlineAt(slot: number): number {
    return this.f64_(slot, F_DEADLINE_MS);
  }

  /** Move the ack deadline of an armed slot (no attempt counted); false when it is not armed. */
  rearm(slot: number, deadlineMs: number): boolean {
    if (!this.isInUse(slot) || this.deadlineAt(slot) === NOT_ARMED) return false;
    this.setF64_(slot, F_DEADLINE_MS, deadlineMs);
    return true;
  }

  /** Back in the queue for another attempt (no deadline while queued). */
  disarm(slot: number): void {
    this.setF64_(slot, F_DEADLINE_MS, NOT_ARMED);
  }

  /** Earliest armed ack deadline, or +Infinity. */
  nextDeadlineMs(): number {
    let first = NOT_ARMED;
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.isInUse(slot) && this.deadlineAt(slot) < first) first = this.deadlineAt(slot);
    }
    return first;
  }

  /** A slot whose ack deadline passed by `nowMs`, or -NotFound. */
  expired(nowMs: number): ValueOrCode {
    for (let slot = 0; slot < this.slots_; slot++) {
      if (this.isInUse(slot) && this.deadlineAt(slot) <= nowMs) return slot;
    }
    return -ErrorCode.NotFound;
  }

  /** Mark fragments for resending from a NACK bitmap (bit i = fragment i missing). Returns how many. */
  markResend(slot: number, bitmap: Uint8Array, at: number, count: number): number {
    let marked = 0;
    for (let index = 0; index < count && index < FRAGMENT_COUNT_MAX; index++) {
      if ((((bitmap[at + (index >>> 3)] ?? 0) >>> (index & 7)) & 1) === 0) continue;
      const word = F_RESEND + (index >>> 5) * 4;
      this.setU32_(slot, word, (this.u32_(slot, word) | (1 << (index & 31))) >>> 0);
      marked++;
    }
    return marked;
  }

  /** The lowest fragment index marked for resending, or -1; clears it. */
  takeResend(slot: number): number {
    for (let w = 0; w < WORDS; w++) {
      const word = this.u32_(slot, F_RESEND + w * 4);
      if (word === 0) continue;
      const bit = 31 - Math.clz32(word & -word);
      this.setU32_(slot, F_RESEND + w * 4, (word & ~(1 << bit)) >>> 0);
      return w * 32 + bit;
    }
    return -1;
  }

  /** True when some fragment of `slot` is marked for resending. */
  hasResend(slot: number): boolean {
    for (let w = 0; w < WORDS; w++) if (this.u32_(slot, F_RESEND + w * 4) !== 0) return true;
    return false;
  }

  destinationAt(slot: number): number {
    return this.u16_(slot, F_DESTINATION);
  }
  classAt(slot: number): number {
    return this.u8_(slot, F_CLASS);
  }
  lengthAt(slot: number): number {
    return this.u16_(slot, F_LENGTH);
  }
  messageIdAt(slot: number): number {
    return this.u16_(slot, F_MESSAGE_ID);
  }
  callerIdAt(slot: number): number {
    return this.f64_(slot, F_CALLER_ID);
  }
  attemptsAt(slot: number): number {
    return this.u8_(slot, F_ATTEMPTS);
  }
  routedAt(slot: number): boolean {
    return this.u8_(slot, F_ROUTED) === 1;
  }
}
