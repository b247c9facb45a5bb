/**
 * Test helpers for the simulation kernel: scenarios from partial JSON, a
 * scripted workload, and a recording "invariant" that never fails but keeps
 * every event for assertions. Platform neutral (no Node, no vitest), so the
 * XS entry can share them.
 */
import {
  CopyOutcome,
  KERNEL_INVARIANTS,
  SimEventKind,
  SimKernel,
  validateScenario,
  type InvariantFactory,
  type SimContext,
  type SimNode,
  type SimScenario,
  type SimWorkload,
} from "../../host-sim/kernel/index";

export function scenarioOf(raw: Record<string, unknown>): SimScenario {
  const validation = validateScenario(raw);
  if (!validation.ok) throw new Error(`bad test scenario:\n  ${validation.problems.join("\n  ")}`);
  return validation.scenario;
}

/** What a scripted node does; every hook is optional. */
export interface Script {
  onStart?(ctx: SimContext): void;
  onMessage?(ctx: SimContext, from: number, bytes: Uint8Array, lengthBytes: number): void;
  onTimer?(ctx: SimContext, timerId: number): void;
  onCrash?(nodeId: number): void;
  onRestart?(ctx: SimContext): void;
}

export function scriptedWorkload(script: Script, counterNames: readonly string[] = []): SimWorkload {
  return {
    name: "scripted",
    counterNames,
    createNode(nodeId: number): SimNode {
      return {
        onStart: (ctx) => script.onStart?.(ctx),
        onMessage: (ctx, from, bytes, lengthBytes) => script.onMessage?.(ctx, from, bytes, lengthBytes),
        onTimer: (ctx, timerId) => script.onTimer?.(ctx, timerId),
        onCrash: () => script.onCrash?.(nodeId),
        onRestart: (ctx) => script.onRestart?.(ctx),
      };
    },
  };
}

/**
 * Every node sends a 12-byte message to each of its neighbours every
 * `periodMs` (first at `periodMs`), so every directed link carries traffic.
 */
export function proberWorkload(periodMs: number): SimWorkload {
  const bytes = new Uint8Array(12);
  const tick = (ctx: SimContext): void => {
    ctx.setTimer(0, periodMs);
    bytes[0] = ctx.nodeId;
    for (let i = 0; i < ctx.neighbourCount(); i++) ctx.send(ctx.neighbourAt(i), bytes, bytes.length);
  };
  return scriptedWorkload({
    onStart: (ctx) => ctx.setTimer(0, periodMs),
    onRestart: (ctx) => ctx.setTimer(0, periodMs),
    onTimer: tick,
  });
}

export interface RecordedEvent {
  readonly index: number;
  readonly kind: number;
  readonly outcome: number;
  readonly timeMs: number;
  readonly node: number;
  readonly from: number;
  readonly edge: number;
  readonly target: number;
}

/** An invariant that always holds and records every event into `into`. */
export function recorder(into: RecordedEvent[]): InvariantFactory {
  return () => ({
    name: "recorder",
    check(sim) {
      const e = sim.event;
      into.push({ index: e.index, kind: e.kind, outcome: e.outcome, timeMs: e.timeMs, node: e.node, from: e.from, edge: e.edge, target: e.target });
      return undefined;
    },
  });
}

export function deliveries(events: readonly RecordedEvent[]): RecordedEvent[] {
  return events.filter((e) => e.kind === SimEventKind.Deliver && e.outcome === CopyOutcome.Delivered);
}

/** A kernel for `scenario` driving `workload`, with every kernel invariant plus `extra`. */
export function kernelFor(scenario: SimScenario, workload: SimWorkload, extra: readonly InvariantFactory[] = []): SimKernel {
  const built = SimKernel.create(scenario, workload, { invariants: [...KERNEL_INVARIANTS, ...extra], guardComponents: true });
  if (!built.ok) throw new Error(`kernel: ${built.problems.join("; ")}`);
  return built.kernel;
}
