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
 * buckets); a slot is reset when a newer bucket reuses it, which only
 * happens once its old bucket has left the window. Nothing is allocated
 * after create; every operation is O(bucketCount) at most.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";

export const AIRTIME_BUCKETS_MAX = 3600;

export class AirtimeWindow {
  readonly #windowMs: number;
  readonly #bucketMs: number;
  readonly #slots: number;
  /** Per slot: the bucket number it holds (-1 = empty), then its airtime in µs (one array: each typed array costs heap slots on XS). */
  readonly #buckets: Float64Array;

  /** `windowMs` divisible by `bucketCount` (1..AIRTIME_BUCKETS_MAX); else InvalidArgument. */
  static create(windowMs: number, bucketCount: number): Result<AirtimeWindow> {
    if ((bucketCount | 0) !== bucketCount || bucketCount < 1 || bucketCount > AIRTIME_BUCKETS_MAX) return err(ErrorCode.InvalidArgument);
    if (!Number.isSafeInteger(windowMs) || windowMs < bucketCount || windowMs % bucketCount !== 0) return err(ErrorCode.InvalidArgument);
    return ok(new AirtimeWindow(windowMs, bucketCount));
  }

  private constructor(windowMs: number, bucketCount: number) {
    this.#windowMs = windowMs;
    this.#bucketMs = windowMs / bucketCount;
    this.#slots = bucketCount + 1;
    this.#buckets = new Float64Array(this.#slots * 2);
    for (let slot = 0; slot < this.#slots; slot++) this.#buckets[slot * 2] = -1;
  }

  get windowMs(): number {
    return this.#windowMs;
  }

  get bucketMs(): number {
    return this.#bucketMs;
  }

  /** Add `airtimeUs` at time `atMs` (a non-negative integer). */
  record(atMs: number, airtimeUs: number): void {
    const epoch = Math.floor(atMs / this.#bucketMs);
    const slot = epoch % this.#slots;
    if (this.#buckets[slot * 2] !== epoch) {
      this.#buckets[slot * 2] = epoch;
      this.#buckets[slot * 2 + 1] = 0;
    }
    this.#buckets[slot * 2 + 1] = (this.#buckets[slot * 2 + 1] ?? 0) + airtimeUs;
  }

  /** Airtime in µs that may fall inside (nowMs - windowMs, nowMs]: an upper bound. */
  usedUs(nowMs: number): number {
    const oldest = this.oldestEpoch(nowMs);
    let sum = 0;
    for (let slot = 0; slot < this.#slots; slot++) {
      if ((this.#buckets[slot * 2] ?? -1) >= oldest) sum += this.#buckets[slot * 2 + 1] ?? 0;
    }
    return sum;
  }

  /**
   * The earliest time after `nowMs` at which `usedUs` can fall (the oldest
   * counted bucket leaves the window), or -1 when nothing is counted.
   */
  nextReleaseMs(nowMs: number): number {
    const oldest = this.oldestEpoch(nowMs);
    let first = -1;
    for (let slot = 0; slot < this.#slots; slot++) {
      const epoch = this.#buckets[slot * 2] ?? -1;
      if (epoch >= oldest && (this.#buckets[slot * 2 + 1] ?? 0) > 0 && (first < 0 || epoch < first)) first = epoch;
    }
    // Bucket e is no longer counted once now - windowMs + 1 >= (e + 1) * bucketMs.
    return first < 0 ? -1 : (first + 1) * this.#bucketMs + this.#windowMs - 1;
  }

  /** Forget everything. */
  clear(): void {
    for (let slot = 0; slot < this.#slots; slot++) {
      this.#buckets[slot * 2] = -1;
      this.#buckets[slot * 2 + 1] = 0;
    }
  }

  /** First bucket overlapping (nowMs - windowMs, nowMs]. */
  private oldestEpoch(nowMs: number): number {
    const start = nowMs - this.#windowMs + 1;
    return start <= 0 ? 0 : Math.floor(start / this.#bucketMs);
  }
}
