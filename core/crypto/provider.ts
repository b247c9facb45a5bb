/**
 * The crypto provider boundary (README "Crypto boundary and envelopes").
 *
 * One narrow, typed interface between the primitives and everything else.
 * The portable implementation is noble (noble-provider.ts); a device
 * implementation may route SHA-256 or ChaCha20 to a board's native module
 * behind the same interface.
 *
 * Rules the interface enforces by its shape:
 *  - secret keys are `KeyHandle`s; no method returns secret key bytes.
 *    Importing bytes the caller already owns (a provisioned seed) is fine.
 *  - randomness comes only from the injected entropy source, fail closed.
 *  - comparisons of MACs happen inside (`macVerify`), in constant time.
 *  - results go into caller buffers; failures are error codes, never throws.
 *  - nonces are an argument here, but nothing outside core/crypto calls
 *    `aeadSeal`: frame-protect.ts and cose-encrypt0.ts build nonces from
 *    counters (RFC 8613 §5.2 style), so no caller ever chooses one.
 *
 * The per-frame `*At` methods take each byte range as one (array, offset,
 * length) triple in that order, as ECMA-419's `read`/`write` and
 * `TypedArray.set` do, rather than a request record: every number stands
 * beside the array it indexes, so none can be passed for another of its
 * kind unnoticed, and a record for each caller would cost the sensor board
 * heap it does not have (about 190 B of XS slots per caller against a
 * margin of a few hundred bytes: `npm run bench`, board memory).
 */
import type { Result, Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import type { KemAlg, SignatureAlg } from "./algorithms";
import type { KeyHandle, KeyKind } from "./key-store";

export const SigningMode = Object.freeze({
  /** FIPS 204 hedged signing: 32 fresh bytes from the entropy source per signature. */
  Hedged: 0,
  /** FIPS 204 deterministic variant (rnd = 0^32): reproducible, for known-answer tests. */
  Deterministic: 1,
} as const);

export type SigningMode = (typeof SigningMode)[keyof typeof SigningMode];

/** Counters every provider keeps (for metrics). */
export interface CryptoCounters {
  readonly entropyFailures: number;
  readonly authFailures: number;
  readonly badSignatures: number;
  readonly providerFaults: number;
}

export interface CryptoProvider {
  readonly name: string;
  readonly counters: CryptoCounters;

  /** Fill `out` from the injected entropy source (fail closed). */
  randomBytes(out: Uint8Array): Status;

  /** SHA-256(data) into out[0, 32). */
  hash(data: Uint8Array, out: Uint8Array): Status;
  /**
   * SHA-256(prefixByte || a || b) into out[0, 32), for domain separation
   * (RFC 9162 leaf/node hashes, key commitments). prefixByte -1 = none; b may be null.
   */
  hashParts(prefixByte: number, a: Uint8Array, b: Uint8Array | null, out: Uint8Array): Status;

  /** Import a 32-byte symmetric secret the caller owns (copied; the caller should zeroize its copy). */
  importSymmetricKey(kind: KeyKind, bytes: Uint8Array): Result<KeyHandle>;
  /** A fresh 32-byte symmetric key from entropy. */
  generateSymmetricKey(kind: KeyKind): Result<KeyHandle>;
  /** An ML-DSA key pair from a 32-byte seed (FIPS 204 ML-DSA.KeyGen_internal). */
  importSigningSeed(alg: SignatureAlg, seed: Uint8Array): Result<KeyHandle>;
  /** An ML-DSA key pair from 32 bytes of fresh entropy. */
  generateSigningKey(alg: SignatureAlg): Result<KeyHandle>;
  /** An ML-KEM key pair from a 64-byte seed d || z (FIPS 203 ML-KEM.KeyGen_internal). */
  importKemSeed(alg: KemAlg, seed: Uint8Array): Result<KeyHandle>;
  generateKemKey(alg: KemAlg): Result<KeyHandle>;
  /** Copy a key pair's public key into `out`; returns its length. */
  publicKey(key: KeyHandle, out: Uint8Array): ValueOrCode;
  /** The key's kind, or a negated code for a stale handle. */
  keyKind(key: KeyHandle): ValueOrCode;
  /** Zeroize and free. */
  destroyKey(key: KeyHandle): Status;

  /** HMAC-SHA-256 (RFC 2104) with a Mac key into out[0, 32). */
  mac(key: KeyHandle, data: Uint8Array, out: Uint8Array): Status;
  /**
   * `mac` over data[dataOffset, +dataLength) into out[outOffset, +32), with
   * the key read in place and no view made: for per-frame callers.
   * OutOfRange for a range outside its array,
   * before anything is written.
   */
  macAt(key: KeyHandle, data: Uint8Array, dataOffset: number, dataLength: number, out: Uint8Array, outOffset: number): Status;
  /** Ok when `tag` is HMAC-SHA-256(key, data) (constant-time), else CryptoAuthFailed. */
  macVerify(key: KeyHandle, data: Uint8Array, tag: Uint8Array): Status;

  /** HKDF-SHA-256 (RFC 5869) from a Secret key to a new key of `kind`. */
  deriveKey(ikm: KeyHandle, salt: Uint8Array, info: Uint8Array, kind: KeyKind): Result<KeyHandle>;
  /**
   * HKDF-SHA-256 output bytes that are not keys (a nonce base, cf. the
   * OSCORE Common IV, RFC 8613 §3.2.1), at most 64 bytes.
   */
  deriveNonSecret(ikm: KeyHandle, salt: Uint8Array, info: Uint8Array, out: Uint8Array): Status;

  /** ChaCha20/Poly1305 seal into out: ciphertext || tag. Returns bytes written. */
  aeadSeal(key: KeyHandle, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): ValueOrCode;
  /** Open ciphertext || tag into out. Returns plaintext bytes; on CryptoAuthFailed `out` is zeroed. */
  aeadOpen(key: KeyHandle, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out: Uint8Array): ValueOrCode;
  /**
   * aeadSeal on ranges of larger buffers, so a per-frame caller makes no
   * views: seal plaintext[ptOffset, +ptLength) with AAD aad[aadOffset,
   * +aadLength) into out[outOffset, +ptLength + 16). Same codes as aeadSeal,
   * plus OutOfRange for an offset or length outside its array (or not an
   * int32); every refusal happens before a byte is written.
   */
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
  ): ValueOrCode;
  /**
   * aeadOpen on ranges: open sealed[sealedOffset, +sealedLength) into
   * out[outOffset, +sealedLength - 16). Same codes as aeadOpen plus
   * OutOfRange; on CryptoAuthFailed only that target range is zeroed.
   */
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
  ): ValueOrCode;
  /**
   * Keyed BLAKE2s (RFC 7693 §3.3) of data[dataOffset, +dataLength) under
   * the raw key key[keyOffset, +keyBytes) (1..32 bytes), digest length
   * `outBytes` (1..32, a parameter of the function, §2.5) and the 8-byte
   * personalization `personal` (BLAKE2 paper §2.8; null: zeros), into
   * out[outOffset, +outBytes). For keys read from storage per use (the
   * mesh's pairwise link secrets: one per board of the site would not fit
   * a board's key store). InvalidArgument, `out` untouched, for a length
   * or range the function does not take.
   */
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
  ): Status;
  /**
   * ChaCha20 (RFC 8439 §2.4) under the raw 32-byte key key[keyOffset, +32)
   * and the 12-byte nonce, block counter from 1 as in the AEAD's payload
   * (§2.8): dst[dstOffset, +length) = src[srcOffset, +length) XOR the key
   * stream. src and dst may be the same range. OutOfRange for a range
   * outside its array, CryptoBadLength for a nonce or key of another size;
   * every refusal before a byte is written. The same call decrypts.
   */
  streamXorAt(key: Uint8Array, keyOffset: number, nonce: Uint8Array, src: Uint8Array, srcOffset: number, length: number, dst: Uint8Array, dstOffset: number): Status;
  /** Seal the secret of `wrapped` (a Secret, Aead or Mac key) under `wrapping` without exposing it. */
  wrapKey(wrapping: KeyHandle, nonce: Uint8Array, aad: Uint8Array, wrapped: KeyHandle, out: Uint8Array): ValueOrCode;
  /** Open a wrapped 32-byte secret into a new key of `kind`. */
  unwrapKey(wrapping: KeyHandle, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, kind: KeyKind): Result<KeyHandle>;

  /** ML-DSA.Sign (FIPS 204 Alg. 2, empty context) into out; returns signature bytes. */
  sign(key: KeyHandle, message: Uint8Array, out: Uint8Array, mode: SigningMode): ValueOrCode;
  /** ML-DSA.Verify (empty context): Ok, CryptoBadSignature, CryptoKeyWrongLength or CryptoBadLength. */
  verify(alg: SignatureAlg, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Status;

  /** ML-KEM.Encaps to `publicKey`: ciphertext into `out`, shared secret kept as a Secret key. */
  encapsulate(alg: KemAlg, publicKey: Uint8Array, ciphertextOut: Uint8Array): Result<KeyHandle>;
  /** ML-KEM.Decaps with a KEM key: the shared secret as a Secret key (implicit rejection, FIPS 203 §6.3). */
  decapsulate(key: KeyHandle, ciphertext: Uint8Array): Result<KeyHandle>;
}
