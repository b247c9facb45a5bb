/**
 * Simulated 3-axis accelerometer (a LIS3DH shape) for vibration and tamper
 * sensing: channels 0..2 = x, y, z in mg. At rest a board lying flat reads
 * about 1 g on z; a `NoiseBurst` event on all axes is a vibration burst, a
 * `Offset` on one axis a tilt.
 */
import type { Result } from "../../../core/runtime/result";
import { SensorChannels } from "../../sensor";
import { commonFields, type SimSensorCommonOptions } from "./common";
import { SimSensor, type SimChannelModel } from "./sim-sensor";

/** At rest, ±5 mg noise per axis. */
export const DEFAULT_AXIS_MODEL: SimChannelModel = Object.freeze({ base: 0, driftPerMinute: 0, noise: 5 });
export const DEFAULT_GRAVITY_AXIS_MODEL: SimChannelModel = Object.freeze({ base: 1000, driftPerMinute: 0, noise: 5 });

export interface SimAccelerometerOptions extends SimSensorCommonOptions {
  readonly x?: SimChannelModel;
  readonly y?: SimChannelModel;
  readonly z?: SimChannelModel;
}

/** Bit masks for `SimEvent.channelMask`. */
export const AXIS_X = 0b001;
export const AXIS_Y = 0b010;
export const AXIS_Z = 0b100;

export function createSimAccelerometer(options: SimAccelerometerOptions): Result<SimSensor> {
  const axis = SensorChannels.acceleration;
  return SimSensor.create({
    ...commonFields(options),
    channels: [axis, axis, axis],
    models: [options.x ?? DEFAULT_AXIS_MODEL, options.y ?? DEFAULT_AXIS_MODEL, options.z ?? DEFAULT_GRAVITY_AXIS_MODEL],
  });
}
