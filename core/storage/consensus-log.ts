/**
 * The consensus-log half of the store: Raft entries (index, term, bytes)
 * with append, suffix truncation (Raft §5.3: delete a conflicting entry and
 * all that follow) and prefix compaction (Raft §7: entries up to a snapshot
 * point are discarded; the point's index and term are kept).
 *
 * `ConsensusLogStore` is what consensus depends on. `LogTable` is its RAM
 * side: for every retained entry its term, byte length and flash address, in
 * a ring of `capacity` slots indexed by `index % capacity`. Entry bytes stay
 * on flash and are read (CRC-checked) on demand.
 *
 * Replay semantics. Cleaning copies live entries forward, so after a reboot
 * the records of one entry may appear out of their original order relative
 * to truncations (the original append is reclaimed, the copy is newer than
 * a later truncate). Replay therefore treats the log as a set: a LogEntry
 * record sets slot `index` (newest record wins); LogTruncate(j) clears every
 * slot >= j seen so far (records written before it); LogBase sets the first
 * index (1 if there is none). At the end the log is the contiguous run
 * starting at the first index; entries beyond a hole are dropped and counted
 * (MountReport.lostEntries), so what remains is always a consistent Raft log.
 * This is sound because a copy is only ever made of an entry live at that
 * moment, so every record older than a truncate that could resurrect a
 * removed entry is in the same or an older segment than the truncate, and is
 * reclaimed no later than it.
 */
import type { ValueOrCode } from "../collections/value-or-code";
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import type { Releaser } from "./kv-store";
import { NO_ADDRESS } from "./layout";

import { LOG_INDEX_MAX, type LogIndex, type Term } from "../runtime/ids";

export { LOG_INDEX_MAX };

export interface ConsensusLogStore {
  /** First retained index (snapshot index + 1). */
  readonly firstIndex: LogIndex;
  /** Last index; firstIndex - 1 when the log is empty. */
  readonly lastIndex: LogIndex;
  /** Term of lastIndex (the snapshot term when empty). */
  readonly lastTerm: Term;
  /**
   * Append entry `index` (must be lastIndex + 1) durably. Errors: LogGap,
   * Full (more than the configured entries retained: compact first),
   * StorageFull, TooLarge, NotMounted, a device error.
   */
  append(index: LogIndex, term: Term, data: Uint8Array, offset: number, lengthBytes: number): Status;
  /** Copy entry `index` into `out[outOffset ..]`: its length, or -LogCompacted / -NotFound / -Corrupt / -TooLarge. */
  readEntry(index: LogIndex, out: Uint8Array, outOffset: number): ValueOrCode;
  /** Term of `index` (firstIndex - 1 gives the snapshot term), or -LogCompacted / -NotFound. */
  termAt(index: LogIndex): ValueOrCode;
  /** Remove `fromIndex` and everything after it (Raft §5.3). Errors: LogCompacted, LogGap. */
  truncateFrom(fromIndex: LogIndex): Status;
  /** Discard entries up to `throughIndex`, whose term is `throughTerm` (Raft §7). */
  compactThrough(throughIndex: LogIndex, throughTerm: Term): Status;
}

const SLOT_WORDS = 4;
const AT_INDEX = 0;
const AT_TERM = 1;
const AT_ADDRESS = 2;
const AT_BYTES = 3;

export class LogTable {
  readonly capacity: number;
  /** Per slot, SLOT_WORDS words: index (0 = empty slot), term, address, payload bytes. One array: each typed array costs heap slots on XS. */
  private readonly slots_: Uint32Array;
  private first_ = 1;
  private last_ = 0;
  private baseTerm_ = 0;
  private baseAddress_ = NO_ADDRESS;
  private baseKnown_ = false;
  private replayMax_ = 0;
  private releaser_: Releaser | undefined;

  /** Bytes a table of `capacity` entries takes in a caller's buffer (`constructor`'s `buffer`). */
  static bytesFor(capacity: number): number {
    return capacity * SLOT_WORDS * 4;
  }

  /** With `buffer`, the table lives there from `byteOffset` (a multiple of 4) for `bytesFor(capacity)` bytes, which the caller does not use otherwise. */
  constructor(capacity: number, buffer?: ArrayBuffer, byteOffset = 0) {
    this.capacity = capacity;
    this.slots_ = buffer === undefined ? new Uint32Array(capacity * SLOT_WORDS) : new Uint32Array(buffer, byteOffset, capacity * SLOT_WORDS);
  }

  attach(releaser: Releaser): void {
    this.releaser_ = releaser;
  }

  get first(): number {
    return this.first_;
  }

  get last(): number {
    return this.last_;
  }

  get baseTerm(): number {
    return this.baseTerm_;
  }

  get baseAddress(): number {
    return this.baseAddress_;
  }

  get length(): number {
    return this.last_ - this.first_ + 1;
  }

  get lastTerm(): number {
    return this.last_ >= this.first_ ? (this.slots_[(this.last_ % this.capacity) * SLOT_WORDS + AT_TERM] ?? 0) : this.baseTerm_;
  }

  contains(index: number): boolean {
    return index >= this.first_ && index <= this.last_;
  }

  termOf(index: number): ValueOrCode {
    if (index === this.first_ - 1) return this.baseTerm_;
    if (index < this.first_) return -ErrorCode.LogCompacted;
    if (index > this.last_) return -ErrorCode.NotFound;
    return this.slots_[(index % this.capacity) * SLOT_WORDS + AT_TERM] ?? 0;
  }

  /** Address of a retained entry, or NO_ADDRESS (not retained, or lost to corruption). */
  addressOf(index: number): number {
    return this.contains(index) ? (this.slots_[(index % this.capacity) * SLOT_WORDS + AT_ADDRESS] ?? NO_ADDRESS) : NO_ADDRESS;
  }

  bytesOf(index: number): number {
    return this.contains(index) ? (this.slots_[(index % this.capacity) * SLOT_WORDS + AT_BYTES] ?? 0) : 0;
  }

  // ------------------------------------------------------------------ replay

  /** A LogEntry record, in log order. False if it is inconsistent (counted by the caller). */
  replayEntry(index: number, term: number, address: number, lengthBytes: number): boolean {
    if (index < 1 || index > LOG_INDEX_MAX) return false;
    if (this.baseKnown_ && index < this.first_) return true; // compacted later in the log
    const slot = index % this.capacity;
    const current = this.slots_[slot * SLOT_WORDS + AT_INDEX] ?? 0;
    // A slot's index only grows over time (index + capacity comes after index is gone).
    if (current > index) return false;
    this.setSlot_(slot, index, term, address, lengthBytes);
    if (index > this.replayMax_) this.replayMax_ = index;
    return true;
  }

  /** A LogTruncate record: every entry seen so far at or after `fromIndex` is gone. */
  replayTruncate(fromIndex: number): void {
    if (fromIndex > this.replayMax_) return;
    const span = this.replayMax_ - fromIndex + 1;
    if (span >= this.capacity) {
      for (let slot = 0; slot < this.capacity; slot++) if ((this.slots_[slot * SLOT_WORDS + AT_INDEX] ?? 0) >= fromIndex) this.slots_[slot * SLOT_WORDS + AT_INDEX] = 0;
    } else {
      for (let i = fromIndex; i <= this.replayMax_; i++) {
        const slot = i % this.capacity;
        if (this.slots_[slot * SLOT_WORDS + AT_INDEX] === i) this.slots_[slot * SLOT_WORDS + AT_INDEX] = 0;
      }
    }
    this.replayMax_ = fromIndex - 1;
  }

  /** A LogBase record: entries up to `snapshotIndex` are compacted. False if it moves backwards. */
  replayBase(snapshotIndex: number, snapshotTerm: number, address: number): boolean {
    if (snapshotIndex > LOG_INDEX_MAX - 1) return false;
    if (this.baseKnown_ && snapshotIndex + 1 < this.first_) return false;
    this.first_ = snapshotIndex + 1;
    this.baseTerm_ = snapshotTerm;
    this.baseAddress_ = address;
    this.baseKnown_ = true;
    return true;
  }

  /**
   * End of replay: keep the contiguous run from the first index, drop the
   * rest. Returns the number of entries dropped beyond a hole.
   */
  finishReplay(): number {
    // Without a base record the log starts at 1 (every compaction writes one). If entry 1 is
    // missing too, the log is cut there: starting at a later entry would report a snapshot
    // term for its predecessor that was never stored, which Raft's consistency check trusts.
    if (!this.baseKnown_) this.first_ = 1;
    let last = this.first_ - 1;
    for (let step = 0; step < this.capacity; step++) {
      const next = last + 1;
      if (this.slots_[(next % this.capacity) * SLOT_WORDS + AT_INDEX] !== next) break;
      last = next;
    }
    this.last_ = last;
    let lost = 0;
    for (let slot = 0; slot < this.capacity; slot++) {
      const index = this.slots_[slot * SLOT_WORDS + AT_INDEX] ?? 0;
      if (index === 0 || (index >= this.first_ && index <= last)) continue;
      if (index > last) lost++;
      this.slots_[slot * SLOT_WORDS + AT_INDEX] = 0;
      this.slots_[slot * SLOT_WORDS + AT_ADDRESS] = NO_ADDRESS;
    }
    return lost;
  }

  /** Whether the first index came from a base record (false: no compaction recorded). */
  get baseKnown(): boolean {
    return this.baseKnown_;
  }

  // ------------------------------------------------------------------ runtime

  /** May entry `index` be appended? Ok, LogGap, Full, InvalidArgument. */
  checkAppend(index: number): Status {
    if (index !== this.last_ + 1) return ErrorCode.LogGap;
    if (index > LOG_INDEX_MAX) return ErrorCode.InvalidArgument;
    if (this.length >= this.capacity) return ErrorCode.Full;
    return ErrorCode.Ok;
  }

  applyAppend(index: number, term: number, address: number, lengthBytes: number): void {
    this.setSlot_(index % this.capacity, index, term, address, lengthBytes);
    this.last_ = index;
  }

  /** May the log be cut at `fromIndex`? Ok, LogCompacted, LogGap. */
  checkTruncate(fromIndex: number): Status {
    if (!Number.isSafeInteger(fromIndex) || fromIndex < this.first_) return ErrorCode.LogCompacted;
    if (fromIndex > this.last_ + 1) return ErrorCode.LogGap;
    return ErrorCode.Ok;
  }

  applyTruncate(fromIndex: number): void {
    for (let i = this.last_; i >= fromIndex; i--) this.clearSlot_(i % this.capacity);
    this.last_ = fromIndex - 1;
  }

  /** May entries through `throughIndex` (term `throughTerm`) be compacted? */
  checkCompact(throughIndex: number, throughTerm: number): Status {
    if (!Number.isSafeInteger(throughIndex) || throughIndex > LOG_INDEX_MAX - 1) return ErrorCode.InvalidArgument;
    if ((throughTerm >>> 0) !== throughTerm) return ErrorCode.InvalidArgument;
    if (throughIndex < this.first_ - 1) return ErrorCode.LogCompacted;
    if (throughIndex <= this.last_ && this.termOf(throughIndex) !== throughTerm) return ErrorCode.InvalidArgument;
    return ErrorCode.Ok;
  }

  /** Entries through `throughIndex` are gone; the base record now lives at `address`. */
  applyCompact(throughIndex: number, throughTerm: number, address: number): void {
    const end = Math.min(throughIndex, this.last_);
    for (let i = this.first_; i <= end; i++) this.clearSlot_(i % this.capacity);
    if (this.baseAddress_ !== NO_ADDRESS) this.releaser_?.release(this.baseAddress_, 0);
    if (throughIndex > this.last_) this.last_ = throughIndex;
    this.first_ = throughIndex + 1;
    this.baseTerm_ = throughTerm;
    this.baseAddress_ = address;
    this.baseKnown_ = true;
  }

  /** Cleaning moved entry `index` (or the base, index = first - 1) to `address`. */
  moved(index: number, address: number): void {
    if (index === this.first_ - 1) this.baseAddress_ = address;
    else if (this.contains(index)) this.slots_[(index % this.capacity) * SLOT_WORDS + AT_ADDRESS] = address;
  }

  /** Entry `index` could not be read back for relocation: its bytes are lost (reads answer Corrupt). */
  markLost(index: number): void {
    if (!this.contains(index)) return;
    const slot = index % this.capacity;
    this.releaser_?.release(this.slots_[slot * SLOT_WORDS + AT_ADDRESS] ?? NO_ADDRESS, this.slots_[slot * SLOT_WORDS + AT_BYTES] ?? 0);
    this.slots_[slot * SLOT_WORDS + AT_ADDRESS] = NO_ADDRESS;
  }

  private setSlot_(slot: number, index: number, term: number, address: number, lengthBytes: number): void {
    this.slots_[slot * SLOT_WORDS + AT_INDEX] = index;
    this.slots_[slot * SLOT_WORDS + AT_TERM] = term;
    this.slots_[slot * SLOT_WORDS + AT_ADDRESS] = address;
    this.slots_[slot * SLOT_WORDS + AT_BYTES] = lengthBytes;
  }

  private clearSlot_(slot: number): void {
    const address = this.slots_[slot * SLOT_WORDS + AT_ADDRESS] ?? NO_ADDRESS;
    if (address !== NO_ADDRESS) this.releaser_?.release(address, this.slots_[slot * SLOT_WORDS + AT_BYTES] ?? 0);
    this.slots_[slot * SLOT_WORDS + AT_INDEX] = 0;
    this.slots_[slot * SLOT_WORDS + AT_ADDRESS] = NO_ADDRESS;
  }
}
