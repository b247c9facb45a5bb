/**
 * What invariant checkers see: the event just processed and read-only views
 * of the kernel's state. Checkers run after every event; the first one to
 * report a violation stops the run with the seed and the event index.
 */
import type { KernelCounter } from "./counters";
import type { PartitionTable } from "./fault-plan";
import type { Topology } from "./topology";

export const SimEventKind = Object.freeze({
  Deliver: 1,
  Timer: 2,
  Start: 3,
  Crash: 4,
  Restart: 5,
  Pause: 6,
  Resume: 7,
  PartitionStart: 8,
  PartitionEnd: 9,
  Clog: 10,
  Unclog: 11,
} as const);

export type SimEventKind = (typeof SimEventKind)[keyof typeof SimEventKind];

/** Outcome of a timer or control event (deliveries use CopyOutcome, network.ts). */
export const EventOutcome = Object.freeze({
  Done: 1,
  /** Nothing to do: crash of a crashed node, resume before the pause ends, ... */
  Ignored: 2,
  /** A timer came due while its node was paused: it fires when the pause ends. */
  Deferred: 3,
} as const);

export const NodeState = Object.freeze({
  NotStarted: 0,
  Running: 1,
  Paused: 2,
  Crashed: 3,
} as const);

export type NodeState = (typeof NodeState)[keyof typeof NodeState];

/** The event just processed. One object per kernel, rewritten for every event. */
export class SimEventView {
  /** 0-based index of this event in the run. */
  index = -1;
  timeMs = 0;
  kind: SimEventKind = SimEventKind.Start;
  outcome = 0;
  /** Receiver, timer owner, or the node a control event is about; -1 for link/partition events. */
  node = -1;
  /** Deliver: sender, link, the link's transmission number, copy (0 first, 1 duplicate). */
  from = -1;
  edge = -1;
  edgeSeq = 0;
  copy = 0;
  lengthBytes = 0;
  /** Deliver: FNV-1a of the bytes as sent. */
  sentChecksum = 0;
  /** Timer id, partition index or edge, by kind. */
  target = 0;
  /** Deliver: the kernel's own copy of the payload as handed to the receiver. */
  readonly bytes: Uint8Array;

  constructor(maxMessageBytes: number) {
    this.bytes = new Uint8Array(maxMessageBytes);
  }
}

export interface SimInspect {
  readonly seed: number;
  readonly nodeCount: number;
  readonly event: SimEventView;
  readonly topology: Topology;
  /** Every partition of the run (explicit and drawn), with its window and sides. */
  readonly partitions: PartitionTable;
  /** Copies scheduled and not yet arrived. */
  readonly inFlight: number;
  nodeState(node: number): NodeState;
  counter(id: KernelCounter): number;
  /** Messages handed to `node`'s onMessage. */
  deliveredTo(node: number): number;
  workloadCounter(node: number, counterId: number): number;
  workloadTotal(counterId: number): number;
}

export interface Invariant {
  readonly name: string;
  /** `undefined` when the invariant holds after the current event, else what is wrong. */
  check(sim: SimInspect): string | undefined;
}

/** Called once at kernel creation, so a checker can size its own state. */
export type InvariantFactory = (sim: SimInspect) => Invariant;
