/**
 * The pending-send table's outcome batch (core/mesh/pending-sends.ts):
 * an ended send keeps its slot, destination, caller id and status until
 * the caller drains the batch, in the order the sends ended, and the
 * transport never reuses that slot before then.
 */
import { describe, expect, it } from "vitest";
import { PendingSends } from "../../../core/mesh/pending-sends";
import { ErrorCode } from "../../../core/runtime/errors";
import type { MessageId, NodeId } from "../../../core/runtime/ids";
import { makeNode, step, takeOutcomes } from "./fixtures";

function table(slots: number): PendingSends {
  const made = PendingSends.create(slots, 32);
  if (!made.ok) throw new Error(`create ${made.code}`);
  return made.value;
}

function acquire(pending: PendingSends, destination: number, callerId: number): number {
  const slot = pending.acquire(destination, 1, new Uint8Array(8), 0, 8, callerId, callerId & 0xffff);
  if (slot < 0) throw new Error(`acquire ${-slot}`);
  return slot;
}

describe("PendingSends outcome batch", () => {
  it("holds outcomes in the order the sends ended, each with its destination, caller id and status", () => {
    const pending = table(4);
    const a = acquire(pending, 10, 100);
    const b = acquire(pending, 11, 101);
    const c = acquire(pending, 12, 102);
    expect(pending.finish(c, ErrorCode.MeshAckTimeout)).toBe(true);
    expect(pending.finish(a, ErrorCode.Ok)).toBe(true);
    expect(pending.outcomeCount).toBe(2);
    const seen = [0, 1].map((i) => {
      const slot = pending.outcomeSlot(i);
      return [pending.destinationAt(slot), pending.callerIdAt(slot), pending.statusAt(slot)];
    });
    expect(seen).toEqual([
      [12, 102, ErrorCode.MeshAckTimeout],
      [10, 100, ErrorCode.Ok],
    ]);
    expect(pending.outcomeSlot(2)).toBe(-1);
    expect(pending.outcomeSlot(-1)).toBe(-1);
    // The ended sends are no longer in flight, the other one is.
    expect([pending.isInUse(a), pending.isInUse(b), pending.isInUse(c)]).toEqual([false, true, false]);
    expect(pending.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("does not reuse a finished slot before the drain, and frees every one at the drain", () => {
    const pending = table(2);
    const a = acquire(pending, 10, 1);
    const b = acquire(pending, 11, 2);
    pending.finish(a, ErrorCode.Ok);
    pending.finish(b, ErrorCode.MeshQueueFull);
    // Both slots hold outcomes: a new send is refused, not given a slot whose outcome is still unread.
    expect(pending.acquire(13, 1, new Uint8Array(4), 0, 4, 3, 3)).toBe(-ErrorCode.MeshPendingFull);
    expect([pending.outcomeCount, pending.inUse]).toEqual([2, 2]);
    pending.drainOutcomes();
    expect([pending.outcomeCount, pending.inUse]).toEqual([0, 0]);
    expect(acquire(pending, 13, 3)).toBeGreaterThanOrEqual(0);
    expect(pending.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("finishes a slot once: a second finish, or finishing a free slot, changes nothing", () => {
    const pending = table(2);
    const a = acquire(pending, 10, 1);
    expect(pending.finish(a, ErrorCode.Ok)).toBe(true);
    expect(pending.finish(a, ErrorCode.MeshAckTimeout)).toBe(false);
    expect(pending.finish(1, ErrorCode.Ok)).toBe(false);
    expect(pending.outcomeCount).toBe(1);
    expect(pending.statusAt(pending.outcomeSlot(0))).toBe(ErrorCode.Ok);
    // release is for a send refused before it was accepted: it has no outcome, and does not touch a finished slot.
    pending.release(a);
    expect([pending.outcomeCount, pending.inUse]).toEqual([1, 1]);
  });

  it("checkInvariants reports a slot in an unknown state and a batch place outside the batch", () => {
    const pending = table(2);
    const a = acquire(pending, 10, 1);
    pending.finish(a, ErrorCode.Ok);
    expect(pending.checkInvariants()).toBe(ErrorCode.Ok);
    // Reach into the table's storage as a stray write would (F_USED is byte 0 of the slot, F_FINISHED the u32 at 32).
    const view = (pending as unknown as { view: DataView }).view;
    view.setUint32(32, 5);
    expect(pending.checkInvariants()).toBe(ErrorCode.InvariantViolated);
    view.setUint32(32, 0);
    expect(pending.checkInvariants()).toBe(ErrorCode.Ok);
    view.setUint8(0, 7);
    expect(pending.checkInvariants()).toBe(ErrorCode.InvariantViolated);
  });
});

describe("MeshTransport outcome batch", () => {
  it("a full class queue that drops its oldest acknowledged message reports it in the batch, not from inside send", () => {
    // Room for one queued acknowledged message (a 13-byte reference record) in the telemetry class, oldest dropped when full.
    const node = makeNode(1, { config: { queueCapacityBytes: [1024, 2048, 16], queueDropOldest: [false, false, true], pendingAckSlots: 4 } });
    const transport = node.transport;
    expect(transport.send(7 as NodeId, 2, new Uint8Array(4), 0, 4, true, 1 as MessageId)).toBe(ErrorCode.Ok);
    // The second send pushes the first out of the one-record queue: its outcome is in the batch when send returns.
    expect(transport.send(7 as NodeId, 2, new Uint8Array(4), 0, 4, true, 2 as MessageId)).toBe(ErrorCode.Ok);
    expect(transport.outcomeCount).toBe(1);
    expect([transport.outcomeDestination(0), transport.outcomeMessageId(0), transport.outcomeStatus(0)]).toEqual([7, 1, ErrorCode.MeshQueueFull]);
    expect(transport.pendingCount).toBe(1);
    takeOutcomes(node);
    expect(node.outcomes).toEqual([{ destination: 7, messageId: 1, status: ErrorCode.MeshQueueFull }]);
    expect(transport.outcomeCount).toBe(0);
    // The freed slot takes the next send.
    expect(transport.send(7 as NodeId, 2, new Uint8Array(4), 0, 4, true, 3 as MessageId)).toBe(ErrorCode.Ok);
    expect(transport.outcomeCount).toBe(1);
    expect(transport.outcomeMessageId(0)).toBe(2);
    step(node, 0);
    expect(node.outcomes.map((o) => o.messageId)).toEqual([1, 2]);
  });
});
