/**
 * AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8) into caller buffers, with zero
 * allocation per call.
 *
 * Every mesh frame is sealed and opened, so this is a hot path: an instance
 * is made once (the provider makes one at creation) and keeps all its
 * working state (ChaCha20 input and keystream block, Poly1305 limbs, two
 * tags) in fixed regions of a CryptoScratch (scratch.ts).
 * `seal` and `open` take offsets instead of subarrays, create no objects,
 * closures or arrays, and return a byte count or a negated ErrorCode.
 * noble stays the reference for everything else; it is only replaced here
 * because its AEAD allocates ~28 KB per 200-byte frame on XS.
 *
 * Rules it keeps:
 *  - `open` verifies the tag (constant time, ct.ts) BEFORE it writes a single
 *    byte to `out`: a forged frame never becomes plaintext in caller memory,
 *    and on failure `out` is untouched.
 *  - Refusals (lengths, ranges, small buffers) happen before anything is
 *    written or computed.
 *  - Key-derived state (ChaCha20 input block, keystream, Poly1305 r, s, h,
 *    computed and received tags) is zeroed before every return after setup.
 *    JS locals cannot be wiped; they die with the call frame.
 *  - No branch or index depends on secret data; lengths are public.
 *
 * Offsets and lengths must be int32 (ECMAScript arrays on the boards are far
 * smaller), which also keeps every message below RFC 8439's P_MAX
 * (2^32 - 1 blocks of 64 bytes): the block counter cannot wrap.
 */
import { ErrorCode } from "../runtime/errors";
import type { ValueOrCode } from "../collections/value-or-code";
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from "./algorithms";
import { CHACHA20_BLOCK_BYTES, ChaCha20 } from "./chacha20";
import { constantTimeEqualAt } from "./ct";
import { Poly1305 } from "./poly1305";
import { AEAD_RECEIVED_AT, AEAD_TAG_AT, CHACHA_KEYSTREAM_AT, CryptoScratch } from "./scratch";

/** True when [offset, offset + length) is an int32 range inside an array of `capacity` bytes. */
export function rangeOk(offset: number, length: number, capacity: number): boolean {
  return (offset | 0) === offset && (length | 0) === length && offset >= 0 && length >= 0 && length <= capacity - offset;
}

export class ChaCha20Poly1305 {
  private readonly chacha_: ChaCha20;
  private readonly poly_: Poly1305;

  /** `scratch`: the shared working area (scratch.ts), or none for an AEAD of its own. */
  constructor(scratch: CryptoScratch = new CryptoScratch()) {
    this.chacha_ = new ChaCha20(scratch);
    this.poly_ = new Poly1305(scratch);
  }

  /**
   * Encrypt plaintext[plaintextOffset, +plaintextLength) and write
   * ciphertext || tag to out[outOffset, +plaintextLength + 16).
   * Returns the bytes written, or:
   *  -CryptoKeyWrongLength (key not 32 bytes), -CryptoBadLength (nonce not 12 bytes),
   *  -OutOfRange (an offset or length outside its array, or not an int32),
   *  -CryptoBufferTooSmall (out cannot hold ciphertext and tag).
   * `out` may be the plaintext's own bytes (in place) or start before them;
   * the AAD may overlap `out` (it is read before anything is written).
   */
  seal(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
    plaintext: Uint8Array,
    plaintextOffset: number,
    plaintextLength: number,
    out: Uint8Array,
    outOffset: number,
  ): ValueOrCode {
    if (key.length !== AEAD_KEY_BYTES) return -ErrorCode.CryptoKeyWrongLength;
    return this.sealWithKeyAt(key, 0, nonce, aad, aadOffset, aadLength, plaintext, plaintextOffset, plaintextLength, out, outOffset);
  }

  /**
   * `seal` with the key read in place from key[keyOffset, +32) (a key
   * store's slab: no copy of the key per frame). -CryptoKeyWrongLength when
   * those 32 bytes are not inside `key`.
   */
  sealWithKeyAt(
    key: Uint8Array,
    keyOffset: number,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
    plaintext: Uint8Array,
    plaintextOffset: number,
    plaintextLength: number,
    out: Uint8Array,
    outOffset: number,
  ): ValueOrCode {
    const refused = this.check(key, keyOffset, nonce, aad, aadOffset, aadLength, plaintext, plaintextOffset, plaintextLength);
    if (refused !== ErrorCode.Ok) return -refused;
    if (!rangeOk(outOffset, 0, out.length)) return -ErrorCode.OutOfRange;
    const total = plaintextLength + AEAD_TAG_BYTES;
    if (out.length - outOffset < total) return -ErrorCode.CryptoBufferTooSmall;
    const poly = this.poly_;
    this.begin(key, keyOffset, nonce);
    poly.absorbPadded(aad, aadOffset, aadLength);
    this.chacha_.xor(1, plaintext, plaintextOffset, plaintextLength, out, outOffset); // §2.8: counter starts at 1
    poly.absorbPadded(out, outOffset, plaintextLength);
    poly.absorbLengths(aadLength, plaintextLength);
    poly.finish(out, outOffset + plaintextLength);
    this.chacha_.wipe();
    return total;
  }

  /**
   * Verify and decrypt sealed[sealedOffset, +sealedLength) (ciphertext || tag)
   * into out[outOffset, +sealedLength - 16). Returns the plaintext length, or
   * the codes of `seal`, -CryptoBadLength for a sealed text shorter than a tag,
   * or -CryptoAuthFailed (tampered bytes, wrong key, nonce or AAD). On every
   * failure nothing has been written to `out`. `out` may be the sealed bytes
   * themselves (in place) or start before them.
   */
  open(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
    sealed: Uint8Array,
    sealedOffset: number,
    sealedLength: number,
    out: Uint8Array,
    outOffset: number,
  ): ValueOrCode {
    if (key.length !== AEAD_KEY_BYTES) return -ErrorCode.CryptoKeyWrongLength;
    return this.openWithKeyAt(key, 0, nonce, aad, aadOffset, aadLength, sealed, sealedOffset, sealedLength, out, outOffset);
  }

  /** `open` with the key read in place from key[keyOffset, +32), as `sealWithKeyAt`. */
  openWithKeyAt(
    key: Uint8Array,
    keyOffset: number,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
    sealed: Uint8Array,
    sealedOffset: number,
    sealedLength: number,
    out: Uint8Array,
    outOffset: number,
  ): ValueOrCode {
    const refused = this.check(key, keyOffset, nonce, aad, aadOffset, aadLength, sealed, sealedOffset, sealedLength);
    if (refused !== ErrorCode.Ok) return -refused;
    if (sealedLength < AEAD_TAG_BYTES) return -ErrorCode.CryptoBadLength;
    if (!rangeOk(outOffset, 0, out.length)) return -ErrorCode.OutOfRange;
    const length = sealedLength - AEAD_TAG_BYTES;
    if (out.length - outOffset < length) return -ErrorCode.CryptoBufferTooSmall;
    const poly = this.poly_;
    const scratch = this.chacha_.bytes;
    this.begin(key, keyOffset, nonce);
    // §2.8: the MAC runs over the AAD and the ciphertext, never the plaintext.
    poly.absorbPadded(aad, aadOffset, aadLength);
    poly.absorbPadded(sealed, sealedOffset, length);
    poly.absorbLengths(aadLength, length);
    poly.finish(scratch, AEAD_TAG_AT);
    const tagAt = sealedOffset + length;
    for (let i = 0; i < AEAD_TAG_BYTES; i++) scratch[AEAD_RECEIVED_AT + i] = sealed[tagAt + i] ?? 0;
    const authentic = constantTimeEqualAt(scratch, AEAD_TAG_AT, AEAD_RECEIVED_AT, AEAD_TAG_BYTES); // RFC 8439 §4: constant-time comparison
    scratch.fill(0, AEAD_TAG_AT, AEAD_RECEIVED_AT + AEAD_TAG_BYTES);
    if (authentic) this.chacha_.xor(1, sealed, sealedOffset, length, out, outOffset);
    this.chacha_.wipe();
    return authentic ? length : -ErrorCode.CryptoAuthFailed;
  }

  /**
   * ChaCha20 alone (RFC 8439 §2.4) from block 1, as the AEAD's payload
   * (§2.8): dst[dstOffset, +length) = src[srcOffset, +length) XOR the key
   * stream of key[keyOffset, +32) and the 12-byte nonce. src and dst may be
   * the same range. -CryptoKeyWrongLength, -CryptoBadLength or -OutOfRange
   * before a byte is written; the key words are wiped after.
   */
  streamWithKeyAt(key: Uint8Array, keyOffset: number, nonce: Uint8Array, src: Uint8Array, srcOffset: number, length: number, dst: Uint8Array, dstOffset: number): ErrorCode {
    const refused = this.check(key, keyOffset, nonce, src, srcOffset, length, src, srcOffset, length);
    if (refused !== ErrorCode.Ok) return refused;
    if (!rangeOk(dstOffset, length, dst.length)) return ErrorCode.OutOfRange;
    const chacha = this.chacha_;
    chacha.setup(key, keyOffset, nonce, 0);
    chacha.xor(1, src, srcOffset, length, dst, dstOffset);
    chacha.wipe();
    return ErrorCode.Ok;
  }

  /** §2.6: the Poly1305 one-time key is the first 32 bytes of ChaCha20 block 0. */
  private begin(key: Uint8Array, keyOffset: number, nonce: Uint8Array): void {
    const chacha = this.chacha_;
    chacha.setup(key, keyOffset, nonce, 0);
    chacha.mix(0); // block 0 (§2.6) as `block` makes it, in two calls: this is on the agent's deepest JS stack
    chacha.serializeMixed();
    this.poly_.start(chacha.bytes, CHACHA_KEYSTREAM_AT);
    chacha.bytes.fill(0, CHACHA_KEYSTREAM_AT, CHACHA_KEYSTREAM_AT + CHACHA20_BLOCK_BYTES);
  }

  private check(
    key: Uint8Array,
    keyOffset: number,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
    text: Uint8Array,
    textOffset: number,
    textLength: number,
  ): ErrorCode {
    if (!rangeOk(keyOffset, AEAD_KEY_BYTES, key.length)) return ErrorCode.CryptoKeyWrongLength;
    if (nonce.length !== AEAD_NONCE_BYTES) return ErrorCode.CryptoBadLength;
    if (!rangeOk(aadOffset, aadLength, aad.length)) return ErrorCode.OutOfRange;
    if (!rangeOk(textOffset, textLength, text.length)) return ErrorCode.OutOfRange;
    return ErrorCode.Ok;
  }
}
