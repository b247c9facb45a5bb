/**
 * The network model: what happens to a copy of a message on one directed
 * link, decided with integer draws from the sender's network stream.
 *
 * At send time, in this order: a clogged link drops it; an active partition
 * that blocks sender -> receiver drops it; loss (lossPpm) drops it. A copy
 * that survives gets a latency uniform in [latencyMinMs, latencyMaxMs], is
 * held back 1..reorderDelayMaxMs more with chance reorderPpm (reordering),
 * and is duplicated with chance duplicatePpm (the duplicate draws its own
 * latency). At arrival the receiver must be running (not crashed, not
 * started, not paused) and the link must still be open (not clogged, not
 * partitioned): faults that begin while a copy is in flight catch it too.
 *
 * Every outcome is counted and folded into the trace hash.
 */
import type { Xoshiro128 } from "../../core/runtime/prng";
import type { TraceHash } from "../../core/runtime/trace-hash";
import { KernelCounter } from "./counters";
import { QueuedKind, type EventQueue } from "./event-queue";
import type { PartitionTable } from "./fault-plan";
import { PPM } from "./scenario";
import type { Topology } from "./topology";

export const CopyOutcome = Object.freeze({
  Delivered: 1,
  DroppedLoss: 2,
  DroppedPartition: 3,
  DroppedClog: 4,
  DroppedDown: 5,
  DroppedPaused: 6,
  DroppedQueueFull: 7,
  Scheduled: 8,
} as const);

export type CopyOutcome = (typeof CopyOutcome)[keyof typeof CopyOutcome];

export class Network {
  readonly topology: Topology;
  readonly #queue: EventQueue;
  readonly #counters: Float64Array;
  readonly #trace: TraceHash;
  readonly #random: readonly Xoshiro128[];
  readonly #partitions: PartitionTable;
  readonly #clogDepth: Uint8Array;
  readonly #edgeSeq: Uint32Array;
  #activeMask = 0;
  #symmetricMask = 0;
  #cloggedCount = 0;
  #inFlight = 0;

  constructor(topology: Topology, partitions: PartitionTable, queue: EventQueue, counters: Float64Array, trace: TraceHash, random: readonly Xoshiro128[]) {
    this.topology = topology;
    this.#partitions = partitions;
    this.#queue = queue;
    this.#counters = counters;
    this.#trace = trace;
    this.#random = random;
    this.#clogDepth = new Uint8Array(topology.edgeCount);
    this.#edgeSeq = new Uint32Array(topology.edgeCount);
    for (let p = 0; p < partitions.count; p++) {
      if (partitions.symmetric[p] === 1) this.#symmetricMask = (this.#symmetricMask | (1 << p)) >>> 0;
    }
  }

  /** Copies scheduled and not yet arrived. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Links clogged now. */
  get cloggedCount(): number {
    return this.#cloggedCount;
  }

  /** Bit p set while partition p is active. */
  get activePartitionMask(): number {
    return this.#activeMask;
  }

  isClogged(edge: number): boolean {
    return (this.#clogDepth[edge] ?? 0) > 0;
  }

  /** Transmissions so far on `edge` (the next copy's number). */
  edgeSequence(edge: number): number {
    return this.#edgeSeq[edge] ?? 0;
  }

  /** True while an active partition blocks from -> to. O(1). */
  blocks(from: number, to: number): boolean {
    const active = this.#activeMask;
    if (active === 0) return false;
    const sideA = this.#partitions.sideA;
    const sideB = this.#partitions.sideB;
    const aToB = (sideA[from] ?? 0) & (sideB[to] ?? 0);
    const bToA = (sideB[from] ?? 0) & (sideA[to] ?? 0) & this.#symmetricMask;
    return ((aToB | bToA) & active) !== 0;
  }

  partitionStart(p: number): void {
    this.#activeMask = (this.#activeMask | (1 << p)) >>> 0;
  }

  partitionEnd(p: number): void {
    this.#activeMask = (this.#activeMask & ~(1 << p)) >>> 0;
  }

  /** Clogs nest (swizzle episodes may overlap): a link opens when every clog is undone. */
  clog(edge: number): void {
    const depth = this.#clogDepth[edge] ?? 0;
    if (depth === 0) this.#cloggedCount++;
    this.#clogDepth[edge] = depth + 1;
  }

  unclog(edge: number): boolean {
    const depth = this.#clogDepth[edge] ?? 0;
    if (depth === 0) return false;
    this.#clogDepth[edge] = depth - 1;
    if (depth === 1) this.#cloggedCount--;
    return true;
  }

  /**
   * Hand one copy of bytes[0..lengthBytes) from `from` to link `edge` at
   * `nowMs`. `checksum` is the FNV-1a of those bytes. Returns the outcome
   * of the first copy (a duplicate's fate is counted, not returned).
   */
  transmit(from: number, edge: number, bytes: Uint8Array, lengthBytes: number, checksum: number, nowMs: number): CopyOutcome {
    const counters = this.#counters;
    const topology = this.topology;
    counters[KernelCounter.transmissions] = (counters[KernelCounter.transmissions] ?? 0) + 1;
    const to = topology.neighbourIds[edge] ?? 0;
    const edgeSeq = this.#edgeSeq[edge] ?? 0;
    this.#edgeSeq[edge] = (edgeSeq + 1) >>> 0;
    let outcome: CopyOutcome = CopyOutcome.Scheduled;
    const random = this.#random[from];
    if ((this.#clogDepth[edge] ?? 0) > 0) outcome = CopyOutcome.DroppedClog;
    else if (this.blocks(from, to)) outcome = CopyOutcome.DroppedPartition;
    else if (random === undefined) outcome = CopyOutcome.DroppedLoss;
    else {
      const lossPpm = topology.lossPpm[edge] ?? 0;
      if (lossPpm > 0 && random.nextBelow(PPM) < lossPpm) outcome = CopyOutcome.DroppedLoss;
    }
    if (outcome !== CopyOutcome.Scheduled || random === undefined) {
      this.countDrop(outcome);
      this.#trace.word((outcome << 28) ^ edge);
      return outcome;
    }
    outcome = this.scheduleCopy_(from, to, edge, edgeSeq, 0, bytes, lengthBytes, checksum, nowMs, random);
    const duplicatePpm = topology.duplicatePpm[edge] ?? 0;
    if (duplicatePpm > 0 && random.nextBelow(PPM) < duplicatePpm) {
      counters[KernelCounter.duplicates] = (counters[KernelCounter.duplicates] ?? 0) + 1;
      this.scheduleCopy_(from, to, edge, edgeSeq, 1, bytes, lengthBytes, checksum, nowMs, random);
    }
    return outcome;
  }

  /**
   * A copy arrives: decide whether the receiver gets it. `receiverRunning`
   * and `receiverPaused` come from the kernel's node states.
   */
  arrive(from: number, to: number, edge: number, receiverRunning: boolean, receiverPaused: boolean): CopyOutcome {
    this.#inFlight--;
    let outcome: CopyOutcome = CopyOutcome.Delivered;
    if (receiverPaused) outcome = CopyOutcome.DroppedPaused;
    else if (!receiverRunning) outcome = CopyOutcome.DroppedDown;
    else if ((this.#clogDepth[edge] ?? 0) > 0) outcome = CopyOutcome.DroppedClog;
    else if (this.blocks(from, to)) outcome = CopyOutcome.DroppedPartition;
    if (outcome === CopyOutcome.Delivered) {
      this.#counters[KernelCounter.delivered] = (this.#counters[KernelCounter.delivered] ?? 0) + 1;
    } else {
      this.countDrop(outcome);
    }
    return outcome;
  }

  countDrop(outcome: CopyOutcome): void {
    const counter = dropCounter(outcome);
    if (counter >= 0) this.#counters[counter] = (this.#counters[counter] ?? 0) + 1;
  }

  private scheduleCopy_(
    from: number,
    to: number,
    edge: number,
    edgeSeq: number,
    copy: number,
    bytes: Uint8Array,
    lengthBytes: number,
    checksum: number,
    nowMs: number,
    random: Xoshiro128,
  ): CopyOutcome {
    const topology = this.topology;
    const minMs = topology.latencyMinMs[edge] ?? 0;
    const maxMs = topology.latencyMaxMs[edge] ?? 0;
    let latencyMs = maxMs > minMs ? minMs + random.nextBelow(maxMs - minMs + 1) : minMs;
    const reorderPpm = topology.reorderPpm[edge] ?? 0;
    if (reorderPpm > 0 && random.nextBelow(PPM) < reorderPpm) {
      latencyMs += 1 + random.nextBelow(topology.reorderDelayMaxMs[edge] ?? 0);
      this.#counters[KernelCounter.reordered] = (this.#counters[KernelCounter.reordered] ?? 0) + 1;
    }
    const queue = this.#queue;
    const slot = queue.acquire();
    const record = slot < 0 ? undefined : queue.record(slot);
    if (record === undefined) {
      this.countDrop(CopyOutcome.DroppedQueueFull);
      this.#trace.word((CopyOutcome.DroppedQueueFull << 28) ^ edge);
      return CopyOutcome.DroppedQueueFull;
    }
    record.kind = QueuedKind.Deliver;
    record.node = to;
    record.from = from;
    record.edge = edge;
    record.edgeSeq = edgeSeq;
    record.copy = copy;
    record.lengthBytes = lengthBytes;
    record.checksum = checksum;
    const payload = queue.payload;
    const offset = queue.payloadOffset(slot);
    for (let i = 0; i < lengthBytes; i++) payload[offset + i] = bytes[i] ?? 0;
    const arrivalMs = nowMs + latencyMs;
    queue.schedule(slot, arrivalMs);
    this.#inFlight++;
    this.#trace.word((CopyOutcome.Scheduled << 28) ^ edge);
    this.#trace.word(latencyMs);
    return CopyOutcome.Scheduled;
  }
}

function dropCounter(outcome: CopyOutcome): number {
  switch (outcome) {
    case CopyOutcome.DroppedLoss:
      return KernelCounter.droppedLoss;
    case CopyOutcome.DroppedPartition:
      return KernelCounter.droppedPartition;
    case CopyOutcome.DroppedClog:
      return KernelCounter.droppedClog;
    case CopyOutcome.DroppedDown:
      return KernelCounter.droppedDown;
    case CopyOutcome.DroppedPaused:
      return KernelCounter.droppedPaused;
    case CopyOutcome.DroppedQueueFull:
      return KernelCounter.droppedQueueFull;
    default:
      return -1;
  }
}

/** FNV-1a over bytes[0..lengthBytes): detects a payload changed in flight. */
export function checksumBytes(bytes: Uint8Array, lengthBytes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < lengthBytes; i++) h = Math.imul(h ^ (bytes[i] ?? 0), 0x01000193);
  return h >>> 0;
}
