/**
 * Routine telemetry leaves each board at its own phase of the uplink
 * interval (core/uplink/uplink.ts): a site whose aggregation windows all close at
 * the same moment must not key up at the same moment (carrier sense cannot
 * separate frames that start together; the demo site lost nearly every
 * reading to that). The phase comes from the node id, so it needs no
 * entropy and survives reboots.
 */
import { describe, expect, it } from "vitest";
import { TrafficClass } from "../../../core/mesh/transport-port";
import { routinePhaseMs } from "../../../core/uplink/uplink";
import { rig, runUntil, testConfig } from "../../agent/helpers";

const INTERVAL_MS = 5_000;

/** When board `nodeId` sent its routine batches over the first minute. */
function telemetryTimes(nodeId: number): number[] {
  const r = rig({ config: testConfig({ nodeId }) });
  const times: number[] = [];
  let seen = 0;
  for (let t = 50; t <= 60_000; t += 50) {
    runUntil(r, t);
    const telemetry = r.transport.sent.filter((m) => m.trafficClass === TrafficClass.Telemetry);
    for (; seen < telemetry.length; seen++) times.push(t);
  }
  return times;
}

describe("uplink phase: each board sends routine telemetry at its own moment of the interval", () => {
  it("spreads boards over the interval by node id, stays within it, and is the same on every boot", () => {
    const phases = [5, 6, 7, 8, 9, 10, 11, 12].map((id) => routinePhaseMs(id, INTERVAL_MS));
    for (const phase of phases) expect(phase >= 0 && phase < INTERVAL_MS).toBe(true);
    expect(new Set(phases.map((p) => Math.floor(p / 500))).size).toBeGreaterThan(4); // spread, not bunched
    expect(routinePhaseMs(5, INTERVAL_MS)).toBe(phases[0]);
  });

  it("two boards whose windows close together send their batches at their own phases, once per window, not together", () => {
    const a = telemetryTimes(5);
    const b = telemetryTimes(6);
    expect(a.length).toBeGreaterThanOrEqual(5); // 10 s windows: one batch each after every close
    expect(b.length).toBeGreaterThanOrEqual(5);
    // Each batch leaves at the board's phase after a window close (to the mesh tick's 100 ms).
    for (const [times, id] of [
      [a, 5],
      [b, 6],
    ] as const) {
      for (const t of times) expect(Math.abs(((t - routinePhaseMs(id, INTERVAL_MS)) % INTERVAL_MS + INTERVAL_MS) % INTERVAL_MS)).toBeLessThanOrEqual(150);
    }
    const together = a.filter((t) => b.some((u) => Math.abs(u - t) < 200));
    expect(together).toHaveLength(0);
  });
});
