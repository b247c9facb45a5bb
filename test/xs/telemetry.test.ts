/**
 * Telemetry on the real XS engine: a steady-state sample (simulated sensor
 * → pipeline → outbox) allocates nothing, and the bench cases allocate
 * nothing per op. Computrons are recorded, never asserted (no timing asserts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { recordOf, runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/telemetry-cost.xs.ts", "telemetry-cost", "telemetry cost bundle");
});

function records(kind: string): readonly XsRecord[] {
  return run.records.filter((r) => r.kind === kind);
}

describe("telemetry allocation on XS", () => {
  it("each telemetry bench case allocates 0 bytes per op", () => {
    const cases = records("case");
    expect(cases.map((c) => c["name"])).toEqual(["sample + aggregate (1 channel)", "threshold rule evaluate", "sim temperature sensor sample"]);
    for (const c of cases) {
      expect(c["exact"]).toBe(true);
      expect(c["bytesPerOp"]).toBe(0);
    }
  });

  it("a faulted sensor sampled into a pipeline with rules allocates 0 bytes per sample in steady state", () => {
    const [turn] = records("turn");
    expect(turn).toBeDefined();
    expect(turn?.["exact"]).toBe(true);
    expect(turn?.["bytesPerSample"]).toBe(0);
    expect(turn?.["invariants"]).toBe(true);
    // The run really exercised the full-outbox and alert paths.
    expect(Number(turn?.["alertsAccepted"])).toBeGreaterThan(0);
    expect(Number(turn?.["routineDropped"])).toBeGreaterThan(0);
    expect(turn?.["highWater"]).toBe(8);
  });
});
