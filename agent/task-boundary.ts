/**
 * The task boundary: the one place in agent/ that catches an exception
 * (docs/architecture.md "Rules").
 *
 * Every task step the agent registers is wrapped here. A step that throws
 * is a fault: counted (per task, and in the metric `picket_task_faults_total`
 * when the boundary is given a registry), logged (one
 * record in the log ring), and the task is disabled and restarted after an
 * exponential backoff in virtual time: the n-th restart (n = 0, 1, ...)
 * within one restart window waits min(capMs, baseMs * 2^n). The window
 * opens at the first fault and lasts `windowMs`; a fault after it has
 * closed opens a new window and the backoff starts again from baseMs. A
 * fault when `maxRestarts` restarts were already made in the current window
 * ends the task as Failed (`picket_task_failed_total`); it is not restarted.
 * Other tasks are untouched throughout.
 *
 * Determinism: the thrown value is not inspected beyond a numeric class
 * (its constructor among the standard errors); its message is an
 * engine-dependent string and must not influence anything.
 *
 * "Restart" means: the task gets no step during the backoff (the scheduler
 * suspends it on its reserved timer), then its optional `onRestart` runs
 * (inside the boundary) to rebuild its state, then its step runs again.
 */
import { ErrorCode } from "../core/runtime/errors";
import { LogLevel, type LogRing } from "../core/runtime/log-ring";
import type { MetricId, MetricsRegistry } from "../core/runtime/metrics";
import { err, ok, type Result } from "../core/runtime/result";
import type { Scheduler } from "../core/runtime/scheduler";
import { StepResult, type TaskContext, type TaskStep } from "../core/runtime/task-context";

/** Numeric class of a thrown value: the only thing read from it. */
export const FaultClass = Object.freeze({
  /** Not an object (a thrown string, number, undefined, ...). */
  NotAnError: 0,
  Error: 1,
  TypeError: 2,
  RangeError: 3,
  ReferenceError: 4,
  SyntaxError: 5,
  /** An object that is no standard Error. */
  OtherObject: 6,
  /** Classifying it threw (e.g. a revoked Proxy). */
  Unclassifiable: 7,
} as const);

export type FaultClass = (typeof FaultClass)[keyof typeof FaultClass];

/** Log event codes of the boundary (u16, stable: they are read off logs). */
export const TaskBoundaryEvent = Object.freeze({
  /** fields: taskId, faultClass, restart number in window, backoffMs */
  TaskRestartScheduled: 0x0301,
  /** fields: taskId, faultClass, restarts in window, total faults of the task */
  TaskFailed: 0x0302,
} as const);

export interface BackoffPolicy {
  /** First restart delay, 1..BACKOFF_MS_MAX. */
  readonly baseMs: number;
  /** Largest delay, baseMs..BACKOFF_MS_MAX. */
  readonly capMs: number;
  /** Restarts allowed per window before the task is marked Failed, 0..RESTARTS_PER_WINDOW_MAX. */
  readonly maxRestarts: number;
  /** Length of a restart window, 1..BACKOFF_MS_MAX. */
  readonly windowMs: number;
}

export interface TaskBoundaryOptions {
  readonly scheduler: Scheduler;
  /**
   * Where the totals picket_task_{faults,restarts,failed}_total are also
   * counted; absent, they are only the sums of the per-task counts
   * (`faultCount`, `restartCount`, `hasFailed`), which is how the agent reads
   * them (agent.ts `status()`): a registry costs a board ~0.7 KB of RAM.
   */
  readonly metrics?: MetricsRegistry;
  readonly log: LogRing;
  /** This board's id, written into log records. */
  readonly nodeId: number;
  readonly backoff: BackoffPolicy;
}

export const BACKOFF_MS_MAX = 0x7fffffff;
export const RESTARTS_PER_WINDOW_MAX = 64;

/** Steps several tasks through one wrapped step (TaskBoundary.wrapDispatcher). */
export interface TaskDispatcher {
  dispatch(ctx: TaskContext): StepResult;
}

/** A task's setup after a restart; runs inside the boundary (an exception there is another fault). */
export type RestartHook = (ctx: TaskContext) => void;

// Per task, TASK_FIELDS numbers in one Float64Array (each typed array costs about 128 B of heap on XS before its data).
const T_FAULTS = 0;
const T_RESTARTS = 1;
const T_WINDOW_START_MS = 2;
const T_RESTARTS_IN_WINDOW = 3;
const T_RESTART_PENDING = 4;
const T_FAILED = 5;
const TASK_FIELDS = 6;
// The registry counters, after the first one's id.
const METRIC_FAULTS = 0;
const METRIC_RESTARTS = 1;
const METRIC_FAILED = 2;

export class TaskBoundary {
  private readonly scheduler_: Scheduler;
  private readonly metrics_: MetricsRegistry | undefined;
  private readonly log_: LogRing;
  private readonly nodeId_: number;
  private readonly policy_: BackoffPolicy;
  /** Id of picket_task_faults_total; the restarts and failed counters follow it (registered back to back). */
  private readonly firstMetric_: number;
  private readonly t_: Float64Array;
  private readonly capacity_: number;
  private wrapped_ = 0;

  /**
   * Registers the boundary's three counters in `metrics`, if given. Errors:
   * InvalidArgument (backoff out of range, nodeId not u32), and whatever the
   * registry returns (Exists: a second boundary on one registry; Full).
   */
  static create(options: TaskBoundaryOptions): Result<TaskBoundary> {
    if (!isValidPolicy(options.backoff) || (options.nodeId >>> 0) !== options.nodeId) return err(ErrorCode.InvalidArgument);
    const { metrics } = options;
    if (metrics === undefined) return ok(new TaskBoundary(options, -1));
    const faults = metrics.registerCounter("picket_task_faults_total", "Exceptions caught at the task boundary.");
    if (!faults.ok) return err(faults.code);
    const restarts = metrics.registerCounter("picket_task_restarts_total", "Faulted tasks restarted after a backoff.");
    if (!restarts.ok) return err(restarts.code);
    const failed = metrics.registerCounter("picket_task_failed_total", "Tasks ended as Failed after too many restarts in a window.");
    if (!failed.ok) return err(failed.code);
    if (restarts.value !== faults.value + 1 || failed.value !== faults.value + 2) return err(ErrorCode.InvariantViolated);
    return ok(new TaskBoundary(options, faults.value));
  }

  private constructor(options: TaskBoundaryOptions, firstMetric: number) {
    const capacity = options.scheduler.taskCapacity;
    this.scheduler_ = options.scheduler;
    this.metrics_ = options.metrics;
    this.log_ = options.log;
    this.nodeId_ = options.nodeId;
    // A frozen policy (a module-level constant) is shared, not copied into RAM.
    this.policy_ = Object.isFrozen(options.backoff) ? options.backoff : Object.freeze({ ...options.backoff });
    this.firstMetric_ = firstMetric;
    this.capacity_ = capacity;
    this.t_ = new Float64Array(capacity * TASK_FIELDS);
  }

  /** Wrap `step` (at setup: allocates one closure) so that an exception becomes a counted, restarted fault. */
  wrap(step: TaskStep, onRestart?: RestartHook): TaskStep {
    this.wrapped_++;
    const hook = onRestart ?? null;
    return (ctx: TaskContext): StepResult => this.run(ctx, step, hook, null);
  }

  /**
   * Like `wrap` for an object that steps every task it registered with this
   * one step (`dispatcher.dispatch(ctx)` by `ctx.taskId`): one closure for
   * all of them, and no frame between the boundary and the dispatcher.
   */
  wrapDispatcher(dispatcher: TaskDispatcher): TaskStep {
    this.wrapped_++;
    return (ctx: TaskContext): StepResult => this.run(ctx, null, null, dispatcher);
  }

  private run(ctx: TaskContext, step: TaskStep | null, onRestart: RestartHook | null, dispatcher: TaskDispatcher | null): StepResult {
    const task = ctx.taskId;
    try {
      if (this.t_[task * TASK_FIELDS + T_RESTART_PENDING] === 1) {
        this.t_[task * TASK_FIELDS + T_RESTART_PENDING] = 0;
        if (onRestart !== null) onRestart(ctx);
      }
      if (step !== null) return step(ctx);
      return dispatcher === null ? StepResult.Failed : dispatcher.dispatch(ctx);
    } catch (thrown: unknown) {
      return this.fault(ctx, classifyThrown(thrown));
    }
  }

  /** Count, log, and either schedule the restart or give up. Returns the step's result. */
  private fault(ctx: TaskContext, faultClass: FaultClass): StepResult {
    const task = ctx.taskId;
    const nowMs = ctx.nowMs;
    const policy = this.policy_;
    this.t_[task * TASK_FIELDS + T_FAULTS] = (this.t_[task * TASK_FIELDS + T_FAULTS] ?? 0) + 1;
    this.count(METRIC_FAULTS);
    const inWindow = (this.t_[task * TASK_FIELDS + T_RESTARTS_IN_WINDOW] ?? 0) > 0 && nowMs - (this.t_[task * TASK_FIELDS + T_WINDOW_START_MS] ?? 0) < policy.windowMs;
    if (!inWindow) {
      this.t_[task * TASK_FIELDS + T_WINDOW_START_MS] = nowMs;
      this.t_[task * TASK_FIELDS + T_RESTARTS_IN_WINDOW] = 0;
    }
    const restartNumber = this.t_[task * TASK_FIELDS + T_RESTARTS_IN_WINDOW] ?? 0;
    if (restartNumber >= policy.maxRestarts) return this.giveUp(task, nowMs, faultClass, restartNumber);
    const delayMs = backoffMs(policy, restartNumber);
    // Refused only when the task cannot run again anyway (it ended, or the scheduler stopped).
    if (this.scheduler_.suspendFor(task, delayMs) !== ErrorCode.Ok) return this.giveUp(task, nowMs, faultClass, restartNumber);
    this.t_[task * TASK_FIELDS + T_RESTARTS_IN_WINDOW] = restartNumber + 1;
    this.t_[task * TASK_FIELDS + T_RESTARTS] = (this.t_[task * TASK_FIELDS + T_RESTARTS] ?? 0) + 1;
    this.t_[task * TASK_FIELDS + T_RESTART_PENDING] = 1;
    this.count(METRIC_RESTARTS);
    this.log_.append(LogLevel.Warn, TaskBoundaryEvent.TaskRestartScheduled, this.nodeId_, nowMs, task, faultClass, restartNumber, delayMs);
    return StepResult.Idle;
  }

  private giveUp(task: number, nowMs: number, faultClass: FaultClass, restartNumber: number): StepResult {
    this.t_[task * TASK_FIELDS + T_FAILED] = 1;
    this.count(METRIC_FAILED);
    const faults = this.t_[task * TASK_FIELDS + T_FAULTS] ?? 0;
    this.log_.append(LogLevel.Error, TaskBoundaryEvent.TaskFailed, this.nodeId_, nowMs, task, faultClass, restartNumber, faults | 0);
    return StepResult.Failed;
  }

  private count(offset: number): void {
    this.metrics_?.inc((this.firstMetric_ + offset) as MetricId);
  }

  /** Steps wrapped so far. */
  get wrappedCount(): number {
    return this.wrapped_;
  }
  faultCount(taskId: number): number {
    return this.isTask(taskId) ? (this.t_[taskId * TASK_FIELDS + T_FAULTS] ?? 0) : 0;
  }
  restartCount(taskId: number): number {
    return this.isTask(taskId) ? (this.t_[taskId * TASK_FIELDS + T_RESTARTS] ?? 0) : 0;
  }
  /** True once the boundary gave up on the task. */
  hasFailed(taskId: number): boolean {
    return this.isTask(taskId) && this.t_[taskId * TASK_FIELDS + T_FAILED] === 1;
  }
  private isTask(taskId: number): boolean {
    return (taskId >>> 0) === taskId && taskId < this.capacity_;
  }
  get policy(): BackoffPolicy {
    return this.policy_;
  }
}

/** Delay before restart number `n` (0-based) in a window: min(cap, base * 2^n), exact integers. */
export function backoffMs(policy: BackoffPolicy, n: number): number {
  let delayMs = policy.baseMs;
  // At most RESTARTS_PER_WINDOW_MAX doublings; stops as soon as the cap is reached.
  for (let i = 0; i < n && delayMs < policy.capMs; i++) delayMs *= 2;
  return delayMs < policy.capMs ? delayMs : policy.capMs;
}

function isValidPolicy(policy: BackoffPolicy): boolean {
  const { baseMs, capMs, maxRestarts, windowMs } = policy;
  if (!isIntIn(baseMs, 1, BACKOFF_MS_MAX) || !isIntIn(capMs, baseMs, BACKOFF_MS_MAX)) return false;
  return isIntIn(maxRestarts, 0, RESTARTS_PER_WINDOW_MAX) && isIntIn(windowMs, 1, BACKOFF_MS_MAX);
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

/**
 * The numeric class of a thrown value. Reading the prototype chain of an
 * exotic object (a Proxy) can itself throw, so this is guarded too.
 */
export function classifyThrown(thrown: unknown): FaultClass {
  if ((typeof thrown !== "object" && typeof thrown !== "function") || thrown === null) return FaultClass.NotAnError;
  try {
    if (thrown instanceof TypeError) return FaultClass.TypeError;
    if (thrown instanceof RangeError) return FaultClass.RangeError;
    if (thrown instanceof ReferenceError) return FaultClass.ReferenceError;
    if (thrown instanceof SyntaxError) return FaultClass.SyntaxError;
    if (thrown instanceof Error) return FaultClass.Error;
    return FaultClass.OtherObject;
  } catch {
    return FaultClass.Unclassifiable;
  }
}
