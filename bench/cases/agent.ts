/** Agent-level benchmark cases: one sampling turn of the first agent slice. */
import { Agent } from "../../agent/agent";
import { createSimTemperatureSensor } from "../../hal/sim/sensors/temperature";
import { ManualClock } from "../../hal/sim/manual-clock";
import { benchCase, type BenchCase } from "./types";

interface AgentState {
  readonly agent: Agent;
  readonly clock: ManualClock;
}

const TURNS = 1000;

export const agentCases: readonly BenchCase[] = Object.freeze([
  benchCase<AgentState>({
    group: "agent",
    name: "sampling turn (1 sample into a 64-slot ring)",
    opsPerRun: TURNS,
    setup() {
      const clock = new ManualClock(0);
      const sensor = createSimTemperatureSensor({ seed: 7, temperature: { base: 21_000, driftPerMinute: 5, noise: 250 } });
      if (!sensor.ok) return { agent: undefined as never, clock };
      const agent = Agent.create(
        { siteName: "bench", nodeId: 1, role: "sensor", sampleIntervalMs: 1000, sampleRingCapacity: 64, timerCapacity: 16, neighbourCapacity: 32 },
        { clock, sensor: sensor.value },
      );
      if (!agent.ok) return { agent: undefined as never, clock };
      return { agent: agent.value, clock };
    },
    run(state) {
      let check = 0;
      for (let i = 0; i < TURNS; i++) {
        state.clock.advance(1000);
        check += state.agent.turn();
      }
      return check;
    },
  }),
]);
