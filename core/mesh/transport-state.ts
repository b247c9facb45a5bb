/**
 * The mesh transport's state (README "Mesh transport"): one record the
 * coordinator (transport.ts) owns and hands to the phase modules, which are
 * functions over it and keep nothing of their own:
 *  - transport-receive.ts: receive and open, learning, delivery;
 *  - transport-relay.ts: relay and flooding;
 *  - transport-hop.ts: hop-by-hop acknowledgement of routed frames;
 *  - transport-stage.ts: outgoing queues, staging and fragmentation, end-to-end acknowledgements;
 *  - transport-transmit.ts: the transmit gates, control frames, sealing.
 *
 * Functions in modules cost no RAM on a board (preloaded into flash); every
 * field here is a heap slot, so this record holds what the transport held
 * and nothing more. The record layouts of the queues the phases share, the
 * shared helpers (counters, log events, the control queue, finishing a
 * pending send) and the construction of every fixed-capacity part live here.
 */
import { ErrorCode, type FailureCode } from "../runtime/errors";
import type { CounterSource } from "../crypto/counter-source";
import type { CryptoProvider } from "../crypto/provider";
import type { ReplayTable } from "../crypto/replay-window";
import { LogLevel, type LogRing } from "../runtime/log-ring";
import type { MetricsRegistry } from "../runtime/metrics";
import { RateLimiter } from "../runtime/rate-limit";
import { ok, type Result, type Status } from "../runtime/result";
import { AirtimeWindow } from "./airtime-window";
import { ArenaLayout, type Arena } from "./arena";
import { DutyCycleBudget } from "./duty-cycle";
import { FramePool, framePoolBlocks, FRAME_POOL_BLOCK_BYTES } from "./frame-pool";
import { FRAGMENT_HEADER_BYTES, FragmentHeader } from "./fragment-header";
import { HopAckHistory, HopAckTable } from "./hop-acks";
import { BROADCAST_NODE_ID, FrameType, LINK_CLASS_COUNT, LINK_FRAME_MIN_BYTES, LINK_TAG_BYTES, LinkHeader, SHORT_COUNTER_LIMIT, linkHeaderBytes } from "./link-header";
import type { LinkKeyring } from "./link-keys";
import { LINK_SCRATCH_BYTES, LinkOpener, LinkScratch, LinkSealer, type ReceiveAdmission } from "./link-seal";
import { MESH_COUNTERS_BYTES, MeshCounter, MeshCounters } from "./mesh-counters";
import { compactMeshConfig, type MeshConfig } from "./mesh-config";
import { NeighbourTable } from "./neighbour-table";
import { PendingSends } from "./pending-sends";
import { RadioReception, type MeshRadio } from "./radio-port";
import { RECORD_ENTRY_HEADER_BYTES, RecordQueues, recordQueueBlocksMax, type RecordQueueLimits } from "./record-queues";
import { ReassemblyTable } from "./reassembly";
import { RecentPairs } from "./recent-pairs";
import { RelayQueue } from "./relay-queue";
import { RouteTable } from "./route-table";
import { OutgoingStage, STAGE_BYTES, StageKind } from "./outgoing-stage";
import type { Delivery } from "./transport-port";

/** The utilisation window's series of the airtime this node sent (series 0: everything heard and sent). */
export const AIRTIME_SENT = 1;

/** Same shapes as transport-port.ts's DeliverHandler and SendOutcomeHandler. */
/** A delivered message as `takeDelivery` fills it: the port's record (transport-port.ts). */
export type MeshDelivery = Delivery;

/** Deterministic randomness (an Xoshiro128 from the board's entropy, or the simulator's stream). */
export interface MeshRandom {
  nextBelow(bound: number): number;
}

/** Optional hooks for tests and the simulator's oracles; production passes none. */
export interface MeshObserver {
  /** A frame this node sealed (originated), before it goes on the air. */
  sealed(source: number, counter: number, frame: Uint8Array, lengthBytes: number): void;
  /** A frame that passed authentication and the replay window, before any use. */
  accepted(node: number, source: number, counter: number, frame: Uint8Array, lengthBytes: number): void;
  /** A frame put on the air (originated or relayed), with its airtime. */
  transmitted(node: number, nowMs: number, airtimeUs: number, relayed: boolean): void;
}

/** Structured log event codes of route and neighbour changes (log-ring.ts records). */
export const MeshLogEvent = Object.freeze({
  RouteLearned: 500,
  RouteReplaced: 501,
  RouteInvalidated: 502,
  NeighbourAdded: 503,
  NeighbourEvicted: 504,
} as const);

export interface MeshTransportOptions {
  readonly nodeId: number;
  readonly radio: MeshRadio;
  readonly provider: CryptoProvider;
  readonly counterSource: CounterSource;
  /** This node's replay windows: one per unicast origin and one per flood origin (link-seal.ts windowIdOf), 1..2 x siteSize. */
  readonly replay: ReplayTable;
  /** Receive ceilings that keep the windows' promise across reboots; absent: the windows alone (RAM, forgotten at a reboot). */
  readonly receiveAdmission?: ReceiveAdmission;
  /** This node's link secrets for the current key epoch (link-keys.ts); may be set later with setKeys. */
  readonly keys?: LinkKeyring;
  readonly random: MeshRandom;
  readonly config: MeshConfig;
  readonly metrics?: MetricsRegistry;
  readonly log?: LogRing;
  readonly observer?: MeshObserver;
}

// The record queues (record-queues.ts, in the frame store): one per traffic class, then the inbox and the control queue.
export const INBOX_QUEUE = LINK_CLASS_COUNT;
export const CONTROL_QUEUE = LINK_CLASS_COUNT + 1;
// Frames held for a receive-ceiling raise: rssi + 0x8000 (u16), snr + 0x8000 (u16), then the frame.
export const HELD_QUEUE = LINK_CLASS_COUNT + 2;
export const HELD_META_BYTES = 4;
// Outgoing queue records: kind, destination, message id, pending slot, enqueued time (6 bytes), payload.
export const RECORD_META_BYTES = 13;
/** Where a staged inline message starts in its store entry (the queue record it was, adopted by the stage). */
export const STAGED_INLINE_AT = RECORD_ENTRY_HEADER_BYTES + RECORD_META_BYTES;
export const RECORD_INLINE = 0;
export const RECORD_PENDING = 1;
// Inbox records: source (2), class (1), payload.
export const INBOX_META_BYTES = 3;
// Control records: type (1, high bit: flood even with a route), destination (2), payload (a HopAck's is built when it is sealed).
export const CONTROL_META_BYTES = 3;
export const CONTROL_FLOOD_FLAG = 0x80;
export const ACK_PAYLOAD_BYTES = 2;
/** Most routed frames one HopAck acknowledges (its own and the recent ones before it). */
export const HOP_ACK_ENTRIES_MAX = 4;
// Rate-limiter classes: per authenticated source (relay, receive), and our own sends per traffic class.
export const RATE_RECEIVE = 0;
export const RATE_RELAY_BASE = 1;
export const RATE_SEND_BASE = 4;
/** Gap between contention slots on top of a frame's airtime (turnaround, latency). */
export const RELAY_SLOT_GUARD_MS = 5;

/**
 * The configuration fields the transport reads after create (the others only size its tables):
 * the only ones it keeps (compactMeshConfig), so a board's table sizes cost no RAM past create.
 */
const RUNTIME_CONFIG_KEYS = Object.freeze([
  "maxMessageBytes",
  "hopLimit",
  "accessDelayMaxMs",
  "ackTimeoutMs",
  "advertLoadSlotPermille",
  "carrierSenseBackoffMs",
  "helloHopLimit",
  "helloIntervalMs",
  "helloJitterMs",
  "hopAckGuardMs",
  "alertRelayJitterSlots",
  "alertHopGuardMs",
  "alertFloodAfterSends",
  "hopAckHistoryMs",
  "counterSkipMaxValues",
  "counterSkipHoldoffMs",
  "hopRetriesMax",
  "managedFlooding",
  "nackDelayMs",
  "nacksMax",
  "neighbourFreshMs",
  "queueDropOldest",
  "queueMaxAgeMs",
  "receiveFramesPerTickMax",
  "relayCancelCopies",
  "relayCancelQualityPermille",
  "relayDelayMinMs",
  "relayJitterSlots",
  "relaySpreadSlots",
  "reparentMarginPermille",
  "retriesMax",
  "routeFailuresMax",
  "utilisationGatePermille",
  "utilisationWindowMs",
] as const);
export type RuntimeConfig = Pick<MeshConfig, (typeof RUNTIME_CONFIG_KEYS)[number]>;

/**
 * Everything the transport keeps between calls. One instance per transport,
 * made by `createTransportState`; the phase modules read and write its fields.
 */
export class TransportState {
  readonly nodeId: number;
  readonly counters: MeshCounters;
  readonly radio: MeshRadio;
  readonly config: RuntimeConfig;
  readonly random: MeshRandom;
  readonly log: LogRing | undefined;
  readonly observer: MeshObserver | undefined;

  readonly sealer: LinkSealer;
  readonly opener: LinkOpener;
  // Receive side.
  /**
   * Header of the frame received; in the transmit phase, of the frame being
   * sealed, then of the frame just put on the air (parsed back for the
   * hop-ack watch). One object: a tick receives (every frame handled to the
   * end) before it transmits, and neither reads the other's fields.
   */
  readonly header = new LinkHeader();
  readonly rxMeta = new RadioReception();
  /** Fragment header of the frame received, or of the fragment being sealed (the phases of a tick do not overlap). */
  readonly fragment = new FragmentHeader();
  /**
   * One frame buffer and one plaintext buffer (MTU bytes; the plaintext one
   * at least an inbox record) for both directions and for takeDelivery: a tick
   * receives (every frame handled to the end: copied into a table or
   * dropped) before it transmits (the frame sealed or copied in just before
   * it goes to the radio, which copies it), takeDelivery runs between ticks, and
   * none of them keeps bytes there for another or for later.
   */
  readonly frame: Uint8Array;
  readonly plain: Uint8Array;
  readonly duplicates: RecentPairs;
  readonly delivered: RecentPairs;
  readonly neighbours: NeighbourTable;
  readonly routes: RouteTable;
  readonly reassembly: ReassemblyTable;
  // Send side.
  /** Outgoing messages per class, the inbox, the control queue: records in the frame store (record-queues.ts). */
  readonly queues: RecordQueues;
  readonly relays: RelayQueue;
  readonly pending: PendingSends;
  /** Every frame or message kept for later: relays, hop-ack watches, pending sends, queued and staged messages (frame-pool.ts). */
  readonly pool: FramePool;
  readonly hopAcks: HopAckTable;
  readonly hopAckHistory: HopAckHistory;
  /** A HopAck is queued and not yet sent: later frames join it instead of queueing another. */
  hopAckQueued = false;
  hopAckQueuedAtMs = 0;
  readonly stages: readonly OutgoingStage[];
  readonly duty: DutyCycleBudget;
  /** All airtime heard and sent over the utilisation window; series AIRTIME_SENT: our own (how busy we are, for route advertisements). */
  readonly utilisation: AirtimeWindow;
  readonly rate: RateLimiter;
  /** The latest tick's time (never moves back). */
  nowMs = 0;
  /** When the last counter skip was applied, or -1 (transport-receive.ts applyCounterSkip). */
  lastSkipAtMs = -1;
  txBusyUntilMs = 0;
  backoffUntilMs = 0;
  heldUntilMs = 0;
  /** The last tick stopped at receiveFramesPerTickMax with frames possibly left in the radio. */
  receiveBacklog = false;
  nextHelloMs = -1;

  constructor(options: MeshTransportOptions, parts: Parts) {
    this.nodeId = options.nodeId;
    this.counters = parts.counters;
    this.radio = options.radio;
    // Only what differs from the defaults stays in RAM (the defaults are flash under preload).
    this.config = compactMeshConfig(options.config, RUNTIME_CONFIG_KEYS);
    this.random = options.random;
    this.log = options.log;
    this.observer = options.observer;

    this.sealer = parts.sealer;
    this.opener = new LinkOpener(options.provider, parts.sealer, options.replay, parts.linkScratch, options.receiveAdmission);
    this.frame = parts.frame;
    this.plain = parts.plain;
    this.duplicates = parts.duplicates;
    this.delivered = parts.delivered;
    this.neighbours = parts.neighbours;
    this.routes = parts.routes;
    this.reassembly = parts.reassembly;
    this.queues = parts.queues;
    this.relays = parts.relays;
    this.pending = parts.pending;
    this.pool = parts.pool;
    this.hopAcks = parts.hopAcks;
    this.hopAckHistory = parts.hopAckHistory;
    this.stages = parts.stages;
    this.duty = parts.duty;
    this.utilisation = parts.utilisation;
    this.rate = parts.rate;
    if (options.keys !== undefined) this.sealer.setKeys(options.keys);
  }
}

// ---------------------------------------------------------- shared helpers

/** Low byte of this node's id (link hints); derived, not kept (each field is a heap slot on XS). */
export function lowIdOf(s: TransportState): number {
  return s.nodeId & 0xff;
}

export function refuse(s: TransportState, counter: MeshCounter, code: FailureCode): FailureCode {
  s.counters.inc(counter);
  return code;
}

export function logEvent(s: TransportState, event: number, f0: number, f1: number, f2: number, f3: number): void {
  if (s.log !== undefined) s.log.append(LogLevel.Info, event, s.nodeId, s.nowMs, f0, f1, f2, f3);
}

/** Queue a control record (type byte, destination, then `payloadBytes` the caller writes): its handle, or < 0 when refused. */
export function pushControl(s: TransportState, first: number, destination: number, payloadBytes: number): number {
  const queues = s.queues;
  const record = queues.append(CONTROL_QUEUE, CONTROL_META_BYTES + payloadBytes);
  if (record < 0) return record;
  queues.writeByte(record, 0, first);
  queues.writeU16(record, 1, destination);
  return record;
}

/**
 * Queue an ack. Without hop-by-hop retransmission it goes the way the
 * message came: flooded when the message was flooded (the sender has no
 * route yet and learns one from this reply; a single routed copy would
 * cross every lossy hop once), routed when it was routed. With it, the
 * ack follows our route whenever we have one (the message itself taught
 * it: every frame names its transmitter), hop by hop like any routed frame.
 */
export function queueAck(s: TransportState, destination: number, messageId: number, messageFlooded: boolean): void {
  const flood = messageFlooded && s.config.hopRetriesMax === 0;
  const record = pushControl(s, FrameType.Ack | (flood ? CONTROL_FLOOD_FLAG : 0), destination, ACK_PAYLOAD_BYTES);
  if (record < 0) s.counters.inc(MeshCounter.controlQueueFull);
  else s.queues.writeU16(record, CONTROL_META_BYTES, messageId);
}

/** A pending send ended: its outcome joins the batch the caller drains (pending-sends.ts), and a stage sending it stops. */
export function finishPending(s: TransportState, slot: number, status: Status): void {
  // No local for s.pending: this frame is on the board's deepest stack (transport-stage.ts enqueueInline).
  if (!s.pending.finish(slot, status)) return;
  for (let c = 0; c < LINK_CLASS_COUNT; c++) {
    const stage = s.stages[c];
    if (stage !== undefined && stage.kind === StageKind.Pending && stage.slot === slot) stage.clear();
  }
}

/** Plaintext bytes one frame carries, by frame type (long counter form assumed); computed, not tabled (a typed array costs heap slots on XS). */
export function frameCapacity(s: TransportState, type: number): number {
  return type >= 0 && type < 8 ? s.frame.length - linkHeaderBytes(type, SHORT_COUNTER_LIMIT) - LINK_TAG_BYTES : 0;
}

export function singleCapacity(s: TransportState, type: FrameType): number {
  return frameCapacity(s, type) - (type === FrameType.UnicastAck ? ACK_PAYLOAD_BYTES : 0);
}

export function singleType(destination: number, ack: boolean): FrameType {
  if (destination === BROADCAST_NODE_ID) return FrameType.Broadcast;
  return ack ? FrameType.UnicastAck : FrameType.Unicast;
}

export function fragmentType(destination: number): FrameType {
  return destination === BROADCAST_NODE_ID ? FrameType.BroadcastFragment : FrameType.UnicastFragment;
}

export function readU16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

export function writeU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
}

// ------------------------------------------------------------ construction

export interface Parts {
  readonly counters: MeshCounters;
  readonly frame: Uint8Array;
  readonly plain: Uint8Array;
  readonly stages: readonly OutgoingStage[];
  readonly sealer: LinkSealer;
  readonly linkScratch: LinkScratch;
  readonly duplicates: RecentPairs;
  readonly delivered: RecentPairs;
  readonly neighbours: NeighbourTable;
  readonly routes: RouteTable;
  readonly reassembly: ReassemblyTable;
  readonly queues: RecordQueues;
  readonly relays: RelayQueue;
  readonly pending: PendingSends;
  readonly pool: FramePool;
  readonly hopAcks: HopAckTable;
  readonly hopAckHistory: HopAckHistory;
  readonly duty: DutyCycleBudget;
  readonly utilisation: AirtimeWindow;
  readonly rate: RateLimiter;
}

/** Every fixed-capacity part, sized from the config, in one arena (arena.ts); the first failure is returned. */
export function buildParts(options: MeshTransportOptions): Result<Parts> {
  const c = options.config;
  const mtu = options.radio.mtuBytes;
  const dutyOptions = {
    dutyCyclePpm: c.dutyCyclePpm,
    windowMs: c.dutyWindowMs,
    bucketCount: c.dutyBucketCount,
    classSharePermille: c.dutyClassSharePermille,
  };
  const blocks = framePoolBlockCount(c, mtu);
  const limits = recordQueueLimits(c, mtu);
  // Every table's region, one after another; a size a table refuses takes none (its create refuses it).
  const layout = new ArenaLayout();
  const frameAt = layout.take(mtu);
  // Also takeDelivery's buffer (an inbox record: meta and a whole message), so at least that long.
  const plainBytes = Math.max(mtu, c.maxMessageBytes + INBOX_META_BYTES);
  const plainAt = layout.take(plainBytes);
  const scratchAt = layout.take(LINK_SCRATCH_BYTES);
  const stagesAt = layout.take(LINK_CLASS_COUNT * STAGE_BYTES);
  const countersAt = layout.take(MESH_COUNTERS_BYTES);
  const duplicatesAt = layout.take(RecentPairs.bytesFor(c.duplicateCacheCapacity, 0));
  const deliveredAt = layout.take(RecentPairs.bytesFor(c.deliveredCacheCapacity, c.deliveredHoldMs, false));
  const neighboursAt = layout.take(NeighbourTable.bytesFor(c.neighbourCapacity));
  const routesAt = layout.take(RouteTable.bytesFor(c.routeCapacity));
  const poolAt = layout.take(FramePool.bytesFor(blocks));
  const reassemblyAt = layout.take(ReassemblyTable.bytesFor(c.reassemblySlots));
  const queuesAt = layout.take(RecordQueues.bytesFor(limits.length));
  const relaysAt = layout.take(RelayQueue.bytesFor(c.relaySlots));
  const pendingAt = layout.take(PendingSends.bytesFor(c.pendingAckSlots));
  const hopAcksAt = layout.take(HopAckTable.bytesFor(c.hopAckSlots));
  const historyAt = layout.take(HopAckHistory.bytesFor(HOP_ACK_ENTRIES_MAX * 2));
  const dutyAt = layout.take(DutyCycleBudget.bytesFor(dutyOptions));
  const utilisationAt = layout.take(AirtimeWindow.bytesFor(c.utilisationBucketCount, 2));
  const arena: Arena = new DataView(new ArrayBuffer(layout.bytes));
  // One nonce and AAD buffer for sealing and opening: a tick opens and seals one frame at a time.
  const linkScratch = new LinkScratch(arena.buffer, scratchAt);
  const stages: OutgoingStage[] = [];
  for (let cls = 0; cls < LINK_CLASS_COUNT; cls++) stages.push(new OutgoingStage(cls, arena, stagesAt + cls * STAGE_BYTES));
  const sealer = LinkSealer.create(options.provider, options.counterSource, options.nodeId, linkScratch);
  const duplicates = RecentPairs.create(c.duplicateCacheCapacity, 0, true, arena, duplicatesAt);
  // The delivered cache needs no value per entry (only the pair, and its time when held).
  const delivered = RecentPairs.create(c.deliveredCacheCapacity, c.deliveredHoldMs, false, arena, deliveredAt);
  const neighbours = NeighbourTable.create(c.neighbourCapacity, arena, neighboursAt);
  const routes = RouteTable.create(c.routeCapacity, c.routeTtlMs, arena, routesAt);
  const pool = FramePool.create(blocks, arena, poolAt);
  if (!pool.ok) return pool;
  const reassembly = ReassemblyTable.create({ slots: c.reassemblySlots, slotBytes: c.maxMessageBytes, perSenderMax: c.reassemblyPerSenderMax, timeoutMs: c.reassemblyTimeoutMs }, pool.value, arena, reassemblyAt);
  const queues = RecordQueues.create(pool.value, limits, arena, queuesAt);
  const relays = RelayQueue.create(c.relaySlots, mtu, pool.value, arena, relaysAt);
  const pending = PendingSends.create(c.pendingAckSlots, c.maxMessageBytes, pool.value, arena, pendingAt);
  const hopAcks = HopAckTable.create(c.hopAckSlots, mtu, pool.value, arena, hopAcksAt);
  const hopAckHistory = HopAckHistory.create(HOP_ACK_ENTRIES_MAX * 2, arena, historyAt);
  const duty = DutyCycleBudget.create(dutyOptions, arena, dutyAt);
  // Series 0: all airtime heard and sent; AIRTIME_SENT: only what this node sent.
  const utilisation = AirtimeWindow.create(c.utilisationWindowMs, c.utilisationBucketCount, 2, arena, utilisationAt);
  const rate = RateLimiter.create({
    capacity: c.rateTableCapacity,
    classes: [
      { refillPerSecondMilli: c.receiveRefillPerSecondMilli, burstTokens: c.receiveBurstFrames },
      ...[0, 1, 2].map((cls) => ({ refillPerSecondMilli: c.relayRefillPerSecondMilli[cls] ?? 1, burstTokens: c.relayBurstFrames[cls] ?? 1 })),
      ...[0, 1, 2].map((cls) => ({ refillPerSecondMilli: c.sendRefillPerSecondMilli[cls] ?? 1, burstTokens: c.sendBurstMessages[cls] ?? 1 })),
    ],
    hashSeed: c.rateHashSeed,
  });
  if (!sealer.ok) return sealer;
  if (!duplicates.ok) return duplicates;
  if (!delivered.ok) return delivered;
  if (!neighbours.ok) return neighbours;
  if (!routes.ok) return routes;
  if (!reassembly.ok) return reassembly;
  if (!queues.ok) return queues;
  if (!relays.ok) return relays;
  if (!pending.ok) return pending;
  if (!hopAcks.ok) return hopAcks;
  if (!hopAckHistory.ok) return hopAckHistory;
  if (!duty.ok) return duty;
  if (!utilisation.ok) return utilisation;
  if (!rate.ok) return rate;
  // Last, as before the arena: a registry's refusal comes after every table's.
  const counters = MeshCounters.create(options.metrics, arena.buffer, countersAt);
  if (!counters.ok) return counters;
  return ok({
    counters: counters.value,
    frame: new Uint8Array(arena.buffer, frameAt, mtu),
    plain: new Uint8Array(arena.buffer, plainAt, plainBytes),
    stages,
    sealer: sealer.value,
    linkScratch,
    duplicates: duplicates.value,
    delivered: delivered.value,
    neighbours: neighbours.value,
    routes: routes.value,
    reassembly: reassembly.value,
    queues: queues.value,
    relays: relays.value,
    pending: pending.value,
    pool: pool.value,
    hopAcks: hopAcks.value,
    hopAckHistory: hopAckHistory.value,
    duty: duty.value,
    utilisation: utilisation.value,
    rate: rate.value,
  });
}

/**
 * The record queues' budgets and largest records, as the rings they replace
 * had them: per class (queueCapacityBytes) a record's meta and a largest
 * message; the inbox (inboxCapacityBytes) a delivered message with its
 * meta; the control queue (controlQueueBytes) an MTU frame's payload with
 * its meta. A budget below its largest record with prefix takes records
 * of at most the budget less 2 (as ByteRing.create would be given).
 */
export function recordQueueLimits(c: MeshConfig, mtuBytes: number): RecordQueueLimits[] {
  const limits: RecordQueueLimits[] = [];
  for (let cls = 0; cls < LINK_CLASS_COUNT; cls++) {
    const budgetBytes = c.queueCapacityBytes[cls] ?? 0;
    limits.push({ budgetBytes, maxRecordBytes: Math.min(RECORD_META_BYTES + c.maxMessageBytes, budgetBytes - 2) });
  }
  limits.push({ budgetBytes: c.inboxCapacityBytes, maxRecordBytes: Math.min(c.maxMessageBytes + INBOX_META_BYTES, c.inboxCapacityBytes - 2) });
  limits.push({ budgetBytes: c.controlQueueBytes, maxRecordBytes: Math.min(CONTROL_META_BYTES + mtuBytes, c.controlQueueBytes - 2) });
  limits.push({ budgetBytes: c.heldQueueBytes, maxRecordBytes: Math.min(HELD_META_BYTES + mtuBytes, c.heldQueueBytes - 2) });
  return limits;
}

/**
 * Blocks of the shared frame pool: frameStoreBytes of them, or with 0 what
 * every slot's largest content takes at once (relays and hop-ack watches an
 * MTU frame each; pending sends, each class's stage and reassembly slots a
 * largest message) and what every queue's records can take at once within
 * its byte budget (smallest records: record-queues.ts recordQueueBlocksMax):
 * then no table or queue is ever refused for want of pool space.
 */
export function framePoolBlockCount(c: MeshConfig, mtuBytes: number): number {
  if (c.frameStoreBytes > 0) return Math.floor(c.frameStoreBytes / FRAME_POOL_BLOCK_BYTES);
  const limits = recordQueueLimits(c, mtuBytes);
  let queueBlocks = 0;
  for (let q = 0; q < limits.length; q++) {
    const limit = limits[q];
    // Smallest records: a pending reference (meta only), an empty delivered message, a bare control record.
    const minRecordBytes = q < LINK_CLASS_COUNT ? RECORD_META_BYTES : q === INBOX_QUEUE ? INBOX_META_BYTES : q === CONTROL_QUEUE ? CONTROL_META_BYTES : HELD_META_BYTES + LINK_FRAME_MIN_BYTES;
    if (limit !== undefined) queueBlocks += recordQueueBlocksMax(limit, minRecordBytes, FRAME_POOL_BLOCK_BYTES);
  }
  // A staged inline message keeps the store entry its queue record had (meta and entry header included).
  const stageBlocks = LINK_CLASS_COUNT * framePoolBlocks(STAGED_INLINE_AT + c.maxMessageBytes);
  const tableBlocks = (c.relaySlots + c.hopAckSlots) * framePoolBlocks(mtuBytes) + (c.pendingAckSlots + c.reassemblySlots) * framePoolBlocks(c.maxMessageBytes);
  return tableBlocks + stageBlocks + queueBlocks;
}
