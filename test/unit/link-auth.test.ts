/**
 * A captured board can speak only as itself (README "Link security"): split-tag
 * frames (core/mesh/link-auth.ts) under the site key hierarchy
 * (core/crypto/site-keys.ts). The attacker holds exactly board 6's
 * provisioning record and seals as board 5 under every secret in it. The
 * same scenario runs on XS (test/xs/mesh.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/runtime/errors";
import { E2E_TAG_BYTES, HOP_TAG_BYTES } from "../../core/mesh/link-auth";
import { LINK_TAG_BYTES } from "../../core/mesh/index";
import { GATEWAY, header, runSplitTagScenario, SiteBoard, siteEndToEndRoot } from "../mesh/split-tag-scenario";
import { FrameType, LinkHeader, parseLinkHeader } from "../../core/mesh/index";
import { ReplayTable } from "../../core/crypto/index";
import { LinkAuthScratch, openEndToEnd, sealSplit, verifyHop } from "../../core/mesh/link-auth";
import { FLOOD_IDS, FLOOD_ROUNDS, runFragmentFlood } from "../mesh/fragment-flood-scenario";

describe("split-tag frames against a captured board", () => {
  const r = runSplitTagScenario();

  it("the tags share the 16 bytes the single tag had: overhead stays 24 B broadcast, 27 B unicast", () => {
    expect(E2E_TAG_BYTES + HOP_TAG_BYTES).toBe(LINK_TAG_BYTES);
    expect(LINK_TAG_BYTES).toBe(16);
  });

  it("the honest path 5 -> relay 3 -> gateway 1 verifies each hop and opens end to end", () => {
    expect(r.genuineOpened).toBe(20);
    expect(r.genuinePayloadMatches).toBe(true);
  });

  it("a captured board sealing as board 5, under every secret it holds: 0 accepted by the relay (routed hop) and 0 by the gateway", () => {
    expect(r.forgeryAttempts).toBe(49);
    expect(r.relayHopAccepted).toBe(0);
    expect(r.gatewayAccepted).toBe(0);
  });

  it("downlink: the gateway's frame to board 5 opens at 5; the captured board sealing to 5 as the gateway, under every secret it holds: 0 accepted", () => {
    expect(r.downOpened).toBe(20);
    expect(r.downForgedAccepted).toBe(0);
  });

  it("relaying a forged origin as itself: the gateway attributes the hop to board 6 and refuses the origin", () => {
    expect(r.capturedRelayHopAccepted).toBe(49);
    expect(r.capturedRelayE2eAccepted).toBe(0);
  });

  it("far-ahead counters sealed as board 5 move no window at the gateway: board 5's next frame is accepted", () => {
    expect(r.gatewayReplayAfterForgeries).toBe(0);
    expect(r.honestAfterFarAhead).toBe(20);
  });

  it("residual: a flood's hop tag uses the site-wide flood secret, so the captured board can tag a flood hop as 5 (never an origin)", () => {
    expect(r.floodHopAcceptedResidual).toBe(7);
  });

  it("a flipped bit anywhere fails: hop tag or hop fields at the hop check; e2e tag, ciphertext or counter at the e2e check even when re-stamped; a hop tag reflected back to its sender fails", () => {
    expect(r.tamper).toEqual({
      hopTag: -ErrorCode.CryptoAuthFailed,
      hopFields: -ErrorCode.CryptoAuthFailed,
      e2eTagRestamped: -ErrorCode.CryptoAuthFailed,
      ciphertextRestamped: -ErrorCode.CryptoAuthFailed,
      counterRestamped: -ErrorCode.CryptoAuthFailed,
      reflectedForwardOk: 1,
      reflected: -ErrorCode.CryptoAuthFailed,
    });
  });
});

describe("a multi-identity fragment flood at a gateway", () => {
  const none = runFragmentFlood("none");
  const split = runFragmentFlood("splitTag");
  const group = runFragmentFlood("groupKeys");

  it("without a flood every honest message is delivered", () => {
    expect(none.honestSent).toBe(FLOOD_ROUNDS);
    expect(none.honestDelivered).toBe(FLOOD_ROUNDS);
  });

  it("with split tags, honest delivery stays within 5 % of the no-flood run; forged origins never reach reassembly, the captured board holds only its own share", () => {
    expect(split.floodFrames).toBe(2 * FLOOD_IDS * FLOOD_ROUNDS);
    expect(split.honestDelivered).toBeGreaterThanOrEqual(Math.ceil(0.95 * none.honestDelivered));
    expect(split.floodReachedReassembly).toBe(FLOOD_IDS * FLOOD_ROUNDS); // its own-id fragments only
    expect(split.capturedSlotsMax).toBe(2); // perSenderMax
    expect(split.refusedFull).toBe(0);
  });

  it("the attack reproduced: an attacker holding every origin's key (the group secret) fills the table and honest delivery collapses", () => {
    expect(group.capturedSlotsMax).toBe(8);
    expect(group.honestDelivered).toBeLessThan(Math.ceil(0.5 * none.honestDelivered));
    expect(group.refusedFull).toBeGreaterThan(0);
  });
});

describe("every single-bit flip of a split-tag frame", () => {
  it("fails the hop check; outside the hop fields and the hop tag it also fails the end-to-end check, and no window moves", () => {
    const gateway = new SiteBoard(GATEWAY, siteEndToEndRoot());
    const sender = new SiteBoard(4);
    const s = new LinkAuthScratch();
    const frame = new Uint8Array(96);
    const payload = Uint8Array.from({ length: 30 }, (_, i) => i * 3);
    const length = sealSplit(sender.provider, header(FrameType.Unicast, 4, GATEWAY, 77, GATEWAY), payload, sender.ownE2e(), sender.hopKeyTo(GATEWAY), GATEWAY, frame, s);
    const h = new LinkHeader();
    expect(parseLinkHeader(frame, length, h)).toBe(0);
    const headerBytes = h.headerBytes;
    const hopKey = gateway.hopKeyFrom(4);
    const e2e = gateway.gatewayE2e(4);
    const replay = ReplayTable.create({ capacity: 4, windowBits: 64 });
    if (!replay.ok) throw new Error("replay");
    const out = new Uint8Array(96);
    expect(verifyHop(gateway.provider, frame, length, hopKey, 4, GATEWAY, s)).toBe(0);
    // Hop fields: byte 1's hops-taken and routed bits, and the link and relay hints (the last 2 header bytes of a unicast frame).
    const mutable = (bit: number): boolean => (bit >>> 3 === 1 && ((1 << (bit & 7)) & 0x1e) !== 0) || bit >>> 3 === headerBytes - 1 || bit >>> 3 === headerBytes - 2;
    let flips = 0;
    let e2eChecked = 0;
    for (let bit = 0; bit < length * 8; bit++) {
      const bad = frame.slice(0, length);
      bad[bit >>> 3] = (bad[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
      flips++;
      expect(verifyHop(gateway.provider, bad, length, hopKey, 4, GATEWAY, s), `bit ${bit}`).toBe(ErrorCode.CryptoAuthFailed);
      const inHopTag = bit >>> 3 >= length - 8;
      if (mutable(bit) || inHopTag) continue;
      const parsed = new LinkHeader();
      if (parseLinkHeader(bad, length, parsed) !== 0) continue; // refused at parse: never reaches a key
      e2eChecked++;
      expect(openEndToEnd(gateway.provider, bad, length, parsed, e2e, replay.value, out, s), `bit ${bit}`).toBeLessThan(0);
    }
    expect(flips).toBe(length * 8);
    expect(e2eChecked).toBeGreaterThan(length * 8 - 8 * 8 - 30);
    expect(replay.value.size).toBe(0);
    expect(openEndToEnd(gateway.provider, frame, length, h, e2e, replay.value, out, s)).toBe(payload.length);
  });
});

describe("provider macAt (the split tags' per-frame HMAC)", () => {
  it("equals mac over the same range, refuses ranges outside its arrays and keys of another kind, writing nothing", () => {
    const board = new SiteBoard(2);
    const p = board.provider;
    const key = board.hopKeyTo(3);
    const data = Uint8Array.from({ length: 40 }, (_, i) => i * 5);
    const whole = new Uint8Array(32);
    expect(p.mac(key, data.subarray(7, 31), whole)).toBe(ErrorCode.Ok);
    const out = new Uint8Array(40).fill(0xee);
    expect(p.macAt(key, data, 7, 24, out, 8)).toBe(ErrorCode.Ok);
    expect(out.subarray(8)).toEqual(whole);
    expect(out.subarray(0, 8).every((v) => v === 0xee)).toBe(true);
    const untouched = new Uint8Array(40).fill(0xee);
    expect(p.macAt(key, data, 30, 11, untouched, 0)).toBe(ErrorCode.OutOfRange);
    expect(p.macAt(key, data, -1, 4, untouched, 0)).toBe(ErrorCode.OutOfRange);
    expect(p.macAt(key, data, 0, 4, untouched, 9)).toBe(ErrorCode.OutOfRange);
    const e2e = board.ownE2e();
    expect(p.macAt(e2e.cipher.handle, data, 0, 4, untouched, 0)).toBe(ErrorCode.CryptoKeyKindMismatch);
    expect(untouched.every((v) => v === 0xee)).toBe(true);
  });
});
