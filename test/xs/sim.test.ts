/**
 * The simulation kernel runs on the real XS engine and produces the same
 * trace as V8 for the same scenario and seed (docs/architecture.md
 * "Rules"); processing events allocates nothing there.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { runXsParityScenarios, XS_SIM_VARIANTS } from "../sim/xs-scenario";
import { recordOf, runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;
const find = (kind: string): XsRecord => recordOf(run, kind);

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/sim.xs.ts", "sim", "sim bundle");
});

describe("simulation kernel on XS", () => {
  const xsSummaries = (): { ok: boolean; state: string; events: number; traceHash: string; violation?: unknown }[] =>
    find("summaries")["summaries"] as { ok: boolean; state: string; events: number; traceHash: string; violation?: unknown }[];

  it("finishes every parity scenario with every invariant holding", () => {
    const summaries = xsSummaries();
    expect(summaries).toHaveLength(XS_SIM_VARIANTS.length);
    for (const summary of summaries) {
      expect(summary.violation).toBeUndefined();
      expect(summary.state).toBe("finished");
      expect(summary.ok).toBe(true);
      expect(summary.events).toBeGreaterThan(3000);
    }
  });

  it("gives the same trace hash and the same summary as V8 for the same scenario and seed", () => {
    const v8 = runXsParityScenarios();
    const xs = xsSummaries();
    for (let i = 0; i < v8.length; i++) {
      const expected = v8[i];
      if (typeof expected !== "object") throw new Error(String(expected));
      expect(xs[i]?.traceHash, expected.name).toBe(expected.traceHash);
      expect(xs[i]).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it("allocates nothing per event in steady state", () => {
    const cost = find("cost");
    expect(cost["exact"]).toBe(true);
    expect(Number(cost["events"])).toBe(2000);
    expect(cost["bytesPerEvent"]).toBe(0);
  });
});
