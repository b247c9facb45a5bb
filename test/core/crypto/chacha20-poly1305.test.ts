/**
 * Our ChaCha20-Poly1305 (core/crypto/chacha20.ts, poly1305.ts,
 * chacha20-poly1305.ts) against RFC 8439: every published answer of
 * §2.3.2, §2.4.2, §2.5.2, §2.6.2, §2.8.2 and Appendix A.1-A.5 (vectors in
 * test/vectors/rfc8439.ts), then refusals: tampering, wrong key or nonce,
 * bad lengths and ranges, each with its specific code and nothing written.
 * The randomized differential test against @noble/ciphers lives in
 * test/conformance/aead.props.ts (V8: test/core/crypto/aead.property.test.ts; XS: conformance).
 */
import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { describe, expect, it } from "vitest";
import { ChaCha20 } from "../../../core/crypto/chacha20";
import { ChaCha20Poly1305 } from "../../../core/crypto/chacha20-poly1305";
import { Poly1305 } from "../../../core/crypto/poly1305";
import { ErrorCode } from "../../../core/runtime/errors";
import { AEAD_VECTORS, BLOCK_VECTORS, KEYGEN_VECTORS, MAC_VECTORS, STREAM_VECTORS, type AeadVector } from "../../vectors/rfc8439";
import { fromHex, hex } from "./fixtures";

const CANARY = 0xa5;

/** `bytes` placed at `offset` inside a larger buffer of canaries. */
function embed(bytes: Uint8Array, offset: number, slack = 7): Uint8Array {
  const out = new Uint8Array(offset + bytes.length + slack).fill(CANARY);
  out.set(bytes, offset);
  return out;
}

function allCanary(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === CANARY);
}

interface Parts {
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
  readonly aad: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly sealed: Uint8Array;
}

function parts(v: AeadVector): Parts {
  return {
    key: fromHex(v.keyHex),
    nonce: fromHex(v.nonceHex),
    aad: fromHex(v.aadHex),
    plaintext: fromHex(v.plaintextHex),
    sealed: fromHex(v.ciphertextHex + v.tagHex),
  };
}

function openAll(aead: ChaCha20Poly1305, p: Parts, sealed: Uint8Array, out: Uint8Array, aad = p.aad, key = p.key, nonce = p.nonce): number {
  return aead.open(key, nonce, aad, 0, aad.length, sealed, 0, sealed.length, out, 0);
}

describe("ChaCha20 block function (RFC 8439 §2.3.2, A.1)", () => {
  const chacha = new ChaCha20();
  for (const v of BLOCK_VECTORS) {
    it(`${v.clause}: key, nonce and block count ${v.counter} give the published serialized block`, () => {
      chacha.setup(fromHex(v.keyHex), 0, fromHex(v.nonceHex), 0);
      chacha.block(v.counter);
      expect(hex(chacha.keystream)).toBe(v.blockHex);
    });
  }

  it("reads key and nonce at offsets inside larger buffers", () => {
    const v = BLOCK_VECTORS[0];
    if (v === undefined) throw new Error("no vector");
    chacha.setup(embed(fromHex(v.keyHex), 5), 5, embed(fromHex(v.nonceHex), 3), 3);
    chacha.block(v.counter);
    expect(hex(chacha.keystream)).toBe(v.blockHex);
  });

  it("wipe zeroes the keystream and the key-bearing input block (the next block is of the all-zero state)", () => {
    chacha.setup(fromHex("ff".repeat(32)), 0, fromHex("ff".repeat(12)), 0);
    chacha.block(7);
    chacha.wipe();
    expect(chacha.keystream.every((b) => b === 0)).toBe(true);
    // With constants, key and nonce zeroed the rounds keep the state zero: ChaCha20(0) = 0.
    chacha.block(0);
    expect(chacha.keystream.every((b) => b === 0)).toBe(true);
  });
});

describe("ChaCha20 encryption (RFC 8439 §2.4.2, A.2)", () => {
  const chacha = new ChaCha20();
  for (const v of STREAM_VECTORS) {
    const plaintext = fromHex(v.plaintextHex);
    it(`${v.clause}: ${plaintext.length} bytes from counter ${v.counter} give the published ciphertext`, () => {
      chacha.setup(fromHex(v.keyHex), 0, fromHex(v.nonceHex), 0);
      const out = new Uint8Array(plaintext.length);
      chacha.xor(v.counter, plaintext, 0, plaintext.length, out, 0);
      expect(hex(out)).toBe(v.ciphertextHex);
    });

    it(`${v.clause}: decrypts in place, at offsets, without touching neighbouring bytes`, () => {
      chacha.setup(fromHex(v.keyHex), 0, fromHex(v.nonceHex), 0);
      const buffer = embed(fromHex(v.ciphertextHex), 9);
      chacha.xor(v.counter, buffer, 9, plaintext.length, buffer, 9);
      expect(hex(buffer.subarray(9, 9 + plaintext.length))).toBe(v.plaintextHex);
      expect(allCanary(buffer.subarray(0, 9)) && allCanary(buffer.subarray(9 + plaintext.length))).toBe(true);
    });
  }
});

describe("Poly1305 (RFC 8439 §2.5.2, A.3 incl. the reduction edge cases #5-#11)", () => {
  const poly = new Poly1305();
  for (const v of MAC_VECTORS) {
    it(`${v.clause}: gives the published tag`, () => {
      const message = fromHex(v.messageHex);
      poly.start(fromHex(v.keyHex), 0);
      poly.absorbMessage(message, 0, message.length);
      const tag = new Uint8Array(16);
      poly.finish(tag, 0);
      expect(hex(tag)).toBe(v.tagHex);
    });
  }

  it("§2.5.2 at offsets: key, message and tag inside larger buffers", () => {
    const v = MAC_VECTORS[0];
    if (v === undefined) throw new Error("no vector");
    const message = fromHex(v.messageHex);
    poly.start(embed(fromHex(v.keyHex), 11), 11);
    poly.absorbMessage(embed(message, 6), 6, message.length);
    const out = new Uint8Array(40).fill(CANARY);
    poly.finish(out, 13);
    expect(hex(out.subarray(13, 29))).toBe(v.tagHex);
    expect(allCanary(out.subarray(0, 13)) && allCanary(out.subarray(29))).toBe(true);
  });

  it("the carry stays exact when a product column passes 2^32 (largest clamped r; message found by search), as @noble/ciphers computes", () => {
    // With this key and message the first column of the second block's product is 4,398,623,088 > 2^32:
    // a 32-bit shift would lose its top bit; the division by 2^13 does not (see the bound in poly1305.ts).
    const key = fromHex("ff".repeat(32));
    const message = fromHex("85b80f2eb83865157d714e9e8a271088" + "ff".repeat(16));
    poly.start(key, 0);
    poly.absorbMessage(message, 0, message.length);
    const tag = new Uint8Array(16);
    poly.finish(tag, 0);
    expect(hex(tag)).toBe(hex(poly1305(message, key)));
  });

  it("finish wipes r, s and the accumulator: finishing again without start gives the all-zero tag", () => {
    const v = MAC_VECTORS[4]; // A.3 #4, non-zero r and s
    if (v === undefined) throw new Error("no vector");
    const message = fromHex(v.messageHex);
    poly.start(fromHex(v.keyHex), 0);
    poly.absorbMessage(message, 0, message.length);
    const tag = new Uint8Array(16);
    poly.finish(tag, 0);
    poly.absorbMessage(message, 0, message.length); // r = 0: h stays 0
    poly.finish(tag, 0);
    expect(hex(tag)).toBe("00".repeat(16));
  });
});

describe("Poly1305 key generation (RFC 8439 §2.6.2, A.4)", () => {
  const chacha = new ChaCha20();
  for (const v of KEYGEN_VECTORS) {
    it(`${v.clause}: the one-time key is the first 32 bytes of block 0`, () => {
      chacha.setup(fromHex(v.keyHex), 0, fromHex(v.nonceHex), 0);
      chacha.block(0);
      expect(hex(chacha.keystream.subarray(0, 32))).toBe(v.oneTimeKeyHex);
    });
  }
});

describe("AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8.2, A.5)", () => {
  const aead = new ChaCha20Poly1305();

  for (const v of AEAD_VECTORS) {
    it(`${v.clause}: seal gives the published ciphertext and tag; open gives the plaintext back`, () => {
      const p = parts(v);
      const sealed = new Uint8Array(p.plaintext.length + 16);
      expect(aead.seal(p.key, p.nonce, p.aad, 0, p.aad.length, p.plaintext, 0, p.plaintext.length, sealed, 0)).toBe(sealed.length);
      expect(hex(sealed)).toBe(v.ciphertextHex + v.tagHex);
      const opened = new Uint8Array(p.plaintext.length);
      expect(openAll(aead, p, p.sealed, opened)).toBe(p.plaintext.length);
      expect(hex(opened)).toBe(v.plaintextHex);
    });
  }

  it("§2.8.2 at offsets: every input inside a larger buffer, output between canaries that stay untouched", () => {
    const p = parts(AEAD_VECTORS[0] as AeadVector);
    const aad = embed(p.aad, 3);
    const plaintext = embed(p.plaintext, 17);
    const out = new Uint8Array(5 + p.sealed.length + 4).fill(CANARY);
    expect(aead.seal(p.key, p.nonce, aad, 3, p.aad.length, plaintext, 17, p.plaintext.length, out, 5)).toBe(p.sealed.length);
    expect(hex(out.subarray(5, 5 + p.sealed.length))).toBe(hex(p.sealed));
    expect(allCanary(out.subarray(0, 5)) && allCanary(out.subarray(5 + p.sealed.length))).toBe(true);
    const opened = new Uint8Array(2 + p.plaintext.length + 2).fill(CANARY);
    expect(aead.open(p.key, p.nonce, aad, 3, p.aad.length, out, 5, p.sealed.length, opened, 2)).toBe(p.plaintext.length);
    expect(hex(opened.subarray(2, 2 + p.plaintext.length))).toBe(hex(p.plaintext));
    expect(allCanary(opened.subarray(0, 2)) && allCanary(opened.subarray(2 + p.plaintext.length))).toBe(true);
  });

  it("§2.8.2 in place: seal over the plaintext's own bytes, open over the sealed bytes", () => {
    const p = parts(AEAD_VECTORS[0] as AeadVector);
    const buffer = new Uint8Array(p.sealed.length);
    buffer.set(p.plaintext);
    expect(aead.seal(p.key, p.nonce, p.aad, 0, p.aad.length, buffer, 0, p.plaintext.length, buffer, 0)).toBe(p.sealed.length);
    expect(hex(buffer)).toBe(hex(p.sealed));
    expect(aead.open(p.key, p.nonce, p.aad, 0, p.aad.length, buffer, 0, buffer.length, buffer, 0)).toBe(p.plaintext.length);
    expect(hex(buffer.subarray(0, p.plaintext.length))).toBe(hex(p.plaintext));
  });

  it("empty plaintext and empty AAD: the output is the tag alone, as @noble/ciphers computes it", () => {
    const key = fromHex("42".repeat(32));
    const nonce = fromHex("0102030405060708090a0b0c");
    const sealed = new Uint8Array(16);
    const empty = new Uint8Array(0);
    expect(aead.seal(key, nonce, empty, 0, 0, empty, 0, 0, sealed, 0)).toBe(16);
    expect(hex(sealed)).toBe(hex(chacha20poly1305(key, nonce).encrypt(empty)));
    expect(aead.open(key, nonce, empty, 0, 0, sealed, 0, 16, empty, 0)).toBe(0);
  });
});

describe("AEAD refusals: the specific code, and nothing written", () => {
  const aead = new ChaCha20Poly1305();
  const p = parts(AEAD_VECTORS[1] as AeadVector); // A.5: 265 bytes, 12 bytes of AAD

  function refusedOpen(sealed: Uint8Array, aad = p.aad, key = p.key, nonce = p.nonce): { code: number; out: Uint8Array } {
    const out = new Uint8Array(p.plaintext.length).fill(CANARY);
    return { code: openAll(aead, p, sealed, out, aad, key, nonce), out };
  }

  it("A.5 with any single bit of the ciphertext or tag flipped: CryptoAuthFailed, out untouched (verify before decrypt)", () => {
    for (let bit = 0; bit < p.sealed.length * 8; bit++) {
      const bad = p.sealed.slice();
      bad[bit >>> 3] = (bad[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
      const { code, out } = refusedOpen(bad);
      if (code !== -ErrorCode.CryptoAuthFailed || !allCanary(out)) throw new Error(`bit ${bit}: code ${code}`);
    }
    expect(refusedOpen(p.sealed).code).toBe(p.plaintext.length);
  });

  it("A.5 with any single bit of the AAD flipped: CryptoAuthFailed, out untouched", () => {
    for (let bit = 0; bit < p.aad.length * 8; bit++) {
      const aad = p.aad.slice();
      aad[bit >>> 3] = (aad[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
      const { code, out } = refusedOpen(p.sealed, aad);
      expect(code).toBe(-ErrorCode.CryptoAuthFailed);
      expect(allCanary(out)).toBe(true);
    }
  });

  it("A.5 with a missing or extra AAD byte (the §2.8 length block differs): CryptoAuthFailed", () => {
    expect(refusedOpen(p.sealed, p.aad.subarray(0, 11)).code).toBe(-ErrorCode.CryptoAuthFailed);
    expect(refusedOpen(p.sealed, fromHex(hex(p.aad) + "00")).code).toBe(-ErrorCode.CryptoAuthFailed);
  });

  it("A.5 under a wrong key or a wrong nonce: CryptoAuthFailed, out untouched", () => {
    const wrongKey = p.key.slice();
    wrongKey[31] = (wrongKey[31] ?? 0) ^ 0x80;
    const wrongNonce = p.nonce.slice();
    wrongNonce[0] = (wrongNonce[0] ?? 0) ^ 1;
    for (const { code, out } of [refusedOpen(p.sealed, p.aad, wrongKey), refusedOpen(p.sealed, p.aad, p.key, wrongNonce)]) {
      expect(code).toBe(-ErrorCode.CryptoAuthFailed);
      expect(allCanary(out)).toBe(true);
    }
  });

  it("A.5 truncated by one byte (tag shifted): CryptoAuthFailed; shorter than a tag: CryptoBadLength", () => {
    expect(refusedOpen(p.sealed.subarray(0, p.sealed.length - 1)).code).toBe(-ErrorCode.CryptoAuthFailed);
    const out = new Uint8Array(4).fill(CANARY);
    expect(aead.open(p.key, p.nonce, p.aad, 0, 0, p.sealed, 0, 15, out, 0)).toBe(-ErrorCode.CryptoBadLength);
    expect(allCanary(out)).toBe(true);
  });

  it("key not 32 bytes: CryptoKeyWrongLength; nonce not 12 bytes: CryptoBadLength (seal and open)", () => {
    const out = new Uint8Array(p.sealed.length).fill(CANARY);
    const pt = p.plaintext;
    for (const key of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(0)]) {
      expect(aead.seal(key, p.nonce, p.aad, 0, 0, pt, 0, pt.length, out, 0)).toBe(-ErrorCode.CryptoKeyWrongLength);
      expect(aead.open(key, p.nonce, p.aad, 0, 0, p.sealed, 0, p.sealed.length, out, 0)).toBe(-ErrorCode.CryptoKeyWrongLength);
    }
    for (const nonce of [new Uint8Array(11), new Uint8Array(13), new Uint8Array(8)]) {
      expect(aead.seal(p.key, nonce, p.aad, 0, 0, pt, 0, pt.length, out, 0)).toBe(-ErrorCode.CryptoBadLength);
      expect(aead.open(p.key, nonce, p.aad, 0, 0, p.sealed, 0, p.sealed.length, out, 0)).toBe(-ErrorCode.CryptoBadLength);
    }
    expect(allCanary(out)).toBe(true);
  });

  it("offsets and lengths outside their arrays, negative, fractional, NaN or past int32: OutOfRange (seal and open)", () => {
    const pt = p.plaintext;
    const out = new Uint8Array(p.sealed.length + 8).fill(CANARY);
    const bad: readonly (readonly [number, number])[] = [
      [-1, 1],
      [0, -1],
      [0.5, 1],
      [0, 1.5],
      [Number.NaN, 0],
      [0, Number.NaN],
      [2 ** 31, 0],
      [0, 2 ** 32],
      [Number.POSITIVE_INFINITY, 0],
    ];
    for (const [offset, length] of bad) {
      expect(aead.seal(p.key, p.nonce, p.aad, offset, length, pt, 0, pt.length, out, 0), `aad ${offset},${length}`).toBe(-ErrorCode.OutOfRange);
      expect(aead.seal(p.key, p.nonce, p.aad, 0, 0, pt, offset, length, out, 0), `pt ${offset},${length}`).toBe(-ErrorCode.OutOfRange);
      expect(aead.open(p.key, p.nonce, p.aad, offset, length, p.sealed, 0, p.sealed.length, out, 0)).toBe(-ErrorCode.OutOfRange);
      expect(aead.open(p.key, p.nonce, p.aad, 0, 0, p.sealed, offset, length, out, 0)).toBe(-ErrorCode.OutOfRange);
    }
    // One byte past the end of each input.
    expect(aead.seal(p.key, p.nonce, p.aad, 1, p.aad.length, pt, 0, pt.length, out, 0)).toBe(-ErrorCode.OutOfRange);
    expect(aead.seal(p.key, p.nonce, p.aad, 0, 0, pt, 1, pt.length, out, 0)).toBe(-ErrorCode.OutOfRange);
    expect(aead.open(p.key, p.nonce, p.aad, 0, 0, p.sealed, 0, p.sealed.length + 1, out, 0)).toBe(-ErrorCode.OutOfRange);
    // Output offsets outside `out`.
    for (const outOffset of [-1, out.length + 1, 0.5, Number.NaN]) {
      expect(aead.seal(p.key, p.nonce, p.aad, 0, 0, pt, 0, pt.length, out, outOffset)).toBe(-ErrorCode.OutOfRange);
      expect(aead.open(p.key, p.nonce, p.aad, 0, 0, p.sealed, 0, p.sealed.length, out, outOffset)).toBe(-ErrorCode.OutOfRange);
    }
    expect(allCanary(out)).toBe(true);
  });

  it("output one byte too small (or too small after its offset): CryptoBufferTooSmall, nothing written", () => {
    const pt = p.plaintext;
    const sealOut = new Uint8Array(pt.length + 15).fill(CANARY);
    expect(aead.seal(p.key, p.nonce, p.aad, 0, p.aad.length, pt, 0, pt.length, sealOut, 0)).toBe(-ErrorCode.CryptoBufferTooSmall);
    const roomy = new Uint8Array(pt.length + 16).fill(CANARY);
    expect(aead.seal(p.key, p.nonce, p.aad, 0, p.aad.length, pt, 0, pt.length, roomy, 1)).toBe(-ErrorCode.CryptoBufferTooSmall);
    const openOut = new Uint8Array(pt.length - 1).fill(CANARY);
    expect(openAll(aead, p, p.sealed, openOut)).toBe(-ErrorCode.CryptoBufferTooSmall);
    expect(allCanary(sealOut) && allCanary(roomy) && allCanary(openOut)).toBe(true);
  });

  it("a refusal leaves no state behind: the next call on the same instance gives the published answer", () => {
    const out = new Uint8Array(p.plaintext.length);
    expect(refusedOpen(p.sealed, p.aad.subarray(0, 3)).code).toBe(-ErrorCode.CryptoAuthFailed);
    expect(openAll(aead, p, p.sealed, out)).toBe(p.plaintext.length);
    expect(hex(out)).toBe(hex(p.plaintext));
  });
});

describe("ChaCha20-Poly1305 with the key read in place (a key store's slab)", () => {
  const v = AEAD_VECTORS[0] as AeadVector;
  const key = fromHex(v.keyHex);
  const nonce = fromHex(v.nonceHex);
  const aad = fromHex(v.aadHex);
  const plaintext = fromHex(v.plaintextHex);

  it("RFC 8439 AEAD vector: sealWithKeyAt at an offset gives the published ciphertext and tag, and openWithKeyAt reverses it", () => {
    const aead = new ChaCha20Poly1305();
    const slab = embed(key, 40);
    const sealed = new Uint8Array(plaintext.length + 16);
    expect(aead.sealWithKeyAt(slab, 40, nonce, aad, 0, aad.length, plaintext, 0, plaintext.length, sealed, 0)).toBe(sealed.length);
    expect(hex(sealed)).toBe(v.ciphertextHex + v.tagHex);
    const opened = new Uint8Array(plaintext.length);
    expect(aead.openWithKeyAt(slab, 40, nonce, aad, 0, aad.length, sealed, 0, sealed.length, opened, 0)).toBe(plaintext.length);
    expect(hex(opened)).toBe(v.plaintextHex);
  });

  it("refuses a key range outside the slab with CryptoKeyWrongLength and writes nothing", () => {
    const aead = new ChaCha20Poly1305();
    const slab = embed(key, 40, 0);
    for (const offset of [-1, 41, 1.5]) {
      const out = new Uint8Array(plaintext.length + 16).fill(CANARY);
      expect(aead.sealWithKeyAt(slab, offset, nonce, aad, 0, aad.length, plaintext, 0, plaintext.length, out, 0)).toBe(-ErrorCode.CryptoKeyWrongLength);
      expect(allCanary(out)).toBe(true);
      expect(aead.openWithKeyAt(slab, offset, nonce, aad, 0, aad.length, out, 0, out.length, out, 0)).toBe(-ErrorCode.CryptoKeyWrongLength);
      expect(allCanary(out)).toBe(true);
    }
  });
});
