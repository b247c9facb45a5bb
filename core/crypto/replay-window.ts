/**
 * Per-sender anti-replay windows (RFC 4303 §3.4.3, bitmap layout of
 * RFC 6479) in a fixed-capacity table.
 *
 * For each sender: the key epoch it is on, the highest counter accepted in
 * that epoch, and a ring bitmap of `windowBits` (>= 64, a multiple of 32)
 * counters below and including it. Counter c sits at bit c mod windowBits,
 * so advancing the window clears at most windowBits bits and never shifts.
 *
 * Two steps, so forged frames cannot move the window (RFC 4303 §3.4.3: "the
 * receive window is updated only if the integrity verification succeeds"):
 *   `check`  before decryption: would this (sender, epoch, counter) be
 *            accepted? No state changes.
 *   `commit` after the AEAD tag verified: record it.
 *
 * Decisions, each with its own counter:
 *   counter above the highest        -> accept (window slides)
 *   inside the window, bit clear      -> accept (reordered)
 *   inside the window, bit set        -> ReplayDuplicate
 *   at or below highest - windowBits  -> ReplayTooOld
 *   epoch below the sender's epoch    -> ReplayWrongEpoch
 *   epoch above the sender's epoch    -> accept; the window restarts (new key)
 *   unknown sender, table full        -> ReplayTableFull (nothing is evicted:
 *                                        forgetting a sender would let its old
 *                                        frames replay)
 *
 * Allocation: one ArrayBuffer at `create` (marks, bitmaps and the sender
 * index, each typed array and ArrayBuffer costing heap slots on XS);
 * `check` and `commit` allocate nothing.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { SlotIndex } from "../collections/slot-index";

export interface ReplayTableOptions {
  /** Senders tracked at once. */
  readonly capacity: number;
  /** Window width in counters: a multiple of 32, 64..4096. */
  readonly windowBits: number;
}

export const REPLAY_WINDOW_BITS_MIN = 64;
export const REPLAY_WINDOW_BITS_MAX = 4096;
const COUNTER_MAX = 0xffff_ffff;
const NO_SLOT = -1;
/** The table's own numbers, ahead of the per-slot marks in `marks_`: senders in use, then the decision counters. */
const C_USED = 0;
const C_ACCEPTED = 1;
const C_DUPLICATES = 2;
const C_TOO_OLD = 3;
const C_WRONG_EPOCH = 4;
const C_TABLE_FULL = 5;
/**
 * marks_[M + 2 * slot] is a slot's epoch, marks_[M + 2 * slot + 1] its
 * highest accepted counter: 0 with an empty bitmap means nothing accepted
 * yet, which decides every counter exactly as "highest = -1" would (a
 * counter equal to the highest with its bit clear is accepted), so a u32
 * holds it.
 */
const M = 6;

export class ReplayTable {
  private readonly slotOf_: SlotIndex; // sender id -> slot
  /**
   * The counters (C_*, 32-bit, counting modulo 2^32), then per slot: epoch
   * at M + 2 * slot, highest accepted counter at M + 2 * slot + 1 (see M).
   * One array of u32 (8 bytes a sender, not 16): each typed array, and each
   * field, costs heap slots on XS.
   */
  private readonly marks_: Uint32Array;
  /** windowBits / 32 words per slot, after the marks in the same ArrayBuffer. */
  private readonly bitmaps_: Uint32Array;
  private readonly windowBits_: number;

  static create(options: ReplayTableOptions): Result<ReplayTable> {
    const { capacity, windowBits } = options;
    if ((windowBits | 0) !== windowBits || windowBits % 32 !== 0) return err(ErrorCode.InvalidArgument);
    if (windowBits < REPLAY_WINDOW_BITS_MIN || windowBits > REPLAY_WINDOW_BITS_MAX) return err(ErrorCode.InvalidArgument);
    const indexBytes = SlotIndex.bytesFor(capacity);
    if (indexBytes < 0) return err(ErrorCode.InvalidArgument);
    // One backing store: marks (float64), bitmaps (uint32), then the sender index (4-byte aligned).
    const marksBytes = (M + 2 * capacity) * 4;
    const bitmapBytes = capacity * (windowBits / 32) * 4;
    const buffer = new ArrayBuffer(marksBytes + bitmapBytes + indexBytes);
    const map = SlotIndex.create(capacity, buffer, marksBytes + bitmapBytes);
    if (!map.ok) return map;
    return ok(new ReplayTable(map.value, buffer, capacity, windowBits));
  }

  private constructor(map: SlotIndex, buffer: ArrayBuffer, capacity: number, windowBits: number) {
    this.slotOf_ = map;
    this.windowBits_ = windowBits;
    this.marks_ = new Uint32Array(buffer, 0, M + 2 * capacity);
    this.bitmaps_ = new Uint32Array(buffer, (M + 2 * capacity) * 4, capacity * (windowBits / 32));
  }

  get windowBits(): number {
    return this.windowBits_;
  }

  get size(): number {
    return this.marks_[C_USED] ?? 0;
  }

  get acceptedCount(): number {
    return this.marks_[C_ACCEPTED] ?? 0;
  }

  get duplicateCount(): number {
    return this.marks_[C_DUPLICATES] ?? 0;
  }

  get tooOldCount(): number {
    return this.marks_[C_TOO_OLD] ?? 0;
  }

  get wrongEpochCount(): number {
    return this.marks_[C_WRONG_EPOCH] ?? 0;
  }

  get tableFullCount(): number {
    return this.marks_[C_TABLE_FULL] ?? 0;
  }

  /** Would this frame be accepted? Counts each refusal; changes no window. */
  check(senderId: number, epoch: number, counter: number): Status {
    const verdict = this.decide(senderId, epoch, counter);
    this.count(verdict);
    return verdict;
  }

  /**
   * Record an authenticated frame. Returns Ok (and counts it accepted), or
   * the same refusal `check` gives (nothing changes) when it is not acceptable.
   */
  commit(senderId: number, epoch: number, counter: number): Status {
    const verdict = this.decide(senderId, epoch, counter);
    if (verdict !== ErrorCode.Ok) {
      this.count(verdict);
      return verdict;
    }
    let slot = this.slotOf_.get(senderId, NO_SLOT);
    if (slot === NO_SLOT) {
      slot = this.marks_[C_USED] ?? 0;
      if (this.slotOf_.set(senderId, slot) !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
      this.marks_[C_USED] = slot + 1;
      this.restart(slot, epoch);
    } else if (epoch !== this.marks_[M + 2 * slot]) {
      this.restart(slot, epoch);
    }
    this.advance(slot, counter);
    this.marks_[C_ACCEPTED] = (this.marks_[C_ACCEPTED] ?? 0) + 1;
    return ErrorCode.Ok;
  }

  /**
   * Start `senderId`'s window in `epoch` at a durable floor (after a reboot,
   * core/storage/receive-ceilings.ts): every counter at or below `floor` is
   * refused from now on (the whole window marked as seen), the next one
   * above it accepted. Only for a sender with no window yet (a fresh
   * table): InvalidArgument for bad numbers, WrongState when the sender
   * has a window, ReplayTableFull (counted) when there is no slot.
   */
  seed(senderId: number, epoch: number, floor: number): Status {
    if ((senderId >>> 0) !== senderId || (epoch >>> 0) !== epoch) return ErrorCode.InvalidArgument;
    if (!Number.isInteger(floor) || floor < 0 || floor > COUNTER_MAX) return ErrorCode.InvalidArgument;
    if (this.slotOf_.get(senderId, NO_SLOT) !== NO_SLOT) return ErrorCode.WrongState;
    const slot = this.marks_[C_USED] ?? 0;
    if (slot >= (this.marks_.length - M) / 2) {
      this.count(ErrorCode.ReplayTableFull);
      return ErrorCode.ReplayTableFull;
    }
    if (this.slotOf_.set(senderId, slot) !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
    this.marks_[C_USED] = slot + 1;
    this.marks_[M + 2 * slot] = epoch;
    this.marks_[M + 2 * slot + 1] = floor;
    const words = this.windowBits_ >>> 5;
    this.bitmaps_.fill(0xffff_ffff, slot * words, slot * words + words);
    return ErrorCode.Ok;
  }

  /** The highest counter accepted from `senderId` in its current epoch, or -1. */
  highest(senderId: number): number {
    const slot = this.slotOf_.get(senderId, NO_SLOT);
    if (slot === NO_SLOT) return -1;
    const highest = this.marks_[M + 2 * slot + 1] ?? 0;
    return highest === 0 && !this.bit(slot, 0) ? -1 : highest;
  }

  /** The key epoch `senderId` is on, or -1 when unknown. */
  epochOf(senderId: number): number {
    const slot = this.slotOf_.get(senderId, NO_SLOT);
    return slot === NO_SLOT ? -1 : (this.marks_[M + 2 * slot] ?? -1);
  }

  private decide(senderId: number, epoch: number, counter: number): Status {
    if ((senderId >>> 0) !== senderId || (epoch >>> 0) !== epoch) return ErrorCode.InvalidArgument;
    if (!Number.isInteger(counter) || counter < 0 || counter > COUNTER_MAX) return ErrorCode.InvalidArgument;
    const slot = this.slotOf_.get(senderId, NO_SLOT);
    if (slot === NO_SLOT) return (this.marks_[C_USED] ?? 0) >= (this.marks_.length - M) / 2 ? ErrorCode.ReplayTableFull : ErrorCode.Ok;
    const current = this.marks_[M + 2 * slot] ?? 0;
    if (epoch < current) return ErrorCode.ReplayWrongEpoch;
    if (epoch > current) return ErrorCode.Ok;
    const highest = this.marks_[M + 2 * slot + 1] ?? 0;
    if (counter > highest) return ErrorCode.Ok;
    if (counter + this.windowBits_ <= highest) return ErrorCode.ReplayTooOld;
    return this.bit(slot, counter) ? ErrorCode.ReplayDuplicate : ErrorCode.Ok;
  }

  private count(verdict: Status): void {
    const at =
      verdict === ErrorCode.ReplayDuplicate ? C_DUPLICATES
      : verdict === ErrorCode.ReplayTooOld ? C_TOO_OLD
      : verdict === ErrorCode.ReplayWrongEpoch ? C_WRONG_EPOCH
      : verdict === ErrorCode.ReplayTableFull ? C_TABLE_FULL
      : -1;
    if (at >= 0) this.marks_[at] = (this.marks_[at] ?? 0) + 1;
  }

  private restart(slot: number, epoch: number): void {
    this.marks_[M + 2 * slot] = epoch;
    this.marks_[M + 2 * slot + 1] = 0;
    const words = this.windowBits_ >>> 5;
    const base = slot * words;
    this.bitmaps_.fill(0, base, base + words);
  }

  private bit(slot: number, counter: number): boolean {
    const index = counter % this.windowBits_;
    const word = this.bitmaps_[slot * (this.windowBits_ >>> 5) + (index >>> 5)] ?? 0;
    return ((word >>> (index & 31)) & 1) === 1;
  }

  /** Mark `counter` (known acceptable); slide the window first if it is new highest. */
  private advance(slot: number, counter: number): void {
    const words = this.windowBits_ >>> 5;
    const base = slot * words;
    const highest = this.marks_[M + 2 * slot + 1] ?? 0;
    if (counter > highest) {
      const gap = counter - highest;
      if (gap >= this.windowBits_) {
        this.bitmaps_.fill(0, base, base + words);
      } else {
        // Clear the bits of counters highest+1 .. counter-1 (skipped, not yet seen); bounded by windowBits.
        for (let c = highest + 1; c < counter; c++) this.clear(base, c);
      }
      this.marks_[M + 2 * slot + 1] = counter;
    }
    const index = counter % this.windowBits_;
    const at = base + (index >>> 5);
    this.bitmaps_[at] = ((this.bitmaps_[at] ?? 0) | (1 << (index & 31))) >>> 0;
  }

  private clear(base: number, counter: number): void {
    const index = counter % this.windowBits_;
    const at = base + (index >>> 5);
    this.bitmaps_[at] = ((this.bitmaps_[at] ?? 0) & ~(1 << (index & 31))) >>> 0;
  }
}
