/**
 * The transmitter's regulatory airtime budget over a sliding hour, with a
 * share per traffic class (README "Mesh transport").
 *
 * Budget: windowMs x dutyCyclePpm airtime (1 % of an hour = 36 s). A frame
 * may start only if the airtime already counted in the window
 * (airtime-window.ts, an upper bound) plus its own stays within the share
 * of the budget its class may use: lower classes stop early and leave the
 * rest to higher ones (e.g. telemetry up to 70 %, alerts up to 90 %,
 * control up to 100 %). The budget is never exceeded: every transmission is
 * recorded, and the check is made against an overcount.
 *
 * EU868 sub-bands and their duty cycles (ERC Recommendation 70-03 Annex 1,
 * bands h1.3..h1.7; ETSI EN 300 220-2 §4.3.3): 863-865 MHz 0.1 %,
 * 865-868 MHz 1 %, 868.0-868.6 MHz 1 %, 868.7-869.2 MHz 0.1 %,
 * 869.4-869.65 MHz 10 %, 869.7-870.0 MHz 1 %. Outside these, 0 (refuse).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import type { Arena } from "./arena";
import { AirtimeWindow } from "./airtime-window";
import { LINK_CLASS_COUNT } from "./link-header";

export const PPM = 1_000_000;
export const HOUR_MS = 3_600_000;

export interface DutyCycleOptions {
  /** Share of the window this transmitter may be on air, ppm (10_000 = 1 %). PPM = unregulated. */
  readonly dutyCyclePpm: number;
  /** Sliding window; the regulation's is one hour. */
  readonly windowMs: number;
  /** Buckets of the window ring; windowMs must be divisible by it. */
  readonly bucketCount: number;
  /** Per class (Control, Alert, Telemetry): permille of the budget up to which the class may spend. */
  readonly classSharePermille: readonly number[];
}

export const DEFAULT_CLASS_SHARE_PERMILLE: readonly number[] = Object.freeze([1000, 900, 700]);

/** [lowHz, highHz) and duty cycle ppm, by EU868 sub-band. */
const EU868_BANDS: readonly (readonly [number, number, number])[] = Object.freeze([
  Object.freeze([863_000_000, 865_000_000, 1_000] as const),
  Object.freeze([865_000_000, 868_000_000, 10_000] as const),
  Object.freeze([868_000_000, 868_600_000, 10_000] as const),
  Object.freeze([868_700_000, 869_200_000, 1_000] as const),
  Object.freeze([869_400_000, 869_650_000, 100_000] as const),
  Object.freeze([869_700_000, 870_000_000, 10_000] as const),
]);

/** Duty cycle (ppm) of the EU868 sub-band holding `frequencyHz`, or 0 outside every band. */
export function eu868DutyCyclePpm(frequencyHz: number): number {
  for (let i = 0; i < EU868_BANDS.length; i++) {
    const band = EU868_BANDS[i];
    if (band !== undefined && frequencyHz >= band[0] && frequencyHz < band[1]) return band[2];
  }
  return 0;
}

export class DutyCycleBudget {
  private readonly window_: AirtimeWindow;
  private readonly budgetUs_: number;
  /** Per class (Control, Alert, Telemetry): the airtime it may spend up to, µs (three fields: a typed array costs heap slots on XS). */
  private readonly limitControlUs_: number;
  private readonly limitAlertUs_: number;
  private readonly limitTelemetryUs_: number;
  private recordedUs_ = 0;

  /** Bytes of arena the budget's window takes (arena.ts). */
  static bytesFor(options: DutyCycleOptions): number {
    return AirtimeWindow.bytesFor(options.bucketCount);
  }

  /** Errors: InvalidArgument for any option out of range. The window lives in `arena` from `base` (default: an arena of its own). */
  static create(options: DutyCycleOptions, arena?: Arena, base = 0): Result<DutyCycleBudget> {
    const ppm = options.dutyCyclePpm;
    if ((ppm >>> 0) !== ppm || ppm > PPM) return err(ErrorCode.InvalidArgument);
    if (options.classSharePermille.length !== LINK_CLASS_COUNT) return err(ErrorCode.InvalidArgument);
    for (let c = 0; c < LINK_CLASS_COUNT; c++) {
      const share = options.classSharePermille[c] ?? -1;
      if ((share >>> 0) !== share || share > 1000) return err(ErrorCode.InvalidArgument);
    }
    const window = AirtimeWindow.create(options.windowMs, options.bucketCount, 1, arena, base);
    if (!window.ok) return window;
    return ok(new DutyCycleBudget(window.value, options));
  }

  private constructor(window: AirtimeWindow, options: DutyCycleOptions) {
    this.window_ = window;
    // windowMs x 1000 µs/ms x ppm / 10^6, exact for windows up to ~100 days.
    this.budgetUs_ = Math.floor((options.windowMs * options.dutyCyclePpm) / 1000);
    const share = options.classSharePermille;
    this.limitControlUs_ = Math.floor((this.budgetUs_ * (share[0] ?? 0)) / 1000);
    this.limitAlertUs_ = Math.floor((this.budgetUs_ * (share[1] ?? 0)) / 1000);
    this.limitTelemetryUs_ = Math.floor((this.budgetUs_ * (share[2] ?? 0)) / 1000);
  }

  /** Airtime allowed per window, µs. */
  get budgetUs(): number {
    return this.budgetUs_;
  }

  get windowMs(): number {
    return this.window_.windowMs;
  }

  /** Every µs ever recorded (for accounting). */
  get recordedUs(): number {
    return this.recordedUs_;
  }

  /** An upper bound of the airtime in the window ending at `nowMs`. */
  usedUs(nowMs: number): number {
    return this.window_.usedUs(nowMs);
  }

  /** May a frame of `airtimeUs` of class `trafficClass` start at `nowMs`? */
  allows(nowMs: number, airtimeUs: number, trafficClass: number): boolean {
    const limit = trafficClass === 0 ? this.limitControlUs_ : trafficClass === 1 ? this.limitAlertUs_ : trafficClass === 2 ? this.limitTelemetryUs_ : 0;
    return this.window_.usedUs(nowMs) + airtimeUs <= limit;
  }

  /**
   * Count a transmission that starts at `startMs`. It is filed at its end
   * time: then every window it overlaps counts all of it, and a check at a
   * later start covers every earlier frame still (partly) in that window.
   */
  record(startMs: number, airtimeUs: number): void {
    this.window_.record(startMs + Math.ceil(airtimeUs / 1000), airtimeUs);
    this.recordedUs_ += airtimeUs;
  }

  /** When the counted airtime can next fall (-1: nothing counted). */
  nextReleaseMs(nowMs: number): number {
    return this.window_.nextReleaseMs(nowMs);
  }
}
