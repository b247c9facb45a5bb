/**
 * SHA-256 (FIPS 180-4 §6.2), written for Moddable preload: the module body
 * creates only frozen constant arrays; every buffer the hash writes (state,
 * message schedule, pending block) lives in a CryptoScratch (scratch.ts) made
 * at run time (the crypto provider makes its own when the agent starts).
 * An ArrayBuffer created while a module body runs is read-only on a board
 * once preloaded (Moddable `documentation/xs/preload.md`), so a module-level
 * scratch buffer would throw on its first write.
 *
 * Steady state allocates nothing: `update`/`updateRange`/`updateByte` and
 * `digestInto` work on the shared scratch (scratch.ts) and the caller's
 * buffers. Words are kept as signed 32-bit integers (Int32Array, `| 0`) so
 * XS computes on integer slots, not doubles.
 */
import { CryptoScratch, SHA_BLOCK_AT, SHA_WORDS_AT } from "./scratch";

export const SHA256_BLOCK_BYTES = 64;
export const SHA256_DIGEST_BYTES = 32;
/** FIPS 180-4 §5.1.1: a message is shorter than 2^64 bits; JavaScript lengths stay far below 2^53 bytes. */
const MESSAGE_BYTES_MAX = Number.MAX_SAFE_INTEGER / 8;

/** Where H0 and W0 sit in the scratch words. */
const H = SHA_WORDS_AT;
const W = SHA_WORDS_AT + 8;

/** FIPS 180-4 §4.2.2: K0..K63, the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K: readonly number[] = Object.freeze(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ].map((word) => word | 0),
);

/** FIPS 180-4 §5.3.3: H(0), the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const H0: readonly number[] = Object.freeze([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19].map((word) => word | 0));

/** A reusable SHA-256 hasher: `update*` any number of times, then `digestInto` (which also resets it). */
export class Sha256 {
  /** The scratch words: H0..H7 at H, the message schedule W0..W63 (§6.2.2 step 1) at W (scratch.ts). */
  private readonly words_: Int32Array;
  /** The scratch bytes: the current, not yet full block at SHA_BLOCK_AT. */
  private readonly bytes_: Uint8Array;
  private blockBytes_ = 0;
  private messageBytes_ = 0;

  /** `scratch`: the shared working area (scratch.ts), or none for a hasher of its own. */
  constructor(scratch: CryptoScratch = new CryptoScratch()) {
    this.words_ = scratch.words;
    this.bytes_ = scratch.bytes;
    this.reset();
  }

  /** Start a new message (H(0), nothing buffered). */
  reset(): void {
    const words = this.words_;
    words.fill(0, W, W + 64); // no schedule words (from an HMAC key) stay behind
    for (let i = 0; i < 8; i++) words[H + i] = H0[i] ?? 0;
    this.bytes_.fill(0, SHA_BLOCK_AT, SHA_BLOCK_AT + SHA256_BLOCK_BYTES); // nor message bytes
    this.blockBytes_ = 0;
    this.messageBytes_ = 0;
  }

  update(data: Uint8Array): void {
    this.updateRange(data, 0, data.length);
  }

  /** Absorb data[offset, offset + length). The caller checks the range (an out-of-range read absorbs zeros). */
  updateRange(data: Uint8Array, offset: number, length: number): void {
    let at = offset;
    const end = offset + length;
    this.messageBytes_ += length;
    if (this.blockBytes_ > 0) {
      while (at < end && this.blockBytes_ < SHA256_BLOCK_BYTES) this.bytes_[SHA_BLOCK_AT + this.blockBytes_++] = data[at++] ?? 0;
      if (this.blockBytes_ < SHA256_BLOCK_BYTES) return;
      this.compress_(this.bytes_, SHA_BLOCK_AT);
      this.blockBytes_ = 0;
    }
    // Whole blocks straight from the caller's bytes (no copy).
    while (end - at >= SHA256_BLOCK_BYTES) {
      this.compress_(data, at);
      at += SHA256_BLOCK_BYTES;
    }
    while (at < end) this.bytes_[SHA_BLOCK_AT + this.blockBytes_++] = data[at++] ?? 0;
  }

  /** Absorb one byte (a domain-separation prefix). */
  updateByte(byte: number): void {
    this.bytes_[SHA_BLOCK_AT + this.blockBytes_++] = byte & 0xff;
    this.messageBytes_++;
    if (this.blockBytes_ === SHA256_BLOCK_BYTES) {
      this.compress_(this.bytes_, SHA_BLOCK_AT);
      this.blockBytes_ = 0;
    }
  }

  /**
   * Start a new message (as `reset`) whose first block is key[offset, +64)
   * XOR `pad`: the HMAC block K0 ^ ipad or K0 ^ opad (RFC 2104 §2). The
   * same as `reset` then `updateRange` of those bytes, one call shallower,
   * and the key-derived block is wiped as soon as it is compressed.
   */
  startWithKeyBlock(key: Uint8Array, offset: number, pad: number): void {
    this.reset();
    const bytes = this.bytes_;
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) bytes[SHA_BLOCK_AT + i] = (key[offset + i] ?? 0) ^ pad;
    this.messageBytes_ = SHA256_BLOCK_BYTES;
    this.compress_(bytes, SHA_BLOCK_AT);
    bytes.fill(0, SHA_BLOCK_AT, SHA_BLOCK_AT + SHA256_BLOCK_BYTES);
  }

  /**
   * Pad (§5.1.1), finish, write the 32-byte digest at out[outOffset, +32) and
   * reset. Returns false, writing nothing, when `out` has no room or the
   * message is longer than the length field can hold.
   */
  digestInto(out: Uint8Array, outOffset = 0): boolean {
    if ((outOffset >>> 0) !== outOffset || out.length - outOffset < SHA256_DIGEST_BYTES || this.messageBytes_ > MESSAGE_BYTES_MAX) return false;
    const bits = this.messageBytes_ * 8; // exact: below 2^56
    const block = this.bytes_;
    const at = SHA_BLOCK_AT;
    block[at + this.blockBytes_++] = 0x80;
    if (this.blockBytes_ > SHA256_BLOCK_BYTES - 8) {
      block.fill(0, at + this.blockBytes_, at + SHA256_BLOCK_BYTES);
      this.compress_(block, at);
      this.blockBytes_ = 0;
    }
    block.fill(0, at + this.blockBytes_, at + SHA256_BLOCK_BYTES - 8);
    putWord(block, at + 56, Math.floor(bits / 0x1_0000_0000) | 0);
    putWord(block, at + 60, bits >>> 0);
    this.compress_(block, at);
    for (let i = 0; i < 8; i++) putWord(out, outOffset + i * 4, this.words_[H + i] ?? 0);
    this.reset();
    return true;
  }

  /** §6.2.2: one 512-bit block from src[offset, +64). W_t is words[W + t]; H_i is words[H + i]. */
  private compress_(src: Uint8Array, offset: number): void {
    const w = this.words_;
    for (let t = 0; t < 16; t++) {
      const i = offset + t * 4;
      w[W + t] = ((src[i] ?? 0) << 24) | ((src[i + 1] ?? 0) << 16) | ((src[i + 2] ?? 0) << 8) | (src[i + 3] ?? 0);
    }
    for (let t = W + 16; t < W + 64; t++) {
      const w15 = w[t - 15] ?? 0;
      const w2 = w[t - 2] ?? 0;
      // σ0 = ROTR7 ^ ROTR18 ^ SHR3; σ1 = ROTR17 ^ ROTR19 ^ SHR10 (§4.1.2, (4.6)-(4.7))
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      w[t] = (s1 + (w[t - 7] ?? 0) + s0 + (w[t - 16] ?? 0)) | 0;
    }
    let a = w[H] ?? 0;
    let b = w[H + 1] ?? 0;
    let c = w[H + 2] ?? 0;
    let d = w[H + 3] ?? 0;
    let e = w[H + 4] ?? 0;
    let f = w[H + 5] ?? 0;
    let g = w[H + 6] ?? 0;
    let hh = w[H + 7] ?? 0;
    for (let t = 0; t < 64; t++) {
      // Σ1(e) = ROTR6 ^ ROTR11 ^ ROTR25; Ch(e,f,g) = (e & f) ^ (~e & g) (§4.1.2, (4.2), (4.5))
      const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + sigma1 + ((e & f) ^ (~e & g)) + (K[t] ?? 0) + (w[W + t] ?? 0)) | 0;
      // Σ0(a) = ROTR2 ^ ROTR13 ^ ROTR22; Maj(a,b,c) = (a & b) ^ (a & c) ^ (b & c) ((4.3), (4.4))
      const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (sigma0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    w[H + 0] = ((w[H + 0] ?? 0) + a) | 0;
    w[H + 1] = ((w[H + 1] ?? 0) + b) | 0;
    w[H + 2] = ((w[H + 2] ?? 0) + c) | 0;
    w[H + 3] = ((w[H + 3] ?? 0) + d) | 0;
    w[H + 4] = ((w[H + 4] ?? 0) + e) | 0;
    w[H + 5] = ((w[H + 5] ?? 0) + f) | 0;
    w[H + 6] = ((w[H + 6] ?? 0) + g) | 0;
    w[H + 7] = ((w[H + 7] ?? 0) + hh) | 0;
  }
}

/** Big-endian 32-bit word at out[at, +4). */
function putWord(out: Uint8Array, at: number, word: number): void {
  out[at] = word >>> 24;
  out[at + 1] = (word >>> 16) & 0xff;
  out[at + 2] = (word >>> 8) & 0xff;
  out[at + 3] = word & 0xff;
}
