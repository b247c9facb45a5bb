/**
 * The portable crypto provider: our own SHA-256/HMAC/HKDF and
 * ChaCha20-Poly1305 behind the CryptoProvider boundary, with the
 * post-quantum algorithms (ML-DSA, ML-KEM) injected as a suite
 * (post-quantum.ts). The host and full images pass noble's suite
 * (noble-provider.ts); a board image that only needs the symmetric mesh
 * path passes none, so @noble/post-quantum (~60 KB minified) stays out of
 * its bundle, and every signature or KEM call returns `Unsupported`.
 *
 * XS notes. noble's own `randomBytes` reads `crypto.getRandomValues`, which
 * XS lacks; this provider never lets noble call it: every noble function
 * that would (ML-DSA keygen/sign, ML-KEM keygen/encaps) is given explicit
 * bytes drawn from the injected entropy (keygen seeds, `extraEntropy`, the
 * encapsulation message m). Nothing in the noble modules used here reads
 * `crypto` at import time (checked on the XS engine by test/xs/crypto.test.ts).
 *
 * Every noble call runs under `guard`: noble throws on arguments it
 * dislikes, and lengths are checked here first, so a throw that still
 * escapes means malformed input (counted) or a fault (counted).
 *
 * Symmetric primitives are our own, made once per provider (at run time,
 * from the agent's start path): AEAD (chacha20-poly1305.ts) because it is
 * the per-frame path and must allocate nothing (noble's allocates ~28 KB per
 * 200-byte frame on XS); SHA-256, HMAC and HKDF (sha256.ts, hmac-sha256.ts,
 * hkdf-sha256.ts) because @noble/hashes keeps module-level scratch buffers
 * (sha2's message schedule, hkdf's counter byte) that Moddable preload puts
 * in flash, where a write throws `TypeError: read-only buffer`
 * (`documentation/xs/preload.md`). Ours allocate nothing per call. So a board
 * image without a post-quantum suite carries no @noble/hashes at all.
 */
import { ErrorCode } from "../runtime/errors";
import { guard } from "../runtime/guard";
import { err, ok, type Result, type Status } from "../runtime/result";
import { failure } from "./fail";
import type { ValueOrCode } from "../collections/value-or-code";
import {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  HASH_BYTES,
  HMAC_TAG_BYTES,
  ML_DSA_SEED_BYTES,
  ML_KEM_MESSAGE_BYTES,
  ML_KEM_SEED_BYTES,
  SYMMETRIC_KEY_BYTES,
  kemSizes,
  signatureSizes,
  type KemAlg,
  type SignatureAlg,
} from "./algorithms";
import { ChaCha20Poly1305, rangeOk } from "./chacha20-poly1305";
import { HkdfSha256 } from "./hkdf-sha256";
import { Blake2sMac } from "./blake2s";
import { BLAKE2S_WORDS_AT, CryptoScratch, PROVIDER_KEY_AT, PROVIDER_SEED_AT } from "./scratch";
import type { HmacSha256 } from "./hmac-sha256";
import type { Sha256 } from "./sha256";
import { constantTimeEqual, zeroize } from "./ct";
import { drawEntropy, type EntropySource } from "./entropy";
import {
  KEM_KINDS,
  KeyKind,
  KeyStore,
  SIGNING_KINDS,
  kemAlgOfKind,
  kemKindOf,
  kindBit,
  signatureAlgOfKind,
  signingKindOf,
  type KeyHandle,
  type KeyStoreOptions,
} from "./key-store";
import type { Dsa, Kem, PostQuantumSuite } from "./post-quantum";
import { SigningMode, type CryptoCounters, type CryptoProvider } from "./provider";

const HKDF_NON_SECRET_MAX_BYTES = 64;
const SYMMETRIC_MASK = kindBit(KeyKind.Aead) | kindBit(KeyKind.Mac) | kindBit(KeyKind.Secret);

class Counters implements CryptoCounters {
  entropyFailures = 0;
  authFailures = 0;
  badSignatures = 0;
  providerFaults = 0;
}

export class PortableCryptoProvider implements CryptoProvider {
  readonly name: string;
  private readonly pq_: PostQuantumSuite | null;
  private readonly entropy_: EntropySource;
  private readonly keys_: KeyStore;
  private readonly counters_ = new Counters();
  /**
   * Every primitive below and the two views after them work in this one
   * area (scratch.ts: fixed regions, one ArrayBuffer; each typed array costs
   * heap slots on XS). Every method here is synchronous and runs one
   * primitive family: a hash/MAC/KDF or an AEAD, never both.
   */
  private readonly scratch_ = new CryptoScratch();
  private readonly aead_ = new ChaCha20Poly1305(this.scratch_);
  /** One SHA-256 engine serves hash, HMAC and HKDF (HKDF owns the HMAC, the HMAC the hasher): no call here runs two at once. */
  private readonly hkdf_ = new HkdfSha256(this.scratch_);
  /** Keyed BLAKE2s for `keyedHashAt`, on the SHA-256 words (scratch.ts BLAKE2S_WORDS_AT). */
  private readonly blake2s_ = new Blake2sMac(this.scratch_.bytes.buffer as ArrayBuffer, BLAKE2S_WORDS_AT * 4);
  /**
   * A symmetric key copied out of the store for one operation, zeroized
   * after it (the store keeps no per-slot views); after the MAC has begun,
   * the computed tag of `macVerify`; in `deriveKey`, the HKDF output (RFC
   * 5869: IKM is read only by Extract, so the output may overwrite it).
   */
  private readonly key_ = new Uint8Array(this.scratch_.bytes.buffer, PROVIDER_KEY_AT, SYMMETRIC_KEY_BYTES);
  /** Drawn seeds and KEM messages, the unwrapped key, the hedged-signing randomness (its first 32 bytes). */
  private readonly seed_ = new Uint8Array(this.scratch_.bytes.buffer, PROVIDER_SEED_AT, ML_KEM_SEED_BYTES);

  /** `pq`: the ML-DSA/ML-KEM implementation, or null for a symmetric-only provider. */
  static create(entropy: EntropySource, keyStore: KeyStoreOptions, pq: PostQuantumSuite | null): Result<PortableCryptoProvider> {
    const keys = KeyStore.create(keyStore);
    if (!keys.ok) return keys;
    return ok(new PortableCryptoProvider(entropy, keys.value, pq));
  }

  private constructor(entropy: EntropySource, keys: KeyStore, pq: PostQuantumSuite | null) {
    this.entropy_ = entropy;
    this.keys_ = keys;
    this.pq_ = pq;
    this.name = pq === null ? "portable-symmetric" : pq.name;
  }

  /** True when signatures and KEM are available (a post-quantum suite was given). */
  get postQuantum(): boolean {
    return this.pq_ !== null;
  }

  get counters(): CryptoCounters {
    return this.counters_;
  }

  /** Key-store counters (full, stale handle, kind mismatch) for metrics. */
  get keyStore(): { readonly fullCount: number; readonly staleCount: number; readonly kindMismatchCount: number; readonly liveCount: number } {
    return this.keys_;
  }

  randomBytes(out: Uint8Array): Status {
    const status = drawEntropy(this.entropy_, out);
    if (status !== ErrorCode.Ok) this.counters_.entropyFailures++;
    return status;
  }

  hash(data: Uint8Array, out: Uint8Array): Status {
    return this.hashParts(-1, data, null, out);
  }

  hashParts(prefixByte: number, a: Uint8Array, b: Uint8Array | null, out: Uint8Array): Status {
    if (out.length < HASH_BYTES) return ErrorCode.CryptoBufferTooSmall;
    if (prefixByte > 255) return ErrorCode.InvalidArgument;
    const h: Sha256 = this.hkdf_.hmac.hash;
    h.reset();
    if (prefixByte >= 0) h.updateByte(prefixByte);
    h.update(a);
    if (b !== null) h.update(b);
    return h.digestInto(out, 0) ? ErrorCode.Ok : ErrorCode.CryptoBufferTooSmall;
  }

  importSymmetricKey(kind: KeyKind, bytes: Uint8Array): Result<KeyHandle> {
    if ((SYMMETRIC_MASK & kindBit(kind)) === 0) return err(ErrorCode.CryptoKeyKindMismatch);
    if (bytes.length !== SYMMETRIC_KEY_BYTES) return err(ErrorCode.CryptoKeyWrongLength);
    const handle = this.keys_.allocate(kind, SYMMETRIC_KEY_BYTES, 0);
    if (handle < 0) return failure(-handle);
    const written = this.keys_.writeKey(this.keys_.locate(handle, SYMMETRIC_MASK), bytes, null);
    if (written !== ErrorCode.Ok) {
      this.keys_.abandon(handle);
      return failure(written);
    }
    return ok(handle as KeyHandle);
  }

  generateSymmetricKey(kind: KeyKind): Result<KeyHandle> {
    const secret = this.seed_.subarray(0, SYMMETRIC_KEY_BYTES);
    const drawn = this.randomBytes(secret);
    if (drawn !== ErrorCode.Ok) return failure(drawn);
    const imported = this.importSymmetricKey(kind, secret);
    zeroize(secret);
    return imported;
  }

  importSigningSeed(alg: SignatureAlg, seed: Uint8Array): Result<KeyHandle> {
    const sizes = signatureSizes(alg);
    if (sizes === null) return err(ErrorCode.CryptoUnknownAlgorithm);
    if (seed.length !== ML_DSA_SEED_BYTES) return err(ErrorCode.CryptoKeyWrongLength);
    const dsa = this.pq_?.dsa(alg);
    if (dsa === undefined) return err(ErrorCode.Unsupported);
    const pair = guard(() => dsa.keygen(seed), ErrorCode.CryptoProviderFault);
    if (!pair.ok) return this.faultResult_(pair.code);
    return this.storePair(signingKindOf(alg), pair.value.secretKey, pair.value.publicKey);
  }

  generateSigningKey(alg: SignatureAlg): Result<KeyHandle> {
    const seed = this.seed_.subarray(0, ML_DSA_SEED_BYTES);
    const drawn = this.randomBytes(seed);
    if (drawn !== ErrorCode.Ok) return failure(drawn);
    const made = this.importSigningSeed(alg, seed);
    zeroize(seed);
    return made;
  }

  importKemSeed(alg: KemAlg, seed: Uint8Array): Result<KeyHandle> {
    if (kemSizes(alg) === null) return err(ErrorCode.CryptoUnknownAlgorithm);
    if (seed.length !== ML_KEM_SEED_BYTES) return err(ErrorCode.CryptoKeyWrongLength);
    const kem = this.pq_?.kem(alg);
    if (kem === undefined) return err(ErrorCode.Unsupported);
    const pair = guard(() => kem.keygen(seed), ErrorCode.CryptoProviderFault);
    if (!pair.ok) return this.faultResult_(pair.code);
    return this.storePair(kemKindOf(alg), pair.value.secretKey, pair.value.publicKey);
  }

  generateKemKey(alg: KemAlg): Result<KeyHandle> {
    const seed = this.seed_;
    const drawn = this.randomBytes(seed);
    if (drawn !== ErrorCode.Ok) return failure(drawn);
    const made = this.importKemSeed(alg, seed);
    zeroize(seed);
    return made;
  }

  publicKey(key: KeyHandle, out: Uint8Array): ValueOrCode {
    const at = this.keys_.locate(key, SIGNING_KINDS | KEM_KINDS);
    if (at < 0) return at;
    const pub = this.keys_.publicView(at);
    if (out.length < pub.length) return -ErrorCode.CryptoBufferTooSmall;
    out.set(pub);
    return pub.length;
  }

  keyKind(key: KeyHandle): ValueOrCode {
    return this.keys_.kindOf(key);
  }

  destroyKey(key: KeyHandle): Status {
    return this.keys_.destroy(key);
  }

  mac(key: KeyHandle, data: Uint8Array, out: Uint8Array): Status {
    if (out.length < HMAC_TAG_BYTES) return ErrorCode.CryptoBufferTooSmall;
    const at = this.keys_.locate(key, kindBit(KeyKind.Mac));
    if (at < 0) return -at as Status;
    const secret = this.copyKey(at);
    const h: HmacSha256 = this.hkdf_.hmac;
    h.begin(secret, 0, secret.length);
    zeroize(secret);
    h.update(data);
    return h.digestInto(out, 0) ? ErrorCode.Ok : ErrorCode.CryptoBufferTooSmall;
  }

  macAt(key: KeyHandle, data: Uint8Array, dataOffset: number, dataLength: number, out: Uint8Array, outOffset: number): Status {
    if (!rangeOk(dataOffset, dataLength, data.length) || !rangeOk(outOffset, HMAC_TAG_BYTES, out.length)) return ErrorCode.OutOfRange;
    const at = this.keys_.locate(key, kindBit(KeyKind.Mac));
    if (at < 0) return -at as Status;
    // The key is read in place from the store's slab, as aeadOpenAt does: no copy of it per frame.
    const slab = this.keys_.secretSlab(at);
    const keyOffset = this.keys_.secretOffset(at, SYMMETRIC_KEY_BYTES);
    if (slab === undefined || keyOffset < 0) return ErrorCode.CryptoProviderFault;
    const h: HmacSha256 = this.hkdf_.hmac;
    h.begin(slab, keyOffset, SYMMETRIC_KEY_BYTES);
    h.updateRange(data, dataOffset, dataLength);
    return h.digestInto(out, outOffset) ? ErrorCode.Ok : ErrorCode.CryptoBufferTooSmall;
  }

  macVerify(key: KeyHandle, data: Uint8Array, tag: Uint8Array): Status {
    if (tag.length !== HMAC_TAG_BYTES) {
      this.counters_.authFailures++;
      return ErrorCode.CryptoBadLength;
    }
    const expected = this.key_; // `mac` zeroizes the key copy once the MAC has begun, before it writes the tag
    const made = this.mac(key, data, expected);
    if (made !== ErrorCode.Ok) return made;
    const equal = constantTimeEqual(expected, tag);
    zeroize(expected);
    if (equal) return ErrorCode.Ok;
    this.counters_.authFailures++;
    return ErrorCode.CryptoAuthFailed;
  }

  deriveKey(ikm: KeyHandle, salt: Uint8Array, info: Uint8Array, kind: KeyKind): Result<KeyHandle> {
    if ((SYMMETRIC_MASK & kindBit(kind)) === 0) return err(ErrorCode.CryptoKeyKindMismatch);
    const at = this.keys_.locate(ikm, kindBit(KeyKind.Secret));
    if (at < 0) return failure(-at);
    const secret = this.copyKey(at);
    // The output overwrites the key copy (IKM is read only by Extract, RFC 5869 §2.2).
    const derived = this.hkdf_.derive(secret, salt, info, secret, 0, SYMMETRIC_KEY_BYTES);
    if (!derived) {
      zeroize(secret);
      return this.faultResult_(ErrorCode.CryptoProviderFault);
    }
    const made = this.importSymmetricKey(kind, secret);
    zeroize(secret);
    return made;
  }

  deriveNonSecret(ikm: KeyHandle, salt: Uint8Array, info: Uint8Array, out: Uint8Array): Status {
    if (out.length < 1 || out.length > HKDF_NON_SECRET_MAX_BYTES) return ErrorCode.CryptoBadLength;
    const at = this.keys_.locate(ikm, kindBit(KeyKind.Secret));
    if (at < 0) return -at as Status;
    const secret = this.copyKey(at);
    const derived = this.hkdf_.derive(secret, salt, info, out, 0, out.length);
    zeroize(secret);
    return derived ? ErrorCode.Ok : this.fault(ErrorCode.CryptoProviderFault);
  }

  keyedHashAt(
    key: Uint8Array,
    keyOffset: number,
    keyBytes: number,
    personal: Uint8Array | null,
    data: Uint8Array,
    dataOffset: number,
    dataLength: number,
    out: Uint8Array,
    outOffset: number,
    outBytes: number,
  ): Status {
    return this.blake2s_.tagAt(key, keyOffset, keyBytes, personal, data, dataOffset, dataLength, out, outOffset, outBytes);
  }

  streamXorAt(key: Uint8Array, keyOffset: number, nonce: Uint8Array, src: Uint8Array, srcOffset: number, length: number, dst: Uint8Array, dstOffset: number): Status {
    return this.aead_.streamWithKeyAt(key, keyOffset, nonce, src, srcOffset, length, dst, dstOffset);
  }

  aeadSeal(key: KeyHandle, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): ValueOrCode {
    return this.aeadSealAt(key, nonce, aad, 0, aad.length, plaintext, 0, plaintext.length, out, 0);
  }

  aeadOpen(key: KeyHandle, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out: Uint8Array): ValueOrCode {
    return this.aeadOpenAt(key, nonce, aad, 0, aad.length, sealed, 0, sealed.length, out, 0);
  }

  aeadSealAt(
    key: KeyHandle,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
    plaintext: Uint8Array,
    ptOffset: number,
    ptLength: number,
    out: Uint8Array,
    outOffset: number,
  ): ValueOrCode {
    const at = this.keys_.locate(key, kindBit(KeyKind.Aead));
    if (at < 0) return at;
    return this.seal(at, nonce, aad, aadOffset, aadLength, plaintext, ptOffset, ptLength, out, outOffset);
  }

  aeadOpenAt(
    key: KeyHandle,
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
    // Every refusal comes before a byte is written, so `out` outside the target range is never touched.
    if (!rangeOk(aadOffset, aadLength, aad.length) || !rangeOk(sealedOffset, sealedLength, sealed.length) || !rangeOk(outOffset, 0, out.length)) {
      return -ErrorCode.OutOfRange;
    }
    if (nonce.length !== AEAD_NONCE_BYTES || sealedLength < AEAD_TAG_BYTES) return -ErrorCode.CryptoBadLength;
    const length = sealedLength - AEAD_TAG_BYTES;
    if (out.length - outOffset < length) return -ErrorCode.CryptoBufferTooSmall;
    const at = this.keys_.locate(key, kindBit(KeyKind.Aead));
    if (at < 0) return at;
    // The key is read in place from the store's slab: no copy of it per frame.
    const slab = this.keys_.secretSlab(at);
    const keyOffset = this.keys_.secretOffset(at, AEAD_KEY_BYTES);
    if (slab === undefined || keyOffset < 0) return this.aeadFault(out, outOffset, length);
    // Verify-first: on failure nothing was decrypted into `out`; the target range is still zeroed, as the interface promises.
    const opened = this.aead_.openWithKeyAt(slab, keyOffset, nonce, aad, aadOffset, aadLength, sealed, sealedOffset, sealedLength, out, outOffset);
    if (opened === -ErrorCode.CryptoAuthFailed) {
      out.fill(0, outOffset, outOffset + length);
      this.counters_.authFailures++;
      return opened;
    }
    return opened < 0 ? this.aeadFault(out, outOffset, length) : opened;
  }

  wrapKey(wrapping: KeyHandle, nonce: Uint8Array, aad: Uint8Array, wrapped: KeyHandle, out: Uint8Array): ValueOrCode {
    const wrapAt = this.keys_.locate(wrapping, kindBit(KeyKind.Aead));
    if (wrapAt < 0) return wrapAt;
    const innerAt = this.keys_.locate(wrapped, SYMMETRIC_MASK);
    if (innerAt < 0) return innerAt;
    const inner = this.keys_.secretView(innerAt);
    return this.seal(wrapAt, nonce, aad, 0, aad.length, inner, 0, inner.length, out, 0);
  }

  unwrapKey(wrapping: KeyHandle, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, kind: KeyKind): Result<KeyHandle> {
    if (sealed.length !== SYMMETRIC_KEY_BYTES + AEAD_TAG_BYTES) return err(ErrorCode.CryptoBadLength);
    const secret = this.seed_.subarray(0, SYMMETRIC_KEY_BYTES);
    const opened = this.aeadOpen(wrapping, nonce, aad, sealed, secret);
    if (opened < 0) return failure(-opened);
    const made = this.importSymmetricKey(kind, secret);
    zeroize(secret);
    return made;
  }

  sign(key: KeyHandle, message: Uint8Array, out: Uint8Array, mode: SigningMode): ValueOrCode {
    const at = this.keys_.locate(key, SIGNING_KINDS);
    if (at < 0) return at;
    const alg = signatureAlgOfKind(this.keys_.kindOf(key));
    const sizes = alg === 0 ? null : signatureSizes(alg);
    if (alg === 0 || sizes === null) return -ErrorCode.InvariantViolated;
    if (out.length < sizes.signatureBytes) return -ErrorCode.CryptoBufferTooSmall;
    const dsa = this.pq_?.dsa(alg);
    if (dsa === undefined) return -ErrorCode.Unsupported;
    let extraEntropy: Uint8Array | false = false;
    if (mode === SigningMode.Hedged) {
      const rnd = this.seed_.subarray(0, 32);
      const drawn = this.randomBytes(rnd);
      if (drawn !== ErrorCode.Ok) return -drawn;
      extraEntropy = rnd;
    }
    const secret = this.keys_.secretView(at);
    const options: { extraEntropy: Uint8Array | false } = { extraEntropy };
    const signature = guard(() => dsa.sign(message, secret, options), ErrorCode.CryptoProviderFault);
    if (extraEntropy !== false) zeroize(extraEntropy);
    if (!signature.ok) {
      this.counters_.providerFaults++;
      return -signature.code;
    }
    out.set(signature.value);
    return signature.value.length;
  }

  verify(alg: SignatureAlg, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Status {
    const sizes = signatureSizes(alg);
    if (sizes === null) return ErrorCode.CryptoUnknownAlgorithm;
    if (publicKey.length !== sizes.publicKeyBytes) return ErrorCode.CryptoKeyWrongLength;
    if (signature.length !== sizes.signatureBytes) {
      this.counters_.badSignatures++;
      return ErrorCode.CryptoBadLength;
    }
    const dsa = this.pq_?.dsa(alg);
    if (dsa === undefined) return ErrorCode.Unsupported;
    const verdict = guard(() => dsa.verify(signature, message, publicKey), ErrorCode.CryptoBadSignature);
    if (verdict.ok && verdict.value) return ErrorCode.Ok;
    this.counters_.badSignatures++;
    return ErrorCode.CryptoBadSignature;
  }

  encapsulate(alg: KemAlg, publicKey: Uint8Array, ciphertextOut: Uint8Array): Result<KeyHandle> {
    const sizes = kemSizes(alg);
    if (sizes === null) return err(ErrorCode.CryptoUnknownAlgorithm);
    if (publicKey.length !== sizes.publicKeyBytes) return err(ErrorCode.CryptoKeyWrongLength);
    if (ciphertextOut.length < sizes.ciphertextBytes) return err(ErrorCode.CryptoBufferTooSmall);
    const kem = this.pq_?.kem(alg);
    if (kem === undefined) return err(ErrorCode.Unsupported);
    const message = this.seed_.subarray(0, ML_KEM_MESSAGE_BYTES);
    const drawn = this.randomBytes(message);
    if (drawn !== ErrorCode.Ok) return failure(drawn);
    // noble rejects an encapsulation key that fails the FIPS 203 §7.2 modulus check: malformed key.
    const result = guard(() => kem.encapsulate(publicKey, message), ErrorCode.CryptoKeyWrongLength);
    zeroize(message);
    if (!result.ok) return result;
    ciphertextOut.set(result.value.cipherText);
    const made = this.importSymmetricKey(KeyKind.Secret, result.value.sharedSecret);
    zeroize(result.value.sharedSecret);
    return made;
  }

  decapsulate(key: KeyHandle, ciphertext: Uint8Array): Result<KeyHandle> {
    const at = this.keys_.locate(key, KEM_KINDS);
    if (at < 0) return failure(-at);
    const alg = kemAlgOfKind(this.keys_.kindOf(key));
    const sizes = alg === 0 ? null : kemSizes(alg);
    if (alg === 0 || sizes === null) return err(ErrorCode.InvariantViolated);
    if (ciphertext.length !== sizes.ciphertextBytes) return err(ErrorCode.CryptoBadLength);
    const kem = this.pq_?.kem(alg);
    if (kem === undefined) return err(ErrorCode.Unsupported);
    const secret = this.keys_.secretView(at);
    const shared = guard(() => kem.decapsulate(ciphertext, secret), ErrorCode.CryptoProviderFault);
    if (!shared.ok) return this.faultResult_(shared.code);
    const made = this.importSymmetricKey(KeyKind.Secret, shared.value);
    zeroize(shared.value);
    return made;
  }

  /** Seal under the AEAD key at store location `at`, read in place from the store's slab. */
  private seal(
    at: number,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
    plaintext: Uint8Array,
    ptOffset: number,
    ptLength: number,
    out: Uint8Array,
    outOffset: number,
  ): ValueOrCode {
    const slab = this.keys_.secretSlab(at);
    const keyOffset = this.keys_.secretOffset(at, AEAD_KEY_BYTES);
    if (slab === undefined || keyOffset < 0 || nonce.length !== AEAD_NONCE_BYTES) return -ErrorCode.CryptoBadLength;
    if (!rangeOk(aadOffset, aadLength, aad.length) || !rangeOk(ptOffset, ptLength, plaintext.length) || !rangeOk(outOffset, 0, out.length)) {
      return -ErrorCode.OutOfRange;
    }
    const length = ptLength + AEAD_TAG_BYTES;
    if (out.length - outOffset < length) return -ErrorCode.CryptoBufferTooSmall;
    // Everything the AEAD checks is checked above, so it cannot refuse here; were it to, it refuses before it writes
    // a byte of `out` (chacha20-poly1305.ts). A tail call, so XS reuses this frame: a seal sits on the agent's
    // deepest JS stack (a frame sealed inside a mesh tick), and this frame's ten arguments are a tenth of it.
    return this.aead_.sealWithKeyAt(slab, keyOffset, nonce, aad, aadOffset, aadLength, plaintext, ptOffset, ptLength, out, outOffset);
  }

  /** An open the AEAD refused for a reason checked above (unreachable): counted as a fault, the target range zeroed, no plaintext left. */
  private aeadFault(out: Uint8Array, outOffset: number, length: number): ValueOrCode {
    out.fill(0, outOffset, outOffset + length);
    this.counters_.providerFaults++;
    return -ErrorCode.CryptoProviderFault;
  }

  private storePair(kind: KeyKind, secretKey: Uint8Array, publicKey: Uint8Array): Result<KeyHandle> {
    const handle = this.keys_.allocate(kind, secretKey.length, publicKey.length);
    if (handle < 0) {
      zeroize(secretKey);
      return failure(-handle);
    }
    const written = this.keys_.writeKey(this.keys_.locate(handle, kindBit(kind)), secretKey, publicKey);
    zeroize(secretKey);
    if (written !== ErrorCode.Ok) {
      this.keys_.abandon(handle);
      return failure(written);
    }
    return ok(handle as KeyHandle);
  }

  /** The symmetric key at `at` (from `locate`) in the shared `key_` buffer: the caller zeroizes it after use. */
  private copyKey(at: number): Uint8Array {
    const key = this.key_;
    // Symmetric keys are always SYMMETRIC_KEY_BYTES; anything else is refused downstream as a wrong-length key (empty view, unreachable).
    return this.keys_.copySecret(at, key) === key.length ? key : key.subarray(0, 0);
  }

  private fault(status: Status): Status {
    if (status !== ErrorCode.Ok) this.counters_.providerFaults++;
    return status === ErrorCode.Exception ? ErrorCode.CryptoProviderFault : status;
  }

  private faultResult_<T>(code: number): Result<T> {
    this.counters_.providerFaults++;
    return failure(code === ErrorCode.Exception ? ErrorCode.CryptoProviderFault : code);
  }
}
