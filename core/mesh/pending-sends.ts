/**
 * Acknowledged sends in flight (README "Mesh transport"): acknowledgements and bounded
 * retransmissions for messages that ask for them.
 *
 * Each slot keeps a copy of the message (so it can be sent again), the
 * caller's message id (echoed in the outcome), the wire message id the
 * receiver acknowledges, the attempts made, the ack deadline, whether the
 * last attempt followed a learned route, and a bitmap of fragments the
 * receiver asked for again (NACK).
 *
 * The copies live in a frame pool (frame-pool.ts: the transport's shared
 * one, or one of slots x slotBytes of its own).
 *
 * Full policy (every slot busy, or the pool cannot hold the copy): refuse
 * the new send (MeshPendingFull, counted by the transport). Nothing is
 * allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { FRAGMENT_COUNT_MAX } from "./fragment-header";
import { FramePool, framePoolBlocks } from "./frame-pool";

const PS_U8_FIELDS = 4;
const PS_U8_USED = 0;
const PS_U8_CLASSES = 1;
const PS_U8_ATTEMPTS = 2;
const PS_U8_ROUTED = 3;
const PS_U16_FIELDS = 3;
const PS_U16_DESTINATIONS = 0;
const PS_U16_LENGTHS = 1;
const PS_U16_MESSAGE_IDS = 2;
const PS_F64_FIELDS = 4;
const PS_F64_CALLER_IDS = 0;
const PS_F64_DEADLINES_MS = 1;
const PS_F64_ENQUEUED_MS = 2;
const PS_F64_HANDLE = 3; // the copy's entry in the pool

const WORDS = (FRAGMENT_COUNT_MAX + 31) >>> 5;
/** Deadline of a slot whose message is still queued or being sent. */
const NOT_ARMED = Number.POSITIVE_INFINITY;

export class PendingSends {
  readonly #slots: number;
  readonly #slotBytes: number;
  readonly #pool: FramePool;
  /** Per-slot fields, 4 per slot (one array: each typed array costs heap slots on XS): used, classes, attempts, routed. */
  readonly #bytes: Uint8Array;
  /** Per-slot fields, 3 per slot (one array: each typed array costs heap slots on XS): destinations, lengths, messageIds. */
  readonly #words: Uint16Array;
  /** Per-slot fields, 4 per slot (one array: each typed array costs heap slots on XS): callerIds, deadlinesMs, enqueuedMs, pool handles. */
  readonly #numbers: Float64Array;
  readonly #resend: Uint32Array;
  #inUse = 0;

  /** Messages up to `slotBytes`, kept in `pool` (default: a pool of its own that holds every slot's largest message). */
  static create(slots: number, slotBytes: number, pool?: FramePool): Result<PendingSends> {
    if ((slots | 0) !== slots || slots < 1 || slots > 256) return err(ErrorCode.InvalidArgument);
    if ((slotBytes | 0) !== slotBytes || slotBytes < 1 || slotBytes > 0xffff) return err(ErrorCode.InvalidArgument);
    const own = pool === undefined ? FramePool.create(slots * framePoolBlocks(slotBytes)) : ok(pool);
    if (!own.ok) return own;
    return ok(new PendingSends(slots, slotBytes, own.value));
  }

  private constructor(slots: number, slotBytes: number, pool: FramePool) {
    this.#slots = slots;
    this.#slotBytes = slotBytes;
    this.#pool = pool;
    this.#bytes = new Uint8Array(slots * PS_U8_FIELDS);
    this.#words = new Uint16Array(slots * PS_U16_FIELDS);
    this.#numbers = new Float64Array(slots * PS_F64_FIELDS);
    for (let i = 0; i < slots; i++) this.#numbers[i * PS_F64_FIELDS + PS_F64_DEADLINES_MS] = NOT_ARMED;
    this.#resend = new Uint32Array(slots * WORDS);
  }

  get slotCount(): number {
    return this.#slots;
  }
  get inUse(): number {
    return this.#inUse;
  }
  /** Largest message a slot keeps. */
  get slotBytes(): number {
    return this.#slotBytes;
  }

  /** Copy `length` bytes of the message in `slot` from byte `at` into out[offset ..]. */
  read(slot: number, at: number, out: Uint8Array, offset: number, length: number): void {
    this.#pool.read(this.#numbers[slot * PS_F64_FIELDS + PS_F64_HANDLE] ?? -1, at, out, offset, length);
  }

  /** Keep a copy of bytes[offset .. offset + length). Returns the slot or -MeshPendingFull. */
  acquire(destination: number, trafficClass: number, bytes: Uint8Array, offset: number, length: number, callerId: number, messageId: number, nowMs: number): ValueOrCode {
    if (length > this.#slotBytes) return -ErrorCode.MeshMessageTooLarge;
    let slot = -1;
    for (let s = 0; s < this.#slots; s++) {
      if (this.#bytes[s * PS_U8_FIELDS + PS_U8_USED] !== 1) {
        slot = s;
        break;
      }
    }
    if (slot < 0) return -ErrorCode.MeshPendingFull;
    const handle = this.#pool.store(bytes, offset, length);
    if (handle < 0) return -ErrorCode.MeshPendingFull;
    this.#numbers[slot * PS_F64_FIELDS + PS_F64_HANDLE] = handle;
    this.#bytes[slot * PS_U8_FIELDS + PS_U8_USED] = 1;
    this.#words[slot * PS_U16_FIELDS + PS_U16_DESTINATIONS] = destination;
    this.#bytes[slot * PS_U8_FIELDS + PS_U8_CLASSES] = trafficClass;
    this.#words[slot * PS_U16_FIELDS + PS_U16_LENGTHS] = length;
    this.#words[slot * PS_U16_FIELDS + PS_U16_MESSAGE_IDS] = messageId;
    this.#numbers[slot * PS_F64_FIELDS + PS_F64_CALLER_IDS] = callerId;
    this.#bytes[slot * PS_U8_FIELDS + PS_U8_ATTEMPTS] = 0;
    this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] = NOT_ARMED;
    this.#bytes[slot * PS_U8_FIELDS + PS_U8_ROUTED] = 0;
    this.#numbers[slot * PS_F64_FIELDS + PS_F64_ENQUEUED_MS] = nowMs;
    this.#resend.fill(0, slot * WORDS, (slot + 1) * WORDS);
    this.#inUse++;
    return slot;
  }

  /** The slot waiting for an ack of `messageId` from `destination`, or -NotFound. */
  find(destination: number, messageId: number): ValueOrCode {
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * PS_U8_FIELDS + PS_U8_USED] === 1 && this.#words[slot * PS_U16_FIELDS + PS_U16_DESTINATIONS] === destination && this.#words[slot * PS_U16_FIELDS + PS_U16_MESSAGE_IDS] === messageId) return slot;
    }
    return -ErrorCode.NotFound;
  }

  release(slot: number): void {
    if (this.#bytes[slot * PS_U8_FIELDS + PS_U8_USED] !== 1) return;
    this.#pool.release(this.#numbers[slot * PS_F64_FIELDS + PS_F64_HANDLE] ?? -1);
    this.#bytes[slot * PS_U8_FIELDS + PS_U8_USED] = 0;
    this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] = NOT_ARMED;
    this.#inUse--;
  }

  isInUse(slot: number): boolean {
    return this.#bytes[slot * PS_U8_FIELDS + PS_U8_USED] === 1;
  }

  /** The message (or a NACKed part of it) was sent: wait for the ack until `deadlineMs`. */
  arm(slot: number, deadlineMs: number, routed: boolean, countAttempt: boolean): void {
    if (countAttempt) this.#bytes[slot * PS_U8_FIELDS + PS_U8_ATTEMPTS] = (this.#bytes[slot * PS_U8_FIELDS + PS_U8_ATTEMPTS] ?? 0) + 1;
    this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] = deadlineMs;
    this.#bytes[slot * PS_U8_FIELDS + PS_U8_ROUTED] = routed ? 1 : 0;
  }

  /** The ack deadline of `slot` (+Infinity while queued or being sent). */
  deadlineAt(slot: number): number {
    return this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] ?? NOT_ARMED;
  }

  /** Move the ack deadline of an armed slot (no attempt counted); false when it is not armed. */
  rearm(slot: number, deadlineMs: number): boolean {
    if (this.#bytes[slot * PS_U8_FIELDS + PS_U8_USED] !== 1 || (this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] ?? NOT_ARMED) === NOT_ARMED) return false;
    this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] = deadlineMs;
    return true;
  }

  /** Back in the queue for another attempt (no deadline while queued). */
  disarm(slot: number): void {
    this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] = NOT_ARMED;
  }

  /** Earliest armed ack deadline, or +Infinity. */
  nextDeadlineMs(): number {
    let first = NOT_ARMED;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * PS_U8_FIELDS + PS_U8_USED] === 1 && (this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] ?? NOT_ARMED) < first) first = this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] ?? NOT_ARMED;
    }
    return first;
  }

  /** A slot whose ack deadline passed by `nowMs`, or -NotFound. */
  expired(nowMs: number): ValueOrCode {
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * PS_U8_FIELDS + PS_U8_USED] === 1 && (this.#numbers[slot * PS_F64_FIELDS + PS_F64_DEADLINES_MS] ?? NOT_ARMED) <= nowMs) return slot;
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
    return this.#words[slot * PS_U16_FIELDS + PS_U16_DESTINATIONS] ?? 0;
  }
  classAt(slot: number): number {
    return this.#bytes[slot * PS_U8_FIELDS + PS_U8_CLASSES] ?? 0;
  }
  lengthAt(slot: number): number {
    return this.#words[slot * PS_U16_FIELDS + PS_U16_LENGTHS] ?? 0;
  }
  messageIdAt(slot: number): number {
    return this.#words[slot * PS_U16_FIELDS + PS_U16_MESSAGE_IDS] ?? 0;
  }
  callerIdAt(slot: number): number {
    return this.#numbers[slot * PS_F64_FIELDS + PS_F64_CALLER_IDS] ?? 0;
  }
  attemptsAt(slot: number): number {
    return this.#bytes[slot * PS_U8_FIELDS + PS_U8_ATTEMPTS] ?? 0;
  }
  routedAt(slot: number): boolean {
    return this.#bytes[slot * PS_U8_FIELDS + PS_U8_ROUTED] === 1;
  }
  enqueuedMsAt(slot: number): number {
    return this.#numbers[slot * PS_F64_FIELDS + PS_F64_ENQUEUED_MS] ?? 0;
  }
}
