/**
 * Crash consistency (README "Durable state on flash"): a 1,000-operation workload with
 * power loss injected at EVERY program and erase step in turn, each a full
 * re-run from scratch, plus random fault points (power loss and read flips)
 * over hundreds of seeds. After every recovery the store must equal the model
 * of acknowledged changes (workload.ts states exactly what is checked).
 */
import { describe, expect, it } from "vitest";
import { ALIGN16_GEOMETRY, ESP32_GEOMETRY, simDevice, SMALL_GEOMETRY } from "./fixtures";
import { CrashWorkload, sweepFaultPoints } from "./workload";

const OPERATIONS = 1000;

describe("power loss at every program and erase step", () => {
  it("512-byte blocks, workload seed 7: every fault point recovers every acknowledged change", () => {
    const device = simDevice(SMALL_GEOMETRY);
    // After the crash the workload runs on to its end and reboots cleanly once more, so
    // recovery (zero fill, finishing an interrupted cleaning) is checked under later writes too.
    const sweep = sweepFaultPoints(device, { seed: 7, operations: OPERATIONS, operationsAfterCrash: OPERATIONS }, 0x5eed);
    console.info(`storage sweep (512 B blocks, seed 7): ${sweep.exercised} of ${sweep.faultPoints} fault points exercised, ${sweep.operations} operations`);
    expect(sweep.problems).toEqual([]);
    expect(sweep.operations).toBe(OPERATIONS);
    expect(sweep.faultPoints).toBeGreaterThan(OPERATIONS);
    expect(sweep.exercised).toBe(sweep.faultPoints);
    expect(sweep.crashed).toBe(sweep.faultPoints);
  });

  it("4 KiB blocks (ESP32), workload seed 5: every fault point recovers every acknowledged change", () => {
    const device = simDevice(ESP32_GEOMETRY);
    const sweep = sweepFaultPoints(device, { seed: 5, operations: OPERATIONS, operationsAfterCrash: OPERATIONS }, 0x5eed);
    console.info(`storage sweep (4 KiB blocks, seed 5): ${sweep.exercised} of ${sweep.faultPoints} fault points exercised`);
    expect(sweep.problems).toEqual([]);
    expect(sweep.exercised).toBe(sweep.faultPoints);
    expect(sweep.crashed).toBe(sweep.faultPoints);
  });
});

describe("random fault points", () => {
  const geometries = [SMALL_GEOMETRY, ESP32_GEOMETRY, ALIGN16_GEOMETRY];

  it("256 seeds with power loss (5 per 1,000 steps) and read flips (5 per 1,000 reads): nothing acknowledged is lost", () => {
    const devices = geometries.map((g) => simDevice(g));
    let crashes = 0;
    let verifications = 0;
    const problems: string[] = [];
    for (let seed = 1; seed <= 256; seed++) {
      const device = devices[seed % devices.length] ?? devices[0];
      if (device === undefined) throw new Error("no device");
      device.reset();
      device.faults.configure({ seed, powerLossPermille: 5, readFlipPermille: 5 });
      const run = new CrashWorkload(device, { seed: 1000 + seed, operations: OPERATIONS }).run();
      crashes += run.crashes;
      verifications += run.verifications;
      for (const problem of run.problems) problems.push(`seed ${seed}: ${problem}`);
    }
    console.info(`storage random faults: 256 seeds, ${crashes} power losses, ${verifications} verified remounts`);
    expect(problems).toEqual([]);
    expect(crashes).toBeGreaterThan(500);
  });

  it("repeated power loss (60 per 1,000 steps, many inside one cleaning): recovery always completes", () => {
    const devices = geometries.map((g) => simDevice(g));
    let crashes = 0;
    const problems: string[] = [];
    for (let seed = 1; seed <= 48; seed++) {
      const device = devices[seed % devices.length] ?? devices[0];
      if (device === undefined) throw new Error("no device");
      device.reset();
      device.faults.configure({ seed, powerLossPermille: 60 });
      const run = new CrashWorkload(device, { seed: 5000 + seed, operations: OPERATIONS }).run();
      crashes += run.crashes;
      for (const problem of run.problems) problems.push(`seed ${seed}: ${problem}`);
    }
    expect(problems).toEqual([]);
    expect(crashes).toBeGreaterThan(2000);
  });
});
