/**
 * Counters that are never issued twice, across any number of reboots and
 * power losses: AEAD sender sequence numbers, nonces, replay counters.
 *
 * OSCORE (RFC 8613 Appendix B.1.1) stores the sender sequence number every
 * K messages and, after boot, resumes K (plus a margin F) above the stored
 * value. Here the stored value is a CEILING: before issuing a value at or
 * above the durable ceiling, `next` durably writes ceiling = value + K and
 * only then issues. Every issued value is therefore below a ceiling that was
 * acknowledged by the store (durable-store.ts, contract item 1), and after
 * a reboot counting resumes AT the stored ceiling, so no value is reused
 * even if power is lost between persistence points. The cost: at most K - 1
 * values skipped per reboot, one KV write per K values, and F = 0 because
 * the write completes before the value is used.
 *
 * Values are integers in [firstValue, maxValue]; OSCORE's Partial IV allows
 * 2^40 - 1. The ceiling is stored as 8 bytes, little-endian.
 *
 * Proof, not hope (RFC 8613 §7.5: a sender sequence number is never reused
 * under one key). A flipped bit in the newest ceiling record makes its CRC
 * fail; the store then shows the key's previous value, which is lower. So
 * the ceiling is kept in two keys (`key`, then `mirrorKey`), written in that
 * order, and nothing is issued under a new ceiling until both writes are
 * acknowledged. At open, the store says how many acknowledged records its
 * mount failed to read after each copy's record (KvStore
 * `hiddenRecordsAfter`, from the record log's CRC failures, torn spans and
 * lost segments; `copyProvable` below). While one copy is provably its key's
 * newest value, counting resumes at the larger of the two; otherwise the
 * highest value ever issued cannot be proven and `open` refuses
 * (CounterUnprovable): the key must be replaced, never guessed. `repair`
 * writes both copies again right after mount, before anything else may
 * write (agent/persistence.ts), so redundancy is restored first.
 *
 * With `aheadValues`, `next` never writes: the driver's persist phase calls
 * `prepare`, which raises the ceiling whenever fewer than `aheadValues`
 * reserved values are left, and `next` refuses (CounterNotReserved) rather
 * than write when the reservation has run out. That keeps flash writes (and
 * the deep stack of a log clean) out of the seal path, in the order
 * etcd-raft's Ready prescribes: persist, then send. `prepare` extends the
 * ceiling by K, so it still writes once per K values; a reboot skips at most
 * K + aheadValues values.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Outcome, type Result, type Status } from "../runtime/result";
import type { KvStore } from "./kv-store";
import type { Counter } from "../runtime/ids";

/** The narrow interface consumers (AEAD sealing, README "Crypto boundary and envelopes") depend on. */
export interface CounterSource {
  /** The next unused value into `out`; `Ok`, or an error with `out` untouched and nothing issued. */
  next(out: Outcome<Counter>): Status;
  /** Persist what the next values need (see the file comment); `Ok` when nothing was needed. */
  prepare(): Status;
  /** Leave the next `values` (1..COUNTER_SKIP_MAX) unissued. */
  skip(values: number): Status;
}

/** Most values one skip leaves unused (core/crypto/counter-source.ts has the same bound). */
export const COUNTER_SKIP_MAX = 4096;

export interface CounterReservationOptions {
  /** KV key holding the ceiling (written first). */
  readonly key: number;
  /** A second KV key holding the same ceiling, written after `key` (see the file comment); absent: one copy. */
  readonly mirrorKey?: number;
  /** The first value ever issued under this key (default 0): a range the key's earlier provisionings never used. */
  readonly firstValue?: number;
  /** Values per persisted reservation (K), 1..COUNTER_STEP_MAX. */
  readonly stepK: number;
  /** Largest value ever issued (default 2^40 - 1, the OSCORE Partial IV limit). */
  readonly maxValue?: number;
  /**
   * Values `prepare` keeps reserved ahead of `next` (1..stepK). Given, `next`
   * never writes and refuses with CounterNotReserved once they are used up;
   * absent, `next` reserves on demand.
   */
  readonly aheadValues?: number;
}

export const COUNTER_STEP_MAX = 1 << 24;
export const COUNTER_MAX_DEFAULT = 2 ** 40 - 1;
const CEILING_BYTES = 8;

export class CounterReservation implements CounterSource {
  private readonly kv_: KvStore;
  private readonly key_: number;
  /** The second copy's key, or -1 (one copy). */
  private readonly mirrorKey_: number;
  private readonly stepK_: number;
  private readonly maxValue_: number;
  /** 0: `next` reserves on demand; otherwise values `prepare` keeps reserved. */
  private readonly ahead_: number;
  private readonly buffer_: Uint8Array;
  private next_: number;
  private ceiling_: number;
  private reservations_ = 0;
  private issued_ = 0;
  private failures_ = 0;
  private notReserved_ = 0;
  private skipped_ = 0;

  private constructor(kv: KvStore, options: CounterReservationOptions, maxValue: number, resumeAt: number, buffer: Uint8Array) {
    this.kv_ = kv;
    this.buffer_ = buffer;
    this.key_ = options.key;
    this.mirrorKey_ = options.mirrorKey ?? -1;
    this.stepK_ = options.stepK;
    this.maxValue_ = maxValue;
    this.ahead_ = options.aheadValues ?? 0;
    this.next_ = resumeAt;
    this.ceiling_ = resumeAt;
  }

  /**
   * Resume from the ceiling stored under `options.key` (0 if none).
   * Errors: InvalidArgument (options), Corrupt (the stored value is not a
   * ceiling: issuing anything could reuse a value, so nothing is issued
   * until the keys are replaced and a fresh key is used), or the store's error.
   */
  static open(kv: KvStore, options: CounterReservationOptions): Result<CounterReservation> {
    const maxValue = options.maxValue ?? COUNTER_MAX_DEFAULT;
    if (!Number.isSafeInteger(maxValue) || maxValue < 0 || maxValue >= Number.MAX_SAFE_INTEGER) return err(ErrorCode.InvalidArgument);
    const firstValue = options.firstValue ?? 0;
    if (!Number.isSafeInteger(firstValue) || firstValue < 0 || firstValue > maxValue) return err(ErrorCode.InvalidArgument);
    if (!Number.isSafeInteger(options.stepK) || options.stepK < 1 || options.stepK > COUNTER_STEP_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    if (!isCeilingKey(kv, options.key)) return err(ErrorCode.InvalidArgument);
    const mirror = options.mirrorKey;
    if (mirror !== undefined && (!isCeilingKey(kv, mirror) || mirror === options.key)) return err(ErrorCode.InvalidArgument);
    const ahead = options.aheadValues;
    if (ahead !== undefined && (!Number.isSafeInteger(ahead) || ahead < 1 || ahead > options.stepK)) return err(ErrorCode.InvalidArgument);
    if (!copyProvable(kv, options.key, mirror)) return err(ErrorCode.CounterUnprovable);
    const buffer = new Uint8Array(CEILING_BYTES);
    const first = readCeiling(kv, options.key, buffer);
    if (first < -1) return err(-first as Exclude<ErrorCode, 0>);
    const second = mirror === undefined ? -1 : readCeiling(kv, mirror, buffer);
    if (second < -1) return err(-second as Exclude<ErrorCode, 0>);
    const resumeAt = Math.max(first, second, firstValue);
    // The buffer the ceiling was read into is the one it is written from.
    return ok(new CounterReservation(kv, options, maxValue, resumeAt, buffer));
  }

  next(out: Outcome<Counter>): Status {
    const value = this.next_;
    if (value > this.maxValue_) return ErrorCode.CounterExhausted;
    if (value >= this.ceiling_) {
      if (this.ahead_ > 0) {
        this.notReserved_++;
        return ErrorCode.CounterNotReserved;
      }
      const status = this.reserveFrom_(value);
      if (status !== ErrorCode.Ok) return status;
    }
    this.next_ = value + 1;
    this.issued_++;
    return out.succeed(value as Counter);
  }

  /**
   * Restore redundancy after mount: when the two copies differ, one is
   * missing, or an unread record is newer than either, write the current
   * ceiling to both (in order, as a reservation does). Call it before
   * anything else writes to the store: a cleaning may move a copy's record
   * past the spot that hid its newer value, and then only its twin proves
   * the ceiling. `Ok` when nothing needed writing.
   */
  repair(): Status {
    const mirror = this.mirrorKey_;
    if (mirror < 0 || this.ceiling_ === 0) return ErrorCode.Ok;
    const kv = this.kv_;
    const same =
      readCeiling(kv, this.key_, this.buffer_) === this.ceiling_ &&
      readCeiling(kv, mirror, this.buffer_) === this.ceiling_ &&
      kv.hiddenRecordsAfter(this.key_) === 0 &&
      kv.hiddenRecordsAfter(mirror) === 0;
    if (same) return ErrorCode.Ok;
    encodeCeiling(this.buffer_, this.ceiling_);
    let status = kv.put(this.key_, this.buffer_, 0, CEILING_BYTES);
    if (status === ErrorCode.Ok) status = kv.put(mirror, this.buffer_, 0, CEILING_BYTES);
    if (status !== ErrorCode.Ok) this.failures_++;
    return status;
  }

  /**
   * Leave the next `values` (1..COUNTER_SKIP_MAX) unissued (counter-source.ts
   * `skip`). Values past the ceiling are reserved by `prepare` (or on
   * demand) as usual, from where counting goes on. InvalidArgument out of range.
   */
  skip(values: number): Status {
    if ((values | 0) !== values || values < 1 || values > COUNTER_SKIP_MAX) return ErrorCode.InvalidArgument;
    this.next_ = Math.min(this.next_ + values, this.maxValue_ + 1);
    this.skipped_ += values;
    return ErrorCode.Ok;
  }

  /** Values left unissued by `skip`. */
  get skipped(): number {
    return this.skipped_;
  }

  /** With `aheadValues`: raise the ceiling when fewer than that many reserved values are left. */
  prepare(): Status {
    const value = this.next_;
    if (this.ahead_ === 0 || value > this.maxValue_ || this.ceiling_ - value >= this.ahead_ || this.ceiling_ > this.maxValue_) return ErrorCode.Ok;
    // Extend the reservation by K from the current ceiling (or from a skip past it): one write per K values, as on demand.
    return this.reserveFrom_(value > this.ceiling_ ? value : this.ceiling_);
  }

  // Durably reserve [.., base + K) (capped at maxValue + 1) before issuing any of it.
  private reserveFrom_(base: number): Status {
    const ceiling = Math.min(base + this.stepK_, this.maxValue_ + 1);
    encodeCeiling(this.buffer_, ceiling);
    let status = this.kv_.put(this.key_, this.buffer_, 0, CEILING_BYTES);
    // The mirror only after the first copy is durable; nothing under the new ceiling before both are.
    if (status === ErrorCode.Ok && this.mirrorKey_ >= 0) status = this.kv_.put(this.mirrorKey_, this.buffer_, 0, CEILING_BYTES);
    if (status !== ErrorCode.Ok) {
      this.failures_++;
      return status;
    }
    this.ceiling_ = ceiling;
    this.reservations_++;
    return ErrorCode.Ok;
  }

  /** The value `next` would issue. */
  get peekNext(): number {
    return this.next_;
  }

  /** The durable ceiling: no value at or above it has been issued. */
  get ceiling(): number {
    return this.ceiling_;
  }

  /** Ceilings persisted since open (one per K values). */
  get reservations(): number {
    return this.reservations_;
  }

  get issued(): number {
    return this.issued_;
  }

  /** Reservations (by `next` or `prepare`) that could not be persisted. */
  get failures(): number {
    return this.failures_;
  }

  /** With `aheadValues`: `next` calls refused because `prepare` had not reserved enough. */
  get notReserved(): number {
    return this.notReserved_;
  }

  /** Values reserved and not yet issued. */
  get reservedAhead(): number {
    return Math.max(0, this.ceiling_ - this.next_);
  }
}

/**
 * Is the newest ceiling among what the store shows? Yes when no unread
 * record is newer than one copy's (that copy is its key's newest value, and
 * both keys get every ceiling before it is used), or when at most one
 * unread record is newer than either copy (it can hide a newer value of one
 * key, not of both).
 */
/**
 * Write a value to `key`, then, only once that is durable, to its `mirror`:
 * the order `copyProvable` relies on (nothing may use a value until both
 * copies hold it). The first failure, or Ok. The send counter's reservation
 * writes its two copies inline instead: it sits on the agent's deepest stack,
 * and this call would add a frame under a log clean.
 */
export function putMirrored(kv: KvStore, key: number, mirror: number, value: Uint8Array, offset: number, lengthBytes: number): Status {
  const status = kv.put(key, value, offset, lengthBytes);
  return status === ErrorCode.Ok ? kv.put(mirror, value, offset, lengthBytes) : status;
}

export function copyProvable(kv: KvStore, key: number, mirror: number | undefined): boolean {
  const afterFirst = kv.hiddenRecordsAfter(key);
  if (mirror === undefined || afterFirst === 0) return afterFirst === 0;
  const afterMirror = kv.hiddenRecordsAfter(mirror);
  return afterMirror === 0 || Math.max(afterFirst, afterMirror) <= 1;
}

function isCeilingKey(kv: KvStore, key: number): boolean {
  return (key >>> 0) === key && key < kv.keyCount && kv.valueBytesOf(key) >= CEILING_BYTES;
}

/** The ceiling stored under `key`: the value, -1 when none, or a negated error (Corrupt: not a ceiling, the store's error). */
function readCeiling(kv: KvStore, key: number, buffer: Uint8Array): number {
  const length = kv.get(key, buffer, 0);
  if (length === -ErrorCode.NotFound) return -1;
  // (The key was checked, so the store has no InvalidArgument to give; were it -1, it must not read as "none".)
  if (length < 0) return length === -ErrorCode.InvalidArgument ? -ErrorCode.Corrupt : length;
  if (length !== CEILING_BYTES) return -ErrorCode.Corrupt;
  const value = decodeCeiling(buffer);
  return value < 0 ? -ErrorCode.Corrupt : value;
}

function encodeCeiling(bytes: Uint8Array, value: number): void {
  const low = value % 0x1_0000_0000;
  const high = Math.floor(value / 0x1_0000_0000);
  for (let i = 0; i < 4; i++) {
    bytes[i] = (low >>> (8 * i)) & 0xff;
    bytes[4 + i] = (high >>> (8 * i)) & 0xff;
  }
}

// -1 if the stored number is beyond the safe-integer range.
function decodeCeiling(bytes: Uint8Array): number {
  let low = 0;
  let high = 0;
  for (let i = 0; i < 4; i++) {
    low += (bytes[i] ?? 0) * 2 ** (8 * i);
    high += (bytes[4 + i] ?? 0) * 2 ** (8 * i);
  }
  if (high > 0x1f_ffff) return -1;
  return high * 0x1_0000_0000 + low;
}
