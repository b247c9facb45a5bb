/**
 * Bit flips are detected by CRC-32C in every case: no read ever returns
 * bytes that were not acknowledged (README "Durable state on flash").
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import { DurableStore } from "../../../core/storage/durable-store";
import { RECORD_CRC_BYTES, RECORD_HEADER_BYTES } from "../../../core/storage/layout";
import type { SimFlash } from "../../../hal/sim/flash";
import { fillPattern, mountAfterPowerUp, sameBytes, simDevice, SMALL_CONFIG, SMALL_GEOMETRY } from "./fixtures";
import type { LogIndex, Term } from "../../../core/runtime/ids";

interface Populated {
  device: SimFlash;
  store: DurableStore;
  entries: Map<number, Uint8Array>;
  history: Map<number, Uint8Array[]>;
}

function populate(seed: number): Populated {
  const device = simDevice(SMALL_GEOMETRY);
  const store = mountAfterPowerUp(device);
  const rng = new Xoshiro128(seed);
  const entries = new Map<number, Uint8Array>();
  const history = new Map<number, Uint8Array[]>();
  for (let i = 1; i <= 60; i++) {
    const data = new Uint8Array(1 + rng.nextBelow(32));
    fillPattern(data, 0, data.length, rng.nextU32());
    expect(store.append(i as LogIndex, 1 as Term, data, 0, data.length)).toBe(ErrorCode.Ok);
    entries.set(i, data);
    const key = rng.nextBelow(SMALL_CONFIG.kvKeyCount);
    const value = new Uint8Array(1 + rng.nextBelow(16));
    fillPattern(value, 0, value.length, rng.nextU32());
    expect(store.put(key, value, 0, value.length)).toBe(ErrorCode.Ok);
    history.set(key, [...(history.get(key) ?? []), value]);
  }
  return { device, store, entries, history };
}

/** Byte address of entry `index`'s record, found by scanning the image for a record whose CRC checks. */
function entryAddress(store: DurableStore, index: number, device: SimFlash): number {
  const out = new Uint8Array(64);
  expect(store.readEntry(index as LogIndex, out, 0)).toBeGreaterThanOrEqual(0);
  // The store does not expose addresses; the entry's record is the one whose index field matches.
  const total = device.blockSizeBytes * device.blockCount;
  for (let at = 2 * device.blockSizeBytes; at + RECORD_HEADER_BYTES < total; at += 4) {
    if (device.peek(at + 4) !== 3) continue; // RecordType.LogEntry
    const recordIndex = device.peek(at + 12) | (device.peek(at + 13) << 8);
    const length = device.peek(at) | (device.peek(at + 1) << 8);
    const check = device.peek(at + 2) | (device.peek(at + 3) << 8);
    if (recordIndex === index && (length ^ check) === 0xffff) return at;
  }
  throw new Error(`record of entry ${index} not found`);
}

describe("transient read flips", () => {
  it("with every read flipped (1-3 bits), every entry read is detected as Corrupt, none returns wrong bytes", () => {
    const { device, store, entries } = populate(1);
    device.faults.configure({ seed: 4, readFlipPermille: 1000, maxFlipsPerRead: 3 });
    const out = new Uint8Array(64);
    for (let round = 0; round < 20; round++) {
      for (const index of entries.keys()) expect(store.readEntry(index as LogIndex, out, 0)).toBe(-ErrorCode.Corrupt);
    }
    expect(device.faults.flippedReads).toBeGreaterThan(1000);
    expect(store.readCorrupt).toBe(20 * entries.size);
  });

  it("with 30 % of reads flipped, every read returns the exact entry (re-read) or Corrupt, never other bytes", () => {
    const { device, store, entries } = populate(2);
    device.faults.configure({ seed: 5, readFlipPermille: 300, maxFlipsPerRead: 3 });
    const out = new Uint8Array(64);
    let exact = 0;
    for (let round = 0; round < 50; round++) {
      for (const [index, data] of entries) {
        const length = store.readEntry(index as LogIndex, out, 0);
        if (length === -ErrorCode.Corrupt) continue;
        expect(length).toBe(data.length);
        expect(sameBytes(out, 0, data, 0, length)).toBe(true);
        exact++;
      }
    }
    expect(exact).toBeGreaterThan(2900);
    expect(store.readRetries).toBeGreaterThan(500);
  });

  it("mounting with 30 % of reads flipped replays exactly the acknowledged state", () => {
    const { device, entries, history } = populate(3);
    device.faults.configure({ seed: 6, readFlipPermille: 300, maxFlipsPerRead: 3 });
    const store = mountAfterPowerUp(device);
    const out = new Uint8Array(64);
    for (const [index, data] of entries) {
      expect(store.readEntry(index as LogIndex, out, 0)).toBe(data.length);
      expect(sameBytes(out, 0, data, 0, data.length)).toBe(true);
    }
    for (const [key, versions] of history) {
      const latest = versions.at(-1) ?? new Uint8Array(0);
      expect(store.get(key, out, 0)).toBe(latest.length);
      expect(sameBytes(out, 0, latest, 0, latest.length)).toBe(true);
    }
  });
});

describe("stored bit flips (retention errors)", () => {
  it("1 to 3 flipped bits anywhere in an entry's record: reads answer Corrupt, a remount never returns other bytes", () => {
    const rng = new Xoshiro128(77);
    let detectedOnRead = 0;
    for (let trial = 0; trial < 300; trial++) {
      const { device, store, entries, history } = populate(100 + trial);
      const index = 1 + rng.nextBelow(60);
      const data = entries.get(index) ?? new Uint8Array(0);
      const at = entryAddress(store, index, device);
      const span = RECORD_HEADER_BYTES + data.length + RECORD_CRC_BYTES;
      const flips = 1 + rng.nextBelow(3);
      const flipped = new Set<number>();
      for (let f = 0; f < flips; f++) {
        let bit = rng.nextBelow(span * 8);
        while (flipped.has(bit)) bit = (bit + 1) % (span * 8);
        flipped.add(bit);
        const address = at + (bit >>> 3);
        device.flipStoredBit(Math.floor(address / device.blockSizeBytes), address % device.blockSizeBytes, bit & 7);
      }
      const out = new Uint8Array(64);
      expect(store.readEntry(index as LogIndex, out, 0)).toBe(-ErrorCode.Corrupt);
      detectedOnRead++;
      // After a remount: corruption counted, and only acknowledged bytes come back.
      const mounted = DurableStore.mount(device, SMALL_CONFIG);
      expect(mounted.ok).toBe(true);
      if (!mounted.ok) continue;
      const again = mounted.value;
      expect(again.report.corruptionCount).toBeGreaterThan(0);
      expect(again.lastIndex).toBeLessThan(index);
      for (let i = again.firstIndex; i <= again.lastIndex; i++) {
        const expected = entries.get(i) ?? new Uint8Array(0);
        expect(again.readEntry(i, out, 0)).toBe(expected.length);
        expect(sameBytes(out, 0, expected, 0, expected.length)).toBe(true);
      }
      for (let key = 0; key < SMALL_CONFIG.kvKeyCount; key++) {
        const length = again.get(key, out, 0);
        if (length === -ErrorCode.NotFound) continue;
        const versions = history.get(key) ?? [];
        expect(versions.some((v) => v.length === length && sameBytes(out, 0, v, 0, length))).toBe(true);
      }
    }
    expect(detectedOnRead).toBe(300);
  });
});
