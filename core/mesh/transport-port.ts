/**
 * The port between the agent and the mesh (docs/architecture.md "Data flow").
 *
 * The agent hands whole application messages to a Transport and receives
 * whole messages back; everything below (sealing, fragmentation, routing,
 * duty cycle, retransmission) is the transport's business. core/mesh
 * implements this shape structurally (core may not import agent/); tests and
 * the simulator may provide simpler transports with the same contract.
 *
 * Contract:
 *  - `send` copies the bytes before returning (the caller may reuse its
 *    buffer at once) and never throws. It returns Ok when the message was
 *    accepted for delivery, or a specific code when it was not (queue full for
 *    that class, duty cycle spent, too large, unknown destination ...). Every
 *    refusal is also counted by the transport.
 *  - Accepted is not delivered: delivery is best effort unless `ackRequested`,
 *    in which case the transport retries within a bounded budget and reports
 *    the final outcome in its outcome batch: `outcomeCount` outcomes wait,
 *    read with `outcomeDestination(i)`, `outcomeMessageId(i)` and
 *    `outcomeStatus(i)` (oldest first), until the driver calls
 *    `advanceOutcomes()`. The transport never calls the application back
 *    from inside `send` or `tick` (docs/architecture.md "Rules"); the driver
 *    drains the batch after each call, and until it does an ended send's
 *    slot is not reused.
 *  - Delivered messages are taken one at a time with `takeDelivery(out)`,
 *    which fills the caller's record (source, class, and a view of the
 *    bytes valid until the next call into the transport); the driver takes
 *    them after `tick`, so nothing is called back.
 *  - A message is delivered to the application at most once.
 *  - The driver (driver.ts) sleeps until `nextWakeMs()` or the agent's own
 *    deadline, whichever is first, and is woken early by the handler given
 *    to `onReadable` (the radio's receive interrupt).
 */
import type { MessageId, NodeId } from "../runtime/ids";
import type { Status } from "../runtime/result";

/** Traffic classes, highest priority first (control > alerts > telemetry). */
export const TrafficClass = Object.freeze({ Control: 0, Alert: 1, Telemetry: 2 } as const);
export type TrafficClass = (typeof TrafficClass)[keyof typeof TrafficClass];

/** Destination id meaning "every node in the mesh" (managed flooding). */
export const BROADCAST_ID = 0xffff;

/** A delivered message, as `takeDelivery` fills it: a record the caller owns and reuses (no allocation per message). */
export interface Delivery {
  sourceId: number;
  trafficClass: number;
  /** The message is bytes[offset, offset + length), valid until the next call into the transport. */
  bytes: Uint8Array;
  offset: number;
  length: number;
}

/** A Delivery record for `takeDelivery` to fill: one per caller, made once. */
export function emptyDelivery(): Delivery {
  return { sourceId: 0, trafficClass: 0, bytes: new Uint8Array(0), offset: 0, length: 0 };
}

export interface Transport {
  /** This node's 16-bit mesh id. */
  readonly nodeId: number;
  /** Largest application message accepted by `send`, in bytes. */
  readonly maxMessageBytes: number;

  /**
   * Accept a message for `destinationId` (or BROADCAST_ID). `messageId` is the
   * caller's tag, echoed in the outcome of an acknowledged send.
   */
  send(
    destinationId: NodeId | typeof BROADCAST_ID,
    trafficClass: TrafficClass,
    bytes: Uint8Array,
    offset: number,
    length: number,
    ackRequested: boolean,
    messageId: MessageId,
  ): Status;

  /** Take the next delivered message into `out`: true, or false (out unchanged) when none waits. Each message is taken once. */
  takeDelivery(out: Delivery): boolean;

  /** Acknowledged sends that ended since the last `advanceOutcomes`. */
  readonly outcomeCount: number;
  /** Where outcome `i` (0 = oldest) was going. */
  outcomeDestination(i: number): number;
  /** The caller's `messageId` of outcome `i`. */
  outcomeMessageId(i: number): number;
  /** Outcome `i`: Ok (acknowledged) or the failure code. */
  outcomeStatus(i: number): Status;
  /** Every outcome has been taken: the batch is empty again. */
  advanceOutcomes(): void;

  /** Advance timers (retransmissions, reassembly timeouts, duty-cycle window) to `nowMs`. */
  tick(nowMs: number): void;

  /**
   * When `tick` next has work of its own (clock ms, after the last tick), or
   * -1 when none: the driver sleeps no longer than this.
   */
  nextWakeMs(): number;
  /**
   * How busy the channel was over the last minute as this board saw it
   * (airtime heard and sent, permille; 0 where there is no shared channel):
   * the uplink's congestion signal.
   */
  busyPermille(nowMs: number): number;

  /**
   * Register the handler called when something was received (the radio's
   * receive interrupt: a frame waits to be taken by `tick`); set once
   * by the driver. A transport whose radio cannot interrupt never calls it
   * (the mesh task's period is then its only poll).
   */
  onReadable(handler: () => void): void;
}
