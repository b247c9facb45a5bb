/**
 * The mirrored ring (core/storage/mirrored-ring.ts) that keeps a gateway's
 * delivered-alert identities across reboots: every entry whose append was
 * acknowledged is there after a reboot (power lost at any flash step), one
 * damaged copy is survived, two make `open` refuse; and the gateway role
 * built on it drops an alert delivered before a reboot (core/uplink/gateway.ts).
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import type { StoreConfig } from "../../../core/storage/durable-store";
import { MirroredRing, RING_ENTRY_BYTES } from "../../../core/storage/mirrored-ring";
import type { SimFlash } from "../../../hal/sim/flash";
import { FailingKv, MemoryKv, mountAfterPowerUp, simDevice } from "./fixtures";

const GEOMETRY = Object.freeze({ blockSizeBytes: 1024, blockCount: 12, programAlignBytes: 4 });
const CONFIG: StoreConfig = Object.freeze({ recordPayloadMaxBytes: 40, kvKeyCount: 6, kvValueMaxBytes: 40, kvValueBytes: Object.freeze([12, 40, 40, 40, 40, 8]), logCapacityEntries: 1 });
const FIRST = 1;
const PAIRS = 2; // 2 pairs of 40-byte keys: 4 entries a chunk, 8 in all

function entry(n: number): Uint8Array {
  const e = new Uint8Array(RING_ENTRY_BYTES);
  e[0] = (n & 0xff) | 1;
  e[4] = n & 0xff;
  e[5] = (n >>> 8) & 0xff;
  return e;
}

function open(device: SimFlash): MirroredRing {
  const store = mountAfterPowerUp(device, CONFIG);
  const opened = MirroredRing.open(store, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40) });
  if (!opened.ok) throw new Error(`open ${opened.code}`);
  return opened.value;
}

function held(ring: MirroredRing): Set<string> {
  const out = new Set<string>();
  ring.forEach((bytes, at) => out.add(Array.from(bytes.subarray(at, at + RING_ENTRY_BYTES)).join(",")));
  return out;
}

const key = (n: number): string => Array.from(entry(n)).join(",");

describe("mirrored ring", () => {
  it("holds the last `capacity` entries across a reboot, oldest overwritten first", () => {
    const device = simDevice(GEOMETRY);
    const ring = open(device);
    expect(ring.capacity).toBe(8);
    for (let n = 1; n <= 11; n++) expect(ring.append(entry(n), 0)).toBe(ErrorCode.Ok);
    const after = open(device);
    expect(after.appended).toBe(11);
    expect([...held(after)].sort()).toEqual([4, 5, 6, 7, 8, 9, 10, 11].map(key).sort());
    expect(after.append(new Uint8Array(RING_ENTRY_BYTES), 0)).toBe(ErrorCode.InvalidArgument);
  });

  it("power lost at every flash step: the last capacity - 1 acknowledged appends are held after the reboot", () => {
    let checked = 0;
    for (let at = 0; at < 200; at++) {
      const device = simDevice(GEOMETRY, { seed: 3, powerLossAtStep: at });
      const acked: number[] = [];
      let ring: MirroredRing | undefined;
      for (let attempt = 0; attempt < 5 && ring === undefined; attempt++) {
        device.powerOn();
        const store = mountAfterPowerUp(device, CONFIG);
        const opened = MirroredRing.open(store, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40) });
        if (opened.ok) ring = opened.value;
      }
      if (ring === undefined) throw new Error("no open");
      for (let n = 1; n <= 12 && device.powered; n++) if (ring.append(entry(n), 0) === ErrorCode.Ok) acked.push(n);
      device.powerOn();
      const after = open(device);
      const have = held(after);
      // An append that lost power may already have overwritten the oldest slot: the last capacity - 1 are guaranteed.
      for (const n of acked.slice(-(after.capacity - 1))) expect(have.has(key(n)), `step ${at}, entry ${n}`).toBe(true);
      checked++;
    }
    expect(checked).toBe(200);
  });

  it("one damaged copy of the newest append is survived; both damaged: RingUnprovable", () => {
    const device = simDevice(GEOMETRY);
    const ring = open(device);
    for (let n = 1; n <= 3; n++) ring.append(entry(n), 0);
    const before = new Uint8Array(GEOMETRY.blockSizeBytes * GEOMETRY.blockCount);
    device.copyTo(before);
    ring.append(entry(4), 0);
    const after = new Uint8Array(before.length);
    device.copyTo(after);
    let first = -1;
    let last = -1;
    for (let i = 0; i < after.length; i++) {
      if (after[i] === before[i]) continue;
      if (first < 0) first = i;
      last = i;
    }
    for (const spot of [first, last]) {
      const image = after.slice();
      image[spot] = (image[spot] ?? 0) ^ 0x08;
      device.load(image);
      expect(held(open(device)).has(key(4))).toBe(true);
    }
    const both = after.slice();
    both[first] = (both[first] ?? 0) ^ 0x08;
    both[last] = (both[last] ?? 0) ^ 0x08;
    device.load(both);
    const store = mountAfterPowerUp(device, CONFIG);
    const opened = MirroredRing.open(store, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40) });
    expect(opened.ok ? ErrorCode.Ok : opened.code).toBe(ErrorCode.RingUnprovable);
  });

  it("bad options are refused with InvalidArgument", () => {
    const store = mountAfterPowerUp(simDevice(GEOMETRY), CONFIG);
    for (const o of [{ pairs: 0 }, { pairs: 3 }, { firstKey: -1 }, { firstKey: 0 }, { scratch: new Uint8Array(8) }]) {
      const opened = MirroredRing.open(store, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40), ...o });
      expect(opened.ok ? ErrorCode.Ok : opened.code, JSON.stringify(o)).toBe(ErrorCode.InvalidArgument);
    }
  });
});


function chunk(count: number, entries: readonly number[]): Uint8Array {
  const out = new Uint8Array(36);
  out[0] = count & 0xff;
  out[1] = (count >>> 8) & 0xff;
  entries.forEach((n, i) => out.set(entry(n), 4 + 8 * i));
  return out;
}

describe("mirrored ring at each guard", () => {
  it("open writes nothing over consistent pairs, and takes the copy with the larger count where they differ", () => {
    const device = simDevice(GEOMETRY);
    const kv = new FailingKv(mountAfterPowerUp(device, CONFIG));
    // Pair 0: the first copy is newer (its mirror write was lost); pair 1: only a mirror.
    expect(kv.put(FIRST, chunk(5, [5, 2, 3, 4]), 0, 36)).toBe(ErrorCode.Ok);
    expect(kv.put(FIRST + 1, chunk(4, [1, 2, 3, 4]), 0, 36)).toBe(ErrorCode.Ok);
    expect(kv.put(FIRST + 3, chunk(2, [9]), 0, 36)).toBe(ErrorCode.Ok);
    const before = kv.puts;
    const opened = MirroredRing.open(kv, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40) });
    if (!opened.ok) throw new Error(`open ${opened.code}`);
    expect(kv.puts - before).toBe(4);
    expect(opened.value.appended).toBe(5);
    expect([...held(opened.value)].sort()).toEqual([5, 2, 3, 4, 9].map(key).sort());
    const a = new Uint8Array(36);
    const b = new Uint8Array(36);
    for (const k of [FIRST, FIRST + 2]) {
      expect(kv.get(k, a, 0)).toBe(36);
      expect(kv.get(k + 1, b, 0)).toBe(36);
      expect(a).toEqual(b);
    }
    const again = kv.puts;
    expect(MirroredRing.open(kv, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40) }).ok).toBe(true);
    expect(kv.puts).toBe(again);
    // A copy of the wrong length is Corrupt, not a guess.
    expect(kv.put(FIRST + 2, new Uint8Array(12), 0, 12)).toBe(ErrorCode.Ok);
    const corrupt = MirroredRing.open(kv, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40) });
    expect(corrupt.ok ? ErrorCode.Ok : corrupt.code).toBe(ErrorCode.Corrupt);
  });

  it("an append whose first copy fails writes no mirror and keeps nothing; one whose mirror fails is not counted; the next succeeds", () => {
    const kv = new FailingKv(mountAfterPowerUp(simDevice(GEOMETRY), CONFIG));
    const opened = MirroredRing.open(kv, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40) });
    if (!opened.ok) throw new Error("open");
    const ring = opened.value;
    kv.failKey = FIRST;
    expect(ring.append(entry(1), 0)).toBe(ErrorCode.DeviceFault);
    expect([kv.puts, ring.appended, ring.failures, held(ring).size]).toEqual([0, 0, 1, 0]);
    kv.failKey = FIRST + 1;
    expect(ring.append(entry(1), 0)).toBe(ErrorCode.DeviceFault);
    expect([ring.appended, ring.failures, held(ring).size]).toEqual([0, 2, 0]);
    kv.failKey = -1;
    // An entry read at an offset, nonzero only in its last byte.
    const padded = new Uint8Array(3 + RING_ENTRY_BYTES);
    padded[3 + RING_ENTRY_BYTES - 1] = 7;
    expect(ring.append(padded, 3)).toBe(ErrorCode.Ok);
    expect(ring.appended).toBe(1);
    expect([...held(ring)]).toEqual([Array.from(padded.subarray(3)).join(",")]);
  });

  it("options at their edges: one pair, the last keys of the store; non-integers and keys of another size are refused", () => {
    const store = mountAfterPowerUp(simDevice(GEOMETRY), CONFIG);
    expect(MirroredRing.open(store, { firstKey: 3, pairs: 1, scratch: new Uint8Array(40) }).ok).toBe(true);
    for (const o of [{ pairs: 1.5 }, { firstKey: 1.5 }, { firstKey: 4, pairs: 1 }, { firstKey: 0, pairs: 1 }, { scratch: new Uint8Array(39) }]) {
      const opened = MirroredRing.open(store, { firstKey: FIRST, pairs: PAIRS, scratch: new Uint8Array(40), ...o });
      expect(opened.ok ? ErrorCode.Ok : opened.code, JSON.stringify(o)).toBe(ErrorCode.InvalidArgument);
    }
  });
});

describe("mirrored ring: option and proof edges (a store in RAM)", () => {
  const ringKv = (keys: number, size = 40): MemoryKv => new MemoryKv(keys, () => size);
  const opts = (o: Partial<{ firstKey: number; pairs: number }> = {}) => ({ firstKey: 0, pairs: 2, scratch: new Uint8Array(40), ...o });

  it("takes 64 pairs ending at the last key, one entry per chunk at the smallest key size; refuses 65 pairs, a pair past the end, keys of unequal size", () => {
    expect(MirroredRing.open(ringKv(128), opts({ pairs: 64 })).ok).toBe(true);
    const one = MirroredRing.open(ringKv(4, 12), opts());
    expect(one.ok ? one.value.capacity : -1).toBe(2);
    for (const [kv, o] of [
      [ringKv(130), { pairs: 65 }],
      [ringKv(4), { firstKey: 1 }],
      [ringKv(4, 11), {}],
    ] as const) {
      const opened = MirroredRing.open(kv, opts(o));
      expect(opened.ok ? ErrorCode.Ok : opened.code, JSON.stringify(o)).toBe(ErrorCode.InvalidArgument);
    }
    for (const odd of [0, 1, 2, 3]) {
      const opened = MirroredRing.open(new MemoryKv(4, (k) => (k === odd ? 36 : 40)), opts());
      expect(opened.ok ? ErrorCode.Ok : opened.code, `key ${odd}`).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("proves each pair from its own two keys: one unread record after both is survived, two are not", () => {
    for (const pair of [0, 1]) {
      for (const [first, mirror, provable] of [
        [1, 1, true],
        [5, 0, true],
        [2, 1, false],
        [1, 2, false],
      ] as const) {
        const kv = ringKv(4);
        kv.hidden.set(2 * pair, first);
        kv.hidden.set(2 * pair + 1, mirror);
        const opened = MirroredRing.open(kv, opts());
        expect(opened.ok ? ErrorCode.Ok : opened.code, `pair ${pair}: ${first}/${mirror}`).toBe(provable ? ErrorCode.Ok : ErrorCode.RingUnprovable);
      }
    }
  });
});
