import { describe, expect, it } from "vitest";
import { CancelTokens } from "../../../core/runtime/cancel";
import { ErrorCode } from "../../../core/runtime/errors";
import { Priority, PRIORITY_MAX_WAIT_TURNS } from "../../../core/runtime/priority";
import type { Result } from "../../../core/runtime/result";
import { INTAKE_TOKEN, NO_TOKEN, Scheduler, TaskState, type SchedulerOptions, type TaskSpec } from "../../../core/runtime/scheduler";
import { StepResult, type TaskContext } from "../../../core/runtime/task-context";
import { TimerTable } from "../../../core/runtime/timer-table";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

function errorCode<T>(result: Result<T>): number {
  return result.ok ? ErrorCode.Ok : result.code;
}

const BASE: SchedulerOptions = { taskCapacity: 8, timerCapacity: 4, turnBudgetUnits: 100, shutdownTimeoutMs: 1_000 };

function scheduler(options: Partial<SchedulerOptions> = {}): Scheduler {
  return unwrap(Scheduler.create({ ...BASE, ...options }));
}

/** A task that records every step (task id, turn, time) into `log` and returns `result`. */
function recorder(log: string[], name: string, result: StepResult = StepResult.Idle, units = 1): (ctx: TaskContext) => StepResult {
  return (ctx) => {
    ctx.spend(units);
    log.push(`${name}@${ctx.nowMs}`);
    return result;
  };
}

function task(sched: Scheduler, spec: Partial<TaskSpec> & Pick<TaskSpec, "step">): number {
  const id = sched.registerTask({ priority: Priority.Control, budgetUnits: 10, ...spec });
  if (id < 0) throw new Error(`register failed with ${-id}`);
  return id;
}

describe("Scheduler.create", () => {
  it("rejects out-of-range options with InvalidArgument", () => {
    const bad: Partial<SchedulerOptions>[] = [
      { taskCapacity: 0 },
      { taskCapacity: 1.5 },
      { taskCapacity: Number.NaN },
      { taskCapacity: 1_025 },
      { timerCapacity: 0 },
      { timerCapacity: 65_537 },
      { turnBudgetUnits: 0 },
      { turnBudgetUnits: -5 },
      { shutdownTimeoutMs: 0 },
      { shutdownTimeoutMs: 2 ** 31 },
      { tokenCapacity: -1 },
      { tokenCapacity: 65_536 },
      { queueCapacity: 257 },
      { timerFiresPerTurnMax: 0 },
      { startMs: -1 },
      { startMs: 0.5 },
    ];
    for (const options of bad) {
      expect(errorCode(Scheduler.create({ ...BASE, ...options })), JSON.stringify(options)).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("starts with nothing armed, no tasks, and virtual time at startMs", () => {
    const sched = scheduler({ startMs: 500 });
    expect([sched.taskCount, sched.armedTimerCount, sched.nowMs, sched.turnCount]).toEqual([0, 0, 500, 0]);
    expect(sched.nextDeadlineMs()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("task registration (setup phase only)", () => {
  it("hands out ids in registration order", () => {
    const sched = scheduler();
    expect([task(sched, { step: () => StepResult.Idle }), task(sched, { step: () => StepResult.Idle })]).toEqual([0, 1]);
  });

  it("refuses bad specs with a specific code and registers nothing", () => {
    const sched = scheduler();
    const step = (): StepResult => StepResult.Idle;
    const cases: [Partial<TaskSpec>, number][] = [
      [{ priority: 5 as Priority }, ErrorCode.InvalidArgument],
      [{ priority: -1 as Priority }, ErrorCode.InvalidArgument],
      [{ budgetUnits: 0 }, ErrorCode.InvalidArgument],
      [{ budgetUnits: Number.NaN }, ErrorCode.InvalidArgument],
      [{ budgetUnits: 2.5 }, ErrorCode.InvalidArgument],
      [{ shutdownPhase: 5 as never }, ErrorCode.InvalidArgument],
      [{ tokenId: 7 }, ErrorCode.NotFound],
    ];
    for (const [spec, code] of cases) {
      expect(sched.registerTask({ priority: Priority.Control, budgetUnits: 10, step, ...spec }), JSON.stringify(spec)).toBe(-code);
    }
    expect(sched.taskCount).toBe(0);
    expect(sched.refusedCount).toBe(cases.length);
  });

  it("refuses a task past taskCapacity with Full", () => {
    const sched = scheduler({ taskCapacity: 2 });
    task(sched, { step: () => StepResult.Idle });
    task(sched, { step: () => StepResult.Idle });
    expect(sched.registerTask({ priority: Priority.Control, budgetUnits: 1, step: () => StepResult.Idle })).toBe(-ErrorCode.Full);
    expect(sched.taskCount).toBe(2);
  });

  it("refuses registration, tokens and queues after start with WrongState", () => {
    const sched = scheduler({ tokenCapacity: 2 });
    expect(sched.start()).toBe(ErrorCode.Ok);
    expect(sched.registerTask({ priority: Priority.Control, budgetUnits: 1, step: () => StepResult.Idle })).toBe(-ErrorCode.WrongState);
    expect(sched.allocateToken()).toBe(-ErrorCode.WrongState);
    expect(sched.start()).toBe(ErrorCode.WrongState);
    expect(sched.taskCount).toBe(0);
  });

  it("refuses turn before start with WrongState and changes nothing", () => {
    const sched = scheduler();
    expect(sched.turn(10)).toBe(ErrorCode.WrongState);
    expect([sched.turnCount, sched.nowMs]).toEqual([0, 0]);
  });
});

describe("turn", () => {
  it("runs ready tasks by priority class, RadioReceive first, registration order within a class", () => {
    const sched = scheduler();
    const log: string[] = [];
    task(sched, { priority: Priority.Background, step: recorder(log, "bg") });
    task(sched, { priority: Priority.Sampling, step: recorder(log, "sample") });
    task(sched, { priority: Priority.RadioReceive, step: recorder(log, "radio") });
    task(sched, { priority: Priority.Sampling, step: recorder(log, "sample2") });
    sched.start();
    expect(sched.turn(0)).toBe(ErrorCode.Ok);
    expect(log).toEqual(["radio@0", "sample@0", "sample2@0", "bg@0"]);
  });

  it("does not run an Idle task until it is woken", () => {
    const sched = scheduler();
    const log: string[] = [];
    const id = task(sched, { step: recorder(log, "t"), startReady: false });
    sched.start();
    sched.turn(0);
    expect(log).toEqual([]);
    expect(sched.wake(id)).toBe(ErrorCode.Ok);
    expect(sched.nextDeadlineMs()).toBe(0);
    sched.turn(5);
    expect(log).toEqual(["t@5"]);
    expect(sched.taskState(id)).toBe(TaskState.Idle);
  });

  it("runs a task that returns Ready again in the next turn, at most one step per turn", () => {
    const sched = scheduler();
    const log: string[] = [];
    task(sched, { step: recorder(log, "t", StepResult.Ready) });
    sched.start();
    sched.turn(0);
    sched.turn(1);
    expect(log).toEqual(["t@0", "t@1"]);
  });

  it("refuses time going backwards or not an integer with InvalidArgument and changes nothing", () => {
    const sched = scheduler();
    const log: string[] = [];
    task(sched, { step: recorder(log, "t", StepResult.Ready) });
    sched.start();
    sched.turn(100);
    for (const bad of [99, Number.NaN, 100.5, Number.POSITIVE_INFINITY]) expect(sched.turn(bad)).toBe(ErrorCode.InvalidArgument);
    expect([sched.nowMs, sched.turnCount, sched.badTimeCount, log.length]).toEqual([100, 1, 4, 1]);
  });

  it("refuses a turn from inside a step with WrongState", () => {
    const sched = scheduler();
    let inner: number = ErrorCode.Ok;
    task(sched, { step: () => ((inner = sched.turn(1)), StepResult.Idle) });
    sched.start();
    sched.turn(0);
    expect(inner).toBe(ErrorCode.WrongState);
    expect(sched.turnCount).toBe(1);
  });

  it("fails stop when an unwrapped step throws out of turn: later turns are refused with WrongState", () => {
    const sched = scheduler();
    const log: string[] = [];
    task(sched, {
      step: () => {
        throw new Error("not wrapped by the task boundary");
      },
    });
    task(sched, { priority: Priority.Background, step: recorder(log, "other", StepResult.Ready) });
    sched.start();
    expect(() => sched.turn(0)).toThrow();
    expect(sched.turn(1)).toBe(ErrorCode.WrongState);
    expect(log).toEqual([]);
  });

  it("counts an overrun when a step spends more than its budget, and charges it to the turn", () => {
    const sched = scheduler({ turnBudgetUnits: 10 });
    const log: string[] = [];
    const hog = task(sched, { priority: Priority.Control, budgetUnits: 5, step: recorder(log, "hog", StepResult.Ready, 50) });
    task(sched, { priority: Priority.Background, step: recorder(log, "bg", StepResult.Ready) });
    sched.start();
    sched.turn(0);
    // The hog used the whole turn budget: Background waits (it is not aged yet).
    expect(log).toEqual(["hog@0"]);
    expect([sched.overrunCount, sched.taskOverrunCount(hog), sched.taskUnitsSpent(hog)]).toEqual([1, 1, 50]);
  });

  it("charges a bad spend amount as a whole budget and counts it", () => {
    const sched = scheduler();
    const id = task(sched, { budgetUnits: 7, step: (ctx) => (ctx.spend(Number.NaN), ctx.spend(-1), StepResult.Idle) });
    sched.start();
    sched.turn(0);
    expect([sched.invalidSpendCount, sched.taskUnitsSpent(id), sched.taskOverrunCount(id)]).toEqual([2, 14, 1]);
  });

  it("ends a task whose step returns something other than a StepResult as Failed, counted", () => {
    const sched = scheduler();
    const id = task(sched, { step: () => 42 as StepResult });
    sched.start();
    sched.turn(0);
    expect(sched.taskState(id)).toBe(TaskState.Failed);
    expect(sched.invalidResultCount).toBe(1);
  });

  it("keeps a task Ready when it was woken during its own step and returned Idle", () => {
    const sched = scheduler();
    const log: string[] = [];
    let first = true;
    const id: number = task(sched, {
      step: (ctx) => {
        log.push(`t@${ctx.nowMs}`);
        if (first) sched.wake(ctx.taskId);
        first = false;
        return StepResult.Idle;
      },
    });
    sched.start();
    sched.turn(0);
    expect(sched.taskState(id)).toBe(TaskState.Ready);
    sched.turn(1);
    sched.turn(2);
    expect(log).toEqual(["t@0", "t@1"]);
  });
});

describe("priorities and starvation", () => {
  it("runs RadioReceive in every turn even when sampling overruns the turn budget", () => {
    const sched = scheduler({ turnBudgetUnits: 4 });
    const log: string[] = [];
    const sampler = task(sched, { priority: Priority.Sampling, budgetUnits: 2, step: recorder(log, "s", StepResult.Ready, 100) });
    const radio = task(sched, { priority: Priority.RadioReceive, budgetUnits: 2, step: recorder(log, "r", StepResult.Ready, 1) });
    sched.start();
    for (let t = 0; t < 20; t++) sched.turn(t);
    expect(sched.taskStepCount(radio)).toBe(20);
    expect(sched.taskStepCount(sampler)).toBe(20);
    expect(log.slice(0, 4)).toEqual(["r@0", "s@0", "r@1", "s@1"]);
  });

  it("runs a Background task at least every 9th turn under always-ready Control load that fills every turn", () => {
    const sched = scheduler({ turnBudgetUnits: 10 });
    const runs: number[] = [];
    task(sched, { priority: Priority.Control, budgetUnits: 10, step: (ctx) => (ctx.spend(10), StepResult.Ready) });
    const bg = task(sched, { priority: Priority.Background, budgetUnits: 1, step: (ctx) => (runs.push(ctx.turn), StepResult.Ready) });
    sched.start();
    for (let t = 0; t < 40; t++) sched.turn(t);
    const bound = (PRIORITY_MAX_WAIT_TURNS[Priority.Background] ?? 0) + 1;
    expect(runs).toEqual([9, 18, 27, 36]);
    expect(bound).toBe(9);
    expect(sched.taskMaxWaitTurns(bg)).toBe(8);
  });

  it("rotates round robin within a class when the budget admits only one step per turn", () => {
    const sched = scheduler({ turnBudgetUnits: 1 });
    const log: string[] = [];
    for (const name of ["a", "b", "c"]) task(sched, { priority: Priority.Sampling, step: recorder(log, name, StepResult.Ready) });
    sched.start();
    for (let t = 0; t < 3; t++) sched.turn(t);
    // Turn 0: a runs; b, c wait. Turn 1: b first. Turn 2: c first; a and b ran recently.
    expect(log.slice(0, 2)).toEqual(["a@0", "b@1"]);
    expect(log.filter((entry) => entry.startsWith("c"))[0]).toBe("c@2");
  });
});

describe("timers", () => {
  function timerScheduler(options: Partial<SchedulerOptions> = {}): { sched: Scheduler; log: string[]; owner: number } {
    const sched = scheduler(options);
    const log: string[] = [];
    const owner = task(sched, { step: recorder(log, "t"), startReady: false });
    sched.start();
    return { sched, log, owner };
  }

  it("fires a one-shot at its deadline, not before, and wakes its task once", () => {
    const { sched, log, owner } = timerScheduler();
    const handle = sched.arm(owner, 100);
    expect(handle).toBeGreaterThanOrEqual(0);
    expect(sched.nextDeadlineMs()).toBe(100);
    sched.turn(99);
    expect(log).toEqual([]);
    sched.turn(100);
    sched.turn(300);
    expect(log).toEqual(["t@100"]);
    expect([sched.isArmed(handle), sched.armedTimerCount, sched.timerFiredCount]).toEqual([false, 0, 1]);
  });

  it("fires a periodic timer once per period without drift when turns are late", () => {
    const { sched, owner } = timerScheduler();
    const handle = sched.arm(owner, 10, 10);
    sched.turn(15);
    expect(sched.timerDeadlineMs(handle)).toBe(20);
    sched.turn(47); // fires for 20, 30 and 40
    expect(sched.takeFires(handle)).toBe(4);
    expect(sched.takeFires(handle)).toBe(0);
    expect(sched.timerDeadlineMs(handle)).toBe(50);
  });

  it("leaves fires past timerFiresPerTurnMax due for the next turn, counted", () => {
    const { sched, owner } = timerScheduler({ timerFiresPerTurnMax: 2 });
    const handle = sched.arm(owner, 1, 1);
    sched.turn(10);
    expect(sched.takeFires(handle)).toBe(2);
    expect(sched.timerFiresDeferredCount).toBe(1);
    expect(sched.nextDeadlineMs()).toBe(10);
    sched.turn(10);
    expect(sched.takeFires(handle)).toBe(2);
  });

  it("fires timers with equal deadlines in the order they were armed", () => {
    const sched = scheduler({ timerFiresPerTurnMax: 1 });
    const log: string[] = [];
    const a = task(sched, { step: recorder(log, "a"), startReady: false, priority: Priority.Background });
    const b = task(sched, { step: recorder(log, "b"), startReady: false, priority: Priority.Background });
    sched.start();
    sched.arm(b, 5);
    sched.arm(a, 5);
    sched.turn(5);
    sched.turn(5);
    expect(log).toEqual(["b@5", "a@5"]);
  });

  it("re-arming to the same deadline moves a timer behind the timers armed before it", () => {
    const sched = scheduler({ timerFiresPerTurnMax: 1 });
    const log: string[] = [];
    const a = task(sched, { step: recorder(log, "a"), startReady: false });
    const b = task(sched, { step: recorder(log, "b"), startReady: false });
    sched.start();
    const timerA = sched.arm(a, 5);
    sched.arm(b, 5);
    expect(sched.rearm(timerA, 5)).toBe(ErrorCode.Ok);
    sched.turn(5);
    sched.turn(5);
    expect(log).toEqual(["b@5", "a@5"]);
  });

  it("does not fire a cancelled timer, and refuses a stale handle with NotFound", () => {
    const { sched, log, owner } = timerScheduler();
    const handle = sched.arm(owner, 10);
    expect(sched.cancelTimer(handle)).toBe(ErrorCode.Ok);
    expect(sched.cancelTimer(handle)).toBe(ErrorCode.NotFound);
    sched.turn(20);
    expect(log).toEqual([]);
    const reused = sched.arm(owner, 10);
    expect(reused).not.toBe(handle); // same slot, new generation
    expect(sched.cancelTimer(handle)).toBe(ErrorCode.NotFound);
    expect(sched.isArmed(reused)).toBe(true);
  });

  it("re-arms a timer to a new deadline", () => {
    const { sched, log, owner } = timerScheduler();
    const handle = sched.arm(owner, 10);
    sched.turn(5);
    expect(sched.rearm(handle, 20)).toBe(ErrorCode.Ok);
    sched.turn(10);
    expect(log).toEqual([]);
    sched.turn(25);
    expect(log).toEqual(["t@25"]);
    expect(sched.rearm(handle, 5)).toBe(ErrorCode.NotFound);
  });

  it("refuses arming past timerCapacity with Full, counted, and leaves armed timers alone", () => {
    const { sched, owner } = timerScheduler({ timerCapacity: 2 });
    const a = sched.arm(owner, 10);
    const b = sched.arm(owner, 20);
    expect(sched.arm(owner, 30)).toBe(-ErrorCode.Full);
    expect([sched.timerFullCount, sched.armedTimerCount, sched.timerDeadlineMs(a), sched.timerDeadlineMs(b)]).toEqual([1, 2, 10, 20]);
  });

  it("refuses bad delays, periods, tasks and tokens with specific codes and arms nothing", () => {
    const { sched, owner } = timerScheduler();
    const cases: [number, number, number, number, number][] = [
      [owner, -1, 0, NO_TOKEN, ErrorCode.InvalidArgument],
      [owner, Number.NaN, 0, NO_TOKEN, ErrorCode.InvalidArgument],
      [owner, 1.5, 0, NO_TOKEN, ErrorCode.InvalidArgument],
      [owner, 10, -5, NO_TOKEN, ErrorCode.InvalidArgument],
      [owner, 10, Number.NaN, NO_TOKEN, ErrorCode.InvalidArgument],
      [owner, Number.MAX_SAFE_INTEGER, 0, NO_TOKEN, ErrorCode.InvalidArgument], // deadline past 2^53 once time moved on
      [99, 10, 0, NO_TOKEN, ErrorCode.NotFound],
      [-1, 10, 0, NO_TOKEN, ErrorCode.NotFound],
      [owner, 10, 0, 9, ErrorCode.NotFound],
    ];
    sched.turn(1);
    for (const [taskId, delayMs, periodMs, tokenId, code] of cases) {
      expect(sched.arm(taskId, delayMs, periodMs, tokenId), JSON.stringify([taskId, delayMs, periodMs, tokenId])).toBe(-code);
    }
    expect(sched.armedTimerCount).toBe(0);
  });

  it("cancels a task's timers when it ends", () => {
    const sched = scheduler();
    const id = task(sched, { step: () => StepResult.Done, startReady: false });
    sched.start();
    sched.arm(id, 0);
    sched.arm(id, 100, 100);
    sched.turn(0);
    expect(sched.taskState(id)).toBe(TaskState.Done);
    expect(sched.armedTimerCount).toBe(0);
    expect(sched.arm(id, 10)).toBe(-ErrorCode.WrongState);
    expect(sched.wake(id)).toBe(ErrorCode.WrongState);
  });

  it("reports the earliest deadline to sleep until, or now when a task is runnable", () => {
    const { sched, owner } = timerScheduler();
    sched.arm(owner, 70);
    sched.arm(owner, 30);
    expect(sched.nextDeadlineMs()).toBe(30);
    sched.wake(owner);
    expect(sched.nextDeadlineMs()).toBe(0);
  });
});

describe("cancellation tokens", () => {
  it("cancelling a token disarms its timers and ends its tasks as Cancelled, with the reason kept", () => {
    const sched = scheduler({ tokenCapacity: 2 });
    const token = sched.allocateToken();
    const log: string[] = [];
    const bound = task(sched, { step: recorder(log, "bound", StepResult.Ready), tokenId: token });
    const free = task(sched, { step: recorder(log, "free", StepResult.Ready) });
    sched.start();
    const timer = sched.arm(free, 50, 0, token);
    const other = sched.arm(free, 60);
    sched.turn(0);
    expect(sched.cancelToken(token, ErrorCode.Timeout)).toBe(ErrorCode.Ok);
    expect([sched.isCancelled(token), sched.cancelReason(token), sched.taskState(bound)]).toEqual([true, ErrorCode.Timeout, TaskState.Cancelled]);
    expect([sched.isArmed(timer), sched.isArmed(other)]).toEqual([false, true]);
    sched.turn(1);
    expect(log).toEqual(["bound@0", "free@0", "free@1"]);
    expect(sched.cancelToken(token, ErrorCode.Cancelled)).toBe(ErrorCode.Cancelled);
    expect(sched.cancelReason(token)).toBe(ErrorCode.Timeout);
    expect(sched.arm(free, 5, 0, token)).toBe(-ErrorCode.Cancelled);
  });

  it("refuses unknown tokens and bad reasons with specific codes", () => {
    const sched = scheduler({ tokenCapacity: 1 });
    const token = sched.allocateToken();
    expect(sched.allocateToken()).toBe(-ErrorCode.Full);
    expect(sched.cancelToken(5, ErrorCode.Timeout)).toBe(ErrorCode.NotFound);
    expect(sched.cancelToken(token, 0)).toBe(ErrorCode.InvalidArgument);
    expect(sched.cancelToken(token, 70_000)).toBe(ErrorCode.InvalidArgument);
    expect(sched.cancelToken(token, Number.NaN)).toBe(ErrorCode.InvalidArgument);
    expect(sched.isCancelled(token)).toBe(false);
    expect(sched.cancelReason(99)).toBe(-ErrorCode.NotFound);
  });

  it("lets a step poll its token through the context", () => {
    const sched = scheduler();
    const seen: boolean[] = [];
    task(sched, { step: (ctx) => (seen.push(ctx.isCancelled(INTAKE_TOKEN)), StepResult.Ready) });
    sched.start();
    sched.turn(0);
    sched.cancelToken(INTAKE_TOKEN, ErrorCode.Cancelled);
    sched.turn(1);
    expect(seen).toEqual([false, true]);
  });
});

describe("suspend and resume", () => {
  it("suspendFor keeps a task from running until the delay passes, on a reserved timer", () => {
    const sched = scheduler({ timerCapacity: 1 });
    const log: string[] = [];
    const id = task(sched, { step: recorder(log, "t", StepResult.Ready) });
    sched.start();
    expect(sched.arm(id, 1_000)).toBeGreaterThanOrEqual(0); // every general slot in use
    expect(sched.suspendFor(id, 50)).toBe(ErrorCode.Ok);
    expect([sched.isSuspended(id), sched.isRunnable(id), sched.armedTimerCount]).toEqual([true, false, 2]);
    expect(sched.nextDeadlineMs()).toBe(50);
    sched.turn(49);
    sched.turn(50);
    expect(log).toEqual(["t@50"]);
  });

  it("resume ends a suspension early; bad ids and delays are refused", () => {
    const sched = scheduler();
    const log: string[] = [];
    const id = task(sched, { step: recorder(log, "t") });
    sched.start();
    expect(sched.suspendFor(id, -1)).toBe(ErrorCode.InvalidArgument);
    expect(sched.suspendFor(id, Number.NaN)).toBe(ErrorCode.InvalidArgument);
    expect(sched.suspendFor(42, 1)).toBe(ErrorCode.NotFound);
    expect(sched.resume(id)).toBe(ErrorCode.WrongState);
    sched.suspendFor(id, 100);
    sched.turn(1);
    expect(sched.resume(id)).toBe(ErrorCode.Ok);
    expect(sched.armedTimerCount).toBe(0);
    sched.turn(2);
    expect(log).toEqual(["t@2"]);
  });
});

describe("CancelTokens and TimerTable on their own", () => {
  it("reject bad capacities with InvalidArgument", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 65_537]) expect(errorCode(CancelTokens.create(bad)), String(bad)).toBe(ErrorCode.InvalidArgument);
    for (const [capacity, reserved] of [[0, 0], [1, -1], [65_537, 0], [4, 4_097], [2.5, 1]] as const) {
      expect(errorCode(TimerTable.create(capacity, reserved)), `${capacity}/${reserved}`).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("a token keeps its first reason, and reset makes it live again", () => {
    const tokens = unwrap(CancelTokens.create(2));
    const id = tokens.allocate();
    expect(tokens.cancel(id, ErrorCode.Timeout)).toBe(ErrorCode.Ok);
    expect(tokens.cancel(id, ErrorCode.ShuttingDown)).toBe(ErrorCode.Cancelled);
    expect([tokens.reason(id), tokens.cancelledCount]).toEqual([ErrorCode.Timeout, 1]);
    expect(tokens.reset(id)).toBe(ErrorCode.Ok);
    expect([tokens.isCancelled(id), tokens.reason(id)]).toEqual([false, 0]);
    expect(tokens.reset(1)).toBe(ErrorCode.NotFound); // not allocated yet
  });

  it("a reserved timer slot is armed and replaced without taking a general slot", () => {
    const table = unwrap(TimerTable.create(1, 2));
    expect(table.arm(0, -1, 50, 0)).toBe(0);
    expect(table.armReserved(1, 1, 30)).toBe(ErrorCode.Ok);
    expect(table.armReserved(1, 1, 10)).toBe(ErrorCode.Ok); // replaces
    expect(table.armReserved(2, 1, 10)).toBe(ErrorCode.OutOfRange);
    expect([table.armedCount, table.inUseCount, table.peekDeadline()]).toEqual([2, 1, 10]);
    expect(table.fireNext(10)).toBe(2); // general capacity 1 + reserved index 1
    expect(table.checkInvariants()).toBe(ErrorCode.Ok);
  });
});
