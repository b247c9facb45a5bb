/**
 * HMAC-SHA-256 (RFC 2104 §2; FIPS 198-1) over our SHA-256 (sha256.ts), for
 * Moddable preload: no module-level buffers; each `HmacSha256` owns one
 * hasher and keeps K0 and the inner digest in the scratch area it shares
 * with it (scratch.ts), made at run time. Allocates nothing per MAC.
 *
 *   HMAC(K, text) = H((K0 ^ opad) || H((K0 ^ ipad) || text))
 *
 * K0 is K padded with zeros to the 64-byte block, or H(K) padded when K is
 * longer than a block (RFC 2104 §2). The inner and outer hashes run one
 * after the other on the same hasher (the inner digest is kept in the
 * buffer between them), so a MAC holds one SHA-256 state, not two.
 */
import { CryptoScratch, HMAC_INNER_AT, HMAC_KEY_AT } from "./scratch";
import { SHA256_BLOCK_BYTES, SHA256_DIGEST_BYTES, Sha256 } from "./sha256";

const IPAD = 0x36;
const OPAD = 0x5c;

export const HMAC_SHA256_BYTES = SHA256_DIGEST_BYTES;

/** Regions of the scratch bytes (scratch.ts): K0 (held from `begin` to `digestInto`), the inner digest (inside `digestInto` only). K0 ^ pad is formed in the hasher's own block. */
const KEY_AT = HMAC_KEY_AT;
const INNER_AT = HMAC_INNER_AT;

export class HmacSha256 {
  /** The SHA-256 engine; `hash` lends it out for plain hashing between MACs. */
  readonly hash: Sha256;
  /** The scratch bytes: K0 and the inner digest while a MAC is in progress; zeroed by `digestInto` and `clear`. */
  private readonly scratch_: Uint8Array;

  /** `scratch`: the shared working area (scratch.ts), or none for a MAC of its own. */
  constructor(scratch: CryptoScratch = new CryptoScratch()) {
    this.hash = new Sha256(scratch);
    this.scratch_ = scratch.bytes;
  }

  /** Start a MAC under key[offset, offset + length). The caller checks the range. */
  begin(key: Uint8Array, offset: number, length: number): void {
    const scratch = this.scratch_;
    const h = this.hash;
    scratch.fill(0, KEY_AT, KEY_AT + SHA256_BLOCK_BYTES);
    scratch.fill(0, INNER_AT, INNER_AT + SHA256_DIGEST_BYTES);
    if (length > SHA256_BLOCK_BYTES) {
      h.reset();
      h.updateRange(key, offset, length);
      h.digestInto(scratch, KEY_AT);
    } else {
      for (let i = 0; i < length; i++) scratch[KEY_AT + i] = key[offset + i] ?? 0;
    }
    // A tail call: XS reuses this frame (a key derivation on the receive path is among the agent's deepest JS stacks).
    return this.absorbPad_(IPAD);
  }

  update(data: Uint8Array): void {
    this.hash.updateRange(data, 0, data.length);
  }

  updateRange(data: Uint8Array, offset: number, length: number): void {
    this.hash.updateRange(data, offset, length);
  }

  updateByte(byte: number): void {
    this.hash.updateByte(byte);
  }

  /** Finish into out[outOffset, +32); false (nothing written, state cleared) when `out` has no room. */
  digestInto(out: Uint8Array, outOffset = 0): boolean {
    if ((outOffset >>> 0) !== outOffset || out.length - outOffset < HMAC_SHA256_BYTES) {
      this.clear();
      return false;
    }
    const h = this.hash;
    const scratch = this.scratch_;
    h.digestInto(scratch, INNER_AT);
    this.absorbPad_(OPAD);
    h.updateRange(scratch, INNER_AT, HMAC_SHA256_BYTES);
    h.digestInto(out, outOffset);
    this.clear();
    return true;
  }

  /** Zero the key and every intermediate (key material leaving service). */
  clear(): void {
    this.scratch_.fill(0, KEY_AT, KEY_AT + SHA256_BLOCK_BYTES);
    this.scratch_.fill(0, INNER_AT, INNER_AT + SHA256_DIGEST_BYTES);
    this.hash.reset();
  }

  /** Restart the hasher with the block K0 ^ pad, formed in the hasher's own block and wiped there once compressed. */
  private absorbPad_(pad: number): void {
    return this.hash.startWithKeyBlock(this.scratch_, KEY_AT, pad);
  }
}
