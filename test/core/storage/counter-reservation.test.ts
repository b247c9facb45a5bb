/**
 * Counter reservation (RFC 8613 Appendix B.1.1 style): a ceiling is made
 * durable before any value at or above the previous one is issued, and
 * counting resumes at the stored ceiling, so no value is ever issued twice.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import { Outcome } from "../../../core/runtime/result";
import { CounterReservation, type CounterSource } from "../../../core/storage/counter-reservation";
import type { KvStore } from "../../../core/storage/kv-store";
import type { DurableStore } from "../../../core/storage/durable-store";
import { mountAfterPowerUp, simDevice, SMALL_GEOMETRY } from "./fixtures";
import type { Counter } from "../../../core/runtime/ids";

const KEY = 5;
/** The ceiling's second copy (the board keeps two: counter-reservation.ts "Proof, not hope"). */
const MIRROR = 6;

function open(store: DurableStore, stepK: number, maxValue?: number, aheadValues?: number): CounterReservation {
  const opened = CounterReservation.open(store, { key: KEY, mirrorKey: MIRROR, stepK, ...(maxValue === undefined ? {} : { maxValue }), ...(aheadValues === undefined ? {} : { aheadValues }) });
  if (!opened.ok) throw new Error(`open failed ${opened.code}`);
  return opened.value;
}

function issue(source: CounterSource, count: number): number[] {
  const out = new Outcome<Counter>(0 as Counter);
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    expect(source.next(out)).toBe(ErrorCode.Ok);
    values.push(out.value);
  }
  return values;
}

/** Every value issued across reboots: each new one must be unseen and above all before it. */
class IssueLedger {
  readonly issued = new Set<number>();
  highest = -1;
  readonly #out = new Outcome<Counter>(0 as Counter);

  /** One `next`; on Ok the value is checked and recorded. */
  take(counter: CounterSource): ErrorCode {
    const status = counter.next(this.#out);
    if (status !== ErrorCode.Ok) return status;
    expect(this.issued.has(this.#out.value)).toBe(false);
    expect(this.#out.value).toBeGreaterThan(this.highest);
    this.issued.add(this.#out.value);
    this.highest = this.#out.value;
    return status;
  }

  /** A counter just opened resumes above everything issued before. */
  resumesAbove(counter: CounterReservation): void {
    expect(counter.peekNext).toBeGreaterThan(this.highest);
  }
}

describe("CounterReservation", () => {
  it("issues 0, 1, 2, ... and persists one ceiling per K values, in both copies", () => {
    const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
    const counter = open(store, 8);
    expect(issue(counter, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(counter.reservations).toBe(3); // ceilings 8, 16, 24
    expect(counter.ceiling).toBe(24);
    expect(store.operationsAcknowledged).toBe(6); // each ceiling under KEY, then under MIRROR
    const copy = new Uint8Array(8);
    expect(store.get(KEY, copy, 0)).toBe(8);
    expect(copy[0]).toBe(24);
    expect(store.get(MIRROR, copy, 0)).toBe(8);
    expect(copy[0]).toBe(24);
  });

  it("resumes at the persisted ceiling after a reboot (skipping fewer than K values)", () => {
    const device = simDevice(SMALL_GEOMETRY);
    issue(open(mountAfterPowerUp(device), 8), 10); // ceiling 16
    const resumed = open(mountAfterPowerUp(device), 8);
    expect(resumed.peekNext).toBe(16);
    expect(issue(resumed, 2)).toEqual([16, 17]);
  });

  it("issues nothing when the ceiling cannot be persisted, and retries on the next call", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const store = mountAfterPowerUp(device);
    const counter = open(store, 4);
    issue(counter, 4);
    device.faults.configure({ seed: 1, powerLossAtStep: device.steps });
    const out = new Outcome<Counter>(-1 as Counter);
    expect(counter.next(out)).toBe(ErrorCode.DevicePowerLost);
    expect(out.value).toBe(-1);
    expect(counter.failures).toBe(1);
    const resumed = open(mountAfterPowerUp(device), 4);
    expect(resumed.peekNext).toBeGreaterThanOrEqual(4);
  });

  it("stops at maxValue with CounterExhausted, issuing every value up to it once", () => {
    const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
    const counter = open(store, 4, 9);
    expect(issue(counter, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(counter.next(new Outcome<Counter>(0 as Counter))).toBe(ErrorCode.CounterExhausted);
    expect(counter.ceiling).toBe(10);
  });

  it("refuses to open over a stored value that is not a ceiling (Corrupt) and on bad options (InvalidArgument)", () => {
    const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
    store.put(KEY, new Uint8Array(3), 0, 3);
    const corrupt = CounterReservation.open(store, { key: KEY, stepK: 8 });
    expect(corrupt.ok ? 0 : corrupt.code).toBe(ErrorCode.Corrupt);
    const beyond = new Uint8Array(8).fill(0xff);
    store.put(KEY, beyond, 0, 8);
    const tooBig = CounterReservation.open(store, { key: KEY, stepK: 8 });
    expect(tooBig.ok ? 0 : tooBig.code).toBe(ErrorCode.Corrupt);
    for (const options of [
      { key: KEY, stepK: 0 },
      { key: KEY, stepK: 1.5 },
      { key: 99, stepK: 8 },
      { key: KEY, stepK: 8, maxValue: -1 },
    ]) {
      const opened = CounterReservation.open(store, options);
      expect(opened.ok ? 0 : opened.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("fails closed when the stored ceiling cannot be read: the store's error, never a resume at 0", () => {
    const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
    expect(store.put(KEY, new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0]), 0, 8)).toBe(ErrorCode.Ok);
    for (const failure of [ErrorCode.Corrupt, ErrorCode.NotMounted, ErrorCode.TooLarge]) {
      // The store answers this read with an error: the ceiling (8) exists but cannot be proven.
      const failing: KvStore = {
        keyCount: store.keyCount,
        valueMaxBytes: store.valueMaxBytes,
        valueBytesOf: (key) => store.valueBytesOf(key),
        put: (key, value, offset, length) => store.put(key, value, offset, length),
        get: () => -failure,
        readU32: () => -1,
        remove: (key) => store.remove(key),
        has: (key) => store.has(key),
        hiddenRecordsAfter: () => 0,
      };
      const opened = CounterReservation.open(failing, { key: KEY, stepK: 8 });
      expect(opened.ok ? 0 : opened.code).toBe(failure);
    }
    // Only an absent ceiling starts at 0.
    const absent = CounterReservation.open(mountAfterPowerUp(simDevice(SMALL_GEOMETRY)), { key: KEY, stepK: 8 });
    expect(absent.ok ? absent.value.peekNext : -1).toBe(0);
  });

  it("ceilings past 2^32 are written and read whole; 2^53 - 1 is the largest read, 2^53 is refused (Corrupt)", () => {
    const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
    // Stored little-endian: the low 32 bits, then the high 32 bits.
    const ceiling = (low: number, high: number): Uint8Array => {
      const bytes = new Uint8Array(8);
      for (let i = 0; i < 4; i++) {
        bytes[i] = (low >>> (8 * i)) & 0xff;
        bytes[4 + i] = (high >>> (8 * i)) & 0xff;
      }
      return bytes;
    };
    const maxValue = Number.MAX_SAFE_INTEGER - 1;
    // Resume 3 below 2^32 and take 8 values: the reservation made on the way is 2^32 + 5, its high word 1.
    expect(store.put(KEY, ceiling(0xffff_fffd, 0), 0, 8)).toBe(ErrorCode.Ok);
    const below = open(store, 8, maxValue);
    expect(below.peekNext).toBe(2 ** 32 - 3);
    expect(issue(below, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => 2 ** 32 - 3 + i));
    const reopened = open(store, 8, maxValue);
    expect(reopened.peekNext).toBe(2 ** 32 + 5);
    expect(issue(reopened, 1)).toEqual([2 ** 32 + 5]);
    // The largest safe integer reads back exactly; one more is beyond it and refused.
    expect(store.put(KEY, ceiling(0xffff_ffff, 0x1f_ffff), 0, 8)).toBe(ErrorCode.Ok);
    expect(open(store, 8, maxValue).peekNext).toBe(Number.MAX_SAFE_INTEGER);
    expect(store.put(KEY, ceiling(0, 0x20_0000), 0, 8)).toBe(ErrorCode.Ok);
    const beyond = CounterReservation.open(store, { key: KEY, stepK: 8, maxValue });
    expect(beyond.ok ? 0 : beyond.code).toBe(ErrorCode.Corrupt);
  });

  it("never issues a value twice across 1,200 random reboots, half of them power losses mid-write", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const rng = new Xoshiro128(2024);
    const ledger = new IssueLedger();
    let reboots = 0;
    let powerLosses = 0;
    for (; reboots < 1200; reboots++) {
      const store = mountAfterPowerUp(device);
      const counter = open(store, 1 + rng.nextBelow(16));
      ledger.resumesAbove(counter);
      const lossy = rng.nextBelow(2) === 0;
      device.faults.configure({ seed: rng.nextU32(), powerLossPermille: lossy ? 150 : 0 });
      const wanted = rng.nextBelow(40);
      for (let i = 0; i < wanted; i++) {
        const status = ledger.take(counter);
        if (status !== ErrorCode.Ok) {
          expect(status).toBe(ErrorCode.DevicePowerLost);
          powerLosses++;
          break;
        }
      }
      // Unrelated writes share the partition, so cleaning and superblock moves happen too.
      if (device.powered) store.put(rng.nextBelow(4), new Uint8Array(12), 0, 12);
      device.faults.configure({ seed: 1 });
    }
    expect(reboots).toBe(1200);
    expect(powerLosses).toBeGreaterThan(100);
    expect(ledger.issued.size).toBeGreaterThan(5000);
  });

  describe("with aheadValues (the board's mode: persist in prepare, never inside next)", () => {
    it("next never writes: it issues what prepare reserved, then refuses with CounterNotReserved, issuing nothing", () => {
      const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
      const counter = open(store, 8, undefined, 4);
      const out = new Outcome<Counter>(-1 as Counter);
      // Nothing reserved before the first persist phase.
      expect(counter.next(out)).toBe(ErrorCode.CounterNotReserved);
      expect(out.value).toBe(-1);
      expect(store.operationsAcknowledged).toBe(0);
      expect(counter.prepare()).toBe(ErrorCode.Ok);
      expect(store.operationsAcknowledged).toBe(2); // the ceiling and its mirror
      expect(counter.ceiling).toBe(8);
      expect(issue(counter, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(store.operationsAcknowledged).toBe(2);
      expect(counter.next(out)).toBe(ErrorCode.CounterNotReserved);
      expect(out.value).toBe(-1);
      expect(counter.peekNext).toBe(8);
      expect(counter.notReserved).toBe(2);
      expect(counter.issued).toBe(8);
      expect(store.operationsAcknowledged).toBe(2);
      // The next persist phase continues the sequence with no gap.
      expect(counter.prepare()).toBe(ErrorCode.Ok);
      expect(issue(counter, 2)).toEqual([8, 9]);
    });

    it("prepare writes only when fewer than aheadValues reserved values are left", () => {
      const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
      const counter = open(store, 8, undefined, 3);
      expect(counter.prepare()).toBe(ErrorCode.Ok); // ceiling 8
      issue(counter, 5); // 3 left: enough
      expect(counter.reservedAhead).toBe(3);
      expect(counter.prepare()).toBe(ErrorCode.Ok);
      expect(store.operationsAcknowledged).toBe(2);
      issue(counter, 1); // 2 left: below 3
      expect(counter.prepare()).toBe(ErrorCode.Ok);
      expect(store.operationsAcknowledged).toBe(4);
      expect(counter.ceiling).toBe(8 + 8); // extended by K from the old ceiling: one write per K values
      expect(counter.reservedAhead).toBe(10);
      expect(counter.reservations).toBe(2);
    });

    it("a prepare that cannot persist reserves nothing: next keeps refusing, and the failure is counted", () => {
      const device = simDevice(SMALL_GEOMETRY);
      const store = mountAfterPowerUp(device);
      const counter = open(store, 4, undefined, 4);
      expect(counter.prepare()).toBe(ErrorCode.Ok);
      issue(counter, 4);
      device.faults.configure({ seed: 1, powerLossAtStep: device.steps });
      expect(counter.prepare()).toBe(ErrorCode.DevicePowerLost);
      expect(counter.failures).toBe(1);
      expect(counter.ceiling).toBe(4);
      const out = new Outcome<Counter>(-1 as Counter);
      expect(counter.next(out)).toBe(ErrorCode.CounterNotReserved);
      expect(out.value).toBe(-1);
      expect(open(mountAfterPowerUp(device), 4).peekNext).toBeGreaterThanOrEqual(4);
    });

    it("stops at maxValue: prepare reserves up to it and next ends with CounterExhausted", () => {
      const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
      const counter = open(store, 8, 9, 8);
      expect(counter.prepare()).toBe(ErrorCode.Ok);
      expect(issue(counter, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(counter.prepare()).toBe(ErrorCode.Ok);
      expect(counter.ceiling).toBe(10);
      expect(issue(counter, 2)).toEqual([8, 9]);
      expect(counter.prepare()).toBe(ErrorCode.Ok);
      expect(counter.reservations).toBe(2);
      expect(counter.next(new Outcome<Counter>(0 as Counter))).toBe(ErrorCode.CounterExhausted);
    });

    it("refuses aheadValues outside 1..stepK (InvalidArgument)", () => {
      const store = mountAfterPowerUp(simDevice(SMALL_GEOMETRY));
      for (const aheadValues of [0, 9, 1.5, -1]) {
        const opened = CounterReservation.open(store, { key: KEY, stepK: 8, aheadValues });
        expect(opened.ok ? 0 : opened.code).toBe(ErrorCode.InvalidArgument);
      }
      expect(CounterReservation.open(store, { key: KEY, stepK: 8, aheadValues: 8 }).ok).toBe(true);
    });

    it("never issues a value twice across 600 random reboots with power losses in prepare", () => {
      const device = simDevice(SMALL_GEOMETRY);
      const rng = new Xoshiro128(77);
      const ledger = new IssueLedger();
      let powerLosses = 0;
      let refusals = 0;
      for (let reboot = 0; reboot < 600; reboot++) {
        const store = mountAfterPowerUp(device);
        const stepK = 1 + rng.nextBelow(16);
        const counter = open(store, stepK, undefined, 1 + rng.nextBelow(stepK));
        ledger.resumesAbove(counter);
        device.faults.configure({ seed: rng.nextU32(), powerLossPermille: rng.nextBelow(2) === 0 ? 150 : 0 });
        const ticks = rng.nextBelow(10);
        for (let t = 0; t < ticks && device.powered; t++) {
          const prepared = counter.prepare();
          if (prepared !== ErrorCode.Ok) {
            expect(prepared).toBe(ErrorCode.DevicePowerLost);
            powerLosses++;
            break;
          }
          const wanted = rng.nextBelow(12);
          for (let i = 0; i < wanted; i++) {
            const status = ledger.take(counter);
            if (status !== ErrorCode.Ok) {
              expect(status).toBe(ErrorCode.CounterNotReserved);
              refusals++;
              break;
            }
          }
        }
        if (device.powered) store.put(rng.nextBelow(4), new Uint8Array(12), 0, 12);
        device.faults.configure({ seed: 1 });
      }
      expect(powerLosses).toBeGreaterThan(30);
      expect(refusals).toBeGreaterThan(30);
      expect(ledger.issued.size).toBeGreaterThan(2000);
    });
  });
});
