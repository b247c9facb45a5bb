/**
 * About 640 lines, on purpose: probing, indirect probing, suspicion and
 * dissemination share one probe state and one output batch; the lifecycle
 * table, the member table and the timing rules are modules of their own.
 *
 * SWIM failure detection over the mesh, with Lifeguard's refinements
 * (README "Membership: probing and dissemination"), as a sans-IO state
 * machine: `tick(nowMs)`, `receive(...)`, `heard(...)` and `applyUpdate(...)`
 * go in; messages to send, state changes to report and updates to
 * piggyback come out in bounded, preallocated batches that the driver
 * drains in order (send, then report) and then clears. Nothing here calls
 * out while one of its methods runs.
 *
 *  - Probing (SWIM §4.3): each probe period this board pings one direct
 *    neighbour, in an order shuffled at the start of every round, skipping
 *    neighbours it has heard from during the last period (an authenticated
 *    frame is alive evidence for free on a duty-cycled radio). No ack within
 *    the probe timeout (× Lifeguard's local health multiplier, awareness + 1)
 *    sends ping-reqs through k other neighbours; no ack by the end of the
 *    period makes the target Suspect.
 *  - Helping: a ping-req is served by pinging the target and relaying its
 *    ack, or answering with a nack when the target stays silent (Lifeguard
 *    §4.3); a board that receives fewer nacks than it asked for raises its
 *    own awareness (it may be the slow one).
 *  - Suspicion (Lifeguard §4.2): the timeout starts at the maximum and falls
 *    towards the minimum with each independent confirmation; when it runs
 *    out the member becomes Unreachable and then Failed (this board's
 *    decision). A board that hears itself suspected refutes with a higher
 *    incarnation, first in the piggyback queue.
 *  - Dissemination (SWIM §4.1): updates wait in a bounded queue and ride on
 *    frames sent anyway, freshest first (fewest transmissions), each sent
 *    `retransmitLimit` times; a leave and a refutation go first.
 *
 * Members and their states live in the MemberTable (lifecycle guards
 * included); this class owns only the protocol's timers and queues.
 */
import { ErrorCode } from "../runtime/errors";
import type { Incarnation, NodeId } from "../runtime/ids";
import { err, ok, type Result } from "../runtime/result";
import { Xoshiro128 } from "../runtime/prng";
import { EventOrigin, INCARNATION_MAX, LifecycleStep, MemberEvent, MemberState } from "./lifecycle";
import { MEMBER_ID_MAX, type MemberTable } from "./member-table";
import { AWARENESS_MAX, probeTimeoutAtMs, suspicionTimeoutMs, type MembershipTiming } from "./timing";

/** Protocol messages (their encoding on the air is the transport's). */
export const SwimKind = Object.freeze({ Ping: 1, Ack: 2, PingReq: 3, Nack: 4 } as const);
export type SwimKind = (typeof SwimKind)[keyof typeof SwimKind];

export interface SwimOptions {
  readonly nodeId: NodeId;
  readonly table: MemberTable;
  readonly timing: MembershipTiming;
  /** Ping-reqs per failed direct probe (SWIM's k), 1..8. */
  readonly indirectProbes: number;
  /** Direct neighbours tracked, 1..256. */
  readonly neighboursMax: number;
  /** Ping-reqs served at once, 1..16. */
  readonly relaysMax: number;
  /** Updates waiting to be piggybacked, 1..256. */
  readonly updatesMax: number;
  /** Messages one call may produce before the driver drains them, 4..256. */
  readonly outputsMax: number;
  readonly seed: number;
}

/** Counters (README "Membership: probing and dissemination"). */
export const SwimStat = Object.freeze({
  probes: 0,
  probesSkippedHeard: 1,
  acks: 2,
  indirectProbes: 3,
  nacksSent: 4,
  nacksReceived: 5,
  suspicionsRaised: 6,
  failuresDeclared: 7,
  refutations: 8,
  relaysRefused: 9,
  outputsRefused: 10,
  updatesDropped: 11,
  updatesApplied: 12,
  updatesRefused: 13,
} as const);
export const SWIM_STAT_COUNT = 14;

const PHASE_IDLE = 0;
const PHASE_DIRECT = 1;
const PHASE_INDIRECT = 2;

// Output record fields: kind, to, target, seq, incarnation.
const OUT_FIELDS = 5;
// Relay fields: requester, target, requester's seq, our seq, deadline (ms).
const RELAY_FIELDS = 5;
// Suspicion fields: node, started (ms), confirmations.
const SUSPICION_FIELDS = 3;
// Update fields: node, event, incarnation, transmissions so far, priority (1 first), sealed by its subject (1).
const UPDATE_FIELDS = 6;
// Change fields: node, from state, to state, incarnation.
const CHANGE_FIELDS = 4;

export class Swim {
  readonly nodeId: NodeId;
  readonly stats = new Float64Array(SWIM_STAT_COUNT);
  private readonly table_: MemberTable;
  private readonly timing_: MembershipTiming;
  private readonly k_: number;
  private readonly random_: Xoshiro128;
  private readonly step_ = new LifecycleStep();
  private incarnation_ = 0;
  private awareness_ = 0;
  private seq_ = 0;

  // neighbours: ids, last heard (ms), the round's order
  private readonly neighbours_: Uint16Array;
  private readonly heardMs_: Float64Array;
  private readonly order_: Uint16Array;
  private neighbourCount_ = 0;
  private orderAt_ = 0;
  private orderCount_ = 0;

  // this board's own probe
  private phase_ = PHASE_IDLE;
  private target_ = 0;
  private probeSeq_ = 0;
  private sentMs_ = 0;
  private indirectDeadlineMs_ = 0;
  private helpersAsked_ = 0;
  private nacks_ = 0;
  private nextProbeMs_ = 0;

  private readonly relays_: Float64Array;
  private readonly suspicions_: Float64Array;
  private suspicionCount_ = 0;
  private readonly updates_: Float64Array;
  private updateCount_ = 0;
  private readonly outputs_: Float64Array;
  private outputCount_ = 0;
  private readonly changes_: Float64Array;
  private changeCount_ = 0;
  private readonly retransmitLimit_: number;

  private constructor(options: SwimOptions) {
    this.nodeId = options.nodeId;
    this.table_ = options.table;
    this.timing_ = options.timing;
    this.k_ = options.indirectProbes;
    this.random_ = new Xoshiro128(options.seed);
    this.neighbours_ = new Uint16Array(options.neighboursMax);
    this.heardMs_ = new Float64Array(options.neighboursMax).fill(-1);
    this.order_ = new Uint16Array(options.neighboursMax);
    this.relays_ = new Float64Array(options.relaysMax * RELAY_FIELDS);
    this.suspicions_ = new Float64Array(options.table.capacity * SUSPICION_FIELDS);
    this.updates_ = new Float64Array(options.updatesMax * UPDATE_FIELDS);
    this.outputs_ = new Float64Array(options.outputsMax * OUT_FIELDS);
    this.changes_ = new Float64Array(options.outputsMax * CHANGE_FIELDS);
    this.retransmitLimit_ = options.timing.retransmitLimit;
  }

  /** InvalidArgument when an option is outside its documented range. */
  static create(options: SwimOptions): Result<Swim> {
    const within = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;
    if (
      !within(options.nodeId, 1, MEMBER_ID_MAX) ||
      !within(options.indirectProbes, 1, 8) ||
      !within(options.neighboursMax, 1, 256) ||
      !within(options.relaysMax, 1, 16) ||
      !within(options.updatesMax, 1, 256) ||
      !within(options.outputsMax, 4, 256) ||
      !Number.isInteger(options.seed)
    ) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new Swim(options));
  }

  // ------------------------------------------------------------ state

  get incarnation(): Incarnation {
    return this.incarnation_ as Incarnation;
  }
  /** Lifeguard's local health: 0 healthy .. AWARENESS_MAX. */
  get awareness(): number {
    return this.awareness_;
  }
  get neighbourCount(): number {
    return this.neighbourCount_;
  }

  /**
   * A direct radio neighbour appeared (`present`) or went (routing's view).
   * Full: MembershipTableFull. Unknown members are probed only once the
   * table holds them.
   */
  setNeighbour(nodeId: NodeId, present: boolean): ErrorCode {
    if (!Number.isInteger(nodeId) || nodeId < 1 || nodeId > MEMBER_ID_MAX || nodeId === this.nodeId) return ErrorCode.InvalidArgument;
    const at = this.neighbourIndex_(nodeId);
    if (present) {
      if (at >= 0) return ErrorCode.Ok;
      if (this.neighbourCount_ >= this.neighbours_.length) return ErrorCode.MembershipTableFull;
      this.neighbours_[this.neighbourCount_] = nodeId;
      this.heardMs_[this.neighbourCount_] = -1;
      this.neighbourCount_++;
      return ErrorCode.Ok;
    }
    if (at < 0) return ErrorCode.NotFound;
    const last = this.neighbourCount_ - 1;
    this.neighbours_[at] = this.neighbours_[last] ?? 0;
    this.heardMs_[at] = this.heardMs_[last] ?? -1;
    this.neighbourCount_--;
    return ErrorCode.Ok;
  }

  private neighbourIndex_(nodeId: number): number {
    for (let i = 0; i < this.neighbourCount_; i++) if (this.neighbours_[i] === nodeId) return i;
    return -1;
  }

  // ------------------------------------------------------------ outputs (drained by the driver)

  get outputCount(): number {
    return this.outputCount_;
  }
  outputKind(i: number): number {
    return this.outputs_[i * OUT_FIELDS] ?? 0;
  }
  outputTo(i: number): NodeId {
    return (this.outputs_[i * OUT_FIELDS + 1] ?? 0) as NodeId;
  }
  /** The member a ping-req or an ack concerns, or 0. */
  outputTarget(i: number): NodeId | 0 {
    return (this.outputs_[i * OUT_FIELDS + 2] ?? 0) as NodeId | 0;
  }
  outputSeq(i: number): number {
    return this.outputs_[i * OUT_FIELDS + 3] ?? 0;
  }
  outputIncarnation(i: number): Incarnation {
    return (this.outputs_[i * OUT_FIELDS + 4] ?? 0) as Incarnation;
  }
  get changeCount(): number {
    return this.changeCount_;
  }
  /** State change i: [node, from state, to state, incarnation] into `out`. */
  change(i: number, out: Float64Array): void {
    out.set(this.changes_.subarray(i * CHANGE_FIELDS, (i + 1) * CHANGE_FIELDS));
  }
  /** The driver has sent every output and reported every change. */
  advance(): void {
    this.outputCount_ = 0;
    this.changeCount_ = 0;
  }

  private emit_(kind: SwimKind, to: number, target: number, seq: number, incarnation: number): boolean {
    if (this.outputCount_ * OUT_FIELDS >= this.outputs_.length) {
      this.stats[SwimStat.outputsRefused] = (this.stats[SwimStat.outputsRefused] ?? 0) + 1;
      return false;
    }
    const base = this.outputCount_ * OUT_FIELDS;
    this.outputs_[base] = kind;
    this.outputs_[base + 1] = to;
    this.outputs_[base + 2] = target;
    this.outputs_[base + 3] = seq;
    this.outputs_[base + 4] = incarnation;
    this.outputCount_++;
    return true;
  }

  /** Apply a lifecycle event to the table and record the change (if any) for the driver. */
  private apply_(nodeId: NodeId, event: number, origin: number, incarnation: Incarnation, introducer: NodeId | 0, nowMs: number): ErrorCode {
    const before = this.table_.stateOf(nodeId);
    const code = this.table_.apply(nodeId, event, origin, incarnation, introducer, nowMs, this.step_);
    if (code === ErrorCode.Ok && this.step_.changed && this.changeCount_ * CHANGE_FIELDS < this.changes_.length) {
      const base = this.changeCount_ * CHANGE_FIELDS;
      this.changes_[base] = nodeId;
      this.changes_[base + 1] = before;
      this.changes_[base + 2] = this.step_.state;
      this.changes_[base + 3] = this.step_.incarnation;
      this.changeCount_++;
    }
    return code;
  }

  private bump_(stat: number): void {
    this.stats[stat] = (this.stats[stat] ?? 0) + 1;
  }

  // ------------------------------------------------------------ time

  /** Run what is due at `nowMs`: relay deadlines, the own probe's phases, suspicion timeouts, the next probe. */
  tick(nowMs: number): void {
    this.expireRelays_(nowMs);
    this.advanceProbe_(nowMs);
    this.expireSuspicions_(nowMs);
    if (this.phase_ === PHASE_IDLE && nowMs >= this.nextProbeMs_) {
      this.nextProbeMs_ = Math.max(this.nextProbeMs_ + this.timing_.probePeriodMs, nowMs);
      this.startProbe_(nowMs);
    }
  }

  /** When `tick` next has something to do (ms). */
  nextWakeMs(): number {
    let wake = this.phase_ === PHASE_IDLE ? this.nextProbeMs_ : this.phase_ === PHASE_DIRECT ? this.sentMs_ + probeTimeoutAtMs(this.timing_, this.awareness_) : this.indirectDeadlineMs_;
    for (let r = 0; r < this.relays_.length; r += RELAY_FIELDS) if ((this.relays_[r] ?? 0) !== 0) wake = Math.min(wake, this.relays_[r + 4] ?? wake);
    for (let s = 0; s < this.suspicionCount_; s++) {
      const base = s * SUSPICION_FIELDS;
      wake = Math.min(wake, (this.suspicions_[base + 1] ?? 0) + suspicionTimeoutMs(this.timing_, this.suspicions_[base + 2] ?? 0));
    }
    return wake;
  }

  private probeable_(nodeId: number): boolean {
    const state = this.table_.stateOf(nodeId as NodeId);
    return state === MemberState.Alive || state === MemberState.Joining || state === MemberState.Suspect;
  }

  private startProbe_(nowMs: number): void {
    if (this.neighbourCount_ === 0) return;
    for (let tries = 0; tries < this.neighbourCount_; tries++) {
      if (this.orderAt_ >= this.orderCount_) this.shuffle_();
      const target = this.order_[this.orderAt_++] ?? 0;
      const at = this.neighbourIndex_(target);
      if (at < 0 || !this.probeable_(target)) continue;
      if ((this.heardMs_[at] ?? -1) >= 0 && nowMs - (this.heardMs_[at] ?? 0) < this.timing_.probePeriodMs && this.table_.stateOf(target as NodeId) === MemberState.Alive) {
        this.bump_(SwimStat.probesSkippedHeard);
        continue;
      }
      this.seq_ = (this.seq_ + 1) >>> 0;
      if (!this.emit_(SwimKind.Ping, target, target, this.seq_, this.incarnation_)) return;
      this.bump_(SwimStat.probes);
      this.phase_ = PHASE_DIRECT;
      this.target_ = target;
      this.probeSeq_ = this.seq_;
      this.sentMs_ = nowMs;
      this.helpersAsked_ = 0;
      this.nacks_ = 0;
      return;
    }
  }

  /** A new round: every neighbour once, in a fresh random order (Fisher-Yates). */
  private shuffle_(): void {
    const n = this.neighbourCount_;
    for (let i = 0; i < n; i++) this.order_[i] = this.neighbours_[i] ?? 0;
    for (let i = n - 1; i > 0; i--) {
      const j = this.random_.nextBelow(i + 1);
      const t = this.order_[i] ?? 0;
      this.order_[i] = this.order_[j] ?? 0;
      this.order_[j] = t;
    }
    this.orderAt_ = 0;
    this.orderCount_ = n;
  }

  private advanceProbe_(nowMs: number): void {
    if (this.phase_ === PHASE_DIRECT && nowMs >= this.sentMs_ + probeTimeoutAtMs(this.timing_, this.awareness_)) {
      // Ask up to k other neighbours that are alive, chosen at random.
      this.phase_ = PHASE_INDIRECT;
      this.indirectDeadlineMs_ = Math.max(this.sentMs_ + this.timing_.probePeriodMs, nowMs + this.timing_.probeTimeoutMs * 2);
      const start = this.neighbourCount_ > 0 ? this.random_.nextBelow(this.neighbourCount_) : 0;
      for (let i = 0; i < this.neighbourCount_ && this.helpersAsked_ < this.k_; i++) {
        const helper = this.neighbours_[(start + i) % this.neighbourCount_] ?? 0;
        if (helper === this.target_ || this.table_.stateOf(helper as NodeId) !== MemberState.Alive) continue;
        if (!this.emit_(SwimKind.PingReq, helper, this.target_, this.probeSeq_, this.incarnation_)) break;
        this.helpersAsked_++;
        this.bump_(SwimStat.indirectProbes);
      }
      return;
    }
    if (this.phase_ === PHASE_INDIRECT && nowMs >= this.indirectDeadlineMs_) {
      this.phase_ = PHASE_IDLE;
      // Lifeguard: fewer nacks than helpers asked means this board may be the slow one.
      if (this.nacks_ < this.helpersAsked_) this.awareness_ = Math.min(AWARENESS_MAX, this.awareness_ + 1);
      const incarnation = this.table_.incarnationOf(this.target_ as NodeId);
      if (incarnation < 0) return;
      if (this.apply_(this.target_ as NodeId, MemberEvent.Suspect, EventOrigin.Local, incarnation as Incarnation, 0, nowMs) === ErrorCode.Ok) {
        this.bump_(SwimStat.suspicionsRaised);
        this.suspect_(this.target_, nowMs);
        this.queueUpdate_(this.target_, MemberEvent.Suspect, incarnation, 0, false);
      }
    }
  }

  private suspect_(nodeId: number, nowMs: number): void {
    for (let s = 0; s < this.suspicionCount_; s++) {
      const base = s * SUSPICION_FIELDS;
      if (this.suspicions_[base] === nodeId) {
        this.suspicions_[base + 2] = (this.suspicions_[base + 2] ?? 0) + 1; // an independent confirmation
        return;
      }
    }
    if (this.suspicionCount_ * SUSPICION_FIELDS >= this.suspicions_.length) return;
    const base = this.suspicionCount_ * SUSPICION_FIELDS;
    this.suspicions_[base] = nodeId;
    this.suspicions_[base + 1] = nowMs;
    this.suspicions_[base + 2] = 0;
    this.suspicionCount_++;
  }

  private dropSuspicion_(s: number): void {
    const last = (this.suspicionCount_ - 1) * SUSPICION_FIELDS;
    this.suspicions_.copyWithin(s * SUSPICION_FIELDS, last, last + SUSPICION_FIELDS);
    this.suspicionCount_--;
  }

  private expireSuspicions_(nowMs: number): void {
    for (let s = 0; s < this.suspicionCount_; ) {
      const base = s * SUSPICION_FIELDS;
      const nodeId = this.suspicions_[base] ?? 0;
      if (this.table_.stateOf(nodeId as NodeId) !== MemberState.Suspect) {
        this.dropSuspicion_(s); // refuted, left or declared by others
        continue;
      }
      if (nowMs < (this.suspicions_[base + 1] ?? 0) + suspicionTimeoutMs(this.timing_, this.suspicions_[base + 2] ?? 0)) {
        s++;
        continue;
      }
      const incarnation = this.table_.incarnationOf(nodeId as NodeId);
      this.apply_(nodeId as NodeId, MemberEvent.SuspicionTimeout, EventOrigin.Local, incarnation as Incarnation, 0, nowMs);
      if (this.apply_(nodeId as NodeId, MemberEvent.Failed, EventOrigin.Local, incarnation as Incarnation, 0, nowMs) === ErrorCode.Ok) {
        this.bump_(SwimStat.failuresDeclared);
        this.queueUpdate_(nodeId, MemberEvent.Failed, incarnation, 0, false);
      }
      this.dropSuspicion_(s);
    }
  }

  private expireRelays_(nowMs: number): void {
    for (let r = 0; r < this.relays_.length; r += RELAY_FIELDS) {
      if ((this.relays_[r] ?? 0) === 0 || nowMs < (this.relays_[r + 4] ?? 0)) continue;
      if (this.emit_(SwimKind.Nack, this.relays_[r] ?? 0, this.relays_[r + 1] ?? 0, this.relays_[r + 2] ?? 0, this.incarnation_)) this.bump_(SwimStat.nacksSent);
      this.relays_.fill(0, r, r + RELAY_FIELDS);
    }
  }

  // ------------------------------------------------------------ input

  /**
   * Any authenticated frame from `nodeId` (alive evidence for free): a
   * neighbour heard this period is not probed, and a Joining member it
   * concerns is now Alive.
   */
  heard(nodeId: NodeId, nowMs: number): void {
    const at = this.neighbourIndex_(nodeId);
    if (at >= 0) this.heardMs_[at] = nowMs;
    if (this.table_.stateOf(nodeId) === MemberState.Joining) this.apply_(nodeId, MemberEvent.Alive, EventOrigin.Local, this.table_.incarnationOf(nodeId) as Incarnation, 0, nowMs);
  }

  /**
   * A protocol message from `from` (authenticated by the link). `target`
   * and `incarnation` are the message's fields (for an ack: the member that
   * answered and its incarnation). Errors: InvalidArgument (fields),
   * NotFound (an ack or nack nobody waits for).
   */
  receive(from: NodeId, kind: number, seq: number, target: NodeId | 0, incarnation: Incarnation, nowMs: number): ErrorCode {
    if (!Number.isInteger(from) || from < 1 || from > MEMBER_ID_MAX || !Number.isInteger(target) || target < 0 || target > MEMBER_ID_MAX) return ErrorCode.InvalidArgument;
    if (!Number.isInteger(incarnation) || incarnation < 0 || incarnation > INCARNATION_MAX || !Number.isInteger(seq) || seq < 0 || seq > 0xffff_ffff) return ErrorCode.InvalidArgument;
    this.heard(from, nowMs);
    switch (kind) {
      case SwimKind.Ping:
        if (target !== this.nodeId && target !== 0) return ErrorCode.InvalidArgument;
        this.emit_(SwimKind.Ack, from, this.nodeId, seq, this.incarnation_);
        return ErrorCode.Ok;
      case SwimKind.PingReq:
        return this.serve_(from, target, seq, nowMs);
      case SwimKind.Ack:
        return this.acked_(from, seq, target, incarnation, nowMs);
      case SwimKind.Nack:
        if (this.phase_ === PHASE_INDIRECT && seq === this.probeSeq_ && target === this.target_) {
          this.nacks_++;
          this.bump_(SwimStat.nacksReceived);
          return ErrorCode.Ok;
        }
        return ErrorCode.NotFound;
      default:
        return ErrorCode.InvalidArgument;
    }
  }

  private serve_(requester: number, target: number, seq: number, nowMs: number): ErrorCode {
    if (target === 0 || target === this.nodeId || target === requester) return ErrorCode.InvalidArgument;
    for (let r = 0; r < this.relays_.length; r += RELAY_FIELDS) {
      if ((this.relays_[r] ?? 0) !== 0) continue;
      this.seq_ = (this.seq_ + 1) >>> 0;
      if (!this.emit_(SwimKind.Ping, target, target, this.seq_, this.incarnation_)) return ErrorCode.Full;
      this.relays_[r] = requester;
      this.relays_[r + 1] = target;
      this.relays_[r + 2] = seq;
      this.relays_[r + 3] = this.seq_;
      this.relays_[r + 4] = nowMs + probeTimeoutAtMs(this.timing_, this.awareness_);
      return ErrorCode.Ok;
    }
    this.bump_(SwimStat.relaysRefused);
    this.emit_(SwimKind.Nack, requester, target, seq, this.incarnation_); // cannot help: say so at once
    return ErrorCode.Full;
  }

  private acked_(from: NodeId, seq: number, target: NodeId | 0, incarnation: Incarnation, nowMs: number): ErrorCode {
    let matched = false;
    if (target === from) {
      // The member's own answer: alive evidence from itself.
      this.bump_(SwimStat.acks);
      this.apply_(from, MemberEvent.Alive, EventOrigin.Self, incarnation, 0, nowMs);
      if (this.phase_ !== PHASE_IDLE && from === this.target_ && seq === this.probeSeq_) {
        this.phase_ = PHASE_IDLE;
        this.awareness_ = Math.max(0, this.awareness_ - 1);
        matched = true;
      }
      for (let r = 0; r < this.relays_.length; r += RELAY_FIELDS) {
        if ((this.relays_[r] ?? 0) === 0 || this.relays_[r + 1] !== from || this.relays_[r + 3] !== seq) continue;
        this.emit_(SwimKind.Ack, this.relays_[r] ?? 0, from, this.relays_[r + 2] ?? 0, incarnation);
        this.relays_.fill(0, r, r + RELAY_FIELDS);
        matched = true;
      }
    } else if (this.phase_ === PHASE_INDIRECT && target === this.target_ && seq === this.probeSeq_) {
      // A helper reached it: hearsay, which keeps it from being suspected but proves nothing more.
      this.phase_ = PHASE_IDLE;
      this.apply_(target as NodeId, MemberEvent.AliveReport, EventOrigin.Peer, incarnation, from, nowMs);
      matched = true;
    }
    return matched ? ErrorCode.Ok : ErrorCode.NotFound;
  }

  // ------------------------------------------------------------ dissemination

  /**
   * A piggybacked update about `nodeId` from `from`. `fromMember` says the
   * update carries `nodeId`'s own seal (its alive, leave or left, verified
   * by the caller: the seal travels with the update when boards pass it on,
   * so a refutation or a leave keeps its authority however far it goes);
   * otherwise it is `from`'s report. An update about this board that
   * suspects or fails it is refuted at once. Returns the lifecycle's code.
   */
  applyUpdate(from: NodeId, nodeId: NodeId, event: number, incarnation: Incarnation, fromMember: boolean, nowMs: number): ErrorCode {
    if (nodeId === this.nodeId) {
      if ((event === MemberEvent.Suspect || event === MemberEvent.Failed) && Number.isInteger(incarnation) && incarnation >= this.incarnation_ && incarnation < INCARNATION_MAX) {
        this.incarnation_ = incarnation + 1;
        this.awareness_ = Math.min(AWARENESS_MAX, this.awareness_ + 1);
        this.bump_(SwimStat.refutations);
        this.queueUpdate_(this.nodeId, MemberEvent.Alive, this.incarnation_, 1, true);
      }
      return ErrorCode.Ok;
    }
    const origin = fromMember ? EventOrigin.Self : EventOrigin.Peer;
    const mapped = event === MemberEvent.Alive && !fromMember ? MemberEvent.AliveReport : event;
    const code = this.apply_(nodeId, mapped, origin, incarnation, fromMember ? 0 : from, nowMs);
    if (code === ErrorCode.Ok) {
      this.bump_(SwimStat.updatesApplied);
      if (mapped === MemberEvent.Suspect) this.suspect_(nodeId, nowMs);
      // Pass it on (dissemination is infection-style); a member's own sealed word is passed on sealed, as received.
      this.queueUpdate_(nodeId, event, fromMember ? incarnation : this.table_.incarnationOf(nodeId), event === MemberEvent.Leave || event === MemberEvent.Left ? 1 : 0, fromMember);
    } else {
      this.bump_(SwimStat.updatesRefused);
    }
    return code;
  }

  /** This board leaves gracefully: its leave goes first in the piggyback queue. */
  leave(): void {
    this.queueUpdate_(this.nodeId, MemberEvent.Leave, this.incarnation_, 1, true);
    this.queueUpdate_(this.nodeId, MemberEvent.Left, this.incarnation_, 1, true);
  }

  get updateCount(): number {
    return this.updateCount_;
  }

  private queueUpdate_(nodeId: number, event: number, incarnation: number, priority: number, sealed: boolean): void {
    // One update per member and event: a newer one replaces it and starts its transmissions again.
    let slot = -1;
    for (let u = 0; u < this.updateCount_; u++) {
      const base = u * UPDATE_FIELDS;
      if (this.updates_[base] === nodeId && this.updates_[base + 1] === event) {
        slot = u;
        break;
      }
    }
    if (slot < 0) {
      if (this.updateCount_ * UPDATE_FIELDS >= this.updates_.length) {
        // Full: the most transmitted low-priority update makes room (it has been heard most); else drop this one.
        let worst = -1;
        let worstSent = -1;
        for (let u = 0; u < this.updateCount_; u++) {
          const base = u * UPDATE_FIELDS;
          if ((this.updates_[base + 4] ?? 0) === 0 && (this.updates_[base + 3] ?? 0) > worstSent) {
            worst = u;
            worstSent = this.updates_[base + 3] ?? 0;
          }
        }
        this.bump_(SwimStat.updatesDropped);
        if (worst < 0 || priority === 0) return;
        slot = worst;
      } else slot = this.updateCount_++;
    }
    const base = slot * UPDATE_FIELDS;
    this.updates_[base] = nodeId;
    this.updates_[base + 1] = event;
    this.updates_[base + 2] = incarnation;
    this.updates_[base + 3] = 0;
    this.updates_[base + 4] = priority;
    this.updates_[base + 5] = sealed ? 1 : 0;
  }

  /**
   * Up to `max` updates to piggyback on the frame being sent now, into
   * node/event/incarnation/sealed arrays: priority first, then the least sent
   * (the freshest). Each counts one transmission; an update sent
   * `retransmitLimit` times leaves the queue. Returns how many were written.
   */
  takeUpdates(max: number, nodes: Uint16Array, events: Uint8Array, incarnations: Float64Array, sealed: Uint8Array): number {
    const limit = Math.min(max, nodes.length, events.length, incarnations.length, sealed.length);
    let n = 0;
    while (n < limit) {
      let best = -1;
      for (let u = 0; u < this.updateCount_; u++) {
        const base = u * UPDATE_FIELDS;
        let taken = false;
        for (let j = 0; j < n; j++) if (nodes[j] === this.updates_[base] && events[j] === this.updates_[base + 1]) taken = true;
        if (taken) continue;
        if (best < 0) {
          best = u;
          continue;
        }
        const b = best * UPDATE_FIELDS;
        const better = (this.updates_[base + 4] ?? 0) > (this.updates_[b + 4] ?? 0) || ((this.updates_[base + 4] ?? 0) === (this.updates_[b + 4] ?? 0) && (this.updates_[base + 3] ?? 0) < (this.updates_[b + 3] ?? 0));
        if (better) best = u;
      }
      if (best < 0) break;
      const base = best * UPDATE_FIELDS;
      nodes[n] = this.updates_[base] ?? 0;
      events[n] = this.updates_[base + 1] ?? 0;
      incarnations[n] = this.updates_[base + 2] ?? 0;
      sealed[n] = this.updates_[base + 5] ?? 0;
      n++;
      this.updates_[base + 3] = (this.updates_[base + 3] ?? 0) + 1;
    }
    // Updates sent often enough leave the queue.
    for (let u = 0; u < this.updateCount_; ) {
      const base = u * UPDATE_FIELDS;
      if ((this.updates_[base + 3] ?? 0) < this.retransmitLimit_) {
        u++;
        continue;
      }
      const last = (this.updateCount_ - 1) * UPDATE_FIELDS;
      this.updates_.copyWithin(base, last, last + UPDATE_FIELDS);
      this.updateCount_--;
    }
    return n;
  }
}
