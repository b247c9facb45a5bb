/**
 * The part of ECMA-419's host provider (`embedded:provider/builtin`, 2nd
 * edition §"Host provider instance") the board entry uses: the I2C/SMBus IO
 * classes, the board's default I2C pins, and the Digital IO class.
 * @moddable/typings declares the whole provider, but pulling it in drags
 * every embedded:io typing into the device build, so only this slice is
 * declared here.
 */
/// <reference path="../../hal/moddable/sensors/ecma419-sensors.d.ts" />

/**
 * ECMA-419 Digital (embedded:io/digital) as far as the board uses it: the
 * input modes and read/close of an input (hal/moddable/sensors/digital.ts
 * DigitalInputClass is the same shape). Global, since an ambient module may
 * not import a relative file.
 */
interface Ecma419DigitalClass {
  new (options: { readonly pin: number; readonly mode: unknown }): { read(): unknown; close(): void };
  readonly Input: unknown;
  readonly InputPullUp: unknown;
  readonly InputPullDown: unknown;
}

declare module "embedded:provider/builtin" {
  /** Pins of the board's default bus (`device.I2C.default`), spread into a sensor's `sensor` option. */
  export interface BuiltinI2cDefault {
    readonly data?: number | string;
    readonly clock?: number | string;
    readonly port?: number | string;
    readonly hz?: number;
  }
  /** Pins of the board's default SPI bus (`device.SPI.default`), spread into the radio's `spi` option. */
  export interface BuiltinSpiDefault {
    readonly clock: number;
    readonly in: number;
    readonly out: number;
    readonly port?: number;
  }
  const device: {
    readonly io: {
      readonly I2C: Ecma419IoClass;
      readonly SMBus: Ecma419IoClass;
      /** embedded:io/digital; every Moddable host provider has it, but a provider without it is refused, not trusted. */
      readonly Digital?: Ecma419DigitalClass;
      /** embedded:io/spi (the SX127x radio's bus); optional for the same reason. */
      readonly SPI?: Ecma419IoClass;
    };
    /** Absent on boards without a default I2C bus. */
    readonly I2C?: { readonly default?: BuiltinI2cDefault };
    /** Pins of the board's default SPI bus (ECMA-419 host provider `SPI.default`); absent without one. */
    readonly SPI?: { readonly default?: BuiltinSpiDefault };
  };
  export default device;
}
