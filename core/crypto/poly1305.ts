/**
 * Poly1305 (RFC 8439 §2.5), allocation-free after construction.
 *
 * Arithmetic. The accumulator h and the clamped key r are held as ten
 * 13-bit limbs (limb i weighs 2^(13 i); 10 x 13 = 130 bits), multiplied as
 * plain JS numbers. Why 13 and not 26 bits: with 26-bit limbs a column of
 * the product reaches ~2^57 and would no longer be exact in a double.
 * Bound argument (all values are non-negative integers):
 *  - after each block's carry pass, h0 and h2..h9 are < 2^13 and h1 < 2^13 + 2^10;
 *  - adding a message block adds < 2^13 per limb, so h_j < 2^14.1;
 *  - clamped r limbs are < 2^13, and 5 r_j (for terms that pass 2^130,
 *    since 2^130 = 5 mod p) is < 2^15.33;
 *  - a product column d_i is a sum of ten terms < 2^14.1 * 2^15.33, so
 *    d_i < 2^32.8, and with the carry in (< 2^20) still < 2^33.
 * Every intermediate is an integer below 2^33, far below 2^53, so double
 * arithmetic is exact and gives the same bits on V8 and XS. Bit operators
 * are applied only where they are exact: `d & 0x1fff` keeps the low 13 bits
 * of any integer below 2^53 (ToInt32 reduces mod 2^32, which keeps them),
 * and `(d / 8192) | 0` is floor(d / 2^13) because the quotient is below 2^31.
 *
 * Constant time: no branch or index depends on the key, the message bytes
 * or the accumulator; the final reduction selects with a mask (§2.5 "h mod p").
 * Only lengths (public) decide loop counts.
 *
 * Callers check ranges; this file trusts them (validate once at the edge).
 */
import { CryptoScratch, POLY_BLOCK_AT, POLY_WORDS_AT } from "./scratch";

const BLOCK_BYTES = 16;
const LIMBS = 10;
const LIMB_MASK = 0x1fff;
const LIMB_RADIX = 8192; // 2^13
const HIBIT_FULL_BLOCK = 1 << 11; // 2^128 sits at bit 11 of limb 9 (128 = 9 * 13 + 11)

/** Where r, h, g (ten limbs each) and s (eight words) sit in the scratch words. */
const R_AT = POLY_WORDS_AT;
const H_AT = R_AT + LIMBS;
const G_AT = H_AT + LIMBS;
const S_AT = G_AT + LIMBS;
const WORDS_END = S_AT + 8;
const B = POLY_BLOCK_AT;

/** Ten 13-bit limbs of a 16-byte little-endian number (no 2^128 bit) into limbs[to, +10). */
function decodeLimbs(bytes: Uint8Array, at: number, limbs: Int32Array, to: number): void {
  // Two 16-bit words at a time (few locals: this runs on the agent's deepest JS stack, under a frame seal).
  let lo = (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
  let hi = (bytes[at + 2] ?? 0) | ((bytes[at + 3] ?? 0) << 8);
  limbs[to + 0] = lo & LIMB_MASK;
  limbs[to + 1] = ((lo >>> 13) | (hi << 3)) & LIMB_MASK;
  lo = (bytes[at + 4] ?? 0) | ((bytes[at + 5] ?? 0) << 8);
  limbs[to + 2] = ((hi >>> 10) | (lo << 6)) & LIMB_MASK;
  hi = (bytes[at + 6] ?? 0) | ((bytes[at + 7] ?? 0) << 8);
  limbs[to + 3] = ((lo >>> 7) | (hi << 9)) & LIMB_MASK;
  lo = (bytes[at + 8] ?? 0) | ((bytes[at + 9] ?? 0) << 8);
  limbs[to + 4] = ((hi >>> 4) | (lo << 12)) & LIMB_MASK;
  limbs[to + 5] = (lo >>> 1) & LIMB_MASK;
  hi = (bytes[at + 10] ?? 0) | ((bytes[at + 11] ?? 0) << 8);
  limbs[to + 6] = ((lo >>> 14) | (hi << 2)) & LIMB_MASK;
  lo = (bytes[at + 12] ?? 0) | ((bytes[at + 13] ?? 0) << 8);
  limbs[to + 7] = ((hi >>> 11) | (lo << 5)) & LIMB_MASK;
  hi = (bytes[at + 14] ?? 0) | ((bytes[at + 15] ?? 0) << 8);
  limbs[to + 8] = ((lo >>> 8) | (hi << 8)) & LIMB_MASK;
  limbs[to + 9] = hi >>> 5;
}

export class Poly1305 {
  /**
   * The scratch words (scratch.ts): clamped r (§2.5, ten 13-bit limbs, key
   * material) at R_AT; the accumulator h (ten limbs, see the bound above) at
   * H_AT; h + 5 - 2^130 during the final reduction at G_AT; s (§2.5, eight
   * little-endian 16-bit words, key material) at S_AT.
   */
  private readonly words_: Int32Array;
  /** The scratch bytes: at B a short last block, padded (§2.5 or §2.8 pad16), or the §2.8 length block. */
  private readonly bytes_: Uint8Array;

  /** `scratch`: the shared working area (scratch.ts), or none for a MAC of its own. */
  constructor(scratch: CryptoScratch = new CryptoScratch()) {
    this.words_ = scratch.words;
    this.bytes_ = scratch.bytes;
  }

  /** Start a MAC with the 32-byte one-time key r || s at key[keyOffset] (§2.5.1 poly1305_mac). */
  start(key: Uint8Array, keyOffset: number): void {
    const block = this.bytes_;
    const w = this.words_;
    for (let i = 0; i < BLOCK_BYTES; i++) block[B + i] = key[keyOffset + i] ?? 0;
    // Clamp r (§2.5): r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
    block[B + 3] = (block[B + 3] ?? 0) & 15;
    block[B + 7] = (block[B + 7] ?? 0) & 15;
    block[B + 11] = (block[B + 11] ?? 0) & 15;
    block[B + 15] = (block[B + 15] ?? 0) & 15;
    block[B + 4] = (block[B + 4] ?? 0) & 252;
    block[B + 8] = (block[B + 8] ?? 0) & 252;
    block[B + 12] = (block[B + 12] ?? 0) & 252;
    decodeLimbs(block, B, w, R_AT);
    block.fill(0, B, B + BLOCK_BYTES);
    for (let i = 0; i < 8; i++) {
      const at = keyOffset + BLOCK_BYTES + 2 * i;
      w[S_AT + i] = (key[at] ?? 0) | ((key[at + 1] ?? 0) << 8);
    }
    w.fill(0, H_AT, H_AT + LIMBS);
  }

  /**
   * Absorb `length` bytes zero-padded to a multiple of 16 (RFC 8439 §2.8:
   * AAD || pad16(AAD), ciphertext || pad16(ciphertext)). Every block,
   * including the padded last one, carries the 2^128 bit.
   */
  absorbPadded(src: Uint8Array, offset: number, length: number): void {
    // A tail call (here and below): XS reuses this frame, and the AEAD seal sits on the agent's deepest JS stack.
    return this.blocks(src, offset, length, false);
  }

  /**
   * Absorb a whole message the plain Poly1305 way (§2.5): a short last
   * block gets a 0x01 byte after its last octet instead of the 2^128 bit.
   */
  absorbMessage(src: Uint8Array, offset: number, length: number): void {
    return this.blocks(src, offset, length, true);
  }

  /** §2.8: the AAD length, then the ciphertext length, each a 64-bit little-endian integer. */
  absorbLengths(aadLength: number, ciphertextLength: number): void {
    const block = this.bytes_;
    writeLe64(block, B, aadLength);
    writeLe64(block, B + 8, ciphertextLength);
    return this.blocks(block, B, BLOCK_BYTES, false); // a tail call; `blocks` wipes the scratch block after use
  }

  /** tag = (h mod p + s) mod 2^128 into out[outOffset, +16) (§2.5), then wipe all key material. */
  finish(out: Uint8Array, outOffset: number): void {
    const w = this.words_;
    // One carry pass normalizes: only h1 (< 2^13 + 2^10) can exceed 13 bits. If its carry ripples
    // out of h9 and back through h0, h1 has just dropped below 2^10, so the +1 cannot overflow it.
    // Afterwards every limb is < 2^13, so h < 2^130 < 2p and one conditional subtraction is enough.
    let carry = 0;
    for (let i = 1; i < LIMBS; i++) {
      const v = (w[H_AT + i] ?? 0) + carry;
      carry = v >>> 13;
      w[H_AT + i] = v & LIMB_MASK;
    }
    const v0 = (w[H_AT] ?? 0) + 5 * carry; // 2^130 = 5 (mod p)
    w[H_AT] = v0 & LIMB_MASK;
    w[H_AT + 1] = (w[H_AT + 1] ?? 0) + (v0 >>> 13);
    // g = h + 5 - 2^130 = h - p; bit 130 of h + 5 is set exactly when h >= p.
    carry = 5;
    for (let i = 0; i < LIMBS; i++) {
      const v = (w[H_AT + i] ?? 0) + carry;
      carry = v >>> 13;
      w[G_AT + i] = v & LIMB_MASK;
    }
    const takeG = -carry; // all ones when h >= p, else zero: a select, not a branch
    for (let i = 0; i < LIMBS; i++) w[H_AT + i] = ((w[H_AT + i] ?? 0) & ~takeG) | ((w[G_AT + i] ?? 0) & takeG);
    this.addPadInto(out, outOffset);
    this.wipe();
  }

  /** Zero r, s, h and the scratch block. */
  wipe(): void {
    this.words_.fill(0, R_AT, WORDS_END);
    this.bytes_.fill(0, B, B + BLOCK_BYTES);
  }

  /** (low 128 bits of h) + s mod 2^128, serialized little-endian; word k holds bits 16k..16k+15, limb j starts at bit 13j. */
  private addPadInto(out: Uint8Array, at: number): void {
    const w = this.words_;
    const h0 = w[H_AT] ?? 0;
    const h1 = w[H_AT + 1] ?? 0;
    const h2 = w[H_AT + 2] ?? 0;
    const h3 = w[H_AT + 3] ?? 0;
    const h4 = w[H_AT + 4] ?? 0;
    const h5 = w[H_AT + 5] ?? 0;
    const h6 = w[H_AT + 6] ?? 0;
    const h7 = w[H_AT + 7] ?? 0;
    const h8 = w[H_AT + 8] ?? 0;
    const h9 = w[H_AT + 9] ?? 0;
    let v = ((h0 | (h1 << 13)) & 0xffff) + (w[S_AT + 0] ?? 0);
    out[at] = v;
    out[at + 1] = v >>> 8;
    v = (((h1 >>> 3) | (h2 << 10)) & 0xffff) + (w[S_AT + 1] ?? 0) + (v >>> 16);
    out[at + 2] = v;
    out[at + 3] = v >>> 8;
    v = (((h2 >>> 6) | (h3 << 7)) & 0xffff) + (w[S_AT + 2] ?? 0) + (v >>> 16);
    out[at + 4] = v;
    out[at + 5] = v >>> 8;
    v = (((h3 >>> 9) | (h4 << 4)) & 0xffff) + (w[S_AT + 3] ?? 0) + (v >>> 16);
    out[at + 6] = v;
    out[at + 7] = v >>> 8;
    v = (((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff) + (w[S_AT + 4] ?? 0) + (v >>> 16);
    out[at + 8] = v;
    out[at + 9] = v >>> 8;
    v = (((h6 >>> 2) | (h7 << 11)) & 0xffff) + (w[S_AT + 5] ?? 0) + (v >>> 16);
    out[at + 10] = v;
    out[at + 11] = v >>> 8;
    v = (((h7 >>> 5) | (h8 << 8)) & 0xffff) + (w[S_AT + 6] ?? 0) + (v >>> 16);
    out[at + 12] = v;
    out[at + 13] = v >>> 8;
    v = (((h8 >>> 8) | (h9 << 5)) & 0xffff) + (w[S_AT + 7] ?? 0) + (v >>> 16);
    out[at + 14] = v;
    out[at + 15] = v >>> 8; // the carry out of bit 128 is dropped (mod 2^128)
  }

  /**
   * h = (h + block + hibit) * r mod p for every 16-byte block of
   * src[offset, +length) (§2.5). Whole blocks are read in place; a short
   * last block goes through the scratch block, zero-padded, and either
   * carries the 2^128 bit like a whole one (§2.8 pad16) or, when
   * `markShortBlock`, a 0x01 byte after its last octet instead (§2.5). One
   * function, not a loop plus a tail helper: the AEAD seal sits on the
   * agent's deepest JS stack, and each call level costs XS stack slots.
   */
  private blocks(src: Uint8Array, offset: number, length: number, markShortBlock: boolean): void {
    // Few locals (h and r in ten each, one column at a time, no 5r copies): every local is an XS stack slot,
    // and this frame is the top of the agent's deepest JS stack (a frame sealed inside a mesh tick).
    const full = length >>> 4;
    const rest = length & 15;
    const W = this.words_;
    const r0 = W[R_AT + 0] ?? 0;
    const r1 = W[R_AT + 1] ?? 0;
    const r2 = W[R_AT + 2] ?? 0;
    const r3 = W[R_AT + 3] ?? 0;
    const r4 = W[R_AT + 4] ?? 0;
    const r5 = W[R_AT + 5] ?? 0;
    const r6 = W[R_AT + 6] ?? 0;
    const r7 = W[R_AT + 7] ?? 0;
    const r8 = W[R_AT + 8] ?? 0;
    const r9 = W[R_AT + 9] ?? 0;
    // During the product, column i's low 13 bits go to h's word i and the rest (< 2^21) to g's: g is free until finish.
    let from = src;
    let hibit = HIBIT_FULL_BLOCK;
    let h0 = W[H_AT + 0] ?? 0;
    let h1 = W[H_AT + 1] ?? 0;
    let h2 = W[H_AT + 2] ?? 0;
    let h3 = W[H_AT + 3] ?? 0;
    let h4 = W[H_AT + 4] ?? 0;
    let h5 = W[H_AT + 5] ?? 0;
    let h6 = W[H_AT + 6] ?? 0;
    let h7 = W[H_AT + 7] ?? 0;
    let h8 = W[H_AT + 8] ?? 0;
    let h9 = W[H_AT + 9] ?? 0;
    for (let b = 0, at = offset; b < full || (b === full && rest > 0); b++, at += BLOCK_BYTES) {
      if (b === full) {
        // The short last block, padded in the scratch block.
        from = this.bytes_;
        from.fill(0, B, B + BLOCK_BYTES);
        for (let i = 0; i < rest; i++) from[B + i] = src[at + i] ?? 0;
        if (markShortBlock) {
          from[B + rest] = 1;
          hibit = 0;
        }
        at = B;
      }
      // Add the block (the limb layout of decodeLimbs, two 16-bit words at a time: this is the hot loop).
      let lo = (from[at] ?? 0) | ((from[at + 1] ?? 0) << 8);
      let hi = (from[at + 2] ?? 0) | ((from[at + 3] ?? 0) << 8);
      h0 += lo & LIMB_MASK;
      h1 += ((lo >>> 13) | (hi << 3)) & LIMB_MASK;
      lo = (from[at + 4] ?? 0) | ((from[at + 5] ?? 0) << 8);
      h2 += ((hi >>> 10) | (lo << 6)) & LIMB_MASK;
      hi = (from[at + 6] ?? 0) | ((from[at + 7] ?? 0) << 8);
      h3 += ((lo >>> 7) | (hi << 9)) & LIMB_MASK;
      lo = (from[at + 8] ?? 0) | ((from[at + 9] ?? 0) << 8);
      h4 += ((hi >>> 4) | (lo << 12)) & LIMB_MASK;
      h5 += (lo >>> 1) & LIMB_MASK;
      hi = (from[at + 10] ?? 0) | ((from[at + 11] ?? 0) << 8);
      h6 += ((lo >>> 14) | (hi << 2)) & LIMB_MASK;
      lo = (from[at + 12] ?? 0) | ((from[at + 13] ?? 0) << 8);
      h7 += ((hi >>> 11) | (lo << 5)) & LIMB_MASK;
      hi = (from[at + 14] ?? 0) | ((from[at + 15] ?? 0) << 8);
      h8 += ((lo >>> 8) | (hi << 8)) & LIMB_MASK;
      h9 += (hi >>> 5) | hibit;
      // Schoolbook product mod 2^130 - 5: column i collects h_j * r[i-j], or * 5 r[i-j+10] past 2^130
      // (2^130 = 5 mod p). Each column d < 2^33 (file comment) is split: d & 0x1fff, and floor(d / 2^13).
      let d = h0 * r0 + 5 * (h1 * r9 + h2 * r8 + h3 * r7 + h4 * r6 + h5 * r5 + h6 * r4 + h7 * r3 + h8 * r2 + h9 * r1);
      W[H_AT + 0] = d & LIMB_MASK;
      W[G_AT + 0] = (d / LIMB_RADIX) | 0;
      d = h0 * r1 + h1 * r0 + 5 * (h2 * r9 + h3 * r8 + h4 * r7 + h5 * r6 + h6 * r5 + h7 * r4 + h8 * r3 + h9 * r2);
      W[H_AT + 1] = d & LIMB_MASK;
      W[G_AT + 1] = (d / LIMB_RADIX) | 0;
      d = h0 * r2 + h1 * r1 + h2 * r0 + 5 * (h3 * r9 + h4 * r8 + h5 * r7 + h6 * r6 + h7 * r5 + h8 * r4 + h9 * r3);
      W[H_AT + 2] = d & LIMB_MASK;
      W[G_AT + 2] = (d / LIMB_RADIX) | 0;
      d = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + 5 * (h4 * r9 + h5 * r8 + h6 * r7 + h7 * r6 + h8 * r5 + h9 * r4);
      W[H_AT + 3] = d & LIMB_MASK;
      W[G_AT + 3] = (d / LIMB_RADIX) | 0;
      d = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + 5 * (h5 * r9 + h6 * r8 + h7 * r7 + h8 * r6 + h9 * r5);
      W[H_AT + 4] = d & LIMB_MASK;
      W[G_AT + 4] = (d / LIMB_RADIX) | 0;
      d = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + 5 * (h6 * r9 + h7 * r8 + h8 * r7 + h9 * r6);
      W[H_AT + 5] = d & LIMB_MASK;
      W[G_AT + 5] = (d / LIMB_RADIX) | 0;
      d = h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + 5 * (h7 * r9 + h8 * r8 + h9 * r7);
      W[H_AT + 6] = d & LIMB_MASK;
      W[G_AT + 6] = (d / LIMB_RADIX) | 0;
      d = h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + 5 * (h8 * r9 + h9 * r8);
      W[H_AT + 7] = d & LIMB_MASK;
      W[G_AT + 7] = (d / LIMB_RADIX) | 0;
      d = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + 5 * (h9 * r9);
      W[H_AT + 8] = d & LIMB_MASK;
      W[G_AT + 8] = (d / LIMB_RADIX) | 0;
      d = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
      W[H_AT + 9] = d & LIMB_MASK;
      W[G_AT + 9] = (d / LIMB_RADIX) | 0;
      // Carry pass: column i + the carry in, back to 13 bits; the carry out of limb 9 folded in times 5.
      // Column i + carry = g_i * 2^13 + (h_i + carry), so the carry out is g_i + floor((h_i + carry) / 2^13).
      h0 = W[H_AT + 0] ?? 0;
      let c = W[G_AT + 0] ?? 0;
      d = (W[H_AT + 1] ?? 0) + c;
      h1 = d & LIMB_MASK;
      c = (W[G_AT + 1] ?? 0) + (d >>> 13);
      d = (W[H_AT + 2] ?? 0) + c;
      h2 = d & LIMB_MASK;
      c = (W[G_AT + 2] ?? 0) + (d >>> 13);
      d = (W[H_AT + 3] ?? 0) + c;
      h3 = d & LIMB_MASK;
      c = (W[G_AT + 3] ?? 0) + (d >>> 13);
      d = (W[H_AT + 4] ?? 0) + c;
      h4 = d & LIMB_MASK;
      c = (W[G_AT + 4] ?? 0) + (d >>> 13);
      d = (W[H_AT + 5] ?? 0) + c;
      h5 = d & LIMB_MASK;
      c = (W[G_AT + 5] ?? 0) + (d >>> 13);
      d = (W[H_AT + 6] ?? 0) + c;
      h6 = d & LIMB_MASK;
      c = (W[G_AT + 6] ?? 0) + (d >>> 13);
      d = (W[H_AT + 7] ?? 0) + c;
      h7 = d & LIMB_MASK;
      c = (W[G_AT + 7] ?? 0) + (d >>> 13);
      d = (W[H_AT + 8] ?? 0) + c;
      h8 = d & LIMB_MASK;
      c = (W[G_AT + 8] ?? 0) + (d >>> 13);
      d = (W[H_AT + 9] ?? 0) + c;
      h9 = d & LIMB_MASK;
      c = (W[G_AT + 9] ?? 0) + (d >>> 13);
      h0 += 5 * c; // c < 2^20 (c is floor(column 9 / 2^13)), so h0 < 2^22.4; one more carry into h1 (< 2^10)
      c = h0 >>> 13;
      h0 &= LIMB_MASK;
      h1 += c;
    }
    W[H_AT + 0] = h0;
    W[H_AT + 1] = h1;
    W[H_AT + 2] = h2;
    W[H_AT + 3] = h3;
    W[H_AT + 4] = h4;
    W[H_AT + 5] = h5;
    W[H_AT + 6] = h6;
    W[H_AT + 7] = h7;
    W[H_AT + 8] = h8;
    W[H_AT + 9] = h9;
    W.fill(0, G_AT, G_AT + LIMBS);
    if (from === this.bytes_) from.fill(0, B, B + BLOCK_BYTES); // a padded last block, or the length block
  }
}

/** A non-negative integer below 2^53 as 8 little-endian bytes. */
function writeLe64(out: Uint8Array, at: number, value: number): void {
  const low = value % 0x1_0000_0000;
  const high = (value - low) / 0x1_0000_0000;
  out[at] = low;
  out[at + 1] = low >>> 8;
  out[at + 2] = low >>> 16;
  out[at + 3] = low >>> 24;
  out[at + 4] = high;
  out[at + 5] = high >>> 8;
  out[at + 6] = high >>> 16;
  out[at + 7] = high >>> 24;
}
