/**
 * XS entry for test/xs/agent.test.ts:
 *  1. the parity sites (full agents on the kernel, test/agent/site-parity.ts): summaries and trace hashes;
 *  2. bytes and computrons per frame in a steady-state slice of a 6-board site run;
 *  3. what booting one board allocates: the full agent (two sensors, every
 *     task) and, apart, its mesh (store mount, provisioning record, 33
 *     senders' keys and replay windows, MeshTransport) for a board
 *     configured for 32 neighbours in a 33-board site;
 *  4. one steady-state sampling turn (one sensor, nothing else due): bytes and computrons.
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { createAgent, type Agent } from "../../../agent/agent";
import { validateBoardConfig } from "../../../agent/config";
import { AgentDriver } from "../../../agent/driver";
import { openSimSensor } from "../../../agent/sim-sensors";
import { ErrorCode } from "../../../core/runtime/errors";
import { SimFlash } from "../../../hal/sim/flash";
import { ManualClock } from "../../../hal/sim/manual-clock";
import { buildTopology } from "../../../host-sim/kernel/topology";
import { createStream, StreamPurpose } from "../../../host-sim/kernel/streams";
import { validateScenario } from "../../../host-sim/kernel/validate-scenario";
import { RouteTable } from "../../../host-sim/site/routes";
import { StandInTransport } from "../../../host-sim/site/stand-in-transport";
import { TransportStat, TRANSPORT_STAT_COUNT } from "../../../host-sim/site/transport-stats";
import type { Sensor } from "../../../hal/sensor";
import { AgentStore, storeShapeOf } from "../../../agent/persistence";
import type { MeshTransport } from "../../../core/mesh/transport";
import { measuredMesh, provisionMeasured, quietRadio } from "../../agent/measured-radio";
import { paritySite, runParitySites } from "../../agent/site-parity";
import { MEASURED_BOARD, MEASURED_IDENTITY } from "../../agent/measured-board";

record("sites", { summaries: runParitySites() });

// 2. Steady state of a whole site: kernel + agents + transports + sink (invariant checks off: a board runs
//    none; no shutdown or power loss in this one: a reboot allocates a new agent, which is not steady state).
const site = paritySite(11, { checkInvariants: false }, 600_000, false);
if (typeof site !== "string") {
  const framesOf = (): number => site.nodes.reduce((sum, node) => sum + (node.transportStats[TransportStat.framesSent] ?? 0), 0);
  site.kernel.runFor(6_000); // warm up (~3 virtual minutes): every board booted and rebooted, windows closed, rings wrapped
  const frames0 = framesOf();
  const events0 = site.kernel.eventCount;
  const m = measure(() => {
    site.kernel.runFor(6_000);
  });
  const frames = framesOf() - frames0;
  record("frames", { frames, events: site.kernel.eventCount - events0, bytesPerFrame: m.allocatedBytes / Math.max(1, frames), computronsPerFrame: m.computrons / Math.max(1, frames), exact: m.exact });
}

// 3. Boot of one board configured for 32 neighbours, with 32 radio neighbours (33 boards, all in range):
//    what the agent allocates (createAgent + start: every task, pipeline), and, apart, the board's mesh
//    (store mount + buildRadioMesh: keys, replay windows, MeshTransport) and the two simulated sensors.
const scenario = validateScenario({ nodes: 33, topology: { kind: "full" }, workload: { kind: "ping", periodMs: 1000, messageBytes: 16 } });
const validated = validateBoardConfig(MEASURED_BOARD, MEASURED_IDENTITY);
if (scenario.ok && validated.ok) {
  const config = validated.config;
  const topology = buildTopology(scenario.scenario, createStream(1, StreamPurpose.Topology, 0));
  const routes = topology.ok ? new RouteTable(topology.topology) : undefined;
  const flash = SimFlash.create({ blockSizeBytes: 2048, blockCount: 8 }); // flash is not heap: made before the measurement
  const clock = new ManualClock(0);
  const stats = new Float64Array(TRANSPORT_STAT_COUNT);
  const link = { send: () => ErrorCode.Ok, nowMs: () => clock.nowMs() };
  const neighbours = topology.ok ? (topology.topology.neighbourStart[1] ?? 0) : 0;
  let sensors: Sensor[] = [];
  let transport: MeshTransport | undefined;
  let store: AgentStore | undefined;
  let booted: Agent | undefined;
  const radio = quietRadio();
  const provisioned = flash.ok ? provisionMeasured(flash.value, config.nodeId, config.uplink.alertPendingCapacity) : ErrorCode.InvalidArgument;
  const sensorCost = measure(() => {
    sensors = config.sensors.map((s, i) => openSimSensor(s.part, { seed: i })).flatMap((s) => (s.ok ? [s.value] : []));
  });
  const transportCost = measure(() => {
    if (!flash.ok || provisioned !== ErrorCode.Ok) return;
    store = AgentStore.open(flash.value, storeShapeOf(config));
    const built = measuredMesh(config, store, radio);
    if (built.ok) transport = built.transport;
  });
  const agentCost = measure(() => {
    if (transport === undefined || store === undefined) return;
    const agent = createAgent(config, { clock, sensors, transport, store });
    if (agent.ok && agent.value.start() === ErrorCode.Ok) booted = agent.value;
  });
  const cost = (m: typeof agentCost): Record<string, number | boolean> => ({ bytes: m.allocatedBytes, slots: m.slots, chunkBytes: m.chunkBytes, exact: m.exact, computrons: m.computrons });
  record("boot", { booted: booted !== undefined, neighbours, slotBytes: slotBytes(), agent: cost(agentCost), transport: cost(transportCost), sensors: cost(sensorCost) });
}

// 4. One sampling turn: one sensor every second; mesh, uplink and windows far apart so nothing else is due.
const quiet = validateBoardConfig({
  siteName: "measure",
  sampleIntervalMs: 1000,
  sampleRingCapacity: 64,
  timerCapacity: 8,
  neighbourCapacity: 32,
  sensors: [{ part: "tmp117", windowMs: 86_400_000 }],
  uplink: { intervalMs: 3_600_000 },
  radio: { meshTickMs: 60_000 },
}, MEASURED_IDENTITY);
if (quiet.ok) {
  const clock = new ManualClock(0);
  const sensor = openSimSensor(quiet.config.sensors[0]?.part ?? 1, { seed: 3 });
  const transport = { nodeId: 1, maxMessageBytes: 192, send: () => ErrorCode.Ok, takeDelivery: () => false, outcomeCount: 0, outcomeDestination: () => 0, outcomeMessageId: () => 0, outcomeStatus: () => ErrorCode.Ok, advanceOutcomes: () => undefined, tick: () => undefined, nextWakeMs: () => -1,
    busyPermille: () => 0, onReadable: () => undefined };
  const agent = sensor.ok ? createAgent(quiet.config, { clock, sensors: [sensor.value], transport }) : undefined;
  if (agent !== undefined && agent.ok) {
    agent.value.start();
    // Driven as a board drives it (agent/driver.ts): each turn is a timer wake-up plus a radio interrupt.
    const driver = new AgentDriver(clock);
    const armed = { delayMs: 0 };
    driver.start(agent.value, {
      schedule: (delayMs: number): void => {
        armed.delayMs = delayMs;
      },
      clear: (): void => undefined,
    });
    for (let i = 0; i < 200; i++) {
      clock.advance(1000); // warm up: the 64-sample history wraps
      driver.onTimer();
      driver.onReadable();
    }
    const turns = 200;
    const samples0 = agent.value.status().samplesTaken;
    const m = measure(() => {
      for (let i = 0; i < turns; i++) {
        clock.advance(1000);
        driver.onTimer();
        driver.onReadable();
      }
    });
    const samples = agent.value.status().samplesTaken - samples0;
    record("sampling", { turns, samples, bytesPerTurn: m.allocatedBytes / turns, computronsPerTurn: m.computrons / turns, exact: m.exact });
  }
}
done();
