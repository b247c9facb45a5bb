/**
 * Declarations for the Moddable SDK's ECMA-419 sensor drivers that
 * hal/moddable/sensors adapts. @moddable/typings has no `embedded:sensor/*`
 * modules, so these are written from ECMA-419 2nd edition (Sensor Class
 * Pattern: constructor(options) with `sensor: { io, address, ... }`,
 * `configure(options)`, `sample()`, `close()`) and the drivers in
 * $(MODDABLE)/modules/drivers/sensors (tmp117, sht3x, bmp280, bme68x, lis3dh).
 *
 * Units of `sample()` as the drivers report them (floats):
 *   temperature °C, humidity %RH, pressure Pa, acceleration m/s² (not g).
 * Fields a driver could not read (e.g. SHT3x CRC mismatch) are left out, and
 * BME68x returns `undefined` while no measurement is ready; the adapters
 * treat both as "no reading".
 *
 * The shared option shapes are global interfaces (prefixed Ecma419) because
 * an ambient module may not import a relative file.
 */

/** ECMA-419 IO class used for the sensor's bus: `device.io.I2C` or `device.io.SMBus`. */
type Ecma419IoClass = new (options: never) => object;

/** The `sensor` property of a driver's constructor options (ECMA-419 §"Sensor Class Pattern"). */
interface Ecma419SensorBusOptions {
  readonly io: Ecma419IoClass;
  readonly data?: number | string;
  readonly clock?: number | string;
  readonly port?: number | string;
  readonly hz?: number;
  /** 7-bit bus address; each driver has the datasheet default. */
  readonly address?: number;
}

/** Optional interrupt line of a sensor (TMP117 ALERT, LIS3DH INT1). */
interface Ecma419AlertOptions {
  readonly io: Ecma419IoClass;
  readonly pin: number | string;
  readonly port?: number | string;
}

interface Ecma419SensorOptions {
  readonly sensor: Ecma419SensorBusOptions;
  readonly alert?: Ecma419AlertOptions;
  readonly onAlert?: () => void;
  /** Called with a message instead of throwing, by drivers that support it. */
  readonly onError?: (message: string) => void;
}

declare module "embedded:sensor/Temperature/TMP117" {
  /** TI TMP117 (datasheet §7.6.3 configuration register). Default address 0x48, SMBus. */
  export interface TMP117Configuration {
    readonly shutdownMode?: boolean;
    readonly highTemperature?: number;
    readonly lowTemperature?: number;
    readonly thermostatMode?: "interrupt" | "comparator";
    /** CONV[2:0], 0..7. */
    readonly conversionRate?: number;
    readonly polarity?: boolean | number;
    readonly averaging?: 0 | 8 | 32 | 64;
  }
  export interface TMP117Sample {
    /** °C, 0.0078125 °C resolution. */
    readonly temperature: number;
    /** Bit 0 high alert, bit 1 low alert. */
    readonly alert: number;
  }
  export default class TMP117 {
    constructor(options: Ecma419SensorOptions);
    configure(options: TMP117Configuration): void;
    sample(): TMP117Sample;
    close(): void;
  }
}

declare module "embedded:sensor/Humidity-Temperature/SHT3x" {
  /** Sensirion SHT3x. Default address 0x44, I2C. No configurable options. */
  export type SHT3xConfiguration = Readonly<Record<string, never>>;
  export interface SHT3xSample {
    readonly thermometer: { readonly temperature?: number };
    readonly hygrometer: { readonly humidity?: number };
  }
  export default class SHT3x {
    constructor(options: Ecma419SensorOptions);
    configure(options: SHT3xConfiguration): void;
    sample(): SHT3xSample;
    close(): void;
  }
}

declare module "embedded:sensor/Barometer-Temperature/BMP280" {
  /** Bosch BMP280 (datasheet §5.4.4/§5.4.5 ctrl_meas and config). Default address 0x76, I2C. */
  export interface BMP280Configuration {
    readonly mode?: number;
    readonly temperatureSampling?: number;
    readonly pressureSampling?: number;
    readonly filter?: number;
    readonly standbyDuration?: number;
  }
  export interface BMP280Sample {
    /** Pa. */
    readonly barometer: { readonly pressure: number };
    /** °C. */
    readonly thermometer: { readonly temperature: number };
  }
  export const Config: {
    readonly Sampling: Readonly<Record<"NONE" | "X1" | "X2" | "X4" | "X8" | "X16", number>>;
    readonly Filter: Readonly<Record<"OFF" | "X2" | "X4" | "X8" | "X16", number>>;
    readonly Mode: Readonly<Record<"SLEEP" | "FORCED" | "NORMAL" | "SOFT_RESET", number>>;
    readonly Standby: Readonly<Record<"MS_1" | "MS_63" | "MS_125" | "MS_250" | "MS_500" | "MS_1000" | "MS_2000" | "MS_4000", number>>;
  };
  export default class BMP280 {
    constructor(options: Ecma419SensorOptions);
    configure(options: BMP280Configuration): void;
    sample(): BMP280Sample;
    close(): void;
  }
}

declare module "embedded:sensor/Barometer-Humidity-Temperature/BME68x" {
  /** Bosch BME68x over the Bosch BME68x library. Default address 0x77, I2C. */
  export interface BME68xConfiguration {
    /** Passed to bme68x_set_conf: os_hum, os_pres, os_temp, filter, odr. */
    readonly conf?: Readonly<Record<string, number>>;
    /** Passed to bme68x_set_heatr_conf (sequential mode). */
    readonly heatr_conf?: Readonly<Record<string, number | readonly number[]>>;
  }
  export interface BME68xSample {
    readonly thermometer: { readonly temperature: number };
    readonly hygrometer: { readonly humidity: number };
    readonly barometer: { readonly pressure: number };
  }
  export default class BME68x {
    constructor(options: Ecma419SensorOptions);
    configure(options: BME68xConfiguration): void;
    /** `undefined` while no new measurement is ready. */
    sample(): BME68xSample | undefined;
    close(): void;
  }
}

declare module "embedded:sensor/Accelerometer/LIS3DH" {
  /** ST LIS3DH (datasheet §8 registers CTRL_REG1/CTRL_REG4). Default address 0x18, SMBus. */
  export interface LIS3DHConfiguration {
    /** CTRL_REG1 ODR[3:0]. */
    readonly rate?: number;
    /** CTRL_REG4 FS[1:0]: 0 = ±2 g, 1 = ±4 g, 2 = ±8 g, 3 = ±16 g. */
    readonly range?: number;
    /** Axis enable bits: x = 1, y = 2, z = 4. */
    readonly enable?: number;
    readonly lowPower?: boolean;
    readonly alert?: { readonly mode?: number; readonly threshold?: number; readonly duration?: number };
  }
  export interface LIS3DHSample {
    /** m/s² per axis; absent when every axis is disabled. */
    readonly x?: number;
    readonly y?: number;
    readonly z?: number;
  }
  export default class LIS3DH {
    constructor(options: Ecma419SensorOptions);
    configure(options: LIS3DHConfiguration): void;
    sample(): LIS3DHSample;
    close(): void;
  }
}
