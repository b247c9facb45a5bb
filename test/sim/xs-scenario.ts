/**
 * The scenario run on both engines (test/xs/sim.test.ts): every fault kind
 * at once, small enough for the XS interpreter. Platform neutral.
 */
import { createSimulation, summarizeRun, validateScenario, type SimKernel, type SimSummary } from "../../host-sim/kernel/index";

export const XS_SIM_SCENARIO: Readonly<Record<string, unknown>> = Object.freeze({
  name: "xs-parity",
  seed: 20261124,
  nodes: 24,
  durationMs: "90s",
  startJitterMs: "1s",
  topology: { kind: "radio", layout: "random", areaPerNodeM2: 30_000, rangeM: 250 },
  link: { lossPpm: 30_000, latencyMinMs: 2, latencyMaxMs: 120, duplicatePpm: 10_000, reorderPpm: 40_000, reorderDelayMaxMs: 200 },
  partitions: [{ startMs: "20s", endMs: "35s", sideA: { belowPermille: 300 }, symmetric: false }],
  randomPartitions: { count: 1, durationMinMs: "5s", durationMaxMs: "15s" },
  swizzleClogs: [{ startMs: "40s", stepMs: 100, linkCount: 25, holdMs: "3s" }],
  randomCrashes: { count: 4, durationMinMs: "1s", durationMaxMs: "10s" },
  randomPauses: { count: 4, durationMinMs: "100ms", durationMaxMs: "3s" },
  clock: { driftPpmMax: 150, offsetMsMax: "2s" },
  workload: { kind: "ping", periodMs: 1000, mode: "unicast", ack: true, messageBytes: 20 },
});

/** Variants run on both engines: the scenario as is, and broadcasting without duplication. */
export const XS_SIM_VARIANTS: readonly Readonly<Record<string, unknown>>[] = Object.freeze([
  XS_SIM_SCENARIO,
  Object.freeze({
    ...XS_SIM_SCENARIO,
    name: "xs-parity-broadcast",
    seed: 7,
    link: { lossPpm: 30_000, latencyMinMs: 2, latencyMaxMs: 120, reorderPpm: 40_000, reorderDelayMaxMs: 200 },
    workload: { kind: "ping", periodMs: 1000, mode: "broadcast", ack: false, messageBytes: 20 },
  }),
]);

/** Build a parity scenario's kernel (the caller runs it). */
export function xsParityKernel(raw: Readonly<Record<string, unknown>> = XS_SIM_SCENARIO): SimKernel | string {
  const validation = validateScenario(raw);
  if (!validation.ok) return validation.problems.join("; ");
  const built = createSimulation(validation.scenario);
  return built.ok ? built.kernel : built.problems.join("; ");
}

/** Run every variant to the end; one summary (or error text) per variant. */
export function runXsParityScenarios(): (SimSummary | string)[] {
  return XS_SIM_VARIANTS.map((raw) => {
    const kernel = xsParityKernel(raw);
    if (typeof kernel === "string") return kernel;
    kernel.run();
    return summarizeRun(kernel);
  });
}
