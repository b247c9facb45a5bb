/**
 * Moddable entry point: the module manifest.json names "main".
 *
 * manifest.json preloads this module ("preload": ["main"]) and so every
 * module it imports: their bodies run at build time and what they create
 * lives in flash, frozen (Moddable SDK documentation/xs/preload.md). So
 * nothing mutable is created at module level: `main()` builds all state at run time
 * (agent/boot.ts: validate `config.picket`, mount the store, read the
 * board's node id and role from its provisioning record, open the sensors,
 * create and start the agent) and then hands the agent to the one driver loop
 * (agent/driver.ts, the same the site simulator runs) on a Moddable timer
 * (hal/moddable/wake-timer.ts): it sleeps until the agent's next deadline or
 * the mesh's next wake time, and the radio's onReadable wakes it early.
 *
 * One image per site and board type: `config.picket` describes the site
 * and names no board; which board this is (node id, role) and its mesh keys
 * come from the provisioning record `picket provision` wrote into the
 * storage partition. A board without a valid record refuses to boot.
 *
 * A refused boot is visible (README "A refused boot"): the board prints one
 * line to the console (hal/moddable/console.ts, Moddable's `trace`) naming
 * the stage, the code's name and number and the field at fault, then boots
 * again after 1 s, doubling the wait up to 32 s (agent/boot-report.ts),
 * printing the line each time; after BOOT_ATTEMPTS_MAX (8) attempts it
 * stays down, its last line saying so, until it is reset.
 *
 * What this image supports today:
 *  - sensors with `driver: "sim"` (hal/sim, seeded by node id and index);
 *  - sensors with `driver: "hardware"`: the ECMA-419 drivers of
 *    hardware-sensors.ts (tmp117, sht3x, bmp280, bme68x, lis3dh on the
 *    board's default I2C bus); contact and motion read `device.io.Digital`
 *    on their configured `pin` (`activeLow`, `pull`), and a pin that does
 *    not open is refused at boot with AgentSensorOpenFailed naming `sensors[i].pin`;
 *  - the secured mesh (radio-mesh.ts) over the board's radio: an SX127x
 *    LoRa radio on the default SPI bus (profiles full and sensor) or UDP
 *    datagrams (profile udp), wired as `config.picketBoard` says (board.ts);
 *  - the agent's store on the flash partition `picketBoard.storage`
 *    (ModdableFlash): boot count, pending alerts, the send counter and the
 *    provisioning record written by `picket provision`. A board whose store
 *    does not mount refuses to boot at stage "storage", one that is not
 *    provisioned (or whose record is of another version, malformed, or for
 *    another site) at stage "provisioning", with the problem named.
 * Tests (and boards with other drivers) pass their own pieces in `options`.
 */
import Timer from "timer";
import config from "mc/config";
import device from "embedded:provider/builtin";
import LoRa_SX127x from "sx127x";
import UDP from "embedded:io/socket/udp";
import { ErrorCode, type FailureCode } from "../../core/runtime/errors";
import { err, type Result, type Status } from "../../core/runtime/result";
import type { Sensor } from "../../hal/sensor";
import { ModdableClock } from "../../hal/moddable/clock";
import { ModdableWakeTimer } from "../../hal/moddable/wake-timer";
import { AgentDriver } from "../driver";
import { consoleLine } from "../../hal/moddable/console";
import type { Clock } from "../../hal/clock";
import type { BlockDevice } from "../../core/storage/block-device";
import type { Radio } from "../../hal/radio";
import { ModdableFlash } from "../../hal/moddable/flash";
import { Sx127xRadio } from "../../hal/moddable/radio/sx127x-radio";
import { UdpRadio } from "../../hal/moddable/radio/udp-radio";
import { bootAgent, sensorOpenProblem, type BootOutcome, type SensorOpener, type TransportRefusal } from "../boot";
import { bootRefusalLine, bootRetryDelayMs } from "../boot-report";
import type { AgentStore } from "../persistence";
import { buildRadioMesh } from "../radio-mesh";
import { readBoardWiring, type BoardWiring } from "./board";
import { SensorDriver, validateSiteConfig, type SensorConfig, type SiteConfig, type SiteValidation } from "../config";
import type { GatewaySink } from "../../core/uplink/gateway-sink";
import { hardwareOpenProblem, openHardwareSensor } from "./hardware-sensors";
import { openSimSensor } from "../sim-sensors";
import type { Transport } from "../../core/mesh/transport-port";
import { ModdableEntropy } from "../../hal/moddable/entropy";

export type { BootOutcome } from "../boot";

export interface MainOptions {
  readonly transport?: (config: SiteConfig, store: AgentStore) => Transport | TransportRefusal;
  /** The storage partition (default: ModdableFlash on `picketBoard.storage`). */
  readonly blockDevice?: BlockDevice;
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

/** The radio this image was built for (PICKET_RADIO), wired as the board says. */
export function openBoardRadio(wiring: BoardWiring, site: SiteConfig): Result<Radio> {
  if (PICKET_RADIO === "udp") {
    const udp = wiring.udp;
    return UdpRadio.open(UDP, { port: udp.port, peerAddress: udp.peerAddress, mtuBytes: 255, receiveQueueBytes: udp.receiveQueueBytes });
  }
  const lora = wiring.lora;
  const spi = device.SPI?.default;
  const spiIo = device.io.SPI;
  const digital = device.io.Digital;
  // The driver needs the default SPI bus and digital pins; a provider without them cannot run the radio.
  if (spi === undefined || spiIo === undefined || digital === undefined) return err(ErrorCode.MeshRadioFault);
  return Sx127xRadio.open(LoRa_SX127x, {
    pins: {
      spi: { ...spi, io: spiIo, hz: lora.spiHz },
      reset: { io: digital, pin: lora.reset },
      interrupt: { io: digital, pin: lora.interrupt },
      select: { io: digital, pin: lora.select },
    },
    // EU868 SF7/125 kHz/4:5, 8-symbol preamble, explicit header with CRC: the site simulator's preset.
    lora: { spreadingFactor: 7, bandwidthHz: 125_000, codingRateDenominator: 5, preambleSymbols: 8, crcOn: true, implicitHeader: false },
    frequencyHz: lora.frequencyHz,
    transmitPowerDbm: lora.transmitPowerDbm,
    receiveQueueBytes: lora.receiveQueueBytes,
    // Not a cap on maxMessageBytes: the mesh fragments messages; 255 is the SX127x FIFO's largest payload.
    mtuBytes: Math.min(255, site.radio.maxMessageBytes + 64),
  });
}

/** The secured mesh over the board's radio (radio-mesh.ts), or why not. */
export function boardTransport(
  wiring: BoardWiring,
  openRadio: (wiring: BoardWiring, site: SiteConfig) => Result<Radio>,
  flashStatus: Status = ErrorCode.Ok,
): (site: SiteConfig, store: AgentStore) => Transport | TransportRefusal {
  return (site, store) => {
    // A partition that did not open is the first thing to fix (the store cannot mount without it).
    if (flashStatus !== ErrorCode.Ok && !store.mounted) {
      return { refused: ErrorCode.AgentStorageUnavailable, problems: [partitionProblem(wiring, flashStatus)] };
    }
    const radio = openRadio(wiring, site);
    if (!radio.ok) return { refused: radio.code, problems: [`radio: the ${PICKET_RADIO === "udp" ? "UDP socket" : "SX127x"} could not be opened (code ${radio.code}); check picketBoard.${PICKET_RADIO === "udp" ? "udp" : "lora"}`] };
    const built = buildRadioMesh({ config: site, store, radio: radio.value, randomSeed: (Math.imul(site.nodeId, 0x9e3779b1) ^ store.bootCount) >>> 0, entropy: new ModdableEntropy() });
    if (!built.ok) {
      radio.value.close();
      return { refused: built.code, problems: built.problems };
    }
    return built.transport;
  };
}

/**
 * Freeze `value` and everything reachable from it through own properties
 * (plain objects and arrays: the validated configuration's shape).
 */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) deepFreeze((value as Record<string, unknown>)[keys[i] ?? ""]);
  return Object.freeze(value);
}

/**
 * The compiled site configuration (`config.picket`), validated at module
 * load. manifest.json preloads this module, so on a board that happens at
 * build time: the validated tree (sensors, rules, radio, uplink, keys) is
 * made once, frozen, and lives in flash, costing no RAM and no alias
 * (Moddable SDK documentation/xs/preload.md). A boot attempt uses it when
 * its compiled configuration is that same object; any other (a host or
 * test that passes its own, or changes the stand-in's config between
 * boots) is validated at run time by the same function, with the same result.
 */
const PRELOADED_PICKET: unknown = config["picket"];
const PRELOADED_SITE: SiteValidation = deepFreeze(validateSiteConfig(PRELOADED_PICKET));

/** The validation made at module load (read-only, frozen): for tests that check a boot uses it. */
export function preloadedSiteValidation(): SiteValidation {
  return PRELOADED_SITE;
}

/** What the image was built with (manifest.json `config`): read once by the first attempt, reused by its retries. */
export interface CompiledConfig {
  readonly picket: unknown;
  readonly picketBoard: unknown;
}

/** Everything a boot attempt does before the agent runs: wiring, flash, then agent/boot.ts. */
function bootBoard(options: MainOptions | undefined, compiled: CompiledConfig, clock: Clock): BootOutcome {
  const wiring = readBoardWiring(compiled.picketBoard);
  if (!wiring.ok) return { ok: false, stage: "config", code: ErrorCode.AgentBadConfig, problems: "problems" in wiring ? wiring.problems : [] };
  let blockDevice = options?.blockDevice;
  let flashStatus: Status = ErrorCode.Ok;
  if (blockDevice === undefined) {
    const flash = ModdableFlash.open({ partition: wiring.value.storage.partition, programAlignBytes: wiring.value.storage.programAlignBytes });
    if (flash.ok) blockDevice = flash.value;
    else flashStatus = flash.code;
  }
  return bootAgent(compiled.picket, {
    clock,
    transport: options?.transport ?? boardTransport(wiring.value, openBoardRadio, flashStatus),
    ...(blockDevice === undefined ? {} : { blockDevice }),
    ...(flashStatus === ErrorCode.Ok ? {} : { blockDeviceProblem: partitionProblem(wiring.value, flashStatus) }),
    openSensor: options?.openSensor ?? openImageSensor,
    sensorOpenProblem: imageSensorOpenProblem,
    ...(options?.gatewaySink === undefined ? {} : { gatewaySink: options.gatewaySink }),
    ...(compiled.picket === PRELOADED_PICKET ? { siteValidation: PRELOADED_SITE } : {}),
  });
}

function partitionProblem(wiring: BoardWiring, flashStatus: Status): string {
  return `picketBoard.storage.partition: flash partition "${wiring.storage.partition}" did not open (code ${flashStatus})`;
}

/** Print the refusal line, and boot again after the backoff (bounded: agent/boot-report.ts). */
function refuseAndRetry(refused: Extract<BootOutcome, { ok: false }>, options: MainOptions | undefined, attempt: number, compiled: CompiledConfig): BootOutcome {
  consoleLine(bootRefusalLine(refused, attempt));
  const delayMs = bootRetryDelayMs(attempt);
  if (delayMs >= 0) Timer.set(() => void main(options, attempt + 1, compiled), delayMs);
  return refused;
}

/**
 * Boot this board and drive it. `attempt` counts boot attempts (1 for the
 * one Moddable starts); a refused attempt prints one console line and
 * schedules the next with the same compiled configuration (README "A
 * refused boot").
 */
export default function main(options?: MainOptions, attempt = 1, compiled: CompiledConfig = { picket: config["picket"], picketBoard: config["picketBoard"] }): BootOutcome {
  const clock = options?.clock ?? new ModdableClock();
  const booted = bootBoard(options, compiled, clock);
  if (!booted.ok) return refuseAndRetry(booted, options, attempt, compiled);
  const driver = new AgentDriver(clock);
  driver.start(booted.agent, new ModdableWakeTimer(driver.onTimer));
  return booted;
}
