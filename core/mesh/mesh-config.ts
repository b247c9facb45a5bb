/**
 * Mesh transport configuration: every capacity, time and policy knob, with
 * the defaults a LoRa site starts from (README "Mesh transport"). Units are in the names.
 * `meshConfig(overrides)` fills defaults; `validateMeshConfig` lists every
 * problem at once (the agent turns them into site-config errors).
 */
import { DEFAULT_CLASS_SHARE_PERMILLE, HOUR_MS } from "./duty-cycle";
import { FRAME_POOL_BLOCK_BYTES, FRAME_POOL_BLOCKS_MAX } from "./frame-pool";
import { HOP_LIMIT_MAX, LINK_CLASS_COUNT } from "./link-header";
import { COUNTER_SKIP_MAX } from "../crypto/counter-source";

export interface MeshConfig {
  /** Largest application message `send` accepts (fragmented above the radio MTU). */
  readonly maxMessageBytes: number;
  /** Hop limit of originated frames, 0..7 (Meshtastic's default is 3). */
  readonly hopLimit: number;
  /** Managed flooding (contention delay + cancel on hearing a relay); false = plain flooding. */
  readonly managedFlooding: boolean;
  /** Per class (Control, Alert, Telemetry): byte budget of the outgoing message queue (its records live in the frame store). */
  readonly queueCapacityBytes: readonly number[];
  /** Per class: a queued message older than this is dropped (MeshStale). */
  readonly queueMaxAgeMs: readonly number[];
  /** Per class: true = a full queue drops its oldest message for the new one; false = refuse the new one. */
  readonly queueDropOldest: readonly boolean[];
  /** Frames waiting for their relay moment. */
  readonly relaySlots: number;
  /**
   * Contention delay of a flooded relay, in slots of one frame's airtime:
   * min + (quality x spreadSlots / 1000 + random(jitterSlots)) x slot, with
   * quality 0..1000 from the received SNR (better link, later relay).
   */
  readonly relayDelayMinMs: number;
  readonly relaySpreadSlots: number;
  readonly relayJitterSlots: number;
  /** Peer relays (as many hops out, or more) heard before a waiting relay is cancelled. */
  readonly relayCancelCopies: number;
  /** A peer relay counts only if heard at least this well (quality permille from SNR): a near peer. */
  readonly relayCancelQualityPermille: number;
  /** Recent (source, counter) pairs remembered for duplicate suppression. */
  readonly duplicateCacheCapacity: number;
  /** Recent (source, message id) pairs delivered, for exactly-once delivery. */
  readonly deliveredCacheCapacity: number;
  /** A delivered-cache entry is kept at least this long (covers every retransmission). */
  readonly deliveredHoldMs: number;
  readonly neighbourCapacity: number;
  /** A neighbour not heard for this long no longer resolves link hints. */
  readonly neighbourFreshMs: number;
  readonly routeCapacity: number;
  readonly routeTtlMs: number;
  readonly reassemblySlots: number;
  readonly reassemblyPerSenderMax: number;
  readonly reassemblyTimeoutMs: number;
  /** An incomplete acknowledged message asks for its missing fragments after this much silence. */
  readonly nackDelayMs: number;
  readonly nacksMax: number;
  readonly pendingAckSlots: number;
  readonly ackTimeoutMs: number;
  /** Attempts after the first for an acknowledged send. */
  readonly retriesMax: number;
  /** Byte budgets of the delivered-message inbox and the control queue (records in the frame store, counted as in a ring of that size). */
  readonly inboxCapacityBytes: number;
  readonly controlQueueBytes: number;
  /**
   * Byte budget of the held frames: authenticated frames whose counter was
   * not yet below their sender's durable receive ceiling, kept (in the frame
   * store) until the next tick's persist phase raised it, then processed
   * (core/storage/receive-ceilings.ts). Frames beyond it are dropped, counted.
   */
  readonly heldQueueBytes: number;
  /** Share of the duty-cycle window this transmitter may use, ppm (10_000 = 1 %). */
  readonly dutyCyclePpm: number;
  readonly dutyWindowMs: number;
  readonly dutyBucketCount: number;
  readonly dutyClassSharePermille: readonly number[];
  /** Channel utilisation gate: window, buckets, and per class the utilisation (permille) above which it holds. */
  readonly utilisationWindowMs: number;
  readonly utilisationBucketCount: number;
  readonly utilisationGatePermille: readonly number[];
  /** Per source and class: relays this node makes for it (token bucket, milli-frames per second and burst). */
  readonly relayRefillPerSecondMilli: readonly number[];
  readonly relayBurstFrames: readonly number[];
  /** Per authenticated source: new frames this node accepts from it (a babbling member is held to this). */
  readonly receiveRefillPerSecondMilli: number;
  readonly receiveBurstFrames: number;
  /** Per class: messages this node's application may send (its rate budget), milli-messages per second and burst. */
  readonly sendRefillPerSecondMilli: readonly number[];
  readonly sendBurstMessages: readonly number[];
  readonly rateTableCapacity: number;
  /** Hash seed for the rate table (from the board's entropy). */
  readonly rateHashSeed: number;
  /** Frames taken from the radio per tick. */
  readonly receiveFramesPerTickMax: number;
  /**
   * Presence beacon (an empty, link-local broadcast) so neighbours learn this
   * node even when it only relays: first within helloJitterMs of start, then
   * every helloIntervalMs (0 = never).
   */
  readonly helloIntervalMs: number;
  readonly helloJitterMs: number;
  /** Random back-off, 1..this, when the channel is heard busy before sending (about two frames). */
  readonly carrierSenseBackoffMs: number;
  /**
   * Per class: a new message waits a random 0..this before its first frame
   * (the random access delay of CSMA/CA, IEEE 802.15.4 §6.2.5.1), so boards
   * that decide to send at the same moment (a window closing everywhere, one
   * intrusion seen by three boards) do not all key up together; carrier
   * sense cannot separate transmissions that start within its detection time.
   */
  readonly accessDelayMaxMs: readonly number[];
  /**
   * Hop-by-hop retransmission of routed frames (hop-acks.ts): resends after
   * the first when the next hop neither forwards the frame nor acknowledges
   * it (0 = off: a routed frame goes once per hop).
   */
  readonly hopRetriesMax: number;
  /** Routed frames watched for their next hop's acknowledgement at once (each holds a copy of the frame in the frame store). */
  readonly hopAckSlots: number;
  /**
   * Bytes of the one frame store (frame-pool.ts) that holds every frame or
   * message kept for later: waiting relays, hop-ack watches, pending
   * acknowledged sends, each class's message being sent, messages being
   * reassembled, and the records of the send queues, the inbox and the
   * control queue (record-queues.ts), in blocks of
   * 32 bytes (plus a link per block: 1 byte up to 254 blocks, else 2). A table or queue whose newcomer the
   * store cannot hold refuses it as when its own slots or budget are full (counted
   * there). 0 = as much as every slot's largest frame or message and every
   * queue's smallest records need at once: (relaySlots + hopAckSlots) MTU
   * frames, (pendingAckSlots + reassemblySlots) largest messages, 3 staged
   * ones, and each queue's budget filled with its smallest records
   * (transport.ts framePoolBlockCount). Otherwise a multiple of 32 that holds at least one
   * largest message (and one MTU frame: checked at create).
   */
  readonly frameStoreBytes: number;
  /** Slack on top of the next hop's longest relay wait plus two frames before a routed frame is resent. */
  readonly hopAckGuardMs: number;
  /**
   * Alerts pre-empt at every hop (README "Mesh transport"): a routed alert
   * waits 0..this many contention slots before a relay forwards it (others:
   * relayJitterSlots), and its hop retransmission waits one base wait with
   * alertHopGuardMs of slack plus a random number of slots from a window
   * that doubles with each send (the wait itself does not double), so a
   * lost hop costs about one frame exchange rather than seconds, and alerts
   * raised together (one intrusion seen by three boards) spread out.
   */
  readonly alertRelayJitterSlots: number;
  readonly alertHopGuardMs: number;
  /**
   * An alert its next hop has not taken after this many sends goes on as a
   * flood from that hop (transport-hop.ts); 0 = never.
   */
  readonly alertFloodAfterSends: number;
  /** A HopAck repeats the frames taken this recently (up to four in all), covering a lost earlier one. */
  readonly hopAckHistoryMs: number;
  /**
   * Most values a counter-skip request may ask for (a rebooted board's
   * receive-ceiling step + 1, transport.ts requestCounterSkip): a request
   * for more is refused, counted. The request is keyed by the flood secret,
   * which every board holds, so a captured board could ask for skips under
   * any id; this bound and `counterSkipHoldoffMs` bound what it burns.
   */
  readonly counterSkipMaxValues: number;
  /** After applying a counter skip, further requests are refused (counted) for this long: one skip covers every board that rebooted in the meantime. */
  readonly counterSkipHoldoffMs: number;
  /** Routed frames to a destination its route's next hop did not take, in a row, before the route is forgotten. */
  readonly routeFailuresMax: number;
  /**
   * Hop limit of the presence beacon: 0 keeps it link-local; above 0 it is
   * flooded, so every node within that many hops learns a route to this one
   * (a gateway's advertisement, like RPL's DIO from the root, RFC 6550 §8.3).
   */
  readonly helloHopLimit: number;
  /**
   * A relay of such an advertisement waits one more contention slot per this
   * much (permille) of its own airtime over the utilisation window, so the
   * least busy neighbours are heard first and become the next hops (a busy
   * node advertises itself last, like RPL's rank raised by load; 0 = off).
   */
  readonly advertLoadSlotPermille: number;
  /**
   * A newer advertisement moves the route to an equally short one through
   * the neighbour that passed it on first only when the current next hop is
   * the busier by half again plus this much (permille of airtime heard from
   * each over the utilisation window): load-aware next hops, with
   * hysteresis so routes do not swing back and forth.
   */
  readonly reparentMarginPermille: number;
}

export const MESH_CONFIG_DEFAULTS: MeshConfig = Object.freeze({
  maxMessageBytes: 4096,
  hopLimit: 3,
  managedFlooding: true,
  queueCapacityBytes: Object.freeze([1024, 2048, 4096 + 64]),
  queueMaxAgeMs: Object.freeze([60_000, 120_000, 300_000]),
  queueDropOldest: Object.freeze([false, false, true]),
  relaySlots: 16,
  relayDelayMinMs: 10,
  relaySpreadSlots: 8,
  relayJitterSlots: 4,
  relayCancelCopies: 1,
  relayCancelQualityPermille: 500,
  duplicateCacheCapacity: 256,
  deliveredCacheCapacity: 64,
  deliveredHoldMs: 120_000,
  neighbourCapacity: 32,
  neighbourFreshMs: 600_000,
  routeCapacity: 64,
  routeTtlMs: 600_000,
  reassemblySlots: 4,
  reassemblyPerSenderMax: 2,
  reassemblyTimeoutMs: 60_000,
  nackDelayMs: 3_000,
  nacksMax: 3,
  pendingAckSlots: 4,
  ackTimeoutMs: 10_000,
  retriesMax: 2,
  inboxCapacityBytes: 8192,
  controlQueueBytes: 512,
  heldQueueBytes: 1024,
  dutyCyclePpm: 10_000,
  dutyWindowMs: HOUR_MS,
  dutyBucketCount: 60,
  dutyClassSharePermille: DEFAULT_CLASS_SHARE_PERMILLE,
  utilisationWindowMs: 60_000,
  utilisationBucketCount: 12,
  utilisationGatePermille: Object.freeze([1000, 800, 500]),
  // Per class (Control, Alert, Telemetry): control carries certificates (about 20 fragments at once).
  relayRefillPerSecondMilli: Object.freeze([200, 100, 50]),
  relayBurstFrames: Object.freeze([24, 10, 4]),
  receiveRefillPerSecondMilli: 2_000,
  receiveBurstFrames: 40,
  sendRefillPerSecondMilli: Object.freeze([1_000, 200, 50]),
  sendBurstMessages: Object.freeze([10, 5, 3]),
  rateTableCapacity: 256,
  rateHashSeed: 0,
  receiveFramesPerTickMax: 32,
  carrierSenseBackoffMs: 150,
  helloIntervalMs: 600_000,
  helloJitterMs: 5_000,
  // Off unless a site opts in (site simulator: [0, 250, 2000]): a board that sends the moment it decides keeps its timing.
  accessDelayMaxMs: Object.freeze([0, 0, 0]),
  // Off unless a site opts in (the site simulator: 4); the mesh seed suites run a family with it on.
  hopRetriesMax: 0,
  hopAckSlots: 4,
  frameStoreBytes: 0,
  hopAckGuardMs: 500,
  alertRelayJitterSlots: 1,
  alertHopGuardMs: 100,
  alertFloodAfterSends: 0,
  hopAckHistoryMs: 3_000,
  counterSkipMaxValues: 17,
  counterSkipHoldoffMs: 60_000,
  routeFailuresMax: 3,
  helloHopLimit: 0,
  advertLoadSlotPermille: 5,
  reparentMarginPermille: 20,
});

/** Defaults with `overrides` on top. */
export function meshConfig(overrides: Partial<MeshConfig>): MeshConfig {
  return Object.freeze({ ...MESH_CONFIG_DEFAULTS, ...overrides });
}

/**
 * `c` as a long-lived holder keeps it (the transport, for its life): the
 * fields that differ from the defaults are its own properties and the
 * defaults its prototype (MESH_CONFIG_DEFAULTS, frozen at module level:
 * flash under preload), so it costs RAM for the values a board sets, not a
 * slot for every field. Read it by field name only (a spread or
 * Object.keys sees just the differences).
 */
export function compactMeshConfig(c: MeshConfig): MeshConfig;
/** Only `keys` (what the holder reads after create; the other fields read as the defaults: type it as the Pick). */
export function compactMeshConfig<K extends keyof MeshConfig>(c: MeshConfig, keys: readonly K[]): Pick<MeshConfig, K>;
export function compactMeshConfig(c: MeshConfig, keys: readonly (keyof MeshConfig)[] = Object.keys(c) as (keyof MeshConfig)[]): Partial<MeshConfig> {
  const config: object = Object.create(MESH_CONFIG_DEFAULTS) as object;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    // Defined, not assigned: the frozen prototype's fields are read-only.
    if (key !== undefined && c[key] !== MESH_CONFIG_DEFAULTS[key]) Object.defineProperty(config, key, { value: c[key], enumerable: true });
  }
  return Object.freeze(config) as MeshConfig;
}

function intIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

function perClass(values: readonly number[], min: number, max: number): boolean {
  if (values.length !== LINK_CLASS_COUNT) return false;
  for (let c = 0; c < LINK_CLASS_COUNT; c++) if (!intIn(values[c] ?? -1, min, max)) return false;
  return true;
}

/** Every problem with `c`, as `field: expectation` strings (empty when valid). Runs at start, may allocate. */
export function validateMeshConfig(c: MeshConfig): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, field: string, rule: string): void => {
    if (!ok) problems.push(`${field}: must be ${rule}`);
  };
  // The common rules, their messages built from the bounds.
  const int = (field: keyof MeshConfig, min: number, max: number): void => need(intIn(c[field] as number, min, max), field, `an integer ${min}..${max}`);
  const three = (field: keyof MeshConfig, min: number, max: number): void => need(perClass(c[field] as readonly number[], min, max), field, `three integers ${min}..${max}`);
  const DAY_MS = 86_400_000;
  int("maxMessageBytes", 1, 0xffff);
  int("hopLimit", 0, HOP_LIMIT_MAX);
  three("queueCapacityBytes", 16, 1 << 24);
  three("queueMaxAgeMs", 1, DAY_MS);
  need(c.queueDropOldest.length === LINK_CLASS_COUNT, "queueDropOldest", "three booleans");
  int("relaySlots", 1, 4096);
  int("relayDelayMinMs", 0, 60_000);
  int("relaySpreadSlots", 0, 64);
  int("relayJitterSlots", 1, 64);
  int("relayCancelCopies", 1, 255);
  int("relayCancelQualityPermille", 0, 1000);
  int("duplicateCacheCapacity", 1, 1 << 20);
  int("deliveredCacheCapacity", 1, 1 << 20);
  int("deliveredHoldMs", 0, DAY_MS);
  int("neighbourCapacity", 1, 4096);
  int("neighbourFreshMs", 1, DAY_MS);
  int("routeCapacity", 1, 65_534);
  int("routeTtlMs", 1, DAY_MS);
  int("reassemblySlots", 1, 1024);
  need(intIn(c.reassemblyPerSenderMax, 1, c.reassemblySlots), "reassemblyPerSenderMax", "an integer 1..reassemblySlots");
  int("reassemblyTimeoutMs", 1, DAY_MS);
  int("nackDelayMs", 1, DAY_MS);
  int("nacksMax", 0, 255);
  int("pendingAckSlots", 1, 256);
  int("ackTimeoutMs", 1, DAY_MS);
  int("retriesMax", 0, 250);
  need(intIn(c.inboxCapacityBytes, c.maxMessageBytes + 8, 1 << 24), "inboxCapacityBytes", "an integer maxMessageBytes+8..16777216");
  int("controlQueueBytes", 64, 1 << 20);
  int("heldQueueBytes", 64, 1 << 20);
  int("dutyCyclePpm", 0, 1_000_000);
  int("dutyWindowMs", 1, 30 * DAY_MS);
  need(intIn(c.dutyBucketCount, 1, 3600) && c.dutyWindowMs % c.dutyBucketCount === 0, "dutyBucketCount", "an integer 1..3600 dividing dutyWindowMs");
  three("dutyClassSharePermille", 0, 1000);
  int("utilisationWindowMs", 1, DAY_MS);
  need(
    intIn(c.utilisationBucketCount, 1, 3600) && c.utilisationWindowMs % c.utilisationBucketCount === 0,
    "utilisationBucketCount",
    "an integer 1..3600 dividing utilisationWindowMs",
  );
  three("utilisationGatePermille", 0, 1000);
  three("relayRefillPerSecondMilli", 1, 1_000_000_000);
  three("relayBurstFrames", 1, 1_000_000);
  int("receiveRefillPerSecondMilli", 1, 1_000_000_000);
  int("receiveBurstFrames", 1, 1_000_000);
  three("sendRefillPerSecondMilli", 1, 1_000_000_000);
  three("sendBurstMessages", 1, 1_000_000);
  int("rateTableCapacity", 1, 1 << 20);
  int("rateHashSeed", 0, 0xffff_ffff);
  int("receiveFramesPerTickMax", 1, 4096);
  int("carrierSenseBackoffMs", 1, 60_000);
  int("helloIntervalMs", 0, DAY_MS);
  int("helloJitterMs", 1, DAY_MS);
  three("accessDelayMaxMs", 0, 600_000);
  int("hopRetriesMax", 0, 15);
  int("hopAckSlots", 1, 1024);
  const storeMax = FRAME_POOL_BLOCKS_MAX * FRAME_POOL_BLOCK_BYTES;
  need(
    c.frameStoreBytes === 0 || (intIn(c.frameStoreBytes, c.maxMessageBytes, storeMax) && c.frameStoreBytes % FRAME_POOL_BLOCK_BYTES === 0),
    "frameStoreBytes",
    `0, or a multiple of ${FRAME_POOL_BLOCK_BYTES} in maxMessageBytes..${storeMax}`,
  );
  int("hopAckGuardMs", 0, 60_000);
  int("alertRelayJitterSlots", 0, 64);
  int("alertHopGuardMs", 0, 60_000);
  int("alertFloodAfterSends", 0, 255);
  int("hopAckHistoryMs", 0, 600_000);
  int("counterSkipMaxValues", 1, COUNTER_SKIP_MAX);
  int("counterSkipHoldoffMs", 0, 3_600_000);
  int("routeFailuresMax", 1, 255);
  int("helloHopLimit", 0, HOP_LIMIT_MAX);
  int("advertLoadSlotPermille", 0, 1000);
  int("reparentMarginPermille", 0, 1000);
  return problems;
}
