/**
 * The building blocks of hop-by-hop retransmission and load-aware routes
 * (core/mesh hop-acks.ts, route-table.ts, neighbour-table.ts): each rule
 * one test, bad input with its specific code and nothing stored changed.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { HOP_ACK_ENTRY_BYTES, HopAckHistory, HopAckTable, LINK_TAG_BYTES, NeighbourTable, RouteChange, RouteTable, meshConfig, readHopAckEntry, validateMeshConfig } from "../../../core/mesh/index";
import { unwrap } from "./fixtures";

/** A fake 40-byte frame whose last 16 bytes (the tag) are `tagByte`. */
function frame(tagByte: number, length = 40): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length - LINK_TAG_BYTES; i++) bytes[i] = i & 0xff;
  bytes.fill(tagByte, length - LINK_TAG_BYTES);
  return bytes;
}

function table(slots = 4): HopAckTable {
  return unwrap(HopAckTable.create(slots, 64), "hop-ack table");
}

describe("hop-ack table: routed frames kept until the next hop takes them", () => {
  it("refuses bad sizes with InvalidArgument", () => {
    for (const [slots, bytes] of [
      [0, 64],
      [1025, 64],
      [1.5, 64],
      [4, LINK_TAG_BYTES],
      [4, 0x1_0000],
    ]) {
      const made = HopAckTable.create(slots ?? 0, bytes ?? 0);
      expect(made.ok).toBe(false);
      if (!made.ok) expect(made.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("keeps a copy, counts every send of the same frame in one slot, and refuses a new frame when full", () => {
    const t = table(2);
    const a = t.watch(frame(1), 40, { source: 7, counter: 100, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 1000, -1, 0);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(t.watch(frame(1), 40, { source: 7, counter: 100, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 3000, -1, 0)).toBe(a); // the resend
    expect(t.sendsAt(a)).toBe(2);
    expect(t.deadlineAt(a)).toBe(3000);
    expect(t.watch(frame(2), 40, { source: 7, counter: 101, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 1000, -1, 0)).toBeGreaterThanOrEqual(0);
    expect(t.watch(frame(3), 40, { source: 7, counter: 102, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 1000, -1, 0)).toBe(-ErrorCode.MeshQueueFull);
    expect(t.size).toBe(2);
    expect(t.watch(frame(3, 80), 80, { source: 7, counter: 103, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 1000, -1, 0)).toBe(-ErrorCode.MeshFrameOversized);
    expect(t.watch(frame(3), 8, { source: 7, counter: 103, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 1000, -1, 0)).toBe(-ErrorCode.InvalidArgument);
    expect(t.size).toBe(2);
  });

  it("a copy heard further on with the same tag acknowledges the frame; an upstream copy or another tag does not", () => {
    const t = table();
    const slot = t.watch(frame(5), 40, { source: 7, counter: 100, hopsTaken: 1, linkHint: 3, destination: 9, trafficClass: 2 }, 1000, -1, 0);
    expect(t.forwardedSlot(7, 100, 1, frame(5), 40)).toBe(-1); // as far as ours: not a forward
    expect(t.forwardedSlot(7, 100, 2, frame(6), 40)).toBe(-1); // another tag: not our frame
    expect(t.forwardedSlot(7, 100, 2, frame(5, 41), 41)).toBe(-1); // another length
    expect(t.forwardedSlot(7, 101, 2, frame(5), 40)).toBe(-1); // another counter
    expect(t.forwardedSlot(7, 100, 2, frame(5), 40)).toBe(slot);
  });

  it("a HopAck entry acknowledges the frame only from the neighbour it was sent to (by its low id byte)", () => {
    const t = table();
    const slot = t.watch(frame(5), 40, { source: 7, counter: 100, hopsTaken: 0, linkHint: 0x03, destination: 9, trafficClass: 2 }, 1000, -1, 0);
    expect(t.acknowledgedSlot(7, 100, 0x04)).toBe(-1);
    expect(t.acknowledgedSlot(7, 100, 0x03)).toBe(slot);
    t.release(slot);
    expect(t.acknowledgedSlot(7, 100, 0x03)).toBe(-1);
    expect(t.size).toBe(0);
  });

  it("a resend is due past the deadline while sends are left; past the last one the frame is given up", () => {
    const t = table();
    const slot = t.watch(frame(5), 40, { source: 7, counter: 100, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 1 }, 1000, -1, 0);
    expect(t.retryDue(999, 1, 2)).toBe(-1);
    expect(t.retryDue(1000, 2, 2)).toBe(-1); // another class
    expect(t.retryDue(1000, 1, 2)).toBe(slot);
    expect(t.exhausted(1000, 2)).toBe(-1);
    t.postpone(slot, 1500); // a closed gate holds it: no send counted
    expect(t.retryDue(1000, 1, 2)).toBe(-1);
    t.watch(frame(5), 40, { source: 7, counter: 100, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 1 }, 2000, -1, 0);
    expect(t.retryDue(2000, 1, 2)).toBe(-1); // both sends used
    expect(t.exhausted(1999, 2)).toBe(-1);
    expect(t.exhausted(2000, 2)).toBe(slot);
    expect(t.nextDeadlineMs()).toBe(2000);
  });

  it("remembers the pending send a frame belongs to, across resends", () => {
    const t = table();
    const slot = t.watch(frame(5), 40, { source: 7, counter: 100, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 1 }, 1000, 2, 77);
    t.watch(frame(5), 40, { source: 7, counter: 100, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 1 }, 2000, -1, 0);
    expect(t.ownerSlotAt(slot)).toBe(2);
    expect(t.ownerIdAt(slot)).toBe(77);
    expect(t.findOwned(2, 77)).toBe(slot);
    expect(t.findOwned(2, 78)).toBe(-1); // the pending slot was reused by another message
  });
});

describe("hop-ack history: one HopAck repeats the recent frames taken", () => {
  it("writes the newest entries first, within the window, at most the limit, each once", () => {
    const history = unwrap(HopAckHistory.create(8), "history");
    history.note(1, 10, 0);
    history.note(2, 20, 100);
    history.note(3, 0x1234_5678, 200);
    history.note(1, 10, 300); // again: moves to the front
    const out = new Uint8Array(64);
    expect(history.writeRecent(out, 0, 4, 0)).toBe(3);
    const counter = new Float64Array(1);
    expect([readHopAckEntry(out, 0, counter), counter[0]]).toEqual([1, 10]);
    expect([readHopAckEntry(out, 1, counter), counter[0]]).toEqual([3, 0x1234_5678]);
    expect([readHopAckEntry(out, 2, counter), counter[0]]).toEqual([2, 20]);
    expect(history.writeRecent(out, 0, 2, 0)).toBe(2);
    expect(history.writeRecent(out, 0, 4, 150)).toBe(2); // (2, 20) noted at 100 is too old
    expect(HOP_ACK_ENTRY_BYTES).toBe(6);
  });

  it("forgets the oldest entry when full", () => {
    const history = unwrap(HopAckHistory.create(2), "history");
    history.note(1, 1, 0);
    history.note(2, 2, 1);
    history.note(3, 3, 2);
    const out = new Uint8Array(64);
    expect(history.writeRecent(out, 0, 4, 0)).toBe(2);
    const counter = new Float64Array(1);
    expect(readHopAckEntry(out, 1, counter)).toBe(2);
    expect(history.size).toBe(2);
  });

  it("refuses a capacity outside 1..64 with InvalidArgument", () => {
    for (const capacity of [0, 65, 2.5]) {
      const made = HopAckHistory.create(capacity);
      expect(made.ok).toBe(false);
      if (!made.ok) expect(made.code).toBe(ErrorCode.InvalidArgument);
    }
  });
});

describe("route table: failures per route, and advertisements that move an equally short route", () => {
  it("counts frames the next hop did not take only against the route through that next hop; one taken clears them", () => {
    const routes = unwrap(RouteTable.create(4, 60_000), "routes");
    routes.learn(9, 3, 2, 0);
    expect(routes.noteFailure(9, 4)).toBe(0); // another next hop
    expect(routes.noteFailure(8, 3)).toBe(0); // no route
    expect(routes.noteFailure(9, 3)).toBe(1);
    expect(routes.noteFailure(9, 3)).toBe(2);
    routes.noteSuccess(9, 3);
    expect(routes.noteFailure(9, 3)).toBe(1);
    expect(routes.learn(9, 5, 1, 10)).toBe(RouteChange.Replaced); // a new next hop starts clean
    expect(routes.noteFailure(9, 5)).toBe(1);
  });

  it("a newer advertisement replaces an equally short route; an older one, or a longer path, does not", () => {
    const routes = unwrap(RouteTable.create(4, 60_000), "routes");
    expect(routes.learn(9, 3, 2, 0, 100)).toBe(RouteChange.Learned);
    expect(routes.learn(9, 4, 2, 1, 100)).toBe(RouteChange.None); // the same advertisement again (another copy)
    expect(routes.learn(9, 4, 2, 2)).toBe(RouteChange.None); // not an advertisement: equal is not better
    expect(routes.learn(9, 4, 3, 3, 101)).toBe(RouteChange.None); // newer, but longer
    expect(routes.nextHop(9, 3)).toBe(3);
    expect(routes.learn(9, 4, 2, 4, 102)).toBe(RouteChange.Replaced);
    expect(routes.nextHop(9, 4)).toBe(4);
    expect(routes.learn(9, 3, 2, 5, 101)).toBe(RouteChange.None); // an older advertisement
  });
});

describe("neighbour table: how busy each neighbour is, and hints of unknown transmitters", () => {
  it("adds up the airtime heard from a neighbour over its last two buckets, permille of two buckets", () => {
    const n = unwrap(NeighbourTable.create(4), "neighbours");
    n.heard(0x0105, 0, -80, 20);
    n.noteAirtime(0x05, 100, 2_000_000, 10_000); // 2 s in bucket 0
    n.noteAirtime(0x05, 10_500, 1_000_000, 10_000); // 1 s in bucket 1
    expect(n.loadPermille(0x05, 10_600, 10_000)).toBe(150); // 3 s of 20 s
    expect(n.loadPermille(0x05, 20_000, 10_000)).toBe(50); // bucket 0 gone
    expect(n.loadPermille(0x05, 40_000, 10_000)).toBe(0);
    expect(n.loadPermille(0x06, 40_000, 10_000)).toBe(0); // unknown
  });

  it("ignores the load of an ambiguous low byte, and knows which low bytes it has", () => {
    const n = unwrap(NeighbourTable.create(4), "neighbours");
    n.heard(0x0105, 0, -80, 20);
    n.heard(0x0205, 0, -80, 20);
    n.noteAirtime(0x05, 100, 2_000_000, 10_000);
    expect(n.loadPermille(0x05, 200, 10_000)).toBe(0);
    expect(n.hasHint(0x05)).toBe(true);
    expect(n.hasHint(0x06)).toBe(false);
  });
});

describe("mesh configuration: the hop-by-hop and routing knobs are validated", () => {
  it("names every new field that is out of range, and accepts the defaults", () => {
    expect(validateMeshConfig(meshConfig({}))).toEqual([]);
    const problems = validateMeshConfig(
      meshConfig({
        accessDelayMaxMs: [0, -1, 0],
        hopRetriesMax: 16,
        hopAckSlots: 0,
        hopAckGuardMs: -5,
        hopAckHistoryMs: 700_000,
        routeFailuresMax: 0,
        helloHopLimit: 8,
        advertLoadSlotPermille: 1001,
        reparentMarginPermille: 1.5,
      }),
    );
    for (const field of ["accessDelayMaxMs", "hopRetriesMax", "hopAckSlots", "hopAckGuardMs", "hopAckHistoryMs", "routeFailuresMax", "helloHopLimit", "advertLoadSlotPermille", "reparentMarginPermille"]) {
      expect(problems.some((p) => p.startsWith(`${field}:`)), field).toBe(true);
    }
    expect(problems).toHaveLength(9);
  });
});
