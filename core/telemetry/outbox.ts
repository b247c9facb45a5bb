/**
 * The bounded outbox between the telemetry pipeline and the uplink: alerts
 * first, routine telemetry after, never more than `capacity` records.
 *
 * Storage: one ArrayBuffer made at create, behind a Float64 and an Int32
 * view (a typed array costs about 128 B of heap on XS before its data, an
 * object per record more, README "Board memory on the board's terms"). The
 * Float64 view holds the outbox's counters and, per record slot, the fields
 * that can pass 2^31 (seq, times, count, sum, errors, value: a delta rule's
 * q spans two int32 readings); the Int32 view holds the fields record.ts
 * bounds to int32 (kind, ids, min, max, mean, threshold), then two FIFO
 * rings of slot numbers (alerts, routine) and a stack of free slots. Both
 * rings can hold the whole capacity; the slots bound their sum. A record
 * whose int32 fields are not int32 is refused (`InvalidArgument`, counted in
 * `invalidRefused`), never truncated; the pipeline never makes one.
 *
 * Full policy (docs/architecture.md "Rules"), when a record arrives and
 * all `capacity` slots are in use:
 *  1. if any routine record is queued, the OLDEST routine record is dropped
 *     to make room (counted: `routineDroppedForAlert` when the newcomer is an
 *     alert, `routineDroppedForRoutine` when it is routine telemetry, because
 *     the newest telemetry is worth more than the oldest);
 *  2. otherwise (the outbox is all alerts) the newcomer is refused with
 *     `TelemetryOutboxFull` and counted (`alertsRefused` / `routineRefused`).
 * So an alert is never dropped or refused while routine telemetry could make
 * room for it, and a queued alert is never dropped at all.
 *
 * `pop` hands out alerts in arrival order, then routine records in arrival
 * order. Counters always add up (checkInvariants):
 *   alertsAccepted  = alertsPopped + alertLength
 *   routineAccepted = routinePopped + routineDroppedForAlert + routineDroppedForRoutine + routineLength
 * Nothing is allocated after create.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { TELEMETRY_OUTBOX_CAPACITY_MAX } from "./config";
import { RecordPriority, type TelemetryRecord } from "./record";

// Counters, at the start of the Float64 view.
const C_ALERT_HEAD = 0;
const C_ALERT_LENGTH = 1;
const C_ROUTINE_HEAD = 2;
const C_ROUTINE_LENGTH = 3;
const C_FREE_COUNT = 4;
const C_NEXT_SEQ = 5;
const C_HIGH_WATER = 6;
const C_ALERTS_ACCEPTED = 7;
const C_ROUTINE_ACCEPTED = 8;
const C_ALERTS_POPPED = 9;
const C_ROUTINE_POPPED = 10;
const C_ROUTINE_DROPPED_FOR_ALERT = 11;
const C_ROUTINE_DROPPED_FOR_ROUTINE = 12;
const C_ALERTS_REFUSED = 13;
const C_ROUTINE_REFUSED = 14;
const C_INVALID_REFUSED = 15;
const COUNTERS = 16;
// A stored record, Float64 part (at COUNTERS + slot * RECORD_F64).
const R_SEQ = 0;
const R_AT_MS = 1;
const R_END_MS = 2;
const R_COUNT = 3;
const R_SUM = 4;
const R_ERRORS = 5;
const R_VALUE = 6;
const RECORD_F64 = 7;
// Int32 part (at slot * RECORD_I32), then the alert ring, the routine ring and the free stack (capacity each).
const R_KIND = 0;
const R_CHANNEL_ID = 1;
const R_RULE_ID = 2;
const R_MIN = 3;
const R_MAX = 4;
const R_MEAN = 5;
const R_THRESHOLD = 6;
const RECORD_I32 = 7;
const RINGS = 3;

function isInt32(value: number): boolean {
  return (value | 0) === value;
}

/** The record's int32 fields hold int32 values (record.ts; always so for the pipeline's records). */
function fitsInt32(r: TelemetryRecord): boolean {
  return isInt32(r.kind) && isInt32(r.channelId) && isInt32(r.ruleId) && isInt32(r.min) && isInt32(r.max) && isInt32(r.mean) && isInt32(r.threshold);
}

function storeRecord(f: Float64Array, fAt: number, i: Int32Array, iAt: number, r: TelemetryRecord): void {
  f[fAt + R_SEQ] = r.seq;
  f[fAt + R_AT_MS] = r.atMs;
  f[fAt + R_END_MS] = r.endMs;
  f[fAt + R_COUNT] = r.count;
  f[fAt + R_SUM] = r.sum;
  f[fAt + R_ERRORS] = r.errors;
  f[fAt + R_VALUE] = r.value;
  i[iAt + R_KIND] = r.kind;
  i[iAt + R_CHANNEL_ID] = r.channelId;
  i[iAt + R_RULE_ID] = r.ruleId;
  i[iAt + R_MIN] = r.min;
  i[iAt + R_MAX] = r.max;
  i[iAt + R_MEAN] = r.mean;
  i[iAt + R_THRESHOLD] = r.threshold;
}

function loadRecord(f: Float64Array, fAt: number, i: Int32Array, iAt: number, out: TelemetryRecord): void {
  out.kind = i[iAt + R_KIND] ?? 0;
  out.seq = f[fAt + R_SEQ] ?? 0;
  out.channelId = i[iAt + R_CHANNEL_ID] ?? 0;
  out.ruleId = i[iAt + R_RULE_ID] ?? 0;
  out.atMs = f[fAt + R_AT_MS] ?? 0;
  out.endMs = f[fAt + R_END_MS] ?? 0;
  out.count = f[fAt + R_COUNT] ?? 0;
  out.min = i[iAt + R_MIN] ?? 0;
  out.max = i[iAt + R_MAX] ?? 0;
  out.sum = f[fAt + R_SUM] ?? 0;
  out.mean = i[iAt + R_MEAN] ?? 0;
  out.errors = f[fAt + R_ERRORS] ?? 0;
  out.value = f[fAt + R_VALUE] ?? 0;
  out.threshold = i[iAt + R_THRESHOLD] ?? 0;
}

export class TelemetryOutbox {
  /** Counters, then the records' Float64 fields. */
  private readonly f_: Float64Array;
  /** The records' Int32 fields, then the alert ring, the routine ring and the free stack. */
  private readonly i_: Int32Array;

  /** Bytes an outbox of `capacity` records takes in a caller's buffer (`create`'s `buffer`). */
  static bytesFor(capacity: number): number {
    return (COUNTERS + capacity * RECORD_F64) * 8 + capacity * (RECORD_I32 + RINGS) * 4;
  }

  /**
   * `capacity` records (1..TELEMETRY_OUTBOX_CAPACITY_MAX); `TelemetryBadCapacity`
   * otherwise. With `buffer`, the outbox lives there from `byteOffset` (a
   * multiple of 8) for `bytesFor(capacity)` bytes, which the caller does not
   * use otherwise (each ArrayBuffer costs heap slots on XS); `InvalidArgument`
   * when that range does not fit.
   */
  static create(capacity: number, buffer?: ArrayBuffer, byteOffset = 0): Result<TelemetryOutbox> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > TELEMETRY_OUTBOX_CAPACITY_MAX) {
      return err(ErrorCode.TelemetryBadCapacity);
    }
    if (buffer !== undefined && ((byteOffset >>> 0) !== byteOffset || byteOffset % 8 !== 0 || byteOffset + TelemetryOutbox.bytesFor(capacity) > buffer.byteLength)) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new TelemetryOutbox(capacity, buffer ?? new ArrayBuffer(TelemetryOutbox.bytesFor(capacity)), buffer === undefined ? 0 : byteOffset));
  }

  private constructor(capacity: number, buffer: ArrayBuffer, byteOffset: number) {
    const f64Count = COUNTERS + capacity * RECORD_F64;
    this.f_ = new Float64Array(buffer, byteOffset, f64Count);
    this.i_ = new Int32Array(buffer, byteOffset + f64Count * 8, capacity * (RECORD_I32 + RINGS));
    // A fresh outbox hands out slots 0, 1, 2, ... (the free stack's top is at the end).
    const freeBase = this.freeBase;
    for (let k = 0; k < capacity; k++) this.i_[freeBase + k] = capacity - 1 - k;
    this.f_[C_FREE_COUNT] = capacity;
    this.f_[C_NEXT_SEQ] = 1;
  }

  get capacity(): number {
    return (this.i_.length / (RECORD_I32 + RINGS));
  }

  /** Records held. */
  get length(): number {
    return (this.f_[C_ALERT_LENGTH] ?? 0) + (this.f_[C_ROUTINE_LENGTH] ?? 0);
  }

  get alertLength(): number {
    return this.f_[C_ALERT_LENGTH] ?? 0;
  }

  get routineLength(): number {
    return this.f_[C_ROUTINE_LENGTH] ?? 0;
  }

  get highWater(): number {
    return this.f_[C_HIGH_WATER] ?? 0;
  }

  get alertsAccepted(): number {
    return this.f_[C_ALERTS_ACCEPTED] ?? 0;
  }

  get routineAccepted(): number {
    return this.f_[C_ROUTINE_ACCEPTED] ?? 0;
  }

  get alertsPopped(): number {
    return this.f_[C_ALERTS_POPPED] ?? 0;
  }

  get routinePopped(): number {
    return this.f_[C_ROUTINE_POPPED] ?? 0;
  }

  get routineDroppedForAlert(): number {
    return this.f_[C_ROUTINE_DROPPED_FOR_ALERT] ?? 0;
  }

  get routineDroppedForRoutine(): number {
    return this.f_[C_ROUTINE_DROPPED_FOR_ROUTINE] ?? 0;
  }

  get alertsRefused(): number {
    return this.f_[C_ALERTS_REFUSED] ?? 0;
  }

  get routineRefused(): number {
    return this.f_[C_ROUTINE_REFUSED] ?? 0;
  }

  /** Records refused because an int32 field (record.ts) did not hold an int32. */
  get invalidRefused(): number {
    return this.f_[C_INVALID_REFUSED] ?? 0;
  }

  /**
   * Queue a copy of `record` (its `seq` is replaced by the outbox's next).
   * `Ok`, `TelemetryOutboxFull` (see the full policy above), or
   * `InvalidArgument` for a record whose int32 fields are not int32.
   */
  push(record: TelemetryRecord): Status {
    const f = this.f_;
    if (!fitsInt32(record)) {
      this.add(C_INVALID_REFUSED, 1);
      return ErrorCode.InvalidArgument;
    }
    const alert = record.priority === RecordPriority.Alert;
    let slot: number;
    const freeCount = f[C_FREE_COUNT] ?? 0;
    if (freeCount > 0) {
      f[C_FREE_COUNT] = freeCount - 1;
      slot = this.i_[this.freeBase + freeCount - 1] ?? 0;
    } else if ((f[C_ROUTINE_LENGTH] ?? 0) > 0) {
      slot = this.shiftRoutine(); // the oldest routine record's slot, reused
      this.add(alert ? C_ROUTINE_DROPPED_FOR_ALERT : C_ROUTINE_DROPPED_FOR_ROUTINE, 1);
    } else {
      this.add(alert ? C_ALERTS_REFUSED : C_ROUTINE_REFUSED, 1);
      return ErrorCode.TelemetryOutboxFull;
    }
    const fAt = COUNTERS + slot * RECORD_F64;
    storeRecord(f, fAt, this.i_, slot * RECORD_I32, record);
    const seq = f[C_NEXT_SEQ] ?? 0;
    f[fAt + R_SEQ] = seq;
    f[C_NEXT_SEQ] = seq + 1;
    const capacity = (this.i_.length / (RECORD_I32 + RINGS));
    const head = alert ? C_ALERT_HEAD : C_ROUTINE_HEAD;
    const length = alert ? C_ALERT_LENGTH : C_ROUTINE_LENGTH;
    const tail = (f[head] ?? 0) + (f[length] ?? 0);
    this.i_[(alert ? this.alertBase : this.routineBase) + (tail >= capacity ? tail - capacity : tail)] = slot;
    this.add(length, 1);
    this.add(alert ? C_ALERTS_ACCEPTED : C_ROUTINE_ACCEPTED, 1);
    if (this.length > (f[C_HIGH_WATER] ?? 0)) f[C_HIGH_WATER] = this.length;
    return ErrorCode.Ok;
  }

  /** Move the next record (alerts first, each class oldest first) into `out`. `Ok` or `Empty`. */
  pop(out: TelemetryRecord): Status {
    const f = this.f_;
    let slot: number;
    if ((f[C_ALERT_LENGTH] ?? 0) > 0) {
      const head = f[C_ALERT_HEAD] ?? 0;
      slot = this.i_[this.alertBase + head] ?? 0;
      f[C_ALERT_HEAD] = head + 1 === (this.i_.length / (RECORD_I32 + RINGS)) ? 0 : head + 1;
      this.add(C_ALERT_LENGTH, -1);
      this.add(C_ALERTS_POPPED, 1);
    } else if ((f[C_ROUTINE_LENGTH] ?? 0) > 0) {
      slot = this.shiftRoutine();
      this.add(C_ROUTINE_POPPED, 1);
    } else {
      return ErrorCode.Empty;
    }
    loadRecord(f, COUNTERS + slot * RECORD_F64, this.i_, slot * RECORD_I32, out);
    const freeCount = f[C_FREE_COUNT] ?? 0;
    this.i_[this.freeBase + freeCount] = slot;
    f[C_FREE_COUNT] = freeCount + 1;
    return ErrorCode.Ok;
  }

  /** `Ok`, or `InvariantViolated` when the counters or the slots disagree (tests). O(capacity). */
  checkInvariants(): Status {
    const capacity = (this.i_.length / (RECORD_I32 + RINGS));
    const freeCount = this.f_[C_FREE_COUNT] ?? 0;
    if (freeCount + this.length !== capacity || freeCount < 0) return ErrorCode.InvariantViolated;
    if (this.highWater > capacity) return ErrorCode.InvariantViolated;
    if (this.alertsAccepted !== this.alertsPopped + this.alertLength) return ErrorCode.InvariantViolated;
    const routineGone = this.routinePopped + this.routineDroppedForAlert + this.routineDroppedForRoutine;
    if (this.routineAccepted !== routineGone + this.routineLength) return ErrorCode.InvariantViolated;
    if ((this.f_[C_NEXT_SEQ] ?? 0) !== 1 + this.alertsAccepted + this.routineAccepted) return ErrorCode.InvariantViolated;
    return this.slotsAccountedFor() ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  private add(counter: number, delta: number): void {
    this.f_[counter] = (this.f_[counter] ?? 0) + delta;
  }

  private get alertBase(): number {
    return (this.i_.length / (RECORD_I32 + RINGS)) * RECORD_I32;
  }

  private get routineBase(): number {
    return (this.i_.length / (RECORD_I32 + RINGS)) * (RECORD_I32 + 1);
  }

  private get freeBase(): number {
    return (this.i_.length / (RECORD_I32 + RINGS)) * (RECORD_I32 + 2);
  }

  private shiftRoutine(): number {
    const head = this.f_[C_ROUTINE_HEAD] ?? 0;
    const slot = this.i_[this.routineBase + head] ?? 0;
    this.f_[C_ROUTINE_HEAD] = head + 1 === (this.i_.length / (RECORD_I32 + RINGS)) ? 0 : head + 1;
    this.add(C_ROUTINE_LENGTH, -1);
    return slot;
  }

  /** Each slot is exactly once free, queued as an alert or queued as routine (with the sizes adding up to capacity). O(capacity^2), tests only. */
  private slotsAccountedFor(): boolean {
    const capacity = (this.i_.length / (RECORD_I32 + RINGS));
    const f = this.f_;
    const freeCount = f[C_FREE_COUNT] ?? 0;
    const alertHead = f[C_ALERT_HEAD] ?? 0;
    const routineHead = f[C_ROUTINE_HEAD] ?? 0;
    for (let slot = 0; slot < capacity; slot++) {
      let found = 0;
      for (let k = 0; k < freeCount; k++) if (this.i_[this.freeBase + k] === slot) found++;
      for (let k = 0; k < this.alertLength; k++) if (this.i_[this.alertBase + ((alertHead + k) % capacity)] === slot) found++;
      for (let k = 0; k < this.routineLength; k++) if (this.i_[this.routineBase + ((routineHead + k) % capacity)] === slot) found++;
      if (found !== 1) return false;
    }
    return true;
  }
}
