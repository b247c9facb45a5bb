/**
 * The alert trace (host-sim/site/alert-trace.ts): hop delays from the first
 * transmission at each hop count, the origin's wait and its end-to-end
 * attempts per delivered alert; frames of other classes and injected
 * frames are not alert frames. And on a site run its numbers add up.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AlertTrace } from "../../../host-sim/site/alert-trace";
import { FrameType, LinkClass, LinkHeader, LINK_TAG_BYTES, writeLinkHeader } from "../../../core/mesh/link-header";
import { SimAirFlag } from "../../../hal/sim/radio";
import { buildSite, runSite } from "../../../host-sim/site/site";
import { siteReport } from "../../../host-sim/site/site-report";
import { validateSiteSpec } from "../../../host-sim/site/site-spec";

/** The air port's bytes of a frame from `source` (board index + 1) with `counter`, `hops` taken, of `linkClass`. */
function air(source: number, counter: number, hops: number, linkClass: number, flag: number = SimAirFlag.Radio): Uint8Array {
  const h = new LinkHeader();
  h.type = FrameType.UnicastAck;
  h.trafficClass = linkClass as LinkHeader["trafficClass"];
  h.source = source;
  h.destination = 1;
  h.counter = counter;
  h.hopLimit = 5;
  h.hopsTaken = hops;
  const frame = new Uint8Array(64);
  const headerBytes = writeLinkHeader(h, frame);
  const out = new Uint8Array(1 + headerBytes + 4 + LINK_TAG_BYTES);
  out[0] = flag;
  out.set(frame.subarray(0, headerBytes), 1);
  return out;
}

describe("alert trace", () => {
  it("measures each hop from the first transmission at k hops to the first at k + 1, the origin's wait and its attempts", () => {
    const events = { index: 0, timeMs: 0 };
    const trace = new AlertTrace(10);
    trace.attachEvents(events);
    const at = (timeMs: number, board: number, bytes: Uint8Array): void => {
      events.timeMs = timeMs;
      trace.recordAir(board, bytes, bytes.length);
    };
    at(1_100, 4, air(5, 10, 0, LinkClass.Alert)); // origin board 4, first attempt
    at(1_500, 3, air(5, 10, 1, LinkClass.Alert)); // hop 1: 400 ms
    at(1_900, 4, air(5, 10, 0, LinkClass.Alert)); // a hop retransmission of the origin: not a new attempt
    at(2_700, 2, air(5, 10, 2, LinkClass.Alert)); // hop 2: 1,200 ms
    at(2_800, 6, air(5, 10, 2, LinkClass.Alert)); // another copy at 2 hops: the first counts
    at(5_000, 4, air(5, 11, 0, LinkClass.Alert)); // second attempt (a new frame)
    at(5_300, 3, air(5, 11, 1, LinkClass.Alert)); // 300 ms
    at(5_100, 4, air(5, 12, 0, LinkClass.Telemetry)); // not an alert
    at(5_200, 4, air(5, 13, 0, LinkClass.Alert, SimAirFlag.Injected)); // not on the air
    const stats = trace.stats([{ source: 4, raisedMs: 1_000, deliveredMs: 6_000 }]);
    expect(stats.hopDelays).toBe(3);
    expect(stats.hopDelayP50Ms).toBe(400);
    expect(stats.hopDelayMaxMs).toBe(1_200);
    expect(stats.originWaitP50Ms).toBe(100);
    expect(stats.attemptsMean).toBe(2);
    expect(stats.attemptsMax).toBe(2);
    // An alert delivered before the second attempt took one.
    expect(trace.stats([{ source: 4, raisedMs: 1_000, deliveredMs: 4_000 }]).attemptsMax).toBe(1);
    expect(Number.isNaN(new AlertTrace(1).stats([]).hopDelayP50Ms)).toBe(true);
  });

  it("on the demo site: every delivered alert was sent by its origin, no hop longer than the slowest alert", () => {
    const validation = validateSiteSpec({ ...(JSON.parse(readFileSync("sites/demo.json", "utf8")) as Record<string, unknown>), durationMs: "2m", drainMs: "30s" });
    if (!validation.ok) throw new Error(validation.problems.join("; "));
    const built = buildSite(validation.spec);
    if (!built.ok) throw new Error(built.problems.join("; "));
    runSite(built.site);
    const r = siteReport(built.site);
    const hops = r.alertHops;
    expect(hops).toBeDefined();
    if (hops === undefined) return;
    expect(r.alertsDelivered).toBeGreaterThan(5);
    expect(hops.hopDelays).toBeGreaterThan(r.alertsDelivered);
    expect(hops.attemptsMean).toBeGreaterThanOrEqual(1);
    expect(hops.originWaitMaxMs).toBeLessThanOrEqual(r.alertLatencyMaxMs);
    expect(hops.hopDelayMaxMs).toBeLessThanOrEqual(r.alertLatencyMaxMs);
  });
});
