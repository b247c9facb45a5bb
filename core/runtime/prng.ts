/**
 * xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", 2018): 128-bit state, 32-bit outputs, integer-only arithmetic
 * (Math.imul, shifts), so the sequence is identical on V8 and XS.
 *
 * The simulator's only randomness comes from these, seeded explicitly. It is
 * not a cryptographic generator: keys come from the injected Entropy.
 */
export class Xoshiro128 {
  private s0_ = 0;
  private s1_ = 0;
  private s2_ = 0;
  private s3_ = 0;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Expand a 32-bit seed into the state with SplitMix32 so no seed gives the all-zero state. */
  reseed(seed: number): void {
    let x = seed >>> 0;
    this.s0_ = splitMix32Step((x = (x + 0x9e3779b9) >>> 0));
    this.s1_ = splitMix32Step((x = (x + 0x9e3779b9) >>> 0));
    this.s2_ = splitMix32Step((x = (x + 0x9e3779b9) >>> 0));
    this.s3_ = splitMix32Step((x = (x + 0x9e3779b9) >>> 0));
    if ((this.s0_ | this.s1_ | this.s2_ | this.s3_) === 0) this.s0_ = 1;
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1_, 5), 7), 9) >>> 0;
    const t = this.s1_ << 9;
    this.s2_ ^= this.s0_;
    this.s3_ ^= this.s1_;
    this.s1_ ^= this.s2_;
    this.s0_ ^= this.s3_;
    this.s2_ ^= t;
    this.s3_ = rotl(this.s3_, 11);
    return result;
  }

  /**
   * Uniform integer in [0, bound) for 1 <= bound <= 2^32, without modulo bias
   * (rejection sampling, at most 64 tries: the chance of needing more is
   * below 2^-64; after that the biased value is returned rather than looping).
   */
  nextBelow(bound: number): number {
    const b = bound >>> 0;
    if (b <= 1) return 0;
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % b);
    let value = this.nextU32();
    for (let tries = 0; tries < 64 && value >= limit; tries++) value = this.nextU32();
    return value % b;
  }

  /** True with probability permille/1000 (integer decision, no floating point). */
  chancePermille(permille: number): boolean {
    return this.nextBelow(1000) < permille;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function splitMix32Step(z0: number): number {
  let z = z0 >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
