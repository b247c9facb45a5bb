/**
 * A simulated scalar sensor with a seeded signal model: a base level, a
 * linear drift and bounded uniform noise, all in integer milli-units.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { Xoshiro128 } from "../../core/runtime/prng";
import { err, ok, type Outcome, type Result, type Status } from "../../core/runtime/result";
import type { ScalarSensor } from "../sensor";

export interface SignalModel {
  readonly seed: number;
  readonly baseMilli: number;
  /** Drift per minute of virtual time, integer milli-units. */
  readonly driftMilliPerMinute: number;
  /** Noise amplitude: readings vary uniformly within +-noiseMilli. */
  readonly noiseMilli: number;
}

export class SimSignalSensor implements ScalarSensor {
  readonly #model: SignalModel;
  readonly #prng: Xoshiro128;

  static create(model: SignalModel): Result<SimSignalSensor> {
    const integers = [model.baseMilli, model.driftMilliPerMinute, model.noiseMilli, model.seed];
    for (let i = 0; i < integers.length; i++) {
      const value = integers[i];
      if (value === undefined || !Number.isSafeInteger(value)) return err(ErrorCode.InvalidArgument);
    }
    if (model.noiseMilli < 0 || model.noiseMilli > 0x3fff_ffff) return err(ErrorCode.InvalidArgument);
    return ok(new SimSignalSensor(model));
  }

  private constructor(model: SignalModel) {
    this.#model = model;
    this.#prng = new Xoshiro128(model.seed);
  }

  sample(nowMs: number, out: Outcome<number>): Status {
    const m = this.#model;
    const drift = Math.floor((m.driftMilliPerMinute * Math.floor(nowMs)) / 60_000);
    const noise = m.noiseMilli === 0 ? 0 : this.#prng.nextBelow(2 * m.noiseMilli + 1) - m.noiseMilli;
    return out.succeed(m.baseMilli + drift + noise);
  }
}
