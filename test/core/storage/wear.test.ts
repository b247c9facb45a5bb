/**
 * Wear (README "Durable state on flash": wear): rotation spreads erases over every block, erase
 * counts are reported per block and persist across reboots, worn blocks are
 * retired; plus the write-amplification and erase-rate figures the bench reports.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { mountAfterPowerUp, simDevice, SMALL_CONFIG, SMALL_GEOMETRY, fillPattern } from "./fixtures";
import { measureAppendWear, WEAR_BENCH_APPENDS } from "./wear";
import type { LogIndex, Term } from "../../../core/runtime/ids";

describe("wear levelling", () => {
  it("reports each data block's erases exactly (and superblock blocks as a lower bound), across remounts", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const data = new Uint8Array(24);
    let store = mountAfterPowerUp(device);
    for (let i = 1; i <= 3000; i++) {
      fillPattern(data, 0, 24, i);
      expect(store.append(i as LogIndex, 1 as Term, data, 0, 24)).toBe(ErrorCode.Ok);
      if (i % 16 === 0) expect(store.compactThrough((i - 8) as LogIndex, 1 as Term)).toBe(ErrorCode.Ok);
      if (i % 500 === 0) store = mountAfterPowerUp(device);
    }
    for (let block = 0; block < SMALL_GEOMETRY.blockCount; block++) {
      const truth = device.eraseCountOf(block);
      if (block >= 2) expect(store.eraseCount(block)).toBe(truth);
      else expect(store.eraseCount(block)).toBeLessThanOrEqual(truth);
      if (block < 2) expect(store.eraseCount(block)).toBeGreaterThanOrEqual(truth - 1);
    }
  });

  it("rotation spreads erases evenly: data blocks differ by at most 2 erases after 20,000 appends", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const store = mountAfterPowerUp(device);
    const data = new Uint8Array(24);
    for (let i = 1; i <= 20_000; i++) {
      expect(store.append(i as LogIndex, 1 as Term, data, 0, 24)).toBe(ErrorCode.Ok);
      if (i % 16 === 0) expect(store.compactThrough((i - 8) as LogIndex, 1 as Term)).toBe(ErrorCode.Ok);
      if (i % 97 === 0) expect(store.put(i % 7, data, 0, 16)).toBe(ErrorCode.Ok); // long-lived KV values move too
    }
    const counts = Array.from({ length: SMALL_GEOMETRY.blockCount - 2 }, (_, i) => store.eraseCount(i + 2));
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(2);
    expect(Math.min(...counts)).toBeGreaterThan(100);
    // The superblock pair is erased far less often than data blocks.
    expect(Math.max(store.eraseCount(0), store.eraseCount(1))).toBeLessThan(Math.min(...counts));
  });

  it("retires a worn-out block (EraseFailed) and keeps every acknowledged record", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const store = mountAfterPowerUp(device, { ...SMALL_CONFIG, logCapacityEntries: 16 });
    device.wearOut(5);
    device.wearOut(9);
    const data = new Uint8Array(20);
    for (let i = 1; i <= 2000; i++) {
      fillPattern(data, 0, 20, i);
      expect(store.append(i as LogIndex, 1 as Term, data, 0, 20)).toBe(ErrorCode.Ok);
      if (i % 8 === 0 && i > 8) expect(store.compactThrough((i - 8) as LogIndex, 1 as Term)).toBe(ErrorCode.Ok);
    }
    expect(store.badBlocks).toBe(2);
    expect(device.failedErases).toBeGreaterThanOrEqual(2);
    const again = mountAfterPowerUp(device, { ...SMALL_CONFIG, logCapacityEntries: 16 });
    const out = new Uint8Array(32);
    for (let i = again.firstIndex; i <= again.lastIndex; i++) {
      fillPattern(data, 0, 20, i);
      expect(again.readEntry(i, out, 0)).toBe(20);
      expect([...out.subarray(0, 20)]).toEqual([...data]);
    }
    expect(again.lastIndex).toBe(2000);
  });
});

describe("write amplification and erase rate (the bench figures)", () => {
  it("64-byte appends on 4 KiB blocks: about 1.4 bytes written per payload byte and 22 erases per 1,000 appends", () => {
    const wear = measureAppendWear();
    expect(wear.appends).toBe(WEAR_BENCH_APPENDS);
    expect(wear.writeAmplification).toBeGreaterThan(1.3);
    expect(wear.writeAmplification).toBeLessThan(1.5);
    expect(wear.erasesPer1000Appends).toBeGreaterThan(15);
    expect(wear.erasesPer1000Appends).toBeLessThan(30);
  });
});
