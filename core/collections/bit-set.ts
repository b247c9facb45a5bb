/**
 * Fixed-size bit set over a `Uint32Array` (membership flags, seen-message
 * sets, free maps).
 *
 * Bit `i` lives in word `i >>> 5` at bit `i & 31`. Bits past `sizeBits` in
 * the last word are always zero. The number of set bits is kept in a
 * counter, so `count` is O(1); `checkInvariants` recomputes it by popcount.
 *
 * Full policy: none needed, the universe is fixed. An index outside
 * 0..sizeBits-1 (or not an integer) is refused by `set`, `clear` and
 * `toggle` with `ErrorCode.OutOfRange`, changes nothing and is counted in
 * `outOfRangeCount`. `test` answers false for such an index.
 *
 * Nothing is allocated after `create`.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "./value-or-code";

/** Largest accepted size in bits. */
export const BIT_SET_SIZE_BITS_MAX = 1 << 24;

/** Set bits in a 32-bit word (SWAR popcount, integer-only). */
export function popcount32(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

export class BitSet {
  private readonly words_: Uint32Array;
  private readonly sizeBits_: number;
  private countSet_ = 0;
  private outOfRangeCount_ = 0;

  /** `sizeBits` in 1..BIT_SET_SIZE_BITS_MAX, else `InvalidArgument`. All bits start clear. */
  static create(sizeBits: number): Result<BitSet> {
    if ((sizeBits | 0) !== sizeBits || sizeBits < 1 || sizeBits > BIT_SET_SIZE_BITS_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new BitSet(sizeBits));
  }

  private constructor(sizeBits: number) {
    this.sizeBits_ = sizeBits;
    this.words_ = new Uint32Array((sizeBits + 31) >>> 5);
  }

  get sizeBits(): number {
    return this.sizeBits_;
  }

  /** Number of set bits. O(1). */
  get count(): number {
    return this.countSet_;
  }

  /** `set`/`clear`/`toggle` calls refused with `OutOfRange` (lifetime count). */
  get outOfRangeCount(): number {
    return this.outOfRangeCount_;
  }

  /** Set bit `index`. `Ok` or `OutOfRange`. */
  set(index: number): Status {
    if (!this.inRange(index)) return this.refuse();
    const wordIndex = index >>> 5;
    const mask = (1 << (index & 31)) >>> 0;
    const word = this.words_[wordIndex] ?? 0;
    if ((word & mask) === 0) {
      this.words_[wordIndex] = word | mask;
      this.countSet_++;
    }
    return ErrorCode.Ok;
  }

  /** Clear bit `index`. `Ok` or `OutOfRange`. */
  clear(index: number): Status {
    if (!this.inRange(index)) return this.refuse();
    const wordIndex = index >>> 5;
    const mask = (1 << (index & 31)) >>> 0;
    const word = this.words_[wordIndex] ?? 0;
    if ((word & mask) !== 0) {
      this.words_[wordIndex] = word & ~mask;
      this.countSet_--;
    }
    return ErrorCode.Ok;
  }

  /** Flip bit `index`. `Ok` or `OutOfRange`. */
  toggle(index: number): Status {
    if (!this.inRange(index)) return this.refuse();
    const wordIndex = index >>> 5;
    const mask = (1 << (index & 31)) >>> 0;
    const word = this.words_[wordIndex] ?? 0;
    this.words_[wordIndex] = word ^ mask;
    this.countSet_ += (word & mask) === 0 ? 1 : -1;
    return ErrorCode.Ok;
  }

  /** True when bit `index` is set; false when clear or out of range. */
  test(index: number): boolean {
    if (!this.inRange(index)) return false;
    return ((this.words_[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0;
  }

  /**
   * Index of the first set bit at or after `from`; `-NotFound` when there is
   * none; `-OutOfRange` when `from` is not an integer in 0..sizeBits
   * (`from === sizeBits` is the natural end of a scan and gives `-NotFound`).
   * O(words scanned).
   *
   *     for (let i = bits.findNextSet(0); i >= 0; i = bits.findNextSet(i + 1)) use(i);
   */
  findNextSet(from: number): ValueOrCode {
    const sizeBits = this.sizeBits_;
    if ((from >>> 0) !== from || from > sizeBits) return -ErrorCode.OutOfRange;
    if (from === sizeBits) return -ErrorCode.NotFound;
    const words = this.words_;
    const wordCount = words.length;
    let wordIndex = from >>> 5;
    // Mask off the bits below `from` in its first word.
    let word = ((words[wordIndex] ?? 0) & (0xffffffff << (from & 31))) >>> 0;
    while (wordIndex < wordCount) {
      if (word !== 0) {
        // Lowest set bit: isolate it, count the zeros above it.
        return (wordIndex << 5) + (31 - Math.clz32(word & -word));
      }
      wordIndex++;
      word = words[wordIndex] ?? 0;
    }
    return -ErrorCode.NotFound;
  }

  /** Clear every bit. O(words). */
  clearAll(): void {
    this.words_.fill(0);
    this.countSet_ = 0;
  }

  /** `Ok`, or `InvariantViolated`: popcount equals `count`, no bits past sizeBits. O(words). */
  checkInvariants(): Status {
    const words = this.words_;
    if (words.length !== (this.sizeBits_ + 31) >>> 5) return ErrorCode.InvariantViolated;
    let total = 0;
    for (let i = 0; i < words.length; i++) total += popcount32(words[i] ?? 0);
    if (total !== this.countSet_) return ErrorCode.InvariantViolated;
    const tailBits = this.sizeBits_ & 31;
    if (tailBits !== 0) {
      const last = words[words.length - 1] ?? 0;
      if ((last >>> tailBits) !== 0) return ErrorCode.InvariantViolated;
    }
    return ErrorCode.Ok;
  }

  private inRange(index: number): boolean {
    return (index >>> 0) === index && index < this.sizeBits_;
  }

  private refuse(): Status {
    this.outOfRangeCount_++;
    return ErrorCode.OutOfRange;
  }
}
