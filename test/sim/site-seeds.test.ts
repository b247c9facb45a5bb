/**
 * The site simulator (README "Quick start" and "Simulator"), over 200 seeds of small random sites (test/host-sim/site/fixtures.ts)
 * with up to 10 % loss per link, a graceful shutdown and a power loss each:
 *  - every alert raised before the last 40 % of the run reaches a gateway
 *    (latency p50/p99 in virtual time reported);
 *  - the routine telemetry delivery ratio is reported;
 *  - no ring or queue grows past its capacity (site-capacities invariant,
 *    after every event), and the gateways never get a message twice;
 *  - shutdown and restart of boards lose no stored state (site-stored-state
 *    invariant, at every boot after a shutdown or power loss);
 *  - the same seed gives the same trace hash.
 * Every site invariant is on, `site-delivered-once-across-reboots` included.
 */
import { describe, expect, it } from "vitest";
import { buildSite, runSite } from "../../host-sim/site/site";
import { siteReport, type SiteReport } from "../../host-sim/site/site-report";
import { validateSiteSpec } from "../../host-sim/site/site-spec";
import { smallSite } from "../host-sim/site/fixtures";

const SEEDS = 200;

function run(seed: number): SiteReport {
  const validation = validateSiteSpec(smallSite(seed));
  if (!validation.ok) throw new Error(`seed ${seed}: ${validation.problems.join("; ")}`);
  const built = buildSite(validation.spec);
  if (!built.ok) throw new Error(`seed ${seed}: ${built.problems.join("; ")}`);
  runSite(built.site);
  return siteReport(built.site);
}

function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

describe(`site simulation over ${SEEDS} seeds (<= 10 % loss, a shutdown and a power loss each)`, () => {
  const reports: SiteReport[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) reports.push(run(seed));
  const failed = (predicate: (r: SiteReport) => boolean): string[] => reports.filter((r) => !predicate(r)).map((r) => `seed ${r.seed} (picket site --site <small-${r.seed}>): ${r.violation ?? ""}`);

  it("finishes every run with every invariant holding (capacities, stored state, at-most-once, kernel)", () => {
    expect(failed((r) => r.ok)).toEqual([]);
  });

  it("delivers every alert raised before the last 40 % of the run to a gateway", () => {
    expect(failed((r) => r.alertsRaised > 0 && r.alertsRaisedNotDelivered === 0 && r.alertsAbandoned === 0)).toEqual([]);
    const total = reports.reduce((sum, r) => sum + r.alertsRaised, 0);
    expect(total).toBeGreaterThanOrEqual(SEEDS * 4);
  });

  it("loses no stored state across shutdown/restart and power loss", () => {
    expect(failed((r) => r.storedStateChecks >= 2 && r.storedStateLost === 0 && r.shutdowns === 1 && r.crashes === 1 && r.bootFailures === 0)).toEqual([]);
  });

  it("reports the routine telemetry delivery ratio and alert latency (virtual time)", () => {
    const ratios = reports.map((r) => r.deliveryRatio);
    for (const ratio of ratios) {
      // Every run delivers a good share; the aggregate is what hop-by-hop retransmission must keep up.
      expect(ratio).toBeGreaterThan(0.4);
      expect(ratio).toBeLessThanOrEqual(1);
    }
    expect(ratios.reduce((a, b) => a + b, 0) / ratios.length).toBeGreaterThan(0.75);
    const p50 = reports.map((r) => r.alertLatencyP50Ms);
    const p99 = reports.map((r) => r.alertLatencyP99Ms);
    for (const r of reports) expect(r.alertLatencyP99Ms).toBeGreaterThanOrEqual(r.alertLatencyP50Ms);
    const summary = {
      seeds: SEEDS,
      deliveryRatio: { min: Math.min(...ratios), median: quantile(ratios, 0.5), mean: ratios.reduce((a, b) => a + b, 0) / ratios.length },
      alertLatencyMs: { p50Median: quantile(p50, 0.5), p99Median: quantile(p99, 0.5), p99Worst: Math.max(...p99) },
      alerts: reports.reduce((sum, r) => sum + r.alertsDelivered, 0),
    };
    console.log(`site seeds: ${JSON.stringify(summary)}`);
    expect(summary.alertLatencyMs.p50Median).toBeGreaterThan(0);
  });

  it("gives the same trace hash for the same seed", () => {
    for (const seed of [1, 77, 200]) expect(run(seed).traceHash).toBe(reports[seed - 1]?.traceHash);
  });
});
