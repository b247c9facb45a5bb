/**
 * What a scheduler task is: a step function the scheduler calls with a
 * reusable context, returning what the task wants next.
 *
 * Work is measured in abstract work units, never wall time, so a run is the
 * same on every engine (docs/architecture.md "Rules"). The step reports the
 * units it used with `ctx.spend(units)` and should stop once
 * `ctx.remainingUnits` reaches 0; a step that spends more than its budget is
 * an overrun: counted by the scheduler, charged in full to the turn, and the
 * task gets no further step in that turn. A step that spends nothing is
 * charged 1 unit (the cost of being called).
 *
 * Steps must not throw: agent/task-boundary.ts wraps every step the agent
 * registers and turns an exception into a counted, restarted fault.
 */
import type { CancelTokens } from "./cancel";

/** What a step returns: the task's wish for the next turn. */
export const StepResult = Object.freeze({
  /** Nothing more to do: sleep until woken (timer, queue, `wake`). */
  Idle: 0,
  /** More work: run again in a later turn. */
  Ready: 1,
  /** Finished for good: the task ends and its timers are cancelled. */
  Done: 2,
  /** Gave up (an error value, or the task boundary's restart limit): ends, counted. */
  Failed: 3,
} as const);

export type StepResult = (typeof StepResult)[keyof typeof StepResult];

export type TaskStep = (ctx: TaskContext) => StepResult;

/** Largest work budget a task or a turn may have. */
export const WORK_UNITS_MAX = 1 << 30;

/**
 * One per scheduler, refilled before every step (no allocation per step).
 * Valid only during the step it is passed to.
 */
export class TaskContext {
  private readonly tokens_: CancelTokens;
  private taskId_ = -1;
  private nowMs_ = 0;
  private turn_ = 0;
  private budgetUnits_ = 0;
  private spentUnits_ = 0;
  private invalidSpends_ = 0;

  constructor(tokens: CancelTokens) {
    this.tokens_ = tokens;
  }

  /** For the scheduler: set up the context for one step of `taskId`. */
  begin(taskId: number, nowMs: number, turn: number, budgetUnits: number): void {
    this.taskId_ = taskId;
    this.nowMs_ = nowMs;
    this.turn_ = turn;
    this.budgetUnits_ = budgetUnits;
    this.spentUnits_ = 0;
    this.invalidSpends_ = 0;
  }

  get taskId(): number {
    return this.taskId_;
  }

  /** Virtual time of the current turn. */
  get nowMs(): number {
    return this.nowMs_;
  }

  /** Number of the current turn (1 for the first). */
  get turn(): number {
    return this.turn_;
  }

  get budgetUnits(): number {
    return this.budgetUnits_;
  }

  get spentUnits(): number {
    return this.spentUnits_;
  }

  /** Units left in this step's budget (0 once spent or overrun). */
  get remainingUnits(): number {
    const left = this.budgetUnits_ - this.spentUnits_;
    return left > 0 ? left : 0;
  }

  /** `spend` calls with a bad amount in this step (each charged a full budget). */
  get invalidSpends(): number {
    return this.invalidSpends_;
  }

  /**
   * Record `units` of work (a non-negative safe integer). A bad amount is
   * counted and charged as a whole budget, so a buggy task cannot hide work.
   * Returns true while budget remains.
   */
  spend(units: number): boolean {
    let amount = units;
    if (!Number.isSafeInteger(amount) || amount < 0) {
      this.invalidSpends_++;
      amount = this.budgetUnits_;
    }
    const next = this.spentUnits_ + amount;
    this.spentUnits_ = next > WORK_UNITS_MAX ? WORK_UNITS_MAX : next;
    return this.spentUnits_ < this.budgetUnits_;
  }

  /** True when `tokenId` is a cancelled token. */
  isCancelled(tokenId: number): boolean {
    return this.tokens_.isCancelled(tokenId);
  }
}
