import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import {
  METRIC_ID_INVALID_ID,
  METRIC_ID_REJECTED_VALUE,
  METRIC_NAME_MAX_CHARS,
  MetricKind,
  MetricsRegistry,
  type MetricId,
} from "../../../core/runtime/metrics";
import type { Result } from "../../../core/runtime/result";
import { renderPrometheus, renderPrometheusMany } from "../../../host-sim/exporters/prometheus";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

function errorCode<T>(result: Result<T>): number {
  return result.ok ? ErrorCode.Ok : result.code;
}

function registry(maxMetrics = 8, maxHistogramBuckets = 16): MetricsRegistry {
  return unwrap(MetricsRegistry.create({ maxMetrics, maxHistogramBuckets }));
}

/** Everything an exporter can see, to prove a refused call changed nothing. */
function snapshot(reg: MetricsRegistry): string {
  const parts: string[] = [];
  for (let id = 0; id < reg.size; id++) {
    const buckets: number[] = [];
    for (let i = 0; i < reg.bucketCount(id); i++) buckets.push(reg.bucketObservations(id, i));
    parts.push(`${reg.name(id)}|${reg.kind(id)}|${reg.help(id)}|${reg.value(id)}|${reg.histogramCount(id)}|${buckets.join(",")}`);
  }
  return parts.join("\n");
}

// Bad-input checks compare everything except the internal error counters, which must move.
function userSnapshot(reg: MetricsRegistry): string {
  return snapshot(reg).split("\n").slice(2).join("\n");
}

describe("MetricsRegistry.create", () => {
  it("rejects negative, fractional or oversized limits with InvalidArgument", () => {
    expect(errorCode(MetricsRegistry.create({ maxMetrics: -1, maxHistogramBuckets: 0 }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(MetricsRegistry.create({ maxMetrics: 1.5, maxHistogramBuckets: 0 }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(MetricsRegistry.create({ maxMetrics: 1, maxHistogramBuckets: Number.NaN }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(MetricsRegistry.create({ maxMetrics: 1e9, maxHistogramBuckets: 0 }))).toBe(ErrorCode.InvalidArgument);
  });

  it("starts with the two internal counters at ids 0 and 1", () => {
    const reg = registry(3);
    expect(reg.size).toBe(2);
    expect(reg.capacity).toBe(5);
    expect(reg.name(METRIC_ID_INVALID_ID)).toBe("picket_metrics_invalid_id_total");
    expect(reg.name(METRIC_ID_REJECTED_VALUE)).toBe("picket_metrics_rejected_value_total");
    expect(reg.kind(0)).toBe(MetricKind.Counter);
  });
});

describe("MetricsRegistry registration", () => {
  it("hands out ids in registration order after the internal counters", () => {
    const reg = registry();
    expect(unwrap(reg.registerCounter("a_total", "A."))).toBe(2);
    expect(unwrap(reg.registerGauge("b", "B."))).toBe(3);
    expect(unwrap(reg.registerHistogram("c", "C.", [1, 2]))).toBe(4);
    expect([reg.kind(2), reg.kind(3), reg.kind(4)]).toEqual([MetricKind.Counter, MetricKind.Gauge, MetricKind.Histogram]);
  });

  it("accepts names using letters, digits (not first), underscores and colons", () => {
    const reg = registry();
    for (const name of ["a", "_a", ":a", "job:rate_5m", "A9_z:"]) {
      expect(errorCode(reg.registerGauge(name, ""))).toBe(ErrorCode.Ok);
    }
  });

  it("rejects names outside [a-zA-Z_:][a-zA-Z0-9_:]* with InvalidArgument and registers nothing", () => {
    const reg = registry();
    const before = snapshot(reg);
    const bad = ["", "9lives", "a-b", "a b", "a.b", "temp_°c", "a\n", "x".repeat(METRIC_NAME_MAX_CHARS + 1)];
    for (const name of bad) {
      expect(errorCode(reg.registerCounter(name, "help")), name).toBe(ErrorCode.InvalidArgument);
      expect(errorCode(reg.registerHistogram(name, "help", [1])), name).toBe(ErrorCode.InvalidArgument);
    }
    expect(snapshot(reg)).toBe(before);
  });

  it("rejects help text longer than 1024 characters with InvalidArgument", () => {
    const reg = registry();
    expect(errorCode(reg.registerCounter("a", "h".repeat(1025)))).toBe(ErrorCode.InvalidArgument);
    expect(reg.size).toBe(2);
  });

  it("rejects a duplicate name with Exists and keeps the original metric", () => {
    const reg = registry();
    unwrap(reg.registerCounter("frames_total", "Original."));
    const before = snapshot(reg);
    expect(errorCode(reg.registerCounter("frames_total", "Other."))).toBe(ErrorCode.Exists);
    expect(errorCode(reg.registerGauge("frames_total", "Other."))).toBe(ErrorCode.Exists);
    expect(errorCode(reg.registerCounter("picket_metrics_invalid_id_total", "Internal name."))).toBe(ErrorCode.Exists);
    expect(snapshot(reg)).toBe(before);
  });

  it("rejects names that collide with a histogram's _bucket/_sum/_count series with Exists", () => {
    const reg = registry();
    unwrap(reg.registerHistogram("latency_ms", "", [10]));
    unwrap(reg.registerCounter("errors_sum", ""));
    expect(errorCode(reg.registerCounter("latency_ms_count", ""))).toBe(ErrorCode.Exists);
    expect(errorCode(reg.registerGauge("latency_ms_bucket", ""))).toBe(ErrorCode.Exists);
    expect(errorCode(reg.registerHistogram("errors", "", [1]))).toBe(ErrorCode.Exists);
    expect(reg.size).toBe(4);
  });

  it("refuses registration past maxMetrics with Full", () => {
    const reg = registry(2);
    unwrap(reg.registerCounter("a", ""));
    unwrap(reg.registerCounter("b", ""));
    expect(errorCode(reg.registerCounter("c", ""))).toBe(ErrorCode.Full);
    expect(errorCode(reg.registerHistogram("d", "", [1]))).toBe(ErrorCode.Full);
    // Argument and name errors are reported before capacity.
    expect(errorCode(reg.registerCounter("a", ""))).toBe(ErrorCode.Exists);
    expect(errorCode(reg.registerCounter("-", ""))).toBe(ErrorCode.InvalidArgument);
    expect(reg.size).toBe(4);
  });

  it("refuses a histogram whose bounds do not fit the bucket pool with Full and leaves the pool usable", () => {
    const reg = registry(4, 3);
    unwrap(reg.registerHistogram("a", "", [1, 2]));
    const before = snapshot(reg);
    expect(errorCode(reg.registerHistogram("b", "", [1, 2]))).toBe(ErrorCode.Full);
    expect(snapshot(reg)).toBe(before);
    const c = unwrap(reg.registerHistogram("c", "", [5]));
    expect(reg.observe(c, 7)).toBe(ErrorCode.Ok);
    expect(reg.bucketObservations(c, 1)).toBe(1);
    expect(reg.bucketObservations(2, 0)).toBe(0);
  });

  it("rejects histogram bounds that are empty, unsorted, repeated or not safe integers with InvalidArgument", () => {
    const reg = registry();
    const bad: number[][] = [[], [2, 1], [1, 1], [0.5], [Number.NaN], [Infinity], [2 ** 53]];
    for (const bounds of bad) {
      expect(errorCode(reg.registerHistogram("h", "", bounds)), String(bounds)).toBe(ErrorCode.InvalidArgument);
    }
    expect(reg.size).toBe(2);
  });
});

describe("MetricsRegistry hot path", () => {
  it("counts a counter past 2^32 exactly", () => {
    const reg = registry();
    const id = unwrap(reg.registerCounter("bytes_total", ""));
    expect(reg.inc(id, 2 ** 32 - 1)).toBe(ErrorCode.Ok);
    expect(reg.inc(id)).toBe(ErrorCode.Ok);
    expect(reg.inc(id)).toBe(ErrorCode.Ok);
    expect(reg.value(id)).toBe(2 ** 32 + 1);
  });

  it("refuses an unknown id with InvalidArgument, counts it, and changes no metric", () => {
    const reg = registry();
    const id = unwrap(reg.registerCounter("a_total", ""));
    reg.inc(id, 5);
    const before = userSnapshot(reg);
    for (const bad of [99, -1, 2.5, Number.NaN, reg.size]) {
      expect(reg.inc(bad as MetricId)).toBe(ErrorCode.InvalidArgument);
    }
    expect(reg.value(METRIC_ID_INVALID_ID)).toBe(5);
    expect(userSnapshot(reg)).toBe(before);
  });

  it("refuses an operation on a metric of another kind with InvalidArgument and counts it", () => {
    const reg = registry();
    const counter = unwrap(reg.registerCounter("c_total", ""));
    const gauge = unwrap(reg.registerGauge("g", ""));
    const histogram = unwrap(reg.registerHistogram("h", "", [1]));
    const before = userSnapshot(reg);
    expect(reg.inc(gauge)).toBe(ErrorCode.InvalidArgument);
    expect(reg.set(counter, 1)).toBe(ErrorCode.InvalidArgument);
    expect(reg.add(histogram, 1)).toBe(ErrorCode.InvalidArgument);
    expect(reg.observe(counter, 1)).toBe(ErrorCode.InvalidArgument);
    expect(reg.value(METRIC_ID_INVALID_ID)).toBe(4);
    expect(userSnapshot(reg)).toBe(before);
  });

  it("does not let callers update the internal counters", () => {
    const reg = registry();
    expect(reg.inc(METRIC_ID_INVALID_ID, 100)).toBe(ErrorCode.InvalidArgument);
    expect(reg.inc(METRIC_ID_REJECTED_VALUE, 100)).toBe(ErrorCode.InvalidArgument);
    expect(reg.value(METRIC_ID_INVALID_ID)).toBe(2);
    expect(reg.value(METRIC_ID_REJECTED_VALUE)).toBe(0);
  });

  it("refuses negative, fractional and overflowing values with InvalidArgument and counts them", () => {
    const reg = registry();
    const counter = unwrap(reg.registerCounter("c_total", ""));
    const gauge = unwrap(reg.registerGauge("g", ""));
    const histogram = unwrap(reg.registerHistogram("h", "", [1]));
    reg.inc(counter, Number.MAX_SAFE_INTEGER - 1);
    reg.set(gauge, Number.MIN_SAFE_INTEGER);
    const before = userSnapshot(reg);
    expect(reg.inc(counter, -1)).toBe(ErrorCode.InvalidArgument);
    expect(reg.inc(counter, 0.5)).toBe(ErrorCode.InvalidArgument);
    expect(reg.inc(counter, 2)).toBe(ErrorCode.InvalidArgument);
    expect(reg.set(gauge, Number.NaN)).toBe(ErrorCode.InvalidArgument);
    expect(reg.add(gauge, -1)).toBe(ErrorCode.InvalidArgument);
    expect(reg.observe(histogram, 1.25)).toBe(ErrorCode.InvalidArgument);
    expect(reg.value(METRIC_ID_REJECTED_VALUE)).toBe(6);
    expect(reg.value(METRIC_ID_INVALID_ID)).toBe(0);
    expect(userSnapshot(reg)).toBe(before);
    expect(reg.inc(counter, 1)).toBe(ErrorCode.Ok);
    expect(reg.value(counter)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("sets and adds to a gauge, including below zero", () => {
    const reg = registry();
    const gauge = unwrap(reg.registerGauge("g", ""));
    expect(reg.set(gauge, 10)).toBe(ErrorCode.Ok);
    expect(reg.add(gauge, -25)).toBe(ErrorCode.Ok);
    expect(reg.value(gauge)).toBe(-15);
  });

  it("puts an observation equal to a bound in that bound's bucket (le) and larger ones in +Inf", () => {
    const reg = registry();
    const h = unwrap(reg.registerHistogram("h", "", [0, 10, 100]));
    for (const v of [-5, 0, 1, 10, 11, 100, 101, 10_000]) expect(reg.observe(h, v)).toBe(ErrorCode.Ok);
    expect(reg.bucketCount(h)).toBe(4);
    expect([0, 1, 2, 3].map((i) => reg.bucketObservations(h, i))).toEqual([2, 2, 2, 2]);
    expect([0, 1, 2, 3].map((i) => reg.bucketUpperBound(h, i))).toEqual([0, 10, 100, Infinity]);
    expect(reg.histogramCount(h)).toBe(8);
    expect(reg.value(h)).toBe(10_218);
  });

  it("snapshots cumulative buckets, refusing a short array with TooLarge and a non-histogram with InvalidArgument", () => {
    const reg = registry();
    const h = unwrap(reg.registerHistogram("h", "", [1, 2]));
    const c = unwrap(reg.registerCounter("c", ""));
    reg.observe(h, 1);
    reg.observe(h, 2);
    reg.observe(h, 3);
    const out = new Float64Array(3);
    expect(reg.snapshotCumulative(h, out)).toBe(ErrorCode.Ok);
    expect([...out]).toEqual([1, 2, 3]);
    expect(reg.snapshotCumulative(h, new Float64Array(2))).toBe(ErrorCode.TooLarge);
    expect(reg.snapshotCumulative(c, out)).toBe(ErrorCode.InvalidArgument);
  });

  it("answers read calls for unregistered ids with neutral values", () => {
    const reg = registry();
    expect(reg.kind(50)).toBe(MetricKind.Unused);
    expect(reg.name(50)).toBe("");
    expect(reg.value(-1)).toBe(0);
    expect(reg.bucketCount(0)).toBe(0);
    expect(reg.bucketUpperBound(0, 0)).toBeNaN();
  });
});

const INTERNAL_TEXT =
  "# HELP picket_metrics_invalid_id_total Metric updates refused because the id was unknown or of the wrong kind.\n" +
  "# TYPE picket_metrics_invalid_id_total counter\n" +
  "picket_metrics_invalid_id_total 0\n" +
  "# HELP picket_metrics_rejected_value_total Metric updates refused because the value was not a safe integer, was negative for a counter, or would overflow.\n" +
  "# TYPE picket_metrics_rejected_value_total counter\n" +
  "picket_metrics_rejected_value_total 0\n";

function smallRegistry(framesReceived: number): MetricsRegistry {
  const reg = registry(4, 8);
  const frames = unwrap(reg.registerCounter("picket_frames_received_total", "Frames received."));
  const depth = unwrap(reg.registerGauge("picket_queue_depth", "Queue depth, in frames.\nA backslash: \\ stays."));
  const bytes = unwrap(reg.registerHistogram("picket_frame_bytes", "Frame size in bytes.", [16, 64, 256]));
  reg.inc(frames, framesReceived);
  reg.set(depth, -2);
  for (const v of [10, 16, 100, 300]) reg.observe(bytes, v);
  return reg;
}

describe("Prometheus text exposition 0.0.4", () => {
  it("renders HELP/TYPE, samples and cumulative histogram buckets with +Inf, _sum and _count", () => {
    expect(unwrap(renderPrometheus(smallRegistry(3)))).toBe(
      INTERNAL_TEXT +
        "# HELP picket_frames_received_total Frames received.\n" +
        "# TYPE picket_frames_received_total counter\n" +
        "picket_frames_received_total 3\n" +
        "# HELP picket_queue_depth Queue depth, in frames.\\nA backslash: \\\\ stays.\n" +
        "# TYPE picket_queue_depth gauge\n" +
        "picket_queue_depth -2\n" +
        "# HELP picket_frame_bytes Frame size in bytes.\n" +
        "# TYPE picket_frame_bytes histogram\n" +
        'picket_frame_bytes_bucket{le="16"} 2\n' +
        'picket_frame_bytes_bucket{le="64"} 2\n' +
        'picket_frame_bytes_bucket{le="256"} 3\n' +
        'picket_frame_bytes_bucket{le="+Inf"} 4\n' +
        "picket_frame_bytes_sum 426\n" +
        "picket_frame_bytes_count 4\n",
    );
  });

  it("omits HELP for empty help and escapes backslash, quote and newline in label values", () => {
    const reg = registry(1, 0);
    unwrap(reg.registerGauge("up", ""));
    const text = unwrap(renderPrometheus(reg, [["site", 'a"b\\c\nd']]));
    expect(text.endsWith('# TYPE up gauge\nup{site="a\\"b\\\\c\\nd"} 0\n')).toBe(true);
    expect(text).not.toContain("# HELP up");
  });

  it("groups the same metric of several agents under one HELP/TYPE, told apart by constant labels", () => {
    const text = unwrap(
      renderPrometheusMany([
        { registry: smallRegistry(3), constLabels: [["node", "1"]] },
        { registry: smallRegistry(7), constLabels: [["node", "2"]] },
      ]),
    );
    const lines = text.split("\n");
    expect(lines.filter((l) => l === "# TYPE picket_frames_received_total counter")).toHaveLength(1);
    const start = lines.indexOf("# TYPE picket_frames_received_total counter");
    expect(lines.slice(start + 1, start + 3)).toEqual([
      'picket_frames_received_total{node="1"} 3',
      'picket_frames_received_total{node="2"} 7',
    ]);
    const histogram = lines.indexOf("# TYPE picket_frame_bytes histogram");
    expect(lines.slice(histogram + 1)).toEqual([
      'picket_frame_bytes_bucket{node="1",le="16"} 2',
      'picket_frame_bytes_bucket{node="1",le="64"} 2',
      'picket_frame_bytes_bucket{node="1",le="256"} 3',
      'picket_frame_bytes_bucket{node="1",le="+Inf"} 4',
      'picket_frame_bytes_sum{node="1"} 426',
      'picket_frame_bytes_count{node="1"} 4',
      'picket_frame_bytes_bucket{node="2",le="16"} 2',
      'picket_frame_bytes_bucket{node="2",le="64"} 2',
      'picket_frame_bytes_bucket{node="2",le="256"} 3',
      'picket_frame_bytes_bucket{node="2",le="+Inf"} 4',
      'picket_frame_bytes_sum{node="2"} 426',
      'picket_frame_bytes_count{node="2"} 4',
      "",
    ]);
  });

  it("rejects invalid, reserved or repeated label names with InvalidArgument", () => {
    const reg = smallRegistry(1);
    for (const labels of [[["le", "1"]], [["__name", "x"]], [["1node", "x"]], [["node-id", "x"]], [["a", "1"], ["a", "2"]]] as const) {
      expect(errorCode(renderPrometheus(reg, labels)), JSON.stringify(labels)).toBe(ErrorCode.InvalidArgument);
    }
  });

  it("rejects two sources with the same label set, or one name with two types, with InvalidArgument", () => {
    const same = renderPrometheusMany([
      { registry: smallRegistry(1), constLabels: [["node", "1"]] },
      { registry: smallRegistry(2), constLabels: [["node", "1"]] },
    ]);
    expect(errorCode(same)).toBe(ErrorCode.InvalidArgument);
    const other = registry(1, 0);
    unwrap(other.registerCounter("picket_queue_depth", ""));
    const mixed = renderPrometheusMany([
      { registry: smallRegistry(1), constLabels: [["node", "1"]] },
      { registry: other, constLabels: [["node", "2"]] },
    ]);
    expect(errorCode(mixed)).toBe(ErrorCode.InvalidArgument);
  });
});
