/**
 * Boot does not grow with the site (agent/radio-mesh.ts, agent/link-keyring.ts):
 * on the real XS engine, a board's mesh boot as a member of a 120-board site
 * costs within a fixed bound of the same boot in a 33-board site; its link
 * secrets stay in its record, so it derives no key. The absolute figures (computrons, bytes) are printed for
 * the README and the bench; the test asserts ratios and the 2 M computron
 * goal, never time.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { XsRecord, XsRunResult } from "../../tools/xs/run-xs";
import { runXsEntry } from "../../tools/xs/build-entry";
import { SITE_SIZE_MAX } from "../../agent/config";

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
  it("measures the largest site the configuration takes", () => expect(SITE_SIZE_MAX).toBe(120));

  it("boots as a member of a 33- and a 120-board site", () => {
    for (const boards of [33, 120]) {
      const b = boot(boards);
      expect(b["error"], String(boards)).toBeUndefined();
      expect(b["booted"]).toBe(true);
      expect(b["exact"]).toBe(true);
    }
    const small = boot(33);
    const large = boot(120);
    console.log(
      `mesh boot on XS: 33 boards ${Number(small["computrons"])} computrons, ${Number(small["bytes"])} B; 120 boards ${Number(large["computrons"])} computrons, ${Number(large["bytes"])} B`,
    );
  });

  it("120 boards cost at most 10 % more computrons than 33 (was 7.8x: one derivation per member)", () => {
    const small = Number(boot(33)["computrons"]);
    const large = Number(boot(120)["computrons"]);
    expect(large / small).toBeLessThanOrEqual(1.1);
  });

  it("boot memory grows only by the per-sender replay windows and receive ceilings (under 96 B a member; the key table was ~165 B)", () => {
    const perMember = (Number(boot(120)["bytes"]) - Number(boot(33)["bytes"])) / (120 - 33);
    console.log(`mesh boot bytes per extra site member on XS: ${perMember.toFixed(1)} B`);
    expect(perMember).toBeGreaterThan(0); // the replay windows and receive ceilings are per sender, by design
    expect(perMember).toBeLessThanOrEqual(96);
  });

  it("meets the boot goal of 2 M computrons at both sizes", () => {
    expect(Number(boot(33)["computrons"])).toBeLessThanOrEqual(2_000_000);
    expect(Number(boot(120)["computrons"])).toBeLessThanOrEqual(2_000_000);
  });
});
