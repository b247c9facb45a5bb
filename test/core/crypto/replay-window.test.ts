/**
 * Replay protection (README "Crypto boundary and envelopes", RFC 4303 §3.4.3 / RFC 6479) end to end
 * through frame sealing and opening: duplicated, old-outside-window,
 * reordered-inside-window, forged and wrong-epoch frames. All and only the
 * right ones are rejected, each with its own counter, and forged frames
 * never move a window.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  Channel,
  FRAME_OVERHEAD_BYTES,
  FrameOpener,
  FrameSealer,
  KemAlg,
  ReplayTable,
  TrafficKeyTable,
  VolatileCounterSource,
  initiatePairwise,
  kemKeyCommitment,
  respondPairwise,
  type PairwiseKeys,
  type TrafficKey,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Outcome } from "../../../core/runtime/result";
import type { CryptoKit } from "./fixtures";
import { makeKit, unwrap, utf8 } from "./fixtures";
import type { Counter } from "../../../core/runtime/ids";

const A = 1;
const B = 2;
const WINDOW = 64;

interface Link {
  readonly kit: CryptoKit;
  readonly sealer: FrameSealer;
  readonly opener: FrameOpener;
  readonly replay: ReplayTable;
  readonly keys: TrafficKeyTable;
  readonly send: TrafficKey;
  readonly counters: VolatileCounterSource;
}

/** A pairwise session A -> B at key epoch `epoch`, established with ML-KEM-512. */
function establish(kit: CryptoKit, epoch: number): { a: PairwiseKeys; b: PairwiseKeys } {
  const kem = unwrap(kit.provider.generateKemKey(KemAlg.MlKem512));
  const pub = new Uint8Array(800);
  kit.provider.publicKey(kem, pub);
  const commitment = new Uint8Array(32);
  kemKeyCommitment(kit.provider, KemAlg.MlKem512, pub, commitment);
  const ct = new Uint8Array(768);
  const ctx = { initiatorId: A, responderId: B, epoch };
  const a = unwrap(initiatePairwise(kit.provider, KemAlg.MlKem512, pub, commitment, ctx, ct));
  const b = unwrap(respondPairwise(kit.provider, kem, commitment, ct, ctx));
  kit.provider.destroyKey(kem);
  return { a, b };
}

function makeLink(replayCapacity = 4): Link {
  const kit = makeKit(51);
  const { a, b } = establish(kit, 0);
  const keys = unwrap(TrafficKeyTable.create(kit.provider, 8));
  expect(keys.install(A, b.receive)).toBe(ErrorCode.Ok);
  const replay = unwrap(ReplayTable.create({ capacity: replayCapacity, windowBits: WINDOW }));
  const groupKeys = unwrap(TrafficKeyTable.create(kit.provider, 2));
  const groupReplay = unwrap(ReplayTable.create({ capacity: 2, windowBits: WINDOW }));
  const opener = unwrap(FrameOpener.create(kit.provider, [groupKeys, keys], [groupReplay, replay]));
  const counters = new VolatileCounterSource();
  const sealer = unwrap(FrameSealer.create(kit.provider, counters, A));
  return { kit, sealer, opener, replay, keys, send: a.send, counters };
}

function seal(link: Link, text: string, key: TrafficKey = link.send): Uint8Array {
  const plaintext = utf8(text);
  const out = new Uint8Array(plaintext.length + FRAME_OVERHEAD_BYTES);
  expect(link.sealer.seal(Channel.Pairwise, key, plaintext, new Uint8Array(0), out)).toBe(out.length);
  return out;
}

function open(link: Link, frame: Uint8Array): number {
  return link.opener.open(frame, new Uint8Array(0), new Uint8Array(frame.length));
}

/** Every refusal counter at once, for "each with its own counter" checks. */
function tally(link: Link): Record<string, number> {
  return {
    opened: link.opener.opened,
    forged: link.opener.forged,
    malformed: link.opener.malformed,
    unknownKey: link.opener.unknownKey,
    duplicate: link.replay.duplicateCount,
    tooOld: link.replay.tooOldCount,
    wrongEpoch: link.replay.wrongEpochCount,
    tableFull: link.replay.tableFullCount,
  };
}

const ZERO = { opened: 0, forged: 0, malformed: 0, unknownKey: 0, duplicate: 0, tooOld: 0, wrongEpoch: 0, tableFull: 0 };

describe("replay protection through frame open", () => {
  let link: Link;
  beforeEach(() => {
    link = makeLink();
  });

  it("frames in order open and decrypt; the window tracks the highest counter", () => {
    const frames = [0, 1, 2].map((i) => seal(link, `reading ${i}`));
    const out = new Uint8Array(64);
    for (const frame of frames) {
      const length = link.opener.open(frame, new Uint8Array(0), out);
      expect(length).toBe(9);
    }
    expect(new TextDecoder().decode(out.subarray(0, 9))).toBe("reading 2");
    expect(link.replay.highest(A)).toBe(2);
    expect(tally(link)).toEqual({ ...ZERO, opened: 3 });
  });

  it("a duplicated frame is refused as ReplayDuplicate and counted once", () => {
    const frame = seal(link, "x");
    expect(open(link, frame)).toBeGreaterThanOrEqual(0);
    expect(open(link, frame)).toBe(-ErrorCode.ReplayDuplicate);
    expect(tally(link)).toEqual({ ...ZERO, opened: 1, duplicate: 1 });
  });

  it("frames reordered inside the window are all accepted, exactly once each", () => {
    const frames = Array.from({ length: 10 }, (_, i) => seal(link, `f${i}`));
    const order = [9, 3, 0, 7, 1, 2, 8, 4, 6, 5];
    for (const i of order) expect(open(link, frames[i] ?? new Uint8Array(0))).toBeGreaterThanOrEqual(0);
    for (const i of order) expect(open(link, frames[i] ?? new Uint8Array(0))).toBe(-ErrorCode.ReplayDuplicate);
    expect(tally(link)).toEqual({ ...ZERO, opened: 10, duplicate: 10 });
  });

  it("a frame older than the window is refused as ReplayTooOld, one inside it is accepted", () => {
    const frames = Array.from({ length: WINDOW + 6 }, (_, i) => seal(link, `f${i}`));
    expect(open(link, frames[WINDOW + 5] ?? new Uint8Array(0))).toBeGreaterThanOrEqual(0); // highest = 69
    expect(open(link, frames[5] ?? new Uint8Array(0))).toBe(-ErrorCode.ReplayTooOld); // 5 + 64 <= 69
    expect(open(link, frames[6] ?? new Uint8Array(0))).toBeGreaterThanOrEqual(0); // 6 + 64 > 69: inside
    expect(tally(link)).toEqual({ ...ZERO, opened: 2, tooOld: 1 });
  });

  it("a forged frame (tampered ciphertext or header) fails authentication and moves no window", () => {
    const genuine = Array.from({ length: 3 }, (_, i) => seal(link, `f${i}`));
    const tamperedBody = genuine[0]?.slice() ?? new Uint8Array(0);
    tamperedBody[12] = (tamperedBody[12] ?? 0) ^ 1;
    expect(open(link, tamperedBody)).toBe(-ErrorCode.CryptoAuthFailed);
    // An attacker raising the counter to 1000: the header is authenticated, so this is a forgery too.
    const raisedCounter = genuine[1]?.slice() ?? new Uint8Array(0);
    raisedCounter[7] = 0x03;
    raisedCounter[8] = 0xe8;
    expect(open(link, raisedCounter)).toBe(-ErrorCode.CryptoAuthFailed);
    expect(link.replay.highest(A)).toBe(-1);
    // The genuine frames, including the one whose counter the forgery reused, still open.
    for (const frame of genuine) expect(open(link, frame)).toBeGreaterThanOrEqual(0);
    expect(tally(link)).toEqual({ ...ZERO, opened: 3, forged: 2 });
  });

  it("after rotation, frames of the old epoch are refused as ReplayWrongEpoch; an epoch without a key is KeyEpochUnknown", () => {
    const old = seal(link, "epoch 0 frame");
    const late = seal(link, "epoch 0, delayed");
    expect(open(link, old)).toBeGreaterThanOrEqual(0);
    const next = establish(link.kit, 1);
    expect(link.keys.install(A, next.b.receive)).toBe(ErrorCode.Ok);
    expect(open(link, seal(link, "epoch 1 frame", next.a.send))).toBeGreaterThanOrEqual(0);
    expect(link.replay.epochOf(A)).toBe(1);
    expect(open(link, late)).toBe(-ErrorCode.ReplayWrongEpoch);
    // Retiring the old epoch destroys its key: its frames are now unknown-key.
    expect(link.keys.retireBefore(A, 1)).toBe(1);
    expect(open(link, late)).toBe(-ErrorCode.KeyEpochUnknown);
    const future = seal(link, "epoch 1 frame", { ...next.a.send, epoch: 7 });
    expect(open(link, future)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(tally(link)).toEqual({ ...ZERO, opened: 2, wrongEpoch: 1, unknownKey: 2 });
  });

  it("malformed frames (short, unknown version or channel) are FrameMalformed", () => {
    const frame = seal(link, "ok");
    expect(open(link, frame.subarray(0, FRAME_OVERHEAD_BYTES - 1))).toBe(-ErrorCode.FrameMalformed);
    const badVersion = frame.slice();
    badVersion[0] = 0x21;
    expect(open(link, badVersion)).toBe(-ErrorCode.FrameMalformed);
    const badChannel = frame.slice();
    badChannel[0] = 0x17;
    expect(open(link, badChannel)).toBe(-ErrorCode.FrameMalformed);
    expect(tally(link)).toEqual({ ...ZERO, malformed: 3 });
  });

  it("the caller's AAD is authenticated: a frame sealed for another context does not open", () => {
    const plaintext = utf8("to gateway 9");
    const out = new Uint8Array(plaintext.length + FRAME_OVERHEAD_BYTES);
    link.sealer.seal(Channel.Pairwise, link.send, plaintext, Uint8Array.of(9), out);
    expect(link.opener.open(out, Uint8Array.of(8), new Uint8Array(out.length))).toBe(-ErrorCode.CryptoAuthFailed);
    expect(link.opener.open(out, Uint8Array.of(9), new Uint8Array(out.length))).toBe(plaintext.length);
  });

  it("a full replay table refuses a new sender (ReplayTableFull) and evicts nobody", () => {
    const small = makeLink(1);
    expect(open(small, seal(small, "from A"))).toBeGreaterThanOrEqual(0);
    // A second sender C with its own key in the table.
    const { a: cSide, b: bSide } = establish(small.kit, 0);
    expect(small.keys.install(3, bSide.receive)).toBe(ErrorCode.Ok);
    const cSealer = unwrap(FrameSealer.create(small.kit.provider, new VolatileCounterSource(), 3));
    const plaintext = utf8("from C");
    const frame = new Uint8Array(plaintext.length + FRAME_OVERHEAD_BYTES);
    cSealer.seal(Channel.Pairwise, cSide.send, plaintext, new Uint8Array(0), frame);
    expect(open(small, frame)).toBe(-ErrorCode.ReplayTableFull);
    expect(small.replay.highest(A)).toBe(0);
    expect(tally(small)).toEqual({ ...ZERO, opened: 1, tableFull: 1 });
  });

  it("the sealer refuses when the counter source fails or is exhausted; nothing is sent with a reused counter", () => {
    const exhausted = unwrap(FrameSealer.create(link.kit.provider, new VolatileCounterSource(0xffff_ffff, 0xffff_ffff + 1), A));
    const out = new Uint8Array(1 + FRAME_OVERHEAD_BYTES);
    expect(exhausted.seal(Channel.Pairwise, link.send, Uint8Array.of(1), new Uint8Array(0), out)).toBe(out.length);
    expect(exhausted.seal(Channel.Pairwise, link.send, Uint8Array.of(1), new Uint8Array(0), out)).toBe(-ErrorCode.SendCounterExhausted);
    const failing = unwrap(FrameSealer.create(link.kit.provider, { next: (o: Outcome<Counter>) => o.fail(ErrorCode.DeviceFault), prepare: () => ErrorCode.Ok, skip: () => ErrorCode.Ok }, A));
    expect(failing.seal(Channel.Pairwise, link.send, Uint8Array.of(1), new Uint8Array(0), out)).toBe(-ErrorCode.SendCounterUnavailable);
    expect(failing.counterFailureCount).toBe(1);
    // The storage reservation scheme's ceiling (CounterExhausted) means "rekey", like our own limit.
    const ceiling = unwrap(FrameSealer.create(link.kit.provider, { next: (o: Outcome<Counter>) => o.fail(ErrorCode.CounterExhausted), prepare: () => ErrorCode.Ok, skip: () => ErrorCode.Ok }, A));
    expect(ceiling.seal(Channel.Pairwise, link.send, Uint8Array.of(1), new Uint8Array(0), out)).toBe(-ErrorCode.SendCounterExhausted);
  });
});

describe("ReplayTable directly: window edges and arguments", () => {
  it("accepts exactly the counters a reference set model accepts (random schedule)", () => {
    const table = unwrap(ReplayTable.create({ capacity: 2, windowBits: 128 }));
    const seen = new Set<number>();
    let highest = -1;
    let state = 12345;
    for (let step = 0; step < 5000; step++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const counter = Math.max(0, highest + ((state >>> 8) % 300) - 200);
      // RFC 4303 §3.4.3 order: below the window first (even if it was seen), then the bitmap.
      const expected = counter + 128 <= highest ? ErrorCode.ReplayTooOld : seen.has(counter) ? ErrorCode.ReplayDuplicate : ErrorCode.Ok;
      expect(table.check(9, 0, counter)).toBe(expected);
      expect(table.commit(9, 0, counter)).toBe(expected);
      if (expected === ErrorCode.Ok) {
        seen.add(counter);
        highest = Math.max(highest, counter);
      }
    }
  });

  it("refuses bad configuration and bad arguments", () => {
    expect(ReplayTable.create({ capacity: 4, windowBits: 32 }).ok).toBe(false);
    expect(ReplayTable.create({ capacity: 4, windowBits: 100 }).ok).toBe(false);
    expect(ReplayTable.create({ capacity: 0, windowBits: 64 }).ok).toBe(false);
    const table = unwrap(ReplayTable.create({ capacity: 1, windowBits: 64 }));
    expect(table.check(1, 0, -1)).toBe(ErrorCode.InvalidArgument);
    expect(table.check(1, 0, 2 ** 32)).toBe(ErrorCode.InvalidArgument);
    expect(table.check(-1, 0, 0)).toBe(ErrorCode.InvalidArgument);
  });
});
