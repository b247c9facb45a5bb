/**
 * A captured board against the secured mesh (README "Link security"), on
 * the transport's real receive path (MeshTransport on loopback radios),
 * with each board keyed as `picket provision` keys it
 * (core/crypto/site-keys.ts): gateway 1 derives a pair secret with every
 * board, sensors 2..SITE hold only theirs with the gateway, and every board
 * holds the flood secret F. Board CAPTURED is in the attacker's hands: it
 * seals with its own secrets and sets any header field it likes.
 *
 *  - sealAsAnother: frames claiming HONEST's id to the gateway, and the
 *    gateway's id to HONEST (data, alert, fragment, ack), each end to end
 *    under every secret the captured board holds (F, its own pair secret).
 *  - farAhead: the same with counter 0xfffffff0, then HONEST's own frames:
 *    are they still taken (no lock-out)? And the residual: a flood claiming
 *    HONEST's id is taken (F is all it needs), and moves only HONEST's flood
 *    window.
 *  - fragmentFlood: every round, first fragments claiming 50 other boards
 *    and 50 as itself, while HONEST sends 3-fragment messages; the honest
 *    delivery against the same run without the flood. For contrast, the
 *    same flood by an attacker holding the gateway's secrets (what the group
 *    secret gave every board before).
 *
 * Run on V8 (test/core/mesh/captured-board.test.ts) and on XS
 * (test/xs/mesh.test.ts): the same function, so both engines are held to the
 * same numbers. Platform neutral: no Node, no vitest.
 */
import { VolatileCounterSource } from "../../../core/crypto/index";
import { SITE_SECRET_BYTES, SiteKeyDeriver } from "../../../core/crypto/site-keys";
import { BROADCAST_NODE_ID, FRAGMENT_HEADER_BYTES, FragmentHeader, FrameType, LinkClass, LinkHeader, LinkSealer, MeshCounter, SecretTableKeyring, writeFragmentHeader, type LinkKeyring } from "../../../core/mesh/index";
import { carry, makeNode, payload, step, type Node } from "./fixtures";
import { keyring } from "./helpers";

export const GATEWAY = 1;
export const HONEST = 5;
export const CAPTURED = 6;
export const SITE = 60;
export const FLOOD_IDS = 50;
export const FLOOD_ROUNDS = 12;
const EPOCH = 0;
const GROUP = 1;
const MESSAGE_BYTES = 500;
const AUTHORITY = Uint8Array.from({ length: 32 }, (_v, i) => (i * 29 + 11) & 0xff);

/** Board `id`'s keyring as provisioning gives it: every pair for the gateway, the pair with the gateway for a sensor. */
export function provisionedKeys(id: number): SecretTableKeyring {
  const deriver = new SiteKeyDeriver();
  const flood = new Uint8Array(SITE_SECRET_BYTES);
  if (deriver.floodSecret(AUTHORITY, GROUP, EPOCH, flood) !== 0) throw new Error("flood secret");
  const pairs = new Uint8Array(SITE * SITE_SECRET_BYTES);
  const pair = new Uint8Array(SITE_SECRET_BYTES);
  for (let peer = 1; peer <= SITE; peer++) {
    if (peer === id || (id !== GATEWAY && peer !== GATEWAY)) continue;
    if (deriver.pairSecret(AUTHORITY, GROUP, EPOCH, GATEWAY, peer === GATEWAY ? id : peer, pair) !== 0) throw new Error("pair secret");
    pairs.set(pair, (peer - 1) * SITE_SECRET_BYTES);
  }
  const ring = SecretTableKeyring.create(id, EPOCH, flood, pairs);
  if (!ring.ok) throw new Error("keyring");
  return ring.value;
}

/** `keys` with another idea of which peers it shares a pair with, and which secret it uses for a peer. */
function keyView(keys: LinkKeyring, hasPair: (peer: number) => boolean, secretOf: (peer: number) => number): LinkKeyring {
  return {
    epoch: keys.epoch,
    siteSize: keys.siteSize,
    hasPair,
    pairSecretInto: (peer, out, at) => keys.pairSecretInto(secretOf(peer), out, at),
    floodSecretInto: (out, at) => keys.floodSecretInto(out, at),
  };
}

/** `keys` as a board that uses F for every frame (never its pair secret). */
const floodOnly = (keys: LinkKeyring): LinkKeyring => keyView(keys, () => false, (peer) => peer);
/** `keys` as a board that uses its pair secret with the gateway for every unicast frame, whoever it names. */
const ownPairForAll = (keys: LinkKeyring): LinkKeyring => keyView(keys, () => true, () => GATEWAY);
/** The gateway's keys as seen by an attacker sealing as `origin`: P(origin, gateway) for the gateway. */
const gatewayView = (gatewayKeys: LinkKeyring, origin: number): LinkKeyring => keyView(gatewayKeys, () => true, () => origin);

function board(id: number, keys: LinkKeyring = provisionedKeys(id)): Node {
  return makeNode(id, { config: { maxMessageBytes: 600, reassemblySlots: 8, reassemblyPerSenderMax: 2 }, extra: { provider: keyring().provider, keys } });
}

/** A sealer that claims `claimed` as its id, with `keys` (the captured board's, or a view of them). */
function forger(claimed: number, keys: LinkKeyring, counter: number): LinkSealer {
  const sealer = LinkSealer.create(keyring().provider, new VolatileCounterSource(counter), claimed);
  if (!sealer.ok) throw new Error("sealer");
  sealer.value.setKeys(keys);
  return sealer.value;
}

const frameBuffer = new Uint8Array(255);
const fragment = new FragmentHeader();

/** One frame of `type` from `sealer` to `destination` (first hop, direct), or a fragment of a MESSAGE_BYTES message. */
function forge(sealer: LinkSealer, type: FrameType, destination: number, body: Uint8Array, transmitter: number): Uint8Array {
  const h = new LinkHeader();
  h.type = type;
  h.trafficClass = LinkClass.Telemetry;
  h.hopLimit = 2;
  h.hopsTaken = 0;
  h.routed = false;
  h.destination = type === FrameType.Broadcast ? BROADCAST_NODE_ID : destination;
  h.linkHint = transmitter & 0xff;
  h.relayHint = transmitter & 0xff;
  const length = sealer.sealAt(h, body, 0, body.length, frameBuffer);
  if (length < 0) throw new Error(`seal: ${-length}`);
  return frameBuffer.slice(0, length);
}

function fragmentBody(messageId: number, index: number, count: number): Uint8Array {
  const body = new Uint8Array(FRAGMENT_HEADER_BYTES + 40);
  fragment.messageId = messageId;
  fragment.index = index;
  fragment.count = count;
  fragment.ackRequested = false;
  fragment.totalBytes = 40 * count;
  writeFragmentHeader(fragment, body, 0);
  return body;
}

/** Hear every frame at `to`, tick it until its radio is drained; the counters that moved. */
function hearAll(to: Node, frames: readonly Uint8Array[], t: number): number {
  for (const f of frames) to.radio.hear(f);
  let now = t;
  while (to.radio.inbox.length > 0) step(to, now++);
  step(to, now++);
  return now;
}

export interface SealAsAnotherReport {
  readonly attempts: number;
  readonly accepted: number;
  readonly delivered: number;
  readonly dropForged: number;
  readonly dropHopForged: number;
  /** The control: the same frames sealed by the boards they name are taken. */
  readonly genuineDelivered: number;
}

export function sealAsAnother(): SealAsAnotherReport {
  const gateway = board(GATEWAY);
  const honest = board(HONEST);
  const captured = provisionedKeys(CAPTURED);
  const views = [captured, floodOnly(captured), ownPairForAll(captured)];
  const toGateway: Uint8Array[] = [];
  const toHonest: Uint8Array[] = [];
  const kinds = [FrameType.Unicast, FrameType.UnicastAck, FrameType.UnicastFragment];
  let counter = 1000;
  for (const keys of views) {
    for (const type of kinds) {
      const body = type === FrameType.UnicastFragment ? fragmentBody(7, 0, 2) : type === FrameType.UnicastAck ? Uint8Array.of(0, 9, 1, 2, 3) : payload(12);
      toGateway.push(forge(forger(HONEST, keys, counter++), type, GATEWAY, body, CAPTURED));
      toHonest.push(forge(forger(GATEWAY, keys, counter++), type, HONEST, body, CAPTURED));
    }
    // The gateway's end-to-end ack for a message of HONEST's.
    toHonest.push(forge(forger(GATEWAY, keys, counter++), FrameType.Ack, HONEST, Uint8Array.of(0, 9), CAPTURED));
  }
  let t = hearAll(gateway, toGateway, 1);
  t = hearAll(honest, toHonest, t);
  const c = (n: Node, k: (typeof MeshCounter)[keyof typeof MeshCounter]): number => n.transport.counters.get(k);
  const accepted = c(gateway, MeshCounter.framesAccepted) + c(honest, MeshCounter.framesAccepted);
  const delivered = gateway.delivered.length + honest.delivered.length;
  const report = {
    attempts: toGateway.length + toHonest.length,
    accepted,
    delivered,
    dropForged: c(gateway, MeshCounter.dropForged) + c(honest, MeshCounter.dropForged),
    dropHopForged: c(gateway, MeshCounter.dropHopForged) + c(honest, MeshCounter.dropHopForged),
    genuineDelivered: 0,
  };
  // Control: HONEST's own message to the gateway, and the gateway's to HONEST, are delivered.
  const genuine = [forge(forger(HONEST, provisionedKeys(HONEST), 50), FrameType.Unicast, GATEWAY, payload(12), HONEST)];
  t = hearAll(gateway, genuine, t);
  hearAll(honest, [forge(forger(GATEWAY, provisionedKeys(GATEWAY), 50), FrameType.Unicast, HONEST, payload(12), GATEWAY)], t);
  return { ...report, genuineDelivered: gateway.delivered.length + honest.delivered.length - delivered };
}

export interface FarAheadReport {
  readonly forgedAccepted: number;
  /** HONEST's unicast messages the gateway delivered after the forgeries (of HONEST_AFTER). */
  readonly honestAfter: number;
  readonly honestAfterSent: number;
  /** Residual: a flood claiming HONEST's id with a far-ahead counter is taken by a sensor (F is all it needs)... */
  readonly forgedFloodAccepted: number;
  /** ...and HONEST's next broadcasts are then refused there (its flood window moved), while... */
  readonly honestFloodsAfter: number;
  /** ...HONEST's unicast frames to the gateway, which took the same flood, are untouched (a window of their own). */
  readonly honestUnicastAfterFlood: number;
}

export function farAhead(): FarAheadReport {
  const gateway = board(GATEWAY);
  const sensor = board(7);
  const captured = provisionedKeys(CAPTURED);
  const forged: Uint8Array[] = [];
  for (const keys of [captured, floodOnly(captured), ownPairForAll(captured)]) {
    forged.push(forge(forger(HONEST, keys, 0xffff_fff0), FrameType.Unicast, GATEWAY, payload(8), CAPTURED));
    forged.push(forge(forger(HONEST, keys, 0xffff_fff1), FrameType.UnicastAck, GATEWAY, Uint8Array.of(0, 1, 5), CAPTURED));
  }
  let t = hearAll(gateway, forged, 1);
  const forgedAccepted = gateway.transport.counters.get(MeshCounter.framesAccepted);
  const honestKeys = provisionedKeys(HONEST);
  const honestSealer = forger(HONEST, honestKeys, 100);
  const after: Uint8Array[] = [];
  for (let i = 0; i < 5; i++) after.push(forge(honestSealer, FrameType.Unicast, GATEWAY, payload(8, i), HONEST));
  t = hearAll(gateway, after, t);
  const honestAfter = gateway.delivered.length;
  // The residual: F lets the captured board flood as HONEST, at a sensor and at the gateway.
  const forgedFlood = forge(forger(HONEST, captured, 0xffff_fff0), FrameType.Broadcast, BROADCAST_NODE_ID, payload(8), CAPTURED);
  t = hearAll(sensor, [forgedFlood], t);
  t = hearAll(gateway, [forgedFlood], t);
  const forgedFloodAccepted = sensor.delivered.length;
  const floods: Uint8Array[] = [];
  for (let i = 0; i < 3; i++) floods.push(forge(honestSealer, FrameType.Broadcast, BROADCAST_NODE_ID, payload(8, 50 + i), HONEST));
  t = hearAll(sensor, floods, t);
  const honestFloodsAfter = sensor.delivered.length - forgedFloodAccepted;
  const before = gateway.delivered.length;
  hearAll(gateway, [forge(honestSealer, FrameType.Unicast, GATEWAY, payload(8, 99), HONEST)], t);
  return { forgedAccepted, honestAfter, honestAfterSent: after.length, forgedFloodAccepted, honestFloodsAfter, honestUnicastAfterFlood: gateway.delivered.length - before };
}

export type FloodMode = "none" | "captured" | "gatewaySecrets";

export interface FloodReport {
  readonly honestSent: number;
  readonly honestDelivered: number;
  readonly floodFrames: number;
  readonly floodDropForged: number;
}

export function fragmentFlood(mode: FloodMode): FloodReport {
  const gateway = board(GATEWAY);
  const honest = board(HONEST);
  // With the gateway's secrets the attacker can seal as any board to it: what the group secret allowed.
  const attackerKeys = mode === "gatewaySecrets" ? provisionedKeys(GATEWAY) : provisionedKeys(CAPTURED);
  let counter = 1;
  let floodFrames = 0;
  let t = 1;
  let sent = 0;
  for (let round = 0; round < FLOOD_ROUNDS; round++) {
    const frames: Uint8Array[] = [];
    if (mode !== "none") {
      for (let k = 0; k < FLOOD_IDS; k++) {
        const origin = 10 + k;
        // Claiming origin: sealed end to end with the best key the attacker has for origin -> gateway.
        const claimKeys = mode === "gatewaySecrets" ? gatewayView(attackerKeys, origin) : attackerKeys;
        frames.push(forge(forger(origin, claimKeys, 0x10000 * round + 10 * k + 1), FrameType.UnicastFragment, GATEWAY, fragmentBody(0x100 * round + k, 0, 3), CAPTURED));
        frames.push(forge(forger(CAPTURED, attackerKeys, counter++), FrameType.UnicastFragment, GATEWAY, fragmentBody(0x4000 + 0x100 * round + k, 0, 3), CAPTURED));
        floodFrames += 2;
      }
    }
    if (honest.transport.send(GATEWAY, LinkClass.Telemetry, payload(MESSAGE_BYTES, round), 0, MESSAGE_BYTES, false, round) === 0) sent++;
    // The honest board's fragments and the flood reach the gateway interleaved.
    const end = t + 4000;
    for (; t < end; t += 50) {
      step(honest, t);
      const mine = honest.radio.sent.splice(0).map((f) => f.bytes);
      const batch = frames.splice(0, 10);
      for (const f of [...batch, ...mine]) gateway.radio.hear(f);
      step(gateway, t);
      carry(gateway, [honest]);
    }
    for (const f of frames) gateway.radio.hear(f);
    t = hearAll(gateway, [], t);
  }
  return { honestSent: sent, honestDelivered: gateway.delivered.filter((d) => d.source === HONEST).length, floodFrames, floodDropForged: gateway.transport.counters.get(MeshCounter.dropForged) };
}
