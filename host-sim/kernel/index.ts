/**
 * The deterministic simulation kernel (platform neutral: runs on V8 and XS).
 *
 *     const v = validateScenario(json);             // every bad field listed
 *     const sim = createSimulation(v.scenario);     // workload + all invariants
 *     sim.kernel.run();                             // or runFor(n) in slices
 *     summarizeRun(sim.kernel).traceHash;           // same seed => same hash
 */
import { KERNEL_INVARIANTS } from "./invariants";
import { SimKernel, type SimKernelBuild } from "./kernel";
import type { InvariantFactory } from "./inspect";
import type { SimScenario } from "./scenario";
import { createWorkload } from "./workloads/index";

export { SimKernel, RunState, type SimKernelBuild, type SimKernelOptions, type SimViolation } from "./kernel";
export { KernelCounter, KERNEL_COUNTER_NAMES } from "./counters";
export { SimEventKind, EventOutcome, NodeState, SimEventView, type Invariant, type InvariantFactory, type SimInspect } from "./inspect";
export { CopyOutcome, checksumBytes } from "./network";
export type { SimContext, SimNode, SimWorkload } from "./node";
export { PPM, SimLimit, type SimScenario } from "./scenario";
export { validateScenario, parseDurationMs, type ScenarioValidation } from "./validate-scenario";
export { summarizeRun, type SimSummary } from "./summary";
export { KERNEL_INVARIANTS } from "./invariants";
export { createWorkload } from "./workloads/index";

export interface SimulationOptions {
  /** Extra invariants on top of the kernel's and the workload's. */
  readonly invariants?: readonly InvariantFactory[];
  /** Default true; see SimKernelOptions.guardComponents. */
  readonly guardComponents?: boolean;
  /** Default true. Off only to measure the kernel alone. */
  readonly checkInvariants?: boolean;
}

/** The scenario's workload with the kernel's, the workload's and any extra invariants. */
export function createSimulation(scenario: SimScenario, options: SimulationOptions = {}): SimKernelBuild {
  const setup = createWorkload(scenario.workload);
  const invariants = options.checkInvariants === false ? [] : [...KERNEL_INVARIANTS, ...setup.invariants, ...(options.invariants ?? [])];
  return SimKernel.create(scenario, setup.workload, { invariants, guardComponents: options.guardComponents ?? true });
}
