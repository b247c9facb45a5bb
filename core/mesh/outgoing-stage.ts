/**
 * The message a traffic class is sending, fragment by fragment (README "Mesh transport").
 *
 * One per class, so a held or half-sent telemetry message never blocks an
 * alert: the transmitter picks, per transmit opportunity, the highest class
 * with something ready. An unacknowledged message is staged in place: the
 * stage takes over its queue record's frame-store entry (record-queues.ts
 * detach; `handle`, released by the transport when the stage ends); an
 * acknowledged one stays in its pending slot (pending-sends.ts) and the
 * stage refers to it.
 *
 * A stage's fields live in STAGE_BYTES of the transport's arena (arena.ts)
 * and are read through accessors: on XS each field of an object is a heap
 * slot, while the accessors are on the prototype (flash under preload).
 */
import type { Arena } from "./arena";

export const StageKind = Object.freeze({ None: 0, Inline: 1, Pending: 2 } as const);

// Fields at these byte offsets of a stage's region: a double, then int32 each (booleans 0/1).
const S_NOT_BEFORE_MS = 0;
const S_HANDLE = 8;
const S_SLOT = 12;
const S_NEXT = 16;
const S_FRAGMENTS = 20;
const S_LENGTH = 24;
const S_MESSAGE_ID = 28;
const S_DESTINATION = 32;
const S_KIND = 36;
const S_RESEND = 40;
const S_ROUTED = 44;
const S_CLASS = 48;
/** Bytes of arena a stage takes. */
export const STAGE_BYTES = 56;

export class OutgoingStage {
  private readonly view_: Arena;
  private readonly base_: number;

  /** The stage of `trafficClass` in STAGE_BYTES of `arena` from `base` (zeroed; the caller reserved them: ArenaLayout). */
  constructor(trafficClass: number, arena: Arena, base: number) {
    this.view_ = arena;
    this.base_ = base;
    this.setInt_(S_CLASS, trafficClass);
    this.clear();
  }

  get trafficClass(): number {
    return this.int_(S_CLASS);
  }

  /** Frame-pool entry of an inline message, -1 for none. */
  get handle(): number {
    return this.int_(S_HANDLE);
  }
  set handle(value: number) {
    this.setInt_(S_HANDLE, value);
  }

  /** A StageKind. */
  get kind(): number {
    return this.int_(S_KIND);
  }
  set kind(value: number) {
    this.setInt_(S_KIND, value);
  }

  get destination(): number {
    return this.int_(S_DESTINATION);
  }
  set destination(value: number) {
    this.setInt_(S_DESTINATION, value);
  }

  /** Wire message id (acknowledged or fragmented messages), else 0. */
  get messageId(): number {
    return this.int_(S_MESSAGE_ID);
  }
  set messageId(value: number) {
    this.setInt_(S_MESSAGE_ID, value);
  }

  /** Pending slot of an acknowledged message, -1 for inline. */
  get slot(): number {
    return this.int_(S_SLOT);
  }
  set slot(value: number) {
    this.setInt_(S_SLOT, value);
  }

  get length(): number {
    return this.int_(S_LENGTH);
  }
  set length(value: number) {
    this.setInt_(S_LENGTH, value);
  }

  /** Fragment count, 0 for a message that fits one frame. */
  get fragments(): number {
    return this.int_(S_FRAGMENTS);
  }
  set fragments(value: number) {
    this.setInt_(S_FRAGMENTS, value);
  }

  /** Next fragment index to send. */
  get next(): number {
    return this.int_(S_NEXT);
  }
  set next(value: number) {
    this.setInt_(S_NEXT, value);
  }

  /** Sending only the fragments a NACK asked for. */
  get resend(): boolean {
    return this.int_(S_RESEND) !== 0;
  }
  set resend(value: boolean) {
    this.setInt_(S_RESEND, value ? 1 : 0);
  }

  /** Some frame of this attempt followed a learned route. */
  get routed(): boolean {
    return this.int_(S_ROUTED) !== 0;
  }
  set routed(value: boolean) {
    this.setInt_(S_ROUTED, value ? 1 : 0);
  }

  /** The first frame waits until then (the class's random access delay). */
  get notBeforeMs(): number {
    return this.view_.getFloat64(this.base_ + S_NOT_BEFORE_MS);
  }
  set notBeforeMs(value: number) {
    this.view_.setFloat64(this.base_ + S_NOT_BEFORE_MS, value);
  }

  get active(): boolean {
    return this.kind !== StageKind.None;
  }

  /** An acknowledged message: exactly the ones staged from a pending slot (derived, not kept). */
  get ack(): boolean {
    return this.kind === StageKind.Pending;
  }

  /** The stage is over; the caller has released `handle` (or there is none). */
  clear(): void {
    this.kind = StageKind.None;
    this.slot = -1;
    this.handle = -1;
  }

  private int_(at: number): number {
    return this.view_.getInt32(this.base_ + at);
  }
  private setInt_(at: number, value: number): void {
    this.view_.setInt32(this.base_ + at, value);
  }
}
