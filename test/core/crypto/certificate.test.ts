/**
 * Node certificates (README "Crypto boundary and envelopes": certificates): an ML-DSA-65/87 authority signs a
 * COSE_Sign1 over {node id, key commitments, roles, validity epochs};
 * provisioning and verification, and every refusal with its own code.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalMap, cborTag } from "../../../core/codec/cbor";
import {
  CoseAlg,
  KemAlg,
  Role,
  SigningMode,
  checkCertificateRole,
  checkCertificateSigningKey,
  decodeSign1,
  issueNodeCertificate,
  keyCommitment,
  kemKeyCommitment,
  signSign1,
  trustAuthority,
  verifyNodeCertificate,
  type KeyHandle,
  type NodeCertificate,
  type TrustedAuthority,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Result } from "../../../core/runtime/result";
import { flipBit, makeKit, unwrap } from "./fixtures";

const kit = makeKit(71);
let authorityKey: KeyHandle;
let authority: TrustedAuthority;
let otherAuthority: TrustedAuthority;
let otherAuthorityKey: KeyHandle;
let nodeKey: KeyHandle;
let nodePub: Uint8Array;
let fields: NodeCertificate;
let cert: Uint8Array;

function codeOf<T>(result: Result<T>): number {
  return result.ok ? 0 : result.code;
}

function trusted(alg: typeof CoseAlg.MlDsa65 | typeof CoseAlg.MlDsa87, key: KeyHandle): TrustedAuthority {
  const pub = new Uint8Array(alg === CoseAlg.MlDsa65 ? 1952 : 2592);
  kit.provider.publicKey(key, pub);
  return unwrap(trustAuthority(kit.provider, kit.codecs, alg, pub));
}

beforeAll(() => {
  authorityKey = unwrap(kit.provider.generateSigningKey(CoseAlg.MlDsa65));
  authority = trusted(CoseAlg.MlDsa65, authorityKey);
  otherAuthorityKey = unwrap(kit.provider.generateSigningKey(CoseAlg.MlDsa87));
  otherAuthority = trusted(CoseAlg.MlDsa87, otherAuthorityKey);
  nodeKey = unwrap(kit.provider.generateSigningKey(CoseAlg.MlDsa44));
  nodePub = new Uint8Array(1312);
  kit.provider.publicKey(nodeKey, nodePub);
  const kem = unwrap(kit.provider.generateKemKey(KemAlg.MlKem512));
  const kemPub = new Uint8Array(800);
  kit.provider.publicKey(kem, kemPub);
  const signingKeyCommitment = new Uint8Array(32);
  const kemCommitment = new Uint8Array(32);
  keyCommitment(kit.provider, CoseAlg.MlDsa44, nodePub, signingKeyCommitment);
  kemKeyCommitment(kit.provider, KemAlg.MlKem512, kemPub, kemCommitment);
  fields = { nodeId: 17, signingKeyCommitment, kemKeyCommitment: kemCommitment, roles: Role.Sensor | Role.Anchor, firstEpoch: 10, lastEpoch: 20 };
  cert = unwrap(issueNodeCertificate(kit.provider, kit.codecs, authorityKey, fields));
});

describe("node certificates", () => {
  it("an issued certificate verifies within its epochs and returns its fields", () => {
    for (const epoch of [10, 15, 20]) {
      const verified = unwrap(verifyNodeCertificate(kit.provider, kit.codecs, cert, [otherAuthority, authority], epoch));
      expect(verified.nodeId).toBe(17);
      expect(verified.roles).toBe(Role.Sensor | Role.Anchor);
    }
  });

  it("the node's public key matches the commitment; another key is KeyCommitmentMismatch", () => {
    const verified = unwrap(verifyNodeCertificate(kit.provider, kit.codecs, cert, [authority], 12));
    expect(checkCertificateSigningKey(kit.provider, verified, CoseAlg.MlDsa44, nodePub)).toBe(ErrorCode.Ok);
    expect(checkCertificateSigningKey(kit.provider, verified, CoseAlg.MlDsa44, flipBit(nodePub, 0))).toBe(ErrorCode.KeyCommitmentMismatch);
    // The commitment binds the algorithm too.
    expect(checkCertificateSigningKey(kit.provider, verified, CoseAlg.MlDsa65, nodePub)).toBe(ErrorCode.KeyCommitmentMismatch);
  });

  it("roles: granted ones pass, others are CertRoleDenied", () => {
    const verified = unwrap(verifyNodeCertificate(kit.provider, kit.codecs, cert, [authority], 12));
    expect(checkCertificateRole(verified, Role.Anchor)).toBe(ErrorCode.Ok);
    expect(checkCertificateRole(verified, Role.Gateway)).toBe(ErrorCode.CertRoleDenied);
    expect(checkCertificateRole(verified, Role.Anchor | Role.Gateway)).toBe(ErrorCode.CertRoleDenied);
  });

  it("before its first epoch: CertNotYetValid; after its last: CertExpired", () => {
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, cert, [authority], 9))).toBe(ErrorCode.CertNotYetValid);
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, cert, [authority], 21))).toBe(ErrorCode.CertExpired);
  });

  it("signed by an authority nobody trusts: CertUnknownIssuer", () => {
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, cert, [otherAuthority], 12))).toBe(ErrorCode.CertUnknownIssuer);
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, cert, [], 12))).toBe(ErrorCode.CertUnknownIssuer);
  });

  it("the trusted kid with a key that is not the signer's (a forged kid): CoseKidMismatch", () => {
    const impostor = { ...otherAuthority, kid: authority.kid, alg: CoseAlg.MlDsa65, publicKey: new Uint8Array(1952).fill(3) };
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, cert, [impostor], 12))).toBe(ErrorCode.CoseKidMismatch);
  });

  it("tampered payload or signature: CryptoBadSignature", () => {
    const message = unwrap(decodeSign1(kit.codecs, cert));
    const rebuild = (payload: Uint8Array, signature: Uint8Array) =>
      unwrap(kit.codecs.strict.encode(cborTag(18, [message.protectedBytes, new Map(), payload, signature])));
    const payload = message.payload ?? new Uint8Array(0);
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, rebuild(flipBit(payload, payload.length - 1), message.signature), [authority], 12))).toBe(
      ErrorCode.CryptoBadSignature,
    );
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, rebuild(payload, flipBit(message.signature, 7)), [authority], 12))).toBe(
      ErrorCode.CryptoBadSignature,
    );
  });

  it("truncated or wrongly tagged certificates fail with codec and COSE codes", () => {
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, cert.subarray(0, 100), [authority], 12))).toBe(ErrorCode.CborTruncated);
    const wrongTag = cert.slice();
    wrongTag[0] = 0xd1; // tag 17 (COSE_Mac0)
    expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, wrongTag, [authority], 12))).toBe(ErrorCode.CoseWrongTag);
  });

  it("an authority signature over a malformed payload is still CertMalformed", () => {
    const junk = [
      unwrap(kit.codecs.strict.encode(canonicalMap([[1, 1]]))), // fields missing
      unwrap(kit.codecs.strict.encode([1, 2, 3])), // not a map
      unwrap(kit.codecs.strict.encode(canonicalMap([[1, 1], [2, 0], [3, new Uint8Array(32)], [4, new Uint8Array(32)], [5, 1], [6, 0], [7, 1]]))), // node id 0
      unwrap(kit.codecs.strict.encode(canonicalMap([[1, 1], [2, 5], [3, new Uint8Array(31)], [4, new Uint8Array(32)], [5, 1], [6, 0], [7, 1]]))), // short commitment
      unwrap(kit.codecs.strict.encode(canonicalMap([[1, 1], [2, 5], [3, new Uint8Array(32)], [4, new Uint8Array(32)], [5, 8], [6, 0], [7, 1]]))), // unknown role bit
      unwrap(kit.codecs.strict.encode(canonicalMap([[1, 1], [2, 5], [3, new Uint8Array(32)], [4, new Uint8Array(32)], [5, 1], [6, 9], [7, 1]]))), // first > last
      Uint8Array.of(0xa1, 0x01, 0x18, 0x01), // not deterministic (long form of 1)
    ];
    for (const payload of junk) {
      const signed = unwrap(signSign1(kit.provider, kit.codecs, authorityKey, payload, SigningMode.Deterministic));
      expect(codeOf(verifyNodeCertificate(kit.provider, kit.codecs, signed, [authority], 0))).toBe(ErrorCode.CertMalformed);
    }
  });

  it("issuing refuses invalid fields with CertMalformed (nothing is signed)", () => {
    const bad = [
      { ...fields, nodeId: 0 },
      { ...fields, roles: 0 },
      { ...fields, firstEpoch: 30 },
      { ...fields, kemKeyCommitment: new Uint8Array(16) },
    ];
    for (const c of bad) expect(codeOf(issueNodeCertificate(kit.provider, kit.codecs, authorityKey, c))).toBe(ErrorCode.CertMalformed);
  });
});
