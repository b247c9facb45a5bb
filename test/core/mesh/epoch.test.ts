/**
 * Epochs on the air (README "Link security"): the key phase carries the
 * epoch's low 3 bits, so a receiver on epoch 1 counts a frame of epoch 5 as
 * a wrong epoch (dropWrongEpoch, KeyEpochMismatch) and a forgery under its
 * own epoch as forged (dropForged, CryptoAuthFailed), each in its own
 * counter, and neither moves a replay window. The same vectors run on XS
 * (test/xs/mesh.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { ReplayTable } from "../../../core/crypto/index";
import { VolatileCounterSource } from "../../../core/crypto/index";
import { LinkHeader, LinkOpener, LinkSealer, parseLinkHeader, type LinkKeyring } from "../../../core/mesh/index";
import { MeshKeyring } from "../../../host-sim/kernel/workloads/mesh-keys";
import { epochFrames, epochVectors, receive } from "./epoch-scenario";
import type { KeyEpoch } from "../../../core/runtime/ids";

/** `keys` claiming another epoch (the key phase check reads only the epoch). */
function keysAt(keys: LinkKeyring, epoch: number): LinkKeyring {
  return {
    epoch: epoch as KeyEpoch,
    siteSize: keys.siteSize,
    hasPair: (peer) => keys.hasPair(peer),
    pairSecretInto: (peer, out, at) => keys.pairSecretInto(peer, out, at),
    floodSecretInto: (out, at) => keys.floodSecretInto(out, at),
  };
}

describe("epochs on the air", () => {
  const v = epochVectors();

  it("a frame from epoch 5 at a receiver on epoch 1 is KeyEpochMismatch, a forged one CryptoAuthFailed, before any window moves", () => {
    expect(v.opens["wrongEpoch"]).toBe(-ErrorCode.KeyEpochMismatch);
    expect(v.opens["forged"]).toBe(-ErrorCode.CryptoAuthFailed);
    expect(v.opens["outsider"]).toBe(-ErrorCode.CryptoAuthFailed);
    expect(v.opens["replaySizeBeforeGenuine"]).toBe(0);
    expect(v.opens["genuine"]).toBe(8);
    expect(v.replaySize).toBe(1);
  });

  it("the transport counts each in its own counter: 1 wrong epoch, 3 forged on the hop (tag flipped, other site's secret, aliased epoch), 1 accepted", () => {
    expect(v.counters).toEqual({ dropWrongEpoch: 1, dropForged: 0, dropHopForged: 3, dropUnknownKey: 0, framesAccepted: 1 });
    expect(v.delivered).toBe(1);
  });

  it("residual: epoch 9 aliases epoch 1 (same 3 low bits) and is counted as forged, not as a wrong epoch", () => {
    expect(v.opens["aliased"]).toBe(-ErrorCode.CryptoAuthFailed);
  });

  it("every epoch more than one away that does not alias is a wrong epoch; the previous, current and next are tried under their keys", () => {
    const frames = epochFrames();
    const h = new LinkHeader();
    const frame = frames["wrongEpoch"] ?? new Uint8Array(0);
    expect(parseLinkHeader(frame, frame.length, h)).toBe(ErrorCode.Ok);
    expect(h.keyPhase).toBe(5);
    const ring = MeshKeyring.create(4, 0x5eed, 1);
    if (!ring.ok) throw new Error("ring");
    const sealer = LinkSealer.create(ring.value.provider, new VolatileCounterSource(1), 2);
    const keys = ring.value.keysFor(2);
    if (!sealer.ok || keys === undefined) throw new Error("sealer");
    sealer.value.setKeys(keys);
    for (let receiverEpoch = 0; receiverEpoch < 20; receiverEpoch++) {
      const replay = ReplayTable.create({ capacity: 4, windowBits: 64 });
      if (!replay.ok) throw new Error("replay");
      // A keyring of the receiver's epoch (the same secrets: only the phase arithmetic is under test).
      const atEpoch = { ...keysAt(keys, receiverEpoch) };
      const receiverSealer = LinkSealer.create(ring.value.provider, new VolatileCounterSource(1), 2);
      if (!receiverSealer.ok) throw new Error("sealer");
      receiverSealer.value.setKeys(atEpoch);
      const opener = new LinkOpener(ring.value.provider, receiverSealer.value, replay.value);
      const got = receive(opener, frame, h, new Uint8Array(64));
      const near = [receiverEpoch - 1, receiverEpoch, receiverEpoch + 1].some((e) => e >= 0 && (e & 7) === 5);
      // The keyring holds epoch 1 keys only: a phase naming a near epoch finds no key (or, for epoch 1 itself, not this frame's key).
      if (near) expect(got, `receiver epoch ${receiverEpoch}`).not.toBe(-ErrorCode.KeyEpochMismatch);
      else expect(got, `receiver epoch ${receiverEpoch}`).toBe(-ErrorCode.KeyEpochMismatch);
      expect(replay.value.size).toBe(0);
    }
  });
});
