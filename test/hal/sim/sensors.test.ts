/**
 * hal/sensor contract and the simulated sensors (hal/sim/sensors): seeded
 * determinism, signal model, scripted events, faults, bad options.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import { SENSOR_NO_READING, SensorChannels, SensorKind, SensorUnit, type Sensor } from "../../../hal/sensor";
import {
  activation,
  AXIS_Z,
  createSimAccelerometer,
  createSimDigitalSensor,
  createSimPressureSensor,
  createSimTemperatureHumiditySensor,
  createSimTemperatureSensor,
  SIM_FOREVER_MS,
  SimEventKind,
  SimSensor,
  type SimEvent,
} from "../../../hal/sim/sensors/index";
import type { Result } from "../../../core/runtime/result";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`failed with code ${result.code}`);
  return result.value;
}

/** Sample `sensor` at each time; return [status, ...readings] rows. */
function run(sensor: Sensor, timesMs: readonly number[]): number[][] {
  const out = new Int32Array(sensor.channels.length);
  return timesMs.map((t) => {
    const status = sensor.sample(t, out, 0);
    return [status, ...out];
  });
}

const seconds = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 1000);

describe("sensor contract", () => {
  it("describes channels with kind, unit and scale", () => {
    const sensor = unwrap(createSimTemperatureHumiditySensor({ seed: 1 }));
    expect(sensor.channels.map((c) => [c.kind, c.unit, c.scale])).toEqual([
      [SensorKind.Temperature, SensorUnit.MilliDegreeCelsius, 1000],
      [SensorKind.Humidity, SensorUnit.MilliPercentRelativeHumidity, 1000],
    ]);
    expect(Object.isFrozen(sensor.channels)).toBe(true);
    expect(Object.isFrozen(SensorChannels.pressure)).toBe(true);
  });

  it("writes at the caller's offset and refuses a too-small array without writing", () => {
    const sensor = unwrap(createSimTemperatureHumiditySensor({ seed: 1 }));
    const out = new Int32Array(4).fill(-7);
    expect(sensor.sample(0, out, 2)).toBe(ErrorCode.Ok);
    expect(out[0]).toBe(-7);
    expect(out[2]).not.toBe(-7);
    const small = new Int32Array(3).fill(-7);
    expect(sensor.sample(0, small, 2)).toBe(ErrorCode.SensorBufferTooSmall);
    expect(sensor.sample(0, small, -1)).toBe(ErrorCode.SensorBufferTooSmall);
    expect([...small]).toEqual([-7, -7, -7]);
  });

  it("reports every failure through onError as well as the status", () => {
    const codes: number[] = [];
    const sensor = unwrap(createSimTemperatureSensor({ seed: 1, onError: (code) => codes.push(code) }));
    sensor.sample(0, new Int32Array(0), 0);
    sensor.sample(-5, new Int32Array(1), 0);
    sensor.close();
    sensor.sample(0, new Int32Array(1), 0);
    expect(codes).toEqual([ErrorCode.SensorBufferTooSmall, ErrorCode.InvalidArgument, ErrorCode.SensorClosed]);
  });

  it("after close, sample and configure return SensorClosed; close is idempotent", () => {
    const sensor = unwrap(createSimTemperatureSensor({ seed: 1 }));
    sensor.close();
    sensor.close();
    expect(sensor.sample(0, new Int32Array(1), 0)).toBe(ErrorCode.SensorClosed);
    expect(sensor.configure({ script: [] })).toBe(ErrorCode.SensorClosed);
  });
});

describe("simulated signal model", () => {
  it("same seed, same sample times: the same readings", () => {
    const a = unwrap(createSimTemperatureHumiditySensor({ seed: 99 }));
    const b = unwrap(createSimTemperatureHumiditySensor({ seed: 99 }));
    const c = unwrap(createSimTemperatureHumiditySensor({ seed: 100 }));
    const times = seconds(200);
    expect(run(a, times)).toEqual(run(b, times));
    expect(run(a, times)).not.toEqual(run(c, times));
  });

  it("is base + floor(drift × t / 60000) + uniform noise drawn from the seeded xoshiro128**", () => {
    const sensor = unwrap(createSimTemperatureSensor({ seed: 5, temperature: { base: 20_000, driftPerMinute: 7, noise: 30 } }));
    const prng = new Xoshiro128(5);
    for (const t of [0, 1, 59_999, 60_000, 8_570_000]) {
      const expected = 20_000 + Math.floor((7 * t) / 60_000) + prng.nextBelow(61) - 30;
      expect(run(sensor, [t])[0]).toEqual([ErrorCode.Ok, expected]);
    }
  });

  it("noise stays within ±noise and readings are integers", () => {
    const sensor = unwrap(createSimPressureSensor({ seed: 3, pressure: { base: 100_000, noise: 50 } }));
    for (const [status, value] of run(sensor, seconds(500))) {
      expect(status).toBe(ErrorCode.Ok);
      expect(value).toBeGreaterThanOrEqual(99_950);
      expect(value).toBeLessThanOrEqual(100_050);
    }
  });

  it("saturates at the channel range instead of reporting impossible values", () => {
    const sensor = unwrap(createSimTemperatureHumiditySensor({ seed: 1, humidity: { base: 99_000, driftPerMinute: 1_000, noise: 0 } }));
    expect(run(sensor, [10 * 60_000])[0]?.[2]).toBe(100_000);
  });

  it("an accelerometer at rest reads about 1 g on z", () => {
    const sensor = unwrap(createSimAccelerometer({ seed: 4 }));
    const [status, x, y, z] = run(sensor, [0])[0] ?? [];
    expect(status).toBe(ErrorCode.Ok);
    expect(Math.abs(x ?? 99)).toBeLessThanOrEqual(5);
    expect(Math.abs(y ?? 99)).toBeLessThanOrEqual(5);
    expect(Math.abs((z ?? 0) - 1000)).toBeLessThanOrEqual(5);
  });
});

describe("scripted events", () => {
  it("a door opens at t and closes after the duration ('intrusion at t=30 s')", () => {
    const door = unwrap(createSimDigitalSensor({ seed: 1, kind: "contact", script: [activation(30_000, 5_000)] }));
    expect(door.channels[0]?.kind).toBe(SensorKind.Contact);
    const values = run(door, [0, 29_999, 30_000, 34_999, 35_000]).map((r) => r[1]);
    expect(values).toEqual([0, 0, 1, 1, 0]);
  });

  it("a vibration burst widens the noise on the chosen axes only while it lasts", () => {
    const burst: SimEvent = { kind: SimEventKind.NoiseBurst, atMs: 10_000, untilMs: 20_000, amount: 2_000, channelMask: AXIS_Z };
    const sensor = unwrap(createSimAccelerometer({ seed: 8, script: [burst] }));
    const rows = run(sensor, Array.from({ length: 300 }, (_, i) => i * 100));
    const zDuring = rows.slice(100, 200).map((r) => Math.abs((r[3] ?? 0) - 1000));
    const zBefore = rows.slice(0, 100).map((r) => Math.abs((r[3] ?? 0) - 1000));
    const xDuring = rows.slice(100, 200).map((r) => Math.abs(r[1] ?? 0));
    expect(Math.max(...zDuring)).toBeGreaterThan(500);
    expect(Math.max(...zDuring)).toBeLessThanOrEqual(2005);
    expect(Math.max(...zBefore)).toBeLessThanOrEqual(5);
    expect(Math.max(...xDuring)).toBeLessThanOrEqual(5);
  });

  it("a ramp rises linearly over its window and holds afterwards", () => {
    const ramp: SimEvent = { kind: SimEventKind.Ramp, atMs: 10_000, untilMs: 20_000, amount: 5_000 };
    const sensor = unwrap(createSimTemperatureSensor({ seed: 1, temperature: { base: 20_000 }, script: [ramp] }));
    expect(run(sensor, [0, 10_000, 15_000, 19_999, 20_000, 99_000]).map((r) => r[1])).toEqual([20_000, 20_000, 22_500, 24_999, 25_000, 25_000]);
  });

  it("an offset applies only inside its window", () => {
    const step: SimEvent = { kind: SimEventKind.Offset, atMs: 1_000, untilMs: 2_000, amount: -300 };
    const sensor = unwrap(createSimPressureSensor({ seed: 1, pressure: { base: 100_000 }, script: [step] }));
    expect(run(sensor, [999, 1_000, 1_999, 2_000]).map((r) => r[1])).toEqual([100_000, 99_700, 99_700, 100_000]);
  });

  it("a full script table and the channels' models share one table without touching each other", () => {
    // Capacity exactly 3: every event slot used, each on its own channel; a fourth event is refused.
    const script: SimEvent[] = [0, 1, 2].map((c) => ({ kind: SimEventKind.Set, atMs: 1_000 * (c + 1), untilMs: 1_000 * (c + 2), amount: -(c + 1) * 111, channelMask: 1 << c }));
    const sensor = unwrap(createSimAccelerometer({ seed: 3, x: { base: 10 }, y: { base: 20 }, z: { base: 1_030 }, script, scriptCapacity: 3 }));
    expect(run(sensor, [0, 1_000, 2_000, 3_000, 4_000]).map((r) => r.slice(1))).toEqual([
      [10, 20, 1_030],
      [-111, 20, 1_030],
      [10, -222, 1_030],
      [10, 20, -333],
      [10, 20, 1_030],
    ]);
    expect(sensor.configure({ script: [...script, activation(0, 1)] })).toBe(ErrorCode.SensorBadScript);
    expect(run(sensor, [1_500])[0]?.slice(1)).toEqual([-111, 20, 1_030]);
  });

  it("configure replaces the script; a bad script is refused and the old one kept", () => {
    const sensor = unwrap(createSimDigitalSensor({ seed: 1, kind: "motion", script: [activation(0, 1_000)] }));
    expect(sensor.configure({ script: [{ kind: SimEventKind.Set, atMs: 5, untilMs: 5, amount: 1 }] })).toBe(ErrorCode.SensorBadScript);
    expect(run(sensor, [500])[0]?.[1]).toBe(1);
    expect(sensor.configure({ script: [activation(2_000, 1_000)] })).toBe(ErrorCode.Ok);
    expect(run(sensor, [500, 2_500]).map((r) => r[1])).toEqual([0, 1]);
  });
});

describe("simulated faults", () => {
  it("stuck-at freezes the reading at its value on entering the window", () => {
    const stuck: SimEvent = { kind: SimEventKind.StuckAt, atMs: 5_000, untilMs: 10_000 };
    const sensor = unwrap(createSimTemperatureSensor({ seed: 2, temperature: { base: 20_000, driftPerMinute: 6_000, noise: 10 }, script: [stuck] }));
    const values = run(sensor, seconds(12)).map((r) => r[1] ?? 0);
    const frozen = values.slice(5, 10);
    expect(new Set(frozen).size).toBe(1);
    expect((values[10] ?? 0) - (frozen[0] ?? 0)).toBeGreaterThan(400); // moving again: +100 m°C/s drift
  });

  it("dropout makes sample return SensorNoData with the no-reading marker for the window", () => {
    const dropout: SimEvent = { kind: SimEventKind.Dropout, atMs: 2_000, untilMs: 4_000, channelMask: 0b10 };
    const sensor = unwrap(createSimTemperatureHumiditySensor({ seed: 2, script: [dropout] }));
    const rows = run(sensor, seconds(5));
    expect(rows.map((r) => r[0])).toEqual([ErrorCode.Ok, ErrorCode.Ok, ErrorCode.SensorNoData, ErrorCode.SensorNoData, ErrorCode.Ok]);
    expect(rows[2]?.[2]).toBe(SENSOR_NO_READING);
    expect(rows[2]?.[1]).not.toBe(SENSOR_NO_READING); // the temperature channel still reads
  });

  it("spikes add ±amount with the given probability", () => {
    const spikes: SimEvent = { kind: SimEventKind.Spike, atMs: 0, untilMs: SIM_FOREVER_MS, amount: 10_000, permille: 100 };
    const sensor = unwrap(createSimTemperatureSensor({ seed: 11, temperature: { base: 20_000, noise: 0 }, script: [spikes] }));
    const values = run(sensor, seconds(2000)).map((r) => r[1]);
    const up = values.filter((v) => v === 30_000).length;
    const down = values.filter((v) => v === 10_000).length;
    expect(values.every((v) => v === 20_000 || v === 30_000 || v === 10_000)).toBe(true);
    expect(up + down).toBeGreaterThan(120); // ~200 expected at 10 %
    expect(up + down).toBeLessThan(280);
    expect(up).toBeGreaterThan(50);
    expect(down).toBeGreaterThan(50);
  });

  it("faulted runs are deterministic too", () => {
    const script: SimEvent[] = [
      { kind: SimEventKind.Spike, atMs: 0, untilMs: SIM_FOREVER_MS, amount: 500, permille: 300 },
      { kind: SimEventKind.Dropout, atMs: 10_000, untilMs: 12_000 },
      { kind: SimEventKind.StuckAt, atMs: 20_000, untilMs: 25_000 },
    ];
    const a = unwrap(createSimTemperatureHumiditySensor({ seed: 77, script }));
    const b = unwrap(createSimTemperatureHumiditySensor({ seed: 77, script }));
    expect(run(a, seconds(40))).toEqual(run(b, seconds(40)));
  });
});

describe("bad simulated-sensor options", () => {
  const t = SensorChannels.temperature;
  const cases: readonly [string, () => Result<SimSensor>, number][] = [
    ["no channels", () => SimSensor.create({ seed: 1, channels: [], models: [] }), ErrorCode.SensorBadModel],
    ["nine channels", () => SimSensor.create({ seed: 1, channels: Array(9).fill(t), models: Array(9).fill({ base: 0 }) }), ErrorCode.SensorBadModel],
    ["models not matching channels", () => SimSensor.create({ seed: 1, channels: [t, t], models: [{ base: 0 }] }), ErrorCode.SensorBadModel],
    ["non-integer base", () => createSimTemperatureSensor({ seed: 1, temperature: { base: 1.5 } }), ErrorCode.SensorBadModel],
    ["negative noise", () => createSimTemperatureSensor({ seed: 1, temperature: { base: 0, noise: -1 } }), ErrorCode.SensorBadModel],
    ["huge drift", () => createSimTemperatureSensor({ seed: 1, temperature: { base: 0, driftPerMinute: 1e7 } }), ErrorCode.SensorBadModel],
    ["non-integer seed", () => createSimTemperatureSensor({ seed: 0.5 }), ErrorCode.SensorBadModel],
    ["event ending before it starts", () => createSimDigitalSensor({ seed: 1, kind: "contact", script: [{ kind: SimEventKind.Set, atMs: 10, untilMs: 9 }] }), ErrorCode.SensorBadScript],
    ["unknown event kind", () => createSimDigitalSensor({ seed: 1, kind: "contact", script: [{ kind: 99 as SimEventKind, atMs: 0, untilMs: 9 }] }), ErrorCode.SensorBadScript],
    ["spike chance over 1000 permille", () => createSimTemperatureSensor({ seed: 1, script: [{ kind: SimEventKind.Spike, atMs: 0, untilMs: 9, amount: 1, permille: 1001 }] }), ErrorCode.SensorBadScript],
    ["channel mask naming a missing channel", () => createSimTemperatureSensor({ seed: 1, script: [{ kind: SimEventKind.Dropout, atMs: 0, untilMs: 9, channelMask: 0b10 }] }), ErrorCode.SensorBadScript],
    ["script longer than its capacity", () => createSimTemperatureSensor({ seed: 1, scriptCapacity: 1, script: [activation(0, 1), activation(5, 1)] }), ErrorCode.SensorBadScript],
    ["script capacity over the maximum", () => createSimTemperatureSensor({ seed: 1, scriptCapacity: 65 }), ErrorCode.SensorBadScript],
  ];
  for (const [name, create, code] of cases) {
    it(`refuses ${name} with its specific code`, () => {
      expect(create()).toMatchObject({ ok: false, code });
    });
  }
});
