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
 * buckets) of airtime sums; slot s holds the newest bucket number <= the
 * newest recorded one that is congruent to s, so no slot stores its
 * bucket number (one Float64Array of bucketCount + 1 sums, exact integers
 * to 2^53 µs). Moving on to a newer bucket clears the slots of the buckets
 * skipped. A record older than every bucket the ring holds (more than
 * bucketCount buckets before the newest) lies outside every window that
 * ends at or after the newest record, and is not kept. Nothing is
 * allocated after create; every operation is O(bucketCount) at most.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";

export const AIRTIME_BUCKETS_MAX = 3600;

export class AirtimeWindow {
  readonly #windowMs: number;
  readonly #bucketMs: number;
  readonly #slots: number;
  /** Per slot: the airtime in µs of the bucket it holds. */
  readonly #sums: Float64Array;
  /** The newest bucket number recorded, -1 = none. */
  #newest = -1;

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
    this.#sums = new Float64Array(this.#slots);
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
    const slots = this.#slots;
    if (epoch > this.#newest) {
      // Clear the slots of the buckets moved past (every slot after a gap of a whole ring).
      const first = this.#newest < 0 || epoch - this.#newest >= slots ? epoch - slots + 1 : this.#newest + 1;
      for (let e = first; e <= epoch; e++) this.#sums[((e % slots) + slots) % slots] = 0;
      this.#newest = epoch;
    } else if (epoch <= this.#newest - slots) {
      return;
    }
    const slot = epoch % slots;
    this.#sums[slot] = (this.#sums[slot] ?? 0) + airtimeUs;
  }

  /** Airtime in µs that may fall inside (nowMs - windowMs, nowMs]: an upper bound. */
  usedUs(nowMs: number): number {
    const oldest = this.oldestEpoch(nowMs);
    let sum = 0;
    for (let epoch = this.#newest; epoch >= 0 && epoch >= oldest && epoch > this.#newest - this.#slots; epoch--) sum += this.#sums[epoch % this.#slots] ?? 0;
    return sum;
  }

  /**
   * The earliest time after `nowMs` at which `usedUs` can fall (the oldest
   * counted bucket leaves the window), or -1 when nothing is counted.
   */
  nextReleaseMs(nowMs: number): number {
    let first = -1;
    for (let epoch = Math.max(this.oldestEpoch(nowMs), this.#newest - this.#slots + 1, 0); epoch <= this.#newest; epoch++) {
      if ((this.#sums[epoch % this.#slots] ?? 0) > 0) {
        first = epoch;
        break;
      }
    }
    // Bucket e is no longer counted once now - windowMs + 1 >= (e + 1) * bucketMs.
    return first < 0 ? -1 : (first + 1) * this.#bucketMs + this.#windowMs - 1;
  }

  /** Forget everything. */
  clear(): void {
    this.#sums.fill(0);
    this.#newest = -1;
  }

  /** First bucket overlapping (nowMs - windowMs, nowMs]. */
  private oldestEpoch(nowMs: number): number {
    const start = nowMs - this.#windowMs + 1;
    return start <= 0 ? 0 : Math.floor(start / this.#bucketMs);
  }
}
