/**
 * Mesh tables whose entries share one backing array with a per-entry
 * stride: every layout keeps what it stores, entries of different slots
 * never mix, and capacity and the full policy are honoured exactly.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { heardInBoth } from "./neighbour-model";
import { ErrorCode } from "../../../core/runtime/errors";
import { ReplayTable, VolatileCounterSource } from "../../../core/crypto/index";
import { AirtimeWindow, BROADCAST_NODE_ID, FrameType, MeshCounter, MeshCounters, RouteChange, RouteTable, LinkClass, LinkHeader, LinkOpener, LinkScratch, LinkSealer, NeighbourChange, NeighbourTable, RecentPairs, RelayQueue, parseLinkHeader, snrQualityPermille } from "../../../core/mesh/index";
import { RECENT_PAIRS_MIN_AGE_MS_MAX, RECENT_PAIRS_SCAN_MAX } from "../../../core/mesh/recent-pairs";
import { ROUTE_TTL_MS_MAX } from "../../../core/mesh/route-table";
import { STAMP_EXACT_AGE_MS, stampBaseFor, stampOf } from "../../../core/collections/ms-stamps";
import { keyring } from "./helpers";
import { unwrap } from "./fixtures";

describe("recent pairs: value and time kept only when used", () => {
  const layouts = [
    { minAgeMs: 0, withValues: true },
    { minAgeMs: 0, withValues: false },
    { minAgeMs: 50, withValues: true },
    { minAgeMs: 50, withValues: false },
  ];

  // Small sets scan their ring; past RECENT_PAIRS_SCAN_MAX entries a set keeps an index: both layouts.
  for (const [layout, { minAgeMs, withValues }] of [...layouts.map((l) => ["scanned", l] as const), ...layouts.map((l) => ["indexed", l] as const)]) {
    const [capacityMin, capacityMax, nMax, opsMax] = layout === "scanned" ? [1, 8, 6, 60] : [RECENT_PAIRS_SCAN_MAX + 1, RECENT_PAIRS_SCAN_MAX + 6, 40, 220];
    it(`${layout}, min age ${minAgeMs}, ${withValues ? "with" : "without"} values: matches a model of the last entries, values and the age policy`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: capacityMin, max: capacityMax }),
          fc.array(fc.record({ id: fc.integer({ min: 1, max: 5 }), n: fc.nat({ max: nMax }), gapMs: fc.nat({ max: 40 }) }), { maxLength: opsMax }),
          (capacity, ops) => {
            const set = unwrap(RecentPairs.create(capacity, minAgeMs, withValues));
            const model: { id: number; n: number; value: number; atMs: number }[] = [];
            let now = 0;
            for (const o of ops) {
              now += o.gapMs;
              if (set.find(o.id, o.n) >= 0) continue;
              const value = o.id * 1000 + o.n + 1;
              const oldest = model[0];
              const refuse = model.length === capacity && minAgeMs > 0 && oldest !== undefined && now - oldest.atMs < minAgeMs;
              expect(set.wouldAccept(now)).toBe(!refuse);
              const slot = set.insert(o.id, o.n, value, now);
              if (refuse) {
                expect(slot).toBe(-ErrorCode.Full);
                continue;
              }
              expect(slot).toBeGreaterThanOrEqual(0);
              if (model.length === capacity) model.shift();
              model.push({ id: o.id, n: o.n, value, atMs: now });
              expect(set.size).toBe(model.length);
              if (set.collisionCount > 0) return;
              for (const e of model) {
                const at = set.find(e.id, e.n);
                expect(at).toBeGreaterThanOrEqual(0);
                expect(set.valueAt(at)).toBe(withValues ? e.value : 0);
              }
            }
          },
        ),
        { numRuns: 100 },
      );
    });
  }

  it("setValueAt changes only its own entry, and nothing when values are not kept", () => {
    const set = unwrap(RecentPairs.create(4, 10));
    const a = set.insert(1, 1, 11, 0);
    const b = set.insert(2, 2, 22, 0);
    set.setValueAt(a, 99);
    expect([set.valueAt(a), set.valueAt(b)]).toEqual([99, 22]);
    const bare = unwrap(RecentPairs.create(4, 10, false));
    const c = bare.insert(1, 1, 11, 0);
    bare.setValueAt(c, 99);
    expect(bare.valueAt(c)).toBe(0);
    expect(bare.find(1, 1)).toBe(c);
  });
});

describe("relay queue: deadlines kept per slot (no heap of its own)", () => {
  it("matches a model: capacity exactly, the earliest deadline (first scheduled among equals), due relays per class, cancellation", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("schedule" as const), counter: fc.nat({ max: 9 }), cls: fc.nat({ max: 2 }), deadline: fc.nat({ max: 20 }), length: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant("cancel" as const), counter: fc.nat({ max: 9 }) }),
      fc.record({ kind: fc.constant("take" as const), now: fc.nat({ max: 25 }), cls: fc.nat({ max: 2 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (slots, ops) => {
        const queue = unwrap(RelayQueue.create(slots, 40));
        type Entry = { counter: number; cls: number; deadline: number; seq: number; length: number; slot: number };
        let model: Entry[] = [];
        let seq = 0;
        const frame = new Uint8Array(40);
        const out = new Uint8Array(40);
        for (const o of ops) {
          if (o.kind === "schedule") {
            if (model.some((e) => e.counter === o.counter)) continue;
            frame.fill(o.counter + 1);
            const slot = queue.schedule(frame, o.length, 7, o.counter, o.cls, 1, o.deadline);
            if (model.length === slots) {
              expect(slot).toBe(-ErrorCode.MeshQueueFull);
              continue;
            }
            expect(slot).toBeGreaterThanOrEqual(0);
            model.push({ counter: o.counter, cls: o.cls, deadline: o.deadline, seq: seq++, length: o.length, slot });
          } else if (o.kind === "cancel") {
            const known = model.some((e) => e.counter === o.counter);
            expect(queue.cancel(7, o.counter)).toBe(known ? ErrorCode.Ok : ErrorCode.NotFound);
            model = model.filter((e) => e.counter !== o.counter);
          } else {
            const due = model.filter((e) => e.cls === o.cls && e.deadline <= o.now).sort((a, b) => a.deadline - b.deadline || a.slot - b.slot)[0];
            const slot = queue.dueOfClass(o.now, o.cls);
            expect(slot).toBe(due === undefined ? -ErrorCode.NotFound : due.slot);
            if (due !== undefined) {
              expect(queue.readFrame(slot, out)).toBe(due.length);
              expect(out.subarray(0, due.length).every((b) => b === due.counter + 1)).toBe(true);
              queue.release(slot);
              model = model.filter((e) => e !== due);
            }
          }
          expect(queue.size).toBe(model.length);
          const first = [...model].sort((a, b) => a.deadline - b.deadline || a.seq - b.seq)[0];
          expect(queue.nextDeadlineMs()).toBe(first === undefined ? Number.POSITIVE_INFINITY : first.deadline);
          expect(queue.peekDue(1_000)).toBe(first === undefined ? -ErrorCode.NotFound : first.slot);
          if (first !== undefined) expect(queue.peekDue(first.deadline - 1)).toBe(-ErrorCode.NotFound);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("a node's sealer and opener share one scratch (secret, payload key, nonce, personalization)", () => {
  it("alternating seals and opens of frames from other senders, with headers of every length, all authenticate and round-trip", () => {
    const ring = keyring();
    const scratch = new LinkScratch();
    const own = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(1), 5, scratch));
    const ownKeys = ring.keysFor(5);
    if (ownKeys === undefined) throw new Error("no keys");
    own.setKeys(ownKeys);
    const opener = new LinkOpener(ring.provider, own, unwrap(ReplayTable.create({ capacity: 400, windowBits: 64 })), scratch);
    const peer = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(0xfffff0), 9));
    const peerKeys = ring.keysFor(9);
    if (peerKeys === undefined) throw new Error("no keys");
    peer.setKeys(peerKeys);
    const peerOpener = new LinkOpener(ring.provider, peer, unwrap(ReplayTable.create({ capacity: 400, windowBits: 64 })));
    const h = new LinkHeader();
    const frame = new Uint8Array(255);
    const out = new Uint8Array(255);
    for (let k = 0; k < 40; k++) {
      const payload = Uint8Array.from({ length: 5 + k }, (_v, i) => (i * 3 + k) & 0xff);
      const type = k % 2 === 0 ? FrameType.Broadcast : FrameType.Unicast;
      // A frame from the peer (its counter crosses into the long form), opened with the shared scratch.
      const header = new LinkHeader();
      Object.assign(header, { type, trafficClass: LinkClass.Telemetry, hopLimit: 3, hopsTaken: 0, source: 9, destination: type === FrameType.Broadcast ? BROADCAST_NODE_ID : 5, linkHint: 9, relayHint: 9 });
      const inLength = peer.sealAt(header, payload, 0, payload.length, frame);
      expect(inLength).toBeGreaterThan(0);
      expect(parseLinkHeader(frame, inLength, h)).toBe(ErrorCode.Ok);
      expect(opener.verifyHop(frame, inLength)).toBe(ErrorCode.Ok);
      expect(opener.open(frame, inLength, h, out)).toBe(payload.length);
      expect(out.subarray(0, payload.length)).toEqual(payload);
      // Then one of ours, sealed with the same scratch, opened by the peer.
      Object.assign(header, { source: 5, destination: type === FrameType.Broadcast ? BROADCAST_NODE_ID : 9, linkHint: 5, relayHint: 5 });
      const outLength = own.sealAt(header, payload, 0, payload.length, frame);
      expect(outLength).toBeGreaterThan(0);
      expect(parseLinkHeader(frame, outLength, h)).toBe(ErrorCode.Ok);
      expect(peerOpener.open(frame, outLength, h, out)).toBe(payload.length);
      expect(out.subarray(0, payload.length)).toEqual(payload);
    }
  });
});

describe("neighbour table: id, use and link figures of a slot in one array", () => {
  it("matches a model: each neighbour's own SNR average and last heard time, capacity exactly, the one heard longest ago evicted", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ id: fc.integer({ min: 1, max: 0xfffe }), gapMs: fc.integer({ min: 1, max: 50 }), snr: fc.integer({ min: -128, max: 127 }), rssi: fc.integer({ min: -255, max: 0 }) }), { maxLength: 60 }),
        (capacity, ops) => {
          const table = unwrap(NeighbourTable.create(capacity));
          const model = new Map<number, { snr: number; heardMs: number }>();
          let now = 0;
          for (const o of ops) {
            now += o.gapMs;
            heardInBoth(table, model, capacity, o.id, now, o.rssi, o.snr);
            expect(table.size).toBe(model.size);
            for (const [id, e] of model) {
              expect(table.has(id)).toBe(true);
              expect(table.qualityPermille(id)).toBe(snrQualityPermille(e.snr));
              expect(table.lastHeardMs(id)).toBe(e.heardMs);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

/**
 * The per-slot layouts these tables had before they kept one number for
 * the whole table (a bucket number per slot), as executable models: the
 * compact tables must answer exactly as they did.
 */
class PerSlotAirtimeModel {
  readonly epochs: number[];
  readonly sums: number[];
  constructor(
    readonly windowMs: number,
    bucketCount: number,
  ) {
    this.epochs = Array<number>(bucketCount + 1).fill(-1);
    this.sums = Array<number>(bucketCount + 1).fill(0);
  }
  get bucketMs(): number {
    return this.windowMs / (this.sums.length - 1);
  }
  record(atMs: number, us: number): void {
    const epoch = Math.floor(atMs / this.bucketMs);
    const slot = epoch % this.sums.length;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.sums[slot] = 0;
    }
    this.sums[slot] = (this.sums[slot] ?? 0) + us;
  }
  oldest(nowMs: number): number {
    const start = nowMs - this.windowMs + 1;
    return start <= 0 ? 0 : Math.floor(start / this.bucketMs);
  }
  usedUs(nowMs: number): number {
    const oldest = this.oldest(nowMs);
    return this.epochs.reduce((sum, e, slot) => (e >= oldest ? sum + (this.sums[slot] ?? 0) : sum), 0);
  }
  nextReleaseMs(nowMs: number): number {
    const oldest = this.oldest(nowMs);
    let first = -1;
    this.epochs.forEach((e, slot) => {
      if (e >= oldest && (this.sums[slot] ?? 0) > 0 && (first < 0 || e < first)) first = e;
    });
    return first < 0 ? -1 : (first + 1) * this.bucketMs + this.windowMs - 1;
  }
}

describe("airtime window: one sum per ring slot, no bucket number stored", () => {
  it("answers usedUs and nextReleaseMs exactly as a ring that stores each slot's bucket number, for records and queries in any order", () => {
    fc.assert(
      fc.property(
        fc.constantFrom([60, 3], [60, 60], [3_600, 60], [100, 1], [12, 4]),
        fc.array(fc.record({ gapMs: fc.integer({ min: -30, max: 150 }), us: fc.nat({ max: 5_000 }), queryBackMs: fc.nat({ max: 400 }) }), { maxLength: 80 }),
        ([windowMs, buckets], ops) => {
          const window = unwrap(AirtimeWindow.create(windowMs ?? 60, buckets ?? 3));
          const model = new PerSlotAirtimeModel(windowMs ?? 60, buckets ?? 3);
          let now = 0;
          for (const o of ops) {
            now = Math.max(0, now + o.gapMs);
            window.record(now, o.us);
            model.record(now, o.us);
            // Queries may come before the newest record (a frame is filed at its end time), or long after.
            for (const at of [now, Math.max(0, now - o.queryBackMs), now + windowMs, now + 3 * windowMs]) {
              expect(window.usedUs(at)).toBe(model.usedUs(at));
              expect(window.nextReleaseMs(at)).toBe(model.nextReleaseMs(at));
            }
          }
          window.clear();
          expect([window.usedUs(now), window.nextReleaseMs(now)]).toEqual([0, -1]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("airtime window: series in one buffer", () => {
  it("each series answers exactly as a window of its own, whatever the interleaving; a series that does not exist fails closed", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ series: fc.nat({ max: 2 }), gapMs: fc.integer({ min: -20, max: 90 }), us: fc.nat({ max: 3_000 }) }), { maxLength: 80 }),
        (ops) => {
          const window = unwrap(AirtimeWindow.create(60, 6, 3));
          const models = [new PerSlotAirtimeModel(60, 6), new PerSlotAirtimeModel(60, 6), new PerSlotAirtimeModel(60, 6)];
          let now = 0;
          for (const o of ops) {
            now = Math.max(0, now + o.gapMs);
            window.record(now, o.us, o.series);
            models[o.series]?.record(now, o.us);
            for (let series = 0; series < 3; series++) {
              for (const at of [now, Math.max(0, now - 45), now + 30]) {
                expect(window.usedUs(at, series)).toBe(models[series]?.usedUs(at));
                expect(window.nextReleaseMs(at, series)).toBe(models[series]?.nextReleaseMs(at));
              }
            }
          }
          expect([window.seriesCount, window.usedUs(now, 3), window.nextReleaseMs(now, 3), window.usedUs(now, -1)]).toEqual([3, Number.MAX_SAFE_INTEGER, -1, Number.MAX_SAFE_INTEGER]);
        },
      ),
      { numRuns: 200 },
    );
    expect([AirtimeWindow.create(60, 6, 0).ok, AirtimeWindow.create(60, 6, 5).ok, AirtimeWindow.create(60, 6, 1.5).ok]).toEqual([false, false, false]);
  });
});

describe("airtime window: the documented bound of the lag byte", () => {
  it("keeps a bucket 254 ring turns behind the newest record, and forgets it at 255", () => {
    // 4 buckets of 1 ms: 5 slots, a ring turn is 5 buckets.
    const window = unwrap(AirtimeWindow.create(4, 4));
    const model = new PerSlotAirtimeModel(4, 4);
    window.record(0, 7);
    model.record(0, 7);
    window.record(5 * 254 + 1, 1);
    model.record(5 * 254 + 1, 1);
    // Every bucket from the window's start on counts (later ones too): 7 + 1.
    expect([window.usedUs(3), model.usedUs(3)]).toEqual([8, 8]);
    window.record(5 * 255 + 1, 1);
    model.record(5 * 255 + 1, 1);
    expect([window.usedUs(3), model.usedUs(3)]).toEqual([1, 8]);
    // A record that far behind the newest is not kept either; one within the bound is.
    window.record(0, 5);
    window.record(5 * 2 + 2, 3);
    expect([window.usedUs(3), window.usedUs(5 * 2 + 2)]).toEqual([4, 4]);
  });
});

describe("neighbour load: one bucket number for the table", () => {
  it("gives every neighbour the load a per-neighbour bucket number gave it, whatever the interleaving", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ kind: fc.constantFrom("heard", "airtime", "load"), who: fc.nat({ max: 5 }), gapMs: fc.nat({ max: 12_000 }), us: fc.nat({ max: 400_000 }) }),
          { maxLength: 80 },
        ),
        (ops) => {
          const bucketMs = 5_000;
          const table = unwrap(NeighbourTable.create(4));
          // Ids 0x101..0x106; 0x105 and 0x205 share the low byte 5 when both are neighbours (ambiguous hint).
          const ids = [0x101, 0x102, 0x103, 0x104, 0x105, 0x205];
          const model = new Map<number, { epoch: number; cur: number; last: number }>();
          const roll = (m: { epoch: number; cur: number; last: number }, epoch: number): void => {
            if (epoch === m.epoch) return;
            m.last = epoch === m.epoch + 1 ? m.cur : 0;
            m.cur = 0;
            m.epoch = epoch;
          };
          const single = (hint: number): number | undefined => {
            const matches = [...model.keys()].filter((id) => (id & 0xff) === hint);
            return matches.length === 1 ? matches[0] : undefined;
          };
          let now = 0;
          for (const o of ops) {
            now += o.gapMs;
            const id = ids[o.who] ?? 0x101;
            if (o.kind === "heard") {
              const change = table.heard(id, now, -80, 20);
              if (change !== NeighbourChange.Refreshed) {
                if (change === NeighbourChange.AddedEvicting) model.delete(table.lastEvictedId);
                model.set(id, { epoch: 0, cur: 0, last: 0 });
              }
            } else {
              const target = single(id & 0xff);
              const epoch = Math.floor(now / bucketMs);
              if (o.kind === "airtime") {
                table.noteAirtime(id & 0xff, now, o.us, bucketMs);
                const m = target === undefined ? undefined : model.get(target);
                if (m !== undefined) {
                  roll(m, epoch);
                  m.cur += o.us;
                }
              } else {
                const m = target === undefined ? undefined : model.get(target);
                if (m !== undefined) roll(m, epoch);
                const expected = m === undefined ? 0 : Math.floor((m.cur + m.last) / (2 * bucketMs));
                expect(table.loadPermille(id & 0xff, now, bucketMs)).toBe(expected);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("recent pairs: n is not stored (the mix is a bijection of n for each id)", () => {
  it("finds every pair of the same id and n values differing in any bit, keeps ids apart, and refuses ids past 65535", () => {
    const set = unwrap(RecentPairs.create(64, 0));
    const ns = [0, 1, 2, 0xffff, 0x1_0000, 0x1_0001, 0x8000_0000, 0xffff_ffff, 0xffff_fffe, 0x7fff_ffff];
    const slots = ns.map((n, i) => set.insert(7, n, i, 0));
    ns.forEach((n, i) => {
      expect(set.find(7, n)).toBe(slots[i]);
      expect(set.valueAt(set.find(7, n))).toBe(i);
      expect(set.find(8, n)).toBe(-ErrorCode.NotFound);
    });
    expect(new Set(slots).size).toBe(ns.length);
    expect([set.insert(0x1_0000, 1, 0, 0), set.insert(1, 2 ** 32, 0, 0), set.insert(1, -1, 0, 0), set.insert(1, 1.5, 0, 0)]).toEqual(Array(4).fill(-ErrorCode.InvalidArgument));
    expect([set.find(0x1_0007, 0), set.find(7, 2 ** 32), set.size]).toEqual([-ErrorCode.NotFound, -ErrorCode.NotFound, ns.length]);
  });

  it("evicts oldest first and keeps capacity exactly across many wraps of the ring, scanned or indexed", () => {
    for (const capacity of [5, RECENT_PAIRS_SCAN_MAX, RECENT_PAIRS_SCAN_MAX + 1]) {
      const set = unwrap(RecentPairs.create(capacity, 0));
      const inserts = 3 * capacity;
      for (let n = 0; n < inserts; n++) {
        const slot = set.insert(n % 3, n * 0x1_0001, n, n);
        expect(slot).toBe(n % capacity);
        expect(set.size).toBe(Math.min(n + 1, capacity));
      }
      for (let k = 0; k < inserts; k++) {
        const slot = set.find(k % 3, k * 0x1_0001);
        expect(slot >= 0).toBe(k >= inserts - capacity);
        if (slot >= 0) expect(set.valueAt(slot)).toBe(k);
      }
      expect(set.evictedCount).toBe(inserts - capacity);
    }
  });

  it("a newer entry with the same mix hides an older one of another id (counted), scanned or indexed", () => {
    // Two pairs of different ids with one mix: n2 = n1 ^ (mix constant of id 1) ^ (that of id 2).
    const a = Math.imul(1 + 1, 0x9e3779b1) >>> 0;
    const b = Math.imul(2 + 1, 0x9e3779b1) >>> 0;
    const n1 = 12345;
    const n2 = (n1 ^ a ^ b) >>> 0;
    for (const capacity of [4, RECENT_PAIRS_SCAN_MAX + 4]) {
      const set = unwrap(RecentPairs.create(capacity, 0));
      const first = set.insert(1, n1, 11, 0);
      expect(set.find(1, n1)).toBe(first);
      const second = set.insert(2, n2, 22, 0);
      expect([set.collisionCount, set.find(1, n1), set.find(2, n2), set.valueAt(second)]).toEqual([1, -ErrorCode.NotFound, second, 22]);
    }
  });
});

describe("route table: destinations held by the index, one buffer", () => {
  it("keeps each destination's next hop, hops and advert apart, evicts the route updated longest ago, and frees a slot on invalidate", () => {
    const routes = unwrap(RouteTable.create(3, 1_000));
    expect(routes.learn(0x0a01, 0x11, 2, 10)).toBe(RouteChange.Learned);
    expect(routes.learn(0x0b02, 0x22, 3, 20, 5)).toBe(RouteChange.Learned);
    expect(routes.learn(0x0c03, 0x33, 1, 30)).toBe(RouteChange.Learned);
    expect([routes.nextHop(0x0a01, 40), routes.nextHop(0x0b02, 40), routes.nextHop(0x0c03, 40)]).toEqual([0x11, 0x22, 0x33]);
    expect([routes.hops(0x0a01, 40), routes.hops(0x0b02, 40), routes.hops(0x0c03, 40)]).toEqual([2, 3, 1]);
    // A newer advert of as many hops moves the route; an older one does not.
    expect(routes.learn(0x0b02, 0x44, 3, 50, 4)).toBe(RouteChange.None);
    expect(routes.learn(0x0b02, 0x44, 3, 50, 6)).toBe(RouteChange.Replaced);
    expect(routes.learn(0x0d04, 0x55, 1, 60)).toBe(RouteChange.Learned);
    expect([routes.nextHop(0x0a01, 60), routes.evictedCount, routes.size]).toEqual([-1, 1, 3]);
    expect(routes.invalidate(0x0c03)).toBe(true);
    expect(routes.learn(0x0e05, 0x66, 2, 70)).toBe(RouteChange.Learned);
    expect([routes.nextHop(0x0b02, 70), routes.nextHop(0x0d04, 70), routes.nextHop(0x0e05, 70), routes.evictedCount]).toEqual([0x44, 0x55, 0x66, 1]);
    expect(routes.nextHop(0x0e05, 1_071)).toBe(-1);
  });
});

describe("mesh counters: 32-bit, modulo 2^32", () => {
  it("counts each counter on its own and wraps at 2^32", () => {
    const counters = unwrap(MeshCounters.create(undefined));
    counters.inc(MeshCounter.framesReceived, 0xffff_ffff);
    counters.inc(MeshCounter.framesReceived, 2);
    counters.inc(MeshCounter.dropReplay);
    expect([counters.get(MeshCounter.framesReceived), counters.get(MeshCounter.dropReplay), counters.get(MeshCounter.framesAccepted)]).toEqual([1, 1, 0]);
  });
});

describe("times as uint32 offsets from a moving base (ms-stamps.ts)", () => {
  it("keeps the base while times fit, then moves it to the time less 2^31 ms and saturates what is older", () => {
    const words = new Uint32Array([5, 0, 0xffff_fff0, 0]);
    expect(stampBaseFor(words, 0, 2, 0, 0xffff_ffff)).toBe(0);
    const base = stampBaseFor(words, 0, 2, 0, 2 ** 32 + 10);
    expect(base).toBe(2 ** 32 + 10 - STAMP_EXACT_AGE_MS);
    // 5 is older than the new base: it saturates; 0xffff_fff0 keeps its time; the other field is untouched.
    expect([...words]).toEqual([0, 0, 0xffff_fff0 - base, 0]);
    expect(base + (words[2] ?? 0)).toBe(0xffff_fff0);
    expect([stampOf(base, 2 ** 32 + 10), stampOf(base, base - 1)]).toEqual([STAMP_EXACT_AGE_MS, 0]);
  });

  it("a route table stays exact across the 2^32 ms mark: fresh and stale routes, eviction of the route updated longest ago", () => {
    const ttl = 600_000;
    const routes = unwrap(RouteTable.create(2, ttl));
    const t0 = 2 ** 32 - 1_000;
    expect(routes.learn(1, 0x11, 1, t0)).toBe(RouteChange.Learned);
    expect(routes.learn(2, 0x22, 1, t0 + 500)).toBe(RouteChange.Learned);
    // Past 2^32 ms: the base moves; both routes keep their exact ages.
    expect(routes.learn(1, 0x11, 1, t0 + 2_000)).toBe(RouteChange.Refreshed);
    expect([routes.nextHop(1, t0 + 2_000 + ttl), routes.nextHop(1, t0 + 2_001 + ttl)]).toEqual([0x11, -1]);
    expect([routes.nextHop(2, t0 + 500 + ttl), routes.nextHop(2, t0 + 501 + ttl)]).toEqual([0x22, -1]);
    // Route 2 was updated longest ago: a third destination evicts it.
    expect(routes.learn(3, 0x33, 1, t0 + 3_000)).toBe(RouteChange.Learned);
    expect([routes.nextHop(1, t0 + 3_000), routes.nextHop(2, t0 + 3_000), routes.nextHop(3, t0 + 3_000)]).toEqual([0x11, -1, 0x33]);
    // A route not updated for 30 days is stale, after any number of base moves.
    const later = t0 + 30 * 86_400_000;
    expect(routes.learn(4, 0x44, 1, later)).toBe(RouteChange.Learned);
    expect([routes.nextHop(3, later), routes.nextHop(4, later)]).toEqual([-1, 0x44]);
  });

  it("refuses a route TTL or a minimum age past 2^31 ms (decisions beyond it would not be exact)", () => {
    expect(RouteTable.create(4, ROUTE_TTL_MS_MAX).ok).toBe(true);
    expect(RouteTable.create(4, ROUTE_TTL_MS_MAX + 1).ok).toBe(false);
    expect(RecentPairs.create(4, RECENT_PAIRS_MIN_AGE_MS_MAX).ok).toBe(true);
    expect(RecentPairs.create(4, RECENT_PAIRS_MIN_AGE_MS_MAX + 1).ok).toBe(false);
  });

  it("a held recent-pairs set refuses and evicts by age exactly across the 2^32 ms mark", () => {
    for (const capacity of [2, RECENT_PAIRS_SCAN_MAX + 2]) {
      const hold = 120_000;
      const set = unwrap(RecentPairs.create(capacity, hold, false));
      const t0 = 2 ** 32 - 60_000;
      for (let i = 0; i < capacity; i++) expect(set.insert(1, i, 0, t0 + i)).toBe(i);
      // Full: the oldest (t0) is too young until t0 + hold, which is past 2^32.
      expect(set.wouldAccept(t0 + hold - 1)).toBe(false);
      expect(set.insert(1, 1000, 0, t0 + hold - 1)).toBe(-ErrorCode.Full);
      expect(set.wouldAccept(t0 + hold)).toBe(true);
      expect(set.insert(1, 1000, 0, t0 + hold)).toBe(0);
      expect(set.insert(1, 1001, 0, t0 + hold)).toBe(-ErrorCode.Full);
      expect(set.insert(1, 1001, 0, t0 + hold + 1)).toBe(1);
      expect([set.find(1, 0), set.find(1, 1), set.find(1, 1000), set.find(1, 1001)]).toEqual([-ErrorCode.NotFound, -ErrorCode.NotFound, 0, 1]);
    }
  });
});
