/**
 * The pending-alert table (core/uplink/pending-alerts.ts): an alert leaves only
 * when acknowledged or abandoned; retries back off exponentially and fail
 * over to the next gateway; stale outcomes change nothing.
 */
import { describe, expect, it } from "vitest";
import { backoffMs, OutcomeEffect, PendingAlerts, PendingState } from "../../../core/uplink/pending-alerts";
import { ErrorCode } from "../../../core/runtime/errors";
import { unwrap } from "../../agent/helpers";

const OPTIONS = { capacity: 2, attemptsMax: 3, retryBaseMs: 1000, retryCapMs: 3000, inFlightTimeoutMs: 10_000, gatewayCount: 2 };

describe("pending alerts", () => {
  it("backs off min(cap, base * 2^n)", () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(1000, 3000, n))).toEqual([1000, 2000, 3000, 3000, 3000]);
  });

  it("frees a slot only on an acknowledgement, fails over to the next gateway on a failure", () => {
    const pending = unwrap(PendingAlerts.create(OPTIONS));
    const slot = pending.admit(0, 0);
    expect(pending.nextDue(0)).toBe(slot);
    const id = pending.beginSend(slot, 0);
    expect(pending.outcome(id, ErrorCode.MeshAckTimeout, 100)).toBe(OutcomeEffect.Retry);
    expect(pending.gatewayIndex(slot)).toBe(1);
    expect(pending.nextDue(1000)).toBe(-1); // backoff: due at 100 + 1000
    expect(pending.nextDue(1100)).toBe(slot);
    const id2 = pending.beginSend(slot, 1100);
    expect(pending.outcome(id, ErrorCode.Ok, 1200)).toBe(OutcomeEffect.Stale); // the first send's outcome, late
    expect(pending.state(slot)).toBe(PendingState.InFlight);
    expect(pending.outcome(id2, ErrorCode.Ok, 1200)).toBe(OutcomeEffect.Delivered);
    expect(pending.inUse).toBe(0);
  });

  it("abandons an alert after attemptsMax sends, and refuses a new one while full", () => {
    const pending = unwrap(PendingAlerts.create(OPTIONS));
    const slot = pending.admit(0, 0);
    pending.admit(0, 0);
    expect(pending.admit(0, 0)).toBe(-ErrorCode.AgentPendingFull);
    let now = 0;
    let effect: number = OutcomeEffect.Retry;
    for (let attempt = 0; attempt < 3; attempt++) {
      now += 10_000;
      expect(pending.state(slot)).toBe(PendingState.Ready);
      pending.beginSend(slot, now);
      effect = pending.refused(slot, now);
    }
    expect(effect).toBe(OutcomeEffect.Abandoned);
    expect(pending.state(slot)).toBe(PendingState.Free);
    expect(pending.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("treats an in-flight send whose outcome never comes as failed", () => {
    const pending = unwrap(PendingAlerts.create(OPTIONS));
    const slot = pending.admit(0, 0);
    pending.beginSend(slot, 0);
    expect(pending.nextDue(9_999)).toBe(-1);
    expect(pending.nextDue(10_000)).toBe(-1); // failed now, due again after the backoff
    expect(pending.timedOut).toBe(1);
    expect(pending.state(slot)).toBe(PendingState.Ready);
    expect(pending.nextDue(11_000)).toBe(slot);
  });

  it("refuses bad options", () => {
    expect(PendingAlerts.create({ ...OPTIONS, capacity: 0 }).ok).toBe(false);
    expect(PendingAlerts.create({ ...OPTIONS, retryCapMs: 10 }).ok).toBe(false);
  });
});
