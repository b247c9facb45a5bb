/**
 * Property definitions for core/runtime: metrics registry, log ring, rate
 * limiter. Runs on V8 (test/core/runtime/runtime.property.test.ts) and inside the XS
 * engine, so this file uses ECMAScript built-ins only and receives fast-check
 * as a parameter instead of importing it.
 */
import type { Command } from "fast-check";
import { ErrorCode } from "../../core/runtime/errors";
import { LOG_FIELDS_MAX, LogRecord, LogRing, decodeLogRecord } from "../../core/runtime/log-ring";
import { METRIC_ID_INVALID_ID, MetricsRegistry, type MetricId } from "../../core/runtime/metrics";
import { MICRO_PER_TOKEN, RateLimiter } from "../../core/runtime/rate-limit";
import type { Result } from "../../core/runtime/result";
import { check, unwrap, type ConformanceProperty, type FastCheck } from "./support";


export type RuntimeProperty = ConformanceProperty;



// ---------------------------------------------------------------- rate limiter

interface Request {
  readonly dtMs: number;
  readonly cost: number;
}

/**
 * Token-bucket bound: for any two admitted requests at times ti <= tj, the
 * cost admitted in [ti, tj] is at most burst + rate x (tj - ti). In micro-
 * tokens, rate (milli-tokens/s) is exactly micro-tokens per ms.
 */
function checkRateBound(times: readonly number[], costs: readonly number[], burstTokens: number, refillPerSecondMilli: number): void {
  for (let i = 0; i < times.length; i++) {
    let admittedMicro = 0;
    for (let j = i; j < times.length; j++) {
      admittedMicro += (costs[j] ?? 0) * MICRO_PER_TOKEN;
      const allowedMicro = burstTokens * MICRO_PER_TOKEN + refillPerSecondMilli * ((times[j] ?? 0) - (times[i] ?? 0));
      check(admittedMicro <= allowedMicro, `admitted ${admittedMicro} > allowed ${allowedMicro} between #${i} and #${j}`);
    }
  }
}

/** An ideal single bucket, written independently of the table. */
class IdealBucket {
  balanceMicro: number;
  lastMs = -1;
  constructor(
    readonly burstTokens: number,
    readonly refillPerSecondMilli: number,
  ) {
    this.balanceMicro = burstTokens * MICRO_PER_TOKEN;
  }
  refill(nowMs: number): void {
    if (this.lastMs >= 0 && nowMs > this.lastMs) {
      const gained = (nowMs - this.lastMs) * this.refillPerSecondMilli;
      this.balanceMicro = Math.min(this.burstTokens * MICRO_PER_TOKEN, this.balanceMicro + gained);
    }
    if (nowMs > this.lastMs) this.lastMs = nowMs;
  }
  canTake(cost: number): boolean {
    return this.balanceMicro >= cost * MICRO_PER_TOKEN;
  }
  take(cost: number): void {
    this.balanceMicro -= cost * MICRO_PER_TOKEN;
  }
}

/**
 * Request gaps mixing bursts (0..20 ms), long pauses, and the exact time one
 * token takes to refill, and one ms less: boundary cases where an off-by-one
 * in refill would admit a request the bucket cannot cover.
 */
function requestPlan(fc: FastCheck, refillPerSecondMilli: number) {
  const tokenMs = Math.ceil(MICRO_PER_TOKEN / refillPerSecondMilli);
  const dtMs = fc.oneof(
    fc.integer({ min: 0, max: 20 }),
    fc.integer({ min: 0, max: 20_000 }),
    fc.constantFrom(tokenMs, tokenMs - 1, 2 * tokenMs, 2 * tokenMs - 1),
  );
  return fc.array(fc.record({ dtMs, cost: fc.integer({ min: 1, max: 5 }) }), { maxLength: 150 });
}

function rateLongRunProperty(fc: FastCheck, numRuns: number, seed: number): void {
  const refill = fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(1_000, 500, 250, 2_000, 8_000));
  const scenario = refill.chain((rate) => fc.tuple(fc.constant(rate), requestPlan(fc, rate)));
  fc.assert(
    fc.property(
      scenario,
      fc.integer({ min: 1, max: 10 }),
      ([refillPerSecondMilli, reqs]: readonly [number, readonly Request[]], burstTokens: number) => {
        const limiter = unwrap(RateLimiter.create({ capacity: 4, classes: [{ refillPerSecondMilli, burstTokens }] }), "create");
        const ideal = new IdealBucket(burstTokens, refillPerSecondMilli);
        const times: number[] = [];
        const costs: number[] = [];
        let nowMs = 0;
        for (const req of reqs) {
          nowMs += req.dtMs;
          const cost = Math.min(req.cost, burstTokens);
          const status = limiter.tryTake(7, 0, nowMs, cost);
          ideal.refill(nowMs);
          // The limiter is exactly the ideal bucket: neither looser nor stricter.
          check((status === ErrorCode.Ok) === ideal.canTake(cost), `decision differs from ideal bucket at ${nowMs}`);
          if (status === ErrorCode.Ok) {
            ideal.take(cost);
            times.push(nowMs);
            costs.push(cost);
          } else {
            check(status === ErrorCode.RateLimited, `unexpected status ${status}`);
          }
        }
        checkRateBound(times, costs, burstTokens, refillPerSecondMilli);
        check(limiter.admittedCount + limiter.limitedCount === reqs.length, "outcomes do not add up");
      },
    ),
    { numRuns, seed },
  );
}

interface FloodStep {
  readonly dtMs: number;
  readonly legit: boolean;
  readonly floodIds: number;
}

const LEGIT_PEER = 1;
const FLOOD_ID_BASE = 1_000_000;

function rateFloodProperty(fc: FastCheck, numRuns: number, seed: number): void {
  const steps = fc.array(
    fc.record({ dtMs: fc.integer({ min: 0, max: 3_000 }), legit: fc.boolean(), floodIds: fc.integer({ min: 0, max: 40 }) }),
    { maxLength: 120 },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 32 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 100, max: 5_000 }),
      fc.integer({ min: 1, max: 5 }),
      fc.nat(),
      steps,
      (capacity: number, window: number, refillPerSecondMilli: number, burstTokens: number, hashSeed: number, plan: readonly FloodStep[]) => {
        const probeWindow = Math.min(window, capacity);
        const limiter = unwrap(
          RateLimiter.create({ capacity, probeWindow, hashSeed: hashSeed >>> 0, classes: [{ refillPerSecondMilli, burstTokens }] }),
          "create",
        );
        const ideal = new IdealBucket(burstTokens, refillPerSecondMilli);
        const times: number[] = [];
        const costs: number[] = [];
        let nowMs = 0;
        let nextFloodId = FLOOD_ID_BASE;
        let requests = 0;
        let claims = 0;
        const take = (peerId: number): number => {
          const had = limiter.has(peerId, 0);
          const status = limiter.tryTake(peerId, 0, nowMs, 1);
          if (!had && limiter.has(peerId, 0)) claims += 1;
          requests += 1;
          return status;
        };
        for (const step of plan) {
          nowMs += step.dtMs;
          for (let i = 0; i < step.floodIds; i++) take(nextFloodId++);
          if (step.legit) {
            const status = take(LEGIT_PEER);
            ideal.refill(nowMs);
            if (status === ErrorCode.Ok) {
              // Eviction and re-admission must never hand the real peer more than its own bucket holds.
              check(ideal.canTake(1), `legit peer admitted beyond its bucket at ${nowMs}`);
              ideal.take(1);
              times.push(nowMs);
              costs.push(1);
            }
          }
          check(limiter.capacity === capacity, "capacity changed");
          check(limiter.size <= capacity, "size above capacity");
        }
        checkRateBound(times, costs, burstTokens, refillPerSecondMilli);
        check(claims === limiter.size + limiter.evictedCount, `claims ${claims} != size + evicted`);
        const outcomes = limiter.admittedCount + limiter.limitedCount + limiter.refusedCount + limiter.invalidCount;
        check(outcomes === requests, "outcomes do not add up");
      },
    ),
    { numRuns, seed },
  );
}

// ------------------------------------------------------------------- log ring

interface ModelRecord {
  readonly seq: number;
  readonly level: number;
  readonly eventCode: number;
  readonly nodeId: number;
  readonly timeMs: number;
  readonly fields: readonly number[];
}

interface LogModel {
  readonly capacity: number;
  readonly fieldCount: number;
  minLevel: number;
  queue: ModelRecord[];
  nextSeq: number;
  appended: number;
  filtered: number;
  invalid: number;
  dropped: number;
  read: number;
}

interface LogReal {
  readonly ring: LogRing;
  readonly record: LogRecord;
}

function checkLogAccounting(m: LogModel, r: LogReal): void {
  const { ring } = r;
  check(ring.appendedCount === m.appended, "appended");
  check(ring.filteredCount === m.filtered, "filtered");
  check(ring.invalidCount === m.invalid, "invalid");
  check(ring.droppedCount === m.dropped, "dropped");
  check(ring.readCount === m.read, "read");
  check(ring.size === m.queue.length, "size");
  check(ring.writtenCount + ring.filteredCount + ring.invalidCount === ring.appendedCount, "written + filtered + invalid != appended");
  check(ring.writtenCount === ring.readCount + ring.droppedCount + ring.size, "written != read + dropped + size");
}

function checkRecordEquals(actual: LogRecord, expected: ModelRecord, fieldCount: number): void {
  check(actual.seq === expected.seq, `seq ${actual.seq} != ${expected.seq}`);
  check(actual.level === expected.level, "level");
  check(actual.eventCode === expected.eventCode, "eventCode");
  check(actual.nodeId === expected.nodeId, "nodeId");
  check(actual.timeMs === expected.timeMs, "timeMs");
  check(actual.fieldCount === fieldCount, "fieldCount");
  for (let i = 0; i < LOG_FIELDS_MAX; i++) {
    const want = i < fieldCount ? (expected.fields[i] ?? 0) : 0;
    check(actual.fields[i] === want, `field ${i}`);
  }
}

class AppendCommand implements Command<LogModel, LogReal> {
  constructor(readonly rec: Omit<ModelRecord, "seq">) {}
  check(): boolean {
    return true;
  }
  run(m: LogModel, r: LogReal): void {
    const { level, eventCode, nodeId, timeMs, fields } = this.rec;
    const status = r.ring.append(level, eventCode, nodeId, timeMs, fields[0], fields[1], fields[2], fields[3]);
    check(status === ErrorCode.Ok, `append returned ${status}`);
    m.appended += 1;
    if (level < m.minLevel) {
      m.filtered += 1;
    } else {
      if (m.queue.length === m.capacity) {
        m.queue.shift();
        m.dropped += 1;
      }
      m.queue.push({ ...this.rec, seq: m.nextSeq });
      m.nextSeq += 1;
    }
    checkLogAccounting(m, r);
  }
  toString(): string {
    return `append(${JSON.stringify(this.rec)})`;
  }
}

/** Invalid appends: rejected with InvalidArgument, counted, nothing stored. */
class AppendInvalidCommand implements Command<LogModel, LogReal> {
  constructor(readonly variant: number) {}
  check(): boolean {
    return true;
  }
  run(m: LogModel, r: LogReal): void {
    const { ring } = r;
    // Each variant breaks one argument; all at level Error so the filter never hides them.
    let status: number;
    if (this.variant === 0) status = ring.append(9, 1, 1, 1);
    else if (this.variant === 1) status = ring.append(4, 0x10000, 1, 1);
    else if (this.variant === 2) status = ring.append(4, 1, -1, 1);
    else if (this.variant === 3) status = ring.append(4, 1, 1, 1.5);
    else status = ring.append(4, 1, 1, -5);
    check(status === ErrorCode.InvalidArgument, `invalid append returned ${status}`);
    m.appended += 1;
    m.invalid += 1;
    checkLogAccounting(m, r);
  }
  toString(): string {
    return `appendInvalid(${this.variant})`;
  }
}

class ReadCommand implements Command<LogModel, LogReal> {
  check(): boolean {
    return true;
  }
  run(m: LogModel, r: LogReal): void {
    const status = r.ring.readNext(r.record);
    const expected = m.queue.shift();
    if (expected === undefined) {
      check(status === ErrorCode.Empty, "read from empty ring");
    } else {
      check(status === ErrorCode.Ok, `readNext returned ${status}`);
      m.read += 1;
      checkRecordEquals(r.record, expected, m.fieldCount);
    }
    checkLogAccounting(m, r);
  }
  toString(): string {
    return "read";
  }
}

/** Drain raw bytes with copyOut and decode them back. */
class CopyOutCommand implements Command<LogModel, LogReal> {
  constructor(readonly maxRecords: number) {}
  check(): boolean {
    return true;
  }
  run(m: LogModel, r: LogReal): void {
    const { ring } = r;
    const dest = new Uint8Array(ring.recordBytes * this.maxRecords + 3);
    const moved = ring.copyOut(dest, 3, this.maxRecords);
    check(moved === Math.min(this.maxRecords, m.queue.length), `copyOut moved ${moved}`);
    const view = new DataView(dest.buffer);
    for (let i = 0; i < moved; i++) {
      const expected = m.queue.shift();
      check(expected !== undefined, "model queue empty");
      if (expected === undefined) return;
      check(decodeLogRecord(view, 3 + i * ring.recordBytes, r.record) === ErrorCode.Ok, "decode");
      checkRecordEquals(r.record, expected, m.fieldCount);
      m.read += 1;
    }
    checkLogAccounting(m, r);
  }
  toString(): string {
    return `copyOut(${this.maxRecords})`;
  }
}

class SetMinLevelCommand implements Command<LogModel, LogReal> {
  constructor(readonly level: number) {}
  check(): boolean {
    return true;
  }
  run(m: LogModel, r: LogReal): void {
    check(r.ring.setMinLevel(this.level) === ErrorCode.Ok, "setMinLevel");
    m.minLevel = this.level;
  }
  toString(): string {
    return `setMinLevel(${this.level})`;
  }
}

function logRingModelProperty(fc: FastCheck, numRuns: number, seed: number): void {
  const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
  const appendArb = fc
    .record({
      level: fc.integer({ min: 0, max: 4 }),
      eventCode: fc.integer({ min: 0, max: 0xffff }),
      nodeId: fc.integer({ min: 0, max: 0xffffffff }),
      timeMs: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
      fields: fc.array(int32, { minLength: 4, maxLength: 4 }),
    })
    .map((rec) => new AppendCommand(rec));
  const commandArbs = [
    appendArb,
    appendArb,
    appendArb,
    fc.integer({ min: 0, max: 4 }).map((v) => new AppendInvalidCommand(v)),
    fc.constant(new ReadCommand()),
    fc.integer({ min: 0, max: 5 }).map((n) => new CopyOutCommand(n)),
    fc.integer({ min: 0, max: 4 }).map((level) => new SetMinLevelCommand(level)),
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: LOG_FIELDS_MAX }),
      fc.commands(commandArbs, { maxCommands: 80 }),
      (capacity: number, fieldCount: number, cmds: Iterable<Command<LogModel, LogReal>>) => {
        const setup = (): { model: LogModel; real: LogReal } => {
          const ring = unwrap(LogRing.create({ capacityRecords: capacity, fieldCount }), "create");
          const model: LogModel = {
            capacity,
            fieldCount,
            minLevel: 0,
            queue: [],
            nextSeq: 0,
            appended: 0,
            filtered: 0,
            invalid: 0,
            dropped: 0,
            read: 0,
          };
          return { model, real: { ring, record: new LogRecord() } };
        };
        fc.modelRun(setup, cmds);
      },
    ),
    { numRuns, seed },
  );
}

/** A reader that drains at arbitrary moments sees gaps summing to droppedCount. */
function logRingGapProperty(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 12 })), { maxLength: 60 }),
      (capacity: number, plan: readonly number[]) => {
        const ring = unwrap(LogRing.create({ capacityRecords: capacity, fieldCount: 1 }), "create");
        const record = new LogRecord();
        let expectedSeq = 0;
        let gapSum = 0;
        let timeMs = 0;
        const drain = (): void => {
          for (let i = 0; i < capacity && ring.readNext(record) === ErrorCode.Ok; i++) {
            check(record.seq >= expectedSeq, "sequence went backwards");
            gapSum += record.seq - expectedSeq;
            expectedSeq = record.seq + 1;
          }
        };
        for (const burst of plan) {
          if (burst < 0) drain();
          for (let i = 0; i < burst; i++) ring.append(2, 1, 1, timeMs++, i);
        }
        drain();
        check(ring.size === 0, "not drained");
        check(gapSum === ring.droppedCount, `gaps ${gapSum} != dropped ${ring.droppedCount}`);
        check(expectedSeq === ring.writtenCount || ring.writtenCount === 0, "last seq");
      },
    ),
    { numRuns, seed },
  );
}

// -------------------------------------------------------------------- metrics

type MetricOp =
  | { readonly op: "inc"; readonly counter: number; readonly by: number }
  | { readonly op: "set"; readonly value: number }
  | { readonly op: "add"; readonly delta: number }
  | { readonly op: "observe"; readonly value: number }
  | { readonly op: "bad"; readonly id: number; readonly which: number };

function metricsModelProperty(fc: FastCheck, numRuns: number, seed: number): void {
  const opArb = fc.oneof(
    fc.record({ op: fc.constant("inc" as const), counter: fc.integer({ min: 0, max: 3 }), by: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 1_000_000 })) }),
    fc.record({ op: fc.constant("set" as const), value: fc.integer({ min: -1_000_000, max: 1_000_000 }) }),
    fc.record({ op: fc.constant("add" as const), delta: fc.integer({ min: -1_000, max: 1_000 }) }),
    fc.record({ op: fc.constant("observe" as const), value: fc.integer({ min: -200, max: 1_200 }) }),
    fc.record({ op: fc.constant("bad" as const), id: fc.integer({ min: 0, max: 40 }), which: fc.integer({ min: 0, max: 3 }) }),
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: -100, max: 1_100 }), { minLength: 1, maxLength: 12 }),
      fc.array(opArb, { maxLength: 200 }),
      (rawBounds: readonly number[], ops: readonly MetricOp[]) => {
        const bounds = rawBounds.slice().sort((a, b) => a - b);
        const registry = unwrap(MetricsRegistry.create({ maxMetrics: 6, maxHistogramBuckets: 12 }), "create");
        const counters: MetricId[] = [];
        for (let i = 0; i < 4; i++) counters.push(unwrap(registry.registerCounter(`c${i}_total`, "counter"), "counter"));
        const gauge = unwrap(registry.registerGauge("g", "gauge"), "gauge");
        const histogram = unwrap(registry.registerHistogram("h", "histogram", bounds), "histogram");
        const counterModel = [0, 0, 0, 0];
        let gaugeModel = 0;
        const bucketModel: number[] = new Array<number>(bounds.length + 1).fill(0);
        let sumModel = 0;
        let invalidModel = 0;
        for (const op of ops) {
          if (op.op === "inc") {
            const id = counters[op.counter] ?? counters[0];
            check(id !== undefined && registry.inc(id, op.by) === ErrorCode.Ok, "inc");
            counterModel[op.counter] = (counterModel[op.counter] ?? 0) + op.by;
          } else if (op.op === "set") {
            check(registry.set(gauge, op.value) === ErrorCode.Ok, "set");
            gaugeModel = op.value;
          } else if (op.op === "add") {
            check(registry.add(gauge, op.delta) === ErrorCode.Ok, "add");
            gaugeModel += op.delta;
          } else if (op.op === "observe") {
            check(registry.observe(histogram, op.value) === ErrorCode.Ok, "observe");
            let bucket = bounds.findIndex((bound) => op.value <= bound);
            if (bucket < 0) bucket = bounds.length;
            bucketModel[bucket] = (bucketModel[bucket] ?? 0) + 1;
            sumModel += op.value;
          } else {
            // An id of the wrong kind, an internal id, or an unregistered one.
            const id = op.id as MetricId;
            const isKind = [counters.includes(id), id === gauge, id === gauge, id === histogram][op.which] ?? false;
            if (isKind) continue;
            let status: number;
            if (op.which === 0) status = registry.inc(id);
            else if (op.which === 1) status = registry.set(id, 1);
            else if (op.which === 2) status = registry.add(id, 1);
            else status = registry.observe(id, 1);
            check(status === ErrorCode.InvalidArgument, `bad id ${op.id} accepted`);
            invalidModel += 1;
          }
        }
        for (let i = 0; i < 4; i++) check(registry.value(counters[i] ?? 0) === counterModel[i], `counter ${i}`);
        check(registry.value(gauge) === gaugeModel, "gauge");
        check(registry.value(histogram) === sumModel, "histogram sum");
        check(registry.value(METRIC_ID_INVALID_ID) === invalidModel, "invalid id counter");
        const cumulative = new Float64Array(bounds.length + 1);
        check(registry.snapshotCumulative(histogram, cumulative) === ErrorCode.Ok, "snapshot");
        let running = 0;
        for (let i = 0; i <= bounds.length; i++) {
          running += bucketModel[i] ?? 0;
          check(registry.bucketObservations(histogram, i) === bucketModel[i], `bucket ${i}`);
          check(cumulative[i] === running, `cumulative bucket ${i}`);
        }
        check(registry.histogramCount(histogram) === running, "histogram count");
      },
    ),
    { numRuns, seed },
  );
}

export const runtimeProperties: readonly RuntimeProperty[] = Object.freeze([
  Object.freeze({ name: "rate limiter decisions equal an ideal token bucket and stay within burst + rate x time", run: rateLongRunProperty }),
  Object.freeze({
    name: "rate limiter under a flood of distinct ids keeps memory flat, counts evictions and never inflates a real peer",
    run: rateFloodProperty,
  }),
  Object.freeze({ name: "log ring matches a model: records read back as written, counts add up (fc.commands)", run: logRingModelProperty }),
  Object.freeze({ name: "log ring sequence gaps seen by a reader sum to droppedCount", run: logRingGapProperty }),
  Object.freeze({ name: "metrics counters, gauge and histogram buckets equal a model", run: metricsModelProperty }),
]);
