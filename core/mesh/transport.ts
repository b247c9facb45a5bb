/**
 * The mesh transport (README "Mesh transport"): send to node X and broadcast to the
 * mesh, over a partially connected, lossy, duty-cycled radio.
 *
 * It implements the `Transport` port (core/mesh/transport-port.ts;
 * test/core/mesh/transport-port.test.ts checks assignability):
 * `send` copies a message into a per-class queue, `takeDelivery` hands
 * delivered messages out one at a time, the outcome batch reports
 * acknowledged sends (drained by the caller: `outcomeCount`, `outcome*(i)`,
 * `advanceOutcomes`), `tick(nowMs)`
 * does everything else. It is sans-IO apart from the injected radio port:
 * time comes in through `tick`, randomness from the injected source, keys
 * and counters from the crypto boundary's objects.
 *
 * This file is the coordinator: it owns the state (transport-state.ts) and
 * runs the phases, each a module of functions over that state. One tick, in
 * this order:
 *  0. persist: the counter values this tick may seal, and raised receive
 *     ceilings, are reserved in flash before anything is sent or handed
 *     over (etcd-io/raft's Ready order: persist, then send);
 *  1. receive (transport-receive.ts): every frame the radio holds (bounded
 *     per tick) through parse, key check, hop tag, routing filters,
 *     duplicate cache, then relay decision (transport-relay.ts) or replay
 *     check, end-to-end tag, decrypt, learning, delivery;
 *  2. timers: reassembly timeouts, ack deadlines (transport-stage.ts: retry
 *     or give up), hop-ack deadlines of routed frames (transport-hop.ts:
 *     give up), selective retransmission requests (NACK) for incomplete
 *     messages, the presence beacon;
 *  3. transmit at most one frame (transport-transmit.ts): control frames,
 *     then per class a due relay, a due hop retransmission, the staged
 *     message's next fragment, behind carrier sense, the duty-cycle budget
 *     and the channel-utilisation gate.
 *
 * Routed frames are sent hop by hop with retransmission (transport-hop.ts):
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
 * provider aside, whose API takes whole arrays). `checkInvariants()` checks
 * what the tables promise each other (transport-invariants.ts); the
 * simulator calls it after every event.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { DutyCycleBudget } from "./duty-cycle";
import type { FramePool } from "./frame-pool";
import { FRAGMENT_HEADER_BYTES, fragmentCount } from "./fragment-header";
import { BROADCAST_NODE_ID, FrameType, LINK_CLASS_COUNT, LINK_TAG_BYTES, NODE_ID_MAX, SHORT_COUNTER_LIMIT, linkHeaderBytes } from "./link-header";
import type { LinkKeyring } from "./link-keys";
import { MeshCounter, type MeshCounters } from "./mesh-counters";
import { validateMeshConfig } from "./mesh-config";
import type { NeighbourTable } from "./neighbour-table";
import type { ReassemblyTable } from "./reassembly";
import type { RecentPairs } from "./recent-pairs";
import type { RouteTable } from "./route-table";
import { checkHopAcks } from "./transport-hop";
import { checkTransportInvariants } from "./transport-invariants";
import { COUNTER_SKIP_BYTES, COUNTER_SKIP_KIND, nextNackMs, receiveFrames, releaseHeld, requestMissingFragments } from "./transport-receive";
import { checkAckDeadlines, enqueueInline, enqueuePending, messageWorkAtMs, takeMessageId } from "./transport-stage";
import {
  CONTROL_META_BYTES,
  CONTROL_QUEUE,
  HELD_QUEUE,
  INBOX_META_BYTES,
  INBOX_QUEUE,
  RATE_SEND_BASE,
  TransportState,
  buildParts,
  pushControl,
  refuse,
  singleCapacity,
  type MeshDelivery,
  type MeshTransportOptions,
} from "./transport-state";
import { beacon, transmit, utilisationPermille } from "./transport-transmit";

export {
  MeshLogEvent,
  framePoolBlockCount,
  recordQueueLimits,
  type MeshDelivery,
  type MeshObserver,
  type MeshRandom,
  type MeshTransportOptions,
} from "./transport-state";

export class MeshTransport {
  /** Everything the phases share (transport-state.ts); the transport itself keeps no other field (each is a heap slot on XS). */
  private readonly s_: TransportState;

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
    return ok(new MeshTransport(new TransportState(options, parts.value)));
  }

  private constructor(state: TransportState) {
    this.s_ = state;
  }

  get nodeId(): number {
    return this.s_.nodeId;
  }
  get counters(): MeshCounters {
    return this.s_.counters;
  }
  /** Largest message `send` takes (config.maxMessageBytes). */
  get maxMessageBytes(): number {
    return this.s_.config.maxMessageBytes;
  }

  // ------------------------------------------------------------ public API

  /** Install this node's link secrets (a new key epoch: link-keys.ts). */
  setKeys(keys: LinkKeyring): void {
    this.s_.sealer.setKeys(keys);
  }

  /**
   * Acknowledged sends that ended since the last `advanceOutcomes`, in the
   * order they ended (pending-sends.ts). The caller drains them after each
   * call into the transport; until then their slots are not reused.
   */
  get outcomeCount(): number {
    return this.s_.pending.outcomeCount;
  }
  /** Where outcome `i`'s message was going. */
  outcomeDestination(i: number): number {
    return this.s_.pending.destinationAt(this.s_.pending.outcomeSlot(i));
  }
  /** The caller's message id of outcome `i` (what `send` was given). */
  outcomeMessageId(i: number): number {
    return this.s_.pending.callerIdAt(this.s_.pending.outcomeSlot(i));
  }
  /** Outcome `i`: Ok (acknowledged) or why the send failed. */
  outcomeStatus(i: number): Status {
    return this.s_.pending.statusAt(this.s_.pending.outcomeSlot(i)) as Status;
  }
  /** The caller has taken every outcome. */
  advanceOutcomes(): void {
    this.s_.pending.drainOutcomes();
  }

  /** The radio's receive interrupt goes straight to `handler` (the agent's driver); the transport itself never calls it. */
  onReadable(handler: () => void): void {
    this.s_.radio.onReadable?.(handler);
  }

  /**
   * Accept a message for `destinationId` (or BROADCAST_NODE_ID); the bytes
   * are copied. Ok, or: InvalidArgument (class, range, ack on broadcast,
   * empty broadcast), MeshMessageTooLarge, MeshBadNodeId, RateLimited (the
   * class's send budget), MeshPendingFull, MeshQueueFull.
   * Every refusal is counted.
   */
  send(destinationId: number, trafficClass: number, bytes: Uint8Array, offset: number, length: number, ackRequested: boolean, messageId: number): Status {
    const s = this.s_;
    const broadcast = destinationId === BROADCAST_NODE_ID;
    const validRange = (offset >>> 0) === offset && (length >>> 0) === length && offset + length <= bytes.length;
    // An empty broadcast is the link-local presence beacon, not an application message.
    const badShape = (broadcast && (ackRequested || length === 0)) || (trafficClass >>> 0) !== trafficClass || trafficClass >= LINK_CLASS_COUNT;
    if (!validRange || badShape) {
      s.counters.inc(MeshCounter.sendRefusedInvalid);
      return ErrorCode.InvalidArgument;
    }
    if (length > this.maxMessageBytes) return refuse(s, MeshCounter.sendRefusedTooLarge, ErrorCode.MeshMessageTooLarge);
    // A destination outside the site has no keys here: refused now, not as a seal failure later (link-keys.ts).
    const siteSize = s.sealer.keys?.siteSize ?? NODE_ID_MAX;
    if (!broadcast && ((destinationId >>> 0) !== destinationId || destinationId < 1 || destinationId > siteSize || destinationId === s.nodeId)) {
      return refuse(s, MeshCounter.sendRefusedBadNodeId, ErrorCode.MeshBadNodeId);
    }
    // The application's own rate budget per class: a babbling application is refused here, counted.
    if (s.rate.tryTake(s.nodeId, RATE_SEND_BASE + trafficClass, s.nowMs) !== ErrorCode.Ok) {
      return refuse(s, MeshCounter.sendRateLimited, ErrorCode.RateLimited);
    }
    const type = broadcast ? FrameType.Broadcast : ackRequested ? FrameType.UnicastAck : FrameType.Unicast;
    const fragmented = length > singleCapacity(s, type);
    const wireId = ackRequested || fragmented ? takeMessageId(s) : 0;
    if (wireId < 0) return refuse(s, MeshCounter.sendRefusedNoMessageId, ErrorCode.SendCounterUnavailable);
    let slot = -1;
    if (ackRequested) {
      slot = s.pending.acquire(destinationId, trafficClass, bytes, offset, length, messageId, wireId);
      if (slot < 0) return refuse(s, MeshCounter.sendRefusedPendingFull, ErrorCode.MeshPendingFull);
    }
    // An acknowledged send is queued as a reference; its bytes stay in the pending slot.
    const pushed = slot < 0 ? enqueueInline(s, trafficClass, destinationId, wireId, bytes, offset, length) : enqueuePending(s, trafficClass, destinationId, wireId, slot);
    if (pushed !== ErrorCode.Ok) {
      if (slot >= 0) s.pending.release(slot);
      return pushed;
    }
    s.counters.inc(MeshCounter.messagesAccepted);
    return ErrorCode.Ok;
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
    const s = this.s_;
    if ((values | 0) !== values || values < 1 || values > s.config.counterSkipMaxValues) return ErrorCode.InvalidArgument;
    // A control record (as beacons are): it never goes stale in a queue, whenever the first tick comes after boot.
    const record = pushControl(s, FrameType.Broadcast, BROADCAST_NODE_ID, COUNTER_SKIP_BYTES);
    if (record < 0) {
      s.counters.inc(MeshCounter.controlQueueFull);
      return ErrorCode.Full;
    }
    const queues = s.queues;
    queues.writeByte(record, CONTROL_META_BYTES, COUNTER_SKIP_KIND);
    queues.writeU16(record, CONTROL_META_BYTES + 1, values);
    s.counters.inc(MeshCounter.counterSkipsRequested);
    return ErrorCode.Ok;
  }

  /**
   * Take the oldest delivered message into `out` (its bytes copied to the
   * transport's plaintext buffer, valid until the next call into the
   * transport): true, or false with `out` unchanged when none waits.
   */
  takeDelivery(out: MeshDelivery): boolean {
    const queues = this.s_.queues;
    const buffer = this.s_.plain;
    const handle = queues.head(INBOX_QUEUE);
    if (handle < 0) return false;
    const length = queues.recordLength(handle);
    queues.read(handle, 0, buffer, 0, length);
    queues.shift(INBOX_QUEUE);
    if (length < INBOX_META_BYTES) return false; // unreachable: the receive phase writes the header with every record
    out.sourceId = ((buffer[0] ?? 0) << 8) | (buffer[1] ?? 0);
    out.trafficClass = buffer[2] ?? 0;
    out.bytes = buffer;
    out.offset = INBOX_META_BYTES;
    out.length = length - INBOX_META_BYTES;
    return true;
  }

  /** Advance to `nowMs`: persist, receive, run timers, transmit (see the module comment). */
  tick(nowMs: number): void {
    // No local for the tick's time (s.nowMs holds it): tick is on the board's deepest stack (a counter reservation's flash write).
    const s = this.s_;
    s.nowMs = nowMs > s.nowMs ? nowMs : s.nowMs;
    // Persist first (etcd-raft's Ready order: persist, then send): the counter
    // values this tick may seal are reserved in flash here, never inside a seal.
    s.sealer.prepare();
    receiveFrames(s, s.nowMs);
    // Receive ceilings (core/storage/receive-ceilings.ts): frames above their sender's durable ceiling were held; the
    // raise is persisted here, before this tick sends or hands over anything, and then they go through.
    const admission = s.opener.admission;
    if (admission !== undefined) {
      admission.prepare();
      if (s.queues.count(HELD_QUEUE) > 0) releaseHeld(s, s.nowMs);
    }
    const timedOut = s.reassembly.expire(s.nowMs);
    if (timedOut > 0) s.counters.inc(MeshCounter.dropReassemblyTimeout, timedOut);
    checkAckDeadlines(s, s.nowMs);
    checkHopAcks(s, s.nowMs);
    requestMissingFragments(s, s.nowMs);
    beacon(s, s.nowMs);
    transmit(s, s.nowMs);
  }

  /** When the next tick has work (always > the last tick's time), or -1 when idle. */
  nextWakeMs(): number {
    const s = this.s_;
    const nowMs = s.nowMs;
    if (s.receiveBacklog || s.queues.count(HELD_QUEUE) > 0) return nowMs + 1;
    let atMs = s.relays.size > 0 ? s.relays.nextDeadlineMs() : Number.POSITIVE_INFINITY;
    atMs = Math.min(atMs, s.hopAcks.nextDeadlineMs());
    const messageAtMs = s.queues.count(CONTROL_QUEUE) > 0 ? nowMs : messageWorkAtMs(s, nowMs);
    if (messageAtMs !== Number.POSITIVE_INFINITY) atMs = Math.min(atMs, Math.max(messageAtMs, s.heldUntilMs > nowMs ? s.heldUntilMs : nowMs));
    if (atMs !== Number.POSITIVE_INFINITY) atMs = Math.max(atMs, s.txBusyUntilMs, s.backoffUntilMs);
    atMs = Math.min(atMs, s.pending.nextDeadlineMs());
    const expiryMs = s.reassembly.nextExpiryMs();
    if (expiryMs >= 0) atMs = Math.min(atMs, expiryMs);
    atMs = Math.min(atMs, nextNackMs(s));
    if (s.nextHelloMs > 0) atMs = Math.min(atMs, s.nextHelloMs);
    if (atMs === Number.POSITIVE_INFINITY) return -1;
    return atMs > nowMs ? atMs : nowMs + 1;
  }

  /**
   * What the tables promise each other (transport-invariants.ts): Ok, or
   * InvariantViolated. Allocation-free; for the simulator's after-every-event
   * checks and for tests.
   */
  checkInvariants(): Status {
    return checkTransportInvariants(this.s_);
  }

  // ------------------------------------------------------- introspection

  get neighbours(): NeighbourTable {
    return this.s_.neighbours;
  }
  get routes(): RouteTable {
    return this.s_.routes;
  }
  get reassembly(): ReassemblyTable {
    return this.s_.reassembly;
  }
  get duty(): DutyCycleBudget {
    return this.s_.duty;
  }
  /** Acknowledged sends in flight (not those ended and waiting in the outcome batch). */
  get pendingCount(): number {
    return this.s_.pending.inUse - this.s_.pending.outcomeCount;
  }
  get relaysWaiting(): number {
    return this.s_.relays.size;
  }
  /** Routed frames waiting for their next hop's acknowledgement. */
  get hopAcksWaiting(): number {
    return this.s_.hopAcks.size;
  }
  /** The frame store every kept frame and message lives in (free blocks, refusals). */
  get frameStore(): FramePool {
    return this.s_.pool;
  }
  get duplicateCache(): RecentPairs {
    return this.s_.duplicates;
  }
  get deliveredCache(): RecentPairs {
    return this.s_.delivered;
  }
  /** Messages waiting in the class queue. */
  queuedMessages(trafficClass: number): number {
    return (trafficClass >>> 0) === trafficClass && trafficClass < LINK_CLASS_COUNT ? this.s_.queues.count(trafficClass) : 0;
  }
  /** Channel utilisation (permille) over the utilisation window ending at `nowMs`. */
  utilisationPermille(nowMs: number): number {
    return utilisationPermille(this.s_, nowMs);
  }

  /** The port's congestion signal: the utilisation window (heard and sent), at most 1000. */
  busyPermille(nowMs: number): number {
    const permille = utilisationPermille(this.s_, nowMs);
    return permille > 1000 ? 1000 : permille;
  }
}
