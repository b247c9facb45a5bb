/**
 * The simulation suite: the bundled scenarios over many seeds (230), every
 * invariant checked after every event, every seed run twice with identical
 * trace hashes. A failing test's name carries its seed and its message the
 * exact `picket sim` command that reproduces it.
 *
 * Plus the proof that the checker can fail: an injected buggy component and
 * an injected invariant are caught at the right seed and event index, the
 * same on every rerun.
 */
import { describe, expect, it } from "vitest";
import { prepareSim, runSim, type SimRunResult } from "../../host-sim/cli/commands/sim";
import { KERNEL_INVARIANTS, RunState, SimEventKind, SimKernel, type InvariantFactory, type SimContext, type SimNode } from "../../host-sim/kernel/index";
import { encodePing, pingInvariants, PingType, PING_COUNTER_NAMES } from "../../host-sim/kernel/workloads/ping";
import { recorder, scenarioOf, type RecordedEvent } from "./helpers";

interface SeedPlan {
  readonly scenario: string;
  /** Extra `picket sim` flags (kept small so 230 seeds x 2 runs stay quick). */
  readonly flags: readonly string[];
  readonly firstSeed: number;
  readonly seeds: number;
}

const PLAN: readonly SeedPlan[] = [
  { scenario: "small-line", flags: [], firstSeed: 1, seeds: 40 },
  { scenario: "grid-partition", flags: [], firstSeed: 1001, seeds: 40 },
  { scenario: "swizzle", flags: ["--duration", "90s"], firstSeed: 2001, seeds: 40 },
  { scenario: "crash-restart", flags: ["--duration", "90s"], firstSeed: 3001, seeds: 40 },
  { scenario: "chaos", flags: [], firstSeed: 4001, seeds: 40 },
  // Broadcast without duplication: the no-duplicate check is armed on every link.
  { scenario: "chaos", flags: ["--mode", "broadcast", "--dup", "0", "--nodes", "16"], firstSeed: 5001, seeds: 20 },
  { scenario: "speed-1000", flags: ["--nodes", "60", "--duration", "30s", "--crashes", "4", "--partitions", "1"], firstSeed: 6001, seeds: 10 },
];

function runOnce(args: readonly string[]): { result: SimRunResult; reproduce: string } {
  const prepared = prepareSim(args);
  if (!prepared.ok) throw new Error(prepared.message);
  const result = runSim(prepared.scenario, prepared.options);
  if (typeof result === "string") throw new Error(result);
  return { result, reproduce: prepared.reproduce };
}

describe("simulation seeds: invariants hold and runs are reproducible", () => {
  for (const plan of PLAN) {
    for (let seed = plan.firstSeed; seed < plan.firstSeed + plan.seeds; seed++) {
      const args = ["--scenario", plan.scenario, ...plan.flags, "--seed", String(seed)];
      it(`${plan.scenario}${plan.flags.length > 0 ? ` ${plan.flags.join(" ")}` : ""} seed ${seed}`, () => {
        const first = runOnce(args);
        const summary = first.result.summary;
        const why = summary.violation === undefined ? summary.state : `${summary.violation.invariant} at event ${summary.violation.eventIndex}: ${summary.violation.detail}`;
        expect(summary.ok, `${why}\nreproduce: ${first.reproduce}`).toBe(true);
        expect(summary.events).toBeGreaterThan(100);
        expect(summary.counters["delivered"]).toBeGreaterThan(0);
        const second = runOnce(args).result.summary;
        expect(second.traceHash, `nondeterministic; reproduce: ${first.reproduce} --verify`).toBe(summary.traceHash);
        expect(second.events).toBe(summary.events);
      });
    }
  }

  it("covers at least 200 distinct (scenario, seed) runs", () => {
    expect(PLAN.reduce((sum, plan) => sum + plan.seeds, 0)).toBeGreaterThanOrEqual(200);
  });

  it("the fault-heavy scenarios actually exercise their faults", () => {
    const { result } = runOnce(["--scenario", "chaos", "--seed", "4001"]);
    const c = result.summary.counters;
    for (const name of ["droppedLoss", "droppedPartition", "droppedClog", "droppedDown", "duplicates", "reordered", "crashes", "restarts", "pauses", "timersDeferred"]) {
      expect(c[name], name).toBeGreaterThan(0);
    }
  });
});

/** Node 3 claims to be node 7 on its 5th ping; everyone else is a correct pinger. */
function corruptingWorkload(spec: { messageBytes: number }): { name: string; counterNames: readonly string[]; createNode(id: number): SimNode } {
  return {
    name: "corrupting-ping",
    counterNames: PING_COUNTER_NAMES,
    createNode(nodeId: number): SimNode {
      const buffer = new Uint8Array(spec.messageBytes);
      let seq = 0;
      return {
        onStart: (ctx: SimContext) => ctx.setTimer(0, 1 + ctx.random.nextBelow(1000)),
        onRestart: (ctx: SimContext) => ctx.setTimer(0, 1000),
        onCrash: () => undefined,
        onTimer: (ctx: SimContext) => {
          ctx.setTimer(0, 1000);
          const claimed = nodeId === 3 && seq === 4 ? 7 : nodeId;
          encodePing(buffer, spec.messageBytes, PingType.Ping, claimed, seq++, 0);
          ctx.count(0, 1);
          ctx.broadcast(buffer, spec.messageBytes);
        },
        onMessage: (ctx: SimContext) => ctx.count(1, 1),
      };
    },
  };
}

describe("the checker can fail", () => {
  const scenario = scenarioOf({ seed: 4242, nodes: 8, durationMs: "60s", link: { lossPpm: 0 }, workload: { mode: "broadcast" } });

  function runCorrupting(): { kernel: SimKernel; events: RecordedEvent[] } {
    const events: RecordedEvent[] = [];
    const invariants: InvariantFactory[] = [recorder(events), ...KERNEL_INVARIANTS, ...pingInvariants(scenario.workload)];
    const built = SimKernel.create(scenario, corruptingWorkload(scenario.workload), { invariants, guardComponents: true });
    if (!built.ok) throw new Error("build");
    built.kernel.run();
    return { kernel: built.kernel, events };
  }

  it("catches a component that forges its sender, with the seed and the delivering event's index, on every rerun", () => {
    const first = runCorrupting();
    expect(first.kernel.runState).toBe(RunState.Violated);
    const violation = first.kernel.violation;
    expect(violation).toMatchObject({ seed: 4242, invariant: "ping-claimed-sender" });
    expect(violation?.detail).toMatch(/^message from node 3 to node \d+ claims sender 7$/);
    const event = first.events[violation?.eventIndex ?? -1];
    expect(event).toMatchObject({ kind: SimEventKind.Deliver, from: 3, index: violation?.eventIndex });
    expect(first.kernel.eventCount).toBe((violation?.eventIndex ?? 0) + 1);
    // Four clean pings from node 3 were delivered before: the checker did not fire early.
    expect(first.events.filter((e) => e.kind === SimEventKind.Deliver && e.from === 3).length).toBeGreaterThan(4);
    const again = runCorrupting();
    expect(again.kernel.violation).toEqual(violation);
    expect(again.kernel.trace.hex()).toBe(first.kernel.trace.hex());
  });

  it("an injected invariant that fails at event 1234 stops the run exactly there", () => {
    const prepared = prepareSim(["--scenario", "chaos", "--seed", "77"]);
    if (!prepared.ok) throw new Error(prepared.message);
    const failAt: InvariantFactory = () => ({ name: "fails-at-1234", check: (sim) => (sim.event.index === 1234 ? "injected" : undefined) });
    const built = SimKernel.create(
      prepared.scenario,
      { name: "idle", counterNames: [], createNode: () => ({ onStart: (ctx) => ctx.setTimer(0, 10), onTimer: (ctx) => ctx.setTimer(0, 10), onMessage: () => undefined, onCrash: () => undefined, onRestart: () => undefined }) },
      { invariants: [...KERNEL_INVARIANTS, failAt], guardComponents: true },
    );
    if (!built.ok) throw new Error("build");
    expect(built.kernel.run()).toBe(RunState.Violated);
    expect(built.kernel.violation).toMatchObject({ seed: 77, eventIndex: 1234, invariant: "fails-at-1234", detail: "injected" });
    expect(built.kernel.eventCount).toBe(1235);
  });
});
