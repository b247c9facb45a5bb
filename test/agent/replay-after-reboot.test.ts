/**
 * A recorded radio history replayed at a board after it rebooted (README
 * "Link security"; RFC 4303 §3.4.3, RFC 8613 App. B.1), through the board's
 * real boot path (replay-reboot.ts; the same code runs on XS in
 * test/xs/replay-reboot.test.ts): no frame accepted before a reboot is
 * accepted again, after a graceful shutdown and after a power loss, three
 * reboots in a row, and the sender's next message still gets through (after
 * a power loss once the sender heard the receiver's counter-skip request).
 */
import { describe, expect, it } from "vitest";
import { REPLAY_MESSAGES, REPLAY_REBOOTS, replayToAmnesiac, runReplayAfterReboot } from "./replay-reboot";

describe("a recorded radio history replayed after the receiver reboots", () => {
  for (const kind of ["graceful", "power-loss"] as const) {
    it(`after each of ${REPLAY_REBOOTS} reboots (${kind}): 0 of the recorded frames accepted, the sender's next message delivered once`, () => {
      const run = runReplayAfterReboot(kind);
      expect(run.delivered).toBe(REPLAY_MESSAGES);
      expect(run.pendingAtEnd).toBe(0);
      expect(run.recordedFrames).toBeGreaterThan(REPLAY_MESSAGES);
      expect(run.rounds).toHaveLength(REPLAY_REBOOTS);
      run.rounds.forEach((round, i) => {
        const at = `${kind} reboot ${i + 1}`;
        expect(round.seededSenders, at).toBe(1);
        expect(round.replayedDelivered, at).toBe(0);
        expect(round.replayedAccepted, at).toBe(0);
        expect(round.replayedRefused, at).toBe(run.recordedFrames);
        // A power loss costs one flooded frame: the request that senders skip past the restored floors.
        expect(round.skipRequests, at).toBe(kind === "power-loss" ? 1 : 0);
        expect(round.skipsApplied, at).toBe(kind === "power-loss" ? i + 1 : 0);
        expect(round.freshDelivered, at).toBe(1);
        expect(round.freshIntact, at).toBe(true);
      });
      // The ceilings' flash writes while the history was received: a raise (two records) per few frames, never per frame.
      expect(run.ceilingRecords).toBeGreaterThan(0);
      expect(run.ceilingRecords).toBeLessThan(run.framesReceived);
    });
  }

  it("the same replay to a receiver whose windows start empty is accepted again (what a reboot did before the ceilings)", () => {
    expect(replayToAmnesiac()).toBe(REPLAY_MESSAGES);
  });
});
