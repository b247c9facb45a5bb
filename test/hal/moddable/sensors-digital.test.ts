/**
 * hal/moddable/sensors/digital.ts: a contact or PIR on an ECMA-419 Digital
 * input as a Picket Sensor, driven by a scriptable stand-in for the Digital
 * class (levels, thrown reads, a constructor that refuses the pin).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { SENSOR_NO_READING, SensorChannels, SensorKind } from "../../../hal/sensor";
import { DIGITAL_PIN_MAX, DigitalPull, DigitalSensor, type DigitalInputOptions, type DigitalSensorOpenOptions } from "../../../hal/moddable/sensors/digital";
import { activation, createSimDigitalSensor } from "../../../hal/sim/sensors/digital";

/** Moddable's mode values (embedded:io/digital). */
const MODES = Object.freeze({ Input: 0, InputPullUp: 1, InputPullDown: 2 });

/** A stand-in Digital class whose line level, read failures and constructor are scripted by the test. */
function fakeDigital(options: { refuse?: boolean; withoutPullDown?: boolean } = {}) {
  const state = { level: 0 as unknown, readThrows: false, closeThrows: false, constructed: [] as DigitalInputOptions[], reads: 0, closes: 0 };
  class Digital {
    static readonly Input = MODES.Input;
    static readonly InputPullUp = MODES.InputPullUp;
    static readonly InputPullDown = options.withoutPullDown === true ? undefined : MODES.InputPullDown;
    constructor(o: DigitalInputOptions) {
      if (options.refuse === true) throw new Error("in use");
      state.constructed.push(o);
    }
    read(): unknown {
      state.reads++;
      if (state.readThrows) throw new Error("gpio");
      return state.level;
    }
    close(): void {
      state.closes++;
      if (state.closeThrows) throw new Error("close");
    }
  }
  return { Digital, state };
}

function openWith(
  Digital: DigitalSensorOpenOptions["io"],
  overrides: Partial<DigitalSensorOpenOptions> = {},
  codes: number[] = [],
): ReturnType<typeof DigitalSensor.open> {
  return DigitalSensor.open({ io: Digital, kind: SensorKind.Contact, pin: 4, activeLow: false, pull: DigitalPull.None, onError: (code) => codes.push(code), ...overrides });
}

function opened(result: ReturnType<typeof DigitalSensor.open>): DigitalSensor {
  if (!result.ok) throw new Error(`open failed with ${result.code}`);
  return result.value;
}

describe("digital sensor adapter: readings", () => {
  it("has the simulated part's one channel (contact or motion descriptor)", () => {
    const { Digital } = fakeDigital();
    const contact = opened(openWith(Digital));
    const motion = opened(openWith(Digital, { kind: SensorKind.Motion, pin: 5 }));
    expect(contact.channels).toEqual([SensorChannels.contact]);
    expect(contact.channels[0]).toBe(SensorChannels.contact);
    expect(motion.channels[0]).toBe(SensorChannels.motion);
    const sim = createSimDigitalSensor({ kind: "contact", seed: 1 });
    expect(sim.ok && sim.value.channels).toEqual(contact.channels);
  });

  it("active-high: the line level is the reading (1 = open / motion)", () => {
    const { Digital, state } = fakeDigital();
    const sensor = opened(openWith(Digital));
    const out = new Int32Array(3).fill(-7);
    state.level = 1;
    expect(sensor.sample(0, out, 1)).toBe(ErrorCode.Ok);
    expect(Array.from(out)).toEqual([-7, 1, -7]);
    state.level = 0;
    expect(sensor.sample(1000, out, 1)).toBe(ErrorCode.Ok);
    expect(Array.from(out)).toEqual([-7, 0, -7]);
  });

  it("active-low: a low line reads 1 (a reed switch to ground with a pull-up, door open)", () => {
    const { Digital, state } = fakeDigital();
    const sensor = opened(openWith(Digital, { activeLow: true, pull: DigitalPull.Up }));
    const out = new Int32Array(1);
    state.level = 0;
    expect(sensor.sample(0, out, 0)).toBe(ErrorCode.Ok);
    expect(out[0]).toBe(1);
    state.level = 1;
    expect(sensor.sample(0, out, 0)).toBe(ErrorCode.Ok);
    expect(out[0]).toBe(0);
  });

  it("reading = level XOR activeLow, one read() per sample, for any level sequence", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.constantFrom(0, 1), { minLength: 1, maxLength: 50 }), (activeLow, levels) => {
        const { Digital, state } = fakeDigital();
        const sensor = opened(openWith(Digital, { activeLow }));
        const out = new Int32Array(1);
        for (const level of levels) {
          state.level = level;
          expect(sensor.sample(0, out, 0)).toBe(ErrorCode.Ok);
          expect(out[0]).toBe(activeLow ? 1 - level : level);
        }
        expect(state.reads).toBe(levels.length);
      }),
      { numRuns: 100, seed: 419 },
    );
  });

  it("reads the same as the simulated contact for the same openings (level at the sample time)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 20_000 }), durationMs: fc.integer({ min: 1, max: 5_000 }) }), { maxLength: 4 }), (openings) => {
        const simResult = createSimDigitalSensor({ kind: "contact", seed: 3, script: openings.map((o) => activation(o.atMs, o.durationMs)) });
        if (!simResult.ok) throw new Error("sim");
        const sim = simResult.value;
        const { Digital, state } = fakeDigital();
        const hardware = opened(openWith(Digital, { activeLow: true, pull: DigitalPull.Up }));
        const simOut = new Int32Array(1);
        const hwOut = new Int32Array(1);
        for (let t = 0; t <= 25_000; t += 250) {
          const open = openings.some((o) => t >= o.atMs && t < o.atMs + o.durationMs);
          state.level = open ? 0 : 1; // active-low wiring: the line drops while open
          expect(hardware.sample(t, hwOut, 0)).toBe(sim.sample(t, simOut, 0));
          expect(hwOut[0]).toBe(simOut[0]);
        }
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});

describe("digital sensor adapter: opening", () => {
  it("passes the pin and the host's mode for the pull (Input, InputPullUp, InputPullDown)", () => {
    const { Digital, state } = fakeDigital();
    opened(openWith(Digital, { pin: 0, pull: DigitalPull.None }));
    opened(openWith(Digital, { pin: 12, pull: DigitalPull.Up }));
    opened(openWith(Digital, { pin: DIGITAL_PIN_MAX, pull: DigitalPull.Down }));
    expect(state.constructed).toEqual([
      { pin: 0, mode: MODES.Input },
      { pin: 12, mode: MODES.InputPullUp },
      { pin: DIGITAL_PIN_MAX, mode: MODES.InputPullDown },
    ]);
  });

  it("refuses a bad pin, kind, polarity or pull with InvalidArgument before touching the IO", () => {
    const { Digital, state } = fakeDigital();
    const cases: Partial<DigitalSensorOpenOptions>[] = [
      { pin: -1 },
      { pin: DIGITAL_PIN_MAX + 1 },
      { pin: 1.5 },
      { pin: Number.NaN },
      { kind: SensorKind.Temperature as unknown as DigitalSensorOpenOptions["kind"] },
      { activeLow: 1 as unknown as boolean },
      { pull: 7 as unknown as DigitalPull },
    ];
    for (const overrides of cases) {
      const codes: number[] = [];
      expect(openWith(Digital, overrides, codes), JSON.stringify(overrides)).toMatchObject({ ok: false, code: ErrorCode.InvalidArgument });
      expect(codes).toEqual([ErrorCode.InvalidArgument]);
    }
    expect(state.constructed).toEqual([]);
  });

  it("a constructor that throws (no such pin, pin in use) gives SensorOpenFailed, not an exception", () => {
    const { Digital } = fakeDigital({ refuse: true });
    const codes: number[] = [];
    expect(openWith(Digital, {}, codes)).toMatchObject({ ok: false, code: ErrorCode.SensorOpenFailed });
    expect(codes).toEqual([ErrorCode.SensorOpenFailed]);
  });

  it("a host without the requested pull mode gives SensorOpenFailed without constructing", () => {
    const { Digital, state } = fakeDigital({ withoutPullDown: true });
    expect(openWith(Digital, { pull: DigitalPull.Down })).toMatchObject({ ok: false, code: ErrorCode.SensorOpenFailed });
    expect(state.constructed).toEqual([]);
  });
});

describe("digital sensor adapter: failures and close", () => {
  it("a read() that throws is SensorReadFailed and onError, with nothing written", () => {
    const { Digital, state } = fakeDigital();
    const codes: number[] = [];
    const sensor = opened(openWith(Digital, {}, codes));
    const out = new Int32Array([42]);
    state.readThrows = true;
    expect(sensor.sample(0, out, 0)).toBe(ErrorCode.SensorReadFailed);
    expect(out[0]).toBe(42);
    expect(codes).toEqual([ErrorCode.SensorReadFailed]);
    state.readThrows = false;
    state.level = 1;
    expect(sensor.sample(0, out, 0)).toBe(ErrorCode.Ok);
    expect(out[0]).toBe(1);
  });

  it("a read() that returns anything but 0 or 1 is SensorOutOfRange with the no-reading marker", () => {
    const { Digital, state } = fakeDigital();
    const codes: number[] = [];
    const sensor = opened(openWith(Digital, {}, codes));
    const out = new Int32Array(1);
    for (const level of [2, -1, true, undefined, "1"]) {
      state.level = level;
      expect(sensor.sample(0, out, 0)).toBe(ErrorCode.SensorOutOfRange);
      expect(out[0]).toBe(SENSOR_NO_READING);
    }
    expect(codes).toEqual(Array(5).fill(ErrorCode.SensorOutOfRange));
  });

  it("refuses a sample array too short for the channel at that offset, without reading", () => {
    const { Digital, state } = fakeDigital();
    const sensor = opened(openWith(Digital));
    expect(sensor.sample(0, new Int32Array(2), 2)).toBe(ErrorCode.SensorBufferTooSmall);
    expect(sensor.sample(0, new Int32Array(2), -1)).toBe(ErrorCode.SensorBufferTooSmall);
    expect(state.reads).toBe(0);
  });

  it("configure({}) is Ok while open; close releases the pin once; afterwards sample and configure are SensorClosed", () => {
    const { Digital, state } = fakeDigital();
    const codes: number[] = [];
    const sensor = opened(openWith(Digital, {}, codes));
    expect(sensor.configure({})).toBe(ErrorCode.Ok);
    sensor.close();
    sensor.close();
    expect(state.closes).toBe(1);
    const out = new Int32Array([5]);
    expect(sensor.sample(0, out, 0)).toBe(ErrorCode.SensorClosed);
    expect(sensor.configure({})).toBe(ErrorCode.SensorClosed);
    expect(out[0]).toBe(5);
    expect(state.reads).toBe(0);
    expect(codes).toEqual([ErrorCode.SensorClosed, ErrorCode.SensorClosed]);
  });

  it("a close() that throws is reported as Exception, not raised", () => {
    const { Digital, state } = fakeDigital();
    const codes: number[] = [];
    const sensor = opened(openWith(Digital, {}, codes));
    state.closeThrows = true;
    expect(() => sensor.close()).not.toThrow();
    expect(codes).toEqual([ErrorCode.Exception]);
  });
});
