/**
 * Bad input to the COSE decoders and verifiers (README "Crypto boundary and envelopes": negative tests): each class of
 * defect gets its own specific error code, nothing throws, and nothing the
 * verifier holds (keys, codecs) changes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalMap, cborTag } from "../../../core/codec/cbor";
import {
  CoseAlg,
  COSE_MAX_BYTES_DEFAULT,
  KeyKind,
  SigningMode,
  createMac0,
  decodeEncrypt0,
  decodeMac0,
  decodeSign1,
  openSign1,
  sigStructure,
  signSign1,
  verifyMac0,
  verifySign1,
  type KeyHandle,
  type Sign1,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Result } from "../../../core/runtime/result";
import { flipBit, makeKit, unwrap, utf8 } from "./fixtures";

const kit = makeKit(21);
let key: KeyHandle;
let otherKey: KeyHandle;
let pub: Uint8Array;
let otherPub: Uint8Array;
let good: Uint8Array;
const payload = utf8("admission request of node 17");

function codeOf<T>(result: Result<T>): number {
  return result.ok ? 0 : result.code;
}

function decodeCode(bytes: Uint8Array): number {
  return codeOf(decodeSign1(kit.codecs, bytes));
}

/** A Sign1 built from arbitrary parts (for malformed-structure cases). */
function rawSign1(parts: readonly unknown[], tag = 18): Uint8Array {
  return unwrap(kit.codecs.strict.encode(cborTag(tag, parts)), "encode");
}

function protectedHeader(entries: readonly (readonly [number, unknown])[]): Uint8Array {
  return unwrap(kit.codecs.strict.encode(canonicalMap(entries)), "encode");
}

beforeAll(() => {
  key = unwrap(kit.provider.importSigningSeed(CoseAlg.MlDsa44, new Uint8Array(32).fill(1)));
  otherKey = unwrap(kit.provider.importSigningSeed(CoseAlg.MlDsa44, new Uint8Array(32).fill(2)));
  pub = new Uint8Array(1312);
  otherPub = new Uint8Array(1312);
  kit.provider.publicKey(key, pub);
  kit.provider.publicKey(otherKey, otherPub);
  good = unwrap(signSign1(kit.provider, kit.codecs, key, payload, SigningMode.Deterministic));
});

describe("COSE_Sign1: malformed CBOR is refused before any decoding, with the codec's code", () => {
  it("truncated input: CborTruncated", () => {
    expect(decodeCode(good.subarray(0, good.length - 1))).toBe(ErrorCode.CborTruncated);
  });

  it("input over the size cap: CborTooLarge, refused before decoding", () => {
    expect(decodeCode(new Uint8Array(COSE_MAX_BYTES_DEFAULT + 1))).toBe(ErrorCode.CborTooLarge);
  });

  it("bytes after the message: CborTrailingBytes", () => {
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expect(decodeCode(longer)).toBe(ErrorCode.CborTrailingBytes);
  });

  it("reserved additional information (0x1c): CborMalformed", () => {
    expect(decodeCode(Uint8Array.of(0xd2, 0x1c))).toBe(ErrorCode.CborMalformed);
  });

  it("an array count larger than the remaining bytes: CborTruncated, nothing sized from the header", () => {
    expect(decodeCode(Uint8Array.of(0xd2, 0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBe(ErrorCode.CborTruncated);
  });

  it("nesting deeper than the limit: CborTooDeep (no JS stack is used)", () => {
    const deep = new Uint8Array(5000).fill(0x81);
    deep[deep.length - 1] = 0x00;
    expect(decodeCode(deep)).toBe(ErrorCode.CborTooDeep);
  });

  it("a tag outside the COSE set anywhere inside (tag 1, epoch time): CborForbiddenTag", () => {
    expect(decodeCode(Uint8Array.of(0xd2, 0x84, 0x40, 0xa1, 0x05, 0xc1, 0x00, 0x41, 0x00, 0x41, 0x00))).toBe(ErrorCode.CborForbiddenTag);
  });

  it("a float in a header: CborUnsupportedType", () => {
    const bytes = Uint8Array.of(0xd2, 0x84, 0x40, 0xa1, 0x18, 0x20, 0xf9, 0x3c, 0x00, 0x41, 0x00, 0x41, 0x00);
    expect(decodeCode(bytes)).toBe(ErrorCode.CborUnsupportedType);
  });

  it("a duplicated header label: CborDuplicateKey", () => {
    const bytes = Uint8Array.of(0xd2, 0x84, 0x40, 0xa2, 0x04, 0x40, 0x04, 0x40, 0x41, 0x00, 0x41, 0x00);
    expect(decodeCode(bytes)).toBe(ErrorCode.CborDuplicateKey);
  });

  it("text that is not UTF-8: InvalidUtf8", () => {
    const bytes = Uint8Array.of(0xd2, 0x84, 0x40, 0xa1, 0x03, 0x62, 0xc3, 0x28, 0x41, 0x00, 0x41, 0x00);
    expect(decodeCode(bytes)).toBe(ErrorCode.InvalidUtf8);
  });
});

describe("COSE_Sign1: structure and headers", () => {
  it("the COSE_Mac0 tag on a Sign1 body: CoseWrongTag", () => {
    const body = unwrap(decodeSign1(kit.codecs, good));
    expect(decodeCode(rawSign1([body.protectedBytes, new Map(), payload, body.signature], 17))).toBe(ErrorCode.CoseWrongTag);
  });

  it("no tag when one is required: CoseWrongTag; accepted when the context allows untagged", () => {
    const untagged = good.subarray(1);
    expect(decodeCode(untagged)).toBe(ErrorCode.CoseWrongTag);
    expect(decodeSign1(kit.codecs, untagged, { allowUntagged: true }).ok).toBe(true);
  });

  it("three elements instead of four: CoseMalformed", () => {
    expect(decodeCode(rawSign1([new Uint8Array(0), new Map(), payload]))).toBe(ErrorCode.CoseMalformed);
  });

  it("a protected bucket that is not a byte string: CoseMalformed", () => {
    expect(decodeCode(rawSign1([new Map(), new Map(), payload, new Uint8Array(4)]))).toBe(ErrorCode.CoseMalformed);
  });

  it("a protected bucket holding something other than a map: CoseBadHeader", () => {
    expect(decodeCode(rawSign1([Uint8Array.of(0x01), new Map(), payload, new Uint8Array(4)]))).toBe(ErrorCode.CoseBadHeader);
  });

  it("an unprotected bucket that is not a map: CoseBadHeader", () => {
    expect(decodeCode(rawSign1([new Uint8Array(0), [], payload, new Uint8Array(4)]))).toBe(ErrorCode.CoseBadHeader);
  });

  it("a label in both buckets (RFC 9052 §3): CoseBadHeader", () => {
    const prot = protectedHeader([[1, CoseAlg.MlDsa44]]);
    expect(decodeCode(rawSign1([prot, new Map([[1, CoseAlg.MlDsa44]]), payload, new Uint8Array(4)]))).toBe(ErrorCode.CoseBadHeader);
  });

  it("crit (no extension is understood, RFC 9052 §3.1): CoseBadHeader", () => {
    const prot = protectedHeader([
      [1, CoseAlg.MlDsa44],
      [2, [99]],
    ]);
    expect(decodeCode(rawSign1([prot, new Map(), payload, new Uint8Array(4)]))).toBe(ErrorCode.CoseBadHeader);
  });

  it("an alg that is not an integer: CryptoUnknownAlgorithm", () => {
    const prot = protectedHeader([[1, "ML-DSA-44"]]);
    expect(decodeCode(rawSign1([prot, new Map(), payload, new Uint8Array(4)]))).toBe(ErrorCode.CryptoUnknownAlgorithm);
  });
});

describe("COSE_Sign1: verification", () => {
  let message: Sign1;
  beforeAll(() => {
    message = unwrap(decodeSign1(kit.codecs, good));
  });

  it("the genuine message verifies", () => {
    expect(verifySign1(kit.provider, kit.codecs, message, CoseAlg.MlDsa44, pub)).toBe(ErrorCode.Ok);
  });

  it("an algorithm other than the key's (ES256, -7, or ML-DSA-65): CryptoUnknownAlgorithm", () => {
    const prot = protectedHeader([[1, -7]]);
    const es = unwrap(decodeSign1(kit.codecs, rawSign1([prot, new Map(), payload, message.signature])));
    expect(verifySign1(kit.provider, kit.codecs, es, CoseAlg.MlDsa44, pub)).toBe(ErrorCode.CryptoUnknownAlgorithm);
    expect(verifySign1(kit.provider, kit.codecs, message, CoseAlg.MlDsa65, pub)).toBe(ErrorCode.CryptoUnknownAlgorithm);
  });

  it("a kid that is not the key's thumbprint (the wrong key): CoseKidMismatch", () => {
    expect(verifySign1(kit.provider, kit.codecs, message, CoseAlg.MlDsa44, otherPub)).toBe(ErrorCode.CoseKidMismatch);
  });

  it("no kid and the wrong key: CryptoBadSignature", () => {
    const prot = protectedHeader([[1, CoseAlg.MlDsa44]]);
    const tbs = unwrap(sigStructure(kit.codecs.strict, prot, new Uint8Array(0), payload));
    const signature = new Uint8Array(2420);
    expect(kit.provider.sign(key, tbs, signature, SigningMode.Deterministic)).toBe(2420);
    const noKid = unwrap(decodeSign1(kit.codecs, rawSign1([prot, new Map(), payload, signature])));
    expect(verifySign1(kit.provider, kit.codecs, noKid, CoseAlg.MlDsa44, pub)).toBe(ErrorCode.Ok);
    expect(verifySign1(kit.provider, kit.codecs, noKid, CoseAlg.MlDsa44, otherPub)).toBe(ErrorCode.CryptoBadSignature);
  });

  it("a public key of the wrong length: CryptoKeyWrongLength", () => {
    expect(verifySign1(kit.provider, kit.codecs, message, CoseAlg.MlDsa44, pub.subarray(0, 1311))).toBe(ErrorCode.CryptoKeyWrongLength);
  });

  it("a signature of the wrong length: CryptoBadLength", () => {
    const short = unwrap(decodeSign1(kit.codecs, rawSign1([message.protectedBytes, new Map(), payload, message.signature.subarray(1)])));
    expect(verifySign1(kit.provider, kit.codecs, short, CoseAlg.MlDsa44, pub)).toBe(ErrorCode.CryptoBadLength);
  });

  it("every tampered region (payload, signature, protected header) fails with its code", () => {
    const tamperedPayload = openSign1(kit.provider, kit.codecs, rawSign1([message.protectedBytes, new Map(), flipBit(payload, 3), message.signature]), CoseAlg.MlDsa44, pub);
    expect(codeOf(tamperedPayload)).toBe(ErrorCode.CryptoBadSignature);
    const tamperedSignature = openSign1(kit.provider, kit.codecs, rawSign1([message.protectedBytes, new Map(), payload, flipBit(message.signature, 100)]), CoseAlg.MlDsa44, pub);
    expect(codeOf(tamperedSignature)).toBe(ErrorCode.CryptoBadSignature);
    // Flipping a bit of the kid inside the protected bucket is caught as a kid mismatch.
    const tamperedKid = openSign1(kit.provider, kit.codecs, rawSign1([flipBit(message.protectedBytes, 10), new Map(), payload, message.signature]), CoseAlg.MlDsa44, pub);
    expect(codeOf(tamperedKid)).toBe(ErrorCode.CoseKidMismatch);
  });

  it("a different external AAD: CryptoBadSignature", () => {
    expect(verifySign1(kit.provider, kit.codecs, message, CoseAlg.MlDsa44, pub, utf8("other"))).toBe(ErrorCode.CryptoBadSignature);
  });

  it("a detached (nil) payload verifies only with the right detached bytes", () => {
    const detached = unwrap(decodeSign1(kit.codecs, rawSign1([message.protectedBytes, new Map(), null, message.signature])));
    expect(detached.payload).toBeNull();
    expect(verifySign1(kit.provider, kit.codecs, detached, CoseAlg.MlDsa44, pub, new Uint8Array(0), payload)).toBe(ErrorCode.Ok);
    expect(verifySign1(kit.provider, kit.codecs, detached, CoseAlg.MlDsa44, pub)).toBe(ErrorCode.CoseMalformed);
  });

  it("a Sign1 cannot be made with a key that is not a signing key: CryptoKeyKindMismatch", () => {
    const macKey = unwrap(kit.provider.generateSymmetricKey(KeyKind.Mac));
    expect(codeOf(signSign1(kit.provider, kit.codecs, macKey, payload))).toBe(ErrorCode.CryptoKeyKindMismatch);
    kit.provider.destroyKey(macKey);
  });
});

describe("COSE_Mac0 and COSE_Encrypt0: structure and verification errors", () => {
  it("Mac0: wrong tag, wrong alg, short tag, tampered payload", () => {
    const macKey = unwrap(kit.provider.generateSymmetricKey(KeyKind.Mac));
    const made = unwrap(createMac0(kit.provider, kit.codecs, macKey, payload));
    expect(codeOf(decodeMac0(kit.codecs, good))).toBe(ErrorCode.CoseWrongTag);
    const message = unwrap(decodeMac0(kit.codecs, made));
    const hs512 = unwrap(decodeMac0(kit.codecs, unwrap(kit.codecs.strict.encode(cborTag(17, [protectedHeader([[1, 7]]), new Map(), payload, message.tag])))));
    expect(verifyMac0(kit.provider, kit.codecs, hs512, macKey)).toBe(ErrorCode.CryptoUnknownAlgorithm);
    const short = unwrap(decodeMac0(kit.codecs, unwrap(kit.codecs.strict.encode(cborTag(17, [message.protectedBytes, new Map(), payload, message.tag.subarray(0, 16)])))));
    expect(verifyMac0(kit.provider, kit.codecs, short, macKey)).toBe(ErrorCode.CryptoBadLength);
    const tampered = unwrap(decodeMac0(kit.codecs, unwrap(kit.codecs.strict.encode(cborTag(17, [message.protectedBytes, new Map(), flipBit(payload, 0), message.tag])))));
    expect(verifyMac0(kit.provider, kit.codecs, tampered, macKey)).toBe(ErrorCode.CryptoAuthFailed);
    // An AEAD key used as a MAC key: refused by kind, not silently accepted.
    const aeadKey = unwrap(kit.provider.generateSymmetricKey(KeyKind.Aead));
    expect(verifyMac0(kit.provider, kit.codecs, message, aeadKey)).toBe(ErrorCode.CryptoKeyKindMismatch);
  });

  it("Encrypt0: wrong tag, IV that is not bytes, missing ciphertext", () => {
    expect(codeOf(decodeEncrypt0(kit.codecs, good))).toBe(ErrorCode.CoseWrongTag);
    const badIv = unwrap(kit.codecs.strict.encode(cborTag(16, [protectedHeader([[1, 24]]), new Map([[5, 12]]), new Uint8Array(20)])));
    expect(codeOf(decodeEncrypt0(kit.codecs, badIv))).toBe(ErrorCode.CoseBadHeader);
    const noCiphertext = unwrap(kit.codecs.strict.encode(cborTag(16, [protectedHeader([[1, 24]]), new Map(), null])));
    expect(codeOf(decodeEncrypt0(kit.codecs, noCiphertext))).toBe(ErrorCode.CoseMalformed);
  });
});
