/**
 * core/telemetry: configuration codes, aligned window aggregates, threshold
 * and rate-of-change rules with hysteresis and minimum duration, dropout and
 * sensor-fault alerts, and the outbox priority policy.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import {
  checkTelemetryConfig,
  floorDiv,
  NO_READING,
  NO_RULE,
  RecordKind,
  RuleDirection,
  RuleSource,
  TelemetryOutbox,
  TelemetryPipeline,
  TelemetryRecord,
  TELEMETRY_WINDOW_SAMPLES_MAX,
  type TelemetryChannelConfig,
  type TelemetryConfig,
  type TelemetryRuleConfig,
} from "../../../core/telemetry/index";
import { SENSOR_NO_READING } from "../../../hal/sensor";

const CHANNEL: TelemetryChannelConfig = { channelId: 7, historyCapacity: 16, windowMs: 10_000 };

function rule(overrides: Partial<TelemetryRuleConfig> = {}): TelemetryRuleConfig {
  return { ruleId: 1, channel: 0, source: RuleSource.Value, direction: RuleDirection.Above, threshold: 30_000, hysteresis: 0, ...overrides };
}

function pipeline(config: Partial<TelemetryConfig> = {}): TelemetryPipeline {
  const created = TelemetryPipeline.create({ channels: [CHANNEL], rules: [], outboxCapacity: 32, ...config });
  if (!created.ok) throw new Error(`create failed: ${created.code}`);
  return created.value;
}

interface Out {
  kind: number;
  seq: number;
  channelId: number;
  ruleId: number;
  atMs: number;
  endMs: number;
  count: number;
  min: number;
  max: number;
  sum: number;
  mean: number;
  errors: number;
  value: number;
  threshold: number;
}

function drain(p: TelemetryPipeline): Out[] {
  const out: Out[] = [];
  const record = new TelemetryRecord();
  while (p.outbox.pop(record) === ErrorCode.Ok) out.push({ ...record, kind: record.kind, seq: record.seq });
  return out;
}

function alerts(records: readonly Out[]): string[] {
  return records.filter((r) => r.kind !== RecordKind.Aggregate).map((r) => `${r.kind === RecordKind.AlertRaised ? "raise" : r.kind === RecordKind.AlertCleared ? "clear" : r.kind === RecordKind.SensorFaultRaised ? "fault" : "fault-clear"}@${r.atMs}`);
}

/** Feed `values` at 1 s intervals from `startMs`; return the alert transitions. */
function feed(p: TelemetryPipeline, values: readonly number[], startMs = 0, stepMs = 1000): string[] {
  values.forEach((v, i) => expect(p.ingest(0, startMs + i * stepMs, v)).toBe(ErrorCode.Ok));
  return alerts(drain(p));
}

describe("telemetry configuration", () => {
  const good: TelemetryConfig = { channels: [CHANNEL], rules: [rule()], outboxCapacity: 8 };
  const cases: readonly [string, TelemetryConfig, number][] = [
    ["outbox capacity 0", { ...good, outboxCapacity: 0 }, ErrorCode.TelemetryBadCapacity],
    ["outbox capacity not an integer", { ...good, outboxCapacity: 2.5 }, ErrorCode.TelemetryBadCapacity],
    ["a rule with no channels", { ...good, channels: [] }, ErrorCode.TelemetryUnknownChannel],
    ["65 channels", { ...good, channels: Array.from({ length: 65 }, (_, i) => ({ ...CHANNEL, channelId: i })) }, ErrorCode.TelemetryTooMany],
    ["257 rules", { ...good, rules: Array.from({ length: 257 }, (_, i) => rule({ ruleId: i })) }, ErrorCode.TelemetryTooMany],
    ["history capacity 0", { ...good, channels: [{ ...CHANNEL, historyCapacity: 0 }] }, ErrorCode.TelemetryBadCapacity],
    ["window 0 ms", { ...good, channels: [{ ...CHANNEL, windowMs: 0 }] }, ErrorCode.TelemetryBadWindow],
    ["window longer than a day", { ...good, channels: [{ ...CHANNEL, windowMs: 86_400_001 }] }, ErrorCode.TelemetryBadWindow],
    ["channel id 65535", { ...good, channels: [{ ...CHANNEL, channelId: 0xffff }] }, ErrorCode.TelemetryBadId],
    ["duplicate channel id", { ...good, channels: [CHANNEL, CHANNEL] }, ErrorCode.TelemetryDuplicateId],
    ["negative faultAfterErrors", { ...good, channels: [{ ...CHANNEL, faultAfterErrors: -1 }] }, ErrorCode.TelemetryBadRule],
    ["rule on a missing channel", { ...good, rules: [rule({ channel: 1 })] }, ErrorCode.TelemetryUnknownChannel],
    ["duplicate rule id", { ...good, rules: [rule(), rule()] }, ErrorCode.TelemetryDuplicateId],
    ["rule id 65535", { ...good, rules: [rule({ ruleId: 0xffff })] }, ErrorCode.TelemetryBadId],
    ["negative hysteresis", { ...good, rules: [rule({ hysteresis: -1 })] }, ErrorCode.TelemetryBadRule],
    ["non-integer threshold", { ...good, rules: [rule({ threshold: 1.5 })] }, ErrorCode.TelemetryBadRule],
    ["unknown source", { ...good, rules: [rule({ source: 9 as RuleSource })] }, ErrorCode.TelemetryBadRule],
    ["unknown direction", { ...good, rules: [rule({ direction: 2 as RuleDirection })] }, ErrorCode.TelemetryBadRule],
    ["delta rule without a window", { ...good, rules: [rule({ source: RuleSource.Delta })] }, ErrorCode.TelemetryBadRule],
    ["value rule with a window", { ...good, rules: [rule({ deltaWindowMs: 1000 })] }, ErrorCode.TelemetryBadRule],
    ["negative minimum duration", { ...good, rules: [rule({ minDurationMs: -1 })] }, ErrorCode.TelemetryBadRule],
  ];
  for (const [name, config, code] of cases) {
    it(`refuses ${name} with its specific code`, () => {
      expect(checkTelemetryConfig(config)).toBe(code);
      const created = TelemetryPipeline.create(config);
      expect(created.ok).toBe(false);
      if (!created.ok) expect(created.code).toBe(code);
    });
  }

  it("accepts a valid configuration", () => {
    expect(checkTelemetryConfig(good)).toBe(ErrorCode.Ok);
  });

  it("accepts no channels (a relay board): the pipeline carries only its outbox and produces nothing", () => {
    const created = TelemetryPipeline.create({ channels: [], rules: [], outboxCapacity: 4 });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.value.outbox.capacity).toBe(4);
    expect(created.value.outbox.routineLength + created.value.outbox.alertLength).toBe(0);
  });

  it("uses the same no-reading marker as the sensor contract", () => {
    expect(NO_READING).toBe(SENSOR_NO_READING);
  });
});

describe("window aggregates", () => {
  it("aggregates min/max/sum/count/mean over windows aligned to multiples of the window length", () => {
    const p = pipeline();
    for (const [t, v] of [[12_000, 5], [15_000, -3], [19_999, 10], [20_000, 7]] as const) p.ingest(0, t, v);
    const records = drain(p);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: RecordKind.Aggregate, channelId: 7, atMs: 10_000, endMs: 20_000, count: 3, min: -3, max: 10, sum: 12, mean: 4, errors: 0 });
  });

  it("mean is floor(sum / count), rounding toward minus infinity", () => {
    const p = pipeline();
    p.ingest(0, 0, -1);
    p.ingest(0, 1, -2);
    p.tick(10_000);
    expect(drain(p)[0]).toMatchObject({ sum: -3, count: 2, mean: -2 });
    expect(floorDiv(7, 2)).toBe(3);
    expect(floorDiv(-7, 2)).toBe(-4);
    expect(floorDiv(2 ** 52 - 1, 2 ** 21 - 1)).toBe(Math.floor((2 ** 52 - 1) / (2 ** 21 - 1)));
  });

  it("tick closes a window that ended without waiting for the next sample", () => {
    const p = pipeline();
    p.ingest(0, 1000, 42);
    expect(p.tick(9_999)).toBe(ErrorCode.Ok);
    expect(drain(p)).toHaveLength(0);
    p.tick(10_000);
    expect(drain(p)).toMatchObject([{ kind: RecordKind.Aggregate, atMs: 0, count: 1, min: 42, max: 42, mean: 42 }]);
  });

  it("reports a window of pure dropout as count 0 with its error count, and skips silent windows", () => {
    const p = pipeline();
    p.ingestError(0, 1000, ErrorCode.SensorNoData);
    p.ingestError(0, 2000, ErrorCode.SensorNoData);
    p.tick(50_000); // windows 10 s .. 50 s saw nothing: no records for them
    expect(drain(p)).toMatchObject([{ kind: RecordKind.Aggregate, atMs: 0, count: 0, errors: 2, min: 0, max: 0, mean: 0 }]);
  });

  it("refuses a sample older than the channel's newest, changing nothing", () => {
    const p = pipeline({ rules: [rule()] });
    p.ingest(0, 5000, 40_000);
    const before = drain(p);
    expect(p.ingest(0, 4999, 1)).toBe(ErrorCode.TelemetryTimeWentBackwards);
    expect(p.ingestError(0, 4000, ErrorCode.SensorNoData)).toBe(ErrorCode.TelemetryTimeWentBackwards);
    expect(p.channel(0)?.refusedBackwards).toBe(2);
    expect(p.channel(0)?.history.length).toBe(1);
    expect(p.channel(0)?.samplesAccepted).toBe(1);
    expect(before.map((r) => r.kind)).toEqual([RecordKind.AlertRaised]);
    p.tick(10_000);
    expect(drain(p)).toMatchObject([{ count: 1, min: 40_000, max: 40_000 }]);
  });

  it("refuses bad input with specific codes and counts it", () => {
    const p = pipeline();
    expect(p.ingest(1, 0, 1)).toBe(ErrorCode.TelemetryUnknownChannel);
    expect(p.ingest(-1, 0, 1)).toBe(ErrorCode.TelemetryUnknownChannel);
    expect(p.ingest(0, 0, 1.5)).toBe(ErrorCode.TelemetryBadSample);
    expect(p.ingest(0, 0, 2 ** 31)).toBe(ErrorCode.TelemetryBadSample);
    expect(p.ingest(0, 0, NO_READING)).toBe(ErrorCode.TelemetryBadSample);
    expect(p.ingest(0, -1, 1)).toBe(ErrorCode.InvalidArgument);
    expect(p.ingest(0, 0.5, 1)).toBe(ErrorCode.InvalidArgument);
    expect(p.tick(Number.NaN)).toBe(ErrorCode.InvalidArgument);
    expect(p.unknownChannelCount).toBe(2);
    expect(p.badSampleCount).toBe(6);
    expect(p.channel(0)?.samplesAccepted).toBe(0);
    expect(p.outbox.length).toBe(0);
  });

  it("keeps a window within its sample limit and counts the samples it refuses", () => {
    const p = pipeline({ channels: [{ ...CHANNEL, windowMs: 86_400_000 }] });
    for (let i = 0; i < TELEMETRY_WINDOW_SAMPLES_MAX + 3; i++) p.ingest(0, 0, 1);
    expect(p.channel(0)?.window.count).toBe(TELEMETRY_WINDOW_SAMPLES_MAX);
    expect(p.channel(0)?.window.refusedFull).toBe(3);
    expect(p.channel(0)?.history.length).toBe(16);
  });
});

describe("threshold rules", () => {
  it("raises when the value reaches the threshold (Above) and clears when it falls below", () => {
    const p = pipeline({ rules: [rule()] });
    expect(feed(p, [29_999, 30_000, 30_500, 29_999])).toEqual(["raise@1000", "clear@3000"]);
  });

  it("does not flap while the value hovers inside the hysteresis band", () => {
    const p = pipeline({ rules: [rule({ hysteresis: 500 })] });
    // Crosses 30.0 °C, then wobbles between 29.5 and 30.4: one alert, no clear.
    expect(feed(p, [29_000, 30_100, 29_600, 30_400, 29_500, 30_000, 29_800])).toEqual(["raise@1000"]);
    expect(p.channel(0)?.rules[0]?.raisedCount).toBe(1);
  });

  it("clears only once the value is below threshold minus the band", () => {
    const p = pipeline({ rules: [rule({ hysteresis: 500 })] });
    expect(feed(p, [30_000, 29_500, 29_499])).toEqual(["raise@0", "clear@2000"]);
  });

  it("Below rules mirror Above: raise at or under the threshold, clear above threshold plus band", () => {
    const p = pipeline({ rules: [rule({ direction: RuleDirection.Below, threshold: 5_000, hysteresis: 1_000 })] });
    expect(feed(p, [6_000, 5_000, 5_900, 6_000, 6_001])).toEqual(["raise@1000", "clear@4000"]);
  });

  it("raises only after the condition held for the minimum duration", () => {
    const p = pipeline({ rules: [rule({ minDurationMs: 3000 })] });
    // Above from t=1 s; 3 s later (t=4 s) it is raised, not at t=3 s.
    expect(feed(p, [0, 31_000, 31_000, 31_000, 31_000])).toEqual(["raise@4000"]);
  });

  it("a dip below the threshold restarts the minimum duration", () => {
    const p = pipeline({ rules: [rule({ minDurationMs: 2000 })] });
    expect(feed(p, [31_000, 31_000, 29_000, 31_000, 31_000, 31_000])).toEqual(["raise@5000"]);
  });

  it("alert records carry the rule, the measured value and the threshold", () => {
    const p = pipeline({ rules: [rule({ ruleId: 42 })] });
    p.ingest(0, 1234, 31_500);
    expect(drain(p)).toMatchObject([{ kind: RecordKind.AlertRaised, ruleId: 42, channelId: 7, atMs: 1234, value: 31_500, threshold: 30_000 }]);
  });
});

describe("rate-of-change rules", () => {
  it("raises when the rise over the window reaches the threshold", () => {
    const p = pipeline({ rules: [rule({ source: RuleSource.Delta, threshold: 2_000, deltaWindowMs: 3_000, hysteresis: 500 })] });
    // +1 °C per second: the change over the last 3 s reaches 2 °C at t=2 s.
    expect(feed(p, [20_000, 21_000, 22_000, 23_000])).toEqual(["raise@2000"]);
  });

  it("compares with the oldest sample inside the window, not older ones", () => {
    const p = pipeline({ rules: [rule({ source: RuleSource.Delta, threshold: 2_000, deltaWindowMs: 2_000 })] });
    // Slow rise of 0.9 °C/s: over any 2 s window the change is 1.8 °C, never 2 °C.
    expect(feed(p, [20_000, 20_900, 21_800, 22_700, 23_600, 24_500])).toEqual([]);
  });

  it("clears when the change falls below threshold minus band", () => {
    const p = pipeline({ rules: [rule({ source: RuleSource.Delta, threshold: 2_000, deltaWindowMs: 2_000, hysteresis: 500 })] });
    // At t=3 s the window [1 s, 3 s] starts at 21 °C: change 1 °C < 2 − 0.5.
    expect(feed(p, [20_000, 21_000, 22_000, 22_000, 22_000])).toEqual(["raise@2000", "clear@3000"]);
  });

  it("AbsDelta catches a fall as well as a rise", () => {
    const p = pipeline({ rules: [rule({ source: RuleSource.AbsDelta, threshold: 1_000, deltaWindowMs: 1_000 })] });
    expect(feed(p, [5_000, 3_000])).toEqual(["raise@1000"]);
  });

  it("AbsDelta Below detects a flat-lined (stuck) sensor", () => {
    const p = pipeline({ rules: [rule({ source: RuleSource.AbsDelta, direction: RuleDirection.Below, threshold: 0, deltaWindowMs: 5_000, minDurationMs: 1_000, hysteresis: 0 })] });
    // Flat from t=2 s; the first 5 s window with no change ends at t=7 s, held 1 s more.
    expect(feed(p, [100, 200, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150])).toEqual(["raise@8000"]);
  });

  it("uses the oldest retained sample when the history does not cover the window", () => {
    const p = pipeline({ channels: [{ ...CHANNEL, historyCapacity: 2 }], rules: [rule({ source: RuleSource.Delta, threshold: 2_000, deltaWindowMs: 60_000 })] });
    // The window covers all 4 samples (+3 °C) but only 2 are kept (+1 °C).
    expect(feed(p, [20_000, 21_000, 22_000, 23_000])).toEqual([]);
  });
});

describe("dropout handling", () => {
  it("a sensor error restarts a pending minimum duration", () => {
    const p = pipeline({ rules: [rule({ minDurationMs: 2000 })] });
    p.ingest(0, 0, 31_000);
    p.ingest(0, 1000, 31_000);
    p.ingestError(0, 2000, ErrorCode.SensorNoData);
    p.ingest(0, 3000, 31_000);
    p.ingest(0, 4000, 31_000);
    expect(alerts(drain(p))).toEqual([]);
    p.ingest(0, 5000, 31_000);
    expect(alerts(drain(p))).toEqual(["raise@5000"]);
  });

  it("a sensor error does not clear a raised alert", () => {
    const p = pipeline({ rules: [rule()] });
    p.ingest(0, 0, 31_000);
    for (let t = 1000; t < 10_000; t += 1000) p.ingestError(0, t, ErrorCode.SensorNoData);
    expect(alerts(drain(p))).toEqual(["raise@0"]);
    expect(p.channel(0)?.rules[0]?.phase).toBe(2);
  });

  it("raises one SensorFault alert after N consecutive errors and clears it at the next reading", () => {
    const p = pipeline({ channels: [{ ...CHANNEL, faultAfterErrors: 3 }] });
    p.ingestError(0, 0, ErrorCode.SensorNoData);
    p.ingestError(0, 1000, ErrorCode.SensorNoData);
    p.ingest(0, 2000, 1); // streak broken
    for (let t = 3000; t <= 8000; t += 1000) p.ingestError(0, t, ErrorCode.SensorReadFailed);
    p.ingest(0, 9000, 2);
    const records = drain(p);
    expect(alerts(records)).toEqual(["fault@5000", "fault-clear@9000"]);
    expect(records.find((r) => r.kind === RecordKind.SensorFaultRaised)).toMatchObject({ value: ErrorCode.SensorReadFailed, count: 3, ruleId: NO_RULE });
  });

  it("ingestSensor maps SENSOR_NO_READING slots and failed samples to per-channel errors", () => {
    const p = pipeline({ channels: [CHANNEL, { ...CHANNEL, channelId: 8 }] });
    const readings = Int32Array.of(21_000, SENSOR_NO_READING);
    expect(p.ingestSensor(0, 0, ErrorCode.SensorNoData, readings, 0, 2)).toBe(ErrorCode.Ok);
    expect(p.ingestSensor(0, 1000, ErrorCode.SensorReadFailed, readings, 0, 2)).toBe(ErrorCode.Ok);
    expect(p.channel(0)?.samplesAccepted).toBe(1);
    expect(p.channel(0)?.errorsSeen).toBe(1);
    expect(p.channel(1)?.errorsSeen).toBe(2);
    expect(p.ingestSensor(0, 2000, ErrorCode.Ok, readings, 1, 2)).toBe(ErrorCode.InvalidArgument);
    expect(p.ingestSensor(1, 2000, ErrorCode.Ok, readings, 0, 2)).toBe(ErrorCode.TelemetryUnknownChannel);
  });
});

describe("outbox priority", () => {
  function record(kind: number, atMs: number): TelemetryRecord {
    const r = new TelemetryRecord();
    r.reset(kind as RecordKind, 1, atMs);
    return r;
  }

  function outbox(capacity: number): TelemetryOutbox {
    const created = TelemetryOutbox.create(capacity);
    if (!created.ok) throw new Error("outbox");
    return created.value;
  }

  it("hands out alerts before routine telemetry, each in arrival order", () => {
    const o = outbox(8);
    o.push(record(RecordKind.Aggregate, 1));
    o.push(record(RecordKind.AlertRaised, 2));
    o.push(record(RecordKind.Aggregate, 3));
    o.push(record(RecordKind.AlertCleared, 4));
    const order: number[] = [];
    const r = new TelemetryRecord();
    while (o.pop(r) === ErrorCode.Ok) order.push(r.atMs);
    expect(order).toEqual([2, 4, 1, 3]);
    expect(o.pop(r)).toBe(ErrorCode.Empty);
  });

  it("drops the oldest routine record to admit an alert when full, and counts it", () => {
    const o = outbox(3);
    for (const t of [1, 2, 3]) o.push(record(RecordKind.Aggregate, t));
    expect(o.push(record(RecordKind.AlertRaised, 9))).toBe(ErrorCode.Ok);
    expect(o.routineDroppedForAlert).toBe(1);
    expect(o.length).toBe(3);
    const r = new TelemetryRecord();
    const order: number[] = [];
    while (o.pop(r) === ErrorCode.Ok) order.push(r.atMs);
    expect(order).toEqual([9, 2, 3]);
  });

  it("refuses an alert only when the outbox is all alerts, changing nothing stored", () => {
    const o = outbox(2);
    o.push(record(RecordKind.AlertRaised, 1));
    o.push(record(RecordKind.AlertRaised, 2));
    expect(o.push(record(RecordKind.AlertRaised, 3))).toBe(ErrorCode.TelemetryOutboxFull);
    expect(o.push(record(RecordKind.Aggregate, 4))).toBe(ErrorCode.TelemetryOutboxFull);
    expect(o.alertsRefused).toBe(1);
    expect(o.routineRefused).toBe(1);
    const r = new TelemetryRecord();
    const kept: number[] = [];
    while (o.pop(r) === ErrorCode.Ok) kept.push(r.atMs);
    expect(kept).toEqual([1, 2]);
    expect(o.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("keeps the newest routine telemetry when routine records overflow", () => {
    const o = outbox(2);
    for (const t of [1, 2, 3]) o.push(record(RecordKind.Aggregate, t));
    expect(o.routineDroppedForRoutine).toBe(1);
    const r = new TelemetryRecord();
    o.pop(r);
    expect(r.atMs).toBe(2);
    expect(r.seq).toBe(2); // seq 1 was dropped: the gap is visible
  });

  it("a refused alert is retried at the next sample instead of being lost", () => {
    const p = pipeline({ outboxCapacity: 1, rules: [rule(), rule({ ruleId: 2, threshold: 31_000 })] });
    p.ingest(0, 0, 31_000); // both rules want to raise; only one record fits
    expect(p.outbox.length).toBe(1);
    expect(p.channel(0)?.alertsDeferred).toBe(1);
    const first = drain(p);
    p.ingest(0, 1000, 31_000); // rule 2 raises now
    const second = drain(p);
    expect([...first, ...second].map((r) => r.ruleId)).toEqual([1, 2]);
    expect(p.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("refuses a bad capacity", () => {
    expect(TelemetryOutbox.create(0)).toMatchObject({ ok: false, code: ErrorCode.TelemetryBadCapacity });
    expect(TelemetryOutbox.create(65_537)).toMatchObject({ ok: false, code: ErrorCode.TelemetryBadCapacity });
  });
});
