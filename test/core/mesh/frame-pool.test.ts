/**
 * The mesh's one frame store (core/mesh/frame-pool.ts) and the tables that
 * keep their frames in it: entries never overlap, capacity is honoured to
 * the block, a full store refuses (counted) and changes nothing, and the
 * transport's tables refuse or wait exactly as when their own slots are full.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import {
  BROADCAST_NODE_ID,
  FRAME_POOL_BLOCK_BYTES,
  FRAME_POOL_BLOCKS_MAX,
  FragmentHeader,
  FragmentResult,
  FramePool,
  HopAckTable,
  ReassemblyTable,
  LINK_TAG_BYTES,
  LinkClass,
  MeshCounter,
  PendingSends,
  RelayQueue,
  framePoolBlockCount,
  framePoolBlocks,
  meshConfig,
  validateMeshConfig,
} from "../../../core/mesh/index";
import { line, makeNode, payload, settle, step, unwrap, type Node } from "./fixtures";

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_v, i) => (seed * 31 + i * 7) & 0xff);
}

function readBack(pool: FramePool, handle: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  pool.read(handle, 0, out, 0, length);
  return out;
}

describe("frame pool", () => {
  it("refuses a block count outside 1..FRAME_POOL_BLOCKS_MAX with InvalidArgument", () => {
    for (const blocks of [0, -1, 1.5, FRAME_POOL_BLOCKS_MAX + 1]) {
      const made = FramePool.create(blocks);
      expect(made.ok).toBe(false);
      if (!made.ok) expect(made.code).toBe(ErrorCode.InvalidArgument);
    }
    expect(unwrap(FramePool.create(FRAME_POOL_BLOCKS_MAX)).freeBlocks).toBe(FRAME_POOL_BLOCKS_MAX);
  });

  it("keeps entries of every length across block boundaries, reads any range of them, and compares ranges", () => {
    const pool = unwrap(FramePool.create(64));
    const lengths = [0, 1, 31, 32, 33, 64, 65, 255];
    const handles = lengths.map((length, i) => pool.store(bytes(length, i), 0, length));
    expect(handles.every((h) => h >= 0)).toBe(true);
    expect(pool.freeBlocks).toBe(64 - lengths.reduce((sum, length) => sum + framePoolBlocks(length), 0));
    lengths.forEach((length, i) => expect(readBack(pool, handles[i] ?? -1, length)).toEqual(bytes(length, i)));
    // A range in the middle, across a block boundary.
    const out = new Uint8Array(40);
    pool.read(handles[7] ?? -1, 20, out, 0, 40);
    expect(out).toEqual(bytes(255, 7).subarray(20, 60));
    const frame = bytes(255, 7);
    expect(pool.equals(handles[7] ?? -1, 255 - LINK_TAG_BYTES, frame, 255 - LINK_TAG_BYTES, LINK_TAG_BYTES)).toBe(true);
    frame[254] = (frame[254] ?? 0) ^ 1;
    expect(pool.equals(handles[7] ?? -1, 255 - LINK_TAG_BYTES, frame, 255 - LINK_TAG_BYTES, LINK_TAG_BYTES)).toBe(false);
    // Writing at an offset changes only that range.
    pool.write(handles[6] ?? -1, 30, Uint8Array.of(1, 2, 3, 4), 0, 4);
    const expected = bytes(65, 6);
    expected.set([1, 2, 3, 4], 30);
    expect(readBack(pool, handles[6] ?? -1, 65)).toEqual(expected);
  });

  it("a full pool refuses (counted) and every entry it holds stays intact; released blocks serve the next entry", () => {
    const pool = unwrap(FramePool.create(4));
    const a = pool.store(bytes(70, 1), 0, 70); // 3 blocks
    expect(a).toBeGreaterThanOrEqual(0);
    expect(pool.store(bytes(33, 2), 0, 33)).toBe(-1);
    expect(pool.refusedCount).toBe(1);
    expect(pool.freeBlocks).toBe(1);
    expect(readBack(pool, a, 70)).toEqual(bytes(70, 1));
    const b = pool.store(bytes(32, 3), 0, 32);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(pool.freeBlocks).toBe(0);
    pool.release(a);
    expect(pool.freeBlocks).toBe(3);
    const c = pool.store(bytes(96, 4), 0, 96);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(readBack(pool, c, 96)).toEqual(bytes(96, 4));
    expect(readBack(pool, b, 32)).toEqual(bytes(32, 3));
  });

  it("pools of up to 254 blocks (one-byte links) and beyond (two-byte links) chain every block into one entry and back", () => {
    for (const blocks of [1, 80, 254, 255, 1000]) {
      const pool = unwrap(FramePool.create(blocks));
      // Every block chained into one entry, then read back: the links address every block.
      const data = bytes(blocks * FRAME_POOL_BLOCK_BYTES, blocks);
      const handle = pool.store(data, 0, data.length);
      expect(readBack(pool, handle, data.length)).toEqual(data);
      expect(pool.freeBlocks).toBe(0);
      pool.release(handle);
      expect(pool.freeBlocks).toBe(blocks);
    }
  });

  it("entries never overlap: any sequence of stores and releases reads every live entry back intact, and the free count is exact", () => {
    const op = fc.oneof(fc.record({ store: fc.constant(true), length: fc.nat({ max: 3000 }), seed: fc.nat({ max: 255 }) }), fc.record({ store: fc.constant(false), pick: fc.nat() }));
    fc.assert(
      // Small pools (one-byte links) and pools past 254 blocks (two-byte links), each filled to the brim.
      fc.property(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 250, max: 300 })), fc.array(op, { maxLength: 80 }), (blocks, ops) => {
        const pool = unwrap(FramePool.create(blocks));
        const live: { handle: number; data: Uint8Array }[] = [];
        for (const o of ops) {
          if (o.store) {
            const data = bytes(o.length, o.seed);
            const used = live.reduce((sum, e) => sum + framePoolBlocks(e.data.length), 0);
            const handle = pool.store(data, 0, data.length);
            expect(handle >= 0).toBe(used + framePoolBlocks(data.length) <= blocks);
            if (handle >= 0) live.push({ handle, data });
          } else if (live.length > 0) {
            const [gone] = live.splice(o.pick % live.length, 1);
            if (gone !== undefined) pool.release(gone.handle);
          }
          for (const e of live) expect(readBack(pool, e.handle, e.data.length)).toEqual(e.data);
          expect(pool.freeBlocks).toBe(blocks - live.reduce((sum, e) => sum + framePoolBlocks(e.data.length), 0));
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("tables in a shared frame pool", () => {
  it("relays, hop-ack watches and pending sends share one pool; each refuses its newcomer when the pool cannot hold it, keeping what it holds", () => {
    const pool = unwrap(FramePool.create(8)); // 256 bytes
    const relays = unwrap(RelayQueue.create(4, 255, pool));
    const watches = unwrap(HopAckTable.create(4, 255, pool));
    const pending = unwrap(PendingSends.create(4, 200, pool));
    const relayed = bytes(100, 1); // 4 blocks
    expect(relays.schedule(relayed, 100, 7, 1, 2, 1, 50)).toBeGreaterThanOrEqual(0);
    const watched = bytes(90, 2); // 3 blocks
    const w = watches.watch(watched, 90, { source: 7, counter: 2, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 1000, -1, 0);
    expect(w).toBeGreaterThanOrEqual(0);
    expect(pending.acquire(9, 1, bytes(40, 3), 0, 40, 1, 1)).toBe(-ErrorCode.MeshPendingFull);
    expect(relays.schedule(bytes(40, 4), 40, 7, 3, 2, 1, 60)).toBe(-ErrorCode.MeshQueueFull);
    expect(watches.watch(bytes(40, 5), 40, { source: 7, counter: 4, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 1000, -1, 0)).toBe(-ErrorCode.MeshQueueFull);
    expect([relays.size, watches.size, pending.inUse, pool.refusedCount, pool.freeBlocks]).toEqual([1, 1, 0, 3, 1]);
    // A resend of the watched frame keeps its copy (same length: written over it).
    expect(watches.watch(watched, 90, { source: 7, counter: 2, hopsTaken: 0, linkHint: 3, destination: 9, trafficClass: 2 }, 2000, -1, 0)).toBe(w);
    expect(pool.freeBlocks).toBe(1);
    const out = new Uint8Array(255);
    expect(relays.readFrame(0, out)).toBe(100);
    expect(out.subarray(0, 100)).toEqual(relayed);
    expect(watches.readFrame(w, out)).toBe(90);
    expect(out.subarray(0, 90)).toEqual(watched);
    expect(watches.forwardedSlot(7, 2, 1, watched, 90)).toBe(w);
    relays.release(0);
    const slot = pending.acquire(9, 1, bytes(40, 3), 0, 40, 1, 1);
    expect(slot).toBeGreaterThanOrEqual(0);
    pending.read(slot, 5, out, 0, 30);
    expect(out.subarray(0, 30)).toEqual(bytes(40, 3).subarray(5, 35));
    pending.release(slot);
    watches.release(w);
    expect(pool.freeBlocks).toBe(8);
  });

  it("a message being reassembled takes room for all of it at its first fragment; with the pool full a new message is refused (MeshReassemblyFull) and the one in progress completes intact", () => {
    const pool = unwrap(FramePool.create(5));
    const table = unwrap(ReassemblyTable.create({ slots: 3, slotBytes: 200, perSenderMax: 3, timeoutMs: 10_000 }, pool));
    const whole = bytes(120, 8); // 4 blocks, two fragments of 60
    const fragment = (messageId: number, index: number, totalBytes: number): FragmentHeader => Object.assign(new FragmentHeader(), { messageId, index, count: 2, ackRequested: false, totalBytes });
    expect(table.accept(5, 2, fragment(1, 0, 120), whole, 0, 0)).toBe(FragmentResult.Stored);
    expect(pool.freeBlocks).toBe(1);
    expect(table.accept(6, 2, fragment(2, 0, 64), bytes(32, 9), 0, 0)).toBe(-ErrorCode.MeshReassemblyFull); // 2 blocks, 1 free
    expect(table.inUse).toBe(1);
    expect(table.accept(5, 2, fragment(1, 1, 120), whole, 60, 1)).toBe(FragmentResult.Complete);
    const out = new Uint8Array(120);
    table.read(table.completedSlot, 0, out, 0, 120);
    expect(out).toEqual(whole);
    table.release(table.completedSlot);
    expect(pool.freeBlocks).toBe(5);
    expect(table.accept(6, 2, fragment(2, 0, 64), bytes(32, 9), 0, 2)).toBe(FragmentResult.Stored);
    // A timed-out message gives its room back.
    expect(table.expire(20_000)).toBe(1);
    expect(pool.freeBlocks).toBe(5);
  });

  it("without a pool of its own, a table holds every slot's largest frame at once", () => {
    const relays = unwrap(RelayQueue.create(3, 255));
    for (let k = 0; k < 3; k++) expect(relays.schedule(bytes(255, k), 255, 7, k, 2, 1, 10 + k)).toBe(k);
    expect(relays.schedule(bytes(10, 9), 10, 7, 9, 2, 1, 20)).toBe(-ErrorCode.MeshQueueFull);
    const out = new Uint8Array(255);
    for (let k = 0; k < 3; k++) {
      expect(relays.readFrame(k, out)).toBe(255);
      expect(out).toEqual(bytes(255, k));
    }
  });
});

describe("the transport's frame store", () => {
  it("0 sizes the store for every slot's largest frame and every queue's smallest records; a set size is validated: a multiple of 32 holding a largest message", () => {
    const c = meshConfig({ maxMessageBytes: 200, relaySlots: 6, hopAckSlots: 8, pendingAckSlots: 10 });
    // Relays and watches: MTU frames (8 blocks); pending and reassembly: largest messages (7); each class's stage: a
    // largest message with its queue record's meta and entry header (217 bytes, 7 blocks).
    const tables = 14 * 8 + (10 + 4) * 7 + 3 * 7;
    // Each queue: n smallest records within its budget (record + length prefix each), and at most one block more
    // each than their bytes with entry headers: n + ceil((4n + budget) / 32). Class queues: a 13-byte reference
    // (1-byte prefix); the inbox: 3 bytes of meta (1-byte prefix); control: 3 bytes (2-byte prefix: its largest
    // record is an MTU frame's payload and meta, 258 bytes); held frames: a smallest frame (24 bytes) and 4 of meta
    // (2-byte prefix: an MTU frame and its meta, 259 bytes).
    const queue = (budget: number, cost: number, header = 4): number => {
      const n = Math.floor(budget / cost);
      return n + Math.ceil((header * n + budget) / 32);
    };
    const queues = queue(1024, 14) + queue(2048, 14) + queue(4096 + 64, 14) + queue(8192, 4) + queue(512, 5) + queue(1024, 30);
    expect(framePoolBlockCount(c, 255)).toBe(tables + queues);
    expect(framePoolBlockCount(meshConfig({ frameStoreBytes: 2048 }), 255)).toBe(2048 / FRAME_POOL_BLOCK_BYTES);
    expect(validateMeshConfig(meshConfig({ maxMessageBytes: 200, frameStoreBytes: 224 }))).toEqual([]);
    for (const frameStoreBytes of [100, 192, -32, 1.5, (FRAME_POOL_BLOCKS_MAX + 1) * FRAME_POOL_BLOCK_BYTES]) {
      expect(validateMeshConfig(meshConfig({ maxMessageBytes: 200, frameStoreBytes }))).toEqual([`frameStoreBytes: must be 0, or a multiple of 32 in maxMessageBytes..${FRAME_POOL_BLOCKS_MAX * FRAME_POOL_BLOCK_BYTES}`]);
    }
  });

  it("a store smaller than one MTU frame is refused at create", () => {
    expect(() => makeNode(1, { config: { maxMessageBytes: 200, frameStoreBytes: 224 } })).toThrow();
    expect(makeNode(1, { config: { maxMessageBytes: 200, frameStoreBytes: 256 } }).transport.frameStore.blockCount).toBe(8);
  });

  it("with the store full, an acknowledged send is refused (MeshPendingFull) and an inline message its queue would take is refused (MeshQueueFull), counted; once the store has room it goes", () => {
    const config = { maxMessageBytes: 200, frameStoreBytes: 256 };
    const [a, b] = [makeNode(1, { config }), makeNode(2, { config })] as [Node, Node];
    const alert = payload(200, 3);
    const telemetry = payload(100, 4);
    // The pending copy takes 7 of 8 blocks, its reference in the alert queue (13 bytes of meta, 4 of entry header) the 8th.
    expect(a.transport.send(2, LinkClass.Alert, alert, 0, 200, true, 41)).toBe(ErrorCode.Ok);
    expect(a.transport.frameStore.freeBlocks).toBe(0);
    expect(a.transport.send(2, LinkClass.Alert, alert, 0, 10, true, 42)).toBe(ErrorCode.MeshPendingFull);
    expect(a.transport.counters.get(MeshCounter.sendRefusedPendingFull)).toBe(1);
    expect(a.transport.pendingCount).toBe(1);
    const refusedBefore = a.transport.frameStore.refusedCount;
    expect(a.transport.send(BROADCAST_NODE_ID, LinkClass.Telemetry, telemetry, 0, 100, false, 0)).toBe(ErrorCode.MeshQueueFull);
    expect(a.transport.counters.get(MeshCounter.sendRefusedQueueFull)).toBe(1);
    expect(a.transport.frameStore.refusedCount).toBe(refusedBefore + 1);
    expect(a.transport.queuedMessages(LinkClass.Telemetry)).toBe(0);
    settle([a, b], line(1, 2), 0, 30_000);
    expect(a.outcomes).toEqual([{ destination: 2, messageId: 41, status: ErrorCode.Ok }]);
    expect(a.transport.frameStore.freeBlocks).toBe(8);
    // The store has room again: the same message goes.
    expect(a.transport.send(BROADCAST_NODE_ID, LinkClass.Telemetry, telemetry, 0, 100, false, 0)).toBe(ErrorCode.Ok);
    settle([a, b], line(1, 2), 30_000, 60_000);
    expect(a.transport.queuedMessages(LinkClass.Telemetry)).toBe(0);
    expect(b.delivered.map((d) => [...d.bytes])).toEqual([[...alert], [...telemetry]]);
    expect(a.transport.frameStore.freeBlocks).toBe(8);
    expect(b.transport.frameStore.freeBlocks).toBe(8);
  });
});
