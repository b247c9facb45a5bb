import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { FlashFaults } from "../../../hal/sim/flash-faults";
import { SimFlash } from "../../../hal/sim/flash";

function device(faults = new FlashFaults({ seed: 1 }), align = 4): SimFlash {
  const created = SimFlash.create({ blockSizeBytes: 256, blockCount: 4, programAlignBytes: align }, faults);
  if (!created.ok) throw new Error(`create failed ${created.code}`);
  return created.value;
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function readBlock(d: SimFlash, block: number): Uint8Array {
  const out = new Uint8Array(d.blockSizeBytes);
  expect(d.read(block, 0, out, 0, out.length)).toBe(ErrorCode.Ok);
  return out;
}

describe("SimFlash: NOR semantics", () => {
  it("starts erased: every byte reads 0xFF", () => {
    expect(readBlock(device(), 3).every((b) => b === 0xff)).toBe(true);
  });

  it("programs 1 -> 0 bits and reads them back", () => {
    const d = device();
    expect(d.program(1, 8, bytes(0x12, 0x34, 0x56, 0x78), 0, 4)).toBe(ErrorCode.Ok);
    const out = new Uint8Array(4);
    expect(d.read(1, 8, out, 0, 4)).toBe(ErrorCode.Ok);
    expect([...out]).toEqual([0x12, 0x34, 0x56, 0x78]);
  });

  it("allows clearing more bits in a programmed byte (0x0F over 0x3F)", () => {
    const d = device();
    expect(d.program(0, 0, bytes(0x3f, 0xff, 0xff, 0xff), 0, 4)).toBe(ErrorCode.Ok);
    expect(d.program(0, 0, bytes(0x0f, 0xff, 0xff, 0xff), 0, 4)).toBe(ErrorCode.Ok);
    expect(d.peek(0)).toBe(0x0f);
  });

  it("refuses a program needing a 0 -> 1 change with NotErased and writes nothing of it", () => {
    const d = device();
    expect(d.program(0, 0, bytes(0x00, 0x00, 0x00, 0x00), 0, 4)).toBe(ErrorCode.Ok);
    expect(d.program(0, 0, bytes(0x00, 0x00, 0x00, 0x01), 0, 4)).toBe(ErrorCode.NotErased);
    expect(d.program(0, 4, bytes(0x11, 0x11, 0x11, 0x11, 0x00, 0x00, 0x00, 0x01), 0, 8)).toBe(ErrorCode.Ok);
    expect(d.program(0, 0, bytes(0x00, 0x00, 0x00, 0x00, 0x10, 0x10, 0x10, 0x12), 0, 8)).toBe(ErrorCode.NotErased);
    expect(d.peek(4)).toBe(0x11); // the allowed first part was not written either
    expect(d.refusedPrograms).toBe(2);
  });

  it("erase returns a block to 0xFF and counts it; other blocks are untouched", () => {
    const d = device();
    d.program(1, 0, new Uint8Array(256), 0, 256);
    d.program(2, 0, new Uint8Array(256), 0, 256);
    expect(d.erase(1)).toBe(ErrorCode.Ok);
    expect(readBlock(d, 1).every((b) => b === 0xff)).toBe(true);
    expect(readBlock(d, 2).every((b) => b === 0)).toBe(true);
    expect(d.eraseCountOf(1)).toBe(1);
  });

  it("refuses misaligned programs (Misaligned) and out-of-range access (OutOfRange)", () => {
    const d = device();
    const data = new Uint8Array(8);
    expect(d.program(0, 2, data, 0, 4)).toBe(ErrorCode.Misaligned);
    expect(d.program(0, 0, data, 0, 6)).toBe(ErrorCode.Misaligned);
    expect(d.program(0, 252, data, 0, 8)).toBe(ErrorCode.OutOfRange);
    expect(d.program(4, 0, data, 0, 4)).toBe(ErrorCode.OutOfRange);
    expect(d.read(0, 250, data, 0, 8)).toBe(ErrorCode.OutOfRange);
    expect(d.read(0, 0, data, 4, 8)).toBe(ErrorCode.OutOfRange);
    expect(d.erase(-1)).toBe(ErrorCode.OutOfRange);
    expect(d.read(0, 3, data, 0, 5)).toBe(ErrorCode.Ok); // reads have no alignment rule
  });

  it("rejects bad geometry at create with InvalidArgument", () => {
    expect(SimFlash.create({ blockSizeBytes: 0, blockCount: 4 }).ok).toBe(false);
    expect(SimFlash.create({ blockSizeBytes: 256, blockCount: 4, programAlignBytes: 3 }).ok).toBe(false);
    expect(SimFlash.create({ blockSizeBytes: 250, blockCount: 4, programAlignBytes: 4 }).ok).toBe(false);
    const huge = SimFlash.create({ blockSizeBytes: 1 << 20, blockCount: 1 << 10 });
    expect(huge.ok ? 0 : huge.code).toBe(ErrorCode.InvalidArgument);
  });
});

describe("SimFlash: injected faults", () => {
  it("a power loss at step i tears that program to a prefix and powers the device off", () => {
    const faults = new FlashFaults({ seed: 5, powerLossAtStep: 1 });
    const d = device(faults);
    const data = new Uint8Array(64).fill(0x00);
    expect(d.program(0, 0, data, 0, 64)).toBe(ErrorCode.Ok); // step 0
    expect(d.program(0, 64, data, 0, 64)).toBe(ErrorCode.DevicePowerLost); // step 1
    expect(d.powered).toBe(false);
    expect(d.read(0, 0, data, 0, 4)).toBe(ErrorCode.DevicePowerLost);
    expect(d.erase(0)).toBe(ErrorCode.DevicePowerLost);
    d.powerOn();
    const block = readBlock(d, 0);
    // A prefix is fully programmed, then at most one partly programmed byte, then erased bytes.
    let i = 64;
    while (i < 128 && block[i] === 0x00) i++;
    if (i < 128) i++;
    expect(block.subarray(i, 256).every((b) => b === 0xff)).toBe(true);
    expect(d.steps).toBe(2);
  });

  it("a power loss during an erase leaves the block partly erased", () => {
    let sawPartial = false;
    for (let seed = 1; seed <= 20; seed++) {
      const d = device(new FlashFaults({ seed, powerLossAtStep: 1 }));
      d.program(2, 0, new Uint8Array(256), 0, 256); // step 0
      expect(d.erase(2)).toBe(ErrorCode.DevicePowerLost);
      d.powerOn();
      const block = readBlock(d, 2);
      const erased = block.filter((b) => b === 0xff).length;
      if (erased > 0 && erased < 256) sawPartial = true;
      // The erased part is one contiguous prefix or suffix: at most one 0x00/0xFF boundary.
      let boundaries = 0;
      for (let i = 1; i < 256; i++) if ((block[i] === 0xff) !== (block[i - 1] === 0xff)) boundaries++;
      expect(boundaries).toBeLessThanOrEqual(1);
      expect(block.every((b) => b === 0xff || b === 0x00)).toBe(true);
    }
    expect(sawPartial).toBe(true);
  });

  it("read flips change only the returned bytes, never the stored ones", () => {
    const d = device(new FlashFaults({ seed: 3, readFlipPermille: 1000, maxFlipsPerRead: 2 }));
    const out = new Uint8Array(16);
    d.read(0, 0, out, 0, 16);
    expect(out.some((b) => b !== 0xff)).toBe(true);
    expect(d.peek(0) & d.peek(1) & d.peek(15)).toBe(0xff);
    expect(d.faults.flippedReads).toBe(1);
  });

  it("a worn block fails to erase (EraseFailed) and keeps its content; eraseLimit wears blocks out", () => {
    const d = device(new FlashFaults({ seed: 1, eraseLimit: 2 }));
    d.program(1, 0, bytes(0, 0, 0, 0), 0, 4);
    expect(d.wearOut(1)).toBe(ErrorCode.Ok);
    expect(d.erase(1)).toBe(ErrorCode.EraseFailed);
    expect(d.peek(256)).toBe(0);
    expect(d.erase(2)).toBe(ErrorCode.Ok);
    expect(d.erase(2)).toBe(ErrorCode.Ok);
    expect(d.erase(2)).toBe(ErrorCode.EraseFailed);
    expect(d.failedErases).toBe(2);
  });

  it("reset returns a blank, powered, unworn device with zeroed counters", () => {
    const d = device(new FlashFaults({ seed: 1, powerLossAtStep: 0 }));
    expect(d.erase(0)).toBe(ErrorCode.DevicePowerLost);
    d.wearOut(3);
    d.reset();
    d.faults.configure({ seed: 1 });
    expect(d.powered).toBe(true);
    expect(d.steps).toBe(0);
    expect(d.erase(3)).toBe(ErrorCode.Ok);
    expect(readBlock(d, 0).every((b) => b === 0xff)).toBe(true);
  });

  it("the same seed tears the same way (reproducible fault points)", () => {
    const images: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const d = device(new FlashFaults({ seed: 77, powerLossAtStep: 0 }));
      d.program(0, 0, new Uint8Array(128), 0, 128);
      d.powerOn();
      images.push([...readBlock(d, 0)]);
    }
    expect(images[0]).toEqual(images[1]);
  });
});
