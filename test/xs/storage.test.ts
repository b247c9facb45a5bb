/**
 * The storage suites on the real XS engine against the simulated flash: a
 * stratified slice of the exhaustive power-loss sweep, random fault seeds,
 * bit-identical flash contents with V8, the same wear figures as V8, and no
 * allocation per append / put / counter reservation after warm-up.
 * (The storage property suite runs on XS through test/xs/conformance.test.ts.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Crc32c } from "../../core/storage/crc32c";
import { type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { SMALL_GEOMETRY, simDevice } from "../core/storage/fixtures";
import { measureAppendWear } from "../core/storage/wear";
import { CrashWorkload, sweepFaultPoints } from "../core/storage/workload";
import { imageDigest, XS_SWEEP } from "../core/storage/xs-plan";
import { buildCounterScenario, corruptRandomly, flipEveryBit, tearEveryWrite } from "../core/storage/counter-proof";
import { recordOf, runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;
const find = (kind: string): XsRecord => recordOf(run, kind);

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/storage.xs.ts", "storage", "storage bundle");
});

describe("storage on XS", () => {
  it("recovers every acknowledged change at every 8th power-loss point of the sweep (same plan as V8)", () => {
    const sweep = find("sweep");
    expect(sweep["problems"]).toEqual([]);
    const faultPoints = Number(sweep["faultPoints"]);
    expect(faultPoints).toBeGreaterThan(1000);
    expect(sweep["exercised"]).toBe(Math.ceil(faultPoints / XS_SWEEP.stride));
    expect(sweep["crashed"]).toBe(sweep["exercised"]);
  });

  it("counts the same fault points on XS as on V8 for the same workload", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const v8 = sweepFaultPoints(device, XS_SWEEP.workload, XS_SWEEP.deviceSeed, 0, 0);
    expect(find("sweep")["faultPoints"]).toBe(v8.faultPoints);
  });

  it("loses nothing acknowledged under random power loss and read flips", () => {
    const random = find("random");
    expect(random["problems"]).toEqual([]);
    expect(Number(random["crashes"])).toBeGreaterThan(0);
  });

  it("leaves bit-identical flash contents to V8 after the same faulty workload", () => {
    const device = simDevice(SMALL_GEOMETRY, { seed: 11, powerLossPermille: 5 });
    const v8 = new CrashWorkload(device, { seed: 7, operations: 1000 }).run();
    const digest = find("digest");
    expect(digest["steps"]).toBe(v8.steps);
    expect(digest["crashes"]).toBe(v8.crashes);
    expect(digest["digest"]).toBe(imageDigest(device, Crc32c.create()));
  });

  it("reports the same write amplification and erase rate as V8", () => {
    expect(find("wear")).toEqual({ kind: "wear", ...measureAppendWear() });
  });

  it("allocates nothing per 64-byte append (cleaning included), KV put or counter reservation", () => {
    const cost = find("cost");
    expect(cost["status"]).toBe(0);
    expect(cost["exact"]).toBe(true);
    expect(Number(cost["cleanedDuringMeasure"])).toBeGreaterThan(0);
    expect(cost["appendBytes"]).toBe(0);
    expect(cost["putBytes"]).toBe(0);
    expect(cost["counterBytes"]).toBe(0);
  });

  it("the send counter resumes above every value issued after every bit flip and torn write of its last reservation, and the same damage gives the same verdicts as V8", () => {
    const proof = find("counterProof");
    const scenario = buildCounterScenario(SMALL_GEOMETRY, 7, 30);
    const flips = proof["flips"] as Record<string, unknown>;
    const tears = proof["tears"] as Record<string, unknown>;
    expect(flips["examples"]).toEqual([]);
    expect(Number(flips["cases"])).toBeGreaterThanOrEqual(8 * 56);
    expect(flips["resumed"]).toBe(flips["cases"]);
    expect(tears["resumed"]).toBe(tears["cases"]);
    expect(flips).toEqual({ ...flipEveryBit(scenario) });
    expect(tears).toEqual({ ...tearEveryWrite(scenario) });
    const random = proof["random"] as Record<string, unknown>;
    expect(random["rolledBack"]).toBe(0);
    expect(random).toEqual({ ...corruptRandomly(scenario, 5, 300) });
  });
});
