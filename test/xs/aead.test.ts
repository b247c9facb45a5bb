/**
 * Our ChaCha20-Poly1305 on the real XS engine: every RFC 8439 known answer
 * reproduced, tampering refused with nothing written, and 0 bytes allocated
 * per seal/open (directly and through the provider, including its offset
 * forms aeadSealAt/aeadOpenAt, the per-frame path).
 * Computrons are recorded, never asserted (no timing asserts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/runtime/errors";
import { type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { AEAD_VECTORS, BLOCK_VECTORS, KEYGEN_VECTORS, MAC_VECTORS, STREAM_VECTORS } from "../vectors/rfc8439";
import { recordOf, runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/aead.xs.ts", "aead", "aead bundle");
});

function kat(group: string, clause: string): XsRecord {
  const found = run.records.find((r) => r.kind === "kat" && r["group"] === group && r["clause"] === clause);
  if (found === undefined) throw new Error(`no ${group} ${clause} record from XS`);
  return found;
}

describe("ChaCha20-Poly1305 on XS: RFC 8439 known answers", () => {
  for (const v of BLOCK_VECTORS) it(`${v.clause}: ChaCha20 block`, () => expect(kat("block", v.clause)["hex"]).toBe(v.blockHex));
  for (const v of STREAM_VECTORS) it(`${v.clause}: ChaCha20 encryption`, () => expect(kat("stream", v.clause)["hex"]).toBe(v.ciphertextHex));
  for (const v of MAC_VECTORS) it(`${v.clause}: Poly1305 tag`, () => expect(kat("mac", v.clause)["hex"]).toBe(v.tagHex));
  for (const v of KEYGEN_VECTORS) it(`${v.clause}: Poly1305 key generation`, () => expect(kat("keygen", v.clause)["hex"]).toBe(v.oneTimeKeyHex));
  for (const v of AEAD_VECTORS) {
    it(`${v.clause}: AEAD seal and open; a flipped ciphertext bit is refused and nothing is written`, () => {
      const r = kat("aead", v.clause);
      const plaintextBytes = v.plaintextHex.length / 2;
      expect(r).toMatchObject({
        hex: v.ciphertextHex + v.tagHex,
        sealedLength: plaintextBytes + 16,
        openedHex: v.plaintextHex,
        openedLength: plaintextBytes,
        tampered: -ErrorCode.CryptoAuthFailed,
        outUntouched: true,
      });
    });
  }
});

describe("ChaCha20-Poly1305 on XS: zero allocation per call", () => {
  const expected = [
    "direct seal 0 B",
    "direct open 0 B",
    "direct seal 64 B",
    "direct open 64 B",
    "direct seal 200 B",
    "direct open 200 B",
    "direct seal 1000 B",
    "direct open 1000 B",
    "direct open 200 B tampered",
    "provider aeadSeal 200 B",
    "provider aeadOpen 200 B",
    "provider aeadOpen 200 B tampered",
    "provider aeadSealAt 200 B in a frame",
    "provider aeadOpenAt 200 B in a frame",
  ];

  it("seal and open (0..1000 bytes, genuine and tampered, direct and through NobleCryptoProvider) allocate 0 bytes after warm-up", () => {
    const rows = run.records.filter((r) => r.kind === "alloc");
    expect(rows.map((r) => r["name"])).toEqual(expected);
    for (const r of rows) {
      expect(r["exact"], String(r["name"])).toBe(true);
      expect(r["bytesPerOp"], String(r["name"])).toBe(0);
    }
  });

  it("the measured calls did the work: byte counts for genuine frames, CryptoAuthFailed for tampered ones", () => {
    const result = (name: string): unknown => run.records.find((r) => r.kind === "alloc" && r["name"] === name)?.["result"];
    expect(result("direct seal 200 B")).toBe(216);
    expect(result("direct open 1000 B")).toBe(1000);
    expect(result("direct open 200 B tampered")).toBe(-ErrorCode.CryptoAuthFailed);
    expect(result("provider aeadSeal 200 B")).toBe(216);
    expect(result("provider aeadOpen 200 B")).toBe(200);
    expect(result("provider aeadOpen 200 B tampered")).toBe(-ErrorCode.CryptoAuthFailed);
    expect(result("provider aeadSealAt 200 B in a frame")).toBe(216);
    expect(result("provider aeadOpenAt 200 B in a frame")).toBe(200);
  });
});
