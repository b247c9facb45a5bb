/**
 * XS entry: the crypto suite on the real XS engine (kept small: one ML-DSA
 * key/sign/verify, one ML-KEM round, AEAD, HMAC, Merkle, COSE decoding of
 * published vectors, a few refusals). Results are recorded; the vitest side
 * (test/xs/crypto.test.ts) compares them with test/vectors.
 */
import { CborCodec, strictPolicy } from "../../../core/codec/cbor";
import { toDiagnostic } from "../../../core/codec/diag";
import { decodeUtf8, encodeUtf8 } from "../../../core/codec/utf8";
import {
  CoseAlg,
  KemAlg,
  KeyKind,
  MerkleTree,
  NobleCryptoProvider,
  SigningMode,
  akpThumbprint,
  createCoseCodecs,
  decodeEncrypt0,
  decodeMac0,
  decodeSign1,
  encStructure,
  signSign1,
  verifyInclusion,
  verifyMac0,
  verifySign1,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Result } from "../../../core/runtime/result";
import { SeededEntropy, UnavailableEntropy } from "../../../hal/sim/entropy";
import { done, measure, record } from "../../../tools/xs/harness";

const HEX = "0123456789abcdef";
function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += (HEX[b >>> 4] ?? "") + (HEX[b & 15] ?? "");
  return out;
}
function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
function unwrap<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what} failed with code ${result.code}`);
  return result.value;
}
function codeOf<T>(result: Result<T>): number {
  return result.ok ? 0 : result.code;
}

const provider = unwrap(
  NobleCryptoProvider.create(new SeededEntropy(7), { symmetricSlots: 16, signingSlots: 2, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 1, largestKemAlg: KemAlg.MlKem512 }),
  "provider",
);
const codecs = unwrap(createCoseCodecs(), "codecs");

record("environment", { cryptoGlobal: typeof (globalThis as Record<string, unknown>)["crypto"], textEncoder: typeof (globalThis as Record<string, unknown>)["TextEncoder"] });

// ---- ML-DSA-44 (draft-ietf-cose-dilithium App. A.2, all-zero seed, deterministic) ----
{
  let key = 0;
  const keygen = measure(() => {
    key = unwrap(provider.importSigningSeed(CoseAlg.MlDsa44, new Uint8Array(32)), "keygen");
  });
  const pub = new Uint8Array(1312);
  provider.publicKey(key as never, pub);
  const kid = new Uint8Array(32);
  akpThumbprint(provider, codecs.strict, CoseAlg.MlDsa44, pub, kid);
  let sign1: Uint8Array = new Uint8Array(0);
  const sign = measure(() => {
    sign1 = unwrap(signSign1(provider, codecs, key as never, ascii("hello post quantum signatures"), SigningMode.Deterministic), "sign");
  });
  const message = unwrap(decodeSign1(codecs, sign1), "decode");
  let verdict = -1;
  const verify = measure(() => {
    verdict = verifySign1(provider, codecs, message, CoseAlg.MlDsa44, pub);
  });
  const tampered = sign1.slice();
  tampered[tampered.length - 40] = (tampered[tampered.length - 40] ?? 0) ^ 1;
  const tamperedVerdict = verifySign1(provider, codecs, unwrap(decodeSign1(codecs, tampered), "decode tampered"), CoseAlg.MlDsa44, pub);
  record("ml-dsa-44", {
    publicKeyHex: hex(pub),
    kidHex: hex(kid),
    sign1Hex: hex(sign1),
    verdict,
    tamperedVerdict,
    keygenComputrons: keygen.computrons,
    signComputrons: sign.computrons,
    verifyComputrons: verify.computrons,
  });
}

// ---- ML-KEM-512: one round, agreement checked through AEAD ----
{
  const kem = unwrap(provider.generateKemKey(KemAlg.MlKem512), "kem keygen");
  const pub = new Uint8Array(800);
  provider.publicKey(kem, pub);
  const ct = new Uint8Array(768);
  let mine = 0;
  let theirs = 0;
  const encaps = measure(() => {
    mine = unwrap(provider.encapsulate(KemAlg.MlKem512, pub, ct), "encaps");
  });
  const decaps = measure(() => {
    theirs = unwrap(provider.decapsulate(kem, ct), "decaps");
  });
  const a = unwrap(provider.deriveKey(mine as never, new Uint8Array(0), ascii("t"), KeyKind.Aead), "derive a");
  const b = unwrap(provider.deriveKey(theirs as never, new Uint8Array(0), ascii("t"), KeyKind.Aead), "derive b");
  const sealed = new Uint8Array(21);
  provider.aeadSeal(a, new Uint8Array(12), new Uint8Array(0), ascii("hello"), sealed);
  const opened = provider.aeadOpen(b, new Uint8Array(12), new Uint8Array(0), sealed, new Uint8Array(5));
  record("ml-kem-512", { agreed: opened === 5, encapsComputrons: encaps.computrons, decapsComputrons: decaps.computrons });
}

// ---- ChaCha20/Poly1305: RFC 8439 §2.8.2 ----
{
  const key = unwrap(provider.importSymmetricKey(KeyKind.Aead, fromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")), "aead key");
  const plaintext = ascii("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const sealed = new Uint8Array(plaintext.length + 16);
  provider.aeadSeal(key, fromHex("070000004041424344454647"), fromHex("50515253c0c1c2c3c4c5c6c7"), plaintext, sealed);
  sealed[0] = (sealed[0] ?? 0) ^ 1;
  const tampered = provider.aeadOpen(key, fromHex("070000004041424344454647"), fromHex("50515253c0c1c2c3c4c5c6c7"), sealed, new Uint8Array(plaintext.length));
  sealed[0] = (sealed[0] ?? 0) ^ 1;
  record("aead", { sealedHex: hex(sealed), tampered });
}

// ---- HMAC (RFC 4231 case 2) and COSE_Mac0 (cose-wg HMac-01) ----
{
  const padded = new Uint8Array(32);
  padded.set(ascii("Jefe"));
  const key = unwrap(provider.importSymmetricKey(KeyKind.Mac, padded), "mac key");
  const tag = new Uint8Array(32);
  provider.mac(key, ascii("what do ya want for nothing?"), tag);
  const macKey = unwrap(provider.importSymmetricKey(KeyKind.Mac, fromHex("849b57219dae48de646d07dbb533566e976686457c1491be3a76dcea6c427188")), "cose mac key");
  const mac0Bytes = fromHex("d18443a10105a054546869732069732074686520636f6e74656e742e5820a1a848d3471f9d61ee49018d244c824772f223ad4f935293f1789fc3a08d8c58");
  const mac0 = unwrap(decodeMac0(codecs, mac0Bytes), "decode mac0");
  const tampered = mac0Bytes.slice();
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
  const diag = toDiagnostic(mac0Bytes);
  record("mac", {
    hmacHex: hex(tag),
    mac0Verdict: verifyMac0(provider, codecs, mac0, macKey),
    tamperedVerdict: verifyMac0(provider, codecs, unwrap(decodeMac0(codecs, tampered), "decode tampered"), macKey),
    diag: diag.ok ? diag.value : "",
  });
}

// ---- COSE_Encrypt0: RFC 9052 C.4.1 ----
{
  const message = unwrap(decodeEncrypt0(codecs, fromHex("d08343a1010aa1054d89f52f65a1c580933b5261a78c581c5974e1b99a3a4cc09a659aa2e9e7fff161d38ce71cb45ce460ffb569")), "decode encrypt0");
  record("encrypt0", { alg: message.alg, ivHex: hex(message.iv ?? new Uint8Array(0)), encStructureHex: hex(unwrap(encStructure(codecs.strict, message.protectedBytes, new Uint8Array(0)), "enc structure")) });
}

// ---- Merkle: CT vectors ----
{
  const leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
  const tree = unwrap(MerkleTree.create(provider, 8), "tree");
  for (const leaf of leaves) tree.appendData(fromHex(leaf));
  const roots: string[] = [];
  const out = new Uint8Array(32);
  for (let size = 0; size <= 8; size++) {
    tree.root(out, size);
    roots.push(hex(out));
  }
  const proof = new Uint8Array(64 * 32);
  const count = tree.inclusionProof(5, 8, proof);
  const leaf = new Uint8Array(32);
  tree.leafHash(5, leaf);
  tree.root(out, 8);
  record("merkle", { roots, proofHex: hex(proof.subarray(0, count * 32)), verdict: verifyInclusion(provider, leaf, 5, 8, proof.subarray(0, count * 32), out) });
}

// ---- refusals, UTF-8 ----
{
  const refusing = unwrap(
    NobleCryptoProvider.create(new UnavailableEntropy(), { symmetricSlots: 1, signingSlots: 1, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }),
    "refusing provider",
  );
  const codec = unwrap(CborCodec.create(strictPolicy(64, [])), "codec");
  const text = unwrap(decodeUtf8(unwrap(encodeUtf8("h\u00e9\u20ac\ud800\udf48"), "utf8 encode")), "utf8 decode");
  record("refusals", {
    entropy: codeOf(refusing.generateSymmetricKey(KeyKind.Aead)),
    truncated: codeOf(codec.decode(fromHex("8301"))),
    forbiddenTag: codeOf(codec.decode(fromHex("c100"))),
    invalidUtf8: codeOf(decodeUtf8(fromHex("eda080"))),
    textUnits: Array.from(text, (c) => c.codePointAt(0) ?? -1),
    ok: ErrorCode.Ok,
  });
}

done();
