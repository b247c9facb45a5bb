/**
 * Counters of one node's site transport, kept by the host across the node's
 * reboots (a reboot loses the transport's RAM, not the measurements): frames
 * and bytes on air, airtime, and every refusal and drop by reason. The site
 * report sums them over nodes.
 */
export const TransportStat = Object.freeze({
  framesSent: 0,
  bytesSent: 1,
  airtimeMs: 2,
  dataFramesSent: 3,
  linkAcksSent: 4,
  endToEndAcksSent: 5,
  retransmissions: 6,
  framesReceived: 7,
  messagesDelivered: 8,
  outcomeAcknowledged: 9,
  outcomeTimedOut: 10,
  refusedTooLarge: 11,
  refusedBroadcast: 12,
  refusedNoRoute: 13,
  refusedQueueFull: 14,
  refusedDutyCycle: 15,
  dropRxQueueFull: 16,
  dropInboxFull: 17,
  dropDuplicate: 18,
  dropRetriesExhausted: 19,
  dropHopLimit: 20,
  dropNoRoute: 21,
  dropDutyCycle: 22,
  dropForwardQueueFull: 23,
  dropMalformed: 24,
  dropNodeDown: 25,
  framesForwarded: 26,
} as const);
export type TransportStat = (typeof TransportStat)[keyof typeof TransportStat];

export const TRANSPORT_STAT_COUNT = 27;

export const TRANSPORT_STAT_NAMES: readonly string[] = Object.freeze(
  Object.entries(TransportStat)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name),
);

/** Drop and refusal reasons, for the report's "drops by reason". */
export const TRANSPORT_DROP_STATS: readonly TransportStat[] = Object.freeze([
  TransportStat.refusedTooLarge,
  TransportStat.refusedBroadcast,
  TransportStat.refusedNoRoute,
  TransportStat.refusedQueueFull,
  TransportStat.refusedDutyCycle,
  TransportStat.dropRxQueueFull,
  TransportStat.dropInboxFull,
  TransportStat.dropDuplicate,
  TransportStat.dropRetriesExhausted,
  TransportStat.dropHopLimit,
  TransportStat.dropNoRoute,
  TransportStat.dropDutyCycle,
  TransportStat.dropForwardQueueFull,
  TransportStat.dropMalformed,
  TransportStat.dropNodeDown,
]);

export function transportStatName(stat: number): string {
  return TRANSPORT_STAT_NAMES[stat] ?? `stat${stat}`;
}
