/**
 * Link frames (README "Mesh transport": link frames): the compact header, its associated data, and
 * sealing/opening with the crypto issue's keys, counters and replay windows.
 * Overhead is measured here and must stay within the goal.
 */
import { describe, expect, it } from "vitest";
import {
  CoseAlg,
  KemAlg,
  NobleCryptoProvider,
  ReplayTable,
  TrafficKeyTable,
  VolatileCounterSource,
  createGroupSecret,
  deriveGroupSenderKey,
} from "../../core/crypto/index";
import { ErrorCode } from "../../core/runtime/errors";
import {
  BROADCAST_NODE_ID,
  FrameType,
  hasDestination,
  KEY_PHASE_BITS,
  KEY_PHASE_MASK,
  LINK_FORMAT_ESCAPE_CLASS,
  LINK_TAG_BYTES,
  LinkClass,
  LinkHeader,
  LinkOpener,
  LinkSealer,
  SHORT_COUNTER_LIMIT,
  linkHeaderBytes,
  parseLinkHeader,
  rewriteHopFields,
  writeAad,
  writeLinkHeader,
} from "../../core/mesh/index";
import { keyring } from "../mesh/helpers";
import { unwrap } from "../mesh/fixtures";
import { SeededEntropy } from "../../hal/sim/entropy";

function header(type: FrameType, fields: Partial<LinkHeader> = {}): LinkHeader {
  const h = new LinkHeader();
  h.type = type;
  h.trafficClass = LinkClass.Alert;
  h.hopLimit = 3;
  h.hopsTaken = 1;
  h.source = 0x1234;
  h.destination = hasDestination(type) ? 0x0042 : BROADCAST_NODE_ID;
  h.counter = 0x00abcdef;
  h.linkHint = 0x77;
  h.relayHint = hasDestination(type) ? 0x66 : 0;
  Object.assign(h, fields);
  return h;
}

function sealer(id: number, counterStart = 1): LinkSealer {
  const ring = keyring();
  const s = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(counterStart), id));
  const key = ring.sendKey(id);
  if (key === undefined) throw new Error("no key");
  s.setKey(key);
  return s;
}

function opener(): { opener: LinkOpener; replay: ReplayTable } {
  const ring = keyring();
  const replay = unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 }));
  return { opener: new LinkOpener(ring.provider, ring.groupKeys, replay), replay };
}

function sealed(id: number, type: FrameType, payload: Uint8Array, counterStart = 1): Uint8Array {
  const frame = new Uint8Array(255);
  const length = sealer(id, counterStart).seal(header(type, { hopsTaken: 0 }), payload, frame);
  expect(length).toBeGreaterThan(0);
  return frame.slice(0, length);
}

describe("link header (README, Mesh transport: link frames)", () => {
  it("round-trips every field of every frame type", () => {
    for (const type of [0, 1, 2, 3, 4, 5, 6, 7] as FrameType[]) {
      for (const counter of [0, 1, 0xffffff, SHORT_COUNTER_LIMIT, 0xffffffff]) {
        const h = header(type, { counter, keyPhase: counter & 1, routed: (counter & 2) !== 0 });
        const frame = new Uint8Array(64);
        const n = writeLinkHeader(h, frame);
        expect(n).toBe(linkHeaderBytes(type, counter));
        const out = new LinkHeader();
        expect(parseLinkHeader(frame, n + LINK_TAG_BYTES, out)).toBe(ErrorCode.Ok);
        expect({ ...out }).toEqual({ ...h, headerBytes: n });
      }
    }
  });

  it("costs 24 bytes per authenticated broadcast frame (and hop ack) and 27 per unicast, which also names its transmitter (header + 16-byte tag)", () => {
    expect(linkHeaderBytes(FrameType.Broadcast, 1) + LINK_TAG_BYTES).toBe(24);
    expect(linkHeaderBytes(FrameType.HopAck, 1) + LINK_TAG_BYTES).toBe(24);
    expect(linkHeaderBytes(FrameType.Unicast, 1) + LINK_TAG_BYTES).toBe(27);
    // Past 2^24 frames the counter takes its 4-byte form (OSCORE-style partial IV).
    expect(linkHeaderBytes(FrameType.Broadcast, SHORT_COUNTER_LIMIT) + LINK_TAG_BYTES).toBe(25);
    const frame = sealed(5, FrameType.Broadcast, new Uint8Array(10));
    expect(frame.length - 10).toBe(24);
  });

  it("truncated: shorter than header + tag is MeshFrameTruncated", () => {
    const frame = sealed(5, FrameType.Unicast, new Uint8Array(0));
    const out = new LinkHeader();
    for (let length = 0; length < frame.length; length++) expect(parseLinkHeader(frame, length, out), `length ${length}`).toBe(ErrorCode.MeshFrameTruncated);
    expect(parseLinkHeader(frame, frame.length, out)).toBe(ErrorCode.Ok);
  });

  it("format escape: traffic class 3 (reserved for a future layout) is MeshWrongVersion, whatever the type and key phase", () => {
    const frame = sealed(5, FrameType.Broadcast, new Uint8Array(4));
    expect(LINK_FORMAT_ESCAPE_CLASS).toBe(3);
    for (let type = 0; type < 8; type++) {
      for (let phase = 0; phase <= KEY_PHASE_MASK; phase++) {
        const bad = frame.slice();
        bad[0] = (type << 5) | (LINK_FORMAT_ESCAPE_CLASS << KEY_PHASE_BITS) | phase;
        expect(parseLinkHeader(bad, bad.length, new LinkHeader()), `type ${type} phase ${phase}`).toBe(ErrorCode.MeshWrongVersion);
      }
    }
  });

  it("a long counter form holding a short value is MeshUnknownType; type 7 is the hop ack", () => {
    const frame = sealed(5, FrameType.Broadcast, new Uint8Array(4));
    const hopAck = frame.slice();
    hopAck[0] = ((hopAck[0] ?? 0) & 0x1f) | (7 << 5);
    const parsedHopAck = new LinkHeader();
    expect(parseLinkHeader(hopAck, hopAck.length, parsedHopAck)).toBe(ErrorCode.Ok);
    expect(parsedHopAck.type).toBe(FrameType.HopAck);
    expect(parsedHopAck.destination).toBe(BROADCAST_NODE_ID);
    const h = header(FrameType.Broadcast, { counter: 5 });
    const long = new Uint8Array(40);
    writeLinkHeader(h, long);
    const forged = Uint8Array.from([long[0] ?? 0, (long[1] ?? 0) | 1, long[2] ?? 0, long[3] ?? 0, 0, 0, 0, 5, 0x77, ...new Uint8Array(16)]);
    expect(parseLinkHeader(forged, forged.length, new LinkHeader())).toBe(ErrorCode.MeshUnknownType);
  });

  it("the key phase carries the epoch's low 3 bits, every value round-trips and is in the associated data", () => {
    const aad = new Uint8Array(16);
    for (let phase = 0; phase <= KEY_PHASE_MASK; phase++) {
      const h = header(FrameType.Unicast, { keyPhase: phase });
      const frame = new Uint8Array(40);
      const n = writeLinkHeader(h, frame);
      const out = new LinkHeader();
      expect(parseLinkHeader(frame, n + LINK_TAG_BYTES, out)).toBe(ErrorCode.Ok);
      expect(out.keyPhase).toBe(phase);
      expect(out.trafficClass).toBe(LinkClass.Alert);
      expect(out.type).toBe(FrameType.Unicast);
      writeAad(frame, n, aad);
      expect((aad[0] ?? 0) & KEY_PHASE_MASK).toBe(phase);
    }
  });

  it("node id 0 or 0xffff as source, 0 as destination, or unicast to 0xffff is MeshBadNodeId", () => {
    for (const [type, source, destination] of [
      [FrameType.Broadcast, 0, BROADCAST_NODE_ID],
      [FrameType.Broadcast, BROADCAST_NODE_ID, BROADCAST_NODE_ID],
      [FrameType.Unicast, 3, 0],
      [FrameType.Unicast, 3, BROADCAST_NODE_ID],
    ] as const) {
      const frame = new Uint8Array(40);
      const n = writeLinkHeader(header(type, { source, destination }), frame);
      expect(parseLinkHeader(frame, n + LINK_TAG_BYTES, new LinkHeader()), `${type} ${source} ${destination}`).toBe(ErrorCode.MeshBadNodeId);
    }
  });

  it("looping: hops taken above the hop limit is MeshLooping", () => {
    const frame = new Uint8Array(40);
    const n = writeLinkHeader(header(FrameType.Broadcast, { hopLimit: 2, hopsTaken: 2 }), frame);
    expect(parseLinkHeader(frame, n + 16, new LinkHeader())).toBe(ErrorCode.Ok);
    rewriteHopFields(frame, n, 3, false, 1);
    expect(parseLinkHeader(frame, n + 16, new LinkHeader())).toBe(ErrorCode.MeshLooping);
  });

  it("the associated data covers every field except hops taken, routed, the link hint and the relay hint", () => {
    const frame = new Uint8Array(40);
    const n = writeLinkHeader(header(FrameType.Unicast), frame);
    const aad = new Uint8Array(16);
    writeAad(frame, n, aad);
    const base = aad.slice(0, n);
    const relayed = frame.slice();
    rewriteHopFields(relayed, n, 3, true, 0x12, 0x34);
    expect(relayed[n - 2]).toBe(0x12);
    expect(relayed[n - 1]).toBe(0x34);
    writeAad(relayed, n, aad);
    expect(aad.slice(0, n)).toEqual(base);
    for (let bit = 0; bit < 8 * n; bit++) {
      const changed = frame.slice();
      changed[bit >>> 3] = (changed[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
      writeAad(changed, n, aad);
      const mutable = (bit >>> 3 === 1 && ((1 << (bit & 7)) & 0x1e) !== 0) || bit >>> 3 >= n - 2;
      expect(aad.slice(0, n).every((b, i) => b === base[i]), `bit ${bit}`).toBe(mutable);
    }
  });

  it("parsing arbitrary bytes never throws and yields Ok or a mesh code", () => {
    const out = new LinkHeader();
    const bytes = new Uint8Array(64);
    let state = 7;
    for (let trial = 0; trial < 5000; trial++) {
      for (let i = 0; i < bytes.length; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        bytes[i] = state >>> 24;
      }
      const code = parseLinkHeader(bytes, trial % 65, out);
      expect(code === ErrorCode.Ok || (code >= 500 && code < 600)).toBe(true);
    }
  });
});

describe("sealed link frames (README, Mesh transport: link frames, with traffic keys and replay windows)", () => {
  it("opens what a sender sealed, with the plaintext intact", () => {
    const payload = Uint8Array.from([1, 2, 3, 4, 5]);
    const frame = sealed(7, FrameType.Broadcast, payload);
    const { opener: o } = opener();
    const h = new LinkHeader();
    expect(parseLinkHeader(frame, frame.length, h)).toBe(ErrorCode.Ok);
    const out = new Uint8Array(255);
    expect(o.open(frame, frame.length, h, out)).toBe(5);
    expect(out.slice(0, 5)).toEqual(payload);
  });

  it("a relay may rewrite hops, routed and link hint: the frame still opens", () => {
    const frame = sealed(7, FrameType.Unicast, new Uint8Array(8));
    const h = new LinkHeader();
    parseLinkHeader(frame, frame.length, h);
    rewriteHopFields(frame, h.headerBytes, 3, true, 0x55);
    parseLinkHeader(frame, frame.length, h);
    expect(opener().opener.open(frame, frame.length, h, new Uint8Array(255))).toBe(8);
  });

  it("forged: flipping any authenticated bit fails with CryptoAuthFailed and moves no replay window", () => {
    const frame = sealed(7, FrameType.Unicast, new Uint8Array(6));
    const { opener: o, replay } = opener();
    const h = new LinkHeader();
    let failures = 0;
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const at = bit >>> 3;
      if (at === 1 || at === 0 || (at >= 2 && at < 4) || (at >= 4 && at < 6)) continue; // header bits: parse checks, below
      const bad = frame.slice();
      bad[at] = (bad[at] ?? 0) ^ (1 << (bit & 7));
      if (parseLinkHeader(bad, bad.length, h) !== ErrorCode.Ok) continue;
      if (at >= h.headerBytes - 2 && at < h.headerBytes) continue; // the link and relay hints: hop fields
      expect(o.open(bad, bad.length, h, new Uint8Array(255)), `bit ${bit}`).toBe(-ErrorCode.CryptoAuthFailed);
      failures++;
    }
    expect(failures).toBeGreaterThan(100);
    expect(replay.size).toBe(0);
    // Header fields: a changed destination or hop limit is authenticated too.
    const moved = frame.slice();
    moved[5] = (moved[5] ?? 0) ^ 1;
    parseLinkHeader(moved, moved.length, h);
    expect(o.open(moved, moved.length, h, new Uint8Array(255))).toBe(-ErrorCode.CryptoAuthFailed);
    const limit = frame.slice();
    limit[1] = (limit[1] ?? 0) ^ 0x80;
    parseLinkHeader(limit, limit.length, h);
    expect(o.open(limit, limit.length, h, new Uint8Array(255))).toBe(-ErrorCode.CryptoAuthFailed);
    expect(replay.size).toBe(0);
  });

  it("replayed: the same frame a second time is ReplayDuplicate, an old one ReplayTooOld", () => {
    const { opener: o } = opener();
    const h = new LinkHeader();
    const s = sealer(9);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 70; i++) {
      const frame = new Uint8Array(64);
      const n = s.seal(header(FrameType.Broadcast, { hopsTaken: 0 }), new Uint8Array(3), frame);
      frames.push(frame.slice(0, n));
    }
    const first = frames[0] ?? new Uint8Array(0);
    parseLinkHeader(first, first.length, h);
    expect(o.open(first, first.length, h, new Uint8Array(64))).toBe(3);
    expect(o.open(first, first.length, h, new Uint8Array(64))).toBe(-ErrorCode.ReplayDuplicate);
    for (const frame of frames.slice(1)) {
      parseLinkHeader(frame, frame.length, h);
      expect(o.open(frame, frame.length, h, new Uint8Array(64))).toBe(3);
    }
    parseLinkHeader(first, first.length, h);
    expect(o.open(first, first.length, h, new Uint8Array(64))).toBe(-ErrorCode.ReplayTooOld);
  });

  it("a sender without a key, or whose counter source is spent, refuses to seal", () => {
    const ring = keyring();
    const keyless = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(1), 3));
    expect(keyless.seal(header(FrameType.Broadcast), new Uint8Array(1), new Uint8Array(64))).toBe(-ErrorCode.MeshKeyUnavailable);
    const spent = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(5, 4), 3));
    const key = ring.sendKey(3);
    if (key !== undefined) spent.setKey(key);
    expect(spent.seal(header(FrameType.Broadcast), new Uint8Array(1), new Uint8Array(64))).toBe(-ErrorCode.SendCounterExhausted);
    const wide = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(0x1_0000_0000), 3));
    if (key !== undefined) wide.setKey(key);
    expect(wide.seal(header(FrameType.Broadcast), new Uint8Array(1), new Uint8Array(64))).toBe(-ErrorCode.SendCounterExhausted);
  });

  it("counters past 2^24 travel in the long form and still open", () => {
    const frame = sealed(11, FrameType.Unicast, new Uint8Array(4), 0x0100_0005);
    const h = new LinkHeader();
    expect(parseLinkHeader(frame, frame.length, h)).toBe(ErrorCode.Ok);
    expect(h.counter).toBe(0x0100_0005);
    expect(h.headerBytes).toBe(12);
    expect(opener().opener.open(frame, frame.length, h, new Uint8Array(64))).toBe(4);
  });

  it("key rotation: the key phase picks the next epoch's key, then frames of the old epoch are ReplayWrongEpoch", () => {
    const provider = unwrap(
      NobleCryptoProvider.create(new SeededEntropy(77), { symmetricSlots: 8, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }),
    );
    const secret = unwrap(createGroupSecret(provider));
    const table = unwrap(TrafficKeyTable.create(provider, 4));
    const old = unwrap(deriveGroupSenderKey(provider, secret, 1, 4, 3));
    const next = unwrap(deriveGroupSenderKey(provider, secret, 1, 5, 3));
    expect(table.install(3, old)).toBe(ErrorCode.Ok);
    expect(table.install(3, next)).toBe(ErrorCode.Ok);
    const replay = unwrap(ReplayTable.create({ capacity: 4, windowBits: 64 }));
    const o = new LinkOpener(provider, table, replay);
    o.setEpoch(4);
    const s = unwrap(LinkSealer.create(provider, new VolatileCounterSource(1), 3));
    const seal = (key: typeof old): Uint8Array => {
      s.setKey(key);
      const frame = new Uint8Array(64);
      return frame.slice(0, s.seal(header(FrameType.Broadcast, { hopsTaken: 0 }), new Uint8Array(4), frame));
    };
    const before = seal(old);
    const after = seal(next);
    const h = new LinkHeader();
    parseLinkHeader(after, after.length, h);
    expect(h.keyPhase).toBe(5);
    expect(o.open(after, after.length, h, new Uint8Array(64))).toBe(4); // current epoch 4, phase 5: the next epoch
    expect(o.lastEpoch).toBe(5);
    o.setEpoch(5);
    parseLinkHeader(before, before.length, h);
    expect(o.open(before, before.length, h, new Uint8Array(64))).toBe(-ErrorCode.ReplayWrongEpoch); // epoch 4 after 5
    expect(o.lastEpoch).toBe(4);
  });

  it("unknown sender key: KeyEpochUnknown, nothing recorded", () => {
    const { opener: o, replay } = opener();
    o.setEpoch(8); // phase 0 is this epoch's: its key (epoch 8) is not installed
    const frame = sealed(7, FrameType.Broadcast, new Uint8Array(2));
    const h = new LinkHeader();
    parseLinkHeader(frame, frame.length, h);
    expect(o.open(frame, frame.length, h, new Uint8Array(64))).toBe(-ErrorCode.KeyEpochUnknown);
    expect(replay.size).toBe(0);
  });
});
