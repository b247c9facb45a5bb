/**
 * Token-bucket rate limits per (peer id, message class) in a fixed table.
 *
 * Units. Balances are kept in micro-tokens (1 token = 10^6). A class refilling
 * at `refillPerSecondMilli` milli-tokens per second gains exactly that many
 * micro-tokens per millisecond, so refill is `elapsedMs * refillPerSecondMilli`
 * with no division and no remainder to lose. All values are integers (times
 * and balances held as float64); config limits keep every intermediate below
 * 2^53, so the arithmetic is exact and identical on V8 and XS.
 *
 * Table. Open addressing over one typed array: a key hashes (with a seed from the
 * caller's entropy, so an attacker cannot precompute colliding ids) to a home
 * slot and lives within `probeWindow` slots of it. Slots are never emptied,
 * only reused, so a lookup may stop at the first empty slot. Memory is fixed
 * at create and never grows.
 *
 * Policy when a new key finds no empty slot in its window ("lossless
 * eviction"): a slot may be reclaimed only if its bucket has refilled to the
 * full burst by `nowMs`. A new entry starts with a full burst, so forgetting a
 * full bucket changes nothing: a peer evicted and re-admitted gets exactly
 * what it would have had. Among reclaimable slots the one seen longest ago is
 * taken (ties: first in probe order), counted in `evictedCount`. If none is
 * reclaimable, the newcomer is refused with RateLimited and counted in
 * `refusedCount`; no bucket is reset.
 *
 * Consequences under a flood of distinct (spoofed) ids:
 *  - memory stays at `capacity` entries;
 *  - a real peer's admitted traffic never exceeds burst + rate x time, however
 *    its entry is evicted and re-created (refusals consume nothing, and
 *    re-creation only ever replaces a full bucket with a full bucket);
 *  - a peer actively using its bucket is never evicted (its bucket is not full);
 *  - the flood as a whole is held to about capacity x rate, since each slot it
 *    takes becomes reusable only after refilling;
 *  - the cost: while the table is saturated with non-full entries, new or
 *    long-idle peers whose window is saturated are refused. Per-peer limits
 *    cannot stop spoofed ids; that needs authentication or an aggregate limit
 *    upstream.
 */
import { ErrorCode } from "./errors";
import { err, ok, OK, type Result, type Status } from "./result";

/*
 * One DataView over one ArrayBuffer holds everything (a typed array or view
 * costs heap slots on XS before its data): the counters (STAT_*, float64:
 * counts pass 2^32), then CLASS_BYTES per class, then per table slot the S_*
 * fields (18 or 22 bytes: see S_BALANCE_MICRO). A class keeps its configuration (u32 each: rate <= 10^9, burst <=
 * 10^6); its burst in micro-tokens and refill cap are computed from them.
 */
const CLASS_BYTES = 8;
const C_REFILL_MICRO_PER_MS = 0; // u32
const C_BURST_TOKENS = 4; // u32
const S_PEER = 0; // u32
const S_CLASS = 4; // u16: 0 = empty, else class id + 1
const S_LAST_MS = 6; // f64: time of the last refill, which is the last time the key was seen
const S_BALANCE_MICRO = 14; // u32 when every class's burst in micro-tokens fits one (NARROW_BALANCE_MAX), else f64
const NARROW_BALANCE_MAX = 0xffff_ffff;

export interface RateClass {
  /** Refill rate in milli-tokens per second (1000 = one token per second). */
  readonly refillPerSecondMilli: number;
  /** Bucket size in whole tokens; also the largest admissible `cost`. */
  readonly burstTokens: number;
}

export interface RateLimiterOptions {
  /** Table entries, fixed for the limiter's life. */
  readonly capacity: number;
  /** Per-class configuration; index = class id (0..255). */
  readonly classes: readonly RateClass[];
  /** Slots probed from a key's home slot, 1..min(capacity, 64). Default min(capacity, 8). */
  readonly probeWindow?: number;
  /** u32 hash seed from the board's entropy at start. Default 0 (tests only). */
  readonly hashSeed?: number;
}

export const MICRO_PER_TOKEN = 1_000_000;
export const RATE_TABLE_CAPACITY_MAX = 1 << 20;
export const RATE_CLASSES_MAX = 256;
export const RATE_PROBE_WINDOW_MAX = 64;
export const RATE_PROBE_WINDOW_DEFAULT = 8;
/** Config bounds: burst x 10^6 <= 10^12 and rate <= 10^9 keep all sums below 2^53. */
export const RATE_BURST_TOKENS_MAX = 1_000_000;
export const RATE_REFILL_PER_SECOND_MILLI_MAX = 1_000_000_000;

// Byte offsets of the counters (float64 each).
const STAT_ADMITTED = 0;
const STAT_LIMITED = 8;
const STAT_REFUSED = 16;
const STAT_EVICTED = 24;
const STAT_INVALID = 32;
const CLASS_BASE = 40;

export class RateLimiter {
  private readonly capacity_: number;
  private readonly probeWindow_: number;
  private readonly hashSeed_: number;
  private readonly classCount_: number;
  private readonly t_: DataView;
  private readonly slotBase_: number;
  /** Bytes per slot: balances are u32 (18) when every class's burst fits one, else f64 (22). */
  private readonly slotBytes_: number;
  private size_ = 0;

  private constructor(capacity: number, classes: readonly RateClass[], probeWindow: number, hashSeed: number) {
    this.capacity_ = capacity;
    this.probeWindow_ = probeWindow;
    this.hashSeed_ = hashSeed;
    const classCount = classes.length;
    this.classCount_ = classCount;
    this.slotBase_ = CLASS_BASE + classCount * CLASS_BYTES;
    let narrow = true;
    for (let c = 0; c < classCount; c++) if ((classes[c]?.burstTokens ?? 0) * MICRO_PER_TOKEN > NARROW_BALANCE_MAX) narrow = false;
    this.slotBytes_ = S_BALANCE_MICRO + (narrow ? 4 : 8);
    const t = new DataView(new ArrayBuffer(this.slotBase_ + capacity * this.slotBytes_));
    this.t_ = t;
    for (let c = 0; c < classCount; c++) {
      const config = classes[c];
      if (config === undefined) continue;
      t.setUint32(CLASS_BASE + c * CLASS_BYTES + C_REFILL_MICRO_PER_MS, config.refillPerSecondMilli);
      t.setUint32(CLASS_BASE + c * CLASS_BYTES + C_BURST_TOKENS, config.burstTokens);
    }
  }

  /** Errors: InvalidArgument (any option out of its documented range). */
  static create(options: RateLimiterOptions): Result<RateLimiter> {
    const { capacity, classes } = options;
    if (!isIntIn(capacity, 1, RATE_TABLE_CAPACITY_MAX)) return err(ErrorCode.InvalidArgument);
    if (classes.length < 1 || classes.length > RATE_CLASSES_MAX) return err(ErrorCode.InvalidArgument);
    for (let c = 0; c < classes.length; c++) {
      const config = classes[c];
      if (config === undefined) return err(ErrorCode.InvalidArgument);
      if (!isIntIn(config.refillPerSecondMilli, 1, RATE_REFILL_PER_SECOND_MILLI_MAX)) return err(ErrorCode.InvalidArgument);
      if (!isIntIn(config.burstTokens, 1, RATE_BURST_TOKENS_MAX)) return err(ErrorCode.InvalidArgument);
    }
    const windowMax = capacity < RATE_PROBE_WINDOW_MAX ? capacity : RATE_PROBE_WINDOW_MAX;
    const probeWindow = options.probeWindow ?? (capacity < RATE_PROBE_WINDOW_DEFAULT ? capacity : RATE_PROBE_WINDOW_DEFAULT);
    if (!isIntIn(probeWindow, 1, windowMax)) return err(ErrorCode.InvalidArgument);
    const hashSeed = options.hashSeed ?? 0;
    if ((hashSeed >>> 0) !== hashSeed) return err(ErrorCode.InvalidArgument);
    return ok(new RateLimiter(capacity, classes, probeWindow, hashSeed));
  }

  /**
   * Take `cost` whole tokens from the bucket of (peerId, classId) at `nowMs`.
   * Ok if admitted; RateLimited if the bucket is short or the peer has no slot
   * and none is reclaimable (see the policy above); InvalidArgument if peerId is
   * not u32, classId not configured, nowMs not a non-negative safe integer, or
   * cost not an integer in 1..burst. Every outcome is counted. No allocation.
   */
  tryTake(peerId: number, classId: number, nowMs: number, cost = 1): Status {
    if (!this.validKey(peerId, classId, nowMs) || !this.validCost(classId, cost)) {
      this.count(STAT_INVALID);
      return ErrorCode.InvalidArgument;
    }
    const slot = this.findOrClaim(peerId, classId, nowMs);
    if (slot < 0) {
      this.count(STAT_REFUSED);
      return ErrorCode.RateLimited;
    }
    this.refill(slot, classId, nowMs);
    const costMicro = cost * MICRO_PER_TOKEN;
    const balance = this.balance(slot);
    if (balance < costMicro) {
      this.count(STAT_LIMITED);
      return ErrorCode.RateLimited;
    }
    this.setBalance(slot, balance - costMicro);
    this.count(STAT_ADMITTED);
    return OK;
  }

  /**
   * Milli-tokens (floored) the key could spend at `nowMs`, without changing
   * anything. A key without an entry reports a full burst (what it would get if
   * admitted). -1 for invalid arguments.
   */
  availableMilli(peerId: number, classId: number, nowMs: number): number {
    if (!this.validKey(peerId, classId, nowMs)) return -1;
    const slot = this.find(peerId, classId);
    const balance = slot < 0 ? this.burstMicro(classId) : this.balanceAt(slot, classId, nowMs);
    return Math.floor(balance / 1000);
  }

  /** Whether (peerId, classId) currently holds a table entry. */
  has(peerId: number, classId: number): boolean {
    return (peerId >>> 0) === peerId && (classId >>> 0) === classId && classId < RATE_CLASSES_MAX && this.find(peerId, classId) >= 0;
  }

  /** The slot's balance in micro-tokens (exact either width: every balance is an integer at most the burst). */
  private balance(slot: number): number {
    const at = this.slotBase_ + slot * this.slotBytes_ + S_BALANCE_MICRO;
    return this.slotBytes_ === S_BALANCE_MICRO + 4 ? this.t_.getUint32(at) : this.t_.getFloat64(at);
  }

  private setBalance(slot: number, micro: number): void {
    const at = this.slotBase_ + slot * this.slotBytes_ + S_BALANCE_MICRO;
    if (this.slotBytes_ === S_BALANCE_MICRO + 4) this.t_.setUint32(at, micro);
    else this.t_.setFloat64(at, micro);
  }

  private count(stat: number): void {
    this.t_.setFloat64(stat, this.t_.getFloat64(stat) + 1);
  }

  private validKey(peerId: number, classId: number, nowMs: number): boolean {
    return (
      (peerId >>> 0) === peerId &&
      (classId >>> 0) === classId &&
      classId < this.classCount_ &&
      Number.isSafeInteger(nowMs) &&
      nowMs >= 0
    );
  }

  private validCost(classId: number, cost: number): boolean {
    return (cost >>> 0) === cost && cost >= 1 && cost <= this.t_.getUint32(CLASS_BASE + classId * CLASS_BYTES + C_BURST_TOKENS);
  }

  /** The class's burst in micro-tokens. */
  private burstMicro(classId: number): number {
    return this.t_.getUint32(CLASS_BASE + classId * CLASS_BYTES + C_BURST_TOKENS) * MICRO_PER_TOKEN;
  }

  private home(peerId: number, classId: number): number {
    // Seeded MurmurHash3 fmix32 finaliser over peer id and class; not
    // cryptographic, but collisions depend on a seed the attacker does not know.
    let h = (peerId ^ this.hashSeed_ ^ Math.imul(classId + 1, 0x9e3779b1)) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return (h >>> 0) % this.capacity_;
  }

  /** Slot state: 0 empty, 1 holds (peerId, classId), 2 holds another key. */
  private holds(slot: number, peerId: number, classId: number): number {
    const at = this.slotBase_ + slot * this.slotBytes_;
    const cls = this.t_.getUint16(at + S_CLASS);
    if (cls === 0) return 0;
    return cls === classId + 1 && this.t_.getUint32(at + S_PEER) === peerId ? 1 : 2;
  }

  private find(peerId: number, classId: number): number {
    const capacity = this.capacity_;
    let slot = this.home(peerId, classId);
    for (let i = 0; i < this.probeWindow_; i++) {
      const held = this.holds(slot, peerId, classId);
      if (held === 0) return -1; // keys never sit past an empty slot
      if (held === 1) return slot;
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
    return -1;
  }

  /** The key's slot, a newly claimed slot, or -1 if the window is saturated. */
  private findOrClaim(peerId: number, classId: number, nowMs: number): number {
    const capacity = this.capacity_;
    let slot = this.home(peerId, classId);
    let victim = -1;
    let victimLastMs = 0;
    for (let i = 0; i < this.probeWindow_; i++) {
      const held = this.holds(slot, peerId, classId);
      if (held === 0) {
        this.size_ += 1;
        this.claim(slot, peerId, classId, nowMs);
        return slot;
      }
      if (held === 1) return slot;
      const lastMs = this.t_.getFloat64(this.slotBase_ + slot * this.slotBytes_ + S_LAST_MS);
      if ((victim < 0 || lastMs < victimLastMs) && this.isFullAt(slot, nowMs)) {
        victim = slot;
        victimLastMs = lastMs;
      }
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
    if (victim < 0) return -1;
    this.count(STAT_EVICTED);
    this.claim(victim, peerId, classId, nowMs);
    return victim;
  }

  // A new entry starts with a full burst: exactly what an absent key is assumed to have.
  private claim(slot: number, peerId: number, classId: number, nowMs: number): void {
    const at = this.slotBase_ + slot * this.slotBytes_;
    this.t_.setUint32(at + S_PEER, peerId);
    this.t_.setUint16(at + S_CLASS, classId + 1);
    this.setBalance(slot, this.burstMicro(classId));
    this.t_.setFloat64(at + S_LAST_MS, nowMs);
  }

  private isFullAt(slot: number, nowMs: number): boolean {
    const classId = this.t_.getUint16(this.slotBase_ + slot * this.slotBytes_ + S_CLASS) - 1;
    return this.balanceAt(slot, classId, nowMs) >= this.burstMicro(classId);
  }

  // Balance after refilling to nowMs. Time never runs backwards here: an
  // earlier nowMs refills nothing (virtual clocks are monotonic; this guards
  // a reboot that restarts the clock).
  private balanceAt(slot: number, classId: number, nowMs: number): number {
    const at = this.slotBase_ + slot * this.slotBytes_;
    let elapsedMs = nowMs - this.t_.getFloat64(at + S_LAST_MS);
    const balance = this.balance(slot);
    if (elapsedMs <= 0) return balance;
    const refill = this.t_.getUint32(CLASS_BASE + classId * CLASS_BYTES + C_REFILL_MICRO_PER_MS);
    const burst = this.burstMicro(classId);
    // Elapsed time after which any bucket of the class is surely full (floor(..) + 2 is past the true
    // refill time even if the division rounds): caps the product below.
    const capMs = Math.floor(burst / refill) + 2;
    if (elapsedMs > capMs) elapsedMs = capMs;
    const next = balance + elapsedMs * refill;
    return next > burst ? burst : next;
  }

  private refill(slot: number, classId: number, nowMs: number): void {
    const at = this.slotBase_ + slot * this.slotBytes_;
    if (nowMs <= this.t_.getFloat64(at + S_LAST_MS)) return;
    this.setBalance(slot, this.balanceAt(slot, classId, nowMs));
    this.t_.setFloat64(at + S_LAST_MS, nowMs);
  }

  get capacity(): number {
    return this.capacity_;
  }
  /** Occupied entries; never exceeds capacity. */
  get size(): number {
    return this.size_;
  }
  get probeWindow(): number {
    return this.probeWindow_;
  }
  get admittedCount(): number {
    return this.t_.getFloat64(STAT_ADMITTED);
  }
  /** Requests refused because the key's bucket was short. */
  get limitedCount(): number {
    return this.t_.getFloat64(STAT_LIMITED);
  }
  /** Requests refused because the key had no entry and none could be reclaimed. */
  get refusedCount(): number {
    return this.t_.getFloat64(STAT_REFUSED);
  }
  /** Entries reclaimed (always with a full bucket) for a new key. */
  get evictedCount(): number {
    return this.t_.getFloat64(STAT_EVICTED);
  }
  get invalidCount(): number {
    return this.t_.getFloat64(STAT_INVALID);
  }
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
