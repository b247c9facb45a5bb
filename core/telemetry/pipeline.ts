/**
 * The telemetry pipeline (docs/architecture.md "Data flow": Sensor.sample →
 * telemetry ring → window aggregate → message): per-channel sample history,
 * aligned window aggregates, threshold and rate-of-change rules with
 * hysteresis, sensor-fault alerts, and one bounded outbox in which alerts
 * go first and are never dropped for routine telemetry.
 *
 * Sans-IO: time and readings come in as arguments (`ingest`, `ingestError`,
 * `ingestSensor`, `tick`); records go out through `outbox.pop`. Everything is
 * allocated in `create` from the config; the ingest and tick paths allocate
 * nothing and never throw. Every refusal is a Status and a counter.
 */
import { ErrorCode, type FailureCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { AlertRule } from "./alert-rule";
import { SensorChannelState } from "./channel-state";
import { checkTelemetryConfig, NO_READING, type TelemetryConfig } from "./config";
import { TelemetryOutbox } from "./outbox";
import { TelemetryRecord } from "./record";
import { SampleHistory } from "./sample-history";

/** What `channel(index)` exposes: counters, rules, history and window, not the ingest methods. */
export type ChannelView = Omit<SensorChannelState, "ingest" | "ingestError" | "closeIfDue">;

export class TelemetryPipeline {
  readonly outbox: TelemetryOutbox;
  private readonly channels_: readonly SensorChannelState[];
  /**
   * The pipeline's scratch record, free between calls (the pipeline writes
   * it only inside ingest, ingestError, ingestSensor and tick): the consumer
   * that pops the outbox may pop into it instead of keeping a record of its
   * own (the agent's uplink does: a record is 15 slots of a board's heap).
   */
  readonly record = new TelemetryRecord();
  private unknownChannel_ = 0;
  private badSamples_ = 0;

  /** Validate `config` (specific codes, see checkTelemetryConfig) and allocate everything. */
  static create(config: TelemetryConfig): Result<TelemetryPipeline> {
    const status = checkTelemetryConfig(config);
    if (status !== ErrorCode.Ok) return err(status);
    // One backing store for the outbox and every channel's history (each ArrayBuffer costs heap slots on XS), 8-byte aligned parts.
    let bytes = align8(TelemetryOutbox.bytesFor(config.outboxCapacity));
    for (const channel of config.channels) bytes += align8(SampleHistory.bytesFor(channel.historyCapacity));
    const buffer = new ArrayBuffer(bytes);
    const outbox = TelemetryOutbox.create(config.outboxCapacity, buffer, 0);
    if (!outbox.ok) return err(outbox.code);
    let at = align8(TelemetryOutbox.bytesFor(config.outboxCapacity));
    const channels: SensorChannelState[] = [];
    for (let c = 0; c < config.channels.length; c++) {
      const channel = config.channels[c];
      if (channel === undefined) return err(ErrorCode.TelemetryBadCapacity);
      const history = SampleHistory.create(channel.historyCapacity, buffer, at);
      at += align8(SampleHistory.bytesFor(channel.historyCapacity));
      if (!history.ok) return err(history.code);
      const rules: AlertRule[] = [];
      for (let r = 0; r < config.rules.length; r++) {
        const rule = config.rules[r];
        if (rule !== undefined && rule.channel === c) rules.push(new AlertRule(rule));
      }
      channels.push(new SensorChannelState(channel, history.value, Object.freeze(rules)));
    }
    return ok(new TelemetryPipeline(outbox.value, Object.freeze(channels)));
  }

  private constructor(outbox: TelemetryOutbox, channels: readonly SensorChannelState[]) {
    this.outbox = outbox;
    this.channels_ = channels;
  }

  get channelCount(): number {
    return this.channels_.length;
  }

  /** Read-only view of channel `index` (counters, rules, history) for reports and tests. */
  channel(index: number): ChannelView | undefined {
    return this.channels_[index];
  }

  /** Calls naming a channel index that does not exist. */
  get unknownChannelCount(): number {
    return this.unknownChannel_;
  }

  /** Calls with a value that is not an int32 reading, or a time that is not a non-negative safe integer. */
  get badSampleCount(): number {
    return this.badSamples_;
  }

  /**
   * One reading of channel `index` taken at `atMs`. `Ok`;
   * `TelemetryUnknownChannel`, `TelemetryBadSample`, `InvalidArgument` (bad
   * time) or `TelemetryTimeWentBackwards`, each with nothing changed but a
   * counter. A full outbox does not fail the sample (see SensorChannelState).
   */
  ingest(index: number, atMs: number, value: number): Status {
    const channel = this.channels_[index];
    if (channel === undefined) return this.unknown();
    if (!Number.isSafeInteger(atMs) || atMs < 0) return this.bad(ErrorCode.InvalidArgument);
    if ((value | 0) !== value || value === NO_READING) return this.bad(ErrorCode.TelemetryBadSample);
    return channel.ingest(atMs, value, this.outbox, this.record);
  }

  /** Channel `index` had no reading at `atMs` (dropout, driver error `code`). */
  ingestError(index: number, atMs: number, code: FailureCode): Status {
    const channel = this.channels_[index];
    if (channel === undefined) return this.unknown();
    if (!Number.isSafeInteger(atMs) || atMs < 0) return this.bad(ErrorCode.InvalidArgument);
    return channel.ingestError(atMs, code, this.outbox, this.record);
  }

  /**
   * Everything one `Sensor.sample` call produced: `status` and the readings
   * `readings[offset .. offset + count)` of channels `firstIndex ..`. With
   * `Ok`, `SensorNoData` or `SensorOutOfRange` each slot is a reading or
   * NO_READING (an error for that channel only, reported with `status`); any
   * other status is an error for every channel.
   * Returns the first failure among the channels, else `Ok`.
   */
  ingestSensor(firstIndex: number, atMs: number, status: Status, readings: Int32Array, offset: number, count: number): Status {
    if ((count >>> 0) !== count || (offset >>> 0) !== offset || offset + count > readings.length) return this.bad(ErrorCode.InvalidArgument);
    const perSlot = status === ErrorCode.Ok || status === ErrorCode.SensorNoData || status === ErrorCode.SensorOutOfRange;
    let first: Status = ErrorCode.Ok;
    for (let i = 0; i < count; i++) {
      const value = readings[offset + i] ?? NO_READING;
      let result: Status;
      if (perSlot && value !== NO_READING) result = this.ingest(firstIndex + i, atMs, value);
      else result = this.ingestError(firstIndex + i, atMs, status === ErrorCode.Ok ? ErrorCode.SensorNoData : status);
      if (first === ErrorCode.Ok) first = result;
    }
    return first;
  }

  /** Close every window that ended at or before `nowMs` (call once per turn so aggregates leave on time). */
  tick(nowMs: number): Status {
    if (!Number.isSafeInteger(nowMs) || nowMs < 0) return this.bad(ErrorCode.InvalidArgument);
    const channels = this.channels_;
    for (let c = 0; c < channels.length; c++) channels[c]?.closeIfDue(nowMs, this.outbox, this.record);
    return ErrorCode.Ok;
  }

  /** `Ok`, or `InvariantViolated` if a bound or identity does not hold (tests). */
  checkInvariants(): Status {
    if (this.outbox.checkInvariants() !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
    const channels = this.channels_;
    for (let c = 0; c < channels.length; c++) {
      const channel = channels[c];
      if (channel === undefined || channel.history.checkInvariants() !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
      if (channel.history.length > channel.history.capacity) return ErrorCode.InvariantViolated;
      if (channel.history.pushed !== channel.samplesAccepted) return ErrorCode.InvariantViolated;
    }
    return ErrorCode.Ok;
  }

  private unknown(): FailureCode {
    this.unknownChannel_++;
    return ErrorCode.TelemetryUnknownChannel;
  }

  private bad(code: FailureCode): FailureCode {
    this.badSamples_++;
    return code;
  }
}

/** `bytes` rounded up to a multiple of 8 (a Float64Array's offset must be one). */
function align8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}
