/**
 * The per-frame cost of the split-tag link (core/mesh/link-seal.ts) on one
 * engine: an origin's seal, a relay's hop check and re-stamp, and the
 * destination's hop check and open, over `frames` unicast frames of a
 * 24-byte telemetry payload between two boards of the shared keyring.
 * Each op is prepared first so the measured call allocates nothing of the
 * harness's. Platform neutral (the XS entry measures it).
 */
import { ReplayTable, VolatileCounterSource } from "../../core/crypto/index";
import { FrameType, LinkClass, LinkHeader, LinkOpener, LinkSealer, parseLinkHeader, rewriteHopFields } from "../../core/mesh/index";
import { keyring } from "./helpers";
import { unwrap } from "./fixtures";

export interface LinkCostOps {
  readonly frames: number;
  seal(): number;
  relay(): number;
  open(): number;
}

export function linkCostOps(frames: number): LinkCostOps {
  const ring = keyring();
  const board = (id: number): LinkSealer => {
    const s = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(1), id));
    const keys = ring.keysFor(id);
    if (keys === undefined) throw new Error("keys");
    s.setKeys(keys);
    return s;
  };
  const origin = board(5);
  const relay = new LinkOpener(ring.provider, board(4), unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 })));
  const destination = new LinkOpener(ring.provider, board(1), unwrap(ReplayTable.create({ capacity: 16, windowBits: 4096 })));
  const h = new LinkHeader();
  h.type = FrameType.Unicast;
  h.trafficClass = LinkClass.Telemetry;
  h.hopLimit = 3;
  h.destination = 1;
  h.linkHint = 4;
  h.relayHint = 5;
  const payload = new Uint8Array(24).fill(7);
  const sealed = new Uint8Array(255 * frames);
  const lengths = new Int32Array(frames);
  const headers: LinkHeader[] = [];
  for (let i = 0; i < frames; i++) headers.push(new LinkHeader());
  const out = new Uint8Array(255);
  const scratch = new Uint8Array(255);
  let sealedCount = 0;
  return {
    frames,
    seal(): number {
      let total = 0;
      for (let i = 0; i < frames; i++) {
        const length = origin.sealAt(h, payload, 0, payload.length, scratch);
        sealed.set(scratch.subarray(0, length), i * 255);
        lengths[i] = length;
        total += length;
      }
      sealedCount = frames;
      for (let i = 0; i < sealedCount; i++) parseLinkHeader(sealed.subarray(i * 255, i * 255 + (lengths[i] ?? 0)), lengths[i] ?? 0, headers[i] ?? h);
      return total;
    },
    relay(): number {
      let ok = 0;
      for (let i = 0; i < sealedCount; i++) {
        const at = i * 255;
        const length = lengths[i] ?? 0;
        const frame = sealed.subarray(at, at + length);
        if (relay.verifyHop(frame, length) === 0) ok++;
        rewriteHopFields(frame, (headers[i] ?? h).headerBytes, 1, true, 1, 4);
        relay.stampHop(frame, length);
      }
      return ok;
    },
    open(): number {
      let ok = 0;
      for (let i = 0; i < sealedCount; i++) {
        const at = i * 255;
        const length = lengths[i] ?? 0;
        const frame = sealed.subarray(at, at + length);
        const hh = headers[i] ?? h;
        if (destination.verifyHop(frame, length) === 0 && destination.open(frame, length, hh, out) > 0) ok++;
      }
      return ok;
    },
  };
}
