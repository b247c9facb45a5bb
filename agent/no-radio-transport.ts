/**
 * The transport of an image that has no radio driver yet: every send is
 * refused with `AgentNoRadio` and counted, nothing is ever delivered. The
 * agent keeps sampling, aggregating and holding its alerts (they wait in
 * the pending table and in storage) until a real transport is built in.
 *
 * The mesh (core/mesh over hal/radio) replaces this in agent/moddable/main.ts
 * once it lands; in the simulator, host-sim/site/transport-factory.ts picks
 * the transport.
 */
import { ErrorCode } from "../core/runtime/errors";
import type { Status } from "../core/runtime/result";
import type { DeliverHandler, SendOutcomeHandler, Transport, TrafficClass } from "./transport";

export class NoRadioTransport implements Transport {
  readonly nodeId: number;
  readonly maxMessageBytes: number;
  private refused_ = 0;

  constructor(nodeId: number, maxMessageBytes: number) {
    this.nodeId = nodeId;
    this.maxMessageBytes = maxMessageBytes;
  }

  get refusedCount(): number {
    return this.refused_;
  }

  send(_destinationId: number, _trafficClass: TrafficClass, _bytes: Uint8Array, _offset: number, _length: number, _ackRequested: boolean, _messageId: number): Status {
    this.refused_++;
    return ErrorCode.AgentNoRadio;
  }

  poll(_maxMessages: number, _deliver: DeliverHandler): number {
    return 0;
  }

  onSendOutcome(_handler: SendOutcomeHandler): void {
    // Nothing is ever accepted, so there is never an outcome to report.
  }

  tick(_nowMs: number): void {
    // No timers.
  }

  nextWakeMs(): number {
    return -1;
  }

  onReadable(_handler: () => void): void {
    // Nothing is ever received.
  }
}
