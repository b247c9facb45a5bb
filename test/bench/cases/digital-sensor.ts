/**
 * The digital sensor adapter's sample path (hal/moddable/sensors/digital.ts):
 * one guarded read() of an ECMA-419 Digital input, polarity applied, written
 * into the caller's array. The Digital class here is a minimal stand-in
 * whose read() toggles a number (a native read on the board allocates
 * nothing either), so bytes/op measure the adapter alone: expected 0.
 */
import type { Result } from "../../../core/runtime/result";
import { SensorKind } from "../../../hal/sensor";
import { DigitalPull, DigitalSensor, type DigitalInputOptions } from "../../../hal/moddable/sensors/digital";
import { benchCase, type BenchCase } from "./types";

const OPS = 1_000;

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bench setup failed with code ${result.code}`);
  return result.value;
}

/** A line that alternates low and high on every read. */
class TogglingInput {
  static readonly Input = 0;
  static readonly InputPullUp = 1;
  static readonly InputPullDown = 2;
  #level = 0;
  constructor(_options: DigitalInputOptions) {}
  read(): number {
    this.#level ^= 1;
    return this.#level;
  }
  close(): void {}
}

interface DigitalState {
  readonly sensor: DigitalSensor;
  readonly out: Int32Array;
}

const digitalSample: BenchCase<DigitalState> = {
  group: "telemetry",
  name: "digital contact sample (ECMA-419 Digital input, active-low)",
  opsPerRun: OPS,
  setup() {
    const sensor = unwrap(DigitalSensor.open({ io: TogglingInput, kind: SensorKind.Contact, pin: 4, activeLow: true, pull: DigitalPull.Up }));
    return { sensor, out: new Int32Array(1) };
  },
  run(state) {
    const { sensor, out } = state;
    let check = 0;
    for (let i = 0; i < OPS; i++) check += sensor.sample(i, out, 0) + (out[0] ?? 0);
    return check;
  },
};

export const digitalSensorCases: readonly BenchCase[] = Object.freeze([benchCase(digitalSample)]);
