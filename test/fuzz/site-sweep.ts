/**
 * The site simulator's power-loss seed sweep for `npm run fuzz` (README
 * "Simulator"): seeds first .. first + count - 1 of test/sim/site-power-loss.ts
 * (small secured-mesh sites, every board and gateway losing power one to
 * three times, every invariant checked after every event, every seed run
 * twice for its trace hash). Prints a line per seed that fails or where
 * `site-delivered-once-across-reboots` fires, then the totals: seeds, runs,
 * events, power losses, invariant checks, frames whose nonce was checked.
 *
 *   npm run fuzz -- --target site-sweep [--site-seeds N (default 200)] [--site-first S (default 1)]
 */
import { DELIVERED_ONCE, formatSweepTotals, sweepRun, sweepTotals, type SweepRun } from "../sim/site-power-loss";

// Node-side entry points define the device build's feature flags as globals (agent/build-flags.d.ts, bin/picket.mjs).
const flags = globalThis as Record<string, unknown>;
flags["PICKET_FEATURE_CONSENSUS"] ??= true;
flags["PICKET_FEATURE_GATEWAY"] ??= true;
flags["PICKET_RADIO"] ??= "sim";

export const SITE_SWEEP_NAME = "site-sweep";
export const SITE_SWEEP_DEFAULT_SEEDS = 200;

/** Run the sweep, writing progress and findings through `write`. Returns the exit code: 0 when every invariant held on every seed. */
export function runSiteSweep(first: number, count: number, write: (text: string) => void): number {
  const runs: SweepRun[] = [];
  const started = Date.now();
  const reproduce = (seed: number): string => `npm run fuzz -- --target ${SITE_SWEEP_NAME} --site-first ${seed} --site-seeds 1`;
  write(`${SITE_SWEEP_NAME}: seeds ${first}..${first + count - 1}, every site invariant after every event, each seed twice\n`);
  for (let seed = first; seed < first + count; seed++) {
    const r = sweepRun(seed);
    runs.push(r);
    if (!r.deterministic) write(`  seed ${seed}: NONDETERMINISTIC (a second run gave another trace hash); reproduce: ${reproduce(seed)}\n`);
    if (!r.ok) write(`  seed ${seed}: ${r.violation ?? "did not finish"}; reproduce: ${reproduce(seed)}\n`);
    if (r.invariant === DELIVERED_ONCE) write(`  seed ${seed}: with ${DELIVERED_ONCE} off: ${r.othersViolation ?? "every other invariant held to the end"}\n`);
    if ((seed - first) % 50 === 49) write(`  ${seed - first + 1} seeds, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const totals = sweepTotals(runs);
  write(`${formatSweepTotals(totals)}\n`);
  return totals.failed.length === 0 && totals.deliveredOnceFired.length === 0 ? 0 : 1;
}
