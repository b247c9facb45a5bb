/**
 * Property definitions for the runtime scheduler: timers, starvation,
 * shutdown, bounded queues. Runs on V8 (test/core/runtime/scheduler.property.test.ts) and
 * inside the XS engine (test/xs/conformance.test.ts), so this file uses
 * ECMAScript built-ins only and receives fast-check as a parameter.
 *
 *  - timer table vs a model (fc.commands): fires in (deadline, arm order),
 *    one-shots exactly once, periodic once per period, stale handles dead;
 *  - scheduler timers vs the same model (fc.commands): per-turn fire limit,
 *    and a fire wakes exactly its task in that turn;
 *  - no starvation: under adversarial always-ready load with overruns, a
 *    runnable task of class c runs within PRIORITY_MAX_WAIT_TURNS[c] + 1 turns;
 *  - shutdown from any state and any interleaving of requests, turns, timer
 *    and queue traffic: phases only move forward; the deadline forces a
 *    stop; once Stopped no timer is armed, no step runs, intake is refused;
 *  - bounded queues vs a model (fc.commands): FIFO, pushed == popped +
 *    dropped + refused + length after every command; and a BlockProducer
 *    pipeline loses nothing;
 *  - the agent task boundary: exact restart times, Failed past the restart
 *    limit, the same fault classes on both engines (XS has its own try/catch
 *    and error classes).
 */
import type * as FastCheck from "fast-check";
import { FaultClass, TaskBoundary } from "../../agent/task-boundary";
import { BoundedQueue, QueuePolicy, type QueueWaker } from "../../core/runtime/bounded-queue";
import { ErrorCode } from "../../core/runtime/errors";
import { LogRecord, LogRing } from "../../core/runtime/log-ring";
import { MetricsRegistry } from "../../core/runtime/metrics";
import { Priority, PRIORITY_MAX_WAIT_TURNS } from "../../core/runtime/priority";
import { Outcome, type Status } from "../../core/runtime/result";
import { INTAKE_TOKEN, NO_TOKEN, Scheduler, TaskState } from "../../core/runtime/scheduler";
import { ShutdownPhase } from "../../core/runtime/shutdown";
import { StepResult, type TaskStep } from "../../core/runtime/task-context";
import { TimerTable } from "../../core/runtime/timer-table";
import { expectSame, fail, unwrap, type ConformanceProperty } from "./support";

export type Fc = typeof FastCheck;

export type SchedulerProperty = ConformanceProperty;




// ================================================================ timer model

interface ModelTimer {
  readonly handle: number;
  readonly owner: number;
  readonly periodMs: number;
  deadlineMs: number;
  seq: number;
  armed: boolean;
  pendingFires: number;
}

/** Timers as the spec says: earliest deadline first, ties in arm (push) order. */
class TimerModel {
  readonly timers: ModelTimer[] = [];
  nextSeq = 0;
  nowMs = 0;
  totalFires = 0;
  full = 0;

  armedCount(): number {
    return this.timers.filter((t) => t.armed).length;
  }

  arm(handle: number, owner: number, deadlineMs: number, periodMs: number): void {
    this.timers.push({ handle, owner, periodMs, deadlineMs, seq: this.nextSeq++, armed: true, pendingFires: 0 });
  }

  rearm(timer: ModelTimer, deadlineMs: number): void {
    timer.deadlineMs = deadlineMs;
    timer.seq = this.nextSeq++;
  }

  /** Fire due timers in order, at most `limit`; returns them in firing order. */
  fireDue(nowMs: number, limit: number): ModelTimer[] {
    const fired: ModelTimer[] = [];
    while (fired.length < limit) {
      let next: ModelTimer | undefined;
      for (const t of this.timers) {
        if (!t.armed || t.deadlineMs > nowMs) continue;
        if (next === undefined || t.deadlineMs < next.deadlineMs || (t.deadlineMs === next.deadlineMs && t.seq < next.seq)) next = t;
      }
      if (next === undefined) break;
      fired.push(next);
      next.pendingFires++;
      this.totalFires++;
      if (next.periodMs > 0) this.rearm(next, next.deadlineMs + next.periodMs);
      else next.armed = false;
    }
    return fired;
  }

  pick(index: number): ModelTimer | undefined {
    return this.timers.length === 0 ? undefined : this.timers[index % this.timers.length];
  }
}

// ============================================================ timer table

interface TableReal {
  readonly table: TimerTable;
}

interface TableModel {
  readonly model: TimerModel;
  readonly capacity: number;
}

type TableCommand = FastCheck.Command<TableModel, TableReal>;

function checkTable(m: TableModel, r: TableReal): void {
  expectSame(r.table.checkInvariants(), ErrorCode.Ok, "timer table invariants");
  expectSame(r.table.armedCount, m.model.armedCount(), "armed count");
  expectSame(r.table.firedCount, m.model.totalFires, "fired count");
  for (const t of m.model.timers) {
    expectSame(r.table.isArmed(t.handle), t.armed, `isArmed(${t.handle})`);
    expectSame(r.table.deadlineOf(t.handle), t.armed ? t.deadlineMs : Number.POSITIVE_INFINITY, `deadlineOf(${t.handle})`);
  }
}

class TableArm implements TableCommand {
  constructor(
    readonly owner: number,
    readonly delayMs: number,
    readonly periodMs: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: TableModel, r: TableReal): void {
    const deadlineMs = m.model.nowMs + this.delayMs;
    const handle = r.table.arm(this.owner, NO_TOKEN, deadlineMs, this.periodMs);
    if (m.model.armedCount() === m.capacity) {
      expectSame(handle, -ErrorCode.Full, "arm when every slot is armed");
      expectSame(r.table.fullCount, ++m.model.full, "full count");
    } else {
      if (handle < 0) fail(`arm refused with ${-handle}`);
      if (m.model.timers.some((t) => t.handle === handle)) fail(`handle ${handle} issued twice`);
      m.model.arm(handle, this.owner, deadlineMs, this.periodMs);
    }
    checkTable(m, r);
  }
  toString(): string {
    return `arm(owner=${this.owner}, delay=${this.delayMs}, period=${this.periodMs})`;
  }
}

class TableCancel implements TableCommand {
  constructor(readonly pick: number) {}
  check(m: Readonly<TableModel>): boolean {
    return m.model.timers.length > 0;
  }
  run(m: TableModel, r: TableReal): void {
    const t = m.model.pick(this.pick) ?? fail("pick");
    expectSame(r.table.cancel(t.handle), t.armed ? ErrorCode.Ok : ErrorCode.NotFound, `cancel(${t.handle})`);
    t.armed = false;
    checkTable(m, r);
  }
  toString(): string {
    return `cancel(#${this.pick})`;
  }
}

class TableRearm implements TableCommand {
  constructor(
    readonly pick: number,
    readonly delayMs: number,
  ) {}
  check(m: Readonly<TableModel>): boolean {
    return m.model.timers.length > 0;
  }
  run(m: TableModel, r: TableReal): void {
    const t = m.model.pick(this.pick) ?? fail("pick");
    const deadlineMs = m.model.nowMs + this.delayMs;
    expectSame(r.table.rearm(t.handle, deadlineMs), t.armed ? ErrorCode.Ok : ErrorCode.NotFound, `rearm(${t.handle})`);
    if (t.armed) m.model.rearm(t, deadlineMs);
    checkTable(m, r);
  }
  toString(): string {
    return `rearm(#${this.pick}, delay=${this.delayMs})`;
  }
}

class TableAdvance implements TableCommand {
  constructor(readonly dtMs: number) {}
  check(): boolean {
    return true;
  }
  run(m: TableModel, r: TableReal): void {
    m.model.nowMs += this.dtMs;
    const expected = m.model.fireDue(m.model.nowMs, 100_000);
    for (let i = 0; i < expected.length; i++) {
      const t = expected[i] ?? fail("expected fire");
      const slot = r.table.fireNext(m.model.nowMs);
      expectSame(slot, t.handle % m.capacity, `fire #${i} at ${m.model.nowMs}`);
      expectSame(r.table.ownerOf(slot), t.owner, `owner of fire #${i}`);
    }
    expectSame(r.table.fireNext(m.model.nowMs), -ErrorCode.Empty, "nothing more due");
    checkTable(m, r);
  }
  toString(): string {
    return `advance(${this.dtMs})`;
  }
}

class TableTakeFires implements TableCommand {
  constructor(readonly pick: number) {}
  check(m: Readonly<TableModel>): boolean {
    return m.model.timers.length > 0;
  }
  run(m: TableModel, r: TableReal): void {
    const t = m.model.pick(this.pick) ?? fail("pick");
    expectSame(r.table.takeFires(t.handle), t.armed ? t.pendingFires : -ErrorCode.NotFound, `takeFires(${t.handle})`);
    if (t.armed) t.pendingFires = 0;
    checkTable(m, r);
  }
  toString(): string {
    return `takeFires(#${this.pick})`;
  }
}

function timerTableModelProperty(fc: Fc, numRuns: number, seed: number): void {
  const period = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 15 }));
  // Small delays make equal deadlines common, so the FIFO tie-break is exercised.
  const delay = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 40 }));
  const commands: FastCheck.Arbitrary<TableCommand>[] = [
    fc.tuple(fc.nat(3), delay, period).map(([o, d, p]): TableCommand => new TableArm(o, d, p)),
    fc.nat(50).map((pick): TableCommand => new TableCancel(pick)),
    fc.tuple(fc.nat(50), delay).map(([pick, d]): TableCommand => new TableRearm(pick, d)),
    fc.integer({ min: 0, max: 6 }).map((dt): TableCommand => new TableAdvance(dt)),
    fc.integer({ min: 0, max: 30 }).map((dt): TableCommand => new TableAdvance(dt)),
    fc.nat(50).map((pick): TableCommand => new TableTakeFires(pick)),
  ];
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.commands(commands, { maxCommands: 60, size: "max" }), (capacity, cmds) => {
      const table = unwrap(TimerTable.create(capacity, 2), "TimerTable");
      fc.modelRun(() => ({ model: { model: new TimerModel(), capacity }, real: { table } }), cmds);
    }),
    { numRuns, seed },
  );
}

// ====================================================== scheduler timers

const TIMER_TASKS = 4;

interface SchedReal {
  readonly sched: Scheduler;
  /** Task ids that ran in the current turn, in run order. */
  readonly ran: number[];
}

interface SchedModel {
  readonly model: TimerModel;
  readonly capacity: number;
  readonly firesPerTurn: number;
}

type SchedCommand = FastCheck.Command<SchedModel, SchedReal>;

function checkSched(m: SchedModel, r: SchedReal): void {
  expectSame(r.sched.checkInvariants(), ErrorCode.Ok, "scheduler invariants");
  expectSame(r.sched.armedTimerCount, m.model.armedCount(), "armed timers");
  expectSame(r.sched.timerFiredCount, m.model.totalFires, "timer fires");
  expectSame(r.sched.timerFullCount, m.model.full, "timer full count");
  for (const t of m.model.timers) expectSame(r.sched.isArmed(t.handle), t.armed, `isArmed(${t.handle})`);
}

class SchedArm implements SchedCommand {
  constructor(
    readonly owner: number,
    readonly delayMs: number,
    readonly periodMs: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: SchedModel, r: SchedReal): void {
    const handle = r.sched.arm(this.owner, this.delayMs, this.periodMs);
    if (m.model.armedCount() === m.capacity) {
      expectSame(handle, -ErrorCode.Full, "arm past timerCapacity");
      m.model.full++;
    } else {
      if (handle < 0) fail(`arm refused with ${-handle}`);
      m.model.arm(handle, this.owner, m.model.nowMs + this.delayMs, this.periodMs);
    }
    checkSched(m, r);
  }
  toString(): string {
    return `arm(task=${this.owner}, delay=${this.delayMs}, period=${this.periodMs})`;
  }
}

class SchedCancel implements SchedCommand {
  constructor(readonly pick: number) {}
  check(m: Readonly<SchedModel>): boolean {
    return m.model.timers.length > 0;
  }
  run(m: SchedModel, r: SchedReal): void {
    const t = m.model.pick(this.pick) ?? fail("pick");
    expectSame(r.sched.cancelTimer(t.handle), t.armed ? ErrorCode.Ok : ErrorCode.NotFound, `cancelTimer(${t.handle})`);
    t.armed = false;
    checkSched(m, r);
  }
  toString(): string {
    return `cancel(#${this.pick})`;
  }
}

class SchedTurn implements SchedCommand {
  constructor(readonly dtMs: number) {}
  check(): boolean {
    return true;
  }
  run(m: SchedModel, r: SchedReal): void {
    m.model.nowMs += this.dtMs;
    const fired = m.model.fireDue(m.model.nowMs, m.firesPerTurn);
    r.ran.length = 0;
    expectSame(r.sched.turn(m.model.nowMs), ErrorCode.Ok, "turn");
    // Every fire wakes its task; each woken task runs once in this turn (one class, ample budget;
    // the order rotates round robin, so compare as sets).
    const expected: number[] = [];
    for (let task = 0; task < TIMER_TASKS; task++) if (fired.some((t) => t.owner === task)) expected.push(task);
    const ran = r.ran.slice().sort((a, b) => a - b);
    expectSame(ran.join(","), expected.join(","), `tasks run at ${m.model.nowMs}`);
    for (const t of m.model.timers) {
      if (!t.armed || t.periodMs === 0) continue;
      expectSame(r.sched.takeFires(t.handle), t.pendingFires, `periodic fires of ${t.handle}`);
      t.pendingFires = 0;
    }
    checkSched(m, r);
  }
  toString(): string {
    return `turn(+${this.dtMs})`;
  }
}

function schedulerTimerModelProperty(fc: Fc, numRuns: number, seed: number): void {
  const period = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 }));
  const commands: FastCheck.Arbitrary<SchedCommand>[] = [
    fc.tuple(fc.nat(TIMER_TASKS - 1), fc.integer({ min: 0, max: 30 }), period).map(([o, d, p]): SchedCommand => new SchedArm(o, d, p)),
    fc.nat(50).map((pick): SchedCommand => new SchedCancel(pick)),
    fc.integer({ min: 0, max: 25 }).map((dt): SchedCommand => new SchedTurn(dt)),
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 8 }),
      fc.commands(commands, { maxCommands: 50, size: "max" }),
      (capacity, firesPerTurn, cmds) => {
        const sched = unwrap(
          Scheduler.create({ taskCapacity: TIMER_TASKS, timerCapacity: capacity, turnBudgetUnits: 1_000, shutdownTimeoutMs: 1_000, timerFiresPerTurnMax: firesPerTurn }),
          "Scheduler",
        );
        const ran: number[] = [];
        for (let i = 0; i < TIMER_TASKS; i++) {
          sched.registerTask({ priority: Priority.Control, budgetUnits: 1, startReady: false, step: (ctx) => (ran.push(ctx.taskId), StepResult.Idle) });
        }
        sched.start();
        fc.modelRun(() => ({ model: { model: new TimerModel(), capacity, firesPerTurn }, real: { sched, ran } }), cmds);
      },
    ),
    { numRuns, seed },
  );
}

// ========================================================== no starvation

interface LoadTask {
  readonly priority: Priority;
  readonly budgetUnits: number;
  /** Units reported per step, cycled: often more than the budget (overruns). */
  readonly units: readonly number[];
  /** Idle after a step (woken again by the load script), else always Ready. */
  readonly sleeps: boolean;
}

function starvationProperty(fc: Fc, numRuns: number, seed: number): void {
  const loadTask = fc.record({
    priority: fc.constantFrom(Priority.RadioReceive, Priority.Control, Priority.Alerts, Priority.Sampling, Priority.Background),
    budgetUnits: fc.integer({ min: 1, max: 20 }),
    units: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 5 }),
    sleeps: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.array(loadTask, { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 40 }),
      fc.array(fc.nat(), { minLength: 10, maxLength: 60 }),
      (tasks: readonly LoadTask[], turnBudgetUnits: number, wakeMasks: readonly number[]) => {
        const sched = unwrap(Scheduler.create({ taskCapacity: tasks.length, timerCapacity: 1, turnBudgetUnits, shutdownTimeoutMs: 1_000 }), "Scheduler");
        const lastRunTurn: number[] = tasks.map(() => 0);
        tasks.forEach((spec, index) => {
          let calls = 0;
          const step: TaskStep = (ctx) => {
            ctx.spend(spec.units[calls++ % spec.units.length] ?? 0);
            lastRunTurn[index] = ctx.turn;
            return spec.sleeps ? StepResult.Idle : StepResult.Ready;
          };
          sched.registerTask({ priority: spec.priority, budgetUnits: spec.budgetUnits, step });
        });
        sched.start();
        const waiting: number[] = tasks.map(() => 0);
        wakeMasks.forEach((mask, t) => {
          for (let i = 0; i < tasks.length; i++) if (((mask >>> i) & 1) === 1 && (tasks[i]?.sleeps ?? false)) sched.wake(i);
          const runnableBefore = tasks.map((_spec, i) => sched.isRunnable(i));
          sched.turn(t);
          for (let i = 0; i < tasks.length; i++) {
            const spec = tasks[i] ?? fail("task");
            if (!(runnableBefore[i] ?? false)) continue;
            waiting[i] = lastRunTurn[i] === sched.turnCount ? 0 : (waiting[i] ?? 0) + 1;
            // K = maxWait + 1: passed over at most maxWait turns in a row.
            const maxWait = PRIORITY_MAX_WAIT_TURNS[spec.priority] ?? 0;
            if ((waiting[i] ?? 0) > maxWait) fail(`task ${i} (class ${spec.priority}) runnable but not run for ${waiting[i]} turns (bound ${maxWait + 1})`);
          }
        });
        expectSame(sched.checkInvariants(), ErrorCode.Ok, "scheduler invariants");
        for (let i = 0; i < tasks.length; i++) {
          const maxWait = PRIORITY_MAX_WAIT_TURNS[tasks[i]?.priority ?? 0] ?? 0;
          if (sched.taskMaxWaitTurns(i) > maxWait) fail(`task ${i}: taskMaxWaitTurns ${sched.taskMaxWaitTurns(i)} > ${maxWait}`);
        }
      },
    ),
    { numRuns, seed },
  );
}

// ========================================================== shutdown

type ShutdownOp =
  | { readonly op: "turn"; readonly dtMs: number }
  | { readonly op: "request" }
  | { readonly op: "arm"; readonly task: number; readonly delayMs: number; readonly periodMs: number }
  | { readonly op: "wake"; readonly task: number }
  | { readonly op: "push"; readonly queue: number; readonly value: number }
  | { readonly op: "pop"; readonly queue: number };

interface HookPlan {
  /** Steps until Done; 0 = never done (only the deadline ends its phase); -1 = Failed at once. */
  readonly steps: number;
}

const NORMAL_TASKS = 3;

function shutdownOpArb(fc: Fc): FastCheck.Arbitrary<ShutdownOp> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 60 }).map((dtMs): ShutdownOp => ({ op: "turn", dtMs })) },
    { weight: 1, arbitrary: fc.constant<ShutdownOp>({ op: "request" }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.nat(NORMAL_TASKS + 3), fc.integer({ min: 0, max: 80 }), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })))
        .map(([task, delayMs, periodMs]): ShutdownOp => ({ op: "arm", task, delayMs, periodMs })),
    },
    { weight: 1, arbitrary: fc.nat(NORMAL_TASKS + 3).map((task): ShutdownOp => ({ op: "wake", task })) },
    { weight: 2, arbitrary: fc.tuple(fc.nat(1), fc.nat(1000)).map(([queue, value]): ShutdownOp => ({ op: "push", queue, value })) },
    { weight: 1, arbitrary: fc.nat(1).map((queue): ShutdownOp => ({ op: "pop", queue })) },
  );
}

interface ShutdownRig {
  readonly sched: Scheduler;
  readonly queues: readonly BoundedQueue[];
  readonly violations: string[];
}

interface RigPlan {
  readonly hooks: readonly HookPlan[];
  readonly timeoutMs: number;
  readonly stagePolicy: QueuePolicy;
  readonly bindToIntake: readonly boolean[];
  /** The stage consumer calls requestShutdown on these step numbers (1-based); 0 = never. */
  readonly selfRequestSteps: readonly number[];
}

function buildShutdownRig(plan: RigPlan): ShutdownRig {
  const { hooks, timeoutMs, stagePolicy, bindToIntake } = plan;
  const sched = unwrap(Scheduler.create({ taskCapacity: NORMAL_TASKS + 4, timerCapacity: 4, turnBudgetUnits: 8, shutdownTimeoutMs: timeoutMs }), "Scheduler");
  const intake = unwrap(BoundedQueue.create({ capacity: 3, policy: QueuePolicy.RefuseNewest }), "intake");
  const stage = unwrap(BoundedQueue.create({ capacity: 2, policy: stagePolicy }), "stage");
  const violations: string[] = [];
  const out = new Outcome<number>(0);
  const guardStep = (name: string, body: () => StepResult): TaskStep => () => {
    if (sched.phase === ShutdownPhase.Stopped) violations.push(`${name} stepped after Stopped`);
    return body();
  };
  let produced = 0;
  let consumerSteps = 0;
  // 0: producer into intake; 1: consumer intake -> stage; 2: consumer of stage (may ask for shutdown itself).
  const bodies: (() => StepResult)[] = [
    () => (intake.waitForRoom() && intake.push(produced++) === ErrorCode.Ok ? StepResult.Idle : StepResult.Idle),
    () => {
      if (stage.waitForRoom() && intake.pop(out) === ErrorCode.Ok) stage.push(out.value);
      return intake.length > 0 ? StepResult.Ready : StepResult.Idle;
    },
    () => {
      consumerSteps++;
      for (const n of plan.selfRequestSteps) if (n === consumerSteps) sched.requestShutdown();
      return stage.pop(out) === ErrorCode.Ok && stage.length > 0 ? StepResult.Ready : StepResult.Idle;
    },
  ];
  bodies.forEach((body, i) => {
    const tokenId = bindToIntake[i] === true ? INTAKE_TOKEN : NO_TOKEN;
    sched.registerTask({ priority: Priority.Control, budgetUnits: 2, tokenId, step: guardStep(`task ${i}`, body) });
  });
  hooks.forEach((plan, i) => {
    let steps = 0;
    const body = (): StepResult => {
      steps++;
      if (plan.steps < 0) return StepResult.Failed;
      return plan.steps > 0 && steps >= plan.steps ? StepResult.Done : StepResult.Ready;
    };
    const shutdownPhase = (ShutdownPhase.StoppingIntake + i) as ShutdownPhase;
    sched.registerTask({ priority: Priority.Alerts, budgetUnits: 1, shutdownPhase, step: guardStep(`hook ${i}`, body) });
  });
  sched.attachQueue(intake, { producerTaskId: 0, consumerTaskId: 1, intake: true });
  sched.attachQueue(stage, { producerTaskId: 1, consumerTaskId: 2 });
  sched.start();
  return { sched, queues: [intake, stage], violations };
}

function applyShutdownOp(rig: ShutdownRig, op: ShutdownOp): void {
  const { sched } = rig;
  const stoppedBefore = sched.phase === ShutdownPhase.Stopped;
  if (op.op === "turn") {
    const status = sched.turn(sched.nowMs + op.dtMs);
    if (stoppedBefore) expectSame(status, ErrorCode.Stopped, "turn after Stopped");
  } else if (op.op === "request") {
    expectSame(sched.requestShutdown(), stoppedBefore ? ErrorCode.Stopped : ErrorCode.Ok, "requestShutdown");
  } else if (op.op === "arm") {
    const handle = sched.arm(op.task, op.delayMs, op.periodMs);
    if (stoppedBefore) expectSame(handle, -ErrorCode.Stopped, "arm after Stopped");
  } else if (op.op === "wake") {
    const status = sched.wake(op.task);
    if (stoppedBefore) expectSame(status, ErrorCode.Stopped, "wake after Stopped");
  } else {
    const queue = rig.queues[op.queue] ?? fail("queue");
    if (op.op === "pop") queue.pop(new Outcome(0));
    else {
      const status = queue.push(op.value);
      if (stoppedBefore) expectSame(status, ErrorCode.Stopped, "push after Stopped");
      else if (op.queue === 0 && sched.phase !== ShutdownPhase.Running) expectSame(status, ErrorCode.ShuttingDown, "intake push while shutting down");
    }
  }
}

function checkShutdownRig(rig: ShutdownRig, previousPhase: number, stepsAtStop: number): void {
  const { sched } = rig;
  if (rig.violations.length > 0) fail(rig.violations.join("; "));
  if (sched.phase < previousPhase) fail(`phase went back from ${previousPhase} to ${sched.phase}`);
  expectSame(sched.checkInvariants(), ErrorCode.Ok, "scheduler invariants");
  for (const q of rig.queues) expectSame(q.checkInvariants(), ErrorCode.Ok, "queue accounting");
  if (sched.shutdown.inProgress && sched.nowMs >= sched.shutdown.deadlineMs) fail("a turn at the deadline did not force the stop");
  if (sched.phase !== ShutdownPhase.Stopped) return;
  expectSame(sched.armedTimerCount, 0, "armed timers after Stopped");
  expectSame(sched.nextDeadlineMs(), Number.POSITIVE_INFINITY, "nextDeadlineMs after Stopped");
  if (stepsAtStop >= 0) expectSame(sched.stepCount, stepsAtStop, "steps after Stopped");
  for (const q of rig.queues) {
    expectSame(q.closedCode, ErrorCode.Stopped, "queue closed with Stopped");
    expectSame(q.length, 0, "queue emptied at Stopped");
  }
}

function shutdownAnyStateProperty(fc: Fc, numRuns: number, seed: number): void {
  const hookPlan = fc.record({ steps: fc.integer({ min: -1, max: 4 }) });
  fc.assert(
    fc.property(
      fc.array(hookPlan, { maxLength: 4 }),
      fc.integer({ min: 1, max: 200 }),
      fc.constantFrom(QueuePolicy.RefuseNewest, QueuePolicy.DropOldest, QueuePolicy.BlockProducer),
      fc.array(fc.boolean(), { minLength: NORMAL_TASKS, maxLength: NORMAL_TASKS }),
      fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 2 }),
      fc.array(shutdownOpArb(fc), { maxLength: 60 }),
      fc.boolean(),
      (hooks, timeoutMs, stagePolicy, bindToIntake, selfRequestSteps, ops, forceAtEnd) => {
        const rig = buildShutdownRig({ hooks, timeoutMs, stagePolicy, bindToIntake, selfRequestSteps });
        const { sched } = rig;
        let stepsAtStop = -1;
        let phase: number = sched.phase;
        for (const op of ops) {
          applyShutdownOp(rig, op);
          checkShutdownRig(rig, phase, stepsAtStop);
          phase = sched.phase;
          if (phase === ShutdownPhase.Stopped && stepsAtStop < 0) stepsAtStop = sched.stepCount;
        }
        // From whatever state the ops left: a request (or two) and a turn at the deadline always stop it.
        sched.requestShutdown();
        if (forceAtEnd) sched.requestShutdown();
        sched.turn(sched.nowMs + timeoutMs);
        expectSame(sched.phase, ShutdownPhase.Stopped, "stopped by the deadline at the latest");
        checkShutdownRig(rig, phase, stepsAtStop);
        if (stepsAtStop < 0) stepsAtStop = sched.stepCount;
        expectSame(sched.turn(sched.nowMs + 1), ErrorCode.Stopped, "turn after Stopped");
        checkShutdownRig(rig, ShutdownPhase.Stopped, stepsAtStop);
      },
    ),
    { numRuns, seed },
  );
}

// ====================================================== bounded queues

interface QueueModel {
  readonly capacity: number;
  readonly policy: QueuePolicy;
  items: number[];
  pushed: number;
  popped: number;
  dropped: number;
  refused: number;
  closedCode: number;
  backpressure: boolean;
  blocked: boolean;
  wakes: number;
}

interface QueueReal {
  readonly queue: BoundedQueue;
  readonly waker: FakeWaker;
  readonly out: Outcome<number>;
}

class FakeWaker implements QueueWaker {
  blocked = 0;
  wakes = 0;
  wake(): Status {
    this.wakes++;
    return ErrorCode.Ok;
  }
  blockProducer(): Status {
    this.blocked++;
    return ErrorCode.Ok;
  }
  unblockProducer(): Status {
    this.blocked--;
    return ErrorCode.Ok;
  }
}

type QueueCommand = FastCheck.Command<QueueModel, QueueReal>;

function checkQueue(m: QueueModel, r: QueueReal): void {
  const q = r.queue;
  expectSame(q.checkInvariants(), ErrorCode.Ok, "queue invariants");
  expectSame(q.pushedCount, q.poppedCount + q.droppedCount + q.refusedCount + q.length, "pushed == popped + dropped + refused + length");
  expectSame(q.length, m.items.length, "length");
  expectSame(q.pushedCount, m.pushed, "pushed");
  expectSame(q.poppedCount, m.popped, "popped");
  expectSame(q.droppedCount, m.dropped, "dropped");
  expectSame(q.refusedCount, m.refused, "refused");
  expectSame(q.backpressure, m.backpressure, "backpressure");
  expectSame(q.producerBlocked, m.blocked, "producer blocked");
  expectSame(r.waker.blocked, m.blocked ? 1 : 0, "scheduler block count");
  expectSame(r.waker.wakes, m.wakes, "consumer wakes");
  expectSame(q.peek(r.out), m.items.length > 0 ? ErrorCode.Ok : ErrorCode.Empty, "peek status");
  if (m.items.length > 0) expectSame(r.out.value, m.items[0], "oldest item");
}

class QueuePush implements QueueCommand {
  constructor(readonly value: number) {}
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    const status = r.queue.push(this.value);
    m.pushed++;
    if (m.closedCode !== ErrorCode.Ok) {
      expectSame(status, m.closedCode, "push to a closed queue");
      m.refused++;
    } else if (m.items.length < m.capacity || m.policy === QueuePolicy.DropOldest) {
      expectSame(status, ErrorCode.Ok, "push stored");
      if (m.items.length === m.capacity) {
        m.items.shift();
        m.dropped++;
      }
      m.items.push(this.value);
      m.wakes++;
    } else {
      expectSame(status, ErrorCode.Full, "push to a full queue");
      m.refused++;
      if (m.policy === QueuePolicy.RefuseNewest) m.backpressure = true;
      else m.blocked = true;
    }
    checkQueue(m, r);
  }
  toString(): string {
    return `push(${this.value})`;
  }
}

class QueuePop implements QueueCommand {
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    const status = r.queue.pop(r.out);
    const expected = m.items.shift();
    if (expected === undefined) expectSame(status, ErrorCode.Empty, "pop of empty");
    else {
      expectSame(status, ErrorCode.Ok, "pop");
      expectSame(r.out.value, expected, "popped item (FIFO)");
      m.popped++;
      m.blocked = false;
    }
    checkQueue(m, r);
  }
  toString(): string {
    return "pop";
  }
}

class QueueWaitForRoom implements QueueCommand {
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    const room = m.closedCode !== ErrorCode.Ok || m.items.length < m.capacity;
    expectSame(r.queue.waitForRoom(), room, "waitForRoom");
    if (!room && m.policy === QueuePolicy.BlockProducer) m.blocked = true;
    checkQueue(m, r);
  }
  toString(): string {
    return "waitForRoom";
  }
}

class QueueTakeBackpressure implements QueueCommand {
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    expectSame(r.queue.takeBackpressure(), m.backpressure, "takeBackpressure");
    m.backpressure = false;
    checkQueue(m, r);
  }
  toString(): string {
    return "takeBackpressure";
  }
}

class QueueClose implements QueueCommand {
  constructor(readonly code: number) {}
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    expectSame(r.queue.close(this.code as Status), ErrorCode.Ok, "close");
    m.closedCode = this.code;
    m.blocked = false;
    checkQueue(m, r);
  }
  toString(): string {
    return `close(${this.code})`;
  }
}

class QueueDiscard implements QueueCommand {
  check(): boolean {
    return true;
  }
  run(m: QueueModel, r: QueueReal): void {
    expectSame(r.queue.discardAll(), m.items.length, "discardAll count");
    m.dropped += m.items.length;
    m.items = [];
    m.blocked = false;
    checkQueue(m, r);
  }
  toString(): string {
    return "discardAll";
  }
}

function queueModelProperty(fc: Fc, numRuns: number, seed: number): void {
  const commands: FastCheck.Arbitrary<QueueCommand>[] = [
    fc.integer({ min: -1_000, max: 1_000 }).map((v): QueueCommand => new QueuePush(v)),
    fc.integer({ min: -1_000, max: 1_000 }).map((v): QueueCommand => new QueuePush(v)),
    fc.constant<QueueCommand>(new QueuePop()),
    fc.constant<QueueCommand>(new QueueWaitForRoom()),
    fc.constant<QueueCommand>(new QueueTakeBackpressure()),
    fc.constantFrom(ErrorCode.ShuttingDown, ErrorCode.Stopped).map((code): QueueCommand => new QueueClose(code)),
    fc.constant<QueueCommand>(new QueueDiscard()),
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom(QueuePolicy.RefuseNewest, QueuePolicy.DropOldest, QueuePolicy.BlockProducer),
      fc.commands(commands, { maxCommands: 60, size: "max" }),
      (capacity, policy, cmds) => {
        const queue = unwrap(BoundedQueue.create({ capacity, policy, arrayType: Int32Array }), "BoundedQueue");
        const waker = new FakeWaker();
        queue.bind(waker, 0, 1);
        const model: QueueModel = {
          capacity,
          policy,
          items: [],
          pushed: 0,
          popped: 0,
          dropped: 0,
          refused: 0,
          closedCode: ErrorCode.Ok,
          backpressure: false,
          blocked: false,
          wakes: 0,
        };
        fc.modelRun(() => ({ model, real: { queue, waker, out: new Outcome(0) } }), cmds);
      },
    ),
    { numRuns, seed },
  );
}

/** Producer -> BlockProducer queue -> consumer under the scheduler: every produced item is consumed in order or still queued. */
function blockProducerPipelineProperty(fc: Fc, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 5, max: 60 }),
      (capacity, consumerPattern, turns) => {
        const sched = unwrap(Scheduler.create({ taskCapacity: 2, timerCapacity: 1, turnBudgetUnits: 10, shutdownTimeoutMs: 100 }), "Scheduler");
        const queue = unwrap(BoundedQueue.create({ capacity, policy: QueuePolicy.BlockProducer }), "BoundedQueue");
        const out = new Outcome<number>(0);
        const consumed: number[] = [];
        let next = 0;
        const producer = sched.registerTask({
          priority: Priority.Sampling,
          budgetUnits: 1,
          step: () => {
            if (queue.waitForRoom() && queue.push(next) === ErrorCode.Ok) next++;
            return StepResult.Ready;
          },
        });
        const consumer = sched.registerTask({
          priority: Priority.Control,
          budgetUnits: 1,
          step: (ctx) => {
            if (consumerPattern[ctx.turn % consumerPattern.length] === true && queue.pop(out) === ErrorCode.Ok) consumed.push(out.value);
            return StepResult.Ready;
          },
        });
        sched.attachQueue(queue, { producerTaskId: producer, consumerTaskId: consumer });
        sched.start();
        for (let t = 0; t < turns; t++) sched.turn(t);
        consumed.forEach((value, i) => expectSame(value, i, `consumed #${i}`));
        expectSame(next, consumed.length + queue.length, "produced == consumed + queued");
        expectSame(queue.droppedCount + queue.refusedCount, 0, "nothing dropped or refused");
        expectSame(queue.checkInvariants(), ErrorCode.Ok, "queue accounting");
        expectSame(sched.checkInvariants(), ErrorCode.Ok, "scheduler invariants");
      },
    ),
    { numRuns, seed },
  );
}

// ============================================================ task boundary

/** What a faulting step throws; each has a fixed numeric class on every engine. */
const THROWN_KINDS: readonly (readonly [() => unknown, FaultClass])[] = Object.freeze([
  Object.freeze([(): unknown => new TypeError("t"), FaultClass.TypeError] as const),
  Object.freeze([(): unknown => new RangeError("r"), FaultClass.RangeError] as const),
  Object.freeze([(): unknown => new Error("e"), FaultClass.Error] as const),
  Object.freeze([(): unknown => "a string", FaultClass.NotAnError] as const),
  Object.freeze([(): unknown => ({ code: 1 }), FaultClass.OtherObject] as const),
]);

interface BoundaryPlan {
  readonly baseMs: number;
  readonly capMs: number;
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** Per call of the step, cycled: -1 = return Ready, else the index of what to throw. */
  readonly calls: readonly number[];
}

/**
 * A task behind the boundary throws on a pattern; turns run every 1 ms, so
 * the restart time is exact. A model of the restart window predicts when
 * the task runs again, or that it ends Failed; every fault is logged with
 * the class of what was thrown; a healthy task runs in every turn.
 */
function taskBoundaryProperty(fc: Fc, numRuns: number, seed: number): void {
  const plan = fc
    .record({
      baseMs: fc.integer({ min: 1, max: 20 }),
      capExtraMs: fc.integer({ min: 0, max: 80 }),
      maxRestarts: fc.integer({ min: 0, max: 5 }),
      windowMs: fc.integer({ min: 1, max: 400 }),
      calls: fc.array(fc.integer({ min: -1, max: THROWN_KINDS.length - 1 }), { minLength: 1, maxLength: 6 }),
    })
    .map(({ baseMs, capExtraMs, maxRestarts, windowMs, calls }): BoundaryPlan => ({ baseMs, capMs: baseMs + capExtraMs, maxRestarts, windowMs, calls }));
  fc.assert(
    fc.property(plan, (p: BoundaryPlan) => {
      const sched = unwrap(Scheduler.create({ taskCapacity: 2, timerCapacity: 1, turnBudgetUnits: 10, shutdownTimeoutMs: 100 }), "Scheduler");
      const metrics = unwrap(MetricsRegistry.create({ maxMetrics: 4, maxHistogramBuckets: 0 }), "metrics");
      const log = unwrap(LogRing.create({ capacityRecords: 4, fieldCount: 4 }), "log");
      const boundary = unwrap(TaskBoundary.create({ scheduler: sched, metrics, log, nodeId: 1, backoff: p }), "boundary");
      let calls = 0;
      let expectedNextMs = 0; // when the faulting task must run next; -1 = never again
      let windowStartMs = 0;
      let restartsInWindow = 0;
      let expectedClass = -1;
      const faulty = sched.registerTask({
        priority: Priority.Control,
        budgetUnits: 1,
        step: boundary.wrap((ctx) => {
          expectSame(ctx.nowMs, expectedNextMs, "faulting task runs exactly when its backoff ends");
          const kind = THROWN_KINDS[p.calls[calls++ % p.calls.length] ?? -1];
          if (kind === undefined) {
            expectedNextMs = ctx.nowMs + 1;
            return StepResult.Ready;
          }
          if (restartsInWindow === 0 || ctx.nowMs - windowStartMs >= p.windowMs) {
            windowStartMs = ctx.nowMs;
            restartsInWindow = 0;
          }
          expectedNextMs = restartsInWindow >= p.maxRestarts ? -1 : ctx.nowMs + Math.min(p.capMs, p.baseMs * 2 ** restartsInWindow);
          restartsInWindow++;
          expectedClass = kind[1];
          throw kind[0]();
        }),
      });
      const healthy = sched.registerTask({ priority: Priority.Background, budgetUnits: 1, step: boundary.wrap(() => StepResult.Ready) });
      sched.start();
      const record = new LogRecord();
      for (let t = 0; t < 600; t++) {
        sched.turn(t);
        if (expectedNextMs >= 0 && expectedNextMs <= t) fail(`faulting task did not run at ${expectedNextMs}`);
        while (log.readNext(record) === ErrorCode.Ok) expectSame(record.fields[1], expectedClass, "logged fault class");
      }
      expectSame(sched.taskStepCount(healthy), 600, "healthy task ran in every turn");
      expectSame(sched.taskState(faulty) === TaskState.Failed, expectedNextMs < 0, "Failed exactly when the model gives up");
      expectSame(boundary.faultCount(faulty), boundary.restartCount(faulty) + (expectedNextMs < 0 ? 1 : 0), "faults == restarts + failed");
      expectSame(sched.checkInvariants(), ErrorCode.Ok, "scheduler invariants");
    }),
    { numRuns, seed },
  );
}

export const schedulerProperties: readonly SchedulerProperty[] = Object.freeze([
  Object.freeze({ name: "timer table matches a model: (deadline, arm order), one-shots once, periodic per period, stale handles dead (fc.commands)", run: timerTableModelProperty }),
  Object.freeze({ name: "scheduler timers match the model with a per-turn fire limit, and each fire wakes exactly its task (fc.commands)", run: schedulerTimerModelProperty }),
  Object.freeze({ name: "no starvation: a runnable task of class c runs within PRIORITY_MAX_WAIT_TURNS[c] + 1 turns under overload", run: starvationProperty }),
  Object.freeze({ name: "shutdown from any state: phases only advance, the deadline forces Stopped, then zero timers, no steps, intake refused", run: shutdownAnyStateProperty }),
  Object.freeze({ name: "bounded queue matches a model: FIFO, pushed == popped + dropped + refused + length after every command (fc.commands)", run: queueModelProperty }),
  Object.freeze({ name: "a BlockProducer pipeline under the scheduler loses no item", run: blockProducerPipelineProperty }),
  Object.freeze({ name: "task boundary: restarts exactly after min(cap, base x 2^n), ends Failed past maxRestarts per window, classifies what was thrown", run: taskBoundaryProperty }),
]);
