/**
 * ReplayTable at each guard (mutation testing, `npm run mutate`): the
 * options at their edges, argument checks, a new epoch restarting the
 * window whatever its counter, and bits of an old epoch or of a window that
 * slid past never read as seen.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { ReplayTable } from "../../../core/crypto/replay-window";

function table(capacity = 4, windowBits = 64): ReplayTable {
  const created = ReplayTable.create({ capacity, windowBits });
  if (!created.ok) throw new Error(`create ${created.code}`);
  return created.value;
}

describe("ReplayTable options", () => {
  it("accepts 64..4096 in steps of 32 and refuses anything else with InvalidArgument", () => {
    const cases: [number, number, number][] = [
      [4, 64, ErrorCode.Ok],
      [4, 96, ErrorCode.Ok],
      [4, 4096, ErrorCode.Ok],
      [4, 32, ErrorCode.InvalidArgument],
      [4, 80, ErrorCode.InvalidArgument],
      [4, 64.5, ErrorCode.InvalidArgument],
      [4, 4128, ErrorCode.InvalidArgument],
      [0, 64, ErrorCode.InvalidArgument],
      [-1, 64, ErrorCode.InvalidArgument],
      [1.5, 64, ErrorCode.InvalidArgument],
    ];
    for (const [capacity, windowBits, expected] of cases) {
      const created = ReplayTable.create({ capacity, windowBits });
      expect([capacity, windowBits, created.ok ? ErrorCode.Ok : created.code]).toEqual([capacity, windowBits, expected]);
      if (created.ok) expect(created.value.windowBits).toBe(windowBits);
    }
  });

  it("a window wider than 64 keeps every counter of its width (the bitmap is sized windowBits / 32 words a sender)", () => {
    const wide = table(2, 4096);
    for (let c = 0; c < 4096; c += 7) expect(wide.commit(1, 0, c)).toBe(ErrorCode.Ok);
    for (let c = 0; c < 4096; c += 7) expect(wide.check(1, 0, c)).toBe(ErrorCode.ReplayDuplicate);
    // The second sender's bitmap does not overlap the first's.
    expect(wide.commit(2, 0, 0)).toBe(ErrorCode.Ok);
    expect(wide.check(1, 0, 1)).toBe(ErrorCode.Ok);
  });
});

describe("ReplayTable decisions", () => {
  it("refuses a sender or epoch that is not a u32 (InvalidArgument) and changes nothing", () => {
    const t = table();
    for (const [sender, epoch] of [
      [-1, 0],
      [1.5, 0],
      [2 ** 32, 0],
      [1, -1],
      [1, 0.5],
    ] as const) {
      expect(t.check(sender, epoch, 0)).toBe(ErrorCode.InvalidArgument);
      expect(t.commit(sender, epoch, 0)).toBe(ErrorCode.InvalidArgument);
    }
    expect(t.size).toBe(0);
    expect(t.acceptedCount).toBe(0);
  });

  it("a newer epoch is accepted whatever its counter, and restarts the window: no bit of the old epoch reads as seen", () => {
    const t = table();
    for (let c = 0; c <= 10; c++) expect(t.commit(1, 1, c)).toBe(ErrorCode.Ok);
    expect(t.check(1, 2, 3)).toBe(ErrorCode.Ok);
    expect(t.commit(1, 2, 10)).toBe(ErrorCode.Ok);
    expect(t.epochOf(1)).toBe(2);
    expect(t.highest(1)).toBe(10);
    // Counters 0..9 were seen in epoch 1, never in epoch 2.
    for (let c = 0; c < 10; c++) expect(t.commit(1, 2, c)).toBe(ErrorCode.Ok);
    expect(t.check(1, 1, 11)).toBe(ErrorCode.ReplayWrongEpoch);
  });

  it("after a jump of a whole window or more, counters whose bits were set before the jump are new", () => {
    const t = table();
    for (let c = 0; c <= 10; c++) expect(t.commit(1, 0, c)).toBe(ErrorCode.Ok);
    expect(t.commit(1, 0, 200)).toBe(ErrorCode.Ok);
    // 192 sits at bit 0, which counter 0 set before the jump.
    expect(t.commit(1, 0, 192)).toBe(ErrorCode.Ok);
    expect(t.check(1, 0, 192)).toBe(ErrorCode.ReplayDuplicate);
    expect(t.check(1, 0, 136)).toBe(ErrorCode.ReplayTooOld);
  });

  it("counts each refusal under its own reason, and an accepted frame under accepted only", () => {
    const t = table(1);
    expect(t.commit(1, 1, 100)).toBe(ErrorCode.Ok);
    expect(t.check(1, 1, 100)).toBe(ErrorCode.ReplayDuplicate);
    expect(t.check(1, 1, 10)).toBe(ErrorCode.ReplayTooOld);
    expect(t.check(1, 0, 101)).toBe(ErrorCode.ReplayWrongEpoch);
    expect(t.check(2, 1, 0)).toBe(ErrorCode.ReplayTableFull);
    expect([t.acceptedCount, t.duplicateCount, t.tooOldCount, t.wrongEpochCount, t.tableFullCount, t.size]).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
