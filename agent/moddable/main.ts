/**
 * Moddable entry point: the module manifest.json names "main".
 *
 * Moddable preloads this module, freezing whatever it creates at top level,
 * so nothing mutable is created here: `main()` builds all state at run time
 * (agent/boot.ts: validate `config.picket`, open the sensors, create and
 * start the agent) and then drives the agent from one Moddable timer,
 * rescheduled after every run to the agent's next deadline.
 *
 * What this image supports today:
 *  - sensors with `driver: "sim"` (hal/sim, seeded by node id and index);
 *    `driver: "hardware"` is refused at boot with AgentSensorOpenFailed
 *    until the ECMA-419 adapters (hal/moddable/sensors) get a build-time
 *    driver table: importing `embedded:sensor/*` here would make every
 *    image (and the XS test stand-ins) need those modules;
 *  - no radio yet (NoRadioTransport) until core/mesh and hal/radio land.
 * Tests (and boards with drivers) pass their own pieces in `options`.
 */
import Timer from "timer";
import config from "mc/config";
import { err, type Result } from "../../core/runtime/result";
import { ErrorCode } from "../../core/runtime/errors";
import type { Sensor } from "../../hal/sensor";
import { ModdableClock } from "../../hal/moddable/clock";
import type { Clock } from "../../hal/clock";
import { bootAgent, type BootOutcome, type SensorOpener } from "../boot";
import { SensorDriver, type SensorConfig, type SiteConfig } from "../config";
import type { GatewaySink } from "../gateway-sink";
import { NoRadioTransport } from "../no-radio-transport";
import { openSimSensor } from "../sim-sensors";
import type { Transport } from "../transport";

export type { BootOutcome } from "../boot";

export interface MainOptions {
  readonly transport?: (config: SiteConfig) => Transport;
  readonly openSensor?: SensorOpener;
  readonly gatewaySink?: GatewaySink;
  readonly clock?: Clock;
}

/** Simulated drivers only (see the file comment). */
export function openImageSensor(sensor: SensorConfig, index: number, site: SiteConfig): Result<Sensor> {
  if (sensor.driver !== SensorDriver.Sim) return err(ErrorCode.AgentSensorOpenFailed);
  return openSimSensor(sensor.part, { seed: (site.nodeId * 8 + index) >>> 0 });
}

export default function main(options?: MainOptions): BootOutcome {
  const clock = options?.clock ?? new ModdableClock();
  const booted = bootAgent(config["picket"], {
    clock,
    transport: options?.transport ?? ((site: SiteConfig): Transport => new NoRadioTransport(site.nodeId, site.radio.maxMessageBytes)),
    openSensor: options?.openSensor ?? openImageSensor,
    ...(options?.gatewaySink === undefined ? {} : { gatewaySink: options.gatewaySink }),
  });
  if (!booted.ok) return booted;
  const agent = booted.agent;
  Timer.set((timer) => {
    const nextMs = agent.runDue();
    if (nextMs === Number.POSITIVE_INFINITY) return; // stopped: let the timer lapse
    const delayMs = nextMs - clock.nowMs();
    Timer.schedule(timer, delayMs > 0 ? delayMs : 0);
  }, 0);
  return booted;
}
