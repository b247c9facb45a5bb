/**
 * Shared shape of the fake ECMA-419 sensor drivers (stand-ins for
 * `embedded:sensor/...`): a chip "answers" only at its datasheet default
 * address, so a configuration naming another address fails to open the way
 * a real driver does (constructor throws). Readings are deterministic and
 * step with the sample count. Test-only code.
 */
export interface FakeSensorOptions {
  readonly sensor: { readonly io?: unknown; readonly address?: number };
  readonly onError?: (message: string) => void;
}

export class FakeI2cDriver {
  #closed = false;
  #count = 0;

  constructor(options: FakeSensorOptions, defaultAddress: number) {
    if (options.sensor.io === undefined) throw new Error("no io");
    const address = options.sensor.address ?? defaultAddress;
    if (address !== defaultAddress) throw new Error(`no device at 0x${address.toString(16)}`);
  }

  configure(_options: object): void {}

  /** 0, 1, 2, 3, 0, ...: a small deterministic wobble. */
  protected step(): number {
    if (this.#closed) throw new Error("closed");
    const step = this.#count & 3;
    this.#count++;
    return step;
  }

  close(): void {
    this.#closed = true;
  }
}
