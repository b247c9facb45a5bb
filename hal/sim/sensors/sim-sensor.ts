/**
 * A simulated sensor: one to eight channels, each an integer signal model
 * (base + linear drift + uniform noise) changed by a script of events and
 * faults (script.ts), sampled at virtual time.
 *
 * Determinism: the only randomness is one xoshiro128** generator seeded at
 * create; draws happen in a fixed order (channel by channel: noise, then
 * spikes) and only integer arithmetic (plus IEEE double division, identical
 * on every engine) decides a reading, so the same seed, script and sample
 * times give the same readings on V8 and XS. A channel in dropout draws
 * nothing.
 *
 * Per channel, at time t (ms):
 *   v = base + floor(driftPerMinute × t / 60000)
 *     + Offsets + Ramps                  (script)
 *   v = amount of the last active Set    (if any)
 *   v += uniform(±(noise + NoiseBursts)) (one draw when the amplitude > 0)
 *   v += ±amount per Spike that fires    (two draws per active Spike)
 *   v = clamp(v, channel.minValue, channel.maxValue)   (saturation)
 *   v = value frozen on entering an active StuckAt
 * and an active Dropout makes the slot SENSOR_NO_READING and the sample
 * `SensorNoData` (the other channels are still written).
 *
 * `sample` allocates nothing. Nothing throws.
 */
import { ErrorCode, type FailureCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import { err, ok, type Result, type Status } from "../../../core/runtime/result";
import {
  SENSOR_CHANNELS_MAX,
  SENSOR_NO_READING,
  sampleFits,
  type Sensor,
  type SensorChannel,
  type SensorErrorHandler,
} from "../../sensor";
import { SIM_SCRIPT_EVENTS_DEFAULT, SIM_SCRIPT_EVENTS_MAX, SimEventKind, SimScript, simScriptNumbers, type SimEvent } from "./script";

/** The undisturbed signal of one channel, in the channel's unit. */
export interface SimChannelModel {
  readonly base: number;
  /** Linear drift per minute of virtual time (integer). */
  readonly driftPerMinute?: number;
  /** Readings vary uniformly within ±noise. */
  readonly noise?: number;
}

export interface SimSensorOptions {
  readonly seed: number;
  readonly channels: readonly SensorChannel[];
  /** One per channel, same order. */
  readonly models: readonly SimChannelModel[];
  readonly script?: readonly SimEvent[];
  /** Script table size, 1..SIM_SCRIPT_EVENTS_MAX (default SIM_SCRIPT_EVENTS_DEFAULT, or the script's length if larger). */
  readonly scriptCapacity?: number;
  readonly onError?: SensorErrorHandler;
}

/** What `configure` may change on a simulated sensor. */
export interface SimSensorConfiguration {
  /** Replace the event script (validated first; a bad one is refused with `SensorBadScript`). */
  readonly script?: readonly SimEvent[];
}

/** Largest |base| and |driftPerMinute|, and the largest noise amplitude. */
export const SIM_BASE_MAX = 0x7fff_ffff;
export const SIM_DRIFT_PER_MINUTE_MAX = 1_000_000;
export const SIM_NOISE_MAX = 0x3fff_ffff;

const MS_PER_MINUTE = 60_000;

// Per channel, CHANNEL_FIELDS numbers in one Float64Array (a typed array costs about 128 B of heap on XS before its data).
const C_BASE = 0;
const C_DRIFT = 1;
const C_NOISE = 2;
const C_MIN = 3;
const C_MAX = 4;
const C_STUCK = 5;
const C_STUCK_VALUE = 6;
const CHANNEL_FIELDS = 7;

export class SimSensor implements Sensor<SimSensorConfiguration> {
  readonly channels: readonly SensorChannel[];
  readonly #prng: Xoshiro128;
  readonly #script: SimScript;
  readonly #t: Float64Array;
  readonly #onError: SensorErrorHandler | undefined;
  #closed = false;

  static create(options: SimSensorOptions): Result<SimSensor> {
    const code = checkOptions(options);
    if (code !== ErrorCode.Ok) return err(code);
    const events = options.script ?? [];
    const capacity = options.scriptCapacity ?? Math.max(SIM_SCRIPT_EVENTS_DEFAULT, events.length);
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > SIM_SCRIPT_EVENTS_MAX) return err(ErrorCode.SensorBadScript);
    // One table for the channels' numbers and, after them, the script's events.
    const channelNumbers = options.channels.length * CHANNEL_FIELDS;
    const table = new Float64Array(channelNumbers + simScriptNumbers(capacity));
    const script = new SimScript(capacity, options.channels.length, table, channelNumbers);
    if (script.load(events) !== ErrorCode.Ok) return err(ErrorCode.SensorBadScript);
    return ok(new SimSensor(options, script, table));
  }

  private constructor(options: SimSensorOptions, script: SimScript, table: Float64Array) {
    const count = options.channels.length;
    // A frozen channel list (a part's module-level table) is shared, not copied into RAM.
    this.channels = Object.isFrozen(options.channels) ? options.channels : Object.freeze(options.channels.slice());
    this.#prng = new Xoshiro128(options.seed);
    this.#script = script;
    this.#t = table;
    for (let c = 0; c < count; c++) {
      const model = options.models[c];
      const channel = options.channels[c];
      if (model === undefined || channel === undefined) continue; // checked in create
      this.#t[c * CHANNEL_FIELDS + C_BASE] = model.base;
      this.#t[c * CHANNEL_FIELDS + C_DRIFT] = model.driftPerMinute ?? 0;
      this.#t[c * CHANNEL_FIELDS + C_NOISE] = model.noise ?? 0;
      this.#t[c * CHANNEL_FIELDS + C_MIN] = channel.minValue;
      this.#t[c * CHANNEL_FIELDS + C_MAX] = channel.maxValue;
    }
    this.#onError = options.onError;
  }

  configure(options: SimSensorConfiguration): Status {
    if (this.#closed) return this.fail(ErrorCode.SensorClosed);
    if (options.script !== undefined) {
      const status = this.#script.load(options.script);
      if (status !== ErrorCode.Ok) return this.fail(ErrorCode.SensorBadScript);
      for (let c = 0; c < this.channels.length; c++) this.#t[c * CHANNEL_FIELDS + C_STUCK] = 0;
    }
    return ErrorCode.Ok;
  }

  sample(nowMs: number, out: Int32Array, offset: number): Status {
    if (this.#closed) return this.fail(ErrorCode.SensorClosed);
    const count = this.channels.length;
    if (!sampleFits(out, offset, count)) return this.fail(ErrorCode.SensorBufferTooSmall);
    if (!Number.isSafeInteger(nowMs) || nowMs < 0) return this.fail(ErrorCode.InvalidArgument);
    let status: Status = ErrorCode.Ok;
    const scripted = this.#script.count > 0;
    for (let c = 0; c < count; c++) {
      if (scripted && this.inDropout(c, nowMs)) {
        out[offset + c] = SENSOR_NO_READING;
        status = ErrorCode.SensorNoData;
        continue;
      }
      out[offset + c] = this.reading(c, nowMs);
    }
    return status === ErrorCode.Ok ? status : this.fail(status);
  }

  close(): void {
    this.#closed = true;
  }

  private inDropout(channel: number, nowMs: number): boolean {
    const script = this.#script;
    for (let i = 0; i < script.count; i++) {
      if (script.activeKind(i, channel, nowMs) === SimEventKind.Dropout) return true;
    }
    return false;
  }

  private reading(c: number, nowMs: number): number {
    const script = this.#script;
    const events = script.count;
    let value = (this.#t[c * CHANNEL_FIELDS + C_BASE] ?? 0) + driftAt(this.#t[c * CHANNEL_FIELDS + C_DRIFT] ?? 0, nowMs);
    let amplitude = this.#t[c * CHANNEL_FIELDS + C_NOISE] ?? 0;
    let set = false;
    let setValue = 0;
    let stuckActive = false;
    for (let i = 0; i < events; i++) {
      const kind = script.activeKind(i, c, nowMs);
      if (kind === SimEventKind.Offset) value += script.amount(i);
      else if (kind === SimEventKind.Ramp) value += script.rampAt(i, nowMs);
      else if (kind === SimEventKind.Set) {
        set = true;
        setValue = script.amount(i);
      } else if (kind === SimEventKind.NoiseBurst) amplitude += script.amount(i);
      else if (kind === SimEventKind.StuckAt) stuckActive = true;
    }
    if (set) value = setValue;
    amplitude = Math.min(amplitude, SIM_NOISE_MAX); // keeps 2a + 1 within nextBelow's 2^32 bound
    if (amplitude > 0) value += this.#prng.nextBelow(2 * amplitude + 1) - amplitude;
    for (let i = 0; i < events; i++) {
      if (script.activeKind(i, c, nowMs) !== SimEventKind.Spike) continue;
      const fires = this.#prng.chancePermille(script.permille(i));
      const up = (this.#prng.nextU32() & 1) === 1;
      if (fires) value += up ? script.amount(i) : -script.amount(i);
    }
    const min = this.#t[c * CHANNEL_FIELDS + C_MIN] ?? 0;
    const max = this.#t[c * CHANNEL_FIELDS + C_MAX] ?? 0;
    if (value < min) value = min;
    else if (value > max) value = max;
    if (!stuckActive) {
      this.#t[c * CHANNEL_FIELDS + C_STUCK] = 0;
      return value;
    }
    if (this.#t[c * CHANNEL_FIELDS + C_STUCK] === 0) {
      this.#t[c * CHANNEL_FIELDS + C_STUCK] = 1;
      this.#t[c * CHANNEL_FIELDS + C_STUCK_VALUE] = value;
    }
    return this.#t[c * CHANNEL_FIELDS + C_STUCK_VALUE] ?? value;
  }

  private fail(code: FailureCode): FailureCode {
    if (this.#onError !== undefined) this.#onError(code);
    return code;
  }
}

/**
 * floor(driftPerMinute × nowMs / 60000), split into whole minutes and the
 * remainder so it stays exact for any run shorter than ~17,000 years.
 */
function driftAt(driftPerMinute: number, nowMs: number): number {
  if (driftPerMinute === 0) return 0;
  const minutes = Math.floor(nowMs / MS_PER_MINUTE);
  const remainderMs = nowMs - minutes * MS_PER_MINUTE;
  return driftPerMinute * minutes + Math.floor((driftPerMinute * remainderMs) / MS_PER_MINUTE);
}

function checkOptions(options: SimSensorOptions): Status {
  const count = options.channels.length;
  if (!Number.isSafeInteger(options.seed)) return ErrorCode.SensorBadModel;
  if (count < 1 || count > SENSOR_CHANNELS_MAX || options.models.length !== count) return ErrorCode.SensorBadModel;
  for (let c = 0; c < count; c++) {
    const model = options.models[c];
    const channel = options.channels[c];
    if (model === undefined || channel === undefined || !validChannel(channel)) return ErrorCode.SensorBadModel;
    if (!Number.isSafeInteger(model.base) || Math.abs(model.base) > SIM_BASE_MAX) return ErrorCode.SensorBadModel;
    const drift = model.driftPerMinute ?? 0;
    if (!Number.isSafeInteger(drift) || Math.abs(drift) > SIM_DRIFT_PER_MINUTE_MAX) return ErrorCode.SensorBadModel;
    const noise = model.noise ?? 0;
    if (!Number.isSafeInteger(noise) || noise < 0 || noise > SIM_NOISE_MAX) return ErrorCode.SensorBadModel;
  }
  return ErrorCode.Ok;
}

function validChannel(channel: SensorChannel): boolean {
  const { minValue, maxValue } = channel;
  return (minValue | 0) === minValue && (maxValue | 0) === maxValue && minValue <= maxValue && minValue > SENSOR_NO_READING;
}
