/**
 * CounterReservation's edges, one assertion per guard (mutation testing,
 * `npm run mutate`): option bounds, the proof rule over two copies
 * (`provable`), how each copy is read, where counting resumes, `repair`,
 * and a reservation whose second copy cannot be written. A scripted KvStore
 * says exactly what the store read and what mount could not read.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { Outcome, type Status } from "../../../core/runtime/result";
import { COUNTER_STEP_MAX, CounterReservation, type CounterReservationOptions } from "../../../core/storage/counter-reservation";
import type { KvStore } from "../../../core/storage/kv-store";
import type { Counter } from "../../../core/runtime/ids";

const A = 1;
const B = 2;

/** A KvStore whose values, failures and hidden-record counts a test sets. */
class ScriptedKv implements KvStore {
  readonly keyCount = 4;
  readonly valueMaxBytes = 8;
  readonly values = new Map<number, Uint8Array>();
  readonly hidden = new Map<number, number>();
  readonly getFailures = new Map<number, number>();
  readonly putFailures = new Map<number, Status>();
  readonly puts: number[] = [];
  sizes = [8, 8, 8, 4];

  valueBytesOf(key: number): number {
    return this.sizes[key] ?? 0;
  }
  put(key: number, value: Uint8Array, offset: number, lengthBytes: number): Status {
    const failure = this.putFailures.get(key);
    if (failure !== undefined) return failure;
    this.values.set(key, value.slice(offset, offset + lengthBytes));
    this.puts.push(key);
    return ErrorCode.Ok;
  }
  get(key: number, out: Uint8Array, outOffset: number): number {
    const failure = this.getFailures.get(key);
    if (failure !== undefined) return failure;
    const value = this.values.get(key);
    if (value === undefined) return -ErrorCode.NotFound;
    out.set(value, outOffset);
    return value.length;
  }
  readU32(key: number, at: number): number {
    const value = this.values.get(key);
    if (value === undefined || value.length < at + 4) return -1;
    return ((value[at] ?? 0) | ((value[at + 1] ?? 0) << 8) | ((value[at + 2] ?? 0) << 16) | ((value[at + 3] ?? 0) << 24)) >>> 0;
  }
  remove(key: number): Status {
    this.values.delete(key);
    return ErrorCode.Ok;
  }
  has(key: number): boolean {
    return this.values.has(key);
  }
  hiddenRecordsAfter(key: number): number {
    return this.hidden.get(key) ?? 0;
  }

  setCeiling(key: number, value: number, length = 8): void {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < Math.min(length, 8); i++) bytes[i] = Math.floor(value / 2 ** (8 * i)) % 256;
    this.values.set(key, bytes);
  }
  ceilingOf(key: number): number {
    const bytes = this.values.get(key);
    if (bytes === undefined) return -1;
    let value = 0;
    for (let i = 0; i < 8; i++) value += (bytes[i] ?? 0) * 2 ** (8 * i);
    return value;
  }
}

function open(kv: KvStore, options: Partial<CounterReservationOptions> = {}): { code: number; counter: CounterReservation | undefined } {
  const opened = CounterReservation.open(kv, { key: A, mirrorKey: B, stepK: 8, ...options });
  return opened.ok ? { code: ErrorCode.Ok, counter: opened.value } : { code: opened.code, counter: undefined };
}

describe("CounterReservation options, at each edge", () => {
  it("accepts each bound and refuses one past it (InvalidArgument), writing nothing", () => {
    const cases: [Partial<CounterReservationOptions>, number][] = [
      [{ maxValue: 0 }, ErrorCode.Ok],
      [{ maxValue: -1 }, ErrorCode.InvalidArgument],
      [{ maxValue: 1.5 }, ErrorCode.InvalidArgument],
      [{ maxValue: Number.MAX_SAFE_INTEGER - 1 }, ErrorCode.Ok],
      [{ maxValue: Number.MAX_SAFE_INTEGER }, ErrorCode.InvalidArgument],
      [{ firstValue: 0, maxValue: 10 }, ErrorCode.Ok],
      [{ firstValue: 10, maxValue: 10 }, ErrorCode.Ok],
      [{ firstValue: 11, maxValue: 10 }, ErrorCode.InvalidArgument],
      [{ firstValue: -1 }, ErrorCode.InvalidArgument],
      [{ firstValue: 0.5 }, ErrorCode.InvalidArgument],
      [{ stepK: 1 }, ErrorCode.Ok],
      [{ stepK: 0 }, ErrorCode.InvalidArgument],
      [{ stepK: COUNTER_STEP_MAX }, ErrorCode.Ok],
      [{ stepK: COUNTER_STEP_MAX + 1 }, ErrorCode.InvalidArgument],
      [{ mirrorKey: A }, ErrorCode.InvalidArgument],
      [{ mirrorKey: 4 }, ErrorCode.InvalidArgument],
      [{ mirrorKey: 3 }, ErrorCode.InvalidArgument], // a key whose values are too small for a ceiling
      [{ mirrorKey: 0.5 }, ErrorCode.InvalidArgument],
      [{ mirrorKey: 0 }, ErrorCode.Ok],
      [{ key: 3 }, ErrorCode.InvalidArgument],
      [{ key: -1 }, ErrorCode.InvalidArgument],
    ];
    for (const [options, expected] of cases) {
      const kv = new ScriptedKv();
      expect([options, open(kv, options).code]).toEqual([options, expected]);
      expect(kv.puts).toEqual([]);
    }
  });
});

describe("the proof rule: trust a copy only while it is provably its key's newest value", () => {
  it("with two copies: resumes when either copy has nothing unread after it, or at most one record is unread after both", () => {
    const table: [number, number, number][] = [
      [0, 0, ErrorCode.Ok],
      [0, 5, ErrorCode.Ok],
      [5, 0, ErrorCode.Ok],
      [1, 1, ErrorCode.Ok],
      [2, 1, ErrorCode.CounterUnprovable],
      [1, 2, ErrorCode.CounterUnprovable],
      [2, 2, ErrorCode.CounterUnprovable],
    ];
    for (const [afterA, afterB, expected] of table) {
      const kv = new ScriptedKv();
      kv.setCeiling(A, 40);
      kv.setCeiling(B, 40);
      kv.hidden.set(A, afterA);
      kv.hidden.set(B, afterB);
      expect([afterA, afterB, open(kv).code]).toEqual([afterA, afterB, expected]);
      expect(kv.puts).toEqual([]);
    }
  });

  it("with one copy: resumes only when nothing is unread after it", () => {
    const kv = new ScriptedKv();
    kv.setCeiling(A, 40);
    kv.hidden.set(A, 0);
    expect(CounterReservation.open(kv, { key: A, stepK: 8 }).ok).toBe(true);
    kv.hidden.set(A, 1);
    const refused = CounterReservation.open(kv, { key: A, stepK: 8 });
    expect(refused.ok ? ErrorCode.Ok : refused.code).toBe(ErrorCode.CounterUnprovable);
  });
});

describe("reading the copies", () => {
  it("resumes at the largest of the two copies and the first value of the range", () => {
    const cases: [number | undefined, number | undefined, number, number][] = [
      [undefined, undefined, 0, 0],
      [undefined, undefined, 300, 300],
      [40, undefined, 0, 40],
      [undefined, 40, 0, 40],
      [40, 48, 0, 48],
      [48, 40, 0, 48],
      [48, 40, 100, 100],
    ];
    for (const [a, b, firstValue, expected] of cases) {
      const kv = new ScriptedKv();
      if (a !== undefined) kv.setCeiling(A, a);
      if (b !== undefined) kv.setCeiling(B, b);
      const { counter } = open(kv, { firstValue });
      expect([a, b, firstValue, counter?.peekNext]).toEqual([a, b, firstValue, expected]);
      expect(counter?.ceiling).toBe(expected);
    }
  });

  it("refuses on a copy it cannot read as a ceiling: the store's error, Corrupt for a wrong length or an unsafe number", () => {
    const cases: [(kv: ScriptedKv) => void, number][] = [
      [(kv) => kv.getFailures.set(B, -ErrorCode.NotMounted), ErrorCode.NotMounted],
      [(kv) => kv.getFailures.set(A, -ErrorCode.DeviceFault), ErrorCode.DeviceFault],
      [(kv) => kv.getFailures.set(B, -ErrorCode.InvalidArgument), ErrorCode.Corrupt],
      [(kv) => kv.setCeiling(B, 40, 7), ErrorCode.Corrupt],
      [(kv) => kv.values.set(B, new Uint8Array(8).fill(0xff)), ErrorCode.Corrupt],
    ];
    for (const [damage, expected] of cases) {
      const kv = new ScriptedKv();
      kv.setCeiling(A, 40);
      kv.setCeiling(B, 40);
      damage(kv);
      expect(open(kv).code).toBe(expected);
    }
  });
});

describe("repair", () => {
  it("writes nothing when both copies hold the ceiling and nothing is unread after them, nor without a mirror, nor at 0", () => {
    const same = new ScriptedKv();
    same.setCeiling(A, 40);
    same.setCeiling(B, 40);
    expect(open(same).counter?.repair()).toBe(ErrorCode.Ok);
    expect(same.puts).toEqual([]);
    const single = new ScriptedKv();
    single.setCeiling(A, 40);
    const one = CounterReservation.open(single, { key: A, stepK: 8 });
    expect(one.ok ? one.value.repair() : -1).toBe(ErrorCode.Ok);
    expect(single.puts).toEqual([]);
    const fresh = new ScriptedKv();
    expect(open(fresh).counter?.repair()).toBe(ErrorCode.Ok);
    expect(fresh.puts).toEqual([]);
  });

  it("writes the ceiling to the first copy, then the mirror, when they differ, one is missing, or a record is unread after one", () => {
    const setups: ((kv: ScriptedKv) => void)[] = [
      (kv) => {
        kv.setCeiling(A, 48);
        kv.setCeiling(B, 40);
      },
      (kv) => {
        kv.setCeiling(A, 40);
        kv.setCeiling(B, 48);
      },
      (kv) => kv.setCeiling(A, 48),
      (kv) => kv.setCeiling(B, 48),
      (kv) => {
        kv.setCeiling(A, 48);
        kv.setCeiling(B, 48);
        kv.hidden.set(A, 1);
      },
      (kv) => {
        kv.setCeiling(A, 48);
        kv.setCeiling(B, 48);
        kv.hidden.set(B, 1);
      },
    ];
    for (const setup of setups) {
      const kv = new ScriptedKv();
      setup(kv);
      const counter = open(kv).counter;
      expect(counter?.repair()).toBe(ErrorCode.Ok);
      expect(kv.puts).toEqual([A, B]);
      expect(kv.ceilingOf(A)).toBe(48);
      expect(kv.ceilingOf(B)).toBe(48);
      expect(counter?.failures).toBe(0);
    }
  });

  it("a repair that cannot write is counted, and the mirror is not written before the first copy", () => {
    const kv = new ScriptedKv();
    kv.setCeiling(A, 48);
    const counter = open(kv).counter;
    kv.putFailures.set(A, ErrorCode.NotMounted);
    expect(counter?.repair()).toBe(ErrorCode.NotMounted);
    expect(kv.puts).toEqual([]);
    expect(counter?.failures).toBe(1);
    kv.putFailures.delete(A);
    kv.putFailures.set(B, ErrorCode.StorageFull);
    expect(counter?.repair()).toBe(ErrorCode.StorageFull);
    expect(kv.puts).toEqual([A]);
    expect(counter?.failures).toBe(2);
  });
});

describe("which keys a reservation writes", () => {
  it("one copy writes only its key; a mirror at key 0 is written after the first copy", () => {
    const single = new ScriptedKv();
    const one = CounterReservation.open(single, { key: 2, stepK: 8, aheadValues: 4 });
    if (!one.ok) throw new Error("open");
    expect(one.value.prepare()).toBe(ErrorCode.Ok);
    expect(single.puts).toEqual([2]);
    const zero = new ScriptedKv();
    const mirrored = CounterReservation.open(zero, { key: A, mirrorKey: 0, stepK: 8, aheadValues: 4 });
    if (!mirrored.ok) throw new Error("open");
    expect(mirrored.value.prepare()).toBe(ErrorCode.Ok);
    expect(zero.puts).toEqual([A, 0]);
    expect(zero.ceilingOf(0)).toBe(8);
  });

  it("a ceiling past 2^32 is written whole to both copies", () => {
    const kv = new ScriptedKv();
    kv.setCeiling(A, 2 ** 40 + 5);
    kv.setCeiling(B, 2 ** 40 + 5);
    const counter = open(kv, { aheadValues: 4, maxValue: 2 ** 45 }).counter;
    expect(counter?.prepare()).toBe(ErrorCode.Ok);
    expect(kv.ceilingOf(A)).toBe(2 ** 40 + 13);
    expect(kv.ceilingOf(B)).toBe(2 ** 40 + 13);
  });
});

describe("a reservation whose mirror cannot be written", () => {
  it("reserves nothing: the ceiling stays, nothing is issued under the new one, and the failure is counted", () => {
    const kv = new ScriptedKv();
    const counter = open(kv, { aheadValues: 4 }).counter;
    if (counter === undefined) throw new Error("open");
    kv.putFailures.set(B, ErrorCode.StorageFull);
    expect(counter.prepare()).toBe(ErrorCode.StorageFull);
    expect(counter.ceiling).toBe(0);
    expect(counter.failures).toBe(1);
    expect(counter.reservations).toBe(0);
    const out = new Outcome<Counter>(-1 as Counter);
    expect(counter.next(out)).toBe(ErrorCode.CounterNotReserved);
    expect(out.value).toBe(-1);
    kv.putFailures.delete(B);
    expect(counter.prepare()).toBe(ErrorCode.Ok);
    expect(counter.ceiling).toBe(8);
    expect(kv.ceilingOf(A)).toBe(8);
    expect(kv.ceilingOf(B)).toBe(8);
  });

  it("prepare writes nothing once the range is used up (the value or the ceiling past maxValue)", () => {
    const kv = new ScriptedKv();
    const counter = open(kv, { aheadValues: 2, maxValue: 9 }).counter;
    if (counter === undefined) throw new Error("open");
    expect(counter.prepare()).toBe(ErrorCode.Ok); // ceiling 8
    const out = new Outcome<Counter>(0 as Counter);
    for (let i = 0; i < 7; i++) expect(counter.next(out)).toBe(ErrorCode.Ok);
    expect(counter.prepare()).toBe(ErrorCode.Ok); // ceiling 10 = maxValue + 1
    expect(counter.ceiling).toBe(10);
    const writes = kv.puts.length;
    for (let i = 0; i < 3; i++) counter.next(out);
    expect(counter.prepare()).toBe(ErrorCode.Ok);
    expect(kv.puts.length).toBe(writes);
    expect(counter.next(out)).toBe(ErrorCode.CounterExhausted);
  });
});
