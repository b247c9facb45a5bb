/**
 * Hot paths of core/runtime: metric updates, log append, rate-limit checks.
 * `run` allocates nothing (the XS harness expects 0 bytes/op): all state,
 * including the advancing clock and id counters, lives in typed arrays built
 * by `setup`.
 */
import { LogLevel, LogRecord, LogRing } from "../../../core/runtime/log-ring";
import { MetricsRegistry, type MetricId } from "../../../core/runtime/metrics";
import { RateLimiter } from "../../../core/runtime/rate-limit";
import type { Result } from "../../../core/runtime/result";
import { benchCase, type BenchCase } from "./types";

const OPS = 1_000;
const GROUP = "runtime";

// Setup failures are configuration bugs in this file; the harness reports the throw.
function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bench setup failed with code ${result.code}`);
  return result.value;
}

interface MetricState {
  readonly registry: MetricsRegistry;
  readonly id: MetricId;
}

interface LogState {
  readonly ring: LogRing;
  readonly record: LogRecord;
  readonly clockMs: Float64Array;
}

interface RateState {
  readonly limiter: RateLimiter;
  readonly clockMs: Float64Array;
  readonly nextPeerId: Uint32Array;
}

const counterInc: BenchCase<MetricState> = {
  group: GROUP,
  name: "MetricsRegistry.inc (counter)",
  opsPerRun: OPS,
  setup() {
    const registry = unwrap(MetricsRegistry.create({ maxMetrics: 8, maxHistogramBuckets: 0 }));
    return { registry, id: unwrap(registry.registerCounter("bench_frames_total", "")) };
  },
  run({ registry, id }) {
    let status = 0;
    for (let i = 0; i < OPS; i++) status |= registry.inc(id);
    return registry.value(id) + status;
  },
};

const histogramObserve: BenchCase<MetricState> = {
  group: GROUP,
  name: "MetricsRegistry.observe (16 buckets)",
  opsPerRun: OPS,
  setup() {
    const registry = unwrap(MetricsRegistry.create({ maxMetrics: 8, maxHistogramBuckets: 16 }));
    const bounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];
    return { registry, id: unwrap(registry.registerHistogram("bench_latency_ms", "", bounds)) };
  },
  run({ registry, id }) {
    let status = 0;
    // Spread values over every bucket, +Inf included.
    for (let i = 0; i < OPS; i++) status |= registry.observe(id, Math.imul(i, 2_654_435_761) >>> 15);
    return registry.histogramCount(id) + status;
  },
};

function logState(): LogState {
  return {
    ring: unwrap(LogRing.create({ capacityRecords: 256, fieldCount: 4 })),
    record: new LogRecord(),
    clockMs: new Float64Array(1),
  };
}

const logAppend: BenchCase<LogState> = {
  group: GROUP,
  name: "LogRing.append (4 fields, full ring: drop oldest)",
  opsPerRun: OPS,
  setup: logState,
  run({ ring, clockMs }) {
    let nowMs = clockMs[0] ?? 0;
    let status = 0;
    for (let i = 0; i < OPS; i++) status |= ring.append(LogLevel.Info, 17, 3, nowMs++, i, -i, i & 7, 0);
    clockMs[0] = nowMs;
    return ring.writtenCount + status;
  },
};

const logAppendRead: BenchCase<LogState> = {
  group: GROUP,
  name: "LogRing.append + readNext",
  opsPerRun: OPS,
  setup: logState,
  run({ ring, record, clockMs }) {
    let nowMs = clockMs[0] ?? 0;
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      ring.append(LogLevel.Warn, 18, 3, nowMs++, i);
      ring.readNext(record);
      checksum += record.fields[0] ?? 0;
    }
    clockMs[0] = nowMs;
    return checksum;
  },
};

function rateState(): RateState {
  return {
    limiter: unwrap(
      RateLimiter.create({
        capacity: 1_024,
        probeWindow: 8,
        hashSeed: 0x2545f491,
        classes: [{ refillPerSecondMilli: 10_000, burstTokens: 20 }],
      }),
    ),
    clockMs: new Float64Array(1),
    nextPeerId: new Uint32Array(1),
  };
}

const rateKnownPeer: BenchCase<RateState> = {
  group: GROUP,
  name: "RateLimiter.tryTake (known peer)",
  opsPerRun: OPS,
  setup: rateState,
  run({ limiter, clockMs }) {
    let nowMs = clockMs[0] ?? 0;
    let admitted = 0;
    // 10 tokens/s asked every 50 ms: about half the calls are admitted.
    for (let i = 0; i < OPS; i++) {
      if (limiter.tryTake(42, 0, nowMs) === 0) admitted++;
      nowMs += 50;
    }
    clockMs[0] = nowMs;
    return admitted;
  },
};

const rateChurn: BenchCase<RateState> = {
  group: GROUP,
  name: "RateLimiter.tryTake (distinct-id churn, table full)",
  opsPerRun: OPS,
  setup: rateState,
  run({ limiter, clockMs, nextPeerId }) {
    let nowMs = clockMs[0] ?? 0;
    let peerId = nextPeerId[0] ?? 0;
    let admitted = 0;
    for (let i = 0; i < OPS; i++) {
      if (limiter.tryTake(peerId, 0, nowMs) === 0) admitted++;
      peerId = (peerId + 1) >>> 0;
      nowMs += 1;
    }
    clockMs[0] = nowMs;
    nextPeerId[0] = peerId;
    return admitted + limiter.evictedCount;
  },
};

export const runtimeCases: readonly BenchCase[] = Object.freeze([
  benchCase(counterInc),
  benchCase(histogramObserve),
  benchCase(logAppend),
  benchCase(logAppendRead),
  benchCase(rateKnownPeer),
  benchCase(rateChurn),
]);
