/**
 * The composition root (agent/agent.ts): a validated configuration and a
 * platform become a running agent with one sampling task per sensor at its
 * configured rate, an uplink that sends alerts (acknowledged, with failover)
 * and batched routine telemetry, a mesh task, and the gateway role.
 */
import { describe, expect, it } from "vitest";
import { createAgent } from "../../agent/agent";
import { AgentCounter } from "../../core/telemetry/agent-metrics";
import { AGENT_FIXED_TASKS } from "../../agent/config";
import { openSimSensor } from "../../agent/sim-sensors";
import { SensorPart } from "../../agent/sensor-parts";
import { TrafficClass } from "../../core/mesh/transport-port";
import { MessageKind, readHeader, readRecord, WireHeader, WireRecord } from "../../core/uplink/wire";
import { ErrorCode } from "../../core/runtime/errors";
import { Priority } from "../../core/runtime/priority";
import type { Status } from "../../core/runtime/result";
import { RecordKind } from "../../core/telemetry/record";
import type { Sensor, SensorChannel } from "../../hal/sensor";
import { ManualClock } from "../../hal/sim/manual-clock";
import { SimEventKind } from "../../hal/sim/sensors/script";
import { RecordingTransport, rig, runUntil, testConfig, unwrap, type SentMessage } from "./helpers";

/** Wraps a sensor and counts sample calls. */
class CountingSensor implements Sensor {
  calls = 0;
  readonly #inner: Sensor;
  constructor(inner: Sensor) {
    this.#inner = inner;
  }
  get channels(): readonly SensorChannel[] {
    return this.#inner.channels;
  }
  configure(): Status {
    return ErrorCode.Ok;
  }
  sample(nowMs: number, out: Int32Array, offset: number): Status {
    this.calls++;
    return this.#inner.sample(nowMs, out, offset);
  }
  close(): void {
    this.#inner.close();
  }
}

function decode(message: SentMessage): { header: WireHeader; records: WireRecord[] } {
  const header = new WireHeader();
  expect(readHeader(message.bytes, 0, message.bytes.length, header)).toBe(ErrorCode.Ok);
  const records: WireRecord[] = [];
  for (let i = 0; i < header.count; i++) {
    const record = new WireRecord();
    expect(readRecord(message.bytes, 0, header.kind, i, record)).toBe(ErrorCode.Ok);
    records.push(record);
  }
  return { header, records };
}

const intrusion = [{ kind: SimEventKind.Set, atMs: 3_000, untilMs: 4_200, amount: 1 }];

describe("agent composition", () => {
  it("registers one sampling task per sensor plus mesh, uplink, telemetry and the two shutdown hooks", () => {
    const { agent } = rig();
    expect(agent.scheduler.taskCount).toBe(2 + AGENT_FIXED_TASKS);
    expect(agent.samplingTaskCount).toBe(2);
    const priorities = Array.from({ length: agent.scheduler.taskCount }, (_, id) => agent.scheduler.taskPriority(id));
    expect(priorities).toEqual([Priority.RadioReceive, Priority.Alerts, Priority.Background, Priority.Background, Priority.Background, Priority.Sampling, Priority.Sampling]);
  });

  it("samples every sensor at its own configured rate", () => {
    const config = testConfig();
    const sensors = config.sensors.map((s, i) => new CountingSensor(unwrap(openSimSensor(s.part, { seed: i }))));
    const r = rig({ config, sensors });
    runUntil(r, 10_000);
    const [temperature, motion] = sensors;
    // 1 s and 500 ms periods over 10 s, each from its own phase in the first period.
    expect(temperature?.calls).toBeGreaterThanOrEqual(10);
    expect(temperature?.calls).toBeLessThanOrEqual(11);
    expect(motion?.calls).toBeGreaterThanOrEqual(20);
    expect(motion?.calls).toBeLessThanOrEqual(21);
    expect(r.agent.metrics.value(AgentCounter.Samples)).toBe((temperature?.calls ?? 0) + (motion?.calls ?? 0));
    expect(r.agent.metrics.value(AgentCounter.SamplesLate)).toBe(0);
  });

  it("turns a scripted intrusion into an acknowledged alert pair (raised, cleared) to the first gateway", () => {
    const r = rig({ scripts: [undefined, intrusion] });
    runUntil(r, 6_000);
    const alerts = r.transport.sent.filter((m) => m.trafficClass === TrafficClass.Alert);
    expect(alerts.map((m) => [m.destination, m.ackRequested])).toEqual([[1, true], [1, true]]);
    const decoded = alerts.map(decode);
    expect(decoded.map((d) => d.header.kind)).toEqual([MessageKind.Alert, MessageKind.Alert]);
    expect(decoded.map((d) => d.records[0]?.kind)).toEqual([RecordKind.AlertRaised, RecordKind.AlertCleared]);
    const raisedAt = decoded[0]?.records[0]?.atMs ?? 0;
    expect(raisedAt).toBeGreaterThanOrEqual(3_000);
    expect(raisedAt).toBeLessThan(3_500);
    expect(decoded[0]?.records[0]?.channelId).toBe(8); // sensor 1, channel 0
    expect(r.agent.metrics.value(AgentCounter.AlertsDelivered)).toBe(2);
    expect(r.agent.pending.inUse).toBe(0);
  });

  it("batches routine window aggregates into telemetry messages, best effort, without acknowledgement", () => {
    const r = rig();
    runUntil(r, 36_000); // the [20 s, 30 s) windows close at 30 s and leave with the uplink at 35 s
    const telemetry = r.transport.sent.filter((m) => m.trafficClass === TrafficClass.Telemetry);
    expect(telemetry.length).toBeGreaterThan(0);
    expect(telemetry.every((m) => !m.ackRequested && m.destination === 1)).toBe(true);
    const records = telemetry.flatMap((m) => decode(m).records);
    // Windows [0,10s), [10,20s), [20,30s) closed for both channels.
    expect(records.filter((x) => x.channelId === 0).map((x) => x.atMs)).toEqual([0, 10_000, 20_000]);
    expect(records.filter((x) => x.channelId === 8).map((x) => x.atMs)).toEqual([0, 10_000, 20_000]);
    expect(records.every((x) => x.kind === RecordKind.Aggregate && x.spanMs === 10_000 && x.count > 0)).toBe(true);
    const seqs = telemetry.map((m) => decode(m).header.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("fails an alert over to the next gateway when the first does not acknowledge, and retries after a backoff", () => {
    const transport = new RecordingTransport(5);
    transport.ackOutcome = ErrorCode.MeshAckTimeout;
    const r = rig({ scripts: [undefined, intrusion], transport });
    runUntil(r, 3_600);
    transport.ackOutcome = ErrorCode.Ok;
    runUntil(r, 12_000);
    const raised = transport.sent.filter((m) => m.trafficClass === TrafficClass.Alert && decode(m).records[0]?.kind === RecordKind.AlertRaised);
    expect(raised.map((m) => m.destination).slice(0, 2)).toEqual([1, 2]);
    expect(decode(raised[0] as SentMessage).header.seq).toBe(decode(raised[1] as SentMessage).header.seq); // the same alert, sent again
    expect(r.agent.metrics.value(AgentCounter.AlertRetries)).toBeGreaterThanOrEqual(1);
    expect(r.agent.metrics.value(AgentCounter.AlertsDelivered)).toBe(2);
    expect(r.agent.uplink.activeGateway).toBe(2);
  });

  it("on a gateway, hands its own records and what the mesh delivers to the sink", () => {
    const config = testConfig({ role: "gateway", nodeId: 1, gateways: [] });
    const r = rig({ config, scripts: [undefined, intrusion] });
    const message = new Uint8Array(40);
    message.set([1, MessageKind.Alert, 1, 0, 1, 0, 0, 0, 9, 0, 0, 0]);
    message.set([RecordKind.AlertRaised, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0], 12);
    r.transport.inject(7, TrafficClass.Alert, message);
    runUntil(r, 16_000);
    expect(r.transport.sent).toHaveLength(0);
    expect(r.sink.alerts.map((a) => [a.source, a.kind])).toEqual([[7, RecordKind.AlertRaised], [1, RecordKind.AlertRaised], [1, RecordKind.AlertCleared]]);
    expect(r.sink.telemetry.filter((t) => t.source === 1).length).toBeGreaterThanOrEqual(2);
  });

  it("counts telemetry that reaches a node that is not a gateway, and control messages nothing handles", () => {
    const r = rig();
    r.transport.inject(7, TrafficClass.Telemetry, new Uint8Array(40));
    r.transport.inject(7, TrafficClass.Control, new Uint8Array(4));
    runUntil(r, 500);
    expect(r.agent.metrics.value(AgentCounter.MessagesNotGateway)).toBe(1);
    expect(r.agent.metrics.value(AgentCounter.MessagesIgnored)).toBe(1);
  });

  it("refuses a platform whose sensors do not match the configuration, and a transport too small for an alert", () => {
    const config = testConfig();
    const tmp = unwrap(openSimSensor(SensorPart.Tmp117, { seed: 1 }));
    const sht = unwrap(openSimSensor(SensorPart.Sht3x, { seed: 1 }));
    const clock = new ManualClock(0);
    expect(createAgent(config, { clock, sensors: [tmp], transport: new RecordingTransport(5) })).toEqual({ ok: false, code: ErrorCode.AgentSensorMismatch });
    expect(createAgent(config, { clock, sensors: [tmp, sht], transport: new RecordingTransport(5) })).toEqual({ ok: false, code: ErrorCode.AgentSensorMismatch });
    const motion = unwrap(openSimSensor(SensorPart.Motion, { seed: 1 }));
    expect(createAgent(config, { clock, sensors: [tmp, motion], transport: new RecordingTransport(5, 39) })).toEqual({ ok: false, code: ErrorCode.InvalidArgument });
  });

  it("keeps every capacity bound while running", () => {
    const r = rig({ scripts: [undefined, intrusion] });
    for (let t = 0; t < 60_000; t += 250) {
      runUntil(r, t);
      expect(r.agent.checkCapacities()).toBeUndefined();
    }
  });
});
