/**
 * Properties of the member lifecycle (core/membership/lifecycle.ts),
 * platform neutral: the same list runs on V8
 * (test/core/membership/lifecycle.test.ts) and inside the XS engine
 * (test/xs/conformance.test.ts). fast-check comes in as a parameter.
 *
 * The model is a second, independent statement of the lifecycle rules,
 * written per event (the table is written per state), so a mistake in either
 * shows up as a disagreement; fast-check's `commands` drives random event
 * sequences (any state, event, origin and incarnation, with incarnations
 * near the member's so every guard is reached) against both.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { EventOrigin, INCARNATION_MAX, LifecycleStep, MemberEvent, MemberState, TRANSITIONS, transition, transitionFor } from "../../core/membership/index";
import { check, expectSame, type ConformanceProperty, type FastCheck } from "./support";

const S = MemberState;
const E = MemberEvent;
const O = EventOrigin;

interface Outcome {
  readonly code: number;
  readonly state: number;
  readonly incarnation: number;
}

/** The lifecycle rules, stated per event. */
export function modelStep(state: number, incarnation: number, event: number, origin: number, eventIncarnation: number): Outcome {
  const refuse = (code: number): Outcome => ({ code, state, incarnation });
  const member = origin === O.Peer || origin === O.Local;
  const to = (next: number, guard: "atLeast" | "above" | "none", reset = false): Outcome => {
    if (guard === "atLeast" && eventIncarnation < incarnation) return refuse(ErrorCode.MembershipStaleIncarnation);
    if (guard === "above" && eventIncarnation <= incarnation) return refuse(ErrorCode.MembershipStaleIncarnation);
    if (reset) return { code: ErrorCode.Ok, state: next, incarnation: eventIncarnation };
    // Hearsay never moves an incarnation; the member, this board and the site can.
    const trusted = origin !== O.Peer && guard !== "none";
    return { code: ErrorCode.Ok, state: next, incarnation: trusted ? Math.max(incarnation, eventIncarnation) : incarnation };
  };
  switch (event) {
    case E.AliveReport:
      if (state !== S.Joining && state !== S.Alive) return refuse(ErrorCode.MembershipTransitionNotAllowed);
      if (origin !== O.Peer) return refuse(ErrorCode.MembershipOriginRefused);
      return to(state, "atLeast");
    case E.Alive:
      if (state === S.Evicted || state === S.Leaving) return refuse(ErrorCode.MembershipTransitionNotAllowed);
      if (state === S.Joining || state === S.Alive) {
        if (origin !== O.Self && origin !== O.Local) return refuse(ErrorCode.MembershipOriginRefused);
        return to(S.Alive, "atLeast");
      }
      // Suspect, Unreachable, Failed, Left: only the member itself comes back, with a new incarnation.
      if (origin !== O.Self) return refuse(ErrorCode.MembershipNotFromSelf);
      return to(S.Alive, "above");
    case E.Suspect:
      if (state !== S.Joining && state !== S.Alive && state !== S.Suspect && state !== S.Unreachable) return refuse(ErrorCode.MembershipTransitionNotAllowed);
      if (!member) return refuse(ErrorCode.MembershipOriginRefused);
      return to(state === S.Unreachable ? S.Unreachable : S.Suspect, "atLeast");
    case E.SuspicionTimeout:
      if (state !== S.Suspect) return refuse(ErrorCode.MembershipTransitionNotAllowed);
      if (origin !== O.Local) return refuse(ErrorCode.MembershipOriginRefused);
      return to(S.Unreachable, "none");
    case E.Failed:
      if (state !== S.Joining && state !== S.Alive && state !== S.Suspect && state !== S.Unreachable && state !== S.Failed) return refuse(ErrorCode.MembershipTransitionNotAllowed);
      if (!member && !(origin === O.Authority && (state === S.Unreachable || state === S.Failed))) return refuse(ErrorCode.MembershipOriginRefused);
      return to(S.Failed, "atLeast");
    case E.Leave:
      if (state === S.Failed || state === S.Left || state === S.Evicted) return refuse(ErrorCode.MembershipTransitionNotAllowed);
      if (origin !== O.Self) return refuse(ErrorCode.MembershipNotFromSelf);
      return to(S.Leaving, "atLeast");
    case E.Left:
      if (state === S.Evicted) return refuse(ErrorCode.MembershipTransitionNotAllowed);
      if (state === S.Leaving || state === S.Left) {
        if (origin !== O.Self && origin !== O.Local) return refuse(ErrorCode.MembershipOriginRefused);
      } else if (origin !== O.Self) return refuse(ErrorCode.MembershipNotFromSelf);
      return to(S.Left, "atLeast");
    case E.Evict:
      if (origin !== O.Authority) return refuse(ErrorCode.MembershipNotFromAuthority);
      return to(S.Evicted, "none");
    case E.Readmit:
      if (state !== S.Evicted) return refuse(ErrorCode.MembershipTransitionNotAllowed);
      if (origin !== O.Authority) return refuse(ErrorCode.MembershipNotFromAuthority);
      return to(S.Joining, "none", true);
    default:
      return refuse(ErrorCode.InvalidArgument);
  }
}

interface Member {
  state: number;
  incarnation: number;
  /** Once evicted, the member may leave Evicted only through a readmission. */
  evicted: boolean;
}

const ORIGINS = [O.Self, O.Peer, O.Local, O.Authority] as const;

function eventCommand(fc: FastCheck) {
  return fc
    .record({ event: fc.integer({ min: 0, max: 8 }), origin: fc.constantFrom(...ORIGINS), delta: fc.integer({ min: -2, max: 2 }) })
    .map(({ event, origin, delta }) => {
      const command = {
        check: (): boolean => true,
        run: (model: Member, real: Member): void => {
          const eventIncarnation = Math.min(INCARNATION_MAX, Math.max(0, real.incarnation + delta));
          const before = { state: real.state, incarnation: real.incarnation };
          const out = new LifecycleStep();
          const code = transition(real.state, real.incarnation, event, origin, eventIncarnation, out);
          const expected = modelStep(model.state, model.incarnation, event, origin, eventIncarnation);
          expectSame(code, expected.code, `code of event ${event} from origin ${origin} in state ${before.state} (inc ${before.incarnation} -> ${eventIncarnation})`);
          expectSame(out.state, expected.state, `state after event ${event} from origin ${origin} in state ${before.state}`);
          expectSame(out.incarnation, expected.incarnation, `incarnation after event ${event} in state ${before.state}`);
          if (code === ErrorCode.Ok) {
            const rule = transitionFor(before.state, event);
            check(rule !== undefined && rule.to === out.state, `applied ${before.state} -(${event})-> ${out.state} is not in the table`);
            check(out.incarnation >= before.incarnation || event === E.Readmit, "an incarnation went down");
            check(origin !== O.Peer || out.incarnation === before.incarnation, "a peer's report moved an incarnation");
            if (real.evicted) check(out.state === S.Evicted || event === E.Readmit, "left Evicted without a readmission");
            check(!(before.state === S.Left && (out.state === S.Suspect || out.state === S.Failed || out.state === S.Unreachable)), "Left became suspected or failed");
          } else {
            check(out.state === before.state && out.incarnation === before.incarnation && !out.changed, "a refused event changed the member");
          }
          real.state = out.state;
          real.incarnation = out.incarnation;
          real.evicted = out.state === S.Evicted;
          model.state = expected.state;
          model.incarnation = expected.incarnation;
          model.evicted = real.evicted;
        },
        toString: (): string => `event ${event} origin ${origin} delta ${delta}`,
      };
      return command;
    });
}

export const membershipProperties: readonly ConformanceProperty[] = Object.freeze([
  {
    name: "lifecycle: random event sequences agree with the per-event model, and no applied step is outside the table",
    run(fc: FastCheck, numRuns: number, seed: number): void {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 5 }), fc.commands([eventCommand(fc)], { maxCommands: 60 }), (state, incarnation, commands) => {
          const setup = () => ({ model: { state, incarnation, evicted: state === S.Evicted }, real: { state, incarnation, evicted: state === S.Evicted } });
          fc.modelRun(setup, commands);
        }),
        { numRuns, seed },
      );
    },
  },
  {
    name: "lifecycle: every (state, event, origin) agrees with the model at incarnations below, equal to and above the member's",
    run(): void {
      const out = new LifecycleStep();
      for (let state = 0; state < 8; state++) {
        for (let event = 0; event < 9; event++) {
          for (const origin of ORIGINS) {
            for (const eventIncarnation of [4, 5, 6]) {
              const code = transition(state, 5, event, origin, eventIncarnation, out);
              const expected = modelStep(state, 5, event, origin, eventIncarnation);
              expectSame(code, expected.code, `code (${state}, ${event}, ${origin}, ${eventIncarnation})`);
              expectSame(out.state, expected.state, `state (${state}, ${event}, ${origin}, ${eventIncarnation})`);
              expectSame(out.incarnation, expected.incarnation, `incarnation (${state}, ${event}, ${origin}, ${eventIncarnation})`);
            }
          }
        }
      }
    },
  },
  {
    name: "lifecycle: the table has at most one row per (state, event), and every state is reachable from Joining",
    run(): void {
      const seen = new Set<number>();
      for (const t of TRANSITIONS) {
        const key = t.from * 16 + t.event;
        check(!seen.has(key), `two rows for state ${t.from}, event ${t.event}`);
        seen.add(key);
      }
      const reached = new Set<number>([S.Joining]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const t of TRANSITIONS) {
          if (reached.has(t.from) && !reached.has(t.to)) {
            reached.add(t.to);
            grew = true;
          }
        }
      }
      expectSame(reached.size, 8, "states reachable from Joining");
    },
  },
]);
