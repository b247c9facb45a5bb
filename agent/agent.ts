/**
 * The agent composition root (docs/architecture.md "Layers"): a validated site
 * configuration plus a platform (clock, opened sensors, transport, optional
 * block device and gateway sink) become a running agent.
 *
 * Tasks on the scheduler (core/runtime/scheduler.ts), each step wrapped by
 * the task boundary (task-boundary.ts: a throw is counted, logged and the
 * task restarted after a backoff; the others keep running):
 *
 * | task        | priority     | runs                                   | does                                            |
 * |-------------|--------------|----------------------------------------|-------------------------------------------------|
 * | mesh        | RadioReceive | radio interrupt / transport wake time (notifyRadio); every radio.meshTickMs as fallback | transport.tick, takeDelivery -> gateway role / counters, outcomes -> uplink |
 * | uplink      | Alerts       | every uplink.intervalMs; new alerts; outcomes; due retries | outbox -> wire -> transport.send |
 * | sampling[i] | Sampling     | every sensors[i].intervalMs (intake)   | sensor.sample -> TelemetryPipeline.ingestSensor |
 * | telemetry   | Background   | every min(windowMs, uplink.intervalMs) (intake) | pipeline.tick: close windows       |
 * | drain       | Background   | shutdown phase Draining                | send the routine telemetry left                 |
 * | flush       | Background   | shutdown phase Flushing                | persist outbox alerts, lifetime counters, clean-shutdown mark |
 *
 * Lifecycle: `createAgent` allocates everything (the only allocation); then
 * `start()`, then the driver (driver.ts, the one caller of `runDue`) calls
 * `runDue()` whenever `nextDeadlineMs` or the transport's wake time comes,
 * or the radio interrupts (`notifyRadio()` first). `requestShutdown()`
 * walks the scheduler's phases (stop intake -> drain -> flush -> leave ->
 * stop timers -> Stopped); a second request forces the stop. Steady state
 * allocates nothing (measured on XS: test/xs/agent.test.ts).
 *
 * Storage (persistence.ts): the boot count (the wire incarnation) is written
 * at every boot, pending alerts are written through, lifetime counters at a
 * graceful shutdown. Without a block device the agent runs without
 * persistence and says so in `status()`.
 */
import { ErrorCode, type FailureCode } from "../core/runtime/errors";
import { LogRing } from "../core/runtime/log-ring";
import { Priority } from "../core/runtime/priority";
import { err, ok, type Result, type Status } from "../core/runtime/result";
import { INTAKE_TOKEN, Scheduler } from "../core/runtime/scheduler";
import { ShutdownPhase } from "../core/runtime/shutdown";
import { StepResult, type TaskContext, type TaskStep } from "../core/runtime/task-context";
import { TraceHash } from "../core/runtime/trace-hash";
import { TelemetryPipeline } from "../core/telemetry/pipeline";
import type { BlockDevice } from "../core/storage/block-device";
import type { Clock } from "../hal/clock";
import type { Entropy } from "../hal/entropy";
import { SENSOR_CHANNELS_MAX, type Sensor } from "../hal/sensor";
import { AgentCounter, AgentMetrics } from "../core/telemetry/agent-metrics";
import { agentTaskCount, AgentRole, type SiteConfig } from "./config";
import { GatewayRole } from "../core/uplink/gateway";
import { CountingGatewaySink, type GatewaySink } from "../core/uplink/gateway-sink";
import { MeshTask, type MeshTaskHost } from "./mesh-task";
import { PendingAlerts } from "../core/uplink/pending-alerts";
import { AgentStore, LIFETIME_COUNTER_COUNT, LifetimeCounter, storeShapeOf } from "./persistence";
import { samplingStep, type SamplingContext } from "./sampling";
import { sensorPartInfo } from "./sensor-parts";
import { TaskBoundary, type TaskDispatcher } from "./task-boundary";
import { telemetryLayout } from "./telemetry-setup";
import type { Transport } from "../core/mesh/transport-port";
import type { NodeId } from "../core/runtime/ids";
import { Uplink, type UplinkOptions } from "../core/uplink/uplink";
import { ALERT_MESSAGE_BYTES } from "../core/uplink/wire";

export interface AgentPlatform {
  readonly clock: Clock;
  /** One opened sensor per `config.sensors` entry, same order, same channel count as the part. */
  readonly sensors: readonly Sensor[];
  readonly transport: Transport;
  /** The board's storage partition; absent = run without persistence. */
  readonly blockDevice?: BlockDevice;
  /** The store already mounted over `blockDevice` (boot mounts it first, for the transport); else it is opened here. */
  readonly store?: AgentStore;
  /** Gateway role: where collected records go (default: a counting sink). */
  readonly gatewaySink?: GatewaySink;
  /** Used once at boot to spread the sampling phases of the boards (default: derived from the node id). */
  readonly entropy?: Entropy;
}

/** Trace event codes of the agent itself (stable; folded into the trace hash). */
export const AgentEvent = Object.freeze({ Boot: 1, ShutdownRequested: 2 } as const);

/** Most scheduler turns one `runDue` call makes (the rest stay due: the host calls again at once). */
export const TURNS_PER_RUN_MAX = 64;
/** Work units one scheduler turn may start steps within. */
export const TURN_BUDGET_UNITS = 64;
/** From the first shutdown request to the forced stop. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How long a graceful shutdown waits for pending alerts to be acknowledged (drainStep), and how often it looks. */
export const ALERT_DRAIN_MS = SHUTDOWN_TIMEOUT_MS / 2;
export const ALERT_DRAIN_POLL_MS = 250;
/** Task restart policy of the boundary: 1 s, doubling to 60 s, at most 5 restarts per 10 minutes. */
export const RESTART_BACKOFF = Object.freeze({ baseMs: 1_000, capMs: 60_000, maxRestarts: 5, windowMs: 600_000 });

export interface AgentStatus {
  readonly nodeId: number;
  readonly role: string;
  readonly bootCount: number;
  readonly storageMounted: boolean;
  readonly previousShutdownClean: boolean;
  readonly phase: number;
  readonly turns: number;
  readonly samplesTaken: number;
  readonly sampleErrors: number;
  readonly samplesLate: number;
  readonly alertsRaised: number;
  readonly alertsDelivered: number;
  readonly alertsPending: number;
  readonly alertsAbandoned: number;
  readonly alertsRestored: number;
  readonly telemetryRecordsSent: number;
  readonly telemetryRecordsRefused: number;
  readonly routineDropped: number;
  readonly messagesReceived: number;
  readonly outboxLength: number;
  readonly outboxCapacity: number;
  readonly outboxHighWater: number;
  readonly taskFaults: number;
  readonly taskRestarts: number;
  readonly traceEvents: number;
  readonly traceHash: string;
}

interface Parts {
  readonly config: SiteConfig;
  readonly platform: AgentPlatform;
  readonly scheduler: Scheduler;
  readonly pipeline: TelemetryPipeline;
  readonly metrics: AgentMetrics;
  readonly log: LogRing;
  readonly boundary: TaskBoundary;
  readonly store: AgentStore;
  readonly pending: PendingAlerts;
  readonly gateway: GatewayRole | undefined;
  readonly firstChannel: readonly number[];
  readonly startMs: number;
  readonly trace: TraceHash;
}

/**
 * Build an agent for `config` on `platform` (allocates everything).
 * Errors: AgentFeatureMissing (role not in this image), AgentSensorMismatch,
 * InvalidArgument (transport messages too small for an alert, clock not a
 * safe integer), and the codes of the parts (telemetry, scheduler).
 */
export function createAgent(config: SiteConfig, platform: AgentPlatform): Result<Agent> {
  if (!PICKET_FEATURE_GATEWAY && config.role === AgentRole.Gateway) return err(ErrorCode.AgentFeatureMissing);
  if (!PICKET_FEATURE_CONSENSUS && config.role === AgentRole.Anchor) return err(ErrorCode.AgentFeatureMissing);
  if (platform.sensors.length !== config.sensors.length) return err(ErrorCode.AgentSensorMismatch);
  for (let i = 0; i < config.sensors.length; i++) {
    const expected = sensorPartInfo(config.sensors[i]?.part ?? 0)?.channels.length ?? -1;
    if (platform.sensors[i]?.channels.length !== expected) return err(ErrorCode.AgentSensorMismatch);
  }
  const startMs = platform.clock.nowMs();
  if (!Number.isSafeInteger(startMs) || startMs < 0 || platform.transport.maxMessageBytes < ALERT_MESSAGE_BYTES) return err(ErrorCode.InvalidArgument);
  const layout = telemetryLayout(config);
  const pipeline = TelemetryPipeline.create(layout.telemetry);
  if (!pipeline.ok) return err(pipeline.code);
  const metrics = AgentMetrics.create();
  if (!metrics.ok) return err(metrics.code);
  const log = LogRing.create({ capacityRecords: config.capacities.logRecords, fieldCount: 4 });
  if (!log.ok) return err(log.code);
  const scheduler = Scheduler.create({
    taskCapacity: agentTaskCount(config),
    timerCapacity: config.timerCapacity,
    turnBudgetUnits: TURN_BUDGET_UNITS,
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
    queueCapacity: 0,
    startMs,
  });
  if (!scheduler.ok) return err(scheduler.code);
  const boundary = TaskBoundary.create({ scheduler: scheduler.value, log: log.value, nodeId: config.nodeId, backoff: RESTART_BACKOFF });
  if (!boundary.ok) return err(boundary.code);
  const uplink = config.uplink;
  const pending = PendingAlerts.create({
    capacity: uplink.alertPendingCapacity,
    attemptsMax: uplink.alertAttemptsMax,
    retryBaseMs: uplink.alertRetryBaseMs,
    retryCapMs: uplink.alertRetryCapMs,
    inFlightTimeoutMs: 2 * uplink.alertRetryCapMs,
    gatewayCount: Math.max(1, config.gateways.length),
  });
  if (!pending.ok) return err(pending.code);
  const store = platform.store ?? AgentStore.open(platform.blockDevice, storeShapeOf(config));
  let gateway: GatewayRole | undefined;
  if (PICKET_FEATURE_GATEWAY && config.role === AgentRole.Gateway) {
    // Delivered alert identities survive reboots in the store (persistence.ts alertIdLog); unprovable, the gateway does not start.
    const logStatus = store.alertIdLogStatus;
    if (logStatus !== ErrorCode.Ok) return err(logStatus === ErrorCode.RingUnprovable ? ErrorCode.RingUnprovable : ErrorCode.AgentStorageUnavailable);
    const role = GatewayRole.create(platform.gatewaySink ?? new CountingGatewaySink(), config.capacities.dedupEntries, store.alertIdLog);
    if (!role.ok) return err(role.code);
    gateway = role.value;
  }
  if (store.mounted && store.recordBoot() !== ErrorCode.Ok) metrics.value.inc(AgentCounter.StorageWriteFailures);
  const parts: Parts = {
    config,
    platform,
    scheduler: scheduler.value,
    pipeline: pipeline.value,
    metrics: metrics.value,
    log: log.value,
    boundary: boundary.value,
    store,
    pending: pending.value,
    gateway,
    firstChannel: layout.firstChannel,
    startMs,
    trace: new TraceHash(),
  };
  return Agent.assemble(parts);
}

export class Agent implements TaskDispatcher, SamplingContext, UplinkOptions, MeshTaskHost {
  readonly config: SiteConfig;
  readonly scheduler: Scheduler;
  readonly pipeline: TelemetryPipeline;
  readonly metrics: AgentMetrics;
  readonly log: LogRing;
  readonly boundary: TaskBoundary;
  readonly store: AgentStore;
  readonly pending: PendingAlerts;
  readonly uplink: Uplink;
  /** The gateway role on a gateway node, else undefined. */
  readonly gateway: GatewayRole | undefined;
  private readonly platform_: AgentPlatform;
  private readonly trace_: TraceHash;
  /** Sampler s's periodic timer (sampler s is task SAMPLER_TASK_FIRST + s, its sensor platform.sensors[s]). */
  private readonly samplerTimers_: number[] = [];
  /** Pipeline index of each sensor's first channel. */
  private readonly firstChannel_: readonly number[];
  /** @internal The samplers' readings (SENSOR_CHANNELS_MAX), shared: their steps never overlap (SamplingContext). */
  readonly readings = new Int32Array(SENSOR_CHANNELS_MAX);
  private readonly mesh_: MeshTask;
  /** Lifetime counters: this boot's totals [0, COUNT), then what was stored at boot [COUNT, 2 COUNT) (one typed array: each costs heap on XS). */
  private readonly lifetime_ = new Float64Array(2 * LIFETIME_COUNTER_COUNT);
  /** Every task's step: the boundary's wrap of `dispatch` (one closure per agent, not two per task). */
  private readonly step_: TaskStep;
  private turns_ = 0;
  private started_ = false;

  /** @internal createAgent's second half: register tasks, arm timers, restore pending alerts. */
  static assemble(parts: Parts): Result<Agent> {
    const agent = new Agent(parts);
    const status = agent.register(parts);
    return status === ErrorCode.Ok ? ok(agent) : err(status as FailureCode);
  }

  private constructor(parts: Parts) {
    this.config = parts.config;
    this.scheduler = parts.scheduler;
    this.pipeline = parts.pipeline;
    this.metrics = parts.metrics;
    this.log = parts.log;
    this.boundary = parts.boundary;
    this.store = parts.store;
    this.store.readLifetime(this.lifetime_, LIFETIME_COUNTER_COUNT);
    this.pending = parts.pending;
    this.gateway = parts.gateway;
    this.platform_ = parts.platform;
    this.trace_ = parts.trace;
    this.firstChannel_ = parts.firstChannel;
    // The agent is the uplink's options and the mesh task's host: they keep one reference to it, not objects of their own.
    this.uplink = new Uplink(this, parts.startMs);
    this.mesh_ = new MeshTask(this);
    this.step_ = parts.boundary.wrapDispatcher(this);
    const trace = parts.trace;
    trace.word(AgentEvent.Boot);
    trace.word(parts.config.nodeId);
    trace.word(parts.store.bootCount);
    trace.integer(parts.startMs);
  }

  private register(parts: Parts): Status {
    const { config, scheduler } = parts;
    const radio = config.radio;
    if (this.task(Priority.RadioReceive, 16, false) !== MESH_TASK || this.task(Priority.Alerts, 16, true) !== UPLINK_TASK) return ErrorCode.InvalidArgument;
    if (this.task(Priority.Background, 4, false, INTAKE_TOKEN) !== TELEMETRY_TASK) return ErrorCode.InvalidArgument;
    if (this.hook(ShutdownPhase.Draining) !== DRAIN_TASK || this.hook(ShutdownPhase.Flushing) !== FLUSH_TASK) return ErrorCode.InvalidArgument;
    let armed = scheduler.arm(MESH_TASK, radio.meshTickMs, radio.meshTickMs);
    if (armed < 0) return -armed as Status;
    armed = scheduler.arm(UPLINK_TASK, config.uplink.intervalMs, config.uplink.intervalMs);
    if (armed < 0) return -armed as Status;
    const tickMs = telemetryTickMs(config);
    armed = scheduler.arm(TELEMETRY_TASK, tickMs, tickMs, INTAKE_TOKEN);
    if (armed < 0) return -armed as Status;
    const phaseSeed = this.phaseSeed();
    for (let s = 0; s < config.sensors.length; s++) {
      const sensorConfig = config.sensors[s];
      if (parts.platform.sensors[s] === undefined || sensorConfig === undefined) return ErrorCode.AgentSensorMismatch;
      const id = this.task(Priority.Sampling, 4, false, INTAKE_TOKEN);
      if (id < 0) return -id as Status;
      if (id !== SAMPLER_TASK_FIRST + s) return ErrorCode.InvalidArgument;
      const phaseMs = (Math.imul(phaseSeed ^ (s * 0x45d9f3b), 0x9e3779b1) >>> 0) % sensorConfig.intervalMs;
      const timer = scheduler.arm(id, phaseMs, sensorConfig.intervalMs, INTAKE_TOKEN);
      if (timer < 0) return -timer as Status;
      this.samplerTimers_.push(timer);
    }
    this.uplink.restoreAlerts(parts.startMs);
    return ErrorCode.Ok;
  }

  private task(priority: Priority, budgetUnits: number, startReady: boolean, tokenId?: number): number {
    const spec = { priority, budgetUnits, step: this.step_, startReady };
    return this.scheduler.registerTask(tokenId === undefined ? spec : { ...spec, tokenId });
  }

  private hook(phase: ShutdownPhase): number {
    return this.scheduler.registerTask({ priority: Priority.Background, budgetUnits: 64, step: this.step_, shutdownPhase: phase });
  }

  /** @internal One step of the task `ctx.taskId` names (the task boundary calls it; TaskDispatcher). */
  dispatch(ctx: TaskContext): StepResult {
    const task = ctx.taskId;
    if (task === MESH_TASK) return this.mesh_.step(ctx);
    if (task === UPLINK_TASK) return this.uplinkStep(ctx);
    if (task === TELEMETRY_TASK) return this.telemetryStep(ctx);
    if (task === DRAIN_TASK) return this.drainStep(ctx);
    if (task === FLUSH_TASK) return this.flushStep(ctx);
    const s = task - SAMPLER_TASK_FIRST;
    const sensor = this.platform_.sensors[s];
    const timer = this.samplerTimers_[s];
    return sensor === undefined || timer === undefined ? StepResult.Failed : samplingStep(ctx, this, sensor, this.firstChannel_[s] ?? 0, timer);
  }

  private phaseSeed(): number {
    const entropy = this.platform_.entropy;
    if (entropy !== undefined) {
      const bytes = new Uint8Array(4);
      if (entropy.fill(bytes) === ErrorCode.Ok) return ((bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8) | ((bytes[2] ?? 0) << 16) | ((bytes[3] ?? 0) << 24)) >>> 0;
    }
    return Math.imul(this.config.nodeId, 0x2545f491) >>> 0;
  }

  private uplinkStep(ctx: TaskContext): StepResult {
    const more = this.uplink.step(ctx.nowMs);
    ctx.spend(1);
    return more ? StepResult.Ready : StepResult.Idle;
  }

  private telemetryStep(ctx: TaskContext): StepResult {
    this.pipeline.tick(ctx.nowMs);
    if (this.pipeline.outbox.alertLength > 0) this.scheduler.wake(UPLINK_TASK);
    return StepResult.Idle;
  }

  /**
   * Send the routine telemetry left; then, while alerts wait for their
   * acknowledgement, keep draining (the mesh and uplink tasks run on, their
   * timers are not intake's) for at most ALERT_DRAIN_MS from the request,
   * looking again every ALERT_DRAIN_POLL_MS, so an alert raised just before
   * a graceful shutdown reaches a gateway before the board goes quiet. The
   * budget is half the shutdown timeout: flushing (the clean-shutdown mark,
   * the exact receive ceilings) always has time left. Alerts not
   * acknowledged by then stay in flash and are sent after the next boot.
   */
  private drainStep(ctx: TaskContext): StepResult {
    this.uplink.drainRoutine(ctx.nowMs);
    const scheduler = this.scheduler;
    if (this.pending.inUse === 0 || ctx.nowMs - scheduler.shutdown.requestedAtMs >= ALERT_DRAIN_MS) return StepResult.Done;
    // No timer free: do not wait (the alerts are in flash either way).
    return scheduler.arm(DRAIN_TASK, ALERT_DRAIN_POLL_MS) < 0 ? StepResult.Done : StepResult.Idle;
  }

  private flushStep(ctx: TaskContext): StepResult {
    this.uplink.persistOutboxAlerts(ctx.nowMs);
    const store = this.store;
    if (store.mounted) {
      const lifetime = this.lifetimeCounters();
      // Receive ceilings down to what was accepted: the next boot refuses none of the senders' coming frames.
      const ceilings = store.receiveCeilings;
      if (ceilings !== undefined && ceilings.seeded && ceilings.flushExact() !== ErrorCode.Ok) this.metrics.inc(AgentCounter.StorageWriteFailures);
      if (store.saveLifetime(lifetime) !== ErrorCode.Ok || store.recordCleanShutdown() !== ErrorCode.Ok) this.metrics.inc(AgentCounter.StorageWriteFailures);
    }
    return StepResult.Done;
  }

  // ------------------------------------------------------------------ host API

  /** End the setup phase. `Ok`, or the scheduler's `WrongState`/`Stopped`. */
  start(): Status {
    if (this.started_) return ErrorCode.WrongState;
    const status = this.scheduler.start();
    if (status === ErrorCode.Ok) this.started_ = true;
    return status;
  }

  /**
   * Run every turn that is due at the clock's time (at most TURNS_PER_RUN_MAX)
   * and return the time the host must call again (+Infinity once stopped).
   * Allocates nothing.
   */
  runDue(): number {
    const scheduler = this.scheduler;
    const nowMs = this.platform_.clock.nowMs();
    for (let i = 0; i < TURNS_PER_RUN_MAX && this.started_; i++) {
      if (scheduler.nextDeadlineMs() > nowMs) break;
      const status = scheduler.turn(nowMs);
      this.turns_++;
      if (status === ErrorCode.Stopped || status === ErrorCode.InvalidArgument || status === ErrorCode.WrongState) break;
    }
    return scheduler.nextDeadlineMs();
  }

  /** The radio has something: run the mesh task in the next turn. */
  notifyRadio(): void {
    if (!this.scheduler.shutdown.stopped) this.scheduler.wake(MESH_TASK);
  }

  /** Graceful shutdown (first call) or forced stop (second call); drive it with runDue. */
  requestShutdown(): Status {
    this.trace_.word(AgentEvent.ShutdownRequested);
    this.trace_.integer(this.scheduler.nowMs);
    return this.scheduler.requestShutdown();
  }

  get stopped(): boolean {
    return this.scheduler.shutdown.stopped;
  }

  get nextDeadlineMs(): number {
    return this.scheduler.nextDeadlineMs();
  }

  get trace(): TraceHash {
    return this.trace_;
  }

  /** The transport the agent sends through (the driver sleeps on its wake time and takes its interrupt). */
  get transport(): Transport {
    return this.platform_.transport;
  }

  get turns(): number {
    return this.turns_;
  }

  get samplingTaskCount(): number {
    return this.samplerTimers_.length;
  }

  /** @internal The uplink's task: what a sample that raised an alert, an outcome, or a due retry wakes (SamplingContext, MeshTaskHost). */
  get uplinkTask(): number {
    return UPLINK_TASK;
  }

  /** @internal This board's node id (UplinkOptions; validated by agent/config.ts). */
  get nodeId(): NodeId {
    return this.config.nodeId as NodeId;
  }

  /** @internal The site's gateways in order of preference (UplinkOptions; validated by agent/config.ts). */
  get gateways(): readonly NodeId[] {
    return this.config.gateways as readonly NodeId[];
  }

  /** @internal The routine telemetry interval (UplinkOptions). */
  get uplinkIntervalMs(): number {
    return this.config.uplink.intervalMs;
  }

  /** @internal Its congestion-adaptive ceiling and threshold (UplinkOptions). */
  get uplinkIntervalMaxMs(): number {
    return this.config.uplink.intervalMaxMs;
  }

  get uplinkBusyPermille(): number {
    return this.config.uplink.busyPermille;
  }

  /** @internal This node's own gateway role, if any (UplinkOptions). */
  get localGateway(): GatewayRole | undefined {
    return this.gateway;
  }

  /** @internal The wire incarnation: the durable boot count, 16 bits (UplinkOptions; boot was recorded before the agent was built). */
  get incarnation(): number {
    return this.store.bootCount & 0xffff;
  }

  /**
   * Lifetime counters (LifetimeCounter order, the first LIFETIME_COUNTER_COUNT
   * entries): stored ones plus this boot's. The array is reused; its next
   * LIFETIME_COUNTER_COUNT entries are the values stored at boot.
   */
  lifetimeCounters(): Float64Array {
    const m = this.metrics;
    const out = this.lifetime_;
    const base = LIFETIME_COUNTER_COUNT;
    out[LifetimeCounter.Samples] = (out[base + LifetimeCounter.Samples] ?? 0) + m.value(AgentCounter.Samples);
    out[LifetimeCounter.AlertsRaised] = (out[base + LifetimeCounter.AlertsRaised] ?? 0) + m.value(AgentCounter.AlertsRaised);
    out[LifetimeCounter.AlertsDelivered] = (out[base + LifetimeCounter.AlertsDelivered] ?? 0) + m.value(AgentCounter.AlertsDelivered);
    out[LifetimeCounter.TelemetryRecordsSent] = (out[base + LifetimeCounter.TelemetryRecordsSent] ?? 0) + m.value(AgentCounter.TelemetryRecordsSent);
    return out;
  }

  /** A lifetime counter as stored when this boot began (0 when none was). */
  lifetimeAtBoot(counter: number): number {
    return this.lifetime_[LIFETIME_COUNTER_COUNT + counter] ?? 0;
  }

  /**
   * Every bound holds: outbox, histories and pending table within capacity
   * with their accounting identities, the scheduler sound, the log ring and
   * the gateway's duplicate filter within capacity. `undefined` when all hold,
   * else what is wrong (allocates only then). For invariant checkers.
   */
  checkCapacities(): string | undefined {
    if (this.pipeline.checkInvariants() !== ErrorCode.Ok) return "telemetry pipeline (outbox or history) broke a bound";
    const outbox = this.pipeline.outbox;
    if (outbox.length > outbox.capacity || outbox.highWater > outbox.capacity) return `outbox holds ${outbox.length} of ${outbox.capacity}`;
    if (this.pending.checkInvariants() !== ErrorCode.Ok) return `pending alerts ${this.pending.inUse} of ${this.pending.capacity}`;
    if (this.scheduler.checkInvariants() !== ErrorCode.Ok) return "scheduler invariants broken";
    if (this.log.size > this.log.capacityRecords) return `log ring holds ${this.log.size} of ${this.log.capacityRecords}`;
    const gateway = this.gateway;
    if (gateway !== undefined && gateway.dedupSize > gateway.dedupCapacity) return "gateway duplicate filter over capacity";
    return undefined;
  }

  /** A snapshot for reports and tests (allocates; not for the hot path). */
  status(): AgentStatus {
    const m = this.metrics;
    const outbox = this.pipeline.outbox;
    let faults = 0;
    let restarts = 0;
    for (let task = 0; task < this.scheduler.taskCount; task++) {
      faults += this.boundary.faultCount(task);
      restarts += this.boundary.restartCount(task);
    }
    return {
      nodeId: this.config.nodeId,
      role: this.config.role,
      bootCount: this.store.bootCount,
      storageMounted: this.store.mounted,
      previousShutdownClean: this.store.previousShutdownClean,
      phase: this.scheduler.phase,
      turns: this.turns_,
      samplesTaken: m.value(AgentCounter.Samples),
      sampleErrors: m.value(AgentCounter.SampleErrors),
      samplesLate: m.value(AgentCounter.SamplesLate),
      alertsRaised: m.value(AgentCounter.AlertsRaised),
      alertsDelivered: m.value(AgentCounter.AlertsDelivered),
      alertsPending: this.pending.inUse,
      alertsAbandoned: m.value(AgentCounter.AlertsAbandoned),
      alertsRestored: m.value(AgentCounter.AlertsRestored),
      telemetryRecordsSent: m.value(AgentCounter.TelemetryRecordsSent),
      telemetryRecordsRefused: m.value(AgentCounter.TelemetryRecordsRefused),
      routineDropped: outbox.routineDroppedForAlert + outbox.routineDroppedForRoutine + outbox.routineRefused,
      messagesReceived: m.value(AgentCounter.MessagesReceived),
      outboxLength: outbox.length,
      outboxCapacity: outbox.capacity,
      outboxHighWater: outbox.highWater,
      taskFaults: faults,
      taskRestarts: restarts,
      traceEvents: this.trace_.count,
      traceHash: this.trace_.hex(),
    };
  }
}

/**
 * Task ids: the scheduler numbers tasks 0, 1, 2, ... in registration order,
 * and `register` registers them in this order (checked there), so they are
 * constants rather than fields of every agent. Sampler s is task SAMPLER_TASK_FIRST + s.
 */
const MESH_TASK = 0;
const UPLINK_TASK = 1;
const TELEMETRY_TASK = 2;
const DRAIN_TASK = 3;
const FLUSH_TASK = 4;
const SAMPLER_TASK_FIRST = 5;

/** Telemetry tick period: windows close within one tick of their end. */
export function telemetryTickMs(config: SiteConfig): number {
  let tickMs = config.uplink.intervalMs;
  for (let s = 0; s < config.sensors.length; s++) {
    const windowMs = config.sensors[s]?.windowMs ?? tickMs;
    if (windowMs < tickMs) tickMs = windowMs;
  }
  return tickMs;
}
