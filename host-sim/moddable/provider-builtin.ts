import { drivenLevel, virtual } from "./control";

/** Stand-in for `embedded:provider/builtin`: IO classes that only remember their options, a default I2C bus, and a Digital IO class over scripted pin levels. */
class FakeIo {
  readonly options: unknown;
  constructor(options: unknown) {
    this.options = options;
  }
  close(): void {}
}
class I2C extends FakeIo {}
class SMBus extends FakeIo {}
class SPI extends FakeIo {}

/** GPIOs this stand-in board has (an ESP32 has 0..39); any other pin throws at construction, as a host does for a pin it lacks. */
export const STUB_GPIO_MAX = 39;

/**
 * ECMA-419 Digital (embedded:io/digital) on the virtual board: an input reads
 * the level a wired device drives (control.ts scriptPin) or, with nothing
 * driving it, its pull (InputPullUp 1, otherwise 0); read() throws on a pin
 * set to fail (failPinReads) or after close. Mode values are Moddable's.
 */
class Digital {
  static readonly Input = 0;
  static readonly InputPullUp = 1;
  static readonly InputPullDown = 2;
  static readonly InputPullUpDown = 3;
  static readonly Output = 8;
  static readonly OutputOpenDrain = 9;
  static readonly Rising = 1;
  static readonly Falling = 2;

  readonly #pin: number;
  readonly #mode: number;
  #written: 0 | 1 = 0;
  #closed = false;

  constructor(options: { readonly pin?: unknown; readonly mode?: unknown }) {
    const pin = options.pin;
    if (typeof pin !== "number" || !Number.isInteger(pin) || pin < 0 || pin > STUB_GPIO_MAX) throw new Error("invalid pin");
    const mode = options.mode;
    if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3 && mode !== 8 && mode !== 9) throw new Error("invalid mode");
    this.#pin = pin;
    this.#mode = mode;
  }

  read(): 0 | 1 {
    if (this.#closed) throw new Error("closed");
    if (virtual.failingPins.has(this.#pin)) throw new Error("read failed");
    if (this.#mode >= Digital.Output) return this.#written;
    return drivenLevel(this.#pin) ?? (this.#mode === Digital.InputPullUp ? 1 : 0);
  }

  write(value: number): void {
    if (this.#closed) throw new Error("closed");
    this.#written = value ? 1 : 0;
  }

  close(): void {
    this.#closed = true;
  }
}

const device = Object.freeze({
  io: Object.freeze({ I2C, SMBus, Digital, SPI }),
  I2C: Object.freeze({ default: Object.freeze({ data: 21, clock: 22, port: 0, hz: 100_000 }) }),
  SPI: Object.freeze({ default: Object.freeze({ clock: 5, in: 19, out: 27, port: 2 }) }),
});
export default device;
