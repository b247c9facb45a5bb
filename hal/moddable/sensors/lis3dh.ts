/**
 * ST LIS3DH 3-axis accelerometer (embedded:sensor/Accelerometer/LIS3DH)
 * as a Picket Sensor. Channels and units: LIS3DH_PROFILE (readings.ts). Default bus address 0x18; the driver
 * uses the bus as SMBus:
 *
 *     const sensor = openLis3dh({ sensor: { ...device.I2C.default, io: device.io.SMBus } });
 */
/// <reference path="./ecma419-sensors.d.ts" />
import LIS3DH, { type LIS3DHConfiguration } from "embedded:sensor/Accelerometer/LIS3DH";
import type { Result } from "../../../core/runtime/result";
import { Ecma419Sensor, type Ecma419OpenOptions } from "./ecma419-sensor";
import { LIS3DH_PROFILE } from "./readings";

export function openLis3dh(options: Ecma419OpenOptions<Ecma419SensorBusOptions>): Result<Ecma419Sensor<LIS3DHConfiguration>> {
  return Ecma419Sensor.open(LIS3DH, LIS3DH_PROFILE, options);
}
