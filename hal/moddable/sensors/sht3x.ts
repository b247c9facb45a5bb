/**
 * Sensirion SHT3x humidity and temperature sensor (embedded:sensor/Humidity-Temperature/SHT3x)
 * as a Picket Sensor. Channels and units: SHT3X_PROFILE (readings.ts). Default bus address 0x44; the driver
 * uses the bus as I2C:
 *
 *     const sensor = openSht3x({ sensor: { ...device.I2C.default, io: device.io.I2C } });
 */
/// <reference path="./ecma419-sensors.d.ts" />
import SHT3x, { type SHT3xConfiguration } from "embedded:sensor/Humidity-Temperature/SHT3x";
import type { Result } from "../../../core/runtime/result";
import { Ecma419Sensor, type Ecma419OpenOptions } from "./ecma419-sensor";
import { SHT3X_PROFILE } from "./readings";

export function openSht3x(options: Ecma419OpenOptions<Ecma419SensorBusOptions>): Result<Ecma419Sensor<SHT3xConfiguration>> {
  return Ecma419Sensor.open(SHT3x, SHT3X_PROFILE, options);
}
