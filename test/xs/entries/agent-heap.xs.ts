/**
 * XS entry for the peak-heap measurement of booting one agent
 * (test/xs/agent.test.ts): run under a fixed heap, with BOOT = 0 (baseline:
 * the same code loaded, nothing booted) and BOOT = 1 (the board booted and
 * kept). The test rewrites the literal and searches the smallest fixed heap
 * each variant completes in; the difference is the heap the agent holds
 * after boot, garbage collected (allocation counts overstate it): the agent
 * and its mesh (store, 33 senders' keys and replay windows, MeshTransport),
 * as a provisioned board boots them (agent/boot.ts order).
 */
import { createAgent, type Agent } from "../../../agent/agent";
import { validateBoardConfig } from "../../../agent/config";
import { openSimSensor } from "../../../agent/sim-sensors";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Sensor } from "../../../hal/sensor";
import { SimFlash } from "../../../hal/sim/flash";
import { ManualClock } from "../../../hal/sim/manual-clock";
import { MEASURED_BOARD, MEASURED_IDENTITY } from "../../agent/measured-board";
import { measuredMesh, provisionMeasured, quietRadio } from "../../agent/measured-radio";
import { AgentStore, storeShapeOf } from "../../../agent/persistence";

const BOOT: number = 0; // rewritten by the test: 1 = agent + mesh (a provisioned board), 2 = the agent alone (a do-nothing transport)
const kept: Agent[] = [];
// Made in both variants: not part of the agent's heap (the flash is flash; sensors and radio are drivers).
const flash = SimFlash.create({ blockSizeBytes: 2048, blockCount: 8 });
const validated = validateBoardConfig(MEASURED_BOARD, MEASURED_IDENTITY);
const sensors: Sensor[] = validated.ok ? validated.config.sensors.map((s, i) => openSimSensor(s.part, { seed: i })).flatMap((s) => (s.ok ? [s.value] : [])) : [];
const radio = quietRadio();
const provisioned = validated.ok && flash.ok ? provisionMeasured(flash.value, validated.config.nodeId, validated.config.uplink.alertPendingCapacity) : ErrorCode.InvalidArgument;
const clock = new ManualClock(0);
gc();
if (BOOT === 1 && validated.ok && flash.ok && provisioned === ErrorCode.Ok) {
  const store = AgentStore.open(flash.value, storeShapeOf(validated.config));
  const mesh = measuredMesh(validated.config, store, radio);
  const agent = mesh.ok ? createAgent(validated.config, { clock, sensors, transport: mesh.transport, store }) : undefined;
  if (agent?.ok === true && agent.value.start() === ErrorCode.Ok) kept.push(agent.value);
}
if (BOOT === 2 && validated.ok && flash.ok) {
  const transport = { nodeId: 1, maxMessageBytes: 192, send: () => ErrorCode.Ok, takeDelivery: () => false, outcomeCount: 0, outcomeDestination: () => 0, outcomeMessageId: () => 0, outcomeStatus: () => ErrorCode.Ok, advanceOutcomes: () => undefined, tick: () => undefined, nextWakeMs: () => -1,
    busyPermille: () => 0, onReadable: () => undefined };
  const agent = createAgent(validated.config, { clock, sensors, transport, blockDevice: flash.value });
  if (agent.ok && agent.value.start() === ErrorCode.Ok) kept.push(agent.value);
}
gc();
print(`@@picket ${JSON.stringify({ kind: "done", booted: kept.length, variant: BOOT })}`);
