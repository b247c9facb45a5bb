/**
 * Keyed BLAKE2s (RFC 7693) as a MAC over raw key bytes, for Moddable
 * preload: the module body makes only frozen constant arrays; the working
 * words live in a region the caller supplies (an arena, like LinkScratch)
 * or in a buffer of the instance's own, made at run time.
 *
 * Why BLAKE2s for link tags: keyed hashing is native (RFC 7693 §3.3: the key,
 * zero-padded to a full block, is the first block), so a tag is one pass
 * over key block + data, where HMAC needs two hashes; its 32-bit words suit
 * XS integer slots. The digest length is a parameter-block field (§2.5), so
 * an 8-byte tag is its own function, not a cut 32-byte digest. An optional
 * 8-byte personalization (parameter block bytes 24..31, BLAKE2 paper §2.8)
 * separates the uses of one key (zeros when absent).
 *
 * One call per tag (`tagAt`): no init/update/final, nothing allocated, nothing
 * thrown. Lengths and ranges are checked once at the edge; a bad one returns
 * ErrorCode.InvalidArgument with `out` untouched. The words kept in the
 * region (m, h, t) are zeroed before the call returns. The sixteen working
 * words v (§3.2) are locals, as in chacha20.ts `mix`, and are left on the XS
 * stack as `mix` leaves its own: kept in the region instead, an 8-byte tag
 * over 40 bytes cost 2.3x the computrons on XS (42,789 against 18,869) for
 * 15 fewer stack slots (measured on the XS host; test/xs/blake2s.test.ts
 * prints the current figures).
 * `tagAt` reaches the work through a tail call (XS reuses its frame).
 *
 * Words are kept as signed 32-bit integers (Int32Array, `| 0`) so XS computes
 * on integer slots, not doubles. Constant time in the data and key: only
 * 32-bit adds, xors and fixed rotations; the message schedule depends on the
 * round number only.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";

export const BLAKE2S_BLOCK_BYTES = 64;
export const BLAKE2S_KEY_BYTES_MAX = 32;
export const BLAKE2S_OUT_BYTES_MAX = 32;
/** BLAKE2 paper §2.8: the personalization field of the BLAKE2s parameter block is 8 bytes. */
export const BLAKE2S_PERSONAL_BYTES = 8;

/** Where each part of the state sits in the words: m[16] (§3.2 message block) at 0, so the schedule indexes it directly; h[8]; t (low, high). */
const M = 0;
const H = 16;
const T = 24;
const STATE_WORDS = 26;

/** Bytes a Blake2sMac takes in a caller's buffer (from a 4-byte aligned base: arena regions are 8-aligned). */
export const BLAKE2S_MAC_SCRATCH_BYTES = STATE_WORDS * 4;

/** RFC 7693 §2.6: the BLAKE2s IV (the SHA-256 H(0) words). */
const IV0 = 0x6a09e667 | 0;
const IV1 = 0xbb67ae85 | 0;
const IV2 = 0x3c6ef372 | 0;
const IV3 = 0xa54ff53a | 0;
const IV4 = 0x510e527f | 0;
const IV5 = 0x9b05688c | 0;
const IV6 = 0x1f83d9ab | 0;
const IV7 = 0x5be0cd19 | 0;

/** RFC 7693 §2.7: SIGMA, the message word permutation of each of the 10 rounds (§2.1: BLAKE2s has 10). */
const SIGMA: readonly number[] = Object.freeze([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
  7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
  2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
  13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
  10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
]);
const ROUNDS = 10;

/** True when [offset, offset + length) is a range of integers inside a buffer of `size` bytes. */
function inRange(size: number, offset: number, length: number): boolean {
  return (offset >>> 0) === offset && (length >>> 0) === length && offset + length <= size;
}

export class Blake2sMac {
  /** The state words (m at M, h at H, t at T); zero between calls. */
  private readonly words_: Int32Array;

  /** In BLAKE2S_MAC_SCRATCH_BYTES of `buffer` from `base` (a multiple of 4: the transport's arena, arena.ts), or in a buffer of its own. */
  constructor(buffer?: ArrayBuffer, base = 0) {
    this.words_ = buffer === undefined ? new Int32Array(STATE_WORDS) : new Int32Array(buffer, base, STATE_WORDS);
  }

  /**
   * out[outOffset, +outBytes) = BLAKE2s(data[dataOffset, +dataLength)) keyed by
   * key[keyOffset, +keyBytes) (1..32 bytes, RFC 7693 §2.5 kk), digest length
   * outBytes (1..32, nn) and `personal` (8 bytes, or null for zeros).
   * InvalidArgument, `out` untouched, for any other length or a range past
   * its buffer. A key of 0 bytes is refused: that would be an unkeyed hash
   * (a key read back empty must not yield a tag anyone can compute).
   */
  tagAt(
    key: Uint8Array,
    keyOffset: number,
    keyBytes: number,
    personal: Uint8Array | null,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    out: Uint8Array,
    outOffset: number,
    outBytes: number,
  ): Status {
    if (keyBytes < 1 || keyBytes > BLAKE2S_KEY_BYTES_MAX || !inRange(key.length, keyOffset, keyBytes)) return ErrorCode.InvalidArgument;
    return this.run_(key, keyOffset, keyBytes, personal, data, dataOffset, dataLength, out, outOffset, outBytes);
  }

  /** The unkeyed hash (RFC 7693 §3.3 with kk = 0): the known answers of RFC 7693 App. B and E; same checks as `tagAt`. */
  hashAt(personal: Uint8Array | null, data: Uint8Array, dataOffset: number, dataLength: number, out: Uint8Array, outOffset: number, outBytes: number): Status {
    return this.run_(data, 0, 0, personal, data, dataOffset, dataLength, out, outOffset, outBytes);
  }

  /** RFC 7693 §3.3 BLAKE2 (the whole message at once), after the key checks of its callers. */
  private run_(
    key: Uint8Array,
    keyOffset: number,
    keyBytes: number,
    personal: Uint8Array | null,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    out: Uint8Array,
    outOffset: number,
    outBytes: number,
  ): Status {
    if (outBytes < 1 || outBytes > BLAKE2S_OUT_BYTES_MAX || !inRange(out.length, outOffset, outBytes)) return ErrorCode.InvalidArgument;
    if (!inRange(data.length, dataOffset, dataLength)) return ErrorCode.InvalidArgument;
    if (personal !== null && personal.length !== BLAKE2S_PERSONAL_BYTES) return ErrorCode.InvalidArgument;
    const w = this.words_;
    // §2.5 parameter block, XORed into the IV: word 0 = digest length | key length << 8 | fanout 1 << 16 | depth 1 << 24;
    // words 1..5 (leaf length, node offset, node depth, inner length, salt) zero; words 6..7 the personalization (paper §2.8).
    w[H] = IV0 ^ 0x01010000 ^ (keyBytes << 8) ^ outBytes;
    w[H + 1] = IV1;
    w[H + 2] = IV2;
    w[H + 3] = IV3;
    w[H + 4] = IV4;
    w[H + 5] = IV5;
    w[H + 6] = personal === null ? IV6 : IV6 ^ readLe32(personal, 0);
    w[H + 7] = personal === null ? IV7 : IV7 ^ readLe32(personal, 4);
    // §3.3: blocks d[0..dd-1]; the key block first when kk > 0; the last block padded with zeros and flagged final.
    // An empty message with no key is one block of zeros.
    let counted = 0;
    if (keyBytes > 0) {
      this.load_(key, keyOffset, keyBytes);
      counted = BLAKE2S_BLOCK_BYTES;
      this.compress_(counted, dataLength === 0);
    }
    let at = dataOffset;
    let left = dataLength;
    while (left > BLAKE2S_BLOCK_BYTES) {
      this.load_(data, at, BLAKE2S_BLOCK_BYTES);
      counted += BLAKE2S_BLOCK_BYTES;
      this.compress_(counted, false);
      at += BLAKE2S_BLOCK_BYTES;
      left -= BLAKE2S_BLOCK_BYTES;
    }
    if (left > 0 || keyBytes === 0) {
      this.load_(data, at, left);
      counted += left;
      this.compress_(counted, true);
    }
    // §3.3: the first nn bytes of h, little-endian (Uint8Array stores keep the low 8 bits).
    for (let i = 0; i < outBytes; i++) out[outOffset + i] = (w[H + (i >>> 2)] ?? 0) >>> ((i & 3) << 3);
    w.fill(0);
    return ErrorCode.Ok;
  }

  /** m = src[at, +length) as 16 little-endian words, zero-padded to the block (§3.3). */
  private load_(src: Uint8Array, at: number, length: number): void {
    const w = this.words_;
    // Whole words four bytes at a time (a 32-byte key is 8 of them), then the 0..3 bytes left into a zeroed word.
    const whole = length >>> 2;
    let p = at;
    for (let i = 0; i < whole; i++, p += 4) {
      w[M + i] = (src[p] ?? 0) | ((src[p + 1] ?? 0) << 8) | ((src[p + 2] ?? 0) << 16) | ((src[p + 3] ?? 0) << 24);
    }
    if (whole === 16) return;
    w.fill(0, M + whole, M + 16);
    for (let j = 0; j < (length & 3); j++) w[M + whole] = (w[M + whole] ?? 0) | ((src[p + j] ?? 0) << (j << 3));
  }

  /**
   * RFC 7693 §3.2 F: h ^= the ten rounds of G over v = h || IV, with t
   * (`counted` bytes so far, as two words) and the final-block flag mixed
   * into v12..v14.
   */
  private compress_(counted: number, last: boolean): void {
    const w = this.words_;
    w[T] = counted; // Int32Array stores wrap: the low word of t
    w[T + 1] = counted / 4294967296; // the high word (truncated toward zero)
    let v0 = w[H] ?? 0;
    let v1 = w[H + 1] ?? 0;
    let v2 = w[H + 2] ?? 0;
    let v3 = w[H + 3] ?? 0;
    let v4 = w[H + 4] ?? 0;
    let v5 = w[H + 5] ?? 0;
    let v6 = w[H + 6] ?? 0;
    let v7 = w[H + 7] ?? 0;
    let v8 = IV0;
    let v9 = IV1;
    let v10 = IV2;
    let v11 = IV3;
    let v12 = IV4 ^ (w[T] ?? 0);
    let v13 = IV5 ^ (w[T + 1] ?? 0);
    let v14 = last ? ~IV6 : IV6;
    let v15 = IV7;
    // G (§3.1), rotations R1..R4 = 16, 12, 8, 7; written out in place (a call per G costs more than G on XS):
    //   a = a + b + x; d = (d ^ a) >>> 16; c = c + d; b = (b ^ c) >>> 12;
    //   a = a + b + y; d = (d ^ a) >>> 8;  c = c + d; b = (b ^ c) >>> 7.
    for (let s = 0; s < ROUNDS * 16; s += 16) {
      // Columns: G(v0,v4,v8,v12) G(v1,v5,v9,v13) G(v2,v6,v10,v14) G(v3,v7,v11,v15), words SIGMA[r][0..7].
      v0 = (v0 + v4 + (w[SIGMA[s] ?? 0] ?? 0)) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
      v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
      v0 = (v0 + v4 + (w[SIGMA[s + 1] ?? 0] ?? 0)) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
      v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);

      v1 = (v1 + v5 + (w[SIGMA[s + 2] ?? 0] ?? 0)) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
      v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
      v1 = (v1 + v5 + (w[SIGMA[s + 3] ?? 0] ?? 0)) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
      v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);

      v2 = (v2 + v6 + (w[SIGMA[s + 4] ?? 0] ?? 0)) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
      v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
      v2 = (v2 + v6 + (w[SIGMA[s + 5] ?? 0] ?? 0)) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
      v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);

      v3 = (v3 + v7 + (w[SIGMA[s + 6] ?? 0] ?? 0)) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
      v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
      v3 = (v3 + v7 + (w[SIGMA[s + 7] ?? 0] ?? 0)) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
      v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);

      // Diagonals: G(v0,v5,v10,v15) G(v1,v6,v11,v12) G(v2,v7,v8,v13) G(v3,v4,v9,v14), words SIGMA[r][8..15].
      v0 = (v0 + v5 + (w[SIGMA[s + 8] ?? 0] ?? 0)) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
      v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
      v0 = (v0 + v5 + (w[SIGMA[s + 9] ?? 0] ?? 0)) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
      v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);

      v1 = (v1 + v6 + (w[SIGMA[s + 10] ?? 0] ?? 0)) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
      v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
      v1 = (v1 + v6 + (w[SIGMA[s + 11] ?? 0] ?? 0)) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
      v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);

      v2 = (v2 + v7 + (w[SIGMA[s + 12] ?? 0] ?? 0)) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
      v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
      v2 = (v2 + v7 + (w[SIGMA[s + 13] ?? 0] ?? 0)) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
      v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);

      v3 = (v3 + v4 + (w[SIGMA[s + 14] ?? 0] ?? 0)) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
      v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
      v3 = (v3 + v4 + (w[SIGMA[s + 15] ?? 0] ?? 0)) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
      v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
    }
    // §3.2: h[i] ^= v[i] ^ v[i + 8].
    w[H] = (w[H] ?? 0) ^ v0 ^ v8;
    w[H + 1] = (w[H + 1] ?? 0) ^ v1 ^ v9;
    w[H + 2] = (w[H + 2] ?? 0) ^ v2 ^ v10;
    w[H + 3] = (w[H + 3] ?? 0) ^ v3 ^ v11;
    w[H + 4] = (w[H + 4] ?? 0) ^ v4 ^ v12;
    w[H + 5] = (w[H + 5] ?? 0) ^ v5 ^ v13;
    w[H + 6] = (w[H + 6] ?? 0) ^ v6 ^ v14;
    w[H + 7] = (w[H + 7] ?? 0) ^ v7 ^ v15;
  }
}

function readLe32(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24);
}
