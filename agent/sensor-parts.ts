/**
 * The sensor parts a site configuration can name, and the channel layout
 * each one has (hal/sensor.ts units). The layout is the part's, whoever
 * drives it: the simulated driver (hal/sim/sensors) and the ECMA-419 driver
 * (hal/moddable/sensors/readings.ts) fill the same slots in the same order,
 * so a configuration's alert rules mean the same thing on a board and in the
 * simulator.
 */
import { SensorChannels, type SensorChannel } from "../hal/sensor";

/** Numeric part codes (string names are turned into these once, at validation). */
export const SensorPart = Object.freeze({
  /** TI TMP117: temperature. */
  Tmp117: 1,
  /** Sensirion SHT3x: temperature, relative humidity. */
  Sht3x: 2,
  /** Bosch BMP280: pressure, temperature. */
  Bmp280: 3,
  /** Bosch BME68x: temperature, relative humidity, pressure. */
  Bme68x: 4,
  /** ST LIS3DH: acceleration x, y, z. */
  Lis3dh: 5,
  /** Door/window contact on a GPIO: 1 = open. */
  Contact: 6,
  /** PIR motion detector on a GPIO: 1 = motion. */
  Motion: 7,
} as const);
export type SensorPart = (typeof SensorPart)[keyof typeof SensorPart];

export interface SensorPartInfo {
  readonly part: SensorPart;
  /** The name a site configuration uses. */
  readonly name: string;
  readonly channels: readonly SensorChannel[];
  /** What each channel measures, for people (README, reports). */
  readonly channelNames: readonly string[];
}

const C = SensorChannels;

export const SENSOR_PARTS: readonly SensorPartInfo[] = Object.freeze([
  Object.freeze({ part: SensorPart.Tmp117, name: "tmp117", channels: Object.freeze([C.temperature]), channelNames: Object.freeze(["temperature m°C"]) }),
  Object.freeze({
    part: SensorPart.Sht3x,
    name: "sht3x",
    channels: Object.freeze([C.temperature, C.humidity]),
    channelNames: Object.freeze(["temperature m°C", "humidity m%RH"]),
  }),
  Object.freeze({
    part: SensorPart.Bmp280,
    name: "bmp280",
    channels: Object.freeze([C.pressure, C.temperature]),
    channelNames: Object.freeze(["pressure Pa", "temperature m°C"]),
  }),
  Object.freeze({
    part: SensorPart.Bme68x,
    name: "bme68x",
    channels: Object.freeze([C.temperature, C.humidity, C.pressure]),
    channelNames: Object.freeze(["temperature m°C", "humidity m%RH", "pressure Pa"]),
  }),
  Object.freeze({
    part: SensorPart.Lis3dh,
    name: "lis3dh",
    channels: Object.freeze([C.acceleration, C.acceleration, C.acceleration]),
    channelNames: Object.freeze(["acceleration x mg", "acceleration y mg", "acceleration z mg"]),
  }),
  Object.freeze({ part: SensorPart.Contact, name: "contact", channels: Object.freeze([C.contact]), channelNames: Object.freeze(["contact 0/1 (1 = open)"]) }),
  Object.freeze({ part: SensorPart.Motion, name: "motion", channels: Object.freeze([C.motion]), channelNames: Object.freeze(["motion 0/1 (1 = motion)"]) }),
]);

/** The part with numeric code `part`, or undefined. */
export function sensorPartInfo(part: number): SensorPartInfo | undefined {
  for (let i = 0; i < SENSOR_PARTS.length; i++) {
    const info = SENSOR_PARTS[i];
    if (info !== undefined && info.part === part) return info;
  }
  return undefined;
}

/** The part a configuration names, or undefined. */
export function sensorPartByName(name: string): SensorPartInfo | undefined {
  for (let i = 0; i < SENSOR_PARTS.length; i++) {
    const info = SENSOR_PARTS[i];
    if (info !== undefined && info.name === name) return info;
  }
  return undefined;
}
