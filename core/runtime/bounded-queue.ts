/**
 * A bounded FIFO queue between two stages (tasks), with an explicit policy
 * for a full queue (docs/architecture.md "Rules": a documented policy, a
 * metric that counts it, never silent loss and never growth).
 *
 * Items are numbers: values, or slot indices into a Pool (frames, messages),
 * stored in a core/collections RingBuffer of the element type chosen at
 * create.
 *
 * Policies:
 *  - `RefuseNewest`: `push` returns `Full`, the item stays with the producer,
 *    `refusedCount` + 1, and the backpressure signal is raised; the producer
 *    reads and clears it with `takeBackpressure()` (e.g. to slow down or
 *    tell its own upstream).
 *  - `DropOldest`: the oldest item is discarded to make room, `droppedCount` + 1.
 *  - `BlockProducer`: `push` returns `Full` (`refusedCount` + 1) and the
 *    producer task is blocked in the scheduler: it gets no step until the
 *    queue has room again, then it is unblocked (woken). A producer that
 *    must not lose an item asks `waitForRoom()` first: true means push now;
 *    false means it is blocked and should return and retry when it runs again.
 *
 * Attached to a scheduler (Scheduler.attachQueue), a push also wakes the
 * consumer task. At shutdown the scheduler closes intake queues (pushes are
 * then refused with `ShuttingDown`), lets the consumers drain them, and at
 * Stopped discards what is left (counted as dropped) and closes every queue
 * with `Stopped`.
 *
 * Accounting, always (checked by test/conformance/scheduler.props.ts):
 *   pushedCount == poppedCount + droppedCount + refusedCount + length
 * where pushedCount counts every push call. Nothing is allocated after create.
 */
import { FullPolicy } from "../collections/full-policy";
import { RingBuffer, type NumericArrayConstructor } from "../collections/ring-buffer";
import { ErrorCode } from "./errors";
import { err, ok, type Outcome, type Result, type Status } from "./result";

export const QueuePolicy = Object.freeze({
  RefuseNewest: 0,
  DropOldest: 1,
  BlockProducer: 2,
} as const);

export type QueuePolicy = (typeof QueuePolicy)[keyof typeof QueuePolicy];

export function isQueuePolicy(value: number): value is QueuePolicy {
  return value === QueuePolicy.RefuseNewest || value === QueuePolicy.DropOldest || value === QueuePolicy.BlockProducer;
}

/** Largest queue, in items. */
export const BOUNDED_QUEUE_CAPACITY_MAX = 1 << 20;

/** "No task": a queue end without a task. */
export const NO_TASK = -1;

/** What a queue needs from the scheduler (implemented by Scheduler). */
export interface QueueWaker {
  /** An item arrived for `taskId`: make it runnable. */
  wake(taskId: number): Status;
  /** `taskId` must not run until `unblockProducer`. */
  blockProducer(taskId: number): Status;
  unblockProducer(taskId: number): Status;
}

export interface BoundedQueueOptions {
  readonly capacity: number;
  readonly policy: QueuePolicy;
  /** Element type of the storage. Default `Float64Array` (any number); `Uint16Array` suits pool slots. */
  readonly arrayType?: NumericArrayConstructor;
}

export class BoundedQueue {
  private readonly ring_: RingBuffer;
  private readonly policy_: QueuePolicy;
  private waker_: QueueWaker | null = null;
  private producer_ = NO_TASK;
  private consumer_ = NO_TASK;
  private producerBlocked_ = false;
  private backpressure_ = false;
  private closedCode_: Status = ErrorCode.Ok; // Ok while open
  private pushed_ = 0;
  private popped_ = 0;
  private dropped_ = 0;
  private refused_ = 0;
  private blocked_ = 0;

  /** Errors: InvalidArgument (capacity not 1..BOUNDED_QUEUE_CAPACITY_MAX, unknown policy, bad array type). */
  static create(options: BoundedQueueOptions): Result<BoundedQueue> {
    const { capacity, policy } = options;
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > BOUNDED_QUEUE_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!isQueuePolicy(policy)) return err(ErrorCode.InvalidArgument);
    const ringPolicy = policy === QueuePolicy.DropOldest ? FullPolicy.DropOldest : FullPolicy.RefuseNewest;
    const ring = RingBuffer.create(capacity, options.arrayType ?? Float64Array, ringPolicy);
    if (!ring.ok) return err(ring.code);
    return ok(new BoundedQueue(ring.value, policy));
  }

  private constructor(ring: RingBuffer, policy: QueuePolicy) {
    this.ring_ = ring;
    this.policy_ = policy;
  }

  /**
   * Connect to the scheduler: `producer` is blocked under BlockProducer,
   * `consumer` is woken by pushes (NO_TASK for none). Once only: `WrongState`
   * if already bound.
   */
  bind(waker: QueueWaker, producer: number, consumer: number): Status {
    if (this.waker_ !== null) return ErrorCode.WrongState;
    this.waker_ = waker;
    this.producer_ = producer;
    this.consumer_ = consumer;
    return ErrorCode.Ok;
  }

  /**
   * Append `item`. `Ok` (stored; under DropOldest possibly after dropping the
   * oldest), `Full` (RefuseNewest, BlockProducer), or the close code
   * (`ShuttingDown`, `Stopped`) once closed. Every outcome is counted.
   */
  push(item: number): Status {
    this.pushed_++;
    if (this.closedCode_ !== ErrorCode.Ok) {
      this.refused_++;
      return this.closedCode_;
    }
    const ring = this.ring_;
    if (ring.length === ring.capacity) {
      if (this.policy_ === QueuePolicy.DropOldest) this.dropped_++;
      else return this.refuseFull();
    }
    ring.push(item); // cannot be refused: there is room, or the ring drops its oldest
    if (this.consumer_ !== NO_TASK && this.waker_ !== null) this.waker_.wake(this.consumer_);
    return ErrorCode.Ok;
  }

  /** Remove the oldest item into `out`. `Ok` or `Empty`. Unblocks a blocked producer. */
  pop(out: Outcome<number>): Status {
    const status = this.ring_.shift(out);
    if (status !== ErrorCode.Ok) return status;
    this.popped_++;
    if (this.producerBlocked_) this.unblock();
    return ErrorCode.Ok;
  }

  /** The oldest item into `out`, not removed. `Ok` or `Empty`. */
  peek(out: Outcome<number>): Status {
    return this.ring_.peek(out);
  }

  /**
   * For BlockProducer producers: true when a push would be stored now (or
   * the queue is closed, so the push reports that); otherwise the producer
   * is blocked until there is room (counted in `blockedCount`) and false is
   * returned. For the other policies: true unless full.
   */
  waitForRoom(): boolean {
    if (this.closedCode_ !== ErrorCode.Ok) return true;
    if (this.ring_.length < this.ring_.capacity) return true;
    if (this.policy_ === QueuePolicy.BlockProducer) this.block();
    return false;
  }

  /** True if a push was refused (RefuseNewest) since the last call; clears the signal. */
  takeBackpressure(): boolean {
    const raised = this.backpressure_;
    this.backpressure_ = false;
    return raised;
  }

  /** The backpressure signal, without clearing it. */
  get backpressure(): boolean {
    return this.backpressure_;
  }

  /**
   * Refuse every later push with `code` (`ShuttingDown` or `Stopped`); items
   * already stored can still be popped. Unblocks a blocked producer so it can
   * see the refusal. `InvalidArgument` for another code.
   */
  close(code: Status): Status {
    if (code !== ErrorCode.ShuttingDown && code !== ErrorCode.Stopped) return ErrorCode.InvalidArgument;
    this.closedCode_ = code;
    if (this.producerBlocked_) this.unblock();
    return ErrorCode.Ok;
  }

  /** Discard every stored item, counted as dropped. Returns how many. */
  discardAll(): number {
    const count = this.ring_.length;
    this.ring_.clear();
    this.dropped_ += count;
    if (this.producerBlocked_) this.unblock();
    return count;
  }

  get capacity(): number {
    return this.ring_.capacity;
  }
  get length(): number {
    return this.ring_.length;
  }
  get policy(): QueuePolicy {
    return this.policy_;
  }
  /** `Ok` while open, else the code pushes are refused with. */
  get closedCode(): Status {
    return this.closedCode_;
  }
  get producer(): number {
    return this.producer_;
  }
  get consumer(): number {
    return this.consumer_;
  }
  get producerBlocked(): boolean {
    return this.producerBlocked_;
  }
  /** Every push call, whatever became of it. */
  get pushedCount(): number {
    return this.pushed_;
  }
  get poppedCount(): number {
    return this.popped_;
  }
  /** Items discarded: oldest under DropOldest, and leftovers at Stopped. */
  get droppedCount(): number {
    return this.dropped_;
  }
  /** Pushes refused: full (RefuseNewest, BlockProducer) or closed. */
  get refusedCount(): number {
    return this.refused_;
  }
  /** Times the producer was blocked (BlockProducer). */
  get blockedCount(): number {
    return this.blocked_;
  }

  /** `Ok`, or `InvariantViolated` if the accounting identity or the ring is broken. For tests. */
  checkInvariants(): Status {
    if (this.ring_.checkInvariants() !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
    if (this.pushed_ !== this.popped_ + this.dropped_ + this.refused_ + this.ring_.length) return ErrorCode.InvariantViolated;
    if (this.policy_ !== QueuePolicy.DropOldest && this.ring_.droppedCount !== 0) return ErrorCode.InvariantViolated;
    if (this.producerBlocked_ && this.policy_ !== QueuePolicy.BlockProducer) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }

  private refuseFull(): Status {
    this.refused_++;
    if (this.policy_ === QueuePolicy.RefuseNewest) this.backpressure_ = true;
    else this.block();
    return ErrorCode.Full;
  }

  private block(): void {
    if (this.producerBlocked_) return;
    this.blocked_++;
    if (this.waker_ === null || this.producer_ === NO_TASK) return;
    if (this.waker_.blockProducer(this.producer_) === ErrorCode.Ok) this.producerBlocked_ = true;
  }

  private unblock(): void {
    this.producerBlocked_ = false;
    if (this.waker_ !== null) this.waker_.unblockProducer(this.producer_);
  }
}
