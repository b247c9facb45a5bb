/**
 * A running hash of an event trace: same events in the same order give the
 * same hash on every engine (docs/architecture.md "Rules").
 *
 * Two independent 32-bit FNV-1a lanes over 32-bit words (different offset
 * bases, one word-rotated) give a 64-bit fingerprint using only Math.imul and
 * shifts. It detects divergence; it is not a cryptographic commitment.
 */
const FNV_PRIME = 0x01000193;

export class TraceHash {
  private lo_ = 0x811c9dc5;
  private hi_ = 0x050c5d1f;
  private count_ = 0;

  /** Fold one 32-bit word (taken as an unsigned integer). */
  word(value: number): void {
    const v = value >>> 0;
    for (let shift = 0; shift < 32; shift += 8) {
      const byte = (v >>> shift) & 0xff;
      this.lo_ = Math.imul(this.lo_ ^ byte, FNV_PRIME) >>> 0;
      this.hi_ = Math.imul(this.hi_ ^ (byte ^ 0x5a), FNV_PRIME) >>> 0;
    }
    this.hi_ = ((this.hi_ << 5) | (this.hi_ >>> 27)) >>> 0;
    this.count_++;
  }

  /** Fold a non-negative safe integer (e.g. a time in ms) as two words. */
  integer(value: number): void {
    const v = Math.floor(Math.abs(value));
    this.word(v % 0x1_0000_0000);
    this.word(Math.floor(v / 0x1_0000_0000));
  }

  get count(): number {
    return this.count_;
  }

  /** 16 lowercase hex digits. Allocates a string: call off the hot path. */
  hex(): string {
    return hex8(this.hi_) + hex8(this.lo_);
  }
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}
