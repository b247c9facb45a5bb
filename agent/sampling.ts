/**
 * One sampling task per configured sensor: on each fire of its periodic
 * timer, take one sample of every channel and feed it to the telemetry
 * pipeline (docs/architecture.md "Data flow": Sensor.sample -> telemetry
 * ring -> window aggregate / rules).
 *
 * A turn that comes more than one period late samples once, at the turn's
 * time, and counts the periods it skipped (no catch-up burst: readings are
 * only meaningful at the time they are taken). When a sample produced an
 * alert, the uplink task is woken at once (Alerts outrank Sampling).
 * The timer is bound to the intake token: graceful shutdown ends sampling
 * first. Nothing is allocated per sample.
 *
 * A function, not an object per sensor: what a sampler needs is the
 * agent's (scheduler, pipeline, counters, trace, one readings array the
 * samplers share since their steps never overlap) plus the sensor, its
 * first pipeline channel and its timer, which the agent keeps (each object
 * costs a board heap slots: README "Board memory on the board's terms").
 */
import { ErrorCode } from "../core/runtime/errors";
import type { Scheduler } from "../core/runtime/scheduler";
import { StepResult, type TaskContext } from "../core/runtime/task-context";
import type { TelemetryPipeline } from "../core/telemetry/pipeline";
import type { TraceHash } from "../core/runtime/trace-hash";
import type { Sensor } from "../hal/sensor";
import { AgentCounter, type AgentMetrics } from "../core/telemetry/agent-metrics";

export const SamplingEvent = Object.freeze({ Sample: 0x11, SampleError: 0x12, SamplesLate: 0x13 } as const);

/** What every sampler of an agent shares. */
export interface SamplingContext {
  readonly scheduler: Scheduler;
  readonly pipeline: TelemetryPipeline;
  readonly metrics: AgentMetrics;
  readonly trace: TraceHash;
  /** SENSOR_CHANNELS_MAX readings. */
  readonly readings: Int32Array;
  /** Woken when a sample leaves an alert in the outbox. */
  readonly uplinkTask: number;
}

/** One sampling step of `sensor` (pipeline channels from `firstChannel` on), whose periodic timer is `timer`. */
export function samplingStep(ctx: TaskContext, shared: SamplingContext, sensor: Sensor, firstChannel: number, timer: number): StepResult {
  const fires = shared.scheduler.takeFires(timer);
  if (fires <= 0) return StepResult.Idle; // woken without a fire (a restart): wait for the timer
  const metrics = shared.metrics;
  const trace = shared.trace;
  if (fires > 1) {
    metrics.inc(AgentCounter.SamplesLate, fires - 1);
    trace.word(SamplingEvent.SamplesLate);
    trace.word(fires - 1);
  }
  const nowMs = ctx.nowMs;
  const readings = shared.readings;
  const status = sensor.sample(nowMs, readings, 0);
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
  const pipeline = shared.pipeline;
  const alertsBefore = pipeline.outbox.alertsAccepted;
  const ingested = pipeline.ingestSensor(firstChannel, nowMs, status, readings, 0, sensor.channels.length);
  // Sensor codes (hal, 900..999) were counted above; anything else is the pipeline refusing a reading.
  if (ingested !== ErrorCode.Ok && (ingested < 900 || ingested > 999)) metrics.inc(AgentCounter.IngestRefused);
  if (pipeline.outbox.alertsAccepted !== alertsBefore && shared.uplinkTask >= 0) shared.scheduler.wake(shared.uplinkTask);
  return StepResult.Idle;
}
