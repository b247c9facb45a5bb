/** `picket site` (the main job, `npm start`): arguments, errors (exit 2), the report and its exit status. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { captureOutput } from "../../support/capture-output";
import { bundledSites, runSiteCommand } from "../../../host-sim/cli/commands/site";
import { main } from "../../../host-sim/cli/main";

const capture = captureOutput;

describe("picket site", () => {
  it("has --help and lists its bundled sites", async () => {
    const help = await capture(() => main(["site", "--help"]));
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--site NAME|FILE");
    const list = await capture(() => runSiteCommand(["--list"]));
    expect(list.code).toBe(0);
    expect(bundledSites()).toEqual(expect.arrayContaining(["demo", "small"]));
    expect(list.stdout).toContain("demo");
  });

  it("refuses bad arguments and bad site files with exit status 2 and a clear message", async () => {
    const cases: readonly (readonly [readonly string[], string])[] = [
      [["--seed", "x"], "--seed must be an integer"],
      [["--loss", "2"], "--loss must be a fraction"],
      [["--duration", "soon"], "--duration must be a duration"],
      [["--wat"], "unknown option --wat"],
      [["--site"], "--site needs a value"],
      [["--site", "no-such-site"], 'no site "no-such-site"'],
    ];
    for (const [args, message] of cases) {
      const run = await capture(() => runSiteCommand(args));
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toContain(message);
    }
    const dir = mkdtempSync(join(tmpdir(), "picket-site-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ boards: 0, gateways: [] }));
    const bad = await capture(() => runSiteCommand(["--site", file]));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("boards: must be an integer");
    expect(bad.stderr).toContain("gateways: must be a list");
  });

  it("runs a site and prints the report: readings, alerts with latency, frames on air, drops, duty cycle, trace hash", async () => {
    const run = await capture(() => runSiteCommand(["--site", "small", "--duration", "60s", "--verify"]));
    expect(run.code).toBe(0);
    for (const fragment of ["readings", "delivered", "alerts", "latency p50", "p99", "on air", "frames", "bytes", "drops", "duty cycle", "trace hash", "same trace hash on a second run"]) {
      expect(run.stdout).toContain(fragment);
    }
    expect(run.stderr).toContain("picket site: 100%");
  });

  it("writes the report as JSON with --json", async () => {
    const run = await capture(() => runSiteCommand(["--site", "small", "--duration", "30s", "--json", "--quiet", "--seed", "4", "--loss", "5%"]));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout) as { seed: number; boards: number; ok: boolean; traceHash: string };
    expect(report).toMatchObject({ seed: 4, boards: 9, ok: true });
    expect(report.traceHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("pools --seeds N runs: the sums of the single runs, one latency distribution, targets judged on the pool", async () => {
    const single = async (seed: number): Promise<{ readingsProduced: number; readingsDelivered: number; alertsRaised: number }> =>
      JSON.parse((await capture(() => runSiteCommand(["--site", "small", "--duration", "30s", "--drain", "10s", "--json", "--quiet", "--seed", String(seed)]))).stdout) as { readingsProduced: number; readingsDelivered: number; alertsRaised: number };
    const [a, b] = [await single(4), await single(5)];
    const pooled = await capture(() => runSiteCommand(["--site", "small", "--duration", "30s", "--drain", "10s", "--json", "--quiet", "--seed", "4", "--seeds", "2"]));
    expect(pooled.code).toBe(0);
    const summary = JSON.parse(pooled.stdout) as { seeds: number; readingsProduced: number; readingsDelivered: number; alertsRaised: number; failedSeeds: number[] };
    expect(summary.seeds).toBe(2);
    expect(summary.failedSeeds).toEqual([]);
    expect(summary.readingsProduced).toBe(a.readingsProduced + b.readingsProduced);
    expect(summary.readingsDelivered).toBe(a.readingsDelivered + b.readingsDelivered);
    expect(summary.alertsRaised).toBe(a.alertsRaised + b.alertsRaised);
    const text = await capture(() => runSiteCommand(["--site", "small", "--duration", "30s", "--seed", "4", "--seeds", "2"]));
    expect(text.stdout).toContain("seeds 4..5 pooled");
    expect(text.stderr).toContain("seed 5 (2/2)");
    const bad = await capture(() => runSiteCommand(["--seeds", "0"]));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--seeds must be an integer 1..10000");
  });
});
