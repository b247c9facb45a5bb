/**
 * LinkSealer.sealAt / LinkOpener.open on offsets (no per-frame views): a
 * payload sealed from a larger staging buffer gives the same frame as the
 * exact-length form, opens to the same bytes, and a bad range is refused
 * before a send counter is spent (counters never repeat, so none is wasted).
 */
import { describe, expect, it } from "vitest";
import { ReplayTable, VolatileCounterSource } from "../../../core/crypto/index";
import { BROADCAST_NODE_ID, FrameType, LinkClass, LinkHeader, LinkOpener, LinkSealer, parseLinkHeader } from "../../../core/mesh/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Result } from "../../../core/runtime/result";
import { MeshKeyring } from "../../../host-sim/kernel/workloads/mesh-keys";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`setup failed with code ${result.code}`);
  return result.value;
}

function header(): LinkHeader {
  const h = new LinkHeader();
  h.type = FrameType.Broadcast;
  h.trafficClass = LinkClass.Telemetry;
  h.hopLimit = 3;
  h.destination = BROADCAST_NODE_ID;
  h.linkHint = 3;
  return h;
}

function sealer(ring: MeshKeyring): LinkSealer {
  const s = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(1), 3));
  const keys = ring.keysFor(3);
  if (keys === undefined) throw new Error("no keys");
  s.setKeys(keys);
  return s;
}

/** Board 1's receive side. */
function opener(ring: MeshKeyring): LinkOpener {
  const s = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(1), 1));
  const keys = ring.keysFor(1);
  if (keys === undefined) throw new Error("no keys");
  s.setKeys(keys);
  return new LinkOpener(ring.provider, s, unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 })));
}

describe("link frames sealed from offsets", () => {
  it("sealAt of a staging-buffer range equals sealAt of the exact payload, and the frame opens to it", () => {
    const ring = unwrap(MeshKeyring.create(8));
    const payload = Uint8Array.from({ length: 24 }, (_, i) => i * 7 + 1);
    const staging = new Uint8Array(200).fill(0xee);
    staging.set(payload, 5);
    const exact = new Uint8Array(255);
    const ranged = new Uint8Array(255);
    const a = sealer(ring).sealAt(header(), payload, 0, payload.length, exact);
    const b = sealer(ring).sealAt(header(), staging, 5, payload.length, ranged);
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a);
    expect(Array.from(ranged.subarray(0, b))).toEqual(Array.from(exact.subarray(0, a)));
    const parsed = new LinkHeader();
    expect(parseLinkHeader(ranged, b, parsed)).toBe(ErrorCode.Ok);
    const out = new Uint8Array(255);
    expect(opener(ring).open(ranged, b, parsed, out)).toBe(payload.length);
    expect(Array.from(out.subarray(0, payload.length))).toEqual(Array.from(payload));
  });

  it("a range outside the staging buffer is OutOfRange, spends no counter and writes no frame", () => {
    const ring = unwrap(MeshKeyring.create(8));
    const s = sealer(ring);
    const staging = new Uint8Array(32);
    const frame = new Uint8Array(255).fill(0xaa);
    expect(s.sealAt(header(), staging, 10, 23, frame)).toBe(-ErrorCode.OutOfRange);
    expect(s.sealAt(header(), staging, -1, 4, frame)).toBe(-ErrorCode.OutOfRange);
    expect(s.sealAt(header(), staging, 0, 1.5, frame)).toBe(-ErrorCode.OutOfRange);
    expect(frame.every((x) => x === 0xaa)).toBe(true);
    expect(s.sealedCount).toBe(0);
    const h = header();
    expect(s.sealAt(h, staging, 0, 8, frame)).toBeGreaterThan(0);
    expect(h.counter).toBe(1); // the first counter the source hands out: none was spent on the refusals
  });

  it("open with a length past the frame buffer is refused (OutOfRange) and the replay window does not move", () => {
    const ring = unwrap(MeshKeyring.create(8));
    const frame = new Uint8Array(40);
    const length = sealer(ring).sealAt(header(), new Uint8Array(8), 0, 8, frame);
    const o = opener(ring);
    const parsed = new LinkHeader();
    expect(parseLinkHeader(frame, length, parsed)).toBe(ErrorCode.Ok);
    const out = new Uint8Array(64);
    expect(o.open(frame, frame.length + 1, parsed, out)).toBe(-ErrorCode.OutOfRange);
    expect(o.verifyHop(frame, frame.length + 1)).toBe(ErrorCode.OutOfRange);
    expect(o.stampHop(frame, frame.length + 1)).toBe(ErrorCode.OutOfRange);
    expect(o.open(frame, length, parsed, out)).toBe(8);
  });
});
