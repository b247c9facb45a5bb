/**
 * The uplink wire format: telemetry and alert messages from a board to a
 * gateway. Compact, fixed binary (not CBOR: every field has a fixed place
 * and width, so encoding and decoding are a few byte stores with no
 * allocation and no parser), little-endian, integers only.
 *
 * Message = 12-byte header + `count` records of 28 bytes.
 *
 * Header
 * | offset | size | field        | meaning                                                      |
 * |-------:|-----:|--------------|--------------------------------------------------------------|
 * | 0      | 1    | version      | WIRE_VERSION (1); anything else is refused                    |
 * | 1      | 1    | kind         | 1 telemetry batch (routine records), 2 alert (one record)     |
 * | 2      | 1    | count        | records that follow, 1..WIRE_RECORDS_MAX                      |
 * | 3      | 1    | flags        | bit 0: sent again after the sender rebooted; other bits 0     |
 * | 4      | 2    | incarnation  | sender's boot count mod 2^16 when the message was made        |
 * | 6      | 2    | reserved     | 0                                                             |
 * | 8      | 4    | seq          | sender's message number in that incarnation, from 1           |
 *
 * Record (one core/telemetry TelemetryRecord)
 * | offset | size | field     | Aggregate              | AlertRaised/Cleared | SensorFaultRaised   | SensorFaultCleared |
 * |-------:|-----:|-----------|------------------------|---------------------|---------------------|--------------------|
 * | 0      | 1    | kind      | 1                      | 2 / 3               | 4                   | 5                  |
 * | 1      | 1    | errors    | sensor errors (sat.)   | 0                   | 0                   | 0                  |
 * | 2      | 2    | channelId | channel wire id        | channel wire id     | channel wire id     | channel wire id    |
 * | 4      | 2    | ruleId    | 0xffff                 | rule wire id        | 0xffff              | 0xffff             |
 * | 6      | 2    | count     | samples (saturating)   | 0                   | consecutive errors  | 0                  |
 * | 8      | 4    | atMs      | window start           | sample time (raise) | error time          | sample time        |
 * | 12     | 4    | value     | mean (floor)           | measured q          | last error code     | first good reading |
 * | 16     | 4    | a         | min                    | threshold T         | 0                   | 0                  |
 * | 20     | 4    | b         | max                    | 0                   | 0                   | 0                  |
 * | 24     | 4    | spanMs    | window length          | 0                   | 0                   | 0                  |
 *
 * Times are the sender's monotonic clock (ms since its boot) mod 2^32, so an
 * alert carries its raise time and the gateway can compute the delivery
 * latency once it knows the sender's clock (in the simulator: the kernel's
 * clock model; in the field: time sync). value/a/b are int32, counts u16,
 * ids u16. (source, incarnation, seq) names a message uniquely as long as
 * the incarnation is durable (agent/persistence.ts), which is what the
 * gateway's duplicate filter keys on.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import { NO_RULE, RecordKind, type TelemetryRecord } from "../telemetry/record";

export const WIRE_VERSION = 1;
export const MessageKind = Object.freeze({ Telemetry: 1, Alert: 2 } as const);
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

export const MessageFlag = Object.freeze({ ResentAfterReboot: 1 } as const);

export const MESSAGE_HEADER_BYTES = 12;
export const WIRE_RECORD_BYTES = 28;
/** Most records in one message (the count byte; the transport's message size usually bounds it first). */
export const WIRE_RECORDS_MAX = 255;
/** Bytes of an alert message (one record). */
export const ALERT_MESSAGE_BYTES = MESSAGE_HEADER_BYTES + WIRE_RECORD_BYTES;

/** A decoded header (one reusable object; no allocation per message). */
export class WireHeader {
  kind = 0;
  count = 0;
  flags = 0;
  incarnation = 0;
  seq = 0;
}

/** A decoded record (one reusable object). Field meaning by kind: see the file comment. */
export class WireRecord {
  kind = 0;
  errors = 0;
  channelId = 0;
  ruleId = NO_RULE;
  count = 0;
  atMs = 0;
  value = 0;
  a = 0;
  b = 0;
  spanMs = 0;
}

/** Records of `maxMessageBytes` that fit one message (at least 1 when an alert fits). */
export function recordsPerMessage(maxMessageBytes: number): number {
  const fit = Math.floor((maxMessageBytes - MESSAGE_HEADER_BYTES) / WIRE_RECORD_BYTES);
  return fit < 0 ? 0 : fit > WIRE_RECORDS_MAX ? WIRE_RECORDS_MAX : fit;
}

/** Write a message header at `out[offset ..]`. */
export function writeHeader(out: Uint8Array, offset: number, kind: MessageKind, count: number, flags: number, incarnation: number, seq: number): void {
  out[offset] = WIRE_VERSION;
  out[offset + 1] = kind;
  out[offset + 2] = count & 0xff;
  out[offset + 3] = flags & 0xff;
  writeU16(out, offset + 4, incarnation);
  writeU16(out, offset + 6, 0);
  writeU32(out, offset + 8, seq);
}

/** Encode `record` as record number `index` of the message at `out[offset ..]`. */
export function writeRecord(out: Uint8Array, offset: number, index: number, record: TelemetryRecord): void {
  const at = offset + MESSAGE_HEADER_BYTES + index * WIRE_RECORD_BYTES;
  const aggregate = record.kind === RecordKind.Aggregate;
  out[at] = record.kind & 0xff;
  out[at + 1] = aggregate ? saturate(record.errors, 0xff) : 0;
  writeU16(out, at + 2, record.channelId);
  writeU16(out, at + 4, aggregate ? NO_RULE : record.ruleId);
  writeU16(out, at + 6, saturate(record.count, 0xffff));
  writeU32(out, at + 8, record.atMs % 0x1_0000_0000);
  writeU32(out, at + 12, aggregate ? record.mean : record.value);
  writeU32(out, at + 16, aggregate ? record.min : record.threshold);
  writeU32(out, at + 20, aggregate ? record.max : 0);
  writeU32(out, at + 24, aggregate ? (record.endMs - record.atMs) % 0x1_0000_0000 : 0);
}

/**
 * Check and read the header of `bytes[offset .. offset + length)`.
 * `Ok`, or `AgentMessageMalformed` (short, wrong version, unknown kind, count
 * 0 or not matching the length, an alert with more than one record, flags
 * or reserved bits set). Nothing is allocated.
 */
export function readHeader(bytes: Uint8Array, offset: number, length: number, out: WireHeader): Status {
  if (length < MESSAGE_HEADER_BYTES || offset + length > bytes.length) return ErrorCode.AgentMessageMalformed;
  const kind = bytes[offset + 1] ?? 0;
  const count = bytes[offset + 2] ?? 0;
  const flags = bytes[offset + 3] ?? 0;
  if (bytes[offset] !== WIRE_VERSION || (kind !== MessageKind.Telemetry && kind !== MessageKind.Alert)) return ErrorCode.AgentMessageMalformed;
  if (count === 0 || length !== MESSAGE_HEADER_BYTES + count * WIRE_RECORD_BYTES) return ErrorCode.AgentMessageMalformed;
  if ((kind === MessageKind.Alert && count !== 1) || (flags & ~MessageFlag.ResentAfterReboot) !== 0) return ErrorCode.AgentMessageMalformed;
  if (readU16(bytes, offset + 6) !== 0) return ErrorCode.AgentMessageMalformed;
  out.kind = kind;
  out.count = count;
  out.flags = flags;
  out.incarnation = readU16(bytes, offset + 4);
  out.seq = readU32(bytes, offset + 8);
  return ErrorCode.Ok;
}

/**
 * Read record `index` of a message whose header `readHeader` accepted.
 * `Ok`, or `AgentMessageMalformed` for an unknown record kind, an alert
 * record in a telemetry batch or the reverse.
 */
export function readRecord(bytes: Uint8Array, offset: number, messageKind: number, index: number, out: WireRecord): Status {
  const at = offset + MESSAGE_HEADER_BYTES + index * WIRE_RECORD_BYTES;
  const kind = bytes[at] ?? 0;
  if (kind < RecordKind.Aggregate || kind > RecordKind.SensorFaultCleared) return ErrorCode.AgentMessageMalformed;
  if ((kind === RecordKind.Aggregate) !== (messageKind === MessageKind.Telemetry)) return ErrorCode.AgentMessageMalformed;
  out.kind = kind;
  out.errors = bytes[at + 1] ?? 0;
  out.channelId = readU16(bytes, at + 2);
  out.ruleId = readU16(bytes, at + 4);
  out.count = readU16(bytes, at + 6);
  out.atMs = readU32(bytes, at + 8);
  out.value = readI32(bytes, at + 12);
  out.a = readI32(bytes, at + 16);
  out.b = readI32(bytes, at + 20);
  out.spanMs = readU32(bytes, at + 24);
  return ErrorCode.Ok;
}

function saturate(value: number, max: number): number {
  return value < 0 ? 0 : value > max ? max : value;
}

function writeU16(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

export function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

export function readI32(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24);
}

export function readU32(bytes: Uint8Array, at: number): number {
  return readI32(bytes, at) >>> 0;
}
