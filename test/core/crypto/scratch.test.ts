/**
 * The symmetric primitives share one working area (core/crypto/scratch.ts).
 * Its regions must keep every primitive's state apart: interleaving the
 * calls of SHA-256, HMAC, HKDF, ChaCha20 and the AEAD on one scratch still
 * gives the RFC test vectors (RFC 4231 §4.3, RFC 5869 A.1, RFC 8439 §2.8.2,
 * FIPS 180-4 "abc"), and the regions are inside the area and disjoint
 * except for the documented TRANSIENT overlap.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ChaCha20 } from "../../../core/crypto/chacha20";
import { ChaCha20Poly1305 } from "../../../core/crypto/chacha20-poly1305";
import { HkdfSha256 } from "../../../core/crypto/hkdf-sha256";
import * as layout from "../../../core/crypto/scratch";
import { CryptoScratch } from "../../../core/crypto/scratch";
import { toHex } from "../../conformance/hash.props";

interface Primitives {
  readonly chacha20poly1305: { keyHex: string; nonceHex: string; aadHex: string; plaintextText: string; ciphertextHex: string; tagHex: string };
  readonly hmacSha256: { keyText: string; dataText: string; macHex: string };
  readonly hkdfSha256: { ikmHex: string; saltHex: string; infoHex: string; okmHex: string };
}
const V = JSON.parse(readFileSync(new URL("../../vectors/primitives.json", import.meta.url), "utf8")) as Primitives;
const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const ABC_DIGEST = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // FIPS 180-4 example, SHA-256("abc")

describe("one CryptoScratch for every symmetric primitive", () => {
  it("interleaved SHA-256, HMAC, HKDF and AEAD calls on one scratch give the RFC vectors", () => {
    const scratch = new CryptoScratch();
    const kdf = new HkdfSha256(scratch);
    const mac = kdf.hmac;
    const hash = mac.hash;
    const aead = new ChaCha20Poly1305(scratch);
    const a = V.chacha20poly1305;
    const plaintext = text(a.plaintextText);
    const sealed = new Uint8Array(plaintext.length + 16);
    const opened = new Uint8Array(plaintext.length);
    const hmacOut = new Uint8Array(32);
    const okm = new Uint8Array(42);
    const digest = new Uint8Array(32);

    // An HMAC begun, a hash begun, then an AEAD seal, an HKDF derivation and an AEAD open in between.
    const key = text(V.hmacSha256.keyText);
    mac.begin(key, 0, key.length);
    const data = text(V.hmacSha256.dataText);
    mac.updateRange(data, 0, 10);
    expect(aead.seal(fromHex(a.keyHex), fromHex(a.nonceHex), fromHex(a.aadHex), 0, 12, plaintext, 0, plaintext.length, sealed, 0)).toBe(sealed.length);
    mac.updateRange(data, 10, data.length - 10);
    expect(aead.open(fromHex(a.keyHex), fromHex(a.nonceHex), fromHex(a.aadHex), 0, 12, sealed, 0, sealed.length, opened, 0)).toBe(plaintext.length);
    expect(mac.digestInto(hmacOut)).toBe(true);

    hash.update(Uint8Array.of(0x61));
    expect(aead.open(fromHex(a.keyHex), fromHex(a.nonceHex), fromHex(a.aadHex), 0, 12, sealed, 0, sealed.length, opened, 0)).toBe(plaintext.length);
    hash.update(Uint8Array.of(0x62, 0x63));
    expect(hash.digestInto(digest)).toBe(true);

    const h = V.hkdfSha256;
    expect(kdf.derive(fromHex(h.ikmHex), fromHex(h.saltHex), fromHex(h.infoHex), okm, 0, 42)).toBe(true);

    expect(toHex(hmacOut)).toBe(V.hmacSha256.macHex);
    expect(toHex(digest)).toBe(ABC_DIGEST);
    expect(toHex(okm)).toBe(h.okmHex);
    expect(toHex(sealed.subarray(0, plaintext.length))).toBe(a.ciphertextHex);
    expect(toHex(sealed.subarray(plaintext.length))).toBe(a.tagHex);
    expect(toHex(opened)).toBe(toHex(plaintext));
  });

  it("a ChaCha20 stream set up before HMAC and HKDF calls keeps its key and nonce", () => {
    const scratch = new CryptoScratch();
    const kdf = new HkdfSha256(scratch);
    const shared = new ChaCha20(scratch);
    const alone = new ChaCha20();
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0x40 + i);
    shared.setup(key, 0, nonce, 0);
    alone.setup(key, 0, nonce, 0);
    const h = V.hkdfSha256;
    expect(kdf.derive(fromHex(h.ikmHex), fromHex(h.saltHex), fromHex(h.infoHex), new Uint8Array(42), 0, 42)).toBe(true);
    const src = Uint8Array.from({ length: 150 }, (_, i) => i * 3);
    const a = new Uint8Array(150);
    const b = new Uint8Array(150);
    shared.xor(1, src, 0, 150, a, 0);
    alone.xor(1, src, 0, 150, b, 0);
    expect(toHex(a)).toBe(toHex(b));
  });

  it("regions lie inside the area; only the documented TRANSIENT ones overlap, one side each", () => {
    type Region = readonly [string, number, number];
    const S = layout.SCRATCH_BYTES;
    const words: readonly Region[] = [
      ["sha", layout.SHA_WORDS_AT * 4, 72 * 4],
      ["chacha", layout.CHACHA_WORDS_AT * 4, 32 * 4],
      ["poly", layout.POLY_WORDS_AT * 4, 38 * 4],
    ];
    const stateful: readonly Region[] = [
      ...words,
      ["sha block", layout.SHA_BLOCK_AT, 64],
      ["hmac key", layout.HMAC_KEY_AT, 64],
      ["provider key", layout.PROVIDER_KEY_AT, 32],
      ["provider seed", layout.PROVIDER_SEED_AT, 64],
    ];
    const hashSide: readonly Region[] = [
      ["hmac inner", layout.HMAC_INNER_AT, 32],
      ["hkdf prk", layout.HKDF_PRK_AT, 32],
      ["hkdf t", layout.HKDF_T_AT, 32],
    ];
    const aeadSide: readonly Region[] = [
      ["keystream", layout.CHACHA_KEYSTREAM_AT, 64],
      ["poly block", layout.POLY_BLOCK_AT, 16],
      ["tag", layout.AEAD_TAG_AT, 16],
      ["received", layout.AEAD_RECEIVED_AT, 16],
    ];
    expect(layout.SCRATCH_WORDS * 4).toBe(layout.SHA_BLOCK_AT);
    expect(layout.CHACHA_WORDS_AT).toBe(0); // ChaCha20.mix indexes the words directly
    const overlaps = (x: Region, y: Region): boolean => x[1] < y[1] + y[2] && y[1] < x[1] + x[2];
    const all = [...stateful, ...hashSide, ...aeadSide];
    for (const r of all) {
      expect(r[1] >= 0 && r[1] + r[2] <= S, r[0]).toBe(true);
    }
    // Stateful regions meet nothing; each side of TRANSIENT is disjoint within itself.
    for (const r of stateful) for (const o of all) if (o !== r) expect(overlaps(r, o), `${r[0]} / ${o[0]}`).toBe(false);
    for (const side of [hashSide, aeadSide]) for (const r of side) for (const o of side) if (o !== r) expect(overlaps(r, o), `${r[0]} / ${o[0]}`).toBe(false);
    // One area of SCRATCH_BYTES, one ArrayBuffer under both views.
    const scratch = new CryptoScratch();
    expect(scratch.bytes.length).toBe(S);
    expect(scratch.words.buffer).toBe(scratch.bytes.buffer);
    expect(S).toBeLessThan(all.reduce((n, r) => n + r[2], 0));
  });
});
