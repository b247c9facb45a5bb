/**
 * Simulated drivers for every sensor part (hal/sim/sensors): the same
 * channel layout as the part (sensor-parts.ts), a plausible resting signal,
 * and an optional event script (intrusions, ramps, faults). Used by the
 * device entry when a sensor's driver is "sim", and by the site simulator.
 */
import { err, type Result } from "../core/runtime/result";
import { ErrorCode } from "../core/runtime/errors";
import type { SimChannelModel } from "../hal/sim/sensors/sim-sensor";
import { SimSensor } from "../hal/sim/sensors/sim-sensor";
import type { SimEvent } from "../hal/sim/sensors/script";
import { SensorPart, sensorPartInfo } from "./sensor-parts";

const TEMPERATURE: SimChannelModel = Object.freeze({ base: 21_000, driftPerMinute: 0, noise: 100 });
const HUMIDITY: SimChannelModel = Object.freeze({ base: 45_000, driftPerMinute: 0, noise: 500 });
const PRESSURE: SimChannelModel = Object.freeze({ base: 101_325, driftPerMinute: 0, noise: 2 });
const AXIS: SimChannelModel = Object.freeze({ base: 0, driftPerMinute: 0, noise: 5 });
const GRAVITY_AXIS: SimChannelModel = Object.freeze({ base: 1000, driftPerMinute: 0, noise: 5 });
const AT_REST: SimChannelModel = Object.freeze({ base: 0 });

/** The resting signal of each part's channels, in channel order. */
export function defaultSimModels(part: SensorPart): readonly SimChannelModel[] {
  switch (part) {
    case SensorPart.Tmp117:
      return [TEMPERATURE];
    case SensorPart.Sht3x:
      return [TEMPERATURE, HUMIDITY];
    case SensorPart.Bmp280:
      return [PRESSURE, TEMPERATURE];
    case SensorPart.Bme68x:
      return [TEMPERATURE, HUMIDITY, PRESSURE];
    case SensorPart.Lis3dh:
      return [AXIS, AXIS, GRAVITY_AXIS];
    default:
      return [AT_REST];
  }
}

export interface SimSensorSetup {
  readonly seed: number;
  /** Per channel; default `defaultSimModels(part)`. */
  readonly models?: readonly SimChannelModel[];
  readonly script?: readonly SimEvent[];
  readonly scriptCapacity?: number;
}

/** A simulated `part`. Errors: AgentSensorOpenFailed (unknown part), or the simulator's SensorBadModel/SensorBadScript. */
export function openSimSensor(part: SensorPart, setup: SimSensorSetup): Result<SimSensor> {
  const info = sensorPartInfo(part);
  if (info === undefined) return err(ErrorCode.AgentSensorOpenFailed);
  return SimSensor.create({
    seed: setup.seed,
    channels: info.channels,
    models: setup.models ?? defaultSimModels(part),
    ...(setup.script === undefined ? {} : { script: setup.script }),
    ...(setup.scriptCapacity === undefined ? {} : { scriptCapacity: setup.scriptCapacity }),
  });
}
