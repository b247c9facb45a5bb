/**
 * XS entry: our ChaCha20-Poly1305 on the real XS engine. Computes every
 * RFC 8439 known answer (test/vectors/rfc8439.ts) for the vitest side to
 * compare, and measures bytes allocated per seal/open, directly and through
 * the provider, after a warm-up call (the per-frame path must allocate 0).
 */
import { ChaCha20 } from "../../../core/crypto/chacha20";
import { ChaCha20Poly1305 } from "../../../core/crypto/chacha20-poly1305";
import { CoseAlg, KemAlg, KeyKind, NobleCryptoProvider, type KeyHandle } from "../../../core/crypto/index";
import { Poly1305 } from "../../../core/crypto/poly1305";
import type { Result } from "../../../core/runtime/result";
import { SeededEntropy } from "../../../hal/sim/entropy";
import { AEAD_VECTORS, BLOCK_VECTORS, KEYGEN_VECTORS, MAC_VECTORS, STREAM_VECTORS } from "../../vectors/rfc8439";
import { done, measure, record } from "../../../tools/xs/harness";

const HEX = "0123456789abcdef";
function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += (HEX[b >>> 4] ?? "") + (HEX[b & 15] ?? "");
  return out;
}
function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
function unwrap<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what} failed with code ${result.code}`);
  return result.value;
}

// ---- known answers ----
{
  const chacha = new ChaCha20();
  const poly = new Poly1305();
  const aead = new ChaCha20Poly1305();
  for (const v of BLOCK_VECTORS) {
    chacha.setup(fromHex(v.keyHex), 0, fromHex(v.nonceHex), 0);
    chacha.block(v.counter);
    record("kat", { group: "block", clause: v.clause, hex: hex(chacha.keystream) });
  }
  for (const v of STREAM_VECTORS) {
    const plaintext = fromHex(v.plaintextHex);
    const out = new Uint8Array(plaintext.length);
    chacha.setup(fromHex(v.keyHex), 0, fromHex(v.nonceHex), 0);
    chacha.xor(v.counter, plaintext, 0, plaintext.length, out, 0);
    record("kat", { group: "stream", clause: v.clause, hex: hex(out) });
  }
  for (const v of MAC_VECTORS) {
    const message = fromHex(v.messageHex);
    const tag = new Uint8Array(16);
    poly.start(fromHex(v.keyHex), 0);
    poly.absorbMessage(message, 0, message.length);
    poly.finish(tag, 0);
    record("kat", { group: "mac", clause: v.clause, hex: hex(tag) });
  }
  for (const v of KEYGEN_VECTORS) {
    chacha.setup(fromHex(v.keyHex), 0, fromHex(v.nonceHex), 0);
    chacha.block(0);
    record("kat", { group: "keygen", clause: v.clause, hex: hex(chacha.keystream.subarray(0, 32)) });
  }
  for (const v of AEAD_VECTORS) {
    const key = fromHex(v.keyHex);
    const nonce = fromHex(v.nonceHex);
    const aad = fromHex(v.aadHex);
    const plaintext = fromHex(v.plaintextHex);
    const sealed = new Uint8Array(plaintext.length + 16);
    const sealedLength = aead.seal(key, nonce, aad, 0, aad.length, plaintext, 0, plaintext.length, sealed, 0);
    const opened = new Uint8Array(plaintext.length);
    const openedLength = aead.open(key, nonce, aad, 0, aad.length, fromHex(v.ciphertextHex + v.tagHex), 0, sealed.length, opened, 0);
    sealed[3] = (sealed[3] ?? 0) ^ 0x10;
    const untouched = new Uint8Array(plaintext.length).fill(0xa5);
    const tampered = aead.open(key, nonce, aad, 0, aad.length, sealed, 0, sealed.length, untouched, 0);
    sealed[3] = (sealed[3] ?? 0) ^ 0x10;
    record("kat", {
      group: "aead",
      clause: v.clause,
      hex: hex(sealed),
      sealedLength,
      openedHex: hex(opened),
      openedLength,
      tampered,
      outUntouched: untouched.every((b) => b === 0xa5),
    });
  }
}

// ---- allocation per call, after warm-up ----
const OPS = 20;

function measured(name: string, op: () => number): void {
  op(); // warm-up: first-touch allocations (lazily built hidden state) happen here
  let result = 0;
  const m = measure(() => {
    for (let i = 0; i < OPS; i++) result = op();
  });
  record("alloc", { name, result, bytesPerOp: m.allocatedBytes / OPS, computronsPerOp: m.computrons / OPS, exact: m.exact });
}

{
  const aead = new ChaCha20Poly1305();
  const key = new Uint8Array(32).fill(0x42);
  const nonce = new Uint8Array(12).fill(7);
  const aad = new Uint8Array(9).fill(3);
  for (const bytes of [0, 64, 200, 1000]) {
    const plaintext = new Uint8Array(bytes).fill(0x5a);
    const sealed = new Uint8Array(bytes + 16);
    const opened = new Uint8Array(bytes);
    measured(`direct seal ${bytes} B`, () => aead.seal(key, nonce, aad, 0, aad.length, plaintext, 0, bytes, sealed, 0));
    measured(`direct open ${bytes} B`, () => aead.open(key, nonce, aad, 0, aad.length, sealed, 0, sealed.length, opened, 0));
  }
  const plaintext = new Uint8Array(200);
  const sealed = new Uint8Array(216);
  aead.seal(key, nonce, aad, 0, aad.length, plaintext, 0, 200, sealed, 0);
  sealed[100] = (sealed[100] ?? 0) ^ 1;
  measured("direct open 200 B tampered", () => aead.open(key, nonce, aad, 0, aad.length, sealed, 0, sealed.length, plaintext, 0));
}

{
  const provider = unwrap(
    NobleCryptoProvider.create(new SeededEntropy(0xae4d), { symmetricSlots: 4, signingSlots: 1, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 1, largestKemAlg: KemAlg.MlKem512 }),
    "provider",
  );
  const key: KeyHandle = unwrap(provider.generateSymmetricKey(KeyKind.Aead), "aead key");
  const nonce = new Uint8Array(12);
  const aad = new Uint8Array(9);
  const plaintext = new Uint8Array(200).fill(0x5a);
  const sealed = new Uint8Array(216);
  const opened = new Uint8Array(200);
  measured("provider aeadSeal 200 B", () => provider.aeadSeal(key, nonce, aad, plaintext, sealed));
  measured("provider aeadOpen 200 B", () => provider.aeadOpen(key, nonce, aad, sealed, opened));
  const tampered = sealed.slice();
  tampered[215] = (tampered[215] ?? 0) ^ 1;
  measured("provider aeadOpen 200 B tampered", () => provider.aeadOpen(key, nonce, aad, tampered, opened));
  // The per-frame form: AAD, payload and ciphertext || tag at offsets inside one 255-byte frame buffer (no views).
  const frame = new Uint8Array(255);
  const payload = new Uint8Array(255).fill(0x5a);
  measured("provider aeadSealAt 200 B in a frame", () => provider.aeadSealAt(key, nonce, frame, 0, 9, payload, 9, 200, frame, 9));
  measured("provider aeadOpenAt 200 B in a frame", () => provider.aeadOpenAt(key, nonce, frame, 0, 9, frame, 9, 216, opened, 0));
}

done();
