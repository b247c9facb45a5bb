/**
 * Windowed aggregate of one channel over fixed, aligned windows: window k
 * covers [k·W, (k+1)·W) ms, so every board with the same W cuts time at the
 * same instants and a gateway can line windows up without clock talk.
 *
 * Per open window: count, min, max, sum (integers; the sum stays exact, see
 * TELEMETRY_WINDOW_SAMPLES_MAX) and the number of sensor errors. A window is
 * closed by the first sample or error at or after its end, or by
 * the pipeline's `tick(nowMs)`. It is reported only if it saw a sample or
 * an error: a window with neither (nobody sampled, e.g. the agent was
 * stopped) produces no record, and the gap shows in the window start times.
 *
 * `mean` = floor(sum / count), computed by exact integer division (the
 * double quotient is corrected by one if rounding crossed an integer).
 */
import { TELEMETRY_WINDOW_SAMPLES_MAX } from "./config";
import { RecordKind, type TelemetryRecord } from "./record";

export class WindowAggregate {
  readonly windowMs: number;
  private open_ = false;
  private startMs_ = 0;
  private count_ = 0;
  private min_ = 0;
  private max_ = 0;
  private sum_ = 0;
  private errors_ = 0;
  private closedCount_ = 0;
  private refusedFull_ = 0;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  get open(): boolean {
    return this.open_;
  }

  get startMs(): number {
    return this.startMs_;
  }

  get count(): number {
    return this.count_;
  }

  get errors(): number {
    return this.errors_;
  }

  /** Windows closed so far (reported or not). */
  get closedCount(): number {
    return this.closedCount_;
  }

  /** Samples not aggregated because their window already held TELEMETRY_WINDOW_SAMPLES_MAX. */
  get refusedFull(): number {
    return this.refusedFull_;
  }

  /** Start of the window that holds `atMs`. */
  alignedStart(atMs: number): number {
    return atMs - (atMs % this.windowMs);
  }

  /** True when the open window ends at or before `atMs` and must be closed first. */
  isDue(atMs: number): boolean {
    return this.open_ && atMs >= this.startMs_ + this.windowMs;
  }

  /**
   * Close the open window into `out` (an Aggregate record). Returns true if
   * it is worth reporting (it saw a sample or an error). Afterwards no
   * window is open.
   */
  close(channelId: number, out: TelemetryRecord): boolean {
    out.reset(RecordKind.Aggregate, channelId, this.startMs_);
    out.endMs = this.startMs_ + this.windowMs;
    out.count = this.count_;
    out.errors = this.errors_;
    if (this.count_ > 0) {
      out.min = this.min_;
      out.max = this.max_;
      out.sum = this.sum_;
      out.mean = floorDiv(this.sum_, this.count_);
    }
    const worth = this.count_ > 0 || this.errors_ > 0;
    this.open_ = false;
    this.count_ = 0;
    this.errors_ = 0;
    this.closedCount_++;
    return worth;
  }

  /** Add a sample at `atMs` (its window must be open or about to open: callers close due windows first). */
  addSample(atMs: number, value: number): boolean {
    this.openFor(atMs);
    if (this.count_ >= TELEMETRY_WINDOW_SAMPLES_MAX) {
      this.refusedFull_++;
      return false;
    }
    if (this.count_ === 0 || value < this.min_) this.min_ = value;
    if (this.count_ === 0 || value > this.max_) this.max_ = value;
    this.sum_ += value;
    this.count_++;
    return true;
  }

  addError(atMs: number): void {
    this.openFor(atMs);
    this.errors_++;
  }

  private openFor(atMs: number): void {
    if (this.open_) return;
    this.open_ = true;
    this.startMs_ = this.alignedStart(atMs);
    this.count_ = 0;
    this.errors_ = 0;
    this.sum_ = 0;
  }
}

/** floor(a / b) for integers a (|a| < 2^53) and b > 0, exact. */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}
