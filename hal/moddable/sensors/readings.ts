/**
 * Reading profiles: how each Moddable ECMA-419 driver's `sample()` object
 * becomes Picket integer readings (hal/sensor.ts units), and which channels
 * it has. This is the one place floats are turned into integers:
 *
 *   reading = Math.round(value × multiplier / divisor)
 *
 * (Math.round rounds halves toward +∞, the same on every engine):
 *   °C → m°C: × 1000;  %RH → m%RH: × 1000;  Pa → Pa: × 1;
 *   m/s² → mg: × 1000 / 9.80665 (standard gravity, ISO 80000-3).
 *
 * A field that is missing or not a finite number gives SENSOR_NO_READING and
 * `SensorNoData`; a reading outside the channel's range (the part's
 * datasheet range) gives SENSOR_NO_READING and `SensorOutOfRange`. Reads
 * both the ECMA-419 2nd-edition compound shape (`{ thermometer: {
 * temperature } }`) and the older flat shape (`{ temperature }`), since
 * drivers in the field come in both. Nothing is allocated.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import type { Status } from "../../../core/runtime/result";
import { defineChannel, SENSOR_NO_READING, SensorChannels, SensorKind, SensorUnit, type SensorChannel } from "../../sensor";
import type { ReadingProfile } from "./ecma419-sensor";

/** Standard gravity, m/s² per g (ISO 80000-3; CGPM 1901). */
export const STANDARD_GRAVITY = 9.80665;

/** The number at sample[group][key], else sample[key]; undefined if neither is a number. */
function numberAt(sample: unknown, group: string, key: string): number | undefined {
  if (typeof sample !== "object" || sample === null) return undefined;
  const record = sample as Readonly<Record<string, unknown>>;
  const nested = record[group];
  if (typeof nested === "object" && nested !== null) {
    const value = (nested as Readonly<Record<string, unknown>>)[key];
    if (typeof value === "number") return value;
  }
  const flat = record[key];
  return typeof flat === "number" ? flat : undefined;
}

/**
 * Convert `value` for `channel` into `out[index]`; returns the slot's status.
 * Exported for tests of the conversion rule.
 */
export function writeReading(
  value: number | undefined,
  multiplier: number,
  divisor: number,
  channel: SensorChannel,
  out: Int32Array,
  index: number,
): Status {
  if (value === undefined || !Number.isFinite(value)) {
    out[index] = SENSOR_NO_READING;
    return ErrorCode.SensorNoData;
  }
  const reading = Math.round((value * multiplier) / divisor);
  if (reading < channel.minValue || reading > channel.maxValue) {
    out[index] = SENSOR_NO_READING;
    return ErrorCode.SensorOutOfRange;
  }
  out[index] = reading;
  return ErrorCode.Ok;
}

/** Combine slot statuses: out-of-range outranks no-data outranks Ok. */
function worse(a: Status, b: Status): Status {
  if (a === ErrorCode.SensorOutOfRange || b === ErrorCode.SensorOutOfRange) return ErrorCode.SensorOutOfRange;
  if (a === ErrorCode.SensorNoData || b === ErrorCode.SensorNoData) return ErrorCode.SensorNoData;
  return ErrorCode.Ok;
}

const C = SensorKind;
const U = SensorUnit;

/** TMP117: −55..150 °C (datasheet §7.3). Channel 0 = temperature, m°C. */
export const TMP117_PROFILE: ReadingProfile = Object.freeze({
  channels: Object.freeze([SensorChannels.temperature]),
  decode(sample: unknown, out: Int32Array, offset: number): Status {
    return writeReading(numberAt(sample, "thermometer", "temperature"), 1000, 1, SensorChannels.temperature, out, offset);
  },
});

const SHT3X_TEMPERATURE = defineChannel(C.Temperature, U.MilliDegreeCelsius, 1000, -40_000, 125_000);

/** SHT3x: −40..125 °C, 0..100 %RH (datasheet §2). Channels 0 = temperature (m°C), 1 = humidity (m%RH). */
export const SHT3X_PROFILE: ReadingProfile = Object.freeze({
  channels: Object.freeze([SHT3X_TEMPERATURE, SensorChannels.humidity]),
  decode(sample: unknown, out: Int32Array, offset: number): Status {
    const t = writeReading(numberAt(sample, "thermometer", "temperature"), 1000, 1, SHT3X_TEMPERATURE, out, offset);
    const h = writeReading(numberAt(sample, "hygrometer", "humidity"), 1000, 1, SensorChannels.humidity, out, offset + 1);
    return worse(t, h);
  },
});

const BOSCH_TEMPERATURE = defineChannel(C.Temperature, U.MilliDegreeCelsius, 1000, -40_000, 85_000);

/** BMP280: 300..1100 hPa, −40..85 °C (datasheet §1). Channels 0 = pressure (Pa), 1 = temperature (m°C). */
export const BMP280_PROFILE: ReadingProfile = Object.freeze({
  channels: Object.freeze([SensorChannels.pressure, BOSCH_TEMPERATURE]),
  decode(sample: unknown, out: Int32Array, offset: number): Status {
    const p = writeReading(numberAt(sample, "barometer", "pressure"), 1, 1, SensorChannels.pressure, out, offset);
    const t = writeReading(numberAt(sample, "thermometer", "temperature"), 1000, 1, BOSCH_TEMPERATURE, out, offset + 1);
    return worse(p, t);
  },
});

/**
 * BME68x: 300..1100 hPa, −40..85 °C, 0..100 %RH (datasheet §1). Channels
 * 0 = temperature (m°C), 1 = humidity (m%RH), 2 = pressure (Pa). `undefined`
 * (no measurement ready) gives no reading on every channel.
 */
export const BME68X_PROFILE: ReadingProfile = Object.freeze({
  channels: Object.freeze([BOSCH_TEMPERATURE, SensorChannels.humidity, SensorChannels.pressure]),
  decode(sample: unknown, out: Int32Array, offset: number): Status {
    const t = writeReading(numberAt(sample, "thermometer", "temperature"), 1000, 1, BOSCH_TEMPERATURE, out, offset);
    const h = writeReading(numberAt(sample, "hygrometer", "humidity"), 1000, 1, SensorChannels.humidity, out, offset + 1);
    const p = writeReading(numberAt(sample, "barometer", "pressure"), 1, 1, SensorChannels.pressure, out, offset + 2);
    return worse(worse(t, h), p);
  },
});

/**
 * LIS3DH: the driver reports m/s²; channels 0..2 = x, y, z in mg. The ±32 g
 * channel range is wider than the ±16 g full scale: readings beyond it can
 * only be garbage.
 */
export const LIS3DH_PROFILE: ReadingProfile = Object.freeze({
  channels: Object.freeze([SensorChannels.acceleration, SensorChannels.acceleration, SensorChannels.acceleration]),
  decode(sample: unknown, out: Int32Array, offset: number): Status {
    const axis = SensorChannels.acceleration;
    const x = writeReading(numberAt(sample, "accelerometer", "x"), 1000, STANDARD_GRAVITY, axis, out, offset);
    const y = writeReading(numberAt(sample, "accelerometer", "y"), 1000, STANDARD_GRAVITY, axis, out, offset + 1);
    const z = writeReading(numberAt(sample, "accelerometer", "z"), 1000, STANDARD_GRAVITY, axis, out, offset + 2);
    return worse(worse(x, y), z);
  },
});
