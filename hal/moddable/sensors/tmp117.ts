/**
 * TI TMP117 digital temperature sensor (embedded:sensor/Temperature/TMP117)
 * as a Picket Sensor. Channels and units: TMP117_PROFILE (readings.ts). Default bus address 0x48; the driver
 * uses the bus as SMBus:
 *
 *     const sensor = openTmp117({ sensor: { ...device.I2C.default, io: device.io.SMBus } });
 */
/// <reference path="./ecma419-sensors.d.ts" />
import TMP117, { type TMP117Configuration } from "embedded:sensor/Temperature/TMP117";
import type { Result } from "../../../core/runtime/result";
import { Ecma419Sensor, type Ecma419OpenOptions } from "./ecma419-sensor";
import { TMP117_PROFILE } from "./readings";

export function openTmp117(options: Ecma419OpenOptions<Ecma419SensorBusOptions>): Result<Ecma419Sensor<TMP117Configuration>> {
  return Ecma419Sensor.open(TMP117, TMP117_PROFILE, options);
}
