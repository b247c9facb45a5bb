/** Simulated barometer (a BMP280/BME68x shape): one channel, pressure in Pa. */
import type { Result } from "../../../core/runtime/result";
import { SensorChannels } from "../../sensor";
import { commonFields, type SimSensorCommonOptions } from "./common";
import { SimSensor, type SimChannelModel } from "./sim-sensor";

/** Standard atmosphere at sea level, ±2 Pa noise. */
export const DEFAULT_PRESSURE_MODEL: SimChannelModel = Object.freeze({ base: 101_325, driftPerMinute: 0, noise: 2 });

export interface SimPressureOptions extends SimSensorCommonOptions {
  readonly pressure?: SimChannelModel;
}

export function createSimPressureSensor(options: SimPressureOptions): Result<SimSensor> {
  return SimSensor.create({
    ...commonFields(options),
    channels: [SensorChannels.pressure],
    models: [options.pressure ?? DEFAULT_PRESSURE_MODEL],
  });
}
