/**
 * XS entry: the device entry point (agent/moddable/main.ts, the module the
 * manifest hands to mcconfig) booted on the real XS engine with simulated
 * Moddable modules - the full agent with simulated drivers, a gateway and
 * sensors exchanging telemetry over an in-memory bus - plus its boot and
 * steady-state sampling-turn cost in computrons and bytes.
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { bootAgents, runDeviceScenario } from "../../../host-sim/device-scenarios/device-boot";
import { advanceTo, virtual } from "../../../host-sim/moddable/control";

const scenario = { agents: 8, durationMs: 60_000, sampleIntervalMs: 1000 };
const result = runDeviceScenario(scenario);
record("scenario", {
  bootsOk: result.boots.filter((b) => b.ok).length,
  problems: result.boots.flatMap((b) => (b.ok ? [] : b.problems)),
  statuses: result.statuses,
  gatewayRecords: result.gatewayRecords,
  gatewayAlerts: result.gatewayAlerts,
  busMessages: result.busMessages,
  combinedTrace: result.combinedTrace,
});

// Cost of booting one agent, and of one steady-state sampling turn.
let booted: ReturnType<typeof bootAgents> | undefined;
const boot = measure(() => {
  booted = bootAgents({ agents: 1, durationMs: 0, sampleIntervalMs: 1000 });
});
advanceTo(100_000); // warm up: rings wrap (history 64), windows close, uplink batches go out
const first = booted?.boots[0];
const agent = first !== undefined && first.ok ? first.agent : undefined;
const turns = 100;
const samplesBefore = agent !== undefined ? agent.status().samplesTaken : 0;
// Drive runDue() directly so only the agent's work is measured, not the stub timer loop.
const steady = measure(() => {
  for (let i = 0; i < turns && agent !== undefined; i++) {
    virtual.nowMs += 1000;
    agent.runDue();
  }
});
const samples = agent !== undefined ? agent.status().samplesTaken - samplesBefore : 0;
record("cost", {
  bootComputrons: boot.computrons,
  bootBytes: boot.allocatedBytes,
  turnComputrons: steady.computrons / turns,
  turnBytes: steady.allocatedBytes / turns,
  exact: boot.exact && steady.exact,
  samples,
  slotBytes: slotBytes(),
});
done();
