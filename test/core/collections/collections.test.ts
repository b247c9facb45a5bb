import { describe, expect, it } from "vitest";
import {
  BitSet,
  ByteRing,
  FixedMap,
  FullPolicy,
  isFullPolicy,
  MinHeap,
  Pool,
  popcount32,
  RingBuffer,
  statusOf,
  BIT_SET_SIZE_BITS_MAX,
  FIXED_MAP_CAPACITY_MAX,
  MIN_HEAP_CAPACITY_MAX,
  POOL_CAPACITY_MAX,
  RING_BUFFER_CAPACITY_MAX,
  type FullPolicy as FullPolicyType,
} from "../../../core/collections/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { Outcome, type Result } from "../../../core/runtime/result";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`create failed with code ${result.code}`);
  return result.value;
}

const BAD_SIZES: readonly number[] = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY];

function ringValues(ring: RingBuffer): number[] {
  const out = new Outcome(0);
  const values: number[] = [];
  for (let i = 0; i < ring.length; i++) {
    expect(ring.at(i, out)).toBe(ErrorCode.Ok);
    values.push(out.value);
  }
  return values;
}

function makeRing(capacity: number, policy: FullPolicyType, values: readonly number[]): RingBuffer {
  const ring = unwrap(RingBuffer.create(capacity, Float64Array, policy));
  for (const v of values) ring.push(v);
  return ring;
}

describe("RingBuffer", () => {
  it("create with an invalid capacity returns InvalidArgument", () => {
    for (const capacity of [...BAD_SIZES, RING_BUFFER_CAPACITY_MAX + 1]) {
      expect(RingBuffer.create(capacity, Float64Array, FullPolicy.RefuseNewest)).toEqual({
        ok: false,
        code: ErrorCode.InvalidArgument,
      });
    }
  });

  it("create with an unknown full policy returns InvalidArgument", () => {
    const result = RingBuffer.create(4, Float64Array, 7 as FullPolicyType);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe(ErrorCode.InvalidArgument);
  });

  it("shift returns values oldest first", () => {
    const ring = makeRing(4, FullPolicy.RefuseNewest, [10, 20, 30]);
    const out = new Outcome(0);
    const shifted: number[] = [];
    while (ring.shift(out) === ErrorCode.Ok) shifted.push(out.value);
    expect(shifted).toEqual([10, 20, 30]);
    expect(ring.length).toBe(0);
  });

  it("ring buffer with RefuseNewest returns Full and keeps contents unchanged", () => {
    const ring = makeRing(3, FullPolicy.RefuseNewest, [1, 2, 3]);
    expect(ring.push(4)).toBe(ErrorCode.Full);
    expect(ringValues(ring)).toEqual([1, 2, 3]);
    expect(ring.refusedCount).toBe(1);
    expect(ring.droppedCount).toBe(0);
    expect(ring.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("ring buffer with DropOldest overwrites the oldest value and counts each drop", () => {
    const ring = makeRing(3, FullPolicy.DropOldest, [1, 2, 3]);
    expect(ring.push(4)).toBe(ErrorCode.Ok);
    expect(ring.push(5)).toBe(ErrorCode.Ok);
    expect(ringValues(ring)).toEqual([3, 4, 5]);
    expect(ring.droppedCount).toBe(2);
    expect(ring.refusedCount).toBe(0);
    expect(ring.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("shift and peek of an empty ring return Empty", () => {
    const ring = makeRing(2, FullPolicy.RefuseNewest, []);
    const out = new Outcome(-1);
    expect(ring.shift(out)).toBe(ErrorCode.Empty);
    expect(out.code).toBe(ErrorCode.Empty);
    expect(ring.peek(out)).toBe(ErrorCode.Empty);
  });

  it("peek returns the oldest value without removing it", () => {
    const ring = makeRing(3, FullPolicy.RefuseNewest, [7, 8]);
    const out = new Outcome(0);
    expect(ring.peek(out)).toBe(ErrorCode.Ok);
    expect(out.value).toBe(7);
    expect(ring.length).toBe(2);
  });

  it("at with a bad index returns OutOfRange and changes nothing", () => {
    const ring = makeRing(4, FullPolicy.RefuseNewest, [1, 2]);
    const out = new Outcome(0);
    for (const index of [-1, 2, 3, 1.5, Number.NaN]) expect(ring.at(index, out)).toBe(ErrorCode.OutOfRange);
    expect(ringValues(ring)).toEqual([1, 2]);
  });

  it("copyInto copies the newest window across the wrap point, oldest first", () => {
    const ring = makeRing(4, FullPolicy.DropOldest, [1, 2, 3, 4, 5, 6]); // storage wrapped twice
    const dest = new Float64Array(5).fill(-1);
    expect(ring.copyInto(dest, 1, ring.length - 3, 3)).toBe(ErrorCode.Ok);
    expect(Array.from(dest)).toEqual([-1, 4, 5, 6, -1]);
  });

  it("copyInto outside the ring or the destination returns OutOfRange and leaves dest untouched", () => {
    const ring = makeRing(4, FullPolicy.RefuseNewest, [1, 2, 3]);
    const dest = new Float64Array(2).fill(-1);
    expect(ring.copyInto(dest, 0, 2, 2)).toBe(ErrorCode.OutOfRange); // past the newest
    expect(ring.copyInto(dest, 1, 0, 2)).toBe(ErrorCode.OutOfRange); // past dest end
    expect(ring.copyInto(dest, -1, 0, 1)).toBe(ErrorCode.OutOfRange);
    expect(Array.from(dest)).toEqual([-1, -1]);
    expect(ringValues(ring)).toEqual([1, 2, 3]);
  });

  it("an Int32Array ring stores values with ToInt32 conversion", () => {
    const ring = unwrap(RingBuffer.create(4, Int32Array, FullPolicy.RefuseNewest));
    ring.push(2 ** 31);
    ring.push(1.9);
    ring.push(-1.9);
    ring.push(Number.NaN);
    expect(ringValues(ring)).toEqual([-(2 ** 31), 1, -1, 0]);
  });

  it("a Uint8Array ring wraps values modulo 256", () => {
    const ring = unwrap(RingBuffer.create(2, Uint8Array, FullPolicy.RefuseNewest));
    ring.push(257);
    ring.push(-1);
    expect(ringValues(ring)).toEqual([1, 255]);
  });

  it("clear empties the ring and keeps the lifetime counters", () => {
    const ring = makeRing(2, FullPolicy.DropOldest, [1, 2, 3]);
    ring.clear();
    expect(ring.length).toBe(0);
    expect(ring.droppedCount).toBe(1);
    expect(ring.push(9)).toBe(ErrorCode.Ok);
    expect(ringValues(ring)).toEqual([9]);
    expect(ring.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

function byteRecord(length: number, first: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (first + i) & 0xff;
  return bytes;
}

/** Shift every record out (test helper; consumes the ring). */
function drainRecords(ring: ByteRing, maxRecordBytes: number): number[][] {
  const dest = new Uint8Array(maxRecordBytes);
  const records: number[][] = [];
  for (let n = ring.count; n > 0; n--) {
    const length = ring.shiftInto(dest, 0);
    expect(length).toBeGreaterThanOrEqual(0);
    records.push(Array.from(dest.subarray(0, length)));
  }
  return records;
}

describe("ByteRing", () => {
  it("create with an invalid maxRecordBytes returns InvalidArgument", () => {
    for (const maxRecordBytes of [-1, 1.5, Number.NaN, 65536]) {
      const result = ByteRing.create(100_000, maxRecordBytes, FullPolicy.RefuseNewest);
      expect(result.ok ? 0 : result.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("create with capacityBytes below one maximum record plus prefix returns InvalidArgument", () => {
    const tooSmall = ByteRing.create(32, 32, FullPolicy.DropOldest); // needs 33
    expect(tooSmall.ok ? 0 : tooSmall.code).toBe(ErrorCode.InvalidArgument);
    expect(ByteRing.create(33, 32, FullPolicy.DropOldest).ok).toBe(true);
    const badPolicy = ByteRing.create(64, 8, 3 as FullPolicyType);
    expect(badPolicy.ok ? 0 : badPolicy.code).toBe(ErrorCode.InvalidArgument);
  });

  it("uses a 1-byte prefix up to 255-byte records and a 2-byte prefix above", () => {
    expect(unwrap(ByteRing.create(300, 255, FullPolicy.RefuseNewest)).prefixBytes).toBe(1);
    expect(unwrap(ByteRing.create(300, 256, FullPolicy.RefuseNewest)).prefixBytes).toBe(2);
  });

  it("a 300-byte record round-trips through a 2-byte prefix", () => {
    const ring = unwrap(ByteRing.create(400, 300, FullPolicy.RefuseNewest));
    const record = byteRecord(300, 9);
    expect(ring.push(record, 0, 300)).toBe(ErrorCode.Ok);
    expect(ring.bytesUsed).toBe(302);
    expect(ring.peekLength()).toBe(300);
    expect(drainRecords(ring, 300)).toEqual([Array.from(record)]);
  });

  it("push copies from srcOffset and stores records FIFO", () => {
    const ring = unwrap(ByteRing.create(64, 16, FullPolicy.RefuseNewest));
    const src = byteRecord(10, 0);
    expect(ring.push(src, 2, 3)).toBe(ErrorCode.Ok);
    expect(ring.push(src, 0, 0)).toBe(ErrorCode.Ok); // empty record is legal
    expect(ring.push(src, 5, 5)).toBe(ErrorCode.Ok);
    expect(ring.count).toBe(3);
    expect(ring.bytesUsed).toBe(3 + 1 + 0 + 1 + 5 + 1);
    expect(drainRecords(ring, 16)).toEqual([[2, 3, 4], [], [5, 6, 7, 8, 9]]);
  });

  it("push of a record longer than maxRecordBytes returns TooLarge and keeps contents", () => {
    const ring = unwrap(ByteRing.create(64, 8, FullPolicy.DropOldest));
    ring.push(byteRecord(4, 1), 0, 4);
    expect(ring.push(byteRecord(9, 0), 0, 9)).toBe(ErrorCode.TooLarge);
    expect(ring.tooLargeCount).toBe(1);
    expect(ring.droppedCount).toBe(0);
    expect(drainRecords(ring, 8)).toEqual([[1, 2, 3, 4]]);
  });

  it("push with a range outside src returns InvalidArgument and keeps contents", () => {
    const ring = unwrap(ByteRing.create(64, 8, FullPolicy.RefuseNewest));
    ring.push(byteRecord(2, 1), 0, 2);
    const src = new Uint8Array(4);
    for (const [offset, length] of [
      [3, 2],
      [-1, 1],
      [0, 1.5],
      [5, 0],
    ] as const) {
      expect(ring.push(src, offset, length)).toBe(ErrorCode.InvalidArgument);
    }
    expect(ring.invalidCount).toBe(4);
    expect(drainRecords(ring, 8)).toEqual([[1, 2]]);
  });

  it("byte ring with RefuseNewest returns Full and keeps contents unchanged", () => {
    const ring = unwrap(ByteRing.create(12, 5, FullPolicy.RefuseNewest)); // two 6-byte slots
    ring.push(byteRecord(5, 10), 0, 5);
    ring.push(byteRecord(5, 20), 0, 5);
    expect(ring.push(byteRecord(1, 30), 0, 1)).toBe(ErrorCode.Full);
    expect(ring.refusedCount).toBe(1);
    expect(ring.bytesUsed).toBe(12);
    expect(drainRecords(ring, 5)).toEqual([Array.from(byteRecord(5, 10)), Array.from(byteRecord(5, 20))]);
  });

  it("byte ring with DropOldest drops whole oldest records until the new one fits, counting each", () => {
    const ring = unwrap(ByteRing.create(18, 10, FullPolicy.DropOldest));
    ring.push(byteRecord(5, 1), 0, 5);
    ring.push(byteRecord(5, 2), 0, 5);
    ring.push(byteRecord(5, 3), 0, 5); // 18 bytes used: full
    expect(ring.push(byteRecord(10, 4), 0, 10)).toBe(ErrorCode.Ok); // needs 11: two records go
    expect(ring.droppedCount).toBe(2);
    expect(ring.checkInvariants()).toBe(ErrorCode.Ok);
    expect(drainRecords(ring, 10)).toEqual([Array.from(byteRecord(5, 3)), Array.from(byteRecord(10, 4))]);
  });

  it("records that wrap around the end of the storage come out intact", () => {
    const ring = unwrap(ByteRing.create(20, 16, FullPolicy.RefuseNewest));
    const dest = new Uint8Array(16);
    ring.push(byteRecord(6, 0), 0, 6); // bytes 0..6
    ring.push(byteRecord(6, 50), 0, 6); // bytes 7..13
    expect(ring.shiftInto(dest, 0)).toBe(6); // head at 7
    expect(ring.push(byteRecord(12, 100), 0, 12)).toBe(ErrorCode.Ok); // bytes 14..19, 0..6: wraps
    expect(ring.checkInvariants()).toBe(ErrorCode.Ok);
    expect(drainRecords(ring, 16)).toEqual([Array.from(byteRecord(6, 50)), Array.from(byteRecord(12, 100))]);
  });

  it("a 2-byte length prefix split by the wrap point is read back correctly", () => {
    const ring = unwrap(ByteRing.create(300, 257, FullPolicy.RefuseNewest));
    const dest = new Uint8Array(257);
    ring.push(byteRecord(1, 0), 0, 1); // bytes 0..2
    ring.push(byteRecord(200, 1), 0, 200); // bytes 3..204
    ring.push(byteRecord(92, 2), 0, 92); // bytes 205..298
    expect(ring.shiftInto(dest, 0)).toBe(1);
    expect(ring.shiftInto(dest, 0)).toBe(200);
    expect(ring.push(byteRecord(10, 77), 0, 10)).toBe(ErrorCode.Ok); // prefix in bytes 299 and 0
    expect(ring.checkInvariants()).toBe(ErrorCode.Ok);
    expect(drainRecords(ring, 257)).toEqual([Array.from(byteRecord(92, 2)), Array.from(byteRecord(10, 77))]);
  });

  it("a 2-byte prefix of a record over 255 bytes split by the wrap point keeps its high byte", () => {
    const ring = unwrap(ByteRing.create(600, 300, FullPolicy.RefuseNewest));
    const dest = new Uint8Array(300);
    ring.push(byteRecord(100, 0), 0, 100); // bytes 0..101
    ring.push(byteRecord(200, 1), 0, 200); // bytes 102..303
    ring.push(byteRecord(293, 2), 0, 293); // bytes 304..598
    expect(ring.shiftInto(dest, 0)).toBe(100);
    expect(ring.shiftInto(dest, 0)).toBe(200);
    expect(ring.push(byteRecord(260, 3), 0, 260)).toBe(ErrorCode.Ok); // prefix in bytes 599 and 0
    expect(ring.checkInvariants()).toBe(ErrorCode.Ok);
    expect(drainRecords(ring, 300)).toEqual([Array.from(byteRecord(293, 2)), Array.from(byteRecord(260, 3))]);
  });

  it("shiftInto a destination that is too small returns -TooLarge and keeps the record", () => {
    const ring = unwrap(ByteRing.create(32, 8, FullPolicy.RefuseNewest));
    ring.push(byteRecord(6, 1), 0, 6);
    const small = new Uint8Array(8).fill(0xee);
    expect(ring.shiftInto(small, 3)).toBe(-ErrorCode.TooLarge);
    expect(Array.from(small)).toEqual(new Array(8).fill(0xee));
    expect(ring.count).toBe(1);
    expect(ring.shiftInto(small, 9)).toBe(-ErrorCode.InvalidArgument);
    expect(ring.shiftInto(small, 2)).toBe(6);
    expect(Array.from(small)).toEqual([0xee, 0xee, 1, 2, 3, 4, 5, 6]);
  });

  it("peekInto copies the oldest record without removing it", () => {
    const ring = unwrap(ByteRing.create(32, 8, FullPolicy.RefuseNewest));
    ring.push(byteRecord(3, 7), 0, 3);
    const dest = new Uint8Array(3);
    expect(ring.peekInto(dest, 0)).toBe(3);
    expect(Array.from(dest)).toEqual([7, 8, 9]);
    expect(ring.count).toBe(1);
  });

  it("an empty byte ring answers -Empty to peekLength, shiftInto and discardOldest", () => {
    const ring = unwrap(ByteRing.create(16, 8, FullPolicy.RefuseNewest));
    expect(ring.peekLength()).toBe(-ErrorCode.Empty);
    expect(ring.shiftInto(new Uint8Array(8), 0)).toBe(-ErrorCode.Empty);
    expect(ring.discardOldest()).toBe(-ErrorCode.Empty);
    expect(statusOf(ring.peekLength())).toBe(ErrorCode.Empty);
  });

  it("discardOldest removes one record and returns its length", () => {
    const ring = unwrap(ByteRing.create(32, 8, FullPolicy.RefuseNewest));
    ring.push(byteRecord(4, 1), 0, 4);
    ring.push(byteRecord(2, 9), 0, 2);
    expect(ring.discardOldest()).toBe(4);
    expect(drainRecords(ring, 8)).toEqual([[9, 10]]);
  });

  it("clear empties the ring and the next push starts fresh", () => {
    const ring = unwrap(ByteRing.create(16, 8, FullPolicy.RefuseNewest));
    ring.push(byteRecord(8, 1), 0, 8);
    ring.clear();
    expect(ring.count).toBe(0);
    expect(ring.bytesUsed).toBe(0);
    expect(ring.push(byteRecord(8, 2), 0, 8)).toBe(ErrorCode.Ok);
    expect(ring.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

interface Widget {
  readonly slot: number;
  uses: number;
}

function makePool(capacity: number): { pool: Pool<Widget>; calls: () => number } {
  let calls = 0;
  const pool = unwrap(
    Pool.create(capacity, (slot) => {
      calls++;
      return { slot, uses: 0 };
    }),
  );
  return { pool, calls: () => calls };
}

describe("Pool", () => {
  it("create with an invalid capacity returns InvalidArgument and never calls the factory", () => {
    let calls = 0;
    for (const capacity of [...BAD_SIZES, POOL_CAPACITY_MAX + 1]) {
      const result = Pool.create(capacity, (slot) => {
        calls++;
        return { slot };
      });
      expect(result.ok ? 0 : result.code).toBe(ErrorCode.InvalidArgument);
    }
    expect(calls).toBe(0);
  });

  it("calls the factory exactly capacity times, at create, with each slot index", () => {
    const { pool, calls } = makePool(4);
    expect(calls()).toBe(4);
    for (let i = 0; i < 4; i++) {
      const slot = pool.acquire();
      expect(pool.get(slot)?.slot).toBe(slot);
    }
    expect(calls()).toBe(4);
  });

  it("a fresh pool hands out slots 0, 1, 2 in order", () => {
    const { pool } = makePool(3);
    expect([pool.acquire(), pool.acquire(), pool.acquire()]).toEqual([0, 1, 2]);
    expect(pool.inUse).toBe(3);
    expect(pool.available).toBe(0);
  });

  it("acquire on an exhausted pool returns -PoolExhausted and counts it", () => {
    const { pool } = makePool(1);
    expect(pool.acquire()).toBe(0);
    expect(pool.acquire()).toBe(-ErrorCode.PoolExhausted);
    expect(statusOf(pool.acquire())).toBe(ErrorCode.PoolExhausted);
    expect(pool.exhaustedCount).toBe(2);
    expect(pool.inUse).toBe(1);
  });

  it("reuses the most recently released slot first", () => {
    const { pool } = makePool(4);
    pool.acquire();
    pool.acquire();
    pool.acquire();
    expect(pool.release(0)).toBe(ErrorCode.Ok);
    expect(pool.release(2)).toBe(ErrorCode.Ok);
    expect(pool.acquire()).toBe(2);
    expect(pool.acquire()).toBe(0);
  });

  it("double release returns NotAllocated and leaves the pool unchanged", () => {
    const { pool } = makePool(2);
    const slot = pool.acquire();
    const other = pool.acquire();
    expect(pool.release(slot)).toBe(ErrorCode.Ok);
    expect(pool.release(slot)).toBe(ErrorCode.NotAllocated);
    expect(pool.badReleaseCount).toBe(1);
    expect(pool.inUse).toBe(1);
    expect(pool.isAllocated(other)).toBe(true);
    expect(pool.acquire()).toBe(slot); // the free list holds it once
    expect(pool.acquire()).toBe(-ErrorCode.PoolExhausted);
    expect(pool.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("release of a bad index returns NotAllocated and is counted", () => {
    const { pool } = makePool(2);
    pool.acquire();
    for (const slot of [-1, 2, 0.5, Number.NaN, 2 ** 32]) expect(pool.release(slot)).toBe(ErrorCode.NotAllocated);
    expect(pool.badReleaseCount).toBe(5);
    expect(pool.inUse).toBe(1);
  });

  it("get returns the slot's object while allocated and undefined after release", () => {
    const { pool } = makePool(2);
    const slot = pool.acquire();
    const widget = pool.get(slot);
    expect(widget?.slot).toBe(slot);
    if (widget !== undefined) widget.uses++;
    pool.release(slot);
    expect(pool.get(slot)).toBeUndefined();
    expect(pool.get(-1)).toBeUndefined();
    expect(pool.get(5)).toBeUndefined();
    expect(pool.acquire()).toBe(slot);
    expect(pool.get(slot)).toBe(widget); // same object, state kept
    expect(pool.get(slot)?.uses).toBe(1);
  });

  it("releaseAll frees every slot and restarts at slot 0", () => {
    const { pool } = makePool(3);
    pool.acquire();
    pool.acquire();
    pool.releaseAll();
    expect(pool.inUse).toBe(0);
    expect(pool.acquire()).toBe(0);
    expect(pool.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

function mapKeys(map: FixedMap): number[] {
  const keys: number[] = [];
  for (let s = map.nextSlot(0); s >= 0; s = map.nextSlot(s + 1)) keys.push(map.keyAt(s));
  return keys;
}

describe("FixedMap", () => {
  it("create with an invalid capacity returns InvalidArgument", () => {
    for (const capacity of [...BAD_SIZES, FIXED_MAP_CAPACITY_MAX + 1]) {
      const result = FixedMap.create(capacity);
      expect(result.ok ? 0 : result.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("sizes the table to a power of two at least twice the capacity", () => {
    expect(unwrap(FixedMap.create(1)).slotCount).toBe(2);
    expect(unwrap(FixedMap.create(5)).slotCount).toBe(16);
    expect(unwrap(FixedMap.create(8)).slotCount).toBe(16);
  });

  it("set then get returns the value; an absent key returns the caller's missing value", () => {
    const map = unwrap(FixedMap.create(4));
    expect(map.set(42, 3.5)).toBe(ErrorCode.Ok);
    expect(map.get(42, -1)).toBe(3.5);
    expect(map.has(42)).toBe(true);
    expect(map.get(43, -1)).toBe(-1);
    expect(map.get(43, 1e9)).toBe(1e9);
    expect(map.has(43)).toBe(false);
  });

  it("set of an existing key updates it without growing", () => {
    const map = unwrap(FixedMap.create(2));
    map.set(7, 1);
    expect(map.set(7, 2)).toBe(ErrorCode.Ok);
    expect(map.size).toBe(1);
    expect(map.get(7, -1)).toBe(2);
  });

  it("fixed map at capacity returns Full for a new key, keeps every entry, and still updates old keys", () => {
    const map = unwrap(FixedMap.create(2));
    map.set(1, 10);
    map.set(2, 20);
    expect(map.set(3, 30)).toBe(ErrorCode.Full);
    expect(map.refusedCount).toBe(1);
    expect(map.has(3)).toBe(false);
    expect([map.get(1, -1), map.get(2, -1)]).toEqual([10, 20]);
    expect(map.set(2, 21)).toBe(ErrorCode.Ok);
    expect(map.get(2, -1)).toBe(21);
  });

  it("set with a key outside uint32 returns InvalidArgument and stores nothing", () => {
    const map = unwrap(FixedMap.create(4));
    map.set(5, 50);
    for (const key of [-1, 2 ** 32, 1.5, Number.NaN]) expect(map.set(key, 1)).toBe(ErrorCode.InvalidArgument);
    expect(map.invalidKeyCount).toBe(4);
    expect(map.size).toBe(1);
    expect(map.get(5, -1)).toBe(50);
    expect(map.get(-1, -9)).toBe(-9);
  });

  it("keys 0 and 0xffffffff are ordinary keys", () => {
    const map = unwrap(FixedMap.create(2));
    expect(map.set(0, 1)).toBe(ErrorCode.Ok);
    expect(map.set(0xffffffff, 2)).toBe(ErrorCode.Ok);
    expect([map.get(0, -1), map.get(0xffffffff, -1)]).toEqual([1, 2]);
  });

  it("delete returns NotFound for an absent key and changes nothing", () => {
    const map = unwrap(FixedMap.create(2));
    map.set(1, 1);
    expect(map.delete(2)).toBe(ErrorCode.NotFound);
    expect(map.delete(-1)).toBe(ErrorCode.NotFound);
    expect(map.size).toBe(1);
  });

  it("deleting any key from a full, colliding table leaves the others reachable", () => {
    // 8 keys in 16 slots: every delete order of a run exercises the backward shift.
    const keys = [0, 1, 2, 3, 16, 17, 100, 0xfffffff0];
    for (let first = 0; first < keys.length; first++) {
      const map = unwrap(FixedMap.create(8));
      keys.forEach((k, i) => map.set(k, i));
      for (let n = 0; n < keys.length; n++) {
        const victim = keys[(first + n) % keys.length] ?? -1;
        expect(map.delete(victim)).toBe(ErrorCode.Ok);
        expect(map.checkInvariants()).toBe(ErrorCode.Ok);
        for (let m = n + 1; m < keys.length; m++) {
          const survivor = keys[(first + m) % keys.length] ?? -1;
          expect(map.get(survivor, -1)).toBe(keys.indexOf(survivor));
        }
      }
      expect(map.size).toBe(0);
    }
  });

  it("scanning with deleteAt, resuming at the same slot, removes every matching entry", () => {
    const map = unwrap(FixedMap.create(16));
    for (let k = 0; k < 16; k++) map.set(k * 3, k);
    for (let s = map.nextSlot(0); s >= 0; ) {
      if (map.keyAt(s) % 2 === 0) {
        expect(map.deleteAt(s)).toBe(ErrorCode.Ok);
        s = map.nextSlot(s);
      } else {
        s = map.nextSlot(s + 1);
      }
    }
    expect(mapKeys(map).sort((a, b) => a - b)).toEqual([3, 9, 15, 21, 27, 33, 39, 45]);
    expect(map.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("slot accessors refuse empty or bad slots", () => {
    const map = unwrap(FixedMap.create(2));
    map.set(9, 90);
    const slot = map.slotOf(9);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(map.valueAt(slot, -1)).toBe(90);
    expect(map.setValueAt(slot, 91)).toBe(ErrorCode.Ok);
    expect(map.get(9, -1)).toBe(91);
    const empty = slot === 0 ? 1 : 0;
    expect(map.keyAt(empty)).toBe(-ErrorCode.NotFound);
    expect(map.valueAt(empty, -5)).toBe(-5);
    expect(map.setValueAt(empty, 1)).toBe(ErrorCode.NotFound);
    expect(map.deleteAt(-1)).toBe(ErrorCode.NotFound);
    expect(map.deleteAt(empty)).toBe(ErrorCode.NotFound);
    expect(map.size).toBe(1);
  });

  it("nextSlot refuses a cursor outside 0..slotCount and ends with -NotFound", () => {
    const map = unwrap(FixedMap.create(2));
    expect(map.nextSlot(0)).toBe(-ErrorCode.NotFound);
    expect(map.nextSlot(map.slotCount)).toBe(-ErrorCode.NotFound);
    expect(map.nextSlot(map.slotCount + 1)).toBe(-ErrorCode.OutOfRange);
    expect(map.nextSlot(-1)).toBe(-ErrorCode.OutOfRange);
  });

  it("two maps given the same operations iterate in the same order", () => {
    const a = unwrap(FixedMap.create(32));
    const b = unwrap(FixedMap.create(32));
    for (const map of [a, b]) {
      for (let k = 0; k < 30; k++) map.set((k * 2654435761) >>> 0, k);
      for (let k = 0; k < 30; k += 3) map.delete((k * 2654435761) >>> 0);
    }
    expect(mapKeys(a)).toEqual(mapKeys(b));
    expect(mapKeys(a)).toHaveLength(20);
  });

  it("clear removes every entry and keeps counters", () => {
    const map = unwrap(FixedMap.create(1));
    map.set(1, 1);
    map.set(2, 2);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.has(1)).toBe(false);
    expect(map.refusedCount).toBe(1);
    expect(map.set(2, 2)).toBe(ErrorCode.Ok);
  });
});

function setBits(bits: BitSet): number[] {
  const indices: number[] = [];
  for (let i = bits.findNextSet(0); i >= 0; i = bits.findNextSet(i + 1)) indices.push(i);
  return indices;
}

describe("BitSet", () => {
  it("create with an invalid size returns InvalidArgument", () => {
    for (const sizeBits of [...BAD_SIZES, BIT_SET_SIZE_BITS_MAX + 1]) {
      const result = BitSet.create(sizeBits);
      expect(result.ok ? 0 : result.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("set, test, clear and toggle change exactly one bit and keep count", () => {
    const bits = unwrap(BitSet.create(70));
    expect(bits.set(3)).toBe(ErrorCode.Ok);
    expect(bits.set(3)).toBe(ErrorCode.Ok); // idempotent
    expect(bits.toggle(64)).toBe(ErrorCode.Ok);
    expect(bits.count).toBe(2);
    expect([bits.test(2), bits.test(3), bits.test(64)]).toEqual([false, true, true]);
    expect(bits.clear(3)).toBe(ErrorCode.Ok);
    expect(bits.clear(3)).toBe(ErrorCode.Ok);
    expect(bits.toggle(64)).toBe(ErrorCode.Ok);
    expect(bits.count).toBe(0);
    expect(bits.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("bit 31 (the sign bit of a word) behaves like any other", () => {
    const bits = unwrap(BitSet.create(64));
    bits.set(31);
    bits.set(63);
    expect(setBits(bits)).toEqual([31, 63]);
    expect(bits.count).toBe(2);
  });

  it("an index outside 0..sizeBits-1 returns OutOfRange, changes no bit, and is counted", () => {
    const bits = unwrap(BitSet.create(33));
    bits.set(32);
    for (const index of [-1, 33, 64, 1.5, Number.NaN]) {
      expect(bits.set(index)).toBe(ErrorCode.OutOfRange);
      expect(bits.clear(index)).toBe(ErrorCode.OutOfRange);
      expect(bits.toggle(index)).toBe(ErrorCode.OutOfRange);
      expect(bits.test(index)).toBe(false);
    }
    expect(bits.outOfRangeCount).toBe(15);
    expect(setBits(bits)).toEqual([32]);
    expect(bits.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("findNextSet walks set bits across word boundaries", () => {
    const bits = unwrap(BitSet.create(200));
    for (const i of [0, 31, 32, 95, 96, 199]) bits.set(i);
    expect(setBits(bits)).toEqual([0, 31, 32, 95, 96, 199]);
    expect(bits.findNextSet(33)).toBe(95);
    expect(bits.findNextSet(97)).toBe(199);
  });

  it("findNextSet at sizeBits ends a scan; past it or negative is OutOfRange", () => {
    const bits = unwrap(BitSet.create(10));
    bits.set(9);
    expect(bits.findNextSet(10)).toBe(-ErrorCode.NotFound);
    expect(bits.findNextSet(11)).toBe(-ErrorCode.OutOfRange);
    expect(bits.findNextSet(-1)).toBe(-ErrorCode.OutOfRange);
    expect(bits.findNextSet(0.5)).toBe(-ErrorCode.OutOfRange);
  });

  it("clearAll clears every bit", () => {
    const bits = unwrap(BitSet.create(100));
    for (let i = 0; i < 100; i += 7) bits.set(i);
    bits.clearAll();
    expect(bits.count).toBe(0);
    expect(bits.findNextSet(0)).toBe(-ErrorCode.NotFound);
  });

  it("popcount32 counts set bits of the full uint32 range", () => {
    expect([popcount32(0), popcount32(1), popcount32(0x80000000), popcount32(0xffffffff), popcount32(0xf0f0)]).toEqual([
      0, 1, 1, 32, 8,
    ]);
  });
});

function drainHeap(heap: MinHeap): number[] {
  const ids: number[] = [];
  for (let n = heap.size; n > 0; n--) ids.push(heap.pop());
  return ids;
}

describe("MinHeap", () => {
  it("create with an invalid capacity or idLimit returns InvalidArgument", () => {
    for (const bad of [...BAD_SIZES, MIN_HEAP_CAPACITY_MAX + 1]) {
      const byCapacity = MinHeap.create(bad);
      expect(byCapacity.ok ? 0 : byCapacity.code).toBe(ErrorCode.InvalidArgument);
      const byIdLimit = MinHeap.create(4, bad);
      expect(byIdLimit.ok ? 0 : byIdLimit.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("pops ids in deadline order", () => {
    const heap = unwrap(MinHeap.create(8));
    [50, 10, 40, 20, 30].forEach((deadline, id) => heap.push(deadline, id));
    expect(heap.peekDeadline()).toBe(10);
    expect(heap.peekId()).toBe(1);
    expect(drainHeap(heap)).toEqual([1, 3, 4, 2, 0]);
  });

  it("equal deadlines pop in insertion order (FIFO)", () => {
    const heap = unwrap(MinHeap.create(8));
    for (const id of [5, 2, 7, 0, 3]) heap.push(100, id);
    heap.push(99, 1);
    expect(drainHeap(heap)).toEqual([1, 5, 2, 7, 0, 3]);
  });

  it("min-heap at capacity returns Full, counts it, and keeps its entries", () => {
    const heap = unwrap(MinHeap.create(2, 10));
    heap.push(5, 0);
    heap.push(6, 1);
    expect(heap.push(1, 2)).toBe(ErrorCode.Full);
    expect(heap.refusedCount).toBe(1);
    expect(heap.contains(2)).toBe(false);
    expect(drainHeap(heap)).toEqual([0, 1]);
  });

  it("push of an id already scheduled returns Exists and keeps the original deadline", () => {
    const heap = unwrap(MinHeap.create(4));
    heap.push(10, 1);
    expect(heap.push(5, 1)).toBe(ErrorCode.Exists);
    expect(heap.deadlineOf(1)).toBe(10);
    expect(heap.size).toBe(1);
    expect(heap.rejectedCount).toBe(1);
  });

  it("push with an id outside 0..idLimit-1 returns OutOfRange", () => {
    const heap = unwrap(MinHeap.create(4));
    for (const id of [-1, 4, 0.5, Number.NaN]) expect(heap.push(1, id)).toBe(ErrorCode.OutOfRange);
    expect(heap.size).toBe(0);
    expect(heap.rejectedCount).toBe(4);
  });

  it("push with a deadline that is not a safe integer returns InvalidArgument", () => {
    const heap = unwrap(MinHeap.create(4));
    heap.push(3, 0);
    for (const deadline of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(heap.push(deadline, 1)).toBe(ErrorCode.InvalidArgument);
    }
    expect(drainHeap(heap)).toEqual([0]);
  });

  it("deadlines up to 2^53-1 and below zero order exactly", () => {
    const heap = unwrap(MinHeap.create(4));
    heap.push(Number.MAX_SAFE_INTEGER, 0);
    heap.push(Number.MAX_SAFE_INTEGER - 1, 1);
    heap.push(-5, 2);
    expect(drainHeap(heap)).toEqual([2, 1, 0]);
  });

  it("remove cancels an entry from the middle and the rest still pop in order", () => {
    const heap = unwrap(MinHeap.create(8));
    [7, 3, 9, 1, 5, 8, 2].forEach((deadline, id) => heap.push(deadline, id));
    expect(heap.remove(4)).toBe(ErrorCode.Ok); // deadline 5
    expect(heap.remove(3)).toBe(ErrorCode.Ok); // deadline 1, the root
    expect(heap.checkInvariants()).toBe(ErrorCode.Ok);
    expect(heap.contains(4)).toBe(false);
    expect(drainHeap(heap)).toEqual([6, 1, 0, 5, 2]);
  });

  it("remove that moves the last entry under a larger parent sifts it up", () => {
    const heap = unwrap(MinHeap.create(8));
    // Pushed in this order the array layout is [1, 10, 2, 11, 12, 3, 4].
    [1, 10, 2, 11, 12, 3, 4].forEach((deadline, id) => heap.push(deadline, id));
    expect(heap.remove(4)).toBe(ErrorCode.Ok); // deadline 4 moves under deadline 10
    expect(heap.checkInvariants()).toBe(ErrorCode.Ok);
    expect(drainHeap(heap)).toEqual([0, 2, 5, 6, 1, 3]);
  });

  it("remove of an absent id returns NotFound; of a bad id OutOfRange", () => {
    const heap = unwrap(MinHeap.create(4));
    heap.push(1, 0);
    expect(heap.remove(1)).toBe(ErrorCode.NotFound);
    expect(heap.remove(4)).toBe(ErrorCode.OutOfRange);
    expect(heap.remove(-1)).toBe(ErrorCode.OutOfRange);
    expect(heap.size).toBe(1);
  });

  it("an empty heap peeks +Infinity and -Empty and pops -Empty", () => {
    const heap = unwrap(MinHeap.create(2));
    expect(heap.peekDeadline()).toBe(Number.POSITIVE_INFINITY);
    expect(heap.peekDeadline() <= Number.MAX_SAFE_INTEGER).toBe(false);
    expect(heap.peekId()).toBe(-ErrorCode.Empty);
    expect(heap.pop()).toBe(-ErrorCode.Empty);
    expect(heap.deadlineOf(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it("clear empties the heap and frees every id for reuse", () => {
    const heap = unwrap(MinHeap.create(3));
    heap.push(1, 0);
    heap.push(2, 1);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.contains(0)).toBe(false);
    expect(heap.push(5, 0)).toBe(ErrorCode.Ok);
    expect(heap.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

describe("shared conventions", () => {
  it("statusOf maps a value to Ok and a negated code back to the code", () => {
    expect(statusOf(0)).toBe(ErrorCode.Ok);
    expect(statusOf(17)).toBe(ErrorCode.Ok);
    expect(statusOf(-ErrorCode.NotFound)).toBe(ErrorCode.NotFound);
  });

  it("isFullPolicy accepts only the two defined policies", () => {
    expect([isFullPolicy(FullPolicy.RefuseNewest), isFullPolicy(FullPolicy.DropOldest)]).toEqual([true, true]);
    expect([isFullPolicy(2), isFullPolicy(-1), isFullPolicy(0.5)]).toEqual([false, false, false]);
  });
});
