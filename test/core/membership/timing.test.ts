/**
 * Membership timing from the radio (core/membership/timing.ts): membership's
 * own airtime never exceeds its share of the duty budget, the bounds move
 * the way the formulas say, and inputs outside their ranges are refused.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AWARENESS_MAX, DEFAULT_TIMING, membershipTiming, probeTimeoutAtMs, suspicionTimeoutMs, type MembershipTiming, type MembershipTimingInput } from "../../../core/membership/index";
import { loraAirtimeUs } from "../../../core/mesh/index";
import { ErrorCode } from "../../../core/runtime/errors";

const SF9 = { spreadingFactor: 9, bandwidthHz: 250_000, codingRateDenominator: 5, preambleSymbols: 8, crcOn: true, implicitHeader: false };
const frameMs = loraAirtimeUs(SF9, 32) / 1000;
const BASE: MembershipTimingInput = { ...DEFAULT_TIMING, pingAirtimeMs: frameMs, ackAirtimeMs: frameMs, dutyCyclePermille: 10, members: 36 };

function timing(input: Partial<MembershipTimingInput> = {}): MembershipTiming {
  const t = membershipTiming({ ...BASE, ...input });
  if (!t.ok) throw new Error(`timing: ${t.code}`);
  return t.value;
}

describe("membership timing", () => {
  it("at SF9/250 kHz, 1 % duty, 10 % share: one probe round every 309 s, using 10 % of the duty budget", () => {
    const t = timing();
    expect(frameMs).toBeCloseTo(123.4, 1);
    expect(t.probePeriodMs).toBe(309_000);
    expect(t.budgetUsePermille).toBeLessThanOrEqual(100);
    expect(t.budgetUsePermille).toBeGreaterThan(99);
    expect(t.retransmitLimit).toBe(4 * 2); // 4 x ceil(log10 37)
    expect(t.expectedFirstDetectionMs / t.probePeriodMs).toBeCloseTo(1.582, 3);
    expect(t.worstFirstDetectionMs).toBe(71 * t.probePeriodMs);
  });

  it("never spends more than its share, for any radio, duty, share and site size", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 5, max: 2000, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 10, max: 1000 }),
        fc.integer({ min: 1, max: 0xfffe }),
        (airtimeMs, duty, share, members) => {
          const t = membershipTiming({ ...BASE, pingAirtimeMs: airtimeMs, ackAirtimeMs: airtimeMs, dutyCyclePermille: duty, sharePermille: share, members });
          if (!t.ok) {
            expect(t.code).toBe(ErrorCode.InvalidArgument); // only when a day is not enough for one round
            return;
          }
          expect(t.value.budgetUsePermille).toBeLessThanOrEqual(share + 1e-9);
          expect(t.value.probePeriodMs).toBeGreaterThanOrEqual(3 * t.value.probeTimeoutMs);
          expect(t.value.probePeriodMs % 1000).toBe(0);
        },
      ),
      { numRuns: 500, seed: 20261207 },
    );
  });

  it("more duty budget shortens the period ten-fold; more members lengthen suspicion and dissemination, not the period", () => {
    expect(timing({ dutyCyclePermille: 100 }).probePeriodMs).toBe(31_000);
    const small = timing({ members: 36 });
    const large = timing({ members: 200 });
    expect(large.probePeriodMs).toBe(small.probePeriodMs);
    expect(large.suspicionMinMs).toBeGreaterThan(small.suspicionMinMs);
    expect(large.retransmitLimit).toBe(12);
    expect(timing({ members: 5 }).suspicionMinMs).toBe(4 * timing({ members: 5 }).probePeriodMs); // max(1, log10 N)
  });

  it("Lifeguard: suspicion falls from max to min with confirmations; the probe timeout grows with awareness up to 9x", () => {
    const t = timing();
    expect(suspicionTimeoutMs(t, 0)).toBe(t.suspicionMaxMs);
    let previous = Number.POSITIVE_INFINITY;
    for (let c = 0; c <= t.expectedConfirmations; c++) {
      const now = suspicionTimeoutMs(t, c);
      expect(now).toBeLessThan(previous);
      previous = now;
    }
    expect(suspicionTimeoutMs(t, t.expectedConfirmations)).toBe(t.suspicionMinMs);
    expect(suspicionTimeoutMs(t, 50)).toBe(t.suspicionMinMs);
    expect(probeTimeoutAtMs(t, 0)).toBe(t.probeTimeoutMs);
    expect(probeTimeoutAtMs(t, AWARENESS_MAX)).toBe(9 * t.probeTimeoutMs);
    expect(probeTimeoutAtMs(t, 100)).toBe(9 * t.probeTimeoutMs);
  });

  it("refuses every input outside its range, and a budget too small for one round a day", () => {
    const bad: Partial<MembershipTimingInput>[] = [
      { pingAirtimeMs: 0 },
      { ackAirtimeMs: Number.NaN },
      { dutyCyclePermille: 0 },
      { dutyCyclePermille: 1001 },
      { sharePermille: 0 },
      { members: 0 },
      { members: 0xffff },
      { indirectProbes: 9 },
      { indirectAllowancePermille: -1 },
      { turnaroundMs: -1 },
      { suspicionMult: 0 },
      { retransmitMult: 1.5 },
      { pingAirtimeMs: 5000, ackAirtimeMs: 5000, dutyCyclePermille: 1, sharePermille: 1 },
    ];
    for (const input of bad) {
      const t = membershipTiming({ ...BASE, ...input });
      expect(t.ok, JSON.stringify(input)).toBe(false);
      if (!t.ok) expect(t.code).toBe(ErrorCode.InvalidArgument);
    }
  });
});
