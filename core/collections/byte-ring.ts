/**
 * Fixed-capacity FIFO of variable-length byte records (radio frames, log
 * records) in one `Uint8Array`.
 *
 * Layout: each record is a little-endian length prefix followed by its
 * bytes; records are packed back to back and wrap around the end of the
 * storage (prefix bytes included). The prefix is 1 byte when
 * `maxRecordBytes <= 255`, else 2 bytes (so `maxRecordBytes <= 65535`).
 * A record of `n` bytes occupies `prefixBytes + n` bytes of capacity.
 *
 * Full policy (chosen at `create`, see full-policy.ts):
 *  - `RefuseNewest`: `push` returns `ErrorCode.Full`, contents unchanged,
 *    `refusedCount` + 1.
 *  - `DropOldest`: whole oldest records are discarded until the new record
 *    fits; `droppedCount` grows by the number of records discarded.
 *    `create` guarantees one maximum-size record always fits an empty ring.
 *
 * Results that are byte counts use the value-or-code convention
 * (value-or-code.ts): >= 0 is the record length, < 0 is a negated
 * `ErrorCode`.
 *
 * `push`, `shiftInto` and `peekInto` are O(record bytes); the rest is O(1)
 * (`push` under DropOldest also walks the prefixes of the records it drops).
 * Nothing is allocated after `create`.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { FullPolicy, isFullPolicy } from "./full-policy";
import type { ValueOrCode } from "./value-or-code";

/** Largest accepted storage size in bytes. */
export const BYTE_RING_CAPACITY_BYTES_MAX = 1 << 24;
/** Largest record a 2-byte length prefix can describe. */
export const BYTE_RING_RECORD_BYTES_MAX = 0xffff;

// Few fields: an instance costs a heap slot per field on XS. Capacity is the
// storage's length, the prefix size follows from maxRecordBytes, and only one
// of dropped/refused can ever be non-zero (the policy decides which).
export class ByteRing {
  private readonly storage_: Uint8Array;
  /** maxRecordBytes * 2 + policy (FullPolicy is 0 or 1): one field instead of two. */
  private readonly limitAndPolicy_: number;
  private headByte_ = 0; // storage offset of the oldest record's prefix
  private bytesUsed_ = 0; // prefixes included
  private count_ = 0;
  private lostCount_ = 0; // records dropped (DropOldest) or pushes refused (RefuseNewest)
  private tooLargeCount_ = 0;
  private invalidCount_ = 0;

  /**
   * `maxRecordBytes` in 0..65535; `capacityBytes` at least one maximum record
   * with its prefix and at most BYTE_RING_CAPACITY_BYTES_MAX. `InvalidArgument`
   * otherwise.
   */
  static create(capacityBytes: number, maxRecordBytes: number, policy: FullPolicy): Result<ByteRing> {
    if ((maxRecordBytes | 0) !== maxRecordBytes || maxRecordBytes < 0 || maxRecordBytes > BYTE_RING_RECORD_BYTES_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    const prefixBytes = maxRecordBytes <= 0xff ? 1 : 2;
    if (
      (capacityBytes | 0) !== capacityBytes ||
      capacityBytes < prefixBytes + maxRecordBytes ||
      capacityBytes > BYTE_RING_CAPACITY_BYTES_MAX
    ) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!isFullPolicy(policy)) return err(ErrorCode.InvalidArgument);
    return ok(new ByteRing(capacityBytes, maxRecordBytes, policy));
  }

  private constructor(capacityBytes: number, maxRecordBytes: number, policy: FullPolicy) {
    this.storage_ = new Uint8Array(capacityBytes);
    this.limitAndPolicy_ = maxRecordBytes * 2 + policy;
  }

  get capacityBytes(): number {
    return this.storage_.length;
  }

  /** Length-prefix size per record, from maxRecordBytes: 1 or 2 bytes. */
  private get prefix(): 1 | 2 {
    return this.maxRecordBytes <= 0xff ? 1 : 2;
  }

  get maxRecordBytes(): number {
    return this.limitAndPolicy_ >>> 1;
  }

  /** Length-prefix size per record: 1 or 2 bytes. */
  get prefixBytes(): number {
    return this.prefix;
  }

  /** Bytes occupied, length prefixes included. */
  get bytesUsed(): number {
    return this.bytesUsed_;
  }

  /** Number of records stored. */
  get count(): number {
    return this.count_;
  }

  get policy(): FullPolicy {
    return (this.limitAndPolicy_ & 1) as FullPolicy;
  }

  /** Records discarded by `push` under DropOldest (lifetime count). */
  get droppedCount(): number {
    return this.policy === FullPolicy.DropOldest ? this.lostCount_ : 0;
  }

  /** Pushes rejected with `Full` under RefuseNewest (lifetime count). */
  get refusedCount(): number {
    return this.policy === FullPolicy.RefuseNewest ? this.lostCount_ : 0;
  }

  /** Pushes rejected with `TooLarge` (lifetime count). */
  get tooLargeCount(): number {
    return this.tooLargeCount_;
  }

  /** Pushes rejected with `InvalidArgument` (lifetime count). */
  get invalidCount(): number {
    return this.invalidCount_;
  }

  /**
   * Append `src[srcOffset .. srcOffset + length)` as the newest record.
   * Checked in this order: `InvalidArgument` (offset/length not integers
   * inside `src`), `TooLarge` (length > maxRecordBytes), `Full`
   * (RefuseNewest and no room). Every rejection leaves the ring unchanged
   * and is counted.
   */
  push(src: Uint8Array, srcOffset: number, length: number): Status {
    if ((srcOffset >>> 0) !== srcOffset || (length >>> 0) !== length || srcOffset + length > src.length) {
      this.invalidCount_++;
      return ErrorCode.InvalidArgument;
    }
    if (length > this.maxRecordBytes) {
      this.tooLargeCount_++;
      return ErrorCode.TooLarge;
    }
    const neededBytes = this.prefix + length;
    if (this.bytesUsed_ + neededBytes > this.storage_.length) {
      if (this.policy === FullPolicy.RefuseNewest) {
        this.lostCount_++;
        return ErrorCode.Full;
      }
      this.dropUntilFree(neededBytes);
    }
    let at = this.wrap(this.headByte_ + this.bytesUsed_);
    at = this.writePrefix(at, length);
    this.copyIn(src, srcOffset, at, length);
    this.bytesUsed_ += neededBytes;
    this.count_++;
    return ErrorCode.Ok;
  }

  /** Length in bytes of the oldest record, or `-Empty`. */
  peekLength(): ValueOrCode {
    if (this.count_ === 0) return -ErrorCode.Empty;
    return this.readPrefix(this.headByte_);
  }

  /**
   * Copy the oldest record to `dest[destOffset ..]` and remove it. Returns its
   * length, or `-Empty`, `-InvalidArgument` (destOffset not an integer inside
   * dest), `-TooLarge` (record does not fit dest); on failure nothing changes.
   */
  shiftInto(dest: Uint8Array, destOffset: number): ValueOrCode {
    const length = this.peekInto(dest, destOffset);
    if (length >= 0) this.removeOldest(length);
    return length;
  }

  /** Like `shiftInto` but the record stays (send now, remove on ack). */
  peekInto(dest: Uint8Array, destOffset: number): ValueOrCode {
    if (this.count_ === 0) return -ErrorCode.Empty;
    if ((destOffset >>> 0) !== destOffset || destOffset > dest.length) return -ErrorCode.InvalidArgument;
    const length = this.readPrefix(this.headByte_);
    if (destOffset + length > dest.length) return -ErrorCode.TooLarge;
    this.copyOut(this.wrap(this.headByte_ + this.prefix), dest, destOffset, length);
    return length;
  }

  /** Remove the oldest record without reading it. Its length, or `-Empty`. */
  discardOldest(): ValueOrCode {
    if (this.count_ === 0) return -ErrorCode.Empty;
    const length = this.readPrefix(this.headByte_);
    this.removeOldest(length);
    return length;
  }

  /** Forget all records and zero the storage (frames may hold secrets). */
  clear(): void {
    this.storage_.fill(0);
    this.headByte_ = 0;
    this.bytesUsed_ = 0;
    this.count_ = 0;
  }

  /**
   * `Ok`, or `InvariantViolated`. Walks every record prefix: O(count), for
   * tests, not for hot paths.
   */
  checkInvariants(): Status {
    const capacityBytes = this.storage_.length;
    if ((this.headByte_ >>> 0) !== this.headByte_ || this.headByte_ >= capacityBytes) return ErrorCode.InvariantViolated;
    if ((this.bytesUsed_ >>> 0) !== this.bytesUsed_ || this.bytesUsed_ > capacityBytes) return ErrorCode.InvariantViolated;
    if ((this.count_ >>> 0) !== this.count_ || this.count_ * this.prefix > this.bytesUsed_) {
      return ErrorCode.InvariantViolated;
    }
    if (this.count_ === 0 && (this.bytesUsed_ !== 0 || this.headByte_ !== 0)) return ErrorCode.InvariantViolated;
    // The prefixes must chain exactly through bytesUsed.
    let at = this.headByte_;
    let walkedBytes = 0;
    for (let i = 0; i < this.count_; i++) {
      const length = this.readPrefix(at);
      if (length > this.maxRecordBytes) return ErrorCode.InvariantViolated;
      walkedBytes += this.prefix + length;
      if (walkedBytes > this.bytesUsed_) return ErrorCode.InvariantViolated;
      at = this.wrap(at + this.prefix + length);
    }
    return walkedBytes === this.bytesUsed_ ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  /** DropOldest: discard whole records until `neededBytes` are free. */
  private dropUntilFree(neededBytes: number): void {
    // Bounded by count; create() guarantees an empty ring fits any record.
    for (let i = this.count_; i > 0 && this.bytesUsed_ + neededBytes > this.storage_.length; i--) {
      this.removeOldest(this.readPrefix(this.headByte_));
      this.lostCount_++;
    }
  }

  private removeOldest(length: number): void {
    this.count_--;
    this.bytesUsed_ -= this.prefix + length;
    // An empty ring restarts at 0 so small records stay contiguous.
    this.headByte_ = this.count_ === 0 ? 0 : this.wrap(this.headByte_ + this.prefix + length);
  }

  /** Offset `at` folded into the storage; `at < 2 * capacityBytes`. */
  private wrap(at: number): number {
    return at >= this.storage_.length ? at - this.storage_.length : at;
  }

  private readPrefix(at: number): number {
    const storage = this.storage_;
    const low = storage[at] ?? 0;
    if (this.prefix === 1) return low;
    return low | ((storage[this.wrap(at + 1)] ?? 0) << 8);
  }

  /** Write the length prefix at `at`; returns the offset after it. */
  private writePrefix(at: number, length: number): number {
    this.storage_[at] = length & 0xff;
    const next = this.wrap(at + 1);
    if (this.prefix === 1) return next;
    this.storage_[next] = length >>> 8;
    return this.wrap(next + 1);
  }

  /** Copy in two straight runs (before and after the wrap); no subarray views. */
  private copyIn(src: Uint8Array, srcOffset: number, at: number, length: number): void {
    const storage = this.storage_;
    const firstRun = Math.min(length, this.storage_.length - at);
    for (let i = 0; i < firstRun; i++) storage[at + i] = src[srcOffset + i] ?? 0;
    for (let i = firstRun; i < length; i++) storage[i - firstRun] = src[srcOffset + i] ?? 0;
  }

  private copyOut(at: number, dest: Uint8Array, destOffset: number, length: number): void {
    const storage = this.storage_;
    const firstRun = Math.min(length, this.storage_.length - at);
    for (let i = 0; i < firstRun; i++) dest[destOffset + i] = storage[at + i] ?? 0;
    for (let i = firstRun; i < length; i++) dest[destOffset + i] = storage[i - firstRun] ?? 0;
  }
}
