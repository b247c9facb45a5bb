/**
 * Keyed BLAKE2s on the real XS engine, 64-bit and 32-bit hosts: RFC 7693
 * App. B and App. E reproduced, 120 seeded tags equal to @noble/hashes,
 * bad input refused with nothing written, the state region zero after a
 * call, and 0 bytes allocated per tag. Computrons are printed, never
 * asserted (no timing asserts).
 */
import { blake2s as nobleBlake2s } from "@noble/hashes/blake2.js";
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/runtime/errors";
import { type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { runXsEntry } from "../../tools/xs/build-entry";
import { ABC_BLAKE2S_256_HEX, SELFTEST_BLAKE2S_HEX } from "../vectors/rfc7693";

const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "hex"));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

const runs: Record<"native" | "m32", XsRunResult | undefined> = { native: undefined, m32: undefined };

beforeAll(async () => {
  runs.native = await runXsEntry("test/xs/entries/blake2s.xs.ts", "blake2s", "blake2s bundle");
  runs.m32 = await runXsEntry("test/xs/entries/blake2s.xs.ts", "blake2s", "blake2s bundle (32-bit host)", { variant: "m32" });
}, 600_000);

function recordsOf(variant: "native" | "m32", kind: string): readonly XsRecord[] {
  const run = runs[variant];
  if (run === undefined) throw new Error(`no ${variant} run`);
  return run.records.filter((r) => r.kind === kind);
}

for (const variant of ["native", "m32"] as const) {
  describe(`BLAKE2s on XS (${variant})`, () => {
    it("RFC 7693 App. B and App. E known answers", () => {
      const kats = recordsOf(variant, "kat");
      expect(kats.find((r) => r["name"] === "abc")).toMatchObject({ status: ErrorCode.Ok, hex: ABC_BLAKE2S_256_HEX });
      expect(kats.find((r) => r["name"] === "selftest")).toMatchObject({ status: ErrorCode.Ok, hex: SELFTEST_BLAKE2S_HEX });
    });

    it("120 seeded keyed tags equal @noble/hashes blake2s (key, dkLen, personalization) and write nothing outside the tag", () => {
      const diffs = recordsOf(variant, "diff");
      expect(diffs).toHaveLength(120);
      for (const r of diffs) {
        const personalHex = r["personalHex"];
        const expected = nobleBlake2s(fromHex(String(r["dataHex"])), {
          key: fromHex(String(r["keyHex"])),
          dkLen: Number(r["outBytes"]),
          ...(typeof personalHex === "string" ? { personalization: fromHex(personalHex) } : {}),
        });
        expect(r["status"]).toBe(ErrorCode.Ok);
        expect(r["tagHex"]).toBe(hex(expected));
        expect(r["restUntouched"]).toBe(true);
      }
    });

    it("bad lengths and ranges: InvalidArgument, out untouched, the region still zero; a good call leaves the region zero", () => {
      const bad = recordsOf(variant, "bad");
      expect(bad).toHaveLength(8);
      for (const r of bad) expect(r, String(r["name"])).toMatchObject({ status: ErrorCode.InvalidArgument, outUntouched: true, regionZero: true });
      const zeroed = recordsOf(variant, "zeroed")[0];
      const key = new Uint8Array(40).fill(1);
      const data = new Uint8Array(50).fill(2);
      expect(zeroed).toMatchObject({
        status: ErrorCode.Ok,
        regionZero: true,
        tagHex: hex(nobleBlake2s(data, { key: key.subarray(0, 32), dkLen: 8, personalization: new Uint8Array(8).fill(3) })),
      });
    });

    it("an 8-byte tag over 40, 100 and 255 bytes allocates 0 bytes after warm-up (HMAC and AEAD rows alongside)", () => {
      const costs = recordsOf(variant, "cost");
      expect(costs).toHaveLength(12);
      const lines: string[] = [];
      for (const r of costs) {
        expect(r["exact"], String(r["name"])).toBe(true);
        lines.push(`${String(r["name"]).padEnd(52)} ${String(r["bytes"]).padStart(4)} B: ${String(r["computronsPerOp"]).padStart(8)} computrons, ${String(r["bytesPerOp"])} B allocated, ${String(r["stackSlots"])} stack slots`);
      }
      for (const r of costs.filter((c) => String(c["name"]).startsWith("BLAKE2s"))) {
        expect(r["result"]).toBe(ErrorCode.Ok);
        expect(r["bytesPerOp"], `${String(r["bytes"])} B`).toBe(0);
      }
      const instance = recordsOf(variant, "instance")[0];
      lines.push(`Blake2sMac instance: ${String(instance?.["inArenaBytes"])} B in an arena region, ${String(instance?.["ownBytes"])} B with a buffer of its own`);
      process.stdout.write(`XS (${variant}) per tag:\n${lines.join("\n")}\n`);
    });
  });
}
