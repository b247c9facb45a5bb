/**
 * The uplink wire format (core/uplink/wire.ts): records survive the round trip
 * field by field, and malformed messages are refused with the specific code.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALERT_MESSAGE_BYTES,
  MESSAGE_HEADER_BYTES,
  MessageFlag,
  MessageKind,
  readHeader,
  readRecord,
  recordsPerMessage,
  WIRE_RECORD_BYTES,
  WireHeader,
  WireRecord,
  writeHeader,
  writeRecord,
} from "../../../core/uplink/wire";
import { ErrorCode } from "../../../core/runtime/errors";
import { NO_RULE, RecordKind, TelemetryRecord } from "../../../core/telemetry/record";

function aggregate(channelId: number, atMs: number, min: number, max: number, mean: number, count: number, errors: number): TelemetryRecord {
  const r = new TelemetryRecord();
  r.reset(RecordKind.Aggregate, channelId, atMs);
  r.endMs = atMs + 30_000;
  r.min = min;
  r.max = max;
  r.mean = mean;
  r.count = count;
  r.errors = errors;
  return r;
}

describe("uplink wire format", () => {
  it("is 12 header bytes plus 28 per record; an alert message is 40 bytes", () => {
    expect(MESSAGE_HEADER_BYTES).toBe(12);
    expect(WIRE_RECORD_BYTES).toBe(28);
    expect(ALERT_MESSAGE_BYTES).toBe(40);
    expect(recordsPerMessage(192)).toBe(6);
    expect(recordsPerMessage(40)).toBe(1);
  });

  it("round-trips a telemetry batch field by field (aggregates: mean, min, max, count, errors, span)", () => {
    const out = new Uint8Array(MESSAGE_HEADER_BYTES + 2 * WIRE_RECORD_BYTES);
    writeHeader(out, 0, MessageKind.Telemetry, 2, 0, 0x1234, 0xfedc_ba98);
    writeRecord(out, 0, 0, aggregate(9, 60_000, -5_000, 35_000, 21_123, 30, 2));
    writeRecord(out, 0, 1, aggregate(8, 2 ** 32 + 7, 0, 1, 0, 70_000, 300));
    const header = new WireHeader();
    expect(readHeader(out, 0, out.length, header)).toBe(ErrorCode.Ok);
    expect({ ...header }).toEqual({ kind: MessageKind.Telemetry, count: 2, flags: 0, incarnation: 0x1234, seq: 0xfedc_ba98 });
    const record = new WireRecord();
    expect(readRecord(out, 0, header.kind, 0, record)).toBe(ErrorCode.Ok);
    expect({ ...record }).toEqual({ kind: RecordKind.Aggregate, errors: 2, channelId: 9, ruleId: NO_RULE, count: 30, atMs: 60_000, value: 21_123, a: -5_000, b: 35_000, spanMs: 30_000 });
    expect(readRecord(out, 0, header.kind, 1, record)).toBe(ErrorCode.Ok);
    // Times wrap at 2^32 ms; counts and errors saturate.
    expect(record.atMs).toBe(7);
    expect(record.count).toBe(0xffff);
    expect(record.errors).toBe(0xff);
  });

  it("round-trips an alert with its raise time, rule, measured value and threshold", () => {
    const r = new TelemetryRecord();
    r.reset(RecordKind.AlertRaised, 1, 123_456);
    r.ruleId = 8;
    r.value = 31_250;
    r.threshold = 30_000;
    const out = new Uint8Array(ALERT_MESSAGE_BYTES);
    writeHeader(out, 0, MessageKind.Alert, 1, MessageFlag.ResentAfterReboot, 3, 17);
    writeRecord(out, 0, 0, r);
    const header = new WireHeader();
    const record = new WireRecord();
    expect(readHeader(out, 0, out.length, header)).toBe(ErrorCode.Ok);
    expect(header.flags).toBe(MessageFlag.ResentAfterReboot);
    expect(readRecord(out, 0, header.kind, 0, record)).toBe(ErrorCode.Ok);
    expect([record.kind, record.ruleId, record.atMs, record.value, record.a, record.b, record.spanMs]).toEqual([RecordKind.AlertRaised, 8, 123_456, 31_250, 30_000, 0, 0]);
  });

  it("refuses malformed messages with AgentMessageMalformed", () => {
    const good = new Uint8Array(ALERT_MESSAGE_BYTES);
    const r = new TelemetryRecord();
    r.reset(RecordKind.AlertRaised, 0, 5);
    writeHeader(good, 0, MessageKind.Alert, 1, 0, 1, 1);
    writeRecord(good, 0, 0, r);
    const header = new WireHeader();
    const record = new WireRecord();
    const mutate = (at: number, value: number): Uint8Array => {
      const copy = good.slice();
      copy[at] = value;
      return copy;
    };
    expect(readHeader(good, 0, 11, header)).toBe(ErrorCode.AgentMessageMalformed); // short
    expect(readHeader(good, 0, 39, header)).toBe(ErrorCode.AgentMessageMalformed); // length not header + count x 28
    expect(readHeader(mutate(0, 2), 0, 40, header)).toBe(ErrorCode.AgentMessageMalformed); // version
    expect(readHeader(mutate(1, 9), 0, 40, header)).toBe(ErrorCode.AgentMessageMalformed); // kind
    expect(readHeader(mutate(2, 0), 0, 40, header)).toBe(ErrorCode.AgentMessageMalformed); // count 0
    expect(readHeader(mutate(3, 0x80), 0, 40, header)).toBe(ErrorCode.AgentMessageMalformed); // unknown flag
    expect(readHeader(mutate(6, 1), 0, 40, header)).toBe(ErrorCode.AgentMessageMalformed); // reserved
    expect(readHeader(good, 0, 40, header)).toBe(ErrorCode.Ok);
    expect(readRecord(mutate(12, 9), 0, MessageKind.Alert, 0, record)).toBe(ErrorCode.AgentMessageMalformed); // record kind
    expect(readRecord(mutate(12, RecordKind.Aggregate), 0, MessageKind.Alert, 0, record)).toBe(ErrorCode.AgentMessageMalformed); // aggregate in an alert
  });

  it("round-trips any int32 readings and u16 ids (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 0xfffe }), fc.nat(2 ** 32 - 1), (a, b, id, atMs) => {
        const out = new Uint8Array(MESSAGE_HEADER_BYTES + WIRE_RECORD_BYTES);
        writeHeader(out, 0, MessageKind.Telemetry, 1, 0, id, atMs);
        writeRecord(out, 0, 0, aggregate(id, atMs, a, b, a, 1, 0));
        const header = new WireHeader();
        const record = new WireRecord();
        expect(readHeader(out, 0, out.length, header)).toBe(ErrorCode.Ok);
        expect(readRecord(out, 0, header.kind, 0, record)).toBe(ErrorCode.Ok);
        expect([header.incarnation, header.seq, record.channelId, record.atMs, record.value, record.a, record.b]).toEqual([id, atMs, id, atMs, a, a, b]);
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
