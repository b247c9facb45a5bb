/**
 * The mesh workload: every simulated node runs the real mesh transport
 * (core/mesh) over the simulated radio (hal/sim/radio.ts) on the kernel's
 * network, with the crypto issue's keys, replay windows and counters, and
 * an application that sends telemetry broadcasts and unicasts.
 *
 * What it measures (MeshRunStats): broadcast delivery ratio to the nodes
 * within the hop limit of the source, unicast delivery, relays per
 * broadcast, airtime per delivered application byte. What it checks after
 * every event (meshInvariants, mesh-oracle.ts): no forged or replayed frame
 * accepted, no duty-cycle budget exceeded, no message delivered twice, and
 * every transport's own invariants (MeshTransport.checkInvariants).
 *
 * Application message: kind (1: broadcast, 2: unicast), source id (u16),
 * sequence (u32), then filler byte i = (source + sequence + i) & 0xff, so a
 * receiver can tell an intact message from anything else.
 *
 * Mesh ids are kernel node index + 1. Link quality comes from distance in
 * radio layouts (SNR +10 dB next to the sender, -20 dB at the edge of
 * range), or from a hash of the link in explicit link graphs.
 *
 * Crash model: the transport and radio are volatile (rebuilt on restart);
 * the counter source and the replay windows model their persisted forms
 * (flash reservations, RFC 8613 App. B.1), so they survive.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import { err, ok, type Result, type Status } from "../../../core/runtime/result";
import { VolatileCounterSource, type CounterSource } from "../../../core/crypto/counter-source";
import { ReplayTable } from "../../../core/crypto/replay-window";
import { windowIdMax } from "../../../core/mesh/link-seal";
import { AirtimeTable, type LoRaParams } from "../../../core/mesh/airtime";
import { BROADCAST_NODE_ID, LinkClass } from "../../../core/mesh/link-header";
import { MESH_COUNTER_COUNT, MESH_COUNTER_NAMES } from "../../../core/mesh/mesh-counters";
import type { MeshConfig } from "../../../core/mesh/mesh-config";
import { MeshTransport, type MeshDelivery, type MeshObserver } from "../../../core/mesh/transport";
import { SimRadio, type SimLinkModel } from "../../../hal/sim/radio";
import type { InvariantFactory, SimInspect } from "../inspect";
import type { SimContext, SimNode, SimWorkload } from "../node";
import type { SimScenario } from "../scenario";
import { createStream, StreamPurpose } from "../streams";
import { buildTopology, type Topology } from "../topology";
import { MeshAttacker, type MeshAttackSpec } from "./mesh-attacker";
import type { MeshKeyring } from "./mesh-keys";
import { MeshOracle } from "./mesh-oracle";
import { emptyDelivery } from "../../../core/mesh/transport-port";

export interface MeshTrafficSpec {
  /** Each sender broadcasts a telemetry message this often (0 = never). */
  readonly broadcastPeriodMs: number;
  /** Each sender unicasts to a random node within the hop limit this often (0 = never). */
  readonly unicastPeriodMs: number;
  readonly unicastAck: boolean;
  readonly messageBytes: number;
  /** Every n-th unicast is this large (fragmented); 0 = never. */
  readonly largeMessageBytes: number;
  readonly largeEvery: number;
  /** No new application message after this local time (lets the last ones land). */
  readonly stopAtMs: number;
  /** Nodes 0..broadcastSenders-1 broadcast; the last unicastSenders nodes unicast; the rest only relay and receive. */
  readonly broadcastSenders: number;
  readonly unicastSenders: number;
}

export interface MeshWorkloadOptions {
  readonly scenario: SimScenario;
  readonly keyring: MeshKeyring;
  readonly config: MeshConfig;
  readonly lora: LoRaParams;
  readonly mtuBytes: number;
  readonly traffic: MeshTrafficSpec;
  /** Airtime collisions and half duplex in the radio (default true). */
  readonly collisions?: boolean;
  readonly attack?: MeshAttackSpec;
}

export const MeshWorkloadCounter = Object.freeze({
  messagesSent: 0,
  sendRefused: 1,
  messagesDelivered: 2,
  boots: 3,
} as const);

export const MESH_WORKLOAD_COUNTER_NAMES: readonly string[] = Object.freeze(["messages_sent", "send_refused", "messages_delivered", "boots"]);

const TIMER_WAKE = 0;
const TIMER_TRAFFIC = 1;
const TIMER_ATTACK = 2;
const APP_HEADER_BYTES = 7;
const APP_BROADCAST = 1;
const APP_UNICAST = 2;
const UNREACHABLE = 255;

/** What a run measured; filled by the nodes, read by tests and the bench. */
export class MeshRunStats {
  broadcastsSent = 0;
  broadcastExpected = 0;
  broadcastDelivered = 0;
  unicastsSent = 0;
  unicastExpected = 0;
  unicastDelivered = 0;
  unicastAcked = 0;
  unicastFailed = 0;
  sendRefused = 0;
  corruptDeliveries = 0;
  appBytesDelivered = 0;
  airtimeUs = 0;
  framesOriginated = 0;
  framesRelayed = 0;
}

/** Everything a node needs, shared by the workload. */
interface Shared {
  readonly options: MeshWorkloadOptions;
  readonly topology: Topology;
  readonly hops: Uint8Array;
  readonly airtime: AirtimeTable;
  readonly oracle: MeshOracle;
  readonly stats: MeshRunStats;
  readonly observer: MeshObserver;
  readonly hopLimit: number;
  /** Statistics leave this kernel node out as a source and receiver (the attacker), -1 none. */
  readonly excluded: number;
}

export class MeshWorkload implements SimWorkload {
  readonly name = "mesh";
  readonly counterNames = MESH_WORKLOAD_COUNTER_NAMES;
  readonly oracle: MeshOracle;
  readonly stats = new MeshRunStats();
  readonly nodes: MeshSimNode[] = [];
  readonly topology: Topology;
  readonly #shared: Shared;

  /** Errors: InvalidArgument (keyring too small, bad LoRa parameters), SimInvalidScenario (topology). */
  static create(options: MeshWorkloadOptions): Result<MeshWorkload> {
    const scenario = options.scenario;
    if (options.keyring.senderCount < scenario.nodeCount) return err(ErrorCode.InvalidArgument);
    const built = buildTopology(scenario, createStream(scenario.seed, StreamPurpose.Topology, 0));
    if (!built.ok) return err(ErrorCode.SimInvalidScenario);
    const airtime = AirtimeTable.forLoRa(options.lora, options.mtuBytes);
    if (!airtime.ok) return airtime;
    return ok(new MeshWorkload(options, built.topology, airtime.value));
  }

  private constructor(options: MeshWorkloadOptions, topology: Topology, airtime: AirtimeTable) {
    const n = options.scenario.nodeCount;
    this.topology = topology;
    this.oracle = new MeshOracle(n, options.config.dutyWindowMs, options.config.dutyCyclePpm);
    const oracle = this.oracle;
    const stats = this.stats;
    const observer: MeshObserver = {
      sealed: (source, counter, frame, length) => oracle.sealed(source, counter, frame, length),
      accepted: (node, source, counter, frame, length) => oracle.accepted(node, source, counter, frame, length),
      transmitted: (node, nowMs, airtimeUs) => {
        oracle.transmitted(node, nowMs, airtimeUs);
        stats.airtimeUs += airtimeUs;
      },
    };
    this.#shared = {
      options,
      topology,
      hops: hopDistances(topology),
      airtime,
      oracle,
      stats,
      observer,
      hopLimit: options.config.hopLimit,
      excluded: options.attack === undefined ? -1 : options.attack.node,
    };
  }

  createNode(nodeId: number): SimNode {
    const node = new MeshSimNode(nodeId, this.#shared);
    this.nodes.push(node);
    return node;
  }

  /** Hop distance between two kernel nodes (UNREACHABLE = 255). */
  hops(from: number, to: number): number {
    return this.#shared.hops[from * this.topology.nodeCount + to] ?? UNREACHABLE;
  }

  /** Sum of every node's transport counters, by counter name. */
  transportTotals(): Record<string, number> {
    const totals: Record<string, number> = {};
    for (let c = 0; c < MESH_COUNTER_COUNT; c++) totals[MESH_COUNTER_NAMES[c] ?? String(c)] = 0;
    for (const node of this.nodes) {
      const values = node.transport?.counters.values;
      if (values === undefined) continue;
      for (let c = 0; c < MESH_COUNTER_COUNT; c++) {
        const name = MESH_COUNTER_NAMES[c] ?? String(c);
        totals[name] = (totals[name] ?? 0) + (values[c] ?? 0);
      }
    }
    return totals;
  }
}

/** The workload's invariants: each reads its oracle's first violation. */
export function meshInvariants(workload: MeshWorkload): readonly InvariantFactory[] {
  const oracle = workload.oracle;
  return Object.freeze([
    () => ({ name: "mesh-no-forged-or-replayed-frame-accepted", check: () => oracle.forgeryViolation }),
    () => ({ name: "mesh-duty-cycle-never-exceeded", check: () => oracle.dutyViolation }),
    () => ({ name: "mesh-delivered-at-most-once", check: () => oracle.deliveryViolation }),
    // The transport's own cross-table invariants (core/mesh/transport-invariants.ts), on the node the event ran.
    () => ({
      name: "mesh-transport-invariants",
      check: (sim: SimInspect) => {
        const node = workload.nodes[sim.event.node];
        const transport = node?.transport;
        if (transport === undefined || transport.checkInvariants() === ErrorCode.Ok) return undefined;
        return `node ${node?.meshId ?? sim.event.node}: mesh transport invariants broken`;
      },
    }),
  ]);
}

/** The simulated node: transport + radio + application (+ attacker). */
export class MeshSimNode implements SimNode {
  readonly index: number;
  readonly meshId: number;
  transport: MeshTransport | undefined = undefined;
  radio: SimRadio | undefined = undefined;
  readonly #shared: Shared;
  readonly #counterSource: CounterSource;
  readonly #replay: ReplayTable | undefined;
  readonly #message: Uint8Array;
  readonly #attacker: MeshAttacker | undefined;
  #sequence = 0;
  #unicasts = 0;
  #ctx: SimContext | undefined = undefined;
  readonly #delivery: MeshDelivery = emptyDelivery();

  constructor(index: number, shared: Shared) {
    this.index = index;
    this.meshId = index + 1;
    this.#shared = shared;
    const options = shared.options;
    this.#counterSource = new VolatileCounterSource(1);
    const replay = ReplayTable.create({ capacity: windowIdMax(options.keyring.siteSize), windowBits: 256 });
    this.#replay = replay.ok ? replay.value : undefined;
    this.#message = new Uint8Array(Math.max(options.traffic.messageBytes, options.traffic.largeMessageBytes, APP_HEADER_BYTES));
    const attack = options.attack;
    this.#attacker = attack !== undefined && attack.node === index ? new MeshAttacker(attack, this.meshId, options, this.#counterSource, shared.observer) : undefined;
  }

  /** What this node's attacker did (undefined when it is not the attacker). */
  get attackActions(): MeshAttacker["actions"] | undefined {
    return this.#attacker?.actions;
  }

  onStart(ctx: SimContext): void {
    ctx.count(MeshWorkloadCounter.boots, 1);
    this.#ctx = ctx;
    this.build_(ctx);
    const period = this.trafficPeriodMs_();
    if (period > 0) ctx.setTimer(TIMER_TRAFFIC, 1 + ctx.random.nextBelow(period));
    if (this.#attacker !== undefined) ctx.setTimer(TIMER_ATTACK, this.#attacker.firstDelayMs());
    this.service_(ctx);
  }

  onRestart(ctx: SimContext): void {
    this.onStart(ctx);
  }

  onCrash(): void {
    this.radio?.close();
    this.transport = undefined;
    this.radio = undefined;
  }

  onMessage(ctx: SimContext, fromId: number, bytes: Uint8Array, lengthBytes: number): void {
    const radio = this.radio;
    if (radio === undefined) return;
    this.#attacker?.capture(bytes, lengthBytes);
    radio.onAir(fromId, bytes, lengthBytes, ctx.nowMs());
    this.service_(ctx);
  }

  onTimer(ctx: SimContext, timerId: number): void {
    if (timerId === TIMER_TRAFFIC) this.sendTraffic_(ctx);
    else if (timerId === TIMER_ATTACK && this.#attacker !== undefined && this.radio !== undefined) {
      const delayMs = this.#attacker.act(ctx, this.radio);
      if (delayMs > 0) ctx.setTimer(TIMER_ATTACK, delayMs);
    }
    this.service_(ctx);
  }

  private build_(ctx: SimContext): void {
    const shared = this.#shared;
    const options = shared.options;
    const topologySpec = options.scenario.topology;
    const link = linkModel(shared.topology, this.index, topologySpec.kind === "radio" ? topologySpec.rangeM : 0);
    const radio = SimRadio.create(ctx, { mtuBytes: options.mtuBytes, airtime: shared.airtime, receiveQueueBytes: 8 * (options.mtuBytes + 3), link, collisions: options.collisions ?? true });
    const replay = this.#replay;
    const keys = options.keyring.keysFor(this.meshId);
    if (!radio.ok || replay === undefined || keys === undefined) return;
    const transport = MeshTransport.create({
      nodeId: this.meshId,
      radio: radio.value,
      provider: options.keyring.provider,
      counterSource: this.#counterSource,
      keys,
      replay,
      random: ctx.random,
      config: options.config,
      observer: shared.observer,
    });
    if (!transport.ok) return;
    this.radio = radio.value;
    this.transport = transport.value;
  }

  /** Tick the transport, hand delivered messages to the application, arm the next wake-up. */
  private service_(ctx: SimContext): void {
    const transport = this.transport;
    const radio = this.radio;
    if (transport === undefined || radio === undefined) return;
    const now = ctx.nowMs();
    transport.tick(now);
    this.#ctx = ctx;
    const delivery = this.#delivery;
    for (let n = 0; n < 64 && transport.takeDelivery(delivery); n++) this.#deliver(delivery.sourceId, delivery.trafficClass, delivery.bytes, delivery.offset, delivery.length);
    this.takeOutcomes_(transport);
    let next = transport.nextWakeMs();
    const radioNext = radio.queued > 0 ? now + 1 : radio.nextEventMs();
    if (radioNext >= 0 && (next < 0 || radioNext < next)) next = radioNext;
    if (next >= 0) ctx.setTimer(TIMER_WAKE, next > now ? next - now : 1);
  }

  /** The transport's ended acknowledged sends, taken after every call into it (its outcome batch). */
  private takeOutcomes_(transport: MeshTransport): void {
    const shared = this.#shared;
    for (let i = 0; i < transport.outcomeCount; i++) {
      if (this.index === shared.excluded || transport.outcomeDestination(i) - 1 === shared.excluded) continue;
      if (transport.outcomeStatus(i) === ErrorCode.Ok) shared.stats.unicastAcked++;
      else shared.stats.unicastFailed++;
    }
    transport.advanceOutcomes();
  }

  readonly #deliver = (sourceId: number, _trafficClass: number, bytes: Uint8Array, offset: number, length: number): void => {
    const shared = this.#shared;
    const stats = shared.stats;
    const source = readAppSource(bytes, offset, length);
    if (source !== sourceId) {
      stats.corruptDeliveries++;
      return;
    }
    const sequence = readU32(bytes, offset + 3);
    if (!shared.oracle.delivered(this.meshId, sourceId, sequence)) return;
    this.#ctx?.count(MeshWorkloadCounter.messagesDelivered, 1);
    const sourceIndex = sourceId - 1;
    if (sourceIndex === shared.excluded || this.index === shared.excluded) return;
    stats.appBytesDelivered += length;
    const hops = shared.hops[sourceIndex * shared.topology.nodeCount + this.index] ?? UNREACHABLE;
    if (bytes[offset] === APP_BROADCAST) {
      if (hops <= shared.hopLimit) stats.broadcastDelivered++;
    } else {
      stats.unicastDelivered++;
    }
  };

  private sendTraffic_(ctx: SimContext): void {
    const shared = this.#shared;
    const transport = this.transport;
    const now = ctx.nowMs();
    if (transport === undefined || now >= shared.options.traffic.stopAtMs) return;
    const factor = this.#attacker?.sendFactor ?? 1;
    const broadcaster = this.isBroadcaster_();
    for (let repeat = 0; repeat < factor; repeat++) {
      if (broadcaster) this.broadcast_(ctx, transport);
      else this.unicast_(ctx, transport);
    }
    ctx.setTimer(TIMER_TRAFFIC, Math.max(1, Math.floor(this.trafficPeriodMs_() / factor)));
  }

  private isBroadcaster_(): boolean {
    const traffic = this.#shared.options.traffic;
    return traffic.broadcastPeriodMs > 0 && this.index < traffic.broadcastSenders;
  }

  /** This node's message period: broadcasters, then unicasters (the last nodes), else 0. */
  private trafficPeriodMs_(): number {
    const traffic = this.#shared.options.traffic;
    if (this.isBroadcaster_()) return traffic.broadcastPeriodMs;
    const n = this.#shared.topology.nodeCount;
    return traffic.unicastPeriodMs > 0 && this.index >= n - traffic.unicastSenders ? traffic.unicastPeriodMs : 0;
  }

  private broadcast_(ctx: SimContext, transport: MeshTransport): void {
    const shared = this.#shared;
    const length = this.compose_(APP_BROADCAST, shared.options.traffic.messageBytes);
    const status = transport.send(BROADCAST_NODE_ID, LinkClass.Telemetry, this.#message, 0, length, false, 0);
    if (!this.counted_(ctx, status)) return;
    if (this.index === shared.excluded) return;
    shared.stats.broadcastsSent++;
    const n = shared.topology.nodeCount;
    for (let j = 0; j < n; j++) {
      const hops = shared.hops[this.index * n + j] ?? UNREACHABLE;
      if (j !== this.index && j !== shared.excluded && hops <= shared.hopLimit) shared.stats.broadcastExpected++;
    }
  }

  private unicast_(ctx: SimContext, transport: MeshTransport): void {
    const shared = this.#shared;
    const traffic = shared.options.traffic;
    const destination = this.pickDestination_(ctx);
    if (destination < 0) return;
    this.#unicasts++;
    const large = traffic.largeEvery > 0 && traffic.largeMessageBytes > 0 && this.#unicasts % traffic.largeEvery === 0;
    const length = this.compose_(APP_UNICAST, large ? traffic.largeMessageBytes : traffic.messageBytes);
    const status = transport.send(destination + 1, LinkClass.Alert, this.#message, 0, length, traffic.unicastAck, this.#sequence);
    this.takeOutcomes_(transport);
    if (!this.counted_(ctx, status)) return;
    if (this.index !== shared.excluded && destination !== shared.excluded) {
      shared.stats.unicastsSent++;
      shared.stats.unicastExpected++;
    }
  }

  /** A random kernel node within the hop limit, or -1 (a bounded number of draws). */
  private pickDestination_(ctx: SimContext): number {
    const shared = this.#shared;
    const n = shared.topology.nodeCount;
    for (let tries = 0; tries < 16; tries++) {
      const candidate = ctx.random.nextBelow(n);
      const hops = shared.hops[this.index * n + candidate] ?? UNREACHABLE;
      if (candidate !== this.index && hops <= shared.hopLimit && candidate !== shared.excluded) return candidate;
    }
    return -1;
  }

  private counted_(ctx: SimContext, status: Status): boolean {
    if (status === ErrorCode.Ok) {
      ctx.count(MeshWorkloadCounter.messagesSent, 1);
      return true;
    }
    ctx.count(MeshWorkloadCounter.sendRefused, 1);
    if (this.index !== this.#shared.excluded) this.#shared.stats.sendRefused++;
    return false;
  }

  /** Write an application message of `length` bytes into #message; returns the length. */
  private compose_(kind: number, length: number): number {
    const message = this.#message;
    const source = this.meshId;
    const sequence = this.#sequence;
    this.#sequence = (sequence + 1) >>> 0;
    message[0] = kind;
    message[1] = source >>> 8;
    message[2] = source & 0xff;
    message[3] = sequence >>> 24;
    message[4] = (sequence >>> 16) & 0xff;
    message[5] = (sequence >>> 8) & 0xff;
    message[6] = sequence & 0xff;
    for (let i = APP_HEADER_BYTES; i < length; i++) message[i] = (source + sequence + i) & 0xff;
    return length;
  }
}

/** The claimed source of an intact application message, or -1. */
function readAppSource(bytes: Uint8Array, offset: number, length: number): number {
  if (length < APP_HEADER_BYTES) return -1;
  const kind = bytes[offset] ?? 0;
  if (kind !== APP_BROADCAST && kind !== APP_UNICAST) return -1;
  const source = ((bytes[offset + 1] ?? 0) << 8) | (bytes[offset + 2] ?? 0);
  const sequence = readU32(bytes, offset + 3);
  for (let i = APP_HEADER_BYTES; i < length; i++) if (bytes[offset + i] !== ((source + sequence + i) & 0xff)) return -1;
  return source;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) | ((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0)) >>> 0;
}

/** All-pairs hop distances by BFS (UNREACHABLE past 254), row-major. */
function hopDistances(topology: Topology): Uint8Array {
  const n = topology.nodeCount;
  const hops = new Uint8Array(n * n).fill(UNREACHABLE);
  const frontier = new Uint32Array(n);
  for (let source = 0; source < n; source++) {
    const row = source * n;
    hops[row + source] = 0;
    frontier[0] = source;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const node = frontier[head++] ?? 0;
      const next = (hops[row + node] ?? 0) + 1;
      if (next >= UNREACHABLE) continue;
      const end = topology.neighbourStart[node + 1] ?? 0;
      for (let e = topology.neighbourStart[node] ?? 0; e < end; e++) {
        const neighbour = topology.neighbourIds[e] ?? 0;
        if (hops[row + neighbour] !== UNREACHABLE) continue;
        hops[row + neighbour] = next;
        frontier[tail++] = neighbour;
      }
    }
  }
  return hops;
}

/** SNR/RSSI seen by node `self` from each sender: from distance, or a hash for link graphs. */
function linkModel(topology: Topology, self: number, rangeM: number): SimLinkModel {
  const xs = topology.positionX;
  const ys = topology.positionY;
  const range = rangeM + 1;
  const permilleFrom = (from: number): number => {
    if (xs.length === 0 || range <= 0) return ((Math.imul(from + 1, 0x9e3779b1) ^ Math.imul(self + 1, 0x85ebca6b)) >>> 0) % 1001;
    const dx = (xs[from] ?? 0) - (xs[self] ?? 0);
    const dy = (ys[from] ?? 0) - (ys[self] ?? 0);
    const distance = Math.floor(Math.sqrt(dx * dx + dy * dy));
    return distance >= range ? 0 : 1000 - Math.floor((distance * 1000) / range);
  };
  return {
    // +10 dB (40 quarter dB) next to the sender, -20 dB (-80) at the edge of range.
    snrQuarterDb: (from) => -80 + Math.floor((permilleFrom(from) * 120) / 1000),
    rssiDbm: (from) => -120 + Math.floor((permilleFrom(from) * 80) / 1000),
  };
}
