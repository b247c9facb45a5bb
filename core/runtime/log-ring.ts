/**
 * Structured log ring: fixed-size binary records in one preallocated buffer.
 *
 * `append` takes numbers only (level, event code, node id, virtual time, up to
 * four int32 fields): no strings, no allocation, no formatting. Names for
 * event codes live on the host (host-sim/exporters/ndjson.ts).
 *
 * Policy when full: drop the oldest unread record, counted in `droppedCount`
 * (the newest events are the ones that explain a fault). Every stored record
 * gets the next sequence number, so a reader sees drops as gaps in `seq`.
 * Records below `minLevel` are counted in `filteredCount` and not stored; they
 * get no sequence number, so filtering never shows up as a gap.
 *
 * Accounting (checked by test/conformance/runtime.props.ts):
 *   appendedCount == writtenCount + filteredCount + invalidCount
 *   writtenCount  == readCount + droppedCount + size
 *
 * Record layout, little-endian (so raw bytes mean the same on every host):
 *   0  timeMs      float64 (integer-valued)
 *   8  seq         float64 (integer-valued, 0, 1, 2, ...)
 *   16 nodeId      uint32
 *   20 eventCode   uint16
 *   22 level       uint8
 *   23 fieldCount  uint8
 *   24 fields      int32 x fieldCount, record padded to a multiple of 8 bytes
 */
import { ErrorCode } from "./errors";
import { err, ok, OK, type Result, type Status } from "./result";

export const LogLevel = Object.freeze({
  Trace: 0,
  Debug: 1,
  Info: 2,
  Warn: 3,
  Error: 4,
} as const);

export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export const LOG_LEVEL_MAX = LogLevel.Error;
export const LOG_FIELDS_MAX = 4;
export const LOG_RECORD_HEADER_BYTES = 24;
/** Sanity limit on ring size (records). */
export const LOG_RING_RECORDS_MAX = 1_048_576;

const OFFSET_TIME = 0;
const OFFSET_SEQ = 8;
const OFFSET_NODE = 16;
const OFFSET_EVENT = 20;
const OFFSET_LEVEL = 22;
const OFFSET_FIELD_COUNT = 23;
const OFFSET_FIELDS = 24;
const LITTLE_ENDIAN = true;

// Byte offsets of the counters (float64: counts pass 2^32), which sit in the
// ring's one buffer after the records (one DataView over one ArrayBuffer: each
// typed array or view costs heap slots on XS before its data).
const STAT_APPENDED = 0;
const STAT_WRITTEN = 8; // also the next sequence number
const STAT_DROPPED = 16;
const STAT_FILTERED = 24;
const STAT_INVALID = 32;
const STAT_READ = 40;
const STAT_BYTES = 48;

/** Bytes per record for `fieldCount` fields (header + fields, padded to 8). */
export function logRecordBytes(fieldCount: number): number {
  return (LOG_RECORD_HEADER_BYTES + 4 * fieldCount + 7) & ~7;
}

/** A caller-owned, reusable record that `readNext` and `decodeLogRecord` fill in. */
export class LogRecord {
  seq = 0;
  timeMs = 0;
  level = 0;
  eventCode = 0;
  nodeId = 0;
  fieldCount = 0;
  /** Only the first `fieldCount` entries are meaningful; the rest are 0. */
  readonly fields: Int32Array = new Int32Array(LOG_FIELDS_MAX);
}

/**
 * Decode the record at `byteOffset` of `view` into `out`. No allocation.
 * Errors: OutOfRange (record does not fit), InvalidArgument (field count > 4).
 */
export function decodeLogRecord(view: DataView, byteOffset: number, out: LogRecord): Status {
  if ((byteOffset >>> 0) !== byteOffset || byteOffset + LOG_RECORD_HEADER_BYTES > view.byteLength) {
    return ErrorCode.OutOfRange;
  }
  const fieldCount = view.getUint8(byteOffset + OFFSET_FIELD_COUNT);
  if (fieldCount > LOG_FIELDS_MAX) return ErrorCode.InvalidArgument;
  if (byteOffset + logRecordBytes(fieldCount) > view.byteLength) return ErrorCode.OutOfRange;
  out.timeMs = view.getFloat64(byteOffset + OFFSET_TIME, LITTLE_ENDIAN);
  out.seq = view.getFloat64(byteOffset + OFFSET_SEQ, LITTLE_ENDIAN);
  out.nodeId = view.getUint32(byteOffset + OFFSET_NODE, LITTLE_ENDIAN);
  out.eventCode = view.getUint16(byteOffset + OFFSET_EVENT, LITTLE_ENDIAN);
  out.level = view.getUint8(byteOffset + OFFSET_LEVEL);
  out.fieldCount = fieldCount;
  for (let i = 0; i < LOG_FIELDS_MAX; i++) {
    out.fields[i] = i < fieldCount ? view.getInt32(byteOffset + OFFSET_FIELDS + 4 * i, LITTLE_ENDIAN) : 0;
  }
  return OK;
}

export interface LogRingOptions {
  readonly capacityRecords: number;
  /** Int32 fields stored per record, 0..4; `append` arguments past it are not stored. */
  readonly fieldCount: number;
  /** Records below this level are counted as filtered, not stored. Default Trace. */
  readonly minLevel?: LogLevel;
}

export class LogRing {
  private readonly capacityRecords_: number;
  private readonly fieldCount_: number;
  private readonly recordBytes_: number;
  private readonly view_: DataView;
  private readonly statsAt_: number;
  private minLevel_: number;
  /** Index of the oldest unread record. */
  private head_ = 0;
  private size_ = 0;

  private constructor(capacityRecords: number, fieldCount: number, minLevel: number) {
    this.capacityRecords_ = capacityRecords;
    this.fieldCount_ = fieldCount;
    this.recordBytes_ = logRecordBytes(fieldCount);
    this.statsAt_ = capacityRecords * this.recordBytes_;
    this.view_ = new DataView(new ArrayBuffer(this.statsAt_ + STAT_BYTES));
    this.minLevel_ = minLevel;
  }

  static create(options: LogRingOptions): Result<LogRing> {
    const { capacityRecords, fieldCount } = options;
    const minLevel = options.minLevel ?? LogLevel.Trace;
    if (!isIntIn(capacityRecords, 1, LOG_RING_RECORDS_MAX)) return err(ErrorCode.InvalidArgument);
    if (!isIntIn(fieldCount, 0, LOG_FIELDS_MAX)) return err(ErrorCode.InvalidArgument);
    if (!isIntIn(minLevel, 0, LOG_LEVEL_MAX)) return err(ErrorCode.InvalidArgument);
    return ok(new LogRing(capacityRecords, fieldCount, minLevel));
  }

  /**
   * Store one record; when full, the oldest unread record is dropped (counted).
   * Returns Ok also when the record was filtered by level or displaced the
   * oldest one: both are policy, both are counted.
   * Errors: InvalidArgument (level not 0..4, eventCode not u16, nodeId not u32,
   * timeMs not a non-negative safe integer, a stored field not int32) - counted
   * in `invalidCount`, nothing stored.
   */
  append(level: number, eventCode: number, nodeId: number, timeMs: number, f0 = 0, f1 = 0, f2 = 0, f3 = 0): Status {
    this.count(STAT_APPENDED);
    if ((level >>> 0) !== level || level > LOG_LEVEL_MAX) return this.invalid();
    // Filter before validating the rest: debug chatter below the level costs little.
    if (level < this.minLevel_) {
      this.count(STAT_FILTERED);
      return OK;
    }
    if ((eventCode >>> 0) !== eventCode || eventCode > 0xffff) return this.invalid();
    if ((nodeId >>> 0) !== nodeId) return this.invalid();
    if (!Number.isSafeInteger(timeMs) || timeMs < 0) return this.invalid();
    if (!this.fieldsValid(f0, f1, f2, f3)) return this.invalid();
    this.write(level, eventCode, nodeId, timeMs, f0, f1, f2, f3);
    return OK;
  }

  private fieldsValid(f0: number, f1: number, f2: number, f3: number): boolean {
    const n = this.fieldCount_;
    return (n < 1 || (f0 | 0) === f0) && (n < 2 || (f1 | 0) === f1) && (n < 3 || (f2 | 0) === f2) && (n < 4 || (f3 | 0) === f3);
  }

  private write(level: number, eventCode: number, nodeId: number, timeMs: number, f0: number, f1: number, f2: number, f3: number): void {
    const capacity = this.capacityRecords_;
    let slot = this.head_ + this.size_;
    if (slot >= capacity) slot -= capacity;
    if (this.size_ === capacity) {
      // Drop oldest: the slot we are about to overwrite is the head.
      this.head_ = this.head_ + 1 === capacity ? 0 : this.head_ + 1;
      this.count(STAT_DROPPED);
    } else {
      this.size_ += 1;
    }
    const seq = this.stat(STAT_WRITTEN);
    this.count(STAT_WRITTEN);
    const view = this.view_;
    const at = slot * this.recordBytes_;
    const n = this.fieldCount_;
    view.setFloat64(at + OFFSET_TIME, timeMs, LITTLE_ENDIAN);
    view.setFloat64(at + OFFSET_SEQ, seq, LITTLE_ENDIAN);
    view.setUint32(at + OFFSET_NODE, nodeId, LITTLE_ENDIAN);
    view.setUint16(at + OFFSET_EVENT, eventCode, LITTLE_ENDIAN);
    view.setUint8(at + OFFSET_LEVEL, level);
    view.setUint8(at + OFFSET_FIELD_COUNT, n);
    if (n > 0) view.setInt32(at + OFFSET_FIELDS, f0, LITTLE_ENDIAN);
    if (n > 1) view.setInt32(at + OFFSET_FIELDS + 4, f1, LITTLE_ENDIAN);
    if (n > 2) view.setInt32(at + OFFSET_FIELDS + 8, f2, LITTLE_ENDIAN);
    if (n > 3) view.setInt32(at + OFFSET_FIELDS + 12, f3, LITTLE_ENDIAN);
  }

  private invalid(): Status {
    this.count(STAT_INVALID);
    return ErrorCode.InvalidArgument;
  }

  /** Move the oldest unread record into `out`. Errors: Empty. No allocation. */
  readNext(out: LogRecord): Status {
    if (this.size_ === 0) return ErrorCode.Empty;
    const status = decodeLogRecord(this.view_, this.head_ * this.recordBytes_, out);
    this.consumeOne();
    return status;
  }

  /**
   * Move up to `maxRecords` of the oldest unread records, as raw bytes (layout
   * above), into `dest` starting at `destOffset`. Only whole records are
   * copied. Returns the number of records moved (0 for bad arguments).
   */
  copyOut(dest: Uint8Array, destOffset: number, maxRecords: number): number {
    if ((destOffset >>> 0) !== destOffset || (maxRecords >>> 0) !== maxRecords) return 0;
    const recordBytes = this.recordBytes_;
    const room = destOffset > dest.length ? 0 : Math.floor((dest.length - destOffset) / recordBytes);
    let count = this.size_;
    if (count > maxRecords) count = maxRecords;
    if (count > room) count = room;
    const source = this.view_;
    let to = destOffset;
    for (let r = 0; r < count; r++) {
      const from = this.head_ * recordBytes;
      for (let b = 0; b < recordBytes; b++) dest[to + b] = source.getUint8(from + b);
      to += recordBytes;
      this.consumeOne();
    }
    return count;
  }

  private stat(at: number): number {
    return this.view_.getFloat64(this.statsAt_ + at, LITTLE_ENDIAN);
  }

  private count(at: number): void {
    this.view_.setFloat64(this.statsAt_ + at, this.stat(at) + 1, LITTLE_ENDIAN);
  }

  private consumeOne(): void {
    this.head_ = this.head_ + 1 === this.capacityRecords_ ? 0 : this.head_ + 1;
    this.size_ -= 1;
    this.count(STAT_READ);
  }

  /** Errors: InvalidArgument (not a level). */
  setMinLevel(level: number): Status {
    if ((level >>> 0) !== level || level > LOG_LEVEL_MAX) return ErrorCode.InvalidArgument;
    this.minLevel_ = level;
    return OK;
  }

  get minLevel(): number {
    return this.minLevel_;
  }
  /** Unread records currently stored. */
  get size(): number {
    return this.size_;
  }
  get capacityRecords(): number {
    return this.capacityRecords_;
  }
  get fieldCount(): number {
    return this.fieldCount_;
  }
  get recordBytes(): number {
    return this.recordBytes_;
  }
  /** Calls to `append`, whatever became of them. */
  get appendedCount(): number {
    return this.stat(STAT_APPENDED);
  }
  /** Records stored; equal to the sequence number the next record gets. */
  get writtenCount(): number {
    return this.stat(STAT_WRITTEN);
  }
  /** Records overwritten before anyone read them. */
  get droppedCount(): number {
    return this.stat(STAT_DROPPED);
  }
  get filteredCount(): number {
    return this.stat(STAT_FILTERED);
  }
  get invalidCount(): number {
    return this.stat(STAT_INVALID);
  }
  /** Records moved out by `readNext` or `copyOut`. */
  get readCount(): number {
    return this.stat(STAT_READ);
  }
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
