/**
 * Session keys (README "Crypto boundary and envelopes"): pairwise keys from ML-KEM, group keys
 * distributed under them, everything derived with HKDF-SHA-256 (RFC 5869)
 * and bound to its full context.
 *
 * Pairwise (initiator I, joining node R with a certified ML-KEM key):
 *   1. I checks R's KEM public key against the commitment in R's
 *      certificate (KeyCommitmentMismatch otherwise), then ML-KEM.Encaps:
 *      ciphertext ct to R, shared secret ss (a Secret key, never exposed).
 *   2. salt = SHA-256("picket/pairwise/v1" || ct || commitment(R's KEM key)):
 *      binds the exchange to this ciphertext and to the certified key.
 *   3. Per direction, HKDF(ss, salt, info) with
 *      info = "picket/kdf/v1" || purpose || channel || epoch || sender || receiver || group
 *      (one byte each for purpose and channel, 32-bit big-endian for the
 *      rest), so keys for different directions, epochs, peers, groups or
 *      purposes are independent, and one direction's nonces can never
 *      collide with the other's.
 *   4. R runs ML-KEM.Decaps on ct and derives the same keys mirrored.
 *      A wrong ct or wrong key yields a different ss (implicit rejection,
 *      FIPS 203 §6.3): the first frame then fails authentication.
 *
 * Group: a fresh random group secret per (group, epoch), sent to each member
 * wrapped (AEAD) under that member's pairwise wrap key; each sender's group
 * traffic key is derived from it with its own sender id in `info`.
 *
 * Rotation: a new epoch means a new KEM exchange (pairwise) or a new group
 * secret (group); traffic-keys.ts keeps old and new side by side until the
 * old epoch is retired.
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, HASH_BYTES, SYMMETRIC_KEY_BYTES, kemSizes, type KemAlg } from "./algorithms";
import { checkKeyCommitment, keyCommitment } from "./commitment";
import { coseAlgFromKem } from "./cose-key";
import { failure } from "./fail";
import { KeyKind, type KeyHandle } from "./key-store";
import type { CryptoProvider } from "./provider";
import type { TrafficKey } from "./traffic-keys";
import { Channel, deriveTrafficKey, isU32, KdfPurpose, kdfInfo, KDF_INFO_BYTES, putU32 } from "./traffic-derive";

export { Channel, deriveGroupSenderKey, deriveTrafficKey, KdfPurpose, kdfInfo, KDF_INFO_BYTES, type KdfContext } from "./traffic-derive";

const PAIRWISE_LABEL: readonly number[] = Object.freeze([
  0x70, 0x69, 0x63, 0x6b, 0x65, 0x74, 0x2f, 0x70, 0x61, 0x69, 0x72, 0x77, 0x69, 0x73, 0x65, 0x2f, 0x76, 0x31,
]); // picket/pairwise/v1
const WRAP_LABEL: readonly number[] = Object.freeze([
  0x70, 0x69, 0x63, 0x6b, 0x65, 0x74, 0x2f, 0x67, 0x72, 0x6f, 0x75, 0x70, 0x2d, 0x77, 0x72, 0x61, 0x70, 0x2f, 0x76, 0x31,
]); // picket/group-wrap/v1

/** A wrapped group secret: nonce || ciphertext || tag. */
export const WRAPPED_SECRET_BYTES = AEAD_NONCE_BYTES + SYMMETRIC_KEY_BYTES + AEAD_TAG_BYTES;


export interface PairwiseContext {
  readonly initiatorId: number;
  readonly responderId: number;
  readonly epoch: number;
}

export interface PairwiseKeys {
  readonly send: TrafficKey;
  readonly receive: TrafficKey;
  /** Aead key for wrapping group secrets sent initiator -> responder. */
  readonly wrap: KeyHandle;
}

/** The commitment a certificate carries for an ML-KEM public key. */
export function kemKeyCommitment(provider: CryptoProvider, alg: KemAlg, publicKey: Uint8Array, out: Uint8Array): Status {
  return keyCommitment(provider, coseAlgFromKem(alg), publicKey, out);
}

function pairwiseSalt(provider: CryptoProvider, ciphertext: Uint8Array, commitment: Uint8Array, out: Uint8Array): Status {
  const prefix = new Uint8Array(PAIRWISE_LABEL.length);
  for (let i = 0; i < PAIRWISE_LABEL.length; i++) prefix[i] = PAIRWISE_LABEL[i] ?? 0;
  const body = new Uint8Array(ciphertext.length + commitment.length);
  body.set(ciphertext);
  body.set(commitment, ciphertext.length);
  return provider.hashParts(-1, prefix, body, out);
}

function derivePairwise(provider: CryptoProvider, secret: KeyHandle, salt: Uint8Array, ctx: PairwiseContext, initiator: boolean): Result<PairwiseKeys> {
  const base = { channel: Channel.Pairwise, epoch: ctx.epoch, groupId: 0 };
  const forward = { ...base, senderId: ctx.initiatorId, receiverId: ctx.responderId };
  const backward = { ...base, senderId: ctx.responderId, receiverId: ctx.initiatorId };
  const first = deriveTrafficKey(provider, secret, salt, initiator ? forward : backward);
  if (!first.ok) return first;
  const second = deriveTrafficKey(provider, secret, salt, initiator ? backward : forward);
  if (!second.ok) {
    provider.destroyKey(first.value.handle);
    return second;
  }
  const info = new Uint8Array(KDF_INFO_BYTES);
  kdfInfo(KdfPurpose.WrapKey, forward, info);
  const wrap = provider.deriveKey(secret, salt, info, KeyKind.Aead);
  if (!wrap.ok) {
    provider.destroyKey(first.value.handle);
    provider.destroyKey(second.value.handle);
    return wrap;
  }
  return ok(Object.freeze({ send: first.value, receive: second.value, wrap: wrap.value }));
}

/**
 * Initiator side: encapsulate to the responder's certified KEM key. Writes
 * the ciphertext into `ciphertextOut`; returns the keys (send = I -> R).
 */
export function initiatePairwise(
  provider: CryptoProvider,
  alg: KemAlg,
  responderKemPublicKey: Uint8Array,
  responderKemCommitment: Uint8Array,
  ctx: PairwiseContext,
  ciphertextOut: Uint8Array,
): Result<PairwiseKeys> {
  const sizes = kemSizes(alg);
  if (sizes === null) return failure(ErrorCode.CryptoUnknownAlgorithm);
  if (ciphertextOut.length < sizes.ciphertextBytes) return failure(ErrorCode.CryptoBufferTooSmall);
  const committed = checkKeyCommitment(provider, coseAlgFromKem(alg), responderKemPublicKey, responderKemCommitment);
  if (committed !== ErrorCode.Ok) return failure(committed);
  const ct = ciphertextOut.subarray(0, sizes.ciphertextBytes);
  const secret = provider.encapsulate(alg, responderKemPublicKey, ct);
  if (!secret.ok) return secret;
  const salt = new Uint8Array(HASH_BYTES);
  const salted = pairwiseSalt(provider, ct, responderKemCommitment, salt);
  const keys = salted === ErrorCode.Ok ? derivePairwise(provider, secret.value, salt, ctx, true) : failure(salted);
  provider.destroyKey(secret.value);
  return keys;
}

/** Responder side: decapsulate with our KEM key (whose commitment our certificate carries). */
export function respondPairwise(
  provider: CryptoProvider,
  ownKemKey: KeyHandle,
  ownKemCommitment: Uint8Array,
  ciphertext: Uint8Array,
  ctx: PairwiseContext,
): Result<PairwiseKeys> {
  const secret = provider.decapsulate(ownKemKey, ciphertext);
  if (!secret.ok) return secret;
  const salt = new Uint8Array(HASH_BYTES);
  const salted = pairwiseSalt(provider, ciphertext, ownKemCommitment, salt);
  const keys = salted === ErrorCode.Ok ? derivePairwise(provider, secret.value, salt, ctx, false) : failure(salted);
  provider.destroyKey(secret.value);
  return keys;
}

export interface GroupContext {
  readonly groupId: number;
  readonly epoch: number;
  readonly recipientId: number;
}

function wrapAad(ctx: GroupContext): Uint8Array {
  const aad = new Uint8Array(WRAP_LABEL.length + 12);
  for (let i = 0; i < WRAP_LABEL.length; i++) aad[i] = WRAP_LABEL[i] ?? 0;
  putU32(aad, WRAP_LABEL.length, ctx.groupId);
  putU32(aad, WRAP_LABEL.length + 4, ctx.epoch);
  putU32(aad, WRAP_LABEL.length + 8, ctx.recipientId);
  return aad;
}

/** A fresh group secret for one (group, epoch). */
export function createGroupSecret(provider: CryptoProvider): Result<KeyHandle> {
  return provider.generateSymmetricKey(KeyKind.Secret);
}

/** Wrap a group secret for one member under its pairwise wrap key: nonce || sealed (60 bytes). */
export function wrapGroupSecret(provider: CryptoProvider, wrapKey: KeyHandle, groupSecret: KeyHandle, ctx: GroupContext, out: Uint8Array): ValueOrCode {
  if (out.length < WRAPPED_SECRET_BYTES) return -ErrorCode.CryptoBufferTooSmall;
  if (!isU32(ctx.groupId) || !isU32(ctx.epoch) || !isU32(ctx.recipientId)) return -ErrorCode.InvalidArgument;
  const nonce = out.subarray(0, AEAD_NONCE_BYTES);
  const drawn = provider.randomBytes(nonce);
  if (drawn !== ErrorCode.Ok) return -drawn;
  const sealed = provider.wrapKey(wrapKey, nonce, wrapAad(ctx), groupSecret, out.subarray(AEAD_NONCE_BYTES, WRAPPED_SECRET_BYTES));
  return sealed < 0 ? sealed : WRAPPED_SECRET_BYTES;
}

/** Unwrap a group secret (CryptoAuthFailed for a wrong key, context or tampered bytes). */
export function unwrapGroupSecret(provider: CryptoProvider, wrapKey: KeyHandle, wrapped: Uint8Array, ctx: GroupContext): Result<KeyHandle> {
  if (wrapped.length !== WRAPPED_SECRET_BYTES) return failure(ErrorCode.CryptoBadLength);
  if (!isU32(ctx.groupId) || !isU32(ctx.epoch) || !isU32(ctx.recipientId)) return failure(ErrorCode.InvalidArgument);
  return provider.unwrapKey(
    wrapKey,
    wrapped.subarray(0, AEAD_NONCE_BYTES),
    wrapAad(ctx),
    wrapped.subarray(AEAD_NONCE_BYTES),
    KeyKind.Secret,
  );
}

