/**
 * The fault plan: every scheduled control event of a run (node starts,
 * crashes and restarts, pauses and resumes, partitions starting and healing,
 * links clogging and unclogging), drawn from the seed once at scenario start
 * and sorted into a timeline.
 *
 * Drawing the whole plan up front, instead of rolling dice as the run goes,
 * keeps control events out of the bounded event queue (a full queue can
 * never silently cancel a fault) and makes the plan printable before the run.
 * At equal times control events run before queued deliveries and timers, and
 * among themselves in the order they were planned (starts, partitions, clogs,
 * crashes, pauses).
 */
import type { Xoshiro128 } from "../../core/runtime/prng";
import type { OutageSpec, RandomOutageSpec, SimScenario } from "./scenario";
import type { Topology } from "./topology";

export const ControlKind = Object.freeze({
  Start: 1,
  Crash: 2,
  Restart: 3,
  Pause: 4,
  Resume: 5,
  PartitionStart: 6,
  PartitionEnd: 7,
  Clog: 8,
  Unclog: 9,
} as const);

export type ControlKind = (typeof ControlKind)[keyof typeof ControlKind];

/** Control events in time order. `untilMs` is +Infinity for an outage that never ends. */
export interface Timeline {
  readonly length: number;
  readonly timeMs: Float64Array;
  readonly kind: Uint8Array;
  /** Node (start, crash, pause), partition index, or edge (clog). */
  readonly target: Uint32Array;
  /** Crash/pause: when it ends. */
  readonly untilMs: Float64Array;
}

/**
 * Resolved partitions: bit p of `sideA[node]` says node is on side A of
 * partition p (at most 32 partitions, validated).
 */
export interface PartitionTable {
  readonly count: number;
  readonly startMs: Float64Array;
  readonly endMs: Float64Array;
  readonly symmetric: Uint8Array;
  readonly sideA: Uint32Array;
  readonly sideB: Uint32Array;
}

export interface FaultPlan {
  readonly timeline: Timeline;
  readonly partitions: PartitionTable;
  /** Start time of each node. */
  readonly startMs: Float64Array;
}

interface Planned {
  timeMs: number;
  kind: ControlKind;
  target: number;
  untilMs: number;
}

export function buildFaultPlan(scenario: SimScenario, topology: Topology, faults: Xoshiro128, starts: Xoshiro128): FaultPlan {
  const planned: Planned[] = [];
  const add = (timeMs: number, kind: ControlKind, target: number, untilMs = 0): void => {
    planned.push({ timeMs, kind, target, untilMs });
  };
  const startMs = new Float64Array(scenario.nodeCount);
  for (let node = 0; node < scenario.nodeCount; node++) {
    const at = scenario.startJitterMs > 0 ? starts.nextBelow(scenario.startJitterMs + 1) : 0;
    startMs[node] = at;
    add(at, ControlKind.Start, node);
  }
  const partitions = planPartitions(scenario, faults);
  for (let p = 0; p < partitions.count; p++) {
    add(partitions.startMs[p] ?? 0, ControlKind.PartitionStart, p);
    add(partitions.endMs[p] ?? 0, ControlKind.PartitionEnd, p);
  }
  planSwizzleClogs(scenario, topology, faults, add);
  planOutages(scenario.crashes, scenario.randomCrashes, scenario, faults, ControlKind.Crash, ControlKind.Restart, add);
  planOutages(scenario.pauses, scenario.randomPauses, scenario, faults, ControlKind.Pause, ControlKind.Resume, add);
  return { timeline: sortTimeline(planned), partitions, startMs };
}

function planPartitions(scenario: SimScenario, faults: Xoshiro128): PartitionTable {
  const explicit = scenario.partitions;
  const random = scenario.randomPartitions;
  const count = explicit.length + random.count;
  const n = scenario.nodeCount;
  const table: PartitionTable = {
    count,
    startMs: new Float64Array(count),
    endMs: new Float64Array(count),
    symmetric: new Uint8Array(count),
    sideA: new Uint32Array(n),
    sideB: new Uint32Array(n),
  };
  for (let p = 0; p < explicit.length; p++) {
    const spec = explicit[p];
    if (spec === undefined) continue;
    table.startMs[p] = spec.startMs;
    table.endMs[p] = spec.endMs;
    table.symmetric[p] = spec.symmetric ? 1 : 0;
    const bit = (1 << p) >>> 0;
    for (const node of spec.sideA) table.sideA[node] = ((table.sideA[node] ?? 0) | bit) >>> 0;
    for (const node of spec.sideB) table.sideB[node] = ((table.sideB[node] ?? 0) | bit) >>> 0;
  }
  for (let r = 0; r < random.count; r++) {
    const p = explicit.length + r;
    const lengthMs = random.durationMinMs + faults.nextBelow(random.durationMaxMs - random.durationMinMs + 1);
    const startMs = faults.nextBelow(Math.max(1, scenario.durationMs - lengthMs + 1));
    table.startMs[p] = startMs;
    table.endMs[p] = startMs + lengthMs;
    table.symmetric[p] = faults.nextBelow(1_000_000) < random.asymmetricPpm ? 0 : 1;
    const bit = (1 << p) >>> 0;
    for (let node = 0; node < n; node++) {
      if ((faults.nextU32() & 1) === 1) table.sideA[node] = ((table.sideA[node] ?? 0) | bit) >>> 0;
      else table.sideB[node] = ((table.sideB[node] ?? 0) | bit) >>> 0;
    }
  }
  return table;
}

type Add = (timeMs: number, kind: ControlKind, target: number, untilMs?: number) => void;

function planSwizzleClogs(scenario: SimScenario, topology: Topology, faults: Xoshiro128, add: Add): void {
  const edgeCount = topology.edgeCount;
  if (scenario.swizzleClogs.length === 0 || edgeCount === 0) return;
  const order = new Uint32Array(edgeCount);
  for (const spec of scenario.swizzleClogs) {
    const count = Math.min(spec.linkCount, edgeCount);
    for (let e = 0; e < edgeCount; e++) order[e] = e;
    partialShuffle(order, count, faults);
    const chosen = order.slice(0, count);
    for (let i = 0; i < count; i++) add(spec.startMs + i * spec.stepMs, ControlKind.Clog, chosen[i] ?? 0);
    partialShuffle(chosen, count, faults); // restored in another random order
    const healStartMs = spec.startMs + count * spec.stepMs + spec.holdMs;
    for (let i = 0; i < count; i++) add(healStartMs + i * spec.stepMs, ControlKind.Unclog, chosen[i] ?? 0);
  }
}

/** Fisher-Yates over the first `count` positions: a uniform random prefix. */
function partialShuffle(values: Uint32Array, count: number, random: Xoshiro128): void {
  const length = values.length;
  for (let i = 0; i < count && i < length - 1; i++) {
    const j = i + random.nextBelow(length - i);
    const held = values[i] ?? 0;
    values[i] = values[j] ?? 0;
    values[j] = held;
  }
}

function planOutages(
  explicit: readonly OutageSpec[],
  random: RandomOutageSpec,
  scenario: SimScenario,
  faults: Xoshiro128,
  down: ControlKind,
  up: ControlKind,
  add: Add,
): void {
  for (const outage of explicit) {
    const untilMs = outage.durationMs < 0 ? Number.POSITIVE_INFINITY : outage.atMs + outage.durationMs;
    add(outage.atMs, down, outage.node, untilMs);
    if (outage.durationMs >= 0) add(untilMs, up, outage.node);
  }
  const firstMs = scenario.startJitterMs;
  for (let i = 0; i < random.count; i++) {
    const node = faults.nextBelow(scenario.nodeCount);
    const atMs = firstMs + faults.nextBelow(Math.max(1, scenario.durationMs - firstMs));
    const lengthMs = random.durationMinMs + faults.nextBelow(random.durationMaxMs - random.durationMinMs + 1);
    add(atMs, down, node, atMs + lengthMs);
    add(atMs + lengthMs, up, node);
  }
}

function sortTimeline(planned: readonly Planned[]): Timeline {
  const length = planned.length;
  const order = Array.from({ length }, (_unused, i) => i);
  // Total order (time, then plan order): the result never depends on sort stability.
  order.sort((a, b) => {
    const ta = planned[a]?.timeMs ?? 0;
    const tb = planned[b]?.timeMs ?? 0;
    return ta < tb ? -1 : ta > tb ? 1 : a - b;
  });
  const timeline: Timeline = {
    length,
    timeMs: new Float64Array(length),
    kind: new Uint8Array(length),
    target: new Uint32Array(length),
    untilMs: new Float64Array(length),
  };
  for (let i = 0; i < length; i++) {
    const entry = planned[order[i] ?? 0];
    if (entry === undefined) continue;
    timeline.timeMs[i] = entry.timeMs;
    timeline.kind[i] = entry.kind;
    timeline.target[i] = entry.target;
    timeline.untilMs[i] = entry.untilMs;
  }
  return timeline;
}

/** True when partition table `table` blocks from -> to at `timeMs` (an oracle, O(partitions)). */
export function partitionBlocksAt(table: PartitionTable, from: number, to: number, timeMs: number): boolean {
  for (let p = 0; p < table.count; p++) {
    if (timeMs < (table.startMs[p] ?? 0) || timeMs >= (table.endMs[p] ?? 0)) continue;
    const bit = (1 << p) >>> 0;
    const aToB = ((table.sideA[from] ?? 0) & bit) !== 0 && ((table.sideB[to] ?? 0) & bit) !== 0;
    const bToA = table.symmetric[p] === 1 && ((table.sideB[from] ?? 0) & bit) !== 0 && ((table.sideA[to] ?? 0) & bit) !== 0;
    if (aToB || bToA) return true;
  }
  return false;
}
