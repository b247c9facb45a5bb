/**
 * Graceful shutdown as a sans-IO state machine: only phases, the deadline
 * and what was skipped. The scheduler performs each phase's work and tells
 * this machine when a phase is complete.
 *
 *   Running -> StoppingIntake -> Draining -> Flushing -> Leaving
 *           -> StoppingTimers -> Stopped
 *
 *  - StoppingIntake: intake token cancelled, intake queues closed.
 *  - Draining: bounded queues run empty.
 *  - Flushing: storage flush hooks finish.
 *  - Leaving: "send leave" hooks finish.
 *  - StoppingTimers: every timer disarmed.
 *  - Stopped: nothing runs, nothing is armed, intake refused with `Stopped`.
 *
 * The first `request` starts it and sets the deadline to request time +
 * `timeoutMs`. A second request, or reaching the deadline, forces Stopped at
 * once; the phases that never completed are recorded in `skippedPhasesMask`
 * (bit `1 << phase`) and `forcedBy` says why. A forced stop still disarms
 * every timer: StoppingTimers is never skipped.
 */
import { ErrorCode } from "./errors";
import { err, ok, type Result } from "./result";

export const ShutdownPhase = Object.freeze({
  Running: 0,
  StoppingIntake: 1,
  Draining: 2,
  Flushing: 3,
  Leaving: 4,
  StoppingTimers: 5,
  Stopped: 6,
} as const);

export type ShutdownPhase = (typeof ShutdownPhase)[keyof typeof ShutdownPhase];

export const SHUTDOWN_PHASE_COUNT = 7;

/** Why a shutdown was forced. */
export const ForcedBy = Object.freeze({
  NotForced: 0,
  SecondRequest: 1,
  Deadline: 2,
  /** Stopped before the scheduler was started: there was nothing to shut down. */
  NotStarted: 3,
} as const);

export type ForcedBy = (typeof ForcedBy)[keyof typeof ForcedBy];

/** What `request` did. */
export const ShutdownRequest = Object.freeze({
  Started: 0,
  Forced: 1,
  AlreadyStopped: 2,
} as const);

export type ShutdownRequest = (typeof ShutdownRequest)[keyof typeof ShutdownRequest];

/** Longest accepted shutdown timeout: about 24.8 days (int32 ms). */
export const SHUTDOWN_TIMEOUT_MS_MAX = 0x7fffffff;

/** Phases with work that a forced stop may leave undone. */
const SKIPPABLE_MASK =
  (1 << ShutdownPhase.StoppingIntake) | (1 << ShutdownPhase.Draining) | (1 << ShutdownPhase.Flushing) | (1 << ShutdownPhase.Leaving);

/** Read-only view of the machine, for reports and tests. */
export interface ShutdownView {
  readonly phase: ShutdownPhase;
  readonly inProgress: boolean;
  readonly stopped: boolean;
  readonly timeoutMs: number;
  readonly requestedAtMs: number;
  readonly deadlineMs: number;
  readonly forcedBy: ForcedBy;
  readonly requestCount: number;
  readonly completedPhasesMask: number;
  readonly skippedPhasesMask: number;
}

export function isShutdownPhase(value: number): value is ShutdownPhase {
  return (value >>> 0) === value && value < SHUTDOWN_PHASE_COUNT;
}

export class ShutdownMachine implements ShutdownView {
  private readonly timeoutMs_: number;
  private phase_: ShutdownPhase = ShutdownPhase.Running;
  private requestedAtMs_ = -1;
  private deadlineMs_ = Number.POSITIVE_INFINITY;
  private forcedBy_: ForcedBy = ForcedBy.NotForced;
  private completedMask_ = 0;
  private skippedMask_ = 0;
  private requestCount_ = 0;

  /** `timeoutMs` in 1..SHUTDOWN_TIMEOUT_MS_MAX, else `InvalidArgument`. */
  static create(timeoutMs: number): Result<ShutdownMachine> {
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > SHUTDOWN_TIMEOUT_MS_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new ShutdownMachine(timeoutMs));
  }

  private constructor(timeoutMs: number) {
    this.timeoutMs_ = timeoutMs;
  }

  get phase(): ShutdownPhase {
    return this.phase_;
  }

  /** Between the first request and Stopped. */
  get inProgress(): boolean {
    return this.phase_ !== ShutdownPhase.Running && this.phase_ !== ShutdownPhase.Stopped;
  }

  get stopped(): boolean {
    return this.phase_ === ShutdownPhase.Stopped;
  }

  get timeoutMs(): number {
    return this.timeoutMs_;
  }

  /** Time of the first request, -1 before. */
  get requestedAtMs(): number {
    return this.requestedAtMs_;
  }

  /** The forced-stop deadline; +Infinity before the first request. */
  get deadlineMs(): number {
    return this.deadlineMs_;
  }

  get forcedBy(): ForcedBy {
    return this.forcedBy_;
  }

  /** Requests received, including ones after Stopped. */
  get requestCount(): number {
    return this.requestCount_;
  }

  /** Bit `1 << phase` for every phase that completed. */
  get completedPhasesMask(): number {
    return this.completedMask_;
  }

  /** Bit `1 << phase` for every phase a forced stop left undone. */
  get skippedPhasesMask(): number {
    return this.skippedMask_;
  }

  /**
   * A shutdown request at `nowMs`. From Running: to StoppingIntake, deadline
   * set (`Started`). While in progress: forced to Stopped (`Forced`). When
   * Stopped: nothing changes (`AlreadyStopped`).
   */
  request(nowMs: number): ShutdownRequest {
    this.requestCount_++;
    if (this.phase_ === ShutdownPhase.Stopped) return ShutdownRequest.AlreadyStopped;
    if (this.phase_ !== ShutdownPhase.Running) {
      this.force(ForcedBy.SecondRequest);
      return ShutdownRequest.Forced;
    }
    this.requestedAtMs_ = nowMs;
    this.deadlineMs_ = nowMs + this.timeoutMs_;
    this.phase_ = ShutdownPhase.StoppingIntake;
    return ShutdownRequest.Started;
  }

  /** True when a shutdown in progress has reached its deadline at `nowMs`. */
  deadlineReached(nowMs: number): boolean {
    return this.inProgress && nowMs >= this.deadlineMs_;
  }

  /** The current phase's work is done: move to the next one. Only while in progress; returns the new phase. */
  completePhase(): ShutdownPhase {
    const phase = this.phase_;
    if (!this.inProgress) return phase;
    this.completedMask_ |= 1 << phase;
    this.phase_ = (phase + 1) as ShutdownPhase;
    return this.phase_;
  }

  /** Stop now, recording the undone phases. No effect once Stopped. */
  force(by: ForcedBy): void {
    if (this.phase_ === ShutdownPhase.Stopped) return;
    this.forcedBy_ = by;
    this.skippedMask_ = SKIPPABLE_MASK & ~this.completedMask_;
    // The scheduler disarms every timer on the way to Stopped, forced or not.
    this.completedMask_ |= 1 << ShutdownPhase.StoppingTimers;
    this.phase_ = ShutdownPhase.Stopped;
  }
}
