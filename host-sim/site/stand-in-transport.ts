/**
 * STAND-IN TRANSPORT - not the mesh, and with NO SECURITY: frames are plain,
 * unauthenticated and unencrypted. It exists so the whole pipeline (agent ->
 * transport -> radio links with loss -> relays -> gateway -> sink) runs end
 * to end in the simulator before core/mesh lands; transport-factory.ts is the
 * one place that chooses it, so switching to the real mesh is one change.
 *
 * What it does (core/mesh/transport-port.ts contract):
 *  - routing: a static next-hop table from the topology (routes.ts), unicast
 *    only (BROADCAST_ID is refused: no flooding);
 *  - acknowledged traffic (ackRequested, and Control) is sent hop by hop with
 *    link acknowledgements and up to `linkRetries` retransmissions after
 *    `linkAckTimeoutMs`; the destination answers with an end-to-end ack that
 *    is routed back the same way, and the origin reports the outcome (Ok, or
 *    MeshAckTimeout after the end-to-end timeout) in its outcome batch;
 *  - other traffic (Telemetry without ack) is sent once per hop;
 *  - at most once: every node remembers the last DEDUP_ENTRIES (origin, seq)
 *    it handled and drops repeats (relays too, so duplicates are not relayed);
 *  - duty cycle: a token bucket of airtime, `dutyCyclePermille` of a
 *    DUTY_WINDOW_MS window, refills continuously (a stand-in for the sliding
 *    hour of ETSI EN 300 220); a send or relay that does not fit is refused
 *    (counted). Link acks are never refused (they still spend airtime);
 *  - airtime per frame: ceil((AIR_OVERHEAD_BYTES + length) * 8 / bitrate);
 *    no collisions, no carrier sense (the kernel's link loss stands in).
 *
 * Received frames wait in a fixed ring until the agent's mesh task calls
 * `tick`, where all protocol work happens (each queued frame interrupts,
 * as a radio would: `onReadable`); outcomes end in `tick` too, never
 * inside `send`, and wait in the outcome batch until the caller drains it. Everything is allocated at create;
 * nothing per frame. Every refusal and drop is counted in `stats`.
 *
 * Frame (little-endian): 0 type (1 data, 2 link ack, 3 end-to-end ack) |
 * 1 flags (bits 0-1 class, bit 2 ack requested, bit 3 link-reliable) |
 * 2 origin u16 | 4 destination u16 | 6 hops | 7 0 | 8 origin seq u32 |
 * 12 message id u32 | 16 link seq u16 | 18 payload length u16 | 20 payload.
 * Link ack: 0 type 2 | 1 0 | 2 sender u16 | 4 link seq u16 | 6 0 0.
 * End-to-end ack payload: the acknowledged origin seq (u32).
 */
import { ErrorCode } from "../../core/runtime/errors";
import type { Status } from "../../core/runtime/result";
import type { RadioConfig } from "../../agent/config";
import { BROADCAST_ID, TrafficClass, type Delivery, type Transport } from "../../core/mesh/transport-port";
import { NO_ROUTE, type RouteTable } from "./routes";
import { TransportStat } from "./transport-stats";

/** What the stand-in needs from the simulated radio: send to a neighbour, read this node's clock. */
export interface RadioLink {
  /** Send `bytes[0 .. lengthBytes)` to neighbour `toIndex` (kernel index); Ok or the kernel's code. */
  send(toIndex: number, bytes: Uint8Array, lengthBytes: number): Status;
  nowMs(): number;
}

export interface StandInOptions {
  /** Kernel index of this node; its mesh id is nodeIndex + 1. */
  readonly nodeIndex: number;
  readonly routes: RouteTable;
  readonly link: RadioLink;
  readonly radio: RadioConfig;
  readonly rxFrames: number;
  readonly txFrames: number;
  /** Counters owned by the host (they outlive a reboot). */
  readonly stats: Float64Array;
  /** First origin sequence number (a fresh random value per boot keeps (origin, seq) unique across reboots). */
  readonly firstSeq: number;
}

export const FRAME_HEADER_BYTES = 20;
export const LINK_ACK_BYTES = 8;
export const DEDUP_ENTRIES = 128;
export const DUTY_WINDOW_MS = 60_000;
/** Preamble, sync word, PHY header and CRC, counted as bytes on air. */
export const AIR_OVERHEAD_BYTES = 8;

const FrameType = Object.freeze({ Data: 1, LinkAck: 2, EndToEndAck: 3 } as const);
const FLAG_ACK_REQUESTED = 0x04;
const FLAG_RELIABLE = 0x08;

export class StandInTransport implements Transport {
  readonly nodeId: number;
  readonly maxMessageBytes: number;
  readonly #o: StandInOptions;
  readonly #index: number;
  readonly #frameMax: number;
  readonly #stats: Float64Array;
  // Received frames, waiting for tick.
  readonly #rxBytes: Uint8Array;
  readonly #rxLength: Uint16Array;
  readonly #rxFrom: Uint16Array;
  #rxHead = 0;
  #rxCount = 0;
  // Delivered messages, waiting for poll.
  readonly #inBytes: Uint8Array;
  readonly #inLength: Uint16Array;
  readonly #inSource: Uint16Array;
  readonly #inClass: Uint8Array;
  #inHead = 0;
  #inCount = 0;
  // Frames waiting for a link acknowledgement.
  readonly #txBytes: Uint8Array;
  readonly #txLength: Uint16Array;
  readonly #txNext: Uint16Array;
  readonly #txLinkSeq: Uint16Array;
  readonly #txTries: Uint8Array;
  readonly #txDeadlineMs: Float64Array;
  readonly #txUsed: Uint8Array;
  // Own acknowledged sends waiting for the end-to-end ack.
  readonly #e2eUsed: Uint8Array;
  readonly #e2eSeq: Uint32Array;
  readonly #e2eMessageId: Float64Array;
  readonly #e2eDestination: Uint16Array;
  readonly #e2eDeadlineMs: Float64Array;
  readonly #e2eTimeoutMs: number;
  // The outcome batch: ended acknowledged sends until advanceOutcomes.
  readonly #outDestination: Uint16Array;
  readonly #outMessageId: Float64Array;
  readonly #outStatus: Uint16Array;
  #outHead = 0;
  #outCount = 0;
  // Recently handled (origin, seq).
  readonly #dedupOrigin: Uint16Array;
  readonly #dedupSeq: Uint32Array;
  #dedupNext = 0;
  #dedupSize = 0;
  readonly #frame: Uint8Array;
  readonly #ack = new Uint8Array(LINK_ACK_BYTES);
  #readable: (() => void) | undefined = undefined;
  #seq: number;
  #linkSeq = 0;
  /** Airtime budget in ms x 1000 (integer; permille refill per ms). */
  #budgetMilli: number;
  readonly #budgetCapMilli: number;
  #budgetAtMs: number;
  #highWaterRx = 0;
  #highWaterTx = 0;
  #highWaterInbox = 0;

  constructor(options: StandInOptions) {
    const radio = options.radio;
    this.#o = options;
    this.#index = options.nodeIndex;
    this.nodeId = options.nodeIndex + 1;
    this.maxMessageBytes = radio.maxMessageBytes;
    this.#frameMax = FRAME_HEADER_BYTES + radio.maxMessageBytes;
    this.#stats = options.stats;
    const rx = options.rxFrames;
    const tx = options.txFrames;
    this.#rxBytes = new Uint8Array(rx * this.#frameMax);
    this.#rxLength = new Uint16Array(rx);
    this.#rxFrom = new Uint16Array(rx);
    this.#inBytes = new Uint8Array(rx * radio.maxMessageBytes);
    this.#inLength = new Uint16Array(rx);
    this.#inSource = new Uint16Array(rx);
    this.#inClass = new Uint8Array(rx);
    this.#txBytes = new Uint8Array(tx * this.#frameMax);
    this.#txLength = new Uint16Array(tx);
    this.#txNext = new Uint16Array(tx);
    this.#txLinkSeq = new Uint16Array(tx);
    this.#txTries = new Uint8Array(tx);
    this.#txDeadlineMs = new Float64Array(tx);
    this.#txUsed = new Uint8Array(tx);
    this.#e2eUsed = new Uint8Array(tx);
    this.#e2eSeq = new Uint32Array(tx);
    this.#e2eMessageId = new Float64Array(tx);
    this.#e2eDestination = new Uint16Array(tx);
    this.#e2eDeadlineMs = new Float64Array(tx);
    this.#e2eTimeoutMs = (radio.hopLimit + 1) * (radio.linkRetries + 1) * radio.linkAckTimeoutMs;
    this.#outDestination = new Uint16Array(tx * 2);
    this.#outMessageId = new Float64Array(tx * 2);
    this.#outStatus = new Uint16Array(tx * 2);
    this.#dedupOrigin = new Uint16Array(DEDUP_ENTRIES);
    this.#dedupSeq = new Uint32Array(DEDUP_ENTRIES);
    this.#frame = new Uint8Array(this.#frameMax);
    this.#seq = options.firstSeq >>> 0;
    this.#budgetCapMilli = radio.dutyCyclePermille * DUTY_WINDOW_MS;
    this.#budgetMilli = this.#budgetCapMilli;
    this.#budgetAtMs = options.link.nowMs();
  }

  // ---------------------------------------------------------------- Transport

  send(destinationId: number, trafficClass: TrafficClass, bytes: Uint8Array, offset: number, length: number, ackRequested: boolean, messageId: number): Status {
    const stats = this.#stats;
    if ((length >>> 0) !== length || length > this.maxMessageBytes || offset + length > bytes.length) return this.#refuse(TransportStat.refusedTooLarge, ErrorCode.MeshMessageTooLarge);
    if (destinationId === BROADCAST_ID) return this.#refuse(TransportStat.refusedBroadcast, ErrorCode.Unsupported);
    const destination = destinationId - 1;
    const next = this.#o.routes.nextHop(this.#index, destination);
    if (next === NO_ROUTE) return this.#refuse(TransportStat.refusedNoRoute, ErrorCode.MeshBadNodeId);
    const reliable = ackRequested || trafficClass === TrafficClass.Control;
    const txSlot = reliable ? this.#freeTxSlot() : -1;
    const e2eSlot = ackRequested ? this.#freeE2eSlot() : -1;
    if ((reliable && txSlot < 0) || (ackRequested && e2eSlot < 0)) return this.#refuse(TransportStat.refusedQueueFull, ErrorCode.MeshPendingFull);
    const frameLength = FRAME_HEADER_BYTES + length;
    const nowMs = this.#o.link.nowMs();
    if (!this.#spendAirtime(frameLength, nowMs, false)) return this.#refuse(TransportStat.refusedDutyCycle, ErrorCode.MeshDutyCycleExhausted);
    const seq = this.#nextSeq();
    const flags = (trafficClass & 0x03) | (ackRequested ? FLAG_ACK_REQUESTED : 0) | (reliable ? FLAG_RELIABLE : 0);
    const frame = this.#frame;
    writeFrameHeader(frame, FrameType.Data, flags, this.nodeId, destinationId, 0, seq, messageId, this.#nextLinkSeq(), length);
    for (let i = 0; i < length; i++) frame[FRAME_HEADER_BYTES + i] = bytes[offset + i] ?? 0;
    this.#remember(this.nodeId, seq);
    this.#transmit(next, frame, frameLength);
    stats[TransportStat.dataFramesSent] = (stats[TransportStat.dataFramesSent] ?? 0) + 1;
    if (reliable) this.#holdForLinkAck(txSlot, next, frame, frameLength, nowMs);
    if (ackRequested) {
      this.#e2eUsed[e2eSlot] = 1;
      this.#e2eSeq[e2eSlot] = seq;
      this.#e2eMessageId[e2eSlot] = messageId;
      this.#e2eDestination[e2eSlot] = destinationId;
      this.#e2eDeadlineMs[e2eSlot] = nowMs + this.#e2eTimeoutMs;
    }
    return ErrorCode.Ok;
  }

  takeDelivery(out: Delivery): boolean {
    if (this.#inCount === 0) return false;
    const capacity = this.#inLength.length;
    const at = this.#inHead;
    this.#inHead = at + 1 === capacity ? 0 : at + 1;
    this.#inCount--;
    out.sourceId = this.#inSource[at] ?? 0;
    out.trafficClass = this.#inClass[at] ?? 0;
    out.bytes = this.#inBytes;
    out.offset = at * this.maxMessageBytes;
    out.length = this.#inLength[at] ?? 0;
    return true;
  }

  get outcomeCount(): number {
    return this.#outCount;
  }

  outcomeDestination(i: number): number {
    return i < this.#outCount ? (this.#outDestination[this.#outAt(i)] ?? 0) : 0;
  }

  outcomeMessageId(i: number): number {
    return i < this.#outCount ? (this.#outMessageId[this.#outAt(i)] ?? 0) : 0;
  }

  outcomeStatus(i: number): Status {
    return (i < this.#outCount ? (this.#outStatus[this.#outAt(i)] ?? 0) : 0) as Status;
  }

  advanceOutcomes(): void {
    this.#outHead = this.#outAt(this.#outCount);
    this.#outCount = 0;
  }

  #outAt(i: number): number {
    const at = this.#outHead + i;
    return at >= this.#outStatus.length ? at - this.#outStatus.length : at;
  }

  tick(nowMs: number): void {
    this.#refill(nowMs);
    const capacity = this.#rxLength.length;
    for (let k = 0; k < capacity && this.#rxCount > 0; k++) {
      const at = this.#rxHead;
      this.#rxHead = at + 1 === capacity ? 0 : at + 1;
      this.#rxCount--;
      this.#handleFrame(this.#rxFrom[at] ?? 0, at * this.#frameMax, this.#rxLength[at] ?? 0, nowMs);
    }
    this.#retransmitDue(nowMs);
    this.#expireEndToEnd(nowMs);
  }

  // ---------------------------------------------------------------- radio side

  /** The kernel delivered a frame from neighbour `fromIndex`: queue it for the next tick (dropped and counted when full). */
  receiveFrame(fromIndex: number, bytes: Uint8Array, lengthBytes: number): void {
    const stats = this.#stats;
    stats[TransportStat.framesReceived] = (stats[TransportStat.framesReceived] ?? 0) + 1;
    const capacity = this.#rxLength.length;
    if (lengthBytes > this.#frameMax || lengthBytes < LINK_ACK_BYTES) {
      this.#count(TransportStat.dropMalformed);
      return;
    }
    if (this.#rxCount === capacity) {
      this.#count(TransportStat.dropRxQueueFull);
      return;
    }
    let at = this.#rxHead + this.#rxCount;
    if (at >= capacity) at -= capacity;
    const base = at * this.#frameMax;
    for (let i = 0; i < lengthBytes; i++) this.#rxBytes[base + i] = bytes[i] ?? 0;
    this.#rxLength[at] = lengthBytes;
    this.#rxFrom[at] = fromIndex;
    this.#rxCount++;
    if (this.#rxCount > this.#highWaterRx) this.#highWaterRx = this.#rxCount;
    // The stand-in's radio interrupt: the agent's driver wakes the mesh task.
    this.#readable?.();
  }

  // ---------------------------------------------------- the site's link (transport-factory.ts SiteLink)

  /** The stand-in is its own link: the agent gets it directly. */
  get transport(): Transport {
    return this;
  }

  /** No radio hardware of its own (frames are queued as they arrive). */
  radioEventMs(): number {
    return -1;
  }

  radioEvent(_nowMs: number): void {
    // No timed radio events.
  }

  /** Counts go straight into the host's array. */
  observe(): void {
    // Nothing to copy.
  }

  close(): void {
    // Nothing to release: the ring goes with the board's RAM.
  }

  /** No timer of its own: link-ack and end-to-end timeouts are checked at each tick (the mesh task's period). */
  /** No shared channel is modelled: never busy. */
  busyPermille(_nowMs: number): number {
    return 0;
  }

  nextWakeMs(): number {
    return -1;
  }

  onReadable(handler: () => void): void {
    this.#readable = handler;
  }

  #handleFrame(from: number, base: number, length: number, nowMs: number): void {
    const f = this.#rxBytes;
    const type = f[base] ?? 0;
    if (type === FrameType.LinkAck) {
      this.#onLinkAck(from, readU16(f, base + 4));
      return;
    }
    if ((type !== FrameType.Data && type !== FrameType.EndToEndAck) || length < FRAME_HEADER_BYTES) {
      this.#count(TransportStat.dropMalformed);
      return;
    }
    const payloadLength = readU16(f, base + 18);
    if (FRAME_HEADER_BYTES + payloadLength !== length) {
      this.#count(TransportStat.dropMalformed);
      return;
    }
    const flags = f[base + 1] ?? 0;
    if ((flags & FLAG_RELIABLE) !== 0) this.#sendLinkAck(from, readU16(f, base + 16), nowMs);
    const origin = readU16(f, base + 2);
    const seq = readU32(f, base + 8);
    if (!this.#remember(origin, seq)) {
      this.#count(TransportStat.dropDuplicate);
      return;
    }
    const destination = readU16(f, base + 4);
    if (destination !== this.nodeId) {
      this.#forward(base, length, destination, nowMs);
      return;
    }
    if (type === FrameType.EndToEndAck) this.#onEndToEndAck(origin, readU32(f, base + FRAME_HEADER_BYTES));
    else this.#deliverUp(origin, flags & 0x03, base, payloadLength, (flags & FLAG_ACK_REQUESTED) !== 0, seq, readU32(f, base + 12), nowMs);
  }

  #deliverUp(origin: number, trafficClass: number, base: number, payloadLength: number, ackRequested: boolean, seq: number, messageId: number, nowMs: number): void {
    const capacity = this.#inLength.length;
    if (this.#inCount === capacity) {
      this.#count(TransportStat.dropInboxFull); // no end-to-end ack: the origin will time out and resend
      return;
    }
    let at = this.#inHead + this.#inCount;
    if (at >= capacity) at -= capacity;
    const into = at * this.maxMessageBytes;
    for (let i = 0; i < payloadLength; i++) this.#inBytes[into + i] = this.#rxBytes[base + FRAME_HEADER_BYTES + i] ?? 0;
    this.#inLength[at] = payloadLength;
    this.#inSource[at] = origin;
    this.#inClass[at] = trafficClass;
    this.#inCount++;
    if (this.#inCount > this.#highWaterInbox) this.#highWaterInbox = this.#inCount;
    this.#count(TransportStat.messagesDelivered);
    if (ackRequested) this.#sendEndToEndAck(origin, seq, messageId, nowMs);
  }

  #forward(base: number, length: number, destination: number, nowMs: number): void {
    const f = this.#rxBytes;
    const hops = (f[base + 6] ?? 0) + 1;
    if (hops > this.#o.radio.hopLimit) {
      this.#count(TransportStat.dropHopLimit);
      return;
    }
    const next = this.#o.routes.nextHop(this.#index, destination - 1);
    if (next === NO_ROUTE) {
      this.#count(TransportStat.dropNoRoute);
      return;
    }
    const reliable = ((f[base + 1] ?? 0) & FLAG_RELIABLE) !== 0;
    const txSlot = reliable ? this.#freeTxSlot() : -1;
    if (reliable && txSlot < 0) {
      this.#count(TransportStat.dropForwardQueueFull);
      return;
    }
    if (!this.#spendAirtime(length, nowMs, false)) {
      this.#count(TransportStat.dropDutyCycle);
      return;
    }
    const frame = this.#frame;
    for (let i = 0; i < length; i++) frame[i] = f[base + i] ?? 0;
    frame[6] = hops;
    writeU16(frame, 16, this.#nextLinkSeq());
    this.#transmit(next, frame, length);
    this.#count(TransportStat.framesForwarded);
    if (reliable) this.#holdForLinkAck(txSlot, next, frame, length, nowMs);
  }

  #sendEndToEndAck(toOrigin: number, ackedSeq: number, messageId: number, nowMs: number): void {
    const next = this.#o.routes.nextHop(this.#index, toOrigin - 1);
    const txSlot = this.#freeTxSlot();
    if (next === NO_ROUTE || txSlot < 0) {
      this.#count(next === NO_ROUTE ? TransportStat.dropNoRoute : TransportStat.dropForwardQueueFull);
      return;
    }
    const length = FRAME_HEADER_BYTES + 4;
    this.#spendAirtime(length, nowMs, true); // acks are never refused (they still use airtime)
    const seq = this.#nextSeq();
    const frame = this.#frame;
    writeFrameHeader(frame, FrameType.EndToEndAck, TrafficClass.Control | FLAG_RELIABLE, this.nodeId, toOrigin, 0, seq, messageId, this.#nextLinkSeq(), 4);
    writeU32(frame, FRAME_HEADER_BYTES, ackedSeq);
    this.#remember(this.nodeId, seq);
    this.#transmit(next, frame, length);
    this.#count(TransportStat.endToEndAcksSent);
    this.#holdForLinkAck(txSlot, next, frame, length, nowMs);
  }

  #onEndToEndAck(fromDestination: number, ackedSeq: number): void {
    for (let slot = 0; slot < this.#e2eUsed.length; slot++) {
      if (this.#e2eUsed[slot] !== 1 || this.#e2eSeq[slot] !== ackedSeq || this.#e2eDestination[slot] !== fromDestination) continue;
      this.#e2eUsed[slot] = 0;
      this.#count(TransportStat.outcomeAcknowledged);
      this.#queueOutcome(fromDestination, this.#e2eMessageId[slot] ?? 0, ErrorCode.Ok);
      return;
    }
  }

  #sendLinkAck(toIndex: number, linkSeq: number, nowMs: number): void {
    const ack = this.#ack;
    ack[0] = FrameType.LinkAck;
    ack[1] = 0;
    writeU16(ack, 2, this.nodeId);
    writeU16(ack, 4, linkSeq);
    ack[6] = 0;
    ack[7] = 0;
    this.#spendAirtime(LINK_ACK_BYTES, nowMs, true);
    this.#transmit(toIndex, ack, LINK_ACK_BYTES);
    this.#count(TransportStat.linkAcksSent);
  }

  #onLinkAck(from: number, linkSeq: number): void {
    for (let slot = 0; slot < this.#txUsed.length; slot++) {
      if (this.#txUsed[slot] === 1 && this.#txNext[slot] === from && this.#txLinkSeq[slot] === linkSeq) {
        this.#txUsed[slot] = 0;
        return;
      }
    }
  }

  #retransmitDue(nowMs: number): void {
    const retries = this.#o.radio.linkRetries;
    for (let slot = 0; slot < this.#txUsed.length; slot++) {
      if (this.#txUsed[slot] !== 1 || (this.#txDeadlineMs[slot] ?? 0) > nowMs) continue;
      if ((this.#txTries[slot] ?? 0) > retries) {
        this.#txUsed[slot] = 0;
        this.#count(TransportStat.dropRetriesExhausted);
        continue;
      }
      const length = this.#txLength[slot] ?? 0;
      this.#txDeadlineMs[slot] = nowMs + this.#o.radio.linkAckTimeoutMs;
      if (!this.#spendAirtime(length, nowMs, false)) continue; // held: tried again at the next deadline
      this.#txTries[slot] = (this.#txTries[slot] ?? 0) + 1;
      const frame = this.#frame;
      const base = slot * this.#frameMax;
      for (let i = 0; i < length; i++) frame[i] = this.#txBytes[base + i] ?? 0;
      this.#transmit(this.#txNext[slot] ?? 0, frame, length);
      this.#count(TransportStat.retransmissions);
    }
  }

  #expireEndToEnd(nowMs: number): void {
    for (let slot = 0; slot < this.#e2eUsed.length; slot++) {
      if (this.#e2eUsed[slot] !== 1 || (this.#e2eDeadlineMs[slot] ?? 0) > nowMs) continue;
      this.#e2eUsed[slot] = 0;
      this.#count(TransportStat.outcomeTimedOut);
      this.#queueOutcome(this.#e2eDestination[slot] ?? 0, this.#e2eMessageId[slot] ?? 0, ErrorCode.MeshAckTimeout);
    }
  }

  #queueOutcome(destination: number, messageId: number, status: Status): void {
    const capacity = this.#outStatus.length;
    if (this.#outCount === capacity) return; // unreachable while the caller drains after each tick: at most txFrames end-to-end slots, and the ring holds twice that
    let at = this.#outHead + this.#outCount;
    if (at >= capacity) at -= capacity;
    this.#outDestination[at] = destination;
    this.#outMessageId[at] = messageId;
    this.#outStatus[at] = status;
    this.#outCount++;
  }

  // ---------------------------------------------------------------- helpers

  #transmit(toIndex: number, frame: Uint8Array, length: number): void {
    const stats = this.#stats;
    stats[TransportStat.framesSent] = (stats[TransportStat.framesSent] ?? 0) + 1;
    stats[TransportStat.bytesSent] = (stats[TransportStat.bytesSent] ?? 0) + length;
    stats[TransportStat.airtimeMs] = (stats[TransportStat.airtimeMs] ?? 0) + this.airtimeMs(length);
    this.#o.link.send(toIndex, frame, length);
  }

  #holdForLinkAck(slot: number, next: number, frame: Uint8Array, length: number, nowMs: number): void {
    const base = slot * this.#frameMax;
    for (let i = 0; i < length; i++) this.#txBytes[base + i] = frame[i] ?? 0;
    this.#txUsed[slot] = 1;
    this.#txLength[slot] = length;
    this.#txNext[slot] = next;
    this.#txLinkSeq[slot] = readU16(frame, 16);
    this.#txTries[slot] = 1;
    this.#txDeadlineMs[slot] = nowMs + this.#o.radio.linkAckTimeoutMs;
    let used = 0;
    for (let s = 0; s < this.#txUsed.length; s++) used += this.#txUsed[s] ?? 0;
    if (used > this.#highWaterTx) this.#highWaterTx = used;
  }

  /** Airtime of a frame of `length` bytes, whole ms rounded up. */
  airtimeMs(length: number): number {
    const bits = (AIR_OVERHEAD_BYTES + length) * 8000;
    const rate = this.#o.radio.bitrateBps;
    return Math.floor((bits + rate - 1) / rate);
  }

  #refill(nowMs: number): void {
    const elapsed = nowMs - this.#budgetAtMs;
    if (elapsed <= 0) return;
    this.#budgetAtMs = nowMs;
    const budget = this.#budgetMilli + elapsed * this.#o.radio.dutyCyclePermille;
    this.#budgetMilli = budget > this.#budgetCapMilli ? this.#budgetCapMilli : budget;
  }

  /** Spend the airtime of a frame; false (nothing spent) when it does not fit, unless `always`. */
  #spendAirtime(length: number, nowMs: number, always: boolean): boolean {
    this.#refill(nowMs);
    const cost = this.airtimeMs(length) * 1000;
    if (!always && cost > this.#budgetMilli) return false;
    this.#budgetMilli -= cost;
    return true;
  }

  #freeTxSlot(): number {
    for (let slot = 0; slot < this.#txUsed.length; slot++) if (this.#txUsed[slot] === 0) return slot;
    return -1;
  }

  #freeE2eSlot(): number {
    for (let slot = 0; slot < this.#e2eUsed.length; slot++) if (this.#e2eUsed[slot] === 0) return slot;
    return -1;
  }

  /** False if (origin, seq) was handled recently; else remembers it. */
  #remember(origin: number, seq: number): boolean {
    const size = this.#dedupSize;
    for (let i = 0; i < size; i++) if (this.#dedupOrigin[i] === origin && this.#dedupSeq[i] === seq) return false;
    const at = this.#dedupNext;
    this.#dedupOrigin[at] = origin;
    this.#dedupSeq[at] = seq;
    this.#dedupNext = at + 1 === DEDUP_ENTRIES ? 0 : at + 1;
    if (size < DEDUP_ENTRIES) this.#dedupSize = size + 1;
    return true;
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    return this.#seq;
  }

  #nextLinkSeq(): number {
    this.#linkSeq = (this.#linkSeq + 1) & 0xffff;
    return this.#linkSeq;
  }

  #count(stat: TransportStat): void {
    this.#stats[stat] = (this.#stats[stat] ?? 0) + 1;
  }

  #refuse(stat: TransportStat, code: Status): Status {
    this.#count(stat);
    return code;
  }

  /** `undefined` when every queue is within its capacity, else what is wrong (for invariants). */
  checkCapacities(): string | undefined {
    if (this.#rxCount > this.#rxLength.length || this.#highWaterRx > this.#rxLength.length) return `receive ring ${this.#rxCount}/${this.#rxLength.length}`;
    if (this.#inCount > this.#inLength.length || this.#highWaterInbox > this.#inLength.length) return `inbox ${this.#inCount}/${this.#inLength.length}`;
    if (this.#highWaterTx > this.#txUsed.length || this.#outCount > this.#outStatus.length) return "transmit table over capacity";
    if (this.#dedupSize > DEDUP_ENTRIES || this.#budgetMilli > this.#budgetCapMilli) return "duplicate filter or airtime budget over its bound";
    return undefined;
  }

  get rxHighWater(): number {
    return this.#highWaterRx;
  }
  get txHighWater(): number {
    return this.#highWaterTx;
  }
}

function writeFrameHeader(
  frame: Uint8Array,
  type: number,
  flags: number,
  origin: number,
  destination: number,
  hops: number,
  seq: number,
  messageId: number,
  linkSeq: number,
  payloadLength: number,
): void {
  frame[0] = type;
  frame[1] = flags;
  writeU16(frame, 2, origin);
  writeU16(frame, 4, destination);
  frame[6] = hops;
  frame[7] = 0;
  writeU32(frame, 8, seq);
  writeU32(frame, 12, messageId % 0x1_0000_0000);
  writeU16(frame, 16, linkSeq);
  writeU16(frame, 18, payloadLength);
}

function writeU16(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
}
