/**
 * Many seeds of one site, pooled (README "Site scale": headline numbers
 * over at least 20 seeds): readings produced before the drain phase and
 * delivered, every alert's latency in one distribution, airtime, and the
 * site's targets judged on the pooled figures. Each seed's run is the
 * ordinary `picket site` run; a seed that breaks an invariant or loses an
 * alert fails the sweep whatever the pooled figures say.
 *
 * Host-side only; allocates freely.
 */
import { runSite, type Site } from "./site";
import { siteReport, targetText, verdicts, type SiteReport, type TargetVerdict } from "./site-report";
import { percentile } from "./gateway-sink";
import type { SiteTargets } from "./site-spec";

export interface SweepSeed {
  readonly seed: number;
  readonly report: SiteReport;
  readonly accepted: boolean;
}

export interface SweepSummary {
  readonly seeds: number;
  readonly failedSeeds: readonly number[];
  readonly readingsProduced: number;
  readonly readingsDelivered: number;
  readonly alertsRaised: number;
  readonly alertsDelivered: number;
  readonly alertLatencyP50Ms: number;
  readonly alertLatencyP90Ms: number;
  readonly alertLatencyP99Ms: number;
  readonly alertLatencyMaxMs: number;
  readonly airtimeMs: number;
  readonly worstHourPermille: number;
  /** The sensor with the smallest pooled share of its readings delivered (board index, delivered, produced), or undefined. */
  readonly worstBoard: { readonly board: number; readonly hops: number; readonly delivered: number; readonly produced: number } | undefined;
  readonly targets: readonly TargetVerdict[];
}

/** Run one seed of a prepared site; its report and every delivered alert's latency (ms). */
export function runSweepSeed(site: Site): { report: SiteReport; latenciesMs: number[] } {
  runSite(site);
  const report = siteReport(site);
  const sink = site.sink;
  const count = Math.min(sink.alerts, sink.alertCapacity);
  const latenciesMs: number[] = [];
  for (let i = 0; i < count; i++) latenciesMs.push(sink.alertLatencyMs[i] ?? 0);
  return { report, latenciesMs };
}

/** Pool the seeds' figures and judge `targets` on them. */
export function summariseSweep(seeds: readonly SweepSeed[], latenciesMs: readonly number[], targets: SiteTargets): SweepSummary {
  const sum = (pick: (r: SiteReport) => number): number => seeds.reduce((total, s) => total + pick(s.report), 0);
  const latencies = Float64Array.from(latenciesMs);
  const rank = (p: number): number => percentile(latencies, latencies.length, p);
  const readingsProduced = sum((r) => r.readingsProduced);
  const readingsDelivered = sum((r) => r.readingsDelivered);
  const alertsRaised = sum((r) => r.alertsRaised);
  const alertsDelivered = sum((r) => Math.min(r.alertsRaised, r.alertsDelivered));
  const readingsPercent = readingsProduced > 0 ? (100 * readingsDelivered) / readingsProduced : Number.NaN;
  const alertsPercent = alertsRaised > 0 ? (100 * alertsDelivered) / alertsRaised : 100;
  const p99 = rank(99);
  const perBoard = new Map<number, { hops: number; delivered: number; produced: number }>();
  for (const { report } of seeds) {
    for (const b of report.perBoard) {
      if (b.gateway) continue;
      const sums = perBoard.get(b.board) ?? { hops: b.hops, delivered: 0, produced: 0 };
      sums.delivered += b.readingsDelivered;
      sums.produced += b.readingsProduced;
      perBoard.set(b.board, sums);
    }
  }
  let worstBoard: SweepSummary["worstBoard"] = undefined;
  for (const [board, sums] of perBoard) {
    if (sums.produced === 0) continue;
    if (worstBoard === undefined || sums.delivered * worstBoard.produced < worstBoard.delivered * sums.produced) worstBoard = { board, ...sums };
  }
  return {
    seeds: seeds.length,
    failedSeeds: seeds.filter((s) => !s.accepted).map((s) => s.seed),
    readingsProduced,
    readingsDelivered,
    alertsRaised,
    alertsDelivered,
    alertLatencyP50Ms: rank(50),
    alertLatencyP90Ms: rank(90),
    alertLatencyP99Ms: p99,
    alertLatencyMaxMs: rank(100),
    airtimeMs: sum((r) => r.airtimeMs),
    worstHourPermille: seeds.reduce((worst, s) => Math.max(worst, s.report.dutyHour?.worstPermille ?? 0), 0),
    worstBoard,
    targets: verdicts(targets, readingsPercent, alertsPercent, p99),
  };
}

/** The text of a sweep's summary (what `picket site --seeds N` prints last). */
export function formatSweepSummary(name: string, firstSeed: number, s: SweepSummary, wallMs: number): string {
  const n = (value: number): string => Math.round(value).toLocaleString("en-US");
  const ms = (value: number): string => (Number.isFinite(value) ? `${n(value)} ms` : "-");
  const readings = s.readingsProduced > 0 ? `${((100 * s.readingsDelivered) / s.readingsProduced).toFixed(2)} %` : "-";
  const lines = [
    `picket site: ${name}, seeds ${firstSeed}..${firstSeed + s.seeds - 1} pooled (${(wallMs / 1000).toFixed(0)} s wall)`,
    `  result          ${s.failedSeeds.length > 0 ? `FAILED on seed ${s.failedSeeds.join(", ")}` : s.targets.every((t) => t.met) ? "ok" : "FAILED (targets missed)"}`,
    `  readings        ${n(s.readingsDelivered)} of ${n(s.readingsProduced)} produced before the drain phase delivered (${readings})`,
    `  alerts          ${n(s.alertsDelivered)} of ${n(s.alertsRaised)} delivered; latency p50 ${ms(s.alertLatencyP50Ms)}, p90 ${ms(s.alertLatencyP90Ms)}, p99 ${ms(s.alertLatencyP99Ms)}, max ${ms(s.alertLatencyMaxMs)} (virtual)`,
    `  worst board     ${s.worstBoard === undefined ? "-" : `board ${s.worstBoard.board} (${s.worstBoard.hops} hops): ${n(s.worstBoard.delivered)} of ${n(s.worstBoard.produced)} (${((100 * s.worstBoard.delivered) / Math.max(1, s.worstBoard.produced)).toFixed(1)} %)`}`,
    `  on air          airtime ${(s.airtimeMs / 1000).toFixed(0)} s in all; worst board's sliding hour ${(s.worstHourPermille / 10).toFixed(2)} %`,
  ];
  if (s.targets.length > 0) lines.push(`  targets         ${s.targets.map((t) => targetText(t, n)).join("; ")}`);
  return lines.join("\n");
}


