/**
 * The edges of link sealing and opening (core/mesh/link-seal.ts) that
 * mutation testing found untested (`npm run mutate`): the frame format
 * against an independent implementation (@noble/hashes BLAKE2s and
 * @noble/ciphers ChaCha20), a keyring that cannot read its secrets (fail
 * closed: nothing sealed under zeros, nothing opened), the windows kept
 * apart, the site and epoch bounds, the receive ceiling, the scratch in an
 * arena and wiped after use, and the sealer's own refusals and counts.
 */
import { describe, expect, it } from "vitest";
import { blake2s } from "@noble/hashes/blake2.js";
import { chacha20 } from "@noble/ciphers/chacha.js";
import { ReplayTable, VolatileCounterSource } from "../../../core/crypto/index";
import type { CounterSource } from "../../../core/crypto/counter-source";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Outcome, Status } from "../../../core/runtime/result";
import { BROADCAST_NODE_ID, FrameType, LinkClass, LinkHeader, LinkOpener, LinkScratch, LinkSealer, parseLinkHeader, windowIdOf, type LinkKeyring, type ReceiveAdmission } from "../../../core/mesh/index";
import { LINK_SCRATCH_BYTES } from "../../../core/mesh/link-seal";
import { keyring } from "./helpers";
import { unwrap } from "./fixtures";
import type { Counter } from "../../../core/runtime/ids";

const ring = keyring();

function keysOf(id: number): LinkKeyring {
  const keys = ring.keysFor(id);
  if (keys === undefined) throw new Error("keys");
  return keys;
}

/** `keys` null: a sealer given no keys. */
function sealerOf(id: number, keys: LinkKeyring | null = keysOf(id), counters: CounterSource = new VolatileCounterSource(1), scratch?: LinkScratch): LinkSealer {
  const s = unwrap(LinkSealer.create(ring.provider, counters, id, scratch));
  if (keys !== null) s.setKeys(keys);
  return s;
}

function openerOf(id: number, keys: LinkKeyring | null = keysOf(id), admission?: ReceiveAdmission): { opener: LinkOpener; replay: ReplayTable } {
  const replay = unwrap(ReplayTable.create({ capacity: 400, windowBits: 64 }));
  return { opener: new LinkOpener(ring.provider, sealerOf(id, keys), replay, new LinkScratch(), admission), replay };
}

function header(type: FrameType, destination: number, transmitter: number): LinkHeader {
  const h = new LinkHeader();
  h.type = type;
  h.trafficClass = LinkClass.Telemetry;
  h.hopLimit = 3;
  h.destination = type === FrameType.Broadcast ? BROADCAST_NODE_ID : destination;
  h.linkHint = transmitter;
  h.relayHint = transmitter;
  return h;
}

function seal(from: number, type: FrameType, to: number, payload: Uint8Array, sealer = sealerOf(from)): Uint8Array {
  const frame = new Uint8Array(255);
  const length = sealer.sealAt(header(type, to, from), payload, 0, payload.length, frame);
  if (length < 0) throw new Error(`seal ${-length}`);
  return frame.slice(0, length);
}

function parsed(frame: Uint8Array): LinkHeader {
  const h = new LinkHeader();
  expect(parseLinkHeader(frame, frame.length, h)).toBe(ErrorCode.Ok);
  return h;
}

/** A keyring whose reads fail as a store that lost its record does (agent/link-keyring.ts). */
function failing(keys: LinkKeyring): LinkKeyring {
  const fail = (out: Uint8Array, at: number): Status => {
    out.fill(0, at, at + 32);
    return ErrorCode.AgentProvisioningMalformed;
  };
  return { epoch: keys.epoch, siteSize: keys.siteSize, hasPair: (peer) => keys.hasPair(peer), pairSecretInto: (_p, out, at) => fail(out, at), floodSecretInto: fail };
}

const personal = (use: string): Uint8Array => new TextEncoder().encode(`PicketL${use}`);

describe("the frame format, against @noble/hashes BLAKE2s and @noble/ciphers ChaCha20", () => {
  for (const [name, type, to] of [
    ["unicast under the pair secret", FrameType.Unicast, 1],
    ["broadcast under F", FrameType.Broadcast, BROADCAST_NODE_ID],
  ] as const) {
    it(`${name}: payload key, ChaCha20 from block 1, end-to-end tag over the header with hop fields zeroed, hop tag over the frame`, () => {
      const payload = Uint8Array.from({ length: 21 }, (_v, i) => i * 9 + 1);
      const frame = seal(7, type, to, payload);
      const h = parsed(frame);
      const secret = new Uint8Array(32);
      expect(type === FrameType.Broadcast ? keysOf(7).floodSecretInto(secret, 0) : keysOf(7).pairSecretInto(1, secret, 0)).toBe(ErrorCode.Ok);
      const flood = new Uint8Array(32);
      expect(keysOf(7).floodSecretInto(flood, 0)).toBe(ErrorCode.Ok);
      const payloadKey = blake2s(new Uint8Array(0), { key: secret, personalization: personal("K"), dkLen: 32 });
      const nonce = new Uint8Array(12);
      nonce[0] = 0;
      nonce[1] = 7;
      new DataView(nonce.buffer).setUint32(8, h.counter);
      const ciphertext = chacha20(payloadKey, nonce, payload, undefined, 1);
      const end = frame.length;
      expect(Array.from(frame.subarray(h.headerBytes, end - 16))).toEqual(Array.from(ciphertext));
      const aad = frame.slice(0, end - 16);
      aad[1] = (aad[1] ?? 0) & ~0x1e;
      aad.fill(0, h.headerBytes - (type === FrameType.Broadcast ? 1 : 2), h.headerBytes);
      const e2e = blake2s(aad, { key: secret, personalization: personal("E"), dkLen: 8 });
      expect(Array.from(frame.subarray(end - 16, end - 8))).toEqual(Array.from(e2e));
      const hop = blake2s(frame.subarray(0, end - 8), { key: flood, personalization: personal("H"), dkLen: 8 });
      expect(Array.from(frame.subarray(end - 8))).toEqual(Array.from(hop));
    });
  }
});

describe("a keyring that cannot read its secrets: fail closed", () => {
  it("sealing refuses with its code, spends the counter, writes no payload and counts nothing sealed", () => {
    const sealer = sealerOf(7, failing(keysOf(7)));
    for (const [type, to] of [[FrameType.Unicast, 1], [FrameType.Broadcast, BROADCAST_NODE_ID]] as const) {
      const frame = new Uint8Array(64).fill(0xee);
      expect(sealer.sealAt(header(type, to, 7), new Uint8Array(8).fill(3), 0, 8, frame)).toBe(-ErrorCode.AgentProvisioningMalformed);
      const h = parsed(frame.subarray(0, 40));
      expect(frame.subarray(h.headerBytes, h.headerBytes + 24).every((b) => b === 0)).toBe(true);
    }
    expect(sealer.sealedCount).toBe(0);
  });

  it("a pair secret that cannot be read refuses the seal even though F can be (never sealed under a zeroed secret)", () => {
    const keys = keysOf(7);
    const pairFails: LinkKeyring = { epoch: keys.epoch, siteSize: keys.siteSize, hasPair: (p) => keys.hasPair(p), pairSecretInto: failing(keys).pairSecretInto, floodSecretInto: (out, at) => keys.floodSecretInto(out, at) };
    const sealer = sealerOf(7, pairFails);
    const frame = new Uint8Array(64).fill(0xee);
    expect(sealer.sealAt(header(FrameType.Unicast, 1, 7), new Uint8Array(8).fill(3), 0, 8, frame)).toBe(-ErrorCode.AgentProvisioningMalformed);
    expect(sealer.sealedCount).toBe(0);
    // The same board's flood still seals: only what needs the missing secret is refused.
    expect(sealer.sealAt(header(FrameType.Broadcast, BROADCAST_NODE_ID, 7), new Uint8Array(8).fill(3), 0, 8, frame)).toBeGreaterThan(0);
  });

  it("the hop check, the hop stamp and the open refuse with its code; no window moves, nothing is written", () => {
    const frame = seal(7, FrameType.Unicast, 1, new Uint8Array(8).fill(5));
    const { opener, replay } = openerOf(1, failing(keysOf(1)));
    expect(opener.verifyHop(frame, frame.length)).toBe(ErrorCode.AgentProvisioningMalformed);
    const before = frame.slice();
    expect(opener.stampHop(frame, frame.length)).toBe(ErrorCode.AgentProvisioningMalformed);
    expect(Array.from(frame)).toEqual(Array.from(before));
    const out = new Uint8Array(64).fill(0xee);
    expect(opener.open(frame, frame.length, parsed(frame), out)).toBe(-ErrorCode.AgentProvisioningMalformed);
    expect(replay.size).toBe(0);
    expect(out.subarray(0, 8).every((b) => b === 0)).toBe(true);
  });

  it("without keys: MeshKeyUnavailable from every call", () => {
    const frame = seal(7, FrameType.Unicast, 1, new Uint8Array(4));
    const { opener } = openerOf(1, null);
    expect(opener.keyCheck(parsed(frame))).toBe(ErrorCode.MeshKeyUnavailable);
    expect(opener.verifyHop(frame, frame.length)).toBe(ErrorCode.MeshKeyUnavailable);
    expect(opener.stampHop(frame, frame.length)).toBe(ErrorCode.MeshKeyUnavailable);
    expect(opener.open(frame, frame.length, parsed(frame), new Uint8Array(64))).toBe(-ErrorCode.MeshKeyUnavailable);
  });
});

describe("windows and bounds", () => {
  it("a pairwise frame's window is its origin's id, an F frame's siteSize + origin: both windows of one origin move apart", () => {
    const unicast = seal(7, FrameType.Unicast, 1, new Uint8Array(4));
    const broadcast = seal(7, FrameType.Broadcast, BROADCAST_NODE_ID, new Uint8Array(4));
    const keys = keysOf(1);
    expect(windowIdOf(keys, parsed(unicast))).toBe(7);
    expect(windowIdOf(keys, parsed(broadcast))).toBe(keys.siteSize + 7);
    // Under F between two boards without a pair secret: the F window too.
    const sensorKeys: LinkKeyring = { ...keys, epoch: keys.epoch, siteSize: keys.siteSize, hasPair: () => false, pairSecretInto: keys.pairSecretInto.bind(keys), floodSecretInto: keys.floodSecretInto.bind(keys) };
    expect(windowIdOf(sensorKeys, parsed(unicast))).toBe(keys.siteSize + 7);
    const { opener, replay } = openerOf(1);
    expect(opener.open(unicast, unicast.length, parsed(unicast), new Uint8Array(64))).toBe(4);
    expect(opener.open(broadcast, broadcast.length, parsed(broadcast), new Uint8Array(64))).toBe(4);
    expect(replay.highest(7)).toBe(parsed(unicast).counter);
    expect(replay.highest(keys.siteSize + 7)).toBe(parsed(broadcast).counter);
  });

  it("the site's last board is inside it, the next id outside (source and destination)", () => {
    const { opener } = openerOf(1);
    const h = parsed(seal(7, FrameType.Unicast, 1, new Uint8Array(4)));
    h.source = ring.siteSize;
    expect(opener.keyCheck(h)).toBe(ErrorCode.Ok);
    h.source = ring.siteSize + 1;
    expect(opener.keyCheck(h)).toBe(ErrorCode.MeshKeyUnavailable);
    h.source = 7;
    h.destination = ring.siteSize;
    expect(opener.keyCheck(h)).toBe(ErrorCode.Ok);
    h.destination = ring.siteSize + 1;
    expect(opener.keyCheck(h)).toBe(ErrorCode.MeshKeyUnavailable);
  });

  it("at epoch 0 there is no previous epoch: phase 7 is a wrong epoch, phase 1 the next", () => {
    const { opener } = openerOf(1);
    const h = parsed(seal(7, FrameType.Broadcast, BROADCAST_NODE_ID, new Uint8Array(2)));
    expect(ring.epoch).toBe(0);
    h.keyPhase = 7;
    expect(opener.keyCheck(h)).toBe(ErrorCode.KeyEpochMismatch);
    h.keyPhase = 1;
    expect(opener.keyCheck(h)).toBe(ErrorCode.KeyEpochUnknown);
  });

  it("the hop tag needs a whole tag: 15 bytes are truncated, 16 are checked", () => {
    const { opener } = openerOf(1);
    const frame = new Uint8Array(32);
    expect(opener.verifyHop(frame, 15)).toBe(ErrorCode.MeshFrameTruncated);
    expect(opener.stampHop(frame, 15)).toBe(ErrorCode.MeshFrameTruncated);
    expect(opener.stampHop(frame, 16)).toBe(ErrorCode.Ok);
    expect(opener.verifyHop(frame, 16)).toBe(ErrorCode.Ok);
    frame[3] = 1;
    expect(opener.verifyHop(frame, 16)).toBe(ErrorCode.CryptoAuthFailed);
  });

  it("open refuses a frame shorter than header + tags (MeshFrameTruncated) and an output smaller than the payload (MeshFrameOversized), before any window moves", () => {
    const frame = seal(7, FrameType.Unicast, 1, new Uint8Array(10));
    const h = parsed(frame);
    const { opener, replay } = openerOf(1);
    expect(opener.open(frame, h.headerBytes + 15, h, new Uint8Array(64))).toBe(-ErrorCode.MeshFrameTruncated);
    expect(opener.open(frame, frame.length, h, new Uint8Array(9))).toBe(-ErrorCode.MeshFrameOversized);
    expect(replay.size).toBe(0);
    expect(opener.open(frame, frame.length, h, new Uint8Array(10))).toBe(10);
  });

  it("a frame authentic and fresh but not below its receive ceiling: MeshReceiveCeiling, nothing committed, no payload out; admitted once raised", () => {
    let allow = false;
    const asked: number[][] = [];
    const admission: ReceiveAdmission = { admit: (w, c) => (asked.push([w, c]), allow), prepare: () => ErrorCode.Ok };
    const frame = seal(7, FrameType.Unicast, 1, new Uint8Array(6).fill(9));
    const h = parsed(frame);
    const { opener, replay } = openerOf(1, keysOf(1), admission);
    expect(opener.admission).toBe(admission);
    const out = new Uint8Array(16).fill(0xee);
    expect(opener.open(frame, frame.length, h, out)).toBe(-ErrorCode.MeshReceiveCeiling);
    expect(replay.size).toBe(0);
    expect(out.subarray(0, 6).every((b) => b === 0)).toBe(true);
    expect(asked).toEqual([[7, h.counter]]);
    // A forged frame never reaches the ceiling.
    const bad = frame.slice();
    bad[h.headerBytes] = (bad[h.headerBytes] ?? 0) ^ 1;
    expect(opener.open(bad, bad.length, h, out)).toBe(-ErrorCode.CryptoAuthFailed);
    expect(asked).toHaveLength(1);
    allow = true;
    expect(opener.open(frame, frame.length, h, out)).toBe(6);
    expect(Array.from(out.subarray(0, 6))).toEqual([9, 9, 9, 9, 9, 9]);
  });
});

describe("the scratch and the sealer's own bookkeeping", () => {
  it("a scratch in an arena at an offset works there only, and is wiped after every seal and open", () => {
    const arena = new ArrayBuffer(8 + LINK_SCRATCH_BYTES + 8);
    new Uint8Array(arena).fill(0xaa);
    const scratch = new LinkScratch(arena, 8);
    const sealer = sealerOf(7, keysOf(7), new VolatileCounterSource(1), scratch);
    const frame = seal(7, FrameType.Unicast, 1, new Uint8Array(5).fill(1), sealer);
    const bytes = new Uint8Array(arena);
    expect(Array.from(bytes.subarray(0, 8))).toEqual(new Array(8).fill(0xaa));
    expect(Array.from(bytes.subarray(8 + LINK_SCRATCH_BYTES))).toEqual(new Array(8).fill(0xaa));
    // The secret and the payload key are zero after the call; the personalization prefix stays.
    expect(scratch.secret.every((b) => b === 0)).toBe(true);
    expect(scratch.derived.every((b) => b === 0)).toBe(true);
    expect(new TextDecoder().decode(scratch.personal.subarray(0, 7))).toBe("PicketL");
    const replay = unwrap(ReplayTable.create({ capacity: 400, windowBits: 64 }));
    const opener = new LinkOpener(ring.provider, sealerOf(1), replay, scratch);
    expect(opener.open(frame, frame.length, parsed(frame), new Uint8Array(16))).toBe(5);
    expect(scratch.secret.every((b) => b === 0)).toBe(true);
    expect(scratch.derived.every((b) => b === 0)).toBe(true);
  });

  it("a board id outside 1..0xfffe makes no sealer", () => {
    for (const id of [0, -1, 0xffff, 1.5, Number.NaN]) expect(LinkSealer.create(ring.provider, new VolatileCounterSource(1), id).ok, String(id)).toBe(false);
    for (const id of [1, 0xfffe]) expect(LinkSealer.create(ring.provider, new VolatileCounterSource(1), id).ok).toBe(true);
  });

  it("a frame buffer too small for header, payload and tags is MeshFrameOversized before a counter is spent; exactly enough seals", () => {
    const sealer = sealerOf(7);
    const payload = new Uint8Array(10);
    expect(sealer.sealAt(header(FrameType.Unicast, 1, 7), payload, 0, 10, new Uint8Array(12 + 10 + 16 - 1))).toBe(-ErrorCode.MeshFrameOversized);
    const h = header(FrameType.Unicast, 1, 7);
    expect(sealer.sealAt(h, payload, 0, 10, new Uint8Array(12 + 10 + 16))).toBeGreaterThan(0);
    expect(h.counter).toBe(1);
    expect(sealer.sealedCount).toBe(1);
  });

  it("counters 0 and 2^32 - 1 seal; a source past it is SendCounterExhausted, counted; next, skip and prepare reach the counter source", () => {
    const zero = sealerOf(7, keysOf(7), new VolatileCounterSource(0));
    const h = header(FrameType.Broadcast, BROADCAST_NODE_ID, 7);
    expect(zero.sealAt(h, new Uint8Array(1), 0, 1, new Uint8Array(64))).toBeGreaterThan(0);
    expect(h.counter).toBe(0);
    const top = sealerOf(7, keysOf(7), new VolatileCounterSource(0xffff_ffff));
    expect(top.sealAt(h, new Uint8Array(1), 0, 1, new Uint8Array(64))).toBeGreaterThan(0);
    expect(h.counter).toBe(0xffff_ffff);
    const calls: string[] = [];
    let value = 0x1_0000_0000;
    const source: CounterSource = {
      next(out: Outcome<Counter>): Status {
        calls.push("next");
        out.value = value as Counter;
        return ErrorCode.Ok;
      },
      skip(values: number): Status {
        calls.push(`skip ${values}`);
        return ErrorCode.Ok;
      },
      prepare(): void {
        calls.push("prepare");
      },
    } as unknown as CounterSource;
    const past = sealerOf(7, keysOf(7), source);
    expect(past.sealAt(h, new Uint8Array(1), 0, 1, new Uint8Array(64))).toBe(-ErrorCode.SendCounterExhausted);
    expect(past.counterFailureCount).toBe(1);
    expect(past.sealedCount).toBe(0);
    value = 41;
    expect(past.nextCounter()).toBe(41);
    expect(past.skipCounter(17)).toBe(ErrorCode.Ok);
    past.prepare();
    expect(calls).toEqual(["next", "next", "skip 17", "prepare"]);
    value = -1;
    expect(past.sealAt(h, new Uint8Array(1), 0, 1, new Uint8Array(64))).toBe(-ErrorCode.SendCounterExhausted);
    expect(past.counterFailureCount).toBe(2);
        const refusing = { ...source, next: (): Status => ErrorCode.CounterNotReserved } as unknown as CounterSource;
    const refused = sealerOf(7, keysOf(7), refusing);
    expect(refused.nextCounter()).toBe(-1);
    expect(refused.sealAt(h, new Uint8Array(1), 0, 1, new Uint8Array(64))).toBe(-ErrorCode.CounterNotReserved);
    expect(refused.counterFailureCount).toBe(1);
  });
});
