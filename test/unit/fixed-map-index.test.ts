import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FixedMap } from "../../core/collections/fixed-map";
import { ErrorCode } from "../../core/runtime/errors";

function unwrapMap(result: ReturnType<typeof FixedMap.createIndex>): FixedMap {
  if (!result.ok) throw new Error(`createIndex failed: ${result.code}`);
  return result.value;
}

describe("FixedMap.createIndex (values are slot numbers, stored in 16-bit words)", () => {
  it("refuses a value outside 0..capacity-1 with InvalidArgument and changes nothing", () => {
    const map = unwrapMap(FixedMap.createIndex(4));
    expect(map.set(7, 3)).toBe(ErrorCode.Ok);
    expect([map.set(8, 4), map.set(8, -1), map.set(8, 1.5), map.set(7, 4)]).toEqual(Array(4).fill(ErrorCode.InvalidArgument));
    expect(map.setValueAt(map.slotOf(7), 9)).toBe(ErrorCode.InvalidArgument);
    expect(map.size).toBe(1);
    expect(map.get(7, -1)).toBe(3);
    expect(map.has(8)).toBe(false);
    expect(map.invalidKeyCount).toBe(4);
    expect(map.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("slot number 0 is a value like any other (an entry holding 0 is found, iterated and deleted)", () => {
    const map = unwrapMap(FixedMap.createIndex(2));
    expect(map.set(0, 0)).toBe(ErrorCode.Ok);
    expect(map.get(0, -1)).toBe(0);
    const slot = map.nextSlot(0);
    expect(map.keyAt(slot)).toBe(0);
    expect(map.valueAt(slot, -1)).toBe(0);
    expect(map.delete(0)).toBe(ErrorCode.Ok);
    expect(map.get(0, -1)).toBe(-1);
    expect(map.nextSlot(0)).toBe(-ErrorCode.NotFound);
  });

  it("behaves like a Map of slot numbers under any sequence of set, delete and clear (invariants hold)", () => {
    const capacity = 12;
    const op = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), key: fc.integer({ min: 0, max: 40 }), value: fc.integer({ min: 0, max: capacity - 1 }) }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant("clear" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const map = unwrapMap(FixedMap.createIndex(capacity));
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === "set") {
            const expected = model.has(o.key) || model.size < capacity ? ErrorCode.Ok : ErrorCode.Full;
            expect(map.set(o.key, o.value)).toBe(expected);
            if (expected === ErrorCode.Ok) model.set(o.key, o.value);
          } else if (o.kind === "delete") {
            expect(map.delete(o.key)).toBe(model.delete(o.key) ? ErrorCode.Ok : ErrorCode.NotFound);
          } else {
            map.clear();
            model.clear();
          }
          expect(map.checkInvariants()).toBe(ErrorCode.Ok);
        }
        expect(map.size).toBe(model.size);
        for (let key = 0; key <= 40; key++) expect(map.get(key, -1)).toBe(model.get(key) ?? -1);
        const seen = new Map<number, number>();
        for (let s = map.nextSlot(0); s >= 0; s = map.nextSlot(s + 1)) seen.set(map.keyAt(s), map.valueAt(s, -1));
        expect(seen).toEqual(model);
      }),
      { numRuns: 200, seed: 0x1dc5 },
    );
  });
});
