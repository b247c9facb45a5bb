/**
 * Every mesh event worth counting, and every drop reason, as numbered
 * counters (README "Mesh transport"): every drop has a specific counter, nothing
 * is lost silently.
 *
 * Counters live in a Uint32Array (in the transport's arena) and count modulo 2^32, like SNMP's
 * Counter32 (RFC 2578 §7.1.6): a reader takes differences modulo 2^32 (a
 * board's radio cannot send or hear 2^32 frames in its life at LoRa duty
 * cycles; half the bytes of doubles). When the agent
 * hands in a MetricsRegistry, each is also registered there at create as
 * `picket_mesh_<name>_total` and updated on the hot path by id (no strings,
 * no allocation).
 */
import type { MetricId, MetricsRegistry } from "../runtime/metrics";
import { err, ok, type Result } from "../runtime/result";

export const MeshCounter = Object.freeze({
  // sending
  messagesAccepted: 0,
  sendRefusedTooLarge: 1,
  sendRefusedBadNodeId: 2,
  sendRefusedQueueFull: 3,
  sendDroppedOldest: 4,
  sendRefusedPendingFull: 5,
  sendRefusedInvalid: 6,
  droppedStale: 7,
  framesTransmitted: 8,
  framesOriginated: 9,
  framesRelayed: 10,
  fragmentsSent: 11,
  routedSends: 12,
  floodedSends: 13,
  /** Hold episodes: the next frame could not start within its class's share of the duty-cycle budget. */
  dutyCycleHeld: 14,
  /** Hold episodes: channel utilisation above the class's gate (originated frames only). */
  channelGateHeld: 15,
  carrierSenseDeferred: 16,
  radioBusy: 17,
  radioFault: 18,
  sealFailures: 19,
  // receiving: drop reasons in pipeline order
  framesReceived: 20,
  dropTruncated: 21,
  dropOversized: 22,
  dropWrongVersion: 23,
  dropUnknownType: 24,
  dropBadNodeId: 25,
  dropLooping: 26,
  dropOwnEcho: 27,
  dropDuplicate: 28,
  dropForged: 29,
  dropUnknownKey: 30,
  dropReplay: 31,
  dropReplayTableFull: 32,
  dropRateLimited: 33,
  dropNotForUs: 34,
  dropFragmentInvalid: 35,
  dropReassemblyFull: 36,
  dropReassemblySenderCap: 37,
  dropReassemblyTimeout: 38,
  dropMessageTooLarge: 39,
  dropInboxFull: 40,
  dropDeliveredDuplicate: 41,
  dropDeliveredCacheFull: 42,
  framesAccepted: 43,
  messagesDelivered: 44,
  // relaying
  relaysScheduled: 45,
  relaysCancelled: 46,
  relayQueueFull: 47,
  relayRateLimited: 48,
  relayHopLimitReached: 49,
  relayDutyCycleDropped: 50,
  // acknowledgements, retransmission
  acksSent: 51,
  acksReceived: 52,
  nacksSent: 53,
  nacksReceived: 54,
  retransmissions: 55,
  fragmentsResent: 56,
  ackTimeouts: 57,
  // routing
  routesLearned: 58,
  routesReplaced: 59,
  routesInvalidated: 60,
  neighboursAdded: 61,
  neighboursEvicted: 62,
  dropAckUnknown: 63,
  controlQueueFull: 64,
  beaconsSent: 65,
  beaconsReceived: 66,
  sendRateLimited: 67,
  /** The counter source refused a value for a message id (see MeshTransport #takeMessageId). */
  sendRefusedNoMessageId: 68,
  // hop-by-hop retransmission of routed frames (hop-acks.ts)
  /** Our routed frame heard forwarded by its next hop (implicit acknowledgement). */
  hopAcksImplicit: 69,
  /** HopAck frames received that released a watched frame. */
  hopAcksReceived: 70,
  hopAcksSent: 71,
  hopRetransmissions: 72,
  /** Routed frames given up after every hop retransmission (the route is forgotten). */
  hopGivenUp: 73,
  /** Routed frames sent without a watch: every hop-ack slot was busy. */
  hopWatchFull: 74,
  /** Frames this board only passes on (routed to it as next hop, or a flooded unicast for another board): hop tag verified, end-to-end tag not its to check (link-seal.ts). */
  framesToRelay: 75,
  /** Frames whose hop tag failed (link-seal.ts verifyHop): forged or corrupted on the last hop, told apart from dropForged (end-to-end). */
  dropHopForged: 76,
  /** Frames whose key phase names none of the previous, current and next epochs (link-seal.ts): a wrong epoch, told apart from dropForged. */
  dropWrongEpoch: 77,
  /**
   * Authenticated frames refused because their counter was not below the
   * sender's durable receive ceiling (core/storage/receive-ceilings.ts): a
   * frame refused again after its hold, or one the held queue had no room for.
   */
  dropReceiveCeiling: 78,
  /** Authenticated frames held for the persist phase to raise their sender's receive ceiling, then processed. */
  framesHeldForCeiling: 79,
  /** Counter-skip requests sent (after a power loss) and applied (from another board: our counter skipped ahead). */
  counterSkipsRequested: 80,
  counterSkipsApplied: 81,
  /** Counter-skip requests refused: asking for more than counterSkipMaxValues, or within counterSkipHoldoffMs of the last skip applied. */
  counterSkipsRefused: 82,
  /** Alerts whose next hop did not take them after alertFloodAfterSends sends, sent on as a flood instead (transport-hop.ts). */
  alertsFloodedAfterHop: 83,
} as const);

export type MeshCounter = (typeof MeshCounter)[keyof typeof MeshCounter];

export const MESH_COUNTER_COUNT = 84;
/** Bytes of arena the counters take (the transport's arena, arena.ts). */
export const MESH_COUNTERS_BYTES = 4 * MESH_COUNTER_COUNT;

/** snake_case names in counter order (metric names are picket_mesh_<name>_total). */
export const MESH_COUNTER_NAMES: readonly string[] = Object.freeze(
  Object.entries(MeshCounter)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)),
);

export class MeshCounters {
  readonly values: Uint32Array;
  private readonly registry_: MetricsRegistry | undefined;
  /** Metric ids by counter; only with a registry (a typed array costs heap slots on XS). */
  private readonly ids_: Int32Array | undefined;

  /**
   * Register every counter in `registry` (if given). Errors: the registry's (Exists, Full). The
   * values live in MESH_COUNTERS_BYTES of `buffer` from `byteOffset` (a multiple of 4; default: a
   * buffer of their own).
   */
  static create(registry: MetricsRegistry | undefined, buffer?: ArrayBuffer, byteOffset = 0): Result<MeshCounters> {
    const ids = registry === undefined ? undefined : new Int32Array(MESH_COUNTER_COUNT).fill(-1);
    if (registry !== undefined && ids !== undefined) {
      for (let i = 0; i < MESH_COUNTER_COUNT; i++) {
        const id = registry.registerCounter(`picket_mesh_${MESH_COUNTER_NAMES[i] ?? "unnamed"}_total`, "Mesh transport counter (core/mesh/mesh-counters.ts).");
        if (!id.ok) return err(id.code);
        ids[i] = id.value;
      }
    }
    return ok(new MeshCounters(registry, ids, buffer === undefined ? new Uint32Array(MESH_COUNTER_COUNT) : new Uint32Array(buffer, byteOffset, MESH_COUNTER_COUNT)));
  }

  private constructor(registry: MetricsRegistry | undefined, ids: Int32Array | undefined, values: Uint32Array) {
    this.values = values;
    this.registry_ = registry;
    this.ids_ = ids;
  }

  /** Add `by` (an integer 0..2^32-1) modulo 2^32. */
  inc(counter: MeshCounter, by = 1): void {
    this.values[counter] = (this.values[counter] ?? 0) + by;
    const registry = this.registry_;
    if (registry !== undefined) registry.inc((this.ids_?.[counter] ?? -1) as MetricId, by);
  }

  get(counter: MeshCounter): number {
    return this.values[counter] ?? 0;
  }
}
