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
