/** Options every simulated sensor factory shares. */
import type { SensorErrorHandler } from "../../sensor";
import type { SimEvent } from "./script";

export interface SimSensorCommonOptions {
  /** Seed of the sensor's own generator: same seed, script and sample times give the same readings. */
  readonly seed: number;
  readonly script?: readonly SimEvent[];
  readonly scriptCapacity?: number;
  readonly onError?: SensorErrorHandler;
}

/** The shared options without the undefined ones (exactOptionalPropertyTypes). */
export function commonFields(options: SimSensorCommonOptions): SimSensorCommonOptions {
  return {
    seed: options.seed,
    ...(options.script === undefined ? {} : { script: options.script }),
    ...(options.scriptCapacity === undefined ? {} : { scriptCapacity: options.scriptCapacity }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  };
}
