/**
 * The site scenario run on both engines (test/xs/agent.test.ts): a small
 * random site (6..8 boards, full agents, stand-in transport, a graceful
 * shutdown and a power loss) whose summary and trace hash must be the same
 * on V8 and XS. Platform neutral.
 */
import { buildSite, runSite, type Site, type SiteOptions } from "../../host-sim/site/site";
import { siteReport } from "../../host-sim/site/site-report";
import { validateSiteSpec } from "../../host-sim/site/site-spec";
import { smallSite } from "../host-sim/site/fixtures";

export const PARITY_SEEDS: readonly number[] = Object.freeze([11, 12]);

/**
 * A small site for V8/XS parity and the XS steady-state allocation slice. It pins the
 * stand-in transport so these measure the agent stack itself; the mesh's own XS parity
 * and per-frame cost are measured by test/xs/mesh.test.ts and the mesh bench.
 */
export function paritySite(seed: number, options: SiteOptions = {}, durationMs = 60_000, faults = true, transport: "mesh" | "stand-in" = "stand-in"): Site | string {
  const validation = validateSiteSpec({ ...smallSite(seed, { boardsMin: 6, boardsMax: 8, durationMs, lossPpmMax: 80_000, faults }), transport });
  if (!validation.ok) return validation.problems.join("; ");
  const built = buildSite(validation.spec, options);
  return built.ok ? built.site : built.problems.join("; ");
}

export interface ParitySummary {
  readonly seed: number;
  readonly ok: boolean;
  readonly events: number;
  readonly traceHash: string;
  readonly samples: number;
  readonly readingsProduced: number;
  readonly readingsDelivered: number;
  readonly alertsRaised: number;
  readonly alertsDelivered: number;
  readonly alertLatencyP50Ms: number;
  readonly alertLatencyP99Ms: number;
  readonly framesOnAir: number;
  readonly bytesOnAir: number;
  readonly boots: number;
  readonly storedStateChecks: number;
  readonly storedStateLost: number;
}

export function runParitySites(): (ParitySummary | string)[] {
  return PARITY_SEEDS.map((seed) => {
    const site = paritySite(seed);
    if (typeof site === "string") return site;
    runSite(site);
    const r = siteReport(site);
    return {
      seed,
      ok: r.ok,
      events: r.events,
      traceHash: r.traceHash,
      samples: r.samples,
      readingsProduced: r.readingsProduced,
      readingsDelivered: r.readingsDelivered,
      alertsRaised: r.alertsRaised,
      alertsDelivered: r.alertsDelivered,
      alertLatencyP50Ms: r.alertLatencyP50Ms,
      alertLatencyP99Ms: r.alertLatencyP99Ms,
      framesOnAir: r.framesOnAir,
      bytesOnAir: r.bytesOnAir,
      boots: r.boots,
      storedStateChecks: r.storedStateChecks,
      storedStateLost: r.storedStateLost,
    };
  });
}
