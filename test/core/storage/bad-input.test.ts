/**
 * Bad input to storage (README "Durable state on flash"): a corrupted, truncated or foreign partition mounts as
 * "empty with corruption counted" or as its last valid state, never as
 * garbage and never with a throw.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import { DurableStore } from "../../../core/storage/durable-store";
import type { SimFlash } from "../../../hal/sim/flash";
import { fillPattern, mountAfterPowerUp, simDevice, SMALL_CONFIG, SMALL_GEOMETRY } from "./fixtures";
import type { LogIndex, Term } from "../../../core/runtime/ids";

const BLOCK = SMALL_GEOMETRY.blockSizeBytes;
const PARTITION_BYTES = BLOCK * SMALL_GEOMETRY.blockCount;

function pattern(length: number, tag: number): Uint8Array {
  const out = new Uint8Array(length);
  fillPattern(out, 0, length, tag);
  return out;
}

/** A store with a history: many puts per key, a long log, compactions; returns every acknowledged version. */
function populated(): { device: SimFlash; history: Map<number, number[][]>; entries: Map<number, number[]> } {
  const device = simDevice(SMALL_GEOMETRY);
  const store = mountAfterPowerUp(device);
  const history = new Map<number, number[][]>();
  const entries = new Map<number, number[]>();
  for (let i = 1; i <= 400; i++) {
    const data = pattern(1 + (i % 30), i);
    expect(store.append(i as LogIndex, (1 + (i >> 6)) as Term, data, 0, data.length)).toBe(ErrorCode.Ok);
    entries.set(i, [...data]);
    if (i % 3 === 0) {
      const key = i % 7;
      const value = pattern(1 + (i % 16), 1000 + i);
      expect(store.put(key, value, 0, value.length)).toBe(ErrorCode.Ok);
      history.set(key, [...(history.get(key) ?? []), [...value]]);
    }
    if (i % 25 === 0) expect(store.compactThrough((i - 20) as LogIndex, (store.termAt((i - 20) as LogIndex)) as Term)).toBe(ErrorCode.Ok);
  }
  return { device, history, entries };
}

function image(device: SimFlash): Uint8Array {
  const out = new Uint8Array(PARTITION_BYTES);
  expect(device.copyTo(out)).toBe(ErrorCode.Ok);
  return out;
}

/** Every value readable is one that was acknowledged at some point; entries are exact and contiguous. */
function expectOnlyAcknowledgedData(store: DurableStore, history: Map<number, number[][]>, entries: Map<number, number[]>): void {
  const out = new Uint8Array(64);
  for (let key = 0; key < SMALL_CONFIG.kvKeyCount; key++) {
    const length = store.get(key, out, 0);
    if (length === -ErrorCode.NotFound) continue;
    expect(length).toBeGreaterThanOrEqual(0);
    expect(history.get(key) ?? []).toContainEqual([...out.subarray(0, length)]);
  }
  for (let index = store.firstIndex; index <= store.lastIndex; index++) {
    const length = store.readEntry(index, out, 0);
    if (length === -ErrorCode.Corrupt) continue;
    expect([...out.subarray(0, length)]).toEqual(entries.get(index));
  }
  expect(store.checkInvariants()).toBe(ErrorCode.Ok);
}

describe("foreign partitions", () => {
  it("random bytes mount as an empty store, formatted, with the partition reported foreign", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const rng = new Xoshiro128(42);
    const junk = Uint8Array.from({ length: PARTITION_BYTES }, () => rng.nextU32() & 0xff);
    device.load(junk);
    const store = mountAfterPowerUp(device);
    expect(store.report.formatted).toBe(true);
    expect(store.report.foreign).toBe(true);
    expect(store.report.foreignBlocks).toBeGreaterThan(0);
    expect([store.firstIndex, store.lastIndex, store.has(0)]).toEqual([1, 0, false]);
    // Fully usable afterwards, and stays so across a remount.
    for (let i = 1; i <= 60; i++) expect(store.append(i as LogIndex, 1 as Term, pattern(20, i), 0, 20)).toBe(ErrorCode.Ok);
    const again = mountAfterPowerUp(device);
    expect(again.report.formatted).toBe(false);
    expect(again.lastIndex).toBe(60);
  });

  it("an all-zero partition mounts as an empty store, reported foreign", () => {
    const device = simDevice(SMALL_GEOMETRY);
    device.load(new Uint8Array(PARTITION_BYTES));
    const store = mountAfterPowerUp(device);
    expect(store.report.formatted && store.report.foreign).toBe(true);
    expect(store.lastIndex).toBe(0);
  });

  it("a store written with another block size (partition reshaped) is foreign: empty, counted", () => {
    const { device } = populated();
    const reshaped = simDevice({ blockSizeBytes: 1024, blockCount: 8, programAlignBytes: 4 });
    reshaped.load(image(device));
    const store = mountAfterPowerUp(reshaped);
    expect(store.report.formatted && store.report.foreign).toBe(true);
    expect(store.lastIndex).toBe(0);
    // The old volume's segments are never taken for the new volume's, even after a remount.
    store.append(1 as LogIndex, 1 as Term, pattern(4, 1), 0, 4);
    const again = mountAfterPowerUp(reshaped);
    expect([again.firstIndex, again.lastIndex]).toEqual([1, 1]);
  });
});

describe("damaged superblocks", () => {
  it("both superblock blocks destroyed: empty store, formatted, corruption counted (old data never misread)", () => {
    const { device } = populated();
    const damaged = image(device);
    damaged.fill(0x5a, 0, 2 * BLOCK);
    device.load(damaged);
    const store = mountAfterPowerUp(device);
    expect(store.report.formatted && store.report.foreign).toBe(true);
    expect([store.firstIndex, store.lastIndex, store.has(1)]).toEqual([1, 0, false]);
  });

  it("the block holding the newest superblock destroyed: the last valid state mounts, nothing resurrected", () => {
    const { device, history, entries } = populated();
    const before = mountAfterPowerUp(device);
    const expected = { first: before.firstIndex, last: before.lastIndex };
    // Find the block with the newest record: damaging it must fall back to the other copy.
    for (const victim of [0, 1]) {
      const damaged = image(device);
      damaged.fill(0x00, victim * BLOCK, (victim + 1) * BLOCK);
      const copy = simDevice(SMALL_GEOMETRY);
      copy.load(damaged);
      const store = mountAfterPowerUp(copy);
      expect(store.report.formatted).toBe(false);
      expect([store.firstIndex, store.lastIndex]).toEqual([expected.first, expected.last]);
      expectOnlyAcknowledgedData(store, history, entries);
      for (let key = 0; key < 7; key++) {
        const out = new Uint8Array(16);
        const length = store.get(key, out, 0);
        expect([...out.subarray(0, length)]).toEqual(history.get(key)?.at(-1));
      }
    }
  });
});

describe("truncated and corrupted data", () => {
  it("data blocks erased (a truncated partition): the remaining valid state mounts, losses counted", () => {
    const { device, history, entries } = populated();
    const damaged = image(device);
    damaged.fill(0xff, PARTITION_BYTES - 4 * BLOCK);
    device.load(damaged);
    const store = mountAfterPowerUp(device);
    expect(store.report.formatted).toBe(false);
    expect(store.report.corruptionCount).toBeGreaterThan(0);
    expectOnlyAcknowledgedData(store, history, entries);
  });

  it("random garbage over any one data block: mounts, every value read is an acknowledged one", () => {
    const { device, history, entries } = populated();
    const clean = image(device);
    const rng = new Xoshiro128(9);
    for (let block = 2; block < SMALL_GEOMETRY.blockCount; block++) {
      const damaged = clean.slice();
      for (let i = 0; i < BLOCK; i++) damaged[block * BLOCK + i] = rng.nextU32() & 0xff;
      const copy = simDevice(SMALL_GEOMETRY);
      copy.load(damaged);
      const mounted = DurableStore.mount(copy, SMALL_CONFIG);
      expect(mounted.ok).toBe(true);
      if (mounted.ok) expectOnlyAcknowledgedData(mounted.value, history, entries);
    }
  });

  it("a record whose payload was damaged (header intact) is skipped and counted, not returned", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const store = mountAfterPowerUp(device);
    store.append(1 as LogIndex, 1 as Term, pattern(30, 1), 0, 30);
    store.append(2 as LogIndex, 1 as Term, pattern(30, 2), 0, 30);
    // First data block, after the 24-byte segment header: records of 20 + 30 + 4 -> 56 bytes.
    const damaged = image(device);
    const secondPayload = 2 * BLOCK + 24 + 56 + 20;
    damaged[secondPayload] = (damaged[secondPayload] ?? 0) ^ 0x10;
    device.load(damaged);
    const again = mountAfterPowerUp(device);
    expect(again.report.crcFailures).toBe(1);
    expect(again.lastIndex).toBe(1);
  });
});
