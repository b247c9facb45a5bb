/**
 * `picket site` (the README's main job, `npm start`): simulate a whole site -
 * a few dozen boards, each a full agent, in a multi-hop radio layout with
 * one or two gateways - for a few virtual minutes, with a live progress line
 * on stderr and a final report: readings produced/delivered, alerts
 * raised/delivered with latency percentiles, frames and bytes on air, drops
 * by reason, duty-cycle use, boots and stored-state checks, trace hash.
 */
import { parseStrict } from "../args";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../../tools/build/targets";
import { RunState } from "../../kernel/kernel";
import { parseDurationMs } from "../../kernel/validate-scenario";
import { buildSite, runSite, type Site } from "../../site/site";
import { formatSiteReport, siteReport, type SiteReport } from "../../site/site-report";
import { DEFAULT_SITE_TRANSPORT, SITE_TRANSPORT_KINDS, validateSiteSpec, type SiteTargets } from "../../site/site-spec";
import { formatSweepSummary, runSweepSeed, summariseSweep, type SweepSeed } from "../../site/site-sweep";
import { usageError, type Command } from "../command";
import { parseChancePpm } from "./sim";

export const SITES_DIR = join(repoRoot, "sites");
const DEFAULT_SITE = "demo";

const USAGE = `picket site [--site NAME|FILE] [options]

  --site NAME|FILE  a site in sites/ (NAME) or a JSON file; default: ${DEFAULT_SITE}
                    (36 boards, 6x6 grid, 2 gateways, 5 % loss, 5 virtual minutes)
  --list            list the bundled sites
  --seed S          run seed, 0..4294967295
  --duration D      the production phase's virtual time: 90s, 5m, 1h
  --drain D         the drain phase after it (boards keep running, the
                    headline counts only readings produced before it):
                    0, 30s, 2m; default: the site file's "drainMs", else 2m
  --loss P          per-link loss: a fraction (0.05) or a percentage (5%)
  --transport T     mesh (core/mesh, secured, on the simulated LoRa radio) or
                    stand-in (static routes, no security); default: the
                    site file's "transport", else ${DEFAULT_SITE_TRANSPORT}
  --seeds N         run N seeds from --seed (default the site's) and pool them:
                    readings, every alert's latency in one distribution,
                    airtime; targets are judged on the pooled figures
  --verify          run twice and check both runs give the same trace hash
  --json            print the report as JSON
  --quiet           no progress line on stderr

Exit status: 0 ok (run finished, every invariant held, every alert raised
in the production phase reached a gateway (before the last quarter of the
run when there is no drain phase), every target of the site file's
"targets" met), 1 otherwise, 2 bad arguments or site file.`;

type Raw = Record<string, unknown>;

export function bundledSites(): string[] {
  return existsSync(SITES_DIR)
    ? readdirSync(SITES_DIR)
        .filter((file) => file.endsWith(".json"))
        .map((file) => file.slice(0, -".json".length))
        .sort()
    : [];
}

/** Read a site by name (sites/NAME.json) or path. */
export function loadSiteJson(nameOrPath: string): Raw | string {
  const candidates = [nameOrPath, join(SITES_DIR, `${nameOrPath}.json`)];
  const path = candidates.find((candidate) => candidate.endsWith(".json") && existsSync(candidate));
  if (path === undefined) return `no site "${nameOrPath}" (not a file; bundled: ${bundledSites().join(", ")})`;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Raw) : `${path}: a site must be a JSON object`;
  } catch (error) {
    return `${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

interface SiteArgs {
  readonly site: string;
  readonly overrides: Raw;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verify: boolean;
  readonly list: boolean;
  /** Seeds to pool (1 = one ordinary run). */
  readonly seeds: number;
}

function parseArgs(args: readonly string[]): SiteArgs | string {
  const result = parseStrict(args, {
    site: { type: "string" },
    seed: { type: "string" },
    duration: { type: "string" },
    drain: { type: "string" },
    loss: { type: "string" },
    transport: { type: "string" },
    json: { type: "boolean" },
    quiet: { type: "boolean" },
    verify: { type: "boolean" },
    list: { type: "boolean" },
    seeds: { type: "string" },
  });
  if (!result.ok) return result.message;
  const v = result.parsed.values;
  const overrides: Raw = {};
  if (v.seed !== undefined) {
    if (!/^\d+$/.test(v.seed) || Number(v.seed) > 0xffff_ffff) return "--seed must be an integer 0..4294967295";
    overrides["seed"] = Number(v.seed);
  }
  if (v.duration !== undefined) {
    if (parseDurationMs(v.duration) <= 0) return "--duration must be a duration like 90s, 5m or 1h";
    overrides["durationMs"] = v.duration;
  }
  if (v.drain !== undefined) {
    const drainMs = v.drain === "0" ? 0 : parseDurationMs(v.drain);
    if (drainMs < 0) return "--drain must be a duration like 0, 30s or 2m";
    overrides["drainMs"] = drainMs;
  }
  if (v.loss !== undefined) {
    const ppm = parseChancePpm(v.loss);
    if (ppm < 0) return "--loss must be a fraction 0..1 (0.05) or a percentage (5%)";
    overrides["lossPpm"] = ppm;
  }
  if (v.transport !== undefined) {
    const transport = v.transport;
    if (!SITE_TRANSPORT_KINDS.some((kind) => kind === transport)) return `--transport must be one of ${SITE_TRANSPORT_KINDS.join(", ")}`;
    overrides["transport"] = transport;
  }
  let seeds = 1;
  if (v.seeds !== undefined) {
    if (!/^\d+$/.test(v.seeds) || Number(v.seeds) < 1 || Number(v.seeds) > 10_000) return "--seeds must be an integer 1..10000";
    seeds = Number(v.seeds);
    if (v.verify === true && seeds > 1) return "--verify runs one seed twice; leave out --seeds";
  }
  return { site: v.site ?? DEFAULT_SITE, overrides, json: v.json === true, quiet: v.quiet === true, verify: v.verify === true, list: v.list === true, seeds };
}

/** The site file with the command-line overrides applied, validated and built. */
export function prepareSite(name: string, overrides: Raw): Site | string {
  const raw = loadSiteJson(name);
  if (typeof raw === "string") return raw;
  const merged: Raw = { ...raw };
  if (overrides["seed"] !== undefined) merged["seed"] = overrides["seed"];
  if (overrides["durationMs"] !== undefined) merged["durationMs"] = overrides["durationMs"];
  if (overrides["drainMs"] !== undefined) merged["drainMs"] = overrides["drainMs"];
  if (overrides["transport"] !== undefined) merged["transport"] = overrides["transport"];
  if (overrides["lossPpm"] !== undefined) {
    const link = typeof raw["link"] === "object" && raw["link"] !== null ? (raw["link"] as Raw) : {};
    merged["link"] = { ...link, lossPpm: overrides["lossPpm"] };
  }
  const validation = validateSiteSpec(merged);
  if (!validation.ok) return `site ${name} is not valid:\n  ${validation.problems.join("\n  ")}`;
  const built = buildSite(validation.spec);
  if (!built.ok) return `site ${name} cannot be built:\n  ${built.problems.join("\n  ")}`;
  return built.site;
}

function progressLine(site: Site, startMs: number): string {
  const kernel = site.kernel;
  const durationMs = site.spec.durationMs + site.spec.drainMs;
  const percent = Math.floor((100 * kernel.nowMs) / durationMs);
  const delivered = site.sink.telemetryRecords.reduce((a, b) => a + b, 0);
  const wall = ((performance.now() - startMs) / 1000).toFixed(1);
  return `picket site: ${String(percent).padStart(3)}%  t=${(kernel.nowMs / 1000).toFixed(0)}s of ${durationMs / 1000}s virtual, ${kernel.eventCount.toLocaleString("en-US")} events, ${delivered} readings and ${site.sink.alerts} alerts delivered (${wall}s wall)`;
}

/** Whether a report passes the run's acceptance: finished cleanly, nothing lost that must not be. */
export function siteAccepted(report: SiteReport): boolean {
  return report.ok && report.alertsRaisedNotDelivered === 0 && report.storedStateLost === 0 && report.telemetryDuplicates === 0 && report.bootFailures === 0 && report.targets.every((t) => t.met);
}

export async function runSiteCommand(args: readonly string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === "string") return usageError("site", parsed, "picket site --help");
  if (parsed.list) {
    for (const name of bundledSites()) {
      const json = loadSiteJson(name);
      process.stdout.write(`${name.padEnd(16)} ${typeof json === "string" ? json : String(json["description"] ?? "")}\n`);
    }
    return 0;
  }
  const site = prepareSite(parsed.site, parsed.overrides);
  if (typeof site === "string") return usageError("site", site, "picket site --help");
  if (parsed.seeds > 1) return runSweep(parsed, site.spec.seed);
  const tty = process.stderr.isTTY;
  const startMs = performance.now();
  let lastMs = startMs;
  const onSlice = parsed.quiet
    ? undefined
    : (s: Site): void => {
        const now = performance.now();
        if (now - lastMs < 100) return;
        lastMs = now;
        process.stderr.write(tty ? `\r${progressLine(s, startMs)}` : `${progressLine(s, startMs)}\n`);
      };
  const state = runSite(site, 5_000, onSlice);
  const wallMs = performance.now() - startMs;
  if (!parsed.quiet) process.stderr.write(tty ? `\r${progressLine(site, startMs)}\n` : `${progressLine(site, startMs)}\n`);
  const report = siteReport(site);
  let deterministic = true;
  let secondHash = "";
  if (parsed.verify) {
    const again = prepareSite(parsed.site, parsed.overrides);
    if (typeof again === "string") return usageError("site", again, "picket site --help");
    runSite(again);
    secondHash = again.kernel.trace.hex();
    deterministic = secondHash === report.traceHash;
  }
  if (parsed.json) {
    process.stdout.write(`${JSON.stringify({ ...report, wallMs, ...(parsed.verify ? { verified: deterministic, secondTraceHash: secondHash } : {}) }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatSiteReport(report, wallMs)}\n`);
    if (parsed.verify) process.stdout.write(`  determinism     ${deterministic ? "same trace hash on a second run" : `DIFFERENT trace hash on a second run: ${secondHash}`}\n`);
    const reproduce = `picket site --site ${parsed.site} --seed ${report.seed}`;
    if (state !== RunState.Finished || !siteAccepted(report)) process.stdout.write(`  reproduce       ${reproduce}\n`);
  }
  return siteAccepted(report) && deterministic ? 0 : 1;
}

/** `--seeds N`: N runs from the first seed, a line per seed on stderr (unless --quiet), the pooled summary on stdout. */
function runSweep(parsed: SiteArgs, firstSeed: number): number {
  const startMs = performance.now();
  const seeds: SweepSeed[] = [];
  const latencies: number[] = [];
  let targets: SiteTargets = {};
  let name = parsed.site;
  for (let i = 0; i < parsed.seeds; i++) {
    const seed = (firstSeed + i) >>> 0;
    const site = prepareSite(parsed.site, { ...parsed.overrides, seed });
    if (typeof site === "string") return usageError("site", site, "picket site --help");
    targets = site.spec.targets;
    name = site.spec.name;
    const { report, latenciesMs } = runSweepSeed(site);
    for (const latency of latenciesMs) latencies.push(latency);
    const accepted = siteAccepted({ ...report, targets: [] });
    seeds.push({ seed, report, accepted });
    if (!parsed.quiet) {
      const ratio = Number.isFinite(report.deliveryRatio) ? `${(report.deliveryRatio * 100).toFixed(1)} %` : "-";
      process.stderr.write(`picket site: seed ${seed} (${i + 1}/${parsed.seeds}): ${accepted ? "ok" : `FAILED${report.violation === undefined ? "" : `: ${report.violation}`}`}, readings ${ratio}, alerts ${report.alertsDelivered}/${report.alertsRaised}, p99 ${Math.round(report.alertLatencyP99Ms)} ms (${((performance.now() - startMs) / 1000).toFixed(0)} s wall)\n`);
    }
  }
  const summary = summariseSweep(seeds, latencies, targets);
  const wallMs = performance.now() - startMs;
  if (parsed.json) process.stdout.write(`${JSON.stringify({ site: name, firstSeed, ...summary, wallMs }, null, 2)}\n`);
  else process.stdout.write(`${formatSweepSummary(name, firstSeed, summary, wallMs)}\n`);
  return summary.failedSeeds.length === 0 && summary.targets.every((t) => t.met) ? 0 : 1;
}

export const siteCommand: Command = {
  name: "site",
  summary: "simulate a whole site (boards running the full agent, multi-hop radio, gateways) and report delivery, latency and airtime",
  usage: USAGE,
  run: (args) => runSiteCommand(args),
};
