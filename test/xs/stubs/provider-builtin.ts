/** Stand-in for `embedded:provider/builtin`: IO classes that only remember their options, and a default I2C bus. */
class FakeIo {
  readonly options: unknown;
  constructor(options: unknown) {
    this.options = options;
  }
  close(): void {}
}
class I2C extends FakeIo {}
class SMBus extends FakeIo {}

const device = Object.freeze({
  io: Object.freeze({ I2C, SMBus }),
  I2C: Object.freeze({ default: Object.freeze({ data: 21, clock: 22, port: 0, hz: 100_000 }) }),
});
export default device;
