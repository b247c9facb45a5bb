/**
 * One alert rule: a threshold with a hysteresis band and a minimum duration,
 * over either the reading itself or its change over a time window (rate of
 * change). See RuleDirection in config.ts for the exact raise/clear
 * conditions.
 *
 * States: Idle → (condition holds) → Pending → (held minDurationMs) → Raised
 * → (clear condition) → Idle. With minDurationMs 0 the rule goes from Idle to
 * Raised on the first qualifying sample. Pending falls back to Idle when a
 * sample no longer meets the raise condition, or when the sensor reports an
 * error (`interrupt`): the duration counts only continuously observed
 * samples. A sensor error never clears a Raised alert: losing the sensor is
 * not evidence the condition went away (SensorFault alerts report that).
 *
 * Raising and clearing are two-phase: `evaluate` says which transition is
 * due and `commit` makes it once the alert record was accepted by the
 * outbox. A refused alert therefore leaves the rule where it was and the
 * transition is attempted again at the next sample: it is delayed, not lost.
 */
import { RuleDirection, RuleSource, type TelemetryRuleConfig } from "./config";
import type { SampleHistory } from "./sample-history";

export const RuleTransition = Object.freeze({ None: 0, Raise: 1, Clear: 2 } as const);
export type RuleTransition = (typeof RuleTransition)[keyof typeof RuleTransition];

export const RulePhase = Object.freeze({ Idle: 0, Pending: 1, Raised: 2 } as const);
export type RulePhase = (typeof RulePhase)[keyof typeof RulePhase];

export class AlertRule {
  readonly ruleId: number;
  readonly channel: number;
  readonly source: RuleSource;
  readonly direction: RuleDirection;
  readonly threshold: number;
  readonly hysteresis: number;
  readonly minDurationMs: number;
  readonly deltaWindowMs: number;
  private phase_: RulePhase = RulePhase.Idle;
  private pendingSinceMs_ = 0;
  private cursorSeq_ = 0;
  private raisedCount_ = 0;
  private clearedCount_ = 0;

  /** `config` must have passed checkTelemetryConfig. */
  constructor(config: TelemetryRuleConfig) {
    this.ruleId = config.ruleId;
    this.channel = config.channel;
    this.source = config.source;
    this.direction = config.direction;
    this.threshold = config.threshold;
    this.hysteresis = config.hysteresis;
    this.minDurationMs = config.minDurationMs ?? 0;
    this.deltaWindowMs = config.deltaWindowMs ?? 0;
  }

  get phase(): RulePhase {
    return this.phase_;
  }

  /** Alerts raised / cleared (committed transitions), lifetime. */
  get raisedCount(): number {
    return this.raisedCount_;
  }

  get clearedCount(): number {
    return this.clearedCount_;
  }

  /**
   * The quantity q this rule watches, after the newest sample went into
   * `history`. For Delta: newest value − value of the oldest retained sample
   * at or after (newest time − deltaWindowMs); when the history does not
   * reach that far back, its oldest sample is used (size the history to
   * cover the window). The cursor only moves forward: amortised O(1).
   */
  measure(history: SampleHistory, atMs: number): number {
    const newest = history.newestValue;
    if (this.source === RuleSource.Value) return newest;
    const newestSeq = history.newestSeq;
    let cursor = Math.max(this.cursorSeq_, history.oldestSeq);
    const fromMs = atMs - this.deltaWindowMs;
    while (cursor < newestSeq && history.timeAt(cursor) < fromMs) cursor++;
    this.cursorSeq_ = cursor;
    const delta = newest - history.valueAt(cursor);
    return this.source === RuleSource.AbsDelta ? Math.abs(delta) : delta;
  }

  /**
   * Feed the quantity `q` measured at `atMs`. Moves between Idle and Pending
   * by itself; returns `Raise` or `Clear` when that transition is due (the
   * caller emits the alert and then calls `commit`), else `None`.
   */
  evaluate(q: number, atMs: number): RuleTransition {
    const phase = this.phase_;
    if (phase === RulePhase.Raised) return this.clears(q) ? RuleTransition.Clear : RuleTransition.None;
    if (!this.breaches(q)) {
      this.phase_ = RulePhase.Idle;
      return RuleTransition.None;
    }
    if (phase === RulePhase.Idle) {
      if (this.minDurationMs === 0) return RuleTransition.Raise;
      this.phase_ = RulePhase.Pending;
      this.pendingSinceMs_ = atMs;
      return RuleTransition.None;
    }
    return atMs - this.pendingSinceMs_ >= this.minDurationMs ? RuleTransition.Raise : RuleTransition.None;
  }

  /** Make a transition `evaluate` returned, after its alert was accepted. */
  commit(transition: RuleTransition): void {
    if (transition === RuleTransition.Raise) {
      this.phase_ = RulePhase.Raised;
      this.raisedCount_++;
    } else if (transition === RuleTransition.Clear) {
      this.phase_ = RulePhase.Idle;
      this.clearedCount_++;
    }
  }

  /** The sensor reported an error: a pending raise starts over. */
  interrupt(): void {
    if (this.phase_ === RulePhase.Pending) this.phase_ = RulePhase.Idle;
  }

  private breaches(q: number): boolean {
    return this.direction === RuleDirection.Above ? q >= this.threshold : q <= this.threshold;
  }

  private clears(q: number): boolean {
    return this.direction === RuleDirection.Above ? q < this.threshold - this.hysteresis : q > this.threshold + this.hysteresis;
  }
}
