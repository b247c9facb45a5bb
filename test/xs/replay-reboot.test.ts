/**
 * On the real XS engine (test/agent/replay-reboot.ts, the same code as the
 * V8 test/agent/replay-after-reboot.test.ts): a recorded radio history
 * played to a board after each of three reboots, graceful or by power loss,
 * is refused whole, and the sender's next message still arrives once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { XsRecord, XsRunResult } from "../../tools/xs/run-xs";
import { runXsEntry } from "../../tools/xs/build-entry";
import { REPLAY_MESSAGES, REPLAY_REBOOTS } from "../agent/replay-reboot";

let run: XsRunResult;
const replay = (kind: string): XsRecord => {
  const found = run.records.find((r) => r.kind === "replay" && r["mode"] === kind);
  if (found === undefined) throw new Error(`no replay record for ${kind}`);
  return found;
};

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/replay-reboot.xs.ts", "replay-reboot", "replay-after-reboot bundle");
}, 300_000);

describe("recorded radio history after a receiver reboot, on XS", () => {
  for (const kind of ["graceful", "power-loss"]) {
    it(`${kind}: 0 recorded frames accepted after each of ${REPLAY_REBOOTS} reboots; the next message delivered once`, () => {
      const r = replay(kind);
      expect(r["delivered"]).toBe(REPLAY_MESSAGES);
      const recorded = Number(r["recordedFrames"]);
      const rounds = r["rounds"] as Record<string, unknown>[];
      expect(rounds).toHaveLength(REPLAY_REBOOTS);
      for (const round of rounds) {
        expect(round["replayedDelivered"]).toBe(0);
        expect(round["replayedAccepted"]).toBe(0);
        expect(round["replayedRefused"]).toBe(recorded);
        expect(round["skipRequests"]).toBe(kind === "power-loss" ? 1 : 0);
        expect(round["freshDelivered"]).toBe(1);
        expect(round["freshIntact"]).toBe(true);
      }
    });
  }

  it("a receiver whose windows start empty accepts the same history again (the check can fail)", () => {
    expect(run.records.find((r) => r.kind === "amnesiac")?.["delivered"]).toBe(REPLAY_MESSAGES);
  });
});
