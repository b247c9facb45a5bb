/**
 * A simulation scenario: everything that decides a run, in integer units.
 * With the same scenario (seed included) and the same code, every run gives
 * the same event trace on V8 and on XS (docs/architecture.md "Rules").
 *
 * Units: times and durations in virtual milliseconds, distances in metres,
 * probabilities in parts per million (ppm, 0..1_000_000), clock drift in ppm.
 * Node ids are 0..nodeCount-1.
 *
 * This is the validated shape (validate-scenario.ts turns JSON into it and
 * fills every default); the kernel trusts it.
 */

/** Where nodes are and who hears whom. */
export type TopologySpec =
  | {
      /** Radio: nodes at positions, linked both ways when within `rangeM`. */
      readonly kind: "radio";
      readonly layout: "line" | "grid" | "random" | "positions";
      /** line/grid: distance between adjacent nodes. */
      readonly spacingM: number;
      /** random: nodes uniformly in [0, widthM] x [0, heightM] (topology stream). */
      readonly widthM: number;
      readonly heightM: number;
      /** positions: one [x, y] per node (non-negative integers). */
      readonly positions: readonly (readonly [number, number])[];
      readonly rangeM: number;
    }
  | { readonly kind: "full" }
  | {
      /** An explicit link graph; `directed: false` links each pair both ways. */
      readonly kind: "links";
      readonly links: readonly (readonly [number, number])[];
      readonly directed: boolean;
    };

/** Per-link behaviour; the defaults for every link, overridable per link. */
export interface LinkParams {
  readonly lossPpm: number;
  readonly latencyMinMs: number;
  readonly latencyMaxMs: number;
  /** A delivered copy is duplicated (second copy, own latency) with this chance. */
  readonly duplicatePpm: number;
  /** A copy is held back by 1..reorderDelayMaxMs extra with this chance (reordering). */
  readonly reorderPpm: number;
  readonly reorderDelayMaxMs: number;
}

export interface LinkOverride {
  readonly from: number;
  readonly to: number;
  /** Also override the reverse link to -> from. */
  readonly bothWays: boolean;
  readonly params: LinkParams;
}

/**
 * A partition active during [startMs, endMs). Side A is blocked towards side
 * B; when symmetric, B is blocked towards A too. Nodes on neither side are
 * unaffected (a bridge).
 */
export interface PartitionSpec {
  readonly startMs: number;
  readonly endMs: number;
  readonly sideA: readonly number[];
  readonly sideB: readonly number[];
  readonly symmetric: boolean;
}

/** Partitions drawn from the fault stream: random start, length and halves. */
export interface RandomPartitionSpec {
  readonly count: number;
  readonly durationMinMs: number;
  readonly durationMaxMs: number;
  /** Chance that a drawn partition is asymmetric (A -> B blocked only). */
  readonly asymmetricPpm: number;
}

/**
 * Swizzle-clog (TigerBeetle VOPR): from `startMs`, every `stepMs` one more
 * randomly chosen directed link is clogged until `linkCount` are; after
 * `holdMs` they are restored one by one, every `stepMs`, in another random
 * order. A clogged link drops everything on it.
 */
export interface SwizzleClogSpec {
  readonly startMs: number;
  readonly stepMs: number;
  readonly linkCount: number;
  readonly holdMs: number;
}

/** A crash (or pause) of `node` at `atMs` lasting `durationMs`; -1 = never restarts. */
export interface OutageSpec {
  readonly node: number;
  readonly atMs: number;
  readonly durationMs: number;
}

/** `count` outages at random nodes and times, each lasting min..max. */
export interface RandomOutageSpec {
  readonly count: number;
  readonly durationMinMs: number;
  readonly durationMaxMs: number;
}

export interface ClockSpec {
  /** Each node's drift is drawn uniformly in [-driftPpmMax, +driftPpmMax]. */
  readonly driftPpmMax: number;
  /** Each node's clock starts at a random offset in [0, offsetMsMax]. */
  readonly offsetMsMax: number;
  /** Explicit per-node settings, applied after the random draws. */
  readonly nodes: readonly { readonly node: number; readonly driftPpm: number; readonly offsetMs: number }[];
}

/** The reference workload (workloads/ping.ts). */
export interface PingWorkloadSpec {
  readonly kind: "ping";
  readonly periodMs: number;
  /** unicast: one random neighbour per period; broadcast: every radio neighbour. */
  readonly mode: "unicast" | "broadcast";
  /** Receivers answer every ping with a unicast ack. */
  readonly ack: boolean;
  readonly messageBytes: number;
}

export type WorkloadSpec = PingWorkloadSpec;

export interface SimLimits {
  /** Pending deliveries + timers the event queue holds; 0 = derived from the scenario. */
  readonly eventQueueCapacity: number;
  readonly maxMessageBytes: number;
  readonly timersPerNode: number;
}

export interface SimScenario {
  readonly name: string;
  readonly seed: number;
  readonly nodeCount: number;
  readonly durationMs: number;
  /** Node i starts at a random time in [0, startJitterMs]. */
  readonly startJitterMs: number;
  readonly topology: TopologySpec;
  readonly link: LinkParams;
  readonly linkOverrides: readonly LinkOverride[];
  readonly partitions: readonly PartitionSpec[];
  readonly randomPartitions: RandomPartitionSpec;
  readonly swizzleClogs: readonly SwizzleClogSpec[];
  readonly crashes: readonly OutageSpec[];
  readonly pauses: readonly OutageSpec[];
  readonly randomCrashes: RandomOutageSpec;
  readonly randomPauses: RandomOutageSpec;
  readonly clock: ClockSpec;
  readonly workload: WorkloadSpec;
  readonly limits: SimLimits;
}

/** Sanity limits: a typo in a scenario must not ask for gigabytes. */
export const SimLimit = Object.freeze({
  nodesMax: 65_536,
  durationMsMax: 30 * 24 * 3_600_000,
  ppmMax: 1_000_000,
  latencyMsMax: 3_600_000,
  driftPpmMax: 200_000,
  clockOffsetMsMax: 86_400_000,
  coordinateMMax: 1 << 24,
  partitionsMax: 32,
  swizzleClogsMax: 8,
  outagesMax: 65_536,
  linksMax: 1 << 22,
  eventQueueCapacityMin: 16,
  eventQueueCapacityMax: 1 << 22,
  maxMessageBytesMax: 4096,
  timersPerNodeMax: 64,
  timerDelayMsMax: 0x7fff_ffff,
  /** More events than this at one virtual instant stop the run (liveness: time must advance). */
  eventsPerInstantMax: 1_000_000,
  nameCharsMax: 64,
} as const);

/** Probabilities are in ppm: this many parts make certainty. */
export const PPM = 1_000_000;
