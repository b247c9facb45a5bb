import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SlotIndex } from "../../../core/collections/slot-index";
import { ErrorCode } from "../../../core/runtime/errors";

function unwrapIndex(result: ReturnType<typeof SlotIndex.create>): SlotIndex {
  if (!result.ok) throw new Error(`SlotIndex.create failed: ${result.code}`);
  return result.value;
}

describe("SlotIndex (keys to the caller's slots, a key per slot and a narrow table)", () => {
  it("refuses a slot outside 0..capacity-1 or a key that is not a uint32 with InvalidArgument and changes nothing", () => {
    const index = unwrapIndex(SlotIndex.create(4));
    expect(index.set(7, 3)).toBe(ErrorCode.Ok);
    expect([index.set(8, 4), index.set(8, -1), index.set(8, 1.5), index.set(7, 4), index.set(-1, 0), index.set(2 ** 32, 0)]).toEqual(Array(6).fill(ErrorCode.InvalidArgument));
    expect(index.size).toBe(1);
    expect(index.get(7, -1)).toBe(3);
    expect(index.has(8)).toBe(false);
    expect(index.invalidKeyCount).toBe(6);
    expect(index.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("refuses a slot another key holds with Exists (nothing changes); a key may move to a free slot or stay", () => {
    const index = unwrapIndex(SlotIndex.create(3));
    expect(index.set(10, 0)).toBe(ErrorCode.Ok);
    expect(index.set(11, 1)).toBe(ErrorCode.Ok);
    expect(index.set(12, 0)).toBe(ErrorCode.Exists);
    expect(index.set(11, 0)).toBe(ErrorCode.Exists);
    expect(index.set(11, 1)).toBe(ErrorCode.Ok);
    expect([index.get(10, -1), index.get(11, -1), index.has(12), index.size]).toEqual([0, 1, false, 2]);
    expect(index.set(11, 2)).toBe(ErrorCode.Ok);
    expect([index.get(11, -1), index.keyOf(1), index.keyOf(2), index.size]).toEqual([2, -ErrorCode.NotFound, 11, 2]);
    expect(index.set(12, 1)).toBe(ErrorCode.Ok);
    expect(index.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("honours capacity exactly: a new key past it is refused with Full and counted", () => {
    for (const capacity of [1, 2, 3, 255, 256, 300]) {
      const index = unwrapIndex(SlotIndex.create(capacity));
      for (let slot = 0; slot < capacity; slot++) expect(index.set(1000 + slot * 7919, slot)).toBe(ErrorCode.Ok);
      expect(index.size).toBe(capacity);
      expect(index.set(5, 0)).toBe(ErrorCode.Full);
      expect(index.refusedCount).toBe(1);
      for (let slot = 0; slot < capacity; slot++) expect(index.get(1000 + slot * 7919, -1)).toBe(slot);
      expect(index.checkInvariants()).toBe(ErrorCode.Ok);
    }
  });

  it("takes 2 x capacity positions in the narrowest word: 1 byte up to 255 slots, 2 up to 65535, 4 beyond", () => {
    expect(SlotIndex.bytesFor(33)).toBe(4 * 33 + 66);
    expect(SlotIndex.bytesFor(255)).toBe(4 * 255 + 510);
    expect(SlotIndex.bytesFor(256)).toBe(4 * 256 + 2 * 512);
    expect(SlotIndex.bytesFor(65_536)).toBe(4 * 65_536 + 4 * 131_072);
    expect(unwrapIndex(SlotIndex.create(33)).slotCount).toBe(66);
    expect([SlotIndex.bytesFor(0), SlotIndex.bytesFor(1.5), SlotIndex.bytesFor((1 << 22) + 1)]).toEqual(Array(3).fill(-ErrorCode.InvalidArgument));
    // 255 slots store slot + 1 = 255 in a byte; 256 need a wider word.
    const index = unwrapIndex(SlotIndex.create(256));
    expect(index.set(9, 255)).toBe(ErrorCode.Ok);
    expect(index.get(9, -1)).toBe(255);
  });

  it("lives in a caller's buffer between the caller's own bytes and never writes outside its range", () => {
    const capacity = 5;
    const bytes = SlotIndex.bytesFor(capacity);
    const buffer = new ArrayBuffer(8 + bytes + 8);
    const all = new Uint8Array(buffer);
    all.fill(0xa5);
    new Uint8Array(buffer, 8, bytes).fill(0);
    const index = unwrapIndex(SlotIndex.create(capacity, buffer, 8));
    const keys = [0, 1, 0xffff_ffff, 0x8000_0000, 0xffff];
    keys.forEach((key, i) => expect(index.set(key, capacity - 1 - i)).toBe(ErrorCode.Ok));
    keys.forEach((key, i) => expect(index.get(key, -1)).toBe(capacity - 1 - i));
    expect(index.delete(1)).toBe(ErrorCode.Ok);
    expect(all.subarray(0, 8).every((b) => b === 0xa5)).toBe(true);
    expect(all.subarray(8 + bytes).every((b) => b === 0xa5)).toBe(true);
    expect([SlotIndex.create(capacity, buffer, 2).ok, SlotIndex.create(capacity, buffer, 12).ok, SlotIndex.create(capacity, buffer, 16).ok, SlotIndex.create(capacity, buffer, 20).ok]).toEqual([false, true, true, false]);
  });

  it("behaves like a bijection of keys and slots under any sequence of set, delete and clear (invariants hold)", () => {
    const capacity = 12;
    const op = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), key: fc.integer({ min: 0, max: 40 }), slot: fc.integer({ min: 0, max: capacity - 1 }) }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant("clear" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const index = unwrapIndex(SlotIndex.create(capacity));
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === "set") {
            const holder = [...model.entries()].find(([, slot]) => slot === o.slot)?.[0];
            const expected = !model.has(o.key) && model.size >= capacity ? ErrorCode.Full : holder !== undefined && holder !== o.key ? ErrorCode.Exists : ErrorCode.Ok;
            expect(index.set(o.key, o.slot)).toBe(expected);
            if (expected === ErrorCode.Ok) model.set(o.key, o.slot);
          } else if (o.kind === "delete") {
            expect(index.delete(o.key)).toBe(model.delete(o.key) ? ErrorCode.Ok : ErrorCode.NotFound);
          } else {
            index.clear();
            model.clear();
          }
          expect(index.checkInvariants()).toBe(ErrorCode.Ok);
        }
        expect(index.size).toBe(model.size);
        for (let key = 0; key <= 40; key++) expect(index.get(key, -1)).toBe(model.get(key) ?? -1);
        for (let slot = 0; slot < capacity; slot++) {
          const holder = [...model.entries()].find(([, s]) => s === slot)?.[0];
          expect(index.keyOf(slot)).toBe(holder ?? -ErrorCode.NotFound);
          if (holder !== undefined) expect(index.storedKey(slot)).toBe(holder);
        }
      }),
      { numRuns: 200, seed: 0x1dc5 },
    );
  });
});
