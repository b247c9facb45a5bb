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
 * in the same region (one instance for all of them), of the transport's
 * arena (arena.ts) or of an arena of its own.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { arenaOr, type Arena } from "./arena";

export const AIRTIME_BUCKETS_MAX = 3600;
export const AIRTIME_SERIES_MAX = 4;
/** A slot's lag byte when it holds nothing (or a bucket too far behind to count). */
const LAG_EMPTY = 255;

export class AirtimeWindow {
  private readonly windowMs_: number;
  /**
   * The region from base_: per series, per slot (bucketCount + 1 slots) the airtime in µs of the
   * bucket the slot holds (f64); per series the newest bucket number recorded (f64, -1 = none);
   * then per series, per slot, the ring turns its bucket is behind the newest bucket congruent to
   * the slot (u8, LAG_EMPTY: nothing).
   */
  private readonly view_: Arena;
  private readonly base_: number;
  /** Ring slots per series: bucketCount + 1. */
  private readonly slots_: number;
  private readonly series_: number;

  /** Bytes of arena a window takes (arena.ts); arguments as create's (unchecked). */
  static bytesFor(bucketCount: number, seriesCount = 1): number {
    const cells = seriesCount * (bucketCount + 1);
    return 8 * (cells + seriesCount) + cells;
  }

  /**
   * `windowMs` divisible by `bucketCount` (1..AIRTIME_BUCKETS_MAX), `seriesCount`
   * in 1..AIRTIME_SERIES_MAX; else InvalidArgument. The window lives in `arena`
   * from `base` (default: an arena of its own).
   */
  static create(windowMs: number, bucketCount: number, seriesCount = 1, arena?: Arena, base = 0): Result<AirtimeWindow> {
    if ((bucketCount | 0) !== bucketCount || bucketCount < 1 || bucketCount > AIRTIME_BUCKETS_MAX) return err(ErrorCode.InvalidArgument);
    if (!Number.isSafeInteger(windowMs) || windowMs < bucketCount || windowMs % bucketCount !== 0) return err(ErrorCode.InvalidArgument);
    if ((seriesCount | 0) !== seriesCount || seriesCount < 1 || seriesCount > AIRTIME_SERIES_MAX) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(AirtimeWindow.bytesFor(bucketCount, seriesCount), arena);
    return ok(new AirtimeWindow(windowMs, bucketCount, seriesCount, view, base));
  }

  private constructor(windowMs: number, bucketCount: number, seriesCount: number, view: Arena, base: number) {
    this.windowMs_ = windowMs;
    this.view_ = view;
    this.base_ = base;
    this.slots_ = bucketCount + 1;
    this.series_ = seriesCount;
    this.clear();
  }

  get windowMs(): number {
    return this.windowMs_;
  }

  get bucketMs(): number {
    return this.windowMs_ / (this.slots_ - 1);
  }

  get seriesCount(): number {
    return this.series_;
  }

  /**
   * Add `airtimeUs` at time `atMs` (a non-negative integer) to `series`
   * (0..seriesCount-1; a record to any other series is not kept).
   */
  record(atMs: number, airtimeUs: number, series = 0): void {
    if (!this.validSeries_(series)) return;
    const epoch = Math.floor(atMs / this.bucketMs);
    const slots = this.slots_;
    if (epoch > this.newest_(series)) this.advance_(series, epoch);
    const lag = Math.floor((this.newest_(series) - epoch) / slots);
    if (lag >= LAG_EMPTY) return;
    const cell = series * slots + (epoch % slots);
    if (this.lag_(cell) !== lag) {
      this.setLag_(cell, lag);
      this.setAirtime_(cell, 0);
    }
    this.setAirtime_(cell, this.airtime_(cell) + airtimeUs);
  }

  /**
   * Airtime in µs of `series` that may fall inside (nowMs - windowMs, nowMs]:
   * an upper bound. For a series that does not exist, Number.MAX_SAFE_INTEGER
   * (a budget checked against it refuses: fails closed).
   */
  usedUs(nowMs: number, series = 0): number {
    if (!this.validSeries_(series)) return Number.MAX_SAFE_INTEGER;
    const oldest = this.oldestEpoch_(nowMs);
    const slots = this.slots_;
    let sum = 0;
    for (let slot = 0; slot < slots; slot++) {
      if (this.epochAt_(series, slot) >= oldest) sum += this.airtime_(series * slots + slot);
    }
    return sum;
  }

  /**
   * The earliest time after `nowMs` at which `usedUs` of `series` can fall
   * (the oldest counted bucket leaves the window), or -1 when nothing is
   * counted (or the series does not exist).
   */
  nextReleaseMs(nowMs: number, series = 0): number {
    if (!this.validSeries_(series)) return -1;
    const oldest = this.oldestEpoch_(nowMs);
    const slots = this.slots_;
    let first = -1;
    for (let slot = 0; slot < slots; slot++) {
      const epoch = this.epochAt_(series, slot);
      if (epoch >= oldest && this.airtime_(series * slots + slot) > 0 && (first < 0 || epoch < first)) first = epoch;
    }
    // Bucket e is no longer counted once now - windowMs + 1 >= (e + 1) * bucketMs.
    return first < 0 ? -1 : (first + 1) * this.bucketMs + this.windowMs_ - 1;
  }

  /** Forget everything, in every series. */
  clear(): void {
    const cells = this.cells_();
    for (let cell = 0; cell < cells; cell++) {
      this.setAirtime_(cell, 0);
      this.setLag_(cell, LAG_EMPTY);
    }
    for (let series = 0; series < this.series_; series++) this.setAirtime_(cells + series, -1);
  }

  /** Airtime cells of every series (each series' newest bucket number follows them). */
  private cells_(): number {
    return this.slots_ * this.series_;
  }
  /** The f64 at `index`: a cell's airtime, or (past the cells) a series' newest bucket. */
  private airtime_(index: number): number {
    return this.view_.getFloat64(this.base_ + 8 * index);
  }
  private setAirtime_(index: number, value: number): void {
    this.view_.setFloat64(this.base_ + 8 * index, value);
  }
  private lag_(cell: number): number {
    return this.view_.getUint8(this.base_ + 8 * (this.cells_() + this.series_) + cell);
  }
  private setLag_(cell: number, value: number): void {
    this.view_.setUint8(this.base_ + 8 * (this.cells_() + this.series_) + cell, value);
  }

  private validSeries_(series: number): boolean {
    return (series >>> 0) === series && series < this.seriesCount;
  }

  /** The newest bucket number recorded in `series`, -1 = none. */
  private newest_(series: number): number {
    return this.airtime_(this.cells_() + series);
  }

  /** The bucket number `slot` of `series` holds, or -1 when empty. */
  private epochAt_(series: number, slot: number): number {
    const slots = this.slots_;
    const lag = this.lag_(series * slots + slot);
    if (lag === LAG_EMPTY) return -1;
    const newest = this.newest_(series);
    // The newest bucket <= newest congruent to slot, then `lag` turns back.
    return newest - ((newest - slot) % slots) - lag * slots;
  }

  /** `series`' newest record moves on to bucket `epoch`: every slot whose newest congruent bucket moved falls that many turns further behind. */
  private advance_(series: number, epoch: number): void {
    const previous = this.newest_(series);
    this.setAirtime_(this.cells_() + series, epoch);
    if (previous < 0) return; // every slot is empty
    const slots = this.slots_;
    const moved = epoch - previous;
    for (let slot = 0; slot < slots; slot++) {
      const cell = series * slots + slot;
      const lag = this.lag_(cell);
      if (lag === LAG_EMPTY) continue;
      // Buckets congruent to slot in (previous, epoch]: the slot's newest one was (previous - slot) % slots behind previous.
      const turns = Math.floor((moved + ((previous - slot) % slots)) / slots);
      this.setLag_(cell, Math.min(LAG_EMPTY, lag + turns));
    }
  }

  /** First bucket overlapping (nowMs - windowMs, nowMs]. */
  private oldestEpoch_(nowMs: number): number {
    const startMs = nowMs - this.windowMs_ + 1;
    return startMs <= 0 ? 0 : Math.floor(startMs / this.bucketMs);
  }
}
