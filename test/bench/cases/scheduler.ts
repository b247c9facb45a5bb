/**
 * Hot paths of the scheduler: a turn with ready tasks, timer arm + fire,
 * periodic fires, bounded queue traffic. `run` allocates nothing (the XS
 * harness expects 0 bytes/op): the advancing clock lives in a Float64Array
 * built by `setup`, task steps are closures made by `setup`.
 *
 * Each op of the timer cases is one whole `turn` (fire + wake + one step of
 * the woken task), so "computrons per timer fire" on XS includes the turn
 * around it; "idle turn" is the floor to subtract.
 */
import { BoundedQueue, QueuePolicy } from "../../../core/runtime/bounded-queue";
import { Priority } from "../../../core/runtime/priority";
import { Outcome, type Result } from "../../../core/runtime/result";
import { Scheduler } from "../../../core/runtime/scheduler";
import { StepResult, type TaskContext } from "../../../core/runtime/task-context";
import { benchCase, type BenchCase } from "./types";

const OPS = 1_000;
const GROUP = "scheduler";

// Setup failures are configuration bugs in this file; the harness reports the throw.
function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bench setup failed with code ${result.code}`);
  return result.value;
}

interface SchedState {
  readonly sched: Scheduler;
  readonly clockMs: Float64Array;
  /** Task id that the timer cases arm for. */
  readonly owner: number;
  /** Handle of the periodic timer (periodic case), else -1. */
  readonly timer: number;
}

const readyStep = (ctx: TaskContext): StepResult => {
  ctx.spend(1);
  return StepResult.Ready;
};

const idleStep = (ctx: TaskContext): StepResult => {
  ctx.spend(1);
  return StepResult.Idle;
};

function newScheduler(): Scheduler {
  return unwrap(Scheduler.create({ taskCapacity: 8, timerCapacity: 16, turnBudgetUnits: 64, shutdownTimeoutMs: 1_000 }));
}

const PRIORITIES: readonly Priority[] = Object.freeze([
  Priority.RadioReceive,
  Priority.Control,
  Priority.Control,
  Priority.Alerts,
  Priority.Sampling,
  Priority.Sampling,
  Priority.Background,
  Priority.Background,
]);

const turnEightReady: BenchCase<SchedState> = {
  group: GROUP,
  name: "scheduler turn with 8 ready tasks",
  opsPerRun: OPS,
  setup() {
    const sched = newScheduler();
    for (const priority of PRIORITIES) sched.registerTask({ priority, budgetUnits: 4, step: readyStep });
    sched.start();
    return { sched, clockMs: new Float64Array(1), owner: 0, timer: -1 };
  },
  run({ sched, clockMs }) {
    let nowMs = clockMs[0] ?? 0;
    let status = 0;
    for (let i = 0; i < OPS; i++) status |= sched.turn(nowMs++);
    clockMs[0] = nowMs;
    return sched.stepCount + status;
  },
};

/** One Idle task, started and settled: turns have nothing to do until a timer wakes it. */
function idleState(): SchedState {
  const sched = newScheduler();
  const owner = sched.registerTask({ priority: Priority.Sampling, budgetUnits: 4, step: idleStep, startReady: false });
  sched.start();
  return { sched, clockMs: new Float64Array(1), owner, timer: -1 };
}

const idleTurn: BenchCase<SchedState> = {
  group: GROUP,
  name: "idle turn (nothing due)",
  opsPerRun: OPS,
  setup: idleState,
  run({ sched, clockMs }) {
    let nowMs = clockMs[0] ?? 0;
    let status = 0;
    for (let i = 0; i < OPS; i++) status |= sched.turn(nowMs++);
    clockMs[0] = nowMs;
    return sched.turnCount + status;
  },
};

const oneShotArmFire: BenchCase<SchedState> = {
  group: GROUP,
  name: "timer arm + fire (one-shot), one turn per fire",
  opsPerRun: OPS,
  setup: idleState,
  run({ sched, clockMs, owner }) {
    let nowMs = clockMs[0] ?? 0;
    let handles = 0;
    for (let i = 0; i < OPS; i++) {
      handles += sched.arm(owner, 1);
      nowMs++;
      sched.turn(nowMs);
    }
    clockMs[0] = nowMs;
    return sched.timerFiredCount + handles;
  },
};

const periodicFire: BenchCase<SchedState> = {
  group: GROUP,
  name: "periodic timer fire, one turn per fire",
  opsPerRun: OPS,
  setup() {
    const state = idleState();
    return { ...state, timer: state.sched.arm(state.owner, 1, 1) };
  },
  run({ sched, clockMs, timer }) {
    let nowMs = clockMs[0] ?? 0;
    let fires = 0;
    for (let i = 0; i < OPS; i++) {
      nowMs++;
      sched.turn(nowMs);
      fires += sched.takeFires(timer);
    }
    clockMs[0] = nowMs;
    return fires;
  },
};

interface QueueState {
  readonly queue: BoundedQueue;
  readonly out: Outcome<number>;
}

const queuePushPop: BenchCase<QueueState> = {
  group: GROUP,
  name: "bounded queue push+pop",
  opsPerRun: OPS,
  setup() {
    return { queue: unwrap(BoundedQueue.create({ capacity: 64, policy: QueuePolicy.RefuseNewest, arrayType: Uint16Array })), out: new Outcome(0) };
  },
  run({ queue, out }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      queue.push(i & 0xffff);
      queue.pop(out);
      checksum += out.value;
    }
    return checksum;
  },
};

export const schedulerCases: readonly BenchCase[] = Object.freeze([
  benchCase(turnEightReady),
  benchCase(idleTurn),
  benchCase(oneShotArmFire),
  benchCase(periodicFire),
  benchCase(queuePushPop),
]);
