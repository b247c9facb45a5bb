/**
 * core/membership public surface (README "Membership: the member lifecycle"):
 * the member lifecycle and its transition table.
 */
export {
  EventOrigin,
  INCARNATION_MAX,
  IncarnationGuard,
  LifecycleStep,
  MEMBER_EVENT_COUNT,
  MEMBER_EVENT_NAMES,
  MEMBER_STATE_COUNT,
  MEMBER_STATE_NAMES,
  MemberEvent,
  MemberState,
  TRANSITIONS,
  lifecycleMermaid,
  transition,
  transitionFor,
  type LifecycleTransition,
} from "./lifecycle";
export { MEMBER_CAPACITY_MAX, MEMBER_ID_MAX, MEMBER_TABLE_STAT_COUNT, MemberTable, MemberTableStat, type MemberTableOptions } from "./member-table";
export { AWARENESS_MAX, DEFAULT_TIMING, membershipTiming, probeTimeoutAtMs, suspicionTimeoutMs, type MembershipTiming, type MembershipTimingInput } from "./timing";
export { SWIM_STAT_COUNT, Swim, SwimKind, SwimStat, type SwimOptions } from "./swim";
