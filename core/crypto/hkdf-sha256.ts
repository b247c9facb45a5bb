/**
 * HKDF-SHA-256 (RFC 5869 §2) over our HMAC (hmac-sha256.ts), for Moddable
 * preload: no module-level buffers; each `HkdfSha256` owns its HMAC and
 * keeps PRK and T(i) in the scratch area it shares with it (scratch.ts),
 * made at run time. Allocates nothing per derivation.
 *
 *   PRK  = HMAC(salt, IKM)                                (§2.2 Extract)
 *   T(i) = HMAC(PRK, T(i-1) || info || i), T(0) = empty   (§2.3 Expand)
 *   OKM  = first L bytes of T(1) || T(2) || ...
 *
 * An empty salt is HashLen zero bytes (§2.2); both pad to the same HMAC
 * key K0, so the empty array is used as given.
 */
import { HMAC_SHA256_BYTES, HmacSha256 } from "./hmac-sha256";
import { CryptoScratch, HKDF_PRK_AT, HKDF_T_AT } from "./scratch";

/** RFC 5869 §2.3: L <= 255 * HashLen. */
export const HKDF_SHA256_OUTPUT_MAX_BYTES = 255 * HMAC_SHA256_BYTES;

/** PRK and T(i) in the scratch bytes (scratch.ts): both live only inside `derive`. */
const PRK_AT = HKDF_PRK_AT;
const T_AT = HKDF_T_AT;

export class HkdfSha256 {
  /** The HMAC engine (and through it the SHA-256 one); lent out for MACs and hashes between derivations. */
  readonly hmac: HmacSha256;
  private readonly scratch_: Uint8Array;

  /** `scratch`: the shared working area (scratch.ts), or none for a KDF of its own. */
  constructor(scratch: CryptoScratch = new CryptoScratch()) {
    this.hmac = new HmacSha256(scratch);
    this.scratch_ = scratch.bytes;
  }

  /**
   * OKM of `length` bytes from (ikm, salt, info) into out[outOffset, +length).
   * Returns false, writing nothing, when length is not in 1..8160 or `out`
   * has no room. PRK and T(i) are zeroed before returning. `out` may be
   * `ikm` itself: IKM is read only by Extract, before any output is written.
   */
  derive(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, out: Uint8Array, outOffset: number, length: number): boolean {
    if ((length | 0) !== length || length < 1 || length > HKDF_SHA256_OUTPUT_MAX_BYTES) return false;
    if ((outOffset >>> 0) !== outOffset || out.length - outOffset < length) return false;
    const hmac = this.hmac;
    const scratch = this.scratch_;
    hmac.begin(salt, 0, salt.length);
    hmac.update(ikm);
    hmac.digestInto(scratch, PRK_AT);
    let written = 0;
    for (let i = 1; written < length; i++) {
      hmac.begin(scratch, PRK_AT, HMAC_SHA256_BYTES);
      if (i > 1) hmac.updateRange(scratch, T_AT, HMAC_SHA256_BYTES);
      hmac.update(info);
      hmac.updateByte(i);
      hmac.digestInto(scratch, T_AT);
      const take = Math.min(HMAC_SHA256_BYTES, length - written);
      for (let j = 0; j < take; j++) out[outOffset + written + j] = scratch[T_AT + j] ?? 0;
      written += take;
    }
    scratch.fill(0, PRK_AT, PRK_AT + HMAC_SHA256_BYTES);
    scratch.fill(0, T_AT, T_AT + HMAC_SHA256_BYTES);
    return true;
  }
}
