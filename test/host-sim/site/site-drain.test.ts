/**
 * The drain phase and the site's targets (README "Site scale"): the
 * headline counts only readings produced before the drain phase, the cut
 * agrees with what every board produced (power losses included), and a run
 * that misses a declared target fails with exit status 1.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSite, runSite } from "../../../host-sim/site/site";
import { SiteSink } from "../../../host-sim/site/gateway-sink";
import { siteReport, type SiteReport } from "../../../host-sim/site/site-report";
import { DEFAULT_DRAIN_MS, validateSiteSpec } from "../../../host-sim/site/site-spec";
import { runSiteCommand } from "../../../host-sim/cli/commands/site";
import { WireHeader, WireRecord } from "../../../core/uplink/wire";
import { captureOutput } from "../../support/capture-output";
import { smallSite } from "./fixtures";

function run(raw: Record<string, unknown>): SiteReport {
  const validation = validateSiteSpec(raw);
  if (!validation.ok) throw new Error(validation.problems.join("; "));
  const built = buildSite(validation.spec);
  if (!built.ok) throw new Error(built.problems.join("; "));
  runSite(built.site, 3_000);
  return siteReport(built.site);
}

describe("site files: drainMs and targets", () => {
  it("default to a one-minute drain and no targets, and list every bad field", () => {
    const demo = JSON.parse(readFileSync("sites/demo.json", "utf8")) as Record<string, unknown>;
    const good = validateSiteSpec(demo);
    expect(good.ok && good.spec.drainMs).toBe(DEFAULT_DRAIN_MS);
    expect(good.ok && good.spec.durationMs).toBe(300_000);
    expect(good.ok && good.spec.scenario.durationMs).toBe(300_000 + DEFAULT_DRAIN_MS);
    // With a drain phase every alert of the production phase must arrive.
    expect(good.ok && good.spec.quietAfterMs).toBe(300_000);
    const bad = validateSiteSpec({ ...demo, drainMs: "soon", targets: { readingsPercent: 120, alertsPercent: -1, alertLatencyP99Ms: "fast", speed: 1 } });
    expect(bad.ok).toBe(false);
    const text = bad.ok ? "" : bad.problems.join("\n");
    for (const fragment of [
      "drainMs: must be a duration",
      "targets.readingsPercent: must be a percentage 0..100",
      "targets.alertsPercent: must be a percentage 0..100",
      "targets.alertLatencyP99Ms: must be a duration",
      "targets.speed: unknown field",
    ]) {
      expect(text).toContain(fragment);
    }
    const notObject = validateSiteSpec({ ...demo, targets: 95 });
    expect(notObject.ok ? "" : notObject.problems.join("\n")).toContain("targets: must be an object");
  });
});

describe("the drain phase", () => {
  it("counts in the headline exactly what was produced before it, on every board, across a shutdown and a power loss", () => {
    for (const seed of [3, 8, 21]) {
      const r = run({ ...smallSite(seed, { durationMs: 60_000 }), drainMs: "30s" });
      expect(r.ok, `seed ${seed}`).toBe(true);
      expect(r.productionMs).toBe(60_000);
      expect(r.virtualMs).toBe(90_000);
      // Boards keep producing while the mesh drains: the whole run holds more than the headline.
      expect(r.readingsProducedWholeRun).toBeGreaterThan(r.readingsProduced);
      expect(r.readingsDeliveredWholeRun).toBeGreaterThanOrEqual(r.readingsDelivered);
      let produced = 0;
      let delivered = 0;
      for (const board of r.perBoard) {
        // A reading counted as delivered before the cut was produced before it: never more than the board produced.
        expect(board.readingsDelivered, `seed ${seed} board ${board.board}`).toBeLessThanOrEqual(board.readingsProduced);
        produced += board.readingsProduced;
        delivered += board.readingsDelivered;
      }
      expect(produced).toBe(r.readingsProduced);
      expect(delivered).toBe(r.readingsDelivered);
      expect(r.readingsDelivered).toBeGreaterThan(0);
    }
  });

  it("with drainMs 0 the headline is the whole run", () => {
    const r = run({ ...smallSite(3, { durationMs: 60_000 }), drainMs: 0 });
    expect(r.virtualMs).toBe(60_000);
    expect(r.readingsProduced).toBe(r.readingsProducedWholeRun);
    expect(r.readingsDelivered).toBe(r.readingsDeliveredWholeRun);
  });

  it("the sink counts a reading before the cut only below its channel's bound", () => {
    const sink = new SiteSink(2, 16);
    const gateway = sink.sinkFor(0);
    const header = new WireHeader();
    header.count = 1;
    const record = new WireRecord();
    const deliver = (seq: number, channelId: number, atMs: number): void => {
      header.seq = seq;
      record.channelId = channelId;
      record.atMs = atMs;
      gateway.onTelemetry(2, header, record, 0);
    };
    deliver(1, 7, 90_000); // before any cut: produced before now
    sink.cutProduction(1, new Map([[7, 60_000]]));
    deliver(2, 7, 59_999);
    deliver(3, 7, 60_000); // the window open at the cut: produced after it
    deliver(4, 8, 0); // a channel with no closed window at the cut
    expect(sink.telemetryRecords[1]).toBe(4);
    expect(sink.telemetryBeforeCut[1]).toBe(2);
  });
});

describe("targets", () => {
  it("a run that misses one says so and exits 1; one that meets them exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "picket-targets-"));
    const site = { ...smallSite(3, { durationMs: 60_000 }), drainMs: "30s" };
    const missed = join(dir, "missed.json");
    writeFileSync(missed, JSON.stringify({ ...site, targets: { readingsPercent: 100, alertLatencyP99Ms: 1 } }));
    const bad = await captureOutput(() => runSiteCommand(["--site", missed, "--quiet"]));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("FAILED (targets missed)");
    expect(bad.stdout).toMatch(/alert p99 <= 1 ms: [\d,]+ ms MISSED/);
    const met = join(dir, "met.json");
    writeFileSync(met, JSON.stringify({ ...site, targets: { readingsPercent: 50, alertsPercent: 100, alertLatencyP99Ms: "2m" } }));
    const good = await captureOutput(() => runSiteCommand(["--site", met, "--quiet", "--json"]));
    expect(good.code).toBe(0);
    const report = JSON.parse(good.stdout) as SiteReport;
    expect(report.targets.map((t) => [t.name, t.met])).toEqual([
      ["readingsPercent", true],
      ["alertsPercent", true],
      ["alertLatencyP99Ms", true],
    ]);
    const drainless = await captureOutput(() => runSiteCommand(["--site", met, "--quiet", "--json", "--drain", "0"]));
    expect((JSON.parse(drainless.stdout) as SiteReport).drainMs).toBe(0);
    const badDrain = await captureOutput(() => runSiteCommand(["--site", met, "--drain", "soon"]));
    expect(badDrain.code).toBe(2);
    expect(badDrain.stderr).toContain("--drain must be a duration");
  });
});
