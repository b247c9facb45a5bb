/**
 * Bosch BMP280 barometric pressure and temperature sensor (embedded:sensor/Barometer-Temperature/BMP280)
 * as a Picket Sensor. Channels and units: BMP280_PROFILE (readings.ts). Default bus address 0x76; the driver
 * uses the bus as I2C:
 *
 *     const sensor = openBmp280({ sensor: { ...device.I2C.default, io: device.io.I2C } });
 */
/// <reference path="./ecma419-sensors.d.ts" />
import BMP280, { type BMP280Configuration } from "embedded:sensor/Barometer-Temperature/BMP280";
import type { Result } from "../../../core/runtime/result";
import { Ecma419Sensor, type Ecma419OpenOptions } from "./ecma419-sensor";
import { BMP280_PROFILE } from "./readings";

export function openBmp280(options: Ecma419OpenOptions<Ecma419SensorBusOptions>): Result<Ecma419Sensor<BMP280Configuration>> {
  return Ecma419Sensor.open(BMP280, BMP280_PROFILE, options);
}
