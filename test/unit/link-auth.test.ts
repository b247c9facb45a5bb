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
import { runSplitTagScenario } from "../mesh/split-tag-scenario";
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
