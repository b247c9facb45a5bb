/**
 * The deterministic simulation kernel (models: TigerBeetle's VOPR,
 * FoundationDB's simulation): a whole mesh of sans-IO nodes in one process,
 * in virtual time, with faults drawn from one seed.
 *
 * A run is a sequence of events in virtual time. Two sources feed it: the
 * fault plan's timeline (starts, crashes, pauses, partitions, clogs; drawn
 * at creation, fault-plan.ts) and the event queue (deliveries and timers,
 * event-queue.ts). The earlier one goes next; at equal times the timeline
 * goes first. After every event every invariant is checked; the first
 * violation stops the run with {seed, event index, invariant, detail}.
 * Every event is folded into a running trace hash: same seed, same code =>
 * same hash, on V8 and on XS.
 *
 * Everything is sized at creation from the scenario; processing an event
 * allocates nothing (components may, at their own cost).
 */
import { ErrorCode, type FailureCode } from "../../core/runtime/errors";
import { guardStatus } from "../../core/runtime/guard";
import type { Xoshiro128 } from "../../core/runtime/prng";
import { OK, type Status } from "../../core/runtime/result";
import { TraceHash } from "../../core/runtime/trace-hash";
import { NodeContext, type KernelPorts } from "./context";
import { KERNEL_COUNTER_COUNT, KernelCounter } from "./counters";
import { localTimeMs, virtualDelayMs } from "./drift";
import { EventQueue, QueuedKind, type QueuedEvent } from "./event-queue";
import { buildFaultPlan, ControlKind, type PartitionTable, type Timeline } from "./fault-plan";
import { EventOutcome, NodeState, SimEventKind, SimEventView, type Invariant, type InvariantFactory, type SimInspect } from "./inspect";
import { checksumBytes, CopyOutcome, Network } from "./network";
import type { SimNode, SimWorkload } from "./node";
import { SimLimit, type SimScenario } from "./scenario";
import { createStream, StreamPurpose } from "./streams";
import { buildTopology, edgeIndex, type Topology } from "./topology";

export const RunState = Object.freeze({
  Running: 0,
  /** Virtual time reached the scenario's duration. */
  Finished: 1,
  /** An invariant failed; see `violation`. */
  Violated: 2,
  /** A component threw inside a callback; see `violation`. */
  Faulted: 3,
  /** The event queue was full; see `violation`. */
  QueueFull: 4,
} as const);

export type RunState = (typeof RunState)[keyof typeof RunState];

/** Why a run stopped early, with what is needed to reproduce it. */
export interface SimViolation {
  /** SimInvariantViolated, SimComponentFault or SimEventQueueFull. */
  readonly code: FailureCode;
  readonly seed: number;
  readonly eventIndex: number;
  readonly timeMs: number;
  readonly invariant: string;
  readonly detail: string;
}

export interface SimKernelOptions {
  readonly invariants: readonly InvariantFactory[];
  /**
   * Turn an exception thrown by a component into a reported fault (default).
   * Off, the exception propagates with its stack: for debugging one seed.
   */
  readonly guardComponents: boolean;
}

export type SimKernelBuild =
  | { readonly ok: true; readonly kernel: SimKernel }
  | { readonly ok: false; readonly code: FailureCode; readonly problems: readonly string[] };

// What the guarded dispatch thunk is to call (set just before it runs).
const Call = Object.freeze({ Start: 1, Message: 2, Timer: 3, Crash: 4, Restart: 5 } as const);

/** Queue slots when the scenario leaves the capacity to the kernel. */
function derivedQueueCapacity(scenario: SimScenario, topology: Topology): number {
  const link = scenario.link;
  const holdSeconds = Math.floor((link.latencyMaxMs + link.reorderDelayMaxMs + 999) / 1000) + 1;
  // About one message per busy link per second; capped at 32 links a node so a
  // dense mesh does not reserve gigabytes. Too small shows up as a reported
  // queue overflow, fixed with limits.eventQueueCapacity (--queue).
  const busyLinks = Math.min(topology.edgeCount, 32 * scenario.nodeCount);
  const messages = busyLinks * holdSeconds * 2; // x2: duplicates and replies
  const wanted = scenario.nodeCount * scenario.limits.timersPerNode + messages + 1024;
  return Math.max(SimLimit.eventQueueCapacityMin, Math.min(SimLimit.eventQueueCapacityMax, wanted));
}

export class SimKernel implements SimInspect, KernelPorts {
  readonly seed: number;
  readonly nodeCount: number;
  readonly scenario: SimScenario;
  readonly workload: SimWorkload;
  readonly topology: Topology;
  readonly partitions: PartitionTable;
  readonly event: SimEventView;
  readonly trace = new TraceHash();
  readonly #timeline: Timeline;
  readonly #queue: EventQueue;
  readonly #network: Network;
  readonly #nodes: readonly SimNode[];
  readonly #contexts: readonly NodeContext[];
  readonly #invariants: Invariant[] = [];
  readonly #counters = new Float64Array(KERNEL_COUNTER_COUNT);
  readonly #workloadCounters: Float64Array;
  readonly #workloadTotals: Float64Array;
  readonly #counterCount: number;
  readonly #state: Uint8Array;
  readonly #everStarted: Uint8Array;
  readonly #crashedUntilMs: Float64Array;
  readonly #pausedUntilMs: Float64Array;
  readonly #incarnation: Uint32Array;
  readonly #deliveredTo: Float64Array;
  readonly #driftPpm: Int32Array;
  readonly #offsetMs: Float64Array;
  readonly #timersPerNode: number;
  /** Per (node, timer id): the queue slot of the armed timer, or -1. */
  readonly #timerSlot: Int32Array;
  /** The buffer handed to onMessage (the node may scribble on it). */
  readonly #nodeBytes: Uint8Array;
  readonly #guardComponents: boolean;
  readonly #dispatchThunk: () => void;
  #timelineCursor = 0;
  #nowMs = 0;
  /** Events in a row at the current virtual time (a zero-delay loop never lets time advance). */
  #eventsThisInstant = 0;
  #eventIndex = 0;
  #runState: RunState = RunState.Running;
  #violation: SimViolation | undefined = undefined;
  /** The node whose callback is running, or -1: contexts act only for it. */
  #activeNode = -1;
  #callKind = 0;
  #callNode = 0;
  #callFrom = 0;
  #callArg = 0;

  static create(scenario: SimScenario, workload: SimWorkload, options: SimKernelOptions): SimKernelBuild {
    const built = buildTopology(scenario, createStream(scenario.seed, StreamPurpose.Topology, 0));
    if (!built.ok) return { ok: false, code: ErrorCode.SimInvalidScenario, problems: built.problems };
    const topology = built.topology;
    const capacity = scenario.limits.eventQueueCapacity > 0 ? scenario.limits.eventQueueCapacity : derivedQueueCapacity(scenario, topology);
    const queue = EventQueue.create(capacity, scenario.limits.maxMessageBytes);
    if (!queue.ok) return { ok: false, code: ErrorCode.SimInvalidScenario, problems: [`limits.eventQueueCapacity: cannot make a queue of ${capacity} events`] };
    const kernel = new SimKernel(scenario, workload, topology, queue.value, options.guardComponents);
    for (const factory of options.invariants) kernel.#invariants.push(factory(kernel));
    return { ok: true, kernel };
  }

  private constructor(scenario: SimScenario, workload: SimWorkload, topology: Topology, queue: EventQueue, guardComponents: boolean) {
    const n = scenario.nodeCount;
    this.scenario = scenario;
    this.workload = workload;
    this.seed = scenario.seed;
    this.nodeCount = n;
    this.topology = topology;
    this.#queue = queue;
    this.#guardComponents = guardComponents;
    const plan = buildFaultPlan(scenario, topology, createStream(scenario.seed, StreamPurpose.Faults, 0), createStream(scenario.seed, StreamPurpose.Start, 0));
    this.#timeline = plan.timeline;
    this.partitions = plan.partitions;
    const networkStreams: Xoshiro128[] = [];
    for (let node = 0; node < n; node++) networkStreams.push(createStream(scenario.seed, StreamPurpose.Network, node));
    this.#network = new Network(topology, plan.partitions, queue, this.#counters, this.trace, networkStreams);
    this.event = new SimEventView(scenario.limits.maxMessageBytes);
    this.#nodeBytes = new Uint8Array(scenario.limits.maxMessageBytes);
    this.#counterCount = workload.counterNames.length;
    this.#workloadCounters = new Float64Array(n * this.#counterCount);
    this.#workloadTotals = new Float64Array(this.#counterCount);
    this.#state = new Uint8Array(n);
    this.#everStarted = new Uint8Array(n);
    this.#crashedUntilMs = new Float64Array(n);
    this.#pausedUntilMs = new Float64Array(n);
    this.#incarnation = new Uint32Array(n);
    this.#deliveredTo = new Float64Array(n);
    this.#timersPerNode = scenario.limits.timersPerNode;
    this.#timerSlot = new Int32Array(n * this.#timersPerNode).fill(-1);
    this.#driftPpm = new Int32Array(n);
    this.#offsetMs = new Float64Array(n);
    this.drawClocks_(scenario);
    const nodes: SimNode[] = [];
    const contexts: NodeContext[] = [];
    for (let node = 0; node < n; node++) {
      contexts.push(new NodeContext(node, createStream(scenario.seed, StreamPurpose.Node, node), this));
      nodes.push(workload.createNode(node));
    }
    this.#nodes = nodes;
    this.#contexts = contexts;
    this.#dispatchThunk = (): void => {
      this.dispatch_();
    };
  }

  private drawClocks_(scenario: SimScenario): void {
    const random = createStream(scenario.seed, StreamPurpose.Clock, 0);
    const clock = scenario.clock;
    for (let node = 0; node < scenario.nodeCount; node++) {
      this.#driftPpm[node] = clock.driftPpmMax > 0 ? random.nextBelow(2 * clock.driftPpmMax + 1) - clock.driftPpmMax : 0;
      this.#offsetMs[node] = clock.offsetMsMax > 0 ? random.nextBelow(clock.offsetMsMax + 1) : 0;
    }
    for (const entry of clock.nodes) {
      this.#driftPpm[entry.node] = entry.driftPpm;
      this.#offsetMs[entry.node] = entry.offsetMs;
    }
  }

  // ---------------------------------------------------------------- running

  get runState(): RunState {
    return this.#runState;
  }

  get violation(): SimViolation | undefined {
    return this.#violation;
  }

  /** Virtual time of the last event (the duration once finished). */
  get nowMs(): number {
    return this.#nowMs;
  }

  /** Names of the invariants checked after every event, in the order they run. */
  get invariantNames(): readonly string[] {
    return this.#invariants.map((invariant) => invariant.name);
  }

  /** Events processed so far. */
  get eventCount(): number {
    return this.#eventIndex;
  }

  get queue(): EventQueue {
    return this.#queue;
  }

  get network(): Network {
    return this.#network;
  }

  /** Virtual time of the next event (queued or scripted), +Infinity when none is left. */
  get nextEventMs(): number {
    const cursor = this.#timelineCursor;
    const timeline = this.#timeline;
    const controlMs = cursor < timeline.length ? (timeline.timeMs[cursor] ?? 0) : Number.POSITIVE_INFINITY;
    const queuedMs = this.#queue.peekTimeMs();
    return controlMs <= queuedMs ? controlMs : queuedMs;
  }

  /**
   * Process up to `maxEvents` events (or until the run ends), none later
   * than `untilMs`. Returns the run state: `Running` means the budget ran
   * out first, or the next event is after `untilMs` (`nowMs` then stays at
   * the last event's time); call again.
   */
  runFor(maxEvents: number, untilMs: number = Number.POSITIVE_INFINITY): RunState {
    const timeline = this.#timeline;
    const durationMs = this.scenario.durationMs;
    for (let i = 0; i < maxEvents && this.#runState === RunState.Running; i++) {
      const cursor = this.#timelineCursor;
      const controlMs = cursor < timeline.length ? (timeline.timeMs[cursor] ?? 0) : Number.POSITIVE_INFINITY;
      const queuedMs = this.#queue.peekTimeMs();
      const nextMs = controlMs <= queuedMs ? controlMs : queuedMs;
      if (nextMs > untilMs && untilMs < durationMs) break;
      if (nextMs > durationMs) {
        this.#nowMs = durationMs;
        this.#runState = RunState.Finished;
        break;
      }
      this.#eventsThisInstant = nextMs === this.#nowMs ? this.#eventsThisInstant + 1 : 1;
      this.#nowMs = nextMs;
      this.event.index = this.#eventIndex;
      this.event.timeMs = nextMs;
      if (controlMs <= queuedMs) this.processControl_(cursor);
      else this.processQueued_();
      this.#eventIndex++;
      this.#counters[KernelCounter.events] = this.#eventIndex;
      if (this.#runState === RunState.Running) this.afterEvent_();
    }
    return this.#runState;
  }

  /** Run to the end, at most `maxEvents` events in all. */
  run(maxEvents: number = Number.MAX_SAFE_INTEGER): RunState {
    return this.runFor(maxEvents);
  }

  private afterEvent_(): void {
    if (this.#eventsThisInstant > SimLimit.eventsPerInstantMax) {
      this.stop_(RunState.Violated, "virtual-time-advances", `${this.#eventsThisInstant} events at ${this.#nowMs} ms without time moving (a zero-delay loop?)`);
      return;
    }
    if (this.#queue.fullCount > 0) {
      const capacity = this.#queue.capacity;
      this.stop_(RunState.QueueFull, "event-queue-capacity", `the event queue (${capacity} slots) was full; raise limits.eventQueueCapacity (picket sim --queue N)`);
      return;
    }
    const invariants = this.#invariants;
    for (let i = 0; i < invariants.length; i++) {
      const invariant = invariants[i];
      if (invariant === undefined) continue;
      const detail = invariant.check(this);
      if (detail !== undefined) {
        this.stop_(RunState.Violated, invariant.name, detail);
        return;
      }
    }
  }

  private stop_(state: RunState, invariant: string, detail: string): void {
    this.#runState = state;
    const code = state === RunState.QueueFull ? ErrorCode.SimEventQueueFull : state === RunState.Faulted ? ErrorCode.SimComponentFault : ErrorCode.SimInvariantViolated;
    this.#violation = Object.freeze({ code, seed: this.seed, eventIndex: this.event.index, timeMs: this.event.timeMs, invariant, detail });
  }

  // ------------------------------------------------------- control events

  private processControl_(cursor: number): void {
    const timeline = this.#timeline;
    this.#timelineCursor = cursor + 1;
    const kind = timeline.kind[cursor] ?? 0;
    const target = timeline.target[cursor] ?? 0;
    const untilMs = timeline.untilMs[cursor] ?? 0;
    const event = this.event;
    event.node = -1;
    event.from = -1;
    event.edge = -1;
    event.target = target;
    let done = true;
    switch (kind) {
      case ControlKind.Start:
        event.kind = SimEventKind.Start;
        event.node = target;
        done = this.start_(target);
        break;
      case ControlKind.Crash:
        event.kind = SimEventKind.Crash;
        event.node = target;
        done = this.crash_(target, untilMs);
        break;
      case ControlKind.Restart:
        event.kind = SimEventKind.Restart;
        event.node = target;
        done = this.restart_(target);
        break;
      case ControlKind.Pause:
        event.kind = SimEventKind.Pause;
        event.node = target;
        done = this.pause_(target, untilMs);
        break;
      case ControlKind.Resume:
        event.kind = SimEventKind.Resume;
        event.node = target;
        done = this.resume_(target);
        break;
      default:
        done = this.processLinkControl_(kind, target);
    }
    event.outcome = done ? EventOutcome.Done : EventOutcome.Ignored;
    if (!done) this.count_(KernelCounter.controlIgnored);
    this.foldEvent_();
    this.trace.word(target);
  }

  private processLinkControl_(kind: number, target: number): boolean {
    const event = this.event;
    const network = this.#network;
    if (kind === ControlKind.PartitionStart) {
      event.kind = SimEventKind.PartitionStart;
      network.partitionStart(target);
      this.count_(KernelCounter.partitionsStarted);
      return true;
    }
    if (kind === ControlKind.PartitionEnd) {
      event.kind = SimEventKind.PartitionEnd;
      network.partitionEnd(target);
      this.count_(KernelCounter.partitionsHealed);
      return true;
    }
    event.edge = target;
    if (kind === ControlKind.Clog) {
      event.kind = SimEventKind.Clog;
      network.clog(target);
      this.count_(KernelCounter.linksClogged);
      return true;
    }
    event.kind = SimEventKind.Unclog;
    const unclogged = network.unclog(target);
    if (unclogged) this.count_(KernelCounter.linksUnclogged);
    return unclogged;
  }

  private start_(node: number): boolean {
    if (this.#state[node] !== NodeState.NotStarted) return false;
    this.#state[node] = NodeState.Running;
    this.#everStarted[node] = 1;
    this.call_(Call.Start, node, 0, 0);
    return true;
  }

  private crash_(node: number, untilMs: number): boolean {
    if (this.#state[node] === NodeState.Crashed) {
      // Overlapping outages: the node stays down until the later one ends.
      this.#crashedUntilMs[node] = Math.max(this.#crashedUntilMs[node] ?? 0, untilMs);
      return false;
    }
    this.#state[node] = NodeState.Crashed;
    this.#crashedUntilMs[node] = untilMs;
    this.#incarnation[node] = ((this.#incarnation[node] ?? 0) + 1) >>> 0;
    this.cancelAllTimers_(node);
    this.count_(KernelCounter.crashes);
    if (this.#everStarted[node] === 1) this.call_(Call.Crash, node, 0, 0);
    return true;
  }

  private restart_(node: number): boolean {
    if (this.#state[node] !== NodeState.Crashed || this.#nowMs < (this.#crashedUntilMs[node] ?? 0)) return false;
    this.#state[node] = NodeState.Running;
    this.count_(KernelCounter.restarts);
    if (this.#everStarted[node] === 1) {
      this.call_(Call.Restart, node, 0, 0);
    } else {
      this.#everStarted[node] = 1; // crashed before its first boot: this is the first boot
      this.call_(Call.Start, node, 0, 0);
    }
    return true;
  }

  private pause_(node: number, untilMs: number): boolean {
    const state = this.#state[node];
    if (state === NodeState.Paused) {
      this.#pausedUntilMs[node] = Math.max(this.#pausedUntilMs[node] ?? 0, untilMs);
      return true;
    }
    if (state !== NodeState.Running) return false;
    this.#state[node] = NodeState.Paused;
    this.#pausedUntilMs[node] = untilMs;
    this.count_(KernelCounter.pauses);
    return true;
  }

  private resume_(node: number): boolean {
    if (this.#state[node] !== NodeState.Paused || this.#nowMs < (this.#pausedUntilMs[node] ?? 0)) return false;
    this.#state[node] = NodeState.Running;
    this.count_(KernelCounter.resumes);
    return true;
  }

  private cancelAllTimers_(node: number): void {
    const base = node * this.#timersPerNode;
    for (let t = 0; t < this.#timersPerNode; t++) {
      const slot = this.#timerSlot[base + t] ?? -1;
      if (slot < 0) continue;
      this.#queue.cancel(slot);
      this.#timerSlot[base + t] = -1;
      this.count_(KernelCounter.timersCancelled);
    }
  }

  // -------------------------------------------------------- queued events

  private processQueued_(): void {
    const queue = this.#queue;
    const slot = queue.pop();
    const record = slot < 0 ? undefined : queue.record(slot);
    if (record === undefined) {
      // Unreachable while pool and heap agree (EventQueue.checkInvariants).
      this.stop_(RunState.Faulted, "kernel-event-queue", `popped slot ${slot} holds no event`);
      return;
    }
    if (record.kind === QueuedKind.Deliver) this.deliver_(slot, record);
    else this.fireTimer_(slot, record);
  }

  private deliver_(slot: number, record: QueuedEvent): void {
    const event = this.event;
    const to = record.node;
    const from = record.from;
    const lengthBytes = record.lengthBytes;
    const queue = this.#queue;
    const payload = queue.payload;
    const offset = queue.payloadOffset(slot);
    const kernelCopy = event.bytes;
    const nodeCopy = this.#nodeBytes;
    for (let i = 0; i < lengthBytes; i++) {
      const byte = payload[offset + i] ?? 0;
      kernelCopy[i] = byte;
      nodeCopy[i] = byte;
    }
    event.kind = SimEventKind.Deliver;
    event.node = to;
    event.from = from;
    event.edge = record.edge;
    event.edgeSeq = record.edgeSeq;
    event.copy = record.copy;
    event.lengthBytes = lengthBytes;
    event.sentChecksum = record.checksum;
    event.target = 0;
    queue.release(slot);
    const state = this.#state[to];
    const outcome = this.#network.arrive(from, to, record.edge, state === NodeState.Running, state === NodeState.Paused);
    event.outcome = outcome;
    this.foldEvent_();
    this.trace.word(from);
    this.trace.word((lengthBytes << 8) | record.copy);
    this.trace.word(checksumBytes(kernelCopy, lengthBytes));
    if (outcome !== CopyOutcome.Delivered) return;
    this.#deliveredTo[to] = (this.#deliveredTo[to] ?? 0) + 1;
    this.call_(Call.Message, to, from, lengthBytes);
  }

  private fireTimer_(slot: number, record: QueuedEvent): void {
    const event = this.event;
    const node = record.node;
    const timerId = record.timerId;
    event.kind = SimEventKind.Timer;
    event.node = node;
    event.from = -1;
    event.edge = -1;
    event.target = timerId;
    const state = this.#state[node];
    const timerIndex = node * this.#timersPerNode + timerId;
    if (state === NodeState.Paused) {
      // A stalled CPU runs its overdue timers when it wakes up.
      this.#queue.schedule(slot, this.#pausedUntilMs[node] ?? this.#nowMs);
      this.count_(KernelCounter.timersDeferred);
      event.outcome = EventOutcome.Deferred;
      this.foldEvent_();
      return;
    }
    this.#timerSlot[timerIndex] = -1;
    this.#queue.release(slot);
    if (state !== NodeState.Running || record.incarnation !== this.#incarnation[node]) {
      // Unreachable: a crash cancels its node's timers.
      event.outcome = EventOutcome.Ignored;
      this.foldEvent_();
      return;
    }
    event.outcome = EventOutcome.Done;
    this.count_(KernelCounter.timersFired);
    this.foldEvent_();
    this.call_(Call.Timer, node, 0, timerId);
  }

  private foldEvent_(): void {
    const event = this.event;
    const trace = this.trace;
    trace.word((event.kind << 8) | event.outcome);
    trace.word(event.node);
    trace.integer(event.timeMs);
  }

  // ------------------------------------------------------------ callbacks

  private call_(kind: number, node: number, from: number, arg: number): void {
    this.#callKind = kind;
    this.#callNode = node;
    this.#callFrom = from;
    this.#callArg = arg;
    this.#activeNode = node;
    if (!this.#guardComponents) {
      this.dispatch_();
      this.#activeNode = -1;
      return;
    }
    const status = guardStatus(this.#dispatchThunk, ErrorCode.SimComponentFault);
    this.#activeNode = -1;
    if (status !== OK) this.stop_(RunState.Faulted, "component-threw", `node ${node} threw in ${callName(kind)}`);
  }

  private dispatch_(): void {
    const node = this.#nodes[this.#callNode];
    const context = this.#contexts[this.#callNode];
    if (node === undefined || context === undefined) return;
    switch (this.#callKind) {
      case Call.Start:
        node.onStart(context);
        break;
      case Call.Message:
        node.onMessage(context, this.#callFrom, this.#nodeBytes, this.#callArg);
        break;
      case Call.Timer:
        node.onTimer(context, this.#callArg);
        break;
      case Call.Crash:
        node.onCrash();
        break;
      default:
        node.onRestart(context);
    }
  }

  // ---------------------------------------------- ports (NodeContext calls)

  private inCallback_(node: number): boolean {
    if (this.#activeNode === node && this.#state[node] === NodeState.Running) return true;
    this.count_(KernelCounter.notInCallback);
    return false;
  }

  portNowMs(node: number): number {
    return localTimeMs(this.#nowMs, this.#driftPpm[node] ?? 0, this.#offsetMs[node] ?? 0);
  }

  portSend(node: number, toId: number, bytes: Uint8Array, lengthBytes: number): Status {
    if (!this.inCallback_(node)) return ErrorCode.SimNotInCallback;
    const status = this.checkMessage_(bytes, lengthBytes);
    if (status !== OK) return status;
    const edge = (toId >>> 0) === toId && toId < this.nodeCount ? edgeIndex(this.topology, node, toId) : -1;
    if (edge < 0) {
      this.count_(KernelCounter.sendNoLink);
      return ErrorCode.SimNoLink;
    }
    this.count_(KernelCounter.sends);
    this.#network.transmit(node, edge, bytes, lengthBytes, checksumBytes(bytes, lengthBytes), this.#nowMs);
    return OK;
  }

  portBroadcast(node: number, bytes: Uint8Array, lengthBytes: number): Status {
    if (!this.inCallback_(node)) return ErrorCode.SimNotInCallback;
    const status = this.checkMessage_(bytes, lengthBytes);
    if (status !== OK) return status;
    this.count_(KernelCounter.sends);
    const checksum = checksumBytes(bytes, lengthBytes);
    const end = this.topology.neighbourStart[node + 1] ?? 0;
    for (let edge = this.topology.neighbourStart[node] ?? 0; edge < end; edge++) {
      this.#network.transmit(node, edge, bytes, lengthBytes, checksum, this.#nowMs);
    }
    return OK;
  }

  private checkMessage_(bytes: Uint8Array, lengthBytes: number): Status {
    let status: Status = OK;
    if ((lengthBytes >>> 0) !== lengthBytes || lengthBytes > bytes.length) status = ErrorCode.InvalidArgument;
    else if (lengthBytes > this.#queue.maxMessageBytes) status = ErrorCode.TooLarge;
    if (status !== OK) this.count_(KernelCounter.sendRejected);
    return status;
  }

  portSetTimer(node: number, timerId: number, delayMs: number): Status {
    if (!this.inCallback_(node)) return ErrorCode.SimNotInCallback;
    if ((timerId >>> 0) !== timerId || timerId >= this.#timersPerNode) return ErrorCode.OutOfRange;
    if ((delayMs >>> 0) !== delayMs || delayMs > SimLimit.timerDelayMsMax) return ErrorCode.InvalidArgument;
    const index = node * this.#timersPerNode + timerId;
    const armed = this.#timerSlot[index] ?? -1;
    if (armed >= 0) this.#queue.cancel(armed);
    this.#timerSlot[index] = -1;
    const slot = this.#queue.acquire();
    const record = slot < 0 ? undefined : this.#queue.record(slot);
    if (record === undefined) {
      this.count_(KernelCounter.timersRefused);
      return ErrorCode.Full;
    }
    record.kind = QueuedKind.Timer;
    record.node = node;
    record.timerId = timerId;
    record.incarnation = this.#incarnation[node] ?? 0;
    this.#queue.schedule(slot, this.#nowMs + virtualDelayMs(delayMs, this.#driftPpm[node] ?? 0));
    this.#timerSlot[index] = slot;
    this.count_(KernelCounter.timersSet);
    return OK;
  }

  portCancelTimer(node: number, timerId: number): Status {
    if (!this.inCallback_(node)) return ErrorCode.SimNotInCallback;
    if ((timerId >>> 0) !== timerId || timerId >= this.#timersPerNode) return ErrorCode.OutOfRange;
    const index = node * this.#timersPerNode + timerId;
    const slot = this.#timerSlot[index] ?? -1;
    if (slot < 0) return ErrorCode.NotFound;
    this.#queue.cancel(slot);
    this.#timerSlot[index] = -1;
    this.count_(KernelCounter.timersCancelled);
    return OK;
  }

  portNeighbourCount(node: number): number {
    return (this.topology.neighbourStart[node + 1] ?? 0) - (this.topology.neighbourStart[node] ?? 0);
  }

  portNeighbourAt(node: number, index: number): number {
    if ((index >>> 0) !== index || index >= this.portNeighbourCount(node)) return -ErrorCode.OutOfRange;
    return this.topology.neighbourIds[(this.topology.neighbourStart[node] ?? 0) + index] ?? 0;
  }

  portCount(node: number, counterId: number, by: number): Status {
    if (this.#activeNode !== node) {
      this.count_(KernelCounter.notInCallback);
      return ErrorCode.SimNotInCallback;
    }
    if ((counterId >>> 0) !== counterId || counterId >= this.#counterCount) return ErrorCode.OutOfRange;
    if (!Number.isSafeInteger(by) || by < 0) return ErrorCode.InvalidArgument;
    const index = node * this.#counterCount + counterId;
    this.#workloadCounters[index] = (this.#workloadCounters[index] ?? 0) + by;
    this.#workloadTotals[counterId] = (this.#workloadTotals[counterId] ?? 0) + by;
    return OK;
  }

  private count_(counter: KernelCounter): void {
    this.#counters[counter] = (this.#counters[counter] ?? 0) + 1;
  }

  // ------------------------------------------------------- SimInspect

  get inFlight(): number {
    return this.#network.inFlight;
  }

  nodeState(node: number): NodeState {
    return (this.#state[node] ?? NodeState.NotStarted) as NodeState;
  }

  counter(id: KernelCounter): number {
    return this.#counters[id] ?? 0;
  }

  deliveredTo(node: number): number {
    return this.#deliveredTo[node] ?? 0;
  }

  workloadCounter(node: number, counterId: number): number {
    return this.#workloadCounters[node * this.#counterCount + counterId] ?? 0;
  }

  workloadTotal(counterId: number): number {
    return this.#workloadTotals[counterId] ?? 0;
  }

  /** The node's clock drift (ppm) and offset (ms) as drawn for this run. */
  clockOf(node: number): { readonly driftPpm: number; readonly offsetMs: number } {
    return { driftPpm: this.#driftPpm[node] ?? 0, offsetMs: this.#offsetMs[node] ?? 0 };
  }
}

function callName(kind: number): string {
  switch (kind) {
    case Call.Start:
      return "onStart";
    case Call.Message:
      return "onMessage";
    case Call.Timer:
      return "onTimer";
    case Call.Crash:
      return "onCrash";
    default:
      return "onRestart";
  }
}
