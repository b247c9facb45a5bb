/**
 * The bounded member table (core/membership/member-table.ts): capacity is
 * honoured exactly, the eviction order is tombstones past their reap time,
 * then Left, then Failed (oldest first), and nothing else is ever pushed out;
 * each authenticated sender introduces at most its share; reaping frees
 * what has been gone long enough.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventOrigin, LifecycleStep, MemberEvent, MemberState, MemberTable, MemberTableStat, type MemberTableOptions } from "../../../core/membership/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Incarnation, NodeId } from "../../../core/runtime/ids";

const S = MemberState;
const E = MemberEvent;
const O = EventOrigin;
const OPTIONS: MemberTableOptions = { capacity: 4, introducedMax: 2, reapAfterMs: 60_000, tombstoneMs: 600_000 };

function table(options: Partial<MemberTableOptions> = {}): MemberTable {
  const created = MemberTable.create({ ...OPTIONS, ...options });
  if (!created.ok) throw new Error(`create: ${created.code}`);
  return created.value;
}

const out = new LifecycleStep();
/** The member speaks for itself at `incarnation`. */
const alive = (t: MemberTable, id: number, nowMs = 0, incarnation = 1): number => t.apply(id as NodeId, E.Alive, O.Self, incarnation as Incarnation, 0, nowMs, out);

function snapshot(t: MemberTable): string {
  const ids = new Uint16Array(t.capacity);
  const n = t.members(ids);
  return Array.from(ids.subarray(0, n), (id) => `${id}:${t.stateOf(id as NodeId)}@${t.incarnationOf(id as NodeId)}`).sort().join(" ");
}

describe("MemberTable.create", () => {
  it("refuses every option outside its range", () => {
    const bad: Partial<MemberTableOptions>[] = [{ capacity: 0 }, { capacity: 1025 }, { capacity: 2.5 }, { introducedMax: 0 }, { introducedMax: 5 }, { reapAfterMs: -1 }, { tombstoneMs: 59_999 }, { reapAfterMs: Number.NaN }];
    for (const options of bad) {
      const created = MemberTable.create({ ...OPTIONS, ...options });
      expect(created.ok, JSON.stringify(options)).toBe(false);
      if (!created.ok) expect(created.code).toBe(ErrorCode.InvalidArgument);
    }
  });
});

describe("MemberTable", () => {
  it("a member's own word adds it Alive at its incarnation; a report about an unknown member is NotFound and adds nothing", () => {
    const t = table();
    expect(alive(t, 7, 0, 5)).toBe(ErrorCode.Ok);
    expect([t.stateOf(7 as NodeId), t.incarnationOf(7 as NodeId), t.count]).toEqual([S.Alive, 5, 1]);
    expect(t.apply(9 as NodeId, E.Suspect, O.Peer, 1 as Incarnation, 3 as NodeId, 0, out)).toBe(ErrorCode.NotFound);
    expect(t.apply(9 as NodeId, E.Alive, O.Peer, 1 as Incarnation, 3 as NodeId, 0, out)).toBe(ErrorCode.NotFound); // a peer's word is a report, not the member's own
    expect(t.stateOf(9 as NodeId)).toBe(-1);
    expect(t.count).toBe(1);
  });

  it("a peer's alive report adds a member Joining at incarnation 0, charged to that peer up to introducedMax", () => {
    const t = table({ capacity: 8 });
    expect(t.apply(20 as NodeId, E.AliveReport, O.Peer, 9 as Incarnation, 3 as NodeId, 0, out)).toBe(ErrorCode.Ok);
    expect([t.stateOf(20 as NodeId), t.incarnationOf(20 as NodeId)]).toEqual([S.Joining, 0]);
    expect(t.apply(21 as NodeId, E.AliveReport, O.Peer, 0 as Incarnation, 3 as NodeId, 0, out)).toBe(ErrorCode.Ok);
    const before = snapshot(t);
    expect(t.apply(22 as NodeId, E.AliveReport, O.Peer, 0 as Incarnation, 3 as NodeId, 0, out)).toBe(ErrorCode.MembershipIntroducerCapped);
    expect(snapshot(t)).toBe(before);
    expect(t.stats[MemberTableStat.introducerCapped]).toBe(1);
    // Another peer has its own share; and once 20 speaks for itself, peer 3 is no longer charged for it.
    expect(t.apply(22 as NodeId, E.AliveReport, O.Peer, 0 as Incarnation, 4 as NodeId, 0, out)).toBe(ErrorCode.Ok);
    expect(alive(t, 20, 10, 2)).toBe(ErrorCode.Ok);
    expect(t.stateOf(20 as NodeId)).toBe(S.Alive);
    expect(t.apply(23 as NodeId, E.AliveReport, O.Peer, 0 as Incarnation, 3 as NodeId, 20, out)).toBe(ErrorCode.Ok);
    expect(t.apply(24 as NodeId, E.AliveReport, O.Peer, 0 as Incarnation, 0, 20, out)).toBe(ErrorCode.InvalidArgument); // a report needs its reporter
  });

  it("full of live members: a newcomer is refused MembershipTableFull and no member is touched", () => {
    const t = table();
    for (let id = 1; id <= 4; id++) expect(alive(t, id)).toBe(ErrorCode.Ok);
    expect(t.apply(2 as NodeId, E.Suspect, O.Local, 1 as Incarnation, 0, 5, out)).toBe(ErrorCode.Ok);
    expect(t.apply(3 as NodeId, E.Leave, O.Self, 1 as Incarnation, 0, 5, out)).toBe(ErrorCode.Ok);
    const before = snapshot(t);
    expect(alive(t, 99)).toBe(ErrorCode.MembershipTableFull);
    expect(t.apply(98 as NodeId, E.AliveReport, O.Peer, 0 as Incarnation, 1 as NodeId, 0, out)).toBe(ErrorCode.MembershipTableFull);
    expect(snapshot(t)).toBe(before);
    expect(t.stats[MemberTableStat.tableFull]).toBe(2);
    expect(t.stats[MemberTableStat.displaced]).toBe(0);
  });

  it("displaces a tombstone past its reap time first, then Left, then Failed (the oldest), never a protected member", () => {
    const t = table({ capacity: 5 });
    for (let id = 1; id <= 5; id++) expect(alive(t, id)).toBe(ErrorCode.Ok);
    expect(t.protect(5 as NodeId, 0)).toBe(ErrorCode.Ok);
    const fail = (id: number, atMs: number): void => {
      expect(t.apply(id as NodeId, E.Failed, O.Peer, 1 as Incarnation, 9 as NodeId, atMs, out)).toBe(ErrorCode.Ok);
    };
    fail(1, 100); // older failure
    fail(2, 200);
    expect(t.apply(3 as NodeId, E.Left, O.Self, 1 as Incarnation, 0, 300, out)).toBe(ErrorCode.Ok);
    expect(t.apply(4 as NodeId, E.Evict, O.Authority, 0 as Incarnation, 0, 400, out)).toBe(ErrorCode.Ok);
    fail(5, 50); // protected: never displaced, even failed and oldest
    // The tombstone is still within tombstoneMs: Left goes first.
    expect(alive(t, 11, 1_000)).toBe(ErrorCode.Ok);
    expect(t.stateOf(3 as NodeId)).toBe(-1);
    expect(alive(t, 12, 1_000)).toBe(ErrorCode.Ok);
    expect(t.stateOf(1 as NodeId)).toBe(-1); // the older Failed
    expect(t.stateOf(2 as NodeId)).toBe(S.Failed);
    // Past its reap time the tombstone goes before the remaining Failed member.
    expect(alive(t, 13, 400 + OPTIONS.tombstoneMs)).toBe(ErrorCode.Ok);
    expect(t.stateOf(4 as NodeId)).toBe(-1);
    expect(t.stateOf(2 as NodeId)).toBe(S.Failed);
    expect(t.stateOf(5 as NodeId)).toBe(S.Failed);
    expect(t.stats[MemberTableStat.displaced]).toBe(3);
  });

  it("an evicted identity stays refused while its tombstone lasts: its own alive is refused, not readmitted", () => {
    const t = table();
    expect(alive(t, 7)).toBe(ErrorCode.Ok);
    expect(t.apply(7 as NodeId, E.Evict, O.Authority, 0 as Incarnation, 0, 10, out)).toBe(ErrorCode.Ok);
    expect(alive(t, 7, 20, 99)).toBe(ErrorCode.MembershipTransitionNotAllowed);
    expect(t.stateOf(7 as NodeId)).toBe(S.Evicted);
    expect(t.refusals[0]).toBe(1);
  });

  it("reap frees Failed and Left after reapAfterMs and tombstones after tombstoneMs, and nothing else", () => {
    const t = table();
    for (let id = 1; id <= 4; id++) expect(alive(t, id)).toBe(ErrorCode.Ok);
    expect(t.apply(1 as NodeId, E.Failed, O.Peer, 1 as Incarnation, 9 as NodeId, 0, out)).toBe(ErrorCode.Ok);
    expect(t.apply(2 as NodeId, E.Left, O.Self, 1 as Incarnation, 0, 0, out)).toBe(ErrorCode.Ok);
    expect(t.apply(3 as NodeId, E.Evict, O.Authority, 0 as Incarnation, 0, 0, out)).toBe(ErrorCode.Ok);
    expect(t.reap(OPTIONS.reapAfterMs - 1)).toBe(0);
    expect(t.reap(OPTIONS.reapAfterMs)).toBe(2);
    expect([t.stateOf(1 as NodeId), t.stateOf(2 as NodeId), t.stateOf(3 as NodeId), t.stateOf(4 as NodeId)]).toEqual([-1, -1, S.Evicted, S.Alive]);
    expect(t.reap(OPTIONS.tombstoneMs)).toBe(1);
    expect(t.count).toBe(1);
    expect(t.stateOf(4 as NodeId)).toBe(S.Alive);
  });

  it("a flood of made-up members from captured boards never pushes out a live member, and capacity holds exactly", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 24 }),
        fc.array(fc.record({ id: fc.integer({ min: 100, max: 400 }), reporter: fc.integer({ min: 50, max: 53 }), kind: fc.integer({ min: 0, max: 3 }), atMs: fc.integer({ min: 0, max: 2_000_000 }) }), { maxLength: 200 }),
        (capacity, flood) => {
          const t = table({ capacity, introducedMax: Math.max(1, capacity >> 2), reapAfterMs: 1_000, tombstoneMs: 10_000 });
          const real = Math.max(1, capacity >> 1);
          for (let id = 1; id <= real; id++) expect(alive(t, id)).toBe(ErrorCode.Ok);
          const step = new LifecycleStep();
          for (const f of flood) {
            if (f.kind === 0) t.apply(f.id as NodeId, E.AliveReport, O.Peer, 0 as Incarnation, f.reporter as NodeId, f.atMs, step);
            else if (f.kind === 1) t.apply(f.id as NodeId, E.Failed, O.Peer, 0 as Incarnation, f.reporter as NodeId, f.atMs, step);
            else if (f.kind === 2) t.apply((f.id % real === 0 ? real : f.id % real) as NodeId, E.Suspect, O.Peer, 0 as Incarnation, f.reporter as NodeId, f.atMs, step); // captured boards slander real ones
            else t.reap(f.atMs);
            expect(t.count).toBeLessThanOrEqual(capacity);
          }
          for (let id = 1; id <= real; id++) {
            const state = t.stateOf(id as NodeId);
            expect(state === S.Alive || state === S.Suspect, `member ${id} is ${state}`).toBe(true);
            expect(t.incarnationOf(id as NodeId)).toBe(1); // slander never moved its incarnation
          }
        },
      ),
      { numRuns: 200, seed: 20261207 },
    );
  });
});
