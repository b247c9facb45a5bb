import { describe, expect, it } from "vitest";
import { Pool } from "../../../core/collections/pool";
import { BoundedQueue, QueuePolicy, type BoundedQueueOptions, type QueueWaker } from "../../../core/runtime/bounded-queue";
import { ErrorCode } from "../../../core/runtime/errors";
import { Priority } from "../../../core/runtime/priority";
import { Outcome, type Result, type Status } from "../../../core/runtime/result";
import { Scheduler } from "../../../core/runtime/scheduler";
import { StepResult } from "../../../core/runtime/task-context";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

function queue(capacity: number, policy: QueuePolicy): BoundedQueue {
  return unwrap(BoundedQueue.create({ capacity, policy }));
}

function drain(q: BoundedQueue): number[] {
  const out = new Outcome<number>(0);
  const items: number[] = [];
  while (q.pop(out) === ErrorCode.Ok) items.push(out.value);
  return items;
}

function counts(q: BoundedQueue): readonly number[] {
  return [q.pushedCount, q.poppedCount, q.droppedCount, q.refusedCount, q.length];
}

describe("BoundedQueue.create", () => {
  it("rejects a bad capacity or policy with InvalidArgument", () => {
    const bad: BoundedQueueOptions[] = [
      { capacity: 0, policy: QueuePolicy.RefuseNewest },
      { capacity: 2.5, policy: QueuePolicy.RefuseNewest },
      { capacity: Number.NaN, policy: QueuePolicy.DropOldest },
      { capacity: 2 ** 21, policy: QueuePolicy.DropOldest },
      { capacity: 4, policy: 3 as QueuePolicy },
      { capacity: 4, policy: -1 as QueuePolicy },
    ];
    for (const options of bad) {
      const result = BoundedQueue.create(options);
      expect(result.ok ? ErrorCode.Ok : result.code, JSON.stringify(options)).toBe(ErrorCode.InvalidArgument);
    }
  });
});

describe("full policies", () => {
  it("keeps FIFO order", () => {
    const q = queue(4, QueuePolicy.RefuseNewest);
    for (const v of [3, 1, 4]) q.push(v);
    expect(drain(q)).toEqual([3, 1, 4]);
    expect(q.pop(new Outcome(0))).toBe(ErrorCode.Empty);
  });

  it("RefuseNewest refuses with Full, keeps the stored items, counts it and raises backpressure", () => {
    const q = queue(2, QueuePolicy.RefuseNewest);
    q.push(1);
    q.push(2);
    expect(q.backpressure).toBe(false);
    expect(q.push(3)).toBe(ErrorCode.Full);
    expect(q.takeBackpressure()).toBe(true);
    expect(q.takeBackpressure()).toBe(false);
    expect(drain(q)).toEqual([1, 2]);
    expect(counts(q)).toEqual([3, 2, 0, 1, 0]);
  });

  it("DropOldest stores the newest and counts every dropped item", () => {
    const q = queue(2, QueuePolicy.DropOldest);
    for (const v of [1, 2, 3, 4]) expect(q.push(v)).toBe(ErrorCode.Ok);
    expect(drain(q)).toEqual([3, 4]);
    expect(counts(q)).toEqual([4, 2, 2, 0, 0]);
    expect(q.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("carries Pool slot indices in a Uint16Array queue", () => {
    const frames = unwrap(Pool.create(3, () => new Uint8Array(16)));
    const q = unwrap(BoundedQueue.create({ capacity: 3, policy: QueuePolicy.RefuseNewest, arrayType: Uint16Array }));
    const slot = frames.acquire();
    expect(q.push(slot)).toBe(ErrorCode.Ok);
    expect(drain(q)).toEqual([slot]);
  });
});

describe("BlockProducer", () => {
  /** Producer pushes 0, 1, 2, ... one per step, keeping an item it could not push; consumer pops one per step. */
  function pipeline(consumerEvery: number) {
    const sched = unwrap(Scheduler.create({ taskCapacity: 4, timerCapacity: 4, turnBudgetUnits: 100, shutdownTimeoutMs: 1_000 }));
    const q = queue(2, QueuePolicy.BlockProducer);
    const produced: number[] = [];
    const consumed: number[] = [];
    const out = new Outcome<number>(0);
    let next = 0;
    const producer = sched.registerTask({
      priority: Priority.Sampling,
      budgetUnits: 1,
      step: () => {
        if (!q.waitForRoom()) return StepResult.Idle; // blocked; woken when there is room
        q.push(next);
        produced.push(next++);
        return StepResult.Ready;
      },
    });
    const consumer = sched.registerTask({
      priority: Priority.Control,
      budgetUnits: 1,
      startReady: false,
      step: (ctx) => {
        if (ctx.turn % consumerEvery === 0 && q.pop(out) === ErrorCode.Ok) consumed.push(out.value);
        return q.length > 0 ? StepResult.Ready : StepResult.Idle;
      },
    });
    sched.attachQueue(q, { producerTaskId: producer, consumerTaskId: consumer });
    sched.start();
    return { sched, q, produced, consumed, producer };
  }

  it("blocks the producer while the queue is full and wakes it when the consumer makes room; nothing is lost", () => {
    const { sched, q, produced, consumed, producer } = pipeline(3);
    for (let t = 1; t <= 30; t++) sched.turn(t);
    expect(q.blockedCount).toBeGreaterThan(0);
    expect(q.refusedCount).toBe(0); // waitForRoom kept every item with the producer
    expect(consumed).toEqual(produced.slice(0, consumed.length));
    expect(produced.length).toBe(consumed.length + q.length);
    expect(sched.taskStepCount(producer)).toBeLessThan(30); // skipped turns while blocked
    expect(q.checkInvariants()).toBe(ErrorCode.Ok);
    expect(sched.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("a push into a full BlockProducer queue is refused with Full, counted, and blocks the producer", () => {
    const { sched, q, producer } = pipeline(1_000);
    sched.turn(1);
    sched.turn(2);
    expect(q.length).toBe(2);
    expect(q.push(99)).toBe(ErrorCode.Full);
    expect([q.refusedCount, q.producerBlocked, sched.isBlocked(producer), sched.isRunnable(producer)]).toEqual([1, true, true, false]);
    expect(q.close(ErrorCode.ShuttingDown)).toBe(ErrorCode.Ok);
    expect(sched.isBlocked(producer)).toBe(false);
    expect(q.push(99)).toBe(ErrorCode.ShuttingDown);
    expect(q.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

describe("close, discard, bind", () => {
  it("refuses pushes after close with the close code but still lets consumers drain", () => {
    const q = queue(4, QueuePolicy.DropOldest);
    q.push(1);
    expect(q.close(ErrorCode.Full)).toBe(ErrorCode.InvalidArgument);
    expect(q.closedCode).toBe(ErrorCode.Ok);
    q.close(ErrorCode.ShuttingDown);
    expect(q.push(2)).toBe(ErrorCode.ShuttingDown);
    expect(drain(q)).toEqual([1]);
    expect(counts(q)).toEqual([2, 1, 0, 1, 0]);
  });

  it("counts discarded items as dropped", () => {
    const q = queue(4, QueuePolicy.RefuseNewest);
    q.push(1);
    q.push(2);
    expect(q.discardAll()).toBe(2);
    expect(counts(q)).toEqual([2, 0, 2, 0, 0]);
    expect(q.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("binds once, wakes the consumer on every stored push, and refuses a second bind with WrongState", () => {
    const woken: number[] = [];
    const waker: QueueWaker = {
      wake: (id): Status => (woken.push(id), ErrorCode.Ok),
      blockProducer: (): Status => ErrorCode.Ok,
      unblockProducer: (): Status => ErrorCode.Ok,
    };
    const q = queue(1, QueuePolicy.RefuseNewest);
    expect(q.bind(waker, 0, 5)).toBe(ErrorCode.Ok);
    expect(q.bind(waker, 0, 6)).toBe(ErrorCode.WrongState);
    q.push(1);
    q.push(2); // refused: no wake
    expect(woken).toEqual([5]);
  });

  it("attachQueue refuses unknown task ids with NotFound and a second attach with WrongState", () => {
    const sched = unwrap(Scheduler.create({ taskCapacity: 2, timerCapacity: 1, turnBudgetUnits: 1, shutdownTimeoutMs: 1, queueCapacity: 2 }));
    const q = queue(1, QueuePolicy.RefuseNewest);
    expect(sched.attachQueue(q, { consumerTaskId: 3 })).toBe(ErrorCode.NotFound);
    expect(sched.attachQueue(q, { producerTaskId: 0 })).toBe(ErrorCode.NotFound);
    expect(sched.attachQueue(q, {})).toBe(ErrorCode.Ok);
    expect(sched.attachQueue(q, {})).toBe(ErrorCode.WrongState);
    expect(sched.attachQueue(queue(1, QueuePolicy.DropOldest), {})).toBe(ErrorCode.Ok);
    expect(sched.attachQueue(queue(1, QueuePolicy.DropOldest), {})).toBe(ErrorCode.Full);
    expect(sched.attachedQueueCount).toBe(2);
  });
});
