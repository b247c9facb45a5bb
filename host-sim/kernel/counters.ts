/**
 * The kernel's own counters: every send, copy, drop (by reason), timer and
 * fault is counted, so a summary accounts for every message
 * (docs/architecture.md "Rules").
 *
 * Conservation, checked after every event (invariants.ts):
 *   transmissions + duplicates ==
 *     delivered + droppedLoss + droppedPartition + droppedClog + droppedDown
 *     + droppedPaused + droppedQueueFull + in flight
 */
export const KernelCounter = Object.freeze({
  events: 0,
  /** Accepted send/broadcast calls. */
  sends: 1,
  /** Copies handed to links: one per unicast, one per neighbour for a broadcast. */
  transmissions: 2,
  /** Extra copies made by the duplication fault. */
  duplicates: 3,
  /** Copies held back by the reordering fault. */
  reordered: 4,
  delivered: 5,
  droppedLoss: 6,
  droppedPartition: 7,
  droppedClog: 8,
  /** Receiver crashed or not yet started when the copy arrived. */
  droppedDown: 9,
  droppedPaused: 10,
  /** No event-queue slot for the copy (the run is reported as failed). */
  droppedQueueFull: 11,
  sendNoLink: 12,
  sendRejected: 13,
  notInCallback: 14,
  timersSet: 15,
  timersFired: 16,
  /** Timers that came due while their node was paused: fired on resume. */
  timersDeferred: 17,
  timersCancelled: 18,
  /** Timers refused for want of a queue slot (the run is reported as failed). */
  timersRefused: 19,
  crashes: 20,
  restarts: 21,
  pauses: 22,
  resumes: 23,
  partitionsStarted: 24,
  partitionsHealed: 25,
  linksClogged: 26,
  linksUnclogged: 27,
  /** Control events with nothing to do (crash of a crashed node, ...). */
  controlIgnored: 28,
} as const);

export type KernelCounter = (typeof KernelCounter)[keyof typeof KernelCounter];

export const KERNEL_COUNTER_COUNT = 29;

/** Names in index order, for summaries. */
export const KERNEL_COUNTER_NAMES: readonly string[] = Object.freeze(
  Object.entries(KernelCounter)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name),
);
