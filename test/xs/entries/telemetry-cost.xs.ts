/**
 * XS entry for test/xs/telemetry.test.ts: bytes allocated and
 * computrons per sample on the real XS engine, in steady state (after a
 * warm-up that fills every ring and the outbox), for the telemetry bench
 * cases and for a full sampling turn: a faulted simulated sensor through
 * `ingestSensor` into a pipeline with value, delta and fault rules.
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { telemetryCases } from "../../bench/cases/telemetry";
import { ErrorCode } from "../../../core/runtime/errors";
import { RuleDirection, RuleSource } from "../../../core/telemetry/config";
import { TelemetryPipeline } from "../../../core/telemetry/pipeline";
import { TelemetryRecord } from "../../../core/telemetry/record";
import { createSimTemperatureHumiditySensor } from "../../../hal/sim/sensors/temperature";
import { SIM_FOREVER_MS, SimEventKind } from "../../../hal/sim/sensors/script";

for (const c of telemetryCases) {
  const state = c.setup();
  c.run(state);
  const m = measure(() => {
    c.run(state);
  });
  record("case", { name: c.name, bytesPerOp: m.allocatedBytes / c.opsPerRun, computronsPerOp: m.computrons / c.opsPerRun, exact: m.exact });
}

const sensor = createSimTemperatureHumiditySensor({
  seed: 9,
  script: [
    { kind: SimEventKind.Ramp, atMs: 0, untilMs: 600_000, amount: 15_000, channelMask: 0b01 },
    { kind: SimEventKind.Spike, atMs: 0, untilMs: SIM_FOREVER_MS, amount: 4_000, permille: 100 },
    { kind: SimEventKind.Dropout, atMs: 100_000, untilMs: 110_000, channelMask: 0b10 },
  ],
});
const pipeline = TelemetryPipeline.create({
  channels: [
    { channelId: 1, historyCapacity: 32, windowMs: 10_000, faultAfterErrors: 3 },
    { channelId: 2, historyCapacity: 32, windowMs: 10_000, faultAfterErrors: 3 },
  ],
  rules: [
    { ruleId: 1, channel: 0, source: RuleSource.Value, direction: RuleDirection.Above, threshold: 30_000, hysteresis: 1_000, minDurationMs: 2_000 },
    { ruleId: 2, channel: 0, source: RuleSource.AbsDelta, direction: RuleDirection.Above, threshold: 3_000, hysteresis: 500, deltaWindowMs: 5_000 },
    { ruleId: 3, channel: 1, source: RuleSource.Value, direction: RuleDirection.Below, threshold: 44_000, hysteresis: 200 },
  ],
  outboxCapacity: 8,
});
if (sensor.ok && pipeline.ok) {
  const out = new Int32Array(2);
  const popped = new TelemetryRecord();
  const clockMs = new Float64Array(1);
  const turn = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const t = (clockMs[0] ?? 0) + 1000;
      clockMs[0] = t;
      const status = sensor.value.sample(t, out, 0);
      pipeline.value.ingestSensor(0, t, status, out, 0, 2);
      pipeline.value.tick(t);
      if ((i & 3) === 0) pipeline.value.outbox.pop(popped);
    }
  };
  turn(200); // warm-up: rings wrap, the outbox fills, alerts raise and clear
  const turns = 400;
  const m = measure(() => turn(turns));
  const outbox = pipeline.value.outbox;
  record("turn", {
    bytesPerSample: m.allocatedBytes / turns,
    computronsPerSample: m.computrons / turns,
    exact: m.exact,
    invariants: pipeline.value.checkInvariants() === ErrorCode.Ok,
    alertsAccepted: outbox.alertsAccepted,
    routineDropped: outbox.routineDroppedForAlert + outbox.routineDroppedForRoutine,
    highWater: outbox.highWater,
  });
}
done();
