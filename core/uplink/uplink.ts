/**
 * The uplink: records from the telemetry outbox to a gateway.
 *
 *  - Alerts (every alert-priority record: rule transitions and sensor
 *    faults) move from the outbox into the pending-alert table
 *    (pending-alerts.ts), are written through to storage, and are sent one
 *    per message with TrafficClass.Alert and an acknowledgement requested.
 *    They leave only when a gateway acknowledged them (or after
 *    `alertAttemptsMax` sends, counted). While every slot is busy, alerts
 *    wait in the outbox, where routine telemetry can never push them out.
 *  - Routine records (window aggregates) are batched, as many as fit
 *    `transport.maxMessageBytes`, and sent with TrafficClass.Telemetry every
 *    `uplink.intervalMs` (or as soon as a batch is full), each board at its
 *    own phase of the interval: a site whose windows all close at once must
 *    not key up at once (carrier sense cannot separate transmissions that
 *    start together). No end-to-end acknowledgement: a mesh with hop-by-hop
 *    retransmission (core/mesh hop-acks.ts, as the site simulator runs it)
 *    carries a batch hop by hop, each hop keeping it until the next one has
 *    it, for a fraction of the airtime of an acknowledgement back over every
 *    hop (measured: acknowledged batches with retries doubled the demo
 *    site's airtime and delivered less). A refused batch is dropped and
 *    counted.
 *  - Gateways: `config.gateways` in order of preference. A failed alert send
 *    moves that alert, and routine telemetry, on to the next gateway
 *    (failover); an acknowledgement makes its gateway the active one.
 *  - On a gateway node the records go straight to the local GatewayRole.
 *
 * Message numbering: seq counts messages from 1 in each incarnation (the
 * durable boot count), so (source, incarnation, seq) is unique (wire.ts).
 * Nothing is allocated after construction.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import type { TelemetryPipeline } from "../telemetry/pipeline";
import { RecordPriority, type TelemetryRecord } from "../telemetry/record";
import type { TraceHash } from "../runtime/trace-hash";
import { AgentCounter, type AgentMetrics } from "../telemetry/agent-metrics";
import type { GatewayRole } from "./gateway";
import { OutcomeEffect, type PendingAlerts } from "./pending-alerts";
import type { ValueOrCode } from "../collections/value-or-code";
import { TrafficClass, type Transport } from "../mesh/transport-port";
import type { MessageId, NodeId } from "../runtime/ids";
import { ALERT_MESSAGE_BYTES, MESSAGE_HEADER_BYTES, MessageFlag, MessageKind, recordsPerMessage, WIRE_RECORD_BYTES, writeHeader, writeRecord } from "./wire";

/**
 * Where pending alerts are kept across reboots (the agent's store on a
 * board: agent/persistence.ts). A slot's alert is saved when it is admitted
 * and removed when it is delivered or abandoned; `mounted` false means the
 * store is absent, so write failures are not counted as faults.
 */
export interface AlertStore {
  readonly mounted: boolean;
  saveAlert(slot: number, bytes: Uint8Array, offset: number): Status;
  removeAlert(slot: number): Status;
  /** The alert in `slot` into out[offset..]: its length, or a negated code (NotFound when none). */
  loadAlert(slot: number, out: Uint8Array, offset: number): ValueOrCode;
}

/** Trace event codes of the uplink (folded into the agent's trace hash). */
export const UplinkEvent = Object.freeze({ AlertAdmitted: 0x21, AlertSent: 0x22, AlertOutcome: 0x23, TelemetrySent: 0x24 } as const);

/**
 * What the uplink works with: the agent's parts (the agent itself is its
 * options, so the uplink keeps no object of its own for them).
 */
export interface UplinkOptions {
  readonly nodeId: NodeId;
  readonly gateways: readonly NodeId[];
  readonly uplinkIntervalMs: number;
  /** Congestion-adaptive aggregation (agent/config.ts uplink.intervalMaxMs, busyPermille). */
  readonly uplinkIntervalMaxMs: number;
  readonly uplinkBusyPermille: number;
  readonly pending: PendingAlerts;
  readonly pipeline: TelemetryPipeline;
  readonly transport: Transport;
  readonly store: AlertStore;
  readonly metrics: AgentMetrics;
  readonly trace: TraceHash;
  /** This node's own gateway role (gateway nodes), else undefined. */
  readonly localGateway: GatewayRole | undefined;
  readonly incarnation: number;
}

export class Uplink {
  private readonly o_: UplinkOptions;
  /** A routine batch at 0, then one alert message at alertAt_ (one buffer: each typed array costs heap slots on XS). */
  private readonly batch_: Uint8Array;
  private readonly alertAt_: number;
  private readonly recordsPerBatch_: number;
  private seq_ = 0;
  private activeGateway_ = 0;
  private nextRoutineMs_: number;
  /** The routine interval now: uplinkIntervalMs, doubled under congestion up to uplinkIntervalMaxMs. */
  private intervalMs_: number;

  constructor(options: UplinkOptions, startMs: number) {
    this.o_ = options;
    this.recordsPerBatch_ = Math.max(1, recordsPerMessage(options.transport.maxMessageBytes));
    this.alertAt_ = MESSAGE_HEADER_BYTES + this.recordsPerBatch_ * WIRE_RECORD_BYTES;
    this.batch_ = new Uint8Array(this.alertAt_ + ALERT_MESSAGE_BYTES);
    this.nextRoutineMs_ = startMs + options.uplinkIntervalMs + routinePhaseMs(options.nodeId, options.uplinkIntervalMs);
    this.intervalMs_ = options.uplinkIntervalMs;
  }

  /** The routine interval in force (ms): uplink.intervalMs, or up to intervalMaxMs while the channel is busy. */
  get routineIntervalMs(): number {
    return this.intervalMs_;
  }

  get recordsPerBatch(): number {
    return this.recordsPerBatch_;
  }
  get activeGateway(): number {
    return this.o_.gateways[this.activeGateway_] ?? 0;
  }
  get messagesNumbered(): number {
    return this.seq_;
  }

  /**
   * One step of the uplink task: outcomes first (they free pending slots),
   * then admissions and sends, then the outcomes the sends themselves ended
   * (a full class queue drops its oldest message). Returns true when more
   * work is left for another step.
   */
  step(nowMs: number): boolean {
    this.takeOutcomes(nowMs);
    this.admitAlerts(nowMs);
    const pending = this.o_.pending;
    // At most one send per slot per step: a refused send is not retried in the same step.
    for (let k = 0; k < pending.capacity; k++) {
      const slot = pending.nextDue(nowMs);
      if (slot < 0) break;
      this.sendAlert(slot, nowMs);
    }
    const outbox = this.o_.pipeline.outbox;
    if (outbox.routineLength >= this.recordsPerBatch_ || (nowMs >= this.nextRoutineMs_ && outbox.routineLength > 0)) this.sendRoutineBatch(nowMs);
    if (nowMs >= this.nextRoutineMs_) this.nextRoutine(nowMs);
    this.takeOutcomes(nowMs);
    // More only where another step can make progress (alerts waiting for a full pending table must wait for an outcome).
    return (outbox.alertLength === 0 && outbox.routineLength >= this.recordsPerBatch_) || (outbox.alertLength > 0 && pending.inUse < pending.capacity);
  }

  /**
   * The routine moment passed: adapt the interval to the channel (more
   * readings per frame while it is busy: a busy channel loses frames to
   * collisions, and every frame carries the same overhead), then schedule
   * the next moment, whole intervals on from this one.
   */
  private nextRoutine(nowMs: number): void {
    const o = this.o_;
    const busy = o.transport.busyPermille(nowMs);
    let intervalMs = this.intervalMs_;
    if (busy > o.uplinkBusyPermille) intervalMs = Math.min(o.uplinkIntervalMaxMs, 2 * intervalMs);
    else if (2 * busy < o.uplinkBusyPermille) intervalMs = Math.max(o.uplinkIntervalMs, Math.floor(intervalMs / 2));
    this.intervalMs_ = intervalMs;
    this.nextRoutineMs_ += intervalMs * (Math.floor((nowMs - this.nextRoutineMs_) / intervalMs) + 1);
  }

  /**
   * True when an alert is due (retry time reached, or in flight past its
   * timeout), or this board's routine moment came with records waiting, at
   * `nowMs`. (The mesh task asks on every tick, so the routine phase needs
   * no timer of its own.)
   */
  hasDue(nowMs: number): boolean {
    if (this.o_.pending.nextDueMs() <= nowMs) return true;
    return nowMs >= this.nextRoutineMs_ && this.o_.pipeline.outbox.routineLength > 0;
  }


  /** Outbox alerts into free pending slots, each written through to storage. */
  private admitAlerts(nowMs: number): void {
    const { pipeline, pending, metrics } = this.o_;
    const outbox = pipeline.outbox;
    const record = pipeline.record; // free between the pipeline's calls, and no pipeline call happens in the uplink's step
    for (let k = 0; k < outbox.capacity && outbox.alertLength > 0; k++) {
      if (this.o_.localGateway !== undefined) {
        if (outbox.pop(record) !== ErrorCode.Ok) break;
        this.deliverOwnAlert(record, nowMs);
        continue;
      }
      if (pending.inUse >= pending.capacity) {
        metrics.inc(AgentCounter.AlertsWaitingForSlot);
        break;
      }
      if (outbox.pop(record) !== ErrorCode.Ok) break;
      const slot = pending.admit(nowMs, this.activeGateway_);
      if (slot < 0) break; // unreachable: room was checked
      const offset = pending.offsetOf(slot);
      writeHeader(pending.bytes, offset, MessageKind.Alert, 1, 0, this.o_.incarnation, this.nextSeq());
      writeRecord(pending.bytes, offset, 0, record);
      metrics.inc(AgentCounter.AlertsRaised);
      this.traceAlert(UplinkEvent.AlertAdmitted, slot, record.kind);
      const stored = this.o_.store.saveAlert(slot, pending.bytes, offset);
      if (stored !== ErrorCode.Ok && this.o_.store.mounted) metrics.inc(AgentCounter.StorageWriteFailures);
    }
  }

  private deliverOwnAlert(record: TelemetryRecord, nowMs: number): void {
    const local = this.o_.localGateway;
    if (local === undefined) return;
    const scratch = this.batch_;
    const at = this.alertAt_;
    writeHeader(scratch, at, MessageKind.Alert, 1, 0, this.o_.incarnation, this.nextSeq());
    writeRecord(scratch, at, 0, record);
    this.o_.metrics.inc(AgentCounter.AlertsRaised);
    if (local.accept(this.o_.nodeId, scratch, at, ALERT_MESSAGE_BYTES, nowMs) === ErrorCode.Ok) this.o_.metrics.inc(AgentCounter.AlertsDelivered);
  }

  private sendAlert(slot: number, nowMs: number): void {
    const { pending, transport, metrics, gateways } = this.o_;
    const destination = gateways[pending.gatewayIndex(slot)];
    const messageId = pending.beginSend(slot, nowMs) as MessageId;
    metrics.inc(AgentCounter.AlertSends);
    let status: Status = ErrorCode.AgentNoGateway;
    if (destination === undefined) metrics.inc(AgentCounter.NoGateway);
    else status = transport.send(destination, TrafficClass.Alert, pending.bytes, pending.offsetOf(slot), ALERT_MESSAGE_BYTES, true, messageId);
    this.o_.trace.word(UplinkEvent.AlertSent);
    this.o_.trace.word((slot << 16) | (status & 0xffff));
    // The transport reports outcomes in its batch, never inside `send`: only a refusal of this send is handled here.
    if (status !== ErrorCode.Ok) this.applyEffect(slot, pending.refused(slot, nowMs));
  }

  /**
   * Apply the transport's ended acknowledged sends (its outcome batch,
   * transport-port.ts) and empty the batch. The driver calls this after
   * every call into the transport (the mesh task after `tick` and `poll`,
   * the uplink's own step after its sends); returns how many were taken,
   * so the caller knows whether the uplink has new work.
   */
  takeOutcomes(nowMs: number): number {
    const transport = this.o_.transport;
    const count = transport.outcomeCount;
    if (count === 0) return 0;
    for (let i = 0; i < count; i++) this.applyOutcome(transport.outcomeMessageId(i), transport.outcomeStatus(i), nowMs);
    transport.advanceOutcomes();
    return count;
  }

  private applyOutcome(messageId: number, status: Status, nowMs: number): void {
    const pending = this.o_.pending;
    const slot = pending.slotOf(messageId);
    if (slot < 0) {
      this.o_.metrics.inc(AgentCounter.OutcomesStale);
      return;
    }
    const gatewayIndex = pending.gatewayIndex(slot);
    const effect = pending.outcome(messageId, status, nowMs);
    if (effect === OutcomeEffect.Delivered) this.activeGateway_ = gatewayIndex;
    this.applyEffect(slot, effect);
  }

  private applyEffect(slot: number, effect: OutcomeEffect): void {
    const { metrics, store, pending } = this.o_;
    this.o_.trace.word(UplinkEvent.AlertOutcome);
    this.o_.trace.word((slot << 8) | effect);
    if (effect === OutcomeEffect.Delivered) metrics.inc(AgentCounter.AlertsDelivered);
    else if (effect === OutcomeEffect.Abandoned) metrics.inc(AgentCounter.AlertsAbandoned);
    else if (effect === OutcomeEffect.Retry) {
      metrics.inc(AgentCounter.AlertRetries);
      this.activeGateway_ = pending.gatewayIndex(slot); // failover: the alert moved on, so does telemetry
      return;
    }
    const removed = store.removeAlert(slot);
    if (removed !== ErrorCode.Ok && store.mounted) metrics.inc(AgentCounter.StorageWriteFailures);
  }

  private sendRoutineBatch(nowMs: number): void {
    const { pipeline, transport, metrics, gateways } = this.o_;
    const outbox = pipeline.outbox;
    const batch = this.batch_;
    const record = pipeline.record; // free between the pipeline's calls, and no pipeline call happens in the uplink's step
    let count = 0;
    for (; count < this.recordsPerBatch_; count++) {
      if (outbox.routineLength === 0 || outbox.alertLength > 0) break; // alerts are popped first: leave them
      if (outbox.pop(record) !== ErrorCode.Ok || record.priority !== RecordPriority.Routine) break;
      writeRecord(batch, 0, count, record);
    }
    if (count === 0) return;
    writeHeader(batch, 0, MessageKind.Telemetry, count, 0, this.o_.incarnation, this.nextSeq());
    const length = MESSAGE_HEADER_BYTES + count * WIRE_RECORD_BYTES;
    let status: Status;
    const local = this.o_.localGateway;
    if (local !== undefined) status = local.accept(this.o_.nodeId, batch, 0, length, nowMs);
    else {
      const destination = gateways[this.activeGateway_];
      if (destination === undefined) {
        metrics.inc(AgentCounter.NoGateway);
        status = ErrorCode.AgentNoGateway;
      } else status = transport.send(destination, TrafficClass.Telemetry, batch, 0, length, false, this.seq_ as MessageId);
    }
    this.o_.trace.word(UplinkEvent.TelemetrySent);
    this.o_.trace.word((count << 16) | (status & 0xffff));
    if (status === ErrorCode.Ok) {
      metrics.inc(AgentCounter.TelemetryMessagesSent);
      metrics.inc(AgentCounter.TelemetryRecordsSent, count);
    } else metrics.inc(AgentCounter.TelemetryRecordsRefused, count);
  }

  /** Shutdown, Draining: send what routine telemetry is left (best effort, bounded by the outbox size). */
  drainRoutine(nowMs: number): void {
    const outbox = this.o_.pipeline.outbox;
    for (let k = 0; k < outbox.capacity && outbox.routineLength > 0 && outbox.alertLength === 0; k++) this.sendRoutineBatch(nowMs);
  }

  /** Shutdown, Flushing: move outbox alerts into pending slots (so they are stored); count the ones that do not fit. */
  persistOutboxAlerts(nowMs: number): void {
    this.admitAlerts(nowMs);
    const outbox = this.o_.pipeline.outbox;
    if (outbox.alertLength > 0) this.o_.metrics.inc(AgentCounter.AlertsLostAtShutdown, outbox.alertLength);
  }

  /**
   * Boot: claim a pending slot for every alert stored by an earlier
   * incarnation, flagged ResentAfterReboot. Returns how many.
   */
  restoreAlerts(nowMs: number): number {
    const { pending, store } = this.o_;
    // A gateway's own alerts never take a pending slot (deliverOwnAlert): its slots hold other data (persistence.ts).
    if (this.o_.localGateway !== undefined) return 0;
    let restored = 0;
    for (let slot = 0; slot < pending.capacity; slot++) {
      const at = this.alertAt_;
      const length = store.loadAlert(slot, this.batch_, at);
      if (length !== ALERT_MESSAGE_BYTES || !pending.claim(slot, nowMs, 0)) continue;
      const offset = pending.offsetOf(slot);
      for (let i = 0; i < ALERT_MESSAGE_BYTES; i++) pending.bytes[offset + i] = this.batch_[at + i] ?? 0;
      pending.bytes[offset + 3] = (pending.bytes[offset + 3] ?? 0) | MessageFlag.ResentAfterReboot;
      restored++;
    }
    this.o_.metrics.inc(AgentCounter.AlertsRestored, restored);
    return restored;
  }

  private nextSeq(): number {
    this.seq_ = (this.seq_ + 1) >>> 0;
    return this.seq_;
  }

  private traceAlert(event: number, slot: number, kind: number): void {
    this.o_.trace.word(event);
    this.o_.trace.word((slot << 8) | kind);
  }
}

/**
 * This board's offset into the routine interval, 0..intervalMs-1: a hash of
 * its id (Fibonacci hashing, Knuth TAOCP 6.4), so neighbours spread out
 * without any entropy and the phase survives reboots.
 */
export function routinePhaseMs(nodeId: number, intervalMs: number): number {
  return (Math.imul(nodeId + 1, 0x9e3779b1) >>> 0) % intervalMs;
}


