/**
 * hal/moddable/flash.ts over a stand-in for Moddable's `flash` module that
 * behaves like the ports do (modules/files/flash/{esp32,nrf52}/flash.c):
 * erase(sector) is partition-relative, write(offset, byteLength, buffer)
 * writes the first byteLength bytes, read returns a new ArrayBuffer, and
 * failures throw.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { DurableStore } from "../../../core/storage/durable-store";
import type { ModdableFlash as Driver } from "../../../hal/moddable/flash";
import { SMALL_CONFIG, fillPattern } from "../../core/storage/fixtures";
import type { LogIndex, Term } from "../../../core/runtime/ids";

interface FakeState {
  blockSize: number;
  byteLength: number;
  memory: Uint8Array;
  failErase: boolean;
  failWrite: boolean;
  failRead: boolean;
  canMap: boolean;
  reads: number;
  writes: { offset: number; byteLength: number; bufferLength: number }[];
}

const state: FakeState = {
  blockSize: 512,
  byteLength: 512 * 16,
  memory: new Uint8Array(0),
  failErase: false,
  failWrite: false,
  failRead: false,
  canMap: true,
  reads: 0,
  writes: [],
};

vi.mock("flash", () => ({
  default: class FakeFlash {
    constructor(partition: string) {
      if (partition !== "storage") throw new Error("can't find partition");
    }
    get blockSize(): number {
      return state.blockSize;
    }
    get byteLength(): number {
      return state.byteLength;
    }
    erase(sector: number): void {
      if (state.failErase) throw new Error("erase failed");
      if (sector < 0 || sector >= state.byteLength / state.blockSize) throw new Error("invalid sector");
      state.memory.fill(0xff, sector * state.blockSize, (sector + 1) * state.blockSize);
    }
    read(offset: number, byteLength: number): ArrayBuffer {
      if (state.failRead) throw new Error("read failed");
      state.reads++;
      const copy = new ArrayBuffer(byteLength);
      new Uint8Array(copy).set(state.memory.subarray(offset, offset + byteLength));
      return copy;
    }
    write(offset: number, byteLength: number, buffer: Uint8Array): void {
      if (state.failWrite) throw new Error("write failed");
      state.writes.push({ offset, byteLength, bufferLength: buffer.length });
      for (let i = 0; i < byteLength; i++) state.memory[offset + i] = (state.memory[offset + i] ?? 0xff) & (buffer[i] ?? 0xff);
    }
    map(): ArrayBufferLike {
      if (!state.canMap) throw new Error("map failed");
      return state.memory.buffer;
    }
  },
}));

const { ModdableFlash } = await import("../../../hal/moddable/flash");

function open(options: { mapped?: boolean; programAlignBytes?: number } = {}): Driver {
  const opened = ModdableFlash.open({ partition: "storage", ...options });
  if (!opened.ok) throw new Error(`open failed ${opened.code}`);
  return opened.value;
}

beforeEach(() => {
  state.blockSize = 512;
  state.byteLength = 512 * 16;
  state.memory = new Uint8Array(state.byteLength).fill(0xff);
  state.failErase = state.failWrite = state.failRead = false;
  state.canMap = true;
  state.reads = 0;
  state.writes = [];
});

describe("ModdableFlash", () => {
  it("takes its geometry from the partition (blockSize, byteLength), not from assumptions", () => {
    state.blockSize = 4096;
    state.byteLength = 4096 * 6 + 100; // a partial trailing block is not used
    state.memory = new Uint8Array(state.byteLength).fill(0xff);
    const flash = open();
    expect([flash.blockSizeBytes, flash.blockCount, flash.programAlignBytes]).toEqual([4096, 6, 4]);
  });

  it("reports errors as values: unknown partition DeviceFault, bad geometry BadGeometry, bad options InvalidArgument", () => {
    const missing = ModdableFlash.open({ partition: "nope" });
    expect(missing.ok ? 0 : missing.code).toBe(ErrorCode.DeviceFault);
    state.blockSize = 6;
    const odd = ModdableFlash.open({ partition: "storage" });
    expect(odd.ok ? 0 : odd.code).toBe(ErrorCode.BadGeometry);
    state.blockSize = 512;
    const align = ModdableFlash.open({ partition: "storage", programAlignBytes: 3 });
    expect(align.ok ? 0 : align.code).toBe(ErrorCode.InvalidArgument);
  });

  it("maps thrown Flash failures: erase -> EraseFailed, write -> ProgramFailed, read -> DeviceFault", () => {
    const flash = open();
    const buffer = new Uint8Array(8);
    state.failErase = true;
    expect(flash.erase(1)).toBe(ErrorCode.EraseFailed);
    state.failWrite = true;
    expect(flash.program(1, 0, buffer, 0, 8)).toBe(ErrorCode.ProgramFailed);
    state.failRead = true;
    expect(flash.read(1, 0, buffer, 0, 8)).toBe(ErrorCode.DeviceFault);
  });

  it("checks ranges and alignment before calling Flash (OutOfRange, Misaligned)", () => {
    const flash = open();
    const buffer = new Uint8Array(16);
    expect(flash.program(0, 2, buffer, 0, 4)).toBe(ErrorCode.Misaligned);
    expect(flash.program(16, 0, buffer, 0, 4)).toBe(ErrorCode.OutOfRange);
    expect(flash.read(0, 510, buffer, 0, 4)).toBe(ErrorCode.OutOfRange);
    expect(flash.erase(16)).toBe(ErrorCode.OutOfRange);
    expect(state.writes).toHaveLength(0);
  });

  it("erases by partition-relative sector and programs at block * blockSize + offset", () => {
    const flash = open();
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(flash.program(3, 16, data, 4, 4)).toBe(ErrorCode.Ok); // from a non-zero source offset: a view on the caller's bytes
    expect([...state.memory.subarray(3 * 512 + 16, 3 * 512 + 20)]).toEqual([5, 6, 7, 8]);
    expect(state.writes[0]).toEqual({ offset: 3 * 512 + 16, byteLength: 4, bufferLength: 4 });
    expect(flash.program(3, 20, data, 0, 8)).toBe(ErrorCode.Ok); // from offset 0: the caller's array itself
    expect(state.writes[1]).toEqual({ offset: 3 * 512 + 20, byteLength: 8, bufferLength: 8 });
    expect([...state.memory.subarray(3 * 512 + 20, 3 * 512 + 28)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(flash.erase(3)).toBe(ErrorCode.Ok);
    expect(state.memory[3 * 512 + 16]).toBe(0xff);
  });

  it("reads through the mapped partition without calling Flash.read when mapped: true", () => {
    state.memory[700] = 0x42;
    const flash = open({ mapped: true });
    const out = new Uint8Array(4);
    expect(flash.read(1, 188, out, 0, 4)).toBe(ErrorCode.Ok);
    expect(out[0]).toBe(0x42);
    expect(state.reads).toBe(0);
    state.canMap = false;
    const unmappable = ModdableFlash.open({ partition: "storage", mapped: true });
    expect(unmappable.ok ? 0 : unmappable.code).toBe(ErrorCode.Unsupported);
  });

  it("answers WrongState after close", () => {
    const flash = open();
    flash.close();
    expect(flash.erase(0)).toBe(ErrorCode.WrongState);
    expect(flash.read(0, 0, new Uint8Array(4), 0, 4)).toBe(ErrorCode.WrongState);
  });

  it("carries a DurableStore: appends and KV values survive closing and reopening the partition", () => {
    const store = DurableStore.mount(open(), SMALL_CONFIG);
    if (!store.ok) throw new Error(`mount ${store.code}`);
    const data = new Uint8Array(24);
    for (let i = 1; i <= 300; i++) {
      fillPattern(data, 0, 24, i);
      expect(store.value.append(i as LogIndex, 1 as Term, data, 0, 24)).toBe(ErrorCode.Ok);
      if (i % 20 === 0) expect(store.value.compactThrough((i - 10) as LogIndex, 1 as Term)).toBe(ErrorCode.Ok);
    }
    expect(store.value.put(2, data, 0, 16)).toBe(ErrorCode.Ok);
    const again = DurableStore.mount(open({ mapped: true }), SMALL_CONFIG);
    if (!again.ok) throw new Error(`remount ${again.code}`);
    expect([again.value.firstIndex, again.value.lastIndex]).toEqual([291, 300]);
    const out = new Uint8Array(32);
    fillPattern(data, 0, 24, 300);
    expect(again.value.readEntry(300 as LogIndex, out, 0)).toBe(24);
    expect([...out.subarray(0, 24)]).toEqual([...data]);
  });
});
