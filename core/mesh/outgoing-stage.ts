/**
 * The message a traffic class is sending, fragment by fragment (README "Mesh transport").
 *
 * One per class, so a held or half-sent telemetry message never blocks an
 * alert: the transmitter picks, per transmit opportunity, the highest class
 * with something ready. An unacknowledged message is copied out of its
 * queue into the stage's own buffer; an acknowledged one stays in its
 * pending slot (pending-sends.ts) and the stage refers to it.
 */
export const StageKind = Object.freeze({ None: 0, Inline: 1, Pending: 2 } as const);

export class OutgoingStage {
  readonly trafficClass: number;
  /** Inline message bytes (sized to the class queue's largest record). */
  readonly buffer: Uint8Array;
  kind: number = StageKind.None;
  destination = 0;
  /** Wire message id (acknowledged or fragmented messages), else 0. */
  messageId = 0;
  ack = false;
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

  constructor(trafficClass: number, bufferBytes: number) {
    this.trafficClass = trafficClass;
    this.buffer = new Uint8Array(bufferBytes);
  }

  get active(): boolean {
    return this.kind !== StageKind.None;
  }

  clear(): void {
    this.kind = StageKind.None;
    this.slot = -1;
  }
}
