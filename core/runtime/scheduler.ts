/**
 * One file of about 900 lines, on purpose: one state machine whose
 * invariants (task states, the run order, token budgets, timers, the
 * shutdown phases) are checked together by `checkInvariants`; the timers
 * and bounded queues it drives are already modules of their own
 * (timer-table.ts, bounded-queue.ts).
 *
 * The agent's cooperative scheduler: a sans-IO state machine driven by an
 * injected clock (model: etcd-raft's Tick/Ready, TigerBeetle's fixed limits).
 *
 * Lifecycle. `create` allocates everything. Tasks, tokens and queues are
 * registered in the setup phase; `start()` freezes the task set and builds
 * the run order. From then on the host calls `turn(nowMs)` whenever
 * `nextDeadlineMs()` is reached (or a radio interrupt calls `wake`), and
 * nothing is allocated.
 *
 * One turn:
 *  1. refuse time going backwards; force a stop if the shutdown deadline passed;
 *  2. fire due timers in (deadline, arm order), at most `timerFiresPerTurnMax`
 *     (the rest stay due for the next turn); a fire wakes the timer's task;
 *  3. run runnable tasks, at most one step each, in priority-class order and
 *     round robin within a class. A task starts only while the turn's work
 *     budget remains, unless it has been passed over `PRIORITY_MAX_WAIT_TURNS`
 *     turns in a row (priority.ts): so a runnable task of class c runs
 *     within `maxWaitTurns[c] + 1` turns, and RadioReceive in every turn;
 *  4. advance the shutdown state machine as far as its phases are complete.
 *
 * A task is runnable when its state is Ready and it is neither suspended
 * (task boundary restart delay) nor blocked (BlockProducer queue).
 *
 * Shutdown (shutdown.ts): StoppingIntake cancels the intake token (ending
 * the timers and tasks bound to it: sampling, ...) and closes intake queues;
 * Draining waits for attached queues to empty; Flushing and Leaving wake
 * their hook tasks (ordinary tasks registered with `shutdownPhase`) and wait
 * for them to end; StoppingTimers disarms everything; at Stopped leftover
 * queue items are discarded (counted) and every queue refuses with
 * `Stopped`. A second request or the deadline forces Stopped. After Stopped
 * no timer is armed, no step runs and `turn` returns `Stopped`.
 *
 * Steps must not throw (agent/task-boundary.ts wraps them). An exception
 * that escapes a step anyway escapes `turn` too, and the scheduler then
 * refuses every later turn with `WrongState` (fail-stop: it does not go on
 * from a half-finished turn).
 *
 * Errors are values. Ids that do not name a registered task, timer or token
 * give `NotFound`; bad numbers (negative, NaN, fractional, too large) give
 * `InvalidArgument`; calls in the wrong lifecycle phase `WrongState`; after
 * shutdown `Stopped`. Nothing changes on failure, and every refusal is counted.
 */
import type { ValueOrCode } from "../collections/value-or-code";
import { NO_TASK, type BoundedQueue, type QueueWaker } from "./bounded-queue";
import { CANCEL_REASON_MAX, CancelTokens, NO_TOKEN } from "./cancel";
import { ErrorCode } from "./errors";
import { isPriority, PRIORITY_CLASS_COUNT, PRIORITY_MAX_WAIT_TURNS, type Priority } from "./priority";
import { err, ok, type Result, type Status } from "./result";
import { ForcedBy, isShutdownPhase, ShutdownMachine, ShutdownPhase, ShutdownRequest, type ShutdownView } from "./shutdown";
import { StepResult, TaskContext, WORK_UNITS_MAX, type TaskStep } from "./task-context";
import { TIMER_CAPACITY_MAX, TimerTable, type TimerStore } from "./timer-table";

export { NO_TASK } from "./bounded-queue";
export { NO_TOKEN } from "./cancel";

/** Largest task table. */
export const TASK_CAPACITY_MAX = 1_024;
/** Largest number of attached queues. */
export const ATTACHED_QUEUES_MAX = 256;
/** Default and largest bound on timer fires per turn. */
export const TIMER_FIRES_PER_TURN_DEFAULT = 64;
export const TIMER_FIRES_PER_TURN_MAX = 65_536;

/** The token every scheduler allocates first: cancelled when shutdown stops intake. */
export const INTAKE_TOKEN = 0;

export const TaskState = Object.freeze({
  Unused: 0,
  /** Waiting to be woken. */
  Idle: 1,
  /** Wants a step (runs when neither suspended nor blocked). */
  Ready: 2,
  /** A shutdown hook whose phase has not come yet. */
  Dormant: 3,
  Done: 4,
  Failed: 5,
  Cancelled: 6,
} as const);

export type TaskState = (typeof TaskState)[keyof typeof TaskState];

export interface SchedulerOptions {
  /** Tasks that may be registered, 1..TASK_CAPACITY_MAX. */
  readonly taskCapacity: number;
  /** Timers that may be armed at once, 1..TIMER_CAPACITY_MAX (site config `timerCapacity`). */
  readonly timerCapacity: number;
  /** Work units one turn may start steps within, 1..WORK_UNITS_MAX. */
  readonly turnBudgetUnits: number;
  /** From the first shutdown request to the forced stop, 1..2^31-1 ms. */
  readonly shutdownTimeoutMs: number;
  /** Cancellation tokens besides the intake token, 0..65535. Default 0. */
  readonly tokenCapacity?: number;
  /** Queues that may be attached, 0..ATTACHED_QUEUES_MAX. Default 8. */
  readonly queueCapacity?: number;
  /** Timer fires handled per turn, 1..TIMER_FIRES_PER_TURN_MAX. Default 64. */
  readonly timerFiresPerTurnMax?: number;
  /** Virtual time before the first turn, a non-negative safe integer. Default 0. */
  readonly startMs?: number;
}

export interface TaskSpec {
  readonly priority: Priority;
  /** Work units one step should stay within, 1..WORK_UNITS_MAX. */
  readonly budgetUnits: number;
  readonly step: TaskStep;
  /** The task ends (Cancelled) when this token is cancelled. Default none. */
  readonly tokenId?: number;
  /** Makes the task a hook of this shutdown phase (StoppingIntake..Leaving): dormant until then. */
  readonly shutdownPhase?: ShutdownPhase;
  /** Runnable from the first turn (default true), so a task can set itself up. */
  readonly startReady?: boolean;
}

export interface QueueAttachment {
  /** Blocked under BlockProducer. Default none. */
  readonly producerTaskId?: number;
  /** Woken when an item arrives. Default none. */
  readonly consumerTaskId?: number;
  /** Closed when shutdown stops intake. Default false. */
  readonly intake?: boolean;
}

/*
 * One Float64Array holds every number the scheduler keeps (each typed array
 * costs about 128 B of heap on XS before its data, README "Board memory on
 * the board's terms"): first the counters and the run order's class starts and cursors,
 * then TASK_FIELDS numbers per task, then one intake flag per attachable queue.
 * The timer table's numbers follow in the same view, and its Int32 numbers
 * in a second view of the same ArrayBuffer (timer-table.ts `TimerStore`),
 * then the cancellation tokens' reasons: one buffer for tasks, timers,
 * their heap and the tokens.
 */
const S_STEPS = 0;
const S_OVERRUNS = 1;
const S_INVALID_RESULTS = 2;
const S_INVALID_SPENDS = 3;
const S_BAD_TIME = 4;
const S_REFUSED = 5;
const S_FIRES_DEFERRED = 6;
const S_AFTER_STOP = 7;
const S_QUEUE_DISCARDED = 8;
const S_HOOKS_FAILED = 9;
/** Run order: task ids of class c are at order positions classStart[c]..classStart[c+1]-1. */
const CLASS_START = 10;
const CLASS_CURSOR = CLASS_START + PRIORITY_CLASS_COUNT + 1;
const HEADER = CLASS_CURSOR + PRIORITY_CLASS_COUNT;
// Per task (at HEADER + task * TASK_FIELDS).
const T_PRIORITY = 0;
const T_BUDGET = 1;
const T_STATE = 2;
const T_HOOK = 3; // shutdown phase of a hook, 0 = not a hook
const T_TOKEN = 4;
const T_SUSPENDED = 5;
const T_BLOCKED = 6; // queues blocking the task
const T_REWAKE = 7; // woken during its own step
const T_WAIT = 8;
const T_MAX_WAIT = 9;
const T_STEPS = 10;
const T_OVERRUNS = 11;
const T_UNITS = 12;
const T_ORDER = 13; // the run order's entry at this task's index (not this task's own field)
const TASK_FIELDS = 14;

/** Index of `field` of `task` in the scheduler's numbers. */
function taskAt(task: number, field: number): number {
  return HEADER + task * TASK_FIELDS + field;
}

export class Scheduler implements QueueWaker {
  private readonly timers_: TimerTable;
  private readonly tokens_: CancelTokens;
  private readonly shutdown_: ShutdownMachine;
  private readonly ctx_: TaskContext;
  private readonly queues_: BoundedQueue[] = [];
  private readonly steps_: TaskStep[] = [];
  private readonly t_: Float64Array;
  private readonly taskCapacity_: number;
  private readonly queueCapacity_: number;
  private readonly turnBudgetUnits_: number;
  private readonly timerFiresPerTurnMax_: number;
  private readonly queueBase_: number;
  private started_ = false;
  private inTurn_ = false;
  private nowMs_: number;
  private turn_ = 0;

  static create(options: SchedulerOptions): Result<Scheduler> {
    const { taskCapacity, timerCapacity, turnBudgetUnits } = options;
    const tokenCapacity = options.tokenCapacity ?? 0;
    const queueCapacity = options.queueCapacity ?? 8;
    const timerFiresPerTurnMax = options.timerFiresPerTurnMax ?? TIMER_FIRES_PER_TURN_DEFAULT;
    const startMs = options.startMs ?? 0;
    if (!isIntIn(taskCapacity, 1, TASK_CAPACITY_MAX) || !isIntIn(timerCapacity, 1, TIMER_CAPACITY_MAX)) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!isIntIn(turnBudgetUnits, 1, WORK_UNITS_MAX) || !isIntIn(queueCapacity, 0, ATTACHED_QUEUES_MAX)) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!isIntIn(timerFiresPerTurnMax, 1, TIMER_FIRES_PER_TURN_MAX) || !isIntIn(startMs, 0, Number.MAX_SAFE_INTEGER)) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!isIntIn(tokenCapacity, 0, 65_535)) return err(ErrorCode.InvalidArgument);
    const store = schedulerStore(taskCapacity, timerCapacity, queueCapacity, tokenCapacity + 1);
    const timers = TimerTable.create(timerCapacity, taskCapacity, store);
    // The tokens' reasons after the timer table's Int32 numbers.
    const tokens = CancelTokens.create(tokenCapacity + 1, { i32: store.i32, i32Base: store.i32Base + TimerTable.i32Numbers(timerCapacity, taskCapacity) });
    const shutdown = ShutdownMachine.create(options.shutdownTimeoutMs);
    if (!timers.ok) return err(timers.code);
    if (!tokens.ok) return err(tokens.code);
    if (!shutdown.ok) return err(shutdown.code);
    tokens.value.allocate(); // INTAKE_TOKEN
    return ok(new Scheduler(options, queueCapacity, timerFiresPerTurnMax, timers.value, tokens.value, shutdown.value, store.f64));
  }

  private constructor(options: SchedulerOptions, queueCapacity: number, timerFiresPerTurnMax: number, timers: TimerTable, tokens: CancelTokens, shutdown: ShutdownMachine, numbers: Float64Array) {
    const capacity = options.taskCapacity;
    this.taskCapacity_ = capacity;
    this.queueCapacity_ = queueCapacity;
    this.turnBudgetUnits_ = options.turnBudgetUnits;
    this.timerFiresPerTurnMax_ = timerFiresPerTurnMax;
    this.timers_ = timers;
    this.tokens_ = tokens;
    this.shutdown_ = shutdown;
    this.ctx_ = new TaskContext(tokens);
    this.nowMs_ = options.startMs ?? 0;
    this.queueBase_ = HEADER + capacity * TASK_FIELDS;
    this.t_ = numbers; // its own numbers first, the timer table's after them
    for (let task = 0; task < capacity; task++) this.t_[taskAt(task, T_TOKEN)] = NO_TOKEN;
  }

  // ------------------------------------------------------------ setup phase

  /**
   * Register a task (setup phase only). Returns its id (0, 1, 2, ... in
   * registration order) or a negated code: `WrongState` after start,
   * `Stopped`, `Full`, `InvalidArgument` (priority, budget, hook phase),
   * `NotFound` (token), `Cancelled` (token already cancelled).
   */
  registerTask(spec: TaskSpec): ValueOrCode {
    const refused = this.checkRegistration(spec);
    if (refused !== ErrorCode.Ok) return -this.refuse(refused);
    const id = this.steps_.length;
    const hookPhase = spec.shutdownPhase ?? ShutdownPhase.Running;
    this.steps_.push(spec.step);
    this.t_[taskAt(id, T_PRIORITY)] = spec.priority;
    this.t_[taskAt(id, T_BUDGET)] = spec.budgetUnits;
    this.t_[taskAt(id, T_TOKEN)] = spec.tokenId ?? NO_TOKEN;
    this.t_[taskAt(id, T_HOOK)] = hookPhase;
    if (hookPhase !== ShutdownPhase.Running) this.t_[taskAt(id, T_STATE)] = TaskState.Dormant;
    else this.t_[taskAt(id, T_STATE)] = spec.startReady === false ? TaskState.Idle : TaskState.Ready;
    return id;
  }

  private checkRegistration(spec: TaskSpec): Status {
    if (this.shutdown_.stopped) return ErrorCode.Stopped;
    if (this.started_) return ErrorCode.WrongState;
    if (this.steps_.length >= this.taskCapacity_) return ErrorCode.Full;
    if (!isPriority(spec.priority) || !isIntIn(spec.budgetUnits, 1, WORK_UNITS_MAX)) return ErrorCode.InvalidArgument;
    if (typeof spec.step !== "function") return ErrorCode.InvalidArgument;
    const phase = spec.shutdownPhase ?? ShutdownPhase.Running;
    if (!isShutdownPhase(phase) || phase > ShutdownPhase.Leaving) return ErrorCode.InvalidArgument;
    const tokenId = spec.tokenId ?? NO_TOKEN;
    if (tokenId !== NO_TOKEN && !this.tokens_.isToken(tokenId)) return ErrorCode.NotFound;
    if (tokenId !== NO_TOKEN && this.tokens_.isCancelled(tokenId)) return ErrorCode.Cancelled;
    return ErrorCode.Ok;
  }

  /** A new cancellation token (setup phase only): its id, `-Full`, `-WrongState` or `-Stopped`. */
  allocateToken(): ValueOrCode {
    if (this.shutdown_.stopped) return -this.refuse(ErrorCode.Stopped);
    if (this.started_) return -this.refuse(ErrorCode.WrongState);
    const id = this.tokens_.allocate();
    if (id < 0) this.add(S_REFUSED, 1);
    return id;
  }

  /**
   * Attach `queue` (setup phase only) so pushes wake its consumer,
   * BlockProducer blocks its producer, shutdown drains it and intake queues
   * are closed when intake stops. Errors: `WrongState` (started, or the queue
   * is already bound), `Stopped`, `Full`, `NotFound` (task ids).
   */
  attachQueue(queue: BoundedQueue, attachment: QueueAttachment): Status {
    if (this.shutdown_.stopped) return this.refuse(ErrorCode.Stopped);
    if (this.started_) return this.refuse(ErrorCode.WrongState);
    if (this.queues_.length >= this.queueCapacity_) return this.refuse(ErrorCode.Full);
    const producer = attachment.producerTaskId ?? NO_TASK;
    const consumer = attachment.consumerTaskId ?? NO_TASK;
    if (producer !== NO_TASK && !this.isTask(producer)) return this.refuse(ErrorCode.NotFound);
    if (consumer !== NO_TASK && !this.isTask(consumer)) return this.refuse(ErrorCode.NotFound);
    if (this.queues_.includes(queue)) return this.refuse(ErrorCode.WrongState);
    const bound = queue.bind(this, producer, consumer);
    if (bound !== ErrorCode.Ok) return this.refuse(bound);
    this.t_[this.queueBase_ + (this.queues_.length)] = attachment.intake === true ? 1 : 0;
    this.queues_.push(queue);
    return ErrorCode.Ok;
  }

  /** End the setup phase: freeze the task set and build the run order. `WrongState` if started, `Stopped`. */
  start(): Status {
    if (this.shutdown_.stopped) return this.refuse(ErrorCode.Stopped);
    if (this.started_) return this.refuse(ErrorCode.WrongState);
    const taskCount = this.steps_.length;
    let next = 0;
    for (let c = 0; c < PRIORITY_CLASS_COUNT; c++) {
      this.t_[CLASS_START + c] = next;
      for (let task = 0; task < taskCount; task++) {
        if (this.t_[taskAt(task, T_PRIORITY)] === c) this.t_[taskAt(next++, T_ORDER)] = task;
      }
    }
    this.t_[CLASS_START + PRIORITY_CLASS_COUNT] = next;
    this.started_ = true;
    return ErrorCode.Ok;
  }

  // ------------------------------------------------------------------ turn

  /**
   * Advance virtual time to `nowMs` and do one turn (see the file comment).
   * Returns `Ok` while running, `ShuttingDown` during shutdown, `Stopped`
   * once stopped (then nothing happens at all); `InvalidArgument` when
   * `nowMs` is not a safe integer or is before the previous turn;
   * `WrongState` before `start()` or when called from inside a step.
   */
  turn(nowMs: number): Status {
    if (this.shutdown_.stopped) {
      this.add(S_AFTER_STOP, 1);
      return ErrorCode.Stopped;
    }
    if (!this.started_ || this.inTurn_) return this.refuse(ErrorCode.WrongState);
    if (!Number.isSafeInteger(nowMs) || nowMs < this.nowMs_) {
      this.add(S_BAD_TIME, 1);
      return ErrorCode.InvalidArgument;
    }
    this.nowMs_ = nowMs;
    this.turn_++;
    if (this.shutdown_.deadlineReached(nowMs)) {
      this.forceStop(ForcedBy.Deadline);
      return ErrorCode.Stopped;
    }
    this.inTurn_ = true;
    this.fireDueTimers();
    // A tail call: XS reuses this frame, and a task's step runs on the agent's deepest JS stack.
    return this.runTasks();
  }

  private fireDueTimers(): void {
    const timers = this.timers_;
    const limit = this.timerFiresPerTurnMax_;
    for (let fired = 0; fired < limit; fired++) {
      const slot = timers.fireNext(this.nowMs_);
      if (slot < 0) return;
      const task = timers.ownerOf(slot);
      if (timers.isReservedSlot(slot)) this.resumeTask(task);
      else this.wakeTask(task);
    }
    if (timers.peekDeadline() <= this.nowMs_) this.add(S_FIRES_DEFERRED, 1);
  }

  /**
   * Run the runnable tasks of this turn, class by class, then end the turn.
   * One frame between `turn` and a task's step (the step is called from
   * here, its bookkeeping in `beginStep`/`endStep` beside it): a step runs
   * on the agent's deepest JS stack, and each call level costs XS stack slots.
   */
  private runTasks(): Status {
    let spentUnits = 0;
    const budget = this.turnBudgetUnits_;
    const ctx = this.ctx_;
    classes: for (let c = 0; c < PRIORITY_CLASS_COUNT; c++) {
      const start = this.t_[CLASS_START + c] ?? 0;
      const count = (this.t_[CLASS_START + (c + 1)] ?? 0) - start;
      const cursor = this.t_[CLASS_CURSOR + c] ?? 0;
      let nextCursor = cursor;
      for (let k = 0; k < count; k++) {
        const position = cursor + k < count ? cursor + k : cursor + k - count;
        const task = this.t_[taskAt(start + position, T_ORDER)] ?? 0;
        if (!this.runnable(task)) continue;
        const waited = this.t_[taskAt(task, T_WAIT)] ?? 0;
        if (spentUnits >= budget && waited < (PRIORITY_MAX_WAIT_TURNS[c] ?? 0)) {
          this.passOver(task, waited + 1);
          continue;
        }
        nextCursor = position + 1 < count ? position + 1 : 0;
        const step = this.steps_[task];
        if (step === undefined) continue;
        const stepBudget = this.beginStep(task);
        const result = step(ctx); // a statement of its own: no half-built call below the step's frame
        spentUnits += this.endStep(task, stepBudget, result);
        if (this.shutdown_.stopped) break classes; // forced from inside the step: nothing more runs
      }
      this.t_[CLASS_CURSOR + c] = nextCursor;
    }
    this.inTurn_ = false;
    if (this.shutdown_.inProgress) this.advanceShutdown();
    return this.phaseStatus();
  }

  private passOver(task: number, waited: number): void {
    this.t_[taskAt(task, T_WAIT)] = waited;
    if (waited > (this.t_[taskAt(task, T_MAX_WAIT)] ?? 0)) this.t_[taskAt(task, T_MAX_WAIT)] = waited;
  }

  /** Before one step of `task`: its context, and its wait and re-wake marks cleared. Returns its budget. */
  private beginStep(task: number): number {
    const budget = this.t_[taskAt(task, T_BUDGET)] ?? 1;
    this.ctx_.begin(task, this.nowMs_, this.turn_, budget);
    this.t_[taskAt(task, T_WAIT)] = 0;
    this.t_[taskAt(task, T_REWAKE)] = 0;
    return budget;
  }

  /** After one step of `task` that returned `result`: count it; returns the units charged to the turn. */
  private endStep(task: number, budget: number, result: StepResult): number {
    const ctx = this.ctx_;
    const spent = ctx.spentUnits;
    this.add(S_STEPS, 1);
    this.add(S_INVALID_SPENDS, ctx.invalidSpends);
    this.t_[taskAt(task, T_STEPS)] = (this.t_[taskAt(task, T_STEPS)] ?? 0) + 1;
    this.t_[taskAt(task, T_UNITS)] = (this.t_[taskAt(task, T_UNITS)] ?? 0) + spent;
    if (spent > budget) {
      this.t_[taskAt(task, T_OVERRUNS)] = (this.t_[taskAt(task, T_OVERRUNS)] ?? 0) + 1;
      this.add(S_OVERRUNS, 1);
    }
    this.finishStep(task, result);
    return spent > 1 ? spent : 1;
  }

  private finishStep(task: number, result: StepResult): void {
    const state = this.t_[taskAt(task, T_STATE)] ?? TaskState.Unused;
    const rewoken = this.t_[taskAt(task, T_REWAKE)] === 1;
    this.t_[taskAt(task, T_REWAKE)] = 0;
    if (state >= TaskState.Done) return; // ended during its own step (its token was cancelled)
    if (result === StepResult.Ready) this.t_[taskAt(task, T_STATE)] = TaskState.Ready;
    else if (result === StepResult.Idle) this.t_[taskAt(task, T_STATE)] = rewoken ? TaskState.Ready : TaskState.Idle;
    else if (result === StepResult.Done) this.endTask(task, TaskState.Done);
    else if (result === StepResult.Failed) this.endTask(task, TaskState.Failed);
    else {
      this.add(S_INVALID_RESULTS, 1);
      this.endTask(task, TaskState.Failed);
    }
  }

  /**
   * Earliest time the host must call `turn` again: now if a task is runnable
   * or a timer is overdue, else the earliest timer or shutdown deadline;
   * +Infinity when nothing is pending, and after Stopped.
   */
  nextDeadlineMs(): number {
    const shutdown = this.shutdown_;
    if (shutdown.stopped) return Number.POSITIVE_INFINITY;
    const taskCount = this.steps_.length;
    for (let task = 0; task < taskCount; task++) {
      if (this.runnable(task)) return this.nowMs_;
    }
    if (shutdown.inProgress && this.phaseComplete()) return this.nowMs_;
    const timerMs = this.timers_.peekDeadline();
    const earliestMs = shutdown.deadlineMs < timerMs ? shutdown.deadlineMs : timerMs;
    return earliestMs < this.nowMs_ ? this.nowMs_ : earliestMs; // fires left over from a full turn are due now
  }

  // ---------------------------------------------------------------- timers

  /**
   * Arm a timer that wakes `taskId` `delayMs` after the current virtual time
   * (`nowMs`, the last turn's time; between turns too), 0 = the next turn,
   * then every `periodMs` if > 0, disarmed when `tokenId` is cancelled.
   * Returns the timer handle, or a negated code: `NotFound` (task, token),
   * `Cancelled` (token), `WrongState` (task ended), `InvalidArgument`
   * (delay, period, or a deadline past 2^53), `Full` (every timer slot
   * armed), `Stopped`. Refusals are counted.
   */
  arm(taskId: number, delayMs: number, periodMs = 0, tokenId: number = NO_TOKEN): ValueOrCode {
    const refused = this.checkArm(taskId, delayMs, periodMs, tokenId);
    if (refused !== ErrorCode.Ok) return -this.refuse(refused);
    const handle = this.timers_.arm(taskId, tokenId, this.nowMs_ + delayMs, periodMs);
    if (handle < 0) this.add(S_REFUSED, 1);
    return handle;
  }

  private checkArm(taskId: number, delayMs: number, periodMs: number, tokenId: number): Status {
    if (this.shutdown_.stopped) return ErrorCode.Stopped;
    if (!this.isTask(taskId)) return ErrorCode.NotFound;
    if ((this.t_[taskAt(taskId, T_STATE)] ?? 0) >= TaskState.Done) return ErrorCode.WrongState;
    if (!isIntIn(delayMs, 0, Number.MAX_SAFE_INTEGER) || !isIntIn(periodMs, 0, Number.MAX_SAFE_INTEGER)) {
      return ErrorCode.InvalidArgument;
    }
    if (!Number.isSafeInteger(this.nowMs_ + delayMs)) return ErrorCode.InvalidArgument;
    if (tokenId !== NO_TOKEN && !this.tokens_.isToken(tokenId)) return ErrorCode.NotFound;
    if (tokenId !== NO_TOKEN && this.tokens_.isCancelled(tokenId)) return ErrorCode.Cancelled;
    return ErrorCode.Ok;
  }

  /** Move an armed timer to now + `delayMs`. `Ok`, `NotFound`, `InvalidArgument`, `Stopped`. */
  rearm(handle: number, delayMs: number): Status {
    if (this.shutdown_.stopped) return this.refuse(ErrorCode.Stopped);
    if (!this.timers_.isArmed(handle)) return this.refuse(ErrorCode.NotFound);
    if (!isIntIn(delayMs, 0, Number.MAX_SAFE_INTEGER) || !Number.isSafeInteger(this.nowMs_ + delayMs)) {
      return this.refuse(ErrorCode.InvalidArgument);
    }
    return this.timers_.rearm(handle, this.nowMs_ + delayMs);
  }

  /** Disarm a timer. `Ok` or `NotFound` (already fired, cancelled, or never issued). */
  cancelTimer(handle: number): Status {
    const status = this.timers_.cancel(handle);
    if (status !== ErrorCode.Ok) this.add(S_REFUSED, 1);
    return status;
  }

  /** Fires of an armed (periodic) timer since the last call, or `-NotFound`. */
  takeFires(handle: number): ValueOrCode {
    return this.timers_.takeFires(handle);
  }

  isArmed(handle: number): boolean {
    return this.timers_.isArmed(handle);
  }

  /** Deadline of an armed timer, +Infinity otherwise. */
  timerDeadlineMs(handle: number): number {
    return this.timers_.deadlineOf(handle);
  }

  // ----------------------------------------------------- task control

  /**
   * Make a task runnable (a radio interrupt, an item for it). `Ok`;
   * `NotFound`; `WrongState` if it ended or is a hook whose phase has not
   * come; `Stopped`. A suspended or blocked task stays so, and runs after.
   */
  wake(taskId: number): Status {
    if (this.shutdown_.stopped) return this.refuse(ErrorCode.Stopped);
    if (!this.isTask(taskId)) return this.refuse(ErrorCode.NotFound);
    const state = this.t_[taskAt(taskId, T_STATE)] ?? 0;
    if (state >= TaskState.Done || state === TaskState.Dormant) return this.refuse(ErrorCode.WrongState);
    this.wakeTask(taskId);
    return ErrorCode.Ok;
  }

  /**
   * Suspend a task for `delayMs`, then resume and wake it (the task
   * boundary's restart delay). Uses the task's reserved timer, so it never
   * fails for lack of slots; a second call replaces the delay. `Ok`,
   * `NotFound`, `WrongState` (ended), `InvalidArgument`, `Stopped`.
   */
  suspendFor(taskId: number, delayMs: number): Status {
    if (this.shutdown_.stopped) return this.refuse(ErrorCode.Stopped);
    if (!this.isTask(taskId)) return this.refuse(ErrorCode.NotFound);
    if ((this.t_[taskAt(taskId, T_STATE)] ?? 0) >= TaskState.Done) return this.refuse(ErrorCode.WrongState);
    if (!isIntIn(delayMs, 0, Number.MAX_SAFE_INTEGER) || !Number.isSafeInteger(this.nowMs_ + delayMs)) {
      return this.refuse(ErrorCode.InvalidArgument);
    }
    this.timers_.armReserved(taskId, taskId, this.nowMs_ + delayMs);
    this.t_[taskAt(taskId, T_SUSPENDED)] = 1;
    return ErrorCode.Ok;
  }

  /** End a suspension early and wake the task. `Ok`, `NotFound`, `WrongState` (not suspended or ended), `Stopped`. */
  resume(taskId: number): Status {
    if (this.shutdown_.stopped) return this.refuse(ErrorCode.Stopped);
    if (!this.isTask(taskId)) return this.refuse(ErrorCode.NotFound);
    if (this.t_[taskAt(taskId, T_SUSPENDED)] !== 1 || (this.t_[taskAt(taskId, T_STATE)] ?? 0) >= TaskState.Done) return this.refuse(ErrorCode.WrongState);
    this.timers_.cancelReserved(taskId);
    this.resumeTask(taskId);
    return ErrorCode.Ok;
  }

  /** QueueWaker: a BlockProducer queue is full. `Ok` or `NotFound`/`WrongState`. */
  blockProducer(taskId: number): Status {
    if (!this.isTask(taskId)) return ErrorCode.NotFound;
    const blocked = this.t_[taskAt(taskId, T_BLOCKED)] ?? 0;
    if (blocked >= ATTACHED_QUEUES_MAX) return ErrorCode.WrongState;
    this.t_[taskAt(taskId, T_BLOCKED)] = blocked + 1;
    return ErrorCode.Ok;
  }

  /** QueueWaker: the queue has room again (or closed). `Ok`, `NotFound`, `WrongState` (not blocked). */
  unblockProducer(taskId: number): Status {
    if (!this.isTask(taskId)) return ErrorCode.NotFound;
    const blocked = this.t_[taskAt(taskId, T_BLOCKED)] ?? 0;
    if (blocked === 0) return ErrorCode.WrongState;
    this.t_[taskAt(taskId, T_BLOCKED)] = blocked - 1;
    if (blocked === 1) this.wakeTask(taskId);
    return ErrorCode.Ok;
  }

  private wakeTask(task: number): void {
    const state = this.t_[taskAt(task, T_STATE)] ?? 0;
    if (state === TaskState.Idle) this.t_[taskAt(task, T_STATE)] = TaskState.Ready;
    if (this.inTurn_ && this.ctx_.taskId === task) this.t_[taskAt(task, T_REWAKE)] = 1;
  }

  private resumeTask(task: number): void {
    this.t_[taskAt(task, T_SUSPENDED)] = 0;
    this.wakeTask(task);
  }

  private endTask(task: number, state: TaskState): void {
    this.t_[taskAt(task, T_STATE)] = state;
    this.t_[taskAt(task, T_SUSPENDED)] = 0;
    this.timers_.cancelOwnedBy(task);
    if (state === TaskState.Failed && this.t_[taskAt(task, T_HOOK)] !== 0) this.add(S_HOOKS_FAILED, 1);
  }

  // ------------------------------------------------------------- tokens

  /**
   * Cancel `tokenId` with `reason` (an error code, 1..65535): every timer
   * bound to it is disarmed and every task bound to it ends as Cancelled.
   * `Ok`, `Cancelled` (already), `NotFound`, `InvalidArgument`, `Stopped`.
   */
  cancelToken(tokenId: number, reason: number): Status {
    if (this.shutdown_.stopped) return this.refuse(ErrorCode.Stopped);
    if ((reason >>> 0) !== reason || reason < 1 || reason > CANCEL_REASON_MAX) return this.refuse(ErrorCode.InvalidArgument);
    const status = this.tokens_.cancel(tokenId, reason);
    if (status !== ErrorCode.Ok) return status === ErrorCode.Cancelled ? status : this.refuse(status);
    this.timers_.cancelBoundTo(tokenId);
    const taskCount = this.steps_.length;
    for (let task = 0; task < taskCount; task++) {
      if (this.t_[taskAt(task, T_TOKEN)] === tokenId && (this.t_[taskAt(task, T_STATE)] ?? 0) < TaskState.Done) this.endTask(task, TaskState.Cancelled);
    }
    return ErrorCode.Ok;
  }

  isCancelled(tokenId: number): boolean {
    return this.tokens_.isCancelled(tokenId);
  }

  /** The token's reason code, 0 while live, `-NotFound` for an unknown token. */
  cancelReason(tokenId: number): ValueOrCode {
    return this.tokens_.reason(tokenId);
  }

  // ----------------------------------------------------------- shutdown

  /**
   * Ask for a graceful shutdown (first call) or force it (second call).
   * Before `start()` the scheduler goes straight to Stopped. `Ok`, or
   * `Stopped` when already stopped (nothing changes).
   */
  requestShutdown(): Status {
    if (!this.started_ && !this.shutdown_.stopped) {
      this.shutdown_.request(this.nowMs_);
      this.forceStop(ForcedBy.NotStarted);
      return ErrorCode.Ok;
    }
    const outcome = this.shutdown_.request(this.nowMs_);
    if (outcome === ShutdownRequest.AlreadyStopped) return ErrorCode.Stopped;
    if (outcome === ShutdownRequest.Forced) {
      this.forceStop(ForcedBy.SecondRequest);
      return ErrorCode.Ok;
    }
    this.enterPhase(ShutdownPhase.StoppingIntake);
    this.advanceShutdown();
    return ErrorCode.Ok;
  }

  /** Complete as many phases as are complete now (at most all of them). */
  private advanceShutdown(): void {
    const shutdown = this.shutdown_;
    for (let i = 0; i < ShutdownPhase.Stopped && shutdown.inProgress && this.phaseComplete(); i++) {
      this.enterPhase(shutdown.completePhase());
    }
  }

  private phaseComplete(): boolean {
    const phase = this.shutdown_.phase;
    if (phase === ShutdownPhase.StoppingTimers) return true;
    if (phase === ShutdownPhase.Draining && !this.queuesEmpty()) return false;
    const taskCount = this.steps_.length;
    for (let task = 0; task < taskCount; task++) {
      if (this.t_[taskAt(task, T_HOOK)] === phase && (this.t_[taskAt(task, T_STATE)] ?? 0) < TaskState.Done) return false;
    }
    return true;
  }

  private queuesEmpty(): boolean {
    for (let i = 0; i < this.queues_.length; i++) {
      if ((this.queues_[i]?.length ?? 0) > 0) return false;
    }
    return true;
  }

  /** The work on entering `phase`. */
  private enterPhase(phase: ShutdownPhase): void {
    if (phase === ShutdownPhase.StoppingIntake) {
      this.cancelToken(INTAKE_TOKEN, ErrorCode.ShuttingDown);
      for (let i = 0; i < this.queues_.length; i++) {
        if (this.t_[this.queueBase_ + i] === 1) this.queues_[i]?.close(ErrorCode.ShuttingDown);
      }
    }
    if (phase === ShutdownPhase.StoppingTimers) this.timers_.clear();
    if (phase === ShutdownPhase.Stopped) {
      this.finalStop();
      return;
    }
    const taskCount = this.steps_.length;
    for (let task = 0; task < taskCount; task++) {
      if (this.t_[taskAt(task, T_HOOK)] === phase && this.t_[taskAt(task, T_STATE)] === TaskState.Dormant) this.t_[taskAt(task, T_STATE)] = TaskState.Ready;
    }
  }

  private forceStop(by: ForcedBy): void {
    this.shutdown_.force(by);
    this.timers_.clear();
    this.finalStop();
  }

  /** Stopped: nothing armed, leftovers discarded (counted), every queue refuses. */
  private finalStop(): void {
    this.timers_.clear();
    for (let i = 0; i < this.queues_.length; i++) {
      const queue = this.queues_[i];
      if (queue === undefined) continue;
      this.add(S_QUEUE_DISCARDED, queue.discardAll());
      queue.close(ErrorCode.Stopped);
    }
  }

  private phaseStatus(): Status {
    if (this.shutdown_.stopped) return ErrorCode.Stopped;
    return this.shutdown_.inProgress ? ErrorCode.ShuttingDown : ErrorCode.Ok;
  }

  /**
   * `Ok`, or `InvariantViolated`: the timer table is sound; ended tasks own
   * no armed timer; a suspended task has its restart timer armed; a task's
   * block count equals the attached queues blocking it; only hooks of later
   * phases are dormant; after Stopped nothing is armed and every queue is
   * empty and closed with `Stopped`. O(tasks x (timers + queues)), for tests.
   */
  checkInvariants(): Status {
    if (this.timers_.checkInvariants() !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
    const stopped = this.shutdown_.stopped;
    if (stopped && (this.timers_.armedCount !== 0 || !this.queuesStopped())) return ErrorCode.InvariantViolated;
    const taskCount = this.steps_.length;
    for (let task = 0; task < taskCount; task++) {
      const state = this.t_[taskAt(task, T_STATE)] ?? TaskState.Unused;
      if (state === TaskState.Unused || state > TaskState.Cancelled) return ErrorCode.InvariantViolated;
      if (state >= TaskState.Done && this.timers_.armedOwnedBy(task) !== 0) return ErrorCode.InvariantViolated;
      if (!stopped && this.t_[taskAt(task, T_SUSPENDED)] === 1 && !this.timers_.isReservedArmed(task)) return ErrorCode.InvariantViolated;
      const hookPhase = this.t_[taskAt(task, T_HOOK)] ?? 0;
      const dormantTooLate = hookPhase === 0 || (!stopped && hookPhase <= this.shutdown_.phase);
      if (state === TaskState.Dormant && dormantTooLate) return ErrorCode.InvariantViolated;
      if ((this.t_[taskAt(task, T_BLOCKED)] ?? 0) !== this.queuesBlocking(task)) return ErrorCode.InvariantViolated;
    }
    return ErrorCode.Ok;
  }

  private queuesStopped(): boolean {
    for (const queue of this.queues_) {
      if (queue.length !== 0 || queue.closedCode !== ErrorCode.Stopped) return false;
    }
    return true;
  }

  private queuesBlocking(task: number): number {
    let blocking = 0;
    for (const queue of this.queues_) if (queue.producerBlocked && queue.producer === task) blocking++;
    return blocking;
  }

  // ------------------------------------------------------------ helpers

  private isTask(taskId: number): boolean {
    return (taskId >>> 0) === taskId && taskId < this.steps_.length;
  }

  private runnable(task: number): boolean {
    return this.t_[taskAt(task, T_STATE)] === TaskState.Ready && this.t_[taskAt(task, T_SUSPENDED)] === 0 && this.t_[taskAt(task, T_BLOCKED)] === 0;
  }

  private add(index: number, delta: number): void {
    this.t_[index] = (this.t_[index] ?? 0) + delta;
  }

  private refuse(code: Status): Status {
    this.add(S_REFUSED, 1);
    return code;
  }

  // --------------------------------------------------------- read API

  get started(): boolean {
    return this.started_;
  }
  get phase(): ShutdownPhase {
    return this.shutdown_.phase;
  }
  /** Shutdown progress: deadline, forced by what, completed and skipped phases. */
  get shutdown(): ShutdownView {
    return this.shutdown_;
  }
  /** Virtual time of the last turn. */
  get nowMs(): number {
    return this.nowMs_;
  }
  get turnCount(): number {
    return this.turn_;
  }
  get taskCount(): number {
    return this.steps_.length;
  }
  get taskCapacity(): number {
    return this.taskCapacity_;
  }
  get turnBudgetUnits(): number {
    return this.turnBudgetUnits_;
  }
  /** Timers armed now, including restart delays. 0 after Stopped. */
  get armedTimerCount(): number {
    return this.timers_.armedCount;
  }
  get timerCapacity(): number {
    return this.timers_.capacity;
  }
  get timerFiredCount(): number {
    return this.timers_.firedCount;
  }
  get timerCancelledCount(): number {
    return this.timers_.cancelledCount;
  }
  /** `arm` calls refused with Full. */
  get timerFullCount(): number {
    return this.timers_.fullCount;
  }
  /** Turns that ended with due timers left for the next turn. */
  get timerFiresDeferredCount(): number {
    return this.t_[S_FIRES_DEFERRED] ?? 0;
  }
  get stepCount(): number {
    return this.t_[S_STEPS] ?? 0;
  }
  get overrunCount(): number {
    return this.t_[S_OVERRUNS] ?? 0;
  }
  /** Steps that returned something other than a StepResult (the task ends as Failed). */
  get invalidResultCount(): number {
    return this.t_[S_INVALID_RESULTS] ?? 0;
  }
  get invalidSpendCount(): number {
    return this.t_[S_INVALID_SPENDS] ?? 0;
  }
  /** `turn` calls refused for time going backwards or not an integer. */
  get badTimeCount(): number {
    return this.t_[S_BAD_TIME] ?? 0;
  }
  /** Calls refused with an error code (bad ids, arguments, wrong state, full). */
  get refusedCount(): number {
    return this.t_[S_REFUSED] ?? 0;
  }
  /** `turn` calls after Stopped (each a no-op). */
  get turnsAfterStopCount(): number {
    return this.t_[S_AFTER_STOP] ?? 0;
  }
  /** Queue items discarded at Stopped (also in each queue's droppedCount). */
  get queueItemsDiscardedCount(): number {
    return this.t_[S_QUEUE_DISCARDED] ?? 0;
  }
  /** Shutdown hook tasks that ended Failed. */
  get hooksFailedCount(): number {
    return this.t_[S_HOOKS_FAILED] ?? 0;
  }
  get attachedQueueCount(): number {
    return this.queues_.length;
  }

  taskState(taskId: number): TaskState {
    return this.isTask(taskId) ? ((this.t_[taskAt(taskId, T_STATE)] ?? 0) as TaskState) : TaskState.Unused;
  }
  isRunnable(taskId: number): boolean {
    return this.isTask(taskId) && this.runnable(taskId);
  }
  isSuspended(taskId: number): boolean {
    return this.isTask(taskId) && this.t_[taskAt(taskId, T_SUSPENDED)] === 1;
  }
  isBlocked(taskId: number): boolean {
    return this.isTask(taskId) && (this.t_[taskAt(taskId, T_BLOCKED)] ?? 0) > 0;
  }
  taskPriority(taskId: number): number {
    return this.isTask(taskId) ? (this.t_[taskAt(taskId, T_PRIORITY)] ?? 0) : -1;
  }
  taskStepCount(taskId: number): number {
    return this.isTask(taskId) ? (this.t_[taskAt(taskId, T_STEPS)] ?? 0) : 0;
  }
  taskOverrunCount(taskId: number): number {
    return this.isTask(taskId) ? (this.t_[taskAt(taskId, T_OVERRUNS)] ?? 0) : 0;
  }
  taskUnitsSpent(taskId: number): number {
    return this.isTask(taskId) ? (this.t_[taskAt(taskId, T_UNITS)] ?? 0) : 0;
  }
  /** Longest run of turns the task was runnable but passed over (<= PRIORITY_MAX_WAIT_TURNS of its class). */
  taskMaxWaitTurns(taskId: number): number {
    return this.isTask(taskId) ? (this.t_[taskAt(taskId, T_MAX_WAIT)] ?? 0) : 0;
  }
}

/**
 * The scheduler's one ArrayBuffer: a Float64 view of its own numbers then
 * the timer table's, and an Int32 view of the timer table's then the
 * `tokens` cancellation reasons (the bases say where the timer table's
 * begin). A function of its own, so that `create` keeps few locals on the
 * stack at boot.
 */
function schedulerStore(taskCapacity: number, timerCapacity: number, queueCapacity: number, tokens: number): TimerStore {
  const f64Base = HEADER + taskCapacity * TASK_FIELDS + queueCapacity;
  const f64Count = f64Base + TimerTable.f64Numbers(timerCapacity, taskCapacity);
  const buffer = new ArrayBuffer(f64Count * 8 + (TimerTable.i32Numbers(timerCapacity, taskCapacity) + tokens) * 4);
  return { f64: new Float64Array(buffer, 0, f64Count), f64Base, i32: new Int32Array(buffer, f64Count * 8), i32Base: 0 };
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
