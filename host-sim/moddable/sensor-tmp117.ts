import { FakeI2cDriver, type FakeSensorOptions } from "./fake-i2c";

/** Stand-in for `embedded:sensor/Temperature/TMP117` (default 0x48): 21.5 °C + step/8. */
export default class TMP117 extends FakeI2cDriver {
  constructor(options: FakeSensorOptions) {
    super(options, 0x48);
  }
  sample(): { temperature: number; alert: number } {
    return { temperature: 21.5 + this.step() / 8, alert: 0 };
  }
}
