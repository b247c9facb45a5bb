/**
 * Metrics registry: counters, gauges and fixed-bucket histograms.
 *
 * Every metric is registered at start (registration may allocate: names and
 * help strings are stored once). After that the hot path (`inc`, `add`,
 * `set`, `observe`) only writes numbers into preallocated typed arrays: no
 * allocation, no strings, no formatting. Exporters read the registry by index
 * (ids are 0..size-1 in registration order) and format off the hot path
 * (host-sim/exporters/prometheus.ts).
 *
 * Values are integers stored in Float64Array, exact up to 2^53 - 1, so a
 * counter counts far past 2^32 (at 10^6 increments per second it takes
 * ~285 years to reach 2^53). An update that would leave the safe-integer
 * range is refused rather than rounded.
 *
 * Nothing fails silently: an update with an unknown id, or an id of the wrong
 * kind, is counted in `picket_metrics_invalid_id_total`; an update with a
 * non-integer, negative (counter) or overflowing value is counted in
 * `picket_metrics_rejected_value_total`. Both are ordinary exported counters
 * (ids 0 and 1), which callers cannot update themselves.
 */
import { ErrorCode } from "./errors";
import { err, ok, OK, type Result, type Status } from "./result";

export const MetricKind = Object.freeze({
  Unused: 0,
  Counter: 1,
  Gauge: 2,
  Histogram: 3,
} as const);

export type MetricKind = (typeof MetricKind)[keyof typeof MetricKind];

/** A metric id handed out by a register call; not interchangeable with other numbers. */
export type MetricId = number & { readonly __brand: "MetricId" };

export interface MetricsOptions {
  /** Metrics the caller may register (the two internal counters come on top). */
  readonly maxMetrics: number;
  /** Finite bucket upper bounds across all histograms (each +Inf bucket comes on top). */
  readonly maxHistogramBuckets: number;
}

/** Sanity limits on configuration, so a typo in a site config cannot ask for gigabytes. */
export const METRICS_MAX = 65_536;
export const HISTOGRAM_BUCKETS_MAX = 1_048_576;
export const METRIC_NAME_MAX_CHARS = 200;
export const METRIC_HELP_MAX_CHARS = 1_024;
/** Finite bounds one histogram may have (bounds the binary search in `observe`). */
export const HISTOGRAM_BOUNDS_MAX = 1_024;

/** Ids of the registry's own counters. */
export const METRIC_ID_INVALID_ID = 0 as MetricId;
export const METRIC_ID_REJECTED_VALUE = 1 as MetricId;
const INTERNAL_METRICS = 2;

const INVALID_ID_NAME = "picket_metrics_invalid_id_total";
const INVALID_ID_HELP = "Metric updates refused because the id was unknown or of the wrong kind.";
const REJECTED_VALUE_NAME = "picket_metrics_rejected_value_total";
const REJECTED_VALUE_HELP =
  "Metric updates refused because the value was not a safe integer, was negative for a counter, or would overflow.";

// Binary search over at most HISTOGRAM_BOUNDS_MAX (2^10) bounds needs 11 steps.
const BUCKET_SEARCH_STEPS_MAX = 11;

/*
 * One Float64Array holds every number (a typed array costs about 128 B of
 * heap on XS before its data): METRIC_FIELDS per metric, then the bucket
 * pool, BUCKET_FIELDS per bucket: per histogram, its finite bounds then one
 * +Inf bucket.
 */
const M_KIND = 0;
const M_VALUE = 1; // counter or gauge value; histogram sum of observations
const M_COUNT = 2; // histogram observation count (the +Inf cumulative bucket)
const M_BUCKET_START = 3; // histogram: first bucket in the pool
const M_BOUND_COUNT = 4; // histogram: number of finite bounds
const METRIC_FIELDS = 5;
const B_BOUND = 0;
const B_OBSERVATIONS = 1; // non-cumulative
const BUCKET_FIELDS = 2;

export class MetricsRegistry {
  private readonly capacity_: number;
  private readonly t_: Float64Array;
  private readonly bucketBase_: number;
  /** Name and help of metric i at 2i and 2i + 1. */
  private readonly texts_: string[];
  private readonly maxFiniteBuckets_: number;
  private size_ = 0;
  private finiteBucketsUsed_ = 0;
  private poolUsed_ = 0;

  private constructor(maxMetrics: number, maxHistogramBuckets: number) {
    const capacity = maxMetrics + INTERNAL_METRICS;
    this.capacity_ = capacity;
    this.bucketBase_ = capacity * METRIC_FIELDS;
    // One +Inf slot per possible histogram on top of the finite bounds.
    this.t_ = new Float64Array(this.bucketBase_ + (maxHistogramBuckets + maxMetrics) * BUCKET_FIELDS);
    this.texts_ = new Array<string>(2 * capacity).fill("");
    this.maxFiniteBuckets_ = maxHistogramBuckets;
    this.addMetric(INVALID_ID_NAME, INVALID_ID_HELP, MetricKind.Counter);
    this.addMetric(REJECTED_VALUE_NAME, REJECTED_VALUE_HELP, MetricKind.Counter);
  }

  static create(options: MetricsOptions): Result<MetricsRegistry> {
    const { maxMetrics, maxHistogramBuckets } = options;
    if (!isIntIn(maxMetrics, 0, METRICS_MAX)) return err(ErrorCode.InvalidArgument);
    if (!isIntIn(maxHistogramBuckets, 0, HISTOGRAM_BUCKETS_MAX)) return err(ErrorCode.InvalidArgument);
    return ok(new MetricsRegistry(maxMetrics, maxHistogramBuckets));
  }

  // ---- registration (start-up; may allocate) ----

  /** Errors: InvalidArgument (name/help), Exists (name or its series taken), Full. */
  registerCounter(name: string, help: string): Result<MetricId> {
    return this.register(name, help, MetricKind.Counter);
  }

  /** Errors: InvalidArgument (name/help), Exists, Full. */
  registerGauge(name: string, help: string): Result<MetricId> {
    return this.register(name, help, MetricKind.Gauge);
  }

  /**
   * `upperBounds`: strictly increasing safe integers, 1..HISTOGRAM_BOUNDS_MAX of
   * them; an observation v lands in the first bucket with v <= bound ("le"),
   * else in the implicit +Inf bucket.
   * Errors: InvalidArgument (name/help/bounds), Exists, Full (metrics or bucket pool).
   */
  registerHistogram(name: string, help: string, upperBounds: readonly number[]): Result<MetricId> {
    const boundCount = upperBounds.length;
    if (!isValidBounds(upperBounds)) return err(ErrorCode.InvalidArgument);
    const checked = this.checkNew(name, help, MetricKind.Histogram);
    if (checked !== OK) return err(checked);
    if (this.finiteBucketsUsed_ + boundCount > this.maxFiniteBuckets_) return err(ErrorCode.Full);
    const id = this.addMetric(name, help, MetricKind.Histogram);
    const start = this.poolUsed_;
    for (let i = 0; i < boundCount; i++) this.t_[this.bucketBase_ + (start + i) * BUCKET_FIELDS + B_BOUND] = upperBounds[i] ?? 0;
    this.t_[this.bucketBase_ + (start + boundCount) * BUCKET_FIELDS + B_BOUND] = Infinity;
    this.t_[id * METRIC_FIELDS + M_BUCKET_START] = start;
    this.t_[id * METRIC_FIELDS + M_BOUND_COUNT] = boundCount;
    this.poolUsed_ = start + boundCount + 1;
    this.finiteBucketsUsed_ += boundCount;
    return ok(id);
  }

  private register(name: string, help: string, kind: MetricKind): Result<MetricId> {
    const checked = this.checkNew(name, help, kind);
    if (checked !== OK) return err(checked);
    return ok(this.addMetric(name, help, kind));
  }

  // Order of checks: arguments, then name clashes, then capacity.
  private checkNew(name: string, help: string, kind: MetricKind): Status {
    if (!isValidMetricName(name)) return ErrorCode.InvalidArgument;
    if (help.length > METRIC_HELP_MAX_CHARS) return ErrorCode.InvalidArgument;
    for (let id = 0; id < this.size_; id++) {
      const other = this.texts_[2 * id] ?? "";
      if (seriesClash(name, kind, other, this.t_[id * METRIC_FIELDS + M_KIND] ?? MetricKind.Unused)) return ErrorCode.Exists;
    }
    if (this.size_ >= this.capacity_) return ErrorCode.Full;
    return OK;
  }

  private addMetric(name: string, help: string, kind: MetricKind): MetricId {
    const id = this.size_;
    this.texts_[2 * id] = name;
    this.texts_[2 * id + 1] = help;
    this.t_[id * METRIC_FIELDS + M_KIND] = kind;
    this.size_ = id + 1;
    return id as MetricId;
  }

  // ---- hot path: no allocation ----

  /** Counter += by (a non-negative safe integer). Errors: InvalidArgument. */
  inc(id: MetricId, by = 1): Status {
    if (!this.isUserMetric(id, MetricKind.Counter)) return this.invalidId();
    if (!Number.isSafeInteger(by) || by < 0) return this.rejectedValue();
    const next = (this.t_[id * METRIC_FIELDS + M_VALUE] ?? 0) + by;
    if (next > Number.MAX_SAFE_INTEGER) return this.rejectedValue();
    this.t_[id * METRIC_FIELDS + M_VALUE] = next;
    return OK;
  }

  /** Gauge += delta (a safe integer, may be negative). Errors: InvalidArgument. */
  add(id: MetricId, delta: number): Status {
    if (!this.isUserMetric(id, MetricKind.Gauge)) return this.invalidId();
    if (!Number.isSafeInteger(delta)) return this.rejectedValue();
    const next = (this.t_[id * METRIC_FIELDS + M_VALUE] ?? 0) + delta;
    if (!Number.isSafeInteger(next)) return this.rejectedValue();
    this.t_[id * METRIC_FIELDS + M_VALUE] = next;
    return OK;
  }

  /** Gauge = value (a safe integer). Errors: InvalidArgument. */
  set(id: MetricId, value: number): Status {
    if (!this.isUserMetric(id, MetricKind.Gauge)) return this.invalidId();
    if (!Number.isSafeInteger(value)) return this.rejectedValue();
    this.t_[id * METRIC_FIELDS + M_VALUE] = value;
    return OK;
  }

  /** Record one observation (a safe integer). Errors: InvalidArgument. */
  observe(id: MetricId, value: number): Status {
    if (!this.isUserMetric(id, MetricKind.Histogram)) return this.invalidId();
    if (!Number.isSafeInteger(value)) return this.rejectedValue();
    const sum = (this.t_[id * METRIC_FIELDS + M_VALUE] ?? 0) + value;
    if (!Number.isSafeInteger(sum)) return this.rejectedValue();
    const start = this.t_[id * METRIC_FIELDS + M_BUCKET_START] ?? 0;
    const slot = start + this.findBucket(start, this.t_[id * METRIC_FIELDS + M_BOUND_COUNT] ?? 0, value);
    this.t_[this.bucketBase_ + slot * BUCKET_FIELDS + B_OBSERVATIONS] = (this.t_[this.bucketBase_ + slot * BUCKET_FIELDS + B_OBSERVATIONS] ?? 0) + 1;
    this.t_[id * METRIC_FIELDS + M_COUNT] = (this.t_[id * METRIC_FIELDS + M_COUNT] ?? 0) + 1;
    this.t_[id * METRIC_FIELDS + M_VALUE] = sum;
    return OK;
  }

  // First index i in [0, boundCount) with value <= bound[i]; boundCount (+Inf) if none.
  private findBucket(start: number, boundCount: number, value: number): number {
    let lo = 0;
    let hi = boundCount;
    for (let step = 0; step < BUCKET_SEARCH_STEPS_MAX && lo < hi; step++) {
      const mid = (lo + hi) >>> 1;
      if (value <= (this.t_[this.bucketBase_ + (start + mid) * BUCKET_FIELDS + B_BOUND] ?? 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private isUserMetric(id: number, kind: MetricKind): boolean {
    return (id >>> 0) === id && id >= INTERNAL_METRICS && id < this.size_ && this.t_[id * METRIC_FIELDS + M_KIND] === kind;
  }

  private invalidId(): Status {
    this.t_[METRIC_ID_INVALID_ID * METRIC_FIELDS + M_VALUE] = (this.t_[METRIC_ID_INVALID_ID * METRIC_FIELDS + M_VALUE] ?? 0) + 1;
    return ErrorCode.InvalidArgument;
  }

  private rejectedValue(): Status {
    this.t_[METRIC_ID_REJECTED_VALUE * METRIC_FIELDS + M_VALUE] = (this.t_[METRIC_ID_REJECTED_VALUE * METRIC_FIELDS + M_VALUE] ?? 0) + 1;
    return ErrorCode.InvalidArgument;
  }

  // ---- read API for exporters: ids 0..size-1, registration order ----

  /** Registered metrics, including the two internal counters. */
  get size(): number {
    return this.size_;
  }

  /** Metrics this registry can hold, including the two internal counters. */
  get capacity(): number {
    return this.capacity_;
  }

  /** `Unused` for an id that is not registered. */
  kind(id: number): MetricKind {
    if (!this.isRegistered(id)) return MetricKind.Unused;
    return (this.t_[id * METRIC_FIELDS + M_KIND] ?? MetricKind.Unused) as MetricKind;
  }

  /** "" for an id that is not registered. */
  name(id: number): string {
    return this.isRegistered(id) ? (this.texts_[2 * id] ?? "") : "";
  }

  /** "" for an id that is not registered. */
  help(id: number): string {
    return this.isRegistered(id) ? (this.texts_[2 * id + 1] ?? "") : "";
  }

  /** Counter or gauge value; for a histogram, the sum of observations. 0 if not registered. */
  value(id: number): number {
    return this.isRegistered(id) ? (this.t_[id * METRIC_FIELDS + M_VALUE] ?? 0) : 0;
  }

  /** Histogram observation count; 0 for other kinds. */
  histogramCount(id: number): number {
    return this.kind(id) === MetricKind.Histogram ? (this.t_[id * METRIC_FIELDS + M_COUNT] ?? 0) : 0;
  }

  /** Buckets of a histogram including the +Inf bucket; 0 for other kinds. */
  bucketCount(id: number): number {
    return this.kind(id) === MetricKind.Histogram ? (this.t_[id * METRIC_FIELDS + M_BOUND_COUNT] ?? 0) + 1 : 0;
  }

  /** Upper bound of bucket `index` (Infinity for the last); NaN if out of range. */
  bucketUpperBound(id: number, index: number): number {
    if (!this.isBucket(id, index)) return Number.NaN;
    return this.t_[this.bucketBase_ + ((this.t_[id * METRIC_FIELDS + M_BUCKET_START] ?? 0) + index) * BUCKET_FIELDS + B_BOUND] ?? Number.NaN;
  }

  /** Observations that landed in bucket `index` alone (not cumulative); 0 if out of range. */
  bucketObservations(id: number, index: number): number {
    if (!this.isBucket(id, index)) return 0;
    return this.t_[this.bucketBase_ + ((this.t_[id * METRIC_FIELDS + M_BUCKET_START] ?? 0) + index) * BUCKET_FIELDS + B_OBSERVATIONS] ?? 0;
  }

  /**
   * Copy a histogram's cumulative bucket counts (as exposed by Prometheus
   * `_bucket{le=...}`, last entry = +Inf = count) into `out`. No allocation.
   * Errors: InvalidArgument (not a histogram), TooLarge (out shorter than bucketCount).
   */
  snapshotCumulative(id: number, out: Float64Array): Status {
    const buckets = this.bucketCount(id);
    if (buckets === 0) return ErrorCode.InvalidArgument;
    if (out.length < buckets) return ErrorCode.TooLarge;
    const start = this.t_[id * METRIC_FIELDS + M_BUCKET_START] ?? 0;
    let running = 0;
    for (let i = 0; i < buckets; i++) {
      running += this.t_[this.bucketBase_ + (start + i) * BUCKET_FIELDS + B_OBSERVATIONS] ?? 0;
      out[i] = running;
    }
    return OK;
  }

  private isRegistered(id: number): boolean {
    return (id >>> 0) === id && id < this.size_;
  }

  private isBucket(id: number, index: number): boolean {
    return (index >>> 0) === index && index < this.bucketCount(id);
  }
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

/** Prometheus data model: metric names match [a-zA-Z_:][a-zA-Z0-9_:]*. */
export function isValidMetricName(name: string): boolean {
  const length = name.length;
  if (length === 0 || length > METRIC_NAME_MAX_CHARS) return false;
  for (let i = 0; i < length; i++) {
    const c = name.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    const digit = c >= 0x30 && c <= 0x39;
    const mark = c === 0x5f || c === 0x3a; // '_' ':'
    if (!(letter || mark || (digit && i > 0))) return false;
  }
  return true;
}

function isValidBounds(bounds: readonly number[]): boolean {
  const count = bounds.length;
  if (count < 1 || count > HISTOGRAM_BOUNDS_MAX) return false;
  for (let i = 0; i < count; i++) {
    const bound = bounds[i];
    if (bound === undefined || !Number.isSafeInteger(bound)) return false;
    if (i > 0 && bound <= (bounds[i - 1] ?? 0)) return false;
  }
  return true;
}

/**
 * Two metrics clash if any sample names they expose coincide: a histogram
 * `h` also exposes `h_bucket`, `h_sum` and `h_count`, so a counter named
 * `h_count` next to it would produce two groups for one name, which the
 * exposition format forbids.
 */
function seriesClash(a: string, aKind: number, b: string, bKind: number): boolean {
  if (a === b) return true;
  if (aKind === MetricKind.Histogram && isHistogramSeries(a, b)) return true;
  return bKind === MetricKind.Histogram && isHistogramSeries(b, a);
}

function isHistogramSeries(base: string, other: string): boolean {
  return other === base + "_bucket" || other === base + "_sum" || other === base + "_count";
}
