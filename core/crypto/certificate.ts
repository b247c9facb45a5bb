/**
 * Node certificates (README "Crypto boundary and envelopes").
 *
 * A node's identity is an ML-DSA-44 key pair; the site authority (offline,
 * ML-DSA-65 or -87) vouches for it with a COSE_Sign1 over a deterministic
 * CBOR map:
 *
 *   { 1 version: 1,
 *     2 node id: uint (1..2^32-1),
 *     3 signing key commitment: bstr .size 32,   ; commitment.ts, of the node's ML-DSA-44 key
 *     4 KEM key commitment: bstr .size 32,       ; of the node's ML-KEM key (session-keys.ts)
 *     5 roles: uint,                             ; bit set of Role
 *     6 first valid key epoch: uint,
 *     7 last valid key epoch: uint }
 *
 * Validity is in key epochs, not wall-clock time: `core` has no clock, and
 * key epochs are what consensus agrees on. The certificate carries
 * commitments, not the public keys (1312 B and 800 B); the node sends its
 * keys at admission and the verifier checks them against the commitments.
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result, type Status } from "../runtime/result";
import { canonicalMap } from "../codec/cbor";
import { HASH_BYTES, isSignatureAlg, type SignatureAlg } from "./algorithms";
import { KEY_COMMITMENT_BYTES, checkKeyCommitment } from "./commitment";
import { constantTimeEqual } from "./ct";
import { type CoseCodecs } from "./cose-common";
import { akpThumbprint } from "./cose-key";
import { decodeSign1, signSign1, verifySign1 } from "./cose-sign1";
import { failure } from "./fail";
import type { KeyHandle } from "./key-store";
import { SigningMode, type CryptoProvider } from "./provider";

export const Role = Object.freeze({
  Sensor: 1,
  Anchor: 2,
  Gateway: 4,
} as const);

export const ROLE_MASK = Role.Sensor | Role.Anchor | Role.Gateway;

export const CertLabel = Object.freeze({
  Version: 1,
  NodeId: 2,
  SigningKeyCommitment: 3,
  KemKeyCommitment: 4,
  Roles: 5,
  FirstEpoch: 6,
  LastEpoch: 7,
} as const);

export const CERT_VERSION = 1;
const UINT32_MAX = 0xffff_ffff;

export interface NodeCertificate {
  readonly nodeId: number;
  readonly signingKeyCommitment: Uint8Array;
  readonly kemKeyCommitment: Uint8Array;
  readonly roles: number;
  readonly firstEpoch: number;
  readonly lastEpoch: number;
}

/** A site authority a verifier trusts; `kid` is the RFC 9679 thumbprint of its key. */
export interface TrustedAuthority {
  readonly alg: SignatureAlg;
  readonly publicKey: Uint8Array;
  readonly kid: Uint8Array;
}

function isUint32(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= UINT32_MAX;
}

function isCommitment(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === KEY_COMMITMENT_BYTES;
}

/** Field rules shared by issuing and verifying. */
function validFields(c: NodeCertificate): boolean {
  return (
    isUint32(c.nodeId) &&
    c.nodeId >= 1 &&
    isCommitment(c.signingKeyCommitment) &&
    isCommitment(c.kemKeyCommitment) &&
    isUint32(c.roles) &&
    c.roles !== 0 &&
    (c.roles & ~ROLE_MASK) === 0 &&
    isUint32(c.firstEpoch) &&
    isUint32(c.lastEpoch) &&
    c.firstEpoch <= c.lastEpoch
  );
}

/** Trust an authority public key (computes its kid). */
export function trustAuthority(provider: CryptoProvider, codecs: CoseCodecs, alg: SignatureAlg, publicKey: Uint8Array): Result<TrustedAuthority> {
  if (!isSignatureAlg(alg)) return failure(ErrorCode.CryptoUnknownAlgorithm);
  const kid = new Uint8Array(HASH_BYTES);
  const made = akpThumbprint(provider, codecs.strict, alg, publicKey, kid);
  if (made !== ErrorCode.Ok) return failure(made);
  return ok(Object.freeze({ alg, publicKey: publicKey.slice(), kid }));
}

/** The certificate payload bytes (deterministic CBOR), or CertMalformed. */
export function encodeCertificatePayload(codecs: CoseCodecs, cert: NodeCertificate): Result<Uint8Array> {
  if (!validFields(cert)) return failure(ErrorCode.CertMalformed);
  return codecs.strict.encode(
    canonicalMap([
      [CertLabel.Version, CERT_VERSION],
      [CertLabel.NodeId, cert.nodeId],
      [CertLabel.SigningKeyCommitment, cert.signingKeyCommitment],
      [CertLabel.KemKeyCommitment, cert.kemKeyCommitment],
      [CertLabel.Roles, cert.roles],
      [CertLabel.FirstEpoch, cert.firstEpoch],
      [CertLabel.LastEpoch, cert.lastEpoch],
    ]),
  );
}

/** Parse a payload: deterministic CBOR, exactly the seven fields, each valid. */
export function decodeCertificatePayload(codecs: CoseCodecs, payload: Uint8Array): Result<NodeCertificate> {
  const decoded = codecs.strict.decode(payload);
  if (!decoded.ok) return failure(ErrorCode.CertMalformed);
  const map = decoded.value;
  if (!(map instanceof Map) || map.size !== 7 || map.get(CertLabel.Version) !== CERT_VERSION) return failure(ErrorCode.CertMalformed);
  const cert = {
    nodeId: map.get(CertLabel.NodeId) as number,
    signingKeyCommitment: map.get(CertLabel.SigningKeyCommitment) as Uint8Array,
    kemKeyCommitment: map.get(CertLabel.KemKeyCommitment) as Uint8Array,
    roles: map.get(CertLabel.Roles) as number,
    firstEpoch: map.get(CertLabel.FirstEpoch) as number,
    lastEpoch: map.get(CertLabel.LastEpoch) as number,
  };
  // validFields checks every type the casts above assumed.
  return validFields(cert) ? ok(Object.freeze(cert)) : failure(ErrorCode.CertMalformed);
}

/** Provisioning: the authority signs a node certificate (COSE_Sign1, kid = authority thumbprint). */
export function issueNodeCertificate(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  authorityKey: KeyHandle,
  cert: NodeCertificate,
  mode: SigningMode = SigningMode.Hedged,
): Result<Uint8Array> {
  const payload = encodeCertificatePayload(codecs, cert);
  if (!payload.ok) return payload;
  return signSign1(provider, codecs, authorityKey, payload.value, mode);
}

/**
 * Verify a certificate against trusted authorities at `currentEpoch`.
 * Errors, in the order checked: codec/COSE errors, CertUnknownIssuer (no
 * kid, or no authority with that kid), CryptoUnknownAlgorithm, signature
 * errors, CertMalformed, CertNotYetValid, CertExpired.
 */
export function verifyNodeCertificate(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  bytes: Uint8Array,
  authorities: readonly TrustedAuthority[],
  currentEpoch: number,
): Result<NodeCertificate> {
  if (!isUint32(currentEpoch)) return failure(ErrorCode.InvalidArgument);
  const message = decodeSign1(codecs, bytes);
  if (!message.ok) return message;
  const kid = message.value.kid;
  if (kid === null) return failure(ErrorCode.CertUnknownIssuer);
  let issuer: TrustedAuthority | null = null;
  for (const authority of authorities) {
    if (constantTimeEqual(authority.kid, kid)) issuer = authority;
  }
  if (issuer === null) return failure(ErrorCode.CertUnknownIssuer);
  const verdict = verifySign1(provider, codecs, message.value, issuer.alg, issuer.publicKey);
  if (verdict !== ErrorCode.Ok) return failure(verdict);
  const payload = message.value.payload;
  if (payload === null) return failure(ErrorCode.CertMalformed);
  const cert = decodeCertificatePayload(codecs, payload);
  if (!cert.ok) return cert;
  if (currentEpoch < cert.value.firstEpoch) return failure(ErrorCode.CertNotYetValid);
  if (currentEpoch > cert.value.lastEpoch) return failure(ErrorCode.CertExpired);
  return cert;
}

/** Ok when the node's ML-DSA public key is the one the certificate commits to. */
export function checkCertificateSigningKey(provider: CryptoProvider, cert: NodeCertificate, alg: SignatureAlg, publicKey: Uint8Array): Status {
  return checkKeyCommitment(provider, alg, publicKey, cert.signingKeyCommitment);
}

/** Ok when every bit of `required` is granted, else CertRoleDenied. */
export function checkCertificateRole(cert: NodeCertificate, required: number): Status {
  return (cert.roles & required) === required && required !== 0 ? ErrorCode.Ok : ErrorCode.CertRoleDenied;
}
