/**
 * The device entry point boots the full agent on the real XS engine (picket-xs)
 * and gives the same trace as on V8 for the same scenario; steady-state
 * turns allocate nothing on XS.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { runDeviceScenario } from "../../host-sim/device-scenarios/device-boot";
import { recordOf, runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;
const find = (kind: string): XsRecord => recordOf(run, kind);

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/device-boot.xs.ts", "device-boot", "device-boot bundle");
});

describe("device entry point on XS", () => {
  it("boots every agent and samples both sensors on schedule", () => {
    const scenario = find("scenario");
    expect(scenario["bootsOk"]).toBe(8);
    expect(scenario["problems"]).toEqual([]);
    const statuses = scenario["statuses"] as { samplesTaken: number; sampleErrors: number }[];
    expect(statuses).toHaveLength(8);
    // 60 s at 1 s intervals for two sensors, each starting at its own phase within the first second.
    for (const status of statuses) {
      expect(status.samplesTaken).toBeGreaterThanOrEqual(2 * 60);
      expect(status.samplesTaken).toBeLessThanOrEqual(2 * 61);
      expect(status.sampleErrors).toBe(0);
    }
  });

  it("exchanges telemetry and alerts between the device agents: the gateway collects them", () => {
    const scenario = find("scenario");
    // 7 sensors x 2 channels x 5 closed 10 s windows at least, plus the gateway's own.
    expect(Number(scenario["gatewayRecords"])).toBeGreaterThanOrEqual(7 * 2 * 5);
    // Node 2's intrusion: raised and cleared.
    expect(scenario["gatewayAlerts"]).toBe(2);
  });

  it("produces the same trace hashes as the same scenario on V8", () => {
    const v8 = runDeviceScenario({ agents: 8, durationMs: 60_000, sampleIntervalMs: 1000 });
    expect(v8.statuses).toHaveLength(8);
    expect(find("scenario")["combinedTrace"]).toBe(v8.combinedTrace);
    expect(JSON.parse(JSON.stringify(v8.statuses))).toEqual(find("scenario")["statuses"]);
    expect(find("scenario")["gatewayRecords"]).toBe(v8.gatewayRecords);
  });

  it("allocates nothing per steady-state sampling turn", () => {
    const cost = find("cost");
    expect(cost["exact"]).toBe(true);
    expect(cost["turnBytes"]).toBe(0);
    expect(cost["samples"]).toBe(200);
  });
});
