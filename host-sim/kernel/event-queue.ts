/**
 * The discrete-event queue: pending deliveries and timers, earliest first,
 * FIFO among equal times (MinHeap breaks ties by insertion sequence).
 *
 * Every pending event owns one slot of a fixed-capacity Pool: the slot's
 * record holds the event's fields and the slot's stretch of one payload slab
 * holds a delivery's bytes (`maxMessageBytes` per slot). Capacity is fixed at
 * scenario start; a full queue refuses the new event and counts it
 * (`fullCount`), it never grows. Nothing is allocated after `create`.
 */
import { MinHeap } from "../../core/collections/min-heap";
import { Pool } from "../../core/collections/pool";
import type { ValueOrCode } from "../../core/collections/value-or-code";
import { ErrorCode } from "../../core/runtime/errors";
import { err, ok, type Result, type Status } from "../../core/runtime/result";

export const QueuedKind = Object.freeze({
  Deliver: 1,
  Timer: 2,
} as const);

export type QueuedKind = (typeof QueuedKind)[keyof typeof QueuedKind];

/** One pending event. Reused: fields are rewritten for every event in the slot. */
export class QueuedEvent {
  kind: QueuedKind = QueuedKind.Deliver;
  /** Receiver (delivery) or owner (timer). */
  node = 0;
  /** Delivery: sender, link, the link's transmission number, copy (0 first, 1 duplicate). */
  from = 0;
  edge = 0;
  edgeSeq = 0;
  copy = 0;
  lengthBytes = 0;
  /** Delivery: FNV-1a of the bytes as the sender handed them over. */
  checksum = 0;
  /** Timer: timer id and the owner's incarnation when it was armed. */
  timerId = 0;
  incarnation = 0;
}

export class EventQueue {
  readonly #pool: Pool<QueuedEvent>;
  readonly #heap: MinHeap;
  readonly payload: Uint8Array;
  readonly maxMessageBytes: number;
  #highWater = 0;
  #fullCount = 0;

  static create(capacity: number, maxMessageBytes: number): Result<EventQueue> {
    const pool = Pool.create(capacity, () => new QueuedEvent());
    const heap = MinHeap.create(capacity);
    if (!pool.ok || !heap.ok) return err(ErrorCode.InvalidArgument);
    if ((maxMessageBytes | 0) !== maxMessageBytes || maxMessageBytes < 1) return err(ErrorCode.InvalidArgument);
    return ok(new EventQueue(pool.value, heap.value, maxMessageBytes));
  }

  private constructor(pool: Pool<QueuedEvent>, heap: MinHeap, maxMessageBytes: number) {
    this.#pool = pool;
    this.#heap = heap;
    this.maxMessageBytes = maxMessageBytes;
    this.payload = new Uint8Array(pool.capacity * maxMessageBytes);
  }

  get capacity(): number {
    return this.#pool.capacity;
  }

  /** Events pending now. */
  get size(): number {
    return this.#heap.size;
  }

  /** Most events ever pending at once. */
  get highWater(): number {
    return this.#highWater;
  }

  /** Events refused because every slot was taken (lifetime count). */
  get fullCount(): number {
    return this.#fullCount;
  }

  /** A free slot, or `-Full` (counted). Fill `record(slot)`, then `schedule` it. */
  acquire(): ValueOrCode {
    const slot = this.#pool.acquire();
    if (slot < 0) {
      this.#fullCount++;
      return -ErrorCode.Full;
    }
    return slot;
  }

  /** The record of an acquired slot; `undefined` for a free or bad slot. */
  record(slot: number): QueuedEvent | undefined {
    return this.#pool.get(slot);
  }

  /** Offset of `slot`'s payload in `payload`. */
  payloadOffset(slot: number): number {
    return slot * this.maxMessageBytes;
  }

  /** Queue an acquired slot to fire at `timeMs`. */
  schedule(slot: number, timeMs: number): Status {
    const status = this.#heap.push(timeMs, slot);
    if (status === ErrorCode.Ok && this.#heap.size > this.#highWater) this.#highWater = this.#heap.size;
    return status;
  }

  /** Earliest pending time, +Infinity when empty. */
  peekTimeMs(): number {
    return this.#heap.peekDeadline();
  }

  /** Take the earliest slot out of the queue (it stays acquired), or `-Empty`. */
  pop(): ValueOrCode {
    return this.#heap.pop();
  }

  /** Unschedule (if queued) and free `slot`. */
  cancel(slot: number): Status {
    this.#heap.remove(slot);
    return this.#pool.release(slot);
  }

  release(slot: number): Status {
    return this.#pool.release(slot);
  }

  /** `Ok` or `InvariantViolated`: pool, heap and their pairing agree. For tests. */
  checkInvariants(): Status {
    if (this.#pool.checkInvariants() !== ErrorCode.Ok || this.#heap.checkInvariants() !== ErrorCode.Ok) {
      return ErrorCode.InvariantViolated;
    }
    return this.#heap.size <= this.#pool.inUse ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }
}
