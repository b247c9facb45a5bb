/**
 * The bounded outbox between the telemetry pipeline and the uplink: alerts
 * first, routine telemetry after, never more than `capacity` records.
 *
 * Storage: a core/collections Pool of `capacity` records made at create, and
 * two FIFO rings of slot numbers (alerts, routine). Both rings can hold the
 * whole capacity; the pool bounds their sum.
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
import { FullPolicy } from "../collections/full-policy";
import { Pool } from "../collections/pool";
import { RingBuffer } from "../collections/ring-buffer";
import { ErrorCode } from "../runtime/errors";
import { err, ok, Outcome, type Result, type Status } from "../runtime/result";
import { TELEMETRY_OUTBOX_CAPACITY_MAX } from "./config";
import { RecordPriority, TelemetryRecord } from "./record";

export class TelemetryOutbox {
  readonly #pool: Pool<TelemetryRecord>;
  readonly #alerts: RingBuffer;
  readonly #routine: RingBuffer;
  readonly #slot = new Outcome<number>(0);
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

  /** `capacity` records, 1..TELEMETRY_OUTBOX_CAPACITY_MAX, else `TelemetryBadCapacity`. */
  static create(capacity: number): Result<TelemetryOutbox> {
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > TELEMETRY_OUTBOX_CAPACITY_MAX) {
      return err(ErrorCode.TelemetryBadCapacity);
    }
    const pool = Pool.create(capacity, () => new TelemetryRecord());
    const alerts = RingBuffer.create(capacity, Uint32Array, FullPolicy.RefuseNewest);
    const routine = RingBuffer.create(capacity, Uint32Array, FullPolicy.RefuseNewest);
    if (!pool.ok || !alerts.ok || !routine.ok) return err(ErrorCode.TelemetryBadCapacity);
    return ok(new TelemetryOutbox(pool.value, alerts.value, routine.value));
  }

  private constructor(pool: Pool<TelemetryRecord>, alerts: RingBuffer, routine: RingBuffer) {
    this.#pool = pool;
    this.#alerts = alerts;
    this.#routine = routine;
  }

  get capacity(): number {
    return this.#pool.capacity;
  }

  get length(): number {
    return this.#pool.inUse;
  }

  get alertLength(): number {
    return this.#alerts.length;
  }

  get routineLength(): number {
    return this.#routine.length;
  }

  /** Most records ever held at once. */
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

  /** Copy `record` in (its priority follows its kind). `Ok` or `TelemetryOutboxFull` (nothing changed but a counter). */
  push(record: TelemetryRecord): Status {
    const alert = record.priority === RecordPriority.Alert;
    let slot: number;
    if (this.#pool.available > 0) {
      slot = this.#pool.acquire();
    } else if (this.#routine.shift(this.#slot) === ErrorCode.Ok) {
      slot = this.#slot.value; // the oldest routine record's slot, reused
      if (alert) this.#routineDroppedForAlert++;
      else this.#routineDroppedForRoutine++;
    } else {
      if (alert) this.#alertsRefused++;
      else this.#routineRefused++;
      return ErrorCode.TelemetryOutboxFull;
    }
    const stored = this.#pool.get(slot);
    if (stored === undefined) return ErrorCode.InvariantViolated; // unreachable: the slot came from the pool
    stored.copyFrom(record);
    stored.seq = this.#nextSeq++;
    if (alert) {
      this.#alerts.push(slot);
      this.#alertsAccepted++;
    } else {
      this.#routine.push(slot);
      this.#routineAccepted++;
    }
    if (this.#pool.inUse > this.#highWater) this.#highWater = this.#pool.inUse;
    return ErrorCode.Ok;
  }

  /** Move the next record (alerts first) into `out`. `Ok` or `Empty`. */
  pop(out: TelemetryRecord): Status {
    let fromAlerts = true;
    if (this.#alerts.shift(this.#slot) !== ErrorCode.Ok) {
      if (this.#routine.shift(this.#slot) !== ErrorCode.Ok) return ErrorCode.Empty;
      fromAlerts = false;
    }
    const slot = this.#slot.value;
    const stored = this.#pool.get(slot);
    if (stored === undefined) return ErrorCode.InvariantViolated;
    out.copyFrom(stored);
    this.#pool.release(slot);
    if (fromAlerts) this.#alertsPopped++;
    else this.#routinePopped++;
    return ErrorCode.Ok;
  }

  /** `Ok`, or `InvariantViolated` if a bound or an accounting identity does not hold. For tests. */
  checkInvariants(): Status {
    const pool = this.#pool;
    if (pool.checkInvariants() !== ErrorCode.Ok) return ErrorCode.InvariantViolated;
    if (this.#alerts.checkInvariants() !== ErrorCode.Ok || this.#routine.checkInvariants() !== ErrorCode.Ok) {
      return ErrorCode.InvariantViolated;
    }
    if (this.#alerts.length + this.#routine.length !== pool.inUse || pool.inUse > pool.capacity) {
      return ErrorCode.InvariantViolated;
    }
    if (this.#highWater > pool.capacity) return ErrorCode.InvariantViolated;
    if (this.#alertsAccepted !== this.#alertsPopped + this.#alerts.length) return ErrorCode.InvariantViolated;
    const routineGone = this.#routinePopped + this.#routineDroppedForAlert + this.#routineDroppedForRoutine;
    if (this.#routineAccepted !== routineGone + this.#routine.length) return ErrorCode.InvariantViolated;
    if (this.#nextSeq !== 1 + this.#alertsAccepted + this.#routineAccepted) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }
}
