/**
 * Airtime used over a sliding window, in a fixed ring of per-bucket
 * airtime records (README "Mesh transport").
 *
 * Time is cut into buckets of `windowMs / bucketCount`; a record adds its
 * airtime to the bucket of the time it is recorded at. `usedUs(now)` sums
 * every bucket that overlaps (now - windowMs, now] (and any later one), so
 * it is never below the true sliding-window total: it may overcount by up
 * to one bucket at the trailing edge, never undercount. That is the safe
 * side for a regulatory budget (ETSI EN 300 220-2 duty cycle).
 *
 * The ring has bucketCount + 1 slots (a window can overlap that many
 * buckets); a slot is reset when a record of another bucket lands in it.
 * A slot does not store its bucket's number: slot s can only hold a bucket
 * congruent to s, so it keeps how many ring turns its bucket is behind the
 * newest one congruent to s that the newest record reached (one byte, 255 =
 * empty). That answers exactly as a ring storing bucket numbers does for
 * any record or query up to 254 ring turns (254 windows) before the newest
 * record; a record older than that is not kept (a window that ends that
 * long before the newest record is never asked about). Sums are exact
 * integers to 2^53 µs. Nothing is allocated after create; every operation
 * is O(bucketCount) at most.
 *
 * One window may keep several series (e.g. all airtime heard and sent, and
 * only what this node sent) over the same window and buckets: each series
 * is a ring of its own, answering exactly as a window of its own would,
 * in the same ArrayBuffer (one instance and two views for all of them).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";

export const AIRTIME_BUCKETS_MAX = 3600;
export const AIRTIME_SERIES_MAX = 4;
/** A slot's lag byte when it holds nothing (or a bucket too far behind to count). */
const LAG_EMPTY = 255;

export class AirtimeWindow {
  private readonly windowMs_: number;
  /**
   * Per series, per slot (bucketCount + 1 slots): the airtime in µs of the bucket the slot holds;
   * then per series the newest bucket number recorded (-1 = none). Few fields: an instance costs a
   * heap slot per field on XS, so slot and series counts come from the views' lengths.
   */
  private readonly numbers_: Float64Array;
  /** Per series, per slot: ring turns its bucket is behind the newest bucket congruent to the slot (LAG_EMPTY: nothing). */
  private readonly lags_: Uint8Array;

  /**
   * `windowMs` divisible by `bucketCount` (1..AIRTIME_BUCKETS_MAX), `seriesCount`
   * in 1..AIRTIME_SERIES_MAX; else InvalidArgument.
   */
  static create(windowMs: number, bucketCount: number, seriesCount = 1): Result<AirtimeWindow> {
    if ((bucketCount | 0) !== bucketCount || bucketCount < 1 || bucketCount > AIRTIME_BUCKETS_MAX) return err(ErrorCode.InvalidArgument);
    if (!Number.isSafeInteger(windowMs) || windowMs < bucketCount || windowMs % bucketCount !== 0) return err(ErrorCode.InvalidArgument);
    if ((seriesCount | 0) !== seriesCount || seriesCount < 1 || seriesCount > AIRTIME_SERIES_MAX) return err(ErrorCode.InvalidArgument);
    return ok(new AirtimeWindow(windowMs, bucketCount, seriesCount));
  }

  private constructor(windowMs: number, bucketCount: number, seriesCount: number) {
    const cells = seriesCount * (bucketCount + 1);
    const buffer = new ArrayBuffer(8 * (cells + seriesCount) + cells);
    this.windowMs_ = windowMs;
    this.numbers_ = new Float64Array(buffer, 0, cells + seriesCount).fill(-1, cells);
    this.lags_ = new Uint8Array(buffer, 8 * (cells + seriesCount), cells).fill(LAG_EMPTY);
  }

  get windowMs(): number {
    return this.windowMs_;
  }

  get bucketMs(): number {
    return this.windowMs_ / (this.slots() - 1);
  }

  get seriesCount(): number {
    return this.numbers_.length - this.lags_.length;
  }

  /**
   * Add `airtimeUs` at time `atMs` (a non-negative integer) to `series`
   * (0..seriesCount-1; a record to any other series is not kept).
   */
  record(atMs: number, airtimeUs: number, series = 0): void {
    if (!this.validSeries(series)) return;
    const epoch = Math.floor(atMs / this.bucketMs);
    const slots = this.slots();
    if (epoch > this.newest(series)) this.advance(series, epoch);
    const lag = Math.floor((this.newest(series) - epoch) / slots);
    if (lag >= LAG_EMPTY) return;
    const cell = series * slots + (epoch % slots);
    if (this.lags_[cell] !== lag) {
      this.lags_[cell] = lag;
      this.numbers_[cell] = 0;
    }
    this.numbers_[cell] = (this.numbers_[cell] ?? 0) + airtimeUs;
  }

  /**
   * Airtime in µs of `series` that may fall inside (nowMs - windowMs, nowMs]:
   * an upper bound. For a series that does not exist, Number.MAX_SAFE_INTEGER
   * (a budget checked against it refuses: fails closed).
   */
  usedUs(nowMs: number, series = 0): number {
    if (!this.validSeries(series)) return Number.MAX_SAFE_INTEGER;
    const oldest = this.oldestEpoch(nowMs);
    const slots = this.slots();
    let sum = 0;
    for (let slot = 0; slot < slots; slot++) {
      if (this.epochAt(series, slot) >= oldest) sum += this.numbers_[series * slots + slot] ?? 0;
    }
    return sum;
  }

  /**
   * The earliest time after `nowMs` at which `usedUs` of `series` can fall
   * (the oldest counted bucket leaves the window), or -1 when nothing is
   * counted (or the series does not exist).
   */
  nextReleaseMs(nowMs: number, series = 0): number {
    if (!this.validSeries(series)) return -1;
    const oldest = this.oldestEpoch(nowMs);
    const slots = this.slots();
    let first = -1;
    for (let slot = 0; slot < slots; slot++) {
      const epoch = this.epochAt(series, slot);
      if (epoch >= oldest && (this.numbers_[series * slots + slot] ?? 0) > 0 && (first < 0 || epoch < first)) first = epoch;
    }
    // Bucket e is no longer counted once now - windowMs + 1 >= (e + 1) * bucketMs.
    return first < 0 ? -1 : (first + 1) * this.bucketMs + this.windowMs_ - 1;
  }

  /** Forget everything, in every series. */
  clear(): void {
    const cells = this.lags_.length;
    this.numbers_.fill(0, 0, cells).fill(-1, cells);
    this.lags_.fill(LAG_EMPTY);
  }

  /** Ring slots per series: bucketCount + 1. */
  private slots(): number {
    return this.lags_.length / this.seriesCount;
  }

  private validSeries(series: number): boolean {
    return (series >>> 0) === series && series < this.seriesCount;
  }

  /** The newest bucket number recorded in `series`, -1 = none. */
  private newest(series: number): number {
    return this.numbers_[this.lags_.length + series] ?? -1;
  }

  /** The bucket number `slot` of `series` holds, or -1 when empty. */
  private epochAt(series: number, slot: number): number {
    const slots = this.slots();
    const lag = this.lags_[series * slots + slot] ?? LAG_EMPTY;
    if (lag === LAG_EMPTY) return -1;
    const newest = this.newest(series);
    // The newest bucket <= newest congruent to slot, then `lag` turns back.
    return newest - ((newest - slot) % slots) - lag * slots;
  }

  /** `series`' newest record moves on to bucket `epoch`: every slot whose newest congruent bucket moved falls that many turns further behind. */
  private advance(series: number, epoch: number): void {
    const previous = this.newest(series);
    this.numbers_[this.lags_.length + series] = epoch;
    if (previous < 0) return; // every slot is empty
    const slots = this.slots();
    const moved = epoch - previous;
    for (let slot = 0; slot < slots; slot++) {
      const cell = series * slots + slot;
      const lag = this.lags_[cell] ?? LAG_EMPTY;
      if (lag === LAG_EMPTY) continue;
      // Buckets congruent to slot in (previous, epoch]: the slot's newest one was (previous - slot) % slots behind previous.
      const turns = Math.floor((moved + ((previous - slot) % slots)) / slots);
      this.lags_[cell] = Math.min(LAG_EMPTY, lag + turns);
    }
  }

  /** First bucket overlapping (nowMs - windowMs, nowMs]. */
  private oldestEpoch(nowMs: number): number {
    const start = nowMs - this.windowMs_ + 1;
    return start <= 0 ? 0 : Math.floor(start / this.bucketMs);
  }
}
