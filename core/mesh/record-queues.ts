/**
 * The transport's FIFO queues of byte records (README "Mesh transport"): per
 * traffic class the messages waiting to be sent, the delivered messages
 * waiting for `takeDelivery`, and the control frames (acks, NACKs, HopAcks,
 * beacons) waiting to go. Their records live in the frame store
 * (frame-pool.ts), beside every other frame the mesh keeps, instead of in
 * one ring per queue sized for its worst case: a queue costs RAM only for
 * what it holds.
 *
 * Each queue keeps its configured byte budget exactly as a ring of that many
 * bytes would (core/collections/byte-ring.ts): a record of n bytes counts
 * n + 1 (n + 2 when the queue's largest record is above 255 bytes), a record
 * above the queue's largest is refused (TooLarge), and one that would take the
 * queue past its budget is refused (Full) and leaves it unchanged. A record
 * the budget admits but the store cannot hold is refused too (Full; the
 * store counts it in its refusedCount), as any table's newcomer is.
 *
 * A store entry is: the next entry's handle (u16 big-endian, END for none),
 * the record's length (u16), the record's bytes. The queues' state is
 * QUEUE_FIELDS int32 per queue in a region of the transport's arena
 * (arena.ts). Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import type { FramePool } from "./frame-pool";
import { arenaOr, type Arena } from "./arena";

/** Bytes of a store entry before its record (next handle, length). */
export const RECORD_ENTRY_HEADER_BYTES = 4;
/** Largest record (a u16 length) and largest budget (as a ring's). */
export const RECORD_BYTES_MAX = 0xffff;
export const RECORD_QUEUE_BUDGET_MAX = 1 << 24;
const END = 0xffff;

const QUEUE_FIELDS = 6;
const Q_HEAD = 0;
const Q_TAIL = 1;
const Q_COUNT = 2;
/** Budget used, length prefixes included (as a ring counts them). */
const Q_USED = 3;
const Q_BUDGET = 4;
const Q_MAX_RECORD = 5;

export interface RecordQueueLimits {
  /** The queue's byte budget (what a ring of its own would hold). */
  readonly budgetBytes: number;
  /** Its largest record, 0..65535; at most budgetBytes less its length prefix. */
  readonly maxRecordBytes: number;
}

export class RecordQueues {
  private readonly pool_: FramePool;
  private readonly view_: Arena;
  private readonly base_: number;

  /** Bytes of arena the queues' state takes (arena.ts): the queue count, then each queue's fields. */
  static bytesFor(queues: number): number {
    return 4 + 4 * QUEUE_FIELDS * queues;
  }

  /**
   * InvalidArgument for a limit out of range (as ByteRing.create refuses it). The state lives in
   * `arena` from `base` (default: an arena of its own).
   */
  static create(pool: FramePool, limits: readonly RecordQueueLimits[], arena?: Arena, base = 0): Result<RecordQueues> {
    if (limits.length < 1 || limits.length > 16) return err(ErrorCode.InvalidArgument);
    for (let i = 0; i < limits.length; i++) {
      const { budgetBytes, maxRecordBytes } = limits[i] ?? { budgetBytes: -1, maxRecordBytes: -1 };
      const recordOk = (maxRecordBytes >>> 0) === maxRecordBytes && maxRecordBytes <= RECORD_BYTES_MAX;
      if (!recordOk || (budgetBytes | 0) !== budgetBytes || budgetBytes < prefixFor(maxRecordBytes) + maxRecordBytes || budgetBytes > RECORD_QUEUE_BUDGET_MAX) return err(ErrorCode.InvalidArgument);
    }
    const view = arenaOr(RecordQueues.bytesFor(limits.length), arena);
    return ok(new RecordQueues(pool, limits, view, base));
  }

  private constructor(pool: FramePool, limits: readonly RecordQueueLimits[], view: Arena, base: number) {
    this.pool_ = pool;
    this.view_ = view;
    this.base_ = base;
    view.setInt32(base, limits.length);
    for (let i = 0; i < limits.length; i++) {
      this.set_(i, Q_HEAD, END);
      this.set_(i, Q_TAIL, END);
      this.set_(i, Q_COUNT, 0);
      this.set_(i, Q_USED, 0);
      this.set_(i, Q_BUDGET, limits[i]?.budgetBytes ?? 0);
      this.set_(i, Q_MAX_RECORD, limits[i]?.maxRecordBytes ?? 0);
    }
  }

  /**
   * Field `field` of queue `queue`'s state. A queue that does not exist holds nothing and takes
   * nothing: its head and tail read END, its other fields 0, and writes to it are dropped.
   */
  private get_(queue: number, field: number): number {
    if (!this.exists_(queue)) return field === Q_HEAD || field === Q_TAIL ? END : 0;
    return this.view_.getInt32(this.base_ + 4 * (1 + queue * QUEUE_FIELDS + field));
  }
  private set_(queue: number, field: number, value: number): void {
    if (this.exists_(queue)) this.view_.setInt32(this.base_ + 4 * (1 + queue * QUEUE_FIELDS + field), value);
  }
  private exists_(queue: number): boolean {
    return (queue >>> 0) === queue && queue < this.view_.getInt32(this.base_);
  }

  /** Records in queue `queue`. */
  count(queue: number): number {
    return this.get_(queue, Q_COUNT);
  }
  /** Budget used, length prefixes included. */
  bytesUsed(queue: number): number {
    return this.get_(queue, Q_USED);
  }
  maxRecordBytes(queue: number): number {
    return this.get_(queue, Q_MAX_RECORD);
  }
  /** Would the budget take a record of `length` bytes now (the store aside)? A record costs its bytes and a length prefix (1, or 2 when the largest record is above 255). */
  hasRoom(queue: number, length: number): boolean {
    return this.bytesUsed(queue) + prefixFor(this.maxRecordBytes(queue)) + length <= this.get_(queue, Q_BUDGET);
  }

  /**
   * Add a record of `length` bytes at the tail (contents unspecified: the
   * caller writes them before anything else touches the queue). Its handle,
   * or -TooLarge (above the largest record), -Full (budget or store).
   */
  append(queue: number, length: number): ValueOrCode {
    if ((length >>> 0) !== length || length > this.get_(queue, Q_MAX_RECORD)) return -ErrorCode.TooLarge;
    if (!this.hasRoom(queue, length)) return -ErrorCode.Full;
    const pool = this.pool_;
    const handle = pool.allocate(RECORD_ENTRY_HEADER_BYTES + length);
    if (handle < 0) return -ErrorCode.Full;
    setLink(pool, handle, END);
    pool.writeByte(handle, 2, length >>> 8);
    pool.writeByte(handle, 3, length & 0xff);
    const tail = this.get_(queue, Q_TAIL);
    if (tail === END) this.set_(queue, Q_HEAD, handle);
    else setLink(pool, tail, handle);
    this.set_(queue, Q_TAIL, handle);
    this.set_(queue, Q_COUNT, this.get_(queue, Q_COUNT) + 1);
    this.set_(queue, Q_USED, this.get_(queue, Q_USED) + prefixFor(this.maxRecordBytes(queue)) + length);
    return handle;
  }

  /** The oldest record's handle, or -1 when the queue is empty. */
  head(queue: number): number {
    const handle = this.get_(queue, Q_HEAD);
    return handle === END ? -1 : handle;
  }

  /** Length of the record at `handle`. */
  recordLength(handle: number): number {
    return (this.pool_.readByte(handle, 2) << 8) | this.pool_.readByte(handle, 3);
  }

  /** Byte `at` of the record at `handle`. */
  readByte(handle: number, at: number): number {
    return this.pool_.readByte(handle, RECORD_ENTRY_HEADER_BYTES + at);
  }
  /** Big-endian u16 at byte `at` of the record. */
  readU16(handle: number, at: number): number {
    return (this.readByte(handle, at) << 8) | this.readByte(handle, at + 1);
  }
  writeByte(handle: number, at: number, value: number): void {
    this.pool_.writeByte(handle, RECORD_ENTRY_HEADER_BYTES + at, value);
  }
  writeU16(handle: number, at: number, value: number): void {
    this.writeByte(handle, at, value >>> 8);
    this.writeByte(handle, at + 1, value & 0xff);
  }
  /** Copy `length` bytes of the record from byte `at` into out[offset ..]. */
  read(handle: number, at: number, out: Uint8Array, offset: number, length: number): void {
    this.pool_.read(handle, RECORD_ENTRY_HEADER_BYTES + at, out, offset, length);
  }
  /** Copy src[offset .. offset + length) into the record at byte `at`. */
  write(handle: number, at: number, src: Uint8Array, offset: number, length: number): void {
    this.pool_.write(handle, RECORD_ENTRY_HEADER_BYTES + at, src, offset, length);
  }

  /** Remove the oldest record (if any) and give its store entry back. */
  shift(queue: number): void {
    const handle = this.detach(queue);
    if (handle >= 0) this.pool_.release(handle);
  }

  /**
   * Remove the oldest record but keep its store entry: the caller now owns
   * it (reads it at RECORD_ENTRY_HEADER_BYTES + offset, releases it to the
   * frame pool). Its handle, or -1 when the queue is empty.
   */
  detach(queue: number): number {
    const handle = this.get_(queue, Q_HEAD);
    if (handle === END) return -1;
    const pool = this.pool_;
    const next = (pool.readByte(handle, 0) << 8) | pool.readByte(handle, 1);
    this.set_(queue, Q_HEAD, next);
    if (next === END) this.set_(queue, Q_TAIL, END);
    this.set_(queue, Q_COUNT, this.get_(queue, Q_COUNT) - 1);
    this.set_(queue, Q_USED, this.get_(queue, Q_USED) - prefixFor(this.maxRecordBytes(queue)) - this.recordLength(handle));
    return handle;
  }
}

/** An entry's link to the next entry of its queue. */
function setLink(pool: FramePool, handle: number, next: number): void {
  pool.writeByte(handle, 0, next >>> 8);
  pool.writeByte(handle, 1, next & 0xff);
}

function prefixFor(maxRecordBytes: number): number {
  return maxRecordBytes <= 0xff ? 1 : 2;
}

/**
 * Most frame-store blocks a queue's records can take at once: n records of
 * at least `minRecordBytes` each within the budget, each a store entry of
 * at most one block more than its bytes (header included) fill.
 */
export function recordQueueBlocksMax(limits: RecordQueueLimits, minRecordBytes: number, blockBytes: number): number {
  const records = Math.floor(limits.budgetBytes / (prefixFor(limits.maxRecordBytes) + minRecordBytes));
  return records + Math.ceil((records * RECORD_ENTRY_HEADER_BYTES + limits.budgetBytes) / blockBytes);
}
