/**
 * Site scale (README "Site scale"): each bundled site of the mesh-scale
 * goal run once (seed 7, its own hour and drain phase) on the secured mesh:
 * readings produced before the drain and delivered, alert p99, airtime per
 * delivered reading byte (the whole site's airtime over the wire bytes of
 * the readings that arrived: what a reading costs the channel), the worst
 * board's sliding hour, and the simulator's wall time and heap for the run.
 * Quick: the demo site only.
 *
 * Wall-clock numbers on V8: a benchmark, never a test assertion.
 * Standalone: `npx tsx test/bench/site-scale-bench.ts [--quick]`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { prepareSite, SITES_DIR } from "../../host-sim/cli/commands/site";
import { runSite } from "../../host-sim/site/site";
import { siteReport } from "../../host-sim/site/site-report";
import { WIRE_RECORD_BYTES } from "../../core/uplink/wire";

const flags = globalThis as Record<string, unknown>;
flags["PICKET_FEATURE_CONSENSUS"] ??= true;
flags["PICKET_FEATURE_GATEWAY"] ??= true;
flags["PICKET_RADIO"] ??= "sim";

/** The sites of the mesh-scale goal, smallest first; those not in sites/ are skipped. */
export const SITE_SCALE_SITES: readonly string[] = Object.freeze(["demo", "chain12", "grid100", "random100", "grid200", "random200"]);

export interface SiteScaleRow {
  readonly site: string;
  readonly boards: number;
  readonly gateways: number;
  readonly virtualSeconds: number;
  readonly readingsPercent: number;
  readonly alerts: string;
  readonly alertP99Ms: number;
  /** Airtime (µs) per byte of reading delivered (WIRE_RECORD_BYTES per reading). */
  readonly airtimeUsPerReadingByte: number;
  readonly worstHourPermille: number;
  readonly wallSeconds: number;
  readonly heapUsedBytes: number;
}

export function runSiteScaleBench(opts: { quick: boolean }): SiteScaleRow[] {
  const rows: SiteScaleRow[] = [];
  const names = opts.quick ? ["demo"] : SITE_SCALE_SITES.filter((name) => existsSync(join(SITES_DIR, `${name}.json`)));
  for (const name of names) {
    const site = prepareSite(name, { seed: 7 });
    if (typeof site === "string") throw new Error(site);
    const started = performance.now();
    runSite(site);
    const wallSeconds = (performance.now() - started) / 1000;
    const r = siteReport(site);
    if (!r.ok) throw new Error(`site ${name}: ${r.state} ${r.violation ?? ""}`);
    rows.push({
      site: name,
      boards: r.boards,
      gateways: r.gateways.length,
      virtualSeconds: r.virtualMs / 1000,
      readingsPercent: 100 * r.deliveryRatio,
      alerts: `${r.alertsDelivered}/${r.alertsRaised}`,
      alertP99Ms: r.alertLatencyP99Ms,
      airtimeUsPerReadingByte: (1000 * r.airtimeMs) / Math.max(1, r.readingsDeliveredWholeRun * WIRE_RECORD_BYTES),
      worstHourPermille: r.dutyHour?.worstPermille ?? 0,
      wallSeconds,
      heapUsedBytes: process.memoryUsage().heapUsed,
    });
  }
  return rows;
}

export function formatSiteScaleTable(rows: readonly SiteScaleRow[]): string {
  const f = (value: number, digits = 0): string => value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return [
    "| site (seed 7) | boards | gateways | virtual time | readings delivered | alerts | alert p99 | airtime per delivered reading byte | worst sliding hour | wall time | V8 heap used |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.site} | ${r.boards} | ${r.gateways} | ${f(r.virtualSeconds)} s | ${f(r.readingsPercent, 1)} % | ${r.alerts} | ${f(r.alertP99Ms / 1000, 1)} s | ${f(r.airtimeUsPerReadingByte)} µs | ${f(r.worstHourPermille / 10, 2)} % | ${f(r.wallSeconds, 1)} s | ${f(r.heapUsedBytes / 1_048_576, 0)} MiB |`,
    ),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = runSiteScaleBench({ quick: process.argv.includes("--quick") });
  process.stdout.write(`${formatSiteScaleTable(rows)}\n`);
}
