/**
 * A captured board can speak only as itself (README "Link security"): the
 * attacks of test/core/mesh/captured-board-scenario.ts on the transport's real
 * receive path, each with a control that shows the test can fail. The same
 * scenarios run on XS (test/xs/mesh.test.ts).
 */
import { describe, expect, it } from "vitest";
import { farAhead, FLOOD_IDS, FLOOD_ROUNDS, fragmentFlood, sealAsAnother } from "./captured-board-scenario";

describe("a captured board against the mesh", () => {
  it("seals as another board: 0 of 21 frames (data, alert, fragment, ack; under F, its own pair secret, or that secret for any id) taken, every one refused as forged; the genuine frames are delivered", () => {
    const r = sealAsAnother();
    expect(r.attempts).toBe(21);
    expect(r.accepted).toBe(0);
    expect(r.delivered).toBe(0);
    expect(r.dropForged).toBe(r.attempts);
    expect(r.dropHopForged).toBe(0); // every forgery carries a valid hop tag (F): the end-to-end tag alone refuses it
    expect(r.genuineDelivered).toBe(2);
  });

  it("far-ahead counters under another board's id: none taken, and that board's next frames are all delivered (no lock-out)", () => {
    const r = farAhead();
    expect(r.forgedAccepted).toBe(0);
    expect(r.honestAfter).toBe(r.honestAfterSent);
    expect(r.honestUnicastAfterFlood).toBe(1);
  });

  it("residual (README): a flood under another board's id is taken (every board holds F) and refuses that board's next floods there, never its unicast frames", () => {
    const r = farAhead();
    expect(r.forgedFloodAccepted).toBe(1);
    expect(r.honestFloodsAfter).toBe(0);
    expect(r.honestUnicastAfterFlood).toBe(1);
  });

  it(`a multi-identity fragment flood (${FLOOD_IDS} claimed ids and ${FLOOD_IDS} as itself, every round): honest delivery within 5 % of the no-flood run; with the gateway's secrets (what the group secret gave every board) it collapses`, () => {
    const quiet = fragmentFlood("none");
    const flood = fragmentFlood("captured");
    const strong = fragmentFlood("gatewaySecrets");
    expect(quiet.honestSent).toBe(FLOOD_ROUNDS);
    expect(quiet.honestDelivered).toBe(FLOOD_ROUNDS);
    expect(flood.floodFrames).toBe(2 * FLOOD_IDS * FLOOD_ROUNDS);
    expect(flood.floodDropForged).toBe(FLOOD_IDS * FLOOD_ROUNDS);
    expect(flood.honestDelivered).toBeGreaterThanOrEqual(Math.ceil(0.95 * quiet.honestDelivered));
    expect(strong.honestDelivered).toBeLessThan(0.5 * quiet.honestDelivered);
  });
});
