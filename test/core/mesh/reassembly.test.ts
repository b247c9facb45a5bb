/**
 * Fragmentation and reassembly (README "Mesh transport": fragmentation): fixed slots, timeout, caps
 * per sender and overall, NACK bitmaps, and floods that cannot starve others.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import {
  FRAGMENT_HEADER_BYTES,
  FragmentHeader,
  FragmentResult,
  ReassemblyTable,
  fragmentChunkBytes,
  fragmentCount,
  fragmentOffset,
  parseFragmentHeader,
  writeFragmentHeader,
} from "../../../core/mesh/index";
import { unwrap } from "./fixtures";

function table(slots = 4, perSenderMax = 2, timeoutMs = 1000, slotBytes = 4096): ReassemblyTable {
  return unwrap(ReassemblyTable.create({ slots, slotBytes, perSenderMax, timeoutMs }));
}

/** The fragments of `message` (count for at most `chunk` bytes each) as (header, chunk bytes). */
function split(message: Uint8Array, chunk: number, messageId: number, ack = false): { header: FragmentHeader; bytes: Uint8Array }[] {
  const count = fragmentCount(message.length, chunk);
  const out: { header: FragmentHeader; bytes: Uint8Array }[] = [];
  for (let index = 0; index < count; index++) {
    const header = Object.assign(new FragmentHeader(), { messageId, index, count, ackRequested: ack, totalBytes: message.length });
    const offset = fragmentOffset(message.length, count, index);
    out.push({ header, bytes: message.slice(offset, offset + fragmentChunkBytes(message.length, count, index)) });
  }
  return out;
}

function message(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_v, i) => (i * 31 + seed) & 0xff);
}

describe("fragment header", () => {
  it("a 3.7 KB certificate + key crosses 222-byte LoRa frames in 20 fragments whose sizes add up exactly", () => {
    const chunk = 222 - 26 - FRAGMENT_HEADER_BYTES;
    const count = fragmentCount(3700, chunk);
    expect(count).toBe(20);
    let total = 0;
    for (let i = 0; i < count; i++) {
      expect(fragmentOffset(3700, count, i)).toBe(total);
      total += fragmentChunkBytes(3700, count, i);
      expect(fragmentChunkBytes(3700, count, i)).toBeLessThanOrEqual(chunk);
    }
    expect(total).toBe(3700);
  });

  it("round-trips, and refuses inconsistent headers with MeshFragmentInvalid", () => {
    const plain = new Uint8Array(64);
    const h = Object.assign(new FragmentHeader(), { messageId: 0xbeef, index: 2, count: 3, ackRequested: true, totalBytes: 100 });
    writeFragmentHeader(h, plain, 0);
    const out = new FragmentHeader();
    expect(parseFragmentHeader(plain, FRAGMENT_HEADER_BYTES + fragmentChunkBytes(100, 3, 2), out)).toBe(ErrorCode.Ok);
    expect({ ...out }).toEqual({ ...h });
    expect(parseFragmentHeader(plain, FRAGMENT_HEADER_BYTES + 5, out)).toBe(ErrorCode.MeshFragmentInvalid); // wrong chunk length
    expect(parseFragmentHeader(plain, 3, out)).toBe(ErrorCode.MeshFrameTruncated);
    for (const bad of [
      { index: 3, count: 3 },
      { index: 0, count: 0 },
      { index: 0, count: 6, totalBytes: 10 }, // a split no sender makes: last chunk empty
      { index: 0, count: 5, totalBytes: 4 },
    ]) {
      const hh = Object.assign(new FragmentHeader(), { messageId: 1, ackRequested: false, totalBytes: 100 }, bad);
      writeFragmentHeader(hh, plain, 0);
      expect(parseFragmentHeader(plain, FRAGMENT_HEADER_BYTES + 2, out), JSON.stringify(bad)).toBe(ErrorCode.MeshFragmentInvalid);
    }
  });
});

describe("reassembly into fixed slots", () => {
  it("reassembles a message from fragments in any order, ignoring duplicates", () => {
    const t = table();
    const m = message(1000);
    const parts = split(m, 100, 7);
    const order = [3, 0, 9, 3, 5, 1, 2, 8, 4, 6, 7];
    let result = -1;
    for (const i of order) {
      const part = parts[i];
      if (part === undefined) continue;
      result = t.accept(5, 2, part.header, part.bytes, 0, 10);
      if (i === 3 && result === FragmentResult.Duplicate) continue;
    }
    expect(result).toBe(FragmentResult.Complete);
    const slot = t.completedSlot;
    const out = new Uint8Array(1000);
    t.read(slot, 0, out, 0, 1000);
    expect(out).toEqual(m);
    expect(t.checkInvariants()).toBe(ErrorCode.Ok);
    t.release(slot);
    expect(t.inUse).toBe(0);
  });

  it("a sender holds at most its share of slots: the next message is MeshReassemblySenderCap, others still get slots", () => {
    const t = table(4, 2);
    for (let id = 0; id < 2; id++) expect(t.accept(5, 2, split(message(300), 100, id)[0]?.header ?? new FragmentHeader(), new Uint8Array(100), 0, 0)).toBe(FragmentResult.Stored);
    const third = split(message(300), 100, 99)[0];
    expect(t.accept(5, 2, third?.header ?? new FragmentHeader(), third?.bytes ?? new Uint8Array(0), 0, 0)).toBe(-ErrorCode.MeshReassemblySenderCap);
    expect(t.heldBy(5)).toBe(2);
    expect(t.accept(6, 2, third?.header ?? new FragmentHeader(), third?.bytes ?? new Uint8Array(0), 0, 0)).toBe(FragmentResult.Stored);
  });

  it("when every slot is busy a newcomer is MeshReassemblyFull and nothing in progress is evicted; timed-out slots are reclaimed", () => {
    const t = table(2, 1, 1000);
    const first = split(message(300), 100, 1)[0];
    if (first === undefined) throw new Error("no fragment");
    expect(t.accept(1, 2, first.header, first.bytes, 0, 0)).toBe(FragmentResult.Stored);
    expect(t.accept(2, 2, first.header, first.bytes, 0, 0)).toBe(FragmentResult.Stored);
    expect(t.accept(3, 2, first.header, first.bytes, 0, 500)).toBe(-ErrorCode.MeshReassemblyFull);
    expect(t.find(1, 1)).toBeGreaterThanOrEqual(0);
    expect(t.accept(3, 2, first.header, first.bytes, 0, 1001)).toBe(FragmentResult.Stored);
    expect(t.timedOutCount).toBe(2); // both earlier messages had timed out
  });

  it("expire drops messages past their timeout (MeshReassemblyTimeout) and frees their slots", () => {
    const t = table(4, 2, 1000);
    const first = split(message(300), 100, 1)[0];
    if (first === undefined) throw new Error("no fragment");
    t.accept(1, 2, first.header, first.bytes, 0, 0);
    expect(t.nextExpiryMs()).toBe(1001);
    expect(t.expire(1000)).toBe(0);
    expect(t.expire(1001)).toBe(1);
    expect(t.inUse).toBe(0);
  });

  it("a fragment that disagrees with its message (count, length or ack flag) is MeshFragmentInvalid; a message over the slot size is MeshMessageTooLarge", () => {
    const t = table(4, 2, 1000, 500);
    const parts = split(message(400), 100, 3);
    const first = parts[0];
    if (first === undefined) throw new Error("no fragment");
    t.accept(1, 2, first.header, first.bytes, 0, 0);
    const liar = Object.assign(new FragmentHeader(), { ...first.header, index: 1, count: 5 });
    expect(t.accept(1, 2, liar, first.bytes, 0, 0)).toBe(-ErrorCode.MeshFragmentInvalid);
    const flag = Object.assign(new FragmentHeader(), { ...first.header, index: 1, ackRequested: true });
    expect(t.accept(1, 2, flag, first.bytes, 0, 0)).toBe(-ErrorCode.MeshFragmentInvalid);
    const big = split(message(600), 100, 4)[0];
    expect(t.accept(1, 2, big?.header ?? new FragmentHeader(), big?.bytes ?? new Uint8Array(0), 0, 0)).toBe(-ErrorCode.MeshMessageTooLarge);
  });

  it("the NACK bitmap names exactly the missing fragments", () => {
    const t = table();
    const parts = split(message(1000), 100, 9, true);
    for (const i of [0, 2, 3, 7]) {
      const part = parts[i];
      if (part !== undefined) t.accept(4, 0, part.header, part.bytes, 0, 0);
    }
    const slot = t.find(4, 9);
    const bitmap = new Uint8Array(4);
    expect(t.writeMissing(slot, bitmap, 1)).toBe(2);
    const missing: number[] = [];
    for (let i = 0; i < 10; i++) if (((bitmap[1 + (i >>> 3)] ?? 0) >>> (i & 7)) & 1) missing.push(i);
    expect(missing).toEqual([1, 4, 5, 6, 8, 9]);
  });

  it("100k distinct message ids from one flooding sender: memory stays the same slots, every other sender still reassembles", () => {
    const t = table(4, 2, 60_000);
    const m = message(250);
    const parts = split(m, 100, 1);
    let refused = 0;
    let honestCompleted = 0;
    for (let id = 0; id < 100_000; id++) {
      const fake = Object.assign(new FragmentHeader(), { messageId: id & 0xffff, index: 0, count: 3, ackRequested: false, totalBytes: 250 });
      if (t.accept(66, 2, fake, m, 0, id) < 0) refused++;
      if (id % 1000 === 0) {
        for (const part of parts) {
          const result = t.accept(7 + (id % 3), 2, Object.assign(new FragmentHeader(), { ...part.header, messageId: id & 0xffff }), part.bytes, 0, id);
          if (result === FragmentResult.Complete) {
            honestCompleted++;
            t.release(t.completedSlot);
          }
        }
      }
      expect(t.heldBy(66)).toBeLessThanOrEqual(2);
    }
    expect(refused).toBeGreaterThan(99_000);
    expect(honestCompleted).toBe(100);
    expect(t.inUse).toBeLessThanOrEqual(4);
    expect(t.checkInvariants()).toBe(ErrorCode.Ok);
  });
});
