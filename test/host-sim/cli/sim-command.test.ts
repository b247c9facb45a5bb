/** `picket sim`: flags, overrides, scenario files, errors and output (host-sim/cli/commands/sim.ts). */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { captureOutput, type CapturedRun } from "../../support/capture-output";
import { bundledScenarios, parseChancePpm, prepareSim, runSimCommand } from "../../../host-sim/cli/commands/sim";
import { createSimulation } from "../../../host-sim/kernel/index";

function prepared(args: readonly string[]) {
  const result = prepareSim(args);
  if (!result.ok) throw new Error(result.message);
  return result;
}

function errorOf(args: readonly string[]): string {
  const result = prepareSim(args);
  return result.ok ? "" : result.message;
}

const capture = (args: readonly string[]): Promise<CapturedRun> => captureOutput(() => runSimCommand(args));

describe("picket sim arguments", () => {
  it("flags override the scenario's fields, in the scenario's units", () => {
    const { scenario } = prepared(["--scenario", "small-line", "--seed", "9", "--nodes", "5", "--duration", "90s", "--loss", "10%", "--dup", "0.002", "--latency", "5..2s", "--drift", "40", "--mode", "broadcast", "--no-ack", "--period", "250ms", "--crashes", "2", "--queue", "5000"]);
    expect(scenario).toMatchObject({ name: "small-line", seed: 9, nodeCount: 5, durationMs: 90_000 });
    expect(scenario.link).toMatchObject({ lossPpm: 100_000, duplicatePpm: 2000, latencyMinMs: 5, latencyMaxMs: 2000 });
    expect(scenario.clock.driftPpmMax).toBe(40);
    expect(scenario.workload).toMatchObject({ mode: "broadcast", ack: false, periodMs: 250 });
    expect(scenario.randomCrashes.count).toBe(2);
    expect(scenario.limits.eventQueueCapacity).toBe(5000);
    expect(scenario.topology).toMatchObject({ kind: "radio", layout: "line", rangeM: 150 });
  });

  it("switches topology: full, or a radio layout keeping radio fields", () => {
    expect(prepared(["--scenario", "small-line", "--topology", "full"]).scenario.topology).toEqual({ kind: "full" });
    expect(prepared(["--scenario", "small-line", "--topology", "grid", "--range", "300"]).scenario.topology).toMatchObject({ kind: "radio", layout: "grid", spacingM: 100, rangeM: 300 });
  });

  it("rejects bad flags with a specific message", () => {
    expect(errorOf(["--nodes", "0"])).toBe("--nodes must be an integer 1..65536");
    expect(errorOf(["--loss", "1.5"])).toBe("--loss must be a fraction 0..1 (0.1) or a percentage (10%)");
    expect(errorOf(["--duration", "10"])).toBe("--duration must be a duration like 500ms, 90s, 10m or 1h");
    expect(errorOf(["--latency", "50..5"])).toMatch(/^--latency must be/);
    expect(errorOf(["--scenario", "swizzle", "--range", "10"])).toBe("--range needs a radio topology (--topology line|grid|random)");
    expect(errorOf(["--frobnicate"])).toBe("unknown option --frobnicate");
    expect(errorOf(["--seed"])).toBe("--seed needs a value");
    expect(errorOf(["--scenario", "nope"])).toMatch(/^no scenario "nope"/);
    expect(errorOf(["--mode", "multicast"])).toMatch(/workload\.mode: must be one of "unicast", "broadcast"/);
  });

  it("reports every bad field of a scenario file", () => {
    const dir = mkdtempSync(join(tmpdir(), "picket-sim-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ nodes: 4, link: { lossPpm: -1 }, crashes: [{ node: 9, atMs: "soon" }], extra: true }));
    const message = errorOf(["--scenario", file]);
    expect(message).toContain("link.lossPpm: must be an integer 0..1000000");
    expect(message).toContain("crashes[0].node: must be a node id 0..3");
    expect(message).toContain('crashes[0].atMs: must be 0..2592000000 ms');
    expect(message).toContain("extra: unknown field");
    writeFileSync(file, "{ not json");
    expect(errorOf(["--scenario", file])).toMatch(/bad\.json: /);
  });

  it("parses chances as fractions or percentages", () => {
    expect([parseChancePpm("0.1"), parseChancePpm("10%"), parseChancePpm("0"), parseChancePpm("1"), parseChancePpm("0.0000015")]).toEqual([100_000, 100_000, 0, 1_000_000, 2]);
    for (const bad of ["", "x", "-0.1", "101%", "2"]) expect(parseChancePpm(bad), bad).toBe(-1);
  });

  it("the reproduce command always names the seed", () => {
    expect(prepared(["--scenario", "chaos", "--json"]).reproduce).toBe("picket sim --scenario chaos --seed 1");
    expect(prepared(["--seed", "5", "--nodes", "3"]).reproduce).toBe("picket sim --seed 5 --nodes 3");
  });

  it("every bundled scenario is valid and builds", () => {
    expect(bundledScenarios()).toEqual(expect.arrayContaining(["chaos", "crash-restart", "grid-partition", "small-line", "speed-1000", "swizzle"]));
    for (const name of bundledScenarios()) {
      const built = createSimulation(prepared(["--scenario", name]).scenario);
      expect(built.ok, name).toBe(true);
    }
  });
});

describe("picket sim output", () => {
  it("prints a text summary and exits 0", async () => {
    const { code, stdout } = await capture(["--scenario", "small-line", "--seed", "3", "--quiet"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^picket sim: small-line, seed 3, 8 nodes, 14 links\n {2}result {8}ok \(finished\)/);
    expect(stdout).toMatch(/trace hash {4}[0-9a-f]{16}/);
    expect(stdout).toMatch(/speed-up {6}[\d,]+x real time/);
  });

  it("--json --verify prints the summary as JSON with both hashes equal", async () => {
    const { code, stdout } = await capture(["--scenario", "grid-partition", "--seed", "4", "--json", "--verify", "--quiet"]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { ok: boolean; traceHash: string; secondTraceHash: string; verified: boolean; events: number; reproduce: string };
    expect(summary).toMatchObject({ ok: true, verified: true, reproduce: "picket sim --scenario grid-partition --seed 4" });
    expect(summary.secondTraceHash).toBe(summary.traceHash);
  });

  it("exits 1 and prints how to reproduce when the run fails (queue overflow here)", async () => {
    const { code, stdout } = await capture(["--scenario", "grid-partition", "--queue", "16", "--quiet"]);
    expect(code).toBe(1);
    expect(stdout).toContain("result        FAILED (queue-full)");
    expect(stdout).toMatch(/STOPPED {7}event-queue-capacity at event \d+/);
    expect(stdout).toContain("reproduce     picket sim --scenario grid-partition --queue 16 --seed 1");
  });

  it("exits 2 with the usage hint on bad arguments", async () => {
    const { code, stderr } = await capture(["--nodes", "x"]);
    expect(code).toBe(2);
    expect(stderr).toContain("picket sim: --nodes must be an integer 1..65536");
  });
});
