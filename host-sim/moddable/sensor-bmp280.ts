import { FakeI2cDriver, type FakeSensorOptions } from "./fake-i2c";

/** Stand-in for `embedded:sensor/Barometer-Temperature/BMP280` (default 0x76): 101325 Pa + step, 20 °C. */
export default class BMP280 extends FakeI2cDriver {
  constructor(options: FakeSensorOptions) {
    super(options, 0x76);
  }
  sample(): { barometer: { pressure: number }; thermometer: { temperature: number } } {
    return { barometer: { pressure: 101_325 + this.step() }, thermometer: { temperature: 20 } };
  }
}

export const Config = Object.freeze({
  Sampling: Object.freeze({ NONE: 0, X1: 1, X2: 2, X4: 3, X8: 4, X16: 5 }),
  Filter: Object.freeze({ OFF: 0, X2: 1, X4: 2, X8: 3, X16: 4 }),
  Mode: Object.freeze({ SLEEP: 0, FORCED: 1, NORMAL: 3, SOFT_RESET: 0xb6 }),
  Standby: Object.freeze({ MS_1: 0, MS_63: 1, MS_125: 2, MS_250: 3, MS_500: 4, MS_1000: 5, MS_2000: 6, MS_4000: 7 }),
});
