/**
 * COSE_Key for the AKP key type (draft-ietf-cose-dilithium §3-§6) and the
 * COSE Key Thumbprint (RFC 9679).
 *
 *  AKP COSE_Key: {1 kty: 7, 2 kid: bstr?, 3 alg: int, -1 pub: bstr, -2 priv: bstr?}
 *  For ML-DSA, priv is the 32-byte seed (draft §4), never the expanded key.
 *
 * ML-KEM keys reuse the same shape with local private-use algorithm ids
 * (below -65536, RFC 9053 §10.3 registry rules) and the 64-byte d || z seed
 * as priv; nothing outside Picket is expected to read those.
 *
 * Thumbprint (RFC 9679 §3, draft §6): SHA-256 over the deterministic
 * encoding of only the required parameters {1: 7, 3: alg, -1: pub}. Picket
 * uses it as the kid of every signature (README "Crypto boundary and envelopes").
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result, type Status } from "../runtime/result";
import { canonicalMap, type CborCodec, type CborKey } from "../codec/cbor";
import {
  COSE_KTY_AKP,
  HASH_BYTES,
  KemAlg,
  ML_DSA_SEED_BYTES,
  ML_KEM_SEED_BYTES,
  isSignatureAlg,
  kemSizes,
  signatureSizes,
} from "./algorithms";
import { failure } from "./fail";
import type { CryptoProvider } from "./provider";

export const CoseKeyLabel = Object.freeze({
  Kty: 1,
  Kid: 2,
  Alg: 3,
  Pub: -1,
  Priv: -2,
} as const);

/** Local private-use COSE algorithm ids for ML-KEM key files (never on the air). */
export const CoseKemAlg = Object.freeze({
  MlKem512: -70_512,
  MlKem768: -70_768,
} as const);

export function kemAlgFromCose(alg: number): KemAlg | 0 {
  if (alg === CoseKemAlg.MlKem512) return KemAlg.MlKem512;
  if (alg === CoseKemAlg.MlKem768) return KemAlg.MlKem768;
  return 0;
}

export function coseAlgFromKem(alg: KemAlg): number {
  return alg === KemAlg.MlKem512 ? CoseKemAlg.MlKem512 : CoseKemAlg.MlKem768;
}

export interface AkpKey {
  readonly alg: number;
  readonly pub: Uint8Array;
  /** Seed (private keys only). The holder owns these bytes and must zeroize them. */
  readonly priv: Uint8Array | null;
  readonly kid: Uint8Array | null;
}

/** Expected (public key, seed) lengths for an AKP alg id, or null when unsupported. */
function akpLengths(alg: number): { readonly pub: number; readonly seed: number } | null {
  if (isSignatureAlg(alg)) {
    const sizes = signatureSizes(alg);
    return sizes === null ? null : { pub: sizes.publicKeyBytes, seed: ML_DSA_SEED_BYTES };
  }
  const kem = kemAlgFromCose(alg);
  const sizes = kem === 0 ? null : kemSizes(kem);
  return sizes === null ? null : { pub: sizes.publicKeyBytes, seed: ML_KEM_SEED_BYTES };
}

/** Deterministic COSE_Key bytes; `priv` is written only when `includePrivate`. */
export function encodeAkpKey(codec: CborCodec, key: AkpKey, includePrivate: boolean): Result<Uint8Array> {
  const entries: [CborKey, unknown][] = [
    [CoseKeyLabel.Kty, COSE_KTY_AKP],
    [CoseKeyLabel.Alg, key.alg],
    [CoseKeyLabel.Pub, key.pub],
  ];
  if (key.kid !== null) entries.push([CoseKeyLabel.Kid, key.kid]);
  if (includePrivate && key.priv !== null) entries.push([CoseKeyLabel.Priv, key.priv]);
  return codec.encode(canonicalMap(entries));
}

/**
 * Decode and validate an AKP COSE_Key: kty 7, a supported alg, pub (and
 * priv, when present) of the right length (draft §7.3 "Validation of keys").
 */
export function decodeAkpKey(codec: CborCodec, bytes: Uint8Array): Result<AkpKey> {
  const decoded = codec.decode(bytes);
  if (!decoded.ok) return decoded;
  const map = decoded.value;
  if (!(map instanceof Map)) return failure(ErrorCode.CborSchemaMismatch);
  if (map.get(CoseKeyLabel.Kty) !== COSE_KTY_AKP) return failure(ErrorCode.CryptoUnknownAlgorithm);
  const alg: unknown = map.get(CoseKeyLabel.Alg);
  if (typeof alg !== "number") return failure(ErrorCode.CryptoUnknownAlgorithm);
  const lengths = akpLengths(alg);
  if (lengths === null) return failure(ErrorCode.CryptoUnknownAlgorithm);
  const pub: unknown = map.get(CoseKeyLabel.Pub);
  if (!(pub instanceof Uint8Array)) return failure(ErrorCode.CborSchemaMismatch);
  if (pub.length !== lengths.pub) return failure(ErrorCode.CryptoKeyWrongLength);
  const priv: unknown = map.get(CoseKeyLabel.Priv);
  if (priv !== undefined && !(priv instanceof Uint8Array)) return failure(ErrorCode.CborSchemaMismatch);
  if (priv instanceof Uint8Array && priv.length !== lengths.seed) return failure(ErrorCode.CryptoKeyWrongLength);
  const kid: unknown = map.get(CoseKeyLabel.Kid);
  if (kid !== undefined && !(kid instanceof Uint8Array)) return failure(ErrorCode.CborSchemaMismatch);
  return ok(Object.freeze({ alg, pub, priv: priv ?? null, kid: kid ?? null }));
}

/** RFC 9679 COSE Key Thumbprint (SHA-256) of an AKP public key into out[0, 32). */
export function akpThumbprint(provider: CryptoProvider, codec: CborCodec, alg: number, pub: Uint8Array, out: Uint8Array): Status {
  if (out.length < HASH_BYTES) return ErrorCode.CryptoBufferTooSmall;
  const required = codec.encode(
    canonicalMap([
      [CoseKeyLabel.Kty, COSE_KTY_AKP],
      [CoseKeyLabel.Alg, alg],
      [CoseKeyLabel.Pub, pub],
    ]),
  );
  if (!required.ok) return required.code;
  return provider.hash(required.value, out);
}
