/**
 * One sampling task per configured sensor: on each fire of its periodic
 * timer, take one sample of every channel and feed it to the telemetry
 * pipeline (ARCHITECTURE.md "How data flows": Sensor.sample -> telemetry
 * ring -> window aggregate / rules).
 *
 * A turn that comes more than one period late samples once, at the turn's
 * time, and counts the periods it skipped (no catch-up burst: readings are
 * only meaningful at the time they are taken). When a sample produced an
 * alert, the uplink task is woken at once (Alerts outrank Sampling).
 * The timer is bound to the intake token: graceful shutdown ends sampling
 * first. Nothing is allocated per sample.
 */
import { ErrorCode } from "../core/runtime/errors";
import type { Scheduler } from "../core/runtime/scheduler";
import { StepResult, type TaskContext } from "../core/runtime/task-context";
import type { TelemetryPipeline } from "../core/telemetry/pipeline";
import type { TraceHash } from "../core/runtime/trace-hash";
import { SENSOR_CHANNELS_MAX, type Sensor } from "../hal/sensor";
import { AgentCounter, type AgentMetrics } from "./agent-metrics";

export const SamplingEvent = Object.freeze({ Sample: 0x11, SampleError: 0x12, SamplesLate: 0x13 } as const);

export class SamplingTask {
  readonly #scheduler: Scheduler;
  readonly #sensor: Sensor;
  readonly #pipeline: TelemetryPipeline;
  readonly #metrics: AgentMetrics;
  readonly #trace: TraceHash;
  readonly #firstChannel: number;
  readonly #channelCount: number;
  /** SENSOR_CHANNELS_MAX readings; samplers of one agent share one array (steps never overlap). */
  readonly #readings: Int32Array;
  /** The periodic timer's handle (set by the agent after arming it). */
  timer = -1;
  /** Woken when a sample leaves an alert in the outbox (set by the agent). */
  uplinkTask = -1;
  #samples = 0;

  constructor(scheduler: Scheduler, sensor: Sensor, firstChannel: number, pipeline: TelemetryPipeline, metrics: AgentMetrics, trace: TraceHash, readings = new Int32Array(SENSOR_CHANNELS_MAX)) {
    this.#readings = readings.length >= SENSOR_CHANNELS_MAX ? readings : new Int32Array(SENSOR_CHANNELS_MAX);
    this.#scheduler = scheduler;
    this.#sensor = sensor;
    this.#pipeline = pipeline;
    this.#metrics = metrics;
    this.#trace = trace;
    this.#firstChannel = firstChannel;
    this.#channelCount = sensor.channels.length;
  }

  get samples(): number {
    return this.#samples;
  }

  /** One sampling step (the agent calls it for this sampler's task; a method, not a closure per instance). */
  step(ctx: TaskContext): StepResult {
    const fires = this.#scheduler.takeFires(this.timer);
    if (fires <= 0) return StepResult.Idle; // woken without a fire (a restart): wait for the timer
    const metrics = this.#metrics;
    const trace = this.#trace;
    if (fires > 1) {
      metrics.inc(AgentCounter.SamplesLate, fires - 1);
      trace.word(SamplingEvent.SamplesLate);
      trace.word(fires - 1);
    }
    const nowMs = ctx.nowMs;
    const readings = this.#readings;
    const status = this.#sensor.sample(nowMs, readings, 0);
    this.#samples++;
    metrics.inc(AgentCounter.Samples);
    ctx.spend(1);
    if (status !== ErrorCode.Ok) {
      metrics.inc(AgentCounter.SampleErrors);
      trace.word(SamplingEvent.SampleError);
      trace.word(status);
    } else {
      trace.word(SamplingEvent.Sample);
      trace.word(readings[0] ?? 0);
    }
    const outbox = this.#pipeline.outbox;
    const alertsBefore = outbox.alertsAccepted;
    const ingested = this.#pipeline.ingestSensor(this.#firstChannel, nowMs, status, readings, 0, this.#channelCount);
    // Sensor codes (hal, 900..999) were counted above; anything else is the pipeline refusing a reading.
    if (ingested !== ErrorCode.Ok && (ingested < 900 || ingested > 999)) metrics.inc(AgentCounter.IngestRefused);
    if (outbox.alertsAccepted !== alertsBefore && this.uplinkTask >= 0) this.#scheduler.wake(this.uplinkTask);
    return StepResult.Idle;
  }
}
