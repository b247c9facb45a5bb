/**
 * Simulated temperature (m°C) and temperature + relative humidity (m%RH)
 * sensors, the shapes of a TMP117 and an SHT3x.
 */
import type { Result } from "../../../core/runtime/result";
import { SensorChannels } from "../../sensor";
import { commonFields, type SimSensorCommonOptions } from "./common";
import { SimSensor, type SimChannelModel } from "./sim-sensor";

/** 21 °C, steady, ±0.1 °C noise. */
export const DEFAULT_TEMPERATURE_MODEL: SimChannelModel = Object.freeze({ base: 21_000, driftPerMinute: 0, noise: 100 });
/** 45 %RH, steady, ±0.5 %RH noise. */
export const DEFAULT_HUMIDITY_MODEL: SimChannelModel = Object.freeze({ base: 45_000, driftPerMinute: 0, noise: 500 });

export interface SimTemperatureOptions extends SimSensorCommonOptions {
  readonly temperature?: SimChannelModel;
}

export interface SimTemperatureHumidityOptions extends SimTemperatureOptions {
  readonly humidity?: SimChannelModel;
}

/** One channel: temperature in m°C. */
export function createSimTemperatureSensor(options: SimTemperatureOptions): Result<SimSensor> {
  return SimSensor.create({
    ...commonFields(options),
    channels: [SensorChannels.temperature],
    models: [options.temperature ?? DEFAULT_TEMPERATURE_MODEL],
  });
}

/** Two channels: 0 = temperature (m°C), 1 = relative humidity (m%RH). */
export function createSimTemperatureHumiditySensor(options: SimTemperatureHumidityOptions): Result<SimSensor> {
  return SimSensor.create({
    ...commonFields(options),
    channels: [SensorChannels.temperature, SensorChannels.humidity],
    models: [options.temperature ?? DEFAULT_TEMPERATURE_MODEL, options.humidity ?? DEFAULT_HUMIDITY_MODEL],
  });
}
