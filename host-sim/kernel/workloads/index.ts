/** Workloads a scenario can name, with the invariants each brings along. */
import type { InvariantFactory } from "../inspect";
import type { SimWorkload } from "../node";
import type { WorkloadSpec } from "../scenario";
import { createPingWorkload, pingInvariants } from "./ping";

export interface WorkloadSetup {
  readonly workload: SimWorkload;
  readonly invariants: readonly InvariantFactory[];
}

export function createWorkload(spec: WorkloadSpec): WorkloadSetup {
  return { workload: createPingWorkload(spec), invariants: pingInvariants(spec) };
}
