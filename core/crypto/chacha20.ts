/**
 * The ChaCha20 block function and stream cipher (RFC 8439 §2.3, §2.4), in
 * place on caller buffers.
 *
 * Why not noble here: every frame is sealed and opened, and the hot path must
 * allocate nothing after start (docs/architecture.md "Rules"); noble's
 * cipher builds instances and arrays per call. Its working state (the input
 * block, the mixed words, one serialized keystream block) lives in fixed
 * regions of a CryptoScratch (scratch.ts) made at run time; `setup`,
 * `block` and `xor` allocate nothing. Key, nonce and offsets are read in place (no subarrays).
 *
 * Constant time: only 32-bit adds, xors and fixed rotations; no branch or
 * index depends on key, nonce or data.
 *
 * Callers (chacha20-poly1305.ts, tests) check lengths and ranges; inside
 * this file they are trusted (validate once at the edge).
 */
import { CHACHA_KEYSTREAM_AT, CHACHA_WORDS_AT, CryptoScratch } from "./scratch";

export const CHACHA20_BLOCK_BYTES = 64;
/**
 * Where the input block (16 words) and the mixed block (16 words) sit in the
 * scratch words: at word 0 (scratch.ts), so the unrolled `mix` below reads
 * input word k at [k] and writes mixed word k at [16 + k].
 */
const IN = CHACHA_WORDS_AT;
const MIX = CHACHA_WORDS_AT + 16;
const KS = CHACHA_KEYSTREAM_AT;

// "expand 32-byte k" as four little-endian words (RFC 8439 §2.3).
const SIGMA_0 = 0x61707865;
const SIGMA_1 = 0x3320646e;
const SIGMA_2 = 0x79622d32;
const SIGMA_3 = 0x6b206574;

const DOUBLE_ROUNDS = 10; // 20 rounds: 10 x (column round + diagonal round), RFC 8439 §2.3

function readLe32(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24);
}

export class ChaCha20 {
  /**
   * The scratch words: at IN the input block (§2.3: constants, key words
   * 4..11, counter 12, nonce 13..15; key material, wiped by `wipe`), at MIX
   * the block after the rounds plus the input, before serialization.
   */
  private readonly words_: Int32Array;
  /** The scratch bytes: at CHACHA_KEYSTREAM_AT the serialized output of the last `block` call (§2.3: words in little-endian order). */
  readonly bytes: Uint8Array;

  /** `scratch`: the shared working area (scratch.ts), or none for a cipher of its own. */
  constructor(scratch: CryptoScratch = new CryptoScratch()) {
    this.words_ = scratch.words;
    this.bytes = scratch.bytes;
  }

  /** A view of the last keystream block (a new view per call: for tests; valid until the next call on this scratch). */
  get keystream(): Uint8Array {
    return this.bytes.subarray(KS, KS + CHACHA20_BLOCK_BYTES);
  }

  /** Load a 32-byte key and 12-byte nonce (§2.3: both read as little-endian words). */
  setup(key: Uint8Array, keyOffset: number, nonce: Uint8Array, nonceOffset: number): void {
    const s = this.words_;
    s[IN] = SIGMA_0;
    s[IN + 1] = SIGMA_1;
    s[IN + 2] = SIGMA_2;
    s[IN + 3] = SIGMA_3;
    for (let i = 0; i < 8; i++) s[IN + 4 + i] = readLe32(key, keyOffset + 4 * i);
    s[IN + 12] = 0;
    for (let i = 0; i < 3; i++) s[IN + 13 + i] = readLe32(nonce, nonceOffset + 4 * i);
  }

  /** The keystream block for `counter` (0..2^32-1) into `keystream` (§2.3.1 chacha20_block). */
  block(counter: number): void {
    this.mix(counter);
    this.serializeMixed();
  }

  /**
   * The words the last `mix` left, serialized little-endian into the
   * keystream bytes (Uint8Array stores keep the low 8 bits). With `mix`,
   * `block` in two calls side by side: one call level less on a deep stack
   * (the AEAD's one-time key is made inside a frame seal).
   */
  serializeMixed(): void {
    const m = this.words_;
    const out = this.bytes;
    for (let i = 0, at = KS; i < 16; i++, at += 4) {
      const word = m[MIX + i] ?? 0;
      out[at] = word;
      out[at + 1] = word >>> 8;
      out[at + 2] = word >>> 16;
      out[at + 3] = word >>> 24;
    }
  }

  /** The 20 rounds plus the input block (§2.3), as sixteen words at MIX (input at [0, 16), mixed at [16, 32): IN is 0). */
  mix(counter: number): void {
    const s = this.words_;
    s[12] = counter; // Int32Array store: the 32-bit pattern of the counter
    let x0 = s[0] ?? 0;
    let x1 = s[1] ?? 0;
    let x2 = s[2] ?? 0;
    let x3 = s[3] ?? 0;
    let x4 = s[4] ?? 0;
    let x5 = s[5] ?? 0;
    let x6 = s[6] ?? 0;
    let x7 = s[7] ?? 0;
    let x8 = s[8] ?? 0;
    let x9 = s[9] ?? 0;
    let x10 = s[10] ?? 0;
    let x11 = s[11] ?? 0;
    let x12 = s[12] ?? 0;
    let x13 = s[13] ?? 0;
    let x14 = s[14] ?? 0;
    let x15 = s[15] ?? 0;
    // Quarter round (§2.1): a += b; d ^= a; d <<<= 16; c += d; b ^= c; b <<<= 12;
    //                       a += b; d ^= a; d <<<= 8;  c += d; b ^= c; b <<<= 7.
    // Written out in place: a call per quarter round costs more than the round on XS.
    for (let round = 0; round < DOUBLE_ROUNDS; round++) {
      // Column round: QR(0,4,8,12) QR(1,5,9,13) QR(2,6,10,14) QR(3,7,11,15).
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);

      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);

      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);

      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);

      // Diagonal round: QR(0,5,10,15) QR(1,6,11,12) QR(2,7,8,13) QR(3,4,9,14).
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);

      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);

      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);

      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
    }
    // §2.3: add the input block word by word (mod 2^32: Int32Array stores wrap). No alias for s: every local
    // is an XS stack slot, and this frame tops the agent's deepest JS stack (a frame sealed inside a mesh tick).
    s[16] = x0 + (s[0] ?? 0);
    s[17] = x1 + (s[1] ?? 0);
    s[18] = x2 + (s[2] ?? 0);
    s[19] = x3 + (s[3] ?? 0);
    s[20] = x4 + (s[4] ?? 0);
    s[21] = x5 + (s[5] ?? 0);
    s[22] = x6 + (s[6] ?? 0);
    s[23] = x7 + (s[7] ?? 0);
    s[24] = x8 + (s[8] ?? 0);
    s[25] = x9 + (s[9] ?? 0);
    s[26] = x10 + (s[10] ?? 0);
    s[27] = x11 + (s[11] ?? 0);
    s[28] = x12 + (s[12] ?? 0);
    s[29] = x13 + (s[13] ?? 0);
    s[30] = x14 + (s[14] ?? 0);
    s[31] = x15 + (s[15] ?? 0);
  }

  /**
   * dst[dstOffset, +length) = src[srcOffset, +length) XOR the keystream
   * from block `counter` on (§2.4.1). The last block's unused keystream is
   * discarded. dst may be src at the same offset (in place) or start before
   * it; other overlaps are not supported. Caller guarantees the 32-bit
   * block counter does not wrap: counter + ceil(length / 64) - 1 <= 2^32 - 1.
   */
  xor(counter: number, src: Uint8Array, srcOffset: number, length: number, dst: Uint8Array, dstOffset: number): void {
    const m = this.words_;
    const fullBlocks = length >>> 6;
    let from = srcOffset;
    let to = dstOffset;
    // Whole blocks straight from the words: four bytes per step, no serialized copy (half the XS cost per byte).
    for (let b = 0; b < fullBlocks; b++) {
      this.mix(counter + b);
      for (let i = 0; i < 16; i++, from += 4, to += 4) {
        const word = m[MIX + i] ?? 0;
        dst[to] = (src[from] ?? 0) ^ word;
        dst[to + 1] = (src[from + 1] ?? 0) ^ (word >>> 8);
        dst[to + 2] = (src[from + 2] ?? 0) ^ (word >>> 16);
        dst[to + 3] = (src[from + 3] ?? 0) ^ (word >>> 24);
      }
    }
    if ((length & 63) === 0) return;
    // The tail, from the words too (byte i is bits 8(i mod 4).. of word i/4): its unused keystream is discarded
    // (§2.4). Not through `block`: this sits on the agent's deepest JS stack, and each call level costs XS slots.
    this.mix(counter + fullBlocks);
    for (let i = 0; i < (length & 63); i++) dst[to + i] = (src[from + i] ?? 0) ^ ((m[MIX + (i >>> 2)] ?? 0) >>> ((i & 3) << 3));
  }

  /** Zero the key, nonce and keystream held here (called after every AEAD operation). */
  wipe(): void {
    this.words_.fill(0, IN, MIX + 16);
    this.bytes.fill(0, KS, KS + CHACHA20_BLOCK_BYTES);
  }
}
