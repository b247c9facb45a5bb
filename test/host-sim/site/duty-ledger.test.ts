/**
 * The site's sliding-hour duty ledger (host-sim/site/duty-ledger.ts) and its
 * invariant `site-duty-hour`: exact sums over the hour ending at each
 * transmission, the per-clock-hour table and the worst sliding hour the
 * report prints, and, on a real mesh site, the same airtime the simulated
 * radios counted.
 */
import { describe, expect, it } from "vitest";
import { HOUR_MS } from "../../../core/mesh/duty-cycle";
import { DutyLedger } from "../../../host-sim/site/duty-ledger";
import { buildSite, runSite } from "../../../host-sim/site/site";
import { siteReport } from "../../../host-sim/site/site-report";
import { validateSiteSpec } from "../../../host-sim/site/site-spec";
import { smallSite } from "./fixtures";

/** A ledger whose clock the test sets. */
function ledger(boards: number, budgetPermille: number): { duty: DutyLedger; at: (ms: number) => void } {
  const clock = { index: 0, timeMs: 0 };
  const duty = new DutyLedger(boards, budgetPermille);
  duty.attachEvents(clock);
  return { duty, at: (ms) => void (clock.timeMs = ms) };
}

const S = 1_000_000; // µs

describe("DutyLedger", () => {
  it("refuses a board count or a budget it cannot honour", () => {
    expect(() => new DutyLedger(0, 10)).toThrow(/boards must be a positive integer/);
    expect(() => new DutyLedger(2, 0)).toThrow(/budget must be/);
    expect(() => new DutyLedger(2, 1001)).toThrow(/budget must be/);
  });

  it("fires only when a board's airtime in the hour ending now exceeds its budget: exactly the budget is allowed", () => {
    const { duty, at } = ledger(2, 10); // 1 % of an hour: 36 s
    at(0);
    duty.record(1, 20 * S);
    at(30 * 60_000);
    duty.record(1, 16 * S); // 36 s in the hour: at the budget, not over it
    expect(duty.violation).toBeUndefined();
    at(30 * 60_000 + 1);
    duty.record(0, 30 * S); // another board's airtime is its own
    expect(duty.violation).toBeUndefined();
    at(HOUR_MS - 1);
    duty.record(1, 1); // 1 µs over, within the hour of the first
    expect(duty.violation).toMatch(/^board 1 sent 36\.00 s of airtime in the hour to 3599999 ms, over its budget of 36\.00 s$/);
  });

  it("lets airtime leave the window an hour after it started", () => {
    const { duty, at } = ledger(1, 10);
    at(0);
    duty.record(0, 36 * S);
    at(HOUR_MS); // the first transmission started exactly an hour ago: out of (now - 1 h, now]
    duty.record(0, 36 * S);
    expect(duty.violation).toBeUndefined();
    at(HOUR_MS + 1);
    duty.record(0, 1);
    expect(duty.violation).toMatch(/board 0 sent 36\.00 s/);
  });

  it("reports airtime per clock hour and the worst sliding hour, which may straddle two clock hours", () => {
    const { duty, at } = ledger(2, 1000);
    at(10 * 60_000);
    duty.record(0, 5 * S);
    at(50 * 60_000);
    duty.record(0, 7 * S);
    at(70 * 60_000);
    duty.record(0, 11 * S);
    at(130 * 60_000);
    duty.record(0, 2 * S);
    const [b0, b1] = duty.hours(150 * 60_000);
    expect(b0?.perHourUs).toEqual([12 * S, 11 * S, 2 * S]);
    // The hour from 50 min holds 7 + 11 s: more than any clock hour.
    expect([b0?.worstHourUs, b0?.worstHourStartMs]).toEqual([18 * S, 50 * 60_000]);
    expect(b1).toEqual({ board: 1, perHourUs: [0, 0, 0], worstHourUs: 0, worstHourStartMs: 0 });
  });
});

describe("site-duty-hour on a mesh site", () => {
  it("counts exactly the airtime every simulated radio put on the air, and the report's worst hour is the busiest board's", () => {
    const validation = validateSiteSpec({ ...smallSite(3, { faults: false }), transport: "mesh" });
    if (!validation.ok) throw new Error(validation.problems.join("; "));
    const built = buildSite(validation.spec);
    if (!built.ok) throw new Error(built.problems.join("; "));
    expect(built.site.invariantNames).toContain("site-duty-hour");
    runSite(built.site);
    const report = siteReport(built.site);
    expect(report.ok).toBe(true);
    let busiest = report.perBoard[0];
    for (const board of report.perBoard) {
      // The ledger's hours add up to the radio's own airtime count (ms), board by board.
      const ledgerMs = board.dutyPerHourPermille.reduce((sum, p) => sum + p, 0) * (HOUR_MS / 1000);
      expect(ledgerMs).toBeCloseTo(board.airtimeMs, 6);
      if (busiest === undefined || board.airtimeMs > busiest.airtimeMs) busiest = board;
    }
    expect(busiest?.airtimeMs).toBeGreaterThan(0);
    // A run shorter than an hour: the worst hour holds all of the busiest board's airtime.
    expect(report.dutyHour?.worstBoard).toBe(busiest?.board);
    expect(report.dutyHour?.worstPermille).toBeCloseTo((busiest?.airtimeMs ?? 0) / (HOUR_MS / 1000), 6);
  });

  it("can be switched off by name, and the stand-in transport keeps no ledger", () => {
    const mesh = validateSiteSpec({ ...smallSite(3, { faults: false }), transport: "mesh" });
    const standIn = validateSiteSpec({ ...smallSite(3, { faults: false }), transport: "stand-in" });
    if (!mesh.ok || !standIn.ok) throw new Error("site");
    const off = buildSite(mesh.spec, { invariants: { "site-duty-hour": false } });
    expect(off.ok && off.site.invariantNames.includes("site-duty-hour")).toBe(false);
    const plain = buildSite(standIn.spec);
    expect(plain.ok && plain.site.duty === undefined && !plain.site.invariantNames.includes("site-duty-hour")).toBe(true);
  });
});
