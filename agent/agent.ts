/**
 * The agent composition root (first cut).
 *
 * Turns a validated SiteConfig plus a platform (clock, sensor) into a running
 * agent whose sampling task fills a fixed-capacity ring. All memory is
 * allocated in `create`; `turn` allocates nothing. Every event that changes
 * state is folded into a trace hash so a run can be compared across engines.
 *
 * ISSUE 3 replaces the single periodic task with the scheduler; ISSUE 7 adds
 * the mesh, uplink and the ECMA-419 sensor drivers.
 */
import { FullPolicy } from "../core/collections/full-policy";
import { RingBuffer } from "../core/collections/ring-buffer";
import { ErrorCode } from "../core/runtime/errors";
import { err, ok, type Result, type Status } from "../core/runtime/result";
import { TraceHash } from "../core/runtime/trace-hash";
import type { Clock } from "../hal/clock";
import type { Sensor } from "../hal/sensor";
import type { SiteConfig } from "./config";

export interface AgentPlatform {
  readonly clock: Clock;
  /** Sampled every interval; its channel 0 feeds the sample ring (ISSUE 7 wires the telemetry pipeline). */
  readonly sensor: Sensor;
}

/** Most samples one turn may take to catch up after a stall; the rest are skipped and counted. */
export const SAMPLES_PER_TURN_MAX = 8;

/** Trace event codes (folded into the trace hash; stable across releases). */
export const AgentEvent = Object.freeze({ Boot: 1, Sample: 2, SensorError: 3, SamplesSkipped: 4 } as const);

export interface AgentStatus {
  readonly nodeId: number;
  readonly turns: number;
  readonly samplesTaken: number;
  readonly samplesSkipped: number;
  readonly sensorErrors: number;
  readonly ringLength: number;
  readonly ringCapacity: number;
  readonly ringDropped: number;
  readonly lastSampleMilli: number;
  readonly traceEvents: number;
  readonly traceHash: string;
}

export class Agent {
  readonly #config: SiteConfig;
  readonly #platform: AgentPlatform;
  readonly #samples: RingBuffer;
  readonly #reading: Int32Array;
  readonly #trace = new TraceHash();
  #nextSampleMs: number;
  #turns = 0;
  #samplesTaken = 0;
  #samplesSkipped = 0;
  #sensorErrors = 0;
  #lastSampleMilli = 0;

  static create(config: SiteConfig, platform: AgentPlatform): Result<Agent> {
    const ring = RingBuffer.create(config.sampleRingCapacity, Int32Array, FullPolicy.DropOldest);
    if (!ring.ok) return err(ring.code);
    if (config.sampleIntervalMs < 1) return err(ErrorCode.InvalidArgument);
    if (platform.sensor.channels.length < 1) return err(ErrorCode.InvalidArgument);
    return ok(new Agent(config, platform, ring.value));
  }

  private constructor(config: SiteConfig, platform: AgentPlatform, samples: RingBuffer) {
    this.#config = config;
    this.#platform = platform;
    this.#samples = samples;
    this.#reading = new Int32Array(platform.sensor.channels.length);
    const bootMs = platform.clock.nowMs();
    this.#nextSampleMs = bootMs;
    this.#trace.word(AgentEvent.Boot);
    this.#trace.word(config.nodeId);
    this.#trace.integer(bootMs);
  }

  /** Run everything that is due at the clock's current time. Never throws, never allocates. */
  turn(): Status {
    const nowMs = this.#platform.clock.nowMs();
    this.#turns++;
    let taken = 0;
    while (this.#nextSampleMs <= nowMs && taken < SAMPLES_PER_TURN_MAX) {
      this.#sampleOnce(this.#nextSampleMs);
      this.#nextSampleMs += this.#config.sampleIntervalMs;
      taken++;
    }
    if (this.#nextSampleMs <= nowMs) {
      // Behind by more than the catch-up budget: skip to the next slot after now.
      const behind = Math.floor((nowMs - this.#nextSampleMs) / this.#config.sampleIntervalMs) + 1;
      this.#samplesSkipped += behind;
      this.#nextSampleMs += behind * this.#config.sampleIntervalMs;
      this.#trace.word(AgentEvent.SamplesSkipped);
      this.#trace.word(behind);
    }
    return ErrorCode.Ok;
  }

  /** Milliseconds until the next turn has work (0 when overdue). */
  idleMs(): number {
    return Math.max(0, this.#nextSampleMs - this.#platform.clock.nowMs());
  }

  #sampleOnce(atMs: number): void {
    const status = this.#platform.sensor.sample(atMs, this.#reading, 0);
    if (status !== ErrorCode.Ok) {
      this.#sensorErrors++;
      this.#trace.word(AgentEvent.SensorError);
      this.#trace.word(status);
      return;
    }
    const value = this.#reading[0] ?? 0;
    this.#samples.push(value);
    this.#samplesTaken++;
    this.#lastSampleMilli = value;
    this.#trace.word(AgentEvent.Sample);
    this.#trace.integer(atMs);
    this.#trace.word(value);
  }

  /** A snapshot for reports and tests (allocates; not for the hot path). */
  status(): AgentStatus {
    return {
      nodeId: this.#config.nodeId,
      turns: this.#turns,
      samplesTaken: this.#samplesTaken,
      samplesSkipped: this.#samplesSkipped,
      sensorErrors: this.#sensorErrors,
      ringLength: this.#samples.length,
      ringCapacity: this.#samples.capacity,
      ringDropped: this.#samples.droppedCount,
      lastSampleMilli: this.#lastSampleMilli,
      traceEvents: this.#trace.count,
      traceHash: this.#trace.hex(),
    };
  }
}
