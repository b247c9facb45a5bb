/**
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
import { TIMER_CAPACITY_MAX, TimerTable } from "./timer-table";

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

interface Limits {
  readonly taskCapacity: number;
  readonly queueCapacity: number;
  readonly turnBudgetUnits: number;
  readonly timerFiresPerTurnMax: number;
  readonly startMs: number;
}

export class Scheduler implements QueueWaker {
  readonly #limits: Limits;
  readonly #timers: TimerTable;
  readonly #tokens: CancelTokens;
  readonly #shutdown: ShutdownMachine;
  readonly #ctx: TaskContext;
  readonly #queues: BoundedQueue[] = [];
  readonly #queueIntake: Uint8Array;
  // Per task.
  readonly #steps: TaskStep[] = [];
  readonly #priority: Uint8Array;
  readonly #budgetUnits: Float64Array;
  readonly #state: Uint8Array;
  readonly #hookPhase: Uint8Array; // 0 = not a hook
  readonly #token: Int32Array;
  readonly #suspended: Uint8Array;
  readonly #blockedBy: Uint16Array; // queues blocking the task
  readonly #rewake: Uint8Array; // woken during its own step
  readonly #waitTurns: Uint32Array;
  readonly #maxWaitTurns: Uint32Array;
  readonly #stepCount: Float64Array;
  readonly #overrunCount: Float64Array;
  readonly #unitsSpent: Float64Array;
  // Run order, built by start(): task ids by class, then registration.
  readonly #order: Uint16Array;
  readonly #classStart: Uint16Array;
  readonly #classCursor: Uint16Array;
  #started = false;
  #inTurn = false;
  #nowMs: number;
  #turn = 0;
  readonly #stats = {
    steps: 0,
    overruns: 0,
    invalidResults: 0,
    invalidSpends: 0,
    badTime: 0,
    refused: 0,
    firesDeferred: 0,
    afterStop: 0,
    queueItemsDiscarded: 0,
    hooksFailed: 0,
  };

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
    const timers = TimerTable.create(timerCapacity, taskCapacity);
    const tokens = CancelTokens.create(tokenCapacity + 1);
    const shutdown = ShutdownMachine.create(options.shutdownTimeoutMs);
    if (!timers.ok) return err(timers.code);
    if (!tokens.ok) return err(tokens.code);
    if (!shutdown.ok) return err(shutdown.code);
    tokens.value.allocate(); // INTAKE_TOKEN
    const limits: Limits = Object.freeze({ taskCapacity, queueCapacity, turnBudgetUnits, timerFiresPerTurnMax, startMs });
    return ok(new Scheduler(limits, timers.value, tokens.value, shutdown.value));
  }

  private constructor(limits: Limits, timers: TimerTable, tokens: CancelTokens, shutdown: ShutdownMachine) {
    const capacity = limits.taskCapacity;
    this.#limits = limits;
    this.#timers = timers;
    this.#tokens = tokens;
    this.#shutdown = shutdown;
    this.#ctx = new TaskContext(tokens);
    this.#nowMs = limits.startMs;
    this.#queueIntake = new Uint8Array(limits.queueCapacity);
    this.#priority = new Uint8Array(capacity);
    this.#budgetUnits = new Float64Array(capacity);
    this.#state = new Uint8Array(capacity);
    this.#hookPhase = new Uint8Array(capacity);
    this.#token = new Int32Array(capacity).fill(NO_TOKEN);
    this.#suspended = new Uint8Array(capacity);
    this.#blockedBy = new Uint16Array(capacity);
    this.#rewake = new Uint8Array(capacity);
    this.#waitTurns = new Uint32Array(capacity);
    this.#maxWaitTurns = new Uint32Array(capacity);
    this.#stepCount = new Float64Array(capacity);
    this.#overrunCount = new Float64Array(capacity);
    this.#unitsSpent = new Float64Array(capacity);
    this.#order = new Uint16Array(capacity);
    this.#classStart = new Uint16Array(PRIORITY_CLASS_COUNT + 1);
    this.#classCursor = new Uint16Array(PRIORITY_CLASS_COUNT);
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
    const id = this.#steps.length;
    const hookPhase = spec.shutdownPhase ?? ShutdownPhase.Running;
    this.#steps.push(spec.step);
    this.#priority[id] = spec.priority;
    this.#budgetUnits[id] = spec.budgetUnits;
    this.#token[id] = spec.tokenId ?? NO_TOKEN;
    this.#hookPhase[id] = hookPhase;
    if (hookPhase !== ShutdownPhase.Running) this.#state[id] = TaskState.Dormant;
    else this.#state[id] = spec.startReady === false ? TaskState.Idle : TaskState.Ready;
    return id;
  }

  private checkRegistration(spec: TaskSpec): Status {
    if (this.#shutdown.stopped) return ErrorCode.Stopped;
    if (this.#started) return ErrorCode.WrongState;
    if (this.#steps.length >= this.#limits.taskCapacity) return ErrorCode.Full;
    if (!isPriority(spec.priority) || !isIntIn(spec.budgetUnits, 1, WORK_UNITS_MAX)) return ErrorCode.InvalidArgument;
    if (typeof spec.step !== "function") return ErrorCode.InvalidArgument;
    const phase = spec.shutdownPhase ?? ShutdownPhase.Running;
    if (!isShutdownPhase(phase) || phase > ShutdownPhase.Leaving) return ErrorCode.InvalidArgument;
    const tokenId = spec.tokenId ?? NO_TOKEN;
    if (tokenId !== NO_TOKEN && !this.#tokens.isToken(tokenId)) return ErrorCode.NotFound;
    if (tokenId !== NO_TOKEN && this.#tokens.isCancelled(tokenId)) return ErrorCode.Cancelled;
    return ErrorCode.Ok;
  }

  /** A new cancellation token (setup phase only): its id, `-Full`, `-WrongState` or `-Stopped`. */
  allocateToken(): ValueOrCode {
    if (this.#shutdown.stopped) return -this.refuse(ErrorCode.Stopped);
    if (this.#started) return -this.refuse(ErrorCode.WrongState);
    const id = this.#tokens.allocate();
    if (id < 0) this.#stats.refused++;
    return id;
  }

  /**
   * Attach `queue` (setup phase only) so pushes wake its consumer,
   * BlockProducer blocks its producer, shutdown drains it and intake queues
   * are closed when intake stops. Errors: `WrongState` (started, or the queue
   * is already bound), `Stopped`, `Full`, `NotFound` (task ids).
   */
  attachQueue(queue: BoundedQueue, attachment: QueueAttachment): Status {
    if (this.#shutdown.stopped) return this.refuse(ErrorCode.Stopped);
    if (this.#started) return this.refuse(ErrorCode.WrongState);
    if (this.#queues.length >= this.#limits.queueCapacity) return this.refuse(ErrorCode.Full);
    const producer = attachment.producerTaskId ?? NO_TASK;
    const consumer = attachment.consumerTaskId ?? NO_TASK;
    if (producer !== NO_TASK && !this.isTask(producer)) return this.refuse(ErrorCode.NotFound);
    if (consumer !== NO_TASK && !this.isTask(consumer)) return this.refuse(ErrorCode.NotFound);
    if (this.#queues.includes(queue)) return this.refuse(ErrorCode.WrongState);
    const bound = queue.bind(this, producer, consumer);
    if (bound !== ErrorCode.Ok) return this.refuse(bound);
    this.#queueIntake[this.#queues.length] = attachment.intake === true ? 1 : 0;
    this.#queues.push(queue);
    return ErrorCode.Ok;
  }

  /** End the setup phase: freeze the task set and build the run order. `WrongState` if started, `Stopped`. */
  start(): Status {
    if (this.#shutdown.stopped) return this.refuse(ErrorCode.Stopped);
    if (this.#started) return this.refuse(ErrorCode.WrongState);
    const taskCount = this.#steps.length;
    let next = 0;
    for (let c = 0; c < PRIORITY_CLASS_COUNT; c++) {
      this.#classStart[c] = next;
      for (let task = 0; task < taskCount; task++) {
        if (this.#priority[task] === c) this.#order[next++] = task;
      }
    }
    this.#classStart[PRIORITY_CLASS_COUNT] = next;
    this.#started = true;
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
    if (this.#shutdown.stopped) {
      this.#stats.afterStop++;
      return ErrorCode.Stopped;
    }
    if (!this.#started || this.#inTurn) return this.refuse(ErrorCode.WrongState);
    if (!Number.isSafeInteger(nowMs) || nowMs < this.#nowMs) {
      this.#stats.badTime++;
      return ErrorCode.InvalidArgument;
    }
    this.#nowMs = nowMs;
    this.#turn++;
    if (this.#shutdown.deadlineReached(nowMs)) {
      this.forceStop(ForcedBy.Deadline);
      return ErrorCode.Stopped;
    }
    this.#inTurn = true;
    this.fireDueTimers();
    this.runTasks();
    this.#inTurn = false;
    if (this.#shutdown.inProgress) this.advanceShutdown();
    return this.phaseStatus();
  }

  private fireDueTimers(): void {
    const timers = this.#timers;
    const limit = this.#limits.timerFiresPerTurnMax;
    for (let fired = 0; fired < limit; fired++) {
      const slot = timers.fireNext(this.#nowMs);
      if (slot < 0) return;
      const task = timers.ownerOf(slot);
      if (timers.isReservedSlot(slot)) this.resumeTask(task);
      else this.wakeTask(task);
    }
    if (timers.peekDeadline() <= this.#nowMs) this.#stats.firesDeferred++;
  }

  private runTasks(): void {
    let spentUnits = 0;
    const budget = this.#limits.turnBudgetUnits;
    for (let c = 0; c < PRIORITY_CLASS_COUNT; c++) {
      const start = this.#classStart[c] ?? 0;
      const count = (this.#classStart[c + 1] ?? 0) - start;
      const cursor = this.#classCursor[c] ?? 0;
      const maxWait = PRIORITY_MAX_WAIT_TURNS[c] ?? 0;
      let nextCursor = cursor;
      for (let k = 0; k < count; k++) {
        const position = cursor + k < count ? cursor + k : cursor + k - count;
        const task = this.#order[start + position] ?? 0;
        if (!this.runnable(task)) continue;
        const waited = this.#waitTurns[task] ?? 0;
        if (spentUnits >= budget && waited < maxWait) {
          this.passOver(task, waited + 1);
          continue;
        }
        spentUnits += this.runStep(task);
        nextCursor = position + 1 < count ? position + 1 : 0;
        if (this.#shutdown.stopped) return; // forced from inside the step: nothing more runs
      }
      this.#classCursor[c] = nextCursor;
    }
  }

  private passOver(task: number, waited: number): void {
    this.#waitTurns[task] = waited;
    if (waited > (this.#maxWaitTurns[task] ?? 0)) this.#maxWaitTurns[task] = waited;
  }

  /** Run one step of `task`; returns the units charged to the turn. */
  private runStep(task: number): number {
    const ctx = this.#ctx;
    const budget = this.#budgetUnits[task] ?? 1;
    const step = this.#steps[task];
    if (step === undefined) return 0;
    ctx.begin(task, this.#nowMs, this.#turn, budget);
    this.#waitTurns[task] = 0;
    this.#rewake[task] = 0;
    const result = step(ctx);
    const spent = ctx.spentUnits;
    this.#stats.steps++;
    this.#stats.invalidSpends += ctx.invalidSpends;
    this.#stepCount[task] = (this.#stepCount[task] ?? 0) + 1;
    this.#unitsSpent[task] = (this.#unitsSpent[task] ?? 0) + spent;
    if (spent > budget) {
      this.#overrunCount[task] = (this.#overrunCount[task] ?? 0) + 1;
      this.#stats.overruns++;
    }
    this.finishStep(task, result);
    return spent > 1 ? spent : 1;
  }

  private finishStep(task: number, result: StepResult): void {
    const state = this.#state[task] ?? TaskState.Unused;
    const rewoken = this.#rewake[task] === 1;
    this.#rewake[task] = 0;
    if (state >= TaskState.Done) return; // ended during its own step (its token was cancelled)
    if (result === StepResult.Ready) this.#state[task] = TaskState.Ready;
    else if (result === StepResult.Idle) this.#state[task] = rewoken ? TaskState.Ready : TaskState.Idle;
    else if (result === StepResult.Done) this.endTask(task, TaskState.Done);
    else if (result === StepResult.Failed) this.endTask(task, TaskState.Failed);
    else {
      this.#stats.invalidResults++;
      this.endTask(task, TaskState.Failed);
    }
  }

  /**
   * Earliest time the host must call `turn` again: now if a task is runnable
   * or a timer is overdue, else the earliest timer or shutdown deadline;
   * +Infinity when nothing is pending, and after Stopped.
   */
  nextDeadlineMs(): number {
    const shutdown = this.#shutdown;
    if (shutdown.stopped) return Number.POSITIVE_INFINITY;
    const taskCount = this.#steps.length;
    for (let task = 0; task < taskCount; task++) {
      if (this.runnable(task)) return this.#nowMs;
    }
    if (shutdown.inProgress && this.phaseComplete()) return this.#nowMs;
    const timerMs = this.#timers.peekDeadline();
    const earliestMs = shutdown.deadlineMs < timerMs ? shutdown.deadlineMs : timerMs;
    return earliestMs < this.#nowMs ? this.#nowMs : earliestMs; // fires left over from a full turn are due now
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
    const handle = this.#timers.arm(taskId, tokenId, this.#nowMs + delayMs, periodMs);
    if (handle < 0) this.#stats.refused++;
    return handle;
  }

  private checkArm(taskId: number, delayMs: number, periodMs: number, tokenId: number): Status {
    if (this.#shutdown.stopped) return ErrorCode.Stopped;
    if (!this.isTask(taskId)) return ErrorCode.NotFound;
    if ((this.#state[taskId] ?? 0) >= TaskState.Done) return ErrorCode.WrongState;
    if (!isIntIn(delayMs, 0, Number.MAX_SAFE_INTEGER) || !isIntIn(periodMs, 0, Number.MAX_SAFE_INTEGER)) {
      return ErrorCode.InvalidArgument;
    }
    if (!Number.isSafeInteger(this.#nowMs + delayMs)) return ErrorCode.InvalidArgument;
    if (tokenId !== NO_TOKEN && !this.#tokens.isToken(tokenId)) return ErrorCode.NotFound;
    if (tokenId !== NO_TOKEN && this.#tokens.isCancelled(tokenId)) return ErrorCode.Cancelled;
    return ErrorCode.Ok;
  }

  /** Move an armed timer to now + `delayMs`. `Ok`, `NotFound`, `InvalidArgument`, `Stopped`. */
  rearm(handle: number, delayMs: number): Status {
    if (this.#shutdown.stopped) return this.refuse(ErrorCode.Stopped);
    if (!this.#timers.isArmed(handle)) return this.refuse(ErrorCode.NotFound);
    if (!isIntIn(delayMs, 0, Number.MAX_SAFE_INTEGER) || !Number.isSafeInteger(this.#nowMs + delayMs)) {
      return this.refuse(ErrorCode.InvalidArgument);
    }
    return this.#timers.rearm(handle, this.#nowMs + delayMs);
  }

  /** Disarm a timer. `Ok` or `NotFound` (already fired, cancelled, or never issued). */
  cancelTimer(handle: number): Status {
    const status = this.#timers.cancel(handle);
    if (status !== ErrorCode.Ok) this.#stats.refused++;
    return status;
  }

  /** Fires of an armed (periodic) timer since the last call, or `-NotFound`. */
  takeFires(handle: number): ValueOrCode {
    return this.#timers.takeFires(handle);
  }

  isArmed(handle: number): boolean {
    return this.#timers.isArmed(handle);
  }

  /** Deadline of an armed timer, +Infinity otherwise. */
  timerDeadlineMs(handle: number): number {
    return this.#timers.deadlineOf(handle);
  }

  // ----------------------------------------------------- task control

  /**
   * Make a task runnable (a radio interrupt, an item for it). `Ok`;
   * `NotFound`; `WrongState` if it ended or is a hook whose phase has not
   * come; `Stopped`. A suspended or blocked task stays so, and runs after.
   */
  wake(taskId: number): Status {
    if (this.#shutdown.stopped) return this.refuse(ErrorCode.Stopped);
    if (!this.isTask(taskId)) return this.refuse(ErrorCode.NotFound);
    const state = this.#state[taskId] ?? 0;
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
    if (this.#shutdown.stopped) return this.refuse(ErrorCode.Stopped);
    if (!this.isTask(taskId)) return this.refuse(ErrorCode.NotFound);
    if ((this.#state[taskId] ?? 0) >= TaskState.Done) return this.refuse(ErrorCode.WrongState);
    if (!isIntIn(delayMs, 0, Number.MAX_SAFE_INTEGER) || !Number.isSafeInteger(this.#nowMs + delayMs)) {
      return this.refuse(ErrorCode.InvalidArgument);
    }
    this.#timers.armReserved(taskId, taskId, this.#nowMs + delayMs);
    this.#suspended[taskId] = 1;
    return ErrorCode.Ok;
  }

  /** End a suspension early and wake the task. `Ok`, `NotFound`, `WrongState` (not suspended or ended), `Stopped`. */
  resume(taskId: number): Status {
    if (this.#shutdown.stopped) return this.refuse(ErrorCode.Stopped);
    if (!this.isTask(taskId)) return this.refuse(ErrorCode.NotFound);
    if (this.#suspended[taskId] !== 1 || (this.#state[taskId] ?? 0) >= TaskState.Done) return this.refuse(ErrorCode.WrongState);
    this.#timers.cancelReserved(taskId);
    this.resumeTask(taskId);
    return ErrorCode.Ok;
  }

  /** QueueWaker: a BlockProducer queue is full. `Ok` or `NotFound`/`WrongState`. */
  blockProducer(taskId: number): Status {
    if (!this.isTask(taskId)) return ErrorCode.NotFound;
    const blocked = this.#blockedBy[taskId] ?? 0;
    if (blocked >= ATTACHED_QUEUES_MAX) return ErrorCode.WrongState;
    this.#blockedBy[taskId] = blocked + 1;
    return ErrorCode.Ok;
  }

  /** QueueWaker: the queue has room again (or closed). `Ok`, `NotFound`, `WrongState` (not blocked). */
  unblockProducer(taskId: number): Status {
    if (!this.isTask(taskId)) return ErrorCode.NotFound;
    const blocked = this.#blockedBy[taskId] ?? 0;
    if (blocked === 0) return ErrorCode.WrongState;
    this.#blockedBy[taskId] = blocked - 1;
    if (blocked === 1) this.wakeTask(taskId);
    return ErrorCode.Ok;
  }

  private wakeTask(task: number): void {
    const state = this.#state[task] ?? 0;
    if (state === TaskState.Idle) this.#state[task] = TaskState.Ready;
    if (this.#inTurn && this.#ctx.taskId === task) this.#rewake[task] = 1;
  }

  private resumeTask(task: number): void {
    this.#suspended[task] = 0;
    this.wakeTask(task);
  }

  private endTask(task: number, state: TaskState): void {
    this.#state[task] = state;
    this.#suspended[task] = 0;
    this.#timers.cancelOwnedBy(task);
    if (state === TaskState.Failed && this.#hookPhase[task] !== 0) this.#stats.hooksFailed++;
  }

  // ------------------------------------------------------------- tokens

  /**
   * Cancel `tokenId` with `reason` (an error code, 1..65535): every timer
   * bound to it is disarmed and every task bound to it ends as Cancelled.
   * `Ok`, `Cancelled` (already), `NotFound`, `InvalidArgument`, `Stopped`.
   */
  cancelToken(tokenId: number, reason: number): Status {
    if (this.#shutdown.stopped) return this.refuse(ErrorCode.Stopped);
    if ((reason >>> 0) !== reason || reason < 1 || reason > CANCEL_REASON_MAX) return this.refuse(ErrorCode.InvalidArgument);
    const status = this.#tokens.cancel(tokenId, reason);
    if (status !== ErrorCode.Ok) return status === ErrorCode.Cancelled ? status : this.refuse(status);
    this.#timers.cancelBoundTo(tokenId);
    const taskCount = this.#steps.length;
    for (let task = 0; task < taskCount; task++) {
      if (this.#token[task] === tokenId && (this.#state[task] ?? 0) < TaskState.Done) this.endTask(task, TaskState.Cancelled);
    }
    return ErrorCode.Ok;
  }

  isCancelled(tokenId: number): boolean {
    return this.#tokens.isCancelled(tokenId);
  }

  /** The token's reason code, 0 while live, `-NotFound` for an unknown token. */
  cancelReason(tokenId: number): ValueOrCode {
    return this.#tokens.reason(tokenId);
  }

  // ----------------------------------------------------------- shutdown

  /**
   * Ask for a graceful shutdown (first call) or force it (second call).
   * Before `start()` the scheduler goes straight to Stopped. `Ok`, or
   * `Stopped` when already stopped (nothing changes).
   */
  requestShutdown(): Status {
    if (!this.#started && !this.#shutdown.stopped) {
      this.#shutdown.request(this.#nowMs);
      this.forceStop(ForcedBy.NotStarted);
      return ErrorCode.Ok;
    }
    const outcome = this.#shutdown.request(this.#nowMs);
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
    const shutdown = this.#shutdown;
    for (let i = 0; i < ShutdownPhase.Stopped && shutdown.inProgress && this.phaseComplete(); i++) {
      this.enterPhase(shutdown.completePhase());
    }
  }

  private phaseComplete(): boolean {
    const phase = this.#shutdown.phase;
    if (phase === ShutdownPhase.StoppingTimers) return true;
    if (phase === ShutdownPhase.Draining && !this.queuesEmpty()) return false;
    const taskCount = this.#steps.length;
    for (let task = 0; task < taskCount; task++) {
      if (this.#hookPhase[task] === phase && (this.#state[task] ?? 0) < TaskState.Done) return false;
    }
    return true;
  }

  private queuesEmpty(): boolean {
    for (let i = 0; i < this.#queues.length; i++) {
      if ((this.#queues[i]?.length ?? 0) > 0) return false;
    }
    return true;
  }

  /** The work on entering `phase`. */
  private enterPhase(phase: ShutdownPhase): void {
    if (phase === ShutdownPhase.StoppingIntake) {
      this.cancelToken(INTAKE_TOKEN, ErrorCode.ShuttingDown);
      for (let i = 0; i < this.#queues.length; i++) {
        if (this.#queueIntake[i] === 1) this.#queues[i]?.close(ErrorCode.ShuttingDown);
      }
    }
    if (phase === ShutdownPhase.StoppingTimers) this.#timers.clear();
    if (phase === ShutdownPhase.Stopped) {
      this.finalStop();
      return;
    }
    const taskCount = this.#steps.length;
    for (let task = 0; task < taskCount; task++) {
      if (this.#hookPhase[task] === phase && this.#state[task] === TaskState.Dormant) this.#state[task] = TaskState.Ready;
    }
  }

  private forceStop(by: ForcedBy): void {
    this.#shutdown.force(by);
    this.#timers.clear();
    this.finalStop();
  }

  /** Stopped: nothing armed, leftovers discarded (counted), every queue refuses. */
  private finalStop(): void {
    this.#timers.clear();
    for (let i = 0; i < this.#queues.length; i++) {
      const queue = this.#queues[i];
      if (queue === undefined) continue;
      this.#stats.queueItemsDiscarded += queue.discardAll();
      queue.close(ErrorCode.Stopped);
    }
  }

  private phaseStatus(): Status {
    if (this.#shutdown.stopped) return ErrorCode.Stopped;
    return this.#shutdown.inProgress ? ErrorCode.ShuttingDown : ErrorCode.Ok;
  }

  /**
   * `Ok`, or `InvariantViolated`: the timer table is sound; ended tasks own
   * no armed timer; a suspended task has its restart timer armed; a task's
   * block count equals the attached queues blocking it; only hooks of later
   * phases are dormant; after Stopped nothing is armed and every queue is
   * empty and closed with `Stopped`. O(tasks x (timers + queues)), for tests.
   */
  checkInvariants(): Status {
    if (this.#timers.checkInvariants() !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
    const stopped = this.#shutdown.stopped;
    if (stopped && (this.#timers.armedCount !== 0 || !this.queuesStopped())) return ErrorCode.InvariantViolated;
    const taskCount = this.#steps.length;
    for (let task = 0; task < taskCount; task++) {
      const state = this.#state[task] ?? TaskState.Unused;
      if (state === TaskState.Unused || state > TaskState.Cancelled) return ErrorCode.InvariantViolated;
      if (state >= TaskState.Done && this.#timers.armedOwnedBy(task) !== 0) return ErrorCode.InvariantViolated;
      if (!stopped && this.#suspended[task] === 1 && !this.#timers.isReservedArmed(task)) return ErrorCode.InvariantViolated;
      const hookPhase = this.#hookPhase[task] ?? 0;
      const dormantTooLate = hookPhase === 0 || (!stopped && hookPhase <= this.#shutdown.phase);
      if (state === TaskState.Dormant && dormantTooLate) return ErrorCode.InvariantViolated;
      if ((this.#blockedBy[task] ?? 0) !== this.queuesBlocking(task)) return ErrorCode.InvariantViolated;
    }
    return ErrorCode.Ok;
  }

  private queuesStopped(): boolean {
    for (const queue of this.#queues) {
      if (queue.length !== 0 || queue.closedCode !== ErrorCode.Stopped) return false;
    }
    return true;
  }

  private queuesBlocking(task: number): number {
    let blocking = 0;
    for (const queue of this.#queues) if (queue.producerBlocked && queue.producer === task) blocking++;
    return blocking;
  }

  // ------------------------------------------------------------ helpers

  private isTask(taskId: number): boolean {
    return (taskId >>> 0) === taskId && taskId < this.#steps.length;
  }

  private runnable(task: number): boolean {
    return this.#state[task] === TaskState.Ready && this.#suspended[task] === 0 && this.#blockedBy[task] === 0;
  }

  private refuse(code: Status): Status {
    this.#stats.refused++;
    return code;
  }

  // --------------------------------------------------------- read API

  get started(): boolean {
    return this.#started;
  }
  get phase(): ShutdownPhase {
    return this.#shutdown.phase;
  }
  /** Shutdown progress: deadline, forced by what, completed and skipped phases. */
  get shutdown(): ShutdownView {
    return this.#shutdown;
  }
  /** Virtual time of the last turn. */
  get nowMs(): number {
    return this.#nowMs;
  }
  get turnCount(): number {
    return this.#turn;
  }
  get taskCount(): number {
    return this.#steps.length;
  }
  get taskCapacity(): number {
    return this.#limits.taskCapacity;
  }
  get turnBudgetUnits(): number {
    return this.#limits.turnBudgetUnits;
  }
  /** Timers armed now, including restart delays. 0 after Stopped. */
  get armedTimerCount(): number {
    return this.#timers.armedCount;
  }
  get timerCapacity(): number {
    return this.#timers.capacity;
  }
  get timerFiredCount(): number {
    return this.#timers.firedCount;
  }
  get timerCancelledCount(): number {
    return this.#timers.cancelledCount;
  }
  /** `arm` calls refused with Full. */
  get timerFullCount(): number {
    return this.#timers.fullCount;
  }
  /** Turns that ended with due timers left for the next turn. */
  get timerFiresDeferredCount(): number {
    return this.#stats.firesDeferred;
  }
  get stepCount(): number {
    return this.#stats.steps;
  }
  get overrunCount(): number {
    return this.#stats.overruns;
  }
  /** Steps that returned something other than a StepResult (the task ends as Failed). */
  get invalidResultCount(): number {
    return this.#stats.invalidResults;
  }
  get invalidSpendCount(): number {
    return this.#stats.invalidSpends;
  }
  /** `turn` calls refused for time going backwards or not an integer. */
  get badTimeCount(): number {
    return this.#stats.badTime;
  }
  /** Calls refused with an error code (bad ids, arguments, wrong state, full). */
  get refusedCount(): number {
    return this.#stats.refused;
  }
  /** `turn` calls after Stopped (each a no-op). */
  get turnsAfterStopCount(): number {
    return this.#stats.afterStop;
  }
  /** Queue items discarded at Stopped (also in each queue's droppedCount). */
  get queueItemsDiscardedCount(): number {
    return this.#stats.queueItemsDiscarded;
  }
  /** Shutdown hook tasks that ended Failed. */
  get hooksFailedCount(): number {
    return this.#stats.hooksFailed;
  }
  get attachedQueueCount(): number {
    return this.#queues.length;
  }

  taskState(taskId: number): TaskState {
    return this.isTask(taskId) ? ((this.#state[taskId] ?? 0) as TaskState) : TaskState.Unused;
  }
  isRunnable(taskId: number): boolean {
    return this.isTask(taskId) && this.runnable(taskId);
  }
  isSuspended(taskId: number): boolean {
    return this.isTask(taskId) && this.#suspended[taskId] === 1;
  }
  isBlocked(taskId: number): boolean {
    return this.isTask(taskId) && (this.#blockedBy[taskId] ?? 0) > 0;
  }
  taskPriority(taskId: number): number {
    return this.isTask(taskId) ? (this.#priority[taskId] ?? 0) : -1;
  }
  taskStepCount(taskId: number): number {
    return this.isTask(taskId) ? (this.#stepCount[taskId] ?? 0) : 0;
  }
  taskOverrunCount(taskId: number): number {
    return this.isTask(taskId) ? (this.#overrunCount[taskId] ?? 0) : 0;
  }
  taskUnitsSpent(taskId: number): number {
    return this.isTask(taskId) ? (this.#unitsSpent[taskId] ?? 0) : 0;
  }
  /** Longest run of turns the task was runnable but passed over (<= PRIORITY_MAX_WAIT_TURNS of its class). */
  taskMaxWaitTurns(taskId: number): number {
    return this.isTask(taskId) ? (this.#maxWaitTurns[taskId] ?? 0) : 0;
  }
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
