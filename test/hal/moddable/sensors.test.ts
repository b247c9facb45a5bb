/**
 * hal/moddable/sensors: the ECMA-419 driver adapter and the reading profiles,
 * driven by fake drivers that behave like the Moddable ones (plain sample
 * objects of floats, errors thrown or reported through onError).
 */
import { describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { SENSOR_NO_READING, SensorChannels } from "../../../hal/sensor";
import { Ecma419Sensor, type Ecma419DriverOptions, type ReadingProfile } from "../../../hal/moddable/sensors/ecma419-sensor";
import {
  BME68X_PROFILE,
  BMP280_PROFILE,
  LIS3DH_PROFILE,
  SHT3X_PROFILE,
  STANDARD_GRAVITY,
  TMP117_PROFILE,
  writeReading,
} from "../../../hal/moddable/sensors/readings";

interface Bus {
  readonly address: number;
}

/** A scriptable stand-in for a Moddable ECMA-419 driver class. */
function fakeDriver(behaviour: {
  construct?: (options: Ecma419DriverOptions<Bus>) => void;
  sample?: (onError: (message: string) => void) => unknown;
  configure?: (options: { readonly mode?: number }, onError: (message: string) => void) => void;
  close?: () => void;
}) {
  const log: string[] = [];
  class Driver {
    readonly #onError: (message: string) => void;
    constructor(options: Ecma419DriverOptions<Bus>) {
      log.push(`new ${options.sensor.address}`);
      this.#onError = options.onError;
      behaviour.construct?.(options);
    }
    configure(options: { readonly mode?: number }): void {
      log.push("configure");
      behaviour.configure?.(options, this.#onError);
    }
    sample(): unknown {
      log.push("sample");
      return behaviour.sample?.(this.#onError);
    }
    close(): void {
      log.push("close");
      behaviour.close?.();
    }
  }
  return { Driver, log };
}

function open(driver: ReturnType<typeof fakeDriver>, profile: ReadingProfile = TMP117_PROFILE, codes: number[] = []) {
  return Ecma419Sensor.open(driver.Driver, profile, { sensor: { address: 0x48 }, onError: (code) => codes.push(code) });
}

describe("ECMA-419 adapter", () => {
  it("converts the driver's float reading once, at the boundary (°C to m°C, rounded)", () => {
    const fake = fakeDriver({ sample: () => ({ temperature: 21.4567, alert: 0 }) });
    const opened = open(fake);
    if (!opened.ok) throw new Error("open");
    const out = new Int32Array(2);
    expect(opened.value.sample(0, out, 1)).toBe(ErrorCode.Ok);
    expect(out[1]).toBe(21_457);
    expect(fake.log).toEqual(["new 72", "sample"]);
  });

  it("a constructor that throws gives SensorOpenFailed, not an exception", () => {
    const codes: number[] = [];
    const fake = fakeDriver({
      construct: () => {
        throw new Error("unexpected sensor");
      },
    });
    expect(open(fake, TMP117_PROFILE, codes)).toMatchObject({ ok: false, code: ErrorCode.SensorOpenFailed });
    expect(codes).toEqual([ErrorCode.SensorOpenFailed]);
  });

  it("a constructor that reports through onError (wrong chip id) fails the open and closes the driver", () => {
    const fake = fakeDriver({ construct: (options) => options.onError("unexpected sensor") });
    expect(open(fake)).toMatchObject({ ok: false, code: ErrorCode.SensorOpenFailed });
    expect(fake.log).toEqual(["new 72", "close"]);
  });

  it("a sample that throws (bus error) gives SensorReadFailed and writes nothing", () => {
    const codes: number[] = [];
    const fake = fakeDriver({
      sample: () => {
        throw new Error("i2c nack");
      },
    });
    const opened = open(fake, TMP117_PROFILE, codes);
    if (!opened.ok) throw new Error("open");
    const out = Int32Array.of(-9);
    expect(opened.value.sample(0, out, 0)).toBe(ErrorCode.SensorReadFailed);
    expect(out[0]).toBe(-9);
    expect(codes).toEqual([ErrorCode.SensorReadFailed]);
  });

  it("a sample whose driver reports an error (bad checksum) gives SensorReadFailed", () => {
    const fake = fakeDriver({
      sample: (onError) => {
        onError("bad checksum");
        return { temperature: 20 };
      },
    });
    const opened = open(fake);
    if (!opened.ok) throw new Error("open");
    expect(opened.value.sample(0, new Int32Array(1), 0)).toBe(ErrorCode.SensorReadFailed);
  });

  it("configure passes options through; a throw or reported error is SensorConfigureFailed", () => {
    const seen: number[] = [];
    const fake = fakeDriver({
      configure: (options, onError) => {
        if (options.mode === undefined) throw new Error("bad");
        if (options.mode < 0) onError("bad mode");
        seen.push(options.mode);
      },
      sample: () => ({ temperature: 1 }),
    });
    const opened = open(fake);
    if (!opened.ok) throw new Error("open");
    const sensor = opened.value;
    expect(sensor.configure({ mode: 3 })).toBe(ErrorCode.Ok);
    expect(sensor.configure({})).toBe(ErrorCode.SensorConfigureFailed);
    expect(sensor.configure({ mode: -1 })).toBe(ErrorCode.SensorConfigureFailed);
    expect(seen).toEqual([3, -1]);
    // A failed configure does not poison later samples.
    expect(sensor.sample(0, new Int32Array(1), 0)).toBe(ErrorCode.Ok);
  });

  it("close is guarded and idempotent; afterwards sample and configure return SensorClosed", () => {
    const codes: number[] = [];
    const fake = fakeDriver({
      close: () => {
        throw new Error("already closed");
      },
    });
    const opened = open(fake, TMP117_PROFILE, codes);
    if (!opened.ok) throw new Error("open");
    const sensor = opened.value;
    sensor.close();
    sensor.close();
    expect(fake.log.filter((l) => l === "close")).toHaveLength(1);
    expect(codes).toEqual([ErrorCode.Exception]);
    expect(sensor.sample(0, new Int32Array(1), 0)).toBe(ErrorCode.SensorClosed);
    expect(sensor.configure({ mode: 1 })).toBe(ErrorCode.SensorClosed);
  });

  it("refuses a too-small output array before touching the driver", () => {
    const fake = fakeDriver({ sample: () => ({ thermometer: { temperature: 1 }, hygrometer: { humidity: 2 } }) });
    const opened = open(fake, SHT3X_PROFILE);
    if (!opened.ok) throw new Error("open");
    expect(opened.value.sample(0, new Int32Array(1), 0)).toBe(ErrorCode.SensorBufferTooSmall);
    expect(fake.log).toEqual(["new 72"]);
  });
});

describe("reading profiles", () => {
  function decode(profile: ReadingProfile, sample: unknown): [number, ...number[]] {
    const out = new Int32Array(profile.channels.length);
    const status = profile.decode(sample, out, 0);
    return [status, ...out];
  }

  it("TMP117: temperature in m°C from the flat sample", () => {
    expect(decode(TMP117_PROFILE, { temperature: -12.3456, alert: 1 })).toEqual([ErrorCode.Ok, -12_346]);
  });

  it("SHT3x: compound 2nd-edition shape and the older flat shape give the same readings", () => {
    expect(decode(SHT3X_PROFILE, { thermometer: { temperature: 23.25 }, hygrometer: { humidity: 41.0005 } })).toEqual([ErrorCode.Ok, 23_250, 41_001]);
    expect(decode(SHT3X_PROFILE, { temperature: 23.25, humidity: 41.0005 })).toEqual([ErrorCode.Ok, 23_250, 41_001]);
  });

  it("SHT3x: a field dropped for a CRC mismatch is no reading for that channel only", () => {
    expect(decode(SHT3X_PROFILE, { thermometer: { temperature: 23.25 }, hygrometer: {} })).toEqual([ErrorCode.SensorNoData, 23_250, SENSOR_NO_READING]);
  });

  it("BMP280: pressure stays in Pa, temperature in m°C", () => {
    expect(decode(BMP280_PROFILE, { barometer: { pressure: 101_325.37 }, thermometer: { temperature: 19.994 } })).toEqual([ErrorCode.Ok, 101_325, 19_994]);
  });

  it("BME68x: no measurement ready (undefined) is no reading on every channel", () => {
    expect(decode(BME68X_PROFILE, undefined)).toEqual([ErrorCode.SensorNoData, SENSOR_NO_READING, SENSOR_NO_READING, SENSOR_NO_READING]);
    expect(decode(BME68X_PROFILE, { thermometer: { temperature: 25 }, hygrometer: { humidity: 50.5 }, barometer: { pressure: 95_000.6 } })).toEqual([
      ErrorCode.Ok,
      25_000,
      50_500,
      95_001,
    ]);
  });

  it("LIS3DH: m/s² becomes mg (1 g = 9.80665 m/s²)", () => {
    expect(decode(LIS3DH_PROFILE, { x: 0, y: -STANDARD_GRAVITY / 2, z: STANDARD_GRAVITY })).toEqual([ErrorCode.Ok, 0, -500, 1000]);
    expect(decode(LIS3DH_PROFILE, { x: 0.001 })).toEqual([ErrorCode.SensorNoData, 0, SENSOR_NO_READING, SENSOR_NO_READING]);
  });

  it("out-of-range or non-finite readings are refused per channel, out-of-range taking precedence", () => {
    expect(decode(SHT3X_PROFILE, { temperature: 130, humidity: 50 })).toEqual([ErrorCode.SensorOutOfRange, SENSOR_NO_READING, 50_000]);
    expect(decode(SHT3X_PROFILE, { temperature: 130, humidity: Number.NaN })).toEqual([ErrorCode.SensorOutOfRange, SENSOR_NO_READING, SENSOR_NO_READING]);
    expect(decode(TMP117_PROFILE, { temperature: Number.POSITIVE_INFINITY })).toEqual([ErrorCode.SensorNoData, SENSOR_NO_READING]);
    expect(decode(TMP117_PROFILE, "garbage")).toEqual([ErrorCode.SensorNoData, SENSOR_NO_READING]);
    expect(decode(TMP117_PROFILE, null)).toEqual([ErrorCode.SensorNoData, SENSOR_NO_READING]);
  });

  it("rounds halves toward +∞ (Math.round), identically for every value", () => {
    const out = new Int32Array(1);
    writeReading(0.0005, 1000, 1, SensorChannels.temperature, out, 0);
    expect(out[0]).toBe(1);
    writeReading(-0.0005, 1000, 1, SensorChannels.temperature, out, 0);
    expect(out[0]).toBe(0);
  });
});

vi.mock("embedded:sensor/Temperature/TMP117", () => ({
  default: class {
    constructor(readonly options: { readonly sensor: { readonly address?: number } }) {}
    configure(): void {}
    sample(): unknown {
      return { temperature: 36.6, alert: 0 };
    }
    close(): void {}
  },
}));

describe("per-driver openers", () => {
  it("openTmp117 wraps embedded:sensor/Temperature/TMP117 with the TMP117 profile", async () => {
    const { openTmp117 } = await import("../../../hal/moddable/sensors/tmp117");
    const opened = openTmp117({ sensor: { io: class {}, address: 0x49 } });
    if (!opened.ok) throw new Error("open");
    expect(opened.value.channels).toBe(TMP117_PROFILE.channels);
    const out = new Int32Array(1);
    expect(opened.value.sample(0, out, 0)).toBe(ErrorCode.Ok);
    expect(out[0]).toBe(36_600);
  });
});
