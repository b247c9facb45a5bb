/**
 * The send counter never resumes at a value it already issued, whatever
 * happened to its flash (README "Link security"): every single-bit flip of
 * its newest records, every torn write of its last reservation, power loss
 * at every flash step (test/core/storage/crash-consistency.test.ts, whose
 * workload reopens the counter after every crash), and random damage. In
 * each case the board either resumes strictly above every value it issued
 * or refuses to issue any. `npm run fuzz` runs 200,000 random images.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { CounterReservation } from "../../../core/storage/counter-reservation";
import { ESP32_GEOMETRY, mountAfterPowerUp, simDevice, SMALL_GEOMETRY } from "./fixtures";
import { buildCounterScenario, corruptRandomly, flipEveryBit, judge, PROOF_CONFIG, PROOF_KEY, PROOF_MIRROR, tearEveryWrite, Verdict } from "./counter-proof";

const small = buildCounterScenario(SMALL_GEOMETRY, 7, 30);
const esp32 = buildCounterScenario(ESP32_GEOMETRY, 11, 40);

describe("send counter against a damaged store", () => {
  it("the scenario's last reservation wrote the ceiling and its mirror, and values were issued under it", () => {
    for (const s of [small, esp32]) {
      expect(s.region.length).toBeGreaterThan(0);
      const bytes = s.region.reduce((sum, [a, b]) => sum + (b - a), 0);
      expect(bytes).toBeGreaterThanOrEqual(2 * 28); // two records: 16-byte header, 8-byte ceiling, 4-byte CRC
      expect(s.highestAfter).toBeGreaterThan(s.highestBefore);
      // Undamaged, the image resumes above everything issued: the judge can say "resumed".
      expect(judge(simDevice(s.geometry), s.after, s.highestAfter)).toBe(Verdict.Resumed);
      // ... and can say "rolled back": the image before the last reservation is below the values issued after it.
      expect(judge(simDevice(s.geometry), s.before, s.highestAfter)).toBe(Verdict.RolledBack);
    }
  });

  it("every single-bit flip in the newest ceiling records: the board resumes above every value issued (none refused)", () => {
    for (const s of [small, esp32]) {
      const t = flipEveryBit(s);
      console.info(`counter bit flips (${s.geometry.blockSizeBytes} B blocks): ${t.cases} cases, ${t.resumed} resumed, ${t.refused} refused, ${t.rolledBack} rolled back`);
      expect(t.examples).toEqual([]);
      expect(t.cases).toBeGreaterThanOrEqual(8 * 56);
      expect(t.resumed).toBe(t.cases);
    }
  });

  it("every torn write of the last reservation (each byte, three partial-byte masks): resumes above every value issued", () => {
    for (const s of [small, esp32]) {
      const t = tearEveryWrite(s);
      console.info(`counter torn writes (${s.geometry.blockSizeBytes} B blocks): ${t.cases} cases, ${t.resumed} resumed, ${t.refused} refused`);
      expect(t.examples).toEqual([]);
      expect(t.cases).toBeGreaterThanOrEqual(3 * 56);
      expect(t.resumed).toBe(t.cases);
    }
  });

  it("4,000 randomly damaged images (one damage event each): never a silent resume at a used value outside the stated residual", () => {
    let rolledBack = 0;
    let tailErased = 0;
    let tailErasedRolledBack = 0;
    let refused = 0;
    let cases = 0;
    for (const [s, seed] of [[small, 1], [esp32, 2]] as const) {
      const t = corruptRandomly(s, seed, 2000);
      expect(t.examples).toEqual([]);
      rolledBack += t.rolledBack;
      tailErased += t.tailErased;
      tailErasedRolledBack += t.tailErasedRolledBack;
      refused += t.refused;
      cases += t.cases;
    }
    console.info(`counter random damage (one event per image): ${cases} images, ${refused} refused, ${rolledBack} rolled back; a run of damaged bytes over the newest record (what a torn write leaves): ${tailErased} images, ${tailErasedRolledBack} of them rolled back (the documented residual)`);
    expect(cases).toBe(4000);
    expect(rolledBack).toBe(0);
    // Both outcomes occur: damage that hides what cannot be proven is refused, and most damage elsewhere is survived.
    expect(refused).toBeGreaterThan(100);
    expect(cases - refused).toBeGreaterThan(1000);
    // The residual is real (README "Link security" says so): erasure over the newest record can look like a torn write.
    expect(tailErasedRolledBack).toBeGreaterThan(0);
  });

  it("a refusal is CounterUnprovable, and the store it came from can be frozen so later mounts still refuse", () => {
    const s = small;
    const device = simDevice(s.geometry);
    const image = new Uint8Array(s.after);
    // Two unreadable records after both copies: a random byte in each copy's header length (resynchronised, so both are counted).
    const [start] = s.region[0] ?? [0, 0];
    image[start + 1] = 0x5a;
    image[start + 33] = 0x5a;
    device.load(image);
    const store = mountAfterPowerUp(device, PROOF_CONFIG);
    const opened = CounterReservation.open(store, { key: PROOF_KEY, mirrorKey: PROOF_MIRROR, stepK: 16, aheadValues: 4 });
    expect(opened.ok ? ErrorCode.Ok : opened.code).toBe(ErrorCode.CounterUnprovable);
    store.freeze();
    expect(store.frozen).toBe(true);
    expect(store.put(0, new Uint8Array(12), 0, 12)).toBe(ErrorCode.StoreFrozen);
    const after = new Uint8Array(image.length);
    device.copyTo(after);
    // Frozen: nothing on flash changed after the mount (its own zero fill aside, none happened: more than one record hidden).
    expect(after).toEqual(image);
    const again = CounterReservation.open(mountAfterPowerUp(device, PROOF_CONFIG), { key: PROOF_KEY, mirrorKey: PROOF_MIRROR, stepK: 16, aheadValues: 4 });
    expect(again.ok ? ErrorCode.Ok : again.code).toBe(ErrorCode.CounterUnprovable);
  });
});
