/**
 * The member lifecycle (README "Membership: the member lifecycle"): the
 * states a member of the mesh goes through, as seen by one board, and the
 * only transitions allowed between them, kept as data in TRANSITIONS.
 *
 * States follow SWIM (Das, Gupta, Motivala, DSN 2002: alive, suspected,
 * confirmed failed, incarnation numbers), Lifeguard (arXiv 1707.00788),
 * serf's graceful states (Leaving, Left kept apart from Failed) and the
 * `unreachable` state of Apple's swift-cluster-membership (suspicion has run
 * out, and a decision, local or by the site's consensus, makes it Failed).
 * `Evicted` is a tombstone: the site removed the member (a revoked key, an
 * operator's decision); only a new admission brings that identity back.
 *
 * Every event names its origin, which the caller must have authenticated:
 *  - Self: the member itself (its own frame, or one relayed but sealed end
 *    to end by its key): only it may raise its incarnation (a refutation),
 *    announce itself, or leave;
 *  - Peer: another member's report (gossip: suspect, failed);
 *  - Local: this board's own timers and decisions (a probe that failed,
 *    suspicion that ran out);
 *  - Authority: a decision of the site's coordination (admission, eviction).
 *
 * `transition` applies one event to one member's (state, incarnation), or
 * refuses it with a specific code and changes nothing. Only the member
 * itself, this board's probe of it, or the site raise its incarnation; a
 * peer's report applies to the life this board knows. It is a pure
 * function; the member table counts refusals per code.
 */
import { ErrorCode, type FailureCode } from "../runtime/errors";

/** A member's state. */
export const MemberState = Object.freeze({
  /** Heard of (gossip or its own hello) and admitted, not yet seen alive. */
  Joining: 0,
  Alive: 1,
  /** Reported unreachable by a probe or a peer; it can refute with a higher incarnation. */
  Suspect: 2,
  /** Suspicion ran out; waiting for the decision that makes it Failed (or for its refutation). */
  Unreachable: 3,
  Failed: 4,
  /** Announced its graceful leave and is finishing it. */
  Leaving: 5,
  Left: 6,
  /** Removed by the site: a tombstone until a new admission. */
  Evicted: 7,
} as const);
export type MemberState = (typeof MemberState)[keyof typeof MemberState];
export const MEMBER_STATE_COUNT = 8;
export const MEMBER_STATE_NAMES: readonly string[] = Object.freeze(["Joining", "Alive", "Suspect", "Unreachable", "Failed", "Leaving", "Left", "Evicted"]);

/** What happened to the member. */
export const MemberEvent = Object.freeze({
  /** Direct evidence that it is alive: its own authenticated frame (self), or the ack of our probe (local). */
  Alive: 0,
  /** A probe failed, or suspect{incarnation} reached us. */
  Suspect: 1,
  /** Its suspicion timeout ran out (Lifeguard's dynamic timeout, this board's clock). */
  SuspicionTimeout: 2,
  /** It was declared failed: this board's decision after Unreachable, or failed{incarnation} from a peer. */
  Failed: 3,
  /** It announced its graceful leave. */
  Leave: 4,
  /** Its leave finished: its own left{incarnation}, or this board's leave timeout. */
  Left: 5,
  /** The site evicted it. */
  Evict: 6,
  /** The site admitted it again after an eviction (a new admission). */
  Readmit: 7,
  /** A peer reports it alive (gossip): hearsay, which keeps a member known but never refutes a suspicion. */
  AliveReport: 8,
} as const);
export type MemberEvent = (typeof MemberEvent)[keyof typeof MemberEvent];
export const MEMBER_EVENT_COUNT = 9;
export const MEMBER_EVENT_NAMES: readonly string[] = Object.freeze(["alive", "suspect", "suspicion timeout", "failed", "leave", "left", "evict", "readmit", "alive report"]);

/** Who produced the event (authenticated by the caller). Bit flags, so a transition can allow several. */
export const EventOrigin = Object.freeze({ Self: 1, Peer: 2, Local: 4, Authority: 8 } as const);
export type EventOrigin = (typeof EventOrigin)[keyof typeof EventOrigin];
const ANY_MEMBER = EventOrigin.Peer | EventOrigin.Local;

/** How the event's incarnation must compare with the member's. */
export const IncarnationGuard = Object.freeze({
  /** Not compared (the member's incarnation is kept, or reset by Readmit). */
  None: 0,
  /** event >= current: a report about the current life (SWIM: suspect{i} overrides alive{j} when i >= j). */
  AtLeast: 1,
  /** event > current: only the member raises its incarnation (a refutation, or a new life after failing or leaving). */
  Above: 2,
} as const);
export type IncarnationGuard = (typeof IncarnationGuard)[keyof typeof IncarnationGuard];

/** One allowed transition. */
export interface LifecycleTransition {
  readonly from: MemberState;
  readonly event: MemberEvent;
  readonly to: MemberState;
  /** EventOrigin flags that may produce it. */
  readonly origins: number;
  readonly incarnation: IncarnationGuard;
  /** Why it exists, for the README's diagram and the reader. */
  readonly note: string;
}

const S = MemberState;
const E = MemberEvent;
const O = EventOrigin;
const I = IncarnationGuard;

const row = (from: MemberState, event: MemberEvent, to: MemberState, origins: number, incarnation: IncarnationGuard, note: string): LifecycleTransition =>
  Object.freeze({ from, event, to, origins, incarnation, note });

/**
 * Every allowed transition; anything else is refused. At most one row per
 * (from, event). Self-loops are allowed repetitions (a second suspicion of
 * the same life is a Lifeguard confirmation; a repeated leave or eviction
 * changes nothing but is not an error).
 */
export const TRANSITIONS: readonly LifecycleTransition[] = Object.freeze([
  row(S.Joining, E.Alive, S.Alive, O.Self | O.Local, I.AtLeast, "seen alive"),
  row(S.Joining, E.AliveReport, S.Joining, O.Peer, I.AtLeast, "vouched for by a peer; waits for its own word"),
  row(S.Joining, E.Suspect, S.Suspect, ANY_MEMBER, I.AtLeast, "never answered"),
  row(S.Joining, E.Failed, S.Failed, ANY_MEMBER, I.AtLeast, "declared failed"),
  row(S.Joining, E.Leave, S.Leaving, O.Self, I.AtLeast, "leaves before it was seen"),
  row(S.Joining, E.Left, S.Left, O.Self, I.AtLeast, "its leave, heard late"),
  row(S.Alive, E.Alive, S.Alive, O.Self | O.Local, I.AtLeast, "heard again"),
  row(S.Alive, E.AliveReport, S.Alive, O.Peer, I.AtLeast, "reported alive"),
  row(S.Alive, E.Suspect, S.Suspect, ANY_MEMBER, I.AtLeast, "probe failed or suspected by a peer"),
  row(S.Alive, E.Failed, S.Failed, ANY_MEMBER, I.AtLeast, "declared failed by a peer"),
  row(S.Alive, E.Leave, S.Leaving, O.Self, I.AtLeast, "announces its leave"),
  row(S.Alive, E.Left, S.Left, O.Self, I.AtLeast, "its leave, heard late"),
  row(S.Suspect, E.Alive, S.Alive, O.Self, I.Above, "refutes with a higher incarnation"),
  row(S.Suspect, E.Suspect, S.Suspect, ANY_MEMBER, I.AtLeast, "another suspicion (Lifeguard confirmation)"),
  row(S.Suspect, E.SuspicionTimeout, S.Unreachable, O.Local, I.None, "suspicion ran out"),
  row(S.Suspect, E.Failed, S.Failed, ANY_MEMBER, I.AtLeast, "declared failed by a peer"),
  row(S.Suspect, E.Leave, S.Leaving, O.Self, I.AtLeast, "announces its leave"),
  row(S.Suspect, E.Left, S.Left, O.Self, I.AtLeast, "its leave, heard late"),
  row(S.Unreachable, E.Alive, S.Alive, O.Self, I.Above, "refutes with a higher incarnation"),
  row(S.Unreachable, E.Suspect, S.Unreachable, ANY_MEMBER, I.AtLeast, "still suspected"),
  row(S.Unreachable, E.Failed, S.Failed, O.Local | O.Peer | O.Authority, I.AtLeast, "decided failed"),
  row(S.Unreachable, E.Leave, S.Leaving, O.Self, I.AtLeast, "announces its leave"),
  row(S.Unreachable, E.Left, S.Left, O.Self, I.AtLeast, "its leave, heard late"),
  row(S.Failed, E.Alive, S.Alive, O.Self, I.Above, "back with a new incarnation"),
  row(S.Failed, E.Failed, S.Failed, ANY_MEMBER | O.Authority, I.AtLeast, "reported failed again"),
  row(S.Failed, E.Left, S.Left, O.Self, I.AtLeast, "it had left, not failed"),
  row(S.Leaving, E.Leave, S.Leaving, O.Self, I.AtLeast, "its leave, repeated"),
  row(S.Leaving, E.Left, S.Left, O.Self | O.Local, I.AtLeast, "its leave finished"),
  row(S.Left, E.Alive, S.Alive, O.Self, I.Above, "rejoins with a new incarnation"),
  row(S.Left, E.Left, S.Left, O.Self | O.Local, I.AtLeast, "its leave, heard again"),
  row(S.Joining, E.Evict, S.Evicted, O.Authority, I.None, "removed by the site"),
  row(S.Alive, E.Evict, S.Evicted, O.Authority, I.None, "removed by the site"),
  row(S.Suspect, E.Evict, S.Evicted, O.Authority, I.None, "removed by the site"),
  row(S.Unreachable, E.Evict, S.Evicted, O.Authority, I.None, "removed by the site"),
  row(S.Failed, E.Evict, S.Evicted, O.Authority, I.None, "removed by the site"),
  row(S.Leaving, E.Evict, S.Evicted, O.Authority, I.None, "removed by the site"),
  row(S.Left, E.Evict, S.Evicted, O.Authority, I.None, "removed by the site"),
  row(S.Evicted, E.Evict, S.Evicted, O.Authority, I.None, "evicted again"),
  row(S.Evicted, E.Readmit, S.Joining, O.Authority, I.None, "a new admission"),
]);

/** The row for (from, event), or undefined: not an allowed progression. */
export function transitionFor(from: number, event: number): LifecycleTransition | undefined {
  for (let i = 0; i < TRANSITIONS.length; i++) {
    const t = TRANSITIONS[i];
    if (t !== undefined && t.from === from && t.event === event) return t;
  }
  return undefined;
}

/** The outcome of one event, written into a caller-owned record (no allocation). */
export class LifecycleStep {
  /** Ok, or why the event was refused (then state and incarnation are the member's, unchanged). */
  code: ErrorCode = ErrorCode.Ok;
  state: MemberState = MemberState.Joining;
  incarnation = 0;
  /** The state changed (false for an allowed self-loop and for a refusal). */
  changed = false;
}

/** Incarnations are unsigned 32-bit (they travel in 4 bytes). */
export const INCARNATION_MAX = 0xffff_ffff;

function refuse(out: LifecycleStep, state: MemberState, incarnation: number, code: FailureCode): ErrorCode {
  out.code = code;
  out.state = state;
  out.incarnation = incarnation;
  out.changed = false;
  return code;
}

/**
 * Apply `event` (from `origin`, carrying `eventIncarnation`) to a member in
 * `state` at `incarnation`. Refusals, each leaving the member unchanged:
 *  - InvalidArgument: a state, event, origin or incarnation out of range;
 *  - MembershipTransitionNotAllowed: no row for (state, event), e.g.
 *    Evicted → Alive or Left → Suspect;
 *  - MembershipNotFromSelf: only the member itself may do this (refute,
 *    announce or finish its leave), and the origin is another;
 *  - MembershipNotFromAuthority: only the site may do this (evict, readmit);
 *  - MembershipOriginRefused: this origin may not produce this event here
 *    (e.g. a member suspecting itself);
 *  - MembershipStaleIncarnation: the event's incarnation is older than the
 *    guard requires (a refutation that does not raise it, a report about a
 *    past life).
 */
export function transition(state: number, incarnation: number, event: number, origin: number, eventIncarnation: number, out: LifecycleStep): ErrorCode {
  const current = state as MemberState;
  if (
    !Number.isInteger(state) ||
    state < 0 ||
    state >= MEMBER_STATE_COUNT ||
    !Number.isInteger(event) ||
    event < 0 ||
    event >= MEMBER_EVENT_COUNT ||
    (origin !== EventOrigin.Self && origin !== EventOrigin.Peer && origin !== EventOrigin.Local && origin !== EventOrigin.Authority) ||
    !Number.isInteger(incarnation) ||
    incarnation < 0 ||
    incarnation > INCARNATION_MAX ||
    !Number.isInteger(eventIncarnation) ||
    eventIncarnation < 0 ||
    eventIncarnation > INCARNATION_MAX
  ) {
    return refuse(out, current, incarnation, ErrorCode.InvalidArgument);
  }
  const rule = transitionFor(state, event);
  if (rule === undefined) return refuse(out, current, incarnation, ErrorCode.MembershipTransitionNotAllowed);
  if ((rule.origins & origin) === 0) {
    const code = rule.origins === EventOrigin.Self ? ErrorCode.MembershipNotFromSelf : rule.origins === EventOrigin.Authority ? ErrorCode.MembershipNotFromAuthority : ErrorCode.MembershipOriginRefused;
    return refuse(out, current, incarnation, code);
  }
  if (rule.incarnation === IncarnationGuard.AtLeast && eventIncarnation < incarnation) return refuse(out, current, incarnation, ErrorCode.MembershipStaleIncarnation);
  if (rule.incarnation === IncarnationGuard.Above && eventIncarnation <= incarnation) return refuse(out, current, incarnation, ErrorCode.MembershipStaleIncarnation);
  out.code = ErrorCode.Ok;
  out.state = rule.to;
  // Only the member (or this board's own probe of it, or the site) raises its incarnation: a peer's report
  // never does, or a captured board could push a member to INCARNATION_MAX, where it could never refute.
  const raised = origin === EventOrigin.Peer ? incarnation : Math.max(incarnation, eventIncarnation);
  out.incarnation = rule.event === MemberEvent.Readmit ? eventIncarnation : rule.incarnation === IncarnationGuard.None ? incarnation : raised;
  out.changed = rule.to !== current;
  return ErrorCode.Ok;
}

const ORIGIN_NAMES: readonly (readonly [number, string])[] = Object.freeze([
  [EventOrigin.Self, "self"],
  [EventOrigin.Peer, "peer"],
  [EventOrigin.Local, "local"],
  [EventOrigin.Authority, "site"],
]);

function originText(origins: number): string {
  const names: string[] = [];
  for (const [flag, name] of ORIGIN_NAMES) if ((origins & flag) !== 0) names.push(name);
  return names.join("/");
}

/**
 * The transition table as a Mermaid state diagram (README "Membership: the
 * member lifecycle" embeds it; a test keeps the two equal). Self-loops are
 * left out of the drawing; the table lists them.
 */
export function lifecycleMermaid(): string {
  const lines = ["stateDiagram-v2", "  [*] --> Joining: admitted"];
  for (const t of TRANSITIONS) {
    if (t.from === t.to) continue;
    const guard = t.incarnation === IncarnationGuard.AtLeast ? ", inc ≥" : t.incarnation === IncarnationGuard.Above ? ", inc >" : "";
    lines.push(`  ${MEMBER_STATE_NAMES[t.from] ?? "?"} --> ${MEMBER_STATE_NAMES[t.to] ?? "?"}: ${MEMBER_EVENT_NAMES[t.event] ?? "?"} (${originText(t.origins)}${guard})`);
  }
  return lines.join("\n");
}
