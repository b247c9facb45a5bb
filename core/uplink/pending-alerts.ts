/**
 * Alerts on their way to a gateway: a fixed table of encoded alert messages,
 * each Ready (due at `nextTryMs`), InFlight (sent with an acknowledgement
 * requested, waiting for the transport's outcome) or Free.
 *
 * An alert leaves the table only when a gateway acknowledged it, or when it
 * used up `attemptsMax` sends (abandoned, counted). A failed or refused send
 * is retried after an exponential backoff, min(capMs, baseMs * 2^n), and the
 * next try goes to the next gateway in the preference list (failover). An
 * InFlight alert whose outcome never comes (a transport that lost track of
 * it) is treated as failed after `inFlightTimeoutMs`, so nothing waits forever.
 *
 * Transport message ids: slot + capacity * sendNumber, so an outcome for an
 * earlier send of the same slot is recognised as stale and ignored.
 *
 * Everything is allocated at create; nothing afterwards.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { ALERT_MESSAGE_BYTES } from "./wire";

export const PendingState = Object.freeze({ Free: 0, Ready: 1, InFlight: 2 } as const);
export type PendingState = (typeof PendingState)[keyof typeof PendingState];

export interface PendingAlertsOptions {
  readonly capacity: number;
  readonly attemptsMax: number;
  readonly retryBaseMs: number;
  readonly retryCapMs: number;
  readonly inFlightTimeoutMs: number;
  /** Gateways to rotate through on failure (>= 1; 1 = no failover). */
  readonly gatewayCount: number;
}

/** What `outcome` did, for the caller's counters and storage. */
export const OutcomeEffect = Object.freeze({ Stale: 0, Delivered: 1, Retry: 2, Abandoned: 3 } as const);
export type OutcomeEffect = (typeof OutcomeEffect)[keyof typeof OutcomeEffect];

const MESSAGE_ID_SPAN = 0x1_0000_0000;

// One Float64Array (each typed array costs about 128 B of heap on XS before its data): the options' numbers
// (kept here, not as the options object), then SLOT_FIELDS numbers per slot at HEADER + slot * SLOT_FIELDS.
const O_ATTEMPTS_MAX = 0;
const O_RETRY_BASE_MS = 1;
const O_RETRY_CAP_MS = 2;
const O_IN_FLIGHT_TIMEOUT_MS = 3;
const O_GATEWAY_COUNT = 4;
const HEADER = 5;
const S_STATE = 0;
const S_NEXT_TRY_MS = 1;
const S_ATTEMPTS = 2;
const S_GATEWAY = 3;
const S_MESSAGE_ID = 4;
const SLOT_FIELDS = 5;

export class PendingAlerts {
  readonly capacity: number;
  /** capacity x ALERT_MESSAGE_BYTES: slot i's message at i * ALERT_MESSAGE_BYTES. */
  readonly bytes: Uint8Array;
  private readonly t_: Float64Array;
  private sends_ = 0;
  private timedOut_ = 0;
  private abandonedByTimeout_ = 0;
  private inUse_ = 0;
  private highWater_ = 0;
  private cursor_ = 0;

  static create(options: PendingAlertsOptions): Result<PendingAlerts> {
    const { capacity, attemptsMax, retryBaseMs, retryCapMs, inFlightTimeoutMs, gatewayCount } = options;
    if (!isIntIn(capacity, 1, 255) || !isIntIn(attemptsMax, 1, 65_535) || !isIntIn(gatewayCount, 1, 255)) return err(ErrorCode.InvalidArgument);
    if (!isIntIn(retryBaseMs, 1, 0x7fff_ffff) || !isIntIn(retryCapMs, retryBaseMs, 0x7fff_ffff) || !isIntIn(inFlightTimeoutMs, 1, 0x7fff_ffff)) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new PendingAlerts(options));
  }

  private constructor(options: PendingAlertsOptions) {
    const capacity = options.capacity;
    this.capacity = capacity;
    // One ArrayBuffer: the options' and the slots' numbers, then the slots' messages.
    const numbers = HEADER + capacity * SLOT_FIELDS;
    const buffer = new ArrayBuffer(numbers * 8 + capacity * ALERT_MESSAGE_BYTES);
    const t = new Float64Array(buffer, 0, numbers);
    this.t_ = t;
    this.bytes = new Uint8Array(buffer, numbers * 8, capacity * ALERT_MESSAGE_BYTES);
    t[O_ATTEMPTS_MAX] = options.attemptsMax;
    t[O_RETRY_BASE_MS] = options.retryBaseMs;
    t[O_RETRY_CAP_MS] = options.retryCapMs;
    t[O_IN_FLIGHT_TIMEOUT_MS] = options.inFlightTimeoutMs;
    t[O_GATEWAY_COUNT] = options.gatewayCount;
  }

  private option(index: number): number {
    return this.t_[index] ?? 0;
  }

  get inUse(): number {
    return this.inUse_;
  }
  get highWater(): number {
    return this.highWater_;
  }
  /** InFlight sends whose outcome never came within inFlightTimeoutMs. */
  get timedOut(): number {
    return this.timedOut_;
  }
  /** Of those, the ones that used the last attempt (the alert was abandoned). */
  get abandonedByTimeout(): number {
    return this.abandonedByTimeout_;
  }

  /** A free slot made Ready (due at `nowMs`, first gateway `gatewayIndex`); its bytes are the caller's to fill. `-AgentPendingFull` if none. */
  admit(nowMs: number, gatewayIndex: number): number {
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] !== PendingState.Free) continue;
      this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] = PendingState.Ready;
      this.t_[HEADER + slot * SLOT_FIELDS + S_NEXT_TRY_MS] = nowMs;
      this.t_[HEADER + slot * SLOT_FIELDS + S_ATTEMPTS] = 0;
      this.t_[HEADER + slot * SLOT_FIELDS + S_GATEWAY] = gatewayIndex % this.option(O_GATEWAY_COUNT);
      this.t_[HEADER + slot * SLOT_FIELDS + S_MESSAGE_ID] = -1;
      this.inUse_++;
      if (this.inUse_ > this.highWater_) this.highWater_ = this.inUse_;
      return slot;
    }
    return -ErrorCode.AgentPendingFull;
  }

  /** Claim free slot `slot` (restoring a stored alert at boot) as Ready. False if it is not free. */
  claim(slot: number, nowMs: number, gatewayIndex: number): boolean {
    if ((slot >>> 0) !== slot || slot >= this.capacity || this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] !== PendingState.Free) return false;
    this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] = PendingState.Ready;
    this.t_[HEADER + slot * SLOT_FIELDS + S_NEXT_TRY_MS] = nowMs;
    this.t_[HEADER + slot * SLOT_FIELDS + S_ATTEMPTS] = 0;
    this.t_[HEADER + slot * SLOT_FIELDS + S_GATEWAY] = gatewayIndex % this.option(O_GATEWAY_COUNT);
    this.t_[HEADER + slot * SLOT_FIELDS + S_MESSAGE_ID] = -1;
    this.inUse_++;
    if (this.inUse_ > this.highWater_) this.highWater_ = this.inUse_;
    return true;
  }

  /**
   * The next Ready slot due for a send at `nowMs`, round robin; -1 if none.
   * InFlight slots past their timeout are failed on the way (retried later,
   * or abandoned: see `abandonedByTimeout`).
   */
  nextDue(nowMs: number): number {
    const capacity = this.capacity;
    for (let k = 0; k < capacity; k++) {
      const slot = this.cursor_ + k < capacity ? this.cursor_ + k : this.cursor_ + k - capacity;
      const state = this.t_[HEADER + slot * SLOT_FIELDS + S_STATE];
      if (state === PendingState.Free || (this.t_[HEADER + slot * SLOT_FIELDS + S_NEXT_TRY_MS] ?? 0) > nowMs) continue;
      if (state === PendingState.InFlight) {
        // The outcome never came: count it as a failed send (retried after the backoff, or abandoned).
        this.timedOut_++;
        if (this.fail(slot, nowMs) === OutcomeEffect.Abandoned) this.abandonedByTimeout_++;
        continue;
      }
      this.cursor_ = slot + 1 === capacity ? 0 : slot + 1;
      return slot;
    }
    return -1;
  }

  /** Earliest time a slot is due (Ready) or times out (InFlight); +Infinity when empty. */
  nextDueMs(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.capacity; slot++) {
      if (this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] !== PendingState.Free && (this.t_[HEADER + slot * SLOT_FIELDS + S_NEXT_TRY_MS] ?? 0) < earliest) earliest = this.t_[HEADER + slot * SLOT_FIELDS + S_NEXT_TRY_MS] ?? 0;
    }
    return earliest;
  }

  /** Mark `slot` InFlight for a send now; returns the transport message id to send with. */
  beginSend(slot: number, nowMs: number): number {
    const id = slot + this.capacity * (this.sends_ % Math.floor(MESSAGE_ID_SPAN / this.capacity));
    this.sends_++;
    this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] = PendingState.InFlight;
    this.t_[HEADER + slot * SLOT_FIELDS + S_MESSAGE_ID] = id;
    this.t_[HEADER + slot * SLOT_FIELDS + S_ATTEMPTS] = (this.t_[HEADER + slot * SLOT_FIELDS + S_ATTEMPTS] ?? 0) + 1;
    this.t_[HEADER + slot * SLOT_FIELDS + S_NEXT_TRY_MS] = nowMs + this.option(O_IN_FLIGHT_TIMEOUT_MS);
    return id;
  }

  /** The transport refused the send (`beginSend` was called): retry later. */
  refused(slot: number, nowMs: number): OutcomeEffect {
    return this.fail(slot, nowMs);
  }

  /** The slot an outcome for `messageId` belongs to, or -1 (stale or unknown). */
  slotOf(messageId: number): number {
    if (!Number.isSafeInteger(messageId) || messageId < 0) return -1;
    const slot = messageId % this.capacity;
    return this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] === PendingState.InFlight && this.t_[HEADER + slot * SLOT_FIELDS + S_MESSAGE_ID] === messageId ? slot : -1;
  }

  /** Apply the transport's outcome for `messageId`. Delivered frees the slot. */
  outcome(messageId: number, status: Status, nowMs: number): OutcomeEffect {
    const slot = this.slotOf(messageId);
    if (slot < 0) return OutcomeEffect.Stale;
    if (status === ErrorCode.Ok) {
      this.free(slot);
      return OutcomeEffect.Delivered;
    }
    return this.fail(slot, nowMs);
  }

  private fail(slot: number, nowMs: number): OutcomeEffect {
    const attempts = this.t_[HEADER + slot * SLOT_FIELDS + S_ATTEMPTS] ?? 0;
    if (attempts >= this.option(O_ATTEMPTS_MAX)) {
      this.free(slot);
      return OutcomeEffect.Abandoned;
    }
    this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] = PendingState.Ready;
    this.t_[HEADER + slot * SLOT_FIELDS + S_MESSAGE_ID] = -1;
    this.t_[HEADER + slot * SLOT_FIELDS + S_NEXT_TRY_MS] = nowMs + backoffMs(this.option(O_RETRY_BASE_MS), this.option(O_RETRY_CAP_MS), attempts - 1);
    this.t_[HEADER + slot * SLOT_FIELDS + S_GATEWAY] = ((this.t_[HEADER + slot * SLOT_FIELDS + S_GATEWAY] ?? 0) + 1) % this.option(O_GATEWAY_COUNT);
    return OutcomeEffect.Retry;
  }

  private free(slot: number): void {
    this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] = PendingState.Free;
    this.t_[HEADER + slot * SLOT_FIELDS + S_MESSAGE_ID] = -1;
    this.inUse_--;
  }

  state(slot: number): PendingState {
    return (this.field(slot, S_STATE) ?? PendingState.Free) as PendingState;
  }
  gatewayIndex(slot: number): number {
    return this.field(slot, S_GATEWAY) ?? 0;
  }
  attempts(slot: number): number {
    return this.field(slot, S_ATTEMPTS) ?? 0;
  }
  private field(slot: number, field: number): number | undefined {
    return (slot >>> 0) === slot && slot < this.capacity ? this.t_[HEADER + slot * SLOT_FIELDS + field] : undefined;
  }
  /** Byte offset of `slot`'s message in `bytes`. */
  offsetOf(slot: number): number {
    return slot * ALERT_MESSAGE_BYTES;
  }

  /** `Ok`, or `InvariantViolated` when the in-use count disagrees with the slots (tests). */
  checkInvariants(): Status {
    let used = 0;
    for (let slot = 0; slot < this.capacity; slot++) if (this.t_[HEADER + slot * SLOT_FIELDS + S_STATE] !== PendingState.Free) used++;
    return used === this.inUse_ && used <= this.capacity && this.highWater_ <= this.capacity ? ErrorCode.Ok : ErrorCode.InvariantViolated;
  }
}

/** min(capMs, baseMs * 2^n) for n >= 0, exact integers. */
export function backoffMs(baseMs: number, capMs: number, n: number): number {
  let delayMs = baseMs;
  for (let i = 0; i < n && delayMs < capMs; i++) delayMs *= 2;
  return delayMs < capMs ? delayMs : capMs;
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
