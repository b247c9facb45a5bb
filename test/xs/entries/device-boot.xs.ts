/**
 * XS entry: the device entry point (agent/moddable/main.ts, the module the
 * manifest hands to mcconfig) booted on the real XS engine with simulated
 * Moddable modules, plus its boot/turn cost in computrons and bytes.
 */
import { done, measure, record } from "../harness";
import { bootAgents, runDeviceScenario } from "../../scenarios/device-boot";
import { advanceTo, virtual } from "../stubs/control";

const scenario = { agents: 8, durationMs: 60_000, sampleIntervalMs: 1000 };
const result = runDeviceScenario(scenario);
record("scenario", {
  bootsOk: result.boots.filter((b) => b.ok).length,
  problems: result.boots.flatMap((b) => (b.ok ? [] : b.problems)),
  statuses: result.statuses,
  combinedTrace: result.combinedTrace,
});

// Cost of booting one agent, and of one steady-state sampling turn.
let boots: ReturnType<typeof bootAgents> = [];
const boot = measure(() => {
  boots = bootAgents({ agents: 1, durationMs: 0, sampleIntervalMs: 1000 });
});
advanceTo(100_000); // warm up: the ring wraps (capacity 64), so steady state includes DropOldest
const first = boots[0];
const agent = first !== undefined && first.ok ? first.agent : undefined;
const turns = 100;
// Drive turn() directly so only the agent's work is measured, not the stub timer loop.
const steady = measure(() => {
  for (let i = 0; i < turns && agent !== undefined; i++) {
    virtual.nowMs += 1000;
    agent.turn();
  }
});
record("cost", {
  bootComputrons: boot.computrons,
  bootBytes: boot.allocatedBytes,
  turnComputrons: steady.computrons / turns,
  turnBytes: steady.allocatedBytes / turns,
  exact: boot.exact && steady.exact,
  samplesTaken: agent !== undefined ? agent.status().samplesTaken : -1,
  slotBytes: slotBytes(),
});
done();
