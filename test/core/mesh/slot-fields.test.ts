/**
 * The mesh tables that keep every slot's fields in one DataView
 * (core/mesh/slot-fields.ts: pending sends, hop-ack watches, reassembly,
 * relays): fields of different slots never overlap, every field reads back
 * what was written at its full range (u16 ids, u32 counters, f64 times,
 * -1 owners), and the capacity is honoured exactly (the slot after the
 * last is refused).
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { FRAGMENT_COUNT_MAX, FragmentHeader, FragmentResult, FramePool, HopAckTable, PendingSends, ReassemblyTable, RelayQueue } from "../../../core/mesh/index";
import { unwrap } from "./fixtures";

const frame = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_v, i) => (seed * 13 + i * 5 + 1) & 0xff);
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const timeMs = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe("tables with one DataView of slots", () => {
  it("pending sends: every slot keeps its own fields and resend bits; one slot more is refused", () => {
    const entry = fc.record({ destination: u16, cls: fc.integer({ min: 0, max: 2 }), callerId: fc.double({ noNaN: true }), messageId: u16, nowMs: timeMs, deadlineMs: timeMs, routed: fc.boolean(), resend: fc.integer({ min: 0, max: FRAGMENT_COUNT_MAX - 1 }) });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 12 }), (entries) => {
        const pending = unwrap(PendingSends.create(entries.length, 64, unwrap(FramePool.create(entries.length * 2))));
        entries.forEach((e, k) => {
          expect(pending.acquire(e.destination, e.cls, frame(40, k), 0, 40, e.callerId, e.messageId)).toBe(k);
          pending.arm(k, e.deadlineMs, e.routed, true);
          const bitmap = new Uint8Array(16);
          bitmap[e.resend >>> 3] = 1 << (e.resend & 7);
          expect(pending.markResend(k, bitmap, 0, FRAGMENT_COUNT_MAX)).toBe(1);
        });
        expect(pending.acquire(1, 0, frame(4, 0), 0, 4, 0, 0)).toBe(-ErrorCode.MeshPendingFull);
        entries.forEach((e, k) => {
          expect([pending.destinationAt(k), pending.classAt(k), pending.callerIdAt(k), pending.messageIdAt(k)]).toEqual([e.destination, e.cls, e.callerId, e.messageId]);
          expect([pending.deadlineAt(k), pending.routedAt(k), pending.attemptsAt(k), pending.lengthAt(k)]).toEqual([e.deadlineMs, e.routed, 1, 40]);
          const out = new Uint8Array(40);
          pending.read(k, 0, out, 0, 40);
          expect(out).toEqual(frame(40, k));
          expect(pending.takeResend(k)).toBe(e.resend);
          expect(pending.hasResend(k)).toBe(false);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("hop-ack watches: every slot keeps its own fields; one slot more is refused", () => {
    const entry = fc.record({ source: u16, counter: u32, hops: fc.integer({ min: 0, max: 7 }), nextHop: fc.integer({ min: 0, max: 255 }), destination: u16, cls: fc.integer({ min: 0, max: 2 }), deadlineMs: timeMs, ownerSlot: fc.integer({ min: -1, max: 255 }), ownerId: u16 });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { minLength: 1, maxLength: 10, selector: (e) => `${e.source}/${e.counter}` }), (entries) => {
        const table = unwrap(HopAckTable.create(entries.length, 64, unwrap(FramePool.create(entries.length * 2))));
        entries.forEach((e, k) => {
          expect(table.watch(frame(50, k), 50, { source: e.source, counter: e.counter, hopsTaken: e.hops, linkHint: e.nextHop, destination: e.destination, trafficClass: e.cls }, e.deadlineMs, e.ownerSlot, e.ownerId)).toBe(k);
        });
        let other = 0;
        while (entries.some((e) => e.source === 1 && e.counter === other)) other++;
        expect(table.watch(frame(50, 99), 50, { source: 1, counter: other, hopsTaken: 0, linkHint: 0, destination: 0, trafficClass: 0 }, 0, -1, 0)).toBe(-ErrorCode.MeshQueueFull);
        entries.forEach((e, k) => {
          expect(table.find(e.source, e.counter)).toBe(k);
          expect([table.sourceAt(k), table.counterAt(k), table.nextHopAt(k), table.destinationAt(k), table.deadlineAt(k), table.ownerSlotAt(k), table.ownerIdAt(k), table.sendsAt(k), table.lengthAt(k)]).toEqual([
            e.source,
            e.counter,
            e.nextHop,
            e.destination,
            e.deadlineMs,
            e.ownerSlot,
            e.ownerId,
            1,
            50,
          ]);
          const out = new Uint8Array(50);
          expect(table.readFrame(k, out)).toBe(50);
          expect(out).toEqual(frame(50, k));
        });
      }),
      { numRuns: 100 },
    );
  });

  it("reassembly: every slot keeps its own fields and fragment bitmap; one message more is refused", () => {
    const entry = fc.record({ source: u16, messageId: u16, count: fc.integer({ min: 2, max: FRAGMENT_COUNT_MAX }), cls: fc.integer({ min: 0, max: 2 }), nowMs: fc.integer({ min: 0, max: 1000 }), ack: fc.boolean() });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { minLength: 1, maxLength: 8, selector: (e) => e.source }), (entries) => {
        const table = unwrap(ReassemblyTable.create({ slots: entries.length, slotBytes: 200, perSenderMax: 1, timeoutMs: 1_000_000 }, unwrap(FramePool.create(entries.length * 7))));
        const f = new FragmentHeader();
        entries.forEach((e, k) => {
          Object.assign(f, { messageId: e.messageId, index: e.count - 1, count: e.count, ackRequested: e.ack, totalBytes: 200 });
          expect(table.accept(e.source, e.cls, f, frame(200, k), 0, e.nowMs)).toBe(FragmentResult.Stored);
        });
        Object.assign(f, { messageId: 1, index: 0, count: 2, ackRequested: false, totalBytes: 200 });
        let other = 0;
        while (entries.some((e) => e.source === other)) other++;
        expect(table.accept(other, 0, f, frame(200, 0), 0, 0)).toBe(-ErrorCode.MeshReassemblyFull);
        entries.forEach((e, k) => {
          expect(table.find(e.source, e.messageId)).toBe(k);
          expect([table.sourceAt(k), table.messageIdAt(k), table.countAt(k), table.receivedAt(k), table.trafficClassAt(k), table.ackRequestedAt(k), table.lastFragmentMsAt(k), table.totalBytesAt(k)]).toEqual([e.source, e.messageId, e.count, 1, e.cls, e.ack, e.nowMs, 200]);
          const missing = new Uint8Array(16);
          const bytes = table.writeMissing(k, missing, 0);
          expect(bytes).toBe((e.count + 7) >>> 3);
          // Every fragment but the last one received is missing.
          for (let i = 0; i < e.count; i++) expect(((missing[i >>> 3] ?? 0) >>> (i & 7)) & 1).toBe(i === e.count - 1 ? 0 : 1);
        });
        expect(table.checkInvariants()).toBe(ErrorCode.Ok);
      }),
      { numRuns: 100 },
    );
  });

  it("relays: every slot keeps its own fields, in deadline order; one relay more is refused", () => {
    const entry = fc.record({ source: u16, counter: u32, cls: fc.integer({ min: 0, max: 2 }), hops: fc.integer({ min: 0, max: 7 }), deadlineMs: timeMs });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { minLength: 1, maxLength: 10, selector: (e) => `${e.source}/${e.counter}` }), (entries) => {
        const relays = unwrap(RelayQueue.create(entries.length, 64, unwrap(FramePool.create(entries.length * 2))));
        entries.forEach((e, k) => expect(relays.schedule(frame(60, k), 60, e.source, e.counter, e.cls, e.hops, e.deadlineMs)).toBe(k));
        expect(relays.schedule(frame(60, 0), 60, 1, 1, 0, 0, 0)).toBe(-ErrorCode.MeshQueueFull);
        entries.forEach((e, k) => {
          expect(relays.has(e.source, e.counter)).toBe(true);
          const out = new Uint8Array(60);
          expect(relays.readFrame(k, out)).toBe(60);
          expect(out).toEqual(frame(60, k));
        });
        expect(relays.nextDeadlineMs()).toBe(Math.min(...entries.map((e) => e.deadlineMs)));
      }),
      { numRuns: 100 },
    );
  });
});
