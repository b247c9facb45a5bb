/**
 * COSE_Sign1 (RFC 9052 §4.2) with ML-DSA (draft-ietf-cose-dilithium §5).
 *
 *   COSE_Sign1 = 18([protected: bstr, unprotected: map, payload: bstr / nil, signature: bstr])
 *
 * Signing: protected header {1: alg, 4: kid} where kid is the RFC 9679
 * thumbprint of the signer's public key; ML-DSA with the empty context
 * (draft §5) over Sig_structure ["Signature1", protected, external_aad,
 * payload] (RFC 9052 §4.4).
 *
 * Verification checks, in order, with a specific code for each: size and
 * CBOR well-formedness (codec errors), the tag (CoseWrongTag), the shape
 * (CoseMalformed), header buckets (CoseBadHeader), the algorithm against the
 * key's (CryptoUnknownAlgorithm), kid against the key's thumbprint when a
 * kid is present (CoseKidMismatch), and the signature (CryptoBadSignature).
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result, type Status } from "../runtime/result";
import { cborTag, type CborCodec } from "../codec/cbor";
import { HASH_BYTES, isSignatureAlg, signatureSizes, type SignatureAlg } from "./algorithms";
import { constantTimeEqual } from "./ct";
import {
  CoseTag,
  asBytesOrNull,
  emptyBytes,
  encodeProtected,
  parseHeaders,
  sigStructure,
  untag,
  type CoseCodecs,
  type CoseParts,
} from "./cose-common";
import { akpThumbprint } from "./cose-key";
import { failure } from "./fail";
import { signatureAlgOfKind, type KeyHandle } from "./key-store";
import { SigningMode, type CryptoProvider } from "./provider";

export interface Sign1 extends CoseParts {
  /** null when the payload is detached (nil). */
  readonly payload: Uint8Array | null;
  readonly signature: Uint8Array;
}

export interface Sign1Options {
  readonly externalAad?: Uint8Array;
  /** Accept an untagged COSE_Sign1 (when the application context implies the type). Default false. */
  readonly allowUntagged?: boolean;
}

/** Decode without verifying: structure, headers, types. */
export function decodeSign1(codecs: CoseCodecs, bytes: Uint8Array, options: Sign1Options = {}): Result<Sign1> {
  const decoded = codecs.interop.decode(bytes);
  if (!decoded.ok) return decoded;
  const body = untag(decoded.value, CoseTag.Sign1, options.allowUntagged ?? false, 4);
  if (!body.ok) return body;
  const [protectedField, unprotectedField, payloadField, signatureField] = body.value;
  const parts = parseHeaders(codecs.interop, protectedField, unprotectedField);
  if (!parts.ok) return parts;
  const payload = asBytesOrNull(payloadField);
  if (payload === undefined || !(signatureField instanceof Uint8Array)) return failure(ErrorCode.CoseMalformed);
  return ok(Object.freeze({ ...parts.value, payload, signature: signatureField }));
}

/**
 * Sign `payload` with an ML-DSA key. kid = RFC 9679 thumbprint of its
 * public key. `mode` Hedged for use, Deterministic for known-answer tests.
 */
export function signSign1(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  key: KeyHandle,
  payload: Uint8Array,
  mode: SigningMode = SigningMode.Hedged,
  externalAad: Uint8Array = emptyBytes(),
): Result<Uint8Array> {
  const alg = signatureAlgOfKind(provider.keyKind(key));
  if (alg === 0) return failure(ErrorCode.CryptoKeyKindMismatch);
  const sizes = signatureSizes(alg);
  if (sizes === null) return failure(ErrorCode.CryptoUnknownAlgorithm);
  const pub = new Uint8Array(sizes.publicKeyBytes);
  const pubLength = provider.publicKey(key, pub);
  if (pubLength < 0) return failure(pubLength);
  const kid = new Uint8Array(HASH_BYTES);
  const thumb = akpThumbprint(provider, codecs.strict, alg, pub, kid);
  if (thumb !== ErrorCode.Ok) return failure(thumb);
  const protectedBytes = encodeProtected(codecs.strict, alg, kid);
  if (!protectedBytes.ok) return protectedBytes;
  const toBeSigned = sigStructure(codecs.strict, protectedBytes.value, externalAad, payload);
  if (!toBeSigned.ok) return toBeSigned;
  const signature = new Uint8Array(sizes.signatureBytes);
  const signed = provider.sign(key, toBeSigned.value, signature, mode);
  if (signed < 0) return failure(signed);
  return codecs.strict.encode(cborTag(CoseTag.Sign1, [protectedBytes.value, new Map(), payload, signature]));
}

/**
 * Verify a decoded COSE_Sign1 with a known public key of algorithm `alg`.
 * `detachedPayload` is used when the message carries nil.
 */
export function verifySign1(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  message: Sign1,
  alg: SignatureAlg,
  publicKey: Uint8Array,
  externalAad: Uint8Array = emptyBytes(),
  detachedPayload: Uint8Array | null = null,
): Status {
  if (!isSignatureAlg(message.alg) || message.alg !== alg) return ErrorCode.CryptoUnknownAlgorithm;
  const sizes = signatureSizes(alg);
  if (sizes === null) return ErrorCode.CryptoUnknownAlgorithm;
  if (publicKey.length !== sizes.publicKeyBytes) return ErrorCode.CryptoKeyWrongLength;
  if (message.kid !== null) {
    const thumb = new Uint8Array(HASH_BYTES);
    const made = akpThumbprint(provider, codecs.strict, alg, publicKey, thumb);
    if (made !== ErrorCode.Ok) return made;
    if (!constantTimeEqual(thumb, message.kid)) return ErrorCode.CoseKidMismatch;
  }
  const payload = message.payload ?? detachedPayload;
  if (payload === null) return ErrorCode.CoseMalformed;
  const toBeSigned = sigStructure(codecs.strict, message.protectedBytes, externalAad, payload);
  if (!toBeSigned.ok) return toBeSigned.code;
  return provider.verify(alg, publicKey, toBeSigned.value, message.signature);
}

/** Decode and verify in one step. */
export function openSign1(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  bytes: Uint8Array,
  alg: SignatureAlg,
  publicKey: Uint8Array,
  options: Sign1Options = {},
): Result<Sign1> {
  const message = decodeSign1(codecs, bytes, options);
  if (!message.ok) return message;
  const verdict = verifySign1(provider, codecs, message.value, alg, publicKey, options.externalAad ?? emptyBytes());
  return verdict === ErrorCode.Ok ? message : failure(verdict);
}
