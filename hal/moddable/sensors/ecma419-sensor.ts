/**
 * Adapter from a Moddable ECMA-419 sensor driver (constructor(options),
 * configure(), sample() returning an object of floats, close(); any of them
 * may throw) to Picket's Sensor contract (hal/sensor.ts): integer readings
 * written into the caller's Int32Array, errors as Status and onError, never
 * a throw.
 *
 * Every driver call goes through core/runtime/guard.ts. Drivers that report
 * problems through their own `onError(message)` instead of throwing (TMP117
 * "unexpected sensor", SHT3x "bad checksum") are caught by a latch: the
 * message is discarded (it is driver text, not a stable code) and the call
 * fails with the matching Picket code.
 *
 * Allocation: the adapter allocates nothing per sample (the guarded read is
 * a closure made once at open), but the driver's `sample()` itself returns a
 * fresh object on every call; that is the driver's cost, outside our control.
 */
import { ErrorCode, type FailureCode } from "../../../core/runtime/errors";
import { guard, guardCall, guardStatus } from "../../../core/runtime/guard";
import { err, ok, type Result, type Status } from "../../../core/runtime/result";
import { SENSOR_CHANNELS_MAX, sampleFits, type Sensor, type SensorChannel, type SensorErrorHandler } from "../../sensor";

/** What the adapter needs from a driver instance (the ECMA-419 sensor class shape). */
export interface Ecma419Driver<ConfigureOptions extends object> {
  configure(options: ConfigureOptions): void;
  sample(): unknown;
  close(): void;
}

/** Constructor options the adapter passes on: the ECMA-419 `sensor` bus options plus driver extras. */
export interface Ecma419DriverOptions<Bus> {
  readonly sensor: Bus;
  readonly onError: (message: string) => void;
}

export type Ecma419DriverClass<Bus, ConfigureOptions extends object> = new (
  options: Ecma419DriverOptions<Bus>,
) => Ecma419Driver<ConfigureOptions>;

/** How one driver's sample object maps onto channels (readings.ts). */
export interface ReadingProfile {
  readonly channels: readonly SensorChannel[];
  /**
   * Write one reading per channel into `out[offset ..]`: `Ok`, or
   * `SensorNoData` / `SensorOutOfRange` with SENSOR_NO_READING in the bad slots.
   */
  decode(sample: unknown, out: Int32Array, offset: number): Status;
}

export interface Ecma419OpenOptions<Bus> {
  /** The ECMA-419 `sensor` option: `{ ...device.I2C.default, io: device.io.I2C }` and an address. */
  readonly sensor: Bus;
  readonly onError?: SensorErrorHandler;
}

/** Set by the driver's onError; read and reset around each guarded call. */
class DriverErrorLatch {
  reported = false;
  readonly handler = (_message: string): void => {
    this.reported = true;
  };
}

export class Ecma419Sensor<ConfigureOptions extends object> implements Sensor<ConfigureOptions> {
  readonly channels: readonly SensorChannel[];
  readonly #driver: Ecma419Driver<ConfigureOptions>;
  readonly #profile: ReadingProfile;
  readonly #latch: DriverErrorLatch;
  readonly #onError: SensorErrorHandler | undefined;
  #lastSample: unknown = undefined;
  #closed = false;

  /**
   * Construct the driver (guarded). `SensorOpenFailed` if it threw or
   * reported an error (wrong chip id, bus failure); then it is closed again.
   */
  static open<Bus, ConfigureOptions extends object>(
    Driver: Ecma419DriverClass<Bus, ConfigureOptions>,
    profile: ReadingProfile,
    options: Ecma419OpenOptions<Bus>,
  ): Result<Ecma419Sensor<ConfigureOptions>> {
    const channelCount = profile.channels.length;
    if (channelCount < 1 || channelCount > SENSOR_CHANNELS_MAX) return failOpen(options.onError, ErrorCode.InvalidArgument);
    const latch = new DriverErrorLatch();
    const created = guard(() => new Driver({ sensor: options.sensor, onError: latch.handler }), ErrorCode.SensorOpenFailed);
    if (!created.ok) return failOpen(options.onError, ErrorCode.SensorOpenFailed);
    if (latch.reported) {
      const driver = created.value;
      guardStatus(() => driver.close());
      return failOpen(options.onError, ErrorCode.SensorOpenFailed);
    }
    return ok(new Ecma419Sensor(created.value, profile, latch, options.onError));
  }

  private constructor(
    driver: Ecma419Driver<ConfigureOptions>,
    profile: ReadingProfile,
    latch: DriverErrorLatch,
    onError: SensorErrorHandler | undefined,
  ) {
    this.channels = profile.channels;
    this.#driver = driver;
    this.#profile = profile;
    this.#latch = latch;
    this.#onError = onError;
  }

  // A static thunk for guardCall (core/runtime/guard.ts), not a closure per instance (heap slots for life).
  private static read_(self: Ecma419Sensor<object>): void {
    self.#lastSample = self.#driver.sample();
  }

  configure(options: ConfigureOptions): Status {
    if (this.#closed) return this.fail_(ErrorCode.SensorClosed);
    this.#latch.reported = false;
    const driver = this.#driver;
    const status = guardStatus(() => driver.configure(options), ErrorCode.SensorConfigureFailed);
    if (status !== ErrorCode.Ok || this.#latch.reported) return this.fail_(ErrorCode.SensorConfigureFailed);
    return ErrorCode.Ok;
  }

  /** `nowMs` is not used: the hardware is read now. See Sensor.sample for the statuses. */
  sample(_nowMs: number, out: Int32Array, offset: number): Status {
    if (this.#closed) return this.fail_(ErrorCode.SensorClosed);
    if (!sampleFits(out, offset, this.channels.length)) return this.fail_(ErrorCode.SensorBufferTooSmall);
    this.#latch.reported = false;
    const read = guardCall(Ecma419Sensor.read_, this as Ecma419Sensor<object>, ErrorCode.SensorReadFailed);
    const sample = this.#lastSample;
    this.#lastSample = undefined; // do not keep the driver's object alive
    if (read !== ErrorCode.Ok || this.#latch.reported) return this.fail_(ErrorCode.SensorReadFailed);
    const status = this.#profile.decode(sample, out, offset);
    return status === ErrorCode.Ok ? status : this.fail_(status);
  }

  /** Close the driver (guarded; an exception is reported to onError as `Exception`). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const driver = this.#driver;
    if (guardStatus(() => driver.close()) !== ErrorCode.Ok) this.fail_(ErrorCode.Exception);
  }

  private fail_(code: FailureCode): FailureCode {
    if (this.#onError !== undefined) this.#onError(code);
    return code;
  }
}

function failOpen<T>(onError: SensorErrorHandler | undefined, code: FailureCode): Result<T> {
  if (onError !== undefined) onError(code);
  return err(code);
}
