/**
 * The power-loss sweep (test/sim/site-power-loss.ts), the slice that runs
 * in `npm test` (seeds 1..10; `npm run fuzz -- --target site-sweep` runs 200
 * and more): small secured-mesh sites where every board, gateways included,
 * loses power one to three times, every site invariant checked after every
 * event, every seed run twice for its trace hash.
 *
 * `site-delivered-once-across-reboots` is checked on every seed and holds:
 * receive state survives reboots (receive ceilings for every sender, the
 * gateway's delivered-alert identities: README "Link security"), so no
 * gateway hands the application a message again after it rebooted.
 *
 * Plus the wiring: the invariant stops a run at the event after a gateway
 * hands in a message it had handed in before its reboot, and a site refuses
 * an invariant name it does not know.
 */
import { describe, expect, it } from "vitest";
import { WireHeader, WireRecord } from "../../core/uplink/wire";
import { NodeState } from "../../host-sim/kernel/inspect";
import { KERNEL_INVARIANTS } from "../../host-sim/kernel/invariants";
import { RunState } from "../../host-sim/kernel/kernel";
import { buildSite, SITE_INVARIANT_NAMES } from "../../host-sim/site/site";
import { validateSiteSpec } from "../../host-sim/site/site-spec";
import { buildPowerLossSite, DELIVERED_ONCE, formatSweepTotals, powerLossSite, sweepRun, sweepTotals, type SweepRun } from "./site-power-loss";

const SLICE_FIRST_SEED = 1;
const SLICE_SEEDS = 10;

describe(`site power-loss sweep, seeds ${SLICE_FIRST_SEED}..${SLICE_FIRST_SEED + SLICE_SEEDS - 1}`, () => {
  const runs: SweepRun[] = [];
  for (let seed = SLICE_FIRST_SEED; seed < SLICE_FIRST_SEED + SLICE_SEEDS; seed++) runs.push(sweepRun(seed));
  const totals = sweepTotals(runs);

  it("takes every board, gateways included, through at least one power loss, with every invariant checked after every event", () => {
    for (const r of runs) {
      const boards = Number(powerLossSite(r.seed)["boards"]);
      expect(r.powerLosses, `seed ${r.seed}`).toBeGreaterThanOrEqual(boards);
      expect(r.gatewayPowerLosses, `seed ${r.seed}`).toBeGreaterThanOrEqual(1);
      expect(r.invariants).toEqual([...KERNEL_INVARIANTS.map(() => expect.any(String)), ...SITE_INVARIANT_NAMES]);
      expect(r.events, `seed ${r.seed}`).toBeGreaterThan(200);
      expect(r.checks).toBeGreaterThanOrEqual(r.events * r.invariants.length);
    }
    console.log(formatSweepTotals(totals));
  });

  it("holds every invariant, delivered-once across reboots included, to the end of every run", () => {
    expect(totals.failed).toEqual([]);
    for (const r of runs) expect(r.ok, `seed ${r.seed}: ${r.violation ?? ""}`).toBe(true);
    expect(totals.deliveredOnceFired).toEqual([]);
    // Gateways did reboot with alerts and readings delivered before: the invariant had something to check.
    expect(runs.reduce((sum, r) => sum + r.gatewayPowerLosses, 0)).toBeGreaterThan(SLICE_SEEDS);
    expect(runs.reduce((sum, r) => sum + r.alertsDelivered, 0)).toBeGreaterThan(SLICE_SEEDS);
  });

  it("checks the nonce of every transmission and sees relayed or retransmitted copies of the same frames", () => {
    for (const r of runs) expect(r.framesChecked, `seed ${r.seed}`).toBeGreaterThan(20);
    expect(runs.reduce((sum, r) => sum + r.sameFrameRepeats, 0)).toBeGreaterThan(0);
  });


  it("gives the same trace hash when a seed runs again", () => {
    expect(runs.filter((r) => !r.deterministic).map((r) => r.seed)).toEqual([]);
  });
});

describe("site-delivered-once-across-reboots wiring", () => {
  const record = Object.assign(new WireRecord(), { kind: 1, count: 1 });
  const header = Object.assign(new WireHeader(), { kind: 1, count: 1, incarnation: 9, seq: 77 });

  it("stops the run at the event after a gateway hands in, after its reboot, a message it handed in before", () => {
    const site = buildPowerLossSite(3);
    const gateway = site.spec.gateways[0] ?? 0;
    const kernel = site.kernel;
    // Board 1's message (source id 2), as the gateway's agent would hand it over, before and after the gateway's first power loss.
    let handedBefore = false;
    let wasOff = false;
    let handedAfterAt = -1;
    while (kernel.runFor(1) === RunState.Running) {
      const off = kernel.nodeState(gateway) === NodeState.Crashed;
      if (!handedBefore && kernel.nowMs > 1_000) {
        site.sink.sinkFor(gateway).onTelemetry(2, header, record, 0);
        handedBefore = true;
      }
      if (wasOff && !off && handedAfterAt < 0 && site.nodes[gateway]?.running === true) {
        site.sink.sinkFor(gateway).onTelemetry(2, header, record, 0);
        handedAfterAt = kernel.eventCount;
      }
      wasOff = off;
    }
    expect(handedAfterAt).toBeGreaterThan(0);
    const violation = kernel.violation;
    expect(violation?.invariant).toBe(DELIVERED_ONCE);
    expect(violation?.eventIndex).toBe(handedAfterAt);
    expect(violation?.detail).toMatch(new RegExp(`^1 telemetry message\\(s\\) and 0 alert\\(s\\) delivered again after a gateway reboot; first: gateway board ${gateway} handed telemetry message \\(source board 1, incarnation 9, seq 77\\)`));
  });

  it("is on by default, can be switched off by name, and an unknown name is refused", () => {
    expect(buildPowerLossSite(3).invariantNames).toContain(DELIVERED_ONCE);
    expect(buildPowerLossSite(3, { invariants: { [DELIVERED_ONCE]: false } }).invariantNames).not.toContain(DELIVERED_ONCE);
    const validation = validateSiteSpec(powerLossSite(3));
    if (!validation.ok) throw new Error(validation.problems.join("; "));
    const built = buildSite(validation.spec, { invariants: { "site-no-such-thing": false } as never });
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.problems).toEqual([`invariants.site-no-such-thing: no such site invariant (known: ${SITE_INVARIANT_NAMES.join(", ")})`]);
  });
});
