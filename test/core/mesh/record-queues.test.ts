/**
 * The transport's record queues (core/mesh/record-queues.ts): FIFO queues of
 * byte records kept in the frame store. Each queue admits and refuses
 * exactly what a ByteRing of its budget would (the rings they replace);
 * records of different queues never overlap; a record the store cannot hold
 * is refused (counted by the store) and changes nothing; the frame store's
 * automatic size holds every queue filled with its smallest records.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteRing } from "../../../core/collections/byte-ring";
import { FullPolicy } from "../../../core/collections/full-policy";
import { ErrorCode } from "../../../core/runtime/errors";
import { FRAME_POOL_BLOCK_BYTES, FramePool } from "../../../core/mesh/frame-pool";
import { RECORD_ENTRY_HEADER_BYTES, RecordQueues, recordQueueBlocksMax, type RecordQueueLimits } from "../../../core/mesh/record-queues";
import { unwrap } from "./fixtures";

function record(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_v, i) => (seed * 29 + i * 11 + 3) & 0xff);
}

function push(queues: RecordQueues, queue: number, bytes: Uint8Array): number {
  const handle = queues.append(queue, bytes.length);
  if (handle >= 0) queues.write(handle, 0, bytes, 0, bytes.length);
  return handle;
}

function shift(queues: RecordQueues, queue: number): Uint8Array | undefined {
  const handle = queues.head(queue);
  if (handle < 0) return undefined;
  const out = new Uint8Array(queues.recordLength(handle));
  queues.read(handle, 0, out, 0, out.length);
  queues.shift(queue);
  return out;
}

describe("record queues in the frame store", () => {
  it("refuses limits a ByteRing would refuse (InvalidArgument)", () => {
    const pool = unwrap(FramePool.create(8));
    for (const limits of [[], [{ budgetBytes: 10, maxRecordBytes: 10 }], [{ budgetBytes: 300, maxRecordBytes: 299 }], [{ budgetBytes: 64, maxRecordBytes: -1 }], [{ budgetBytes: 1.5, maxRecordBytes: 0 }]]) {
      const made = RecordQueues.create(pool, limits);
      expect(made.ok ? ErrorCode.Ok : made.code).toBe(ErrorCode.InvalidArgument);
    }
    expect(RecordQueues.create(pool, [{ budgetBytes: 11, maxRecordBytes: 10 }, { budgetBytes: 302, maxRecordBytes: 300 }]).ok).toBe(true);
  });

  it("each queue admits, refuses and returns exactly what a ByteRing of its budget would, in order", () => {
    const limitsArb = fc.array(
      fc.integer({ min: 0, max: 300 }).chain((maxRecordBytes) => fc.integer({ min: maxRecordBytes + (maxRecordBytes > 255 ? 2 : 1), max: 700 }).map((budgetBytes) => ({ budgetBytes, maxRecordBytes }))),
      { minLength: 1, maxLength: 4 },
    );
    const op = fc.record({ queue: fc.nat({ max: 3 }), push: fc.boolean(), length: fc.nat({ max: 320 }), seed: fc.nat({ max: 255 }) });
    fc.assert(
      fc.property(limitsArb, fc.array(op, { maxLength: 120 }), (limits: RecordQueueLimits[], ops) => {
        // A store large enough for every budget at once: only the budgets refuse.
        const blocks = limits.reduce((sum, l) => sum + recordQueueBlocksMax(l, 0, FRAME_POOL_BLOCK_BYTES), 0);
        const pool = unwrap(FramePool.create(blocks));
        const queues = unwrap(RecordQueues.create(pool, limits));
        const rings = limits.map((l) => unwrap(ByteRing.create(l.budgetBytes, l.maxRecordBytes, FullPolicy.RefuseNewest)));
        for (const o of ops) {
          const q = o.queue % limits.length;
          const ring = rings[q] as ByteRing;
          if (o.push) {
            const bytes = record(o.length, o.seed);
            const expected = ring.push(bytes, 0, bytes.length);
            const handle = push(queues, q, bytes);
            expect(handle >= 0 ? ErrorCode.Ok : -handle).toBe(expected);
          } else {
            const out = new Uint8Array(400);
            const expected = ring.shiftInto(out, 0);
            const got = shift(queues, q);
            expect(got === undefined ? -ErrorCode.Empty : got.length).toBe(expected);
            if (got !== undefined) expect([...got]).toEqual([...out.subarray(0, expected)]);
          }
          expect([queues.count(q), queues.bytesUsed(q)]).toEqual([ring.count, ring.bytesUsed]);
        }
        expect(pool.refusedCount).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it("records of different queues never overlap: interleaved pushes and shifts read back intact; emptied queues give every block back", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ queue: fc.nat({ max: 2 }), push: fc.boolean(), length: fc.nat({ max: 90 }), seed: fc.nat({ max: 255 }) }), { maxLength: 150 }), (ops) => {
        const pool = unwrap(FramePool.create(40));
        const queues = unwrap(RecordQueues.create(pool, [{ budgetBytes: 400, maxRecordBytes: 100 }, { budgetBytes: 400, maxRecordBytes: 100 }, { budgetBytes: 400, maxRecordBytes: 100 }]));
        const model: Uint8Array[][] = [[], [], []];
        for (const o of ops) {
          const m = model[o.queue] as Uint8Array[];
          if (o.push) {
            const bytes = record(o.length, o.seed);
            if (push(queues, o.queue, bytes) >= 0) m.push(bytes);
          } else {
            const got = shift(queues, o.queue);
            const want = m.shift();
            expect(got === undefined ? undefined : [...got]).toEqual(want === undefined ? undefined : [...want]);
          }
        }
        for (let q = 0; q < 3; q++) {
          for (const want of model[q] as Uint8Array[]) expect([...(shift(queues, q) ?? [])]).toEqual([...want]);
          expect(queues.count(q)).toBe(0);
          expect(queues.bytesUsed(q)).toBe(0);
        }
        expect(pool.freeBlocks).toBe(40);
      }),
      { numRuns: 150 },
    );
  });

  it("a record the store cannot hold is refused (Full, counted by the store) and changes nothing", () => {
    const pool = unwrap(FramePool.create(4));
    const queues = unwrap(RecordQueues.create(pool, [{ budgetBytes: 1000, maxRecordBytes: 200 }, { budgetBytes: 1000, maxRecordBytes: 200 }]));
    const first = record(60, 1); // 64 bytes with the entry header: 2 blocks
    expect(push(queues, 0, first)).toBeGreaterThanOrEqual(0);
    expect(push(queues, 1, record(61, 2))).toBe(-ErrorCode.Full); // 65 bytes: 3 blocks, 2 free
    expect(pool.refusedCount).toBe(1);
    expect([queues.count(1), queues.bytesUsed(1), queues.head(1), pool.freeBlocks]).toEqual([0, 0, -1, 2]);
    expect(push(queues, 1, record(60, 3))).toBeGreaterThanOrEqual(0);
    expect([...(shift(queues, 0) ?? [])]).toEqual([...first]);
    expect([...(shift(queues, 1) ?? [])]).toEqual([...record(60, 3)]);
    expect(pool.freeBlocks).toBe(4);
  });

  it("a detached record keeps its store entry until released; the queue moves on", () => {
    const pool = unwrap(FramePool.create(8));
    const queues = unwrap(RecordQueues.create(pool, [{ budgetBytes: 300, maxRecordBytes: 100 }]));
    push(queues, 0, record(40, 1));
    push(queues, 0, record(20, 2));
    const handle = queues.detach(0);
    expect([queues.count(0), queues.bytesUsed(0)]).toEqual([1, 21]);
    const out = new Uint8Array(40);
    pool.read(handle, RECORD_ENTRY_HEADER_BYTES, out, 0, 40);
    expect([...out]).toEqual([...record(40, 1)]);
    expect(pool.freeBlocks).toBe(8 - 2 - 1);
    pool.release(handle);
    expect([...(shift(queues, 0) ?? [])]).toEqual([...record(20, 2)]);
    expect(queues.detach(0)).toBe(-1);
    expect(pool.freeBlocks).toBe(8);
  });

  it("recordQueueBlocksMax bounds what a queue full of its smallest (or any) records takes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2000 }), fc.nat(), (minRecordBytes, extra, budgetExtra, seed) => {
        const maxRecordBytes = minRecordBytes + extra;
        const limits = { budgetBytes: maxRecordBytes + 2 + budgetExtra, maxRecordBytes };
        const bound = recordQueueBlocksMax(limits, minRecordBytes, FRAME_POOL_BLOCK_BYTES);
        const pool = unwrap(FramePool.create(bound));
        const queues = unwrap(RecordQueues.create(pool, [limits]));
        let s = seed;
        // Records of lengths in [min, max] until the budget refuses even the smallest.
        for (let guard = 0; guard < 10_000; guard++) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const length = guard % 2 === 0 ? minRecordBytes : minRecordBytes + (s % (extra + 1));
          if (push(queues, 0, record(length, guard)) < 0 && push(queues, 0, record(minRecordBytes, guard)) < 0) break;
        }
        expect(pool.refusedCount).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
