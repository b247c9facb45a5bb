/**
 * Unit tests of the simulation kernel (host-sim/kernel): event order, the
 * network and fault models, clocks, contexts, capacity, scenario validation,
 * and that every kernel invariant can actually fail.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import {
  checksumBytes,
  CopyOutcome,
  createSimulation,
  EventOutcome,
  KernelCounter,
  NodeState,
  parseDurationMs,
  RunState,
  SimEventKind,
  SimEventView,
  SimKernel,
  summarizeRun,
  validateScenario,
  type SimContext,
  type SimInspect,
} from "../../../host-sim/kernel/index";
import {
  deliveredOnlyToRunningNodes,
  messageConservation,
  noDuplicateDelivery,
  partitionRespected,
  payloadIntact,
  timeMonotonic,
} from "../../../host-sim/kernel/invariants";
import { localTimeMs, virtualDelayMs } from "../../../host-sim/kernel/drift";
import type { PartitionTable } from "../../../host-sim/kernel/fault-plan";
import { edgeIndex, type Topology } from "../../../host-sim/kernel/topology";
import { deliveries, kernelFor, proberWorkload, recorder, scenarioOf, scriptedWorkload, type RecordedEvent } from "../../sim/helpers";

/** Run until virtual time reaches `timeMs` (events at that time included only if already due). */
function runUntil(kernel: SimKernel, timeMs: number): void {
  for (let guard = 0; guard < 10_000_000 && kernel.runState === RunState.Running; guard++) {
    if (kernel.nowMs >= timeMs) return;
    kernel.runFor(1);
  }
}

describe("event order", () => {
  it("fires timers with equal deadlines in the order they were set (FIFO)", () => {
    const fired: number[] = [];
    const workload = scriptedWorkload({
      onStart: (ctx) => {
        for (const id of [2, 0, 3, 1]) expect(ctx.setTimer(id, 100)).toBe(ErrorCode.Ok);
      },
      onTimer: (_ctx, id) => fired.push(id),
    });
    const kernel = kernelFor(scenarioOf({ nodes: 1, durationMs: 1000 }), workload);
    expect(kernel.run()).toBe(RunState.Finished);
    expect(fired).toEqual([2, 0, 3, 1]);
  });

  it("delivers messages with equal arrival times in send order, across senders too", () => {
    const received: number[] = [];
    const bytes = new Uint8Array(12);
    const workload = scriptedWorkload({
      onStart: (ctx) => {
        if (ctx.nodeId === 1) return;
        for (let k = 0; k < 3; k++) {
          bytes[0] = ctx.nodeId * 10 + k;
          expect(ctx.send(1, bytes, 12)).toBe(ErrorCode.Ok);
        }
      },
      onMessage: (_ctx, _from, data) => received.push(data[0] ?? -1),
    });
    const scenario = scenarioOf({ nodes: 3, durationMs: 1000, link: { latencyMinMs: 5, latencyMaxMs: 5 } });
    expect(kernelFor(scenario, workload).run()).toBe(RunState.Finished);
    expect(received).toEqual([0, 1, 2, 20, 21, 22]);
  });

  it("runs control events before queued events at the same time", () => {
    const events: RecordedEvent[] = [];
    const scenario = scenarioOf({ nodes: 2, durationMs: 1000, crashes: [{ node: 1, atMs: 100, durationMs: 50 }] });
    const kernel = kernelFor(scenario, proberWorkload(100), [recorder(events)]);
    kernel.run();
    const at100 = events.filter((e) => e.timeMs === 100).map((e) => e.kind);
    expect(at100[0]).toBe(SimEventKind.Crash);
    expect(events.some((e) => e.kind === SimEventKind.Timer && e.node === 1 && e.timeMs === 100)).toBe(false);
  });
});

describe("network model", () => {
  it("unicast to a node without a link is refused with SimNoLink and counted", () => {
    const statuses: number[] = [];
    const workload = scriptedWorkload({
      onStart: (ctx) => {
        if (ctx.nodeId === 0) statuses.push(ctx.send(2, new Uint8Array(12), 12), ctx.send(1, new Uint8Array(12), 12), ctx.send(0, new Uint8Array(12), 12));
      },
    });
    const scenario = scenarioOf({ nodes: 3, durationMs: 100, topology: { kind: "radio", layout: "line", spacingM: 100, rangeM: 100 } });
    const kernel = kernelFor(scenario, workload);
    kernel.run();
    expect(statuses).toEqual([ErrorCode.SimNoLink, ErrorCode.Ok, ErrorCode.SimNoLink]);
    expect(kernel.counter(KernelCounter.sendNoLink)).toBe(2);
  });

  it("refuses a message over maxMessageBytes (TooLarge) or longer than its buffer (InvalidArgument)", () => {
    const statuses: number[] = [];
    const workload = scriptedWorkload({
      onStart: (ctx) => {
        if (ctx.nodeId !== 0) return;
        statuses.push(ctx.send(1, new Uint8Array(17), 17), ctx.send(1, new Uint8Array(4), 5), ctx.broadcast(new Uint8Array(17), 17));
      },
    });
    const kernel = kernelFor(scenarioOf({ nodes: 2, durationMs: 100, limits: { maxMessageBytes: 16 } }), workload);
    kernel.run();
    expect(statuses).toEqual([ErrorCode.TooLarge, ErrorCode.InvalidArgument, ErrorCode.TooLarge]);
    expect(kernel.counter(KernelCounter.sendRejected)).toBe(3);
    expect(kernel.counter(KernelCounter.transmissions)).toBe(0);
  });

  it("loses every copy at lossPpm 1000000 and none at 0", () => {
    for (const lossPpm of [0, 1_000_000]) {
      const kernel = kernelFor(scenarioOf({ nodes: 4, durationMs: 2000, link: { lossPpm } }), proberWorkload(100));
      kernel.run();
      const sent = kernel.counter(KernelCounter.transmissions);
      expect(sent).toBeGreaterThan(100);
      expect(kernel.counter(KernelCounter.droppedLoss)).toBe(lossPpm === 0 ? 0 : sent);
      expect(kernel.counter(KernelCounter.delivered) + kernel.inFlight).toBe(lossPpm === 0 ? sent : 0);
    }
  });

  it("duplicates every copy at duplicatePpm 1000000: each transmission arrives twice", () => {
    const events: RecordedEvent[] = [];
    const scenario = scenarioOf({ nodes: 2, durationMs: 1050, link: { duplicatePpm: 1_000_000, latencyMinMs: 1, latencyMaxMs: 20 } });
    const kernel = kernelFor(scenario, proberWorkload(100), [recorder(events)]);
    kernel.run();
    const delivered = deliveries(events);
    expect(kernel.counter(KernelCounter.duplicates)).toBe(kernel.counter(KernelCounter.transmissions));
    expect(delivered.length).toBe(2 * kernel.counter(KernelCounter.transmissions));
  });

  it("reorders copies held back by the reordering fault, losing none", () => {
    const received: number[] = [];
    const bytes = new Uint8Array(12);
    let next = 0;
    const workload = scriptedWorkload({
      onStart: (ctx) => {
        if (ctx.nodeId === 0) ctx.setTimer(0, 1);
      },
      onTimer: (ctx) => {
        bytes[0] = next & 0xff;
        bytes[1] = next >> 8;
        next++;
        ctx.send(1, bytes, 12);
        if (next < 200) ctx.setTimer(0, 1);
      },
      onMessage: (_ctx, _from, data) => received.push((data[0] ?? 0) | ((data[1] ?? 0) << 8)),
    });
    const scenario = scenarioOf({ nodes: 2, durationMs: 2000, link: { latencyMinMs: 10, latencyMaxMs: 10, reorderPpm: 300_000, reorderDelayMaxMs: 50 } });
    const kernel = kernelFor(scenario, workload);
    expect(kernel.run()).toBe(RunState.Finished);
    expect(kernel.counter(KernelCounter.reordered)).toBeGreaterThan(20);
    expect(received).not.toEqual([...received].sort((a, b) => a - b));
    expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_u, i) => i));
  });

  it("links radio nodes exactly when within range (spatial grid = brute force)", () => {
    for (const seed of [1, 2, 3]) {
      const scenario = scenarioOf({ seed, nodes: 300, durationMs: 1, topology: { kind: "radio", layout: "random", widthM: 2000, heightM: 1500, rangeM: 180 } });
      const kernel = kernelFor(scenario, scriptedWorkload({}));
      const t: Topology = kernel.topology;
      let links = 0;
      const wrong: string[] = [];
      for (let a = 0; a < 300; a++) {
        for (let b = 0; b < 300; b++) {
          if (a === b) continue;
          const dx = (t.positionX[a] ?? 0) - (t.positionX[b] ?? 0);
          const dy = (t.positionY[a] ?? 0) - (t.positionY[b] ?? 0);
          const inRange = dx * dx + dy * dy <= 180 * 180;
          if (edgeIndex(t, a, b) >= 0 !== inRange) wrong.push(`seed ${seed}: ${a} -> ${b}`);
          if (inRange) links++;
        }
      }
      expect(wrong).toEqual([]);
      expect(t.edgeCount).toBe(links);
      expect(links).toBeGreaterThan(300);
    }
  });

  it("links each node of a line to its two neighbours and of a grid to its four", () => {
    const line = kernelFor(scenarioOf({ nodes: 5, durationMs: 1, topology: { kind: "radio", layout: "line", spacingM: 100, rangeM: 100 } }), scriptedWorkload({}));
    expect(Array.from(line.topology.neighbourIds)).toEqual([1, 0, 2, 1, 3, 2, 4, 3]);
    const grid = kernelFor(scenarioOf({ nodes: 9, durationMs: 1, topology: { kind: "radio", layout: "grid", spacingM: 100, rangeM: 100 } }), scriptedWorkload({}));
    const centre = grid.topology.neighbourIds.slice(grid.topology.neighbourStart[4], grid.topology.neighbourStart[5]);
    expect(Array.from(centre)).toEqual([1, 3, 5, 7]);
  });

  it("applies a per-link override to that link only (and its reverse with bothWays)", () => {
    const scenario = scenarioOf({ nodes: 3, durationMs: 1, linkOverrides: [{ from: 0, to: 1, lossPpm: 1_000_000, bothWays: true }] });
    const t = kernelFor(scenario, scriptedWorkload({})).topology;
    expect(t.lossPpm[edgeIndex(t, 0, 1)]).toBe(1_000_000);
    expect(t.lossPpm[edgeIndex(t, 1, 0)]).toBe(1_000_000);
    expect(t.lossPpm[edgeIndex(t, 0, 2)]).toBe(0);
  });
});

describe("partitions", () => {
  // Latency 0: a copy arrives when sent, so windows are checked to the millisecond.
  const partitioned = (symmetric: boolean): RecordedEvent[] => {
    const events: RecordedEvent[] = [];
    const scenario = scenarioOf({
      nodes: 4,
      durationMs: 3000,
      link: { latencyMinMs: 0, latencyMaxMs: 0 },
      partitions: [{ startMs: 1000, endMs: 2000, sideA: [0, 1], symmetric }],
    });
    const kernel = kernelFor(scenario, proberWorkload(100), [recorder(events)]);
    expect(kernel.run()).toBe(RunState.Finished);
    return events;
  };
  const sideA = (node: number): boolean => node <= 1;
  const crossing = (events: readonly RecordedEvent[], aToB: boolean): RecordedEvent[] =>
    deliveries(events).filter((e) => sideA(e.from) === aToB && sideA(e.node) !== aToB);

  it("an asymmetric partition blocks A -> B during [startMs, endMs) and nothing else", () => {
    const events = partitioned(false);
    const aToB = crossing(events, true);
    expect(aToB.some((e) => e.timeMs >= 1000 && e.timeMs < 2000)).toBe(false);
    expect(aToB.some((e) => e.timeMs === 900)).toBe(true);
    expect(aToB.some((e) => e.timeMs === 2000)).toBe(true);
    const bToA = crossing(events, false);
    expect(bToA.filter((e) => e.timeMs >= 1000 && e.timeMs < 2000).length).toBe(10 * 4); // 10 rounds x 2 x 2 links
    const dropped = events.filter((e) => e.kind === SimEventKind.Deliver && e.outcome === CopyOutcome.DroppedPartition);
    expect(dropped).toHaveLength(0); // dropped at send time, never queued
  });

  it("a symmetric partition blocks both directions in the window; each side still talks inside", () => {
    const events = partitioned(true);
    expect(crossing(events, true).some((e) => e.timeMs >= 1000 && e.timeMs < 2000)).toBe(false);
    expect(crossing(events, false).some((e) => e.timeMs >= 1000 && e.timeMs < 2000)).toBe(false);
    const inside = deliveries(events).filter((e) => e.timeMs >= 1000 && e.timeMs < 2000 && sideA(e.from) === sideA(e.node));
    expect(inside.length).toBe(10 * 4);
    expect(crossing(events, false).some((e) => e.timeMs === 2000)).toBe(true);
  });

  it("a partition that starts while a copy is in flight drops it on arrival", () => {
    const events: RecordedEvent[] = [];
    const scenario = scenarioOf({
      nodes: 2,
      durationMs: 1000,
      link: { latencyMinMs: 50, latencyMaxMs: 50 },
      partitions: [{ startMs: 120, endMs: 500, sideA: [0] }],
    });
    const kernel = kernelFor(scenario, proberWorkload(100), [recorder(events)]);
    kernel.run();
    // Sent at 100, due at 150: the partition began at 120.
    const caught = events.filter((e) => e.kind === SimEventKind.Deliver && e.timeMs === 150);
    expect(caught.map((e) => e.outcome)).toEqual([CopyOutcome.DroppedPartition, CopyOutcome.DroppedPartition]);
    expect(kernel.counter(KernelCounter.droppedPartition)).toBeGreaterThan(2);
  });
});

describe("swizzle-clog", () => {
  it("clogs the chosen links one by one, restores every one in another order, and traffic resumes", () => {
    const events: RecordedEvent[] = [];
    const scenario = scenarioOf({
      seed: 7,
      nodes: 6,
      durationMs: 10_000,
      link: { latencyMinMs: 1, latencyMaxMs: 5 },
      swizzleClogs: [{ startMs: 1000, stepMs: 100, linkCount: 30, holdMs: 1000 }],
    });
    const kernel = kernelFor(scenario, proberWorkload(100), [recorder(events)]);
    runUntil(kernel, 4500);
    expect(kernel.network.cloggedCount).toBe(30);
    kernel.run();
    expect(kernel.network.cloggedCount).toBe(0);
    const clogs = events.filter((e) => e.kind === SimEventKind.Clog).map((e) => e.edge);
    const unclogs = events.filter((e) => e.kind === SimEventKind.Unclog).map((e) => e.edge);
    expect([...clogs].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_u, i) => i));
    expect([...unclogs].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_u, i) => i));
    expect(unclogs).not.toEqual(clogs);
    for (let edge = 0; edge < 30; edge++) {
      const from = events.find((e) => e.kind === SimEventKind.Clog && e.edge === edge)?.timeMs ?? -1;
      const to = events.find((e) => e.kind === SimEventKind.Unclog && e.edge === edge)?.timeMs ?? -1;
      const onEdge = deliveries(events).filter((e) => e.edge === edge);
      expect(onEdge.some((e) => e.timeMs >= from && e.timeMs < to), `edge ${edge} delivered while clogged`).toBe(false);
      expect(onEdge.some((e) => e.timeMs > 8000), `edge ${edge} carries traffic after healing`).toBe(true);
    }
    expect(kernel.counter(KernelCounter.droppedClog)).toBeGreaterThan(0);
  });
});

describe("crash, restart and pause", () => {
  it("a crashed node gets no deliveries or timers, loses its timers, and restarts through onRestart", () => {
    const events: RecordedEvent[] = [];
    const calls: string[] = [];
    const base = proberWorkload(100);
    const workload = {
      ...base,
      createNode(nodeId: number) {
        const node = base.createNode(nodeId);
        return {
          ...node,
          onStart: (ctx: SimContext) => node.onStart(ctx),
          onMessage: node.onMessage.bind(node),
          onTimer: node.onTimer.bind(node),
          onCrash: () => calls.push(`crash ${nodeId}`),
          onRestart: (ctx: SimContext) => {
            calls.push(`restart ${nodeId}`);
            node.onRestart(ctx);
          },
        };
      },
    };
    const scenario = scenarioOf({ nodes: 3, durationMs: 8000, link: { latencyMinMs: 5, latencyMaxMs: 5 }, crashes: [{ node: 1, atMs: 2000, durationMs: 3000 }] });
    const kernel = kernelFor(scenario, workload, [recorder(events)]);
    runUntil(kernel, 3000);
    expect(kernel.nodeState(1)).toBe(NodeState.Crashed);
    expect(kernel.counter(KernelCounter.timersCancelled)).toBe(1);
    kernel.run();
    expect(calls).toEqual(["crash 1", "restart 1"]);
    const toNode1 = events.filter((e) => e.node === 1 && e.timeMs >= 2000 && e.timeMs < 5000);
    expect(toNode1.some((e) => e.kind === SimEventKind.Timer)).toBe(false);
    expect(toNode1.some((e) => e.kind === SimEventKind.Deliver && e.outcome === CopyOutcome.Delivered)).toBe(false);
    expect(toNode1.filter((e) => e.outcome === CopyOutcome.DroppedDown).length).toBeGreaterThan(50);
    expect(deliveries(events).some((e) => e.node === 1 && e.timeMs > 5000)).toBe(true);
    expect(deliveries(events).some((e) => e.from === 1 && e.timeMs > 5100)).toBe(true);
  });

  it("a crash without durationMs is permanent", () => {
    const scenario = scenarioOf({ nodes: 2, durationMs: 5000, crashes: [{ node: 0, atMs: 1000 }] });
    const kernel = kernelFor(scenario, proberWorkload(100));
    kernel.run();
    expect(kernel.nodeState(0)).toBe(NodeState.Crashed);
    expect(kernel.counter(KernelCounter.restarts)).toBe(0);
  });

  it("a paused node drops arriving messages and runs its overdue timer once when the pause ends", () => {
    const events: RecordedEvent[] = [];
    const scenario = scenarioOf({ nodes: 2, durationMs: 4000, link: { latencyMinMs: 5, latencyMaxMs: 5 }, pauses: [{ node: 1, atMs: 2000, durationMs: 1000 }] });
    const kernel = kernelFor(scenario, proberWorkload(100), [recorder(events)]);
    kernel.run();
    const timers = events.filter((e) => e.kind === SimEventKind.Timer && e.node === 1 && e.timeMs >= 2000 && e.timeMs <= 3000);
    expect(timers.map((e) => [e.timeMs, e.outcome])).toEqual([
      [2000, EventOutcome.Deferred],
      [3000, EventOutcome.Done],
    ]);
    expect(kernel.counter(KernelCounter.droppedPaused)).toBe(10);
    expect(deliveries(events).some((e) => e.node === 1 && e.timeMs > 2000 && e.timeMs < 3000)).toBe(false);
  });
});

describe("clocks", () => {
  it("applies a node's drift and offset to nowMs and to its timer delays", () => {
    const readings: number[] = [];
    const events: RecordedEvent[] = [];
    const workload = scriptedWorkload({
      onStart: (ctx) => {
        readings.push(ctx.nowMs());
        ctx.setTimer(0, ctx.nodeId === 0 ? 1100 : 900);
      },
      onTimer: (ctx) => readings.push(ctx.nowMs()),
    });
    const scenario = scenarioOf({
      nodes: 2,
      durationMs: 5000,
      clock: { nodes: [{ node: 0, driftPpm: 100_000, offsetMs: 500 }, { node: 1, driftPpm: -100_000, offsetMs: 0 }] },
    });
    kernelFor(scenario, workload, [recorder(events)]).run();
    // Node 0 runs 10% fast: 1100 of its ms pass in 1000 virtual ms; its clock then reads 500 + 1000 + 100.
    // Node 1 runs 10% slow: 900 of its ms take 1000 virtual ms.
    expect(readings).toEqual([500, 0, 1600, 900]);
    expect(events.filter((e) => e.kind === SimEventKind.Timer).map((e) => e.timeMs)).toEqual([1000, 1000]);
  });

  it("drift arithmetic is exact integer arithmetic", () => {
    expect(localTimeMs(2_592_000_000, 200_000, 0)).toBe(2_592_000_000 + 518_400_000);
    expect(localTimeMs(999, -1, 0)).toBe(998); // floor, not truncation
    expect(virtualDelayMs(1000, 0)).toBe(1000);
    expect(virtualDelayMs(1000, 1)).toBe(1000); // ceil(1000 * 1e6 / 1000001)
    expect(virtualDelayMs(1, 200_000)).toBe(1);
  });

  it("draws each node's drift within [-driftPpmMax, +driftPpmMax]", () => {
    const kernel = kernelFor(scenarioOf({ nodes: 200, durationMs: 1, clock: { driftPpmMax: 50 } }), scriptedWorkload({}));
    const drifts = Array.from({ length: 200 }, (_u, node) => kernel.clockOf(node).driftPpm);
    expect(Math.max(...drifts)).toBeLessThanOrEqual(50);
    expect(Math.min(...drifts)).toBeGreaterThanOrEqual(-50);
    expect(new Set(drifts).size).toBeGreaterThan(20);
  });
});

describe("contexts", () => {
  it("refuses a context used outside its node's own callback, and counts it", () => {
    let saved: SimContext | undefined;
    const statuses: number[] = [];
    const workload = scriptedWorkload({
      onStart: (ctx) => {
        if (ctx.nodeId === 0) saved = ctx;
        // During node 1's start, node 0's context must not work.
        else if (saved !== undefined) statuses.push(saved.send(1, new Uint8Array(12), 12));
      },
    });
    const kernel = kernelFor(scenarioOf({ nodes: 2, durationMs: 100 }), workload);
    kernel.run();
    statuses.push(saved?.setTimer(0, 10) ?? -1, saved?.broadcast(new Uint8Array(12), 12) ?? -1, saved?.count(0, 1) ?? -1);
    expect(statuses).toEqual([ErrorCode.SimNotInCallback, ErrorCode.SimNotInCallback, ErrorCode.SimNotInCallback, ErrorCode.SimNotInCallback]);
    expect(kernel.counter(KernelCounter.notInCallback)).toBe(4);
    expect(kernel.counter(KernelCounter.transmissions)).toBe(0);
  });

  it("validates timer ids and delays", () => {
    const statuses: number[] = [];
    const workload = scriptedWorkload({
      onStart: (ctx) => statuses.push(ctx.setTimer(4, 10), ctx.setTimer(0, -1), ctx.setTimer(0, 1.5), ctx.cancelTimer(1), ctx.setTimer(1, 10), ctx.cancelTimer(1)),
    });
    kernelFor(scenarioOf({ nodes: 1, durationMs: 100, limits: { timersPerNode: 4 } }), workload).run();
    expect(statuses).toEqual([ErrorCode.OutOfRange, ErrorCode.InvalidArgument, ErrorCode.InvalidArgument, ErrorCode.NotFound, ErrorCode.Ok, ErrorCode.Ok]);
  });
});

describe("capacity and faults in components", () => {
  it("stops with QueueFull, the seed and the event index when the event queue overflows", () => {
    const scenario = scenarioOf({ seed: 99, nodes: 20, durationMs: 10_000, workload: { mode: "broadcast" }, limits: { eventQueueCapacity: 16 } });
    const built = createSimulation(scenario);
    if (!built.ok) throw new Error("build");
    expect(built.kernel.run()).toBe(RunState.QueueFull);
    const summary = summarizeRun(built.kernel);
    expect(summary.ok).toBe(false);
    expect(summary.state).toBe("queue-full");
    expect(summary.violation?.invariant).toBe("event-queue-capacity");
    expect(summary.violation?.code).toBe(ErrorCode.SimEventQueueFull);
    expect(summary.violation?.seed).toBe(99);
    expect(summary.violation?.eventIndex).toBe(summary.events - 1);
    expect((summary.counters["droppedQueueFull"] ?? 0) + (summary.counters["timersRefused"] ?? 0)).toBeGreaterThan(0);
    expect(summary.queue.highWater).toBe(16);
  });

  it("reports a component that throws as a fault with seed and event index (or rethrows when unguarded)", () => {
    const events: RecordedEvent[] = [];
    const workload = scriptedWorkload({
      onStart: (ctx) => ctx.setTimer(0, 250 + ctx.nodeId),
      onTimer: (ctx) => {
        if (ctx.nodeId === 2) throw new Error("boom");
      },
    });
    const scenario = scenarioOf({ seed: 5, nodes: 4, durationMs: 1000 });
    const kernel = kernelFor(scenario, workload, [recorder(events)]);
    expect(kernel.run()).toBe(RunState.Faulted);
    const violation = kernel.violation;
    expect(violation).toMatchObject({ code: ErrorCode.SimComponentFault, seed: 5, invariant: "component-threw", timeMs: 252, detail: "node 2 threw in onTimer" });
    expect(violation?.eventIndex).toBe(events.length); // the faulting event is not checked, it stops the run
    const unguarded = SimKernel.create(scenario, workload, { invariants: [], guardComponents: false });
    if (!unguarded.ok) throw new Error("build");
    expect(() => unguarded.kernel.run()).toThrow("boom");
  });
});

describe("liveness", () => {
  it("stops a zero-delay timer loop that never lets virtual time advance", () => {
    const workload = scriptedWorkload({ onStart: (ctx) => ctx.setTimer(0, 5), onTimer: (ctx) => ctx.setTimer(0, 0) });
    const kernel = kernelFor(scenarioOf({ seed: 8, nodes: 1, durationMs: 1000 }), workload);
    expect(kernel.run()).toBe(RunState.Violated);
    expect(kernel.violation).toMatchObject({ code: ErrorCode.SimInvariantViolated, seed: 8, invariant: "virtual-time-advances", timeMs: 5, eventIndex: 1_000_001 });
  });
});

describe("determinism", () => {
  const chaos = (seed: number): Record<string, unknown> => ({
    seed,
    nodes: 12,
    durationMs: "30s",
    topology: { kind: "radio", layout: "grid", spacingM: 100, rangeM: 150 },
    link: { lossPpm: 50_000, latencyMinMs: 1, latencyMaxMs: 100, duplicatePpm: 10_000, reorderPpm: 50_000 },
    randomPartitions: { count: 2 },
    randomCrashes: { count: 3 },
    randomPauses: { count: 3 },
    clock: { driftPpmMax: 100 },
    workload: { ack: true },
  });
  const hashOf = (seed: number): string => {
    const built = createSimulation(scenarioOf(chaos(seed)));
    if (!built.ok) throw new Error("build");
    expect(built.kernel.run()).toBe(RunState.Finished);
    return built.kernel.trace.hex();
  };

  it("the same seed gives the same trace hash; another seed another hash", () => {
    expect(hashOf(11)).toBe(hashOf(11));
    expect(hashOf(11)).not.toBe(hashOf(12));
  });

  it("runFor in slices gives the same run as one run()", () => {
    const whole = createSimulation(scenarioOf(chaos(3)));
    const sliced = createSimulation(scenarioOf(chaos(3)));
    if (!whole.ok || !sliced.ok) throw new Error("build");
    whole.kernel.run();
    for (let i = 0; i < 100_000 && sliced.kernel.runFor(7) === RunState.Running; i++);
    expect(summarizeRun(sliced.kernel)).toEqual(summarizeRun(whole.kernel));
  });
});

describe("scenario validation", () => {
  it("lists every bad field with its path and reason", () => {
    const result = validateScenario({
      nodes: 0,
      durationMs: "10x",
      bogus: 1,
      topology: { kind: "mesh" },
      link: { lossPpm: 2_000_000, latencyMinMs: 50, latencyMaxMs: 10 },
      partitions: [{ startMs: 5000, endMs: 1000, sideA: [0, 99] }],
      crashes: [{ node: 3 }],
      pauses: [{ node: 0, atMs: 10 }],
      workload: { mode: "multicast", messageBytes: 8 },
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    for (const expected of [
      "nodes: must be an integer 1..65536 (nodes)",
      'durationMs: must be 1..2592000000 ms (an integer, or a string like "90s", "10m", "1h")',
      "bogus: unknown field",
      'topology.kind: must be one of "radio", "full", "links"',
      "link.lossPpm: must be an integer 0..1000000 (parts per million)",
      "link.latencyMaxMs: must be at least latencyMinMs (50)",
      "partitions[0].endMs: must be greater than startMs (5000)",
      "partitions[0].sideA[1]: must be a node id 0..15",
      "crashes[0].atMs: is required",
      "pauses[0].durationMs: is required (a pause always ends)",
      'workload.mode: must be one of "unicast", "broadcast"',
      "workload.messageBytes: must be an integer 12..4096 (bytes)",
    ]) {
      expect(problems.some((p) => p.startsWith(expected)), `missing: ${expected}\ngot:\n${problems.join("\n")}`).toBe(true);
    }
  });

  it("never throws on garbage and says what is wrong", () => {
    for (const raw of [null, [], "x", 42, { nodes: "8" }, { partitions: "all" }, { topology: { kind: "links", links: [[0, 0], "x"] } }]) {
      const result = validateScenario(raw);
      expect(result.ok).toBe(false);
      expect(result.ok ? [] : result.problems).not.toHaveLength(0);
    }
  });

  it("fills defaults and accepts duration strings", () => {
    const result = validateScenario({ durationMs: "10m", partitions: [{ startMs: "1s", endMs: "1m", sideA: { belowPermille: 500 } }] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.scenario.nodeCount).toBe(16);
    expect(result.scenario.durationMs).toBe(600_000);
    expect(result.scenario.partitions[0]).toMatchObject({ startMs: 1000, endMs: 60_000, symmetric: true });
    expect(result.scenario.partitions[0]?.sideA).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.scenario.partitions[0]?.sideB).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it("parses durations: ms, s, m, h; rejects anything else", () => {
    expect([parseDurationMs("250ms"), parseDurationMs("90s"), parseDurationMs("10m"), parseDurationMs("1h")]).toEqual([250, 90_000, 600_000, 3_600_000]);
    for (const bad of ["", "10", "1.5s", "-1s", "s", "10 m", "1d"]) expect(parseDurationMs(bad), bad).toBe(-1);
  });

  it("a link override for a link the topology lacks fails creation with SimInvalidScenario", () => {
    const scenario = scenarioOf({ nodes: 3, topology: { kind: "radio", layout: "line", spacingM: 100, rangeM: 100 }, linkOverrides: [{ from: 0, to: 2, lossPpm: 1 }] });
    const built = createSimulation(scenario);
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.code).toBe(ErrorCode.SimInvalidScenario);
    expect(built.problems).toEqual(["linkOverrides[0]: there is no link from node 0 to node 2 in this topology"]);
  });
});

/** A hand-made SimInspect, to show each kernel invariant does fail on a bad state. */
function fakeInspect(overrides: Partial<Record<"state" | "inFlight" | "delivered", number>> = {}): SimInspect & { event: SimEventView } {
  const topology = kernelFor(scenarioOf({ nodes: 2, durationMs: 1 }), scriptedWorkload({})).topology;
  const partitions: PartitionTable = {
    count: 1,
    startMs: Float64Array.of(100),
    endMs: Float64Array.of(200),
    symmetric: Uint8Array.of(1),
    sideA: Uint32Array.of(1, 0),
    sideB: Uint32Array.of(0, 1),
  };
  const event = new SimEventView(16);
  event.kind = SimEventKind.Deliver;
  event.outcome = CopyOutcome.Delivered;
  event.node = 1;
  event.from = 0;
  event.edge = 0;
  event.lengthBytes = 4;
  event.timeMs = 50;
  return {
    seed: 1,
    nodeCount: 2,
    event,
    topology,
    partitions,
    inFlight: overrides.inFlight ?? 0,
    nodeState: () => (overrides.state ?? NodeState.Running) as NodeState,
    counter: (id) => (id === KernelCounter.transmissions || id === KernelCounter.delivered ? (overrides.delivered ?? 1) : 0),
    deliveredTo: () => 0,
    workloadCounter: () => 0,
    workloadTotal: () => 0,
  };
}

describe("kernel invariants can fail", () => {
  it("delivered-only-to-running-nodes flags a delivery to a crashed node", () => {
    const sim = fakeInspect({ state: NodeState.Crashed });
    expect(deliveredOnlyToRunningNodes(sim).check(sim)).toBe("message handed to node 1 in state 3");
    const ok = fakeInspect();
    expect(deliveredOnlyToRunningNodes(ok).check(ok)).toBeUndefined();
  });

  it("payload-intact flags bytes that changed in flight", () => {
    const sim = fakeInspect();
    sim.event.bytes.set([1, 2, 3, 4]);
    sim.event.sentChecksum = 12345;
    expect(payloadIntact(sim).check(sim)).toMatch(/changed in flight/);
    sim.event.sentChecksum = checksumBytes(sim.event.bytes, 4);
    expect(payloadIntact(sim).check(sim)).toBeUndefined();
  });

  it("partition-respected flags a delivery across an active partition, by the plan's window", () => {
    const sim = fakeInspect();
    const invariant = partitionRespected(sim);
    expect(invariant.check(sim)).toBeUndefined();
    sim.event.timeMs = 150;
    expect(invariant.check(sim)).toMatch(/across an active partition/);
    sim.event.timeMs = 200;
    expect(invariant.check(sim)).toBeUndefined();
  });

  it("no-duplicate-delivery flags a transmission delivered twice", () => {
    const sim = fakeInspect();
    const invariant = noDuplicateDelivery(sim);
    sim.event.edgeSeq = 5;
    expect(invariant.check(sim)).toBeUndefined();
    sim.event.edgeSeq = 3;
    expect(invariant.check(sim)).toBeUndefined();
    sim.event.edgeSeq = 5;
    expect(invariant.check(sim)).toBe("transmission 5 on link 0 -> 1 delivered twice");
    sim.event.edgeSeq = 3;
    expect(invariant.check(sim)).toBe("transmission 3 on link 0 -> 1 delivered twice");
    sim.event.edgeSeq = 6;
    sim.event.copy = 1;
    expect(invariant.check(sim)).toMatch(/duplicate copy/);
  });

  it("message-conservation flags a copy that vanished", () => {
    const sim = fakeInspect({ inFlight: 1 });
    expect(messageConservation(sim).check(sim)).toBe("1 copies made but 2 delivered, dropped or in flight");
  });

  it("time-monotonic flags time running backwards", () => {
    const sim = fakeInspect();
    const invariant = timeMonotonic(sim);
    sim.event.timeMs = 100;
    expect(invariant.check(sim)).toBeUndefined();
    sim.event.timeMs = 99;
    expect(invariant.check(sim)).toBe("event at 99 ms after one at 100 ms");
  });
});
