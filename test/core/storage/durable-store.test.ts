/**
 * DurableStore API: KV and consensus-log operations, their error codes, and
 * that acknowledged state survives a remount (durable-store.ts contract).
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { DurableStore, type StoreConfig } from "../../../core/storage/durable-store";
import { LOG_INDEX_MAX } from "../../../core/storage/consensus-log";
import type { SimFlash } from "../../../hal/sim/flash";
import { fillPattern, mountAfterPowerUp, simDevice, SMALL_CONFIG, SMALL_GEOMETRY } from "./fixtures";
import type { LogIndex, Term } from "../../../core/runtime/ids";

function fresh(config: StoreConfig = SMALL_CONFIG): { device: SimFlash; store: DurableStore } {
  const device = simDevice(SMALL_GEOMETRY);
  return { device, store: mountAfterPowerUp(device, config) };
}

function pattern(length: number, tag: number): Uint8Array {
  const out = new Uint8Array(length);
  fillPattern(out, 0, length, tag);
  return out;
}

function readKv(store: DurableStore, key: number): number[] | number {
  const out = new Uint8Array(SMALL_CONFIG.kvValueMaxBytes);
  const length = store.get(key, out, 0);
  return length < 0 ? length : [...out.subarray(0, length)];
}

function readEntry(store: DurableStore, index: number): number[] | number {
  const out = new Uint8Array(SMALL_CONFIG.recordPayloadMaxBytes);
  const length = store.readEntry(index as LogIndex, out, 0);
  return length < 0 ? length : [...out.subarray(0, length)];
}

describe("mount", () => {
  it("formats a blank partition as an empty store (not foreign)", () => {
    const { store } = fresh();
    expect(store.report.formatted).toBe(true);
    expect(store.report.foreign).toBe(false);
    expect(store.firstIndex).toBe(1);
    expect(store.lastIndex).toBe(0);
    expect(store.lastTerm).toBe(0);
    expect(store.has(0)).toBe(false);
  });

  it("rejects a bad config with InvalidArgument", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const bad: StoreConfig[] = [
      { ...SMALL_CONFIG, kvKeyCount: 0 },
      { ...SMALL_CONFIG, kvKeyCount: 257 },
      { ...SMALL_CONFIG, kvValueMaxBytes: 33 },
      { ...SMALL_CONFIG, logCapacityEntries: 0 },
      { ...SMALL_CONFIG, recordPayloadMaxBytes: 0 },
    ];
    for (const config of bad) {
      const mounted = DurableStore.mount(device, config);
      expect(mounted.ok ? 0 : mounted.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("rejects a partition too small or misshaped for the config with BadGeometry", () => {
    const tooFew = simDevice({ blockSizeBytes: 512, blockCount: 6 });
    const mounted = DurableStore.mount(tooFew, SMALL_CONFIG);
    expect(mounted.ok ? 0 : mounted.code).toBe(ErrorCode.BadGeometry);
    const bigRecords = DurableStore.mount(simDevice(SMALL_GEOMETRY), { ...SMALL_CONFIG, recordPayloadMaxBytes: 300 });
    expect(bigRecords.ok ? 0 : bigRecords.code).toBe(ErrorCode.BadGeometry);
    const untouched = simDevice(SMALL_GEOMETRY);
    const hugeKv = DurableStore.mount(untouched, { ...SMALL_CONFIG, kvKeyCount: 200 });
    expect(hugeKv.ok ? 0 : hugeKv.code).toBe(ErrorCode.BadGeometry);
    expect(untouched.steps).toBe(0); // refused before writing anything
  });
});

describe("key-value store", () => {
  it("put then get returns the value; a remount returns the last acknowledged value", () => {
    const { device, store } = fresh();
    expect(store.put(3, pattern(5, 1), 0, 5)).toBe(ErrorCode.Ok);
    expect(store.put(3, pattern(9, 2), 0, 9)).toBe(ErrorCode.Ok);
    expect(store.put(4, pattern(0, 3), 0, 0)).toBe(ErrorCode.Ok);
    expect(readKv(store, 3)).toEqual([...pattern(9, 2)]);
    const again = mountAfterPowerUp(device);
    expect(again.report.formatted).toBe(false);
    expect(readKv(again, 3)).toEqual([...pattern(9, 2)]);
    expect(readKv(again, 4)).toEqual([]);
  });

  it("remove deletes durably; removing an absent key is Ok", () => {
    const { device, store } = fresh();
    store.put(1, pattern(4, 1), 0, 4);
    expect(store.remove(1)).toBe(ErrorCode.Ok);
    expect(store.remove(1)).toBe(ErrorCode.Ok);
    expect(readKv(store, 1)).toBe(-ErrorCode.NotFound);
    expect(readKv(mountAfterPowerUp(device), 1)).toBe(-ErrorCode.NotFound);
  });

  it("refuses bad keys (OutOfRange), oversize values and bad ranges (TooLarge); nothing changes", () => {
    const { store } = fresh();
    store.put(0, pattern(4, 1), 0, 4);
    const value = new Uint8Array(40);
    expect(store.put(8, value, 0, 4)).toBe(ErrorCode.OutOfRange);
    expect(store.put(-1, value, 0, 4)).toBe(ErrorCode.OutOfRange);
    expect(store.put(0, value, 0, 17)).toBe(ErrorCode.TooLarge);
    expect(store.put(0, value, 38, 4)).toBe(ErrorCode.TooLarge);
    expect(store.get(9, value, 0)).toBe(-ErrorCode.OutOfRange);
    expect(store.get(0, value, 38)).toBe(-ErrorCode.TooLarge);
    expect(store.remove(8)).toBe(ErrorCode.OutOfRange);
    expect(readKv(store, 0)).toEqual([...pattern(4, 1)]);
    expect(store.operationsAcknowledged).toBe(1);
  });
});

describe("consensus log", () => {
  it("appends contiguous entries, reads them back with terms, and keeps them across a remount", () => {
    const { device, store } = fresh();
    for (let i = 1; i <= 10; i++) expect(store.append(i as LogIndex, (1 + (i >> 2)) as Term, pattern(i, i), 0, i)).toBe(ErrorCode.Ok);
    expect(store.lastIndex).toBe(10);
    expect(store.lastTerm).toBe(3);
    expect(store.termAt(4 as LogIndex)).toBe(2);
    expect(store.termAt(0 as LogIndex)).toBe(0);
    const again = mountAfterPowerUp(device);
    for (let i = 1; i <= 10; i++) expect(readEntry(again, i)).toEqual([...pattern(i, i)]);
  });

  it("refuses a non-contiguous append with LogGap and reads outside the log with NotFound/LogCompacted", () => {
    const { store } = fresh();
    store.append(1 as LogIndex, 1 as Term, pattern(3, 1), 0, 3);
    expect(store.append(3 as LogIndex, 1 as Term, pattern(3, 3), 0, 3)).toBe(ErrorCode.LogGap);
    expect(store.append(1 as LogIndex, 1 as Term, pattern(3, 1), 0, 3)).toBe(ErrorCode.LogGap);
    expect(store.append(2 as LogIndex, 1.5 as Term, pattern(3, 1), 0, 3)).toBe(ErrorCode.InvalidArgument);
    expect(store.append(2 as LogIndex, 1 as Term, new Uint8Array(40), 0, 33)).toBe(ErrorCode.TooLarge);
    expect(readEntry(store, 2)).toBe(-ErrorCode.NotFound);
    store.compactThrough(1 as LogIndex, 1 as Term);
    expect(readEntry(store, 1)).toBe(-ErrorCode.LogCompacted);
    expect(store.termAt(0 as LogIndex)).toBe(-ErrorCode.LogCompacted);
    expect(store.termAt(1 as LogIndex)).toBe(1);
  });

  it("truncateFrom removes the entry and everything after it (Raft §5.3), durably", () => {
    const { device, store } = fresh();
    for (let i = 1; i <= 6; i++) store.append(i as LogIndex, 1 as Term, pattern(4, i), 0, 4);
    expect(store.truncateFrom(4 as LogIndex)).toBe(ErrorCode.Ok);
    expect(store.lastIndex).toBe(3);
    expect(store.append(4 as LogIndex, 2 as Term, pattern(4, 40), 0, 4)).toBe(ErrorCode.Ok);
    const again = mountAfterPowerUp(device);
    expect(again.lastIndex).toBe(4);
    expect(again.termAt(4 as LogIndex)).toBe(2);
    expect(readEntry(again, 4)).toEqual([...pattern(4, 40)]);
    expect(again.truncateFrom(6 as LogIndex)).toBe(ErrorCode.LogGap);
    expect(again.truncateFrom(5 as LogIndex)).toBe(ErrorCode.Ok); // nothing to remove
  });

  it("compactThrough discards the prefix and keeps the snapshot index and term (Raft §7), durably", () => {
    const { device, store } = fresh();
    for (let i = 1; i <= 6; i++) store.append(i as LogIndex, i as Term, pattern(4, i), 0, 4);
    expect(store.compactThrough(3 as LogIndex, 2 as Term)).toBe(ErrorCode.InvalidArgument); // wrong term for index 3
    expect(store.compactThrough(3 as LogIndex, 3 as Term)).toBe(ErrorCode.Ok);
    expect(store.firstIndex).toBe(4);
    expect(store.termAt(3 as LogIndex)).toBe(3);
    expect(store.truncateFrom(2 as LogIndex)).toBe(ErrorCode.LogCompacted);
    expect(store.compactThrough(1 as LogIndex, 1 as Term)).toBe(ErrorCode.LogCompacted);
    const again = mountAfterPowerUp(device);
    expect([again.firstIndex, again.lastIndex, again.termAt(3 as LogIndex)]).toEqual([4, 6, 3]);
  });

  it("compactThrough past the last entry empties the log at the snapshot point (InstallSnapshot)", () => {
    const { device, store } = fresh();
    store.append(1 as LogIndex, 1 as Term, pattern(4, 1), 0, 4);
    expect(store.compactThrough(100 as LogIndex, 7 as Term)).toBe(ErrorCode.Ok);
    expect([store.firstIndex, store.lastIndex, store.lastTerm]).toEqual([101, 100, 7]);
    expect(store.append(101 as LogIndex, 7 as Term, pattern(2, 1), 0, 2)).toBe(ErrorCode.Ok);
    const again = mountAfterPowerUp(device);
    expect([again.firstIndex, again.lastIndex, again.termAt(100 as LogIndex)]).toEqual([101, 101, 7]);
  });

  it("refuses more than logCapacityEntries retained entries with Full", () => {
    const { store } = fresh({ ...SMALL_CONFIG, logCapacityEntries: 4 });
    for (let i = 1; i <= 4; i++) expect(store.append(i as LogIndex, 1 as Term, pattern(2, i), 0, 2)).toBe(ErrorCode.Ok);
    expect(store.append(5 as LogIndex, 1 as Term, pattern(2, 5), 0, 2)).toBe(ErrorCode.Full);
    store.compactThrough(2 as LogIndex, 1 as Term);
    expect(store.append(5 as LogIndex, 1 as Term, pattern(2, 5), 0, 2)).toBe(ErrorCode.Ok);
  });

  it("accepts indices up to LOG_INDEX_MAX and no further", () => {
    const { store } = fresh();
    expect(store.compactThrough((LOG_INDEX_MAX - 1) as LogIndex, 9 as Term)).toBe(ErrorCode.Ok);
    expect(store.append(LOG_INDEX_MAX as LogIndex, 9 as Term, pattern(1, 1), 0, 1)).toBe(ErrorCode.Ok);
    expect(store.append((LOG_INDEX_MAX + 1) as LogIndex, 9 as Term, pattern(1, 1), 0, 1)).toBe(ErrorCode.InvalidArgument);
  });
});

describe("full device", () => {
  it("returns StorageFull, stores nothing more, loses nothing, and KV puts keep working", () => {
    const { device, store } = fresh({ ...SMALL_CONFIG, logCapacityEntries: 4096 });
    let index = 1;
    let status: number = ErrorCode.Ok;
    for (; index < 5000; index++) {
      status = store.append(index as LogIndex, 1 as Term, pattern(32, index), 0, 32);
      if (status !== ErrorCode.Ok) break;
    }
    expect(status).toBe(ErrorCode.StorageFull);
    const last = index - 1;
    expect(store.lastIndex).toBe(last);
    expect(store.fullRefusals).toBe(1);
    expect(store.append(index as LogIndex, 1 as Term, pattern(32, index), 0, 32)).toBe(ErrorCode.StorageFull);
    // The KV reserve: every key can still be written, repeatedly.
    for (let round = 0; round < 20; round++) {
      for (let key = 0; key < 8; key++) expect(store.put(key, pattern(16, round * 8 + key), 0, 16)).toBe(ErrorCode.Ok);
    }
    const again = mountAfterPowerUp(device, { ...SMALL_CONFIG, logCapacityEntries: 4096 });
    expect(again.lastIndex).toBe(last);
    for (let i = 1; i <= last; i++) expect(readEntry(again, i)).toEqual([...pattern(32, i)]);
    for (let key = 0; key < 8; key++) expect(readKv(again, key)).toEqual([...pattern(16, 19 * 8 + key)]);
    expect(again.checkInvariants()).toBe(ErrorCode.Ok);
    // Compacting the prefix makes room again.
    expect(again.compactThrough((last - 5) as LogIndex, 1 as Term)).toBe(ErrorCode.Ok);
    expect(again.append((last + 1) as LogIndex, 1 as Term, pattern(32, 1), 0, 32)).toBe(ErrorCode.Ok);
  });
});

describe("compaction", () => {
  it("compact() moves every live value into the newest blocks and frees the rest, losing nothing", () => {
    const { device, store } = fresh();
    for (let i = 1; i <= 40; i++) store.append(i as LogIndex, 1 as Term, pattern(20, i), 0, 20);
    for (let key = 0; key < 8; key++) store.put(key, pattern(16, key), 0, 16);
    store.compactThrough(30 as LogIndex, 1 as Term);
    const cleaned = store.compact();
    expect(cleaned).toBeGreaterThan(0);
    expect(store.compact()).toBeLessThanOrEqual(2); // only what the first compaction wrote before its head
    expect(store.checkInvariants()).toBe(ErrorCode.Ok);
    const again = mountAfterPowerUp(device);
    expect(again.report.segmentsReplayed).toBeLessThanOrEqual(2);
    for (let i = 31; i <= 40; i++) expect(readEntry(again, i)).toEqual([...pattern(20, i)]);
    for (let key = 0; key < 8; key++) expect(readKv(again, key)).toEqual([...pattern(16, key)]);
  });
});

describe("after a device failure", () => {
  it("answers NotMounted until mounted again", () => {
    const { device, store } = fresh();
    device.faults.configure({ seed: 1, powerLossAtStep: device.steps });
    expect(store.put(0, pattern(4, 1), 0, 4)).toBe(ErrorCode.DevicePowerLost);
    device.powerOn();
    expect(store.put(0, pattern(4, 1), 0, 4)).toBe(ErrorCode.NotMounted);
    expect(store.append(1 as LogIndex, 1 as Term, pattern(4, 1), 0, 4)).toBe(ErrorCode.NotMounted);
    expect(store.readEntry(1 as LogIndex, new Uint8Array(8), 0)).toBe(-ErrorCode.NotFound);
    expect(store.failure).toBe(ErrorCode.DevicePowerLost);
    const again = mountAfterPowerUp(device);
    expect(again.put(0, pattern(4, 1), 0, 4)).toBe(ErrorCode.Ok);
  });
});
