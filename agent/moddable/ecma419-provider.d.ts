/**
 * The part of ECMA-419's host provider (`embedded:provider/builtin`, 2nd
 * edition §"Host provider instance") the board entry uses: the I2C/SMBus IO
 * classes and the board's default I2C pins. @moddable/typings declares the
 * whole provider, but pulling it in drags every embedded:io typing into the
 * device build, so only this slice is declared here.
 */
/// <reference path="../../hal/moddable/sensors/ecma419-sensors.d.ts" />

declare module "embedded:provider/builtin" {
  /** Pins of the board's default bus (`device.I2C.default`), spread into a sensor's `sensor` option. */
  export interface BuiltinI2cDefault {
    readonly data?: number | string;
    readonly clock?: number | string;
    readonly port?: number | string;
    readonly hz?: number;
  }
  const device: {
    readonly io: { readonly I2C: Ecma419IoClass; readonly SMBus: Ecma419IoClass };
    /** Absent on boards without a default I2C bus. */
    readonly I2C?: { readonly default?: BuiltinI2cDefault };
  };
  export default device;
}
