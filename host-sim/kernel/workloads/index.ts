/** Workloads a scenario can name, with the invariants each brings along. */
import type { InvariantFactory } from "../inspect";
import type { SimWorkload } from "../node";
import type { WorkloadSpec } from "../scenario";
import { createPingWorkload, pingInvariants } from "./ping";

// The mesh workload (README "Mesh transport") is built in code (it needs a keyring), not named by scenarios.
export { MeshRunStats, MeshWorkload, meshInvariants, type MeshTrafficSpec, type MeshWorkloadOptions } from "./mesh";

export interface WorkloadSetup {
  readonly workload: SimWorkload;
  readonly invariants: readonly InvariantFactory[];
}

export function createWorkload(spec: WorkloadSpec): WorkloadSetup {
  return { workload: createPingWorkload(spec), invariants: pingInvariants(spec) };
}
