/**
 * Helpers for the mesh simulation suites: a scenario per topology kind, one
 * shared keyring, and a run that returns the workload's measurements with
 * the kernel's summary. Platform neutral (the XS entry uses them too).
 */
import { KERNEL_INVARIANTS, SimKernel, summarizeRun, validateScenario, type SimScenario, type SimSummary } from "../../../host-sim/kernel/index";
import { MeshWorkload, meshInvariants, type MeshTrafficSpec } from "../../../host-sim/kernel/workloads/mesh";
import type { MeshAttackSpec } from "../../../host-sim/kernel/workloads/mesh-attacker";
import { MeshKeyring } from "../../../host-sim/kernel/workloads/mesh-keys";
import type { LoRaParams } from "../../../core/mesh/airtime";
import { meshConfig, type MeshConfig } from "../../../core/mesh/mesh-config";

/** EU868 LoRa as Meshtastic's "short fast"-like preset: SF7, 125 kHz, 4/5, 8-symbol preamble. */
export const LORA_SF7: LoRaParams = Object.freeze({
  spreadingFactor: 7,
  bandwidthHz: 125_000,
  codingRateDenominator: 5,
  preambleSymbols: 8,
  crcOn: true,
  implicitHeader: false,
});

export type TopologyKind = "line" | "grid" | "random" | "links";

export interface MeshRunSpec {
  readonly name?: string;
  readonly seed: number;
  readonly nodes: number;
  readonly topology: TopologyKind;
  /** Random geometric graphs: square metres per node (density) and radio range. */
  readonly areaPerNodeM2?: number;
  readonly rangeM?: number;
  readonly links?: readonly (readonly [number, number])[];
  readonly lossPpm?: number;
  readonly duplicatePpm?: number;
  readonly reorderPpm?: number;
  readonly durationMs?: number;
  readonly config?: Partial<MeshConfig>;
  readonly traffic?: Partial<MeshTrafficSpec>;
  readonly attack?: MeshAttackSpec;
  readonly collisions?: boolean;
  readonly mtuBytes?: number;
  /** Kernel message limit: one air frame (1 + 255) by default; injected batches need more. */
  readonly maxMessageBytes?: number;
  readonly eventQueueCapacity?: number;
}

export interface MeshRun {
  readonly summary: SimSummary;
  readonly workload: MeshWorkload;
  readonly kernel: SimKernel;
}

let sharedKeyring: MeshKeyring | undefined;

/** One keyring for every run of a file (keys depend only on a fixed seed). */
export function keyring(senders = 200): MeshKeyring {
  if (sharedKeyring !== undefined && sharedKeyring.senderCount >= senders) return sharedKeyring;
  const made = MeshKeyring.create(Math.max(senders, 200));
  if (!made.ok) throw new Error(`keyring: code ${made.code}`);
  sharedKeyring = made.value;
  return sharedKeyring;
}

export function meshScenario(spec: MeshRunSpec): SimScenario {
  const topology =
    spec.topology === "links"
      ? { kind: "links", links: spec.links ?? [], directed: false }
      : spec.topology === "random"
        ? { kind: "radio", layout: "random", areaPerNodeM2: spec.areaPerNodeM2 ?? 20_000, rangeM: spec.rangeM ?? 250 }
        : { kind: "radio", layout: spec.topology, spacingM: 100, rangeM: spec.topology === "grid" ? 150 : 120 };
  const raw = {
    name: spec.name ?? `mesh-${spec.topology}-${spec.nodes}`,
    seed: spec.seed,
    nodes: spec.nodes,
    durationMs: spec.durationMs ?? 60_000,
    startJitterMs: 500,
    topology,
    link: {
      lossPpm: spec.lossPpm ?? 0,
      latencyMinMs: 1,
      latencyMaxMs: 4,
      duplicatePpm: spec.duplicatePpm ?? 0,
      reorderPpm: spec.reorderPpm ?? 0,
      reorderDelayMaxMs: 400,
    },
    workload: { kind: "ping", periodMs: 1000, mode: "unicast", ack: false, messageBytes: 12 },
    limits: { maxMessageBytes: spec.maxMessageBytes ?? 320, timersPerNode: 4, eventQueueCapacity: spec.eventQueueCapacity ?? 1 << 16 },
  };
  const validation = validateScenario(raw);
  if (!validation.ok) throw new Error(`bad mesh scenario:\n  ${validation.problems.join("\n  ")}`);
  return validation.scenario;
}

export const DEFAULT_TRAFFIC: MeshTrafficSpec = Object.freeze({
  broadcastPeriodMs: 15_000,
  unicastPeriodMs: 0,
  unicastAck: true,
  messageBytes: 24,
  largeMessageBytes: 0,
  largeEvery: 0,
  stopAtMs: 40_000,
  broadcastSenders: 1_000,
  unicastSenders: 0,
});

/** Build and run one mesh simulation; every kernel and mesh invariant is checked after every event. */
export function runMesh(spec: MeshRunSpec): MeshRun {
  const scenario = meshScenario(spec);
  const built = MeshWorkload.create({
    scenario,
    keyring: keyring(spec.nodes),
    config: meshConfig({ hopLimit: 7, ...spec.config }),
    lora: LORA_SF7,
    mtuBytes: spec.mtuBytes ?? 255,
    traffic: { ...DEFAULT_TRAFFIC, ...spec.traffic },
    collisions: spec.collisions ?? true,
    ...(spec.attack === undefined ? {} : { attack: spec.attack }),
  });
  if (!built.ok) throw new Error(`mesh workload: code ${built.code}`);
  const workload = built.value;
  const kernel = SimKernel.create(scenario, workload, { invariants: [...KERNEL_INVARIANTS, ...meshInvariants(workload)], guardComponents: true });
  if (!kernel.ok) throw new Error(`kernel: ${kernel.problems.join("; ")}`);
  kernel.kernel.run();
  return { summary: summarizeRun(kernel.kernel), workload, kernel: kernel.kernel };
}

export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 1 : numerator / denominator;
}
