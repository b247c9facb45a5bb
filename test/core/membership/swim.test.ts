/**
 * SWIM with Lifeguard (core/membership/swim.ts) on a small deterministic
 * network in virtual time: every board a Swim and a MemberTable, messages
 * delivered after a fixed latency with seeded loss, updates piggybacked on
 * every message. The scenario-scale acceptance (hundreds of seeds on the
 * site simulator) is separate; these check the protocol's promises.
 */
import { describe, expect, it } from "vitest";
import { EventOrigin, LifecycleStep, MemberEvent, MemberState, MemberTable, Swim, SwimKind, SwimStat, membershipTiming, type MembershipTiming } from "../../../core/membership/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import type { Incarnation, NodeId } from "../../../core/runtime/ids";

const TIMING: MembershipTiming = (() => {
  const t = membershipTiming({ pingAirtimeMs: 10, ackAirtimeMs: 10, dutyCyclePermille: 1000, sharePermille: 1000, members: 16, indirectProbes: 3, indirectAllowancePermille: 250, turnaroundMs: 50, suspicionMult: 4, suspicionMaxMult: 6, retransmitMult: 4 });
  if (!t.ok) throw new Error("timing");
  return t.value;
})();

interface Message {
  readonly atMs: number;
  readonly from: number;
  readonly to: number;
  readonly kind: number;
  readonly seq: number;
  readonly target: number;
  readonly incarnation: number;
  readonly updates: readonly (readonly [number, number, number, number])[];
}

class Network {
  readonly boards = new Map<number, { swim: Swim; table: MemberTable }>();
  readonly crashed = new Set<number>();
  readonly queue: Message[] = [];
  readonly random: Xoshiro128;
  nowMs = 0;
  /** Drop every message to or from these boards (a board paused or cut off). */
  readonly muted = new Set<number>();

  constructor(
    readonly size: number,
    readonly lossPermille: number,
    seed: number,
  ) {
    this.random = new Xoshiro128(seed);
    for (let id = 1; id <= size; id++) {
      const table = MemberTable.create({ capacity: 32, introducedMax: 4, reapAfterMs: 3_600_000, tombstoneMs: 7_200_000 });
      if (!table.ok) throw new Error("table");
      const swim = Swim.create({ nodeId: id as NodeId, table: table.value, timing: TIMING, indirectProbes: 3, neighboursMax: 32, relaysMax: 4, updatesMax: 64, outputsMax: 64, seed: seed * 131 + id });
      if (!swim.ok) throw new Error("swim");
      const step = new LifecycleStep();
      for (let other = 1; other <= size; other++) {
        if (other === id) continue;
        table.value.apply(other as NodeId, MemberEvent.Alive, EventOrigin.Self, 0 as Incarnation, 0, 0, step);
        swim.value.setNeighbour(other as NodeId, true);
      }
      this.boards.set(id, { swim: swim.value, table: table.value });
    }
  }

  #drain(id: number): void {
    const board = this.boards.get(id);
    if (board === undefined) return;
    const { swim } = board;
    const nodes = new Uint16Array(3);
    const events = new Uint8Array(3);
    const incs = new Float64Array(3);
    const sealed = new Uint8Array(3);
    for (let i = 0; i < swim.outputCount; i++) {
      const n = swim.takeUpdates(3, nodes, events, incs, sealed);
      const updates: [number, number, number, number][] = [];
      for (let u = 0; u < n; u++) updates.push([nodes[u] ?? 0, events[u] ?? 0, incs[u] ?? 0, sealed[u] ?? 0]);
      this.queue.push({ atMs: this.nowMs + 20, from: id, to: swim.outputTo(i), kind: swim.outputKind(i), seq: swim.outputSeq(i), target: swim.outputTarget(i), incarnation: swim.outputIncarnation(i), updates });
    }
    swim.advance();
  }

  run(untilMs: number): void {
    for (; this.nowMs <= untilMs; this.nowMs += 10) {
      const due = this.queue.filter((m) => m.atMs <= this.nowMs);
      this.queue.splice(0, this.queue.length, ...this.queue.filter((m) => m.atMs > this.nowMs));
      for (const m of due) {
        if (this.crashed.has(m.to) || this.muted.has(m.to) || this.muted.has(m.from)) continue;
        if (this.random.nextBelow(1000) < this.lossPermille) continue;
        const board = this.boards.get(m.to);
        if (board === undefined) continue;
        board.swim.receive(m.from as NodeId, m.kind, m.seq, m.target as NodeId, m.incarnation as Incarnation, this.nowMs);
        // An update sealed by its subject counts as its own word (the seal travels with it).
        for (const [node, event, inc, seal] of m.updates) board.swim.applyUpdate(m.from as NodeId, node as NodeId, event, inc as Incarnation, seal === 1, this.nowMs);
        this.#drain(m.to);
      }
      for (const [id, board] of this.boards) {
        if (this.crashed.has(id)) continue;
        board.swim.tick(this.nowMs);
        this.#drain(id);
      }
    }
  }

  /** Live boards that hold `id` in `state`. */
  seenAs(id: number, state: number): number {
    let n = 0;
    for (const [other, board] of this.boards) if (other !== id && !this.crashed.has(other) && board.table.stateOf(id as NodeId) === state) n++;
    return n;
  }
  live(): number {
    return this.size - this.crashed.size;
  }
}

describe("SWIM over a small network", () => {
  it("with no loss and no failures, nobody is ever suspected and everybody probes", () => {
    const net = new Network(12, 0, 1);
    net.run(30 * TIMING.probePeriodMs);
    for (const [, board] of net.boards) {
      expect(board.table.countIn(MemberState.Alive)).toBe(11);
      expect(board.swim.stats[SwimStat.suspicionsRaised]).toBe(0);
      expect(board.swim.stats[SwimStat.probes]).toBeGreaterThan(20);
      expect(board.swim.awareness).toBe(0);
    }
  });

  it("a crashed board is suspected, then declared Failed by every live board, for every seed", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const net = new Network(10, 0, seed);
      net.run(5 * TIMING.probePeriodMs);
      net.crashed.add(4);
      const crashMs = net.nowMs;
      let firstSuspicionMs = -1;
      while (net.nowMs < crashMs + TIMING.suspicionMaxMs + 20 * TIMING.probePeriodMs && net.seenAs(4, MemberState.Failed) < net.live()) {
        net.run(net.nowMs + 100);
        if (firstSuspicionMs < 0 && (net.seenAs(4, MemberState.Suspect) > 0 || net.seenAs(4, MemberState.Failed) > 0)) firstSuspicionMs = net.nowMs - crashMs;
      }
      expect(net.seenAs(4, MemberState.Failed), `seed ${seed}`).toBe(net.live());
      // Round-robin bounds the first suspicion: within a round of probes plus the probe's own period.
      expect(firstSuspicionMs, `seed ${seed}`).toBeLessThanOrEqual((10 + 1) * TIMING.probePeriodMs);
      for (let id = 1; id <= 10; id++) if (id !== 4) expect(net.seenAs(id, MemberState.Failed), `seed ${seed}, board ${id}`).toBe(0);
    }
  });

  it("with 10 % loss, no live board is declared Failed (indirect probes and refutation)", () => {
    for (let seed = 1; seed <= 6; seed++) {
      const net = new Network(10, 100, seed);
      net.run(60 * TIMING.probePeriodMs);
      for (let id = 1; id <= 10; id++) expect(net.seenAs(id, MemberState.Failed), `seed ${seed}, board ${id}`).toBe(0);
    }
  });

  it("a board cut off for a while is suspected, refutes when it is back, and ends Alive everywhere", () => {
    const net = new Network(8, 0, 3);
    net.run(3 * TIMING.probePeriodMs);
    net.muted.add(5);
    net.run(net.nowMs + 4 * TIMING.probePeriodMs);
    expect(net.seenAs(5, MemberState.Suspect)).toBeGreaterThan(0);
    net.muted.delete(5);
    net.run(net.nowMs + 20 * TIMING.probePeriodMs);
    expect(net.seenAs(5, MemberState.Alive)).toBe(7);
    const five = net.boards.get(5);
    expect(five?.swim.stats[SwimStat.refutations]).toBeGreaterThan(0);
    expect(five?.swim.incarnation).toBeGreaterThan(0);
  });

  it("a graceful leave ends Left at every live board, never Failed", () => {
    const net = new Network(8, 0, 5);
    net.run(3 * TIMING.probePeriodMs);
    net.boards.get(6)?.swim.leave();
    net.run(net.nowMs + 6 * TIMING.probePeriodMs);
    net.crashed.add(6); // it powers down after leaving
    net.run(net.nowMs + TIMING.suspicionMaxMs + 10 * TIMING.probePeriodMs);
    expect(net.seenAs(6, MemberState.Left)).toBe(7);
    expect(net.seenAs(6, MemberState.Failed)).toBe(0);
  });

  it("serves ping-reqs: pings the target, relays its ack, and nacks when the target stays silent", () => {
    const table = MemberTable.create({ capacity: 8, introducedMax: 2, reapAfterMs: 1000, tombstoneMs: 1000 });
    if (!table.ok) throw new Error("table");
    const swim = Swim.create({ nodeId: 1 as NodeId, table: table.value, timing: TIMING, indirectProbes: 3, neighboursMax: 8, relaysMax: 1, updatesMax: 8, outputsMax: 8, seed: 1 });
    if (!swim.ok) throw new Error("swim");
    const s = swim.value;
    expect(s.receive(2 as NodeId, SwimKind.PingReq, 77, 3 as NodeId, 0 as Incarnation, 0)).toBe(ErrorCode.Ok);
    expect([s.outputCount, s.outputKind(0), s.outputTo(0)]).toEqual([1, SwimKind.Ping, 3]);
    const ourSeq = s.outputSeq(0);
    s.advance();
    expect(s.receive(4 as NodeId, SwimKind.PingReq, 78, 3 as NodeId, 0 as Incarnation, 0)).toBe(ErrorCode.Full); // one relay at a time here: nack at once
    expect([s.outputKind(0), s.outputTo(0), s.outputSeq(0)]).toEqual([SwimKind.Nack, 4, 78]);
    s.advance();
    expect(s.receive(3 as NodeId, SwimKind.Ack, ourSeq, 3 as NodeId, 5 as Incarnation, 10)).toBe(ErrorCode.Ok);
    expect([s.outputKind(0), s.outputTo(0), s.outputTarget(0), s.outputSeq(0), s.outputIncarnation(0)]).toEqual([SwimKind.Ack, 2, 3, 77, 5]);
    s.advance();
    expect(s.receive(2 as NodeId, SwimKind.PingReq, 79, 6 as NodeId, 0 as Incarnation, 20)).toBe(ErrorCode.Ok);
    s.advance();
    s.tick(20 + TIMING.probeTimeoutMs);
    let nacked = false;
    for (let i = 0; i < s.outputCount; i++) if (s.outputKind(i) === SwimKind.Nack && s.outputTo(i) === 2 && s.outputSeq(i) === 79) nacked = true;
    expect(nacked).toBe(true);
    expect(s.receive(2 as NodeId, SwimKind.PingReq, 80, 1 as NodeId, 0 as Incarnation, 30)).toBe(ErrorCode.InvalidArgument); // a ping-req about ourselves
    expect(s.receive(2 as NodeId, 9, 80, 3 as NodeId, 0 as Incarnation, 30)).toBe(ErrorCode.InvalidArgument);
    expect(s.receive(2 as NodeId, SwimKind.Ack, 12345, 2 as NodeId, 0 as Incarnation, 30)).toBe(ErrorCode.NotFound);
  });

  it("piggybacks priority updates first, each at most retransmitLimit times, and refutes a suspicion of itself", () => {
    const table = MemberTable.create({ capacity: 8, introducedMax: 2, reapAfterMs: 1000, tombstoneMs: 1000 });
    if (!table.ok) throw new Error("table");
    const swim = Swim.create({ nodeId: 1 as NodeId, table: table.value, timing: TIMING, indirectProbes: 3, neighboursMax: 8, relaysMax: 1, updatesMax: 8, outputsMax: 8, seed: 1 });
    if (!swim.ok) throw new Error("swim");
    const s = swim.value;
    const step = new LifecycleStep();
    table.value.apply(2 as NodeId, MemberEvent.Alive, EventOrigin.Self, 0 as Incarnation, 0, 0, step);
    expect(s.applyUpdate(3 as NodeId, 2 as NodeId, MemberEvent.Suspect, 0 as Incarnation, false, 0)).toBe(ErrorCode.Ok);
    expect(s.applyUpdate(3 as NodeId, 1 as NodeId, MemberEvent.Suspect, 0 as Incarnation, false, 0)).toBe(ErrorCode.Ok); // about us: refute
    expect(s.incarnation).toBe(1);
    const nodes = new Uint16Array(4);
    const events = new Uint8Array(4);
    const incs = new Float64Array(4);
    const sealed = new Uint8Array(4);
    expect(s.takeUpdates(4, nodes, events, incs, sealed)).toBe(2);
    expect([nodes[0], events[0], incs[0], sealed[0]]).toEqual([1, MemberEvent.Alive, 1, 1]); // the refutation first, under our seal
    expect([nodes[1], events[1]]).toEqual([2, MemberEvent.Suspect]);
    let sends = 1;
    while (s.takeUpdates(4, nodes, events, incs, sealed) > 0) sends++;
    expect(sends).toBe(TIMING.retransmitLimit);
    expect(s.updateCount).toBe(0);
  });
});
