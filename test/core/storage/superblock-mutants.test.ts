/**
 * Superblock (core/storage/superblock.ts) on its own, against the changes
 * mutation testing (`npm run mutate -- --mutate core/storage/superblock.ts`)
 * found no test noticing: the record layout byte for byte, "the highest
 * valid superSeq wins" across both blocks (serial-number order, so a
 * wrapped sequence still wins), a torn or foreign slot counted and never
 * taken, the next slot after the last used one (never a programmed slot
 * again), the move to the other block when one is full, and a failed
 * erase or program leaving the previous record the one that mounts.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { Crc32c } from "../../../core/storage/crc32c";
import { FlashIo } from "../../../core/storage/flash-io";
import { readU32, SUPER_MAGIC, SUPER_RECORD_BYTES, writeU32 } from "../../../core/storage/layout";
import { Superblock } from "../../../core/storage/superblock";
import { SimFlash } from "../../../hal/sim/flash";
import { FlashFaults } from "../../../hal/sim/flash-faults";
import { unwrap } from "./fixtures";

const BLOCK = 256; // 8 slots of 32 bytes per block
const SLOTS = BLOCK / SUPER_RECORD_BYTES;

function device(align = 4, blockSizeBytes = BLOCK): SimFlash {
  return unwrap(SimFlash.create({ blockSizeBytes, blockCount: 4, programAlignBytes: align }, new FlashFaults({ seed: 3 })), "SimFlash.create");
}

function ioOf(flash: SimFlash): FlashIo {
  return new FlashIo(flash, Crc32c.create(), 64);
}

function bytesAt(flash: SimFlash, address: number, length: number): number[] {
  return Array.from({ length }, (_, i) => flash.peek(address + i));
}

/** A valid record image (32 bytes) for this geometry. */
function record(volumeId: number, seq: number, tail: number, eraseCount = 0, blockSizeBytes = BLOCK, blockCount = 4): Uint8Array {
  const r = new Uint8Array(SUPER_RECORD_BYTES);
  writeU32(r, 0, SUPER_MAGIC);
  writeU32(r, 4, volumeId);
  writeU32(r, 8, seq);
  writeU32(r, 12, tail);
  writeU32(r, 16, blockSizeBytes);
  writeU32(r, 20, blockCount);
  writeU32(r, 24, eraseCount);
  writeU32(r, 28, Crc32c.create().checksum(r, 0, 28));
  return r;
}

/** Write raw records into a blank device image at (block, slot). */
function imageWith(flash: SimFlash, records: [number, number, Uint8Array][]): void {
  const image = new Uint8Array(BLOCK * 4).fill(0xff);
  for (const [block, slot, bytes] of records) image.set(bytes, block * BLOCK + slot * SUPER_RECORD_BYTES);
  expect(flash.load(image)).toBe(ErrorCode.Ok);
}

function loaded(flash: SimFlash): { sb: Superblock; io: FlashIo } {
  const io = ioOf(flash);
  const sb = new Superblock(io);
  expect(sb.load()).toBe(ErrorCode.Ok);
  return { sb, io };
}

describe("Superblock records: the layout byte for byte", () => {
  it("format erases both blocks and writes seq 1 into slot 0 of block 0: magic, volume, seq, tail, geometry, erase count, CRC-32C", () => {
    const flash = device();
    const io = ioOf(flash);
    const sb = new Superblock(io);
    expect(sb.format(0x01020304, 7)).toBe(ErrorCode.Ok);
    expect([flash.eraseCountOf(0), flash.eraseCountOf(1), flash.eraseCountOf(2)]).toEqual([1, 1, 0]);
    expect(bytesAt(flash, 0, SUPER_RECORD_BYTES)).toEqual(Array.from(record(0x01020304, 1, 7, 1))); // block 0 erased once
    expect([sb.found, sb.volumeId, sb.seq, sb.tailSeq, sb.writes]).toEqual([true, 0x01020304, 1, 7, 1]);
    expect(sb.write(9)).toBe(ErrorCode.Ok);
    expect(bytesAt(flash, SUPER_RECORD_BYTES, SUPER_RECORD_BYTES)).toEqual(Array.from(record(0x01020304, 2, 9, 1)));
    expect([sb.seq, sb.tailSeq, sb.writes]).toEqual([2, 9, 2]);
  });

  it("a 64-byte write alignment pads each 32-byte record to a 64-byte slot with 0xFF", () => {
    const flash = device(64, 512);
    const io = ioOf(flash);
    const sb = new Superblock(io);
    expect(sb.slotBytes).toBe(64);
    expect(Superblock.bufferBytes(io)).toBe(64);
    expect(sb.format(5, 1)).toBe(ErrorCode.Ok);
    expect(sb.write(2)).toBe(ErrorCode.Ok);
    expect(bytesAt(flash, 32, 32).every((b) => b === 0xff)).toBe(true);
    expect(readU32(Uint8Array.from(bytesAt(flash, 64, 32)), 8)).toBe(2);
    const again = loaded(flash).sb;
    expect([again.seq, again.tailSeq, again.volumeId]).toEqual([2, 2, 5]);
  });

  it("a caller buffer of the slot size is used; one of another size is not", () => {
    const io = ioOf(device());
    const mine = new Uint8Array(SUPER_RECORD_BYTES);
    expect(new Superblock(io, mine).format(1, 1)).toBe(ErrorCode.Ok);
    expect(readU32(mine, 0)).toBe(SUPER_MAGIC);
    const wrong = new Uint8Array(SUPER_RECORD_BYTES + 4);
    expect(new Superblock(io, wrong).format(1, 1)).toBe(ErrorCode.Ok);
    expect(wrong.every((b) => b === 0)).toBe(true);
  });
});

describe("Superblock.load: the highest valid superSeq wins", () => {
  it("takes the highest seq wherever it is, and continues after the last used slot of its block", () => {
    const flash = device();
    imageWith(flash, [
      [0, 0, record(4, 10, 1)],
      [0, 1, record(4, 12, 2)],
      [1, 0, record(4, 11, 3)],
      [1, 1, record(4, 9, 4)],
    ]);
    const { sb } = loaded(flash);
    expect([sb.found, sb.volumeId, sb.seq, sb.tailSeq, sb.nonErasedSlots]).toEqual([true, 4, 12, 2, 0]);
    expect(sb.write(5)).toBe(ErrorCode.Ok);
    expect(readU32(Uint8Array.from(bytesAt(flash, 2 * SUPER_RECORD_BYTES, 32)), 8)).toBe(13); // block 0, slot 2
    const again = loaded(flash).sb;
    expect([again.seq, again.tailSeq]).toEqual([13, 5]);
  });

  it("the newest record in block 1 wins over block 0, and writes go on in block 1", () => {
    const flash = device();
    imageWith(flash, [
      [0, 0, record(4, 1, 1)],
      [1, 0, record(4, 2, 2)],
      [1, 1, record(4, 3, 3)],
    ]);
    const { sb } = loaded(flash);
    expect([sb.seq, sb.tailSeq]).toEqual([3, 3]);
    expect(sb.write(8)).toBe(ErrorCode.Ok);
    expect(readU32(Uint8Array.from(bytesAt(flash, BLOCK + 2 * SUPER_RECORD_BYTES, 32)), 8)).toBe(4);
  });

  it("serial order: seq 0 (wrapped) wins over 0xffffffff; equal seqs keep the first found", () => {
    const flash = device();
    imageWith(flash, [
      [0, 0, record(4, 0xffff_ffff, 1)],
      [1, 0, record(4, 0, 2)],
    ]);
    const { sb } = loaded(flash);
    expect([sb.seq, sb.tailSeq]).toEqual([0, 2]);
    const tie = device();
    imageWith(tie, [
      [0, 0, record(4, 5, 1)],
      [1, 0, record(4, 5, 2)],
    ]);
    expect(loaded(tie).sb.tailSeq).toBe(1);
  });

  it("a torn slot after the newest record is skipped: the next write goes after it, never over it", () => {
    const flash = device();
    const torn = record(4, 3, 3);
    torn[8] = 0x7c; // CRC no longer matches
    imageWith(flash, [
      [0, 0, record(4, 2, 2)],
      [0, 1, torn],
    ]);
    const { sb } = loaded(flash);
    expect([sb.seq, sb.tailSeq, sb.nonErasedSlots]).toEqual([2, 2, 1]);
    expect(sb.write(6)).toBe(ErrorCode.Ok);
    expect(readU32(Uint8Array.from(bytesAt(flash, 2 * SUPER_RECORD_BYTES, 32)), 8)).toBe(3);
    expect(loaded(flash).sb.tailSeq).toBe(6);
  });

  it("records of another geometry or without the magic are counted and never taken; the largest volume id is still seen", () => {
    const flash = device();
    const noMagic = record(4, 50, 9);
    writeU32(noMagic, 0, SUPER_MAGIC ^ 1);
    writeU32(noMagic, 28, Crc32c.create().checksum(noMagic, 0, 28));
    imageWith(flash, [
      [0, 0, record(4, 2, 2, 6)],
      [0, 1, record(90, 40, 9, 4, BLOCK * 2)], // other block size
      [0, 2, record(91, 41, 9, 4, BLOCK, 5)], // other block count
      [1, 0, noMagic],
      [1, 1, record(3, 1, 1, 2)],
      [2, 0, record(92, 60, 9, 9)], // a data block: never scanned
    ]);
    const { sb, io } = loaded(flash);
    expect([sb.found, sb.volumeId, sb.seq, sb.tailSeq]).toEqual([true, 4, 2, 2]);
    expect(sb.nonErasedSlots).toBe(3);
    expect(sb.maxVolumeSeen).toBe(91);
    expect([io.eraseCounts[0], io.eraseCounts[1], io.eraseCounts[2]]).toEqual([6, 2, 0]); // the highest erase count each block's records carry
    expect(sb.write(3)).toBe(ErrorCode.Ok); // after the last used slot of block 0 (slot 2)
    expect(readU32(Uint8Array.from(bytesAt(flash, 3 * SUPER_RECORD_BYTES, 32)), 8)).toBe(3);
    expect(readU32(Uint8Array.from(bytesAt(flash, 3 * SUPER_RECORD_BYTES, 32)), 24)).toBe(6);
  });

  it("a blank device: Ok, nothing found, nothing counted (and nothing found before load)", () => {
    expect(new Superblock(ioOf(device())).found).toBe(false);
    const { sb } = loaded(device());
    expect([sb.found, sb.seq, sb.tailSeq, sb.volumeId, sb.nonErasedSlots, sb.maxVolumeSeen]).toEqual([false, 0, 0, 0, 0, 0]);
  });

  it("a device read that fails once, in the first or the checked read of a slot: its error comes back", () => {
    // Reads per slot: the plain read, then (for a non-erased slot) the checked read. Slot 0 holds a record.
    for (const failing of [1, 2, 3]) {
      const flash = device();
      imageWith(flash, [[0, 0, record(4, 2, 2)]]);
      const sb = new Superblock(ioOf(flash));
      const read = flash.read.bind(flash);
      let calls = 0;
      flash.read = (...args: Parameters<SimFlash["read"]>) => (++calls === failing ? ErrorCode.DevicePowerLost : read(...args));
      expect(sb.load(), `read ${failing} fails`).toBe(ErrorCode.DevicePowerLost);
      expect(sb.nonErasedSlots).toBe(0);
    }
  });

  it("a checked read that fails on a slot of garbage: the device error comes back, not a corrupt slot skipped", () => {
    const flash = device();
    imageWith(flash, [[0, 0, new Uint8Array(SUPER_RECORD_BYTES).fill(0x5a)]]);
    const sb = new Superblock(ioOf(flash));
    const read = flash.read.bind(flash);
    let calls = 0;
    flash.read = (...args: Parameters<SimFlash["read"]>) => (++calls === 2 ? ErrorCode.DevicePowerLost : read(...args));
    expect(sb.load()).toBe(ErrorCode.DevicePowerLost);
    expect(sb.nonErasedSlots).toBe(0);
  });
});

describe("Superblock.write: the other block when one is full, and failures that keep the previous record", () => {
  it("after the last slot of block 0 it erases block 1 and writes slot 0 there; load then finds the newest", () => {
    const flash = device();
    const { sb } = loaded(flash);
    expect(sb.format(4, 0)).toBe(ErrorCode.Ok);
    for (let i = 1; i < SLOTS; i++) expect(sb.write(i)).toBe(ErrorCode.Ok);
    expect(flash.eraseCountOf(1)).toBe(1);
    expect(sb.write(100)).toBe(ErrorCode.Ok);
    expect(flash.eraseCountOf(1)).toBe(2);
    expect(flash.eraseCountOf(0)).toBe(1);
    const moved = Uint8Array.from(bytesAt(flash, BLOCK, 32));
    expect([readU32(moved, 8), readU32(moved, 12), readU32(moved, 24)]).toEqual([SLOTS + 1, 100, 2]); // block 1's second erase
    expect(sb.write(101)).toBe(ErrorCode.Ok);
    expect(readU32(Uint8Array.from(bytesAt(flash, BLOCK + 32, 32)), 8)).toBe(SLOTS + 2);
    const again = loaded(flash).sb;
    expect([again.seq, again.tailSeq]).toEqual([SLOTS + 2, 101]);
    // Block 0 still holds its full set of older records: the newest wins all the same.
    expect(readU32(Uint8Array.from(bytesAt(flash, (SLOTS - 1) * 32, 32)), 8)).toBe(SLOTS);
  });

  it("a failed erase of the other block: the error comes back, nothing written, the previous record still mounts", () => {
    const flash = device();
    const { sb } = loaded(flash);
    expect(sb.format(4, 0)).toBe(ErrorCode.Ok);
    for (let i = 1; i < SLOTS; i++) expect(sb.write(i)).toBe(ErrorCode.Ok);
    expect(flash.wearOut(1)).toBe(ErrorCode.Ok);
    expect(sb.write(100)).toBe(ErrorCode.EraseFailed);
    expect([sb.seq, sb.tailSeq, sb.writes]).toEqual([SLOTS, SLOTS - 1, SLOTS]);
    expect(sb.write(100)).toBe(ErrorCode.EraseFailed); // still trying the other block, never block 0's used slots
    const again = loaded(flash).sb;
    expect([again.seq, again.tailSeq]).toEqual([SLOTS, SLOTS - 1]);
  });

  it("a program cut by power loss: the error comes back, seq and tail unchanged, and the next write uses the slot after the torn one", () => {
    const flash = device();
    const io = ioOf(flash);
    const sb = new Superblock(io);
    expect(sb.format(4, 0)).toBe(ErrorCode.Ok);
    flash.faults.powerLossAtStep = flash.steps;
    expect(sb.write(5)).toBe(ErrorCode.DevicePowerLost);
    expect([sb.seq, sb.tailSeq, sb.writes]).toEqual([1, 0, 1]);
    flash.powerOn();
    flash.faults.powerLossAtStep = -1;
    expect(sb.write(6)).toBe(ErrorCode.Ok);
    expect(readU32(Uint8Array.from(bytesAt(flash, 2 * SUPER_RECORD_BYTES, 32)), 8)).toBe(2);
    const again = loaded(flash).sb;
    expect([again.seq, again.tailSeq]).toEqual([2, 6]);
  });

  it("format stops at the first failed erase (block 1 first) and returns its error", () => {
    const flash = device();
    expect(flash.wearOut(1)).toBe(ErrorCode.Ok);
    const sb = new Superblock(ioOf(flash));
    expect(sb.format(4, 0)).toBe(ErrorCode.EraseFailed);
    expect([flash.eraseCountOf(0), flash.eraseCountOf(1)]).toEqual([0, 0]);
    expect(sb.found).toBe(false);
  });
});
