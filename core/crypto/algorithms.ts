/**
 * Algorithm identifiers and sizes.
 *
 * COSE ids are the IANA values: HMAC 256/256 = 5 and ChaCha20/Poly1305 = 24
 * (RFC 9053 §3.1, §4.3); ML-DSA-44/65/87 = -48/-49/-50 and key type AKP = 7
 * (draft-ietf-cose-dilithium §8). Sizes are FIPS 204 Table 2 and FIPS 203
 * Table 3. ML-KEM has no COSE algorithm id that Picket needs on the wire;
 * its ids below are local.
 */
export const CoseAlg = Object.freeze({
  MlDsa44: -48,
  MlDsa65: -49,
  MlDsa87: -50,
  Hmac256: 5,
  ChaCha20Poly1305: 24,
} as const);

export type SignatureAlg = typeof CoseAlg.MlDsa44 | typeof CoseAlg.MlDsa65 | typeof CoseAlg.MlDsa87;

/** COSE key type AKP (draft-ietf-cose-dilithium §3). */
export const COSE_KTY_AKP = 7;

export interface SignatureSizes {
  readonly publicKeyBytes: number;
  readonly secretKeyBytes: number;
  readonly signatureBytes: number;
}

/** FIPS 204 Table 2; the private key seed is always 32 bytes (draft-ietf-cose-dilithium §4). */
export const ML_DSA_SEED_BYTES = 32;

const ML_DSA_44: SignatureSizes = Object.freeze({ publicKeyBytes: 1312, secretKeyBytes: 2560, signatureBytes: 2420 });
const ML_DSA_65: SignatureSizes = Object.freeze({ publicKeyBytes: 1952, secretKeyBytes: 4032, signatureBytes: 3309 });
const ML_DSA_87: SignatureSizes = Object.freeze({ publicKeyBytes: 2592, secretKeyBytes: 4896, signatureBytes: 4627 });

/** Sizes for a signature algorithm id, or null when unsupported. */
export function signatureSizes(alg: number): SignatureSizes | null {
  if (alg === CoseAlg.MlDsa44) return ML_DSA_44;
  if (alg === CoseAlg.MlDsa65) return ML_DSA_65;
  if (alg === CoseAlg.MlDsa87) return ML_DSA_87;
  return null;
}

export function isSignatureAlg(alg: unknown): alg is SignatureAlg {
  return alg === CoseAlg.MlDsa44 || alg === CoseAlg.MlDsa65 || alg === CoseAlg.MlDsa87;
}

/** Local ML-KEM parameter-set ids (FIPS 203 §8). */
export const KemAlg = Object.freeze({
  MlKem512: 512,
  MlKem768: 768,
} as const);

export type KemAlg = (typeof KemAlg)[keyof typeof KemAlg];

export interface KemSizes {
  readonly publicKeyBytes: number;
  readonly secretKeyBytes: number;
  readonly ciphertextBytes: number;
}

/** FIPS 203 Table 3. Key generation takes a 64-byte seed (d || z), encapsulation 32 bytes (m). */
export const ML_KEM_SEED_BYTES = 64;
export const ML_KEM_MESSAGE_BYTES = 32;
export const ML_KEM_SHARED_SECRET_BYTES = 32;

const ML_KEM_512: KemSizes = Object.freeze({ publicKeyBytes: 800, secretKeyBytes: 1632, ciphertextBytes: 768 });
const ML_KEM_768: KemSizes = Object.freeze({ publicKeyBytes: 1184, secretKeyBytes: 2400, ciphertextBytes: 1088 });

export function kemSizes(alg: number): KemSizes | null {
  if (alg === KemAlg.MlKem512) return ML_KEM_512;
  if (alg === KemAlg.MlKem768) return ML_KEM_768;
  return null;
}

export function isKemAlg(alg: unknown): alg is KemAlg {
  return alg === KemAlg.MlKem512 || alg === KemAlg.MlKem768;
}

/** ChaCha20/Poly1305 (RFC 8439): 256-bit key, 96-bit nonce, 128-bit tag. */
export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

/** HMAC-SHA-256 tag (RFC 9053 §3.1, HMAC 256/256: untruncated) and SHA-256 output. */
export const HMAC_TAG_BYTES = 32;
export const HASH_BYTES = 32;

/** Symmetric secrets (AEAD, MAC, KDF input) are all 256-bit. */
export const SYMMETRIC_KEY_BYTES = 32;
