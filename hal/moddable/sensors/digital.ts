/**
 * A door/window contact or a PIR motion detector on one GPIO, read through
 * ECMA-419's Digital IO class (2nd ed., IO classes, "Digital": constructor
 * options `pin` and `mode`, `read()` returning 0 or 1, `close()`; the
 * constructor throws when the pin does not exist or is in use), as a Picket
 * Sensor (hal/sensor.ts). On Moddable the class is `device.io.Digital` from
 * `embedded:provider/builtin`; the caller passes it in, so this file imports
 * no Moddable module and runs under test with a stand-in.
 *
 * One channel, the same descriptor the simulated driver uses
 * (SensorChannels.contact / .motion): 1 = open / motion, 0 = closed / still.
 * `activeLow` maps the line to that state: a line that is low when the
 * contact is open (or motion is seen) is active-low.
 *
 * Level, not edges: both parts present a level (a reed switch follows the
 * door; a PIR module holds its output for its retrigger time), so `sample`
 * reads the level at the sensor's rate and needs no interrupt. An opening
 * shorter than the sampling interval can be missed; choose `intervalMs`
 * accordingly. Not latching edges keeps a hardware reading identical in
 * meaning to the simulated one (which is also a level at `nowMs`).
 *
 * `sample` allocates nothing (the guarded read is a closure made once at
 * open). Nothing throws: every IO call goes through core/runtime/guard.ts.
 */
import { ErrorCode, type FailureCode } from "../../../core/runtime/errors";
import { guard, guardCall, guardStatus } from "../../../core/runtime/guard";
import { err, ok, type Result, type Status } from "../../../core/runtime/result";
import { SENSOR_NO_READING, SensorChannels, SensorKind, sampleFits, type Sensor, type SensorChannel, type SensorErrorHandler } from "../../sensor";

/** Highest GPIO number accepted (Moddable numbers pins bank × 32 + bit; two banks cover ESP32-S3, nRF52840 and RP2040). */
export const DIGITAL_PIN_MAX = 63;

/** Input bias resistor: ECMA-419 modes Input, InputPullUp, InputPullDown. */
export const DigitalPull = Object.freeze({ None: 0, Up: 1, Down: 2 } as const);
export type DigitalPull = (typeof DigitalPull)[keyof typeof DigitalPull];

/** The digital parts: their channel descriptor comes from hal/sensor.ts. */
export type DigitalSensorKind = typeof SensorKind.Contact | typeof SensorKind.Motion;

/** What the adapter needs from an instance of the Digital IO class. */
export interface DigitalInput {
  read(): unknown;
  close(): void;
}

/** Constructor options the adapter passes (ECMA-419 Digital: `pin`, `mode`; no `edge`, no `onReadable`). */
export interface DigitalInputOptions {
  readonly pin: number;
  readonly mode: unknown;
}

/** The Digital IO class: constructor plus the static input modes (their values are the host's). */
export interface DigitalInputClass {
  new (options: DigitalInputOptions): DigitalInput;
  readonly Input: unknown;
  readonly InputPullUp: unknown;
  readonly InputPullDown: unknown;
}

export interface DigitalSensorOpenOptions {
  /** `device.io.Digital` on a board. */
  readonly io: DigitalInputClass;
  readonly kind: DigitalSensorKind;
  /** GPIO number, 0..DIGITAL_PIN_MAX. */
  readonly pin: number;
  /** True when the line is low in the active state (open, motion). */
  readonly activeLow: boolean;
  readonly pull: DigitalPull;
  readonly onError?: SensorErrorHandler;
}

const CONTACT_CHANNELS: readonly SensorChannel[] = Object.freeze([SensorChannels.contact]);
const MOTION_CHANNELS: readonly SensorChannel[] = Object.freeze([SensorChannels.motion]);

/** Nothing on a digital input can be changed after open (ECMA-419 Digital has no mode setter); `configure({})` is Ok. */
export type DigitalSensorConfiguration = Readonly<Record<string, never>>;

export class DigitalSensor implements Sensor<DigitalSensorConfiguration> {
  readonly channels: readonly SensorChannel[];
  readonly #io: DigitalInput;
  /** Level that means "active": 0 for active-low wiring, 1 otherwise. */
  readonly #activeLevel: number;
  readonly #onError: SensorErrorHandler | undefined;
  #level: unknown = undefined;
  #closed = false;

  /**
   * Open the pin as an input (guarded). `InvalidArgument` for a pin outside
   * 0..DIGITAL_PIN_MAX, an unknown kind or pull (nothing is opened);
   * `SensorOpenFailed` if the host lacks the mode or the constructor threw
   * (no such pin, pin in use, no pull resistor on it).
   */
  static open(options: DigitalSensorOpenOptions): Result<DigitalSensor> {
    const channels = channelsFor(options.kind);
    const validPin = Number.isSafeInteger(options.pin) && options.pin >= 0 && options.pin <= DIGITAL_PIN_MAX;
    if (channels === undefined || !validPin || typeof options.activeLow !== "boolean") return failOpen(options.onError, ErrorCode.InvalidArgument);
    const Io = options.io;
    const mode = modeFor(Io, options.pull);
    if (mode === undefined) return failOpen(options.onError, pullKnown(options.pull) ? ErrorCode.SensorOpenFailed : ErrorCode.InvalidArgument);
    const pin = options.pin;
    const created = guard(() => new Io({ pin, mode }), ErrorCode.SensorOpenFailed);
    if (!created.ok) return failOpen(options.onError, ErrorCode.SensorOpenFailed);
    return ok(new DigitalSensor(created.value, channels, options.activeLow, options.onError));
  }

  private constructor(io: DigitalInput, channels: readonly SensorChannel[], activeLow: boolean, onError: SensorErrorHandler | undefined) {
    this.channels = channels;
    this.#io = io;
    this.#activeLevel = activeLow ? 0 : 1;
    this.#onError = onError;
  }

  // A static thunk for guardCall (core/runtime/guard.ts), not a closure per instance (heap slots for life).
  private static read_(self: DigitalSensor): void {
    self.#level = self.#io.read();
  }

  configure(_options: DigitalSensorConfiguration): Status {
    return this.#closed ? this.fail_(ErrorCode.SensorClosed) : ErrorCode.Ok;
  }

  /**
   * Read the line now (`nowMs` is not used) into `out[offset]`: 1 when it is
   * at the active level, else 0. `SensorReadFailed` if read() threw (nothing
   * written); `SensorOutOfRange` with SENSOR_NO_READING if it returned
   * anything but 0 or 1.
   */
  sample(_nowMs: number, out: Int32Array, offset: number): Status {
    if (this.#closed) return this.fail_(ErrorCode.SensorClosed);
    if (!sampleFits(out, offset, 1)) return this.fail_(ErrorCode.SensorBufferTooSmall);
    const read = guardCall(DigitalSensor.read_, this, ErrorCode.SensorReadFailed);
    const level = this.#level;
    this.#level = undefined;
    if (read !== ErrorCode.Ok) return this.fail_(ErrorCode.SensorReadFailed);
    if (level !== 0 && level !== 1) {
      out[offset] = SENSOR_NO_READING;
      return this.fail_(ErrorCode.SensorOutOfRange);
    }
    out[offset] = level === this.#activeLevel ? 1 : 0;
    return ErrorCode.Ok;
  }

  /** Release the pin (guarded; an exception is reported to onError as `Exception`). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const io = this.#io;
    if (guardStatus(() => io.close()) !== ErrorCode.Ok) this.fail_(ErrorCode.Exception);
  }

  private fail_(code: FailureCode): FailureCode {
    if (this.#onError !== undefined) this.#onError(code);
    return code;
  }
}

function channelsFor(kind: number): readonly SensorChannel[] | undefined {
  if (kind === SensorKind.Contact) return CONTACT_CHANNELS;
  if (kind === SensorKind.Motion) return MOTION_CHANNELS;
  return undefined;
}

function pullKnown(pull: number): boolean {
  return pull === DigitalPull.None || pull === DigitalPull.Up || pull === DigitalPull.Down;
}

/** The host's mode value for `pull`; undefined if the pull is unknown or the host has no such mode. */
function modeFor(Io: DigitalInputClass, pull: number): unknown {
  if (pull === DigitalPull.None) return Io.Input;
  if (pull === DigitalPull.Up) return Io.InputPullUp;
  if (pull === DigitalPull.Down) return Io.InputPullDown;
  return undefined;
}

function failOpen<T>(onError: SensorErrorHandler | undefined, code: FailureCode): Result<T> {
  if (onError !== undefined) onError(code);
  return err(code);
}
