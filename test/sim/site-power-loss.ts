/**
 * The power-loss seed sweep of the site simulator (README "Simulator"): small
 * secured-mesh sites (4..6 boards in a grid, one or two gateways, up to 5 %
 * loss per link, 90 s of virtual time) where EVERY board, gateways
 * included, loses power one to three times at random moments and for random
 * lengths, with PIR intrusions that raise alerts throughout. Every site
 * invariant is checked after every event (kernel, capacities, stored state,
 * at-most-once, nonce uniqueness, delivered once across reboots), and each
 * seed runs twice to compare trace hashes. Everything is drawn from the seed,
 * so a failing seed reproduces exactly.
 *
 * Used by `npm run fuzz` (test/fuzz/site-sweep.ts, 200 seeds and more) and by
 * `npm test` (a slice, test/sim/site-power-loss.test.ts). Platform neutral.
 */
import { Xoshiro128 } from "../../core/runtime/prng";
import { buildSite, runSite, type Site, type SiteOptions } from "../../host-sim/site/site";
import { siteReport } from "../../host-sim/site/site-report";
import { NodeStat } from "../../host-sim/site/site-node";
import { validateSiteSpec } from "../../host-sim/site/site-spec";
import { smallBoard } from "../host-sim/site/fixtures";

export const SWEEP_FIRST_SEED = 1;
export const SWEEP_DURATION_MS = 90_000;

/** The site of seed `seed`: every board loses power 1..3 times. */
export function powerLossSite(seed: number, durationMs = SWEEP_DURATION_MS): Record<string, unknown> {
  const random = new Xoshiro128(seed ^ 0x70a3e105);
  const boards = 4 + random.nextBelow(5);
  const first = random.nextBelow(boards);
  const gateways = [first];
  if (random.nextBelow(2) === 1) gateways.push((first + 1 + random.nextBelow(boards - 1)) % boards);
  const crashes: Record<string, unknown>[] = [];
  for (let b = 0; b < boards; b++) {
    const count = 1 + random.nextBelow(3);
    // One window per power loss, so the losses of a board never overlap.
    const windowMs = Math.floor((durationMs - 5_000) / count);
    for (let i = 0; i < count; i++) {
      const durationOffMs = 200 + random.nextBelow(6_000);
      const atMs = 2_000 + i * windowMs + random.nextBelow(Math.max(1, windowMs - durationOffMs - 500));
      crashes.push({ node: b, atMs, durationMs: durationOffMs });
    }
  }
  const events: Record<string, unknown>[] = [];
  const intrusions = 3 + random.nextBelow(3);
  for (let i = 0; i < intrusions; i++) {
    events.push({ boards: [random.nextBelow(boards)], sensor: 1, kind: "set", atMs: 3_000 + random.nextBelow(durationMs - 10_000), durationMs: 1_000 + random.nextBelow(4_000), amount: 1 });
  }
  return {
    name: `power-loss-${seed}`,
    seed,
    boards,
    durationMs,
    startJitterMs: 500,
    topology: { kind: "radio", layout: "grid", spacingM: 100, rangeM: 150 },
    link: { lossPpm: random.nextBelow(50_001), latencyMinMs: 20, latencyMaxMs: 150 },
    clock: { driftPpmMax: 100, offsetMsMax: 2_000 },
    gateways,
    board: smallBoard("sweep", 5_000),
    events,
    crashes,
    quietAfterMs: Math.floor((durationMs * 3) / 4),
  };
}

export function buildPowerLossSite(seed: number, options: SiteOptions = {}, transport: "mesh" | "stand-in" = "mesh"): Site {
  const validation = validateSiteSpec({ ...powerLossSite(seed), transport });
  if (!validation.ok) throw new Error(`seed ${seed}: ${validation.problems.join("; ")}`);
  const built = buildSite(validation.spec, options);
  if (!built.ok) throw new Error(`seed ${seed}: ${built.problems.join("; ")}`);
  return built.site;
}

export const DELIVERED_ONCE = "site-delivered-once-across-reboots";

export interface SweepRun {
  readonly seed: number;
  /** Every invariant held to the end of the run. */
  readonly ok: boolean;
  /** `invariant at event N (t = ...): detail` of the run with every invariant on, or undefined. */
  readonly violation: string | undefined;
  /** The invariant that stopped that run, or "". */
  readonly invariant: string;
  /**
   * When `site-delivered-once-across-reboots` stopped the run: the same seed
   * run again with it off, so every other invariant still covers the whole
   * run; that run's violation, or undefined when the others all held.
   */
  readonly othersViolation: string | undefined;
  /** Events of the run that covered the whole virtual duration (the one with delivered-once off, where that stopped the first). */
  readonly events: number;
  readonly traceHash: string;
  /** Power losses the boards went through (every board, gateways included), over the run that covered the whole duration. */
  readonly powerLosses: number;
  readonly gatewayPowerLosses: number;
  /** Invariant checks made over all runs of this seed (events x invariants per run, the determinism rerun included). */
  readonly checks: number;
  readonly runs: number;
  /** Invariants checked after every event in the run with every invariant on. */
  readonly invariants: readonly string[];
  /** Transmissions whose nonce was checked (site-nonce-unique), and of those the unchanged relays/retransmissions. */
  readonly framesChecked: number;
  readonly sameFrameRepeats: number;
  readonly alertsDelivered: number;
  readonly readingsDelivered: number;
  /** The second run of the same seed gave the same trace hash and event count. */
  readonly deterministic: boolean;
}

function runOnce(seed: number, options: SiteOptions): Site {
  const site = buildPowerLossSite(seed, options);
  runSite(site);
  return site;
}

/** Run seed `seed` with every invariant on, twice (trace hashes compared); if only delivered-once stopped it, once more without that one. */
export function sweepRun(seed: number): SweepRun {
  const site = runOnce(seed, {});
  const report = siteReport(site);
  const again = runOnce(seed, {}).kernel;
  const invariant = site.kernel.violation?.invariant ?? "";
  let othersViolation: string | undefined = undefined;
  let checks = 2 * report.events * site.invariantNames.length;
  let runs = 2;
  let whole = site;
  let wholeReport = report;
  if (invariant === DELIVERED_ONCE) {
    whole = runOnce(seed, { invariants: { [DELIVERED_ONCE]: false } });
    wholeReport = siteReport(whole);
    othersViolation = wholeReport.ok ? undefined : (wholeReport.violation ?? wholeReport.state);
    checks += wholeReport.events * whole.invariantNames.length;
    runs++;
  }
  const gatewayPowerLosses = whole.spec.gateways.reduce((sum, g) => sum + (whole.nodes[g]?.stats[NodeStat.crashes] ?? 0), 0);
  return {
    seed,
    ok: report.ok,
    violation: report.violation,
    invariant,
    othersViolation,
    events: wholeReport.events,
    traceHash: report.traceHash,
    powerLosses: wholeReport.crashes,
    gatewayPowerLosses,
    checks,
    runs,
    invariants: site.invariantNames,
    framesChecked: wholeReport.nonceFramesChecked,
    sameFrameRepeats: wholeReport.nonceSameFrameRepeats,
    alertsDelivered: wholeReport.alertsDelivered,
    readingsDelivered: wholeReport.readingsDelivered,
    deterministic: again.trace.hex() === report.traceHash && again.eventCount === report.events,
  };
}

export interface SweepTotals {
  readonly seeds: number;
  readonly runs: number;
  readonly events: number;
  readonly powerLosses: number;
  readonly gatewayPowerLosses: number;
  readonly checks: number;
  readonly framesChecked: number;
  /** Seeds where delivered-once fired (every other invariant then rechecked over the whole run). */
  readonly deliveredOnceFired: readonly number[];
  /** Seeds where any other invariant fired, or whose rerun differed: the sweep fails. */
  readonly failed: readonly string[];
}

export function sweepTotals(runs: readonly SweepRun[]): SweepTotals {
  const sum = (f: (r: SweepRun) => number): number => runs.reduce((total, r) => total + f(r), 0);
  const failed: string[] = [];
  for (const r of runs) {
    if (!r.deterministic) failed.push(`seed ${r.seed}: a second run gave another trace hash`);
    if (!r.ok && r.invariant !== DELIVERED_ONCE) failed.push(`seed ${r.seed}: ${r.violation ?? "did not finish"}`);
    if (r.othersViolation !== undefined) failed.push(`seed ${r.seed} (${DELIVERED_ONCE} off): ${r.othersViolation}`);
  }
  return {
    seeds: runs.length,
    runs: sum((r) => r.runs),
    events: sum((r) => r.events),
    powerLosses: sum((r) => r.powerLosses),
    gatewayPowerLosses: sum((r) => r.gatewayPowerLosses),
    checks: sum((r) => r.checks),
    framesChecked: sum((r) => r.framesChecked),
    deliveredOnceFired: runs.filter((r) => r.invariant === DELIVERED_ONCE).map((r) => r.seed),
    failed,
  };
}

/** One line for the sweep's output. */
export function formatSweepTotals(t: SweepTotals): string {
  const n = (v: number): string => v.toLocaleString("en-US");
  return (
    `site power-loss sweep: ${n(t.seeds)} seeds, ${n(t.runs)} runs, ${n(t.events)} events, ${n(t.powerLosses)} power losses (${n(t.gatewayPowerLosses)} of gateways), ` +
    `${n(t.checks)} invariant checks, ${n(t.framesChecked)} frames' nonces checked; ${DELIVERED_ONCE} fired on ${t.deliveredOnceFired.length} seed(s)` +
    `${t.deliveredOnceFired.length > 0 ? ` [${t.deliveredOnceFired.join(", ")}]` : ""}; other failures ${t.failed.length}`
  );
}
