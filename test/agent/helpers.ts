/** Shared pieces of the agent tests: a recording transport, a manual clock platform, configs. */
import { createAgent, type Agent, type AgentPlatform } from "../../agent/agent";
import { AgentRole, validateBoardConfig, type BoardIdentity, type SiteConfig } from "../../agent/config";
import type { GatewaySink } from "../../core/uplink/gateway-sink";
import { openSimSensor } from "../../agent/sim-sensors";
import type { Delivery, Transport, TrafficClass } from "../../core/mesh/transport-port";
import type { WireHeader, WireRecord } from "../../core/uplink/wire";
import { ErrorCode } from "../../core/runtime/errors";
import type { Result, Status } from "../../core/runtime/result";
import type { BlockDevice } from "../../core/storage/block-device";
import type { Sensor } from "../../hal/sensor";
import { SimFlash } from "../../hal/sim/flash";
import { ManualClock } from "../../hal/sim/manual-clock";
import type { SimEvent } from "../../hal/sim/sensors/script";

export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

export interface SentMessage {
  readonly destination: number;
  readonly trafficClass: number;
  readonly bytes: Uint8Array;
  readonly ackRequested: boolean;
  readonly messageId: number;
}

/** Records every send; acknowledges (or fails) acknowledged sends at the next tick; delivers what a test injects. */
export class RecordingTransport implements Transport {
  readonly nodeId: number;
  readonly maxMessageBytes: number;
  readonly sent: SentMessage[] = [];
  /** What send returns (Ok = accept). */
  sendStatus: Status = ErrorCode.Ok;
  /** The outcome reported for acknowledged sends at the next tick. */
  ackOutcome: Status = ErrorCode.Ok;
  /** While true, acknowledged sends stay waiting (no outcome at a tick): a gateway slow to answer. */
  holdOutcomes = false;
  ticks = 0;
  /** Acknowledged sends not yet ended. */
  readonly #waiting: { destination: number; messageId: number }[] = [];
  /** The outcome batch (ended at a tick, until advanceOutcomes). */
  readonly #ended: { destination: number; messageId: number; status: Status }[] = [];
  readonly #inbox: { source: number; trafficClass: number; bytes: Uint8Array }[] = [];

  constructor(nodeId: number, maxMessageBytes = 192) {
    this.nodeId = nodeId;
    this.maxMessageBytes = maxMessageBytes;
  }

  send(destinationId: number, trafficClass: TrafficClass, bytes: Uint8Array, offset: number, length: number, ackRequested: boolean, messageId: number): Status {
    if (this.sendStatus !== ErrorCode.Ok) return this.sendStatus;
    this.sent.push({ destination: destinationId, trafficClass, bytes: bytes.slice(offset, offset + length), ackRequested, messageId });
    if (ackRequested) this.#waiting.push({ destination: destinationId, messageId });
    return ErrorCode.Ok;
  }

  takeDelivery(out: Delivery): boolean {
    const message = this.#inbox.shift();
    if (message === undefined) return false;
    out.sourceId = message.source;
    out.trafficClass = message.trafficClass;
    out.bytes = message.bytes;
    out.offset = 0;
    out.length = message.bytes.length;
    return true;
  }

  get outcomeCount(): number {
    return this.#ended.length;
  }

  outcomeDestination(i: number): number {
    return this.#ended[i]?.destination ?? 0;
  }

  outcomeMessageId(i: number): number {
    return this.#ended[i]?.messageId ?? 0;
  }

  outcomeStatus(i: number): Status {
    return this.#ended[i]?.status ?? ErrorCode.Ok;
  }

  advanceOutcomes(): void {
    this.#ended.length = 0;
  }

  /** What `nextWakeMs` answers (tests set it). */
  wakeAtMs = -1;
  #readable: (() => void) | undefined = undefined;

  nextWakeMs(): number {
    return this.wakeAtMs;
  }

  /** What `busyPermille` answers (tests set it). */
  busy = 0;

  busyPermille(_nowMs: number): number {
    return this.busy;
  }

  onReadable(handler: () => void): void {
    this.#readable = handler;
  }

  /** A frame arrived: `inject` it, then raise the radio interrupt the driver registered. */
  interrupt(): void {
    this.#readable?.();
  }

  tick(_nowMs: number): void {
    this.ticks++;
    if (this.holdOutcomes) return;
    for (const o of this.#waiting.splice(0)) this.#ended.push({ ...o, status: this.ackOutcome });
  }

  inject(source: number, trafficClass: number, bytes: Uint8Array): void {
    this.#inbox.push({ source, trafficClass, bytes: bytes.slice() });
  }
}

export class RecordingSink implements GatewaySink {
  readonly telemetry: { source: number; seq: number; kind: number; channelId: number; count: number }[] = [];
  readonly alerts: { source: number; incarnation: number; seq: number; flags: number; kind: number; atMs: number; ruleId: number }[] = [];

  onTelemetry(sourceId: number, header: WireHeader, record: WireRecord): void {
    this.telemetry.push({ source: sourceId, seq: header.seq, kind: record.kind, channelId: record.channelId, count: record.count });
  }

  onAlert(sourceId: number, header: WireHeader, record: WireRecord): void {
    this.alerts.push({ source: sourceId, incarnation: header.incarnation, seq: header.seq, flags: header.flags, kind: record.kind, atMs: record.atMs, ruleId: record.ruleId });
  }
}

/** A valid site configuration (no board identity): a TMP117 every 1 s (alert above 30 °C) and a PIR every 500 ms (alert on motion). */
export function testConfigJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    siteName: "test",
    sampleIntervalMs: 1000,
    sampleRingCapacity: 16,
    timerCapacity: 8,
    neighbourCapacity: 8,
    sensors: [
      { part: "tmp117", intervalMs: 1000, windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 30_000, hysteresis: 500 }] },
      { part: "motion", intervalMs: 500, windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 1 }] },
    ],
    gateways: [1, 2],
    uplink: { intervalMs: 5_000, alertPendingCapacity: 4, alertRetryBaseMs: 1_000, alertRetryCapMs: 8_000, alertAttemptsMax: 5 },
    radio: { meshTickMs: 100 },
    ...overrides,
  };
}

/** The identity tests boot with unless they give one (as if read from a provisioning record): node 5, a sensor. */
export const TEST_IDENTITY: BoardIdentity = Object.freeze({ nodeId: 5, role: AgentRole.Sensor });

/** A board's configuration: testConfigJson(site overrides) with `nodeId` and `role` from `overrides` (default TEST_IDENTITY). */
export function testConfig(overrides: Record<string, unknown> = {}): SiteConfig {
  const { nodeId, role, ...site } = overrides;
  const identity = { nodeId: typeof nodeId === "number" ? nodeId : TEST_IDENTITY.nodeId, role: (typeof role === "string" ? role : TEST_IDENTITY.role) as AgentRole };
  const validation = validateBoardConfig(testConfigJson(site), identity);
  if (!validation.ok) throw new Error(validation.problems.map((p) => `${p.field}: ${p.reason}`).join("\n"));
  return validation.config;
}

export function newFlash(): SimFlash {
  return unwrap(SimFlash.create({ blockSizeBytes: 2048, blockCount: 8 }));
}

export interface Rig {
  readonly agent: Agent;
  readonly clock: ManualClock;
  readonly transport: RecordingTransport;
  readonly sink: RecordingSink;
  readonly sensors: Sensor[];
}

export interface RigOptions {
  readonly config?: SiteConfig;
  /** Scripts per sensor index. */
  readonly scripts?: readonly (readonly SimEvent[] | undefined)[];
  readonly flash?: BlockDevice;
  readonly sensors?: Sensor[];
  readonly startMs?: number;
  readonly transport?: RecordingTransport;
}

export function rig(options: RigOptions = {}): Rig {
  const config = options.config ?? testConfig();
  const clock = new ManualClock(options.startMs ?? 0);
  const transport = options.transport ?? new RecordingTransport(config.nodeId);
  const sink = new RecordingSink();
  const sensors =
    options.sensors ??
    config.sensors.map((sensor, i) => {
      const script = options.scripts?.[i];
      return unwrap(openSimSensor(sensor.part, script === undefined ? { seed: 100 + i } : { seed: 100 + i, script }));
    });
  const platform: AgentPlatform = {
    clock,
    sensors,
    transport,
    gatewaySink: sink,
    ...(options.flash === undefined ? {} : { blockDevice: options.flash }),
  };
  const agent = unwrap(createAgent(config, platform));
  if (agent.start() !== ErrorCode.Ok) throw new Error("start failed");
  return { agent, clock, transport, sink, sensors };
}

/** Advance the clock in `stepMs` steps to `untilMs`, running the agent at every step. */
export function runUntil(r: Rig, untilMs: number, stepMs = 50): void {
  for (let i = 0; i < 1_000_000 && r.clock.nowMs() < untilMs; i++) {
    r.clock.advance(Math.min(stepMs, untilMs - r.clock.nowMs()));
    r.agent.runDue();
  }
}
