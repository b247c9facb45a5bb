/**
 * KvTable (core/storage/kv-store.ts) against the changes mutation testing
 * (`npm run mutate -- --mutate core/storage/kv-store.ts`) found no test
 * noticing: a key outside 0..keyCount-1 given to `moved`, `clear` or
 * `valueBytesOf` changes nothing (no slot offset overwritten, no record
 * released), superseded records are released exactly once with their
 * length (the flash reserve's accounting), per-key value sizes, and the
 * exact bytes a table takes.
 */
import { describe, expect, it } from "vitest";
import { KvTable, slotBytes, type Releaser } from "../../../core/storage/kv-store";
import { NO_ADDRESS } from "../../../core/storage/layout";

class Releases implements Releaser {
  readonly log: [number, number][] = [];
  release(address: number, payloadBytes: number): void {
    this.log.push([address, payloadBytes]);
  }
}

/** Everything a table shows for keys -1..keyCount: lengths, addresses, slot sizes and offsets, and the values bytes. */
function snapshot(kv: KvTable): unknown {
  const keys = Array.from({ length: kv.keyCount + 2 }, (_, i) => i - 1);
  return {
    lengths: keys.map((k) => kv.lengthOf(k)),
    addresses: keys.map((k) => kv.addressOf(k)),
    sizes: keys.map((k) => kv.valueBytesOf(k)),
    offsets: Array.from({ length: kv.keyCount }, (_, k) => kv.valueOffset(k)),
    values: Array.from(kv.values),
  };
}

describe("KvTable: keys outside 0..keyCount-1 change nothing", () => {
  it("moved, clear, set and valueBytesOf with a non-key leave every length, address, slot offset and value as it was, and release nothing", () => {
    const kv = new KvTable(3, 4);
    const releases = new Releases();
    kv.attach(releases);
    expect(kv.set(0, Uint8Array.of(1, 2, 3), 0, 3, 100)).toBe(true);
    expect(kv.set(2, Uint8Array.of(9), 0, 1, 200)).toBe(true);
    const before = snapshot(kv);
    for (const bad of [3, 4, -1, 1.5, 2 ** 32]) {
      kv.moved(bad, 777);
      kv.clear(bad);
      expect(kv.set(bad, Uint8Array.of(5), 0, 1, 300)).toBe(false);
      expect(kv.valueBytesOf(bad), `key ${bad}`).toBe(0);
      expect(kv.isKey(bad)).toBe(false);
    }
    expect(snapshot(kv)).toEqual(before);
    expect(releases.log).toEqual([]);
  });

  it("a constructor without a buffer ignores byteOffset", () => {
    const kv = new KvTable(2, 4, undefined, 8);
    expect(kv.set(1, Uint8Array.of(7, 8), 0, 2, 5)).toBe(true);
    expect([kv.valueOffset(0), kv.valueOffset(1), kv.values.length, kv.values.byteOffset]).toEqual([0, 4, 8, (3 * 2 + 1) * 4]);
  });
});

describe("KvTable releases each superseded record once, with its length", () => {
  it("set over an absent key releases nothing; over a present one, the old record; clear releases the current record once", () => {
    const kv = new KvTable(2, 8);
    const releases = new Releases();
    kv.attach(releases);
    expect(kv.set(0, Uint8Array.of(1, 2), 0, 2, 10)).toBe(true);
    expect(releases.log).toEqual([]);
    expect(kv.set(0, Uint8Array.of(3, 4, 5), 0, 3, 20)).toBe(true);
    expect(releases.log).toEqual([[10, 2]]);
    kv.moved(0, 30); // cleaning moved it: the caller released the old copy itself
    expect(releases.log).toEqual([[10, 2]]);
    kv.clear(0);
    expect(releases.log).toEqual([
      [10, 2],
      [30, 3],
    ]);
    kv.clear(0); // already absent
    kv.clear(1); // never set
    expect(releases.log.length).toBe(2);
    expect([kv.lengthOf(0), kv.addressOf(0)]).toEqual([-1, NO_ADDRESS]);
  });

  it("before attach (replay at mount) nothing is released", () => {
    const kv = new KvTable(1, 4);
    expect(kv.set(0, Uint8Array.of(1), 0, 1, 10)).toBe(true);
    expect(kv.set(0, Uint8Array.of(2), 0, 1, 20)).toBe(true);
    const releases = new Releases();
    kv.attach(releases);
    expect(kv.set(0, Uint8Array.of(3), 0, 1, 30)).toBe(true);
    expect(releases.log).toEqual([[20, 1]]);
  });
});

describe("KvTable per-key value sizes and the bytes it takes", () => {
  it("valueBytes sets each listed key's largest value; keys past its end take valueMaxBytes; a longer value is refused, changing nothing", () => {
    const sizes = [2, 8];
    const kv = new KvTable(3, 4, undefined, 0, sizes);
    expect([0, 1, 2].map((k) => kv.valueBytesOf(k))).toEqual([2, 8, 4]);
    expect([0, 1, 2].map((k) => kv.valueOffset(k))).toEqual([0, 2, 10]);
    expect(kv.values.length).toBe(14);
    expect(kv.set(0, new Uint8Array(3), 0, 3, 1)).toBe(false);
    expect(kv.set(2, new Uint8Array(5), 0, 5, 1)).toBe(false);
    expect([kv.lengthOf(0), kv.lengthOf(2)]).toEqual([-1, -1]);
    expect(kv.set(1, Uint8Array.from({ length: 8 }, (_, i) => i + 1), 0, 8, 1)).toBe(true);
    expect(kv.set(0, Uint8Array.of(0xaa, 0xbb), 0, 2, 2)).toBe(true);
    expect(kv.set(2, Uint8Array.of(1, 2, 3, 4), 0, 4, 3)).toBe(true);
    expect(Array.from(kv.values)).toEqual([0xaa, 0xbb, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4]);
    expect([slotBytes(0, 4, sizes), slotBytes(1, 4, sizes), slotBytes(2, 4, sizes), slotBytes(0, 4, undefined)]).toEqual([2, 8, 4, 4]);
  });

  it("bytesFor is the metadata (3 * keyCount + 1 u32 words) plus exactly one slot per key", () => {
    expect(KvTable.bytesFor(3, 4)).toBe(10 * 4 + 12);
    expect(KvTable.bytesFor(3, 4, [2, 8])).toBe(10 * 4 + 14);
    expect(KvTable.bytesFor(0, 4)).toBe(4);
    const buffer = new ArrayBuffer(16 + KvTable.bytesFor(3, 4, [2, 8]));
    const kv = new KvTable(3, 4, buffer, 16, [2, 8]);
    expect(kv.values.byteOffset + kv.values.length).toBe(buffer.byteLength); // the table ends where bytesFor says
  });
});
