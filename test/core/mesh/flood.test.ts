/**
 * The flood test (README "Mesh transport"): one node's application sends 100x
 * its rate budget, and the node (an insider with a valid key) injects 100k
 * frames with distinct fake counters and distinct fragment message ids.
 * Memory stays the same fixed tables, every frame is accounted for by a
 * specific counter, and the other nodes' delivery ratio stays within 5 % of
 * the same run without the flood.
 *
 * The injected frames travel on the simulator's side channel (no airtime):
 * this tests CPU and memory exhaustion, not RF jamming, which no protocol
 * can prevent and which the duty cycle bounds for an honest radio.
 */
import { describe, expect, it } from "vitest";
import { MESH_CONFIG_DEFAULTS, MeshCounter } from "../../../core/mesh/index";
import { runMesh, ratio, type MeshRun, type MeshRunSpec } from "./helpers";
import { ATTACK } from "./plan";

const ATTACKER = 3;
const SEEDS = [4242, 4243, 4244, 4245];

function spec(flood: boolean, seed: number): MeshRunSpec {
  return {
    name: flood ? "flood" : "no-flood",
    seed,
    nodes: 30,
    topology: "random",
    lossPpm: 50_000,
    durationMs: 60_000,
    maxMessageBytes: 2048,
    traffic: { broadcastPeriodMs: 20_000, unicastPeriodMs: 20_000, stopAtMs: 40_000, broadcastSenders: 10, unicastSenders: 6, messageBytes: 24 },
    attack: {
      ...ATTACK,
      node: ATTACKER,
      startMs: 2_000,
      everyMs: 20,
      forge: false,
      replay: false,
      tamper: false,
      spoof: false,
      injectFrames: flood ? 100_000 : 0,
      injectBatch: 40,
      sendFactor: flood ? 100 : 1,
    },
  };
}

describe("flood: 100x the rate budget and 100k distinct fake counters and fragments", () => {
  const baseline: MeshRun[] = [];
  const flood: MeshRun[] = [];

  function sum(runs: readonly MeshRun[], pick: (run: MeshRun) => number): number {
    return runs.reduce((total, run) => total + pick(run), 0);
  }

  it("every run keeps every invariant after every event; each flood injects 100k frames", () => {
    for (const seed of SEEDS) {
      baseline.push(runMesh(spec(false, seed)));
      flood.push(runMesh(spec(true, seed)));
    }
    for (const run of [...baseline, ...flood]) expect(run.summary.ok, JSON.stringify(run.summary.violation)).toBe(true);
    for (const run of flood) expect(run.workload.nodes[ATTACKER]?.attackActions?.injected).toBe(100_000);
  });

  it("the other nodes' delivery ratio stays within 5 % of the no-flood runs (same seeds): it does not fall by more", () => {
    const base = ratio(sum(baseline, (r) => r.workload.stats.broadcastDelivered), sum(baseline, (r) => r.workload.stats.broadcastExpected));
    const flooded = ratio(sum(flood, (r) => r.workload.stats.broadcastDelivered), sum(flood, (r) => r.workload.stats.broadcastExpected));
    const baseUnicast = ratio(sum(baseline, (r) => r.workload.stats.unicastDelivered), sum(baseline, (r) => r.workload.stats.unicastsSent));
    const floodedUnicast = ratio(sum(flood, (r) => r.workload.stats.unicastDelivered), sum(flood, (r) => r.workload.stats.unicastsSent));
    process.stdout.write(`\nflood test (${SEEDS.length} seeds): broadcast delivery ${base.toFixed(3)} -> ${flooded.toFixed(3)}, unicast ${baseUnicast.toFixed(3)} -> ${floodedUnicast.toFixed(3)}\n`);
    // One-sided: the flood may not cost the others more than 5 % (chance may also make a run luckier).
    expect(flooded).toBeGreaterThanOrEqual(base * 0.95);
    expect(floodedUnicast).toBeGreaterThanOrEqual(baseUnicast * 0.95);
  });

  it("the flooding application is held to its rate budget at its own transport, counted", () => {
    for (const run of flood) {
      const refused = run.workload.nodes[ATTACKER]?.transport?.counters.get(MeshCounter.sendRateLimited) ?? 0;
      expect(refused).toBeGreaterThan(100);
    }
  });

  it("memory stays flat: every table within its fixed capacity, the flooder within its reassembly share", () => {
    const c = MESH_CONFIG_DEFAULTS;
    for (const run of flood) {
      for (const node of run.workload.nodes) {
        const t = node.transport;
        if (t === undefined) continue;
        expect(t.reassembly.inUse).toBeLessThanOrEqual(c.reassemblySlots);
        expect(t.reassembly.heldBy(ATTACKER + 1)).toBeLessThanOrEqual(c.reassemblyPerSenderMax);
        expect(t.duplicateCache.size).toBeLessThanOrEqual(c.duplicateCacheCapacity);
        expect(t.deliveredCache.size).toBeLessThanOrEqual(c.deliveredCacheCapacity);
        expect(t.relaysWaiting).toBeLessThanOrEqual(c.relaySlots);
        expect(t.neighbours.size).toBeLessThanOrEqual(c.neighbourCapacity);
        expect(t.routes.size).toBeLessThanOrEqual(c.routeCapacity);
        expect(t.pendingCount).toBeLessThanOrEqual(c.pendingAckSlots);
      }
    }
  });

  it("every injected frame a neighbour heard is dropped with a specific counter (forged on the hop or end to end, rate limited, radio queue full) or accepted", () => {
    for (let i = 0; i < flood.length; i++) {
      const run = flood[i];
      const base = baseline[i];
      if (run === undefined || base === undefined) throw new Error("runs missing");
      let heard = 0;
      let accounted = 0;
      for (const node of run.workload.nodes) {
        if (node.radio === undefined || node.index === ATTACKER) continue;
        heard += node.radio.stats.injectedReceived;
        accounted += node.radio.stats.receiveQueueDropped;
      }
      const totals = run.workload.transportTotals();
      const baseTotals = base.workload.transportTotals();
      const extra = (name: string): number => (totals[name] ?? 0) - (baseTotals[name] ?? 0);
      accounted += extra("drop_forged") + extra("drop_hop_forged") + extra("drop_rate_limited") + extra("frames_accepted");
      expect(heard).toBeGreaterThan(100_000);
      expect(extra("drop_hop_forged")).toBeGreaterThan(heard / 4);
      expect(accounted).toBeGreaterThanOrEqual(heard * 0.95);
    }
  });
});
