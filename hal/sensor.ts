/**
 * Sensor contract, in the shape of an ECMA-419 sensor class (2nd edition,
 * "Sensor Class Pattern"): options go to the constructor (here a `create`
 * factory), then `configure(options)`, `sample()`, `close()`. Two departures,
 * both so the sampling path allocates nothing and never throws:
 *
 *  - `sample` writes integer readings into a caller's `Int32Array` instead
 *    of returning a new object, one slot per channel in `channels` order;
 *  - every failure is a `Status` (and, if the owner gave one, an `onError`
 *    call): nothing is thrown.
 *
 * Readings are integers in the channel's unit (table below), so protocol
 * decisions (thresholds, aggregates) never use floating point. Drivers that
 * read floats (the Moddable ECMA-419 drivers) convert once at the boundary.
 *
 * | kind          | unit            | scale (counts per base unit) | example          |
 * |---------------|-----------------|------------------------------|------------------|
 * | Temperature   | m°C             | 1000 per °C                  | 21.5 °C = 21500  |
 * | Humidity      | m%RH            | 1000 per %RH                 | 45.2 % = 45200   |
 * | Pressure      | Pa              | 1 per Pa                     | 1013.25 hPa = 101325 |
 * | Acceleration  | mg (1 g = 9.80665 m/s²) | 1000 per g           | 1 g = 1000       |
 * | Contact, Motion | state         | 1 (0 = closed/still, 1 = open/motion) |         |
 */
import type { FailureCode } from "../core/runtime/errors";
import type { Status } from "../core/runtime/result";

export const SensorKind = Object.freeze({
  Temperature: 1,
  Humidity: 2,
  Pressure: 3,
  Acceleration: 4,
  /** Door or window contact: 1 = open. */
  Contact: 5,
  /** PIR or similar presence detector: 1 = motion. */
  Motion: 6,
} as const);
export type SensorKind = (typeof SensorKind)[keyof typeof SensorKind];

export const SensorUnit = Object.freeze({
  MilliDegreeCelsius: 1,
  MilliPercentRelativeHumidity: 2,
  Pascal: 3,
  MilliG: 4,
  State: 5,
} as const);
export type SensorUnit = (typeof SensorUnit)[keyof typeof SensorUnit];

/** One channel of a sensor: what its slot in the sample array means. */
export interface SensorChannel {
  readonly kind: SensorKind;
  readonly unit: SensorUnit;
  /** Integer counts per base unit (°C, %RH, Pa, g, state): reading = round(value × scale). */
  readonly scale: number;
  /** Plausible range, inclusive, in the channel's unit. Readings outside it are refused (drivers) or saturate (simulation). */
  readonly minValue: number;
  readonly maxValue: number;
}

/**
 * Written into a channel's slot when that channel has no reading this time
 * (dropout, failed CRC); the sample then returns `SensorNoData`. It is
 * outside every channel's range, so it cannot be mistaken for a reading.
 */
export const SENSOR_NO_READING = -0x8000_0000;

/** Most channels one sensor may have (a 3-axis accelerometer has 3, a BME68x 3). */
export const SENSOR_CHANNELS_MAX = 8;

/** Receives every failure a sensor reports, besides the returned Status. Must not raise an exception. */
export type SensorErrorHandler = (code: FailureCode) => void;

export interface Sensor<ConfigureOptions extends object = object> {
  /** Channel table, fixed at create; `sample` fills one slot per entry, in this order. */
  readonly channels: readonly SensorChannel[];

  /**
   * Change device settings (ECMA-419 `configure`). `Ok`, or an error code
   * with the settings left as they were (simulated) or as the device left
   * them (drivers; reported as `SensorConfigureFailed`). `SensorClosed` after close.
   */
  configure(options: ConfigureOptions): Status;

  /**
   * Take one reading of every channel for time `nowMs` (monotonic ms from the
   * Clock; real drivers read the hardware now, simulated ones evaluate their
   * model at `nowMs`) into `out[offset .. offset + channels.length)`.
   * `Ok`; `SensorNoData` or `SensorOutOfRange` with `SENSOR_NO_READING` in
   * the slots that have no (plausible) reading and valid readings in the
   * others; or, with nothing written, `SensorReadFailed`,
   * `SensorBufferTooSmall`, `SensorClosed` or `InvalidArgument` (bad time).
   * Never allocates in a simulated sensor; never throws.
   */
  sample(nowMs: number, out: Int32Array, offset: number): Status;

  /** Release the device. Idempotent; afterwards `sample`/`configure` return `SensorClosed`. */
  close(): void;
}

/** True when `out[offset ..]` has room for `channelCount` readings. */
export function sampleFits(out: Int32Array, offset: number, channelCount: number): boolean {
  return (offset >>> 0) === offset && offset + channelCount <= out.length;
}

/** A frozen channel descriptor (for module-level tables: Moddable preload keeps it in flash). */
export function defineChannel(kind: SensorKind, unit: SensorUnit, scale: number, minValue: number, maxValue: number): SensorChannel {
  return Object.freeze({ kind, unit, scale, minValue, maxValue });
}

/**
 * Standard channel descriptors. Ranges are the widest a part of that kind is
 * specified for (e.g. TMP117 -55..150 °C, SHT3x 0..100 %RH, BMP280 300..1100 hPa);
 * a driver may declare a narrower one for its part.
 */
export const SensorChannels = Object.freeze({
  temperature: defineChannel(SensorKind.Temperature, SensorUnit.MilliDegreeCelsius, 1000, -55_000, 150_000),
  humidity: defineChannel(SensorKind.Humidity, SensorUnit.MilliPercentRelativeHumidity, 1000, 0, 100_000),
  pressure: defineChannel(SensorKind.Pressure, SensorUnit.Pascal, 1, 30_000, 110_000),
  /** One axis; ±32 g covers every common MEMS part's full scale with margin. */
  acceleration: defineChannel(SensorKind.Acceleration, SensorUnit.MilliG, 1000, -32_000, 32_000),
  contact: defineChannel(SensorKind.Contact, SensorUnit.State, 1, 0, 1),
  motion: defineChannel(SensorKind.Motion, SensorUnit.State, 1, 0, 1),
});
