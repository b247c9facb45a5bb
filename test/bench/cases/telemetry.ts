/**
 * Hot paths of the sampling side: a reading through the telemetry pipeline,
 * one rule evaluation, one simulated sensor sample. `run` allocates nothing
 * (the XS harness expects 0 bytes/op): clocks and cursors live in typed
 * arrays built by `setup`.
 */
import { AlertRule, RuleTransition } from "../../../core/telemetry/alert-rule";
import { RuleDirection, RuleSource } from "../../../core/telemetry/config";
import { TelemetryPipeline } from "../../../core/telemetry/pipeline";
import { TelemetryRecord } from "../../../core/telemetry/record";
import type { Result } from "../../../core/runtime/result";
import { createSimTemperatureSensor } from "../../../hal/sim/sensors/temperature";
import type { SimSensor } from "../../../hal/sim/sensors/sim-sensor";
import { benchCase, type BenchCase } from "./types";

const OPS = 1_000;
const GROUP = "telemetry";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bench setup failed with code ${result.code}`);
  return result.value;
}

interface PipelineState {
  readonly pipeline: TelemetryPipeline;
  readonly record: TelemetryRecord;
  readonly clockMs: Float64Array;
}

/**
 * One channel, 1 s samples, 10 s windows, one Value rule: every 10th sample
 * closes a window (an Aggregate into the outbox), which the uplink drains.
 */
const sampleAndAggregate: BenchCase<PipelineState> = {
  group: GROUP,
  name: "sample + aggregate (1 channel)",
  opsPerRun: OPS,
  setup() {
    const pipeline = unwrap(
      TelemetryPipeline.create({
        channels: [{ channelId: 1, historyCapacity: 64, windowMs: 10_000 }],
        rules: [{ ruleId: 1, channel: 0, source: RuleSource.Value, direction: RuleDirection.Above, threshold: 30_000, hysteresis: 500 }],
        outboxCapacity: 16,
      }),
    );
    return { pipeline, record: new TelemetryRecord(), clockMs: new Float64Array(1) };
  },
  run(state) {
    const { pipeline, record, clockMs } = state;
    let check = 0;
    for (let i = 0; i < OPS; i++) {
      const t = (clockMs[0] ?? 0) + 1000;
      clockMs[0] = t;
      check += pipeline.ingest(0, t, 21_000 + (i & 255));
      if (pipeline.outbox.pop(record) === 0) check += record.count;
    }
    return check;
  },
};

interface RuleState {
  readonly rule: AlertRule;
  readonly values: Int32Array;
  readonly clockMs: Float64Array;
}

/** A Value rule with hysteresis fed a signal that crosses its band up and down (raise and clear each period). */
const ruleEvaluate: BenchCase<RuleState> = {
  group: GROUP,
  name: "threshold rule evaluate",
  opsPerRun: OPS,
  setup() {
    const rule = new AlertRule({
      ruleId: 1,
      channel: 0,
      source: RuleSource.Value,
      direction: RuleDirection.Above,
      threshold: 30_000,
      hysteresis: 500,
      minDurationMs: 2_000,
    });
    const values = new Int32Array(64);
    for (let i = 0; i < values.length; i++) values[i] = 29_000 + ((i * 97) % 2_000);
    return { rule, values, clockMs: new Float64Array(1) };
  },
  run(state) {
    const { rule, values, clockMs } = state;
    let check = 0;
    for (let i = 0; i < OPS; i++) {
      const t = (clockMs[0] ?? 0) + 1000;
      clockMs[0] = t;
      const transition = rule.evaluate(values[i & 63] ?? 0, t);
      if (transition !== RuleTransition.None) rule.commit(transition);
      check += transition;
    }
    return check;
  },
};

interface SensorState {
  readonly sensor: SimSensor;
  readonly out: Int32Array;
  readonly clockMs: Float64Array;
}

const simTemperatureSample: BenchCase<SensorState> = {
  group: GROUP,
  name: "sim temperature sensor sample",
  opsPerRun: OPS,
  setup() {
    const sensor = unwrap(createSimTemperatureSensor({ seed: 7, temperature: { base: 21_000, driftPerMinute: 5, noise: 250 } }));
    return { sensor, out: new Int32Array(1), clockMs: new Float64Array(1) };
  },
  run(state) {
    const { sensor, out, clockMs } = state;
    let check = 0;
    for (let i = 0; i < OPS; i++) {
      const t = (clockMs[0] ?? 0) + 1000;
      clockMs[0] = t;
      check += sensor.sample(t, out, 0) + (out[0] ?? 0);
    }
    return check;
  },
};

export const telemetryCases: readonly BenchCase[] = Object.freeze([
  benchCase(sampleAndAggregate),
  benchCase(ruleEvaluate),
  benchCase(simTemperatureSample),
]);
