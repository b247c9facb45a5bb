/**
 * Congestion-adaptive aggregation (core/uplink/uplink.ts `nextRoutine`,
 * agent/config.ts uplink.intervalMaxMs and busyPermille): while the channel
 * the board hears is busier than busyPermille, the routine interval doubles
 * at each routine moment up to intervalMaxMs, so each frame carries more
 * readings; once it is quieter than half that, it halves back to intervalMs.
 */
import { describe, expect, it } from "vitest";
import { TrafficClass } from "../../../core/mesh/transport-port";
import { validateBoardConfig } from "../../../agent/config";
import { readHeader, WireHeader } from "../../../core/uplink/wire";
import { ErrorCode } from "../../../core/runtime/errors";
import { rig, runUntil, testConfig, testConfigJson, TEST_IDENTITY } from "../../agent/helpers";

describe("uplink: routine interval under congestion", () => {
  it("doubles while the channel is busy, up to intervalMaxMs, with more readings per frame; halves back when it is quiet", () => {
    const r = rig({ config: testConfig({ uplink: { intervalMs: 5_000, intervalMaxMs: 20_000, busyPermille: 200 } }) });
    runUntil(r, 20_000);
    expect(r.agent.uplink.routineIntervalMs).toBe(5_000); // a quiet channel: the configured interval
    const quietBatches = r.transport.sent.filter((m) => m.trafficClass === TrafficClass.Telemetry).length;
    r.transport.busy = 900;
    const seen: number[] = [];
    for (let t = 20_000; t <= 80_000; t += 1_000) {
      runUntil(r, t);
      if (seen[seen.length - 1] !== r.agent.uplink.routineIntervalMs) seen.push(r.agent.uplink.routineIntervalMs);
    }
    expect(seen).toEqual([5_000, 10_000, 20_000]); // doubling, never past the ceiling
    const busyStart = r.transport.sent.filter((m) => m.trafficClass === TrafficClass.Telemetry).length;
    runUntil(r, 200_000);
    const header = new WireHeader();
    const busyCounts = r.transport.sent
      .filter((m) => m.trafficClass === TrafficClass.Telemetry)
      .slice(busyStart)
      .map((m) => (readHeader(m.bytes, 0, m.bytes.length, header) === ErrorCode.Ok ? header.count : -1));
    // 120 s at one batch per 20 s: six batches of about four readings (two channels, 10 s windows), not 24 of one.
    expect(busyCounts.length).toBeLessThanOrEqual(7);
    expect(Math.min(...busyCounts)).toBeGreaterThanOrEqual(3);
    expect(quietBatches).toBeGreaterThan(0);
    r.transport.busy = 0;
    const back: number[] = [];
    for (let t = 200_000; t <= 260_000; t += 1_000) {
      runUntil(r, t);
      if (back[back.length - 1] !== r.agent.uplink.routineIntervalMs) back.push(r.agent.uplink.routineIntervalMs);
    }
    expect(back).toEqual([20_000, 10_000, 5_000]);
  });

  it("stays at intervalMs however busy the channel when intervalMaxMs equals it, and between the two the threshold holds", () => {
    const fixed = rig({ config: testConfig({ uplink: { intervalMs: 5_000, intervalMaxMs: 5_000 } }) });
    fixed.transport.busy = 1000;
    runUntil(fixed, 60_000);
    expect(fixed.agent.uplink.routineIntervalMs).toBe(5_000);
    const middling = rig({ config: testConfig({ uplink: { intervalMs: 5_000, intervalMaxMs: 40_000, busyPermille: 300 } }) });
    middling.transport.busy = 200; // above half the threshold, not above it: hold
    runUntil(middling, 60_000);
    expect(middling.agent.uplink.routineIntervalMs).toBe(5_000);
  });

  it("refuses an intervalMaxMs below intervalMs and a busyPermille out of range, naming them; defaults to four intervals", () => {
    const bad = validateBoardConfig(testConfigJson({ uplink: { intervalMs: 10_000, intervalMaxMs: 5_000, busyPermille: 0 } }), TEST_IDENTITY);
    expect(bad.ok).toBe(false);
    const text = bad.ok ? "" : bad.problems.map((p) => `${p.field}: ${p.reason}`).join("\n");
    expect(text).toContain("uplink.intervalMaxMs: must be at least intervalMs");
    expect(text).toContain("uplink.busyPermille");
    const good = validateBoardConfig(testConfigJson({ uplink: { intervalMs: 10_000 } }), TEST_IDENTITY);
    expect(good.ok && good.config.uplink.intervalMaxMs).toBe(40_000);
    expect(good.ok && good.config.uplink.busyPermille).toBe(200);
  });
});
