import { FakeI2cDriver, type FakeSensorOptions } from "./fake-i2c";

/** Stand-in for `embedded:sensor/Humidity-Temperature/SHT3x` (default 0x44): 22 °C, 45 %RH + step. */
export default class SHT3x extends FakeI2cDriver {
  constructor(options: FakeSensorOptions) {
    super(options, 0x44);
  }
  sample(): { thermometer: { temperature: number }; hygrometer: { humidity: number } } {
    const step = this.step();
    return { thermometer: { temperature: 22 }, hygrometer: { humidity: 45 + step } };
  }
}
