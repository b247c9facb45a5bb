import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { LogLevel, LogRecord, LogRing, decodeLogRecord, logRecordBytes, type LogRingOptions } from "../../../core/runtime/log-ring";
import type { Result } from "../../../core/runtime/result";
import { NdjsonLogReader } from "../../../host-sim/exporters/ndjson";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

function errorCode<T>(result: Result<T>): number {
  return result.ok ? ErrorCode.Ok : result.code;
}

function ring(options: Partial<LogRingOptions> = {}): LogRing {
  return unwrap(LogRing.create({ capacityRecords: 4, fieldCount: 4, ...options }));
}

function counts(r: LogRing): readonly number[] {
  return [r.appendedCount, r.writtenCount, r.droppedCount, r.filteredCount, r.invalidCount, r.readCount, r.size];
}

function readAll(r: LogRing): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = 0; i < r.capacityRecords; i++) {
    const record = new LogRecord();
    if (r.readNext(record) !== ErrorCode.Ok) break;
    out.push(record);
  }
  return out;
}

describe("LogRing.create", () => {
  it("rejects zero capacity, more than four fields and unknown levels with InvalidArgument", () => {
    expect(errorCode(LogRing.create({ capacityRecords: 0, fieldCount: 1 }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(LogRing.create({ capacityRecords: 1.5, fieldCount: 1 }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(LogRing.create({ capacityRecords: 4, fieldCount: 5 }))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(LogRing.create({ capacityRecords: 4, fieldCount: 1, minLevel: 7 as LogLevel }))).toBe(ErrorCode.InvalidArgument);
  });

  it("sizes records as a 24-byte header plus 4 bytes per field, padded to 8", () => {
    expect([0, 1, 2, 3, 4].map(logRecordBytes)).toEqual([24, 32, 32, 40, 40]);
    expect(ring({ fieldCount: 1 }).recordBytes).toBe(32);
  });
});

describe("LogRing.append and readNext", () => {
  it("reads back exactly what was appended, at the extremes of every field", () => {
    const r = ring();
    expect(r.append(LogLevel.Error, 0xffff, 0xffffffff, Number.MAX_SAFE_INTEGER, -0x80000000, 0x7fffffff, -1, 0)).toBe(ErrorCode.Ok);
    const [record] = readAll(r);
    expect(record).toBeDefined();
    expect(record?.seq).toBe(0);
    expect(record?.level).toBe(LogLevel.Error);
    expect(record?.eventCode).toBe(0xffff);
    expect(record?.nodeId).toBe(0xffffffff);
    expect(record?.timeMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(record?.fieldCount).toBe(4);
    expect([...(record?.fields ?? [])]).toEqual([-0x80000000, 0x7fffffff, -1, 0]);
  });

  it("reports Empty from an empty ring without counting a read", () => {
    const r = ring();
    expect(r.readNext(new LogRecord())).toBe(ErrorCode.Empty);
    expect(r.readCount).toBe(0);
  });

  it("when full drops the oldest record, counts it, and the reader sees the gap in seq", () => {
    const r = ring({ capacityRecords: 3, fieldCount: 1 });
    for (let i = 0; i < 5; i++) expect(r.append(LogLevel.Info, 1, 1, i * 10, i)).toBe(ErrorCode.Ok);
    expect(r.droppedCount).toBe(2);
    const records = readAll(r);
    expect(records.map((x) => x.seq)).toEqual([2, 3, 4]);
    expect(records.map((x) => x.fields[0])).toEqual([2, 3, 4]);
  });

  it("counts records below the minimum level as filtered, stores nothing and uses no sequence number", () => {
    const r = ring({ minLevel: LogLevel.Info });
    expect(r.append(LogLevel.Debug, 1, 1, 0)).toBe(ErrorCode.Ok);
    expect(r.append(LogLevel.Trace, 1, 1, 0)).toBe(ErrorCode.Ok);
    expect(r.append(LogLevel.Warn, 2, 1, 0)).toBe(ErrorCode.Ok);
    expect(r.filteredCount).toBe(2);
    expect(r.size).toBe(1);
    expect(readAll(r).map((x) => [x.seq, x.eventCode])).toEqual([[0, 2]]);
  });

  it("applies a new minimum level from setMinLevel and rejects an unknown level with InvalidArgument", () => {
    const r = ring();
    expect(r.setMinLevel(LogLevel.Error)).toBe(ErrorCode.Ok);
    r.append(LogLevel.Warn, 1, 1, 0);
    expect(r.filteredCount).toBe(1);
    expect(r.setMinLevel(5)).toBe(ErrorCode.InvalidArgument);
    expect(r.setMinLevel(-1)).toBe(ErrorCode.InvalidArgument);
    expect(r.minLevel).toBe(LogLevel.Error);
  });

  it("rejects each malformed argument with InvalidArgument, counts it, and stores nothing", () => {
    const r = ring();
    r.append(LogLevel.Info, 1, 1, 0, 1, 2, 3, 4);
    const bad: (() => number)[] = [
      () => r.append(5, 1, 1, 0),
      () => r.append(1.5, 1, 1, 0),
      () => r.append(LogLevel.Info, 0x10000, 1, 0),
      () => r.append(LogLevel.Info, -1, 1, 0),
      () => r.append(LogLevel.Info, 1, 2 ** 32, 0),
      () => r.append(LogLevel.Info, 1, 1, -1),
      () => r.append(LogLevel.Info, 1, 1, 0.5),
      () => r.append(LogLevel.Info, 1, 1, 2 ** 53),
      () => r.append(LogLevel.Info, 1, 1, 0, 2 ** 31),
      () => r.append(LogLevel.Info, 1, 1, 0, 0, 0, 0, 1.5),
      () => r.append(LogLevel.Info, 1, 1, 0, Number.NaN),
    ];
    for (const call of bad) expect(call()).toBe(ErrorCode.InvalidArgument);
    expect(r.invalidCount).toBe(bad.length);
    expect(r.writtenCount).toBe(1);
    expect(r.appendedCount).toBe(bad.length + 1);
    expect(readAll(r).map((x) => [...x.fields])).toEqual([[1, 2, 3, 4]]);
  });

  it("stores only fieldCount fields; arguments past it read back as 0 and are not validated", () => {
    const r = ring({ fieldCount: 2 });
    expect(r.append(LogLevel.Info, 1, 1, 0, 7, 8, 9.5, 10)).toBe(ErrorCode.Ok);
    const [record] = readAll(r);
    expect(record?.fieldCount).toBe(2);
    expect([...(record?.fields ?? [])]).toEqual([7, 8, 0, 0]);
  });

  it("keeps appended == written + filtered + invalid and written == read + dropped + size", () => {
    const r = ring({ capacityRecords: 2, minLevel: LogLevel.Info });
    r.append(LogLevel.Debug, 1, 1, 0);
    r.append(9, 1, 1, 0);
    for (let i = 0; i < 5; i++) r.append(LogLevel.Info, 1, 1, i);
    r.readNext(new LogRecord());
    expect(counts(r)).toEqual([7, 5, 3, 1, 1, 1, 1]);
  });
});

describe("LogRing raw bytes", () => {
  it("lays records out little-endian at the documented offsets", () => {
    const r = ring({ fieldCount: 1 });
    r.append(LogLevel.Warn, 0x0102, 0x03040506, 1, -2);
    r.append(LogLevel.Info, 1, 1, 1);
    const bytes = new Uint8Array(32);
    expect(r.copyOut(bytes, 0, 1)).toBe(1);
    expect([...bytes]).toEqual([
      0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // timeMs 1.0 as float64 LE
      0, 0, 0, 0, 0, 0, 0, 0, // seq 0
      0x06, 0x05, 0x04, 0x03, // nodeId
      0x02, 0x01, // eventCode
      LogLevel.Warn, 1, // level, fieldCount
      0xfe, 0xff, 0xff, 0xff, // field 0 = -2
      0, 0, 0, 0, // padding
    ]);
    expect(r.size).toBe(1);
  });

  it("copies only whole records that fit, from destOffset, and consumes only those", () => {
    const r = ring({ fieldCount: 1 });
    for (let i = 0; i < 3; i++) r.append(LogLevel.Info, 1, 1, i, i);
    const dest = new Uint8Array(5 + 2 * 32 + 31);
    expect(r.copyOut(dest, 5, 10)).toBe(2);
    expect(r.size).toBe(1);
    const record = new LogRecord();
    expect(decodeLogRecord(new DataView(dest.buffer), 5 + 32, record)).toBe(ErrorCode.Ok);
    expect([record.seq, record.fields[0]]).toEqual([1, 1]);
  });

  it("copies nothing for bad arguments or no room", () => {
    const r = ring({ fieldCount: 1 });
    r.append(LogLevel.Info, 1, 1, 0);
    expect(r.copyOut(new Uint8Array(64), -1, 1)).toBe(0);
    expect(r.copyOut(new Uint8Array(64), 0, 1.5)).toBe(0);
    expect(r.copyOut(new Uint8Array(31), 0, 1)).toBe(0);
    expect(r.copyOut(new Uint8Array(64), 100, 1)).toBe(0);
    expect(r.size).toBe(1);
  });

  it("refuses to decode a truncated record with OutOfRange and a bad field count with InvalidArgument", () => {
    const record = new LogRecord();
    expect(decodeLogRecord(new DataView(new ArrayBuffer(20)), 0, record)).toBe(ErrorCode.OutOfRange);
    const bytes = new Uint8Array(40);
    bytes[23] = 4;
    expect(decodeLogRecord(new DataView(bytes.buffer, 0, 39), 0, record)).toBe(ErrorCode.OutOfRange);
    bytes[23] = 5;
    expect(decodeLogRecord(new DataView(bytes.buffer), 0, record)).toBe(ErrorCode.InvalidArgument);
  });
});

const EVENT_NAMES = new Map<number, string>([
  [1, "boot"],
  [2, "link_down"],
  [3, 'quote"d'],
]);

describe("NDJSON log reader", () => {
  it("renders one JSON object per record, names known events, prints unknown codes as numbers, and marks gaps", () => {
    const r = ring({ capacityRecords: 2, fieldCount: 2 });
    r.append(LogLevel.Info, 1, 3, 10, 1, 1);
    r.append(LogLevel.Warn, 2, 3, 20, 5, -1);
    r.append(LogLevel.Error, 513, 3, 30);
    const reader = new NdjsonLogReader({ eventNames: EVENT_NAMES });
    expect(reader.drain(r)).toBe(
      '{"gap":1}\n' +
        '{"seq":1,"t":20,"level":"warn","node":3,"event":"link_down","fields":[5,-1]}\n' +
        '{"seq":2,"t":30,"level":"error","node":3,"event":513,"fields":[0,0]}\n',
    );
    r.append(LogLevel.Trace, 3, 4, 40);
    expect(reader.drain(r)).toBe('{"seq":3,"t":40,"level":"trace","node":4,"event":"quote\\"d","fields":[0,0]}\n');
    expect(reader.drain(r)).toBe("");
    expect(reader.nextSeq).toBe(4);
  });

  it("decodes raw bytes from copyOut to the same lines as a drain, and each line parses as JSON", () => {
    const a = ring({ fieldCount: 3 });
    const b = ring({ fieldCount: 3 });
    for (const r of [a, b]) {
      r.append(LogLevel.Debug, 1, 7, 100, 1, 2, 3);
      r.append(LogLevel.Info, 9, 7, 200, -4);
    }
    const bytes = new Uint8Array(2 * a.recordBytes);
    expect(a.copyOut(bytes, 0, 2)).toBe(2);
    const decoded = unwrap(new NdjsonLogReader({ eventNames: EVENT_NAMES }).decode(bytes));
    expect(decoded).toBe(new NdjsonLogReader({ eventNames: EVENT_NAMES }).drain(b));
    const lines = decoded.trimEnd().split("\n").map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([
      { seq: 0, t: 100, level: "debug", node: 7, event: "boot", fields: [1, 2, 3] },
      { seq: 1, t: 200, level: "info", node: 7, event: 9, fields: [-4, 0, 0] },
    ]);
  });

  it("refuses raw bytes that do not end on a record boundary with InvalidArgument", () => {
    const r = ring({ fieldCount: 1 });
    r.append(LogLevel.Info, 1, 1, 1);
    const bytes = new Uint8Array(40);
    r.copyOut(bytes, 0, 1);
    expect(errorCode(new NdjsonLogReader().decode(bytes))).toBe(ErrorCode.InvalidArgument);
    expect(errorCode(new NdjsonLogReader().decode(bytes.subarray(0, 30)))).toBe(ErrorCode.InvalidArgument);
    expect(unwrap(new NdjsonLogReader().decode(bytes.subarray(0, 32)))).toBe(
      '{"seq":0,"t":1,"level":"info","node":1,"event":1,"fields":[0]}\n',
    );
  });
});
