/**
 * The bounded member table (README "Membership: the member table"): what one
 * board knows of every member of its mesh, in a fixed number of slots from
 * the site configuration, changed only through the lifecycle
 * (lifecycle.ts).
 *
 * Full table. A member the board has not seen before takes a free slot, or
 * the slot of the member the eviction order names: tombstones (`Evicted`)
 * past their reap time first, then `Left`, then `Failed`, oldest first.
 * Members in any other state (alive, suspected, unreachable, joining or
 * leaving) are never pushed out for a newcomer, and neither is a protected
 * member (a gateway or an anchor). Meshtastic's node database, which evicts
 * by last heard, lets a flood of made-up nodes push real ones out; here a
 * flood can only fill free and reapable slots, and even then each
 * authenticated sender may introduce at most `introducedMax` members that
 * are still `Joining` (its share), so one board cannot take the free slots
 * for many identities.
 *
 * Reaping. `reap(nowMs)` frees `Failed` and `Left` members `reapAfterMs`
 * after they entered that state, and tombstones `tombstoneMs` after the
 * eviction (kept longer, so an evicted identity is refused while it is
 * still gossiped about).
 *
 * Layout (one Float64Array, a fixed stride per slot, and one Int16Array
 * index from node id to slot, open addressing): no objects per member.
 */
import { ErrorCode } from "../runtime/errors";
import type { Incarnation, NodeId } from "../runtime/ids";
import { err, ok, type Result } from "../runtime/result";
import { EventOrigin, INCARNATION_MAX, LifecycleStep, MemberEvent, MemberState, transition } from "./lifecycle";

/** Node ids are 16-bit; 0 and 0xffff are not members (README "Mesh transport": broadcast and unset). */
export const MEMBER_ID_MAX = 0xfffe;
export const MEMBER_CAPACITY_MAX = 1024;

export interface MemberTableOptions {
  /** Members the board can track, 1..MEMBER_CAPACITY_MAX. */
  readonly capacity: number;
  /** Members one authenticated sender may have introduced that are still Joining, 1..capacity. */
  readonly introducedMax: number;
  /** A Failed or Left member is freed this long after it entered that state. */
  readonly reapAfterMs: number;
  /** An Evicted member's tombstone is kept this long. */
  readonly tombstoneMs: number;
}

/** Why a member was pushed out or freed (counters). */
export const MemberTableStat = Object.freeze({
  applied: 0,
  refused: 1,
  created: 2,
  reaped: 3,
  displaced: 4,
  tableFull: 5,
  introducerCapped: 6,
} as const);
export const MEMBER_TABLE_STAT_COUNT = 7;

// Slot fields (Float64Array, stride FIELDS).
const F_ID = 0; // node id, 0 = free slot
const F_STATE = 1;
const F_INCARNATION = 2;
const F_SINCE_MS = 3; // when it entered its current state
const F_HEARD_MS = 4; // last event that concerned it
const F_INTRODUCER = 5; // authenticated sender that introduced it (0: itself or this board)
const F_FLAGS = 6;
const FIELDS = 7;

const FLAG_PROTECTED = 1;
const NO_SLOT = -1;

/** Eviction preference of a state for a newcomer: lower goes first; -1 never. */
function displaceRank(state: number): number {
  return state === MemberState.Evicted ? 0 : state === MemberState.Left ? 1 : state === MemberState.Failed ? 2 : -1;
}

export class MemberTable {
  readonly capacity: number;
  private readonly introducedMax_: number;
  private readonly reapAfterMs_: number;
  private readonly tombstoneMs_: number;
  private readonly slots_: Float64Array;
  /** Open-addressing index: node id -> slot + 1 (0 empty, -1 deleted). */
  private readonly index_: Int16Array;
  private readonly indexMask_: number;
  readonly stats = new Float64Array(MEMBER_TABLE_STAT_COUNT);
  /** Refusals by lifecycle error code, 1200..1204 (and InvalidArgument at [5]). */
  readonly refusals = new Float64Array(6);
  private readonly step_ = new LifecycleStep();
  private count_ = 0;

  private constructor(options: MemberTableOptions, indexSize: number) {
    this.capacity = options.capacity;
    this.introducedMax_ = options.introducedMax;
    this.reapAfterMs_ = options.reapAfterMs;
    this.tombstoneMs_ = options.tombstoneMs;
    this.slots_ = new Float64Array(options.capacity * FIELDS);
    this.index_ = new Int16Array(indexSize);
    this.indexMask_ = indexSize - 1;
  }

  /** InvalidArgument when an option is out of its range (each is documented on MemberTableOptions). */
  static create(options: MemberTableOptions): Result<MemberTable> {
    const { capacity, introducedMax, reapAfterMs, tombstoneMs } = options;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MEMBER_CAPACITY_MAX) return err(ErrorCode.InvalidArgument);
    if (!Number.isInteger(introducedMax) || introducedMax < 1 || introducedMax > capacity) return err(ErrorCode.InvalidArgument);
    if (!Number.isSafeInteger(reapAfterMs) || reapAfterMs < 0 || !Number.isSafeInteger(tombstoneMs) || tombstoneMs < reapAfterMs) return err(ErrorCode.InvalidArgument);
    let indexSize = 2;
    while (indexSize < capacity * 2) indexSize *= 2;
    return ok(new MemberTable(options, indexSize));
  }

  /** Members held (any state). */
  get count(): number {
    return this.count_;
  }

  // ------------------------------------------------------------ index

  private hash_(nodeId: number): number {
    return Math.imul(nodeId, 0x9e3779b1) >>> 16;
  }

  /** Slot of `nodeId`, or NO_SLOT. */
  private find_(nodeId: number): number {
    const mask = this.indexMask_;
    for (let i = 0, h = this.hash_(nodeId) & mask; i <= mask; i++, h = (h + 1) & mask) {
      const entry = this.index_[h] ?? 0;
      if (entry === 0) return NO_SLOT;
      if (entry > 0 && (this.slots_[(entry - 1) * FIELDS + F_ID] ?? 0) === nodeId) return entry - 1;
    }
    return NO_SLOT;
  }

  private indexAdd_(nodeId: number, slot: number): void {
    const mask = this.indexMask_;
    for (let i = 0, h = this.hash_(nodeId) & mask; i <= mask; i++, h = (h + 1) & mask) {
      const entry = this.index_[h] ?? 0;
      if (entry <= 0) {
        this.index_[h] = slot + 1;
        return;
      }
    }
  }

  private indexRemove_(nodeId: number, slot: number): void {
    const mask = this.indexMask_;
    for (let i = 0, h = this.hash_(nodeId) & mask; i <= mask; i++, h = (h + 1) & mask) {
      const entry = this.index_[h] ?? 0;
      if (entry === 0) return;
      if (entry === slot + 1) {
        this.index_[h] = -1;
        return;
      }
    }
  }

  // ------------------------------------------------------------ queries

  /** The member's state, or -1 when the table does not hold it. */
  stateOf(nodeId: NodeId): number {
    const slot = this.find_(nodeId);
    return slot === NO_SLOT ? -1 : (this.slots_[slot * FIELDS + F_STATE] ?? -1);
  }

  /** The member's incarnation, or -1 when the table does not hold it. */
  incarnationOf(nodeId: NodeId): Incarnation | -1 {
    const slot = this.find_(nodeId);
    return slot === NO_SLOT ? -1 : ((this.slots_[slot * FIELDS + F_INCARNATION] ?? -1) as Incarnation);
  }

  /** When the member entered its current state (ms), or -1. */
  sinceMsOf(nodeId: NodeId): number {
    const slot = this.find_(nodeId);
    return slot === NO_SLOT ? -1 : (this.slots_[slot * FIELDS + F_SINCE_MS] ?? -1);
  }

  /** Members in `state`. */
  countIn(state: number): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) if ((this.slots_[s * FIELDS + F_ID] ?? 0) !== 0 && this.slots_[s * FIELDS + F_STATE] === state) n++;
    return n;
  }

  /** Node ids held, in slot order, into `out`; returns how many. */
  members(out: Uint16Array): number {
    let n = 0;
    for (let s = 0; s < this.capacity && n < out.length; s++) {
      const id = this.slots_[s * FIELDS + F_ID] ?? 0;
      if (id !== 0) out[n++] = id;
    }
    return n;
  }

  // ------------------------------------------------------------ changes

  /**
   * Mark `nodeId` protected (a gateway or an anchor: never displaced for a
   * newcomer, whatever its state), adding it as Joining if it is not held.
   * Errors: InvalidArgument (node id), MembershipTableFull.
   */
  protect(nodeId: NodeId, nowMs: number): ErrorCode {
    if (!Number.isInteger(nodeId) || nodeId < 1 || nodeId > MEMBER_ID_MAX) return ErrorCode.InvalidArgument;
    let slot = this.find_(nodeId);
    if (slot === NO_SLOT) {
      slot = this.admit_(nodeId, 0, nowMs, false);
      if (slot < 0) return -slot as ErrorCode;
    }
    const at = slot * FIELDS + F_FLAGS;
    this.slots_[at] = (this.slots_[at] ?? 0) | FLAG_PROTECTED;
    return ErrorCode.Ok;
  }

  /**
   * Apply `event` about `nodeId` (lifecycle.ts `transition`), reported by
   * `introducer` (the authenticated sender that told us; 0 when it is the
   * member itself or this board). A member not yet held is added as
   * Joining first when the event may introduce it: its own alive or our
   * probe's ack (at its incarnation), or a peer's alive report (charged to
   * that peer, at incarnation 0); any other event about an unknown member
   * is refused with NotFound. The outcome is in `out` (the member unchanged on
   * a refusal). Errors: InvalidArgument, NotFound, MembershipTableFull,
   * MembershipIntroducerCapped, or the lifecycle's refusal.
   */
  apply(nodeId: NodeId, event: number, origin: number, eventIncarnation: Incarnation, introducer: NodeId | 0, nowMs: number, out: LifecycleStep): ErrorCode {
    if (!Number.isInteger(nodeId) || nodeId < 1 || nodeId > MEMBER_ID_MAX || !Number.isInteger(introducer) || introducer < 0 || introducer > MEMBER_ID_MAX) {
      return this.refuse_(out, ErrorCode.InvalidArgument);
    }
    let slot = this.find_(nodeId);
    if (slot === NO_SLOT) {
      // Its own word (or our probe's ack) introduces it at its incarnation; a peer's report introduces it, charged to that peer, at 0.
      const direct = event === MemberEvent.Alive && (origin === EventOrigin.Self || origin === EventOrigin.Local);
      const reported = event === MemberEvent.AliveReport && origin === EventOrigin.Peer;
      if (!direct && !reported) return this.refuse_(out, ErrorCode.NotFound);
      if (!Number.isInteger(eventIncarnation) || eventIncarnation < 0 || eventIncarnation > INCARNATION_MAX) return this.refuse_(out, ErrorCode.InvalidArgument);
      if (reported && introducer === 0) return this.refuse_(out, ErrorCode.InvalidArgument);
      const admitted = this.admit_(nodeId, direct ? 0 : introducer, nowMs, true);
      if (admitted < 0) return this.refuse_(out, -admitted as ErrorCode);
      slot = admitted;
      if (direct) this.slots_[slot * FIELDS + F_INCARNATION] = eventIncarnation;
    }
    const base = slot * FIELDS;
    const state = this.slots_[base + F_STATE] ?? 0;
    const incarnation = this.slots_[base + F_INCARNATION] ?? 0;
    const code = transition(state, incarnation, event, origin, eventIncarnation, out);
    if (code !== ErrorCode.Ok) {
      this.stats[MemberTableStat.refused] = (this.stats[MemberTableStat.refused] ?? 0) + 1;
      const at = code === ErrorCode.InvalidArgument ? 5 : code - ErrorCode.MembershipTransitionNotAllowed;
      if (at >= 0 && at < this.refusals.length) this.refusals[at] = (this.refusals[at] ?? 0) + 1;
      return code;
    }
    this.stats[MemberTableStat.applied] = (this.stats[MemberTableStat.applied] ?? 0) + 1;
    this.slots_[base + F_INCARNATION] = out.incarnation;
    this.slots_[base + F_HEARD_MS] = nowMs;
    if (out.changed) {
      this.slots_[base + F_STATE] = out.state;
      this.slots_[base + F_SINCE_MS] = nowMs;
    }
    // Once it is seen alive it is no longer charged to whoever introduced it.
    if (out.state !== MemberState.Joining) this.slots_[base + F_INTRODUCER] = 0;
    return ErrorCode.Ok;
  }

  /** Free Failed and Left members past reapAfterMs and tombstones past tombstoneMs; returns how many. */
  reap(nowMs: number): number {
    let freed = 0;
    for (let s = 0; s < this.capacity; s++) {
      const base = s * FIELDS;
      const id = this.slots_[base + F_ID] ?? 0;
      if (id === 0) continue;
      const state = this.slots_[base + F_STATE];
      const age = nowMs - (this.slots_[base + F_SINCE_MS] ?? 0);
      const due = state === MemberState.Evicted ? age >= this.tombstoneMs_ : (state === MemberState.Failed || state === MemberState.Left) && age >= this.reapAfterMs_;
      if (!due) continue;
      this.free_(s, id);
      freed++;
    }
    this.stats[MemberTableStat.reaped] = (this.stats[MemberTableStat.reaped] ?? 0) + freed;
    return freed;
  }

  // ------------------------------------------------------------ internals

  private refuse_(out: LifecycleStep, code: ErrorCode): ErrorCode {
    out.code = code;
    out.changed = false;
    this.stats[MemberTableStat.refused] = (this.stats[MemberTableStat.refused] ?? 0) + 1;
    return code;
  }

  private free_(slot: number, nodeId: number): void {
    this.indexRemove_(nodeId, slot);
    this.slots_.fill(0, slot * FIELDS, (slot + 1) * FIELDS);
    this.count_--;
  }

  /** Introduced by `introducer` and still Joining. */
  private introducedBy_(introducer: number): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) {
      const base = s * FIELDS;
      if ((this.slots_[base + F_ID] ?? 0) !== 0 && this.slots_[base + F_INTRODUCER] === introducer && this.slots_[base + F_STATE] === MemberState.Joining) n++;
    }
    return n;
  }

  /** A slot for a new member (Joining), or minus an error code. */
  private admit_(nodeId: number, introducer: number, nowMs: number, capped: boolean): number {
    if (capped && introducer !== 0 && this.introducedBy_(introducer) >= this.introducedMax_) {
      this.stats[MemberTableStat.introducerCapped] = (this.stats[MemberTableStat.introducerCapped] ?? 0) + 1;
      return -ErrorCode.MembershipIntroducerCapped;
    }
    let slot = NO_SLOT;
    let bestRank = 3;
    let bestSince = Number.POSITIVE_INFINITY;
    for (let s = 0; s < this.capacity; s++) {
      const base = s * FIELDS;
      const id = this.slots_[base + F_ID] ?? 0;
      if (id === 0) {
        slot = s;
        bestRank = -1;
        break;
      }
      if (((this.slots_[base + F_FLAGS] ?? 0) & FLAG_PROTECTED) !== 0) continue;
      const state = this.slots_[base + F_STATE] ?? 0;
      const rank = displaceRank(state);
      if (rank < 0) continue;
      // A tombstone is displaced only once past its reap time: an evicted identity stays refused until then.
      if (state === MemberState.Evicted && nowMs - (this.slots_[base + F_SINCE_MS] ?? 0) < this.tombstoneMs_) continue;
      const since = this.slots_[base + F_SINCE_MS] ?? 0;
      if (rank < bestRank || (rank === bestRank && since < bestSince)) {
        slot = s;
        bestRank = rank;
        bestSince = since;
      }
    }
    if (slot === NO_SLOT) {
      this.stats[MemberTableStat.tableFull] = (this.stats[MemberTableStat.tableFull] ?? 0) + 1;
      return -ErrorCode.MembershipTableFull;
    }
    if (bestRank >= 0) {
      this.free_(slot, this.slots_[slot * FIELDS + F_ID] ?? 0);
      this.stats[MemberTableStat.displaced] = (this.stats[MemberTableStat.displaced] ?? 0) + 1;
    }
    const base = slot * FIELDS;
    this.slots_[base + F_ID] = nodeId;
    this.slots_[base + F_STATE] = MemberState.Joining;
    this.slots_[base + F_INCARNATION] = 0;
    this.slots_[base + F_SINCE_MS] = nowMs;
    this.slots_[base + F_HEARD_MS] = nowMs;
    this.slots_[base + F_INTRODUCER] = introducer;
    this.slots_[base + F_FLAGS] = 0;
    this.indexAdd_(nodeId, slot);
    this.count_++;
    this.stats[MemberTableStat.created] = (this.stats[MemberTableStat.created] ?? 0) + 1;
    return slot;
  }
}
