/**
 * The crypto suite on the real XS engine (picket-xs, no crypto.getRandomValues,
 * no TextEncoder): published answers reproduced, refusals with the same
 * codes as on V8.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/runtime/errors";
import { type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { readHexVector, readVector, hex } from "../core/crypto/fixtures";
import { recordOf, runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;
const find = (kind: string): XsRecord => recordOf(run, kind);

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/crypto.xs.ts", "crypto", "crypto bundle");
});

describe("crypto on XS", () => {
  it("runs where noble cannot reach crypto.getRandomValues and cbor-x has no TextEncoder", () => {
    expect(find("environment")).toMatchObject({ cryptoGlobal: "undefined", textEncoder: "undefined" });
  });

  it("ML-DSA-44: reproduces the draft's key, kid and COSE_Sign1 byte for byte, verifies it, refuses a tampered one", () => {
    const r = find("ml-dsa-44");
    expect(r["publicKeyHex"]).toBe(hex(readHexVector("cose-ml-dsa-44.pub.hex")));
    expect(r["kidHex"]).toBe(readVector<{ examples: { kidHex: string }[] }>("cose-ml-dsa.json").examples[0]?.kidHex);
    expect(r["sign1Hex"]).toBe(hex(readHexVector("cose-ml-dsa-44.sign1.hex")));
    expect(r["verdict"]).toBe(ErrorCode.Ok);
    expect(r["tamperedVerdict"]).toBe(ErrorCode.CryptoBadSignature);
  });

  it("ML-KEM-512: both sides agree", () => {
    expect(find("ml-kem-512")["agreed"]).toBe(true);
  });

  it("ChaCha20/Poly1305 reproduces RFC 8439 §2.8.2 and refuses a tampered frame", () => {
    const v = readVector<{ chacha20poly1305: { ciphertextHex: string; tagHex: string } }>("primitives.json").chacha20poly1305;
    expect(find("aead")["sealedHex"]).toBe(v.ciphertextHex + v.tagHex);
    expect(find("aead")["tampered"]).toBe(-ErrorCode.CryptoAuthFailed);
  });

  it("HMAC (RFC 4231) and the cose-wg HMac-01 COSE_Mac0; diagnostic notation as on V8", () => {
    const r = find("mac");
    expect(r["hmacHex"]).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    expect(r["mac0Verdict"]).toBe(ErrorCode.Ok);
    expect(r["tamperedVerdict"]).toBe(ErrorCode.CryptoAuthFailed);
    expect(r["diag"]).toBe("17([h'a10105', {}, h'546869732069732074686520636f6e74656e742e', h'a1a848d3471f9d61ee49018d244c824772f223ad4f935293f1789fc3a08d8c58'])");
  });

  it("RFC 9052 C.4.1 COSE_Encrypt0 decodes with the published Enc_structure", () => {
    expect(find("encrypt0")).toMatchObject({ alg: 10, ivHex: "89f52f65a1c580933b5261a78c", encStructureHex: "8368456e63727970743043a1010a40" });
  });

  it("RFC 9162 Merkle roots and an inclusion proof match the CT vectors", () => {
    const v = readVector<{ roots: string[]; inclusion: { proof: string[] }[] }>("merkle-rfc6962.json");
    expect(find("merkle")["roots"]).toEqual(v.roots);
    expect(find("merkle")["proofHex"]).toBe(v.inclusion[2]?.proof.join(""));
    expect(find("merkle")["verdict"]).toBe(ErrorCode.Ok);
  });

  it("refusals carry the same codes as on V8; UTF-8 decodes to the same code points", () => {
    expect(find("refusals")).toMatchObject({
      entropy: ErrorCode.EntropyUnavailable,
      truncated: ErrorCode.CborTruncated,
      forbiddenTag: ErrorCode.CborForbiddenTag,
      invalidUtf8: ErrorCode.InvalidUtf8,
      textUnits: [0x68, 0xe9, 0x20ac, 0x10348],
    });
  });

  it("reports ML-DSA and ML-KEM cost in computrons (recorded for the README; no assertion on time)", () => {
    const dsa = find("ml-dsa-44");
    const kem = find("ml-kem-512");
    const costs = {
      "ML-DSA-44 keygen": dsa["keygenComputrons"],
      "ML-DSA-44 sign": dsa["signComputrons"],
      "ML-DSA-44 verify": dsa["verifyComputrons"],
      "ML-KEM-512 encaps": kem["encapsComputrons"],
      "ML-KEM-512 decaps": kem["decapsComputrons"],
    };
    // Every figure the README quotes is recorded, as the meter's whole count (a missing field or a broken meter fails).
    for (const [name, computrons] of Object.entries(costs)) expect(Number.isSafeInteger(computrons), name).toBe(true);
    console.log(`post-quantum cost on XS (computrons): ${JSON.stringify(costs)}`);
  });
});
