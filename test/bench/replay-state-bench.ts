/**
 * What keeping receive state across reboots costs (README "Link security";
 * core/storage/receive-ceilings.ts): flash records the receive ceilings write
 * per 1,000 frames received, frames held for a raise, what a power loss adds
 * on the air (the counter-skip request), on the demo site run by the site
 * simulator; and, from the two-board replay scenario, the same rates over a
 * history of 18 messages. RAM per sender is measured on XS by the mesh-boot
 * bench row (test/xs/key-boot.test.ts: bytes per extra site member).
 *
 * Part of `npm run bench` (test/bench/run.ts); never asserts on time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MeshCounter } from "../../core/mesh/mesh-counters";
import { buildSite, runSite } from "../../host-sim/site/site";
import { siteReport } from "../../host-sim/site/site-report";
import { validateSiteSpec } from "../../host-sim/site/site-spec";
import { repoRoot } from "../../tools/build/targets";
import { runReplayAfterReboot, SKIP_REQUEST_FRAME_BYTES } from "../agent/replay-reboot";

// Node-side entry: the feature flags as globals, as bin/picket.mjs and the agent bench cases define them.
const flags = globalThis as Record<string, unknown>;
flags["PICKET_FEATURE_CONSENSUS"] ??= true;
flags["PICKET_FEATURE_GATEWAY"] ??= true;
flags["PICKET_RADIO"] ??= "sim";
flags["PICKET_BME68X"] ??= true;

export interface ReplayStateRow {
  readonly scenario: string;
  readonly framesReceived: number;
  /** Store records the receive ceilings wrote (two per raise) per 1,000 frames received, live boots at the end. */
  readonly ceilingRecordsPer1000Frames: number;
  /** Frames held one tick for a raise per 1,000 received (first frames from a sender, jumps). */
  readonly heldPer1000Frames: number;
  readonly powerLosses: number;
  /** Counter-skip requests sent (one per power-loss boot with stored ceilings) and applied by other boards. */
  readonly skipRequests: number;
  readonly skipsApplied: number;
  /** Bytes of one request on the air. */
  readonly skipRequestBytes: number;
  readonly deliveryRatio: number;
}

export function runReplayStateBench(opts: { quick: boolean }): ReplayStateRow[] {
  const rows: ReplayStateRow[] = [];
  const raw = JSON.parse(readFileSync(join(repoRoot, "sites", "demo.json"), "utf8")) as Record<string, unknown>;
  const durationMs = opts.quick ? 300_000 : 1_200_000;
  const validation = validateSiteSpec({ ...raw, durationMs });
  if (!validation.ok) throw new Error(validation.problems.join("; "));
  const built = buildSite(validation.spec);
  if (!built.ok) throw new Error(built.problems.join("; "));
  runSite(built.site);
  const report = siteReport(built.site);
  let records = 0;
  let framesLive = 0;
  let framesAll = 0;
  let held = 0;
  let skipRequests = 0;
  let skipsApplied = 0;
  for (const node of built.site.nodes) {
    const stats = node.meshStats;
    framesAll += stats[MeshCounter.framesReceived] ?? 0;
    held += stats[MeshCounter.framesHeldForCeiling] ?? 0;
    skipRequests += stats[MeshCounter.counterSkipsRequested] ?? 0;
    skipsApplied += stats[MeshCounter.counterSkipsApplied] ?? 0;
    const agent = node.agent;
    const ceilings = agent?.store.receiveCeilings;
    if (agent === undefined || ceilings === undefined) continue;
    records += 2 * ceilings.raises;
    const counters = (agent.transport as { readonly counters?: { readonly values: Uint32Array } }).counters;
    framesLive += counters?.values[MeshCounter.framesReceived] ?? 0;
  }
  rows.push({
    scenario: `demo site, ${report.boards} boards, ${Math.round(durationMs / 60_000)} virtual min`,
    framesReceived: framesAll,
    ceilingRecordsPer1000Frames: framesLive > 0 ? (1000 * records) / framesLive : 0,
    heldPer1000Frames: framesAll > 0 ? (1000 * held) / framesAll : 0,
    powerLosses: report.crashes,
    skipRequests,
    skipsApplied,
    skipRequestBytes: SKIP_REQUEST_FRAME_BYTES,
    deliveryRatio: report.deliveryRatio,
  });
  const replay = runReplayAfterReboot("power-loss");
  rows.push({
    scenario: "two boards, 18 messages, then 3 power losses of the receiver",
    framesReceived: replay.framesReceived,
    ceilingRecordsPer1000Frames: replay.framesReceived > 0 ? (1000 * replay.ceilingRecords) / replay.framesReceived : 0,
    heldPer1000Frames: Number.NaN,
    powerLosses: replay.rounds.length,
    skipRequests: replay.rounds.reduce((sum, r) => sum + r.skipRequests, 0),
    skipsApplied: replay.rounds[replay.rounds.length - 1]?.skipsApplied ?? 0,
    skipRequestBytes: SKIP_REQUEST_FRAME_BYTES,
    deliveryRatio: replay.rounds.every((r) => r.freshDelivered === 1) ? 1 : 0,
  });
  return rows;
}

export function formatReplayStateTable(rows: readonly ReplayStateRow[]): string {
  const f = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : "-");
  const lines = [
    "| scenario | frames received | ceiling records / 1,000 frames | held / 1,000 frames | power losses | skip requests (27 B each) | skips applied | delivery ratio |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(`| ${r.scenario} | ${r.framesReceived} | ${f(r.ceilingRecordsPer1000Frames)} | ${f(r.heldPer1000Frames)} | ${r.powerLosses} | ${r.skipRequests} | ${r.skipsApplied} | ${f(r.deliveryRatio, 3)} |`);
  }
  return lines.join("\n");
}

const invokedDirectly = process.argv[1] !== undefined && process.argv[1].endsWith("replay-state-bench.ts");
if (invokedDirectly) process.stdout.write(`${formatReplayStateTable(runReplayStateBench({ quick: process.argv.includes("--quick") }))}\n`);
