/**
 * The gateway role (core/uplink/gateway.ts): records reach the sink, an alert
 * sent twice (lost acknowledgement, reboot) is handed on once, malformed
 * messages are counted and dropped, the duplicate filter stays in capacity.
 */
import { describe, expect, it } from "vitest";
import { GatewayRole } from "../../../core/uplink/gateway";
import { ALERT_MESSAGE_BYTES, MESSAGE_HEADER_BYTES, MessageKind, WIRE_RECORD_BYTES, writeHeader, writeRecord } from "../../../core/uplink/wire";
import { ErrorCode } from "../../../core/runtime/errors";
import { RecordKind, TelemetryRecord } from "../../../core/telemetry/record";
import { RecordingSink, unwrap } from "../../agent/helpers";

function alertMessage(incarnation: number, seq: number, atMs = 1000): Uint8Array {
  const r = new TelemetryRecord();
  r.reset(RecordKind.AlertRaised, 0, atMs);
  const out = new Uint8Array(ALERT_MESSAGE_BYTES);
  writeHeader(out, 0, MessageKind.Alert, 1, 0, incarnation, seq);
  writeRecord(out, 0, 0, r);
  return out;
}

describe("gateway role", () => {
  it("hands every record of a telemetry batch to the sink", () => {
    const sink = new RecordingSink();
    const gateway = unwrap(GatewayRole.create(sink, 8));
    const out = new Uint8Array(MESSAGE_HEADER_BYTES + 3 * WIRE_RECORD_BYTES);
    writeHeader(out, 0, MessageKind.Telemetry, 3, 0, 1, 1);
    for (let i = 0; i < 3; i++) {
      const r = new TelemetryRecord();
      r.reset(RecordKind.Aggregate, i, 0);
      r.count = 10 + i;
      writeRecord(out, 0, i, r);
    }
    expect(gateway.accept(9, out, 0, out.length, 5)).toBe(ErrorCode.Ok);
    expect(sink.telemetry.map((t) => [t.source, t.channelId, t.count])).toEqual([[9, 0, 10], [9, 1, 11], [9, 2, 12]]);
    expect(gateway.records).toBe(3);
  });

  it("hands an alert on once per (source, incarnation, seq), dropping repeats with AgentDuplicateAlert", () => {
    const sink = new RecordingSink();
    const gateway = unwrap(GatewayRole.create(sink, 8));
    expect(gateway.accept(9, alertMessage(1, 1), 0, ALERT_MESSAGE_BYTES, 0)).toBe(ErrorCode.Ok);
    expect(gateway.accept(9, alertMessage(1, 1), 0, ALERT_MESSAGE_BYTES, 0)).toBe(ErrorCode.AgentDuplicateAlert);
    expect(gateway.accept(9, alertMessage(2, 1), 0, ALERT_MESSAGE_BYTES, 0)).toBe(ErrorCode.Ok); // new incarnation
    expect(gateway.accept(10, alertMessage(1, 1), 0, ALERT_MESSAGE_BYTES, 0)).toBe(ErrorCode.Ok); // other source
    expect(sink.alerts).toHaveLength(3);
    expect(gateway.duplicates).toBe(1);
  });

  it("remembers the last dedupEntries alerts and never more (oldest forgotten first)", () => {
    const gateway = unwrap(GatewayRole.create(new RecordingSink(), 4));
    for (let seq = 1; seq <= 10; seq++) gateway.accept(9, alertMessage(1, seq), 0, ALERT_MESSAGE_BYTES, 0);
    expect(gateway.dedupSize).toBe(4);
    expect(gateway.accept(9, alertMessage(1, 10), 0, ALERT_MESSAGE_BYTES, 0)).toBe(ErrorCode.AgentDuplicateAlert);
    expect(gateway.accept(9, alertMessage(1, 1), 0, ALERT_MESSAGE_BYTES, 0)).toBe(ErrorCode.Ok); // forgotten
  });

  it("counts and drops malformed messages without touching the sink", () => {
    const sink = new RecordingSink();
    const gateway = unwrap(GatewayRole.create(sink, 8));
    const bad = alertMessage(1, 1);
    bad[0] = 7;
    expect(gateway.accept(9, bad, 0, ALERT_MESSAGE_BYTES, 0)).toBe(ErrorCode.AgentMessageMalformed);
    expect(gateway.accept(9, new Uint8Array(3), 0, 3, 0)).toBe(ErrorCode.AgentMessageMalformed);
    expect(gateway.malformed).toBe(2);
    expect(sink.alerts).toHaveLength(0);
  });

  it("refuses a bad duplicate-filter size", () => {
    expect(GatewayRole.create(new RecordingSink(), 0)).toEqual({ ok: false, code: ErrorCode.InvalidArgument });
  });
});
