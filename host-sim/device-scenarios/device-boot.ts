/**
 * A device scenario shared by V8 (vitest) and XS (picket-xs): boot `agents`
 * copies of the device entry point (agent/moddable/main.ts: the full agent,
 * simulated drivers) with consecutive node ids - node 1 a gateway, the
 * others sensors that send it telemetry and alerts over an in-memory bus -
 * run them for `durationMs` of virtual time, and return every agent's
 * status and what the gateway collected. Platform neutral: no Node, no vitest.
 */
import main, { openImageSensor, type BootOutcome } from "../../agent/moddable/main";
import { openSimSensor } from "../../agent/sim-sensors";
import { SimEventKind } from "../../hal/sim/sensors/script";
import type { AgentStatus } from "../../agent/agent";
import { CountingGatewaySink } from "../../core/uplink/gateway-sink";
import { advanceTo, resetVirtual, virtual } from "../moddable/control";
import { Bus } from "./bus-transport";
import { provisionVirtualBoard } from "./board-mesh";
import { GATEWAY_NODE_ID, siteConfigFor } from "./site-config";

export interface DeviceScenario {
  readonly agents: number;
  readonly durationMs: number;
  readonly sampleIntervalMs: number;
}

export interface DeviceScenarioResult {
  readonly boots: readonly BootOutcome[];
  readonly statuses: readonly AgentStatus[];
  /** What the gateway (node 1) handed to its sink. */
  readonly gatewayRecords: number;
  readonly gatewayAlerts: number;
  readonly busMessages: number;
  /** All agents' trace hashes joined: one string to compare across engines. */
  readonly combinedTrace: string;
}

export { GATEWAY_NODE_ID, siteConfigFor };

export interface BootedDevices {
  readonly boots: BootOutcome[];
  readonly bus: Bus;
  readonly sink: CountingGatewaySink;
}

export function bootAgents(scenario: DeviceScenario): BootedDevices {
  resetVirtual({});
  const bus = new Bus();
  const sink = new CountingGatewaySink();
  const boots: BootOutcome[] = [];
  for (let i = 0; i < scenario.agents; i++) {
    // Keep virtual time and timers; swap only the configuration main() reads.
    virtual.config = { picket: siteConfigFor(scenario.sampleIntervalMs), picketBoard: provisionVirtualBoard(i + 1, scenario.agents) };
    boots.push(
      main({
        transport: (config) => bus.join(config.nodeId, config.radio.maxMessageBytes),
        gatewaySink: sink,
        // Node 2's PIR sees an intruder from 20 s to 25 s: one alert raised, one cleared.
        openSensor: (sensor, index, site) =>
          site.nodeId === 2 && index === 1
            ? openSimSensor(sensor.part, { seed: site.nodeId * 8 + index, script: [{ kind: SimEventKind.Set, atMs: 20_000, untilMs: 25_000, amount: 1 }] })
            : openImageSensor(sensor, index, site),
      }),
    );
  }
  return { boots, bus, sink };
}

export function runDeviceScenario(scenario: DeviceScenario): DeviceScenarioResult {
  const { boots, bus, sink } = bootAgents(scenario);
  advanceTo(scenario.durationMs);
  const statuses: AgentStatus[] = [];
  for (const boot of boots) if (boot.ok) statuses.push(boot.agent.status());
  return {
    boots,
    statuses,
    gatewayRecords: sink.telemetryRecords,
    gatewayAlerts: sink.alerts,
    busMessages: bus.sent,
    combinedTrace: statuses.map((s) => s.traceHash).join(","),
  };
}

/** A site configuration without gateway (what the literal bundle boots with no options, on a partition provisioned as a sensor). */
export function standaloneConfig(): Record<string, unknown> {
  return { siteName: "scenario", sampleIntervalMs: 1000, sampleRingCapacity: 64, timerCapacity: 16, neighbourCapacity: 32 };
}

/**
 * Boot `agents` device entry points exactly as a board does (no options:
 * the store on its provisioned flash partition, the mesh over the SX127x
 * stand-in; no gateway configured), run `durationMs`.
 */
export function runStandaloneScenario(agents: number, durationMs: number): AgentStatus[] {
  resetVirtual({});
  const boots: BootOutcome[] = [];
  for (let i = 0; i < agents; i++) {
    virtual.config = { picket: standaloneConfig(), picketBoard: provisionVirtualBoard(i + 1, agents, "sensor") };
    boots.push(main());
  }
  advanceTo(durationMs);
  const statuses: AgentStatus[] = [];
  for (const boot of boots) if (boot.ok) statuses.push(boot.agent.status());
  return statuses;
}
