/**
 * What the mesh transport's tables promise each other (README "Mesh
 * transport"), checked in code as TigerBeetle checks its invariants: the
 * simulator calls MeshTransport.checkInvariants after every event
 * (host-sim/site/mesh-site-transport.ts checkCapacities), and tests break
 * each one on purpose (test/core/mesh/transport-invariants.test.ts).
 *
 *  1. Frame store: every block not free is held by exactly one of the
 *     relays, hop-ack watches, pending sends, reassembly slots, queue
 *     records and staged inline messages; each table's count agrees with
 *     its slots, each queue's with its chain and budget.
 *  2. Stages: an idle stage holds nothing; an inline stage holds a store
 *     entry and no pending slot; a pending stage holds a pending send of
 *     its own class, no store entry, no ack deadline yet, and no other
 *     stage holds the same send; a stage's next fragment is one it has.
 *  3. Pending sends: each is staged, waiting for its ack (armed), marked
 *     for resending (NACK), or referenced by a record of its class queue:
 *     otherwise no path would ever finish it and its outcome never come.
 *     Ended sends wait in the outcome batch, each at its own place, and
 *     are counted (pending-sends.ts checkInvariants).
 *  4. A queued HopAck (hopAckQueued) has its record in the control queue.
 *  5. Counters: every frame transmitted was originated or relayed.
 *
 * Allocation-free and bounded by the tables' capacities.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import { FRAGMENT_COUNT_MAX } from "./fragment-header";
import { LINK_CLASS_COUNT } from "./link-header";
import { MeshCounter } from "./mesh-counters";
import { StageKind } from "./outgoing-stage";
import { CONTROL_QUEUE, RECORD_META_BYTES, RECORD_PENDING, type TransportState } from "./transport-state";

/** Ok, or InvariantViolated when any of the invariants above is broken. */
export function checkTransportInvariants(s: TransportState): Status {
  if (!frameStoreBalanced(s) || !stagesSound(s) || !pendingSendsReachable(s) || s.pending.checkInvariants() !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
  if (s.hopAckQueued && s.queues.count(CONTROL_QUEUE) === 0) return ErrorCode.InvariantViolated;
  const counters = s.counters;
  const sent = (counters.get(MeshCounter.framesOriginated) + counters.get(MeshCounter.framesRelayed)) >>> 0;
  if (counters.get(MeshCounter.framesTransmitted) !== sent) return ErrorCode.InvariantViolated;
  return ErrorCode.Ok;
}

/** Invariant 1. */
function frameStoreBalanced(s: TransportState): boolean {
  const relays = s.relays.blocksHeld();
  const watches = s.hopAcks.blocksHeld();
  const pending = s.pending.blocksHeld();
  const reassembly = s.reassembly.checkInvariants() === ErrorCode.Ok ? s.reassembly.blocksHeld() : -1;
  const queues = s.queues.blocksHeld();
  if (relays < 0 || watches < 0 || pending < 0 || reassembly < 0 || queues < 0) return false;
  let staged = 0;
  for (let c = 0; c < LINK_CLASS_COUNT; c++) {
    const stage = s.stages[c];
    if (stage === undefined || stage.handle < 0) continue;
    const held = s.pool.entryBlocks(stage.handle);
    if (held < 0) return false;
    staged += held;
  }
  return s.pool.blockCount - s.pool.freeBlocks === relays + watches + pending + reassembly + queues + staged;
}

/** Invariant 2. */
function stagesSound(s: TransportState): boolean {
  const pending = s.pending;
  for (let c = 0; c < LINK_CLASS_COUNT; c++) {
    const stage = s.stages[c];
    if (stage === undefined) return false;
    const kind = stage.kind;
    if (kind === StageKind.None) {
      if (stage.handle >= 0 || stage.slot >= 0) return false;
      continue;
    }
    if (kind === StageKind.Inline && (stage.handle < 0 || stage.slot >= 0)) return false;
    if (kind === StageKind.Pending) {
      const slot = stage.slot;
      if (stage.handle >= 0 || !pending.isInUse(slot) || pending.classAt(slot) !== c || pending.deadlineAt(slot) !== Number.POSITIVE_INFINITY) return false;
      for (let other = c + 1; other < LINK_CLASS_COUNT; other++) {
        const second = s.stages[other];
        if (second !== undefined && second.kind === StageKind.Pending && second.slot === slot) return false;
      }
    }
    if (stage.fragments > FRAGMENT_COUNT_MAX || (stage.fragments > 0 && !stage.resend && (stage.next < 0 || stage.next >= stage.fragments))) return false;
  }
  return true;
}

/** Invariant 3. */
function pendingSendsReachable(s: TransportState): boolean {
  const pending = s.pending;
  for (let slot = 0; slot < pending.slotCount; slot++) {
    if (!pending.isInUse(slot) || pending.deadlineAt(slot) !== Number.POSITIVE_INFINITY || pending.hasResend(slot)) continue;
    if (!isStagedPending(s, slot) && !isQueuedPending(s, slot)) return false;
  }
  return true;
}

function isStagedPending(s: TransportState, slot: number): boolean {
  for (let c = 0; c < LINK_CLASS_COUNT; c++) {
    const stage = s.stages[c];
    if (stage !== undefined && stage.kind === StageKind.Pending && stage.slot === slot) return true;
  }
  return false;
}

/** Does a record of the slot's class queue refer to pending `slot` (and its current message)? */
function isQueuedPending(s: TransportState, slot: number): boolean {
  const queues = s.queues;
  const trafficClass = s.pending.classAt(slot);
  const messageId = s.pending.messageIdAt(slot);
  let record = queues.head(trafficClass);
  for (let guard = queues.count(trafficClass); record >= 0 && guard > 0; guard--) {
    if (queues.recordLength(record) >= RECORD_META_BYTES && queues.readByte(record, 0) === RECORD_PENDING && queues.readU16(record, 5) === slot && queues.readU16(record, 3) === messageId) return true;
    record = queues.next(record);
  }
  return false;
}
