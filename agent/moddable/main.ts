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
 *  - sensors with `driver: "hardware"`: the ECMA-419 drivers of
 *    hardware-sensors.ts (tmp117, sht3x, bmp280, bme68x, lis3dh on the
 *    board's default I2C bus); contact and motion are refused at boot with
 *    AgentSensorOpenFailed and a problem naming `sensors[i].driver`;
 *  - no radio yet (NoRadioTransport) until core/mesh and hal/radio land.
 * Tests (and boards with drivers) pass their own pieces in `options`.
 */
import Timer from "timer";
import config from "mc/config";
import type { FailureCode } from "../../core/runtime/errors";
import type { Result } from "../../core/runtime/result";
import type { Sensor } from "../../hal/sensor";
import { ModdableClock } from "../../hal/moddable/clock";
import type { Clock } from "../../hal/clock";
import { bootAgent, sensorOpenProblem, type BootOutcome, type SensorOpener } from "../boot";
import { SensorDriver, type SensorConfig, type SiteConfig } from "../config";
import type { GatewaySink } from "../gateway-sink";
import { NoRadioTransport } from "../no-radio-transport";
import { hardwareOpenProblem, openHardwareSensor } from "./hardware-sensors";
import { openSimSensor } from "../sim-sensors";
import type { Transport } from "../transport";

export type { BootOutcome } from "../boot";

export interface MainOptions {
  readonly transport?: (config: SiteConfig) => Transport;
  readonly openSensor?: SensorOpener;
  readonly gatewaySink?: GatewaySink;
  readonly clock?: Clock;
}

/** The driver the configuration names: simulated (seeded by node id and index) or the part's ECMA-419 driver. */
export function openImageSensor(sensor: SensorConfig, index: number, site: SiteConfig): Result<Sensor> {
  if (sensor.driver === SensorDriver.Hardware) return openHardwareSensor(sensor);
  return openSimSensor(sensor.part, { seed: (site.nodeId * 8 + index) >>> 0 });
}

/** Boot problem text: hardware failures name the field at fault (hardware-sensors.ts). */
export function imageSensorOpenProblem(sensor: SensorConfig, index: number, code: FailureCode): string {
  return sensor.driver === SensorDriver.Hardware ? hardwareOpenProblem(sensor, index, code) : sensorOpenProblem(sensor, index, code);
}

export default function main(options?: MainOptions): BootOutcome {
  const clock = options?.clock ?? new ModdableClock();
  const booted = bootAgent(config["picket"], {
    clock,
    transport: options?.transport ?? ((site: SiteConfig): Transport => new NoRadioTransport(site.nodeId, site.radio.maxMessageBytes)),
    openSensor: options?.openSensor ?? openImageSensor,
    sensorOpenProblem: imageSensorOpenProblem,
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
