/**
 * Moddable entry point: the module manifest.json names "main".
 *
 * Moddable preloads this module, freezing whatever it creates at top level,
 * so nothing mutable is created here: `main()` builds all state at run time.
 * Until the telemetry pipeline is wired to the ECMA-419 adapters
 * (hal/moddable/sensors) the board samples one simulated temperature sensor
 * so the whole pipeline can be exercised on hardware.
 */
import Timer from "timer";
import config from "mc/config";
import { Agent } from "../agent";
import { validateSiteConfig } from "../config";
import { ModdableClock } from "../../hal/moddable/clock";
import { createSimTemperatureSensor } from "../../hal/sim/sensors/temperature";

/** Boot status for the host that started us (a test harness, or nobody on a board). */
export type BootOutcome =
  | { readonly ok: true; readonly agent: Agent }
  | { readonly ok: false; readonly stage: "config" | "sensor" | "agent"; readonly problems: readonly string[] };

export default function main(): BootOutcome {
  const section: unknown = config["picket"];
  const validated = validateSiteConfig(section);
  if (!validated.ok) {
    return { ok: false, stage: "config", problems: validated.problems.map((p) => `${p.field}: ${p.reason}`) };
  }
  const site = validated.config;
  // A sensor-only image (PICKET_FEATURE_CONSENSUS/GATEWAY false) carries no
  // consensus or gateway code, so it must refuse to boot in those roles.
  if (!PICKET_FEATURE_CONSENSUS && site.role === "anchor") {
    return { ok: false, stage: "config", problems: ["role: anchor needs an image built with consensus (profile full or udp)"] };
  }
  if (!PICKET_FEATURE_GATEWAY && site.role === "gateway") {
    return { ok: false, stage: "config", problems: ["role: gateway needs an image built with the gateway (profile full or udp)"] };
  }
  const sensor = createSimTemperatureSensor({ seed: site.nodeId, temperature: { base: 21_000, driftPerMinute: 5, noise: 250 } });
  if (!sensor.ok) return { ok: false, stage: "sensor", problems: [`code ${sensor.code}`] };
  const agent = Agent.create(site, { clock: new ModdableClock(), sensor: sensor.value });
  if (!agent.ok) return { ok: false, stage: "agent", problems: [`code ${agent.code}`] };
  const running = agent.value;
  Timer.repeat(() => {
    running.turn();
  }, site.sampleIntervalMs);
  return { ok: true, agent: running };
}
