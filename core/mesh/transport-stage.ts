/**
 * Outgoing messages (README "Mesh transport"): the per-class queues, the
 * stage a message is sent from fragment by fragment (outgoing-stage.ts,
 * fragment-header.ts), and the end-to-end acknowledgements of acknowledged
 * sends (pending-sends.ts: acks, NACKs, ack deadlines, bounded retries).
 * Functions over the transport's state (transport-state.ts); the frames
 * themselves are sealed by transport-transmit.ts.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import { FRAGMENT_HEADER_BYTES, fragmentChunkBytes, fragmentCount } from "./fragment-header";
import { FrameType, LINK_CLASS_COUNT } from "./link-header";
import { MeshCounter } from "./mesh-counters";
import { StageKind, type OutgoingStage } from "./outgoing-stage";
import {
  ACK_PAYLOAD_BYTES,
  MeshLogEvent,
  RECORD_INLINE,
  RECORD_META_BYTES,
  RECORD_PENDING,
  STAGED_INLINE_AT,
  finishPending,
  fragmentType,
  frameCapacity,
  logEvent,
  readU16,
  refuse,
  singleCapacity,
  singleType,
  type TransportState,
} from "./transport-state";

// ----------------------------------------------------------------- queues

/*
 * The enqueue functions call dropOldest from their own bodies (not through a
 * shared helper): a dropped record can finish a pending send, whose outcome
 * handler may write flash, and that path sets the board's deepest JS stack
 * (test/xs/board-memory.test.ts sizes creation.stack from it).
 */

/** Queue a message that carries its bytes (bytes[offset .. offset + lengthBytes) copied), under the class's full policy: Ok or the refusal (counted). */
export function enqueueInline(s: TransportState, trafficClass: number, destination: number, messageId: number, bytes: Uint8Array, offset: number, lengthBytes: number): Status {
  const recordBytes = RECORD_META_BYTES + lengthBytes;
  const refused = recordRefusal(s, trafficClass, recordBytes);
  if (refused !== ErrorCode.Ok) return refused;
  for (let guard = 0; guard < 4096 && mustDropOldest(s, trafficClass, recordBytes); guard++) dropOldest(s, trafficClass);
  const record = appendRecord(s, trafficClass, RECORD_INLINE, destination, messageId, -1, recordBytes);
  if (record < 0) return refuse(s, MeshCounter.sendRefusedQueueFull, ErrorCode.MeshQueueFull);
  s.queues.write(record, RECORD_META_BYTES, bytes, offset, lengthBytes);
  return ErrorCode.Ok;
}

/** Queue a reference to the acknowledged send in pending `slot` (its bytes stay there), under the class's full policy: Ok or the refusal (counted). */
export function enqueuePending(s: TransportState, trafficClass: number, destination: number, messageId: number, slot: number): Status {
  const refused = recordRefusal(s, trafficClass, RECORD_META_BYTES);
  if (refused !== ErrorCode.Ok) return refused;
  for (let guard = 0; guard < 4096 && mustDropOldest(s, trafficClass, RECORD_META_BYTES); guard++) dropOldest(s, trafficClass);
  if (appendRecord(s, trafficClass, RECORD_PENDING, destination, messageId, slot, RECORD_META_BYTES) < 0) return refuse(s, MeshCounter.sendRefusedQueueFull, ErrorCode.MeshQueueFull);
  return ErrorCode.Ok;
}

/** Ok, or why a record of `recordBytes` can never go into the class queue (InvalidArgument; MeshMessageTooLarge, counted). */
function recordRefusal(s: TransportState, trafficClass: number, recordBytes: number): Status {
  if ((trafficClass >>> 0) !== trafficClass || trafficClass >= LINK_CLASS_COUNT) return ErrorCode.InvalidArgument;
  if (recordBytes > s.queues.maxRecordBytes(trafficClass)) return refuse(s, MeshCounter.sendRefusedTooLarge, ErrorCode.MeshMessageTooLarge);
  return ErrorCode.Ok;
}

/** DropOldest policy (queueDropOldest): the class queue has records and no room for `recordBytes` more. */
function mustDropOldest(s: TransportState, trafficClass: number, recordBytes: number): boolean {
  const queues = s.queues;
  return s.config.queueDropOldest[trafficClass] === true && queues.count(trafficClass) > 0 && !queues.hasRoom(trafficClass, recordBytes);
}

/** Append a record of `recordBytes` (its meta written here, its payload by the caller): the handle, or < 0 (budget or store full). */
function appendRecord(s: TransportState, trafficClass: number, kind: number, destination: number, messageId: number, slot: number, recordBytes: number): number {
  const queues = s.queues;
  const record = queues.append(trafficClass, recordBytes);
  if (record < 0) return record;
  const nowMs = s.nowMs;
  queues.writeByte(record, 0, kind);
  queues.writeU16(record, 1, destination);
  queues.writeU16(record, 3, messageId);
  queues.writeU16(record, 5, slot < 0 ? 0xffff : slot);
  // The enqueued time as a 48-bit big-endian number of milliseconds.
  queues.writeU16(record, 7, Math.floor(nowMs / 0x1_0000_0000) & 0xffff);
  queues.writeU16(record, 9, Math.floor(nowMs / 0x1_0000) & 0xffff);
  queues.writeU16(record, 11, nowMs & 0xffff);
  return record;
}

/** DropOldest: discard the oldest record; an acknowledged send it referred to fails with MeshQueueFull. */
function dropOldest(s: TransportState, trafficClass: number): void {
  const record = s.queues.head(trafficClass);
  if (record < 0) return;
  const pendingRef = s.queues.recordLength(record) >= RECORD_META_BYTES && s.queues.readByte(record, 0) === RECORD_PENDING;
  const slot = s.queues.readU16(record, 5);
  const messageId = s.queues.readU16(record, 3);
  s.queues.shift(trafficClass);
  s.counters.inc(MeshCounter.sendDroppedOldest);
  if (pendingRef && s.pending.isInUse(slot) && s.pending.messageIdAt(slot) === messageId) finishPending(s, slot, ErrorCode.MeshQueueFull);
}

/**
 * A 16-bit wire id for an acknowledged or fragmented message, or -1.
 *
 * Ids must not repeat across reboots: receivers keep (source, id) in their
 * delivered cache for deliveredHoldMs to make delivery exactly-once, so a
 * rebooted sender that restarted its ids at 0 would have its first messages
 * acknowledged as duplicates and silently dropped (found by the site suite:
 * alerts lost after a reboot). The ids therefore come from the node's
 * never-repeating counter source (persisted through storage's counter
 * reservation), truncated to 16 bits: a repeat inside the hold window would
 * need 65,536 counter values within deliveredHoldMs.
 */
export function takeMessageId(s: TransportState): number {
  // The counter source the sealer draws frame counters from (options.counterSource).
  const id = s.sealer.nextCounter();
  return id < 0 ? -1 : id & 0xffff;
}

// ---------------------------------------------------------------- staging

/** Is there a message frame of `trafficClass` to send? Stages the class's next message if needed. */
export function stageFor(s: TransportState, trafficClass: number, nowMs: number): boolean {
  const stage = s.stages[trafficClass];
  if (stage === undefined) return false;
  if (stage.active) return nowMs >= stage.notBeforeMs;
  const pending = s.pending;
  for (let slot = 0; slot < pending.slotCount; slot++) {
    if (pending.isInUse(slot) && pending.classAt(slot) === trafficClass && pending.hasResend(slot) && !isStaged(s, slot)) {
      stagePending(s, stage, slot, true);
      return true;
    }
  }
  const queues = s.queues;
  const maxAgeMs = s.config.queueMaxAgeMs[trafficClass] ?? 0;
  for (let guard = 0; guard < 64 && queues.count(trafficClass) > 0; guard++) {
    // The record leaves its queue but keeps its store entry: an inline message is staged from it in place.
    const record = queues.detach(trafficClass);
    if (record < 0) return false;
    if (stageRecord(s, stage, record, nowMs, maxAgeMs)) {
      // A new message waits its class's random access delay (mesh-config.ts accessDelayMaxMs).
      stage.notBeforeMs = nowMs + s.random.nextBelow((s.config.accessDelayMaxMs[trafficClass] ?? 0) + 1);
      return nowMs >= stage.notBeforeMs;
    }
  }
  return false;
}

/**
 * Stage a record just detached from its queue (its store entry is ours now:
 * an inline message's becomes the stage's, anything else is released);
 * false when it was stale or its pending send is gone.
 */
function stageRecord(s: TransportState, stage: OutgoingStage, record: number, nowMs: number, maxAgeMs: number): boolean {
  const queues = s.queues;
  const length = queues.recordLength(record);
  const kind = queues.readByte(record, 0);
  const destination = queues.readU16(record, 1);
  const messageId = queues.readU16(record, 3);
  const slot = queues.readU16(record, 5);
  const enqueuedMs = queues.readU16(record, 7) * 0x1_0000_0000 + queues.readU16(record, 9) * 0x1_0000 + queues.readU16(record, 11);
  if (kind !== RECORD_INLINE || length < RECORD_META_BYTES || nowMs - enqueuedMs > maxAgeMs) s.pool.release(record);
  if (length < RECORD_META_BYTES) return false;
  if (kind === RECORD_PENDING) {
    const pending = s.pending;
    if (!pending.isInUse(slot) || pending.messageIdAt(slot) !== messageId || pending.destinationAt(slot) !== destination) return false;
    if (nowMs - enqueuedMs > maxAgeMs) {
      s.counters.inc(MeshCounter.droppedStale);
      finishPending(s, slot, ErrorCode.MeshStale);
      return false;
    }
    stagePending(s, stage, slot, false);
    return true;
  }
  if (nowMs - enqueuedMs > maxAgeMs) {
    s.counters.inc(MeshCounter.droppedStale);
    return false;
  }
  const payloadBytes = length - RECORD_META_BYTES;
  stage.handle = record;
  stage.kind = StageKind.Inline;
  stage.slot = -1;
  setStage(s, stage, destination, messageId, false, payloadBytes, false);
  return true;
}

function stagePending(s: TransportState, stage: OutgoingStage, slot: number, resend: boolean): void {
  const pending = s.pending;
  stage.kind = StageKind.Pending;
  stage.slot = slot;
  setStage(s, stage, pending.destinationAt(slot), pending.messageIdAt(slot), true, pending.lengthAt(slot), resend);
  if (resend) stage.next = pending.takeResend(slot);
}

function setStage(s: TransportState, stage: OutgoingStage, destination: number, messageId: number, ack: boolean, lengthBytes: number, resend: boolean): void {
  stage.notBeforeMs = 0;
  stage.destination = destination;
  stage.messageId = messageId;
  stage.length = lengthBytes;
  stage.resend = resend;
  stage.routed = false;
  stage.next = 0;
  const single = lengthBytes <= singleCapacity(s, singleType(destination, ack));
  stage.fragments = single ? 0 : fragmentCount(lengthBytes, frameCapacity(s, fragmentType(destination)) - FRAGMENT_HEADER_BYTES);
}

/** Is pending `slot` being sent from some class's stage? */
export function isStaged(s: TransportState, slot: number): boolean {
  for (let c = 0; c < LINK_CLASS_COUNT; c++) {
    const stage = s.stages[c];
    if (stage !== undefined && stage.kind === StageKind.Pending && stage.slot === slot) return true;
  }
  return false;
}

export function stageType(stage: OutgoingStage): FrameType {
  return stage.fragments === 0 ? singleType(stage.destination, stage.ack) : fragmentType(stage.destination);
}

/** Plaintext bytes of fragment `index` of the staged message (or of its single frame). */
export function stagePlainBytes(stage: OutgoingStage, index: number): number {
  if (stage.fragments === 0) return stage.length + (stage.ack ? ACK_PAYLOAD_BYTES : 0);
  return FRAGMENT_HEADER_BYTES + fragmentChunkBytes(stage.length, stage.fragments, index);
}

/** A frame of the stage went on the air (`frameBytes` long): the next fragment, or the stage is done (an acknowledged send then waits for its ack). */
export function advanceStage(s: TransportState, stage: OutgoingStage, nowMs: number, frameBytes: number): void {
  let done = stage.fragments === 0;
  if (!done && stage.resend) {
    stage.next = stage.kind === StageKind.Pending ? s.pending.takeResend(stage.slot) : -1;
    done = stage.next < 0;
  } else if (!done) {
    stage.next++;
    done = stage.next >= stage.fragments;
  }
  if (!done) return;
  if (stage.kind === StageKind.Pending) {
    // The ack can come only after the last frame is on the air and back.
    const airMs = Math.ceil(s.radio.airtimeUs(frameBytes) / 1000);
    s.pending.arm(stage.slot, nowMs + airMs + s.config.ackTimeoutMs, stage.routed, !stage.resend);
  }
  endStage(s, stage);
}

/** The stage's frame could not be sealed: an acknowledged send fails (MeshKeyUnavailable), the stage ends. */
export function abortStage(s: TransportState, stage: OutgoingStage): void {
  if (stage.kind === StageKind.Pending) finishPending(s, stage.slot, ErrorCode.MeshKeyUnavailable);
  endStage(s, stage);
}

/** The stage is over: an inline message's pool entry goes back. */
function endStage(s: TransportState, stage: OutgoingStage): void {
  if (stage.handle >= 0) s.pool.release(stage.handle);
  stage.clear();
}

/** Copy `length` bytes of the staged message from byte `at` into out[offset ..] (from its pending slot, or its pool entry). */
export function readStaged(s: TransportState, stage: OutgoingStage, at: number, out: Uint8Array, offset: number, length: number): void {
  if (stage.kind === StageKind.Pending) s.pending.read(stage.slot, at, out, offset, length);
  else s.pool.read(stage.handle, STAGED_INLINE_AT + at, out, offset, length);
}

/** When the next message frame could go (`nowMs` when one is ready, a staged message's access time, or +Infinity). */
export function messageWorkAtMs(s: TransportState, nowMs: number): number {
  let atMs = Number.POSITIVE_INFINITY;
  for (let c = 0; c < LINK_CLASS_COUNT; c++) {
    const stage = s.stages[c];
    if (stage?.active === true) atMs = Math.min(atMs, stage.notBeforeMs > nowMs ? stage.notBeforeMs : nowMs);
    else if (s.queues.count(c) > 0) return nowMs;
  }
  if (atMs <= nowMs) return nowMs;
  const pending = s.pending;
  for (let slot = 0; slot < pending.slotCount; slot++) if (pending.isInUse(slot) && pending.hasResend(slot)) return nowMs;
  return atMs;
}

// ------------------------------------------------ end-to-end acknowledgement

/** Ack: the message id (u16) of an acknowledged send we made. */
export function onAck(s: TransportState, source: number, plain: Uint8Array, plaintextBytes: number): void {
  if (plaintextBytes !== ACK_PAYLOAD_BYTES) {
    s.counters.inc(MeshCounter.dropTruncated);
    return;
  }
  const slot = s.pending.find(source, readU16(plain, 0));
  if (slot < 0) {
    s.counters.inc(MeshCounter.dropAckUnknown);
    return;
  }
  s.counters.inc(MeshCounter.acksReceived);
  finishPending(s, slot, ErrorCode.Ok);
}

/** NACK: message id (2), fragment count (1), bitmap of missing fragments. */
export function onNack(s: TransportState, source: number, plain: Uint8Array, plaintextBytes: number): void {
  const count = plain[2] ?? 0;
  if (plaintextBytes < 3 || plaintextBytes !== 3 + ((count + 7) >>> 3)) {
    s.counters.inc(MeshCounter.dropTruncated);
    return;
  }
  const pending = s.pending;
  const slot = pending.find(source, readU16(plain, 0));
  if (slot < 0) {
    s.counters.inc(MeshCounter.dropAckUnknown);
    return;
  }
  const length = pending.lengthAt(slot);
  if (count !== fragmentCount(length, singleCapacity(s, FrameType.UnicastFragment) - FRAGMENT_HEADER_BYTES)) {
    s.counters.inc(MeshCounter.dropFragmentInvalid);
    return;
  }
  s.counters.inc(MeshCounter.nacksReceived);
  const stage = s.stages[pending.classAt(slot)];
  const sending = stage !== undefined && stage.kind === StageKind.Pending && stage.slot === slot;
  if (pending.markResend(slot, plain, 3, count) > 0 && !sending) pending.disarm(slot);
}

/** Acknowledged sends whose ack deadline passed: wait on for the first hop, retry (queued again), or give up (MeshAckTimeout). */
export function checkAckDeadlines(s: TransportState, nowMs: number): void {
  const pending = s.pending;
  for (let guard = 0; guard < pending.slotCount; guard++) {
    const slot = pending.expired(nowMs);
    if (slot < 0) return;
    // Still with the first hop (it is resending our frame): the ack timer starts when it takes it (transport-hop.ts).
    const held = s.hopAcks.findOwned(slot, pending.messageIdAt(slot));
    if (held >= 0) {
      pending.rearm(slot, Math.max(nowMs + 1, s.hopAcks.deadlineAt(held) + s.config.ackTimeoutMs));
      continue;
    }
    const destination = pending.destinationAt(slot);
    // With hop-by-hop retransmission a broken next hop is found (and forgotten) hop by hop; a late e2e ack is no proof of one.
    if (pending.routedAt(slot) && s.config.hopRetriesMax === 0 && s.routes.invalidate(destination)) {
      s.counters.inc(MeshCounter.routesInvalidated);
      logEvent(s, MeshLogEvent.RouteInvalidated, destination, 0, 0, 0);
    }
    if (pending.attemptsAt(slot) > s.config.retriesMax) {
      s.counters.inc(MeshCounter.ackTimeouts);
      finishPending(s, slot, ErrorCode.MeshAckTimeout);
      continue;
    }
    pending.disarm(slot);
    const requeued = enqueuePending(s, pending.classAt(slot), destination, pending.messageIdAt(slot), slot);
    if (requeued !== ErrorCode.Ok) {
      finishPending(s, slot, ErrorCode.MeshQueueFull);
      continue;
    }
    s.counters.inc(MeshCounter.retransmissions);
  }
}
