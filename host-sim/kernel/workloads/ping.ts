/**
 * The reference workload: every node sends one small message per period to a
 * random neighbour (unicast) or to all of them (broadcast); receivers count
 * it and, if asked, answer with a unicast ack.
 *
 * Message layout (little-endian, `messageBytes` long, at least 12):
 *   0      type: 1 ping, 2 ack
 *   1      0 (reserved)
 *   2..3   sender node id (u16)
 *   4..7   sequence number (u32): the ping's own, or the one an ack answers
 *   8..11  sender's clock, low 32 bits
 *   12..   filler: byte i = (sender + seq + i) & 0xff
 * so a receiver (and the invariant) can tell a well-formed message from its
 * sender from anything else.
 *
 * Volatile state (the sequence counter) is lost on a crash, as RAM would be.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import { KernelCounter } from "../counters";
import { SimEventKind, type InvariantFactory, type SimInspect } from "../inspect";
import { CopyOutcome } from "../network";
import type { SimContext, SimNode, SimWorkload } from "../node";
import type { PingWorkloadSpec } from "../scenario";

export const PingCounter = Object.freeze({
  pingsSent: 0,
  pingsReceived: 1,
  acksSent: 2,
  acksReceived: 3,
  badMessages: 4,
  sendFailures: 5,
  boots: 6,
} as const);

export const PING_COUNTER_NAMES: readonly string[] = Object.freeze([
  "pings_sent",
  "pings_received",
  "acks_sent",
  "acks_received",
  "bad_messages",
  "send_failures",
  "boots",
]);

export const PingType = Object.freeze({ Ping: 1, Ack: 2 } as const);

export const PING_HEADER_BYTES = 12;
const PING_TIMER = 0;

/** Write a ping/ack into `out`; returns the length. */
export function encodePing(out: Uint8Array, messageBytes: number, type: number, sender: number, seq: number, clockMs: number): number {
  out[0] = type;
  out[1] = 0;
  out[2] = sender & 0xff;
  out[3] = (sender >>> 8) & 0xff;
  writeU32(out, 4, seq);
  writeU32(out, 8, clockMs % 0x1_0000_0000);
  for (let i = PING_HEADER_BYTES; i < messageBytes; i++) out[i] = (sender + seq + i) & 0xff;
  return messageBytes;
}

function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value & 0xff;
  out[offset + 1] = (value >>> 8) & 0xff;
  out[offset + 2] = (value >>> 16) & 0xff;
  out[offset + 3] = (value >>> 24) & 0xff;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16) | ((bytes[offset + 3] ?? 0) << 24)) >>> 0;
}

/** The claimed sender of a well-formed ping/ack, or -1 for a malformed message. */
export function pingSender(bytes: Uint8Array, lengthBytes: number, messageBytes: number): number {
  if (lengthBytes !== messageBytes || lengthBytes < PING_HEADER_BYTES) return -1;
  const type = bytes[0] ?? 0;
  if ((type !== PingType.Ping && type !== PingType.Ack) || bytes[1] !== 0) return -1;
  const sender = (bytes[2] ?? 0) | ((bytes[3] ?? 0) << 8);
  const seq = readU32(bytes, 4);
  for (let i = PING_HEADER_BYTES; i < lengthBytes; i++) if (bytes[i] !== ((sender + seq + i) & 0xff)) return -1;
  return sender;
}

export class PingNode implements SimNode {
  readonly #spec: PingWorkloadSpec;
  // Decided once: on XS (unpreloaded code) every evaluation of a string literal allocates.
  readonly #broadcast: boolean;
  readonly #buffer: Uint8Array;
  #seq = 0;

  constructor(spec: PingWorkloadSpec) {
    this.#spec = spec;
    this.#broadcast = spec.mode === "broadcast";
    this.#buffer = new Uint8Array(Math.max(spec.messageBytes, PING_HEADER_BYTES));
  }

  onStart(ctx: SimContext): void {
    ctx.count(PingCounter.boots, 1);
    // First ping at a random phase, so nodes do not all talk in the same millisecond.
    ctx.setTimer(PING_TIMER, 1 + ctx.random.nextBelow(this.#spec.periodMs));
  }

  onRestart(ctx: SimContext): void {
    this.onStart(ctx);
  }

  onCrash(): void {
    this.#seq = 0;
  }

  onTimer(ctx: SimContext, timerId: number): void {
    if (timerId !== PING_TIMER) return;
    ctx.setTimer(PING_TIMER, this.#spec.periodMs);
    const spec = this.#spec;
    const seq = this.#seq;
    this.#seq = (seq + 1) >>> 0;
    const length = encodePing(this.#buffer, spec.messageBytes, PingType.Ping, ctx.nodeId, seq, ctx.nowMs());
    let status: number = ErrorCode.Ok;
    if (this.#broadcast) {
      status = ctx.broadcast(this.#buffer, length);
    } else {
      const neighbours = ctx.neighbourCount();
      status = neighbours === 0 ? ErrorCode.SimNoLink : ctx.send(ctx.neighbourAt(ctx.random.nextBelow(neighbours)), this.#buffer, length);
    }
    ctx.count(status === ErrorCode.Ok ? PingCounter.pingsSent : PingCounter.sendFailures, 1);
  }

  onMessage(ctx: SimContext, fromId: number, bytes: Uint8Array, lengthBytes: number): void {
    const spec = this.#spec;
    const sender = pingSender(bytes, lengthBytes, spec.messageBytes);
    if (sender !== fromId) {
      ctx.count(PingCounter.badMessages, 1);
      return;
    }
    if (bytes[0] === PingType.Ack) {
      ctx.count(PingCounter.acksReceived, 1);
      return;
    }
    ctx.count(PingCounter.pingsReceived, 1);
    if (!spec.ack) return;
    const length = encodePing(this.#buffer, spec.messageBytes, PingType.Ack, ctx.nodeId, readU32(bytes, 4), ctx.nowMs());
    const status = ctx.send(fromId, this.#buffer, length);
    ctx.count(status === ErrorCode.Ok ? PingCounter.acksSent : PingCounter.sendFailures, 1);
  }
}

export function createPingWorkload(spec: PingWorkloadSpec): SimWorkload {
  return {
    name: "ping",
    counterNames: PING_COUNTER_NAMES,
    createNode: () => new PingNode(spec),
  };
}

/** Every delivered message is a well-formed ping/ack whose claimed sender is the real sender. */
export function pingClaimedSender(spec: PingWorkloadSpec): InvariantFactory {
  return () => ({
    name: "ping-claimed-sender",
    check(sim: SimInspect): string | undefined {
      const event = sim.event;
      if (event.kind !== SimEventKind.Deliver || event.outcome !== CopyOutcome.Delivered) return undefined;
      const sender = pingSender(event.bytes, event.lengthBytes, spec.messageBytes);
      if (sender === event.from) return undefined;
      return sender < 0
        ? `malformed ${event.lengthBytes}-byte message from node ${event.from} delivered to node ${event.node}`
        : `message from node ${event.from} to node ${event.node} claims sender ${sender}`;
    },
  });
}

/**
 * Per-node counters agree with the kernel: everything handed to a node was
 * counted as a ping, an ack or a bad message; a node never acks more pings
 * than it received; with no duplication anywhere, nobody receives more than
 * was sent.
 */
export function pingCountersConsistent(spec: PingWorkloadSpec): InvariantFactory {
  return (sim: SimInspect) => {
    let anyDuplication = false;
    const duplicatePpm = sim.topology.duplicatePpm;
    for (let edge = 0; edge < duplicatePpm.length; edge++) if ((duplicatePpm[edge] ?? 0) > 0) anyDuplication = true;
    const unicast = spec.mode === "unicast"; // once: see PingNode
    return {
      name: "ping-counters-consistent",
      check(view: SimInspect): string | undefined {
        const node = view.event.node;
        if (node < 0) return undefined;
        const received =
          view.workloadCounter(node, PingCounter.pingsReceived) +
          view.workloadCounter(node, PingCounter.acksReceived) +
          view.workloadCounter(node, PingCounter.badMessages);
        if (received !== view.deliveredTo(node)) return `node ${node} counted ${received} messages but was handed ${view.deliveredTo(node)}`;
        const acks = view.workloadCounter(node, PingCounter.acksSent);
        if (acks > view.workloadCounter(node, PingCounter.pingsReceived)) return `node ${node} sent ${acks} acks for fewer pings`;
        if (anyDuplication) return undefined;
        if (view.workloadTotal(PingCounter.acksReceived) > view.workloadTotal(PingCounter.acksSent)) return "more acks received than sent";
        if (unicast && view.workloadTotal(PingCounter.pingsReceived) > view.workloadTotal(PingCounter.pingsSent)) {
          return "more pings received than sent";
        }
        if (view.counter(KernelCounter.delivered) > view.counter(KernelCounter.transmissions)) return "more deliveries than transmissions";
        return undefined;
      },
    };
  };
}

export function pingInvariants(spec: PingWorkloadSpec): readonly InvariantFactory[] {
  return Object.freeze([pingClaimedSender(spec), pingCountersConsistent(spec)]);
}
