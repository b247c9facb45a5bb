/**
 * Link frames (README "Mesh transport": link frames): the compact header, its associated data, and
 * sealing/opening with the crypto issue's keys, counters and replay windows.
 * Overhead is measured here and must stay within the goal.
 */
import { describe, expect, it } from "vitest";
import {
  ReplayTable,
  VolatileCounterSource,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
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
} from "../../../core/mesh/index";
import { keyring } from "./helpers";
import { unwrap } from "./fixtures";
import { MeshKeyring } from "../../../host-sim/kernel/workloads/mesh-keys";

function header(type: FrameType, fields: Partial<LinkHeader> = {}): LinkHeader {
  const h = new LinkHeader();
  h.type = type;
  h.trafficClass = LinkClass.Alert;
  h.hopLimit = 3;
  h.hopsTaken = 1;
  h.source = 0x1234;
  // Board 1 opens every frame below (opener()): unicast frames are for it.
  h.destination = hasDestination(type) ? 1 : BROADCAST_NODE_ID;
  h.counter = 0x00abcdef;
  h.linkHint = 0x77;
  h.relayHint = hasDestination(type) ? 0x66 : 0;
  Object.assign(h, fields);
  return h;
}

function sealer(id: number, counterStart = 1): LinkSealer {
  const ring = keyring();
  const s = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(counterStart), id));
  const keys = ring.keysFor(id);
  if (keys === undefined) throw new Error("no keys");
  s.setKeys(keys);
  return s;
}

/** Board 1's receive side. */
function opener(): { opener: LinkOpener; replay: ReplayTable } {
  const ring = keyring();
  const replay = unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 }));
  return { opener: new LinkOpener(ring.provider, sealer(1), replay), replay };
}

function sealed(id: number, type: FrameType, payload: Uint8Array, counterStart = 1): Uint8Array {
  const frame = new Uint8Array(255);
  const length = sealer(id, counterStart).sealAt(header(type, { hopsTaken: 0 }), payload, 0, payload.length, frame);
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

  it("a relay may rewrite hops, routed and link hint: the frame still opens; its hop tag must be stamped anew", () => {
    const frame = sealed(7, FrameType.Unicast, new Uint8Array(8));
    const h = new LinkHeader();
    parseLinkHeader(frame, frame.length, h);
    const { opener: o } = opener();
    expect(o.verifyHop(frame, frame.length)).toBe(ErrorCode.Ok);
    rewriteHopFields(frame, h.headerBytes, 3, true, 0x55);
    expect(o.verifyHop(frame, frame.length)).toBe(ErrorCode.CryptoAuthFailed);
    expect(o.stampHop(frame, frame.length)).toBe(ErrorCode.Ok);
    expect(o.verifyHop(frame, frame.length)).toBe(ErrorCode.Ok);
    parseLinkHeader(frame, frame.length, h);
    expect(o.open(frame, frame.length, h, new Uint8Array(255))).toBe(8);
  });

  it("forged: flipping any bit fails the hop tag, and any bit the end-to-end tag covers fails the open too, moving no replay window", () => {
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
      expect(o.verifyHop(bad, bad.length), `bit ${bit}`).toBe(ErrorCode.CryptoAuthFailed);
      if (at >= h.headerBytes - 2 && at < h.headerBytes) continue; // the link and relay hints: hop fields, the hop tag's alone
      if (at >= bad.length - 8) continue; // the hop tag itself
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
      const n = s.sealAt(header(FrameType.Broadcast, { hopsTaken: 0 }), new Uint8Array(3), 0, 3, frame);
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
    expect(keyless.sealAt(header(FrameType.Broadcast), new Uint8Array(1), 0, 1, new Uint8Array(64))).toBe(-ErrorCode.MeshKeyUnavailable);
    const spent = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(5, 4), 3));
    const keys = ring.keysFor(3);
    if (keys !== undefined) spent.setKeys(keys);
    expect(spent.sealAt(header(FrameType.Broadcast), new Uint8Array(1), 0, 1, new Uint8Array(64))).toBe(-ErrorCode.SendCounterExhausted);
    const wide = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(0x1_0000_0000), 3));
    if (keys !== undefined) wide.setKeys(keys);
    expect(wide.sealAt(header(FrameType.Broadcast), new Uint8Array(1), 0, 1, new Uint8Array(64))).toBe(-ErrorCode.SendCounterExhausted);
  });

  it("counters past 2^24 travel in the long form and still open", () => {
    const frame = sealed(11, FrameType.Unicast, new Uint8Array(4), 0x0100_0005);
    const h = new LinkHeader();
    expect(parseLinkHeader(frame, frame.length, h)).toBe(ErrorCode.Ok);
    expect(h.counter).toBe(0x0100_0005);
    expect(h.headerBytes).toBe(12);
    expect(opener().opener.open(frame, frame.length, h, new Uint8Array(64))).toBe(4);
  });

  it("key epochs: the current epoch's phase opens; the previous or next epoch's is KeyEpochUnknown (their secrets are not held), nothing recorded", () => {
    const frame = sealed(7, FrameType.Broadcast, new Uint8Array(2));
    const h = new LinkHeader();
    parseLinkHeader(frame, frame.length, h);
    for (const [epoch, want] of [
      [0, ErrorCode.Ok],
      [1, ErrorCode.KeyEpochUnknown],
      [7, ErrorCode.KeyEpochUnknown],
      [2, ErrorCode.KeyEpochMismatch],
    ] as const) {
      const ring = MeshKeyring.create(8, 0x5eed, epoch);
      if (!ring.ok) throw new Error("ring");
      const receiver = unwrap(LinkSealer.create(ring.value.provider, new VolatileCounterSource(1), 1));
      const keys = ring.value.keysFor(1);
      if (keys === undefined) throw new Error("keys");
      receiver.setKeys(keys);
      const replay = unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 }));
      expect(new LinkOpener(ring.value.provider, receiver, replay).keyCheck(h), `receiver epoch ${epoch}`).toBe(want);
      expect(replay.size).toBe(0);
    }
  });

  it("a source or destination outside the site has no keys: MeshKeyUnavailable, before any cryptography", () => {
    const { opener: o } = opener();
    const h = new LinkHeader();
    const frame = sealed(7, FrameType.Unicast, new Uint8Array(2));
    parseLinkHeader(frame, frame.length, h);
    expect(o.keyCheck(h)).toBe(ErrorCode.Ok);
    h.source = 201; // the shared keyring's site is boards 1..200
    expect(o.keyCheck(h)).toBe(ErrorCode.MeshKeyUnavailable);
    h.source = 7;
    h.destination = 201;
    expect(o.keyCheck(h)).toBe(ErrorCode.MeshKeyUnavailable);
  });
});
