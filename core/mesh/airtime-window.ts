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
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";

export const AIRTIME_BUCKETS_MAX = 3600;
/** A slot's lag byte when it holds nothing (or a bucket too far behind to count). */
const LAG_EMPTY = 255;

export class AirtimeWindow {
  readonly #windowMs: number;
  /** Per slot (bucketCount + 1 of them): the airtime in µs of the bucket it holds. */
  readonly #sums: Float64Array;
  /** Per slot: ring turns its bucket is behind the newest bucket congruent to the slot (LAG_EMPTY: nothing). Same ArrayBuffer as the sums. */
  readonly #lags: Uint8Array;
  /** The newest bucket number recorded, -1 = none. Few fields: an instance costs a heap slot per field on XS. */
  #newest = -1;

  /** `windowMs` divisible by `bucketCount` (1..AIRTIME_BUCKETS_MAX); else InvalidArgument. */
  static create(windowMs: number, bucketCount: number): Result<AirtimeWindow> {
    if ((bucketCount | 0) !== bucketCount || bucketCount < 1 || bucketCount > AIRTIME_BUCKETS_MAX) return err(ErrorCode.InvalidArgument);
    if (!Number.isSafeInteger(windowMs) || windowMs < bucketCount || windowMs % bucketCount !== 0) return err(ErrorCode.InvalidArgument);
    return ok(new AirtimeWindow(windowMs, bucketCount));
  }

  private constructor(windowMs: number, bucketCount: number) {
    const slots = bucketCount + 1;
    const buffer = new ArrayBuffer(9 * slots);
    this.#windowMs = windowMs;
    this.#sums = new Float64Array(buffer, 0, slots);
    this.#lags = new Uint8Array(buffer, 8 * slots, slots).fill(LAG_EMPTY);
  }

  get windowMs(): number {
    return this.#windowMs;
  }

  get bucketMs(): number {
    return this.#windowMs / (this.#sums.length - 1);
  }

  /** Add `airtimeUs` at time `atMs` (a non-negative integer). */
  record(atMs: number, airtimeUs: number): void {
    const epoch = Math.floor(atMs / this.bucketMs);
    const slots = this.#sums.length;
    if (epoch > this.#newest) this.advance(epoch);
    const lag = Math.floor((this.#newest - epoch) / slots);
    if (lag >= LAG_EMPTY) return;
    const slot = epoch % slots;
    if (this.#lags[slot] !== lag) {
      this.#lags[slot] = lag;
      this.#sums[slot] = 0;
    }
    this.#sums[slot] = (this.#sums[slot] ?? 0) + airtimeUs;
  }

  /** Airtime in µs that may fall inside (nowMs - windowMs, nowMs]: an upper bound. */
  usedUs(nowMs: number): number {
    const oldest = this.oldestEpoch(nowMs);
    let sum = 0;
    for (let slot = 0; slot < this.#sums.length; slot++) {
      if (this.epochAt(slot) >= oldest) sum += this.#sums[slot] ?? 0;
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
    for (let slot = 0; slot < this.#sums.length; slot++) {
      const epoch = this.epochAt(slot);
      if (epoch >= oldest && (this.#sums[slot] ?? 0) > 0 && (first < 0 || epoch < first)) first = epoch;
    }
    // Bucket e is no longer counted once now - windowMs + 1 >= (e + 1) * bucketMs.
    return first < 0 ? -1 : (first + 1) * this.bucketMs + this.#windowMs - 1;
  }

  /** Forget everything. */
  clear(): void {
    this.#sums.fill(0);
    this.#lags.fill(LAG_EMPTY);
    this.#newest = -1;
  }

  /** The bucket number `slot` holds, or -1 when empty. */
  private epochAt(slot: number): number {
    const lag = this.#lags[slot] ?? LAG_EMPTY;
    if (lag === LAG_EMPTY) return -1;
    const slots = this.#sums.length;
    // The newest bucket <= #newest congruent to slot, then `lag` turns back.
    return this.#newest - ((this.#newest - slot) % slots) - lag * slots;
  }

  /** The newest record moves on to bucket `epoch`: every slot whose newest congruent bucket moved falls that many turns further behind. */
  private advance(epoch: number): void {
    const previous = this.#newest;
    this.#newest = epoch;
    if (previous < 0) return; // every slot is empty
    const slots = this.#sums.length;
    const moved = epoch - previous;
    for (let slot = 0; slot < slots; slot++) {
      const lag = this.#lags[slot] ?? LAG_EMPTY;
      if (lag === LAG_EMPTY) continue;
      // Buckets congruent to slot in (previous, epoch]: the slot's newest one was (previous - slot) % slots behind previous.
      const turns = Math.floor((moved + ((previous - slot) % slots)) / slots);
      this.#lags[slot] = Math.min(LAG_EMPTY, lag + turns);
    }
  }

  /** First bucket overlapping (nowMs - windowMs, nowMs]. */
  private oldestEpoch(nowMs: number): number {
    const start = nowMs - this.#windowMs + 1;
    return start <= 0 ? 0 : Math.floor(start / this.bucketMs);
  }
}
