/**
 * The frame-store accounting the transport's invariants rest on
 * (core/mesh/transport-invariants.ts): FramePool.entryBlocks follows an
 * entry's chain, and each table's blocksHeld sums its entries' blocks, or
 * reports -1 when its own bookkeeping disagrees with its entries.
 */
import { describe, expect, it } from "vitest";
import { FRAME_POOL_BLOCK_BYTES, FramePool } from "../../../core/mesh/frame-pool";
import { HopAckTable } from "../../../core/mesh/hop-acks";
import { PendingSends } from "../../../core/mesh/pending-sends";
import { RecordQueues } from "../../../core/mesh/record-queues";
import { RelayQueue } from "../../../core/mesh/relay-queue";
import { unwrap } from "./fixtures";

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_v, i) => i & 0xff);

describe("frame-store accounting", () => {
  it("entryBlocks is the blocks an entry's chain holds, and -1 for a handle out of range", () => {
    const pool = unwrap(FramePool.create(16));
    const one = pool.store(bytes(FRAME_POOL_BLOCK_BYTES), 0, FRAME_POOL_BLOCK_BYTES);
    const three = pool.store(bytes(2 * FRAME_POOL_BLOCK_BYTES + 1), 0, 2 * FRAME_POOL_BLOCK_BYTES + 1);
    expect(pool.entryBlocks(one)).toBe(1);
    expect(pool.entryBlocks(three)).toBe(3);
    expect(pool.blockCount - pool.freeBlocks).toBe(4);
    expect(pool.entryBlocks(16)).toBe(-1);
    expect(pool.entryBlocks(-1)).toBe(-1);
  });

  it("relay, hop-ack and pending tables sum their entries' blocks, which account for every block taken", () => {
    const pool = unwrap(FramePool.create(64));
    const relays = unwrap(RelayQueue.create(4, 100, pool));
    const watches = unwrap(HopAckTable.create(4, 100, pool));
    const pending = unwrap(PendingSends.create(4, 200, pool));
    expect(relays.schedule(bytes(40), 40, 7, 1, 1, 1, 100)).toBeGreaterThanOrEqual(0);
    expect(relays.schedule(bytes(90), 90, 7, 2, 1, 1, 100)).toBeGreaterThanOrEqual(0);
    expect(watches.watch(bytes(50), 50, { source: 7, counter: 3, hopsTaken: 0, linkHint: 2, destination: 9, trafficClass: 1 }, 100, -1, 0)).toBeGreaterThanOrEqual(0);
    expect(pending.acquire(9, 1, bytes(150), 0, 150, 1, 1)).toBeGreaterThanOrEqual(0);
    expect([relays.blocksHeld(), watches.blocksHeld(), pending.blocksHeld()]).toEqual([2 + 3, 2, 5]);
    expect(relays.blocksHeld() + watches.blocksHeld() + pending.blocksHeld()).toBe(pool.blockCount - pool.freeBlocks);
    relays.release(0);
    expect(relays.blocksHeld()).toBe(3);
  });

  it("the record queues sum their records' entries, and report -1 when a record's length disagrees with the budget counted", () => {
    const pool = unwrap(FramePool.create(32));
    const queues = unwrap(
      RecordQueues.create(pool, [
        { budgetBytes: 200, maxRecordBytes: 100 },
        { budgetBytes: 200, maxRecordBytes: 100 },
      ]),
    );
    const first = queues.append(0, 10);
    const second = queues.append(0, 60);
    expect(queues.append(1, 1)).toBeGreaterThanOrEqual(0);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).toBeGreaterThanOrEqual(0);
    // Entries: a 4-byte header and the record: 14 B (1 block), 64 B (2 blocks), 5 B (1 block).
    expect(queues.blocksHeld()).toBe(4);
    expect(queues.blocksHeld()).toBe(pool.blockCount - pool.freeBlocks);
    expect(queues.next(first)).toBe(second);
    expect(queues.next(second)).toBe(-1);
    pool.writeByte(second, 3, 59);
    expect(queues.blocksHeld()).toBe(-1);
  });
});
