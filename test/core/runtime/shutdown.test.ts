import { describe, expect, it } from "vitest";
import { BoundedQueue, QueuePolicy } from "../../../core/runtime/bounded-queue";
import { ErrorCode } from "../../../core/runtime/errors";
import { Priority } from "../../../core/runtime/priority";
import { Outcome, type Result } from "../../../core/runtime/result";
import { INTAKE_TOKEN, Scheduler, TaskState, type SchedulerOptions } from "../../../core/runtime/scheduler";
import { ForcedBy, ShutdownMachine, ShutdownPhase, ShutdownRequest } from "../../../core/runtime/shutdown";
import { StepResult, type TaskStep } from "../../../core/runtime/task-context";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

const bit = (phase: ShutdownPhase): number => 1 << phase;
const HOOK_PHASES = bit(ShutdownPhase.StoppingIntake) | bit(ShutdownPhase.Draining) | bit(ShutdownPhase.Flushing) | bit(ShutdownPhase.Leaving);

describe("ShutdownMachine", () => {
  it("rejects a timeout outside 1..2^31-1 ms with InvalidArgument", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      const result = ShutdownMachine.create(bad);
      expect(result.ok ? ErrorCode.Ok : result.code).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("walks the phases in order and records each as completed", () => {
    const machine = unwrap(ShutdownMachine.create(500));
    expect(machine.request(100)).toBe(ShutdownRequest.Started);
    expect([machine.phase, machine.requestedAtMs, machine.deadlineMs]).toEqual([ShutdownPhase.StoppingIntake, 100, 600]);
    const seen: number[] = [machine.phase];
    while (!machine.stopped) seen.push(machine.completePhase());
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect([machine.forcedBy, machine.skippedPhasesMask, machine.completedPhasesMask]).toEqual([ForcedBy.NotForced, 0, 0b111110]);
  });

  it("forces Stopped on a second request and records the phases it skipped", () => {
    const machine = unwrap(ShutdownMachine.create(500));
    machine.request(0);
    machine.completePhase(); // StoppingIntake done
    expect(machine.request(10)).toBe(ShutdownRequest.Forced);
    expect(machine.phase).toBe(ShutdownPhase.Stopped);
    expect(machine.forcedBy).toBe(ForcedBy.SecondRequest);
    expect(machine.skippedPhasesMask).toBe(bit(ShutdownPhase.Draining) | bit(ShutdownPhase.Flushing) | bit(ShutdownPhase.Leaving));
    expect(machine.request(20)).toBe(ShutdownRequest.AlreadyStopped);
    expect(machine.requestCount).toBe(3);
  });

  it("reaches the deadline exactly at request time + timeout", () => {
    const machine = unwrap(ShutdownMachine.create(500));
    expect(machine.deadlineReached(10_000)).toBe(false); // not requested
    machine.request(100);
    expect([machine.deadlineReached(599), machine.deadlineReached(600)]).toEqual([false, true]);
  });
});

interface Site {
  readonly sched: Scheduler;
  readonly log: string[];
  readonly queue: BoundedQueue;
  readonly intake: BoundedQueue;
  readonly sampler: number;
  readonly samplerTimer: number;
  readonly consumer: number;
  readonly flush: number;
  readonly leave: number;
}

/**
 * A small agent: a sampler on a periodic timer bound to the intake token,
 * pushing into an intake queue; a consumer moving items to a stage queue and
 * draining it slowly (one item per turn); a flush hook and a leave hook that
 * take `hookTurns` steps each.
 */
function site(options: { hookTurns?: number; flushStep?: TaskStep; timeoutMs?: number } = {}): Site {
  const config: SchedulerOptions = { taskCapacity: 8, timerCapacity: 8, turnBudgetUnits: 100, shutdownTimeoutMs: options.timeoutMs ?? 1_000 };
  const sched = unwrap(Scheduler.create(config));
  const log: string[] = [];
  const intake = unwrap(BoundedQueue.create({ capacity: 4, policy: QueuePolicy.RefuseNewest }));
  const queue = unwrap(BoundedQueue.create({ capacity: 4, policy: QueuePolicy.DropOldest }));
  const out = new Outcome<number>(0);
  let value = 0;
  const sampler = sched.registerTask({
    priority: Priority.Sampling,
    budgetUnits: 4,
    tokenId: INTAKE_TOKEN,
    startReady: false,
    step: () => {
      intake.push(value++);
      return StepResult.Idle;
    },
  });
  const consumer = sched.registerTask({
    priority: Priority.Control,
    budgetUnits: 4,
    step: () => {
      while (intake.pop(out) === ErrorCode.Ok) queue.push(out.value);
      if (queue.pop(out) === ErrorCode.Ok) log.push(`consumed ${out.value}`);
      return queue.length > 0 || intake.length > 0 ? StepResult.Ready : StepResult.Idle;
    },
  });
  const hookTurns = options.hookTurns ?? 1;
  const hook = (name: string): TaskStep => {
    let steps = 0;
    return (ctx) => {
      log.push(`${name}@${ctx.nowMs}`);
      steps++;
      return steps >= hookTurns ? StepResult.Done : StepResult.Ready;
    };
  };
  const flush = sched.registerTask({ priority: Priority.Control, budgetUnits: 4, shutdownPhase: ShutdownPhase.Flushing, step: options.flushStep ?? hook("flush") });
  const leave = sched.registerTask({ priority: Priority.Control, budgetUnits: 4, shutdownPhase: ShutdownPhase.Leaving, step: hook("leave") });
  sched.attachQueue(intake, { producerTaskId: sampler, consumerTaskId: consumer, intake: true });
  sched.attachQueue(queue, { consumerTaskId: consumer });
  sched.start();
  const samplerTimer = sched.arm(sampler, 10, 10, INTAKE_TOKEN);
  return { sched, log, queue, intake, sampler, samplerTimer, consumer, flush, leave };
}

/** Turns every 10 ms until `until` returns true or `maxTurns` pass; returns the time reached. */
function runUntil(s: Site, fromMs: number, until: () => boolean, maxTurns = 200): number {
  let nowMs = fromMs;
  for (let i = 0; i < maxTurns && !until(); i++) {
    nowMs += 10;
    s.sched.turn(nowMs);
  }
  return nowMs;
}

function expectStoppedInvariants(s: Site): void {
  const { sched } = s;
  expect(sched.phase).toBe(ShutdownPhase.Stopped);
  expect(sched.armedTimerCount).toBe(0);
  expect(sched.nextDeadlineMs()).toBe(Number.POSITIVE_INFINITY);
  const steps = sched.stepCount;
  const turns = sched.turnCount;
  expect(sched.turn(sched.nowMs + 1_000)).toBe(ErrorCode.Stopped);
  expect([sched.stepCount, sched.turnCount]).toEqual([steps, turns]);
  expect(s.intake.push(1)).toBe(ErrorCode.Stopped);
  expect(s.queue.push(1)).toBe(ErrorCode.Stopped);
  expect(sched.arm(s.consumer, 1)).toBe(-ErrorCode.Stopped);
  expect(sched.wake(s.consumer)).toBe(ErrorCode.Stopped);
  expect(sched.requestShutdown()).toBe(ErrorCode.Stopped);
  for (const queue of [s.intake, s.queue]) expect(queue.checkInvariants()).toBe(ErrorCode.Ok);
  expect(sched.checkInvariants()).toBe(ErrorCode.Ok);
}

describe("graceful shutdown", () => {
  it("stops intake, drains the queues, flushes, leaves, stops timers, in that order", () => {
    const s = site();
    let nowMs = runUntil(s, 0, () => s.sched.nowMs >= 100);
    s.intake.push(1000);
    s.intake.push(1001);
    expect(s.sched.requestShutdown()).toBe(ErrorCode.Ok);
    expect(s.sched.phase).toBe(ShutdownPhase.StoppingIntake + 1); // no StoppingIntake hooks: straight to Draining
    // Intake stopped: the sampler (bound to the intake token) ended, its timer disarmed, intake refuses.
    expect([s.sched.taskState(s.sampler), s.sched.isArmed(s.samplerTimer)]).toEqual([TaskState.Cancelled, false]);
    expect(s.intake.push(7)).toBe(ErrorCode.ShuttingDown);
    expect(s.sched.taskState(s.flush)).toBe(TaskState.Dormant);
    nowMs = runUntil(s, nowMs, () => s.sched.phase === ShutdownPhase.Stopped);
    expect(s.sched.shutdown.forcedBy).toBe(ForcedBy.NotForced);
    expect(s.sched.shutdown.skippedPhasesMask).toBe(0);
    const flushAt = s.log.findIndex((e) => e.startsWith("flush"));
    const leaveAt = s.log.findIndex((e) => e.startsWith("leave"));
    const lastConsumed = s.log.map((e) => e.startsWith("consumed")).lastIndexOf(true);
    expect(s.log.slice(lastConsumed - 1, lastConsumed + 1)).toEqual(["consumed 1000", "consumed 1001"]);
    expect(lastConsumed).toBeLessThan(flushAt);
    expect(flushAt).toBeLessThan(leaveAt);
    expect(s.sched.queueItemsDiscardedCount).toBe(0);
    expect(nowMs).toBeLessThan(s.sched.shutdown.deadlineMs);
    expectStoppedInvariants(s);
  });

  it("keeps a phase open until its hook is done: a 3-step flush takes 3 turns", () => {
    const s = site({ hookTurns: 3 });
    s.sched.turn(0);
    s.sched.requestShutdown();
    runUntil(s, 0, () => s.sched.phase === ShutdownPhase.Stopped);
    expect(s.log.filter((e) => e.startsWith("flush"))).toEqual(["flush@10", "flush@20", "flush@30"]);
    expect(s.log.filter((e) => e.startsWith("leave"))).toEqual(["leave@40", "leave@50", "leave@60"]);
    expectStoppedInvariants(s);
  });

  it("counts a hook that ends Failed and moves on", () => {
    const s = site({ flushStep: () => StepResult.Failed });
    s.sched.turn(0);
    s.sched.requestShutdown();
    runUntil(s, 0, () => s.sched.phase === ShutdownPhase.Stopped);
    expect(s.sched.hooksFailedCount).toBe(1);
    expect(s.sched.shutdown.completedPhasesMask & bit(ShutdownPhase.Leaving)).not.toBe(0);
    expectStoppedInvariants(s);
  });
});

describe("forced shutdown", () => {
  it("stops at once on a second request and records the skipped phases", () => {
    const s = site({ hookTurns: 1_000 });
    s.sched.turn(0);
    s.sched.requestShutdown();
    runUntil(s, 0, () => s.sched.phase === ShutdownPhase.Flushing);
    s.sched.turn(100);
    expect(s.sched.requestShutdown()).toBe(ErrorCode.Ok);
    expect(s.sched.shutdown.forcedBy).toBe(ForcedBy.SecondRequest);
    expect(s.sched.shutdown.skippedPhasesMask).toBe(bit(ShutdownPhase.Flushing) | bit(ShutdownPhase.Leaving));
    expect(s.log.some((e) => e.startsWith("leave"))).toBe(false);
    expectStoppedInvariants(s);
  });

  it("stops at the deadline when a hook never finishes, even with timers armed", () => {
    const s = site({ hookTurns: 1_000, timeoutMs: 95 });
    s.sched.turn(5);
    s.sched.requestShutdown();
    const flushTimer = s.sched.arm(s.consumer, 10_000, 10_000);
    expect(s.sched.nextDeadlineMs()).toBe(5); // the woken flush hook is runnable
    const stoppedAt = runUntil(s, 5, () => s.sched.phase === ShutdownPhase.Stopped);
    expect(stoppedAt).toBe(105); // the first turn at or after 5 + 95 ms
    expect(s.sched.shutdown.forcedBy).toBe(ForcedBy.Deadline);
    expect(s.sched.isArmed(flushTimer)).toBe(false);
    expect(s.sched.shutdown.skippedPhasesMask).toBe(bit(ShutdownPhase.Flushing) | bit(ShutdownPhase.Leaving));
    expectStoppedInvariants(s);
  });

  it("discards queue items left at a forced stop, counted as dropped", () => {
    const s = site();
    s.sched.turn(0);
    s.sched.requestShutdown();
    s.queue.push(1);
    s.queue.push(2);
    s.sched.requestShutdown();
    expect(s.sched.queueItemsDiscardedCount).toBe(2);
    expect(s.queue.droppedCount).toBe(2);
    expect(s.queue.length).toBe(0);
    expectStoppedInvariants(s);
  });

  it("a second request from inside a step stops the scheduler before any further step runs", () => {
    const sched = unwrap(Scheduler.create({ taskCapacity: 4, timerCapacity: 2, turnBudgetUnits: 100, shutdownTimeoutMs: 1_000 }));
    const log: string[] = [];
    sched.registerTask({
      priority: Priority.RadioReceive,
      budgetUnits: 1,
      step: () => (log.push("first"), sched.requestShutdown(), sched.requestShutdown(), StepResult.Ready),
    });
    sched.registerTask({ priority: Priority.Background, budgetUnits: 1, step: () => (log.push("second"), StepResult.Ready) });
    sched.start();
    expect(sched.turn(0)).toBe(ErrorCode.Stopped);
    expect(log).toEqual(["first"]);
    expect(sched.armedTimerCount).toBe(0);
  });

  it("before start, a request goes straight to Stopped with every phase skipped", () => {
    const sched = unwrap(Scheduler.create({ taskCapacity: 2, timerCapacity: 2, turnBudgetUnits: 10, shutdownTimeoutMs: 10 }));
    const id = sched.registerTask({ priority: Priority.Control, budgetUnits: 1, step: () => StepResult.Ready });
    sched.arm(id, 5);
    expect(sched.requestShutdown()).toBe(ErrorCode.Ok);
    expect([sched.phase, sched.armedTimerCount, sched.shutdown.forcedBy, sched.shutdown.skippedPhasesMask]).toEqual([
      ShutdownPhase.Stopped,
      0,
      ForcedBy.NotStarted,
      HOOK_PHASES,
    ]);
    expect(sched.start()).toBe(ErrorCode.Stopped);
    expect(sched.registerTask({ priority: Priority.Control, budgetUnits: 1, step: () => StepResult.Ready })).toBe(-ErrorCode.Stopped);
    expect(sched.turn(1)).toBe(ErrorCode.Stopped);
  });
});
