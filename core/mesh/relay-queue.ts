/**
 * Relays waiting for their moment (README "Mesh transport", managed flooding).
 *
 * A node that accepts a flooded frame schedules its rebroadcast after a
 * contention delay that grows with the received link quality, so the
 * node farthest from the transmitter (weakest SNR) goes first and covers
 * the most new ground; every node still waiting that then hears the frame
 * the frame relayed by peers (as many hops out as it would be) `threshold`
 * times cancels its own copy (Meshtastic's managed flooding; the
 * counter-based scheme of Ni et al., "The broadcast storm problem", 1999).
 *
 * Fixed slots, each holding a copy of the frame (already rewritten for
 * relaying) in a frame pool (frame-pool.ts: the transport's shared one, or
 * one of slots x frameBytes of its own), each with its deadline (equal
 * deadlines FIFO by a schedule sequence number). The slots are few, so the
 * earliest is found by a scan: O(slots), with no heap of its own to keep.
 * Full policy (every slot busy, or the pool cannot hold the frame):
 * refuse the newcomer (`MeshQueueFull`, counted by the caller). Cancellation looks the frame up by (source, counter), O(slots).
 * Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { FramePool, framePoolBlocks } from "./frame-pool";

const RQ_U16_FIELDS = 2;
const RQ_U16_LENGTHS = 0;
const RQ_U16_SOURCES = 1;
const RQ_U8_FIELDS = 4;
const RQ_U8_CLASSES = 0;
const RQ_U8_HOPS = 1;
const RQ_U8_HEARD = 2;
const RQ_U8_USED = 3;
const RQ_F64_FIELDS = 4;
const RQ_F64_COUNTER = 0;
const RQ_F64_HANDLE = 1; // the frame's entry in the pool
const RQ_F64_DEADLINE = 2;
const RQ_F64_SEQUENCE = 3; // order of scheduling: equal deadlines go first in, first out

export class RelayQueue {
  readonly #pool: FramePool;
  readonly #frameBytes: number;
  /** Per-slot fields, 2 per slot (one array: each typed array costs heap slots on XS): lengths, sources. */
  readonly #words: Uint16Array;
  /** Per-slot numbers, 4 per slot (one array: each typed array costs heap slots on XS): counter, pool handle, deadline, sequence. */
  readonly #numbers: Float64Array;
  /** Per-slot fields, 4 per slot (one array: each typed array costs heap slots on XS): classes, hops (taken by our relayed copy), heard (peer relays heard while waiting), used. */
  readonly #bytes: Uint8Array;
  readonly #slots: number;
  #size = 0;
  #sequence = 0;

  /** Frames up to `frameBytes`, kept in `pool` (default: a pool of its own that holds every slot's largest frame). */
  static create(slots: number, frameBytes: number, pool?: FramePool): Result<RelayQueue> {
    if ((slots | 0) !== slots || slots < 1 || slots > 4096) return err(ErrorCode.InvalidArgument);
    if ((frameBytes | 0) !== frameBytes || frameBytes < 1 || frameBytes > 0xffff) return err(ErrorCode.InvalidArgument);
    const own = pool === undefined ? FramePool.create(slots * framePoolBlocks(frameBytes)) : ok(pool);
    if (!own.ok) return own;
    return ok(new RelayQueue(slots, frameBytes, own.value));
  }

  private constructor(slots: number, frameBytes: number, pool: FramePool) {
    this.#slots = slots;
    this.#frameBytes = frameBytes;
    this.#pool = pool;
    this.#words = new Uint16Array(slots * RQ_U16_FIELDS);
    this.#numbers = new Float64Array(slots * RQ_F64_FIELDS);
    this.#bytes = new Uint8Array(slots * RQ_U8_FIELDS);
  }

  get size(): number {
    return this.#size;
  }
  get capacity(): number {
    return this.#slots;
  }
  get frameBytes(): number {
    return this.#frameBytes;
  }

  /** Copy the frame of `slot` into out[0 ..]; returns its length. */
  readFrame(slot: number, out: Uint8Array): number {
    const length = this.lengthAt(slot);
    this.#pool.read(this.handleAt(slot), 0, out, 0, length);
    return length;
  }

  /**
   * Schedule a copy of frame[0 .. lengthBytes) for `deadlineMs`. Returns the
   * slot, or -MeshQueueFull / -MeshFrameOversized.
   */
  schedule(frame: Uint8Array, lengthBytes: number, source: number, counter: number, trafficClass: number, hopsTaken: number, deadlineMs: number): ValueOrCode {
    if (lengthBytes > this.#frameBytes) return -ErrorCode.MeshFrameOversized;
    let slot = -1;
    for (let s = 0; s < this.#slots; s++) {
      if (this.#bytes[s * RQ_U8_FIELDS + RQ_U8_USED] !== 1) {
        slot = s;
        break;
      }
    }
    if (slot < 0) return -ErrorCode.MeshQueueFull;
    const handle = this.#pool.store(frame, 0, lengthBytes);
    if (handle < 0) return -ErrorCode.MeshQueueFull;
    this.#numbers[slot * RQ_F64_FIELDS + RQ_F64_HANDLE] = handle;
    this.#numbers[slot * RQ_F64_FIELDS + RQ_F64_DEADLINE] = deadlineMs;
    this.#numbers[slot * RQ_F64_FIELDS + RQ_F64_SEQUENCE] = this.#sequence++;
    this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_USED] = 1;
    this.#words[slot * RQ_U16_FIELDS + RQ_U16_LENGTHS] = lengthBytes;
    this.#words[slot * RQ_U16_FIELDS + RQ_U16_SOURCES] = source;
    this.#numbers[slot * RQ_F64_FIELDS + RQ_F64_COUNTER] = counter;
    this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_CLASSES] = trafficClass;
    this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_HOPS] = hopsTaken;
    this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_HEARD] = 0;
    this.#size++;
    return slot;
  }

  /**
   * A copy of (source, counter) with `hopsTaken` was heard while its relay
   * waits. A copy from as far as our relay would be (or farther) is a peer's
   * relay; after `threshold` of them the relay is cancelled. Copies from
   * upstream (fewer hops) tell nothing about coverage and are ignored.
   * Ok (cancelled), NotFound (no such relay), or Empty (kept).
   */
  heardCopy(source: number, counter: number, hopsTaken: number, threshold: number): Status {
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_USED] !== 1 || this.#words[slot * RQ_U16_FIELDS + RQ_U16_SOURCES] !== source || this.counterAt(slot) !== counter) continue;
      if (hopsTaken < (this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_HOPS] ?? 0)) return ErrorCode.Empty;
      const heard = (this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_HEARD] ?? 0) + 1;
      this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_HEARD] = heard;
      if (heard < threshold) return ErrorCode.Empty;
      this.release(slot);
      return ErrorCode.Ok;
    }
    return ErrorCode.NotFound;
  }

  /** Whether a relay of (source, counter) is waiting. */
  has(source: number, counter: number): boolean {
    if (this.#size === 0) return false;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_USED] === 1 && this.#words[slot * RQ_U16_FIELDS + RQ_U16_SOURCES] === source && this.counterAt(slot) === counter) return true;
    }
    return false;
  }

  /** Cancel the relay of (source, counter) outright. Ok or NotFound. */
  cancel(source: number, counter: number): Status {
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_USED] === 1 && this.#words[slot * RQ_U16_FIELDS + RQ_U16_SOURCES] === source && this.counterAt(slot) === counter) {
        this.release(slot);
        return ErrorCode.Ok;
      }
    }
    return ErrorCode.NotFound;
  }

  /** Earliest deadline, or +Infinity when empty. */
  nextDeadlineMs(): number {
    const first = this.earliest();
    return first < 0 ? Number.POSITIVE_INFINITY : this.deadlineAt(first);
  }

  /** The slot of the earliest relay if due by `nowMs` (still queued), else -NotFound. */
  peekDue(nowMs: number): ValueOrCode {
    const first = this.earliest();
    return first < 0 || this.deadlineAt(first) > nowMs ? -ErrorCode.NotFound : first;
  }

  /** The earliest due relay of class `trafficClass` by `nowMs`, else -NotFound. O(slots). */
  dueOfClass(nowMs: number, trafficClass: number): ValueOrCode {
    let best = -1;
    let bestDeadline = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_USED] !== 1 || this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_CLASSES] !== trafficClass) continue;
      const deadline = this.deadlineAt(slot);
      if (deadline <= nowMs && deadline < bestDeadline) {
        best = slot;
        bestDeadline = deadline;
      }
    }
    return best < 0 ? -ErrorCode.NotFound : best;
  }

  /** Remove a slot (sent, dropped or cancelled). */
  release(slot: number): void {
    if (this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_USED] !== 1) return;
    this.#pool.release(this.handleAt(slot));
    this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_USED] = 0;
    this.#size--;
  }

  lengthAt(slot: number): number {
    return this.#words[slot * RQ_U16_FIELDS + RQ_U16_LENGTHS] ?? 0;
  }
  classAt(slot: number): number {
    return this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_CLASSES] ?? 0;
  }
  sourceAt(slot: number): number {
    return this.#words[slot * RQ_U16_FIELDS + RQ_U16_SOURCES] ?? 0;
  }
  counterAt(slot: number): number {
    return this.#numbers[slot * RQ_F64_FIELDS + RQ_F64_COUNTER] ?? 0;
  }

  deadlineAt(slot: number): number {
    return this.#numbers[slot * RQ_F64_FIELDS + RQ_F64_DEADLINE] ?? Number.POSITIVE_INFINITY;
  }

  /** The used slot with the earliest deadline, the first scheduled among equals; -1 when none. */
  private earliest(): number {
    let best = -1;
    for (let slot = 0; slot < this.#slots; slot++) {
      if (this.#bytes[slot * RQ_U8_FIELDS + RQ_U8_USED] !== 1) continue;
      if (best < 0 || this.deadlineAt(slot) < this.deadlineAt(best) || (this.deadlineAt(slot) === this.deadlineAt(best) && this.sequenceAt(slot) < this.sequenceAt(best))) best = slot;
    }
    return best;
  }

  private sequenceAt(slot: number): number {
    return this.#numbers[slot * RQ_F64_FIELDS + RQ_F64_SEQUENCE] ?? 0;
  }

  private handleAt(slot: number): number {
    return this.#numbers[slot * RQ_F64_FIELDS + RQ_F64_HANDLE] ?? -1;
  }
}
