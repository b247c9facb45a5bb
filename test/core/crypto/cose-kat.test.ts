/**
 * COSE known answers and interop: the ML-DSA examples of
 * draft-ietf-cose-dilithium-11 App. A.2, the cose-wg Mac0 examples, and the
 * RFC 9052 C.4.1 Encrypt0 example (test/vectors/README.md).
 */
import { decode as thirdPartyDecode } from "cbor-x";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { describe, expect, it } from "vitest";
import {
  CoseAlg,
  KeyKind,
  SigningMode,
  akpThumbprint,
  createMac0,
  decodeEncrypt0,
  decodeMac0,
  decodeSign1,
  encStructure,
  openEncrypt0,
  sealEncrypt0,
  signSign1,
  verifyMac0,
  verifySign1,
  type SignatureAlg,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { fromHex, hex, makeKit, readHexVector, readVector, unwrap, utf8 } from "./fixtures";

interface DsaExample {
  readonly name: string;
  readonly alg: SignatureAlg;
  readonly seedHex: string;
  readonly kidHex: string;
  readonly publicKeyPrefixHex: string;
  readonly protectedHex: string;
  readonly toBeSignedHex: string;
  readonly signatureBytes: number;
  readonly signaturePrefixHex: string;
  readonly signatureSuffixHex: string;
}

const dsa = readVector<{ payloadText: string; examples: DsaExample[] }>("cose-ml-dsa.json");
const sign1Vector = readHexVector("cose-ml-dsa-44.sign1.hex");
const pub44Vector = readHexVector("cose-ml-dsa-44.pub.hex");
const payload = utf8(dsa.payloadText);

/** A CBOR byte-string head (RFC 8949 §3.1), written by hand for the independent check. */
function bstrHead(length: number): number[] {
  if (length < 24) return [0x40 | length];
  if (length < 256) return [0x58, length];
  return [0x59, length >>> 8, length & 0xff];
}

/** RFC 9052 §4.4 Sig_structure, byte by byte, without Picket's codec. */
function independentToBeSigned(protectedBytes: Uint8Array, body: Uint8Array): Uint8Array {
  const context = [...utf8("Signature1")];
  return new Uint8Array([
    0x84,
    0x60 | context.length,
    ...context,
    ...bstrHead(protectedBytes.length),
    ...protectedBytes,
    0x40, // external_aad: empty bstr
    ...bstrHead(body.length),
    ...body,
  ]);
}

describe("COSE_Sign1 with ML-DSA: draft-ietf-cose-dilithium App. A.2", () => {
  const kit = makeKit(11);

  for (const example of dsa.examples) {
    it(`${example.name}: the all-zero seed gives the published key, kid (RFC 9679 thumbprint) and deterministic signature`, () => {
      const key = unwrap(kit.provider.importSigningSeed(example.alg, fromHex(example.seedHex)));
      const pub = new Uint8Array(4096);
      const pubLength = kit.provider.publicKey(key, pub);
      expect(hex(pub.subarray(0, 16))).toBe(example.publicKeyPrefixHex);
      const kid = new Uint8Array(32);
      expect(akpThumbprint(kit.provider, kit.codecs.strict, example.alg, pub.subarray(0, pubLength), kid)).toBe(ErrorCode.Ok);
      expect(hex(kid)).toBe(example.kidHex);
      const signed = unwrap(signSign1(kit.provider, kit.codecs, key, payload, SigningMode.Deterministic));
      const message = unwrap(decodeSign1(kit.codecs, signed));
      expect(hex(message.protectedBytes)).toBe(example.protectedHex);
      expect(hex(independentToBeSigned(message.protectedBytes, payload))).toBe(example.toBeSignedHex);
      expect(message.signature.length).toBe(example.signatureBytes);
      expect(hex(message.signature.subarray(0, 32))).toBe(example.signaturePrefixHex);
      expect(hex(message.signature).endsWith(example.signatureSuffixHex)).toBe(true);
      expect(verifySign1(kit.provider, kit.codecs, message, example.alg, pub.subarray(0, pubLength))).toBe(ErrorCode.Ok);
      kit.provider.destroyKey(key);
    });
  }

  it("ML-DSA-44: our deterministic COSE_Sign1 equals the published message byte for byte", () => {
    const key = unwrap(kit.provider.importSigningSeed(CoseAlg.MlDsa44, new Uint8Array(32)));
    const signed = unwrap(signSign1(kit.provider, kit.codecs, key, payload, SigningMode.Deterministic));
    expect(hex(signed)).toBe(hex(sign1Vector));
    const pub = new Uint8Array(1312);
    kit.provider.publicKey(key, pub);
    expect(hex(pub)).toBe(hex(pub44Vector));
    kit.provider.destroyKey(key);
  });

  it("ML-DSA-44: the published (third-party, go-cose) message verifies with our code", () => {
    const message = unwrap(decodeSign1(kit.codecs, sign1Vector));
    expect(message.alg).toBe(CoseAlg.MlDsa44);
    expect(new TextDecoder().decode(message.payload ?? new Uint8Array(0))).toBe(dsa.payloadText);
    expect(verifySign1(kit.provider, kit.codecs, message, CoseAlg.MlDsa44, pub44Vector)).toBe(ErrorCode.Ok);
  });

  it("ML-DSA-44: our hedged message verifies with an independent verifier built from RFC 9052 §4.4 (cbor-x default build + noble)", () => {
    const key = unwrap(kit.provider.generateSigningKey(CoseAlg.MlDsa44));
    const pub = new Uint8Array(1312);
    kit.provider.publicKey(key, pub);
    const body = utf8("roster epoch 7");
    const signed = unwrap(signSign1(kit.provider, kit.codecs, key, body));
    const tagged = thirdPartyDecode(signed) as { tag: number; value: [Uint8Array, unknown, Uint8Array, Uint8Array] };
    expect(tagged.tag).toBe(18);
    const [protectedBytes, , carried, signature] = tagged.value;
    expect(hex(carried)).toBe(hex(body));
    expect(ml_dsa44.verify(signature, independentToBeSigned(new Uint8Array(protectedBytes), body), pub)).toBe(true);
    // And a one-bit change anywhere in the to-be-signed bytes makes it fail.
    const tampered = independentToBeSigned(new Uint8Array(protectedBytes), utf8("roster epoch 8"));
    expect(ml_dsa44.verify(signature, tampered, pub)).toBe(false);
    kit.provider.destroyKey(key);
  });
});

interface MacExample {
  readonly source: string;
  readonly keyHex: string;
  readonly payloadText: string;
  readonly toMacHex: string;
  readonly cborHex: string;
}
interface EncExample {
  readonly alg: number;
  readonly keyHex: string;
  readonly ivHex: string;
  readonly encStructureHex: string;
  readonly cborHex: string;
}
const examples = readVector<{ mac0: MacExample[]; encrypt0: EncExample[] }>("cose-examples.json");

describe("COSE_Mac0 HMAC 256/256: cose-wg/Examples", () => {
  const kit = makeKit(12);

  it("HMac-01: we produce the published message from the same key and payload", () => {
    const example = examples.mac0[0];
    if (example === undefined) throw new Error("vector missing");
    const key = unwrap(kit.provider.importSymmetricKey(KeyKind.Mac, fromHex(example.keyHex)));
    const made = unwrap(createMac0(kit.provider, kit.codecs, key, utf8(example.payloadText)));
    expect(hex(made)).toBe(example.cborHex);
    kit.provider.destroyKey(key);
  });

  for (const example of examples.mac0) {
    it(`${example.source.split(" ")[1] ?? ""}: the published message verifies, and fails with the wrong key`, () => {
      const key = unwrap(kit.provider.importSymmetricKey(KeyKind.Mac, fromHex(example.keyHex)));
      const message = unwrap(decodeMac0(kit.codecs, fromHex(example.cborHex)));
      expect(verifyMac0(kit.provider, kit.codecs, message, key)).toBe(ErrorCode.Ok);
      const wrong = unwrap(kit.provider.importSymmetricKey(KeyKind.Mac, new Uint8Array(32).fill(7)));
      expect(verifyMac0(kit.provider, kit.codecs, message, wrong)).toBe(ErrorCode.CryptoAuthFailed);
      kit.provider.destroyKey(key);
      kit.provider.destroyKey(wrong);
    });
  }
});

describe("COSE_Encrypt0: RFC 9052 App. C.4.1 and ChaCha20/Poly1305 round trips", () => {
  const kit = makeKit(13);

  it("C.4.1 decodes: headers, IV, and our Enc_structure equals the published AAD; its AES-CCM alg is refused", () => {
    const example = examples.encrypt0[0];
    if (example === undefined) throw new Error("vector missing");
    const message = unwrap(decodeEncrypt0(kit.codecs, fromHex(example.cborHex)));
    expect(message.alg).toBe(example.alg);
    expect(hex(message.iv ?? new Uint8Array(0))).toBe(example.ivHex);
    expect(hex(unwrap(encStructure(kit.codecs.strict, message.protectedBytes, new Uint8Array(0))))).toBe(example.encStructureHex);
    const key = unwrap(kit.provider.generateSymmetricKey(KeyKind.Aead));
    const opened = openEncrypt0(kit.provider, kit.codecs, message, key);
    expect(opened.ok ? 0 : opened.code).toBe(ErrorCode.CryptoUnknownAlgorithm);
  });

  it("seal then open returns the plaintext; a fresh IV per message; wrong key and tampering fail", () => {
    const key = unwrap(kit.provider.generateSymmetricKey(KeyKind.Aead));
    const plaintext = utf8("group secret epoch 3");
    const a = unwrap(sealEncrypt0(kit.provider, kit.codecs, key, plaintext));
    const b = unwrap(sealEncrypt0(kit.provider, kit.codecs, key, plaintext));
    const ma = unwrap(decodeEncrypt0(kit.codecs, a));
    const mb = unwrap(decodeEncrypt0(kit.codecs, b));
    expect(hex(ma.iv ?? new Uint8Array(0))).not.toBe(hex(mb.iv ?? new Uint8Array(0)));
    expect(hex(unwrap(openEncrypt0(kit.provider, kit.codecs, ma, key)))).toBe(hex(plaintext));
    const other = unwrap(kit.provider.generateSymmetricKey(KeyKind.Aead));
    const wrong = openEncrypt0(kit.provider, kit.codecs, ma, other);
    expect(wrong.ok ? 0 : wrong.code).toBe(ErrorCode.CryptoAuthFailed);
    const tamperedBytes = a.slice();
    tamperedBytes[tamperedBytes.length - 1] = (tamperedBytes[tamperedBytes.length - 1] ?? 0) ^ 1;
    const tampered = openEncrypt0(kit.provider, kit.codecs, unwrap(decodeEncrypt0(kit.codecs, tamperedBytes)), key);
    expect(tampered.ok ? 0 : tampered.code).toBe(ErrorCode.CryptoAuthFailed);
    const otherAad = openEncrypt0(kit.provider, kit.codecs, ma, key, utf8("other context"));
    expect(otherAad.ok ? 0 : otherAad.code).toBe(ErrorCode.CryptoAuthFailed);
  });
});
