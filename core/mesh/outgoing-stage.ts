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
 */
export const StageKind = Object.freeze({ None: 0, Inline: 1, Pending: 2 } as const);

export class OutgoingStage {
  readonly trafficClass: number;
  /** Frame-pool entry of an inline message, -1 for none. */
  handle = -1;
  kind: number = StageKind.None;
  destination = 0;
  /** Wire message id (acknowledged or fragmented messages), else 0. */
  messageId = 0;
  /** Pending slot of an acknowledged message, -1 for inline. */
  slot = -1;
  length = 0;
  /** Fragment count, 0 for a message that fits one frame. */
  fragments = 0;
  /** Next fragment index to send. */
  next = 0;
  /** Sending only the fragments a NACK asked for. */
  resend = false;
  /** Some frame of this attempt followed a learned route. */
  routed = false;
  /** The first frame waits until then (the class's random access delay). */
  notBeforeMs = 0;

  constructor(trafficClass: number) {
    this.trafficClass = trafficClass;
  }

  get active(): boolean {
    return this.kind !== StageKind.None;
  }

  /** An acknowledged message: exactly the ones staged from a pending slot (derived, not kept: each field is a heap slot on XS). */
  get ack(): boolean {
    return this.kind === StageKind.Pending;
  }

  /** The stage is over; the caller has released `handle` (or there is none). */
  clear(): void {
    this.kind = StageKind.None;
    this.slot = -1;
    this.handle = -1;
  }
}
