/**
 * Test-only transport: every node on one in-memory bus, each message
 * delivered whole to its destination's inbox (no loss, no delay beyond the
 * receiver's next mesh tick), acknowledged sends reported Ok at the sender's
 * next tick. Lets several device entry points exchange telemetry in one
 * process, on V8 or on XS. Fixed capacity; platform neutral.
 */
import { ErrorCode } from "../../core/runtime/errors";
import type { Status } from "../../core/runtime/result";
import type { Delivery, Transport, TrafficClass } from "../../core/mesh/transport-port";

const INBOX = 32;

export class Bus {
  readonly members = new Map<number, BusTransport>();
  sent = 0;
  refused = 0;

  join(nodeId: number, maxMessageBytes: number): BusTransport {
    const transport = new BusTransport(this, nodeId, maxMessageBytes);
    this.members.set(nodeId, transport);
    return transport;
  }
}

export class BusTransport implements Transport {
  readonly nodeId: number;
  readonly maxMessageBytes: number;
  readonly #bus: Bus;
  readonly #bytes: Uint8Array;
  readonly #length = new Uint16Array(INBOX);
  readonly #source = new Uint16Array(INBOX);
  readonly #class = new Uint8Array(INBOX);
  #head = 0;
  #count = 0;
  readonly #outcomeDestination = new Uint16Array(INBOX);
  readonly #outcomeId = new Float64Array(INBOX);
  /** Acknowledged sends so far; the first #reported of them are the outcome batch (reported at a tick). */
  #outcomes = 0;
  #reported = 0;

  constructor(bus: Bus, nodeId: number, maxMessageBytes: number) {
    this.#bus = bus;
    this.nodeId = nodeId;
    this.maxMessageBytes = maxMessageBytes;
    this.#bytes = new Uint8Array(INBOX * maxMessageBytes);
  }

  send(destinationId: number, trafficClass: TrafficClass, bytes: Uint8Array, offset: number, length: number, ackRequested: boolean, messageId: number): Status {
    const to = this.#bus.members.get(destinationId);
    if (to === undefined || length > this.maxMessageBytes || (ackRequested && this.#outcomes === INBOX) || !to.accept(this.nodeId, trafficClass, bytes, offset, length)) {
      this.#bus.refused++;
      return ErrorCode.Full;
    }
    this.#bus.sent++;
    if (ackRequested) {
      this.#outcomeDestination[this.#outcomes] = destinationId;
      this.#outcomeId[this.#outcomes] = messageId;
      this.#outcomes++;
    }
    return ErrorCode.Ok;
  }

  accept(source: number, trafficClass: number, bytes: Uint8Array, offset: number, length: number): boolean {
    if (this.#count === INBOX) return false;
    const at = (this.#head + this.#count) % INBOX;
    for (let i = 0; i < length; i++) this.#bytes[at * this.maxMessageBytes + i] = bytes[offset + i] ?? 0;
    this.#length[at] = length;
    this.#source[at] = source;
    this.#class[at] = trafficClass;
    this.#count++;
    return true;
  }

  takeDelivery(out: Delivery): boolean {
    if (this.#count === 0) return false;
    const at = this.#head;
    this.#head = (at + 1) % INBOX;
    this.#count--;
    out.sourceId = this.#source[at] ?? 0;
    out.trafficClass = this.#class[at] ?? 0;
    out.bytes = this.#bytes;
    out.offset = at * this.maxMessageBytes;
    out.length = this.#length[at] ?? 0;
    return true;
  }

  get outcomeCount(): number {
    return this.#reported;
  }

  outcomeDestination(i: number): number {
    return i < this.#reported ? (this.#outcomeDestination[i] ?? 0) : 0;
  }

  outcomeMessageId(i: number): number {
    return i < this.#reported ? (this.#outcomeId[i] ?? 0) : 0;
  }

  outcomeStatus(_i: number): Status {
    return ErrorCode.Ok;
  }

  advanceOutcomes(): void {
    const left = this.#outcomes - this.#reported;
    this.#outcomeDestination.copyWithin(0, this.#reported, this.#outcomes);
    this.#outcomeId.copyWithin(0, this.#reported, this.#outcomes);
    this.#outcomes = left;
    this.#reported = 0;
  }

  /** No shared channel is modelled: never busy. */
  busyPermille(_nowMs: number): number {
    return 0;
  }

  nextWakeMs(): number {
    return -1;
  }

  onReadable(_handler: () => void): void {
    // The bus is read at the mesh task's period.
  }

  /** Every acknowledged send so far is reported Ok (its outcome joins the batch). */
  tick(_nowMs: number): void {
    this.#reported = this.#outcomes;
  }
}
