/**
 * Boot does not grow with the site (agent/radio-mesh.ts, sender-key-cache.ts):
 * on the real XS engine, a board's mesh boot as a member of a 256-board site
 * costs within a fixed bound of the same boot in a 33-board site, and derives
 * no receive key. The absolute figures (computrons, bytes) are printed for
 * the README and the bench; the test asserts ratios and the 2 M computron
 * goal, never time.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { XsRecord, XsRunResult } from "../../tools/xs/run-xs";
import { runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/key-boot.xs.ts", "key-boot");
});

function boot(boards: number): XsRecord {
  const found = run.records.find((r) => r.kind === "boot" && r["boards"] === boards);
  if (found === undefined) throw new Error(`no boot record for ${boards} boards`);
  return found;
}

describe("mesh boot cost against site size (XS)", () => {
  it("boots as a member of a 33- and a 256-board site, deriving no receive key", () => {
    for (const boards of [33, 256]) {
      const b = boot(boards);
      expect(b["error"], String(boards)).toBeUndefined();
      expect(b["booted"]).toBe(true);
      expect(b["derived"]).toBe(0);
      expect(b["exact"]).toBe(true);
    }
    const small = boot(33);
    const large = boot(256);
    console.log(
      `mesh boot on XS: 33 boards ${Number(small["computrons"])} computrons, ${Number(small["bytes"])} B; 256 boards ${Number(large["computrons"])} computrons, ${Number(large["bytes"])} B`,
    );
  });

  it("256 boards cost at most 10 % more computrons than 33 (was 7.8x: one derivation per member)", () => {
    const small = Number(boot(33)["computrons"]);
    const large = Number(boot(256)["computrons"]);
    expect(small).toBeGreaterThan(0);
    expect(large / small).toBeLessThanOrEqual(1.1);
  });

  it("boot memory grows only by the per-sender replay windows and receive ceilings (under 96 B a member; the key table was ~165 B)", () => {
    const perMember = (Number(boot(256)["bytes"]) - Number(boot(33)["bytes"])) / (256 - 33);
    console.log(`mesh boot bytes per extra site member on XS: ${perMember.toFixed(1)} B`);
    expect(perMember).toBeGreaterThan(0); // the replay windows and receive ceilings are per sender, by design
    expect(perMember).toBeLessThanOrEqual(96);
  });

  it("a cache hit allocates nothing; a miss that evicts costs one derivation", () => {
    const cache = run.records.find((r) => r.kind === "cache");
    expect(cache?.["found"]).toBe(108);
    expect(cache?.["hitsExact"]).toBe(true);
    expect(cache?.["hitBytes"]).toBe(0);
    expect(cache?.["misses"]).toBe(8);
    expect(cache?.["evictions"]).toBe(8);
    console.log(`key cache on XS: hit ${Number(cache?.["hitComputrons"])} computrons, 0 B; miss with eviction ${Number(cache?.["missComputrons"])} computrons, ${Number(cache?.["missBytes"])} B`);
  });

  it("meets the boot goal of 2 M computrons at both sizes", () => {
    expect(Number(boot(33)["computrons"])).toBeLessThanOrEqual(2_000_000);
    expect(Number(boot(256)["computrons"])).toBeLessThanOrEqual(2_000_000);
  });

  it("deriving every sender's key up front would cost more than the whole boot already at 33 boards", () => {
    const upFront = run.records.find((r) => r.kind === "allUpFront");
    expect(upFront?.["made"]).toBe(33);
    const perKey = Number(upFront?.["computrons"]) / 33;
    console.log(`one sender key (two HKDF-SHA-256 calls) on XS: ${Math.round(perKey)} computrons, ${Number(upFront?.["bytes"]) / 33} B`);
    expect(Number(upFront?.["computrons"])).toBeGreaterThan(Number(boot(33)["computrons"]));
  });
});
