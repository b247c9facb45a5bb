/**
 * The bounded outbox between the telemetry pipeline and the uplink: alerts
 * first, routine telemetry after, never more than `capacity` records.
 *
 * Storage: one Float64Array made at create (a typed array costs about 128 B
 * of heap on XS before its data, an object per record more): `capacity`
 * record slots of RECORD_FIELDS numbers, two FIFO rings of slot numbers
 * (alerts, routine) and a stack of free slots. Both rings can hold the whole
 * capacity; the slots bound their sum.
 *
 * Full policy (ARCHITECTURE.md "Fixed capacity"), when a record arrives and
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

// A stored record: TelemetryRecord's fields in this order.
const R_KIND = 0;
const R_SEQ = 1;
const R_CHANNEL_ID = 2;
const R_RULE_ID = 3;
const R_AT_MS = 4;
const R_END_MS = 5;
const R_COUNT = 6;
const R_MIN = 7;
const R_MAX = 8;
const R_SUM = 9;
const R_MEAN = 10;
const R_ERRORS = 11;
const R_VALUE = 12;
const R_THRESHOLD = 13;
const RECORD_FIELDS = 14;

function storeRecord(t: Float64Array, at: number, r: TelemetryRecord): void {
  t[at + R_KIND] = r.kind;
  t[at + R_SEQ] = r.seq;
  t[at + R_CHANNEL_ID] = r.channelId;
  t[at + R_RULE_ID] = r.ruleId;
  t[at + R_AT_MS] = r.atMs;
  t[at + R_END_MS] = r.endMs;
  t[at + R_COUNT] = r.count;
  t[at + R_MIN] = r.min;
  t[at + R_MAX] = r.max;
  t[at + R_SUM] = r.sum;
  t[at + R_MEAN] = r.mean;
  t[at + R_ERRORS] = r.errors;
  t[at + R_VALUE] = r.value;
  t[at + R_THRESHOLD] = r.threshold;
}

function loadRecord(t: Float64Array, at: number, out: TelemetryRecord): void {
  out.kind = t[at + R_KIND] ?? 0;
  out.seq = t[at + R_SEQ] ?? 0;
  out.channelId = t[at + R_CHANNEL_ID] ?? 0;
  out.ruleId = t[at + R_RULE_ID] ?? 0;
  out.atMs = t[at + R_AT_MS] ?? 0;
  out.endMs = t[at + R_END_MS] ?? 0;
  out.count = t[at + R_COUNT] ?? 0;
  out.min = t[at + R_MIN] ?? 0;
  out.max = t[at + R_MAX] ?? 0;
  out.sum = t[at + R_SUM] ?? 0;
  out.mean = t[at + R_MEAN] ?? 0;
  out.errors = t[at + R_ERRORS] ?? 0;
  out.value = t[at + R_VALUE] ?? 0;
  out.threshold = t[at + R_THRESHOLD] ?? 0;
}

export class TelemetryOutbox {
  readonly #capacity: number;
  /** Record slots, then the alert ring, the routine ring and the free stack (capacity numbers each). */
  readonly #t: Float64Array;
  #alertHead = 0;
  #alertLength = 0;
  #routineHead = 0;
  #routineLength = 0;
  #freeCount: number;
  #nextSeq = 1;
  #highWater = 0;
  #alertsAccepted = 0;
  #routineAccepted = 0;
  #alertsPopped = 0;
  #routinePopped = 0;
  #routineDroppedForAlert = 0;
  #routineDroppedForRoutine = 0;
  #alertsRefused = 0;
  #routineRefused = 0;

  /** `capacity` records (1..TELEMETRY_OUTBOX_CAPACITY_MAX); `TelemetryBadCapacity` otherwise. */
  static create(capacity: number): Result<TelemetryOutbox> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > TELEMETRY_OUTBOX_CAPACITY_MAX) {
      return err(ErrorCode.TelemetryBadCapacity);
    }
    return ok(new TelemetryOutbox(capacity));
  }

  private constructor(capacity: number) {
    this.#capacity = capacity;
    this.#t = new Float64Array(capacity * (RECORD_FIELDS + 3));
    // A fresh outbox hands out slots 0, 1, 2, ... (the free stack's top is at the end).
    const freeBase = this.freeBase;
    for (let i = 0; i < capacity; i++) this.#t[freeBase + i] = capacity - 1 - i;
    this.#freeCount = capacity;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Records held. */
  get length(): number {
    return this.#alertLength + this.#routineLength;
  }

  get alertLength(): number {
    return this.#alertLength;
  }

  get routineLength(): number {
    return this.#routineLength;
  }

  get highWater(): number {
    return this.#highWater;
  }

  get alertsAccepted(): number {
    return this.#alertsAccepted;
  }

  get routineAccepted(): number {
    return this.#routineAccepted;
  }

  get alertsPopped(): number {
    return this.#alertsPopped;
  }

  get routinePopped(): number {
    return this.#routinePopped;
  }

  get routineDroppedForAlert(): number {
    return this.#routineDroppedForAlert;
  }

  get routineDroppedForRoutine(): number {
    return this.#routineDroppedForRoutine;
  }

  get alertsRefused(): number {
    return this.#alertsRefused;
  }

  get routineRefused(): number {
    return this.#routineRefused;
  }

  /**
   * Queue a copy of `record` (its `seq` is replaced by the outbox's next).
   * `Ok`, or `TelemetryOutboxFull` (see the full policy above).
   */
  push(record: TelemetryRecord): Status {
    const alert = record.priority === RecordPriority.Alert;
    let slot: number;
    if (this.#freeCount > 0) {
      this.#freeCount--;
      slot = this.#t[this.freeBase + this.#freeCount] ?? 0;
    } else if (this.#routineLength > 0) {
      slot = this.shiftRoutine(); // the oldest routine record's slot, reused
      if (alert) this.#routineDroppedForAlert++;
      else this.#routineDroppedForRoutine++;
    } else {
      if (alert) this.#alertsRefused++;
      else this.#routineRefused++;
      return ErrorCode.TelemetryOutboxFull;
    }
    const at = slot * RECORD_FIELDS;
    storeRecord(this.#t, at, record);
    this.#t[at + R_SEQ] = this.#nextSeq++;
    const capacity = this.#capacity;
    if (alert) {
      const tail = this.#alertHead + this.#alertLength;
      this.#t[this.alertBase + (tail >= capacity ? tail - capacity : tail)] = slot;
      this.#alertLength++;
      this.#alertsAccepted++;
    } else {
      const tail = this.#routineHead + this.#routineLength;
      this.#t[this.routineBase + (tail >= capacity ? tail - capacity : tail)] = slot;
      this.#routineLength++;
      this.#routineAccepted++;
    }
    if (this.length > this.#highWater) this.#highWater = this.length;
    return ErrorCode.Ok;
  }

  /** Move the next record (alerts first, each class oldest first) into `out`. `Ok` or `Empty`. */
  pop(out: TelemetryRecord): Status {
    let slot: number;
    if (this.#alertLength > 0) {
      slot = this.#t[this.alertBase + this.#alertHead] ?? 0;
      this.#alertHead = this.#alertHead + 1 === this.#capacity ? 0 : this.#alertHead + 1;
      this.#alertLength--;
      this.#alertsPopped++;
    } else if (this.#routineLength > 0) {
      slot = this.shiftRoutine();
      this.#routinePopped++;
    } else {
      return ErrorCode.Empty;
    }
    loadRecord(this.#t, slot * RECORD_FIELDS, out);
    this.#t[this.freeBase + this.#freeCount] = slot;
    this.#freeCount++;
    return ErrorCode.Ok;
  }

  /** `Ok`, or `InvariantViolated` when the counters or the slots disagree (tests). O(capacity). */
  checkInvariants(): Status {
    const capacity = this.#capacity;
    if (this.#freeCount + this.length !== capacity || this.#freeCount < 0) return ErrorCode.InvariantViolated;
    if (this.#highWater > capacity) return ErrorCode.InvariantViolated;
    if (this.#alertsAccepted !== this.#alertsPopped + this.#alertLength) return ErrorCode.InvariantViolated;
    const routineGone = this.#routinePopped + this.#routineDroppedForAlert + this.#routineDroppedForRoutine;
    if (this.#routineAccepted !== routineGone + this.#routineLength) return ErrorCode.InvariantViolated;
    if (this.#nextSeq !== 1 + this.#alertsAccepted + this.#routineAccepted) return ErrorCode.InvariantViolated;
    return this.slotsAccountedFor() ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }

  private get alertBase(): number {
    return this.#capacity * RECORD_FIELDS;
  }

  private get routineBase(): number {
    return this.#capacity * (RECORD_FIELDS + 1);
  }

  private get freeBase(): number {
    return this.#capacity * (RECORD_FIELDS + 2);
  }

  private shiftRoutine(): number {
    const slot = this.#t[this.routineBase + this.#routineHead] ?? 0;
    this.#routineHead = this.#routineHead + 1 === this.#capacity ? 0 : this.#routineHead + 1;
    this.#routineLength--;
    return slot;
  }

  /** Each slot is exactly once free, queued as an alert or queued as routine (with the sizes adding up to capacity). O(capacity^2), tests only. */
  private slotsAccountedFor(): boolean {
    const capacity = this.#capacity;
    for (let slot = 0; slot < capacity; slot++) {
      let found = 0;
      for (let i = 0; i < this.#freeCount; i++) if (this.#t[this.freeBase + i] === slot) found++;
      for (let i = 0; i < this.#alertLength; i++) if (this.#t[this.alertBase + ((this.#alertHead + i) % capacity)] === slot) found++;
      for (let i = 0; i < this.#routineLength; i++) if (this.#t[this.routineBase + ((this.#routineHead + i) % capacity)] === slot) found++;
      if (found !== 1) return false;
    }
    return true;
  }
}
