/**
 * XS entry for test/xs/replay-reboot.test.ts: the recorded-radio replay
 * after a receiver reboot (test/agent/replay-reboot.ts), graceful and by
 * power loss, on the real XS engine: one record per run.
 */
import { done, record } from "../../../tools/xs/harness";
import { replayToAmnesiac, runReplayAfterReboot } from "../../agent/replay-reboot";

for (const kind of ["graceful", "power-loss"] as const) {
  const run = runReplayAfterReboot(kind);
  const { kind: mode, ...rest } = run;
  record("replay", { ...rest, mode, rounds: run.rounds.map((r) => ({ ...r })) });
}
record("amnesiac", { delivered: replayToAmnesiac() });
done();
