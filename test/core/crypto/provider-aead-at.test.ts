/**
 * The provider's offset forms of AEAD (aeadSealAt / aeadOpenAt): the same
 * RFC 8439 §2.8.2 answer when every operand sits inside a larger buffer,
 * the same codes as aeadSeal/aeadOpen plus OutOfRange for a bad range, and
 * nothing written on any refusal; an auth failure zeroes only the target
 * range (the interface's "out is zeroed", scoped to the bytes asked for).
 */
import { describe, expect, it } from "vitest";
import { KeyKind } from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { fromHex, hex, makeKit, readVector, unwrap, utf8 } from "./fixtures";

interface Primitives {
  chacha20poly1305: { keyHex: string; nonceHex: string; aadHex: string; plaintextText: string; ciphertextHex: string; tagHex: string };
}
const v = readVector<Primitives>("primitives.json").chacha20poly1305;
const FILL = 0x5c;
const PAD = 7;

/** `bytes` placed at PAD inside a buffer PAD bytes bigger on each side, padding = FILL. */
function embedded(bytes: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(bytes.length + 2 * PAD).fill(FILL);
  buffer.set(bytes, PAD);
  return buffer;
}

function setup(seed: number) {
  const { provider } = makeKit(seed);
  const key = unwrap(provider.importSymmetricKey(KeyKind.Aead, fromHex(v.keyHex)));
  const nonce = fromHex(v.nonceHex);
  const aadBytes = fromHex(v.aadHex);
  const plaintextBytes = utf8(v.plaintextText);
  const sealedBytes = fromHex(v.ciphertextHex + v.tagHex);
  return { provider, key, nonce, aadBytes, plaintextBytes, sealedBytes, aad: embedded(aadBytes), plaintext: embedded(plaintextBytes), sealed: embedded(sealedBytes) };
}

describe("provider aeadSealAt / aeadOpenAt (offsets inside larger buffers)", () => {
  it("seal at offsets reproduces RFC 8439 §2.8.2 and writes only out[outOffset, +length + 16)", () => {
    const s = setup(41);
    const out = new Uint8Array(s.sealedBytes.length + 2 * PAD).fill(FILL);
    const n = s.provider.aeadSealAt(s.key, s.nonce, s.aad, PAD, s.aadBytes.length, s.plaintext, PAD, s.plaintextBytes.length, out, PAD);
    expect(n).toBe(s.sealedBytes.length);
    expect(hex(out.subarray(PAD, PAD + n))).toBe(v.ciphertextHex + v.tagHex);
    expect(out.subarray(0, PAD).every((b) => b === FILL)).toBe(true);
    expect(out.subarray(PAD + n).every((b) => b === FILL)).toBe(true);
  });

  it("open at offsets recovers the RFC 8439 §2.8.2 plaintext and writes only the target range", () => {
    const s = setup(42);
    const out = new Uint8Array(s.plaintextBytes.length + 2 * PAD).fill(FILL);
    const n = s.provider.aeadOpenAt(s.key, s.nonce, s.aad, PAD, s.aadBytes.length, s.sealed, PAD, s.sealedBytes.length, out, PAD);
    expect(n).toBe(s.plaintextBytes.length);
    expect(hex(out.subarray(PAD, PAD + n))).toBe(hex(s.plaintextBytes));
    expect(out.subarray(0, PAD).every((b) => b === FILL)).toBe(true);
    expect(out.subarray(PAD + n).every((b) => b === FILL)).toBe(true);
  });

  it("aeadSeal/aeadOpen and the offset forms agree byte for byte (the whole-array forms delegate)", () => {
    const s = setup(43);
    const whole = new Uint8Array(s.sealedBytes.length);
    expect(s.provider.aeadSeal(s.key, s.nonce, s.aadBytes, s.plaintextBytes, whole)).toBe(whole.length);
    const at = new Uint8Array(whole.length);
    expect(s.provider.aeadSealAt(s.key, s.nonce, s.aadBytes, 0, s.aadBytes.length, s.plaintextBytes, 0, s.plaintextBytes.length, at, 0)).toBe(at.length);
    expect(hex(at)).toBe(hex(whole));
  });

  it("open in place (out is the sealed buffer at the same offset) recovers the plaintext", () => {
    const s = setup(44);
    const n = s.provider.aeadOpenAt(s.key, s.nonce, s.aad, PAD, s.aadBytes.length, s.sealed, PAD, s.sealedBytes.length, s.sealed, PAD);
    expect(n).toBe(s.plaintextBytes.length);
    expect(hex(s.sealed.subarray(PAD, PAD + n))).toBe(hex(s.plaintextBytes));
  });

  it("bad seal ranges give OutOfRange (or CryptoBufferTooSmall for a short out) and write nothing", () => {
    const s = setup(45);
    const aadLength = s.aadBytes.length;
    const ptLength = s.plaintextBytes.length;
    const cases: ReadonlyArray<readonly [string, number, number, number, number, number, number]> = [
      // name, aadOffset, aadLength, ptOffset, ptLength, outOffset, expected code
      ["negative aad offset", -1, aadLength, PAD, ptLength, PAD, ErrorCode.OutOfRange],
      ["aad past its array", PAD + 1, aadLength + PAD, PAD, ptLength, PAD, ErrorCode.OutOfRange],
      ["fractional aad length", PAD, 1.5, PAD, ptLength, PAD, ErrorCode.OutOfRange],
      ["negative plaintext length", PAD, aadLength, PAD, -1, PAD, ErrorCode.OutOfRange],
      ["plaintext past its array", PAD, aadLength, PAD + 1, ptLength + PAD, PAD, ErrorCode.OutOfRange],
      ["NaN plaintext offset", PAD, aadLength, Number.NaN, ptLength, PAD, ErrorCode.OutOfRange],
      ["out offset past out", PAD, aadLength, PAD, ptLength, ptLength + 16 + 2 * PAD + 1, ErrorCode.OutOfRange],
      ["negative out offset", PAD, aadLength, PAD, ptLength, -1, ErrorCode.OutOfRange],
      ["out too short from its offset", PAD, aadLength, PAD, ptLength, 2 * PAD + 1, ErrorCode.CryptoBufferTooSmall],
    ];
    for (const [name, aadOffset, aadLen, ptOffset, ptLen, outOffset, code] of cases) {
      const out = new Uint8Array(ptLength + 16 + 2 * PAD).fill(FILL);
      expect(s.provider.aeadSealAt(s.key, s.nonce, s.aad, aadOffset, aadLen, s.plaintext, ptOffset, ptLen, out, outOffset), name).toBe(-code);
      expect(out.every((b) => b === FILL), name).toBe(true);
    }
  });

  it("bad open ranges give OutOfRange / CryptoBadLength / CryptoBufferTooSmall and write nothing or count nothing", () => {
    const s = setup(46);
    const aadLength = s.aadBytes.length;
    const sealedLength = s.sealedBytes.length;
    const cases: ReadonlyArray<readonly [string, number, number, number, number, number, number]> = [
      // name, aadOffset, aadLength, sealedOffset, sealedLength, outOffset, expected code
      ["aad past its array", PAD, aadLength + PAD + 1, PAD, sealedLength, PAD, ErrorCode.OutOfRange],
      ["negative sealed offset", PAD, aadLength, -1, sealedLength, PAD, ErrorCode.OutOfRange],
      ["sealed past its array", PAD, aadLength, PAD + 1, sealedLength + PAD, PAD, ErrorCode.OutOfRange],
      ["non-int32 sealed length", PAD, aadLength, PAD, 2 ** 32, PAD, ErrorCode.OutOfRange],
      ["out offset past out", PAD, aadLength, PAD, sealedLength, sealedLength - 16 + 2 * PAD + 1, ErrorCode.OutOfRange],
      ["sealed shorter than a tag", PAD, aadLength, PAD, 15, PAD, ErrorCode.CryptoBadLength],
      ["out too short from its offset", PAD, aadLength, PAD, sealedLength, 2 * PAD + 1, ErrorCode.CryptoBufferTooSmall],
    ];
    for (const [name, aadOffset, aadLen, sealedOffset, sealedLen, outOffset, code] of cases) {
      const out = new Uint8Array(sealedLength - 16 + 2 * PAD).fill(FILL);
      const sealedBefore = hex(s.sealed);
      const authFailures = s.provider.counters.authFailures;
      expect(s.provider.aeadOpenAt(s.key, s.nonce, s.aad, aadOffset, aadLen, s.sealed, sealedOffset, sealedLen, out, outOffset), name).toBe(-code);
      expect(out.every((b) => b === FILL), name).toBe(true);
      expect(hex(s.sealed), name).toBe(sealedBefore);
      expect(s.provider.counters.authFailures, name).toBe(authFailures);
    }
    const out = new Uint8Array(sealedLength).fill(FILL);
    expect(s.provider.aeadOpenAt(s.key, new Uint8Array(11), s.aad, PAD, aadLength, s.sealed, PAD, sealedLength, out, 0)).toBe(-ErrorCode.CryptoBadLength);
    expect(out.every((b) => b === FILL)).toBe(true);
  });

  it("a bad key handle is refused with the key store's code before anything is written", () => {
    const s = setup(47);
    const secret = unwrap(s.provider.generateSymmetricKey(KeyKind.Secret));
    const out = new Uint8Array(s.sealedBytes.length).fill(FILL);
    expect(s.provider.aeadSealAt(secret, s.nonce, s.aad, PAD, s.aadBytes.length, s.plaintext, PAD, s.plaintextBytes.length, out, 0)).toBe(-ErrorCode.CryptoKeyKindMismatch);
    expect(s.provider.aeadOpenAt(secret, s.nonce, s.aad, PAD, s.aadBytes.length, s.sealed, PAD, s.sealedBytes.length, out, 0)).toBe(-ErrorCode.CryptoKeyKindMismatch);
    expect(out.every((b) => b === FILL)).toBe(true);
  });

  it("an auth failure counts once and zeroes only out[outOffset, +plaintext length)", () => {
    const s = setup(48);
    const plaintextLength = s.plaintextBytes.length;
    const tampered = s.sealed.slice();
    tampered[PAD + 5] = (tampered[PAD + 5] ?? 0) ^ 1;
    const out = new Uint8Array(plaintextLength + 2 * PAD).fill(FILL);
    const before = s.provider.counters.authFailures;
    expect(s.provider.aeadOpenAt(s.key, s.nonce, s.aad, PAD, s.aadBytes.length, tampered, PAD, s.sealedBytes.length, out, PAD)).toBe(-ErrorCode.CryptoAuthFailed);
    expect(s.provider.counters.authFailures).toBe(before + 1);
    expect(out.subarray(PAD, PAD + plaintextLength).every((b) => b === 0)).toBe(true);
    expect(out.subarray(0, PAD).every((b) => b === FILL)).toBe(true);
    expect(out.subarray(PAD + plaintextLength).every((b) => b === FILL)).toBe(true);
    // The AAD range is authenticated: the same bytes under a shifted AAD window fail too.
    const out2 = new Uint8Array(plaintextLength).fill(FILL);
    expect(s.provider.aeadOpenAt(s.key, s.nonce, s.aad, PAD - 1, s.aadBytes.length, s.sealed, PAD, s.sealedBytes.length, out2, 0)).toBe(-ErrorCode.CryptoAuthFailed);
    expect(out2.every((b) => b === 0)).toBe(true);
  });
});
