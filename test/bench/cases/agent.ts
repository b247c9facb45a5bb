/**
 * Agent-level benchmark cases: one steady-state sampling turn of the full
 * agent, and a slice of a whole simulated site (kernel + full agents +
 * stand-in transport + gateway sink). `run` allocates nothing (measured on
 * XS: bytes/op 0).
 */
import { createAgent, type Agent } from "../../../agent/agent";
import { AgentRole, validateBoardConfig } from "../../../agent/config";
import { openSimSensor } from "../../../agent/sim-sensors";
import { ErrorCode } from "../../../core/runtime/errors";
import { ManualClock } from "../../../hal/sim/manual-clock";
import type { SimKernel } from "../../../host-sim/kernel/kernel";
import { paritySite } from "../../agent/site-parity";
import { benchCase, type BenchCase } from "./types";

// bench/run.ts runs the V8 side without the device build's `define`s; Node-side entry points define the
// feature flags as globals instead (agent/build-flags.d.ts, bin/picket.mjs). Harmless in the XS bundle.
const flags = globalThis as Record<string, unknown>;
flags["PICKET_FEATURE_CONSENSUS"] ??= true;
flags["PICKET_FEATURE_GATEWAY"] ??= true;
flags["PICKET_RADIO"] ??= "sim";

interface TurnState {
  readonly agent: Agent;
  readonly clock: ManualClock;
}

const TURNS = 1000;
const SITE_EVENTS = 1000;

function samplingAgent(): TurnState {
  const validated = validateBoardConfig({
    siteName: "bench",
    sampleIntervalMs: 1000,
    sampleRingCapacity: 64,
    timerCapacity: 8,
    neighbourCapacity: 32,
    sensors: [{ part: "tmp117", windowMs: 86_400_000 }],
    uplink: { intervalMs: 3_600_000 },
    radio: { meshTickMs: 60_000 },
  }, { nodeId: 1, role: AgentRole.Sensor });
  if (!validated.ok) throw new Error("bench: bad configuration");
  const clock = new ManualClock(0);
  const sensor = openSimSensor(validated.config.sensors[0]?.part ?? 1, { seed: 7 });
  if (!sensor.ok) throw new Error("bench: sensor");
  const transport = { nodeId: 1, maxMessageBytes: 192, send: () => ErrorCode.Ok, takeDelivery: () => false, outcomeCount: 0, outcomeDestination: () => 0, outcomeMessageId: () => 0, outcomeStatus: () => ErrorCode.Ok, advanceOutcomes: () => undefined, tick: () => undefined, nextWakeMs: () => -1,
    busyPermille: () => 0, onReadable: () => undefined };
  const agent = createAgent(validated.config, { clock, sensors: [sensor.value], transport });
  if (!agent.ok) throw new Error(`bench: agent ${agent.code}`);
  agent.value.start();
  for (let i = 0; i < 100; i++) {
    clock.advance(1000);
    agent.value.runDue();
  }
  return { agent: agent.value, clock };
}

export const agentCases: readonly BenchCase[] = Object.freeze([
  benchCase<TurnState>({
    group: "agent",
    name: "sampling turn (TMP117 -> pipeline, full agent, nothing else due)",
    opsPerRun: TURNS,
    setup: samplingAgent,
    run(state) {
      let check = 0;
      for (let i = 0; i < TURNS; i++) {
        state.clock.advance(1000);
        check += state.agent.runDue();
      }
      return check;
    },
  }),
  benchCase<SimKernel>({
    group: "agent",
    name: "site event (6 full agents incl. 2 gateways, stand-in transport, sink; per kernel event)",
    opsPerRun: SITE_EVENTS,
    setup() {
      const site = paritySite(11, { checkInvariants: false }, 24 * 3_600_000, false);
      if (typeof site === "string") throw new Error(`bench: ${site}`);
      site.kernel.runFor(6_000); // warm up: booted, windows closed, rings wrapped
      return site.kernel;
    },
    run(kernel) {
      kernel.runFor(SITE_EVENTS);
      return kernel.eventCount;
    },
  }),
]);
