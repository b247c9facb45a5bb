/**
 * A run's summary as plain data: what the CLI prints, what tests compare
 * across runs and engines. Built off the hot path (it allocates).
 */
import { KERNEL_COUNTER_NAMES } from "./counters";
import { RunState, type SimKernel, type SimViolation } from "./kernel";

export interface SimSummary {
  readonly name: string;
  readonly seed: number;
  readonly nodes: number;
  readonly links: number;
  readonly state: "running" | "finished" | "violated" | "faulted" | "queue-full";
  /** Finished, with no violation, fault or queue overflow. */
  readonly ok: boolean;
  readonly events: number;
  readonly virtualMs: number;
  readonly traceHash: string;
  readonly counters: Readonly<Record<string, number>>;
  readonly workload: Readonly<Record<string, number>>;
  readonly queue: { readonly capacity: number; readonly highWater: number; readonly fullCount: number };
  readonly violation: SimViolation | undefined;
}

const STATE_NAMES: readonly SimSummary["state"][] = Object.freeze(["running", "finished", "violated", "faulted", "queue-full"]);

export function summarizeRun(kernel: SimKernel): SimSummary {
  const counters: Record<string, number> = {};
  for (let id = 0; id < KERNEL_COUNTER_NAMES.length; id++) {
    counters[KERNEL_COUNTER_NAMES[id] ?? String(id)] = kernel.counter(id as Parameters<SimKernel["counter"]>[0]);
  }
  const workload: Record<string, number> = {};
  const names = kernel.workload.counterNames;
  for (let id = 0; id < names.length; id++) workload[names[id] ?? String(id)] = kernel.workloadTotal(id);
  const state = kernel.runState;
  return {
    name: kernel.scenario.name,
    seed: kernel.seed,
    nodes: kernel.nodeCount,
    links: kernel.topology.edgeCount,
    state: STATE_NAMES[state] ?? "running",
    ok: state === RunState.Finished && kernel.queue.fullCount === 0,
    events: kernel.eventCount,
    virtualMs: kernel.nowMs,
    traceHash: kernel.trace.hex(),
    counters,
    workload,
    queue: { capacity: kernel.queue.capacity, highWater: kernel.queue.highWater, fullCount: kernel.queue.fullCount },
    violation: kernel.violation,
  };
}
