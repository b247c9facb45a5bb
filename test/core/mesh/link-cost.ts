/**
 * The per-frame cost of the split-tag link (core/mesh/link-seal.ts) on one
 * engine: an origin's seal, a relay's hop check and re-stamp, and the
 * destination's hop check and open, over `frames` unicast frames of a
 * 24-byte telemetry payload between two boards of the shared keyring.
 * Each op is prepared first so the measured call allocates nothing of the
 * harness's. Platform neutral (the XS entry measures it).
 */
import { ReplayTable, VolatileCounterSource } from "../../../core/crypto/index";
import { FrameType, LinkClass, LinkHeader, LinkOpener, LinkSealer, parseLinkHeader, rewriteHopFields } from "../../../core/mesh/index";
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
  // One buffer per frame, made before anything is measured: the ops below make no views.
  const sealed: Uint8Array[] = [];
  const lengths = new Int32Array(frames);
  const headers: LinkHeader[] = [];
  for (let i = 0; i < frames; i++) {
    headers.push(new LinkHeader());
    sealed.push(new Uint8Array(255));
  }
  const out = new Uint8Array(255);
  const scratch = new Uint8Array(255);
  let sealedCount = 0;
  return {
    frames,
    seal(): number {
      let total = 0;
      for (let i = 0; i < frames; i++) {
        const frame = sealed[i] ?? scratch;
        const length = origin.sealAt(h, payload, 0, payload.length, frame);
        lengths[i] = length;
        total += length;
        parseLinkHeader(frame, length, headers[i] ?? h);
      }
      sealedCount = frames;
      return total;
    },
    relay(): number {
      let ok = 0;
      for (let i = 0; i < sealedCount; i++) {
        const length = lengths[i] ?? 0;
        const frame = sealed[i] ?? scratch;
        if (relay.verifyHop(frame, length) === 0) ok++;
        rewriteHopFields(frame, (headers[i] ?? h).headerBytes, 1, true, 1, 4);
        relay.stampHop(frame, length);
      }
      return ok;
    },
    open(): number {
      let ok = 0;
      for (let i = 0; i < sealedCount; i++) {
        const length = lengths[i] ?? 0;
        const frame = sealed[i] ?? scratch;
        const hh = headers[i] ?? h;
        if (destination.verifyHop(frame, length) === 0 && destination.open(frame, length, hh, out) > 0) ok++;
      }
      return ok;
    },
  };
}
