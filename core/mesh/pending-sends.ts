/**
 * Acknowledged sends in flight (issue 6 §3: "acknowledgements and bounded
 * retransmissions for messages that ask for them").
 *
 * Each slot keeps a copy of the message (so it can be sent again), the
 * caller's message id (echoed in the outcome), the wire message id the
 * receiver acknowledges, the attempts made, the ack deadline, whether the
 * last attempt followed a learned route, and a bitmap of fragments the
 * receiver asked for again (NACK).
 *
 * Full policy: refuse the new send (MeshPendingFull, counted by the
 * transport). Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { FRAGMENT_COUNT_MAX } from "./fragment-header";

const WORDS = (FRAGMENT_COUNT_MAX + 31) >>> 5;
/** Deadline of a slot whose message is still queued or being sent. */
const NOT_ARMED = Number.POSITIVE_INFINITY;

export class PendingSends {
  readonly #slots: number;
  readonly #slotBytes: number;
  readonly #data: Uint8Array;
  readonly #used: Uint8Array;
  readonly #destinations: Uint16Array;
  readonly #classes: Uint8Array;
  readonly #lengths: Uint16Array;
  readonly #messageIds: Uint16Array;
  readonly #callerIds: Float64Array;
  readonly #attempts: Uint8Array;
  readonly #deadlinesMs: Float64Array;
  readonly #routed: Uint8Array;
  readonly #resend: Uint32Array;
  readonly #enqueuedMs: Float64Array;
  #inUse = 0;

  static create(slots: number, slotBytes: number): Result<PendingSends> {
    if ((slots | 0) !== slots || slots < 1 || slots > 256) return err(ErrorCode.InvalidArgument);
    if ((slotBytes | 0) !== slotBytes || slotBytes < 1 || slotBytes > 0xffff) return err(ErrorCode.InvalidArgument);
    return ok(new PendingSends(slots, slotBytes));
  }

  private constructor(slots: number, slotBytes: number) {
    this.#slots = slots;
    this.#slotBytes = slotBytes;
    this.#data = new Uint8Array(slots * slotBytes);
    this.#used = new Uint8Array(slots);
    this.#destinations = new Uint16Array(slots);
    this.#classes = new Uint8Array(slots);
    this.#lengths = new Uint16Array(slots);
    this.#messageIds = new Uint16Array(slots);
    this.#callerIds = new Float64Array(slots);
    this.#attempts = new Uint8Array(slots);
    this.#deadlinesMs = new Float64Array(slots).fill(NOT_ARMED);
    this.#routed = new Uint8Array(slots);
    this.#resend = new Uint32Array(slots * WORDS);
    this.#enqueuedMs = new Float64Array(slots);
  }

  get slotCount(): number {
    return this.#slots;
  }
  get inUse(): number {
    return this.#inUse;
  }
  get data(): Uint8Array {
    return this.#data;
  }
  get slotBytes(): number {
    return this.#slotBytes;
  }

  /** Keep a copy of bytes[offset .. offset + length). Returns the slot or -MeshPendingFull. */
  acquire(destination: number, trafficClass: number, bytes: Uint8Array, offset: number, length: number, callerId: number, messageId: number, nowMs: number): ValueOrCode {
    if (length > this.#slotBytes) return -ErrorCode.MeshMessageTooLarge;
    let slot = -1;
    for (let s = 0; s < this.#slots; s++) {
      if (this.#used[s] !== 1) {
        slot = s;
        break;
      }
    }
    if (slot < 0) return -ErrorCode.MeshPendingFull;
    const base = slot * this.#slotBytes;
    for (let i = 0; i < length; i++) this.#data[base + i] = bytes[offset + i] ?? 0;
    this.#used[slot] = 1;
    this.#destinations[slot] = destination;
    this.#classes[slot] = trafficClass;
    this.#lengths[slot] = length;
    this.#messageIds[slot] = messageId;
    this.#callerIds[slot] = callerId;
    this.#attempts[slot] = 0;
    this.#deadlinesMs[slot] = NOT_ARMED;
    this.#routed[slot] = 0;
    this.#enqueuedMs[slot] = nowMs;
    this.#resend.fill(0, slot * WORDS, (slot + 1) * WORDS);
    this.#inUse++;
    return slot;
  }

  /** The slot waiting for an ack of `messageId` from `destination`, or -NotFound. */
  find(destination: number, messageId: number): ValueOrCode {
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#used[slot] === 1 && this.#destinations[slot] === destination && this.#messageIds[slot] === messageId) return slot;
    }
    return -ErrorCode.NotFound;
  }

  release(slot: number): void {
    if (this.#used[slot] !== 1) return;
    this.#used[slot] = 0;
    this.#deadlinesMs[slot] = NOT_ARMED;
    this.#inUse--;
  }

  isInUse(slot: number): boolean {
    return this.#used[slot] === 1;
  }

  /** The message (or a NACKed part of it) was sent: wait for the ack until `deadlineMs`. */
  arm(slot: number, deadlineMs: number, routed: boolean, countAttempt: boolean): void {
    if (countAttempt) this.#attempts[slot] = (this.#attempts[slot] ?? 0) + 1;
    this.#deadlinesMs[slot] = deadlineMs;
    this.#routed[slot] = routed ? 1 : 0;
  }

  /** The ack deadline of `slot` (+Infinity while queued or being sent). */
  deadlineAt(slot: number): number {
    return this.#deadlinesMs[slot] ?? NOT_ARMED;
  }

  /** Move the ack deadline of an armed slot (no attempt counted); false when it is not armed. */
  rearm(slot: number, deadlineMs: number): boolean {
    if (this.#used[slot] !== 1 || (this.#deadlinesMs[slot] ?? NOT_ARMED) === NOT_ARMED) return false;
    this.#deadlinesMs[slot] = deadlineMs;
    return true;
  }

  /** Back in the queue for another attempt (no deadline while queued). */
  disarm(slot: number): void {
    this.#deadlinesMs[slot] = NOT_ARMED;
  }

  /** Earliest armed ack deadline, or +Infinity. */
  nextDeadlineMs(): number {
    let first = NOT_ARMED;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#used[slot] === 1 && (this.#deadlinesMs[slot] ?? NOT_ARMED) < first) first = this.#deadlinesMs[slot] ?? NOT_ARMED;
    }
    return first;
  }

  /** A slot whose ack deadline passed by `nowMs`, or -NotFound. */
  expired(nowMs: number): ValueOrCode {
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#used[slot] === 1 && (this.#deadlinesMs[slot] ?? NOT_ARMED) <= nowMs) return slot;
    }
    return -ErrorCode.NotFound;
  }

  /** Mark fragments for resending from a NACK bitmap (bit i = fragment i missing). Returns how many. */
  markResend(slot: number, bitmap: Uint8Array, at: number, count: number): number {
    let marked = 0;
    for (let index = 0; index < count && index < FRAGMENT_COUNT_MAX; index++) {
      if ((((bitmap[at + (index >>> 3)] ?? 0) >>> (index & 7)) & 1) === 0) continue;
      const word = slot * WORDS + (index >>> 5);
      this.#resend[word] = ((this.#resend[word] ?? 0) | (1 << (index & 31))) >>> 0;
      marked++;
    }
    return marked;
  }

  /** The lowest fragment index marked for resending, or -1; clears it. */
  takeResend(slot: number): number {
    for (let w = 0; w < WORDS; w++) {
      const word = this.#resend[slot * WORDS + w] ?? 0;
      if (word === 0) continue;
      const bit = 31 - Math.clz32(word & -word);
      this.#resend[slot * WORDS + w] = (word & ~(1 << bit)) >>> 0;
      return w * 32 + bit;
    }
    return -1;
  }

  /** True when some fragment of `slot` is marked for resending. */
  hasResend(slot: number): boolean {
    for (let w = 0; w < WORDS; w++) if ((this.#resend[slot * WORDS + w] ?? 0) !== 0) return true;
    return false;
  }

  destinationAt(slot: number): number {
    return this.#destinations[slot] ?? 0;
  }
  classAt(slot: number): number {
    return this.#classes[slot] ?? 0;
  }
  lengthAt(slot: number): number {
    return this.#lengths[slot] ?? 0;
  }
  messageIdAt(slot: number): number {
    return this.#messageIds[slot] ?? 0;
  }
  callerIdAt(slot: number): number {
    return this.#callerIds[slot] ?? 0;
  }
  attemptsAt(slot: number): number {
    return this.#attempts[slot] ?? 0;
  }
  routedAt(slot: number): boolean {
    return this.#routed[slot] === 1;
  }
  enqueuedMsAt(slot: number): number {
    return this.#enqueuedMs[slot] ?? 0;
  }
}
