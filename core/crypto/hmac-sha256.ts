/**
 * HMAC-SHA-256 (RFC 2104 §2; FIPS 198-1) over our SHA-256 (sha256.ts), for
 * Moddable preload: no module-level buffers; each `HmacSha256` owns its two
 * hashers and its padded key, made at run time. Allocates nothing per MAC.
 *
 *   HMAC(K, text) = H((K0 ^ opad) || H((K0 ^ ipad) || text))
 *
 * K0 is K padded with zeros to the 64-byte block, or H(K) padded when K is
 * longer than a block (RFC 2104 §2).
 */
import { SHA256_BLOCK_BYTES, SHA256_DIGEST_BYTES, Sha256 } from "./sha256";

const IPAD = 0x36;
const OPAD = 0x5c;

export const HMAC_SHA256_BYTES = SHA256_DIGEST_BYTES;

export class HmacSha256 {
  readonly #inner = new Sha256();
  readonly #outer = new Sha256();
  /** K0 while a MAC is in progress; zeroed by `digestInto` and `clear`. */
  readonly #key = new Uint8Array(SHA256_BLOCK_BYTES);
  readonly #innerDigest = new Uint8Array(SHA256_DIGEST_BYTES);
  /** K0 ^ ipad, then K0 ^ opad: absorbed as one block (a call per byte costs ~64x more on XS). */
  readonly #pad = new Uint8Array(SHA256_BLOCK_BYTES);

  /** Start a MAC under key[offset, offset + length). The caller checks the range. */
  begin(key: Uint8Array, offset: number, length: number): void {
    const k0 = this.#key;
    k0.fill(0);
    if (length > SHA256_BLOCK_BYTES) {
      this.#inner.reset();
      this.#inner.updateRange(key, offset, length);
      this.#inner.digestInto(k0, 0);
    } else {
      for (let i = 0; i < length; i++) k0[i] = key[offset + i] ?? 0;
    }
    this.#inner.reset();
    const pad = this.#pad;
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] = (k0[i] ?? 0) ^ IPAD;
    this.#inner.updateRange(pad, 0, SHA256_BLOCK_BYTES);
    pad.fill(0);
  }

  update(data: Uint8Array): void {
    this.#inner.updateRange(data, 0, data.length);
  }

  updateRange(data: Uint8Array, offset: number, length: number): void {
    this.#inner.updateRange(data, offset, length);
  }

  updateByte(byte: number): void {
    this.#inner.updateByte(byte);
  }

  /** Finish into out[outOffset, +32); false (nothing written, state cleared) when `out` has no room. */
  digestInto(out: Uint8Array, outOffset = 0): boolean {
    if ((outOffset >>> 0) !== outOffset || out.length - outOffset < HMAC_SHA256_BYTES) {
      this.clear();
      return false;
    }
    const inner = this.#innerDigest;
    this.#inner.digestInto(inner, 0);
    const outer = this.#outer;
    outer.reset();
    const k0 = this.#key;
    const pad = this.#pad;
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] = (k0[i] ?? 0) ^ OPAD;
    outer.updateRange(pad, 0, SHA256_BLOCK_BYTES);
    outer.updateRange(inner, 0, HMAC_SHA256_BYTES);
    outer.digestInto(out, outOffset);
    this.clear();
    return true;
  }

  /** Zero the key and every intermediate (key material leaving service). */
  clear(): void {
    this.#key.fill(0);
    this.#innerDigest.fill(0);
    this.#pad.fill(0);
    this.#inner.reset();
    this.#outer.reset();
  }
}
