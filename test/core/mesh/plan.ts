/**
 * The simulation plan shared by the seed suites and the bench: scenario
 * families over line, grid, random geometric and explicit-link topologies,
 * 10 to 200 nodes, 0-30 % loss with duplication and reordering, some with
 * an attacker forging, replaying, tampering and spoofing frames.
 *
 * Traffic is what a LoRa mesh can carry: at most one message per node per
 * run in the small meshes, a few senders in the large ones.
 */
import type { MeshAttackSpec } from "../../../host-sim/kernel/workloads/mesh-attacker";
import type { MeshConfig } from "../../../core/mesh/mesh-config";
import type { MeshRunSpec, TopologyKind } from "./helpers";

export interface SeedFamily {
  readonly name: string;
  readonly topology: TopologyKind;
  readonly nodes: readonly number[];
  readonly lossPpm: readonly number[];
  readonly firstSeed: number;
  readonly seeds: number;
  readonly broadcastSenders: number;
  readonly unicastSenders: number;
  readonly attack?: boolean;
  /** Lowest acceptable aggregate broadcast delivery ratio (to nodes within the hop limit). */
  readonly minBroadcastRatio: number;
  /** Lowest acceptable aggregate share of unicasts acknowledged end to end (checked when set). */
  readonly minUnicastAckedRatio?: number;
  /** Transport settings for the family (e.g. a budget that binds). */
  readonly config?: Partial<MeshConfig>;
}

/** A ring with chords: a link graph of `n` nodes (explicit topology). */
export function ringWithChords(n: number): [number, number][] {
  const links: [number, number][] = [];
  for (let i = 0; i < n; i++) links.push([i, (i + 1) % n]);
  for (let i = 0; i < n; i += 3) links.push([i, (i + 5) % n]);
  return links;
}

export const ATTACK: Omit<MeshAttackSpec, "node"> = Object.freeze({
  startMs: 3_000,
  everyMs: 700,
  forge: true,
  replay: true,
  tamper: true,
  spoof: true,
  injectFrames: 0,
  injectBatch: 1,
  sendFactor: 1,
});

export const SEED_FAMILIES: readonly SeedFamily[] = Object.freeze([
  { name: "line", topology: "line", nodes: [10], lossPpm: [0, 100_000, 200_000], firstSeed: 1, seeds: 30, broadcastSenders: 5, unicastSenders: 3, minBroadcastRatio: 0.55 },
  { name: "grid", topology: "grid", nodes: [16, 25], lossPpm: [0, 100_000, 300_000], firstSeed: 101, seeds: 40, broadcastSenders: 6, unicastSenders: 4, minBroadcastRatio: 0.85 },
  { name: "random", topology: "random", nodes: [20, 40, 60], lossPpm: [0, 50_000, 150_000, 300_000], firstSeed: 201, seeds: 60, broadcastSenders: 8, unicastSenders: 5, minBroadcastRatio: 0.8 },
  { name: "links", topology: "links", nodes: [20], lossPpm: [0, 100_000, 200_000], firstSeed: 301, seeds: 20, broadcastSenders: 6, unicastSenders: 4, minBroadcastRatio: 0.8 },
  { name: "attacked", topology: "random", nodes: [20, 30], lossPpm: [0, 50_000, 100_000], firstSeed: 401, seeds: 40, broadcastSenders: 6, unicastSenders: 4, attack: true, minBroadcastRatio: 0.85 },
  { name: "large", topology: "random", nodes: [100, 200], lossPpm: [0, 100_000, 300_000], firstSeed: 501, seeds: 12, broadcastSenders: 8, unicastSenders: 4, minBroadcastRatio: 0.75 },
  // A budget that binds: 1 % of a one-minute window (600 ms of airtime a minute), so the oracle checks it under pressure.
  {
    name: "tight-duty",
    topology: "random",
    nodes: [20],
    lossPpm: [0, 100_000],
    firstSeed: 601,
    seeds: 20,
    broadcastSenders: 12,
    unicastSenders: 6,
    minBroadcastRatio: 0.2,
    config: { dutyCyclePpm: 10_000, dutyWindowMs: 60_000, dutyBucketCount: 60, helloIntervalMs: 20_000 },
  },
  // The grid family's shapes and losses with hop-by-hop retransmission on (core/mesh hop-acks.ts, off by default):
  // resends of the same frame, HopAcks and routes learned back along routed frames, under every invariant.
  {
    name: "hop-by-hop",
    topology: "grid",
    nodes: [16, 25],
    lossPpm: [0, 100_000, 300_000],
    firstSeed: 701,
    seeds: 20,
    broadcastSenders: 6,
    unicastSenders: 4,
    minBroadcastRatio: 0.85,
    minUnicastAckedRatio: 0.9,
    config: { hopRetriesMax: 4, hopAckSlots: 8 },
  },
]);

/** The run for seed number `k` (0-based) of a family: node count and loss rotate through the lists. */
export function familyRun(family: SeedFamily, k: number): MeshRunSpec {
  const nodes = family.nodes[k % family.nodes.length] ?? 10;
  const lossPpm = family.lossPpm[Math.floor(k / family.nodes.length) % family.lossPpm.length] ?? 0;
  const seed = family.firstSeed + k;
  return {
    name: `${family.name}-${nodes}`,
    seed,
    nodes,
    topology: family.topology,
    ...(family.topology === "links" ? { links: ringWithChords(nodes) } : {}),
    lossPpm,
    duplicatePpm: 20_000,
    reorderPpm: 20_000,
    durationMs: nodes >= 100 ? 50_000 : 45_000,
    traffic: {
      broadcastPeriodMs: 30_000,
      unicastPeriodMs: 30_000,
      unicastAck: true,
      messageBytes: 24,
      largeMessageBytes: 600,
      largeEvery: 4,
      stopAtMs: 25_000,
      broadcastSenders: family.broadcastSenders,
      unicastSenders: family.unicastSenders,
    },
    ...(family.attack === true ? { attack: { ...ATTACK, node: seed % nodes } } : {}),
    ...(family.config === undefined ? {} : { config: family.config }),
  };
}
