/**
 * The provider boundary (README "Crypto boundary and envelopes"): published answers for the primitives,
 * key handles (kinds, destruction, zeroization, capacity), randomness only
 * from the injected entropy and failing closed, ML-KEM.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { CoseAlg, KemAlg, KeyKind, NobleCryptoProvider, SigningMode, constantTimeEqual } from "../../../core/crypto/index";
import { drawEntropy } from "../../../core/crypto/entropy";
import { KeyStore } from "../../../core/crypto/key-store";
import { ErrorCode } from "../../../core/runtime/errors";
import { FailingAfterEntropy, SeededEntropy, StuckEntropy, UnavailableEntropy } from "../../../hal/sim/entropy";
import { ModdableEntropy } from "../../../hal/moddable/entropy";
import { fromHex, hex, makeKit, readVector, unwrap, utf8 } from "./fixtures";

interface Primitives {
  chacha20poly1305: { keyHex: string; nonceHex: string; aadHex: string; plaintextText: string; ciphertextHex: string; tagHex: string };
  hmacSha256: { keyText: string; dataText: string; macHex: string };
  hkdfSha256: { ikmHex: string; saltHex: string; infoHex: string; okmHex: string };
}
const vectors = readVector<Primitives>("primitives.json");

describe("primitives through the provider: published answers", () => {
  const { provider } = makeKit(31);

  it("ChaCha20/Poly1305 seal and open reproduce RFC 8439 §2.8.2", () => {
    const v = vectors.chacha20poly1305;
    const key = unwrap(provider.importSymmetricKey(KeyKind.Aead, fromHex(v.keyHex)));
    const plaintext = utf8(v.plaintextText);
    const sealed = new Uint8Array(plaintext.length + 16);
    expect(provider.aeadSeal(key, fromHex(v.nonceHex), fromHex(v.aadHex), plaintext, sealed)).toBe(sealed.length);
    expect(hex(sealed)).toBe(v.ciphertextHex + v.tagHex);
    const opened = new Uint8Array(plaintext.length);
    expect(provider.aeadOpen(key, fromHex(v.nonceHex), fromHex(v.aadHex), sealed, opened)).toBe(plaintext.length);
    expect(hex(opened)).toBe(hex(plaintext));
  });

  it("AEAD open of a tampered frame fails, counts it, and leaves no plaintext behind", () => {
    const v = vectors.chacha20poly1305;
    const key = unwrap(provider.importSymmetricKey(KeyKind.Aead, fromHex(v.keyHex)));
    const sealed = fromHex(v.ciphertextHex + v.tagHex);
    sealed[5] = (sealed[5] ?? 0) ^ 1;
    const out = new Uint8Array(sealed.length - 16).fill(0xaa);
    const before = provider.counters.authFailures;
    expect(provider.aeadOpen(key, fromHex(v.nonceHex), fromHex(v.aadHex), sealed, out)).toBe(-ErrorCode.CryptoAuthFailed);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(provider.counters.authFailures).toBe(before + 1);
  });

  it("AEAD length checks: short nonce, sealed shorter than a tag, small output", () => {
    const key = unwrap(provider.generateSymmetricKey(KeyKind.Aead));
    expect(provider.aeadSeal(key, new Uint8Array(11), new Uint8Array(0), new Uint8Array(4), new Uint8Array(20))).toBe(-ErrorCode.CryptoBadLength);
    expect(provider.aeadOpen(key, new Uint8Array(12), new Uint8Array(0), new Uint8Array(15), new Uint8Array(0))).toBe(-ErrorCode.CryptoBadLength);
    expect(provider.aeadSeal(key, new Uint8Array(12), new Uint8Array(0), new Uint8Array(4), new Uint8Array(19))).toBe(-ErrorCode.CryptoBufferTooSmall);
  });

  it("HMAC-SHA-256 reproduces RFC 4231 test case 2 (key padded to the 32-byte Mac key size)", () => {
    // "Jefe" zero-padded to 32 bytes is the same HMAC key (RFC 2104 §2 pads short keys with zeros).
    const padded = new Uint8Array(32);
    padded.set(utf8(vectors.hmacSha256.keyText));
    const key = unwrap(provider.importSymmetricKey(KeyKind.Mac, padded));
    const tag = new Uint8Array(32);
    expect(provider.mac(key, utf8(vectors.hmacSha256.dataText), tag)).toBe(ErrorCode.Ok);
    expect(hex(tag)).toBe(vectors.hmacSha256.macHex);
    expect(provider.macVerify(key, utf8(vectors.hmacSha256.dataText), tag)).toBe(ErrorCode.Ok);
    expect(provider.macVerify(key, utf8("what do ya want for nothing!"), tag)).toBe(ErrorCode.CryptoAuthFailed);
    expect(provider.macVerify(key, utf8(vectors.hmacSha256.dataText), tag.subarray(0, 16))).toBe(ErrorCode.CryptoBadLength);
  });

  it("HKDF-SHA-256: the primitive the provider wraps reproduces RFC 5869 A.1", () => {
    const v = vectors.hkdfSha256;
    expect(hex(hkdf(sha256, fromHex(v.ikmHex), fromHex(v.saltHex), fromHex(v.infoHex), 42))).toBe(v.okmHex);
  });

  it("deriveNonSecret equals HKDF over the imported secret; deriveKey keeps its output behind a handle", () => {
    const ikm = new Uint8Array(32).fill(0x0b);
    const secret = unwrap(provider.importSymmetricKey(KeyKind.Secret, ikm));
    const out = new Uint8Array(42);
    expect(provider.deriveNonSecret(secret, fromHex("000102"), fromHex("f0f1"), out)).toBe(ErrorCode.Ok);
    expect(hex(out)).toBe(hex(hkdf(sha256, ikm, fromHex("000102"), fromHex("f0f1"), 42)));
    const derived = unwrap(provider.deriveKey(secret, fromHex("000102"), fromHex("f0f1"), KeyKind.Aead));
    expect(provider.keyKind(derived)).toBe(KeyKind.Aead);
    expect(provider.deriveNonSecret(secret, new Uint8Array(0), new Uint8Array(0), new Uint8Array(65))).toBe(ErrorCode.CryptoBadLength);
  });

  it("SHA-256 of 'abc' (FIPS 180-4 example) and domain-separated parts", () => {
    const out = new Uint8Array(32);
    expect(provider.hash(utf8("abc"), out)).toBe(ErrorCode.Ok);
    expect(hex(out)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(provider.hashParts(0x61, utf8("b"), utf8("c"), out)).toBe(ErrorCode.Ok);
    expect(hex(out)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(provider.hash(utf8("abc"), new Uint8Array(31))).toBe(ErrorCode.CryptoBufferTooSmall);
  });

  it("constantTimeEqual: equal, different, different lengths", () => {
    expect(constantTimeEqual(fromHex("0102"), fromHex("0102"))).toBe(true);
    expect(constantTimeEqual(fromHex("0102"), fromHex("0103"))).toBe(false);
    expect(constantTimeEqual(fromHex("0102"), fromHex("010200"))).toBe(false);
  });
});

describe("key handles: kinds, destruction, capacity", () => {
  it("a key is usable only for its kind", () => {
    const { provider } = makeKit(32);
    const aead = unwrap(provider.generateSymmetricKey(KeyKind.Aead));
    expect(provider.mac(aead, new Uint8Array(1), new Uint8Array(32))).toBe(ErrorCode.CryptoKeyKindMismatch);
    expect(provider.deriveKey(aead, new Uint8Array(0), new Uint8Array(0), KeyKind.Aead).ok).toBe(false);
    const secret = unwrap(provider.generateSymmetricKey(KeyKind.Secret));
    expect(provider.aeadSeal(secret, new Uint8Array(12), new Uint8Array(0), new Uint8Array(1), new Uint8Array(17))).toBe(-ErrorCode.CryptoKeyKindMismatch);
    expect(provider.keyStore.kindMismatchCount).toBeGreaterThanOrEqual(2);
  });

  it("a destroyed key's handle is stale forever, even after its slot is reused", () => {
    const { provider } = makeKit(33);
    const first = unwrap(provider.generateSymmetricKey(KeyKind.Aead));
    expect(provider.destroyKey(first)).toBe(ErrorCode.Ok);
    const second = unwrap(provider.generateSymmetricKey(KeyKind.Aead));
    expect(second).not.toBe(first);
    expect(provider.aeadSeal(first, new Uint8Array(12), new Uint8Array(0), new Uint8Array(1), new Uint8Array(17))).toBe(-ErrorCode.CryptoKeyDestroyed);
    expect(provider.destroyKey(first)).toBe(ErrorCode.CryptoKeyDestroyed);
    expect(provider.keyKind(second)).toBe(KeyKind.Aead);
  });

  it("destroy zeroizes the slot's bytes (key store internals)", () => {
    const store = unwrap(KeyStore.create({ symmetricSlots: 1, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }));
    const handle = store.allocate(KeyKind.Aead, 32, 0);
    const view = store.secretView(store.locate(handle, 1 << KeyKind.Aead));
    view.fill(0x5a);
    expect(store.destroy(handle)).toBe(ErrorCode.Ok);
    expect(view.every((b) => b === 0)).toBe(true);
  });

  it("a full class refuses new keys with CryptoKeyStoreFull and counts it", () => {
    const { provider } = makeKit(34, new SeededEntropy(34), 2);
    unwrap(provider.generateSymmetricKey(KeyKind.Aead));
    unwrap(provider.generateSymmetricKey(KeyKind.Mac));
    const third = provider.generateSymmetricKey(KeyKind.Aead);
    expect(third.ok ? 0 : third.code).toBe(ErrorCode.CryptoKeyStoreFull);
    expect(provider.keyStore.fullCount).toBe(1);
  });

  it("imports check lengths: symmetric 32 B, ML-DSA seed 32 B, ML-KEM seed 64 B", () => {
    const { provider } = makeKit(35);
    const codes = [
      provider.importSymmetricKey(KeyKind.Aead, new Uint8Array(31)),
      provider.importSigningSeed(CoseAlg.MlDsa44, new Uint8Array(33)),
      provider.importKemSeed(KemAlg.MlKem512, new Uint8Array(32)),
    ].map((r) => (r.ok ? 0 : r.code));
    expect(codes).toEqual([ErrorCode.CryptoKeyWrongLength, ErrorCode.CryptoKeyWrongLength, ErrorCode.CryptoKeyWrongLength]);
  });
});

describe("randomness comes only from the injected entropy and fails closed", () => {
  function providerWith(entropy: Parameters<typeof NobleCryptoProvider.create>[0]): NobleCryptoProvider {
    return unwrap(
      NobleCryptoProvider.create(entropy, { symmetricSlots: 4, signingSlots: 2, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 2, largestKemAlg: KemAlg.MlKem512 }),
    );
  }

  it("an unavailable source: every operation that needs randomness returns EntropyUnavailable", () => {
    const provider = providerWith(new UnavailableEntropy());
    const codes = [
      provider.generateSymmetricKey(KeyKind.Aead),
      provider.generateSigningKey(CoseAlg.MlDsa44),
      provider.generateKemKey(KemAlg.MlKem512),
      provider.encapsulate(KemAlg.MlKem512, new Uint8Array(800), new Uint8Array(768)),
    ].map((r) => (r.ok ? 0 : r.code));
    expect(codes).toEqual(Array(4).fill(ErrorCode.EntropyUnavailable));
    const signer = unwrap(provider.importSigningSeed(CoseAlg.MlDsa44, new Uint8Array(32)));
    expect(provider.sign(signer, utf8("x"), new Uint8Array(2420), SigningMode.Hedged)).toBe(-ErrorCode.EntropyUnavailable);
    // Deterministic signing needs no entropy, and verification never does.
    expect(provider.sign(signer, utf8("x"), new Uint8Array(2420), SigningMode.Deterministic)).toBe(2420);
    expect(provider.counters.entropyFailures).toBe(5);
    expect(provider.keyStore.liveCount).toBe(1);
  });

  it("a stuck source (constant bytes) fails the health check: EntropyHealthFailed, buffer zeroed", () => {
    const out = new Uint8Array(32);
    expect(drawEntropy(new StuckEntropy(0x42), out)).toBe(ErrorCode.EntropyHealthFailed);
    expect(out.every((b) => b === 0)).toBe(true);
    const provider = providerWith(new StuckEntropy(0));
    const made = provider.generateSigningKey(CoseAlg.MlDsa44);
    expect(made.ok ? 0 : made.code).toBe(ErrorCode.EntropyHealthFailed);
  });

  it("a source that dies mid-operation leaves no half-made key", () => {
    const provider = providerWith(new FailingAfterEntropy(new SeededEntropy(5), 40));
    unwrap(provider.generateSymmetricKey(KeyKind.Aead)); // 32 bytes
    const second = provider.generateSymmetricKey(KeyKind.Aead); // needs 32, 8 left
    expect(second.ok ? 0 : second.code).toBe(ErrorCode.EntropyUnavailable);
    expect(provider.keyStore.liveCount).toBe(1);
  });

  it("the board driver refuses until a hardware RNG is wired in (hal/moddable/entropy.ts)", () => {
    const board = new ModdableEntropy();
    const out = new Uint8Array(16).fill(9);
    expect(board.fill(out)).toBe(ErrorCode.EntropyUnavailable);
    expect(out.every((b) => b === 0)).toBe(true);
    expect(board.refusedCount).toBe(1);
  });

  it("the same seed gives the same keys (simulator determinism)", () => {
    const a = providerWith(new SeededEntropy(77));
    const b = providerWith(new SeededEntropy(77));
    const pa = new Uint8Array(1312);
    const pb = new Uint8Array(1312);
    a.publicKey(unwrap(a.generateSigningKey(CoseAlg.MlDsa44)), pa);
    b.publicKey(unwrap(b.generateSigningKey(CoseAlg.MlDsa44)), pb);
    expect(hex(pa)).toBe(hex(pb));
  });
});

describe("ML-DSA and ML-KEM through handles", () => {
  it("hedged signatures differ per call and all verify; verify refuses a wrong message", () => {
    const { provider } = makeKit(36);
    const key = unwrap(provider.generateSigningKey(CoseAlg.MlDsa44));
    const pub = new Uint8Array(1312);
    provider.publicKey(key, pub);
    const s1 = new Uint8Array(2420);
    const s2 = new Uint8Array(2420);
    provider.sign(key, utf8("m"), s1, SigningMode.Hedged);
    provider.sign(key, utf8("m"), s2, SigningMode.Hedged);
    expect(hex(s1)).not.toBe(hex(s2));
    expect(provider.verify(CoseAlg.MlDsa44, pub, utf8("m"), s1)).toBe(ErrorCode.Ok);
    expect(provider.verify(CoseAlg.MlDsa44, pub, utf8("m"), s2)).toBe(ErrorCode.Ok);
    expect(provider.verify(CoseAlg.MlDsa44, pub, utf8("n"), s1)).toBe(ErrorCode.CryptoBadSignature);
    expect(provider.verify(-7 as typeof CoseAlg.MlDsa44, pub, utf8("m"), s1)).toBe(ErrorCode.CryptoUnknownAlgorithm);
  });

  for (const alg of [KemAlg.MlKem512, KemAlg.MlKem768]) {
    it(`ML-KEM-${alg}: encapsulate/decapsulate agree (checked by AEAD), a wrong ciphertext implicitly rejects`, () => {
      const { provider } = makeKit(37);
      const kemKey = unwrap(provider.generateKemKey(alg));
      const pub = new Uint8Array(alg === KemAlg.MlKem512 ? 800 : 1184);
      provider.publicKey(kemKey, pub);
      const ct = new Uint8Array(alg === KemAlg.MlKem512 ? 768 : 1088);
      const mine = unwrap(provider.encapsulate(alg, pub, ct));
      const theirs = unwrap(provider.decapsulate(kemKey, ct));
      const keyA = unwrap(provider.deriveKey(mine, new Uint8Array(0), utf8("t"), KeyKind.Aead));
      const keyB = unwrap(provider.deriveKey(theirs, new Uint8Array(0), utf8("t"), KeyKind.Aead));
      const sealed = new Uint8Array(21);
      provider.aeadSeal(keyA, new Uint8Array(12), new Uint8Array(0), utf8("hello"), sealed);
      expect(provider.aeadOpen(keyB, new Uint8Array(12), new Uint8Array(0), sealed, new Uint8Array(5))).toBe(5);
      const forged = unwrap(provider.decapsulate(kemKey, ct.map((b, i) => (i === 0 ? b ^ 1 : b))));
      const keyC = unwrap(provider.deriveKey(forged, new Uint8Array(0), utf8("t"), KeyKind.Aead));
      expect(provider.aeadOpen(keyC, new Uint8Array(12), new Uint8Array(0), sealed, new Uint8Array(5))).toBe(-ErrorCode.CryptoAuthFailed);
      const short = provider.decapsulate(kemKey, ct.subarray(1));
      expect(short.ok ? 0 : short.code).toBe(ErrorCode.CryptoBadLength);
      const badPub = provider.encapsulate(alg, pub.subarray(1), ct);
      expect(badPub.ok ? 0 : badPub.code).toBe(ErrorCode.CryptoKeyWrongLength);
    });
  }

  it("ML-KEM: an encapsulation key failing the FIPS 203 §7.2 modulus check is refused, not thrown", () => {
    const { provider } = makeKit(38);
    const bad = new Uint8Array(800).fill(0xff);
    const result = provider.encapsulate(KemAlg.MlKem512, bad, new Uint8Array(768));
    expect(result.ok ? 0 : result.code).toBe(ErrorCode.CryptoKeyWrongLength);
  });

  it("wrapKey/unwrapKey move a secret between handles without exposing it", () => {
    const { provider } = makeKit(39);
    const wrapping = unwrap(provider.generateSymmetricKey(KeyKind.Aead));
    const inner = unwrap(provider.generateSymmetricKey(KeyKind.Secret));
    const sealed = new Uint8Array(48);
    expect(provider.wrapKey(wrapping, new Uint8Array(12), utf8("ctx"), inner, sealed)).toBe(48);
    const copy = unwrap(provider.unwrapKey(wrapping, new Uint8Array(12), utf8("ctx"), sealed, KeyKind.Secret));
    const a = new Uint8Array(16);
    const b = new Uint8Array(16);
    provider.deriveNonSecret(inner, new Uint8Array(0), new Uint8Array(0), a);
    provider.deriveNonSecret(copy, new Uint8Array(0), new Uint8Array(0), b);
    expect(hex(a)).toBe(hex(b));
    const wrongCtx = provider.unwrapKey(wrapping, new Uint8Array(12), utf8("other"), sealed, KeyKind.Secret);
    expect(wrongCtx.ok ? 0 : wrongCtx.code).toBe(ErrorCode.CryptoAuthFailed);
  });
});
