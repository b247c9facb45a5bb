/**
 * FrameSealer / FrameOpener / parseFrameHeader (core/crypto/frame-protect.ts)
 * against the changes mutation testing (`npm run mutate -- --mutate
 * core/crypto/frame-protect.ts`) found no test noticing: the exact header
 * bytes, nonce (nonce base XOR the counter, cf. RFC 8613 §5.2) and AAD a
 * frame is sealed under, checked against the provider's AEAD directly; every
 * argument edge accepted and the value past it refused with its code; a
 * refused seal consuming no counter and counting what it should; a refused
 * open moving no replay window and leaving no plaintext behind.
 */
import { describe, expect, it } from "vitest";
import {
  Channel,
  CoseAlg,
  FRAME_AAD_MAX_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_OVERHEAD_BYTES,
  FrameHeader,
  FrameOpener,
  FrameSealer,
  KemAlg,
  KeyKind,
  PortableCryptoProvider,
  ReplayTable,
  SENDER_ID_MAX,
  TrafficKeyTable,
  VolatileCounterSource,
  makeTrafficKey,
  parseFrameHeader,
  type CounterSource,
  type TrafficKey,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Outcome, Result, Status } from "../../../core/runtime/result";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`setup failed with code ${result.code}`);
  return result.value;
}

const SENDER = 0x1234;
const EPOCH = 0xabcd;
const NONCE_BASE = Uint8Array.from({ length: 12 }, (_, i) => 0x30 + i);

/** A counter source that first fails with each code of `failWith`, then hands out `values`, then refuses (SendCounterUnavailable). */
class Scripted implements CounterSource {
  readonly values: (number | ErrorCode)[];
  calls = 0;
  constructor(values: number[], private readonly failWith: ErrorCode[] = []) {
    this.values = values;
  }
  next(out: Outcome<number>): Status {
    this.calls++;
    const failure = this.failWith.shift();
    if (failure !== undefined) return out.fail(failure as Parameters<typeof out.fail>[0]);
    const value = this.values.shift();
    if (value === undefined) return out.fail(ErrorCode.SendCounterUnavailable);
    return out.succeed(value);
  }
  skip(): Status {
    return ErrorCode.Ok;
  }
  prepare(): Status {
    return ErrorCode.Ok;
  }
}

interface Rig {
  readonly provider: PortableCryptoProvider;
  readonly key: TrafficKey;
  readonly opener: FrameOpener;
  readonly replay: ReplayTable;
  readonly keys: TrafficKeyTable;
}

function rig(epoch = EPOCH, sender = SENDER): Rig {
  const provider = unwrap(
    PortableCryptoProvider.create({ fill: () => ErrorCode.EntropyUnavailable }, { symmetricSlots: 6, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }, null),
  );
  const handle = unwrap(provider.importSymmetricKey(KeyKind.Aead, Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i)));
  const key = unwrap(makeTrafficKey(handle, NONCE_BASE, epoch));
  const keys = unwrap(TrafficKeyTable.create(provider, 4));
  expect(keys.install(sender, key)).toBe(ErrorCode.Ok);
  const groupKeys = unwrap(TrafficKeyTable.create(provider, 2));
  const replay = unwrap(ReplayTable.create({ capacity: 4, windowBits: 64 }));
  const groupReplay = unwrap(ReplayTable.create({ capacity: 2, windowBits: 64 }));
  const opener = unwrap(FrameOpener.create(provider, [groupKeys, keys], [groupReplay, replay]));
  return { provider, key, opener, replay, keys };
}

function seal(sealer: FrameSealer, key: TrafficKey, plaintext: Uint8Array, aad = new Uint8Array(0), extra = 0): number | Uint8Array {
  const out = new Uint8Array(plaintext.length + FRAME_OVERHEAD_BYTES + extra);
  const n = sealer.seal(Channel.Pairwise, key, plaintext, aad, out);
  return n < 0 ? n : out.slice(0, n);
}

function counters(r: Rig): number[] {
  return [r.opener.opened, r.opener.malformed, r.opener.unknownKey, r.opener.forged, r.replay.acceptedCount, r.replay.duplicateCount];
}

describe("FrameSealer: the exact bytes of a frame", () => {
  it("header = 0x10 | channel, sender, epoch, counter (big-endian); body = the provider's AEAD under nonce base XOR counter and AAD header || caller AAD", () => {
    const r = rig();
    for (const counter of [0, 1, 0x89abcdef, 0xffff_ffff]) {
      const sealer = unwrap(FrameSealer.create(r.provider, new Scripted([counter]), SENDER));
      const plaintext = Uint8Array.of(1, 2, 3, 4, 5);
      const aad = Uint8Array.of(0xde, 0xad);
      const frame = seal(sealer, r.key, plaintext, aad);
      if (typeof frame === "number") throw new Error(`seal ${frame}`);
      expect(frame.length).toBe(plaintext.length + FRAME_OVERHEAD_BYTES);
      const header = [0x11, 0x12, 0x34, 0xab, 0xcd, counter >>> 24, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff, counter & 0xff];
      expect(Array.from(frame.subarray(0, FRAME_HEADER_BYTES))).toEqual(header);
      const nonce = NONCE_BASE.slice();
      for (let i = 0; i < 4; i++) nonce[8 + i] = (nonce[8 + i] ?? 0) ^ (header[5 + i] ?? 0);
      const expected = new Uint8Array(plaintext.length + 16);
      expect(r.provider.aeadSeal(r.key.handle, nonce, Uint8Array.of(...header, 0xde, 0xad), plaintext, expected)).toBe(expected.length);
      expect(Array.from(frame.subarray(FRAME_HEADER_BYTES))).toEqual(Array.from(expected));
      expect(sealer.sealedCount).toBe(1);
      // And the opener takes it back, under the same AAD only.
      const out = new Uint8Array(plaintext.length);
      expect(r.opener.open(frame, Uint8Array.of(0xde, 0xae), out)).toBe(-ErrorCode.CryptoAuthFailed);
      expect(r.opener.open(frame, aad, out)).toBe(plaintext.length);
      expect(Array.from(out)).toEqual(Array.from(plaintext));
    }
  });

  it("the group channel and the sender id edges 0 and SENDER_ID_MAX are written as given", () => {
    const r = rig();
    for (const sender of [0, SENDER_ID_MAX]) {
      const sealer = unwrap(FrameSealer.create(r.provider, new VolatileCounterSource(7), sender));
      const out = new Uint8Array(FRAME_OVERHEAD_BYTES);
      expect(sealer.seal(Channel.Group, r.key, new Uint8Array(0), new Uint8Array(0), out)).toBe(FRAME_OVERHEAD_BYTES);
      expect(Array.from(out.subarray(0, 9))).toEqual([0x10, sender >>> 8, sender & 0xff, 0xab, 0xcd, 0, 0, 0, 7]);
    }
  });

  it("refuses a sender id that is not a u16 with InvalidArgument", () => {
    const r = rig();
    for (const sender of [-1, 1.5, SENDER_ID_MAX + 1]) {
      const made = FrameSealer.create(r.provider, new VolatileCounterSource(), sender);
      expect(made.ok ? 0 : made.code, `sender ${sender}`).toBe(ErrorCode.InvalidArgument);
    }
  });
});

describe("FrameSealer refusals: their codes, their counters, and no counter consumed before the key and buffer are known good", () => {
  it("an output one byte short is CryptoBufferTooSmall and an epoch above 0xffff InvalidArgument; neither draws a counter", () => {
    const r = rig();
    const source = new Scripted([5, 6]);
    const sealer = unwrap(FrameSealer.create(r.provider, source, SENDER));
    const short = new Uint8Array(3 + FRAME_OVERHEAD_BYTES - 1);
    expect(sealer.seal(Channel.Pairwise, r.key, new Uint8Array(3), new Uint8Array(0), short)).toBe(-ErrorCode.CryptoBufferTooSmall);
    expect(short.every((b) => b === 0)).toBe(true);
    const wide = { ...r.key, epoch: 0x1_0000 };
    expect(sealer.seal(Channel.Pairwise, wide, new Uint8Array(3), new Uint8Array(0), new Uint8Array(64))).toBe(-ErrorCode.InvalidArgument);
    expect([source.calls, sealer.sealedCount, sealer.counterFailureCount]).toEqual([0, 0, 0]);
    const edge = unwrap(makeTrafficKey(r.key.handle, NONCE_BASE, 0xffff));
    const frame = seal(sealer, edge, new Uint8Array(3));
    if (typeof frame === "number") throw new Error(`seal ${frame}`);
    expect(Array.from(frame.subarray(3, 9))).toEqual([0xff, 0xff, 0, 0, 0, 5]); // the first counter, not a later one
  });

  it("a failing counter source: exhaustion (either code) is SendCounterExhausted, anything else SendCounterUnavailable; each counted, nothing sealed", () => {
    const r = rig();
    const source = new Scripted([9], [ErrorCode.SendCounterExhausted, ErrorCode.CounterExhausted, ErrorCode.StorageFull, ErrorCode.SendCounterUnavailable]);
    const sealer = unwrap(FrameSealer.create(r.provider, source, SENDER));
    const out = new Uint8Array(64).fill(0xee);
    const codes = [0, 1, 2, 3].map(() => sealer.seal(Channel.Pairwise, r.key, new Uint8Array(3), new Uint8Array(0), out));
    expect(codes).toEqual([-ErrorCode.SendCounterExhausted, -ErrorCode.SendCounterExhausted, -ErrorCode.SendCounterUnavailable, -ErrorCode.SendCounterUnavailable]);
    expect([sealer.counterFailureCount, sealer.sealedCount]).toEqual([4, 0]);
    expect(out.every((b) => b === 0xee)).toBe(true);
    expect(sealer.seal(Channel.Pairwise, r.key, new Uint8Array(3), new Uint8Array(0), out)).toBe(3 + FRAME_OVERHEAD_BYTES);
    expect([sealer.counterFailureCount, sealer.sealedCount]).toEqual([4, 1]);
  });

  it("a counter value that is not a u32 (negative, fractional, 2^32) is SendCounterExhausted, counted, nothing written", () => {
    const r = rig();
    const source = new Scripted([-1, 0.5, 2 ** 32, 0xffff_ffff]);
    const sealer = unwrap(FrameSealer.create(r.provider, source, SENDER));
    const out = new Uint8Array(64).fill(0xee);
    for (let i = 0; i < 3; i++) expect(sealer.seal(Channel.Pairwise, r.key, new Uint8Array(3), new Uint8Array(0), out)).toBe(-ErrorCode.SendCounterExhausted);
    expect(out.every((b) => b === 0xee)).toBe(true);
    expect([sealer.counterFailureCount, sealer.sealedCount]).toEqual([3, 0]);
    expect(sealer.seal(Channel.Pairwise, r.key, new Uint8Array(3), new Uint8Array(0), out)).toBe(3 + FRAME_OVERHEAD_BYTES);
    expect(Array.from(out.subarray(5, 9))).toEqual([0xff, 0xff, 0xff, 0xff]);
  });

  it("caller AAD up to FRAME_AAD_MAX_BYTES is sealed; one byte more is CryptoBadLength and nothing is counted as sealed", () => {
    const r = rig();
    const sealer = unwrap(FrameSealer.create(r.provider, new VolatileCounterSource(1), SENDER));
    const longest = new Uint8Array(FRAME_AAD_MAX_BYTES).fill(0x61);
    const frame = seal(sealer, r.key, Uint8Array.of(1), longest);
    if (typeof frame === "number") throw new Error(`seal ${frame}`);
    expect(r.opener.open(frame, new Uint8Array(FRAME_AAD_MAX_BYTES + 1), new Uint8Array(1))).toBe(-ErrorCode.CryptoBadLength);
    expect(counters(r)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.opener.open(frame, longest, new Uint8Array(1))).toBe(1);
    expect(sealer.seal(Channel.Pairwise, r.key, Uint8Array.of(1), new Uint8Array(FRAME_AAD_MAX_BYTES + 1), new Uint8Array(64))).toBe(-ErrorCode.CryptoBadLength);
    expect(sealer.sealedCount).toBe(1);
  });

  it("a destroyed key: the provider's code comes back and nothing is counted as sealed", () => {
    const r = rig();
    const sealer = unwrap(FrameSealer.create(r.provider, new VolatileCounterSource(1), SENDER));
    expect(r.provider.destroyKey(r.key.handle)).toBe(ErrorCode.Ok);
    expect(sealer.seal(Channel.Pairwise, r.key, Uint8Array.of(1), new Uint8Array(0), new Uint8Array(64))).toBe(-ErrorCode.CryptoKeyDestroyed);
    expect(sealer.sealedCount).toBe(0);
  });
});

describe("parseFrameHeader", () => {
  it("reads every field, a counter above 2^31 as unsigned, from a frame of exactly the overhead", () => {
    const frame = new Uint8Array(FRAME_OVERHEAD_BYTES);
    frame.set([0x11, 0xfe, 0xdc, 0x80, 0x01, 0xf0, 0x01, 0x02, 0x03]);
    const h = new FrameHeader();
    expect(parseFrameHeader(frame, h)).toBe(ErrorCode.Ok);
    expect([h.channel, h.senderId, h.epoch, h.counter]).toEqual([1, 0xfedc, 0x8001, 0xf0010203]);
    frame[0] = 0x10;
    expect(parseFrameHeader(frame, h)).toBe(ErrorCode.Ok);
    expect(h.channel).toBe(0);
  });

  it("refuses a frame shorter than the overhead, another version or a channel other than 0 and 1, leaving the header as it was", () => {
    const h = new FrameHeader();
    h.senderId = 77;
    const short = new Uint8Array(FRAME_OVERHEAD_BYTES - 1);
    short[0] = 0x10;
    expect(parseFrameHeader(short, h)).toBe(ErrorCode.FrameMalformed);
    for (const first of [0x00, 0x20, 0x12, 0x1f, 0x01, 0xf1]) {
      const frame = new Uint8Array(FRAME_OVERHEAD_BYTES);
      frame[0] = first;
      expect(parseFrameHeader(frame, h), `first byte ${first}`).toBe(ErrorCode.FrameMalformed);
    }
    expect(h.senderId).toBe(77);
  });
});

describe("FrameOpener refusals: their codes and counters, no window moved, no plaintext left", () => {
  function sealed(r: Rig, counter: number, plaintext = Uint8Array.of(0x50, 0x51, 0x52)): Uint8Array {
    const sealer = unwrap(FrameSealer.create(r.provider, new Scripted([counter]), SENDER));
    const frame = seal(sealer, r.key, plaintext);
    if (typeof frame === "number") throw new Error(`seal ${frame}`);
    return frame;
  }

  it("refuses key and replay lists that are not exactly [group, pairwise]", () => {
    const r = rig();
    const table = unwrap(TrafficKeyTable.create(r.provider, 1));
    const replay = unwrap(ReplayTable.create({ capacity: 1, windowBits: 64 }));
    for (const [keys, replays] of [
      [[table], [replay, replay]],
      [[table, table, table], [replay, replay]],
      [[table, table], [replay]],
      [[table, table], [replay, replay, replay]],
    ] as const) {
      const made = FrameOpener.create(r.provider, keys, replays);
      expect(made.ok ? 0 : made.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("an output one byte short is CryptoBufferTooSmall: nothing counted, the frame still opens after", () => {
    const r = rig();
    const frame = sealed(r, 4);
    expect(r.opener.open(frame, new Uint8Array(0), new Uint8Array(2))).toBe(-ErrorCode.CryptoBufferTooSmall);
    expect(counters(r)).toEqual([0, 0, 0, 0, 0, 0]);
    const out = new Uint8Array(3);
    expect(r.opener.open(frame, new Uint8Array(0), out)).toBe(3);
    expect(Array.from(out)).toEqual([0x50, 0x51, 0x52]);
    expect(counters(r)).toEqual([1, 0, 0, 0, 1, 0]);
    expect(r.opener.lastHeader.counter).toBe(4);
    expect(r.opener.lastHeader.senderId).toBe(SENDER);
  });

  it("a short output is refused before any key work: even a frame from an unknown sender is CryptoBufferTooSmall, not counted as an unknown key", () => {
    const r = rig();
    const other = rig(EPOCH, SENDER + 1);
    const sealer = unwrap(FrameSealer.create(other.provider, new VolatileCounterSource(1), SENDER + 1));
    const frame = seal(sealer, other.key, Uint8Array.of(1, 2, 3));
    if (typeof frame === "number") throw new Error("seal");
    expect(r.opener.open(frame, new Uint8Array(0), new Uint8Array(2))).toBe(-ErrorCode.CryptoBufferTooSmall);
    expect(counters(r)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.opener.open(frame, new Uint8Array(0), new Uint8Array(3))).toBe(-ErrorCode.KeyEpochUnknown);
    expect(counters(r)).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it("malformed, unknown key, replayed and forged frames each count once under their own counter, and none moves the window", () => {
    const r = rig();
    const out = new Uint8Array(16);
    expect(r.opener.open(new Uint8Array(FRAME_OVERHEAD_BYTES - 1), new Uint8Array(0), out)).toBe(-ErrorCode.FrameMalformed);
    expect(counters(r)).toEqual([0, 1, 0, 0, 0, 0]);
    const other = rig(EPOCH, SENDER + 1); // a sender this opener has no key for
    const unknown = unwrap(FrameSealer.create(other.provider, new VolatileCounterSource(1), SENDER + 1));
    const unknownFrame = seal(unknown, other.key, Uint8Array.of(1));
    if (typeof unknownFrame === "number") throw new Error("seal");
    expect(r.opener.open(unknownFrame, new Uint8Array(0), out)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(counters(r)).toEqual([0, 1, 1, 0, 0, 0]);
    const frame = sealed(r, 9);
    const forged = frame.slice();
    forged[FRAME_HEADER_BYTES] = (forged[FRAME_HEADER_BYTES] ?? 0) ^ 1;
    out.fill(0xee);
    expect(r.opener.open(forged, new Uint8Array(0), out)).toBe(-ErrorCode.CryptoAuthFailed);
    expect(out.subarray(0, 3).every((b) => b === 0)).toBe(true);
    expect(counters(r)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(r.opener.open(frame, new Uint8Array(0), out)).toBe(3); // the forgery moved no window
    expect(r.opener.open(frame, new Uint8Array(0), out)).toBe(-ErrorCode.ReplayDuplicate);
    expect(counters(r)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("a key that fails for another reason than the tag is not counted as a forgery", () => {
    const r = rig();
    const frame = sealed(r, 2);
    expect(r.provider.destroyKey(r.key.handle)).toBe(ErrorCode.Ok);
    expect(r.opener.open(frame, new Uint8Array(0), new Uint8Array(3))).toBe(-ErrorCode.CryptoKeyDestroyed);
    expect(counters(r)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("a replay commit refused after the tag verified: the code comes back, the plaintext is wiped, nothing counted as opened", () => {
    const r = rig();
    const frame = sealed(r, 3);
    const refusing = {
      check: () => ErrorCode.Ok,
      commit: () => ErrorCode.ReplayTableFull,
    } as unknown as ReplayTable;
    const groupReplay = unwrap(ReplayTable.create({ capacity: 1, windowBits: 64 }));
    const opener = unwrap(FrameOpener.create(r.provider, [unwrap(TrafficKeyTable.create(r.provider, 1)), r.keys], [groupReplay, refusing]));
    const out = new Uint8Array(5).fill(0xee);
    expect(opener.open(frame, new Uint8Array(0), out)).toBe(-ErrorCode.ReplayTableFull);
    expect(Array.from(out)).toEqual([0, 0, 0, 0xee, 0xee]);
    expect(opener.opened).toBe(0);
  });
});
