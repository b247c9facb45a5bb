/**
 * Relay and flooding (README "Mesh transport"): a frame this board passes
 * on is scheduled in the relay queue (relay-queue.ts) after a random number
 * of contention slots. With managed flooding the better a link the longer
 * its wait, so the farthest receivers relay first and the near ones cancel
 * (Ni et al., "The broadcast storm problem", distance-based scheme); a
 * route advertisement waits longer the busier this board is, and a routed
 * frame goes to its next hop only. Functions over the transport's state
 * (transport-state.ts).
 */
import { ErrorCode } from "../runtime/errors";
import { FrameType, LINK_TAG_BYTES, LinkClass, hasDestination, rewriteHopFields, type LinkHeader } from "./link-header";

import { MeshCounter } from "./mesh-counters";
import { snrQualityPermille } from "./neighbour-table";
import { queueHopAck } from "./transport-hop";
import { AIRTIME_SENT, RATE_RELAY_BASE, RELAY_SLOT_GUARD_MS, lowIdOf, type TransportState } from "./transport-state";

/** Most extra contention slots a busy relay adds to a route advertisement. */
const ADVERT_LOAD_SLOTS_MAX = 32;

/** Schedule a rebroadcast (flooded) or a forward along our route (routed) of the frame in s.frame. */
export function considerRelay(s: TransportState, h: LinkHeader, lengthBytes: number, nowMs: number): void {
  const counters = s.counters;
  const lowId = lowIdOf(s);
  const addressedToUs = h.routed && h.linkHint === lowId;
  if (h.hopsTaken >= h.hopLimit) {
    counters.inc(MeshCounter.relayHopLimitReached);
    // It can go no further: stop the sender's hop retransmissions.
    if (addressedToUs) queueHopAck(s, h.source, h.counter);
    return;
  }
  const config = s.config;
  const nextHop = h.routed ? s.routes.nextHop(h.destination, nowMs) : -1;
  const routed = nextHop > 0;
  // The relay budget guards against flood amplification; a routed frame is one copy to one next hop
  // (its source is still held to the receive budget above).
  if (!routed && s.rate.tryTake(h.source, RATE_RELAY_BASE + h.trafficClass, nowMs) !== ErrorCode.Ok) {
    counters.inc(MeshCounter.relayRateLimited);
    return;
  }
  rewriteHopFields(s.frame, h.headerBytes, h.hopsTaken + 1, routed, routed ? nextHop : lowId, lowId);
  // Our own hop tag over the hop fields just written.
  if (s.opener.stampHop(s.frame, lengthBytes) !== ErrorCode.Ok) {
    counters.inc(MeshCounter.sealFailures);
    return;
  }
  // Contention slots of one frame's airtime: distinct slots do not overlap on the air.
  const slotMs = Math.ceil(s.radio.airtimeUs(lengthBytes) / 1000) + RELAY_SLOT_GUARD_MS;
  // A routed alert pre-empts: fewer contention slots (alertRelayJitterSlots).
  let slots = s.random.nextBelow((routed && h.trafficClass === LinkClass.Alert ? config.alertRelayJitterSlots : config.relayJitterSlots) + 1);
  if (!routed && config.managedFlooding) {
    // Better link, longer wait: the farthest receivers relay first (and others then cancel).
    slots += Math.floor((snrQualityPermille(s.rxMeta.snrQuarterDb) * config.relaySpreadSlots) / 1000);
    // A route advertisement (an empty flooded beacon): the busier we are, the later we pass it on.
    if (h.type === FrameType.Broadcast && lengthBytes === h.headerBytes + LINK_TAG_BYTES) slots += loadSlots(s, nowMs);
  }
  const delayMs = 1 + config.relayDelayMinMs + slots * slotMs;
  const slot = s.relays.schedule(s.frame, lengthBytes, h.source, h.counter, h.trafficClass, h.hopsTaken + 1, nowMs + delayMs);
  if (slot < 0) {
    counters.inc(MeshCounter.relayQueueFull);
    return;
  }
  counters.inc(MeshCounter.relaysScheduled);
}

/**
 * A copy of a frame we may relay was heard again from a near peer (strong
 * signal): it covers most of what ours would, so enough such copies cancel
 * our relay (Ni et al.'s distance-based scheme). Called for every duplicate.
 */
export function noteRelayCopy(s: TransportState, h: LinkHeader): void {
  const config = s.config;
  const near = snrQualityPermille(s.rxMeta.snrQuarterDb) >= config.relayCancelQualityPermille;
  if (config.managedFlooding && near && s.relays.heardCopy(h.source, h.counter, h.hopsTaken, config.relayCancelCopies) === ErrorCode.Ok) {
    s.counters.inc(MeshCounter.relaysCancelled);
  }
}

/** Move a due relay's frame into the transmit buffer and free its slot; its length. */
export function takeRelay(s: TransportState, slot: number): number {
  const relays = s.relays;
  const length = relays.readFrame(slot, s.frame);
  relays.release(slot);
  return length;
}

/** The transmitter of every frame heard is that busy: its airtime counts to its load (neighbour-table.ts). */
export function noteNeighbourLoad(s: TransportState, h: LinkHeader, airtimeUs: number, nowMs: number): void {
  if (airtimeUs <= 0) return;
  const hint = h.hopsTaken === 0 ? h.source & 0xff : hasDestination(h.type) ? h.relayHint : h.routed ? -1 : h.linkHint;
  if (hint >= 0) s.neighbours.noteAirtime(hint, nowMs, airtimeUs, loadBucketMs(s));
}

/** May an advertisement heard first through `candidate` move our route to `destination` (same length) there? */
export function mayReparent(s: TransportState, destination: number, candidate: number, nowMs: number): boolean {
  const current = s.routes.nextHop(destination, nowMs);
  if (current <= 0 || (current & 0xff) === (candidate & 0xff)) return true;
  const bucketMs = loadBucketMs(s);
  const currentLoad = s.neighbours.loadPermille(current & 0xff, nowMs, bucketMs);
  const candidateLoad = s.neighbours.loadPermille(candidate & 0xff, nowMs, bucketMs);
  // Busier by half again plus the margin: 2 x current > 3 x candidate + 2 x margin.
  return 2 * currentLoad > 3 * candidateLoad + 2 * s.config.reparentMarginPermille;
}

function loadBucketMs(s: TransportState): number {
  return Math.max(1, Math.floor(s.config.utilisationWindowMs / 2));
}

/** Extra contention slots for passing on a route advertisement: one per advertLoadSlotPermille of our recent airtime. */
function loadSlots(s: TransportState, nowMs: number): number {
  const per = s.config.advertLoadSlotPermille;
  if (per === 0) return 0;
  const permille = Math.floor(s.utilisation.usedUs(nowMs, AIRTIME_SENT) / s.utilisation.windowMs);
  return Math.min(ADVERT_LOAD_SLOTS_MAX, Math.floor(permille / per));
}
