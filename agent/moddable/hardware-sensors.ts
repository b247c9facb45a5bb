/**
 * The board image's hardware driver table: sensor part -> ECMA-419 driver
 * adapter (hal/moddable/sensors), opened on the board's default I2C bus
 * (`device.I2C.default`, ECMA-419 2nd ed. host provider) with each driver's
 * IO class as its datasheet wants it (TMP117 and LIS3DH as SMBus, the others
 * as I2C). Every failure is `AgentSensorOpenFailed`, never a throw; the boot
 * problem text says which field and why (hardwareOpenProblem).
 *
 * Digital parts (contact, motion) open `device.io.Digital` (embedded:io/digital)
 * on the configured `pin`, with `pull` as the input mode and `activeLow` as
 * the polarity (hal/moddable/sensors/digital.ts); a pin that does not open is
 * refused naming `sensors[i].pin`.
 */
/// <reference path="./ecma419-provider.d.ts" />
import device from "embedded:provider/builtin";
import { ErrorCode, type FailureCode } from "../../core/runtime/errors";
import { err, type Result } from "../../core/runtime/result";
import { SensorKind, type Sensor } from "../../hal/sensor";
import { openBme68x } from "../../hal/moddable/sensors/bme68x";
import { DigitalPull, DigitalSensor, type DigitalSensorKind } from "../../hal/moddable/sensors/digital";
import { openBmp280 } from "../../hal/moddable/sensors/bmp280";
import type { Ecma419OpenOptions } from "../../hal/moddable/sensors/ecma419-sensor";
import { openLis3dh } from "../../hal/moddable/sensors/lis3dh";
import { openSht3x } from "../../hal/moddable/sensors/sht3x";
import { openTmp117 } from "../../hal/moddable/sensors/tmp117";
import { SensorPull, type SensorConfig } from "../config";
import { SensorPart, sensorPartInfo } from "../sensor-parts";

type BusKind = "i2c" | "smbus";

interface HardwareDriver {
  readonly part: SensorPart;
  readonly bus: BusKind;
  /** Datasheet default 7-bit address (used when the configuration says -1). */
  readonly defaultAddress: number;
  readonly open: (options: Ecma419OpenOptions<Ecma419SensorBusOptions>) => Result<Sensor>;
}

/**
 * TMP117 §7.5.3 (0x48), SHT3x §3.1 (0x44), BMP280 §5.2 (0x76), BME68x §6.2 (0x77), LIS3DH §6.1.1 (0x18).
 * BME68x only in images whose platforms have Moddable's driver (PICKET_BME68X,
 * tools/build/moddable-modules.ts); elsewhere the part is refused at boot as
 * having no hardware driver in this image.
 */
export const HARDWARE_DRIVERS: readonly HardwareDriver[] = Object.freeze([
  Object.freeze({ part: SensorPart.Tmp117, bus: "smbus", defaultAddress: 0x48, open: openTmp117 }),
  Object.freeze({ part: SensorPart.Sht3x, bus: "i2c", defaultAddress: 0x44, open: openSht3x }),
  Object.freeze({ part: SensorPart.Bmp280, bus: "i2c", defaultAddress: 0x76, open: openBmp280 }),
  ...(PICKET_BME68X ? [Object.freeze({ part: SensorPart.Bme68x, bus: "i2c", defaultAddress: 0x77, open: openBme68x } satisfies HardwareDriver)] : []),
  Object.freeze({ part: SensorPart.Lis3dh, bus: "smbus", defaultAddress: 0x18, open: openLis3dh }),
] satisfies HardwareDriver[]);

function driverFor(part: SensorPart): HardwareDriver | undefined {
  for (let i = 0; i < HARDWARE_DRIVERS.length; i++) {
    const driver = HARDWARE_DRIVERS[i];
    if (driver !== undefined && driver.part === part) return driver;
  }
  return undefined;
}

/** The I2C address the driver is opened at: the configured one, or the part's default. -1 if the part has no driver. */
export function hardwareAddress(sensor: SensorConfig): number {
  const driver = driverFor(sensor.part);
  if (driver === undefined) return -1;
  return sensor.address >= 0 ? sensor.address : driver.defaultAddress;
}

/** The digital kind of a part (contact, motion), or undefined for the I2C parts. */
function digitalKind(part: SensorPart): DigitalSensorKind | undefined {
  if (part === SensorPart.Contact) return SensorKind.Contact;
  if (part === SensorPart.Motion) return SensorKind.Motion;
  return undefined;
}

function digitalPull(pull: SensorPull): DigitalPull {
  if (pull === SensorPull.Up) return DigitalPull.Up;
  if (pull === SensorPull.Down) return DigitalPull.Down;
  return DigitalPull.None;
}

/** A contact or PIR on `sensor.pin` through the provider's Digital IO class. */
function openDigitalSensor(sensor: SensorConfig, kind: DigitalSensorKind): Result<Sensor> {
  const io = device.io.Digital;
  if (io === undefined || sensor.pin < 0) return err(ErrorCode.AgentSensorOpenFailed);
  const opened = DigitalSensor.open({ io, kind, pin: sensor.pin, activeLow: sensor.activeLow, pull: digitalPull(sensor.pull) });
  return opened.ok ? opened : err(ErrorCode.AgentSensorOpenFailed);
}

/**
 * Open `sensor` with its ECMA-419 driver (I2C parts) or as a digital input
 * (contact, motion). Errors: AgentSensorOpenFailed (no driver for the part,
 * no default bus or Digital class, no pin, or the driver or pin did not open).
 */
export function openHardwareSensor(sensor: SensorConfig): Result<Sensor> {
  const kind = digitalKind(sensor.part);
  if (kind !== undefined) return openDigitalSensor(sensor, kind);
  const driver = driverFor(sensor.part);
  const pins = device.I2C?.default;
  if (driver === undefined || pins === undefined) return err(ErrorCode.AgentSensorOpenFailed);
  const io = driver.bus === "smbus" ? device.io.SMBus : device.io.I2C;
  const opened = driver.open({ sensor: { ...pins, io, address: hardwareAddress(sensor) } });
  return opened.ok ? opened : err(ErrorCode.AgentSensorOpenFailed);
}

/** The boot problem for a hardware sensor that did not open, naming the field at fault. */
export function hardwareOpenProblem(sensor: SensorConfig, index: number, code: FailureCode): string {
  const name = sensorPartInfo(sensor.part)?.name ?? "?";
  if (digitalKind(sensor.part) !== undefined) return digitalOpenProblem(sensor, index, name, code);
  if (driverFor(sensor.part) === undefined) return `sensors[${index}].driver: ${name} has no hardware driver in this image`;
  if (device.I2C?.default === undefined) return `sensors[${index}].driver: ${name} needs the board's default I2C bus, which this board does not have`;
  const address = hardwareAddress(sensor);
  return `sensors[${index}].address: ${name} did not open at I2C address 0x${address.toString(16)} (code ${code})`;
}

const PULL_NAMES: readonly string[] = Object.freeze(["none", "up", "down"]);

function digitalOpenProblem(sensor: SensorConfig, index: number, name: string, code: FailureCode): string {
  if (device.io.Digital === undefined) return `sensors[${index}].driver: ${name} needs the board's Digital IO class (embedded:io/digital), which this image does not have`;
  if (sensor.pin < 0) return `sensors[${index}].pin: ${name} on "hardware" needs a GPIO pin`;
  const pull = PULL_NAMES[sensor.pull] ?? "?";
  return `sensors[${index}].pin: ${name} did not open on GPIO ${sensor.pin} with pull "${pull}" (no such pin, pin in use, or no such pull on it; code ${code})`;
}
