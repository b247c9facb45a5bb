/**
 * The transmit phase (README "Mesh transport"): at most one frame a tick.
 * Control frames first, then per class (control > alerts > telemetry) a due
 * relay, a due hop retransmission of a routed frame, then the staged
 * message's next fragment (a new message first waits its class's random
 * access delay). Carrier sense, the duty-cycle budget (regulatory: ETSI EN
 * 300 220-2, duty-cycle.ts) and the channel-utilisation gate are checked first; a held
 * message or hop retransmission waits (a message until it is stale), a
 * relay that cannot go, or a hop retransmission the duty budget refuses, is
 * dropped; all counted. Every frame this board originates is sealed here.
 * Functions over the transport's state (transport-state.ts).
 */
import { ErrorCode } from "../runtime/errors";
import { FRAGMENT_HEADER_BYTES, fragmentChunkBytes, fragmentOffset, writeFragmentHeader } from "./fragment-header";
import { HOP_ACK_ENTRY_BYTES } from "./hop-acks";
import { BROADCAST_NODE_ID, FrameType, LINK_CLASS_COUNT, LINK_TAG_BYTES, SHORT_COUNTER_LIMIT, hasDestination, linkHeaderBytes, parseLinkHeader, type LinkHeader } from "./link-header";
import { MeshCounter } from "./mesh-counters";
import { StageKind, type OutgoingStage } from "./outgoing-stage";
import { takeHopRetry, watchRouted } from "./transport-hop";
import { takeRelay } from "./transport-relay";
import { abortStage, advanceStage, readStaged, stageFor, stagePlainBytes, stageType } from "./transport-stage";
import {
  ACK_PAYLOAD_BYTES,
  AIRTIME_SENT,
  CONTROL_FLOOD_FLAG,
  CONTROL_META_BYTES,
  CONTROL_QUEUE,
  HOP_ACK_ENTRIES_MAX,
  pushControl,
  writeU16,
  type TransportState,
} from "./transport-state";

const Candidate = Object.freeze({ None: 0, Control: 1, Relay: 2, Message: 3, HopRetry: 4 } as const);
/** What gatesAllow found: go, or which gate holds the frame. */
const Gate = Object.freeze({ Open: 0, DutyCycle: 1, Channel: 2 } as const);
type Gate = (typeof Gate)[keyof typeof Gate];

/** Put at most one frame on the air (see the module comment). */
export function transmit(s: TransportState, nowMs: number): void {
  const radio = s.radio;
  if (nowMs < s.txBusyUntilMs || nowMs < s.backoffUntilMs || radio.isTransmitting(nowMs)) return;
  let candidate: number = Candidate.None;
  let trafficClass = 0;
  let slot = -1;
  const hopSendsMax = s.config.hopRetriesMax + 1;
  for (; trafficClass < LINK_CLASS_COUNT; trafficClass++) {
    if (trafficClass === 0 && s.queues.count(CONTROL_QUEUE) > 0) {
      candidate = Candidate.Control;
      break;
    }
    slot = s.relays.dueOfClass(nowMs, trafficClass);
    if (slot >= 0) {
      candidate = Candidate.Relay;
      break;
    }
    slot = s.hopAcks.size > 0 ? s.hopAcks.retryDue(nowMs, trafficClass, hopSendsMax) : -1;
    if (slot >= 0) {
      candidate = Candidate.HopRetry;
      break;
    }
    if (stageFor(s, trafficClass, nowMs)) {
      candidate = Candidate.Message;
      break;
    }
  }
  if (candidate === Candidate.None) return;
  if (radio.isChannelBusy(nowMs)) {
    s.backoffUntilMs = nowMs + 1 + s.random.nextBelow(s.config.carrierSenseBackoffMs);
    s.counters.inc(MeshCounter.carrierSenseDeferred);
    return;
  }
  const stage = s.stages[trafficClass];
  const estimateBytes = candidate === Candidate.Relay ? s.relays.lengthAt(slot) : candidate === Candidate.HopRetry ? s.hopAcks.lengthAt(slot) : nextFrameBytes(s, candidate, stage);
  // A hop resend answers a loss, most often congestion, so it waits at the class's utilisation gate like a new frame.
  const gate = gatesAllow(s, nowMs, radio.airtimeUs(estimateBytes), trafficClass, candidate !== Candidate.Relay);
  if (gate !== Gate.Open) {
    if (candidate === Candidate.Relay) {
      s.relays.release(slot);
      s.counters.inc(MeshCounter.relayDutyCycleDropped);
    } else if (candidate === Candidate.HopRetry && gate === Gate.DutyCycle) {
      s.hopAcks.release(slot);
      s.counters.inc(MeshCounter.relayDutyCycleDropped);
    } else if (candidate === Candidate.HopRetry) s.hopAcks.postpone(slot, s.heldUntilMs);
    return;
  }
  // The pending send a message frame belongs to (sealing may finish the stage).
  const ownerSlot = candidate === Candidate.Message && stage !== undefined && stage.kind === StageKind.Pending ? stage.slot : -1;
  const ownerId = ownerSlot >= 0 && stage !== undefined ? stage.messageId : 0;
  let length = 0;
  if (candidate === Candidate.Relay) length = takeRelay(s, slot);
  else if (candidate === Candidate.HopRetry) length = takeHopRetry(s, slot);
  else {
    // A control record or the staged message's next frame: its plaintext and header are prepared, then sealed from
    // here, so the seal's cryptography (the board's deepest JS stack: test/xs/board-memory.test.ts) runs one call deep.
    const plainBytes = candidate === Candidate.Control ? prepareControl(s, nowMs) : stage !== undefined ? prepareStaged(s, stage, nowMs) : -1;
    if (plainBytes < 0) return;
    length = seal(s, plainBytes);
    if (candidate === Candidate.Message && stage !== undefined) length = stagedFrameSealed(s, stage, length, nowMs);
  }
  if (length <= 0) return;
  putOnAir(s, length, nowMs, ownerSlot, ownerId);
}

/** Channel utilisation (permille) over the utilisation window ending at `nowMs`. */
export function utilisationPermille(s: TransportState, nowMs: number): number {
  return Math.floor(s.utilisation.usedUs(nowMs) / s.utilisation.windowMs);
}

/**
 * Duty cycle (every frame: regulatory) and channel utilisation (frames we
 * originate: politeness; a relay completes a flood already under way).
 * A hold sets the time to look again.
 */
function gatesAllow(s: TransportState, nowMs: number, airtimeUs: number, trafficClass: number, originated: boolean): Gate {
  if (airtimeUs < 0) return Gate.DutyCycle;
  if (!s.duty.allows(nowMs, airtimeUs, trafficClass)) {
    if (s.heldUntilMs === 0) s.counters.inc(MeshCounter.dutyCycleHeld); // once per hold episode
    const releaseMs = s.duty.nextReleaseMs(nowMs);
    s.heldUntilMs = releaseMs > nowMs ? releaseMs : nowMs + 1000;
    return Gate.DutyCycle;
  }
  const gate = s.config.utilisationGatePermille[trafficClass] ?? 1000;
  if (originated && gate < 1000 && utilisationPermille(s, nowMs) > gate) {
    if (s.heldUntilMs === 0) s.counters.inc(MeshCounter.channelGateHeld); // once per hold episode
    const release = s.utilisation.nextReleaseMs(nowMs);
    s.heldUntilMs = release > nowMs ? release : nowMs + 1000;
    return Gate.Channel;
  }
  s.heldUntilMs = 0;
  return Gate.Open;
}

function putOnAir(s: TransportState, lengthBytes: number, nowMs: number, ownerSlot: number, ownerId: number): void {
  const radio = s.radio;
  const status = radio.transmit(s.frame, lengthBytes, nowMs);
  if (status !== ErrorCode.Ok) {
    s.counters.inc(status === ErrorCode.MeshRadioBusy ? MeshCounter.radioBusy : MeshCounter.radioFault);
    return;
  }
  const airtimeUs = radio.airtimeUs(lengthBytes);
  s.duty.record(nowMs, airtimeUs);
  s.utilisation.record(nowMs, airtimeUs);
  s.utilisation.record(nowMs, airtimeUs, AIRTIME_SENT);
  s.txBusyUntilMs = nowMs + Math.ceil(airtimeUs / 1000);
  // Every frame we send was sealed or checked by us: its header parses.
  const h = s.header;
  const relayed = parseLinkHeader(s.frame, lengthBytes, h) === ErrorCode.Ok && h.source !== s.nodeId;
  s.counters.inc(MeshCounter.framesTransmitted);
  s.counters.inc(relayed ? MeshCounter.framesRelayed : MeshCounter.framesOriginated);
  if (s.observer !== undefined) s.observer.transmitted(s.nodeId, nowMs, airtimeUs, relayed);
  if (h.routed && s.config.hopRetriesMax > 0) watchRouted(s, h, lengthBytes, nowMs, airtimeUs, ownerSlot, ownerId);
}

/** Frame length the next control record or staged fragment will take (long counter form: an upper bound). */
function nextFrameBytes(s: TransportState, candidate: number, stage: OutgoingStage | undefined): number {
  if (candidate === Candidate.Control || stage === undefined) {
    const head = s.queues.head(CONTROL_QUEUE);
    const length = head < 0 ? -ErrorCode.Empty : s.queues.recordLength(head);
    return linkHeaderBytes(FrameType.Ack, SHORT_COUNTER_LIMIT) + LINK_TAG_BYTES + Math.max(length - CONTROL_META_BYTES, HOP_ACK_ENTRIES_MAX * HOP_ACK_ENTRY_BYTES);
  }
  const index = stage.fragments === 0 ? 0 : stage.next;
  return linkHeaderBytes(stageType(stage), SHORT_COUNTER_LIMIT) + LINK_TAG_BYTES + stagePlainBytes(stage, index);
}

/** The control queue's head record: its plaintext into s.plain and its header into s.header; its plaintext bytes, or -1 when there is nothing to send. */
function prepareControl(s: TransportState, nowMs: number): number {
  const queues = s.queues;
  const record = queues.head(CONTROL_QUEUE);
  if (record < 0) return -1;
  const length = queues.recordLength(record);
  const first = queues.readByte(record, 0);
  const destination = queues.readU16(record, 1);
  let payloadBytes = length - CONTROL_META_BYTES;
  if (payloadBytes > 0) queues.read(record, CONTROL_META_BYTES, s.plain, 0, payloadBytes);
  queues.shift(CONTROL_QUEUE);
  if (length < CONTROL_META_BYTES) return -1;
  const kind = first & ~CONTROL_FLOOD_FLAG;
  if (kind === FrameType.HopAck) {
    // The newest frames taken, this one first: a HopAck lost at its sender is made good by the next.
    s.hopAckQueued = false;
    const sinceMs = Math.min(nowMs - s.config.hopAckHistoryMs, s.hopAckQueuedAtMs);
    payloadBytes = s.hopAckHistory.writeRecent(s.plain, 0, HOP_ACK_ENTRIES_MAX, sinceMs) * HOP_ACK_ENTRY_BYTES;
    if (payloadBytes === 0) return -1;
  }
  const type = kind === FrameType.Nack || kind === FrameType.Broadcast || kind === FrameType.HopAck ? kind : FrameType.Ack;
  s.counters.inc(controlCounter(type));
  // The hop ack is link-local; the beacon too unless it advertises a gateway (helloHopLimit); a counter-skip request
  // (a broadcast with a payload) floods the site.
  const hopLimit =
    type === FrameType.HopAck ? 0
    : type === FrameType.Broadcast && payloadBytes === 0 ? s.config.helloHopLimit
    : s.config.hopLimit;
  prepareHeader(s, type, 0, destination, hopLimit, (first & CONTROL_FLOOD_FLAG) !== 0, nowMs);
  return payloadBytes;
}

/** The staged message's next frame: its plaintext (fragment header and chunk, or the whole message) into s.plain and its header into s.header; its plaintext bytes. */
function prepareStaged(s: TransportState, stage: OutgoingStage, nowMs: number): number {
  const plain = s.plain;
  const index = stage.next;
  let plainBytes = 0;
  if (stage.fragments === 0) {
    if (stage.ack) writeU16(plain, 0, stage.messageId);
    plainBytes = stage.ack ? ACK_PAYLOAD_BYTES : 0;
    readStaged(s, stage, 0, plain, plainBytes, stage.length);
    plainBytes += stage.length;
  } else {
    const f = s.fragment;
    f.messageId = stage.messageId;
    f.index = index;
    f.count = stage.fragments;
    f.ackRequested = stage.ack;
    f.totalBytes = stage.length;
    writeFragmentHeader(f, plain, 0);
    const chunk = fragmentChunkBytes(stage.length, stage.fragments, index);
    readStaged(s, stage, fragmentOffset(stage.length, stage.fragments, index), plain, FRAGMENT_HEADER_BYTES, chunk);
    plainBytes = FRAGMENT_HEADER_BYTES + chunk;
  }
  prepareHeader(s, stageType(stage), stage.trafficClass, stage.destination, s.config.hopLimit, false, nowMs);
  return plainBytes;
}

/** The staged message's frame was sealed (`length`: 0 to try again next tick, < 0 failed): advance, finish or abort the stage; the frame's length to send, or <= 0. */
function stagedFrameSealed(s: TransportState, stage: OutgoingStage, length: number, nowMs: number): number {
  if (length === 0) return 0; // the stage stays as it is for the next tick
  if (length < 0) {
    abortStage(s, stage);
    return -1;
  }
  if (s.header.routed) stage.routed = true;
  if (stage.fragments > 0) s.counters.inc(MeshCounter.fragmentsSent);
  if (stage.resend) s.counters.inc(MeshCounter.fragmentsResent);
  advanceStage(s, stage, nowMs, length);
  return length;
}

/**
 * The header of a frame this board originates: routed along our route to
 * `destination` when we have one and `flood` is false, else flooded.
 */
function prepareHeader(s: TransportState, type: FrameType, trafficClass: number, destination: number, hopLimit: number, flood: boolean, nowMs: number): void {
  const h = s.header;
  h.type = type;
  h.trafficClass = trafficClass as LinkHeader["trafficClass"];
  h.hopLimit = hopLimit;
  h.hopsTaken = 0;
  h.destination = destination;
  h.routed = false;
  h.linkHint = s.nodeId & 0xff;
  h.relayHint = s.nodeId & 0xff;
  if (!hasDestination(type)) return;
  const nextHop = flood ? -1 : s.routes.nextHop(destination, nowMs);
  if (nextHop > 0) {
    h.routed = true;
    h.linkHint = nextHop & 0xff;
    s.counters.inc(MeshCounter.routedSends);
  } else {
    s.counters.inc(MeshCounter.floodedSends);
  }
}

/** Seal s.plain[0 .. plainBytes) under s.header as an originated frame into s.frame: its length, 0 to try again next tick, or -1. */
function seal(s: TransportState, plainBytes: number): number {
  const length = s.sealer.sealAt(s.header, s.plain, 0, plainBytes, s.frame);
  if (length < 0) {
    s.counters.inc(MeshCounter.sealFailures);
    // No counter reserved until the next tick's persist phase: try again then (0), nothing lost.
    return length === -ErrorCode.CounterNotReserved ? 0 : -1;
  }
  if (s.observer !== undefined) s.observer.sealed(s.header.source, s.header.counter, s.frame, length);
  return length;
}

/** Queue the presence beacon when due (helloIntervalMs; the first one jittered). */
export function beacon(s: TransportState, nowMs: number): void {
  const config = s.config;
  if (config.helloIntervalMs === 0) return;
  if (s.nextHelloMs < 0) s.nextHelloMs = nowMs + 1 + s.random.nextBelow(config.helloJitterMs);
  if (nowMs < s.nextHelloMs) return;
  s.nextHelloMs = nowMs + config.helloIntervalMs;
  if (pushControl(s, FrameType.Broadcast, BROADCAST_NODE_ID, 0) < 0) s.counters.inc(MeshCounter.controlQueueFull);
}

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
