/**
 * A device scenario shared by V8 (vitest) and XS (picket-xs): boot `agents`
 * copies of the device entry point with consecutive node ids, run them for
 * `durationMs` of virtual time, and return every agent's status. Platform
 * neutral: no Node, no vitest.
 */
import main, { type BootOutcome } from "../../agent/moddable/main";
import type { AgentStatus } from "../../agent/agent";
import { advanceTo, resetVirtual, virtual } from "../xs/stubs/control";

export interface DeviceScenario {
  readonly agents: number;
  readonly durationMs: number;
  readonly sampleIntervalMs: number;
}

export interface DeviceScenarioResult {
  readonly boots: readonly BootOutcome[];
  readonly statuses: readonly AgentStatus[];
  /** All agents' trace hashes joined: one string to compare across engines. */
  readonly combinedTrace: string;
}

export function siteConfigFor(nodeId: number, sampleIntervalMs: number, role = "sensor"): Record<string, unknown> {
  return {
    siteName: "scenario",
    nodeId,
    role,
    sampleIntervalMs,
    sampleRingCapacity: 64,
    timerCapacity: 16,
    neighbourCapacity: 32,
  };
}

export function bootAgents(scenario: DeviceScenario): BootOutcome[] {
  resetVirtual({});
  const boots: BootOutcome[] = [];
  for (let i = 0; i < scenario.agents; i++) {
    // Keep virtual time and timers; swap only the configuration main() reads.
    virtual.config = { picket: siteConfigFor(i + 1, scenario.sampleIntervalMs) };
    boots.push(main());
  }
  return boots;
}

export function runDeviceScenario(scenario: DeviceScenario): DeviceScenarioResult {
  const boots = bootAgents(scenario);
  advanceTo(scenario.durationMs);
  const statuses: AgentStatus[] = [];
  for (const boot of boots) if (boot.ok) statuses.push(boot.agent.status());
  return { boots, statuses, combinedTrace: statuses.map((s) => s.traceHash).join(",") };
}
