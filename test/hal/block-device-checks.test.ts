/** The argument checks every flash driver shares (hal/block-device.ts): exact edges, and every kind of bad number refused. */
import { describe, expect, it } from "vitest";
import { checkBlock, checkProgram, checkRead } from "../../hal/block-device";
import { ErrorCode } from "../../core/runtime/errors";

const G = { blockSizeBytes: 4096, blockCount: 8, programAlignBytes: 4 };
const buffer = new Uint8Array(64);

describe("block device argument checks", () => {
  it("accept exactly the spans inside the block and the buffer", () => {
    expect(checkRead(G, 7, 4096 - 64, buffer, 0, 64)).toBe(ErrorCode.Ok);
    expect(checkRead(G, 0, 0, buffer, 64, 0)).toBe(ErrorCode.Ok);
    expect(checkProgram(G, 7, 4096 - 64, buffer, 0, 64)).toBe(ErrorCode.Ok);
    expect(checkRead(G, 8, 0, buffer, 0, 4)).toBe(ErrorCode.OutOfRange);
    expect(checkRead(G, 0, 4096 - 63, buffer, 0, 64)).toBe(ErrorCode.OutOfRange);
    expect(checkRead(G, 0, 0, buffer, 1, 64)).toBe(ErrorCode.OutOfRange);
    expect(checkProgram(G, 0, 4096 - 60, buffer, 0, 64)).toBe(ErrorCode.OutOfRange);
    expect(checkBlock(G, 7)).toBe(ErrorCode.Ok);
    expect(checkBlock(G, 8)).toBe(ErrorCode.OutOfRange);
  });

  it("refuse negative, fractional, NaN, infinite and 2^32-sized numbers in every position", () => {
    const bad = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32, -(2 ** 32)];
    for (const x of bad) {
      expect(checkRead(G, x, 0, buffer, 0, 4), `block ${x}`).toBe(ErrorCode.OutOfRange);
      expect(checkRead(G, 0, x, buffer, 0, 4), `offset ${x}`).toBe(ErrorCode.OutOfRange);
      expect(checkRead(G, 0, 0, buffer, x, 4), `buffer offset ${x}`).toBe(ErrorCode.OutOfRange);
      expect(checkRead(G, 0, 0, buffer, 0, x), `length ${x}`).toBe(ErrorCode.OutOfRange);
      expect(checkProgram(G, x, 0, buffer, 0, 4), `program block ${x}`).toBe(ErrorCode.OutOfRange);
      expect(checkProgram(G, 0, x, buffer, 0, 4), `program offset ${x}`).toBe(ErrorCode.OutOfRange);
      expect(checkProgram(G, 0, 0, buffer, x, 4), `program buffer offset ${x}`).toBe(ErrorCode.OutOfRange);
      expect(checkProgram(G, 0, 0, buffer, 0, x), `program length ${x}`).toBe(ErrorCode.OutOfRange);
      expect(checkBlock(G, x), `erase block ${x}`).toBe(ErrorCode.OutOfRange);
    }
  });

  it("program: Misaligned offset or length, only once the span is in range", () => {
    expect(checkProgram(G, 0, 2, buffer, 0, 4)).toBe(ErrorCode.Misaligned);
    expect(checkProgram(G, 0, 0, buffer, 0, 6)).toBe(ErrorCode.Misaligned);
    expect(checkProgram(G, 0, 4094, buffer, 0, 6)).toBe(ErrorCode.OutOfRange);
    expect(checkProgram(G, 0, 0, buffer, 3, 4)).toBe(ErrorCode.Ok); // the buffer offset needs no alignment
  });
});
