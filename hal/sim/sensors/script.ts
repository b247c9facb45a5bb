/**
 * Scripted events and faults for simulated sensors: a small fixed-capacity
 * table of time windows, each changing what some channels read while it is
 * active. Signal events ("intrusion at t", "vibration burst at t", "ramp")
 * and faults (stuck-at, dropout, spikes) share the table so one script tells
 * the whole story of a run.
 *
 * A window is [atMs, untilMs) in the sensor's virtual time. `channelMask` bit
 * i selects channel i (default: every channel). Amounts are in the channel's
 * unit (hal/sensor.ts).
 *
 * The table is EVENT_FIELDS numbers per event in a Float64Array: the
 * sensor's own (SimSensor keeps its channels and its script in one, as a
 * typed array costs about 128 B of heap on XS before its data), or one of
 * its own when none is given; `load` validates a new
 * script completely before copying it in, so a bad script leaves the old one
 * in place (`SensorBadScript`).
 */
import { ErrorCode } from "../../../core/runtime/errors";
import type { Status } from "../../../core/runtime/result";

export const SimEventKind = Object.freeze({
  /** Add `amount` while active (a step). */
  Offset: 1,
  /** Add amount × (t − atMs) / (untilMs − atMs) while active, and `amount` from untilMs on (a ramp that holds). */
  Ramp: 2,
  /** Read exactly `amount` while active (door open = 1, motion = 1). Applied after offsets and ramps. */
  Set: 3,
  /** Extra uniform noise of ±amount while active (a vibration burst). */
  NoiseBurst: 4,
  /** Fault: the reading freezes at its value at the first sample inside the window. */
  StuckAt: 5,
  /** Fault: no reading (`SensorNoData`, slot = SENSOR_NO_READING) while active. */
  Dropout: 6,
  /** Fault: each sample, with probability permille/1000, add +amount or −amount (even odds). */
  Spike: 7,
} as const);
export type SimEventKind = (typeof SimEventKind)[keyof typeof SimEventKind];

export interface SimEvent {
  readonly kind: SimEventKind;
  readonly atMs: number;
  /** End of the window, exclusive; `SIM_FOREVER_MS` for "until the end of the run". */
  readonly untilMs: number;
  readonly amount?: number;
  /** Spike only: chance per sample, 0..1000. */
  readonly permille?: number;
  /** Channels affected, bit i = channel i. Default: every channel. */
  readonly channelMask?: number;
}

/** A window that never ends. */
export const SIM_FOREVER_MS = Number.MAX_SAFE_INTEGER;
/** Largest script table a sensor may be created with. */
export const SIM_SCRIPT_EVENTS_MAX = 64;
/** Script table size when the options do not say. */
export const SIM_SCRIPT_EVENTS_DEFAULT = 4;
/** Largest |amount|: keeps every sum of amounts far inside the exact-integer range. */
export const SIM_EVENT_AMOUNT_MAX = 0x3fff_ffff;

const KIND_MAX = SimEventKind.Spike;

const E_KIND = 0;
const E_AT_MS = 1;
const E_UNTIL_MS = 2;
const E_AMOUNT = 3;
const E_PERMILLE = 4;
const E_MASK = 5;
const EVENT_FIELDS = 6;

/** Numbers a script table of `capacity` events takes. */
export function simScriptNumbers(capacity: number): number {
  return capacity * EVENT_FIELDS;
}

export class SimScript {
  /** The events from index #base on (#base + i * EVENT_FIELDS for event i). */
  readonly #t: Float64Array;
  readonly #base: number;
  readonly #capacity: number;
  readonly #channelCount: number;
  #count = 0;

  /**
   * `capacity` in 1..SIM_SCRIPT_EVENTS_MAX and `channelCount` in 1..8 are
   * checked by the caller. The events live in `table` from `base` on
   * (simScriptNumbers(capacity) numbers, the caller's to keep apart), or in
   * a table of their own.
   */
  constructor(capacity: number, channelCount: number, table?: Float64Array, base = 0) {
    this.#capacity = capacity;
    this.#t = table ?? new Float64Array(simScriptNumbers(capacity));
    this.#base = table === undefined ? 0 : base;
    this.#channelCount = channelCount;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get count(): number {
    return this.#count;
  }

  /** Replace the script. `Ok`, or `SensorBadScript` with the old script kept. */
  load(events: readonly SimEvent[]): Status {
    if (events.length > this.#capacity) return ErrorCode.SensorBadScript;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (event === undefined || !this.valid(event)) return ErrorCode.SensorBadScript;
    }
    const allChannels = (1 << this.#channelCount) - 1;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (event === undefined) continue;
      this.#t[this.#base + i * EVENT_FIELDS + E_KIND] = event.kind;
      this.#t[this.#base + i * EVENT_FIELDS + E_AT_MS] = event.atMs;
      this.#t[this.#base + i * EVENT_FIELDS + E_UNTIL_MS] = event.untilMs;
      this.#t[this.#base + i * EVENT_FIELDS + E_AMOUNT] = event.amount ?? 0;
      this.#t[this.#base + i * EVENT_FIELDS + E_PERMILLE] = event.permille ?? 0;
      this.#t[this.#base + i * EVENT_FIELDS + E_MASK] = event.channelMask ?? allChannels;
    }
    this.#count = events.length;
    return ErrorCode.Ok;
  }

  /** Kind of event `i`, or 0 when it does not touch `channel` at `nowMs` (Ramp stays active after its window). */
  activeKind(i: number, channel: number, nowMs: number): number {
    if (((this.#t[this.#base + i * EVENT_FIELDS + E_MASK] ?? 0) & (1 << channel)) === 0) return 0;
    const kind = this.#t[this.#base + i * EVENT_FIELDS + E_KIND] ?? 0;
    if (nowMs < (this.#t[this.#base + i * EVENT_FIELDS + E_AT_MS] ?? 0)) return 0;
    if (nowMs >= (this.#t[this.#base + i * EVENT_FIELDS + E_UNTIL_MS] ?? 0) && kind !== SimEventKind.Ramp) return 0;
    return kind;
  }

  amount(i: number): number {
    return this.#t[this.#base + i * EVENT_FIELDS + E_AMOUNT] ?? 0;
  }

  permille(i: number): number {
    return this.#t[this.#base + i * EVENT_FIELDS + E_PERMILLE] ?? 0;
  }

  /** Ramp contribution of event `i` at `nowMs` (which is >= its atMs): floor of the double quotient, identical on every engine. */
  rampAt(i: number, nowMs: number): number {
    const atMs = this.#t[this.#base + i * EVENT_FIELDS + E_AT_MS] ?? 0;
    const untilMs = this.#t[this.#base + i * EVENT_FIELDS + E_UNTIL_MS] ?? 0;
    const amount = this.#t[this.#base + i * EVENT_FIELDS + E_AMOUNT] ?? 0;
    if (nowMs >= untilMs) return amount;
    return Math.floor((amount * (nowMs - atMs)) / (untilMs - atMs));
  }

  private valid(event: SimEvent): boolean {
    const kind = event.kind;
    if ((kind >>> 0) !== kind || kind < 1 || kind > KIND_MAX) return false;
    if (!Number.isSafeInteger(event.atMs) || event.atMs < 0) return false;
    if (!Number.isSafeInteger(event.untilMs) || event.untilMs <= event.atMs) return false;
    const amount = event.amount ?? 0;
    if (!Number.isSafeInteger(amount) || amount < -SIM_EVENT_AMOUNT_MAX || amount > SIM_EVENT_AMOUNT_MAX) return false;
    if ((kind === SimEventKind.NoiseBurst || kind === SimEventKind.Spike) && amount < 0) return false;
    const permille = event.permille ?? 0;
    if ((permille >>> 0) !== permille || permille > 1000) return false;
    if (kind !== SimEventKind.Spike && permille !== 0) return false;
    const allChannels = (1 << this.#channelCount) - 1;
    const mask = event.channelMask ?? allChannels;
    return (mask >>> 0) === mask && mask !== 0 && (mask & ~allChannels) === 0;
  }
}
