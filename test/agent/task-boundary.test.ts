import { describe, expect, it } from "vitest";
import {
  backoffMs,
  classifyThrown,
  FaultClass,
  TaskBoundary,
  TaskBoundaryEvent,
  type BackoffPolicy,
  type TaskBoundaryOptions,
} from "../../agent/task-boundary";
import { ErrorCode } from "../../core/runtime/errors";
import { LogLevel, LogRecord, LogRing } from "../../core/runtime/log-ring";
import { MetricsRegistry } from "../../core/runtime/metrics";
import { Priority } from "../../core/runtime/priority";
import type { Result } from "../../core/runtime/result";
import { Scheduler, TaskState } from "../../core/runtime/scheduler";
import { StepResult, type TaskContext, type TaskStep } from "../../core/runtime/task-context";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

const POLICY: BackoffPolicy = { baseMs: 100, capMs: 1_000, maxRestarts: 6, windowMs: 60_000 };

interface Rig {
  readonly sched: Scheduler;
  readonly metrics: MetricsRegistry;
  readonly log: LogRing;
  readonly boundary: TaskBoundary;
}

function rig(policy: BackoffPolicy = POLICY): Rig {
  const sched = unwrap(Scheduler.create({ taskCapacity: 4, timerCapacity: 4, turnBudgetUnits: 100, shutdownTimeoutMs: 1_000 }));
  const metrics = unwrap(MetricsRegistry.create({ maxMetrics: 8, maxHistogramBuckets: 0 }));
  const log = unwrap(LogRing.create({ capacityRecords: 64, fieldCount: 4 }));
  const boundary = unwrap(TaskBoundary.create({ scheduler: sched, metrics, log, nodeId: 7, backoff: policy }));
  return { sched, metrics, log, boundary };
}

function register(r: Rig, step: TaskStep, priority: Priority = Priority.Control, onRestart?: (ctx: TaskContext) => void): number {
  const id = r.sched.registerTask({ priority, budgetUnits: 4, step: r.boundary.wrap(step, onRestart) });
  if (id < 0) throw new Error(`register failed: ${-id}`);
  return id;
}

/** A step that records when it ran and throws a TypeError. */
function thrower(times: number[]): TaskStep {
  return (ctx) => {
    times.push(ctx.nowMs);
    throw new TypeError("sensor bus fault");
  };
}

function runTurns(sched: Scheduler, untilMs: number, stepMs = 10): void {
  for (let t = sched.nowMs; t <= untilMs; t += stepMs) sched.turn(t);
}

function metric(r: Rig, name: string): number {
  for (let id = 0; id < r.metrics.size; id++) if (r.metrics.name(id) === name) return r.metrics.value(id);
  throw new Error(`no metric ${name}`);
}

function records(log: LogRing): LogRecord[] {
  const out: LogRecord[] = [];
  for (;;) {
    const record = new LogRecord();
    if (log.readNext(record) !== ErrorCode.Ok) return out;
    out.push(record);
  }
}

describe("TaskBoundary.create", () => {
  it("rejects a bad backoff policy or node id with InvalidArgument and registers no metric", () => {
    const bad: BackoffPolicy[] = [
      { ...POLICY, baseMs: 0 },
      { ...POLICY, baseMs: 1.5 },
      { ...POLICY, capMs: 50 }, // below base
      { ...POLICY, maxRestarts: -1 },
      { ...POLICY, maxRestarts: 65 },
      { ...POLICY, windowMs: 0 },
      { ...POLICY, windowMs: Number.NaN },
    ];
    const r = rig();
    const metrics = unwrap(MetricsRegistry.create({ maxMetrics: 8, maxHistogramBuckets: 0 }));
    const base: TaskBoundaryOptions = { scheduler: r.sched, metrics, log: r.log, nodeId: 1, backoff: POLICY };
    for (const backoff of bad) {
      const result = TaskBoundary.create({ ...base, backoff });
      expect(result.ok ? 0 : result.code, JSON.stringify(backoff)).toBe(ErrorCode.InvalidArgument);
    }
    const badNode = TaskBoundary.create({ ...base, nodeId: -1 });
    expect(badNode.ok ? 0 : badNode.code).toBe(ErrorCode.InvalidArgument);
    expect(metrics.size).toBe(2); // only the registry's own counters
  });

  it("refuses a second boundary on the same registry with Exists", () => {
    const r = rig();
    const second = TaskBoundary.create({ scheduler: r.sched, metrics: r.metrics, log: r.log, nodeId: 7, backoff: POLICY });
    expect(second.ok ? 0 : second.code).toBe(ErrorCode.Exists);
  });
});

describe("a boundary without a registry (the agent's)", () => {
  it("restarts and fails the task on the same schedule as with one, counting per task and logging", () => {
    const times = (withRegistry: boolean): { runs: number[]; faults: number; restarts: number; failed: boolean; logged: number } => {
      const sched = unwrap(Scheduler.create({ taskCapacity: 4, timerCapacity: 4, turnBudgetUnits: 100, shutdownTimeoutMs: 1_000 }));
      const log = unwrap(LogRing.create({ capacityRecords: 64, fieldCount: 4 }));
      const metrics = withRegistry ? unwrap(MetricsRegistry.create({ maxMetrics: 8, maxHistogramBuckets: 0 })) : undefined;
      const boundary = unwrap(TaskBoundary.create({ scheduler: sched, log, nodeId: 7, backoff: POLICY, ...(metrics === undefined ? {} : { metrics }) }));
      const runs: number[] = [];
      const id = sched.registerTask({ priority: Priority.Control, budgetUnits: 4, step: boundary.wrap(thrower(runs)) });
      sched.start();
      runTurns(sched, 10_000);
      return { runs, faults: boundary.faultCount(id), restarts: boundary.restartCount(id), failed: boundary.hasFailed(id), logged: records(log).length };
    };
    const without = times(false);
    expect(without).toEqual(times(true));
    expect(without).toEqual({ runs: [0, 100, 300, 700, 1_500, 2_500, 3_500], faults: 7, restarts: 6, failed: true, logged: 7 });
  });
});

describe("backoff", () => {
  it("doubles from baseMs up to capMs", () => {
    expect([0, 1, 2, 3, 4, 5, 40].map((n) => backoffMs(POLICY, n))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });
});

describe("a task that throws", () => {
  it("is restarted with the expected backoff schedule in virtual time", () => {
    const r = rig({ ...POLICY, maxRestarts: 64 });
    const times: number[] = [];
    const id = register(r, thrower(times));
    r.sched.start();
    runTurns(r.sched, 4_500);
    // Fault at 0, then restarts after 100, 200, 400, 800, 1000 (cap), 1000 ms.
    expect(times).toEqual([0, 100, 300, 700, 1_500, 2_500, 3_500, 4_500]);
    expect(r.boundary.faultCount(id)).toBe(8);
    expect(r.boundary.restartCount(id)).toBe(8);
    expect(r.sched.taskState(id)).toBe(TaskState.Idle);
    expect(r.sched.isSuspended(id)).toBe(true);
  });

  it("that keeps throwing ends Failed after maxRestarts in the window, all counted and logged", () => {
    const r = rig();
    const times: number[] = [];
    const id = register(r, thrower(times));
    r.sched.start();
    runTurns(r.sched, 10_000);
    expect(times).toEqual([0, 100, 300, 700, 1_500, 2_500, 3_500]);
    expect(r.sched.taskState(id)).toBe(TaskState.Failed);
    expect(r.boundary.hasFailed(id)).toBe(true);
    expect(r.sched.armedTimerCount).toBe(0);
    expect([metric(r, "picket_task_faults_total"), metric(r, "picket_task_restarts_total"), metric(r, "picket_task_failed_total")]).toEqual([7, 6, 1]);
    const logged = records(r.log);
    expect(logged.map((rec) => rec.eventCode)).toEqual([...new Array<number>(6).fill(TaskBoundaryEvent.TaskRestartScheduled), TaskBoundaryEvent.TaskFailed]);
    const first = logged[0];
    expect([first?.level, first?.nodeId, first?.timeMs, ...(first?.fields ?? [])]).toEqual([LogLevel.Warn, 7, 0, id, FaultClass.TypeError, 0, 100]);
    const last = logged[6];
    expect([last?.level, last?.timeMs, ...(last?.fields ?? [])]).toEqual([LogLevel.Error, 3_500, id, FaultClass.TypeError, 6, 7]);
  });

  it("does not stop other tasks from running meanwhile", () => {
    const r = rig();
    const healthyTurns: number[] = [];
    register(r, thrower([]), Priority.RadioReceive);
    const healthy = register(r, (ctx) => (healthyTurns.push(ctx.turn), StepResult.Ready), Priority.Background);
    r.sched.start();
    runTurns(r.sched, 5_000);
    expect(r.sched.taskStepCount(healthy)).toBe(r.sched.turnCount);
    expect(healthyTurns).toHaveLength(501);
  });

  it("starts a fresh window, and backoff from baseMs, when faults are further apart than windowMs", () => {
    const r = rig({ baseMs: 100, capMs: 1_000, maxRestarts: 1, windowMs: 1_000 });
    const times: number[] = [];
    let calls = 0;
    const id = register(r, (ctx) => {
      times.push(ctx.nowMs);
      calls++;
      if (calls % 2 === 1) throw new RangeError("bad");
      r.sched.arm(ctx.taskId, 2_000); // come back later and fault again
      return StepResult.Idle;
    });
    r.sched.start();
    runTurns(r.sched, 8_500);
    expect(times).toEqual([0, 100, 2_100, 2_200, 4_200, 4_300, 6_300, 6_400, 8_400, 8_500]);
    expect(r.sched.taskState(id)).not.toBe(TaskState.Failed);
    expect(r.boundary.restartCount(id)).toBe(5);
  });

  it("runs onRestart inside the boundary before the first step after a restart, not before the first step", () => {
    const r = rig();
    const events: string[] = [];
    let failNext = true;
    register(
      r,
      (ctx) => {
        events.push(`step@${ctx.nowMs}`);
        if (failNext) {
          failNext = false;
          throw new Error("once");
        }
        return StepResult.Idle;
      },
      Priority.Control,
      (ctx) => events.push(`restart@${ctx.nowMs}`),
    );
    r.sched.start();
    runTurns(r.sched, 300);
    expect(events).toEqual(["step@0", "restart@100", "step@100"]);
  });

  it("treats a throw in onRestart as another fault", () => {
    const r = rig({ ...POLICY, maxRestarts: 2 });
    const id = register(r, thrower([]), Priority.Control, () => {
      throw new Error("restart failed");
    });
    r.sched.start();
    runTurns(r.sched, 2_000);
    expect(r.boundary.faultCount(id)).toBe(3);
    expect(r.sched.taskState(id)).toBe(TaskState.Failed);
  });
});

describe("classifyThrown", () => {
  it("maps a thrown value to a number without reading its message", () => {
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const cases: [unknown, FaultClass][] = [
      ["text", FaultClass.NotAnError],
      [42, FaultClass.NotAnError],
      [undefined, FaultClass.NotAnError],
      [null, FaultClass.NotAnError],
      [new Error("x"), FaultClass.Error],
      [new TypeError("x"), FaultClass.TypeError],
      [new RangeError("x"), FaultClass.RangeError],
      [new ReferenceError("x"), FaultClass.ReferenceError],
      [new SyntaxError("x"), FaultClass.SyntaxError],
      [{ message: "looks like an error" }, FaultClass.OtherObject],
      [revocable.proxy, FaultClass.Unclassifiable],
    ];
    for (const [thrown, expected] of cases) expect(classifyThrown(thrown)).toBe(expected);
  });
});

describe("TaskBoundary.wrapDispatcher", () => {
  it("one wrapped step serves several tasks: each is dispatched by its id, and a throw faults only the task that threw", () => {
    const r = rig();
    const seen: number[] = [];
    const dispatcher = {
      dispatch(ctx: TaskContext): StepResult {
        seen.push(ctx.taskId);
        if (ctx.taskId === 1) throw new RangeError("bad reading");
        return StepResult.Done;
      },
    };
    const step = r.boundary.wrapDispatcher(dispatcher);
    const ids = [0, 1, 2].map(() => r.sched.registerTask({ priority: Priority.Control, budgetUnits: 4, step }));
    expect(ids).toEqual([0, 1, 2]);
    expect(r.boundary.wrappedCount).toBe(1);
    expect(r.sched.start()).toBe(ErrorCode.Ok);
    r.sched.turn(0);
    expect(seen).toEqual([0, 1, 2]);
    expect([r.boundary.faultCount(0), r.boundary.faultCount(1), r.boundary.faultCount(2)]).toEqual([0, 1, 0]);
    expect([r.sched.taskState(0), r.sched.taskState(2)]).toEqual([TaskState.Done, TaskState.Done]);
    expect(r.sched.isSuspended(1)).toBe(true);
    expect(metric(r, "picket_task_faults_total")).toBe(1);
  });
});
