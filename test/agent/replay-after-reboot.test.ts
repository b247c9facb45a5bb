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
import { MeshCounter } from "../../core/mesh/mesh-counters";
import { airFrom, bootBoard, hear, provisionedFlash, recordHistory, REPLAY_MESSAGES, REPLAY_REBOOTS, REPLAY_RECEIVER, REPLAY_SENDER, replayToAmnesiac, runReplayAfterReboot, SKIP_REQUEST_FRAME_BYTES } from "./replay-reboot";

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

describe("the counter-skip request", () => {
  it("played again (recorded), is refused as a replay: a sender skips once per request", () => {
    const sender = bootBoard(provisionedFlash(REPLAY_SENDER), REPLAY_SENDER);
    const receiverFlash = provisionedFlash(REPLAY_RECEIVER);
    const receiver = bootBoard(receiverFlash, REPLAY_RECEIVER);
    recordHistory(sender, receiver);
    // Power lost: the next boot asks for a skip.
    const rebooted = bootBoard(receiverFlash, REPLAY_RECEIVER);
    airFrom(rebooted, 1_000_000, 10_000);
    const skip = rebooted.radio.sent.map((f) => f.bytes).filter((f) => f.length === SKIP_REQUEST_FRAME_BYTES);
    expect(skip).toHaveLength(1);
    hear(sender, skip, 1_010_000);
    expect(sender.transport.counters.values[MeshCounter.counterSkipsApplied]).toBe(1);
    hear(sender, skip, 1_020_000);
    hear(sender, skip, 1_030_000);
    expect(sender.transport.counters.values[MeshCounter.counterSkipsApplied]).toBe(1);
    // Caught before any crypto by the recent-frames cache, or by the replay window once it has forgotten them.
    const values = sender.transport.counters.values;
    expect((values[MeshCounter.dropDuplicate] ?? 0) + (values[MeshCounter.dropReplay] ?? 0)).toBeGreaterThanOrEqual(2);
  });
});
