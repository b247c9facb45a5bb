/**
 * Hop-by-hop acknowledgement of routed frames (README "Mesh transport";
 * hop-acks.ts holds the table): every hop keeps its copy of a routed frame
 * until the next hop forwards it (overheard: an implicit acknowledgement) or
 * acknowledges it (a link-local HopAck), and retransmits it with binary
 * exponential back-off until then, so a route survives the loss of single
 * frames. Functions over the transport's state (transport-state.ts).
 */
import { HOP_ACK_ENTRY_BYTES, readHopAckCounter, readHopAckSource } from "./hop-acks";
import { BROADCAST_NODE_ID, FrameType, LinkClass, parseLinkHeader, rewriteHopFields, type LinkHeader } from "./link-header";
import { ErrorCode } from "../runtime/errors";
import { MeshCounter } from "./mesh-counters";
import { HOP_ACK_ENTRIES_MAX, MeshLogEvent, RELAY_SLOT_GUARD_MS, logEvent, lowIdOf, pushControl, type TransportState } from "./transport-state";

/** Most base waits a routed frame's resend waits for the next hop (the back-off doubles up to it). */
const HOP_BACKOFF_WAITS_MAX = 8;

/**
 * Acknowledge (source, counter), a routed frame whose last hop was to us,
 * with a link-local HopAck. One queued HopAck carries every frame taken
 * until it goes (and the recent ones before), so a burst costs one frame.
 */
export function queueHopAck(s: TransportState, source: number, counter: number): void {
  if (s.config.hopRetriesMax === 0) return;
  s.hopAckHistory.note(source, counter, s.nowMs);
  if (s.hopAckQueued) return;
  if (pushControl(s, FrameType.HopAck, BROADCAST_NODE_ID, 0) < 0) {
    s.counters.inc(MeshCounter.controlQueueFull);
    return;
  }
  s.hopAckQueued = true;
  s.hopAckQueuedAtMs = s.nowMs;
}

/** HopAck: 1..HOP_ACK_ENTRIES_MAX entries (source u16, counter u32) of routed frames this neighbour took. */
export function onHopAck(s: TransportState, from: number, plain: Uint8Array, plaintextBytes: number): void {
  const entries = Math.floor(plaintextBytes / HOP_ACK_ENTRY_BYTES);
  if (entries < 1 || entries > HOP_ACK_ENTRIES_MAX || entries * HOP_ACK_ENTRY_BYTES !== plaintextBytes) {
    s.counters.inc(MeshCounter.dropTruncated);
    return;
  }
  // A HopAck is link-local: the other neighbours overhear it, which is no drop.
  if (s.hopAcks.size === 0) return;
  for (let k = 0; k < entries; k++) {
    const slot = s.hopAcks.acknowledgedSlot(readHopAckSource(plain, k), readHopAckCounter(plain, k), from & 0xff);
    if (slot < 0) continue;
    s.counters.inc(MeshCounter.hopAcksReceived);
    hopTaken(s, slot, s.nowMs);
  }
}

/** Whether a frame heard is a watched routed frame forwarded by its next hop (an implicit hop acknowledgement). */
export function onForwardHeard(s: TransportState, h: LinkHeader, frame: Uint8Array, lengthBytes: number): void {
  const slot = s.hopAcks.forwardedSlot(h.source, h.counter, h.hopsTaken, frame, lengthBytes);
  if (slot < 0) return;
  s.counters.inc(MeshCounter.hopAcksImplicit);
  hopTaken(s, slot, s.nowMs);
}

/**
 * The next hop took the watched frame in `slot`: its route works; stop
 * watching. For a message we originated, the end-to-end ack timer runs
 * from now: the rest of the path and the reply.
 */
function hopTaken(s: TransportState, slot: number, nowMs: number): void {
  const table = s.hopAcks;
  s.routes.noteSuccess(table.destinationAt(slot), table.nextHopAt(slot));
  const owner = table.ownerSlotAt(slot);
  if (owner >= 0 && s.pending.messageIdAt(owner) === table.ownerIdAt(slot)) {
    const deadlineMs = nowMs + s.config.ackTimeoutMs;
    if (s.pending.deadlineAt(owner) < deadlineMs) s.pending.rearm(owner, deadlineMs);
  }
  table.release(slot);
}

/** Routed frames whose every hop retransmission went unacknowledged: give up; after routeFailuresMax in a row, forget the route. */
export function checkHopAcks(s: TransportState, nowMs: number): void {
  const table = s.hopAcks;
  const sendsMax = s.config.hopRetriesMax + 1;
  for (let guard = 0; guard < table.capacity; guard++) {
    const slot = table.exhausted(nowMs, sendsMax);
    if (slot < 0) return;
    const destination = table.destinationAt(slot);
    s.counters.inc(MeshCounter.hopGivenUp);
    // A message of ours the first hop never took: that attempt failed now (its ack timer would only wait longer).
    const owner = table.ownerSlotAt(slot);
    if (owner >= 0 && s.pending.messageIdAt(owner) === table.ownerIdAt(slot)) s.pending.rearm(owner, nowMs);
    const failures = s.routes.noteFailure(destination, table.nextHopAt(slot));
    if (failures >= s.config.routeFailuresMax && s.routes.invalidate(destination)) {
      s.counters.inc(MeshCounter.routesInvalidated);
      logEvent(s, MeshLogEvent.RouteInvalidated, destination, table.nextHopAt(slot), 0, 0);
    }
    table.release(slot);
  }
}

/**
 * Keep a routed frame (in s.frame, its header parsed into `h`) until its
 * next hop forwards or acknowledges it. The base wait covers our frame, the
 * next hop's longest relay wait (its contention slots) and its frame, plus
 * the guard; a random slot on top keeps two retransmitting neighbours from
 * repeating a collision.
 */
export function watchRouted(s: TransportState, h: LinkHeader, lengthBytes: number, nowMs: number, airtimeUs: number, ownerSlot: number, ownerId: number): void {
  const config = s.config;
  const airMs = Math.ceil(airtimeUs / 1000);
  const slotMs = airMs + RELAY_SLOT_GUARD_MS;
  // An alert pre-empts (mesh-config.ts alertRelayJitterSlots): its next hop waits fewer slots, so we wait less and do not back off.
  const alert = h.trafficClass === LinkClass.Alert;
  const jitterSlots = alert ? config.alertRelayJitterSlots : config.relayJitterSlots;
  const waitMs = airMs + 1 + config.relayDelayMinMs + (jitterSlots + 2) * slotMs + (alert ? config.alertHopGuardMs : config.hopAckGuardMs);
  // Binary exponential back-off (1, 2, 4, then 8 base waits): a busy next hop, or a congested channel, is not hammered;
  // an alert keeps to one base wait (it floods after alertFloodAfterSends instead).
  const prior = s.hopAcks.find(h.source, h.counter);
  const sends = prior < 0 ? 1 : s.hopAcks.sendsAt(prior) + 1;
  const waits = alert ? 1 : Math.min(1 << Math.min(sends - 1, 8), HOP_BACKOFF_WAITS_MAX);
  // An alert's random window doubles instead (binary exponential back-off of the contention window, as CSMA/CA's):
  // alerts come in bursts (one intrusion seen by three boards), and equal waits would repeat their collision.
  const window = alert ? (jitterSlots + 1) << Math.min(sends - 1, 4) : jitterSlots + 1;
  const deadlineMs = nowMs + waitMs * waits + s.random.nextBelow(window) * slotMs;
  const slot = s.hopAcks.watch(s.frame, lengthBytes, h, deadlineMs, ownerSlot, ownerId);
  if (slot < 0) s.counters.inc(MeshCounter.hopWatchFull);
}

/** Copy a watched routed frame back into the transmit buffer (its hop retransmission); its length. */
export function takeHopRetry(s: TransportState, slot: number): number {
  const table = s.hopAcks;
  const length = table.readFrame(slot, s.frame);
  s.counters.inc(MeshCounter.hopRetransmissions);
  const after = s.config.alertFloodAfterSends;
  if (after > 0 && table.trafficClassAt(slot) === LinkClass.Alert && table.sendsAt(slot) >= after) return floodInstead(s, slot, length);
  return length;
}

/**
 * An alert its next hop has not taken after `alertFloodAfterSends` sends
 * goes on as a flood from here (same hops taken, not routed, our hint):
 * every neighbour may carry it, so one bad link (a weak one that loses
 * every collision, a next hop that went down) no longer holds the alert
 * until the route is given up. The route is charged the failure; the
 * flood needs no watch, so the slot is freed and our own message's
 * end-to-end timer runs from now. Its length, or -1 when the hop tag
 * cannot be stamped (the watch stays and retries as before).
 */
function floodInstead(s: TransportState, slot: number, length: number): number {
  const h = s.header;
  if (parseLinkHeader(s.frame, length, h) !== ErrorCode.Ok) return length;
  const lowId = lowIdOf(s);
  rewriteHopFields(s.frame, h.headerBytes, h.hopsTaken, false, lowId, lowId);
  if (s.opener.stampHop(s.frame, length) !== ErrorCode.Ok) {
    s.counters.inc(MeshCounter.sealFailures);
    return -1;
  }
  const table = s.hopAcks;
  s.routes.noteFailure(table.destinationAt(slot), table.nextHopAt(slot));
  const owner = table.ownerSlotAt(slot);
  if (owner >= 0 && s.pending.messageIdAt(owner) === table.ownerIdAt(slot)) {
    const deadlineMs = s.nowMs + s.config.ackTimeoutMs;
    if (s.pending.deadlineAt(owner) < deadlineMs) s.pending.rearm(owner, deadlineMs);
  }
  table.release(slot);
  s.counters.inc(MeshCounter.alertsFloodedAfterHop);
  return length;
}

