/**
 * Reassembly of fragmented messages into fixed slots (README "Mesh transport").
 *
 * `slots` slots for messages of up to `slotBytes`, their bytes in a frame
 * pool (frame-pool.ts: the transport's shared one, or one of slots x
 * slotBytes of its own). A message is (source, message id); its first
 * fragment takes a slot and room for the whole message in the pool, later
 * ones fill it at the offset their index implies (fragment-header.ts), a
 * bitmap records which arrived, and the message is complete when all have.
 *
 * Limits, each refusal with its own code and counter:
 *  - a sender holds at most `perSenderMax` slots (MeshReassemblySenderCap),
 *    so one sender flooding distinct message ids cannot starve the others;
 *  - when every slot is busy (or the pool cannot hold the message) a slot
 *    whose message timed out is reclaimed, otherwise the newcomer is
 *    refused (MeshReassemblyFull): in-progress messages are never evicted
 *    for new ones;
 *  - a message longer than `slotBytes` is refused (MeshMessageTooLarge);
 *  - a fragment that disagrees with its message's first fragment (count,
 *    length, acknowledgement flag) is refused (MeshFragmentInvalid);
 *  - a message not complete `timeoutMs` after its first fragment is dropped
 *    by `expire` (MeshReassemblyTimeout).
 *
 * Memory is the pool's plus small per-slot tables, whatever arrives.
 * Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { popcount32 } from "../collections/bit-set";
import type { ValueOrCode } from "../collections/value-or-code";
import { FRAGMENT_COUNT_MAX, fragmentChunkBytes, fragmentOffset, type FragmentHeader } from "./fragment-header";
import { FramePool, framePoolBlocks } from "./frame-pool";

const RS_U8_FIELDS = 6;
const RS_U8_USED = 0;
const RS_U8_COUNTS = 1;
const RS_U8_RECEIVED = 2;
const RS_U8_ACK_REQUESTED = 3;
const RS_U8_TRAFFIC_CLASS = 4;
const RS_U8_NACKS_SENT = 5;
const RS_U16_FIELDS = 3;
const RS_U16_SOURCES = 0;
const RS_U16_MESSAGE_IDS = 1;
const RS_U16_TOTAL_BYTES = 2;
const RS_F64_FIELDS = 3;
const RS_F64_STARTED_MS = 0;
const RS_F64_LAST_FRAGMENT_MS = 1;
const RS_F64_HANDLE = 2; // the message's entry in the pool

export interface ReassemblyOptions {
  readonly slots: number;
  /** Largest message, bytes. */
  readonly slotBytes: number;
  readonly perSenderMax: number;
  readonly timeoutMs: number;
}

const WORDS_PER_SLOT = (FRAGMENT_COUNT_MAX + 31) >>> 5;

/** What `accept` did with a fragment (values >= 0; failures are negated codes). */
export const FragmentResult = Object.freeze({ Stored: 0, Complete: 1, Duplicate: 2 } as const);

export class ReassemblyTable {
  readonly #slots: number;
  readonly #slotBytes: number;
  readonly #perSenderMax: number;
  readonly #timeoutMs: number;
  readonly #pool: FramePool;
  /** Per-slot fields, 6 per slot (one array: each typed array costs heap slots on XS): used, counts, received, ackRequested, trafficClass, nacksSent. */
  readonly #bytes: Uint8Array;
  /** Per-slot fields, 3 per slot (one array: each typed array costs heap slots on XS): sources, messageIds, totalBytes. */
  readonly #words: Uint16Array;
  /** Per-slot fields, 3 per slot (one array: each typed array costs heap slots on XS): startedMs, lastFragmentMs, pool handle. */
  readonly #numbers: Float64Array;
  readonly #bitmaps: Uint32Array;
  #inUse = 0;
  #timedOut = 0;
  /** Slot of the message the last `accept` completed (valid after Complete). */
  completedSlot = -1;

  /** Messages kept in `pool` (default: a pool of its own that holds every slot's largest message). */
  static create(options: ReassemblyOptions, pool?: FramePool): Result<ReassemblyTable> {
    const { slots, slotBytes, perSenderMax, timeoutMs } = options;
    if ((slots | 0) !== slots || slots < 1 || slots > 1024) return err(ErrorCode.InvalidArgument);
    if ((slotBytes | 0) !== slotBytes || slotBytes < 1 || slotBytes > 0xffff) return err(ErrorCode.InvalidArgument);
    if ((perSenderMax | 0) !== perSenderMax || perSenderMax < 1 || perSenderMax > slots) return err(ErrorCode.InvalidArgument);
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) return err(ErrorCode.InvalidArgument);
    const own = pool === undefined ? FramePool.create(slots * framePoolBlocks(slotBytes)) : ok(pool);
    if (!own.ok) return own;
    return ok(new ReassemblyTable(options, own.value));
  }

  private constructor(options: ReassemblyOptions, pool: FramePool) {
    const slots = options.slots;
    this.#slots = slots;
    this.#slotBytes = options.slotBytes;
    this.#perSenderMax = options.perSenderMax;
    this.#timeoutMs = options.timeoutMs;
    this.#pool = pool;
    this.#bytes = new Uint8Array(slots * RS_U8_FIELDS);
    this.#words = new Uint16Array(slots * RS_U16_FIELDS);
    this.#numbers = new Float64Array(slots * RS_F64_FIELDS);
    this.#bitmaps = new Uint32Array(slots * WORDS_PER_SLOT);
  }

  get slotCount(): number {
    return this.#slots;
  }
  get inUse(): number {
    return this.#inUse;
  }
  get timedOutCount(): number {
    return this.#timedOut;
  }
  get slotBytes(): number {
    return this.#slotBytes;
  }

  /** Copy `length` bytes of the message in `slot` from byte `at` into out[offset ..]. */
  read(slot: number, at: number, out: Uint8Array, offset: number, length: number): void {
    this.#pool.read(this.handleAt(slot), at, out, offset, length);
  }

  /**
   * Store one fragment (its header parsed into `f`, its chunk at
   * chunk[chunkOffset ..]). Returns a FragmentResult, or a negated code:
   * MeshReassemblySenderCap, MeshReassemblyFull, MeshMessageTooLarge,
   * MeshFragmentInvalid.
   */
  accept(source: number, trafficClass: number, f: FragmentHeader, chunk: Uint8Array, chunkOffset: number, nowMs: number): ValueOrCode {
    let slot = this.find(source, f.messageId);
    if (slot < 0) {
      if (f.totalBytes > this.#slotBytes) return -ErrorCode.MeshMessageTooLarge;
      slot = this.claim(source, nowMs);
      if (slot < 0) return slot;
      const handle = this.#pool.allocate(f.totalBytes);
      if (handle < 0) return -ErrorCode.MeshReassemblyFull;
      this.#numbers[slot * RS_F64_FIELDS + RS_F64_HANDLE] = handle;
      this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] = 1;
      this.#words[slot * RS_U16_FIELDS + RS_U16_SOURCES] = source;
      this.#words[slot * RS_U16_FIELDS + RS_U16_MESSAGE_IDS] = f.messageId;
      this.#bytes[slot * RS_U8_FIELDS + RS_U8_COUNTS] = f.count;
      this.#bytes[slot * RS_U8_FIELDS + RS_U8_RECEIVED] = 0;
      this.#words[slot * RS_U16_FIELDS + RS_U16_TOTAL_BYTES] = f.totalBytes;
      this.#bytes[slot * RS_U8_FIELDS + RS_U8_ACK_REQUESTED] = f.ackRequested ? 1 : 0;
      this.#bytes[slot * RS_U8_FIELDS + RS_U8_TRAFFIC_CLASS] = trafficClass;
      this.#numbers[slot * RS_F64_FIELDS + RS_F64_STARTED_MS] = nowMs;
      this.#bytes[slot * RS_U8_FIELDS + RS_U8_NACKS_SENT] = 0;
      this.#bitmaps.fill(0, slot * WORDS_PER_SLOT, (slot + 1) * WORDS_PER_SLOT);
      this.#inUse++;
    } else if (
      this.#bytes[slot * RS_U8_FIELDS + RS_U8_COUNTS] !== f.count ||
      this.#words[slot * RS_U16_FIELDS + RS_U16_TOTAL_BYTES] !== f.totalBytes ||
      (this.#bytes[slot * RS_U8_FIELDS + RS_U8_ACK_REQUESTED] === 1) !== f.ackRequested
    ) {
      return -ErrorCode.MeshFragmentInvalid;
    }
    this.#numbers[slot * RS_F64_FIELDS + RS_F64_LAST_FRAGMENT_MS] = nowMs;
    const word = slot * WORDS_PER_SLOT + (f.index >>> 5);
    const bit = (1 << (f.index & 31)) >>> 0;
    const bits = this.#bitmaps[word] ?? 0;
    if ((bits & bit) !== 0) return FragmentResult.Duplicate;
    this.#bitmaps[word] = (bits | bit) >>> 0;
    this.#pool.write(this.handleAt(slot), fragmentOffset(f.totalBytes, f.count, f.index), chunk, chunkOffset, fragmentChunkBytes(f.totalBytes, f.count, f.index));
    const received = (this.#bytes[slot * RS_U8_FIELDS + RS_U8_RECEIVED] ?? 0) + 1;
    this.#bytes[slot * RS_U8_FIELDS + RS_U8_RECEIVED] = received;
    if (received < f.count) return FragmentResult.Stored;
    this.completedSlot = slot;
    return FragmentResult.Complete;
  }

  /** The slot of (source, messageId) in progress, or -NotFound. O(slots). */
  find(source: number, messageId: number): ValueOrCode {
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] === 1 && this.#words[slot * RS_U16_FIELDS + RS_U16_SOURCES] === source && this.#words[slot * RS_U16_FIELDS + RS_U16_MESSAGE_IDS] === messageId) return slot;
    }
    return -ErrorCode.NotFound;
  }

  /** Free a slot (message delivered or abandoned). */
  release(slot: number): void {
    if (this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] !== 1) return;
    this.#pool.release(this.handleAt(slot));
    this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] = 0;
    this.#inUse--;
  }

  /** Drop every message older than the timeout. Returns how many were dropped. */
  expire(nowMs: number): number {
    let dropped = 0;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] === 1 && this.isExpired(slot, nowMs)) {
        this.release(slot);
        dropped++;
      }
    }
    this.#timedOut += dropped;
    return dropped;
  }

  /** Earliest time a slot in use times out, or -1. */
  nextExpiryMs(): number {
    let first = -1;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] !== 1) continue;
      const at = (this.#numbers[slot * RS_F64_FIELDS + RS_F64_STARTED_MS] ?? 0) + this.#timeoutMs + 1;
      if (first < 0 || at < first) first = at;
    }
    return first;
  }

  isInUse(slot: number): boolean {
    return this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] === 1;
  }
  sourceAt(slot: number): number {
    return this.#words[slot * RS_U16_FIELDS + RS_U16_SOURCES] ?? 0;
  }
  messageIdAt(slot: number): number {
    return this.#words[slot * RS_U16_FIELDS + RS_U16_MESSAGE_IDS] ?? 0;
  }
  totalBytesAt(slot: number): number {
    return this.#words[slot * RS_U16_FIELDS + RS_U16_TOTAL_BYTES] ?? 0;
  }
  countAt(slot: number): number {
    return this.#bytes[slot * RS_U8_FIELDS + RS_U8_COUNTS] ?? 0;
  }
  receivedAt(slot: number): number {
    return this.#bytes[slot * RS_U8_FIELDS + RS_U8_RECEIVED] ?? 0;
  }
  ackRequestedAt(slot: number): boolean {
    return this.#bytes[slot * RS_U8_FIELDS + RS_U8_ACK_REQUESTED] === 1;
  }
  trafficClassAt(slot: number): number {
    return this.#bytes[slot * RS_U8_FIELDS + RS_U8_TRAFFIC_CLASS] ?? 0;
  }
  lastFragmentMsAt(slot: number): number {
    return this.#numbers[slot * RS_F64_FIELDS + RS_F64_LAST_FRAGMENT_MS] ?? 0;
  }
  nacksSentAt(slot: number): number {
    return this.#bytes[slot * RS_U8_FIELDS + RS_U8_NACKS_SENT] ?? 0;
  }
  noteNackSent(slot: number, nowMs: number): void {
    this.#bytes[slot * RS_U8_FIELDS + RS_U8_NACKS_SENT] = (this.#bytes[slot * RS_U8_FIELDS + RS_U8_NACKS_SENT] ?? 0) + 1;
    this.#numbers[slot * RS_F64_FIELDS + RS_F64_LAST_FRAGMENT_MS] = nowMs;
  }

  /**
   * Write the bitmap of MISSING fragments of `slot` (bit i of byte i/8 set =
   * fragment i not received) into out[at ..]; returns its length in bytes.
   */
  writeMissing(slot: number, out: Uint8Array, at: number): number {
    const count = this.#bytes[slot * RS_U8_FIELDS + RS_U8_COUNTS] ?? 0;
    const bytes = (count + 7) >>> 3;
    for (let i = 0; i < bytes; i++) out[at + i] = 0;
    for (let index = 0; index < count; index++) {
      const word = this.#bitmaps[slot * WORDS_PER_SLOT + (index >>> 5)] ?? 0;
      if (((word >>> (index & 31)) & 1) === 0) out[at + (index >>> 3)] = (out[at + (index >>> 3)] ?? 0) | (1 << (index & 7));
    }
    return bytes;
  }

  /** Slots held by `source` (for tests and the sender cap). */
  heldBy(source: number): number {
    let held = 0;
    for (let slot = 0; slot < this.#slots; slot++) if (this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] === 1 && this.#words[slot * RS_U16_FIELDS + RS_U16_SOURCES] === source) held++;
    return held;
  }

  /** `Ok`, or InvariantViolated: counts agree with the bitmaps and the in-use count. For tests. */
  checkInvariants(): number {
    let used = 0;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] !== 1) continue;
      used++;
      let bits = 0;
      for (let w = 0; w < WORDS_PER_SLOT; w++) bits += popcount32(this.#bitmaps[slot * WORDS_PER_SLOT + w] ?? 0);
      if (bits !== this.#bytes[slot * RS_U8_FIELDS + RS_U8_RECEIVED] || bits > (this.#bytes[slot * RS_U8_FIELDS + RS_U8_COUNTS] ?? 0)) return ErrorCode.InvariantViolated;
    }
    return used === this.#inUse ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  private handleAt(slot: number): number {
    return this.#numbers[slot * RS_F64_FIELDS + RS_F64_HANDLE] ?? -1;
  }

  private isExpired(slot: number, nowMs: number): boolean {
    return nowMs - (this.#numbers[slot * RS_F64_FIELDS + RS_F64_STARTED_MS] ?? 0) > this.#timeoutMs;
  }

  /** A slot for a new message from `source`, or a negated refusal code. Timed-out slots are freed on the way. */
  private claim(source: number, nowMs: number): ValueOrCode {
    let held = 0;
    let free = -1;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] === 1 && this.isExpired(slot, nowMs)) {
        this.release(slot);
        this.#timedOut++;
      }
      if (this.#bytes[slot * RS_U8_FIELDS + RS_U8_USED] !== 1) {
        if (free < 0) free = slot;
      } else if (this.#words[slot * RS_U16_FIELDS + RS_U16_SOURCES] === source) {
        held++;
      }
    }
    if (held >= this.#perSenderMax) return -ErrorCode.MeshReassemblySenderCap;
    return free >= 0 ? free : -ErrorCode.MeshReassemblyFull;
  }
}
