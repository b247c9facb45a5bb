/**
 * The mesh transport satisfies the Transport port (core/mesh/transport-port.ts)
 * structurally: core may not import agent/, so this test (which may import
 * both) is where the two meet. The assignment below is checked by tsc; the
 * test then drives the transport through the port alone.
 */
import { describe, expect, it } from "vitest";
import { BROADCAST_ID, TrafficClass, type Transport } from "../../../core/mesh/transport-port";
import { BROADCAST_NODE_ID, LinkClass } from "../../../core/mesh/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { carry, makeNode } from "./fixtures";

describe("MeshTransport as the agent's Transport port", () => {
  it("is assignable to Transport and shares its constants", () => {
    const node = makeNode(1);
    const port: Transport = node.transport;
    expect(port.nodeId).toBe(1);
    expect(port.maxMessageBytes).toBe(4096);
    expect(BROADCAST_ID).toBe(BROADCAST_NODE_ID);
    expect([TrafficClass.Control, TrafficClass.Alert, TrafficClass.Telemetry]).toEqual([LinkClass.Control, LinkClass.Alert, LinkClass.Telemetry]);
  });

  it("send copies the bytes (the caller may reuse its buffer at once), poll hands out each message once", () => {
    const a = makeNode(1);
    const b = makeNode(2);
    const sender: Transport = a.transport;
    const receiver: Transport = b.transport;
    const buffer = Uint8Array.from([1, 2, 3, 4]);
    expect(sender.send(BROADCAST_ID, TrafficClass.Alert, buffer, 0, 4, false, 0)).toBe(ErrorCode.Ok);
    buffer.fill(9);
    sender.tick(0);
    carry(a, [b]);
    receiver.tick(1);
    const got: number[][] = [];
    expect(receiver.poll(10, (source, cls, bytes, offset, length) => got.push([source, cls, ...bytes.slice(offset, offset + length)]))).toBe(1);
    expect(receiver.poll(10, () => got.push([]))).toBe(0);
    expect(got).toEqual([[1, TrafficClass.Alert, 1, 2, 3, 4]]);
  });

  it("reports an acknowledged send's final outcome through onSendOutcome", () => {
    const a = makeNode(1, { config: { retriesMax: 0, ackTimeoutMs: 100 } });
    const port: Transport = a.transport;
    const outcomes: [number, number, number][] = [];
    port.onSendOutcome((destination, messageId, status) => outcomes.push([destination, messageId, status]));
    port.send(7, TrafficClass.Control, new Uint8Array(3), 0, 3, true, 1234);
    for (let t = 0; t < 1000; t++) port.tick(t);
    expect(outcomes).toEqual([[7, 1234, ErrorCode.MeshAckTimeout]]);
  });
});
