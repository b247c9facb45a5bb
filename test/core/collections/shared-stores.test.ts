/**
 * Tables that keep all their numbers in one backing store (one typed array
 * with a per-entry stride, or one ArrayBuffer behind a few views): entries of
 * different slots never overlap, the regions of one store (counters, entries,
 * rings, flags) never overlap, and capacity is still honoured exactly.
 */
import { describe, expect, it } from "vitest";
import { FixedMap } from "../../../core/collections/fixed-map";
import { SlotIndex } from "../../../core/collections/slot-index";
import { MinHeap } from "../../../core/collections/min-heap";
import { Pool } from "../../../core/collections/pool";
import { CancelTokens } from "../../../core/runtime/cancel";
import { ErrorCode } from "../../../core/runtime/errors";
import { LogRecord, LogRing } from "../../../core/runtime/log-ring";
import { MetricsRegistry, type MetricId } from "../../../core/runtime/metrics";
import { Priority } from "../../../core/runtime/priority";
import { RateLimiter } from "../../../core/runtime/rate-limit";
import type { Result } from "../../../core/runtime/result";
import { Scheduler } from "../../../core/runtime/scheduler";
import { StepResult, type TaskContext } from "../../../core/runtime/task-context";
import { TimerTable } from "../../../core/runtime/timer-table";
import { TelemetryOutbox } from "../../../core/telemetry/outbox";
import { RecordKind, TelemetryRecord } from "../../../core/telemetry/record";
import { SampleHistory } from "../../../core/telemetry/sample-history";
import { OutcomeEffect, PendingAlerts, PendingState } from "../../../core/uplink/pending-alerts";
import { ALERT_MESSAGE_BYTES } from "../../../core/uplink/wire";

function reservedArmed(heap: MinHeap, capacity: number, total: number): number {
  let armed = 0;
  for (let id = capacity; id < total; id++) if (heap.contains(id)) armed++;
  return armed;
}

function errorCode<T>(result: Result<T>): number {
  return result.ok ? 0 : result.code;
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

describe("Scheduler: one ArrayBuffer for counters, tasks, queue flags and its timer table", () => {
  it("every timer armed and every task stepping at capacity keep the task table and the timer table apart", () => {
    const tasks = 5;
    const timerCapacity = 7;
    const sched = unwrap(Scheduler.create({ taskCapacity: tasks, timerCapacity, turnBudgetUnits: 1_000, shutdownTimeoutMs: 1_000, queueCapacity: 3 }));
    const steps = new Array<number>(tasks).fill(0);
    for (let t = 0; t < tasks; t++) {
      const step = (ctx: TaskContext): StepResult => {
        steps[t] = (steps[t] ?? 0) + 1;
        ctx.spend(t + 1);
        return StepResult.Idle;
      };
      expect(sched.registerTask({ priority: Priority.Background, budgetUnits: 10, step, startReady: false })).toBe(t);
    }
    const handles: number[] = [];
    for (let k = 0; k < timerCapacity; k++) handles.push(sched.arm(k % tasks, 1 + k, 2 ** 33 + k));
    expect(handles.every((h) => h >= 0)).toBe(true);
    expect(sched.arm(0, 1)).toBe(-ErrorCode.Full);
    for (let t = 0; t < tasks; t++) expect(sched.suspendFor(t, 3)).toBe(ErrorCode.Ok); // the reserved timers too
    expect(sched.start()).toBe(ErrorCode.Ok);
    for (let turn = 1; turn <= 10; turn++) sched.turn(turn);
    expect(sched.timerFiredCount).toBe(timerCapacity + tasks);
    // Resumed at 3 (the reserved timers), woken by their own timers at 1 + 2k: tasks 0 and 1 at 1 and 6, 2 and 7 (the first
    // while still suspended), task 2 at 3 (with the resume), tasks 3 and 4 at 4 and 5.
    expect(steps).toEqual([2, 2, 1, 2, 2]);
    for (let k = 0; k < timerCapacity; k++) expect(sched.timerDeadlineMs(handles[k] ?? -1)).toBe(1 + k + 2 ** 33 + k);
    for (let t = 0; t < tasks; t++) expect([sched.taskStepCount(t), sched.taskUnitsSpent(t), sched.taskPriority(t)]).toEqual([steps[t], (steps[t] ?? 0) * (t + 1), Priority.Background]);
    expect(sched.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("keeps every task's numbers apart and refuses the task past capacity", () => {
    const capacity = 6;
    const sched = unwrap(Scheduler.create({ taskCapacity: capacity, timerCapacity: 2, turnBudgetUnits: 1_000, shutdownTimeoutMs: 1_000 }));
    const priorities = [Priority.RadioReceive, Priority.Alerts, Priority.Control, Priority.Sampling, Priority.Background, Priority.Alerts];
    for (let t = 0; t < capacity; t++) {
      // Task t spends t + 1 units per step and stays ready for t + 1 steps.
      let left = t + 1;
      const step = (ctx: TaskContext): StepResult => {
        ctx.spend(t + 1);
        left--;
        return left > 0 ? StepResult.Ready : StepResult.Done;
      };
      expect(sched.registerTask({ priority: priorities[t] ?? Priority.Background, budgetUnits: 10 + t, step })).toBe(t);
    }
    expect(sched.registerTask({ priority: Priority.Background, budgetUnits: 1, step: () => StepResult.Done })).toBe(-ErrorCode.Full);
    expect(sched.start()).toBe(ErrorCode.Ok);
    for (let turn = 1; turn <= capacity + 1; turn++) sched.turn(turn);
    for (let t = 0; t < capacity; t++) {
      expect(sched.taskPriority(t), `task ${t}`).toBe(priorities[t]);
      expect(sched.taskStepCount(t), `task ${t}`).toBe(t + 1);
      expect(sched.taskUnitsSpent(t), `task ${t}`).toBe((t + 1) * (t + 1));
      expect(sched.taskOverrunCount(t), `task ${t}`).toBe(0);
      expect(sched.taskState(t), `task ${t}`).toBe(4); // Done
    }
    expect(sched.stepCount).toBe((capacity * (capacity + 1)) / 2);
    expect(sched.taskStepCount(capacity)).toBe(0);
    expect(sched.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

describe("CancelTokens in a caller's Int32Array (the scheduler's store)", () => {
  it("keeps every reason inside its region, up to 0xffff, and refuses a region that does not fit", () => {
    const i32 = new Int32Array(9).fill(-7);
    const tokens = unwrap(CancelTokens.create(4, { i32, i32Base: 3 }));
    for (let k = 0; k < 4; k++) expect(tokens.allocate()).toBe(k);
    expect(tokens.allocate()).toBe(-ErrorCode.Full);
    expect([tokens.cancel(0, 0xffff), tokens.cancel(3, 1), tokens.cancel(3, 2)]).toEqual([ErrorCode.Ok, ErrorCode.Ok, ErrorCode.Cancelled]);
    expect([0, 1, 2, 3].map((id) => tokens.reason(id))).toEqual([0xffff, 0, 0, 1]);
    expect([...i32]).toEqual([-7, -7, -7, 0xffff, 0, 0, 1, -7, -7]);
    expect(errorCode(CancelTokens.create(4, { i32, i32Base: 6 }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(CancelTokens.create(4, { i32, i32Base: -1 }))).toBe(ErrorCode.InvalidArgument);
    expect(tokens.capacity).toBe(4);
  });
});

describe("TimerTable: one ArrayBuffer (Float64 and Int32 views) holding slots, free ring and heap", () => {
  it("arms exactly `capacity` general timers, keeps owners of general and reserved slots apart, and refuses the next", () => {
    const capacity = 5;
    const reserved = 3;
    const timers = unwrap(TimerTable.create(capacity, reserved));
    const handles: number[] = [];
    for (let i = 0; i < capacity; i++) handles.push(timers.arm(100 + i, i, 1_000 + i, i));
    expect(handles.every((h) => h >= 0)).toBe(true);
    expect(timers.arm(999, -1, 5, 0)).toBe(-ErrorCode.Full);
    for (let r = 0; r < reserved; r++) expect(timers.armReserved(r, 200 + r, 10 + r)).toBe(ErrorCode.Ok);
    for (let i = 0; i < capacity; i++) {
      const handle = handles[i] ?? -1;
      expect(timers.deadlineOf(handle)).toBe(1_000 + i);
      expect(timers.ownerOf(handle % capacity)).toBe(100 + i);
    }
    for (let r = 0; r < reserved; r++) expect(timers.ownerOf(capacity + r)).toBe(200 + r);
    expect(timers.ownerOf(capacity + reserved)).toBe(-1);
    expect(timers.cancelBoundTo(2)).toBe(1);
    expect(timers.inUseCount).toBe(capacity - 1);
    expect(timers.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("deadlines and periods past 2^31 stay exact (Float64 beside the Int32 view), and the token bound to a timer is kept", () => {
    const timers = unwrap(TimerTable.create(2, 1));
    const farMs = 2 ** 40 + 3;
    const handle = timers.arm(1, 65_535, farMs, 2 ** 33);
    expect(timers.deadlineOf(handle)).toBe(farMs);
    expect(timers.fireNext(farMs)).toBe(handle % 2);
    expect(timers.deadlineOf(handle)).toBe(farMs + 2 ** 33);
    expect(timers.takeFires(handle)).toBe(1);
    expect(timers.cancelBoundTo(65_535)).toBe(1);
    expect(timers.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("in a caller's store it stays inside its region (numbers before and after untouched) and refuses a store too small", () => {
    const capacity = 3;
    const reserved = 2;
    const f64Count = TimerTable.f64Numbers(capacity, reserved);
    const i32Count = TimerTable.i32Numbers(capacity, reserved);
    const f64 = new Float64Array(f64Count + 10).fill(7.5);
    const i32 = new Int32Array(i32Count + 6).fill(-99);
    const store = { f64, f64Base: 4, i32, i32Base: 3 };
    const timers = unwrap(TimerTable.create(capacity, reserved, store));
    for (let i = 0; i < capacity; i++) expect(timers.arm(i, 9, 2 ** 40 + i, 5)).toBeGreaterThanOrEqual(0);
    for (let r = 0; r < reserved; r++) expect(timers.armReserved(r, 7, 1)).toBe(ErrorCode.Ok);
    for (let k = 0; k < 20; k++) timers.fireNext(2 ** 40 + k);
    expect(timers.cancelBoundTo(9)).toBe(capacity);
    expect(timers.checkInvariants()).toBe(ErrorCode.Ok);
    expect([...f64.subarray(0, 4), ...f64.subarray(4 + f64Count)]).toEqual(new Array<number>(10).fill(7.5));
    expect([...i32.subarray(0, 3), ...i32.subarray(3 + i32Count)]).toEqual(new Array<number>(6).fill(-99));
    expect(errorCode(TimerTable.create(capacity, reserved, { ...store, f64Base: 11 }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(TimerTable.create(capacity, reserved, { ...store, i32Base: 7 }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(TimerTable.create(capacity, reserved, { ...store, i32Base: -1 }))).toBe(ErrorCode.InvalidArgument);
  });

  it("fires due timers in the same order as the MinHeap it replaced (deadline, then arm order), over 4,000 seeded operations", () => {
    const capacity = 6;
    const reserved = 3;
    const total = capacity + reserved;
    const timers = unwrap(TimerTable.create(capacity, reserved));
    // The reference: the former layout, a MinHeap of timer ids by (deadline, push order), with periods kept beside it.
    const heap = unwrap(MinHeap.create(total, total));
    const periodOf = new Array<number>(total).fill(0);
    const handleOf = new Array<number>(capacity).fill(-1);
    let seed = 0x2545f491;
    const next = (bound: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % bound;
    };
    let nowMs = 0;
    let fires = 0;
    for (let op = 0; op < 4_000; op++) {
      const what = next(6);
      if (what === 0) {
        const period = next(3) === 0 ? 0 : 1 + next(5);
        const deadline = nowMs + next(4); // small delays: equal deadlines are common
        const handle = timers.arm(0, -1, deadline, period);
        if (handle < 0) {
          expect(handle).toBe(-ErrorCode.Full);
          expect(heap.size - reservedArmed(heap, capacity, total)).toBe(capacity);
          continue;
        }
        const slot = handle % capacity;
        handleOf[slot] = handle;
        periodOf[slot] = period;
        expect(heap.push(deadline, slot)).toBe(ErrorCode.Ok);
      } else if (what === 1) {
        const slot = next(capacity);
        const status = timers.cancel(handleOf[slot] ?? -1);
        expect(status).toBe(heap.contains(slot) ? ErrorCode.Ok : ErrorCode.NotFound);
        heap.remove(slot);
      } else if (what === 2) {
        const slot = next(capacity);
        const deadline = nowMs + next(4);
        const status = timers.rearm(handleOf[slot] ?? -1, deadline);
        expect(status).toBe(heap.contains(slot) ? ErrorCode.Ok : ErrorCode.NotFound);
        if (status === ErrorCode.Ok) {
          heap.remove(slot);
          heap.push(deadline, slot);
        }
      } else if (what === 3) {
        const index = next(reserved);
        const deadline = nowMs + next(4);
        expect(timers.armReserved(index, 0, deadline)).toBe(ErrorCode.Ok);
        heap.remove(capacity + index);
        heap.push(deadline, capacity + index);
      } else {
        nowMs += next(3);
        // Fire everything due, one by one, and compare each fired id with the reference's.
        for (let k = 0; k < 4 * total; k++) {
          const fired = timers.fireNext(nowMs);
          const dueMs = heap.peekDeadline();
          if (!(dueMs <= nowMs)) {
            expect(fired).toBe(-ErrorCode.Empty);
            break;
          }
          const expected = heap.pop();
          expect(fired).toBe(expected);
          fires++;
          const period = periodOf[expected] ?? 0;
          if (expected < capacity && period > 0) heap.push(dueMs + period, expected);
        }
      }
      expect(timers.armedCount).toBe(heap.size);
      expect(timers.peekDeadline()).toBe(heap.peekDeadline());
    }
    expect(fires).toBeGreaterThan(1_000);
    expect(timers.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("a heap full to capacity with the highest ids keeps entries and positions apart", () => {
    const heap = unwrap(MinHeap.create(4, 9));
    for (const [deadline, id] of [[40, 8], [10, 7], [30, 6], [20, 5]] as const) expect(heap.push(deadline, id)).toBe(ErrorCode.Ok);
    expect(heap.push(1, 0)).toBe(ErrorCode.Full);
    expect([5, 6, 7, 8].map((id) => heap.deadlineOf(id))).toEqual([20, 30, 10, 40]);
    expect(heap.contains(0)).toBe(false);
    expect([heap.pop(), heap.pop(), heap.pop(), heap.pop()]).toEqual([7, 5, 6, 8]);
    expect(heap.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

describe("FixedMap, SlotIndex and Pool: one ArrayBuffer behind their views", () => {
  it("a slot index at capacity with extreme keys and the largest slots reads every entry back", () => {
    const capacity = 5;
    const map = unwrap(SlotIndex.create(capacity));
    const keys = [0, 1, 0xffff_ffff, 0x8000_0000, 0xffff];
    keys.forEach((key, i) => expect(map.set(key, capacity - 1 - i)).toBe(ErrorCode.Ok));
    expect(map.set(12345, 0)).toBe(ErrorCode.Full);
    keys.forEach((key, i) => expect(map.get(key, -1)).toBe(capacity - 1 - i));
    expect(map.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("a plain map keeps values, keys and used flags apart", () => {
    const map = unwrap(FixedMap.create(3));
    expect(map.set(0xffff_ffff, -1.5)).toBe(ErrorCode.Ok);
    expect(map.set(0, 2 ** 53 - 1)).toBe(ErrorCode.Ok);
    expect(map.set(7, 0)).toBe(ErrorCode.Ok);
    expect(map.set(8, 1)).toBe(ErrorCode.Full);
    expect([map.get(0xffff_ffff, 9), map.get(0, 9), map.get(7, 9), map.get(8, 9)]).toEqual([-1.5, 2 ** 53 - 1, 0, 9]);
    expect(map.delete(0)).toBe(ErrorCode.Ok);
    expect(map.get(0xffff_ffff, 9)).toBe(-1.5);
    expect(map.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("a pool hands out exactly its capacity and tracks each slot", () => {
    const pool = unwrap(Pool.create(3, (slot) => ({ slot })));
    expect([pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()]).toEqual([0, 1, 2, -ErrorCode.PoolExhausted]);
    expect(pool.release(1)).toBe(ErrorCode.Ok);
    expect([pool.isAllocated(0), pool.isAllocated(1), pool.isAllocated(2)]).toEqual([true, false, true]);
    expect(pool.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

describe("RateLimiter: counters, classes and slots in one Float64Array", () => {
  it("keys that differ only in peer id or only in class never share a bucket", () => {
    const limiter = unwrap(RateLimiter.create({ capacity: 4, probeWindow: 4, classes: Array.from({ length: 256 }, () => ({ refillPerSecondMilli: 1, burstTokens: 1 })) }));
    const keys: [number, number][] = [[0xffff_ffff, 255], [0xffff_ffff, 0], [0, 255], [0, 0]];
    for (const [peer, cls] of keys) expect(limiter.tryTake(peer, cls, 0)).toBe(ErrorCode.Ok);
    for (const [peer, cls] of keys) expect(limiter.tryTake(peer, cls, 0), `${peer}/${cls}`).toBe(ErrorCode.RateLimited);
    expect(limiter.tryTake(1, 1, 0)).toBe(ErrorCode.RateLimited); // table full of non-full buckets: refused
    expect([limiter.admittedCount, limiter.limitedCount, limiter.refusedCount, limiter.size]).toEqual([4, 4, 1, 4]);
  });
});

describe("LogRing: records and counters in one buffer", () => {
  it("a ring that wrapped keeps its newest records and its counters intact", () => {
    const ring = unwrap(LogRing.create({ capacityRecords: 3, fieldCount: 4 }));
    for (let i = 0; i < 5; i++) expect(ring.append(4, 0xffff, 0xffff_ffff, 2 ** 53 - 1 - i, -1, 2 ** 31 - 1, -(2 ** 31), i)).toBe(ErrorCode.Ok);
    expect([ring.appendedCount, ring.writtenCount, ring.droppedCount, ring.size]).toEqual([5, 5, 2, 3]);
    const out = new LogRecord();
    for (let i = 2; i < 5; i++) {
      expect(ring.readNext(out)).toBe(ErrorCode.Ok);
      expect([out.seq, out.timeMs, out.nodeId, out.eventCode, out.level, Array.from(out.fields)]).toEqual([i, 2 ** 53 - 1 - i, 0xffff_ffff, 0xffff, 4, [-1, 2 ** 31 - 1, -(2 ** 31), i]]);
    }
    expect([ring.readCount, ring.writtenCount]).toEqual([3, 5]);
  });
});

describe("MetricsRegistry: metrics and histogram buckets in one Float64Array", () => {
  it("counters and buckets of neighbouring histograms stay apart", () => {
    const reg = unwrap(MetricsRegistry.create({ maxMetrics: 3, maxHistogramBuckets: 3 }));
    const a = unwrap(reg.registerHistogram("a", "", [1, 2]));
    const c = unwrap(reg.registerCounter("c", ""));
    const b = unwrap(reg.registerHistogram("b", "", [5]));
    expect(reg.registerCounter("d", "")).toEqual({ ok: false, code: ErrorCode.Full });
    for (const v of [0, 2, 3]) reg.observe(a, v);
    reg.observe(b, 100);
    reg.inc(c, 7);
    const buckets = (id: MetricId): number[] => Array.from({ length: reg.bucketCount(id) }, (_, i) => reg.bucketObservations(id, i));
    expect(buckets(a)).toEqual([1, 1, 1]);
    expect(buckets(b)).toEqual([0, 1]);
    expect([reg.value(a), reg.value(b), reg.value(c), reg.histogramCount(a), reg.histogramCount(b)]).toEqual([5, 100, 7, 3, 1]);
    expect([reg.name(a), reg.name(c), reg.name(b)]).toEqual(["a", "c", "b"]);
  });
});

describe("TelemetryOutbox: counters, records and queues in one ArrayBuffer (Float64 and Int32 views)", () => {
  function record(kind: RecordKind, i: number): TelemetryRecord {
    const r = new TelemetryRecord();
    r.reset(kind, 100 + i, 1_000 * i);
    Object.assign(r, { ruleId: i, endMs: 1_000 * i + 999, count: i + 1, min: -i - 1, max: i, sum: 2 ** 40 + i, mean: i, errors: i % 3, value: 7 * i, threshold: -7 * i - 1 });
    return r;
  }

  it("holds exactly `capacity` records and gives every field of each back", () => {
    const capacity = 4;
    const outbox = unwrap(TelemetryOutbox.create(capacity));
    for (let i = 0; i < capacity; i++) expect(outbox.push(record(i % 2 === 0 ? RecordKind.AlertRaised : RecordKind.Aggregate, i))).toBe(ErrorCode.Ok);
    // Full: a routine newcomer replaces the oldest routine record; with only alerts left an alert is refused.
    expect(outbox.push(record(RecordKind.Aggregate, 4))).toBe(ErrorCode.Ok);
    expect(outbox.routineDroppedForRoutine).toBe(1);
    expect(outbox.length).toBe(capacity);
    const out = new TelemetryRecord();
    const order = [0, 2, 3, 4];
    for (const i of order) {
      expect(outbox.pop(out)).toBe(ErrorCode.Ok);
      const expected = record(i % 2 === 0 && i < capacity ? RecordKind.AlertRaised : RecordKind.Aggregate, i);
      expected.seq = out.seq;
      expect({ ...out }).toEqual({ ...expected });
    }
    expect(outbox.pop(out)).toBe(ErrorCode.Empty);
    expect(outbox.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("keeps the fields that pass 2^31 exact and the int32 fields at their extremes", () => {
    const outbox = unwrap(TelemetryOutbox.create(1));
    const r = record(RecordKind.AlertRaised, 0);
    Object.assign(r, { atMs: 2 ** 45 + 1, endMs: 2 ** 45 + 2, count: 2 ** 33, sum: -(2 ** 52) + 1, errors: 2 ** 32 + 5, value: -(2 ** 32) + 1 });
    Object.assign(r, { channelId: 0xfffe, ruleId: 0xffff, min: -(2 ** 31), max: 2 ** 31 - 1, mean: -(2 ** 31), threshold: 2 ** 31 - 1 });
    expect(outbox.push(r)).toBe(ErrorCode.Ok);
    const out = new TelemetryRecord();
    expect(outbox.pop(out)).toBe(ErrorCode.Ok);
    r.seq = 1;
    expect({ ...out }).toEqual({ ...r });
  });

  it("refuses (and counts) a record whose int32 field is not an int32, changing nothing else", () => {
    const outbox = unwrap(TelemetryOutbox.create(2));
    expect(outbox.push(record(RecordKind.Aggregate, 1))).toBe(ErrorCode.Ok);
    for (const bad of [{ min: 2 ** 31 }, { max: 0.5 }, { mean: -(2 ** 31) - 1 }, { threshold: Number.NaN }, { channelId: 2 ** 32 }, { ruleId: -(2 ** 40) }, { kind: 1.5 }]) {
      const r = record(RecordKind.Aggregate, 2);
      Object.assign(r, bad);
      expect(outbox.push(r), JSON.stringify(bad)).toBe(ErrorCode.InvalidArgument);
    }
    expect([outbox.invalidRefused, outbox.length, outbox.routineAccepted, outbox.routineRefused]).toEqual([7, 1, 1, 0]);
    expect(outbox.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("refuses an alert when every slot holds an alert", () => {
    const outbox = unwrap(TelemetryOutbox.create(2));
    expect([outbox.push(record(RecordKind.AlertRaised, 0)), outbox.push(record(RecordKind.AlertRaised, 1))]).toEqual([ErrorCode.Ok, ErrorCode.Ok]);
    expect(outbox.push(record(RecordKind.AlertRaised, 2))).toBe(ErrorCode.TelemetryOutboxFull);
    expect([outbox.alertsRefused, outbox.length]).toEqual([1, 2]);
    expect(outbox.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

describe("SampleHistory: one ArrayBuffer of times (Float64) and values (Int32)", () => {
  it("retains exactly `capacity` samples, times and values apart", () => {
    const history = unwrap(SampleHistory.create(3));
    for (let s = 0; s < 5; s++) history.push(10 * s, -s);
    expect([history.length, history.droppedCount, history.oldestSeq, history.newestSeq, history.newestValue]).toEqual([3, 2, 2, 4, -4]);
    expect([1, 2, 3, 4, 5].map((s) => history.timeAt(s))).toEqual([-1, 20, 30, 40, -1]);
    expect([1, 2, 3, 4, 5].map((s) => history.valueAt(s))).toEqual([0, -2, -3, -4, 0]);
    expect(SampleHistory.create(0)).toEqual({ ok: false, code: ErrorCode.TelemetryBadCapacity });
  });

  it("keeps times past 2^31 and int32 extremes apart at every index", () => {
    const capacity = 4;
    const history = unwrap(SampleHistory.create(capacity));
    const values = [-(2 ** 31), 2 ** 31 - 1, -1, 0, 1, 2 ** 30];
    for (let s = 0; s < values.length; s++) history.push(2 ** 44 + s, values[s] ?? 0);
    for (let s = 2; s < values.length; s++) {
      expect(history.timeAt(s)).toBe(2 ** 44 + s);
      expect(history.valueAt(s)).toBe(values[s]);
    }
    expect(history.checkInvariants()).toBe(ErrorCode.Ok);
  });
});

describe("PendingAlerts: its options' numbers, slot numbers and messages in one ArrayBuffer", () => {
  it("every slot busy and every byte written, the options still rule retries, gateways and abandonment", () => {
    const pending = unwrap(PendingAlerts.create({ capacity: 2, attemptsMax: 3, retryBaseMs: 10, retryCapMs: 15, inFlightTimeoutMs: 200, gatewayCount: 3 }));
    expect([pending.admit(0, 4), pending.admit(0, 2)]).toEqual([0, 1]);
    pending.bytes.fill(0xff);
    expect([pending.gatewayIndex(0), pending.gatewayIndex(1)]).toEqual([1, 2]); // modulo gatewayCount 3
    const effects: number[] = [];
    const gateways: number[] = [];
    for (let k = 0; k < 3; k++) {
      pending.beginSend(0, 100 * k);
      if (k === 0) expect(pending.nextDueMs()).toBe(0); // slot 1 still ready; slot 0 in flight until 0 + inFlightTimeoutMs
      effects.push(pending.refused(0, 100 * k));
      gateways.push(pending.gatewayIndex(0));
    }
    // attemptsMax 3: two retries (backoff 10 then capped at 15), each on the next gateway, then abandoned.
    expect(effects).toEqual([OutcomeEffect.Retry, OutcomeEffect.Retry, OutcomeEffect.Abandoned]);
    expect(gateways.slice(0, 2)).toEqual([2, 0]);
    expect(pending.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("writing every message byte leaves every slot's state alone", () => {
    const pending = unwrap(PendingAlerts.create({ capacity: 3, attemptsMax: 5, retryBaseMs: 10, retryCapMs: 100, inFlightTimeoutMs: 200, gatewayCount: 2 }));
    expect([pending.admit(0, 1), pending.admit(0, 0), pending.admit(0, 1), pending.admit(0, 0)]).toEqual([0, 1, 2, -ErrorCode.AgentPendingFull]);
    pending.beginSend(1, 5);
    expect(pending.bytes.length).toBe(3 * ALERT_MESSAGE_BYTES);
    pending.bytes.fill(0xff);
    expect([pending.state(0), pending.state(1), pending.state(2)]).toEqual([PendingState.Ready, PendingState.InFlight, PendingState.Ready]);
    expect([pending.gatewayIndex(0), pending.gatewayIndex(1), pending.gatewayIndex(2), pending.attempts(1)]).toEqual([1, 0, 1, 1]);
    expect(pending.state(3)).toBe(PendingState.Free);
    expect(pending.checkInvariants()).toBe(ErrorCode.Ok);
  });
});
