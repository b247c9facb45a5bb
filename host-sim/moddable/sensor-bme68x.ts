import { FakeI2cDriver, type FakeSensorOptions } from "./fake-i2c";

/** Stand-in for `embedded:sensor/Barometer-Humidity-Temperature/BME68x` (default 0x77): 23 °C, 40 %RH, 100000 Pa + step. */
export default class BME68x extends FakeI2cDriver {
  constructor(options: FakeSensorOptions) {
    super(options, 0x77);
  }
  sample(): { thermometer: { temperature: number }; hygrometer: { humidity: number }; barometer: { pressure: number } } {
    return { thermometer: { temperature: 23 }, hygrometer: { humidity: 40 }, barometer: { pressure: 100_000 + this.step() } };
  }
}
