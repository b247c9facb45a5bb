/**
 * One working area for the symmetric primitives (SHA-256, HMAC, HKDF,
 * ChaCha20, Poly1305, the AEAD) and the provider that drives them: one
 * ArrayBuffer with one Int32Array and one Uint8Array over it. On XS every
 * typed array costs heap slots of its own (instance, ArrayBuffer, chunk
 * header, the field that holds it), so one area with fixed regions costs
 * far less than a buffer per primitive. Made at run time (a buffer made by
 * a preloaded module body is read-only on a board: Moddable
 * `documentation/xs/preload.md`).
 *
 * Rule: a scratch hosts at most one instance of each primitive (the
 * provider makes one of each on its scratch; a primitive made without one
 * makes its own).
 *
 * Regions. Everything that holds state from one call to the next has a
 * region of its own, so any interleaving of calls gives the same bytes as
 * running the primitives on separate buffers:
 *  - SHA-256 H and W (§6.2 of FIPS 180-4) and its pending block;
 *  - HMAC's K0 (held from `begin` to `digestInto`, RFC 2104 §2);
 *  - the ChaCha20 input block and Poly1305's r, s and h (held from `setup`
 *    or `start` to the last block; the AEAD wipes them before returning);
 *  - the provider's seed buffer (it receives an AEAD-opened key in
 *    `unwrapKey`, so it must not meet the AEAD's regions).
 * One region is shared, TRANSIENT: it is written and read within a single
 * call and holds nothing across calls. The hash side uses it for HMAC's
 * inner digest (inside `digestInto`), HKDF's PRK and T(i) (inside
 * `derive`); the AEAD side for the keystream block, Poly1305's padded block
 * and the two tags (inside one `seal`/`open`). Every call here is
 * synchronous (no callback, no await, no re-entry: no primitive calls back
 * into another family), and no AEAD call makes a hash call or the reverse,
 * so the two sides never use TRANSIENT during the same call. The one
 * exception a caller can see: `ChaCha20.keystream` (the last `block`) is
 * valid until the next call to a primitive on the same scratch.
 */

/**
 * Int32 words. The ChaCha20 input block (16 words) then the mixed block (16
 * words), RFC 8439 §2.3, first: at word 0, so its unrolled rounds index the
 * words directly (an index sum per word costs XS stack on the receive path).
 */
export const CHACHA_WORDS_AT = 0;
/** SHA-256 H0..H7 then W0..W63. */
export const SHA_WORDS_AT = CHACHA_WORDS_AT + 32;
/** Poly1305 r (10 limbs), h (10), g (10), s (8), RFC 8439 §2.5. */
export const POLY_WORDS_AT = SHA_WORDS_AT + 8 + 64;
export const SCRATCH_WORDS = POLY_WORDS_AT + 3 * 10 + 8;
/**
 * The keyed BLAKE2s of `keyedHashAt` (blake2s.ts: message block, h, t) over
 * the SHA-256 words: it holds nothing from one call to the next (each tag is
 * one call that zeroes its words before returning) and no provider call runs
 * it during a SHA-256, HMAC or HKDF call, so the two never meet.
 */
export const BLAKE2S_WORDS_AT = SHA_WORDS_AT;

/** Byte offsets, after the words. */
export const SHA_BLOCK_AT = SCRATCH_WORDS * 4;
export const HMAC_KEY_AT = SHA_BLOCK_AT + 64;
/** The provider's 32-byte key copy (and MAC tag, HKDF output), then its 64-byte seed buffer. */
export const PROVIDER_KEY_AT = HMAC_KEY_AT + 64;
export const PROVIDER_SEED_AT = PROVIDER_KEY_AT + 32;
export const TRANSIENT_AT = PROVIDER_SEED_AT + 64;
/** Hash side of TRANSIENT: HMAC inner digest, HKDF PRK, HKDF T(i). */
export const HMAC_INNER_AT = TRANSIENT_AT;
export const HKDF_PRK_AT = HMAC_INNER_AT + 32;
export const HKDF_T_AT = HKDF_PRK_AT + 32;
/** AEAD side of TRANSIENT: ChaCha20 keystream block, Poly1305 padded block, computed and received tag. */
export const CHACHA_KEYSTREAM_AT = TRANSIENT_AT;
export const POLY_BLOCK_AT = CHACHA_KEYSTREAM_AT + 64;
export const AEAD_TAG_AT = POLY_BLOCK_AT + 16;
export const AEAD_RECEIVED_AT = AEAD_TAG_AT + 16;
const TRANSIENT_BYTES = Math.max(HKDF_T_AT + 32, AEAD_RECEIVED_AT + 16) - TRANSIENT_AT;
export const SCRATCH_BYTES = TRANSIENT_AT + TRANSIENT_BYTES;

export class CryptoScratch {
  /** The whole area as int32 words (only the first SCRATCH_WORDS are word regions). */
  readonly words: Int32Array;
  /** The whole area as bytes. */
  readonly bytes: Uint8Array;

  constructor() {
    const buffer = new ArrayBuffer(SCRATCH_BYTES);
    this.words = new Int32Array(buffer, 0, SCRATCH_WORDS);
    this.bytes = new Uint8Array(buffer);
  }
}
