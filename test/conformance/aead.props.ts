/**
 * Differential properties: our ChaCha20-Poly1305 (core/crypto/chacha20-poly1305.ts,
 * poly1305.ts) against the reference, @noble/ciphers, on random keys, nonces,
 * AAD and plaintexts of 0..600 bytes with extra weight on the block
 * boundaries (15/16/17 for Poly1305, 63/64/65 for ChaCha20) and on all-0xff
 * inputs (the largest limbs, the worst case of the Poly1305 bound).
 * Runs on V8 (test/core/crypto/aead.property.test.ts) and inside XS (conformance bundle):
 * ECMAScript built-ins only, fast-check comes in as a parameter; noble is
 * platform neutral too.
 */
import { poly1305 } from "@noble/ciphers/_poly1305.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ChaCha20Poly1305 } from "../../core/crypto/chacha20-poly1305";
import { Poly1305 } from "../../core/crypto/poly1305";
import { ErrorCode } from "../../core/runtime/errors";
import { check, type ConformanceProperty, type FastCheck } from "./support";


export type AeadProperty = ConformanceProperty;

const CANARY = 0xa5;
const TAG_BYTES = 16;
const BOUNDARY_LENGTHS: readonly number[] = Object.freeze([0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257, 599, 600]);


function sameBytes(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}

/** Every byte of `bytes` outside [from, to) is still the canary. */
function canariesIntact(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = 0; i < bytes.length; i++) if ((i < from || i >= to) && bytes[i] !== CANARY) return false;
  return true;
}

/** Byte strings of 0..max bytes: random, all zero or all 0xff; lengths biased to block boundaries. */
function bytes(fc: FastCheck, max: number) {
  const length = fc.oneof(fc.constantFrom(...BOUNDARY_LENGTHS.filter((n) => n <= max)), fc.integer({ min: 0, max }));
  return length.chain((n) =>
    fc.oneof(
      { arbitrary: fc.uint8Array({ minLength: n, maxLength: n }), weight: 4 },
      { arbitrary: fc.constantFrom(0x00, 0xff).map((b) => new Uint8Array(n).fill(b)), weight: 1 },
    ),
  );
}

function fixed(fc: FastCheck, n: number) {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ minLength: n, maxLength: n }), weight: 4 },
    { arbitrary: fc.constant(new Uint8Array(n).fill(0xff)), weight: 1 },
  );
}

/** `data` at `offset` in a buffer of canaries with `slack` spare bytes after it. */
function embed(data: Uint8Array, offset: number, slack: number): Uint8Array {
  const out = new Uint8Array(offset + data.length + slack).fill(CANARY);
  out.set(data, offset);
  return out;
}

const sealMatchesNoble: AeadProperty = {
  name: "aead: seal equals @noble/ciphers chacha20poly1305 (RFC 8439 §2.8) at any offsets, open inverts it, no byte outside the output changes",
  run(fc, numRuns, seed) {
    const aead = new ChaCha20Poly1305();
    fc.assert(
      fc.property(fixed(fc, 32), fixed(fc, 12), bytes(fc, 64), bytes(fc, 600), fc.nat({ max: 7 }), fc.nat({ max: 7 }), fc.nat({ max: 7 }), (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, aadAt: number, ptAt: number, outAt: number) => {
        const reference = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
        const aadBuffer = embed(aad, aadAt, 3);
        const ptBuffer = embed(plaintext, ptAt, 3);
        const out = new Uint8Array(outAt + reference.length + 5).fill(CANARY);
        const sealed = aead.seal(key, nonce, aadBuffer, aadAt, aad.length, ptBuffer, ptAt, plaintext.length, out, outAt);
        check(sealed === reference.length, `seal returned ${sealed}, expected ${reference.length}`);
        check(sameBytes(out, outAt, reference, 0, reference.length), "ciphertext or tag differs from noble");
        check(canariesIntact(out, outAt, outAt + sealed), "seal wrote outside its output");
        check(sameBytes(ptBuffer, ptAt, plaintext, 0, plaintext.length), "seal changed its input");
        const opened = new Uint8Array(outAt + plaintext.length + 5).fill(CANARY);
        const length = aead.open(key, nonce, aadBuffer, aadAt, aad.length, out, outAt, sealed, opened, outAt);
        check(length === plaintext.length, `open returned ${length}`);
        check(sameBytes(opened, outAt, plaintext, 0, plaintext.length), "open did not give the plaintext back");
        check(canariesIntact(opened, outAt, outAt + length), "open wrote outside its output");
      }),
      { numRuns, seed },
    );
  },
};

const tamperRefused: AeadProperty = {
  name: "aead: one flipped bit in ciphertext, tag, AAD or nonce is refused with CryptoAuthFailed and nothing is written",
  run(fc, numRuns, seed) {
    const aead = new ChaCha20Poly1305();
    fc.assert(
      fc.property(fixed(fc, 32), fixed(fc, 12), bytes(fc, 32), bytes(fc, 200), fc.constantFrom(0, 1, 2), fc.nat(), (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, where: number, at: number) => {
        const sealed = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
        const badSealed = sealed.slice();
        const badAad = aad.slice();
        const badNonce = nonce.slice();
        // where: 0 = ciphertext or tag, 1 = AAD (falls back to the tag when there is none), 2 = nonce.
        const target = where === 2 ? badNonce : where === 1 && aad.length > 0 ? badAad : badSealed;
        const bit = at % (target.length * 8);
        target[bit >>> 3] = (target[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
        const out = new Uint8Array(plaintext.length + 4).fill(CANARY);
        const verdict = aead.open(key, badNonce, badAad, 0, badAad.length, badSealed, 0, badSealed.length, out, 2);
        check(verdict === -ErrorCode.CryptoAuthFailed, `tampered input gave ${verdict}`);
        check(canariesIntact(out, 0, 0), "a refused open wrote to out");
        check(aead.open(key, nonce, aad, 0, aad.length, sealed, 0, sealed.length, out, 2) === plaintext.length, "genuine input refused after a refusal");
      }),
      { numRuns, seed },
    );
  },
};

const inPlace: AeadProperty = {
  name: "aead: sealing over the plaintext's own bytes and opening over the sealed bytes give the same results",
  run(fc, numRuns, seed) {
    const aead = new ChaCha20Poly1305();
    fc.assert(
      fc.property(fixed(fc, 32), fixed(fc, 12), bytes(fc, 16), bytes(fc, 300), fc.nat({ max: 5 }), (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, at: number) => {
        const reference = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
        const buffer = embed(plaintext, at, TAG_BYTES + 2);
        check(aead.seal(key, nonce, aad, 0, aad.length, buffer, at, plaintext.length, buffer, at) === reference.length, "in-place seal refused");
        check(sameBytes(buffer, at, reference, 0, reference.length), "in-place seal differs from noble");
        check(aead.open(key, nonce, aad, 0, aad.length, buffer, at, reference.length, buffer, at) === plaintext.length, "in-place open refused");
        check(sameBytes(buffer, at, plaintext, 0, plaintext.length), "in-place open did not restore the plaintext");
      }),
      { numRuns, seed },
    );
  },
};

const polyMatchesNoble: AeadProperty = {
  name: "poly1305: tags equal @noble/ciphers poly1305 (RFC 8439 §2.5), including all-0xff keys and messages (largest limbs)",
  run(fc, numRuns, seed) {
    const mac = new Poly1305();
    const tag = new Uint8Array(TAG_BYTES);
    fc.assert(
      fc.property(fixed(fc, 32), bytes(fc, 300), (key: Uint8Array, message: Uint8Array) => {
        const reference = poly1305(message, key);
        mac.start(key, 0);
        mac.absorbMessage(message, 0, message.length);
        mac.finish(tag, 0);
        check(sameBytes(tag, 0, reference, 0, TAG_BYTES), "tag differs from noble");
      }),
      { numRuns, seed },
    );
  },
};

export const aeadProperties: readonly AeadProperty[] = Object.freeze([sealMatchesNoble, tamperRefused, inPlace, polyMatchesNoble]);
