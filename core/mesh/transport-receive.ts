/**
 * The receive phase (README "Mesh transport", "Link security"): every frame
 * the radio holds (bounded per tick) goes through parse -> key check (epoch,
 * site ids) -> hop tag (link-seal.ts, under the flood secret) -> routing
 * filters -> duplicate cache; then a frame this board only relays goes to
 * the relay decision, and a frame for it (every flood, a unicast frame it is
 * the destination of) through replay check -> end-to-end tag -> durable
 * ceiling -> replay commit -> decrypt -> per-origin token bucket; then
 * neighbour/route learning, delivery, relay decision. Each refusal has its
 * own counter (mesh-counters.ts). Reassembly of fragmented messages and the
 * selective retransmission requests (NACK) for incomplete ones live here
 * too. Functions over the transport's state (transport-state.ts).
 */
import { ErrorCode } from "../runtime/errors";
import { COUNTER_SKIP_MAX } from "../crypto/counter-source";
import { FRAGMENT_HEADER_BYTES, parseFragmentHeader } from "./fragment-header";
import { FrameType, LINK_TAG_BYTES, LinkClass, hasDestination, parseLinkHeader, type LinkHeader } from "./link-header";
import { MeshCounter } from "./mesh-counters";
import { NeighbourChange } from "./neighbour-table";
import { FragmentResult } from "./reassembly";
import { RouteChange } from "./route-table";
import { onForwardHeard, onHopAck, queueHopAck } from "./transport-hop";
import { considerRelay, mayReparent, noteNeighbourLoad, noteRelayCopy } from "./transport-relay";
import { onAck, onNack } from "./transport-stage";
import {
  ACK_PAYLOAD_BYTES,
  CONTROL_QUEUE,
  HELD_META_BYTES,
  HELD_QUEUE,
  INBOX_META_BYTES,
  INBOX_QUEUE,
  MeshLogEvent,
  RATE_RECEIVE,
  logEvent,
  lowIdOf,
  queueAck,
  readU16,
  type TransportState,
} from "./transport-state";

/**
 * The transport's own control message (a flooded Control-class broadcast):
 * COUNTER_SKIP_KIND, then the values to skip (u16 big-endian, 1..COUNTER_SKIP_MAX).
 * Control-class broadcasts of this exact shape are not delivered to the application.
 */
export const COUNTER_SKIP_KIND = 0xf1;
export const COUNTER_SKIP_BYTES = 3;

/** Take every frame the radio holds, up to receiveFramesPerTickMax. */
export function receiveFrames(s: TransportState, nowMs: number): void {
  const radio = s.radio;
  // Stopping at the cap leaves frames in the radio: nextWakeMs asks for another tick at once (no interrupt comes for them).
  s.receiveBacklog = true;
  for (let i = 0; i < s.config.receiveFramesPerTickMax; i++) {
    const length = radio.receive(nowMs, s.frame, s.rxMeta);
    if (length === -ErrorCode.Empty) {
      s.receiveBacklog = false;
      return;
    }
    if (length < 0) {
      s.counters.inc(MeshCounter.framesReceived);
      s.counters.inc(length === -ErrorCode.MeshFrameOversized ? MeshCounter.dropOversized : MeshCounter.radioFault);
      continue;
    }
    onFrame(s, length, nowMs, false);
  }
}

/**
 * The frames held last tick for a receive-ceiling raise, through the
 * receive path again (their airtime was counted when they arrived); one
 * refused again is dropped, not held twice.
 */
export function releaseHeld(s: TransportState, nowMs: number): void {
  const queues = s.queues;
  const meta = s.rxMeta;
  while (queues.count(HELD_QUEUE) > 0) {
    const handle = queues.head(HELD_QUEUE);
    const length = queues.recordLength(handle) - HELD_META_BYTES;
    meta.rssiDbm = queues.readU16(handle, 0) - 0x8000;
    meta.snrQuarterDb = queues.readU16(handle, 2) - 0x8000;
    meta.airtimeUs = 0;
    queues.read(handle, HELD_META_BYTES, s.frame, 0, length);
    queues.shift(HELD_QUEUE);
    onFrame(s, length, nowMs, true);
  }
}

/** Keep s.frame[0 .. lengthBytes) for the next tick (releaseHeld); false when the held queue has no room. */
function hold(s: TransportState, lengthBytes: number): boolean {
  const queues = s.queues;
  const handle = queues.append(HELD_QUEUE, HELD_META_BYTES + lengthBytes);
  if (handle < 0) return false;
  queues.writeU16(handle, 0, (s.rxMeta.rssiDbm + 0x8000) & 0xffff);
  queues.writeU16(handle, 2, (s.rxMeta.snrQuarterDb + 0x8000) & 0xffff);
  queues.write(handle, HELD_META_BYTES, s.frame, 0, lengthBytes);
  return true;
}

/** The frame in s.frame[0 .. lengthBytes). `held`: a frame held for a receive-ceiling raise, going through again (releaseHeld). */
function onFrame(s: TransportState, lengthBytes: number, nowMs: number, held: boolean): void {
  const counters = s.counters;
  const frame = s.frame;
  const h = s.header;
  if (!held) counters.inc(MeshCounter.framesReceived);
  const airtimeUs = s.rxMeta.airtimeUs;
  if (airtimeUs > 0) s.utilisation.record(nowMs, airtimeUs);
  const parsed = parseLinkHeader(frame, lengthBytes, h);
  if (parsed !== ErrorCode.Ok) {
    counters.inc(parseDropCounter(parsed));
    return;
  }
  noteNeighbourLoad(s, h, airtimeUs, nowMs);
  const opener = s.opener;
  const keyed = opener.keyCheck(h);
  if (keyed !== ErrorCode.Ok) {
    counters.inc(openDropCounter(keyed));
    return;
  }
  // The hop tag (under F) first: nothing heard from outside the site is relayed, learned from, taken as a hop
  // acknowledgement or opened.
  const hop = opener.verifyHop(frame, lengthBytes);
  if (hop !== ErrorCode.Ok) {
    counters.inc(hop === ErrorCode.CryptoAuthFailed ? MeshCounter.dropHopForged : MeshCounter.dropUnknownKey);
    return;
  }
  // Our routed frame heard again further on: the next hop took it (hop-acks.ts). Checked first: it is often our own echo or routed past us.
  if (s.hopAcks.size > 0) onForwardHeard(s, h, frame, lengthBytes);
  if (h.source === s.nodeId) {
    counters.inc(MeshCounter.dropOwnEcho);
    return;
  }
  // A routed frame names its next hop; the others only overhear it, unless it is for them.
  if (h.routed && h.linkHint !== lowIdOf(s) && h.destination !== s.nodeId) {
    counters.inc(MeshCounter.dropNotForUs);
    return;
  }
  const endpoint = h.destination === s.nodeId || !hasDestination(h.type);
  // A held frame was entered as seen when it was held (its copies since are duplicates); it is the original.
  if (!held && isDuplicate(s, frame, lengthBytes, h)) return;
  if (!endpoint) {
    onRelayOnly(s, h, lengthBytes, nowMs);
    return;
  }
  const plaintextBytes = opener.open(frame, lengthBytes, h, s.plain);
  if (plaintextBytes < 0) {
    // Authentic but not yet below its durable ceiling: held until the next persist phase raises it.
    if (plaintextBytes === -ErrorCode.MeshReceiveCeiling && !held && hold(s, lengthBytes)) {
      counters.inc(MeshCounter.framesHeldForCeiling);
      // Authentic: its relayed copies heard before the next tick are duplicates, not frames to hold again.
      s.duplicates.insert(h.source, h.counter, tagFingerprint(frame, lengthBytes), nowMs);
      return;
    }
    counters.inc(openDropCounter(-plaintextBytes));
    return;
  }
  counters.inc(MeshCounter.framesAccepted);
  if (s.observer !== undefined) s.observer.accepted(s.nodeId, h.source, h.counter, frame, lengthBytes);
  // Per-origin token bucket on authenticated frames: a babbling member is held to its rate; forgeries fail
  // above and cannot spend anyone else's tokens (a flood's origin is only "a board of the site"). A frame over
  // the rate takes no duplicate-cache entry either (its copies meet the replay window), so a flooding member
  // cannot push the other members' entries out of the cache.
  if (s.rate.tryTake(h.source, RATE_RECEIVE, nowMs) !== ErrorCode.Ok) {
    counters.inc(MeshCounter.dropRateLimited);
    return;
  }
  s.duplicates.insert(h.source, h.counter, tagFingerprint(frame, lengthBytes), nowMs);
  learn(s, h, plaintextBytes, nowMs);
  dispatch(s, h, plaintextBytes, nowMs);
  // A routed frame ends here: tell the hop that sent it, which keeps it until acknowledged.
  if (h.routed && h.destination === s.nodeId) queueHopAck(s, h.source, h.counter);
  else if (h.destination !== s.nodeId && h.hopLimit > 0) considerRelay(s, h, lengthBytes, nowMs);
}

/**
 * A frame this board only passes on (routed to us as its next hop, or a
 * flooded unicast for another board), its hop tag verified; its payload
 * and end-to-end tag are not ours to check. Its claimed origin is charged
 * for it: the hop tag says only "a board of the site" (README "Link
 * security": a captured board can spend another's relay budget; the
 * destination's end-to-end check still refuses its frames).
 */
function onRelayOnly(s: TransportState, h: LinkHeader, lengthBytes: number, nowMs: number): void {
  const counters = s.counters;
  counters.inc(MeshCounter.framesToRelay);
  if (s.rate.tryTake(h.source, RATE_RECEIVE, nowMs) !== ErrorCode.Ok) {
    counters.inc(MeshCounter.dropRateLimited);
    return;
  }
  s.duplicates.insert(h.source, h.counter, tagFingerprint(s.frame, lengthBytes), nowMs);
  learn(s, h, lengthBytes - h.headerBytes - LINK_TAG_BYTES, nowMs);
  if (h.hopLimit > 0) considerRelay(s, h, lengthBytes, nowMs);
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
function isDuplicate(s: TransportState, frame: Uint8Array, lengthBytes: number, h: LinkHeader): boolean {
  const slot = s.duplicates.find(h.source, h.counter);
  if (slot < 0 || s.duplicates.valueAt(slot) !== tagFingerprint(frame, lengthBytes)) return false;
  s.counters.inc(MeshCounter.dropDuplicate);
  // Our next-hop copy again: the sender missed our forward (or our HopAck). Repeat the acknowledgement, unless our forward is still to come.
  if (h.routed && h.linkHint === lowIdOf(s) && !s.relays.has(h.source, h.counter)) queueHopAck(s, h.source, h.counter);
  noteRelayCopy(s, h);
  return true;
}

/** Neighbour link quality from direct frames; reverse routes from flooded frames, and from routed ones with hop-by-hop retransmission. */
function learn(s: TransportState, h: LinkHeader, plaintextBytes: number, nowMs: number): void {
  const meta = s.rxMeta;
  if (h.hopsTaken === 0) {
    const change = s.neighbours.heard(h.source, nowMs, meta.rssiDbm, meta.snrQuarterDb);
    if (change !== NeighbourChange.Refreshed) {
      s.counters.inc(MeshCounter.neighboursAdded);
      logEvent(s, MeshLogEvent.NeighbourAdded, h.source, meta.rssiDbm, meta.snrQuarterDb, 0);
    }
    if (change === NeighbourChange.AddedEvicting) {
      s.counters.inc(MeshCounter.neighboursEvicted);
      logEvent(s, MeshLogEvent.NeighbourEvicted, s.neighbours.lastEvictedId, 0, 0, 0);
    }
  }
  // Flooded frames name their transmitter in the link hint; unicast frames (routed too) in the relay hint.
  // Routes back along routed frames only with hop-by-hop retransmission: replies then follow them hop by hop;
  // without it a routed reply crosses every lossy hop once, and a flooded one (learned from floods) is safer.
  if (h.routed && s.config.hopRetriesMax === 0) return;
  const lowId = lowIdOf(s);
  const hint = hasDestination(h.type) ? h.relayHint : h.linkHint;
  let transmitter = h.hopsTaken === 0 ? h.source : s.neighbours.resolveHint(hint, nowMs, s.config.neighbourFreshMs);
  // A transmitter never heard directly (its beacon lost) is still the one node with that low id byte in range that just
  // sent this; a route by that byte reaches it, since routed frames name their next hop by the same byte.
  if (transmitter <= 0 && hint > 0 && hint !== lowId && !s.neighbours.hasHint(hint)) transmitter = hint;
  if (transmitter <= 0 || transmitter === s.nodeId) return;
  const hops = h.hopsTaken + 1;
  // An empty broadcast is the source's beacon: its flooded form advertises a route to it (route-table.ts),
  // which may move an equally short route here when the current next hop is much the busier.
  const advert = h.type === FrameType.Broadcast && plaintextBytes === 0 && mayReparent(s, h.source, transmitter, nowMs) ? h.counter : -1;
  const change = s.routes.learn(h.source, transmitter, hops, nowMs, advert);
  if (change === RouteChange.Learned) {
    s.counters.inc(MeshCounter.routesLearned);
    logEvent(s, MeshLogEvent.RouteLearned, h.source, transmitter, hops, 0);
  } else if (change === RouteChange.Replaced) {
    s.counters.inc(MeshCounter.routesReplaced);
    logEvent(s, MeshLogEvent.RouteReplaced, h.source, transmitter, hops, s.routes.previousNextHop);
  }
}

/** An opened frame (its plaintext in s.plain) by type: delivery, fragments, acknowledgements, control. */
function dispatch(s: TransportState, h: LinkHeader, plaintextBytes: number, nowMs: number): void {
  const plain = s.plain;
  switch (h.type) {
    case FrameType.Broadcast:
      if (plaintextBytes === 0) s.counters.inc(MeshCounter.beaconsReceived);
      else if (isCounterSkip(h.trafficClass, plain, plaintextBytes)) applyCounterSkip(s, plain, nowMs);
      else deliver(s, h.source, h.trafficClass, plain, 0, plaintextBytes);
      return;
    case FrameType.Unicast:
      deliver(s, h.source, h.trafficClass, plain, 0, plaintextBytes);
      return;
    case FrameType.UnicastAck:
      if (plaintextBytes < ACK_PAYLOAD_BYTES) {
        s.counters.inc(MeshCounter.dropTruncated);
        return;
      }
      deliverOnce(s, h, readU16(plain, 0), true, ACK_PAYLOAD_BYTES, plaintextBytes - ACK_PAYLOAD_BYTES, nowMs);
      return;
    case FrameType.BroadcastFragment:
    case FrameType.UnicastFragment:
      acceptFragment(s, h, plaintextBytes, nowMs);
      return;
    case FrameType.Ack:
      onAck(s, h.source, plain, plaintextBytes);
      return;
    case FrameType.HopAck:
      onHopAck(s, h.source, plain, plaintextBytes);
      return;
    default:
      onNack(s, h.source, plain, plaintextBytes);
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
function applyCounterSkip(s: TransportState, plain: Uint8Array, nowMs: number): void {
  const values = readU16(plain, 1);
  const config = s.config;
  if (values > config.counterSkipMaxValues || (s.lastSkipAtMs >= 0 && nowMs - s.lastSkipAtMs < config.counterSkipHoldoffMs)) {
    s.counters.inc(MeshCounter.counterSkipsRefused);
    return;
  }
  if (s.sealer.skipCounter(values) !== ErrorCode.Ok) return;
  s.lastSkipAtMs = nowMs;
  s.counters.inc(MeshCounter.counterSkipsApplied);
}

/** Into the inbox (takeDelivery hands it out); false when the inbox has no room (counted). */
function deliver(s: TransportState, source: number, trafficClass: number, bytes: Uint8Array, offset: number, lengthBytes: number): boolean {
  const queues = s.queues;
  const handle = queues.append(INBOX_QUEUE, INBOX_META_BYTES + lengthBytes);
  if (handle < 0) {
    s.counters.inc(MeshCounter.dropInboxFull);
    return false;
  }
  queues.writeU16(handle, 0, source);
  queues.writeByte(handle, 2, trafficClass);
  queues.write(handle, INBOX_META_BYTES, bytes, offset, lengthBytes);
  s.counters.inc(MeshCounter.messagesDelivered);
  return true;
}

/**
 * Exactly-once delivery of the message in s.plain[offset .. offset +
 * lengthBytes), with wire id `messageId`, from the frame whose header is
 * `h`: a (source, id) delivered before is not delivered again (its ack is
 * repeated: the first one may have been lost). When the delivered cache
 * cannot hold the id yet, the message is dropped unacknowledged, so the
 * sender retries later.
 */
function deliverOnce(s: TransportState, h: LinkHeader, messageId: number, ack: boolean, offset: number, lengthBytes: number, nowMs: number): void {
  const delivered = s.delivered;
  const source = h.source;
  if (delivered.find(source, messageId) >= 0) {
    s.counters.inc(MeshCounter.dropDeliveredDuplicate);
    if (ack) queueAck(s, source, messageId, !h.routed);
    return;
  }
  if (!delivered.wouldAccept(nowMs)) {
    s.counters.inc(MeshCounter.dropDeliveredCacheFull);
    return;
  }
  if (!deliver(s, source, h.trafficClass, s.plain, offset, lengthBytes)) return;
  delivered.insert(source, messageId, 0, nowMs);
  if (ack) queueAck(s, source, messageId, !h.routed);
}

function acceptFragment(s: TransportState, h: LinkHeader, plaintextBytes: number, nowMs: number): void {
  const f = s.fragment;
  const parsed = parseFragmentHeader(s.plain, plaintextBytes, f);
  if (parsed !== ErrorCode.Ok) {
    s.counters.inc(parsed === ErrorCode.MeshFrameTruncated ? MeshCounter.dropTruncated : MeshCounter.dropFragmentInvalid);
    return;
  }
  const ack = f.ackRequested && h.type === FrameType.UnicastFragment;
  const reassembly = s.reassembly;
  if (reassembly.find(h.source, f.messageId) < 0 && s.delivered.find(h.source, f.messageId) >= 0) {
    s.counters.inc(MeshCounter.dropDeliveredDuplicate);
    if (ack) queueAck(s, h.source, f.messageId, !h.routed);
    return;
  }
  const result = reassembly.accept(h.source, h.trafficClass, f, s.plain, FRAGMENT_HEADER_BYTES, nowMs);
  if (result < 0) {
    s.counters.inc(reassemblyDropCounter(-result));
    return;
  }
  if (result !== FragmentResult.Complete) return;
  const slot = reassembly.completedSlot;
  // The fragment's plaintext is in the reassembly slot already: the whole message goes through s.plain (at least a largest message).
  reassembly.read(slot, 0, s.plain, 0, f.totalBytes);
  reassembly.release(slot);
  deliverOnce(s, h, f.messageId, ack, 0, f.totalBytes, nowMs);
}

// ------------------------------------------------ selective retransmission

/** NACK incomplete acknowledged messages that went quiet (README "Mesh transport"). */
export function requestMissingFragments(s: TransportState, nowMs: number): void {
  const reassembly = s.reassembly;
  for (let slot = 0; slot < reassembly.slotCount; slot++) {
    if (!nackDue(s, slot, nowMs)) continue;
    // Built in s.frame (free between receiving and transmitting), then queued.
    const record = s.frame;
    const messageId = reassembly.messageIdAt(slot);
    record[0] = FrameType.Nack;
    record[1] = reassembly.sourceAt(slot) >>> 8;
    record[2] = reassembly.sourceAt(slot) & 0xff;
    record[3] = messageId >>> 8;
    record[4] = messageId & 0xff;
    record[5] = reassembly.countAt(slot);
    const bitmapBytes = reassembly.writeMissing(slot, record, 6);
    const handle = s.queues.append(CONTROL_QUEUE, 6 + bitmapBytes);
    if (handle < 0) {
      s.counters.inc(MeshCounter.controlQueueFull);
      return;
    }
    s.queues.write(handle, 0, record, 0, 6 + bitmapBytes);
    reassembly.noteNackSent(slot, nowMs);
  }
}

function nackDue(s: TransportState, slot: number, nowMs: number): boolean {
  const r = s.reassembly;
  return r.isInUse(slot) && r.ackRequestedAt(slot) && r.nacksSentAt(slot) < s.config.nacksMax && nowMs - r.lastFragmentMsAt(slot) >= s.config.nackDelayMs;
}

/** When the next NACK falls due, or +Infinity. */
export function nextNackMs(s: TransportState): number {
  const r = s.reassembly;
  let firstMs = Number.POSITIVE_INFINITY;
  for (let slot = 0; slot < r.slotCount; slot++) {
    if (!r.isInUse(slot) || !r.ackRequestedAt(slot) || r.nacksSentAt(slot) >= s.config.nacksMax) continue;
    firstMs = Math.min(firstMs, r.lastFragmentMsAt(slot) + s.config.nackDelayMs);
  }
  return firstMs;
}

// ------------------------------------------------------------ drop mapping

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
function tagFingerprint(frame: Uint8Array, lengthBytes: number): number {
  const at = lengthBytes - LINK_TAG_BYTES;
  return (((frame[at] ?? 0) << 24) | ((frame[at + 1] ?? 0) << 16) | ((frame[at + 2] ?? 0) << 8) | (frame[at + 3] ?? 0)) >>> 0;
}
