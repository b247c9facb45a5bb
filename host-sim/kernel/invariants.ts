/**
 * The kernel's own invariants, checked after every event of every run. They
 * hold for any component; a workload adds its own (workloads/ping.ts).
 *
 * Each is an oracle that recomputes its answer from the run's inputs where it
 * can (the partition windows from the plan, not the kernel's live mask;
 * payload checksums from the bytes, not a flag), so a kernel bug shows up as
 * a violation rather than agreeing with itself. Each returns a detail string
 * only on violation; the pass path allocates nothing.
 */
import { KernelCounter } from "./counters";
import { partitionBlocksAt } from "./fault-plan";
import { EventOutcome, NodeState, SimEventKind, type Invariant, type InvariantFactory, type SimInspect } from "./inspect";
import { checksumBytes, CopyOutcome } from "./network";

/** Nothing is handed to a crashed, paused or not-yet-started node; no timer fires on one. */
export const deliveredOnlyToRunningNodes: InvariantFactory = () => ({
  name: "delivered-only-to-running-nodes",
  check(sim: SimInspect): string | undefined {
    const event = sim.event;
    const handedOver =
      (event.kind === SimEventKind.Deliver && event.outcome === CopyOutcome.Delivered) ||
      (event.kind === SimEventKind.Timer && event.outcome === EventOutcome.Done);
    if (!handedOver) return undefined;
    const state = sim.nodeState(event.node);
    if (state === NodeState.Running) return undefined;
    return `${event.kind === SimEventKind.Deliver ? "message" : "timer"} handed to node ${event.node} in state ${state}`;
  },
});

/** A delivered payload is byte-for-byte what its sender handed over. */
export const payloadIntact: InvariantFactory = () => ({
  name: "payload-intact",
  check(sim: SimInspect): string | undefined {
    const event = sim.event;
    if (event.kind !== SimEventKind.Deliver || event.outcome !== CopyOutcome.Delivered) return undefined;
    const checksum = checksumBytes(event.bytes, event.lengthBytes);
    if (checksum === event.sentChecksum) return undefined;
    return `message ${event.from} -> ${event.node} (${event.lengthBytes} bytes) changed in flight: checksum ${checksum} != sent ${event.sentChecksum}`;
  },
});

/** No delivery crosses an active partition in a blocked direction (recomputed from the plan). */
export const partitionRespected: InvariantFactory = () => ({
  name: "partition-respected",
  check(sim: SimInspect): string | undefined {
    const event = sim.event;
    if (event.kind !== SimEventKind.Deliver || event.outcome !== CopyOutcome.Delivered) return undefined;
    if (!partitionBlocksAt(sim.partitions, event.from, event.node, event.timeMs)) return undefined;
    return `message ${event.from} -> ${event.node} delivered at ${event.timeMs} ms across an active partition`;
  },
});

/** Width of the per-link replay window (RFC 4303 §3.4.3 style sliding window). */
export const DUPLICATE_WINDOW = 32;

/**
 * Without the duplication fault on a link, each transmission on it is
 * delivered at most once. Per link: the highest transmission number seen
 * and a 32-bit bitmap of the 32 numbers below it (RFC 4303 §3.4.3); a copy
 * older than the window cannot be judged and is let through uncounted as a
 * violation (reordering delays beyond 32 transmissions are rare).
 */
export const noDuplicateDelivery: InvariantFactory = (sim: SimInspect) => {
  const edgeCount = sim.topology.edgeCount;
  const highest = new Float64Array(edgeCount).fill(-1);
  const seen = new Uint32Array(edgeCount);
  return {
    name: "no-duplicate-delivery",
    check(view: SimInspect): string | undefined {
      const event = view.event;
      if (event.kind !== SimEventKind.Deliver || event.outcome !== CopyOutcome.Delivered) return undefined;
      const edge = event.edge;
      if ((view.topology.duplicatePpm[edge] ?? 0) > 0) return undefined;
      if (event.copy !== 0) return `duplicate copy on link ${event.from} -> ${event.node}, which has no duplication fault`;
      const top = highest[edge] ?? -1;
      const seq = event.edgeSeq;
      if (seq > top) {
        const shift = top < 0 ? DUPLICATE_WINDOW : seq - top;
        seen[edge] = shift >= DUPLICATE_WINDOW ? 1 : ((((seen[edge] ?? 0) << shift) | 1) >>> 0);
        highest[edge] = seq;
        return undefined;
      }
      const back = top - seq;
      if (back >= DUPLICATE_WINDOW) return undefined;
      const bit = (1 << back) >>> 0;
      if (((seen[edge] ?? 0) & bit) !== 0) {
        return `transmission ${seq} on link ${event.from} -> ${event.node} delivered twice`;
      }
      seen[edge] = ((seen[edge] ?? 0) | bit) >>> 0;
      return undefined;
    },
  };
};

/** Every copy is accounted for: delivered, dropped for a counted reason, or in flight. */
export const messageConservation: InvariantFactory = () => ({
  name: "message-conservation",
  check(sim: SimInspect): string | undefined {
    const made = sim.counter(KernelCounter.transmissions) + sim.counter(KernelCounter.duplicates);
    const accounted =
      sim.counter(KernelCounter.delivered) +
      sim.counter(KernelCounter.droppedLoss) +
      sim.counter(KernelCounter.droppedPartition) +
      sim.counter(KernelCounter.droppedClog) +
      sim.counter(KernelCounter.droppedDown) +
      sim.counter(KernelCounter.droppedPaused) +
      sim.counter(KernelCounter.droppedQueueFull) +
      sim.inFlight;
    if (made === accounted) return undefined;
    return `${made} copies made but ${accounted} delivered, dropped or in flight`;
  },
});

/** Virtual time never runs backwards. */
export const timeMonotonic: InvariantFactory = () => {
  const lastMs = new Float64Array(1);
  return {
    name: "time-monotonic",
    check(sim: SimInspect): string | undefined {
      const nowMs = sim.event.timeMs;
      if (nowMs < (lastMs[0] ?? 0)) return `event at ${nowMs} ms after one at ${lastMs[0] ?? 0} ms`;
      lastMs[0] = nowMs;
      return undefined;
    },
  };
};

/** Checked in every run, before any workload invariant. */
export const KERNEL_INVARIANTS: readonly InvariantFactory[] = Object.freeze([
  timeMonotonic,
  deliveredOnlyToRunningNodes,
  payloadIntact,
  partitionRespected,
  noDuplicateDelivery,
  messageConservation,
]);

export type { Invariant };
