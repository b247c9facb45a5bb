/**
 * Airtime and duty cycle (README "Mesh transport": airtime and duty cycle): the Semtech time-on-air formula in
 * integer microseconds, the sliding-hour budget per EU868 sub-band, and its
 * never-exceeded property.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AirtimeTable,
  AirtimeWindow,
  DutyCycleBudget,
  HOUR_MS,
  eu868DutyCyclePpm,
  loraAirtimeUs,
  loraSymbolUs,
  type LoRaParams,
} from "../../../core/mesh/index";
import { LORA_SF7 } from "./helpers";
import { unwrap } from "./fixtures";

/** The datasheet formula in floating point, as written (§4.1.1.7), for comparison only. */
function referenceAirtimeMs(p: LoRaParams, payloadBytes: number): number {
  const tSym = 2 ** p.spreadingFactor / (p.bandwidthHz / 1000);
  const de = p.lowDataRateOptimize === true || tSym > 16 ? 1 : 0;
  const ih = p.implicitHeader ? 1 : 0;
  const crc = p.crcOn ? 1 : 0;
  const cr = p.codingRateDenominator - 4;
  const payloadSymbols = 8 + Math.max(Math.ceil((8 * payloadBytes - 4 * p.spreadingFactor + 28 + 16 * crc - 20 * ih) / (4 * (p.spreadingFactor - 2 * de))) * (cr + 4), 0);
  return (p.preambleSymbols + 4.25) * tSym + payloadSymbols * tSym;
}

describe("LoRa time on air (SX1276 datasheet §4.1.1.7)", () => {
  it("matches published values: 23-byte frames at SF7, SF9 and SF12 (125 kHz, 4/5)", () => {
    expect(loraAirtimeUs(LORA_SF7, 23)).toBe(61_696);
    expect(loraAirtimeUs({ ...LORA_SF7, spreadingFactor: 9 }, 23)).toBe(205_824);
    // SF12 at 125 kHz: Tsym = 32.768 ms > 16 ms, so low data rate optimisation is on.
    expect(loraAirtimeUs({ ...LORA_SF7, spreadingFactor: 12 }, 23)).toBe(1_482_752);
  });

  it("equals the floating-point formula (rounded up to a microsecond) for every SF, BW, CR and length", () => {
    for (const spreadingFactor of [7, 8, 9, 10, 11, 12]) {
      for (const bandwidthHz of [62_500, 125_000, 250_000, 500_000]) {
        for (const codingRateDenominator of [5, 8]) {
          const p: LoRaParams = { ...LORA_SF7, spreadingFactor, bandwidthHz, codingRateDenominator };
          for (let length = 0; length <= 255; length += 17) {
            const reference = referenceAirtimeMs(p, length) * 1000;
            const integer = loraAirtimeUs(p, length);
            expect(integer).toBeGreaterThanOrEqual(reference - 1e-6);
            expect(integer - reference).toBeLessThan(1);
          }
        }
      }
    }
  });

  it("refuses parameters whose symbol time is not whole microseconds, or out of range", () => {
    expect(loraSymbolUs({ ...LORA_SF7, bandwidthHz: 41_700 })).toBe(-1);
    expect(loraAirtimeUs({ ...LORA_SF7, spreadingFactor: 13 }, 10)).toBe(-1);
    expect(loraAirtimeUs({ ...LORA_SF7, spreadingFactor: 6 }, 10)).toBe(-1); // SF6 needs implicit header
    expect(loraAirtimeUs({ ...LORA_SF7, codingRateDenominator: 9 }, 10)).toBe(-1);
    expect(loraAirtimeUs(LORA_SF7, 256)).toBe(-1);
    expect(AirtimeTable.forLoRa(LORA_SF7, 300).ok).toBe(false);
  });

  it("an airtime table answers every length up to its maximum as the formula does; a bit-rate table models Wi-Fi UDP", () => {
    const table = unwrap(AirtimeTable.forLoRa(LORA_SF7, 255));
    for (let length = 0; length <= 255; length++) expect(table.airtimeUs(length)).toBe(loraAirtimeUs(LORA_SF7, length));
    expect(table.airtimeUs(256)).toBe(-1);
    expect(table.airtimeUs(-1)).toBe(-1);
    expect(table.airtimeUs(1.5)).toBe(-1);
    const short = unwrap(AirtimeTable.forLoRa(LORA_SF7, 64));
    expect(short.maxFrameBytes).toBe(64);
    expect(short.airtimeUs(64)).toBe(loraAirtimeUs(LORA_SF7, 64));
    expect(short.airtimeUs(65)).toBe(-1);
    const udp = unwrap(AirtimeTable.forBitRate(1_000_000, 100, 1400));
    expect(udp.airtimeUs(125)).toBe(100 + 1000);
    expect(udp.airtimeUs(1)).toBe(100 + 8);
    expect(udp.airtimeUs(1401)).toBe(-1);
    // Rounded up: 1 byte at 3 bit/s is 2,666,666.67 µs.
    expect(unwrap(AirtimeTable.forBitRate(3, 0, 10)).airtimeUs(1)).toBe(2_666_667);
  });

  it("an airtime table agrees with the formula for every SF, bandwidth, coding rate, CRC, header mode and optimisation", () => {
    for (const spreadingFactor of [6, 7, 8, 9, 10, 11, 12]) {
      for (const bandwidthHz of [62_500, 125_000, 250_000, 500_000]) {
        for (const codingRateDenominator of [5, 6, 7, 8]) {
          for (const flags of [0, 1, 2, 3, 4, 7]) {
            const p: LoRaParams = { spreadingFactor, bandwidthHz, codingRateDenominator, preambleSymbols: 6 + flags, crcOn: (flags & 1) === 1, implicitHeader: spreadingFactor === 6 || (flags & 2) === 2, lowDataRateOptimize: (flags & 4) === 4 };
            const table = unwrap(AirtimeTable.forLoRa(p, 255));
            for (let length = 0; length <= 255; length += 3) expect(table.airtimeUs(length)).toBe(loraAirtimeUs(p, length));
          }
        }
      }
    }
  });
});

describe("duty-cycle budget over a sliding hour (ETSI EN 300 220-2, EU868 sub-bands)", () => {
  it("knows the EU868 sub-bands: 0.1 %, 1 %, 10 %, and nothing outside them", () => {
    expect(eu868DutyCyclePpm(868_100_000)).toBe(10_000);
    expect(eu868DutyCyclePpm(868_900_000)).toBe(1_000);
    expect(eu868DutyCyclePpm(869_525_000)).toBe(100_000);
    expect(eu868DutyCyclePpm(869_300_000)).toBe(0);
    expect(eu868DutyCyclePpm(915_000_000)).toBe(0);
  });

  it("1 % of an hour is 36 s of airtime; each class spends only its share", () => {
    const budget = unwrap(DutyCycleBudget.create({ dutyCyclePpm: 10_000, windowMs: HOUR_MS, bucketCount: 60, classSharePermille: [1000, 900, 700] }));
    expect(budget.budgetUs).toBe(36_000_000);
    budget.record(0, 25_000_000);
    expect(budget.allows(1000, 200_000, 2)).toBe(true);
    expect(budget.allows(1000, 300_000, 2)).toBe(false); // telemetry: 70 % = 25.2 s
    expect(budget.allows(1000, 7_000_000, 1)).toBe(true); // alerts: 90 % = 32.4 s
    expect(budget.allows(1000, 11_000_000, 0)).toBe(true); // control: all of it
    expect(budget.allows(1000, 11_000_001, 0)).toBe(false);
  });

  it("airtime leaves the window an hour after the frame ends, and the budget frees then", () => {
    const budget = unwrap(DutyCycleBudget.create({ dutyCyclePpm: 10_000, windowMs: HOUR_MS, bucketCount: 60, classSharePermille: [1000, 1000, 1000] }));
    budget.record(10_000, 36_000_000);
    expect(budget.allows(20_000, 1, 0)).toBe(false);
    const release = budget.nextReleaseMs(20_000);
    expect(release).toBeGreaterThan(10_000 + 36_000 + HOUR_MS - 60_000);
    expect(budget.allows(release - 1, 1, 0)).toBe(false);
    expect(budget.allows(release, 1, 0)).toBe(true);
  });

  it("property: whatever is attempted when, the exact on-air time in every sliding window stays within the budget", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 4000 }), airtimeUs: fc.integer({ min: 1, max: 1_500_000 }), cls: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60),
        (attempts, buckets) => {
          const windowMs = 60_000;
          const budget = unwrap(DutyCycleBudget.create({ dutyCyclePpm: 100_000, windowMs, bucketCount: buckets, classSharePermille: [1000, 900, 700] }));
          const sent: [number, number][] = [];
          let now = 0;
          for (const a of attempts) {
            now += a.gapMs;
            const last = sent[sent.length - 1];
            if (last !== undefined && now * 1000 < last[0] + last[1]) continue; // half duplex
            if (!budget.allows(now, a.airtimeUs, a.cls)) continue;
            budget.record(now, a.airtimeUs);
            sent.push([now * 1000, a.airtimeUs]);
            const endUs = now * 1000 + a.airtimeUs;
            let used = 0;
            for (const [s, d] of sent) used += Math.max(0, Math.min(endUs, s + d) - Math.max(endUs - windowMs * 1000, s));
            if (used > budget.budgetUs) return false;
          }
          return true;
        },
      ),
      { numRuns: 200, seed: 20261124 },
    );
  });

  it("property: the bucketed window never undercounts the exact sliding sum", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 1000 })), { maxLength: 200 }), fc.integer({ min: 1, max: 30 }), (records, buckets) => {
        const window = unwrap(AirtimeWindow.create(buckets * 1000, buckets));
        const kept: [number, number][] = [];
        let now = 0;
        for (const [gap, us] of records) {
          now += gap;
          window.record(now, us);
          kept.push([now, us]);
          const exact = kept.filter(([t]) => t > now - buckets * 1000).reduce((sum, [, v]) => sum + v, 0);
          if (window.usedUs(now) < exact) return false;
        }
        return true;
      }),
      { numRuns: 200, seed: 20261124 },
    );
  });

  it("refuses bad options: ppm above 10^6, window not divisible into buckets, wrong class count", () => {
    expect(DutyCycleBudget.create({ dutyCyclePpm: 1_000_001, windowMs: HOUR_MS, bucketCount: 60, classSharePermille: [1000, 900, 700] }).ok).toBe(false);
    expect(DutyCycleBudget.create({ dutyCyclePpm: 10_000, windowMs: 1000, bucketCount: 7, classSharePermille: [1000, 900, 700] }).ok).toBe(false);
    expect(DutyCycleBudget.create({ dutyCyclePpm: 10_000, windowMs: HOUR_MS, bucketCount: 60, classSharePermille: [1000, 900] }).ok).toBe(false);
  });
});
