import { FakeI2cDriver, type FakeSensorOptions } from "./fake-i2c";

/** Stand-in for `embedded:sensor/Accelerometer/LIS3DH` (default 0x18): at rest, z = 1 g (9.80665 m/s²). */
export default class LIS3DH extends FakeI2cDriver {
  constructor(options: FakeSensorOptions) {
    super(options, 0x18);
  }
  sample(): { x: number; y: number; z: number } {
    this.step();
    return { x: 0, y: 0, z: 9.80665 };
  }
}
