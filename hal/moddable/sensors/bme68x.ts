/**
 * Bosch BME68x pressure, humidity and temperature sensor (embedded:sensor/Barometer-Humidity-Temperature/BME68x)
 * as a Picket Sensor. Channels and units: BME68X_PROFILE (readings.ts). Default bus address 0x77; the driver
 * uses the bus as I2C:
 *
 *     const sensor = openBme68x({ sensor: { ...device.I2C.default, io: device.io.I2C } });
 */
/// <reference path="./ecma419-sensors.d.ts" />
import BME68x, { type BME68xConfiguration } from "embedded:sensor/Barometer-Humidity-Temperature/BME68x";
import type { Result } from "../../../core/runtime/result";
import { Ecma419Sensor, type Ecma419OpenOptions } from "./ecma419-sensor";
import { BME68X_PROFILE } from "./readings";

export function openBme68x(options: Ecma419OpenOptions<Ecma419SensorBusOptions>): Result<Ecma419Sensor<BME68xConfiguration>> {
  return Ecma419Sensor.open(BME68x, BME68X_PROFILE, options);
}
