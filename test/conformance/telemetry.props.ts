/**
 * Property definitions for core/telemetry and the simulated sensors. Run on
 * V8 (test/core/telemetry/telemetry.property.test.ts) and inside the XS engine
 * (test/xs/conformance.test.ts via index.ts), so this file uses ECMAScript
 * built-ins only and receives fast-check as a parameter.
 *
 *  - window aggregates equal a plain model of aligned windows;
 *  - rules match an independent reference of threshold + hysteresis +
 *    minimum duration, and raise/clear strictly alternate (no flapping);
 *  - the outbox matches a model of its priority policy: never above
 *    capacity, alerts never dropped or refused while routine telemetry could
 *    make room, counters add up;
 *  - the whole pipeline under random samples, errors, ticks and pops keeps
 *    every bound and identity, and loses no committed alert;
 *  - simulated sensors are deterministic and give the same golden trace on
 *    every engine.
 */
import { ErrorCode } from "../../core/runtime/errors";
import type { Result } from "../../core/runtime/result";
import { TraceHash } from "../../core/runtime/trace-hash";
import {
  RecordKind,
  RecordPriority,
  RuleDirection,
  RuleSource,
  TelemetryOutbox,
  TelemetryPipeline,
  TelemetryRecord,
  type TelemetryRuleConfig,
} from "../../core/telemetry/index";
import { SENSOR_NO_READING } from "../../hal/sensor";
import { createSimAccelerometer, createSimTemperatureHumiditySensor, SIM_FOREVER_MS, SimEventKind, type SimEvent } from "../../hal/sim/sensors/index";
import { check, unwrap, type ConformanceProperty, type FastCheck } from "./support";


export type TelemetryProperty = ConformanceProperty;



function drain(pipeline: TelemetryPipeline): TelemetryRecord[] {
  const out: TelemetryRecord[] = [];
  for (;;) {
    const record = new TelemetryRecord();
    if (pipeline.outbox.pop(record) !== ErrorCode.Ok) return out;
    out.push(record);
  }
}

// ----------------------------------------------------------- window aggregates

interface Step {
  readonly dtMs: number;
  /** null = a sensor error at that time. */
  readonly value: number | null;
}

interface ModelWindow {
  startMs: number;
  count: number;
  min: number;
  max: number;
  sum: number;
  errors: number;
}

function aggregatesEqualModel(fc: FastCheck, numRuns: number, seed: number): void {
  const value = fc.oneof(fc.integer({ min: -2_147_483_647, max: 2_147_483_647 }), fc.integer({ min: -50, max: 50 }));
  const step = fc.record({ dtMs: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 5_000 })), value: fc.option(value, { freq: 5 }) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4_000 }), fc.array(step, { maxLength: 120 }), (windowMs: number, steps: readonly Step[]) => {
      const pipeline = unwrap(
        TelemetryPipeline.create({ channels: [{ channelId: 3, historyCapacity: 4, windowMs }], rules: [], outboxCapacity: steps.length + 2 }),
        "create",
      );
      const model: ModelWindow[] = [];
      let nowMs = 0;
      for (const s of steps) {
        nowMs += s.dtMs;
        const startMs = nowMs - (nowMs % windowMs);
        let w = model[model.length - 1];
        if (w === undefined || w.startMs !== startMs) {
          w = { startMs, count: 0, min: 0, max: 0, sum: 0, errors: 0 };
          model.push(w);
        }
        if (s.value === null) {
          check(pipeline.ingestError(0, nowMs, ErrorCode.SensorNoData) === ErrorCode.Ok, "ingestError refused");
          w.errors++;
        } else {
          check(pipeline.ingest(0, nowMs, s.value) === ErrorCode.Ok, "ingest refused");
          w.min = w.count === 0 ? s.value : Math.min(w.min, s.value);
          w.max = w.count === 0 ? s.value : Math.max(w.max, s.value);
          w.sum += s.value;
          w.count++;
        }
      }
      pipeline.tick(nowMs + windowMs);
      const records = drain(pipeline);
      check(records.length === model.length, `${records.length} aggregates, model has ${model.length}`);
      for (let i = 0; i < model.length; i++) {
        const m = model[i];
        const r = records[i];
        if (m === undefined || r === undefined) throw new Error("missing window");
        check(r.kind === RecordKind.Aggregate && r.channelId === 3, "not an aggregate of channel 3");
        check(r.atMs === m.startMs && r.endMs === m.startMs + windowMs, `window ${i} at ${r.atMs}, model ${m.startMs}`);
        check(r.count === m.count && r.errors === m.errors, `window ${i}: count/errors differ`);
        if (m.count > 0) {
          const mean = Math.floor(m.sum / m.count);
          check(r.min === m.min && r.max === m.max && r.sum === m.sum, `window ${i}: min/max/sum differ`);
          // floor(sum/count) exactly: mean·count <= sum < (mean+1)·count
          check(r.mean * m.count <= m.sum && (r.mean + 1) * m.count > m.sum, `window ${i}: mean ${r.mean} is not floor`);
          check(Math.abs(r.mean - mean) <= 1, `window ${i}: mean far from the double quotient`);
        }
      }
    }),
    { numRuns, seed },
  );
}

// ----------------------------------------------------------------------- rules

/** Independent reference of one Value rule, written from the config.ts contract. */
function referenceTransitions(rule: TelemetryRuleConfig, times: readonly number[], values: readonly number[]): string[] {
  const out: string[] = [];
  let raised = false;
  let since = -1;
  for (let i = 0; i < values.length; i++) {
    const q = values[i] ?? 0;
    const t = times[i] ?? 0;
    const above = rule.direction === RuleDirection.Above;
    if (raised) {
      const clears = above ? q < rule.threshold - rule.hysteresis : q > rule.threshold + rule.hysteresis;
      if (clears) {
        raised = false;
        out.push(`clear@${t}`);
      }
      continue;
    }
    const breaches = above ? q >= rule.threshold : q <= rule.threshold;
    if (!breaches) {
      since = -1;
      continue;
    }
    if (since < 0) since = t;
    if (t - since >= (rule.minDurationMs ?? 0)) {
      raised = true;
      since = -1;
      out.push(`raise@${t}`);
    }
  }
  return out;
}

function rulesMatchReference(fc: FastCheck, numRuns: number, seed: number): void {
  const ruleArb = fc.record({
    direction: fc.constantFrom(RuleDirection.Above, RuleDirection.Below),
    threshold: fc.integer({ min: -20, max: 20 }),
    hysteresis: fc.integer({ min: 0, max: 10 }),
    minDurationMs: fc.constantFrom(0, 0, 1, 5, 20),
  });
  const samples = fc.array(fc.record({ dtMs: fc.integer({ min: 0, max: 6 }), value: fc.integer({ min: -30, max: 30 }) }), { maxLength: 150 });
  fc.assert(
    fc.property(ruleArb, samples, (r, plan: readonly { readonly dtMs: number; readonly value: number }[]) => {
      const rule: TelemetryRuleConfig = { ruleId: 9, channel: 0, source: RuleSource.Value, ...r };
      const pipeline = unwrap(
        TelemetryPipeline.create({ channels: [{ channelId: 1, historyCapacity: 2, windowMs: 1_000_000 }], rules: [rule], outboxCapacity: plan.length + 2 }),
        "create",
      );
      const times: number[] = [];
      const values: number[] = [];
      let t = 0;
      for (const s of plan) {
        t += s.dtMs;
        times.push(t);
        values.push(s.value);
        pipeline.ingest(0, t, s.value);
      }
      const got = drain(pipeline)
        .filter((x) => x.kind === RecordKind.AlertRaised || x.kind === RecordKind.AlertCleared)
        .map((x) => `${x.kind === RecordKind.AlertRaised ? "raise" : "clear"}@${x.atMs}`);
      const want = referenceTransitions(rule, times, values);
      check(got.join(",") === want.join(","), `got ${got.join(",")}, reference ${want.join(",")}`);
      for (let i = 0; i < got.length; i++) {
        check((got[i] ?? "").startsWith(i % 2 === 0 ? "raise" : "clear"), "raise and clear do not alternate");
      }
    }),
    { numRuns, seed },
  );
}

// ---------------------------------------------------------------------- outbox

type OutboxOp = { readonly op: "alert" | "routine"; readonly tag: number } | { readonly op: "pop" };

function outboxMatchesModel(fc: FastCheck, numRuns: number, seed: number): void {
  const op = fc.oneof(
    fc.record({ op: fc.constant("alert" as const), tag: fc.nat(1000) }),
    fc.record({ op: fc.constant("routine" as const), tag: fc.nat(1000) }),
    fc.record({ op: fc.constant("pop" as const) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 100 }), (capacity: number, ops: readonly OutboxOp[]) => {
      const outbox = unwrap(TelemetryOutbox.create(capacity), "create");
      const alerts: number[] = [];
      const routine: number[] = [];
      const record = new TelemetryRecord();
      for (const o of ops) {
        if (o.op === "pop") {
          const want = alerts.shift() ?? routine.shift();
          const status = outbox.pop(record);
          check(want === undefined ? status === ErrorCode.Empty : status === ErrorCode.Ok && record.atMs === want, `pop: got ${record.atMs}, model ${want}`);
        } else {
          const alert = o.op === "alert";
          record.reset(alert ? RecordKind.AlertRaised : RecordKind.Aggregate, 1, o.tag);
          const full = alerts.length + routine.length === capacity;
          const routineBefore = routine.length;
          const status = outbox.push(record);
          if (full && routineBefore === 0) {
            // Refused only when nothing routine could make room.
            check(status === ErrorCode.TelemetryOutboxFull, "push into an all-alert outbox was not refused");
          } else {
            check(status === ErrorCode.Ok, `push refused although routine telemetry could make room (${routineBefore} routine)`);
            if (full) routine.shift();
            (alert ? alerts : routine).push(o.tag);
          }
        }
        check(outbox.length <= capacity, "outbox above capacity");
        check(outbox.length === alerts.length + routine.length, "length differs from model");
        check(outbox.alertLength === alerts.length, "alert count differs from model");
        check(outbox.checkInvariants() === ErrorCode.Ok, "outbox invariants");
      }
      const pushes = ops.filter((o) => o.op !== "pop").length;
      const outcomes = outbox.alertsAccepted + outbox.routineAccepted + outbox.alertsRefused + outbox.routineRefused;
      check(outcomes === pushes, "push outcomes do not add up");
    }),
    { numRuns, seed },
  );
}

// -------------------------------------------------------------------- pipeline

type PipeOp =
  | { readonly op: "sample"; readonly channel: number; readonly dtMs: number; readonly value: number }
  | { readonly op: "error"; readonly channel: number; readonly dtMs: number }
  | { readonly op: "tick"; readonly dtMs: number }
  | { readonly op: "pop" };

function pipelineKeepsBounds(fc: FastCheck, numRuns: number, seed: number): void {
  const dtMs = fc.integer({ min: 0, max: 700 });
  const op = fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant("sample" as const), channel: fc.integer({ min: 0, max: 1 }), dtMs, value: fc.integer({ min: -100, max: 100 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("error" as const), channel: fc.integer({ min: 0, max: 1 }), dtMs }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("tick" as const), dtMs }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("pop" as const) }) },
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 150 }), (outboxCapacity: number, historyCapacity: number, ops: readonly PipeOp[]) => {
      const pipeline = unwrap(
        TelemetryPipeline.create({
          channels: [
            { channelId: 10, historyCapacity, windowMs: 1_000, faultAfterErrors: 2 },
            { channelId: 11, historyCapacity, windowMs: 1_500 },
          ],
          rules: [
            { ruleId: 1, channel: 0, source: RuleSource.Value, direction: RuleDirection.Above, threshold: 50, hysteresis: 10 },
            { ruleId: 2, channel: 0, source: RuleSource.Delta, direction: RuleDirection.Below, threshold: -40, hysteresis: 5, deltaWindowMs: 900 },
            { ruleId: 3, channel: 1, source: RuleSource.AbsDelta, direction: RuleDirection.Above, threshold: 60, hysteresis: 0, deltaWindowMs: 2_000, minDurationMs: 300 },
          ],
          outboxCapacity,
        }),
        "create",
      );
      const record = new TelemetryRecord();
      let nowMs = 0;
      let poppedAlerts = 0;
      for (const o of ops) {
        if (o.op === "pop") {
          if (pipeline.outbox.pop(record) === ErrorCode.Ok && record.priority === RecordPriority.Alert) poppedAlerts++;
        } else {
          nowMs += o.dtMs;
          if (o.op === "sample") check(pipeline.ingest(o.channel, nowMs, o.value) === ErrorCode.Ok, "sample refused");
          else if (o.op === "error") check(pipeline.ingestError(o.channel, nowMs, ErrorCode.SensorNoData) === ErrorCode.Ok, "error refused");
          else check(pipeline.tick(nowMs) === ErrorCode.Ok, "tick refused");
        }
        const outbox = pipeline.outbox;
        check(outbox.length <= outboxCapacity && outbox.highWater <= outboxCapacity, "outbox above capacity");
        for (let c = 0; c < 2; c++) {
          const history = pipeline.channel(c)?.history;
          check(history !== undefined && history.length <= historyCapacity, "history above capacity");
        }
        check(pipeline.checkInvariants() === ErrorCode.Ok, "pipeline invariants");
      }
      // Every committed transition is an accepted alert record, and no accepted alert was dropped.
      let committed = 0;
      for (let c = 0; c < 2; c++) {
        const channel = pipeline.channel(c);
        for (const rule of channel?.rules ?? []) committed += rule.raisedCount + rule.clearedCount;
      }
      const outbox = pipeline.outbox;
      check(committed <= outbox.alertsAccepted, "a rule committed a transition whose alert was not accepted");
      check(outbox.alertsAccepted === poppedAlerts + outbox.alertLength, "an accepted alert went missing");
    }),
    { numRuns, seed },
  );
}

// ------------------------------------------------------------ simulated sensors

const FAULT_SCRIPT: readonly SimEvent[] = Object.freeze([
  { kind: SimEventKind.Ramp, atMs: 5_000, untilMs: 30_000, amount: 4_000, channelMask: 0b01 },
  { kind: SimEventKind.Spike, atMs: 0, untilMs: SIM_FOREVER_MS, amount: 3_000, permille: 50 },
  { kind: SimEventKind.Dropout, atMs: 12_000, untilMs: 15_000, channelMask: 0b10 },
  { kind: SimEventKind.StuckAt, atMs: 40_000, untilMs: 50_000 },
  { kind: SimEventKind.NoiseBurst, atMs: 20_000, untilMs: 25_000, amount: 700 },
]);

/** Readings of a faulted temperature/humidity sensor and a vibrating accelerometer, folded into a trace hash. */
function simTrace(seed: number, samples: number, stepMs: number): string {
  const th = unwrap(createSimTemperatureHumiditySensor({ seed, script: FAULT_SCRIPT }), "th");
  const accel = unwrap(
    createSimAccelerometer({ seed: seed ^ 0x5a5a, script: [{ kind: SimEventKind.NoiseBurst, atMs: 10_000, untilMs: 20_000, amount: 1_500 }] }),
    "accel",
  );
  const out = new Int32Array(5);
  const hash = new TraceHash();
  for (let i = 0; i < samples; i++) {
    const t = i * stepMs;
    hash.word(th.sample(t, out, 0));
    hash.word(accel.sample(t, out, 2));
    for (let c = 0; c < 5; c++) hash.word(out[c] ?? 0);
  }
  return hash.hex();
}

/** Computed on V8; the XS run must give the same. Changing a sim model on purpose changes it. */
export const SIM_GOLDEN_TRACE = "25812f71194d962e";

function simDeterministic(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 3_000 }), (sensorSeed: number, samples: number, stepMs: number) => {
      check(simTrace(sensorSeed, samples, stepMs) === simTrace(sensorSeed, samples, stepMs), "same seed, different readings");
      const th = unwrap(createSimTemperatureHumiditySensor({ seed: sensorSeed, script: FAULT_SCRIPT }), "th");
      const out = new Int32Array(2);
      for (let i = 0; i < samples; i++) {
        th.sample(i * stepMs, out, 0);
        for (let c = 0; c < 2; c++) {
          const channel = th.channels[c];
          const v = out[c] ?? 0;
          check(v === SENSOR_NO_READING || (channel !== undefined && v >= channel.minValue && v <= channel.maxValue), "reading outside the channel range");
        }
      }
    }),
    { numRuns: Math.min(numRuns, 50), seed },
  );
  const golden = simTrace(20261124, 600, 100);
  check(golden === SIM_GOLDEN_TRACE, `simulated sensor trace ${golden}, golden ${SIM_GOLDEN_TRACE}`);
}

export const telemetryProperties: readonly TelemetryProperty[] = Object.freeze([
  { name: "window aggregates equal a model of aligned windows", run: aggregatesEqualModel },
  { name: "threshold rules match the reference (hysteresis, minimum duration, no flapping)", run: rulesMatchReference },
  { name: "outbox: never above capacity, alerts never lost to routine telemetry, counters add up", run: outboxMatchesModel },
  { name: "pipeline keeps every bound and identity under random samples, errors, ticks and pops", run: pipelineKeepsBounds },
  { name: "simulated sensors are deterministic and match the golden trace on every engine", run: simDeterministic },
]);
