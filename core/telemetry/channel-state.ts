/**
 * Everything the pipeline keeps for one sensor channel: its recent samples,
 * its open aggregation window, its rules, and its sensor-fault tracking.
 * Records it produces go to the shared outbox through one scratch record.
 *
 * Order of work for a sample at t (the same for every engine):
 *   1. close the open window if t is at or past its end (Aggregate, routine);
 *   2. push (t, value) into the history and the window;
 *   3. if a SensorFault alert is raised, clear it (alert);
 *   4. every rule of the channel, in configuration order: measure, evaluate,
 *      emit AlertRaised/AlertCleared, commit if the outbox accepted it.
 * For a sensor error at t: 1, then count the error in the window, interrupt
 * pending rules, and raise a SensorFault alert once `faultAfterErrors`
 * errors came in a row.
 */
import { ErrorCode, type FailureCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import { RuleTransition, type AlertRule } from "./alert-rule";
import type { TelemetryChannelConfig } from "./config";
import type { TelemetryOutbox } from "./outbox";
import { RecordKind, type TelemetryRecord } from "./record";
import type { SampleHistory } from "./sample-history";
import { WindowAggregate } from "./window-aggregate";

export class SensorChannelState {
  readonly channelId: number;
  readonly faultAfterErrors: number;
  readonly history: SampleHistory;
  readonly window: WindowAggregate;
  private readonly rules_: readonly AlertRule[];
  private lastAtMs_ = -1;
  private consecutiveErrors_ = 0;
  private faultRaised_ = false;
  private samplesAccepted_ = 0;
  private errorsSeen_ = 0;
  private refusedBackwards_ = 0;
  private alertsDeferred_ = 0;
  private routineLost_ = 0;

  constructor(config: TelemetryChannelConfig, history: SampleHistory, rules: readonly AlertRule[]) {
    this.channelId = config.channelId;
    this.faultAfterErrors = config.faultAfterErrors ?? 0;
    this.history = history;
    this.window = new WindowAggregate(config.windowMs);
    this.rules_ = rules;
  }

  get rules(): readonly AlertRule[] {
    return this.rules_;
  }

  get lastAtMs(): number {
    return this.lastAtMs_;
  }

  get faultRaised(): boolean {
    return this.faultRaised_;
  }

  get consecutiveErrors(): number {
    return this.consecutiveErrors_;
  }

  get samplesAccepted(): number {
    return this.samplesAccepted_;
  }

  get errorsSeen(): number {
    return this.errorsSeen_;
  }

  /** Samples and errors refused because they were older than the channel's newest. */
  get refusedBackwards(): number {
    return this.refusedBackwards_;
  }

  /** Alert transitions the outbox refused (each is retried at the next sample). */
  get alertsDeferred(): number {
    return this.alertsDeferred_;
  }

  /** Aggregates the outbox refused (it was full of alerts). */
  get routineLost(): number {
    return this.routineLost_;
  }

  /** One reading (an int32 other than NO_READING, checked by the caller). */
  ingest(atMs: number, value: number, outbox: TelemetryOutbox, scratch: TelemetryRecord): Status {
    if (atMs < this.lastAtMs_) {
      this.refusedBackwards_++;
      return ErrorCode.TelemetryTimeWentBackwards;
    }
    this.lastAtMs_ = atMs;
    this.closeIfDue(atMs, outbox, scratch);
    this.history.push(atMs, value);
    this.window.addSample(atMs, value);
    this.samplesAccepted_++;
    this.consecutiveErrors_ = 0;
    if (this.faultRaised_) {
      scratch.reset(RecordKind.SensorFaultCleared, this.channelId, atMs);
      scratch.value = value;
      if (this.emitAlert(outbox, scratch)) this.faultRaised_ = false;
    }
    const rules = this.rules_;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule !== undefined) this.evaluate(rule, atMs, outbox, scratch);
    }
    return ErrorCode.Ok;
  }

  /** The sensor had no reading for this channel at `atMs`, with `code`. */
  ingestError(atMs: number, code: FailureCode, outbox: TelemetryOutbox, scratch: TelemetryRecord): Status {
    if (atMs < this.lastAtMs_) {
      this.refusedBackwards_++;
      return ErrorCode.TelemetryTimeWentBackwards;
    }
    this.lastAtMs_ = atMs;
    this.closeIfDue(atMs, outbox, scratch);
    this.window.addError(atMs);
    this.errorsSeen_++;
    this.consecutiveErrors_++;
    const rules = this.rules_;
    for (let i = 0; i < rules.length; i++) rules[i]?.interrupt();
    const limit = this.faultAfterErrors;
    if (limit > 0 && !this.faultRaised_ && this.consecutiveErrors_ >= limit) {
      scratch.reset(RecordKind.SensorFaultRaised, this.channelId, atMs);
      scratch.count = this.consecutiveErrors_;
      scratch.value = code;
      if (this.emitAlert(outbox, scratch)) this.faultRaised_ = true;
    }
    return ErrorCode.Ok;
  }

  /** Close the open window if `nowMs` is at or past its end; report it if it saw anything. */
  closeIfDue(nowMs: number, outbox: TelemetryOutbox, scratch: TelemetryRecord): void {
    if (!this.window.isDue(nowMs)) return;
    if (!this.window.close(this.channelId, scratch)) return;
    if (outbox.push(scratch) !== ErrorCode.Ok) this.routineLost_++;
  }

  private evaluate(rule: AlertRule, atMs: number, outbox: TelemetryOutbox, scratch: TelemetryRecord): void {
    const q = rule.measure(this.history, atMs);
    const transition = rule.evaluate(q, atMs);
    if (transition === RuleTransition.None) return;
    scratch.reset(transition === RuleTransition.Raise ? RecordKind.AlertRaised : RecordKind.AlertCleared, this.channelId, atMs);
    scratch.ruleId = rule.ruleId;
    scratch.value = q;
    scratch.threshold = rule.threshold;
    if (this.emitAlert(outbox, scratch)) rule.commit(transition);
  }

  private emitAlert(outbox: TelemetryOutbox, scratch: TelemetryRecord): boolean {
    if (outbox.push(scratch) === ErrorCode.Ok) return true;
    this.alertsDeferred_++;
    return false;
  }
}
