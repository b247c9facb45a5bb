/**
 * The member lifecycle (core/membership/lifecycle.ts): one test per guard,
 * named after it, each checking the specific refusal and that nothing
 * changed; the properties (model-based, also on XS) are in
 * test/conformance/membership.props.ts.
 */
import * as fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EventOrigin, LifecycleStep, MemberEvent, MemberState, lifecycleMermaid, transition } from "../../../core/membership/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { membershipProperties } from "../../conformance/membership.props";
import { repoRoot } from "../../../tools/build/targets";

const S = MemberState;
const E = MemberEvent;
const O = EventOrigin;

function apply(state: number, incarnation: number, event: number, origin: number, eventIncarnation: number): LifecycleStep {
  const out = new LifecycleStep();
  transition(state, incarnation, event, origin, eventIncarnation, out);
  return out;
}

function expectRefused(step: LifecycleStep, code: number, state: number, incarnation: number): void {
  expect(step.code).toBe(code);
  expect(step.state).toBe(state);
  expect(step.incarnation).toBe(incarnation);
  expect(step.changed).toBe(false);
}

describe("member lifecycle guards", () => {
  it("no row (TransitionNotAllowed): Evicted never becomes Alive, Left is never suspected, Failed is never suspected", () => {
    expectRefused(apply(S.Evicted, 3, E.Alive, O.Self, 9), ErrorCode.MembershipTransitionNotAllowed, S.Evicted, 3);
    expectRefused(apply(S.Left, 3, E.Suspect, O.Peer, 3), ErrorCode.MembershipTransitionNotAllowed, S.Left, 3);
    expectRefused(apply(S.Failed, 3, E.Suspect, O.Local, 4), ErrorCode.MembershipTransitionNotAllowed, S.Failed, 3);
    expectRefused(apply(S.Leaving, 3, E.Suspect, O.Peer, 3), ErrorCode.MembershipTransitionNotAllowed, S.Leaving, 3);
    expectRefused(apply(S.Alive, 3, E.Readmit, O.Authority, 0), ErrorCode.MembershipTransitionNotAllowed, S.Alive, 3);
  });

  it("self only (NotFromSelf): a node refuting, leaving or rejoining for another is refused", () => {
    expectRefused(apply(S.Suspect, 3, E.Alive, O.Peer, 4), ErrorCode.MembershipNotFromSelf, S.Suspect, 3);
    expectRefused(apply(S.Failed, 3, E.Alive, O.Local, 9), ErrorCode.MembershipNotFromSelf, S.Failed, 3);
    expectRefused(apply(S.Alive, 3, E.Leave, O.Peer, 3), ErrorCode.MembershipNotFromSelf, S.Alive, 3);
    expectRefused(apply(S.Alive, 3, E.Left, O.Authority, 3), ErrorCode.MembershipNotFromSelf, S.Alive, 3);
    const refuted = apply(S.Suspect, 3, E.Alive, O.Self, 4);
    expect([refuted.code, refuted.state, refuted.incarnation, refuted.changed]).toEqual([ErrorCode.Ok, S.Alive, 4, true]);
  });

  it("site only (NotFromAuthority): only the site's coordination evicts or readmits", () => {
    expectRefused(apply(S.Alive, 3, E.Evict, O.Peer, 3), ErrorCode.MembershipNotFromAuthority, S.Alive, 3);
    expectRefused(apply(S.Alive, 3, E.Evict, O.Self, 3), ErrorCode.MembershipNotFromAuthority, S.Alive, 3);
    expectRefused(apply(S.Evicted, 3, E.Readmit, O.Local, 0), ErrorCode.MembershipNotFromAuthority, S.Evicted, 3);
    const readmitted = apply(S.Evicted, 3, E.Readmit, O.Authority, 0);
    expect([readmitted.code, readmitted.state, readmitted.incarnation]).toEqual([ErrorCode.Ok, S.Joining, 0]);
  });

  it("origin refused (OriginRefused): a member cannot suspect itself, and only this board's clock runs out a suspicion", () => {
    expectRefused(apply(S.Alive, 3, E.Suspect, O.Self, 3), ErrorCode.MembershipOriginRefused, S.Alive, 3);
    expectRefused(apply(S.Suspect, 3, E.SuspicionTimeout, O.Peer, 3), ErrorCode.MembershipOriginRefused, S.Suspect, 3);
    expectRefused(apply(S.Alive, 3, E.Failed, O.Authority, 3), ErrorCode.MembershipOriginRefused, S.Alive, 3);
    const timedOut = apply(S.Suspect, 3, E.SuspicionTimeout, O.Local, 0);
    expect([timedOut.code, timedOut.state, timedOut.incarnation]).toEqual([ErrorCode.Ok, S.Unreachable, 3]);
  });

  it("incarnation above (StaleIncarnation): a refutation must raise the incarnation", () => {
    expectRefused(apply(S.Suspect, 3, E.Alive, O.Self, 3), ErrorCode.MembershipStaleIncarnation, S.Suspect, 3);
    expectRefused(apply(S.Suspect, 3, E.Alive, O.Self, 2), ErrorCode.MembershipStaleIncarnation, S.Suspect, 3);
    expectRefused(apply(S.Failed, 3, E.Alive, O.Self, 3), ErrorCode.MembershipStaleIncarnation, S.Failed, 3);
  });

  it("incarnation at least (StaleIncarnation): a report about a past life changes nothing", () => {
    expectRefused(apply(S.Alive, 3, E.Suspect, O.Peer, 2), ErrorCode.MembershipStaleIncarnation, S.Alive, 3);
    expectRefused(apply(S.Unreachable, 3, E.Failed, O.Local, 2), ErrorCode.MembershipStaleIncarnation, S.Unreachable, 3);
    const suspected = apply(S.Alive, 3, E.Suspect, O.Peer, 3);
    expect([suspected.code, suspected.state, suspected.incarnation]).toEqual([ErrorCode.Ok, S.Suspect, 3]);
  });

  it("hearsay (OriginRefused / kept incarnation): a peer's word neither makes a member alive nor raises its incarnation", () => {
    expectRefused(apply(S.Joining, 0, E.Alive, O.Peer, 0), ErrorCode.MembershipOriginRefused, S.Joining, 0);
    const vouched = apply(S.Joining, 0, E.AliveReport, O.Peer, 7);
    expect([vouched.code, vouched.state, vouched.incarnation]).toEqual([ErrorCode.Ok, S.Joining, 0]);
    const suspected = apply(S.Alive, 3, E.Suspect, O.Peer, 0xffff_ffff);
    expect([suspected.code, suspected.state, suspected.incarnation]).toEqual([ErrorCode.Ok, S.Suspect, 3]);
    const refuted = apply(S.Suspect, 3, E.Alive, O.Self, 4); // so the member can still refute
    expect([refuted.code, refuted.state, refuted.incarnation]).toEqual([ErrorCode.Ok, S.Alive, 4]);
    expectRefused(apply(S.Suspect, 3, E.AliveReport, O.Peer, 9), ErrorCode.MembershipTransitionNotAllowed, S.Suspect, 3);
  });

  it("a graceful leave ends Left, never Failed: Leaving cannot be declared failed", () => {
    const leaving = apply(S.Alive, 3, E.Leave, O.Self, 3);
    expect(leaving.state).toBe(S.Leaving);
    expectRefused(apply(S.Leaving, 3, E.Failed, O.Peer, 3), ErrorCode.MembershipTransitionNotAllowed, S.Leaving, 3);
    expect(apply(S.Leaving, 3, E.Left, O.Local, 3).state).toBe(S.Left);
    expect(apply(S.Failed, 3, E.Left, O.Self, 3).state).toBe(S.Left); // it had left: its own word wins over a failure report
  });

  it("bad input (InvalidArgument): states, events, origins and incarnations out of range", () => {
    expectRefused(apply(8, 3, E.Alive, O.Self, 4), ErrorCode.InvalidArgument, 8, 3);
    expectRefused(apply(S.Alive, 3, 9, O.Self, 4), ErrorCode.InvalidArgument, S.Alive, 3);
    expectRefused(apply(S.Alive, 3, E.Alive, 3, 4), ErrorCode.InvalidArgument, S.Alive, 3);
    expectRefused(apply(S.Alive, 3, E.Alive, O.Self, 2 ** 32), ErrorCode.InvalidArgument, S.Alive, 3);
    expectRefused(apply(S.Alive, -1, E.Alive, O.Self, 4), ErrorCode.InvalidArgument, S.Alive, -1);
  });
});

describe("member lifecycle properties (V8; the same list runs on XS)", () => {
  for (const property of membershipProperties) {
    it(property.name, () => property.run(fc, 300, 20261207));
  }
});

describe("README", () => {
  it("embeds the lifecycle diagram generated from the transition table", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const block = /<!-- lifecycle-diagram -->\n```mermaid\n([\s\S]*?)\n```\n<!-- \/lifecycle-diagram -->/.exec(readme);
    expect(block?.[1]).toBe(lifecycleMermaid());
  });
});
