/**
 * Receive ceilings (core/storage/receive-ceilings.ts): after any reboot,
 * graceful or by power loss at any flash step, no (sender, counter) admitted
 * before is admitted again; damage the store cannot account for makes `open`
 * refuse instead of guessing.
 */
import { describe, expect, it } from "vitest";
import { ReplayTable } from "../../../core/crypto/replay-window";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import type { DurableStore, StoreConfig } from "../../../core/storage/durable-store";
import { CEILING_CHUNK_SENDERS, ceilingChunkBytes, ceilingChunkCount, ReceiveCeilings, type ReceiveCeilingsOptions } from "../../../core/storage/receive-ceilings";
import type { SimFlash } from "../../../hal/sim/flash";
import { FailingKv, MemoryKv, mountAfterPowerUp, simDevice } from "./fixtures";
import type { KvStore } from "../../../core/storage/kv-store";
import type { Status } from "../../../core/runtime/result";

const SENDERS = 25;
const FIRST_KEY = 2;
const STEP = 16;
const LOW_WATER = 4;
const EPOCH = 3;
const GEOMETRY = Object.freeze({ blockSizeBytes: 1024, blockCount: 12, programAlignBytes: 4 });

function storeConfig(senders = SENDERS): StoreConfig {
  const valueBytes = [12, 32];
  for (let c = 0; c < ceilingChunkCount(senders); c++) valueBytes.push(ceilingChunkBytes(c, senders), ceilingChunkBytes(c, senders));
  return { recordPayloadMaxBytes: 84, kvKeyCount: valueBytes.length, kvValueMaxBytes: 84, kvValueBytes: valueBytes, logCapacityEntries: 1 };
}

function options(overrides: Partial<ReceiveCeilingsOptions> = {}): ReceiveCeilingsOptions {
  return { firstKey: FIRST_KEY, senderIdMax: SENDERS, epoch: EPOCH, stepValues: STEP, lowWaterValues: LOW_WATER, ...overrides };
}

function table(): ReplayTable {
  const t = ReplayTable.create({ capacity: SENDERS, windowBits: 64 });
  if (!t.ok) throw new Error("table");
  return t.value;
}

interface Board {
  store: DurableStore;
  ceilings: ReceiveCeilings;
  windows: ReplayTable;
}

/** Mount, open, seed a fresh table: what the agent's boot does. */
function boot(device: SimFlash, epoch = EPOCH): Board {
  const store = mountAfterPowerUp(device, storeConfig());
  const opened = ReceiveCeilings.open(store, options({ epoch }));
  if (!opened.ok) throw new Error(`open: ${opened.code}`);
  const windows = table();
  expect(opened.value.seed(windows)).toBe(ErrorCode.Ok);
  return { store, ceilings: opened.value, windows };
}

/** The opener's order (core/mesh/link-seal.ts): replay check, (AEAD), admission, then commit. True when the frame would be used. */
function receive(board: Board, sender: number, counter: number, epoch = EPOCH): boolean {
  if (board.windows.check(sender, epoch, counter) !== ErrorCode.Ok) return false;
  if (!board.ceilings.admit(sender, counter)) return false;
  return board.windows.commit(sender, epoch, counter) === ErrorCode.Ok;
}

describe("receive ceilings: admission under a durable ceiling", () => {
  it("refuses a sender's first frame, raises its ceiling in the persist phase, then admits what the ceiling covers", () => {
    const board = boot(simDevice(GEOMETRY));
    expect(receive(board, 7, 100)).toBe(false);
    expect(board.ceilings.refused).toBe(1);
    expect(board.ceilings.pendingSenders).toBe(1);
    expect(board.ceilings.ceiling(7)).toBe(0);
    expect(board.ceilings.prepare()).toBe(ErrorCode.Ok);
    expect(board.ceilings.ceiling(7)).toBe(100 + 1 + STEP);
    expect(board.ceilings.raises).toBe(1);
    expect(board.ceilings.pendingSenders).toBe(0);
    // Below the ceiling: admitted; the low water mark asks for the next raise before the ceiling is reached.
    for (let c = 101; c <= 100 + STEP - LOW_WATER; c++) expect(receive(board, 7, c)).toBe(true);
    expect(board.ceilings.pendingSenders).toBe(0);
    expect(receive(board, 7, 101 + STEP - LOW_WATER)).toBe(true);
    expect(board.ceilings.pendingSenders).toBe(1);
    expect(board.ceilings.prepare()).toBe(ErrorCode.Ok);
    expect(board.ceilings.ceiling(7)).toBe(101 + STEP - LOW_WATER + 1 + STEP);
    // Another sender in the same chunk keeps its own ceiling (0: nothing admitted yet).
    expect(board.ceilings.ceiling(8)).toBe(0);
  });

  it("a sender in the second chunk, and senders outside 1..senderIdMax, are told apart", () => {
    const board = boot(simDevice(GEOMETRY));
    expect(receive(board, 25, 5)).toBe(false);
    expect(board.ceilings.prepare()).toBe(ErrorCode.Ok);
    expect(board.ceilings.ceiling(25)).toBe(5 + 1 + STEP);
    expect(board.ceilings.ceiling(5)).toBe(0);
    expect(board.ceilings.admit(0, 1)).toBe(false);
    expect(board.ceilings.admit(26, 1)).toBe(false);
    expect(board.ceilings.admit(1.5, 1)).toBe(false);
    expect(board.ceilings.refused).toBe(4);
    expect(board.ceilings.pendingSenders).toBe(0);
  });

  it("a far jump is refused once and covered by the next raise", () => {
    const board = boot(simDevice(GEOMETRY));
    receive(board, 3, 10);
    board.ceilings.prepare();
    expect(receive(board, 3, 11)).toBe(true);
    expect(receive(board, 3, 5000)).toBe(false);
    board.ceilings.prepare();
    expect(board.ceilings.ceiling(3)).toBe(5000 + 1 + STEP);
    // The refused frame was not committed: sent again (a hop retransmission), it is taken now, and only once.
    expect(receive(board, 3, 5000)).toBe(true);
    expect(receive(board, 3, 5000)).toBe(false);
    expect(receive(board, 3, 5001)).toBe(true);
  });
});

describe("receive ceilings across reboots", () => {
  /** Senders send increasing counters, some reordered; every admitted (sender, counter) is recorded. */
  function traffic(board: Board, random: Xoshiro128, next: Int32Array, admitted: Set<string>, frames: number): void {
    for (let i = 0; i < frames; i++) {
      const sender = 1 + random.nextBelow(SENDERS);
      const counter = (next[sender] ?? 0) + random.nextBelow(3);
      next[sender] = counter + 1;
      if (receive(board, sender, counter)) admitted.add(`${sender}:${counter}`);
      if (random.nextBelow(4) === 0) board.ceilings.prepare();
    }
  }

  /** Replay every admitted frame as a board would: a frame refused by admission is held, the persist phase raises, and it is tried again. */
  function replayAll(board: Board, admitted: Set<string>): number {
    let again = 0;
    for (const id of admitted) {
      const [sender, counter] = id.split(":").map(Number) as [number, number];
      if (receive(board, sender, counter)) again++;
      else if (board.ceilings.prepare() === ErrorCode.Ok && receive(board, sender, counter)) again++;
    }
    return again;
  }

  it("after a graceful shutdown (flushExact) nothing admitted before is admitted again, and the senders' next frames are admitted at once", () => {
    const device = simDevice(GEOMETRY);
    let board = boot(device);
    const random = new Xoshiro128(11);
    const next = new Int32Array(SENDERS + 1);
    const admitted = new Set<string>();
    traffic(board, random, next, admitted, 400);
    board.ceilings.prepare();
    expect(admitted.size).toBeGreaterThan(200);
    expect(board.ceilings.flushExact()).toBe(ErrorCode.Ok);
    board = boot(device);
    expect(replayAll(board, admitted)).toBe(0);
    // Every sender heard before: its next counter is above its floor (the flush wrote the exact ceilings), and is
    // admitted once the persist phase raised the ceiling (a held frame on a board).
    let refusedNext = 0;
    const heard: number[] = [];
    for (let s = 1; s <= SENDERS; s++) if (board.windows.highest(s) >= 0) heard.push(s);
    expect(heard.length).toBe(SENDERS);
    expect(board.ceilings.seededSenders).toBe(SENDERS);
    for (const s of heard) expect(board.windows.check(s, EPOCH, next[s] ?? 0)).toBe(ErrorCode.Ok);
    for (const s of heard) if (!receive(board, s, next[s] ?? 0)) refusedNext++;
    expect(refusedNext).toBe(SENDERS);
    expect(board.ceilings.prepare()).toBe(ErrorCode.Ok);
    for (const s of heard) expect(receive(board, s, next[s] ?? 0)).toBe(true);
  });

  /** Boot, powering up again when the boot itself loses power (its writes: a format, the repair, the seed's raise). */
  let seeds = 0;
  function bootThroughPowerLoss(device: SimFlash): Board {
    for (let attempt = 0; attempt < 10; attempt++) {
      device.powerOn();
      const store = mountAfterPowerUp(device, storeConfig());
      const opened = ReceiveCeilings.open(store, options());
      if (!opened.ok) {
        expect(opened.code).toBe(ErrorCode.DevicePowerLost);
        continue;
      }
      const windows = table();
      seeds++;
      const seeded = opened.value.seed(windows);
      if (seeded === ErrorCode.Ok) return { store, ceilings: opened.value, windows };
      expect(seeded).toBe(ErrorCode.DevicePowerLost);
    }
    throw new Error("no boot");
  }

  it("power lost at every flash step of a workload: no admitted frame is admitted again after the reboot", () => {
    let rebootsChecked = 0;
    let lostMost = 0;
    for (let at = 0; at < 400; at++) {
      const device = simDevice(GEOMETRY, { seed: 5, powerLossAtStep: at });
      const random = new Xoshiro128(5);
      const next = new Int32Array(SENDERS + 1);
      const admitted = new Set<string>();
      seeds = 0;
      let board = bootThroughPowerLoss(device);
      // Two boots with traffic, so a loss can also strike the seed of a board that had ceilings.
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 120 && device.powered; i++) traffic(board, random, next, admitted, 1);
        board = bootThroughPowerLoss(device);
        expect(replayAll(board, admitted), `power lost at step ${at}, round ${round}`).toBe(0);
      }
      // What a sender loses after a power loss unless it skips: its values from the next one it sends to its floor. A
      // raise leaves the ceiling at most STEP + 1 above the last one admitted (here also gaps of up to 2 between sends).
      for (let s = 1; s <= SENDERS; s++) {
        const ceiling = board.ceilings.ceiling(s);
        if (ceiling > 0) lostMost = Math.max(lostMost, ceiling - (next[s] ?? 0));
      }
      rebootsChecked++;
    }
    expect(rebootsChecked).toBe(400);
    expect(lostMost).toBeLessThanOrEqual(STEP + 1);
    expect(lostMost).toBeGreaterThan(0);
  });

  it("a chunk written under another key epoch holds nothing for this one", () => {
    const device = simDevice(GEOMETRY);
    const board = boot(device);
    receive(board, 2, 50);
    board.ceilings.prepare();
    expect(board.ceilings.ceiling(2)).toBe(50 + 1 + STEP);
    const next = boot(device, EPOCH + 1);
    expect(next.ceilings.ceiling(2)).toBe(0);
    expect(next.windows.highest(2)).toBe(-1);
  });
});

describe("receive ceilings: proof at open", () => {
  function imageWithTwoRaises(): { device: SimFlash; before: Uint8Array; after: Uint8Array } {
    const device = simDevice(GEOMETRY);
    const board = boot(device);
    receive(board, 4, 10);
    board.ceilings.prepare();
    const before = new Uint8Array(GEOMETRY.blockSizeBytes * GEOMETRY.blockCount);
    device.copyTo(before);
    receive(board, 4, 500);
    board.ceilings.prepare();
    const after = new Uint8Array(before.length);
    device.copyTo(after);
    return { device, before, after };
  }

  /** The first and the last byte that differ: inside the raise's first record (the key) and its last (the mirror), appended in that order. */
  function ends(a: Uint8Array, b: Uint8Array): [number, number] {
    let first = -1;
    let last = -1;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      if (first < 0) first = i;
      last = i;
    }
    return [first, last];
  }

  it("one damaged copy of the newest raise: open proves the ceiling from its twin", () => {
    const { device, before, after } = imageWithTwoRaises();
    const [first, last] = ends(before, after);
    expect(last - first).toBeGreaterThan(84);
    for (const at of [first, last]) {
      const image = after.slice();
      image[at] = (image[at] ?? 0) ^ 0x10;
      device.load(image);
      const store = mountAfterPowerUp(device, storeConfig());
      const opened = ReceiveCeilings.open(store, options());
      expect(opened.ok ? ErrorCode.Ok : opened.code).toBe(ErrorCode.Ok);
      if (opened.ok) expect(opened.value.ceiling(4)).toBe(500 + 1 + STEP);
    }
  });

  it("both copies of the newest raise damaged: open refuses (ReceiveCeilingUnprovable) instead of trusting the older ceiling", () => {
    const { device, before, after } = imageWithTwoRaises();
    const [first, last] = ends(before, after);
    const image = after.slice();
    image[first] = (image[first] ?? 0) ^ 0x10;
    image[last] = (image[last] ?? 0) ^ 0x10;
    device.load(image);
    const store = mountAfterPowerUp(device, storeConfig());
    const opened = ReceiveCeilings.open(store, options());
    expect(opened.ok ? ErrorCode.Ok : opened.code).toBe(ErrorCode.ReceiveCeilingUnprovable);
  });

  it("bad options are refused with InvalidArgument and nothing is written", () => {
    const device = simDevice(GEOMETRY);
    const store = mountAfterPowerUp(device, storeConfig());
    const cases: Partial<ReceiveCeilingsOptions>[] = [
      { senderIdMax: 0 },
      { senderIdMax: 0xffff },
      { senderIdMax: 26 },
      { epoch: -1 },
      { stepValues: 1 },
      { stepValues: (1 << 24) + 1 },
      { lowWaterValues: 0 },
      { lowWaterValues: STEP },
      { firstKey: 3 },
      { firstKey: -1 },
    ];
    const image = new Uint8Array(GEOMETRY.blockSizeBytes * GEOMETRY.blockCount);
    device.copyTo(image);
    for (const c of cases) {
      const opened = ReceiveCeilings.open(store, options(c));
      expect(opened.ok ? ErrorCode.Ok : opened.code, JSON.stringify(c)).toBe(ErrorCode.InvalidArgument);
    }
    const after = new Uint8Array(image.length);
    device.copyTo(after);
    expect(after).toEqual(image);
  });
});


function chunkValue(epoch: number, ceilings: readonly number[], senders = CEILING_CHUNK_SENDERS): Uint8Array {
  const out = new Uint8Array(4 + 4 * senders);
  const put = (at: number, v: number): void => {
    out[at] = v & 0xff;
    out[at + 1] = (v >>> 8) & 0xff;
    out[at + 2] = (v >>> 16) & 0xff;
    out[at + 3] = (v >>> 24) & 0xff;
  };
  put(0, epoch);
  ceilings.forEach((c, i) => put(4 + 4 * i, c));
  return out;
}

describe("receive ceilings at each guard", () => {
  it("open writes nothing over consistent copies, and exactly one chunk pair over copies that differ", () => {
    const device = simDevice(GEOMETRY);
    const board = boot(device);
    for (const s of [1, 21]) receive(board, s, 40);
    board.ceilings.prepare();
    const kv = new FailingKv(mountAfterPowerUp(device, storeConfig()));
    expect(ReceiveCeilings.open(kv, options()).ok).toBe(true);
    expect(kv.puts).toBe(0);
    expect(kv.put(FIRST_KEY + 2, chunkValue(EPOCH, [99], 5), 0, 24)).toBe(ErrorCode.Ok);
    const before = kv.puts;
    const opened = ReceiveCeilings.open(kv, options());
    expect(opened.ok).toBe(true);
    expect(kv.puts - before).toBe(2);
    if (opened.ok) expect([opened.value.ceiling(1), opened.value.ceiling(21), opened.value.ceiling(20), opened.value.ceiling(1.5)]).toEqual([40 + 1 + STEP, 99, 0, 0]);
  });


  it("large counters (a later generation's range, above 2^28 and 2^31) are kept exactly across a reboot", () => {
    const device = simDevice(GEOMETRY);
    const board = boot(device);
    const high = 0x9000_0000 + 0x0123_4567;
    expect(receive(board, 9, high)).toBe(false);
    board.ceilings.prepare();
    expect(board.ceilings.ceiling(9)).toBe(high + 1 + STEP);
    expect(receive(board, 9, high)).toBe(true);
    const after = boot(device);
    expect(after.ceilings.ceiling(9)).toBe(high + 1 + STEP);
    expect(after.windows.highest(9)).toBe(high + STEP);
    expect(receive(after, 9, high)).toBe(false);
    expect(after.windows.check(9, EPOCH, high + STEP + 1)).toBe(ErrorCode.Ok);
  });

  it("a chunk of another key epoch admits nothing, however high its ceilings", () => {
    const device = simDevice(GEOMETRY);
    const store = mountAfterPowerUp(device, storeConfig());
    expect(store.put(FIRST_KEY, chunkValue(EPOCH - 1, [1000, 1000]), 0, 84)).toBe(ErrorCode.Ok);
    expect(store.put(FIRST_KEY + 1, chunkValue(EPOCH - 1, [1000, 1000]), 0, 84)).toBe(ErrorCode.Ok);
    const opened = ReceiveCeilings.open(store, options());
    if (!opened.ok) throw new Error("open");
    const windows = table();
    expect(opened.value.seed(windows)).toBe(ErrorCode.Ok);
    expect(opened.value.seededSenders).toBe(0);
    expect(opened.value.admit(1, 5)).toBe(false);
    expect(opened.value.admit(2, 999)).toBe(false);
    expect(opened.value.ceiling(1)).toBe(0);
  });

  it("open repairs two copies that differ to their element-wise maximum, written to both", () => {
    const device = simDevice(GEOMETRY);
    const store = mountAfterPowerUp(device, storeConfig());
    expect(store.put(FIRST_KEY, chunkValue(EPOCH, [50, 10, 0, 7]), 0, 84)).toBe(ErrorCode.Ok);
    expect(store.put(FIRST_KEY + 1, chunkValue(EPOCH, [40, 20, 5, 0]), 0, 84)).toBe(ErrorCode.Ok);
    const opened = ReceiveCeilings.open(store, options());
    if (!opened.ok) throw new Error("open");
    expect([1, 2, 3, 4, 5].map((s) => opened.value.ceiling(s))).toEqual([50, 20, 5, 7, 0]);
    const a = new Uint8Array(84);
    const b = new Uint8Array(84);
    expect(store.get(FIRST_KEY, a, 0)).toBe(84);
    expect(store.get(FIRST_KEY + 1, b, 0)).toBe(84);
    expect(a).toEqual(b);
    expect(a).toEqual(chunkValue(EPOCH, [50, 20, 5, 7]));
    // Only one copy (the mirror lost): restored to both.
    expect(store.remove(FIRST_KEY + 3)).toBe(ErrorCode.Ok);
    expect(store.put(FIRST_KEY + 2, chunkValue(EPOCH, [33], 5), 0, 24)).toBe(ErrorCode.Ok);
    const again = ReceiveCeilings.open(store, options());
    if (!again.ok) throw new Error("open");
    expect(again.value.ceiling(21)).toBe(33);
    expect(store.get(FIRST_KEY + 3, b, 0)).toBe(24);
    // A copy of this epoch with the wrong length is Corrupt, not a guess.
    expect(store.put(FIRST_KEY + 1, chunkValue(EPOCH, [1], 3), 0, 16)).toBe(ErrorCode.Ok);
    const corrupt = ReceiveCeilings.open(store, options());
    expect(corrupt.ok ? ErrorCode.Ok : corrupt.code).toBe(ErrorCode.Corrupt);
  });

  it("a raise whose first copy fails writes no mirror, admits nothing new, and is tried again by the next persist phase", () => {
    const device = simDevice(GEOMETRY);
    const kv = new FailingKv(mountAfterPowerUp(device, storeConfig()));
    const opened = ReceiveCeilings.open(kv, options());
    if (!opened.ok) throw new Error("open");
    const windows = table();
    opened.value.seed(windows);
    expect(opened.value.admit(3, 100)).toBe(false);
    kv.failKey = FIRST_KEY;
    const puts = kv.puts;
    expect(opened.value.prepare()).toBe(ErrorCode.DeviceFault);
    expect(kv.puts).toBe(puts);
    expect(opened.value.failures).toBe(1);
    expect(opened.value.pendingSenders).toBe(1);
    expect(opened.value.admit(3, 100)).toBe(false);
    // The mirror's failure: the first copy is written, admission (which reads the mirror) still waits.
    kv.failKey = FIRST_KEY + 1;
    expect(opened.value.prepare()).toBe(ErrorCode.DeviceFault);
    expect(opened.value.admit(3, 100)).toBe(false);
    kv.failKey = -1;
    expect(opened.value.prepare()).toBe(ErrorCode.Ok);
    expect(opened.value.pendingSenders).toBe(0);
    expect(opened.value.admit(3, 100)).toBe(true);
    expect(opened.value.raises).toBe(1);
  });

  it("refused counters of more senders than WANTED_MAX: the first four are raised, the rest on their next frame; several chunks in one persist phase", () => {
    const board = boot(simDevice(GEOMETRY));
    const senders = [1, 2, 3, 22, 23, 24];
    for (const s of senders) expect(receive(board, s, 1000 + s)).toBe(false);
    // All six are marked; only four refused counters could be remembered.
    expect(board.ceilings.pendingSenders).toBe(6);
    expect(board.ceilings.prepare()).toBe(ErrorCode.Ok);
    expect(board.ceilings.pendingSenders).toBe(0);
    expect(senders.map((s) => board.ceilings.ceiling(s))).toEqual([1001 + 1 + STEP, 1002 + 1 + STEP, 1003 + 1 + STEP, 1022 + 1 + STEP, 0, 0]);
    expect(board.ceilings.raises).toBe(2); // one chunk write each for chunks 0 and 1
    for (const s of [23, 24]) expect(receive(board, s, 1000 + s)).toBe(false);
    board.ceilings.prepare();
    expect([23, 24].map((s) => board.ceilings.ceiling(s))).toEqual([1023 + 1 + STEP, 1024 + 1 + STEP]);
    // The highest refused counter of a sender counts, not the first.
    expect(receive(board, 5, 70)).toBe(false);
    expect(receive(board, 5, 90)).toBe(false);
    expect(receive(board, 5, 80)).toBe(false);
    board.ceilings.prepare();
    expect(board.ceilings.ceiling(5)).toBe(90 + 1 + STEP);
  });

  it("seed propagates the table's refusal (ReplayTableFull), and before seed the persist phase and the flush refuse (WrongState)", () => {
    const device = simDevice(GEOMETRY);
    const board = boot(device);
    for (const s of [1, 2, 3]) receive(board, s, 10);
    board.ceilings.prepare();
    const store = mountAfterPowerUp(device, storeConfig());
    const opened = ReceiveCeilings.open(store, options());
    if (!opened.ok) throw new Error("open");
    expect(opened.value.seeded).toBe(false);
    opened.value.admit(4, 1);
    expect(opened.value.prepare()).toBe(ErrorCode.WrongState);
    expect(opened.value.flushExact()).toBe(ErrorCode.WrongState);
    const small = ReplayTable.create({ capacity: 2, windowBits: 64 });
    if (!small.ok) throw new Error("table");
    expect(opened.value.seed(small.value)).toBe(ErrorCode.ReplayTableFull);
  });

  it("options at their edges are taken: one sender, the largest ids' chunk, the smallest step and low water", () => {
    const config = storeConfig(1);
    const store = mountAfterPowerUp(simDevice(GEOMETRY), config);
    const one = ReceiveCeilings.open(store, { firstKey: FIRST_KEY, senderIdMax: 1, epoch: 0, stepValues: 2, lowWaterValues: 1 });
    expect(one.ok).toBe(true);
    if (!one.ok) return;
    expect(one.value.admit(1, 0)).toBe(false);
    expect(one.value.admit(2, 0)).toBe(false);
    expect(one.value.ceiling(2)).toBe(0);
    const windows = table();
    one.value.seed(windows);
    one.value.prepare();
    expect(one.value.ceiling(1)).toBe(3);
    for (const bad of [{ senderIdMax: 1.5 }, { stepValues: 2.5 }, { lowWaterValues: 1.5 }, { firstKey: 2.5 }, { epoch: 1.5 }, { epoch: 2 ** 32 }]) {
      const opened = ReceiveCeilings.open(store, { firstKey: FIRST_KEY, senderIdMax: 1, epoch: 0, stepValues: 2, lowWaterValues: 1, ...bad });
      expect(opened.ok ? ErrorCode.Ok : opened.code, JSON.stringify(bad)).toBe(ErrorCode.InvalidArgument);
    }
  });
});

describe("receive ceilings: option and proof edges (a store in RAM)", () => {
  const chunkKv = (senders: number, extraKeys = 0): MemoryKv => new MemoryKv(2 * ceilingChunkCount(senders) + extraKeys, (k) => ceilingChunkBytes(k >>> 1, senders));
  const base = (senders: number): ReceiveCeilingsOptions => ({ firstKey: 0, senderIdMax: senders, epoch: 0, stepValues: 16, lowWaterValues: 4 });

  it("takes each option at its largest: 65534 senders, a step of 2^24, low water one below it, the chunks ending at the last key", () => {
    expect(ReceiveCeilings.open(chunkKv(0xfffe), base(0xfffe)).ok).toBe(true);
    expect(ReceiveCeilings.open(chunkKv(8), { ...base(8), stepValues: 1 << 24, lowWaterValues: (1 << 24) - 1, epoch: 0xffff_ffff }).ok).toBe(true);
    const refusals: [Partial<ReceiveCeilingsOptions>, MemoryKv][] = [
      [{ senderIdMax: 0xffff }, chunkKv(0xfffe)],
      [{ stepValues: (1 << 24) + 1 }, chunkKv(8)],
      [{ firstKey: 1 }, chunkKv(8)],
    ];
    for (const [o, kv] of refusals) {
      const opened = ReceiveCeilings.open(kv, { ...base(o.senderIdMax === 0xffff ? 0xfffe : 8), ...o });
      expect(opened.ok ? ErrorCode.Ok : opened.code, JSON.stringify(o)).toBe(ErrorCode.InvalidArgument);
    }
    // Either key of any chunk too small for it: refused.
    for (const small of [0, 1, 2, 3]) {
      const kv = new MemoryKv(4, (k) => (k === small ? ceilingChunkBytes(k >>> 1, 25) - 1 : ceilingChunkBytes(k >>> 1, 25)));
      const opened = ReceiveCeilings.open(kv, base(25));
      expect(opened.ok ? ErrorCode.Ok : opened.code, `key ${small}`).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("proves each chunk from its own two keys: one unread record after both is survived, two are not, in any chunk", () => {
    for (const chunk of [0, 1]) {
      const oneEach = chunkKv(25);
      oneEach.hidden.set(2 * chunk, 1);
      oneEach.hidden.set(2 * chunk + 1, 1);
      expect(ReceiveCeilings.open(oneEach, base(25)).ok, `chunk ${chunk}`).toBe(true);
      for (const [first, mirror] of [
        [2, 2],
        [2, 1],
        [1, 2],
      ] as const) {
        const kv = chunkKv(25);
        kv.hidden.set(2 * chunk, first);
        kv.hidden.set(2 * chunk + 1, mirror);
        const opened = ReceiveCeilings.open(kv, base(25));
        expect(opened.ok ? ErrorCode.Ok : opened.code, `chunk ${chunk}: ${first}/${mirror}`).toBe(ErrorCode.ReceiveCeilingUnprovable);
      }
      // The mirror provably newest (nothing unread after it): proven whatever hides after the first copy.
      const mirrorClean = chunkKv(25);
      mirrorClean.hidden.set(2 * chunk, 5);
      expect(ReceiveCeilings.open(mirrorClean, base(25)).ok).toBe(true);
    }
  });

  it("an unread record after a copy makes open write both copies again, even when they agree", () => {
    const kv = chunkKv(25);
    const value = new Uint8Array(84);
    value[4] = 9;
    kv.put(0, value, 0, 84);
    kv.put(1, value, 0, 84);
    kv.hidden.set(1, 1);
    let puts = 0;
    const counting: KvStore = Object.assign(Object.create(kv) as MemoryKv, {
      put: (key: number, v: Uint8Array, o: number, n: number): Status => {
        puts++;
        return kv.put(key, v, o, n);
      },
    });
    expect(ReceiveCeilings.open(counting, base(25)).ok).toBe(true);
    expect(puts).toBe(2);
  });
});
