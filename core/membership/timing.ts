/**
 * Membership timing from the radio (README "Membership: timing from the
 * radio"): the probe period, timeouts, suspicion bounds and dissemination
 * limit, derived from what a probe costs on air and from the share of the
 * board's duty-cycle budget membership may spend.
 *
 * The formulas:
 *  - Airtime of one probe round, A = ping + ack (this board's own probe,
 *    and on average one ack for a neighbour's probe of it: with shuffled
 *    round-robin every member is probed about once a period, SWIM §4.3),
 *    plus the indirect share: a failed direct probe costs k ping-reqs, and
 *    a board relays for others about as often as it asks, so
 *    A = (ping + ack) × (1 + indirectAllowance).
 *  - Probe period P = A / (duty × share), rounded up to a whole second: at
 *    that period membership's own frames use exactly `sharePermille` of the
 *    duty budget (EN 300 220: duty is the share of any hour on air).
 *    Dissemination costs no airtime of its own: updates ride on frames sent
 *    anyway (telemetry, acks, beacons).
 *  - Direct probe timeout T = 2 × (ping + ack) + turnaroundMs, the round trip
 *    with a second chance for the channel; Lifeguard's local health
 *    multiplier scales it by (awareness + 1) (arXiv 1707.00788 §4.1), and the
 *    period must fit the probe and its indirect round: P ≥ 3 T at awareness 0.
 *  - Suspicion: min = suspicionMult × max(1, log10 N) × P, max =
 *    suspicionMaxMult × min (memberlist's bounds); with C independent
 *    confirmations the timeout falls from max towards min as
 *    max − (max − min) × log(C + 1) / log(K + 1), K = the confirmations
 *    expected (Lifeguard §4.2).
 *  - Dissemination: each update is piggybacked retransmitMult × ⌈log10(N + 1)⌉
 *    times (memberlist), which reaches every member with high probability in
 *    O(log N) periods (SWIM §4.1, infection-style dissemination).
 *  - Expected time to a first suspicion of a crashed member: e/(e − 1) ≈ 1.58
 *    periods (SWIM §3.1); round-robin bounds the worst case to 2 × members − 1
 *    periods (SWIM §4.3).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";

export interface MembershipTimingInput {
  /** Airtime of a ping frame and of an ack frame, ms (core/mesh/airtime.ts for the board's LoRa settings). */
  readonly pingAirtimeMs: number;
  readonly ackAirtimeMs: number;
  /** The board's duty-cycle budget, permille of any hour (10 = 1 %, 100 = 10 %). */
  readonly dutyCyclePermille: number;
  /** Share of that budget membership may spend, permille (default 100 = 10 %). */
  readonly sharePermille: number;
  /** Members of the site, 1..65534. */
  readonly members: number;
  /** Indirect probes per failed direct probe (SWIM's k), 1..8. */
  readonly indirectProbes: number;
  /** Fraction of rounds that also pay for indirect probes, permille (default 250). */
  readonly indirectAllowancePermille: number;
  /** Radio turnaround and processing allowance per round trip, ms. */
  readonly turnaroundMs: number;
  /** memberlist's SuspicionMult (default 4), SuspicionMaxTimeoutMult (default 6), RetransmitMult (default 4). */
  readonly suspicionMult: number;
  readonly suspicionMaxMult: number;
  readonly retransmitMult: number;
}

export const DEFAULT_TIMING: Omit<MembershipTimingInput, "pingAirtimeMs" | "ackAirtimeMs" | "dutyCyclePermille" | "members"> = Object.freeze({
  sharePermille: 100,
  indirectProbes: 3,
  indirectAllowancePermille: 250,
  turnaroundMs: 200,
  suspicionMult: 4,
  suspicionMaxMult: 6,
  retransmitMult: 4,
});

/** Lifeguard's local health multiplier saturates here (memberlist's AwarenessMaxMultiplier). */
export const AWARENESS_MAX = 8;

export interface MembershipTiming {
  readonly probePeriodMs: number;
  /** Direct probe timeout at awareness 0; multiply by (awareness + 1). */
  readonly probeTimeoutMs: number;
  readonly suspicionMinMs: number;
  readonly suspicionMaxMs: number;
  /** Confirmations expected before the suspicion timeout reaches its minimum (Lifeguard's K). */
  readonly expectedConfirmations: number;
  /** Times each update is piggybacked. */
  readonly retransmitLimit: number;
  /** Membership's own airtime per hour at this period, ms, and its share of the duty budget, permille. */
  readonly airtimePerHourMs: number;
  readonly budgetUsePermille: number;
  /** Expected time to a first suspicion of a crashed member, and its round-robin worst case, ms. */
  readonly expectedFirstDetectionMs: number;
  readonly worstFirstDetectionMs: number;
}

const HOUR_MS = 3_600_000;

function inRange(value: number, min: number, max: number): boolean {
  return Number.isFinite(value) && value >= min && value <= max;
}

/**
 * The timing for `input` (see the file comment for each formula), or
 * InvalidArgument naming nothing more: every field has its documented
 * range, checked here, and a budget too small for even one probe a day is
 * refused rather than capped.
 */
export function membershipTiming(input: MembershipTimingInput): Result<MembershipTiming> {
  if (
    !inRange(input.pingAirtimeMs, 1, 10_000) ||
    !inRange(input.ackAirtimeMs, 1, 10_000) ||
    !Number.isInteger(input.dutyCyclePermille) ||
    !inRange(input.dutyCyclePermille, 1, 1000) ||
    !Number.isInteger(input.sharePermille) ||
    !inRange(input.sharePermille, 1, 1000) ||
    !Number.isInteger(input.members) ||
    !inRange(input.members, 1, 0xfffe) ||
    !Number.isInteger(input.indirectProbes) ||
    !inRange(input.indirectProbes, 1, 8) ||
    !Number.isInteger(input.indirectAllowancePermille) ||
    !inRange(input.indirectAllowancePermille, 0, 1000) ||
    !inRange(input.turnaroundMs, 0, 10_000) ||
    !inRange(input.suspicionMult, 1, 32) ||
    !inRange(input.suspicionMaxMult, 1, 32) ||
    !Number.isInteger(input.retransmitMult) ||
    !inRange(input.retransmitMult, 1, 32)
  ) {
    return err(ErrorCode.InvalidArgument);
  }
  const roundAirtimeMs = (input.pingAirtimeMs + input.ackAirtimeMs) * (1 + input.indirectAllowancePermille / 1000);
  const budgetFraction = (input.dutyCyclePermille / 1000) * (input.sharePermille / 1000);
  const probeTimeoutMs = Math.ceil(2 * (input.pingAirtimeMs + input.ackAirtimeMs) + input.turnaroundMs);
  const byBudgetMs = roundAirtimeMs / budgetFraction;
  const probePeriodMs = Math.ceil(Math.max(byBudgetMs, 3 * probeTimeoutMs) / 1000) * 1000;
  if (probePeriodMs > 86_400_000) return err(ErrorCode.InvalidArgument);
  const scale = Math.max(1, Math.log10(input.members));
  const suspicionMinMs = Math.ceil(input.suspicionMult * scale * probePeriodMs);
  const suspicionMaxMs = Math.ceil(input.suspicionMaxMult * suspicionMinMs);
  const airtimePerHourMs = (HOUR_MS / probePeriodMs) * roundAirtimeMs;
  return ok({
    probePeriodMs,
    probeTimeoutMs,
    suspicionMinMs,
    suspicionMaxMs,
    expectedConfirmations: Math.max(1, Math.round(input.suspicionMult) - 2),
    retransmitLimit: input.retransmitMult * Math.ceil(Math.log10(input.members + 1)),
    airtimePerHourMs,
    budgetUsePermille: (1000 * airtimePerHourMs) / (HOUR_MS * (input.dutyCyclePermille / 1000)),
    expectedFirstDetectionMs: (Math.E / (Math.E - 1)) * probePeriodMs,
    worstFirstDetectionMs: (2 * input.members - 1) * probePeriodMs,
  });
}

/**
 * Lifeguard's suspicion timeout after `confirmations` independent
 * confirmations (§4.2): from max down to min as log(C + 1) / log(K + 1).
 */
export function suspicionTimeoutMs(timing: MembershipTiming, confirmations: number): number {
  const c = Math.max(0, Math.floor(confirmations));
  const k = timing.expectedConfirmations;
  const fraction = Math.min(1, Math.log(c + 1) / Math.log(k + 1));
  return Math.max(timing.suspicionMinMs, Math.floor(timing.suspicionMaxMs - (timing.suspicionMaxMs - timing.suspicionMinMs) * fraction));
}

/** The direct probe timeout at Lifeguard awareness `awareness` (0..AWARENESS_MAX). */
export function probeTimeoutAtMs(timing: MembershipTiming, awareness: number): number {
  const a = Math.min(AWARENESS_MAX, Math.max(0, Math.floor(awareness)));
  return timing.probeTimeoutMs * (a + 1);
}
