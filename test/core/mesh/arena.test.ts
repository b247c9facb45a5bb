/**
 * The mesh transport's arena (core/mesh/arena.ts): every table of a
 * transport in one ArrayBuffer behind one DataView. Tables laid out one
 * after another never touch each other's bytes; small neighbour and route
 * tables scan their slots instead of keeping an index and answer exactly as
 * indexed ones; stamps kept in an arena move as ms-stamps.ts moves them; a
 * stage keeps its fields at their full range; the transport keeps only the
 * configuration fields it reads after create.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { heardInBoth } from "./neighbour-model";
import { ARENA_ALIGN_BYTES, ArenaLayout, TABLE_SCAN_MAX, arenaStampBase, type Arena } from "../../../core/mesh/arena";
import { AirtimeWindow, FramePool, HopAckHistory, MeshCounters, type MeshCounter, NeighbourChange, NeighbourTable, RecentPairs, RelayQueue, RouteChange, RouteTable, snrQualityPermille } from "../../../core/mesh/index";
import { MESH_COUNTERS_BYTES, MESH_COUNTER_COUNT, MeshCounter as MeshCounterIds } from "../../../core/mesh/mesh-counters";
import { MESH_CONFIG_DEFAULTS, compactMeshConfig, meshConfig } from "../../../core/mesh/mesh-config";
import { OutgoingStage, STAGE_BYTES, StageKind } from "../../../core/mesh/outgoing-stage";
import { RecordQueues } from "../../../core/mesh/record-queues";
import { stampBaseFor } from "../../../core/collections/ms-stamps";
import { unwrap } from "./fixtures";

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

describe("arena layout", () => {
  it("hands out aligned regions one after another, each as long as asked (nothing for 0 or less)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 500 }), { maxLength: 20 }), (sizes) => {
        const layout = new ArenaLayout();
        let end = 0;
        for (const bytes of sizes) {
          const at = layout.take(bytes);
          expect(at % ARENA_ALIGN_BYTES).toBe(0);
          expect(at).toBeGreaterThanOrEqual(end);
          end = at + Math.max(0, bytes);
          expect(layout.bytes).toBeGreaterThanOrEqual(end);
          expect(layout.bytes - end).toBeLessThan(ARENA_ALIGN_BYTES);
        }
      }),
    );
  });
});

describe("tables sharing one arena", () => {
  it("every table, filled to capacity, reads back its own entries whatever its neighbours in the arena hold", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 0xff }),
        (neighbours, pairs, relays, buckets, fill) => {
          const layout = new ArenaLayout();
          const ntAt = layout.take(NeighbourTable.bytesFor(neighbours));
          const rtAt = layout.take(RouteTable.bytesFor(neighbours));
          const rpAt = layout.take(RecentPairs.bytesFor(pairs, 5, true));
          const poolAt = layout.take(FramePool.bytesFor(relays * 2 + 3));
          const rqAt = layout.take(RelayQueue.bytesFor(relays));
          const awAt = layout.take(AirtimeWindow.bytesFor(buckets, 2));
          const queuesAt = layout.take(RecordQueues.bytesFor(2));
          const historyAt = layout.take(HopAckHistory.bytesFor(8));
          const stagesAt = layout.take(3 * STAGE_BYTES);
          const countersAt = layout.take(MESH_COUNTERS_BYTES);
          const arena: Arena = new DataView(new ArrayBuffer(layout.bytes));
          const nt = unwrap(NeighbourTable.create(neighbours, arena, ntAt));
          const rt = unwrap(RouteTable.create(neighbours, 1_000_000, arena, rtAt));
          const rp = unwrap(RecentPairs.create(pairs, 5, true, arena, rpAt));
          const pool = unwrap(FramePool.create(relays * 2 + 3, arena, poolAt));
          const rq = unwrap(RelayQueue.create(relays, 64, pool, arena, rqAt));
          const aw = unwrap(AirtimeWindow.create(buckets * 10, buckets, 2, arena, awAt));
          const queues = unwrap(RecordQueues.create(pool, [{ budgetBytes: 100, maxRecordBytes: 90 }, { budgetBytes: 50, maxRecordBytes: 40 }], arena, queuesAt));
          const history = unwrap(HopAckHistory.create(8, arena, historyAt));
          const stages = [0, 1, 2].map((cls) => new OutgoingStage(cls, arena, stagesAt + cls * STAGE_BYTES));
          const counters = unwrap(MeshCounters.create(undefined, arena.buffer, countersAt));
          // Fill every table to capacity.
          for (let i = 0; i < neighbours; i++) {
            expect(nt.heard(1000 + i, 10 + i, -40 - (i % 50), (i % 60) - 30)).toBe(NeighbourChange.Added);
            expect(rt.learn(2000 + i, 3000 + i, 1 + (i % 7), 10 + i, i)).toBe(RouteChange.Learned);
          }
          for (let i = 0; i < pairs; i++) expect(rp.insert(1 + (i % 9), 7 * i + fill, 0xa000_0000 + i, 100 + i)).toBe(i);
          const frame = Uint8Array.from({ length: 64 }, (_v, k) => (k * 3 + fill) & 0xff);
          for (let i = 0; i < relays; i++) expect(rq.schedule(frame, 64, 4000 + i, 5000 + i, i % 3, 1, 20 + i)).toBe(i);
          for (let b = 0; b <= buckets; b++) {
            aw.record(b * 10, 100 + b, 0);
            aw.record(b * 10, 200 + b, 1);
          }
          const record = queues.append(0, 90);
          expect(record).toBeGreaterThanOrEqual(0);
          queues.write(record, 0, frame, 0, 64);
          for (let i = 0; i < 8; i++) history.note(6000 + i, 7000 + i, i);
          stages.forEach((s, cls) => {
            s.kind = StageKind.Inline;
            s.handle = 100 + cls;
            s.slot = -1;
            s.messageId = 0xffff - cls;
            s.destination = 0xfffe - cls;
            s.length = 300 + cls;
            s.fragments = 2 + cls;
            s.next = cls;
            s.resend = cls === 1;
            s.routed = cls !== 1;
            s.notBeforeMs = 2 ** 40 + cls;
          });
          for (let c = 0; c < MESH_COUNTER_COUNT; c++) counters.inc(c as MeshCounter, c + fill);
          // Everything reads back.
          for (let i = 0; i < neighbours; i++) {
            expect(nt.lastHeardMs(1000 + i)).toBe(10 + i);
            expect(nt.qualityPermille(1000 + i)).toBe(snrQualityPermille((i % 60) - 30));
            expect([rt.nextHop(2000 + i, 50 + neighbours), rt.hops(2000 + i, 50 + neighbours)]).toEqual([3000 + i, 1 + (i % 7)]);
          }
          for (let i = 0; i < pairs; i++) expect(rp.valueAt(rp.find(1 + (i % 9), 7 * i + fill))).toBe(0xa000_0000 + i);
          for (let i = 0; i < relays; i++) {
            const out = new Uint8Array(64);
            expect(rq.readFrame(i, out)).toBe(64);
            expect(out).toEqual(frame);
            expect([rq.sourceAt(i), rq.counterAt(i), rq.deadlineAt(i)]).toEqual([4000 + i, 5000 + i, 20 + i]);
          }
          // Buckets 0..buckets all overlap the window ending at buckets * 10 (bucket 0 holds time 0 only).
          const sum = (first: number): number => Array.from({ length: buckets + 1 }, (_v, b) => first + b).reduce((a, b) => a + b, 0);
          expect([aw.usedUs(buckets * 10, 0), aw.usedUs(buckets * 10, 1)]).toEqual([sum(100), sum(200)]);
          const back = new Uint8Array(64);
          queues.read(record, 0, back, 0, 64);
          expect([queues.recordLength(record), queues.count(0)]).toEqual([90, 1]);
          expect(back).toEqual(frame);
          const written = new Uint8Array(6 * 8);
          expect(history.writeRecent(written, 0, 8, 0)).toBe(8);
          expect([written[0], written[1]]).toEqual([(6007 >>> 8) & 0xff, 6007 & 0xff]);
          stages.forEach((s, cls) => {
            expect([s.trafficClass, s.kind, s.handle, s.slot, s.messageId, s.destination, s.length, s.fragments, s.next, s.resend, s.routed, s.notBeforeMs]).toEqual([
              cls,
              StageKind.Inline,
              100 + cls,
              -1,
              0xffff - cls,
              0xfffe - cls,
              300 + cls,
              2 + cls,
              cls,
              cls === 1,
              cls !== 1,
              2 ** 40 + cls,
            ]);
          });
          for (let c = 0; c < MESH_COUNTER_COUNT; c++) expect(counters.get(c as MeshCounter)).toBe(c + fill);
          expect([nt.size, rt.size, rp.size, rq.size]).toEqual([neighbours, neighbours, pairs, relays]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("slot tables side by side in one arena", () => {
  it("refuse a slot out of range (as a view of their own did) instead of reaching the next table's region", () => {
    const layout = new ArenaLayout();
    const firstAt = layout.take(RelayQueue.bytesFor(2));
    const secondAt = layout.take(RelayQueue.bytesFor(2));
    const arena: Arena = new DataView(new ArrayBuffer(layout.bytes));
    const pool = unwrap(FramePool.create(8));
    const first = unwrap(RelayQueue.create(2, 64, pool, arena, firstAt));
    const second = unwrap(RelayQueue.create(2, 64, pool, arena, secondAt));
    const frame = new Uint8Array(40).fill(7);
    expect(second.schedule(frame, 40, 0x1234, 99, 1, 0, 5)).toBe(0);
    for (const slot of [2, 3, -1, 0.5]) expect(() => first.sourceAt(slot)).toThrow(RangeError);
    expect(() => first.release(2)).toThrow(RangeError);
    expect([second.size, second.sourceAt(0), second.lengthAt(0)]).toEqual([1, 0x1234, 40]);
  });
});

describe("record queues in an arena", () => {
  it("a queue that does not exist holds nothing and takes nothing, and the queues beside it are untouched", () => {
    const layout = new ArenaLayout();
    const queuesAt = layout.take(RecordQueues.bytesFor(1));
    const afterAt = layout.take(8);
    const arena: Arena = new DataView(new ArrayBuffer(layout.bytes));
    arena.setFloat64(afterAt, 1.5);
    const queues = unwrap(RecordQueues.create(unwrap(FramePool.create(4)), [{ budgetBytes: 40, maxRecordBytes: 30 }], arena, queuesAt));
    expect(queues.append(0, 10)).toBeGreaterThanOrEqual(0);
    for (const queue of [1, 2, -1, 0.5]) {
      expect([queues.count(queue), queues.bytesUsed(queue), queues.head(queue), queues.detach(queue), queues.hasRoom(queue, 0)]).toEqual([0, 0, -1, -1, false]);
      expect(queues.append(queue, 5)).toBeLessThan(0);
    }
    expect([queues.count(0), queues.bytesUsed(0), arena.getFloat64(afterAt)]).toEqual([1, 11, 1.5]);
  });
});

describe("neighbour and route tables: a scan up to TABLE_SCAN_MAX slots, an index past it", () => {
  const sizes = [1, 2, TABLE_SCAN_MAX - 1, TABLE_SCAN_MAX, TABLE_SCAN_MAX + 1, TABLE_SCAN_MAX + 7];

  for (const capacity of sizes) {
    it(`neighbours, capacity ${capacity}: matches a model, capacity exactly, the one heard longest ago evicted`, () => {
      fc.assert(
        fc.property(fc.array(fc.record({ id: fc.integer({ min: 1, max: capacity + 4 }), gapMs: fc.integer({ min: 1, max: 50 }), snr: fc.integer({ min: -128, max: 127 }) }), { maxLength: 4 * capacity + 20 }), (ops) => {
          const table = unwrap(NeighbourTable.create(capacity));
          const model = new Map<number, { snr: number; heardMs: number }>();
          let now = 0;
          for (const o of ops) {
            now += o.gapMs;
            heardInBoth(table, model, capacity, o.id, now, -60, o.snr);
          }
          expect(table.size).toBe(model.size);
          for (let id = 1; id <= capacity + 4; id++) {
            const e = model.get(id);
            expect(table.has(id)).toBe(e !== undefined);
            expect(table.qualityPermille(id)).toBe(e === undefined ? -1 : snrQualityPermille(e.snr));
            expect(table.lastHeardMs(id)).toBe(e === undefined ? -1 : e.heardMs);
          }
        }),
        { numRuns: capacity > TABLE_SCAN_MAX ? 40 : 100 },
      );
    });

    it(`routes, capacity ${capacity}: learned, invalidated and evicted routes as a table with room for all, capacity exactly`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ destination: fc.integer({ min: 1, max: capacity + 3 }), nextHop: fc.integer({ min: 1, max: 40 }), hops: fc.integer({ min: 1, max: 7 }), invalidate: fc.boolean() }), { maxLength: 3 * capacity + 20 }),
          (ops) => {
            const table = unwrap(RouteTable.create(capacity, 1_000_000));
            // Which destinations the table holds, the one updated longest ago first out.
            const held = new Map<number, number>();
            let now = 0;
            for (const o of ops) {
              now += 1;
              if (o.invalidate) {
                expect(table.invalidate(o.destination)).toBe(held.delete(o.destination));
                continue;
              }
              const change = table.learn(o.destination, o.nextHop, o.hops, now);
              if (!held.has(o.destination)) {
                expect(change).toBe(RouteChange.Learned);
                if (held.size === capacity) {
                  const oldest = [...held.entries()].sort((a, b) => a[1] - b[1])[0];
                  if (oldest !== undefined) held.delete(oldest[0]);
                }
                held.set(o.destination, now);
              } else if (change !== RouteChange.None) held.set(o.destination, now);
              expect(table.size).toBe(held.size);
            }
            for (let d = 1; d <= capacity + 3; d++) expect(table.nextHop(d, now) >= 0).toBe(held.has(d));
          },
        ),
        { numRuns: capacity > TABLE_SCAN_MAX ? 40 : 100 },
      );
    });
  }
});

describe("stamps kept in an arena", () => {
  it("move exactly as ms-stamps.ts moves a Uint32Array of the same words", () => {
    fc.assert(
      fc.property(fc.array(u32, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 3 }), fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 41 }), (stamps, stride, baseMs, aheadMs) => {
        const words = new Uint32Array(stamps.length * stride);
        const view: Arena = new DataView(new ArrayBuffer(8 + 4 * words.length));
        stamps.forEach((s, k) => {
          words[k * stride] = s;
          view.setUint32(8 + 4 * k * stride, s);
        });
        const nowMs = baseMs + aheadMs;
        const expected = stampBaseFor(words, 0, stride, baseMs, nowMs);
        expect(arenaStampBase(view, 8, 4 * stride, stamps.length, baseMs, nowMs)).toBe(expected);
        for (let at = 0; at < words.length; at++) expect(view.getUint32(8 + 4 * at)).toBe(words[at]);
      }),
    );
  });
});

describe("the transport's configuration object", () => {
  it("with keys, keeps only those (that differ from the defaults) as its own fields; they read as given", () => {
    const full = meshConfig({ maxMessageBytes: 192, relaySlots: 6, hopRetriesMax: 4, hopLimit: MESH_CONFIG_DEFAULTS.hopLimit });
    const kept = compactMeshConfig(full, ["maxMessageBytes", "hopRetriesMax", "hopLimit"] as const);
    expect(Object.keys(kept).sort()).toEqual(["hopRetriesMax", "maxMessageBytes"]);
    expect([kept.maxMessageBytes, kept.hopRetriesMax, kept.hopLimit]).toEqual([192, 4, MESH_CONFIG_DEFAULTS.hopLimit]);
    expect(Object.isFrozen(kept)).toBe(true);
  });
});

describe("mesh counters", () => {
  it("MESH_COUNTER_COUNT is the number of counters, numbered 0..count-1 without a gap (a counter past it would be lost)", () => {
    const ids = Object.values(MeshCounterIds).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: MESH_COUNTER_COUNT }, (_, i) => i));
  });
});
