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
 * Allocation: typed arrays at `create`; `check` and `commit` allocate nothing.
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

export class ReplayTable {
  readonly #slotOf: SlotIndex; // sender id -> slot
  /** Per slot: epoch at 2 * slot, highest accepted counter at 2 * slot + 1 (-1 = nothing accepted in this epoch yet). One array: each typed array costs heap slots on XS. */
  readonly #marks: Float64Array;
  readonly #bitmaps: Uint32Array; // wordsPerWindow words per slot
  readonly #windowBits: number;
  readonly #words: number;
  #used = 0;
  #accepted = 0;
  #duplicates = 0;
  #tooOld = 0;
  #wrongEpoch = 0;
  #tableFull = 0;

  static create(options: ReplayTableOptions): Result<ReplayTable> {
    const { capacity, windowBits } = options;
    if ((windowBits | 0) !== windowBits || windowBits % 32 !== 0) return err(ErrorCode.InvalidArgument);
    if (windowBits < REPLAY_WINDOW_BITS_MIN || windowBits > REPLAY_WINDOW_BITS_MAX) return err(ErrorCode.InvalidArgument);
    const map = SlotIndex.create(capacity);
    if (!map.ok) return map;
    return ok(new ReplayTable(map.value, capacity, windowBits));
  }

  private constructor(map: SlotIndex, capacity: number, windowBits: number) {
    this.#slotOf = map;
    this.#windowBits = windowBits;
    this.#words = windowBits / 32;
    this.#marks = new Float64Array(2 * capacity);
    for (let slot = 0; slot < capacity; slot++) this.#marks[2 * slot + 1] = -1;
    this.#bitmaps = new Uint32Array(capacity * this.#words);
  }

  get windowBits(): number {
    return this.#windowBits;
  }

  get size(): number {
    return this.#used;
  }

  get acceptedCount(): number {
    return this.#accepted;
  }

  get duplicateCount(): number {
    return this.#duplicates;
  }

  get tooOldCount(): number {
    return this.#tooOld;
  }

  get wrongEpochCount(): number {
    return this.#wrongEpoch;
  }

  get tableFullCount(): number {
    return this.#tableFull;
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
    let slot = this.#slotOf.get(senderId, NO_SLOT);
    if (slot === NO_SLOT) {
      slot = this.#used;
      if (this.#slotOf.set(senderId, slot) !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
      this.#used++;
      this.restart(slot, epoch);
    } else if (epoch !== this.#marks[2 * slot]) {
      this.restart(slot, epoch);
    }
    this.advance(slot, counter);
    this.#accepted++;
    return ErrorCode.Ok;
  }

  /** The highest counter accepted from `senderId` in its current epoch, or -1. */
  highest(senderId: number): number {
    const slot = this.#slotOf.get(senderId, NO_SLOT);
    return slot === NO_SLOT ? -1 : (this.#marks[2 * slot + 1] ?? -1);
  }

  /** The key epoch `senderId` is on, or -1 when unknown. */
  epochOf(senderId: number): number {
    const slot = this.#slotOf.get(senderId, NO_SLOT);
    return slot === NO_SLOT ? -1 : (this.#marks[2 * slot] ?? -1);
  }

  private decide(senderId: number, epoch: number, counter: number): Status {
    if ((senderId >>> 0) !== senderId || (epoch >>> 0) !== epoch) return ErrorCode.InvalidArgument;
    if (!Number.isInteger(counter) || counter < 0 || counter > COUNTER_MAX) return ErrorCode.InvalidArgument;
    const slot = this.#slotOf.get(senderId, NO_SLOT);
    if (slot === NO_SLOT) return this.#used >= this.#marks.length / 2 ? ErrorCode.ReplayTableFull : ErrorCode.Ok;
    const current = this.#marks[2 * slot] ?? 0;
    if (epoch < current) return ErrorCode.ReplayWrongEpoch;
    if (epoch > current) return ErrorCode.Ok;
    const highest = this.#marks[2 * slot + 1] ?? -1;
    if (counter > highest) return ErrorCode.Ok;
    if (counter + this.#windowBits <= highest) return ErrorCode.ReplayTooOld;
    return this.bit(slot, counter) ? ErrorCode.ReplayDuplicate : ErrorCode.Ok;
  }

  private count(verdict: Status): void {
    if (verdict === ErrorCode.ReplayDuplicate) this.#duplicates++;
    else if (verdict === ErrorCode.ReplayTooOld) this.#tooOld++;
    else if (verdict === ErrorCode.ReplayWrongEpoch) this.#wrongEpoch++;
    else if (verdict === ErrorCode.ReplayTableFull) this.#tableFull++;
  }

  private restart(slot: number, epoch: number): void {
    this.#marks[2 * slot] = epoch;
    this.#marks[2 * slot + 1] = -1;
    const base = slot * this.#words;
    this.#bitmaps.fill(0, base, base + this.#words);
  }

  private bit(slot: number, counter: number): boolean {
    const index = counter % this.#windowBits;
    const word = this.#bitmaps[slot * this.#words + (index >>> 5)] ?? 0;
    return ((word >>> (index & 31)) & 1) === 1;
  }

  /** Mark `counter` (known acceptable); slide the window first if it is new highest. */
  private advance(slot: number, counter: number): void {
    const words = this.#words;
    const base = slot * words;
    const highest = this.#marks[2 * slot + 1] ?? -1;
    if (counter > highest) {
      const gap = counter - highest;
      if (gap >= this.#windowBits) {
        this.#bitmaps.fill(0, base, base + words);
      } else {
        // Clear the bits of counters highest+1 .. counter-1 (skipped, not yet seen); bounded by windowBits.
        for (let c = highest + 1; c < counter; c++) this.clear(base, c);
      }
      this.#marks[2 * slot + 1] = counter;
    }
    const index = counter % this.#windowBits;
    const at = base + (index >>> 5);
    this.#bitmaps[at] = ((this.#bitmaps[at] ?? 0) | (1 << (index & 31))) >>> 0;
  }

  private clear(base: number, counter: number): void {
    const index = counter % this.#windowBits;
    const at = base + (index >>> 5);
    this.#bitmaps[at] = ((this.#bitmaps[at] ?? 0) & ~(1 << (index & 31))) >>> 0;
  }
}
