/**
 * The mesh transport (README "Mesh transport"): send to node X and broadcast to the
 * mesh, over a partially connected, lossy, duty-cycled radio.
 *
 * It implements the `Transport` port (core/mesh/transport-port.ts;
 * test/core/mesh/transport-port.test.ts checks assignability):
 * `send` copies a message into a per-class queue, `takeDelivery` hands
 * delivered messages out one at a time, the outcome batch reports acknowledged sends (drained by
 * the caller: `outcomeCount`, `outcome*(i)`, `advanceOutcomes`), `tick(nowMs)`
 * does everything else. It is sans-IO apart from the injected radio port:
 * time comes in through `tick`, randomness from the injected source, keys
 * and counters from the crypto boundary's objects.
 *
 * One tick, in this order:
 *  1. receive: every frame the radio holds (bounded per tick) goes through
 *     parse -> key check (epoch, site ids) -> hop tag (link-seal.ts, under
 *     the flood secret) -> routing filters -> duplicate cache; then a frame
 *     this board only relays goes to the relay decision, and a frame for it
 *     (every flood, a unicast frame it is the destination of) through
 *     replay check -> end-to-end tag -> durable ceiling -> replay commit ->
 *     decrypt -> per-origin token bucket; then neighbour/route learning,
 *     delivery, relay decision. Each refusal has its own counter
 *     (mesh-counters.ts).
 *  2. timers: reassembly timeouts, ack deadlines (retry or give up),
 *     hop-ack deadlines of routed frames (give up), selective
 *     retransmission requests (NACK) for incomplete messages.
 *  3. transmit at most one frame: control frames, then per class (control >
 *     alerts > telemetry) a due relay, a due hop retransmission of a routed
 *     frame, then the staged message's next fragment (a new message first
 *     waits its class's random access delay). Carrier sense, the
 *     channel-utilisation gate and the duty-cycle budget are checked first;
 *     a held message or hop retransmission waits (a message until it is
 *     stale), a relay that cannot go, or a hop retransmission the duty
 *     budget refuses, is dropped; all counted.
 *
 * Routed frames are sent hop by hop with retransmission (hop-acks.ts):
 * every hop keeps its copy until the next hop forwards it (overheard) or
 * acknowledges it (HopAck), so a route survives the loss of single frames.
 * Every unicast frame names its transmitter (link-header.ts relay hint), so
 * the nodes along a route learn the way back to its source, and replies
 * (acknowledgements) follow routes instead of flooding.
 *
 * `nextWakeMs()` says when the next tick has work, so a host can sleep
 * (agent/driver.ts); frames left in the radio past `receiveFramesPerTickMax`
 * count as work at once, since their interrupt has already been taken. The
 * radio's own receive interrupt reaches the host through `onReadable`.
 * Every table has a fixed capacity from MeshConfig, and every frame or
 * message kept past one call (queued, staged, relayed, watched, pending,
 * reassembled) is in the one frame store (frame-pool.ts); the per-frame path
 * allocates nothing of its own (the typed-array views handed to the crypto
 * provider aside, whose API takes whole arrays).
 */
import { ErrorCode, type FailureCode } from "../runtime/errors";
import type { ValueOrCode } from "../collections/value-or-code";
import { COUNTER_SKIP_MAX, type CounterSource } from "../crypto/counter-source";
import type { CryptoProvider } from "../crypto/provider";
import type { ReplayTable } from "../crypto/replay-window";
import { LogLevel, type LogRing } from "../runtime/log-ring";
import type { MetricsRegistry } from "../runtime/metrics";
import { RateLimiter } from "../runtime/rate-limit";
import { err, ok, type Result, type Status } from "../runtime/result";
import { AirtimeWindow } from "./airtime-window";
import { ArenaLayout, type Arena } from "./arena";
import { DutyCycleBudget } from "./duty-cycle";
import { FramePool, framePoolBlocks, FRAME_POOL_BLOCK_BYTES } from "./frame-pool";
import { FRAGMENT_HEADER_BYTES, FragmentHeader, fragmentChunkBytes, fragmentCount, fragmentOffset, parseFragmentHeader, writeFragmentHeader } from "./fragment-header";
import { HOP_ACK_ENTRY_BYTES, HopAckHistory, HopAckTable, readHopAckCounter, readHopAckSource } from "./hop-acks";
import {
  BROADCAST_NODE_ID,
  FrameType,
  LINK_CLASS_COUNT,
  LinkClass,
  LINK_FRAME_MIN_BYTES,
  LINK_TAG_BYTES,
  LinkHeader,
  NODE_ID_MAX,
  SHORT_COUNTER_LIMIT,
  hasDestination,
  linkHeaderBytes,
  parseLinkHeader,
  rewriteHopFields,
} from "./link-header";
import type { LinkKeyring } from "./link-keys";
import { LINK_SCRATCH_BYTES, LinkOpener, LinkScratch, LinkSealer, type ReceiveAdmission } from "./link-seal";
import { MESH_COUNTERS_BYTES, MeshCounter, MeshCounters } from "./mesh-counters";
import { compactMeshConfig, validateMeshConfig, type MeshConfig } from "./mesh-config";
import { NeighbourChange, NeighbourTable, snrQualityPermille } from "./neighbour-table";
import { PendingSends } from "./pending-sends";
import { RadioReception, type MeshRadio } from "./radio-port";
import { RECORD_ENTRY_HEADER_BYTES, RecordQueues, recordQueueBlocksMax, type RecordQueueLimits } from "./record-queues";
import { FragmentResult, ReassemblyTable } from "./reassembly";
import { RecentPairs } from "./recent-pairs";
import { RelayQueue } from "./relay-queue";
import { RouteChange, RouteTable } from "./route-table";
import { OutgoingStage, STAGE_BYTES, StageKind } from "./outgoing-stage";

/** The utilisation window's series of the airtime this node sent (series 0: everything heard and sent). */
const AIRTIME_SENT = 1;

/** A delivered message as `takeDelivery` fills it (the same shape as transport-port.ts's Delivery). */
export interface MeshDelivery {
  sourceId: number;
  trafficClass: number;
  bytes: Uint8Array;
  offset: number;
  length: number;
}

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
const INBOX_QUEUE = LINK_CLASS_COUNT;
const CONTROL_QUEUE = LINK_CLASS_COUNT + 1;
// Frames held for a receive-ceiling raise: rssi + 0x8000 (u16), snr + 0x8000 (u16), then the frame.
const HELD_QUEUE = LINK_CLASS_COUNT + 2;
const HELD_META_BYTES = 4;
// Outgoing queue records: kind, destination, message id, pending slot, enqueued time (6 bytes), payload.
const RECORD_META_BYTES = 13;
/** Where a staged inline message starts in its store entry (the queue record it was, adopted by the stage). */
const STAGED_INLINE_AT = RECORD_ENTRY_HEADER_BYTES + RECORD_META_BYTES;
const RECORD_INLINE = 0;
const RECORD_PENDING = 1;
// Inbox records: source (2), class (1), payload.
const INBOX_META_BYTES = 3;
// Control records: type (1, high bit: flood even with a route), destination (2), payload (a HopAck's is built when it is sealed).
const CONTROL_META_BYTES = 3;
const CONTROL_FLOOD_FLAG = 0x80;
const ACK_PAYLOAD_BYTES = 2;
/** Most routed frames one HopAck acknowledges (its own and the recent ones before it). */
const HOP_ACK_ENTRIES_MAX = 4;
// Rate-limiter classes: per authenticated source (relay, receive), and our own sends per traffic class.
const RATE_RECEIVE = 0;
const RATE_RELAY_BASE = 1;
const RATE_SEND_BASE = 4;

/** Gap between contention slots on top of a frame's airtime (turnaround, latency). */
const RELAY_SLOT_GUARD_MS = 5;
/** Most base waits a routed frame's resend waits for the next hop (the back-off doubles up to it). */
const HOP_BACKOFF_WAITS_MAX = 8;
/** Most extra contention slots a busy relay adds to a route advertisement. */
const ADVERT_LOAD_SLOTS_MAX = 32;

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
type RuntimeConfig = Pick<MeshConfig, (typeof RUNTIME_CONFIG_KEYS)[number]>;

const Candidate = Object.freeze({ None: 0, Control: 1, Relay: 2, Message: 3, HopRetry: 4 } as const);
/** What #gatesAllow found: go, or which gate holds the frame. */
const Gate = Object.freeze({ Open: 0, DutyCycle: 1, Channel: 2 } as const);
type Gate = (typeof Gate)[keyof typeof Gate];

export class MeshTransport {
  readonly nodeId: number;
  readonly counters: MeshCounters;
  private readonly radio_: MeshRadio;
  private readonly config_: RuntimeConfig;
  private readonly random_: MeshRandom;
  private readonly log_: LogRing | undefined;
  private readonly observer_: MeshObserver | undefined;

  private readonly sealer_: LinkSealer;
  private readonly opener_: LinkOpener;
  // Receive side.
  /**
   * Header of the frame received; in the transmit phase, of the frame being
   * sealed, then of the frame just put on the air (parsed back for the
   * hop-ack watch). One object: a tick receives (every frame handled to the
   * end) before it transmits, and neither reads the other's fields.
   */
  private readonly header_ = new LinkHeader();
  private readonly rxMeta_ = new RadioReception();
  /** Fragment header of the frame received, or of the fragment being sealed (the phases of a tick do not overlap). */
  private readonly fragment_ = new FragmentHeader();
  /**
   * One frame buffer and one plaintext buffer (MTU bytes; the plaintext one
   * at least an inbox record) for both directions and for takeDelivery: a tick
   * receives (every frame handled to the end: copied into a table or
   * dropped) before it transmits (the frame sealed or copied in just before
   * it goes to the radio, which copies it), takeDelivery runs between ticks, and
   * none of them keeps bytes there for another or for later.
   */
  private readonly frame_: Uint8Array;
  private readonly plain_: Uint8Array;
  private readonly duplicates_: RecentPairs;
  private readonly delivered_: RecentPairs;
  private readonly neighbours_: NeighbourTable;
  private readonly routes_: RouteTable;
  private readonly reassembly_: ReassemblyTable;
  // Send side.
  /** Outgoing messages per class, the inbox, the control queue: records in the frame store (record-queues.ts). */
  private readonly queues_: RecordQueues;
  private readonly relays_: RelayQueue;
  private readonly pending_: PendingSends;
  /** Every frame or message kept for later: relays, hop-ack watches, pending sends, queued and staged messages (frame-pool.ts). */
  private readonly pool_: FramePool;
  private readonly hopAcks_: HopAckTable;
  private readonly hopAckHistory_: HopAckHistory;
  /** A HopAck is queued and not yet sent: later frames join it instead of queueing another. */
  private hopAckQueued_ = false;
  private hopAckQueuedAtMs_ = 0;
  private readonly stages_: readonly OutgoingStage[];
  private readonly duty_: DutyCycleBudget;
  /** All airtime heard and sent over the utilisation window; series AIRTIME_SENT: our own (how busy we are, for route advertisements). */
  private readonly utilisation_: AirtimeWindow;
  private readonly rate_: RateLimiter;
  private nowMs_ = 0;
  /** When the last counter skip was applied, or -1 (applyCounterSkip_). */
  private lastSkipAtMs_ = -1;
  private txBusyUntilMs_ = 0;
  private backoffUntilMs_ = 0;
  private heldUntilMs_ = 0;
  /** The last tick stopped at receiveFramesPerTickMax with frames possibly left in the radio. */
  private receiveBacklog_ = false;

  private nextHelloMs_ = -1;

  /** Errors: InvalidArgument (bad config or id, MTU too small), or a sub-table's. */
  static create(options: MeshTransportOptions): Result<MeshTransport> {
    const c = options.config;
    if (validateMeshConfig(c).length > 0) return err(ErrorCode.InvalidArgument);
    const mtu = options.radio.mtuBytes;
    const unicastFragmentBytes = mtu - linkHeaderBytes(FrameType.UnicastFragment, SHORT_COUNTER_LIMIT) - LINK_TAG_BYTES - FRAGMENT_HEADER_BYTES;
    if ((mtu | 0) !== mtu || mtu > 0xffff || unicastFragmentBytes < 1) return err(ErrorCode.InvalidArgument);
    if (fragmentCount(c.maxMessageBytes, unicastFragmentBytes) === 0) return err(ErrorCode.InvalidArgument);
    // A frame store too small for one MTU frame could never relay or watch one.
    if (c.frameStoreBytes > 0 && c.frameStoreBytes < mtu) return err(ErrorCode.InvalidArgument);
    const parts = buildParts(options);
    if (!parts.ok) return parts;
    return ok(new MeshTransport(options, parts.value));
  }

  private constructor(options: MeshTransportOptions, parts: Parts) {
    this.nodeId = options.nodeId;
    this.counters = parts.counters;
    this.radio_ = options.radio;
    // Only what differs from the defaults stays in RAM (the defaults are flash under preload).
    this.config_ = compactMeshConfig(options.config, RUNTIME_CONFIG_KEYS);
    this.random_ = options.random;
    this.log_ = options.log;
    this.observer_ = options.observer;

    this.sealer_ = parts.sealer;
    this.opener_ = new LinkOpener(options.provider, parts.sealer, options.replay, parts.linkScratch, options.receiveAdmission);
    this.frame_ = parts.frame;
    this.plain_ = parts.plain;
    this.duplicates_ = parts.duplicates;
    this.delivered_ = parts.delivered;
    this.neighbours_ = parts.neighbours;
    this.routes_ = parts.routes;
    this.reassembly_ = parts.reassembly;
    this.queues_ = parts.queues;
    this.relays_ = parts.relays;
    this.pending_ = parts.pending;
    this.pool_ = parts.pool;
    this.hopAcks_ = parts.hopAcks;
    this.hopAckHistory_ = parts.hopAckHistory;
    this.stages_ = parts.stages;
    this.duty_ = parts.duty;
    this.utilisation_ = parts.utilisation;
    this.rate_ = parts.rate;
    if (options.keys !== undefined) this.sealer_.setKeys(options.keys);
  }

  // ------------------------------------------------------------ derived

  /** Largest message `send` takes (config.maxMessageBytes). */
  get maxMessageBytes(): number {
    return this.config_.maxMessageBytes;
  }

  /** Low byte of this node's id (link hints); derived, not kept (each field is a heap slot on XS). */
  private get lowId_(): number {
    return this.nodeId & 0xff;
  }
  private get mtuBytes_(): number {
    return this.frame_.length;
  }

  // ------------------------------------------------------------ public API

  /** Install this node's link secrets (a new key epoch: link-keys.ts). */
  setKeys(keys: LinkKeyring): void {
    this.sealer_.setKeys(keys);
  }

  /**
   * Acknowledged sends that ended since the last `advanceOutcomes`, in the
   * order they ended (pending-sends.ts). The caller drains them after each
   * call into the transport; until then their slots are not reused.
   */
  get outcomeCount(): number {
    return this.pending_.outcomeCount;
  }
  /** Where outcome `i`'s message was going. */
  outcomeDestination(i: number): number {
    return this.pending_.destinationAt(this.pending_.outcomeSlot(i));
  }
  /** The caller's message id of outcome `i` (what `send` was given). */
  outcomeMessageId(i: number): number {
    return this.pending_.callerIdAt(this.pending_.outcomeSlot(i));
  }
  /** Outcome `i`: Ok (acknowledged) or why the send failed. */
  outcomeStatus(i: number): Status {
    return this.pending_.statusAt(this.pending_.outcomeSlot(i)) as Status;
  }
  /** The caller has taken every outcome. */
  advanceOutcomes(): void {
    this.pending_.drainOutcomes();
  }

  /** The radio's receive interrupt goes straight to `handler` (the agent's driver); the transport itself never calls it. */
  onReadable(handler: () => void): void {
    this.radio_.onReadable?.(handler);
  }

  /**
   * Accept a message for `destinationId` (or BROADCAST_NODE_ID); the bytes
   * are copied. Ok, or: InvalidArgument (class, range, ack on broadcast,
   * empty broadcast), MeshMessageTooLarge, MeshBadNodeId, RateLimited (the
   * class's send budget), MeshPendingFull, MeshQueueFull.
   * Every refusal is counted.
   */
  send(destinationId: number, trafficClass: number, bytes: Uint8Array, offset: number, length: number, ackRequested: boolean, messageId: number): Status {
    const counters = this.counters;
    const broadcast = destinationId === BROADCAST_NODE_ID;
    const validRange = (offset >>> 0) === offset && (length >>> 0) === length && offset + length <= bytes.length;
    // An empty broadcast is the link-local presence beacon, not an application message.
    const badShape = (broadcast && (ackRequested || length === 0)) || (trafficClass >>> 0) !== trafficClass || trafficClass >= LINK_CLASS_COUNT;
    if (!validRange || badShape) {
      counters.inc(MeshCounter.sendRefusedInvalid);
      return ErrorCode.InvalidArgument;
    }
    if (length > this.maxMessageBytes) return this.refuse_(MeshCounter.sendRefusedTooLarge, ErrorCode.MeshMessageTooLarge);
    // A destination outside the site has no keys here: refused now, not as a seal failure later (link-keys.ts).
    const siteSize = this.sealer_.keys?.siteSize ?? NODE_ID_MAX;
    if (!broadcast && ((destinationId >>> 0) !== destinationId || destinationId < 1 || destinationId > siteSize || destinationId === this.nodeId)) {
      return this.refuse_(MeshCounter.sendRefusedBadNodeId, ErrorCode.MeshBadNodeId);
    }
    // The application's own rate budget per class: a babbling application is refused here, counted.
    if (this.rate_.tryTake(this.nodeId, RATE_SEND_BASE + trafficClass, this.nowMs_) !== ErrorCode.Ok) {
      return this.refuse_(MeshCounter.sendRateLimited, ErrorCode.RateLimited);
    }
    const type = broadcast ? FrameType.Broadcast : ackRequested ? FrameType.UnicastAck : FrameType.Unicast;
    const fragmented = length > this.singleCapacity_(type);
    const wireId = ackRequested || fragmented ? this.takeMessageId_() : 0;
    if (wireId < 0) return this.refuse_(MeshCounter.sendRefusedNoMessageId, ErrorCode.SendCounterUnavailable);
    let slot = -1;
    if (ackRequested) {
      slot = this.pending_.acquire(destinationId, trafficClass, bytes, offset, length, messageId, wireId, this.nowMs_);
      if (slot < 0) return this.refuse_(MeshCounter.sendRefusedPendingFull, ErrorCode.MeshPendingFull);
    }
    // An acknowledged send is queued as a reference; its bytes stay in the pending slot.
    const inlineBytes = slot < 0 ? length : 0;
    const pushed = this.enqueue_(trafficClass, slot < 0 ? RECORD_INLINE : RECORD_PENDING, destinationId, wireId, slot, bytes, offset, inlineBytes);
    if (pushed !== ErrorCode.Ok) {
      if (slot >= 0) this.pending_.release(slot);
      return pushed;
    }
    counters.inc(MeshCounter.messagesAccepted);
    return ErrorCode.Ok;
  }

  /**
   * Take the oldest delivered message into `out` (its bytes copied to the
   * transport's plaintext buffer, valid until the next call into the
   * transport): true, or false with `out` unchanged when none waits.
   */
  takeDelivery(out: MeshDelivery): boolean {
    const queues = this.queues_;
    const buffer = this.plain_;
    const handle = queues.head(INBOX_QUEUE);
    if (handle < 0) return false;
    const length = queues.recordLength(handle);
    queues.read(handle, 0, buffer, 0, length);
    queues.shift(INBOX_QUEUE);
    if (length < INBOX_META_BYTES) return false; // unreachable: deliver_ writes the header with every record
    out.sourceId = ((buffer[0] ?? 0) << 8) | (buffer[1] ?? 0);
    out.trafficClass = buffer[2] ?? 0;
    out.bytes = buffer;
    out.offset = INBOX_META_BYTES;
    out.length = length - INBOX_META_BYTES;
    return true;
  }

  /** Advance to `nowMs`: receive, run timers, transmit (see the module comment). */
  tick(nowMs: number): void {
    const now = nowMs > this.nowMs_ ? nowMs : this.nowMs_;
    this.nowMs_ = now;
    // Persist first (etcd-raft's Ready order: persist, then send): the counter
    // values this tick may seal are reserved in flash here, never inside a seal.
    this.sealer_.prepare();
    this.receiveFrames_(now);
    // Receive ceilings (core/storage/receive-ceilings.ts): frames above their sender's durable ceiling were held; the
    // raise is persisted here, before this tick sends or hands over anything, and then they go through.
    const admission = this.opener_.admission;
    if (admission !== undefined) {
      admission.prepare();
      if (this.queues_.count(HELD_QUEUE) > 0) this.releaseHeld_(now);
    }
    const timedOut = this.reassembly_.expire(now);
    if (timedOut > 0) this.counters.inc(MeshCounter.dropReassemblyTimeout, timedOut);
    this.checkAckDeadlines_(now);
    this.checkHopAcks_(now);
    this.requestMissingFragments_(now);
    this.beacon_(now);
    this.transmit_(now);
  }

  /** When the next tick has work (always > the last tick's time), or -1 when idle. */
  nextWakeMs(): number {
    const now = this.nowMs_;
    if (this.receiveBacklog_ || this.queues_.count(HELD_QUEUE) > 0) return now + 1;
    let at = this.relays_.size > 0 ? this.relays_.nextDeadlineMs() : Number.POSITIVE_INFINITY;
    at = Math.min(at, this.hopAcks_.nextDeadlineMs());
    const messageAt = this.queues_.count(CONTROL_QUEUE) > 0 ? now : this.messageWorkAtMs_(now);
    if (messageAt !== Number.POSITIVE_INFINITY) at = Math.min(at, Math.max(messageAt, this.heldUntilMs_ > now ? this.heldUntilMs_ : now));
    if (at !== Number.POSITIVE_INFINITY) at = Math.max(at, this.txBusyUntilMs_, this.backoffUntilMs_);
    at = Math.min(at, this.pending_.nextDeadlineMs());
    const expiry = this.reassembly_.nextExpiryMs();
    if (expiry >= 0) at = Math.min(at, expiry);
    at = Math.min(at, this.nextNackMs_());
    if (this.nextHelloMs_ > 0) at = Math.min(at, this.nextHelloMs_);
    if (at === Number.POSITIVE_INFINITY) return -1;
    return at > now ? at : now + 1;
  }

  // ------------------------------------------------------- introspection

  get neighbours(): NeighbourTable {
    return this.neighbours_;
  }
  get routes(): RouteTable {
    return this.routes_;
  }
  get reassembly(): ReassemblyTable {
    return this.reassembly_;
  }
  get duty(): DutyCycleBudget {
    return this.duty_;
  }
  /** Acknowledged sends in flight (not those ended and waiting in the outcome batch). */
  get pendingCount(): number {
    return this.pending_.inUse - this.pending_.outcomeCount;
  }
  get relaysWaiting(): number {
    return this.relays_.size;
  }
  /** Routed frames waiting for their next hop's acknowledgement. */
  get hopAcksWaiting(): number {
    return this.hopAcks_.size;
  }
  /** The frame store every kept frame and message lives in (free blocks, refusals). */
  get frameStore(): FramePool {
    return this.pool_;
  }
  get duplicateCache(): RecentPairs {
    return this.duplicates_;
  }
  get deliveredCache(): RecentPairs {
    return this.delivered_;
  }
  /** Messages waiting in the class queue. */
  queuedMessages(trafficClass: number): number {
    return (trafficClass >>> 0) === trafficClass && trafficClass < LINK_CLASS_COUNT ? this.queues_.count(trafficClass) : 0;
  }
  /** Channel utilisation (permille) over the utilisation window ending at `nowMs`. */
  utilisationPermille(nowMs: number): number {
    return Math.floor(this.utilisation_.usedUs(nowMs) / this.utilisation_.windowMs);
  }

  // ------------------------------------------------------------- receive

  private receiveFrames_(now: number): void {
    const radio = this.radio_;
    // Stopping at the cap leaves frames in the radio: nextWakeMs asks for another tick at once (no interrupt comes for them).
    this.receiveBacklog_ = true;
    for (let i = 0; i < this.config_.receiveFramesPerTickMax; i++) {
      const length = radio.receive(now, this.frame_, this.rxMeta_);
      if (length === -ErrorCode.Empty) {
        this.receiveBacklog_ = false;
        return;
      }
      if (length < 0) {
        this.counters.inc(MeshCounter.framesReceived);
        this.counters.inc(length === -ErrorCode.MeshFrameOversized ? MeshCounter.dropOversized : MeshCounter.radioFault);
        continue;
      }
      this.onFrame_(length, now, false);
    }
  }

  /**
   * The frames held last tick for a receive-ceiling raise, through the
   * receive path again (their airtime was counted when they arrived); one
   * refused again is dropped, not held twice.
   */
  private releaseHeld_(now: number): void {
    const queues = this.queues_;
    const meta = this.rxMeta_;
    while (queues.count(HELD_QUEUE) > 0) {
      const handle = queues.head(HELD_QUEUE);
      const length = queues.recordLength(handle) - HELD_META_BYTES;
      meta.rssiDbm = queues.readU16(handle, 0) - 0x8000;
      meta.snrQuarterDb = queues.readU16(handle, 2) - 0x8000;
      meta.airtimeUs = 0;
      queues.read(handle, HELD_META_BYTES, this.frame_, 0, length);
      queues.shift(HELD_QUEUE);
      this.onFrame_(length, now, true);
    }
  }

  /** Keep frame_[0 .. length) for the next tick (releaseHeld_); false when the held queue has no room. */
  private hold_(length: number): boolean {
    const queues = this.queues_;
    const handle = queues.append(HELD_QUEUE, HELD_META_BYTES + length);
    if (handle < 0) return false;
    queues.writeU16(handle, 0, (this.rxMeta_.rssiDbm + 0x8000) & 0xffff);
    queues.writeU16(handle, 2, (this.rxMeta_.snrQuarterDb + 0x8000) & 0xffff);
    queues.write(handle, HELD_META_BYTES, this.frame_, 0, length);
    return true;
  }

  /** `held`: a frame held for a receive-ceiling raise, going through again (releaseHeld_). */
  private onFrame_(length: number, now: number, held: boolean): void {
    const counters = this.counters;
    const frame = this.frame_;
    const h = this.header_;
    if (!held) counters.inc(MeshCounter.framesReceived);
    const airtimeUs = this.rxMeta_.airtimeUs;
    if (airtimeUs > 0) this.utilisation_.record(now, airtimeUs);
    const parsed = parseLinkHeader(frame, length, h);
    if (parsed !== ErrorCode.Ok) {
      counters.inc(parseDropCounter(parsed));
      return;
    }
    this.noteNeighbourLoad_(h, airtimeUs, now);
    const opener = this.opener_;
    const keyed = opener.keyCheck(h);
    if (keyed !== ErrorCode.Ok) {
      counters.inc(openDropCounter(keyed));
      return;
    }
    // The hop tag (under F) first: nothing heard from outside the site is relayed, learned from, taken as a hop
    // acknowledgement or opened.
    const hop = opener.verifyHop(frame, length);
    if (hop !== ErrorCode.Ok) {
      counters.inc(hop === ErrorCode.CryptoAuthFailed ? MeshCounter.dropHopForged : MeshCounter.dropUnknownKey);
      return;
    }
    // Our routed frame heard again further on: the next hop took it (hop-acks.ts). Checked first: it is often our own echo or routed past us.
    if (this.hopAcks_.size > 0) this.onForwardHeard_(h, frame, length);
    if (h.source === this.nodeId) {
      counters.inc(MeshCounter.dropOwnEcho);
      return;
    }
    // A routed frame names its next hop; the others only overhear it, unless it is for them.
    if (h.routed && h.linkHint !== this.lowId_ && h.destination !== this.nodeId) {
      counters.inc(MeshCounter.dropNotForUs);
      return;
    }
    const endpoint = h.destination === this.nodeId || !hasDestination(h.type);
    // A held frame was entered as seen when it was held (its copies since are duplicates); it is the original.
    if (!held && this.isDuplicate_(frame, length, h)) return;
    if (!endpoint) {
      this.onRelayOnly_(h, length, now);
      return;
    }
    const plaintextBytes = opener.open(frame, length, h, this.plain_);
    if (plaintextBytes < 0) {
      // Authentic but not yet below its durable ceiling: held until the next persist phase raises it.
      if (plaintextBytes === -ErrorCode.MeshReceiveCeiling && !held && this.hold_(length)) {
        counters.inc(MeshCounter.framesHeldForCeiling);
        // Authentic: its relayed copies heard before the next tick are duplicates, not frames to hold again.
        this.duplicates_.insert(h.source, h.counter, tagFingerprint(frame, length), now);
        return;
      }
      counters.inc(openDropCounter(-plaintextBytes));
      return;
    }
    counters.inc(MeshCounter.framesAccepted);
    if (this.observer_ !== undefined) this.observer_.accepted(this.nodeId, h.source, h.counter, frame, length);
    // Per-origin token bucket on authenticated frames: a babbling member is held to its rate; forgeries fail
    // above and cannot spend anyone else's tokens (a flood's origin is only "a board of the site"). A frame over
    // the rate takes no duplicate-cache entry either (its copies meet the replay window), so a flooding member
    // cannot push the other members' entries out of the cache.
    if (this.rate_.tryTake(h.source, RATE_RECEIVE, now) !== ErrorCode.Ok) {
      counters.inc(MeshCounter.dropRateLimited);
      return;
    }
    this.duplicates_.insert(h.source, h.counter, tagFingerprint(frame, length), now);
    this.learn_(h, plaintextBytes, now);
    this.dispatch_(h, plaintextBytes, now);
    // A routed frame ends here: tell the hop that sent it, which keeps it until acknowledged.
    if (h.routed && h.destination === this.nodeId) this.queueHopAck_(h.source, h.counter);
    else if (h.destination !== this.nodeId && h.hopLimit > 0) this.considerRelay_(h, length, now);
  }

  /**
   * A frame this board only passes on (routed to us as its next hop, or a
   * flooded unicast for another board), its hop tag verified; its payload
   * and end-to-end tag are not ours to check. Its claimed origin is charged
   * for it: the hop tag says only "a board of the site" (README "Link
   * security": a captured board can spend another's relay budget; the
   * destination's end-to-end check still refuses its frames).
   */
  private onRelayOnly_(h: LinkHeader, length: number, now: number): void {
    const counters = this.counters;
    counters.inc(MeshCounter.framesToRelay);
    if (this.rate_.tryTake(h.source, RATE_RECEIVE, now) !== ErrorCode.Ok) {
      counters.inc(MeshCounter.dropRateLimited);
      return;
    }
    this.duplicates_.insert(h.source, h.counter, tagFingerprint(this.frame_, length), now);
    this.learn_(h, length - h.headerBytes - LINK_TAG_BYTES, now);
    if (h.hopLimit > 0) this.considerRelay_(h, length, now);
  }

  /**
   * Duplicate suppression before any cryptography but the hop tag: a
   * (source, counter) already seen with the same end-to-end tag is a relay
   * copy (counted, and it cancels our own pending relay of it). Another tag
   * under a seen pair is not dropped here: a relay cannot tell which of two
   * is authentic, so a board that sends a frame under another's (source,
   * counter) first cannot get the authentic one dropped on its way or at
   * its destination; there the end-to-end tag and the replay window decide
   * (README "Link security").
   */
  private isDuplicate_(frame: Uint8Array, length: number, h: LinkHeader): boolean {
    const slot = this.duplicates_.find(h.source, h.counter);
    if (slot < 0 || this.duplicates_.valueAt(slot) !== tagFingerprint(frame, length)) return false;
    this.counters.inc(MeshCounter.dropDuplicate);
    // Our next-hop copy again: the sender missed our forward (or our HopAck). Repeat the acknowledgement, unless our forward is still to come.
    if (h.routed && h.linkHint === this.lowId_ && !this.relays_.has(h.source, h.counter)) this.queueHopAck_(h.source, h.counter);
    const config = this.config_;
    // Only a near peer's relay (strong signal) covers most of what ours would (Ni et al.'s distance-based scheme).
    const near = snrQualityPermille(this.rxMeta_.snrQuarterDb) >= config.relayCancelQualityPermille;
    if (config.managedFlooding && near && this.relays_.heardCopy(h.source, h.counter, h.hopsTaken, config.relayCancelCopies) === ErrorCode.Ok) {
      this.counters.inc(MeshCounter.relaysCancelled);
    }
    return true;
  }

  /** Neighbour link quality from direct frames; reverse routes from flooded frames, and from routed ones with hop-by-hop retransmission. */
  private learn_(h: LinkHeader, plaintextBytes: number, now: number): void {
    const meta = this.rxMeta_;
    if (h.hopsTaken === 0) {
      const change = this.neighbours_.heard(h.source, now, meta.rssiDbm, meta.snrQuarterDb);
      if (change !== NeighbourChange.Refreshed) {
        this.counters.inc(MeshCounter.neighboursAdded);
        this.logEvent_(MeshLogEvent.NeighbourAdded, h.source, meta.rssiDbm, meta.snrQuarterDb, 0);
      }
      if (change === NeighbourChange.AddedEvicting) {
        this.counters.inc(MeshCounter.neighboursEvicted);
        this.logEvent_(MeshLogEvent.NeighbourEvicted, this.neighbours_.lastEvictedId, 0, 0, 0);
      }
    }
    // Flooded frames name their transmitter in the link hint; unicast frames (routed too) in the relay hint.
    // Routes back along routed frames only with hop-by-hop retransmission: replies then follow them hop by hop;
    // without it a routed reply crosses every lossy hop once, and a flooded one (learned from floods) is safer.
    if (h.routed && this.config_.hopRetriesMax === 0) return;
    const hint = hasDestination(h.type) ? h.relayHint : h.linkHint;
    let transmitter = h.hopsTaken === 0 ? h.source : this.neighbours_.resolveHint(hint, now, this.config_.neighbourFreshMs);
    // A transmitter never heard directly (its beacon lost) is still the one node with that low id byte in range that just
    // sent this; a route by that byte reaches it, since routed frames name their next hop by the same byte.
    if (transmitter <= 0 && hint > 0 && hint !== this.lowId_ && !this.neighbours_.hasHint(hint)) transmitter = hint;
    if (transmitter <= 0 || transmitter === this.nodeId) return;
    const hops = h.hopsTaken + 1;
    // An empty broadcast is the source's beacon: its flooded form advertises a route to it (route-table.ts),
    // which may move an equally short route here when the current next hop is much the busier.
    const advert = h.type === FrameType.Broadcast && plaintextBytes === 0 && this.mayReparent_(h.source, transmitter, now) ? h.counter : -1;
    const change = this.routes_.learn(h.source, transmitter, hops, now, advert);
    if (change === RouteChange.Learned) {
      this.counters.inc(MeshCounter.routesLearned);
      this.logEvent_(MeshLogEvent.RouteLearned, h.source, transmitter, hops, 0);
    } else if (change === RouteChange.Replaced) {
      this.counters.inc(MeshCounter.routesReplaced);
      this.logEvent_(MeshLogEvent.RouteReplaced, h.source, transmitter, hops, this.routes_.previousNextHop);
    }
  }

  private dispatch_(h: LinkHeader, plaintextBytes: number, now: number): void {
    const plain = this.plain_;
    switch (h.type) {
      case FrameType.Broadcast:
        if (plaintextBytes === 0) this.counters.inc(MeshCounter.beaconsReceived);
        else if (isCounterSkip(h.trafficClass, plain, plaintextBytes)) this.applyCounterSkip_(plain, now);
        else this.deliver_(h.source, h.trafficClass, plain, 0, plaintextBytes);
        return;
      case FrameType.Unicast:
        this.deliver_(h.source, h.trafficClass, plain, 0, plaintextBytes);
        return;
      case FrameType.UnicastAck:
        if (plaintextBytes < ACK_PAYLOAD_BYTES) {
          this.counters.inc(MeshCounter.dropTruncated);
          return;
        }
        this.deliverOnce_(h.source, h.trafficClass, readU16(plain, 0), true, plain, ACK_PAYLOAD_BYTES, plaintextBytes - ACK_PAYLOAD_BYTES, now);
        return;
      case FrameType.BroadcastFragment:
      case FrameType.UnicastFragment:
        this.acceptFragment_(h, plaintextBytes, now);
        return;
      case FrameType.Ack:
        this.onAck_(h.source, plain, plaintextBytes);
        return;
      case FrameType.HopAck:
        this.onHopAck_(h.source, plain, plaintextBytes);
        return;
      default:
        this.onNack_(h.source, plain, plaintextBytes);
    }
  }

  /**
   * A rebooted board asked every sender to skip its counter past the floors
   * it may have lost (requestCounterSkip). The request is keyed by the flood
   * secret, so any board of the site can send one under any id (README "Link
   * security"): at most counterSkipMaxValues a request and one skip per
   * counterSkipHoldoffMs, so a captured board burns at most that many values
   * a holdoff (17 a minute by default: a generation's 2^28 lasts 30 years).
   */
  private applyCounterSkip_(plain: Uint8Array, now: number): void {
    const values = readU16(plain, 1);
    const config = this.config_;
    if (values > config.counterSkipMaxValues || (this.lastSkipAtMs_ >= 0 && now - this.lastSkipAtMs_ < config.counterSkipHoldoffMs)) {
      this.counters.inc(MeshCounter.counterSkipsRefused);
      return;
    }
    if (this.sealer_.skipCounter(values) !== ErrorCode.Ok) return;
    this.lastSkipAtMs_ = now;
    this.counters.inc(MeshCounter.counterSkipsApplied);
  }

  /**
   * After a power loss: ask every board of the site (one flooded control
   * frame) to leave the next `values` values of its send counter unused, so
   * that what each sends next lies above the replay floors this board
   * restored from flash (core/storage/receive-ceilings.ts: a floor is at
   * most its sender's last admitted counter + 1 + the ceiling step). The
   * frame is authenticated and replay-protected like any other, so a
   * recording of it cannot make senders skip again. Errors: InvalidArgument
   * for values outside 1..counterSkipMaxValues (what receivers apply), or
   * `send`'s.
   */
  requestCounterSkip(values: number): Status {
    if ((values | 0) !== values || values < 1 || values > this.config_.counterSkipMaxValues) return ErrorCode.InvalidArgument;
    // A control record (as beacons are): it never goes stale in a queue, whenever the first tick comes after boot.
    const record = this.pushControl_(FrameType.Broadcast, BROADCAST_NODE_ID, COUNTER_SKIP_BYTES);
    if (record < 0) {
      this.counters.inc(MeshCounter.controlQueueFull);
      return ErrorCode.Full;
    }
    const queues = this.queues_;
    queues.writeByte(record, CONTROL_META_BYTES, COUNTER_SKIP_KIND);
    queues.writeU16(record, CONTROL_META_BYTES + 1, values);
    this.counters.inc(MeshCounter.counterSkipsRequested);
    return ErrorCode.Ok;
  }

  private deliver_(source: number, trafficClass: number, bytes: Uint8Array, offset: number, length: number): boolean {
    const queues = this.queues_;
    const handle = queues.append(INBOX_QUEUE, INBOX_META_BYTES + length);
    if (handle < 0) {
      this.counters.inc(MeshCounter.dropInboxFull);
      return false;
    }
    queues.writeU16(handle, 0, source);
    queues.writeByte(handle, 2, trafficClass);
    queues.write(handle, INBOX_META_BYTES, bytes, offset, length);
    this.counters.inc(MeshCounter.messagesDelivered);
    return true;
  }

  /**
   * Exactly-once delivery of a message with a wire id: a (source, id)
   * delivered before is not delivered again (its ack is repeated: the first
   * one may have been lost). When the delivered cache cannot hold the id
   * yet, the message is dropped unacknowledged, so the sender retries later.
   */
  private deliverOnce_(source: number, trafficClass: number, messageId: number, ack: boolean, bytes: Uint8Array, offset: number, length: number, now: number): void {
    const delivered = this.delivered_;
    if (delivered.find(source, messageId) >= 0) {
      this.counters.inc(MeshCounter.dropDeliveredDuplicate);
      if (ack) this.queueAck_(source, messageId, !this.header_.routed);
      return;
    }
    if (!delivered.wouldAccept(now)) {
      this.counters.inc(MeshCounter.dropDeliveredCacheFull);
      return;
    }
    if (!this.deliver_(source, trafficClass, bytes, offset, length)) return;
    delivered.insert(source, messageId, 0, now);
    if (ack) this.queueAck_(source, messageId, !this.header_.routed);
  }

  private acceptFragment_(h: LinkHeader, plaintextBytes: number, now: number): void {
    const f = this.fragment_;
    const parsed = parseFragmentHeader(this.plain_, plaintextBytes, f);
    if (parsed !== ErrorCode.Ok) {
      this.counters.inc(parsed === ErrorCode.MeshFrameTruncated ? MeshCounter.dropTruncated : MeshCounter.dropFragmentInvalid);
      return;
    }
    const ack = f.ackRequested && h.type === FrameType.UnicastFragment;
    const reassembly = this.reassembly_;
    if (reassembly.find(h.source, f.messageId) < 0 && this.delivered_.find(h.source, f.messageId) >= 0) {
      this.counters.inc(MeshCounter.dropDeliveredDuplicate);
      if (ack) this.queueAck_(h.source, f.messageId, !h.routed);
      return;
    }
    const result = reassembly.accept(h.source, h.trafficClass, f, this.plain_, FRAGMENT_HEADER_BYTES, now);
    if (result < 0) {
      this.counters.inc(reassemblyDropCounter(-result));
      return;
    }
    if (result !== FragmentResult.Complete) return;
    const slot = reassembly.completedSlot;
    // The fragment's plaintext is in the reassembly slot already: the whole message goes through plain_ (at least a largest message).
    reassembly.read(slot, 0, this.plain_, 0, f.totalBytes);
    reassembly.release(slot);
    this.deliverOnce_(h.source, h.trafficClass, f.messageId, ack, this.plain_, 0, f.totalBytes, now);
  }

  private onAck_(source: number, plain: Uint8Array, plaintextBytes: number): void {
    if (plaintextBytes !== ACK_PAYLOAD_BYTES) {
      this.counters.inc(MeshCounter.dropTruncated);
      return;
    }
    const slot = this.pending_.find(source, readU16(plain, 0));
    if (slot < 0) {
      this.counters.inc(MeshCounter.dropAckUnknown);
      return;
    }
    this.counters.inc(MeshCounter.acksReceived);
    this.finishPending_(slot, ErrorCode.Ok);
  }

  /** HopAck: 1..HOP_ACK_ENTRIES_MAX entries (source u16, counter u32) of routed frames this neighbour took. */
  private onHopAck_(from: number, plain: Uint8Array, plaintextBytes: number): void {
    const entries = Math.floor(plaintextBytes / HOP_ACK_ENTRY_BYTES);
    if (entries < 1 || entries > HOP_ACK_ENTRIES_MAX || entries * HOP_ACK_ENTRY_BYTES !== plaintextBytes) {
      this.counters.inc(MeshCounter.dropTruncated);
      return;
    }
    // A HopAck is link-local: the other neighbours overhear it, which is no drop.
    if (this.hopAcks_.size === 0) return;
    for (let k = 0; k < entries; k++) {
      const slot = this.hopAcks_.acknowledgedSlot(readHopAckSource(plain, k), readHopAckCounter(plain, k), from & 0xff);
      if (slot < 0) continue;
      this.counters.inc(MeshCounter.hopAcksReceived);
      this.hopTaken_(slot, this.nowMs_);
    }
  }

  /** Whether a frame heard is a watched routed frame forwarded by its next hop (an implicit hop acknowledgement). */
  private onForwardHeard_(h: LinkHeader, frame: Uint8Array, length: number): void {
    const slot = this.hopAcks_.forwardedSlot(h.source, h.counter, h.hopsTaken, frame, length);
    if (slot < 0) return;
    this.counters.inc(MeshCounter.hopAcksImplicit);
    this.hopTaken_(slot, this.nowMs_);
  }

  /**
   * The next hop took the watched frame in `slot`: its route works; stop
   * watching. For a message we originated, the end-to-end ack timer runs
   * from now: the rest of the path and the reply.
   */
  private hopTaken_(slot: number, now: number): void {
    const table = this.hopAcks_;
    this.routes_.noteSuccess(table.destinationAt(slot), table.nextHopAt(slot));
    const owner = table.ownerSlotAt(slot);
    if (owner >= 0 && this.pending_.messageIdAt(owner) === table.ownerIdAt(slot)) {
      const deadlineMs = now + this.config_.ackTimeoutMs;
      if (this.pending_.deadlineAt(owner) < deadlineMs) this.pending_.rearm(owner, deadlineMs);
    }
    table.release(slot);
  }

  /** The transmitter of every frame heard is that busy: its airtime counts to its load (neighbour-table.ts). */
  private noteNeighbourLoad_(h: LinkHeader, airtimeUs: number, now: number): void {
    if (airtimeUs <= 0) return;
    const hint = h.hopsTaken === 0 ? h.source & 0xff : hasDestination(h.type) ? h.relayHint : h.routed ? -1 : h.linkHint;
    if (hint >= 0) this.neighbours_.noteAirtime(hint, now, airtimeUs, this.loadBucketMs_());
  }

  /** May an advertisement heard first through `candidate` move our route to `destination` (same length) there? */
  private mayReparent_(destination: number, candidate: number, now: number): boolean {
    const current = this.routes_.nextHop(destination, now);
    if (current <= 0 || (current & 0xff) === (candidate & 0xff)) return true;
    const bucketMs = this.loadBucketMs_();
    const currentLoad = this.neighbours_.loadPermille(current & 0xff, now, bucketMs);
    const candidateLoad = this.neighbours_.loadPermille(candidate & 0xff, now, bucketMs);
    // Busier by half again plus the margin: 2 x current > 3 x candidate + 2 x margin.
    return 2 * currentLoad > 3 * candidateLoad + 2 * this.config_.reparentMarginPermille;
  }

  private loadBucketMs_(): number {
    return Math.max(1, Math.floor(this.config_.utilisationWindowMs / 2));
  }

  /** Extra contention slots for passing on a route advertisement: one per advertLoadSlotPermille of our recent airtime. */
  private loadSlots_(now: number): number {
    const per = this.config_.advertLoadSlotPermille;
    if (per === 0) return 0;
    const permille = Math.floor(this.utilisation_.usedUs(now, AIRTIME_SENT) / this.utilisation_.windowMs);
    return Math.min(ADVERT_LOAD_SLOTS_MAX, Math.floor(permille / per));
  }

  /** NACK: message id (2), fragment count (1), bitmap of missing fragments. */
  private onNack_(source: number, plain: Uint8Array, plaintextBytes: number): void {
    const count = plain[2] ?? 0;
    if (plaintextBytes < 3 || plaintextBytes !== 3 + ((count + 7) >>> 3)) {
      this.counters.inc(MeshCounter.dropTruncated);
      return;
    }
    const pending = this.pending_;
    const slot = pending.find(source, readU16(plain, 0));
    if (slot < 0) {
      this.counters.inc(MeshCounter.dropAckUnknown);
      return;
    }
    const length = pending.lengthAt(slot);
    if (count !== fragmentCount(length, this.singleCapacity_(FrameType.UnicastFragment) - FRAGMENT_HEADER_BYTES)) {
      this.counters.inc(MeshCounter.dropFragmentInvalid);
      return;
    }
    this.counters.inc(MeshCounter.nacksReceived);
    const stage = this.stages_[pending.classAt(slot)];
    const sending = stage !== undefined && stage.kind === StageKind.Pending && stage.slot === slot;
    if (pending.markResend(slot, plain, 3, count) > 0 && !sending) pending.disarm(slot);
  }

  /** Schedule a rebroadcast (flooded) or a forward along our route (routed). */
  private considerRelay_(h: LinkHeader, length: number, now: number): void {
    const counters = this.counters;
    const addressedToUs = h.routed && h.linkHint === this.lowId_;
    if (h.hopsTaken >= h.hopLimit) {
      counters.inc(MeshCounter.relayHopLimitReached);
      // It can go no further: stop the sender's hop retransmissions.
      if (addressedToUs) this.queueHopAck_(h.source, h.counter);
      return;
    }
    const config = this.config_;
    const nextHop = h.routed ? this.routes_.nextHop(h.destination, now) : -1;
    const routed = nextHop > 0;
    // The relay budget guards against flood amplification; a routed frame is one copy to one next hop
    // (its source is still held to the receive budget above).
    if (!routed && this.rate_.tryTake(h.source, RATE_RELAY_BASE + h.trafficClass, now) !== ErrorCode.Ok) {
      counters.inc(MeshCounter.relayRateLimited);
      return;
    }
    rewriteHopFields(this.frame_, h.headerBytes, h.hopsTaken + 1, routed, routed ? nextHop : this.lowId_, this.lowId_);
    // Our own hop tag over the hop fields just written.
    if (this.opener_.stampHop(this.frame_, length) !== ErrorCode.Ok) {
      counters.inc(MeshCounter.sealFailures);
      return;
    }
    // Contention slots of one frame's airtime: distinct slots do not overlap on the air.
    const slotMs = Math.ceil(this.radio_.airtimeUs(length) / 1000) + RELAY_SLOT_GUARD_MS;
    let slots = this.random_.nextBelow(config.relayJitterSlots + 1);
    if (!routed && config.managedFlooding) {
      // Better link, longer wait: the farthest receivers relay first (and others then cancel).
      slots += Math.floor((snrQualityPermille(this.rxMeta_.snrQuarterDb) * config.relaySpreadSlots) / 1000);
      // A route advertisement (an empty flooded beacon): the busier we are, the later we pass it on.
      if (h.type === FrameType.Broadcast && length === h.headerBytes + LINK_TAG_BYTES) slots += this.loadSlots_(now);
    }
    const delayMs = 1 + config.relayDelayMinMs + slots * slotMs;
    const slot = this.relays_.schedule(this.frame_, length, h.source, h.counter, h.trafficClass, h.hopsTaken + 1, now + delayMs);
    if (slot < 0) {
      counters.inc(MeshCounter.relayQueueFull);
      return;
    }
    counters.inc(MeshCounter.relaysScheduled);
  }

  // -------------------------------------------------------------- timers

  private checkAckDeadlines_(now: number): void {
    const pending = this.pending_;
    for (let guard = 0; guard < pending.slotCount; guard++) {
      const slot = pending.expired(now);
      if (slot < 0) return;
      // Still with the first hop (it is resending our frame): the ack timer starts when it takes it (#hopTaken).
      const held = this.hopAcks_.findOwned(slot, pending.messageIdAt(slot));
      if (held >= 0) {
        pending.rearm(slot, Math.max(now + 1, this.hopAcks_.deadlineAt(held) + this.config_.ackTimeoutMs));
        continue;
      }
      const destination = pending.destinationAt(slot);
      // With hop-by-hop retransmission a broken next hop is found (and forgotten) hop by hop; a late e2e ack is no proof of one.
      if (pending.routedAt(slot) && this.config_.hopRetriesMax === 0 && this.routes_.invalidate(destination)) {
        this.counters.inc(MeshCounter.routesInvalidated);
        this.logEvent_(MeshLogEvent.RouteInvalidated, destination, 0, 0, 0);
      }
      if (pending.attemptsAt(slot) > this.config_.retriesMax) {
        this.counters.inc(MeshCounter.ackTimeouts);
        this.finishPending_(slot, ErrorCode.MeshAckTimeout);
        continue;
      }
      pending.disarm(slot);
      const requeued = this.enqueue_(pending.classAt(slot), RECORD_PENDING, destination, pending.messageIdAt(slot), slot, this.plain_, 0, 0);
      if (requeued !== ErrorCode.Ok) {
        this.finishPending_(slot, ErrorCode.MeshQueueFull);
        continue;
      }
      this.counters.inc(MeshCounter.retransmissions);
    }
  }

  /** Routed frames whose every hop retransmission went unacknowledged: give up; after routeFailuresMax in a row, forget the route. */
  private checkHopAcks_(now: number): void {
    const table = this.hopAcks_;
    const sendsMax = this.config_.hopRetriesMax + 1;
    for (let guard = 0; guard < table.capacity; guard++) {
      const slot = table.exhausted(now, sendsMax);
      if (slot < 0) return;
      const destination = table.destinationAt(slot);
      this.counters.inc(MeshCounter.hopGivenUp);
      // A message of ours the first hop never took: that attempt failed now (its ack timer would only wait longer).
      const owner = table.ownerSlotAt(slot);
      if (owner >= 0 && this.pending_.messageIdAt(owner) === table.ownerIdAt(slot)) this.pending_.rearm(owner, now);
      const failures = this.routes_.noteFailure(destination, table.nextHopAt(slot));
      if (failures >= this.config_.routeFailuresMax && this.routes_.invalidate(destination)) {
        this.counters.inc(MeshCounter.routesInvalidated);
        this.logEvent_(MeshLogEvent.RouteInvalidated, destination, table.nextHopAt(slot), 0, 0);
      }
      table.release(slot);
    }
  }

  /** NACK incomplete acknowledged messages that went quiet (README "Mesh transport"). */
  private requestMissingFragments_(now: number): void {
    const reassembly = this.reassembly_;
    for (let slot = 0; slot < reassembly.slotCount; slot++) {
      if (!this.nackDue_(slot, now)) continue;
      // Built in frame_ (free between receiving and transmitting), then queued.
      const record = this.frame_;
      const messageId = reassembly.messageIdAt(slot);
      record[0] = FrameType.Nack;
      record[1] = reassembly.sourceAt(slot) >>> 8;
      record[2] = reassembly.sourceAt(slot) & 0xff;
      record[3] = messageId >>> 8;
      record[4] = messageId & 0xff;
      record[5] = reassembly.countAt(slot);
      const bitmapBytes = reassembly.writeMissing(slot, record, 6);
      const handle = this.queues_.append(CONTROL_QUEUE, 6 + bitmapBytes);
      if (handle < 0) {
        this.counters.inc(MeshCounter.controlQueueFull);
        return;
      }
      this.queues_.write(handle, 0, record, 0, 6 + bitmapBytes);
      reassembly.noteNackSent(slot, now);
    }
  }

  /** Queue the presence beacon when due (helloIntervalMs; the first one jittered). */
  private beacon_(now: number): void {
    const config = this.config_;
    if (config.helloIntervalMs === 0) return;
    if (this.nextHelloMs_ < 0) this.nextHelloMs_ = now + 1 + this.random_.nextBelow(config.helloJitterMs);
    if (now < this.nextHelloMs_) return;
    this.nextHelloMs_ = now + config.helloIntervalMs;
    if (this.pushControl_(FrameType.Broadcast, BROADCAST_NODE_ID, 0) < 0) this.counters.inc(MeshCounter.controlQueueFull);
  }

  private nackDue_(slot: number, now: number): boolean {
    const r = this.reassembly_;
    return r.isInUse(slot) && r.ackRequestedAt(slot) && r.nacksSentAt(slot) < this.config_.nacksMax && now - r.lastFragmentMsAt(slot) >= this.config_.nackDelayMs;
  }

  private nextNackMs_(): number {
    const r = this.reassembly_;
    let first = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < r.slotCount; slot++) {
      if (!r.isInUse(slot) || !r.ackRequestedAt(slot) || r.nacksSentAt(slot) >= this.config_.nacksMax) continue;
      first = Math.min(first, r.lastFragmentMsAt(slot) + this.config_.nackDelayMs);
    }
    return first;
  }

  // ------------------------------------------------------------ transmit

  private transmit_(now: number): void {
    const radio = this.radio_;
    if (now < this.txBusyUntilMs_ || now < this.backoffUntilMs_ || radio.isTransmitting(now)) return;
    let candidate: number = Candidate.None;
    let trafficClass = 0;
    let slot = -1;
    const hopSendsMax = this.config_.hopRetriesMax + 1;
    for (; trafficClass < LINK_CLASS_COUNT; trafficClass++) {
      if (trafficClass === 0 && this.queues_.count(CONTROL_QUEUE) > 0) {
        candidate = Candidate.Control;
        break;
      }
      slot = this.relays_.dueOfClass(now, trafficClass);
      if (slot >= 0) {
        candidate = Candidate.Relay;
        break;
      }
      slot = this.hopAcks_.size > 0 ? this.hopAcks_.retryDue(now, trafficClass, hopSendsMax) : -1;
      if (slot >= 0) {
        candidate = Candidate.HopRetry;
        break;
      }
      if (this.stageFor_(trafficClass, now)) {
        candidate = Candidate.Message;
        break;
      }
    }
    if (candidate === Candidate.None) return;
    if (radio.isChannelBusy(now)) {
      this.backoffUntilMs_ = now + 1 + this.random_.nextBelow(this.config_.carrierSenseBackoffMs);
      this.counters.inc(MeshCounter.carrierSenseDeferred);
      return;
    }
    const stage = this.stages_[trafficClass];
    const estimateBytes = candidate === Candidate.Relay ? this.relays_.lengthAt(slot) : candidate === Candidate.HopRetry ? this.hopAcks_.lengthAt(slot) : this.nextFrameBytes_(candidate, stage);
    // A hop resend answers a loss, most often congestion, so it waits at the class's utilisation gate like a new frame.
    const gate = this.gatesAllow_(now, radio.airtimeUs(estimateBytes), trafficClass, candidate !== Candidate.Relay);
    if (gate !== Gate.Open) {
      if (candidate === Candidate.Relay) {
        this.relays_.release(slot);
        this.counters.inc(MeshCounter.relayDutyCycleDropped);
      } else if (candidate === Candidate.HopRetry && gate === Gate.DutyCycle) {
        this.hopAcks_.release(slot);
        this.counters.inc(MeshCounter.relayDutyCycleDropped);
      } else if (candidate === Candidate.HopRetry) this.hopAcks_.postpone(slot, this.heldUntilMs_);
      return;
    }
    // The pending send a message frame belongs to (sealing may finish the stage).
    const ownerSlot = candidate === Candidate.Message && stage !== undefined && stage.kind === StageKind.Pending ? stage.slot : -1;
    const ownerId = ownerSlot >= 0 && stage !== undefined ? stage.messageId : 0;
    let length = 0;
    if (candidate === Candidate.Relay) length = this.takeRelay_(slot);
    else if (candidate === Candidate.HopRetry) length = this.takeHopRetry_(slot);
    else if (candidate === Candidate.Control) length = this.sealControl_(now);
    else if (stage !== undefined) length = this.sealNextFragment_(stage, now);
    if (length <= 0) return;
    this.putOnAir_(length, now, ownerSlot, ownerId);
  }

  /**
   * Duty cycle (every frame: regulatory) and channel utilisation (frames we
   * originate: politeness; a relay completes a flood already under way).
   * A hold sets the time to look again.
   */
  private gatesAllow_(now: number, airtimeUs: number, trafficClass: number, originated: boolean): Gate {
    if (airtimeUs < 0) return Gate.DutyCycle;
    if (!this.duty_.allows(now, airtimeUs, trafficClass)) {
      if (this.heldUntilMs_ === 0) this.counters.inc(MeshCounter.dutyCycleHeld); // once per hold episode
      const release = this.duty_.nextReleaseMs(now);
      this.heldUntilMs_ = release > now ? release : now + 1000;
      return Gate.DutyCycle;
    }
    const gate = this.config_.utilisationGatePermille[trafficClass] ?? 1000;
    if (originated && gate < 1000 && this.utilisationPermille(now) > gate) {
      if (this.heldUntilMs_ === 0) this.counters.inc(MeshCounter.channelGateHeld); // once per hold episode
      const release = this.utilisation_.nextReleaseMs(now);
      this.heldUntilMs_ = release > now ? release : now + 1000;
      return Gate.Channel;
    }
    this.heldUntilMs_ = 0;
    return Gate.Open;
  }

  private putOnAir_(length: number, now: number, ownerSlot: number, ownerId: number): void {
    const radio = this.radio_;
    const status = radio.transmit(this.frame_, length, now);
    if (status !== ErrorCode.Ok) {
      this.counters.inc(status === ErrorCode.MeshRadioBusy ? MeshCounter.radioBusy : MeshCounter.radioFault);
      return;
    }
    const airtimeUs = radio.airtimeUs(length);
    this.duty_.record(now, airtimeUs);
    this.utilisation_.record(now, airtimeUs);
    this.utilisation_.record(now, airtimeUs, AIRTIME_SENT);
    this.txBusyUntilMs_ = now + Math.ceil(airtimeUs / 1000);
    // Every frame we send was sealed or checked by us: its header parses.
    const h = this.header_;
    const relayed = parseLinkHeader(this.frame_, length, h) === ErrorCode.Ok && h.source !== this.nodeId;
    this.counters.inc(MeshCounter.framesTransmitted);
    this.counters.inc(relayed ? MeshCounter.framesRelayed : MeshCounter.framesOriginated);
    if (this.observer_ !== undefined) this.observer_.transmitted(this.nodeId, now, airtimeUs, relayed);
    if (h.routed && this.config_.hopRetriesMax > 0) this.watchRouted_(h, length, now, airtimeUs, ownerSlot, ownerId);
  }

  /**
   * Keep a routed frame until its next hop forwards or acknowledges it. The
   * base wait covers our frame, the next hop's longest relay wait (its
   * contention slots) and its frame, plus the guard; a random slot on top
   * keeps two retransmitting neighbours from repeating a collision.
   */
  private watchRouted_(h: LinkHeader, length: number, now: number, airtimeUs: number, ownerSlot: number, ownerId: number): void {
    const config = this.config_;
    const airMs = Math.ceil(airtimeUs / 1000);
    const slotMs = airMs + RELAY_SLOT_GUARD_MS;
    const waitMs = airMs + 1 + config.relayDelayMinMs + (config.relayJitterSlots + 2) * slotMs + config.hopAckGuardMs;
    // Binary exponential back-off (1, 2, 4, then 8 base waits): a busy next hop, or a congested channel, is not hammered.
    const prior = this.hopAcks_.find(h.source, h.counter);
    const sends = prior < 0 ? 1 : this.hopAcks_.sendsAt(prior) + 1;
    const waits = Math.min(1 << Math.min(sends - 1, 8), HOP_BACKOFF_WAITS_MAX);
    const deadlineMs = now + waitMs * waits + this.random_.nextBelow(config.relayJitterSlots + 1) * slotMs;
    const slot = this.hopAcks_.watch(this.frame_, length, h.source, h.counter, h.hopsTaken, h.linkHint, h.destination, h.trafficClass, deadlineMs, ownerSlot, ownerId);
    if (slot < 0) this.counters.inc(MeshCounter.hopWatchFull);
  }

  /** Copy a watched routed frame back into the transmit buffer (its hop retransmission). */
  private takeHopRetry_(slot: number): number {
    const length = this.hopAcks_.readFrame(slot, this.frame_);
    this.counters.inc(MeshCounter.hopRetransmissions);
    return length;
  }

  private takeRelay_(slot: number): number {
    const relays = this.relays_;
    const length = relays.readFrame(slot, this.frame_);
    relays.release(slot);
    return length;
  }

  /** Frame length the next control record or staged fragment will take (long counter form: an upper bound). */
  private nextFrameBytes_(candidate: number, stage: OutgoingStage | undefined): number {
    if (candidate === Candidate.Control || stage === undefined) {
      const head = this.queues_.head(CONTROL_QUEUE);
      const length = head < 0 ? -ErrorCode.Empty : this.queues_.recordLength(head);
      return linkHeaderBytes(FrameType.Ack, SHORT_COUNTER_LIMIT) + LINK_TAG_BYTES + Math.max(length - CONTROL_META_BYTES, HOP_ACK_ENTRIES_MAX * HOP_ACK_ENTRY_BYTES);
    }
    const index = stage.fragments === 0 ? 0 : stage.next;
    return linkHeaderBytes(this.stageType_(stage), SHORT_COUNTER_LIMIT) + LINK_TAG_BYTES + this.stagePlainBytes_(stage, index);
  }

  private sealControl_(now: number): number {
    const queues = this.queues_;
    const record = queues.head(CONTROL_QUEUE);
    if (record < 0) return -1;
    const length = queues.recordLength(record);
    const first = queues.readByte(record, 0);
    const destination = queues.readU16(record, 1);
    let payloadBytes = length - CONTROL_META_BYTES;
    if (payloadBytes > 0) queues.read(record, CONTROL_META_BYTES, this.plain_, 0, payloadBytes);
    queues.shift(CONTROL_QUEUE);
    if (length < CONTROL_META_BYTES) return -1;
    const flood = (first & CONTROL_FLOOD_FLAG) !== 0;
    const kind = first & ~CONTROL_FLOOD_FLAG;
    if (kind === FrameType.HopAck) {
      // The newest frames taken, this one first: a HopAck lost at its sender is made good by the next.
      this.hopAckQueued_ = false;
      const sinceMs = Math.min(now - this.config_.hopAckHistoryMs, this.hopAckQueuedAtMs_);
      payloadBytes = this.hopAckHistory_.writeRecent(this.plain_, 0, HOP_ACK_ENTRIES_MAX, sinceMs) * HOP_ACK_ENTRY_BYTES;
      if (payloadBytes === 0) return -1;
    }
    const type = kind === FrameType.Nack || kind === FrameType.Broadcast || kind === FrameType.HopAck ? kind : FrameType.Ack;
    this.counters.inc(controlCounter(type));
    // The hop ack is link-local; the beacon too unless it advertises a gateway (helloHopLimit); a counter-skip request
    // (a broadcast with a payload) floods the site.
    const hopLimit =
      type === FrameType.HopAck ? 0
      : type === FrameType.Broadcast && payloadBytes === 0 ? this.config_.helloHopLimit
      : this.config_.hopLimit;
    return this.seal_(type, 0, destination, payloadBytes, now, hopLimit, flood);
  }

  /** Seal plain_[0 .. plainBytes) as an originated frame into frame_. */
  private seal_(type: FrameType, trafficClass: number, destination: number, plainBytes: number, now: number, hopLimit: number, flood: boolean): number {
    const h = this.header_;
    h.type = type;
    h.trafficClass = trafficClass as LinkHeader["trafficClass"];
    h.hopLimit = hopLimit;
    h.hopsTaken = 0;
    h.destination = destination;
    h.routed = false;
    h.linkHint = this.lowId_;
    h.relayHint = this.lowId_;
    if (hasDestination(type)) {
      const nextHop = flood ? -1 : this.routes_.nextHop(destination, now);
      if (nextHop > 0) {
        h.routed = true;
        h.linkHint = nextHop & 0xff;
        this.counters.inc(MeshCounter.routedSends);
      } else {
        this.counters.inc(MeshCounter.floodedSends);
      }
    }
    const length = this.sealer_.sealAt(h, this.plain_, 0, plainBytes, this.frame_);
    if (length < 0) {
      this.counters.inc(MeshCounter.sealFailures);
      // No counter reserved until the next tick's persist phase: try again then (0), nothing lost.
      return length === -ErrorCode.CounterNotReserved ? 0 : -1;
    }
    if (this.observer_ !== undefined) this.observer_.sealed(h.source, h.counter, this.frame_, length);
    return length;
  }

  // ------------------------------------------------------------- staging

  /** Is there a message frame of `trafficClass` to send? Stages the class's next message if needed. */
  private stageFor_(trafficClass: number, now: number): boolean {
    const stage = this.stages_[trafficClass];
    if (stage === undefined) return false;
    if (stage.active) return now >= stage.notBeforeMs;
    const pending = this.pending_;
    for (let slot = 0; slot < pending.slotCount; slot++) {
      if (pending.isInUse(slot) && pending.classAt(slot) === trafficClass && pending.hasResend(slot) && !this.isStaged_(slot)) {
        this.stagePending_(stage, slot, true);
        return true;
      }
    }
    const queues = this.queues_;
    const maxAgeMs = this.config_.queueMaxAgeMs[trafficClass] ?? 0;
    for (let guard = 0; guard < 64 && queues.count(trafficClass) > 0; guard++) {
      // The record leaves its queue but keeps its store entry: an inline message is staged from it in place.
      const record = queues.detach(trafficClass);
      if (record < 0) return false;
      if (this.stageRecord_(stage, record, now, maxAgeMs)) {
        // A new message waits its class's random access delay (mesh-config.ts accessDelayMaxMs).
        stage.notBeforeMs = now + this.random_.nextBelow((this.config_.accessDelayMaxMs[trafficClass] ?? 0) + 1);
        return now >= stage.notBeforeMs;
      }
    }
    return false;
  }

  /**
   * Stage a record just detached from its queue (its store entry is ours now:
   * an inline message's becomes the stage's, anything else is released);
   * false when it was stale or its pending send is gone.
   */
  private stageRecord_(stage: OutgoingStage, record: number, now: number, maxAgeMs: number): boolean {
    const queues = this.queues_;
    const length = queues.recordLength(record);
    const kind = queues.readByte(record, 0);
    const destination = queues.readU16(record, 1);
    const messageId = queues.readU16(record, 3);
    const slot = queues.readU16(record, 5);
    const enqueuedMs = queues.readU16(record, 7) * 0x1_0000_0000 + queues.readU16(record, 9) * 0x1_0000 + queues.readU16(record, 11);
    if (kind !== RECORD_INLINE || length < RECORD_META_BYTES || now - enqueuedMs > maxAgeMs) this.pool_.release(record);
    if (length < RECORD_META_BYTES) return false;
    if (kind === RECORD_PENDING) {
      const pending = this.pending_;
      if (!pending.isInUse(slot) || pending.messageIdAt(slot) !== messageId || pending.destinationAt(slot) !== destination) return false;
      if (now - enqueuedMs > maxAgeMs) {
        this.counters.inc(MeshCounter.droppedStale);
        this.finishPending_(slot, ErrorCode.MeshStale);
        return false;
      }
      this.stagePending_(stage, slot, false);
      return true;
    }
    if (now - enqueuedMs > maxAgeMs) {
      this.counters.inc(MeshCounter.droppedStale);
      return false;
    }
    const payloadBytes = length - RECORD_META_BYTES;
    stage.handle = record;
    stage.kind = StageKind.Inline;
    stage.slot = -1;
    this.setStage_(stage, destination, messageId, false, payloadBytes, false);
    return true;
  }

  private stagePending_(stage: OutgoingStage, slot: number, resend: boolean): void {
    const pending = this.pending_;
    stage.kind = StageKind.Pending;
    stage.slot = slot;
    this.setStage_(stage, pending.destinationAt(slot), pending.messageIdAt(slot), true, pending.lengthAt(slot), resend);
    if (resend) stage.next = pending.takeResend(slot);
  }

  private setStage_(stage: OutgoingStage, destination: number, messageId: number, ack: boolean, length: number, resend: boolean): void {
    stage.notBeforeMs = 0;
    stage.destination = destination;
    stage.messageId = messageId;
    stage.length = length;
    stage.resend = resend;
    stage.routed = false;
    stage.next = 0;
    const single = length <= this.singleCapacity_(this.singleType_(destination, ack));
    stage.fragments = single ? 0 : fragmentCount(length, this.frameCapacity_(this.fragmentType_(destination)) - FRAGMENT_HEADER_BYTES);
  }

  private isStaged_(slot: number): boolean {
    for (let c = 0; c < LINK_CLASS_COUNT; c++) {
      const stage = this.stages_[c];
      if (stage !== undefined && stage.kind === StageKind.Pending && stage.slot === slot) return true;
    }
    return false;
  }

  private stageType_(stage: OutgoingStage): FrameType {
    return stage.fragments === 0 ? this.singleType_(stage.destination, stage.ack) : this.fragmentType_(stage.destination);
  }

  private singleType_(destination: number, ack: boolean): FrameType {
    if (destination === BROADCAST_NODE_ID) return FrameType.Broadcast;
    return ack ? FrameType.UnicastAck : FrameType.Unicast;
  }

  private fragmentType_(destination: number): FrameType {
    return destination === BROADCAST_NODE_ID ? FrameType.BroadcastFragment : FrameType.UnicastFragment;
  }

  /** Plaintext bytes of fragment `index` of the staged message (or of its single frame). */
  private stagePlainBytes_(stage: OutgoingStage, index: number): number {
    if (stage.fragments === 0) return stage.length + (stage.ack ? ACK_PAYLOAD_BYTES : 0);
    return FRAGMENT_HEADER_BYTES + fragmentChunkBytes(stage.length, stage.fragments, index);
  }

  /** Seal the staged message's next frame; advance (and finish) the stage. */
  private sealNextFragment_(stage: OutgoingStage, now: number): number {
    const plain = this.plain_;
    const index = stage.next;
    let plainBytes = 0;
    if (stage.fragments === 0) {
      if (stage.ack) writeU16(plain, 0, stage.messageId);
      plainBytes = stage.ack ? ACK_PAYLOAD_BYTES : 0;
      this.readStaged_(stage, 0, plain, plainBytes, stage.length);
      plainBytes += stage.length;
    } else {
      const f = this.fragment_;
      f.messageId = stage.messageId;
      f.index = index;
      f.count = stage.fragments;
      f.ackRequested = stage.ack;
      f.totalBytes = stage.length;
      writeFragmentHeader(f, plain, 0);
      const chunk = fragmentChunkBytes(stage.length, stage.fragments, index);
      this.readStaged_(stage, fragmentOffset(stage.length, stage.fragments, index), plain, FRAGMENT_HEADER_BYTES, chunk);
      plainBytes = FRAGMENT_HEADER_BYTES + chunk;
    }
    const length = this.seal_(this.stageType_(stage), stage.trafficClass, stage.destination, plainBytes, now, this.config_.hopLimit, false);
    if (length === 0) return 0; // the stage stays as it is for the next tick
    if (length < 0) {
      this.abortStage_(stage);
      return -1;
    }
    if (this.header_.routed) stage.routed = true;
    if (stage.fragments > 0) this.counters.inc(MeshCounter.fragmentsSent);
    if (stage.resend) this.counters.inc(MeshCounter.fragmentsResent);
    this.advanceStage_(stage, now, length);
    return length;
  }

  private advanceStage_(stage: OutgoingStage, now: number, frameBytes: number): void {
    let done = stage.fragments === 0;
    if (!done && stage.resend) {
      stage.next = stage.kind === StageKind.Pending ? this.pending_.takeResend(stage.slot) : -1;
      done = stage.next < 0;
    } else if (!done) {
      stage.next++;
      done = stage.next >= stage.fragments;
    }
    if (!done) return;
    if (stage.kind === StageKind.Pending) {
      // The ack can come only after the last frame is on the air and back.
      const airMs = Math.ceil(this.radio_.airtimeUs(frameBytes) / 1000);
      this.pending_.arm(stage.slot, now + airMs + this.config_.ackTimeoutMs, stage.routed, !stage.resend);
    }
    this.endStage_(stage);
  }

  private abortStage_(stage: OutgoingStage): void {
    if (stage.kind === StageKind.Pending) this.finishPending_(stage.slot, ErrorCode.MeshKeyUnavailable);
    this.endStage_(stage);
  }

  /** The stage is over: an inline message's pool entry goes back. */
  private endStage_(stage: OutgoingStage): void {
    if (stage.handle >= 0) this.pool_.release(stage.handle);
    stage.clear();
  }

  /** Copy `length` bytes of the staged message from byte `at` into out[offset ..] (from its pending slot, or its pool entry). */
  private readStaged_(stage: OutgoingStage, at: number, out: Uint8Array, offset: number, length: number): void {
    if (stage.kind === StageKind.Pending) this.pending_.read(stage.slot, at, out, offset, length);
    else this.pool_.read(stage.handle, STAGED_INLINE_AT + at, out, offset, length);
  }

  /** When the next message frame could go (`now` when one is ready, a staged message's access time, or +Infinity). */
  private messageWorkAtMs_(now: number): number {
    let at = Number.POSITIVE_INFINITY;
    for (let c = 0; c < LINK_CLASS_COUNT; c++) {
      const stage = this.stages_[c];
      if (stage?.active === true) at = Math.min(at, stage.notBeforeMs > now ? stage.notBeforeMs : now);
      else if (this.queues_.count(c) > 0) return now;
    }
    if (at <= now) return now;
    const pending = this.pending_;
    for (let slot = 0; slot < pending.slotCount; slot++) if (pending.isInUse(slot) && pending.hasResend(slot)) return now;
    return at;
  }

  // ------------------------------------------------------------- helpers

  private singleCapacity_(type: FrameType): number {
    return this.frameCapacity_(type) - (type === FrameType.UnicastAck ? ACK_PAYLOAD_BYTES : 0);
  }

  /** Plaintext bytes one frame carries, by frame type (long counter form assumed); computed, not tabled (a typed array costs heap slots on XS). */
  private frameCapacity_(type: number): number {
    return type >= 0 && type < 8 ? this.mtuBytes_ - linkHeaderBytes(type, SHORT_COUNTER_LIMIT) - LINK_TAG_BYTES : 0;
  }

  /**
   * A 16-bit wire id for an acknowledged or fragmented message, or -1.
   *
   * Ids must not repeat across reboots: receivers keep (source, id) in their
   * delivered cache for deliveredHoldMs to make delivery exactly-once, so a
   * rebooted sender that restarted its ids at 0 would have its first messages
   * acknowledged as duplicates and silently dropped (found by the site suite:
   * alerts lost after a reboot). The ids therefore come from the node's
   * never-repeating counter source (persisted through storage's counter
   * reservation), truncated to 16 bits: a repeat inside the hold window would
   * need 65,536 counter values within deliveredHoldMs.
   */
  private takeMessageId_(): number {
    // The counter source the sealer draws frame counters from (options.counterSource).
    const id = this.sealer_.nextCounter();
    return id < 0 ? -1 : id & 0xffff;
  }

  private refuse_(counter: MeshCounter, code: FailureCode): FailureCode {
    this.counters.inc(counter);
    return code;
  }

  /** Append a record to the class queue, applying the class's full policy. */
  private enqueue_(trafficClass: number, kind: number, destination: number, messageId: number, slot: number, bytes: Uint8Array, offset: number, length: number): Status {
    if ((trafficClass >>> 0) !== trafficClass || trafficClass >= LINK_CLASS_COUNT) return ErrorCode.InvalidArgument;
    const queues = this.queues_;
    const recordBytes = RECORD_META_BYTES + length;
    if (recordBytes > queues.maxRecordBytes(trafficClass)) return this.refuse_(MeshCounter.sendRefusedTooLarge, ErrorCode.MeshMessageTooLarge);
    if (this.config_.queueDropOldest[trafficClass] === true) {
      for (let guard = 0; guard < 4096 && queues.count(trafficClass) > 0 && !queues.hasRoom(trafficClass, recordBytes); guard++) this.dropOldest_(trafficClass);
    }
    const record = queues.append(trafficClass, recordBytes);
    if (record < 0) return this.refuse_(MeshCounter.sendRefusedQueueFull, ErrorCode.MeshQueueFull);
    const nowMs = this.nowMs_;
    queues.writeByte(record, 0, kind);
    queues.writeU16(record, 1, destination);
    queues.writeU16(record, 3, messageId);
    queues.writeU16(record, 5, slot < 0 ? 0xffff : slot);
    // The enqueued time as a 48-bit big-endian number of milliseconds.
    queues.writeU16(record, 7, Math.floor(nowMs / 0x1_0000_0000) & 0xffff);
    queues.writeU16(record, 9, Math.floor(nowMs / 0x1_0000) & 0xffff);
    queues.writeU16(record, 11, nowMs & 0xffff);
    queues.write(record, RECORD_META_BYTES, bytes, offset, length);
    return ErrorCode.Ok;
  }

  /** DropOldest: discard the oldest record; an acknowledged send it referred to fails with MeshQueueFull. */
  private dropOldest_(trafficClass: number): void {
    const queues = this.queues_;
    const record = queues.head(trafficClass);
    if (record < 0) return;
    const pendingRef = queues.recordLength(record) >= RECORD_META_BYTES && queues.readByte(record, 0) === RECORD_PENDING;
    const slot = queues.readU16(record, 5);
    const messageId = queues.readU16(record, 3);
    queues.shift(trafficClass);
    this.counters.inc(MeshCounter.sendDroppedOldest);
    if (pendingRef && this.pending_.isInUse(slot) && this.pending_.messageIdAt(slot) === messageId) this.finishPending_(slot, ErrorCode.MeshQueueFull);
  }

  /** The acknowledged send in `slot` ended: its outcome joins the batch the caller drains. */
  private finishPending_(slot: number, status: Status): void {
    if (!this.pending_.finish(slot, status)) return;
    for (let c = 0; c < LINK_CLASS_COUNT; c++) {
      const stage = this.stages_[c];
      if (stage !== undefined && stage.kind === StageKind.Pending && stage.slot === slot) stage.clear();
    }
  }

  /**
   * Queue an ack. Without hop-by-hop retransmission it goes the way the
   * message came: flooded when the message was flooded (the sender has no
   * route yet and learns one from this reply; a single routed copy would
   * cross every lossy hop once), routed when it was routed. With it, the
   * ack follows our route whenever we have one (the message itself taught
   * it: every frame names its transmitter), hop by hop like any routed frame.
   */
  private queueAck_(destination: number, messageId: number, messageFlooded: boolean): void {
    const flood = messageFlooded && this.config_.hopRetriesMax === 0;
    const record = this.pushControl_(FrameType.Ack | (flood ? CONTROL_FLOOD_FLAG : 0), destination, ACK_PAYLOAD_BYTES);
    if (record < 0) this.counters.inc(MeshCounter.controlQueueFull);
    else this.queues_.writeU16(record, CONTROL_META_BYTES, messageId);
  }

  /**
   * Acknowledge (source, counter), a routed frame whose last hop was to us,
   * with a link-local HopAck. One queued HopAck carries every frame taken
   * until it goes (and the recent ones before), so a burst costs one frame.
   */
  private queueHopAck_(source: number, counter: number): void {
    if (this.config_.hopRetriesMax === 0) return;
    this.hopAckHistory_.note(source, counter, this.nowMs_);
    if (this.hopAckQueued_) return;
    if (this.pushControl_(FrameType.HopAck, BROADCAST_NODE_ID, 0) < 0) {
      this.counters.inc(MeshCounter.controlQueueFull);
      return;
    }
    this.hopAckQueued_ = true;
    this.hopAckQueuedAtMs_ = this.nowMs_;
  }

  /** Queue a control record (type byte, destination, then `payloadBytes` the caller writes): its handle, or < 0 when refused. */
  private pushControl_(first: number, destination: number, payloadBytes: number): number {
    const queues = this.queues_;
    const record = queues.append(CONTROL_QUEUE, CONTROL_META_BYTES + payloadBytes);
    if (record < 0) return record;
    queues.writeByte(record, 0, first);
    queues.writeU16(record, 1, destination);
    return record;
  }

  private logEvent_(event: number, f0: number, f1: number, f2: number, f3: number): void {
    if (this.log_ !== undefined) this.log_.append(LogLevel.Info, event, this.nodeId, this.nowMs_, f0, f1, f2, f3);
  }
}

// ------------------------------------------------------------ construction

interface Parts {
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
function buildParts(options: MeshTransportOptions): Result<Parts> {
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

// ----------------------------------------------------------- drop mapping

function controlCounter(type: FrameType): MeshCounter {
  switch (type) {
    case FrameType.Ack:
      return MeshCounter.acksSent;
    case FrameType.Nack:
      return MeshCounter.nacksSent;
    case FrameType.HopAck:
      return MeshCounter.hopAcksSent;
    default:
      return MeshCounter.beaconsSent;
  }
}

function parseDropCounter(code: number): MeshCounter {
  switch (code) {
    case ErrorCode.MeshFrameTruncated:
      return MeshCounter.dropTruncated;
    case ErrorCode.MeshWrongVersion:
      return MeshCounter.dropWrongVersion;
    case ErrorCode.MeshBadNodeId:
      return MeshCounter.dropBadNodeId;
    case ErrorCode.MeshLooping:
      return MeshCounter.dropLooping;
    default:
      return MeshCounter.dropUnknownType;
  }
}

/**
 * The transport's own control message (a flooded Control-class broadcast):
 * COUNTER_SKIP_KIND, then the values to skip (u16 big-endian, 1..COUNTER_SKIP_MAX).
 * Control-class broadcasts of this exact shape are not delivered to the application.
 */
const COUNTER_SKIP_KIND = 0xf1;
const COUNTER_SKIP_BYTES = 3;

function isCounterSkip(trafficClass: number, plain: Uint8Array, plaintextBytes: number): boolean {
  if (trafficClass !== LinkClass.Control || plaintextBytes !== COUNTER_SKIP_BYTES || plain[0] !== COUNTER_SKIP_KIND) return false;
  const values = readU16(plain, 1);
  return values >= 1 && values <= COUNTER_SKIP_MAX;
}

function openDropCounter(code: number): MeshCounter {
  switch (code) {
    case ErrorCode.KeyEpochUnknown:
    case ErrorCode.MeshKeyUnavailable:
    case ErrorCode.InvalidArgument:
      return MeshCounter.dropUnknownKey;
    case ErrorCode.KeyEpochMismatch:
      return MeshCounter.dropWrongEpoch;
    case ErrorCode.ReplayDuplicate:
    case ErrorCode.ReplayTooOld:
    case ErrorCode.ReplayWrongEpoch:
      return MeshCounter.dropReplay;
    case ErrorCode.ReplayTableFull:
      return MeshCounter.dropReplayTableFull;
    case ErrorCode.MeshFrameTruncated:
      return MeshCounter.dropTruncated;
    case ErrorCode.MeshFrameOversized:
      return MeshCounter.dropOversized;
    case ErrorCode.MeshReceiveCeiling:
      return MeshCounter.dropReceiveCeiling;
    default:
      return MeshCounter.dropForged;
  }
}

function reassemblyDropCounter(code: number): MeshCounter {
  switch (code) {
    case ErrorCode.MeshReassemblyFull:
      return MeshCounter.dropReassemblyFull;
    case ErrorCode.MeshReassemblySenderCap:
      return MeshCounter.dropReassemblySenderCap;
    case ErrorCode.MeshMessageTooLarge:
      return MeshCounter.dropMessageTooLarge;
    default:
      return MeshCounter.dropFragmentInvalid;
  }
}

/** The end-to-end tag's first four bytes as a u32: the same on every hop (the hop tag changes), and one per authentic frame. */
function tagFingerprint(frame: Uint8Array, length: number): number {
  const at = length - LINK_TAG_BYTES;
  return (((frame[at] ?? 0) << 24) | ((frame[at + 1] ?? 0) << 16) | ((frame[at + 2] ?? 0) << 8) | (frame[at + 3] ?? 0)) >>> 0;
}

function readU16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

function writeU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
}
