import { callbackReturned, callbackStarts, transmitOnAir, virtual, type VirtualRadio } from "./control";

interface PinOption {
  readonly io: unknown;
  readonly pin: number;
}

interface Options {
  readonly spi: { readonly io: unknown; readonly clock: number; readonly in: number; readonly out: number; readonly hz: number };
  readonly reset: PinOption;
  readonly interrupt: PinOption;
  readonly select: PinOption;
  readonly spreadingFactor?: number;
  readonly bandwidth?: number;
  readonly onReadable?: (count: number) => void;
  readonly onWritable?: () => void;
}

/**
 * Stand-in for the Moddable SDK's `sx127x` LoRa driver on the virtual
 * channel (control.ts transmitOnAir): the constructor checks the bus and
 * pins it is handed, `write` throws "Xmit Overlap" while a frame is on the
 * air (as the driver does), a frame heard raises onReadable and waits for
 * `read` (one frame, like the chip's FIFO: a second frame before `read`
 * replaces the first), and airtime follows the Semtech formula's payload
 * term for SF/bandwidth closely enough for ordering.
 */
export default class LoRa_SX127x implements VirtualRadio {
  readonly id: number;
  closed = false;
  readonly #onReadable: ((count: number) => void) | undefined;
  readonly #onWritable: (() => void) | undefined;
  readonly #symbolUs: number;
  #waiting: Uint8Array | undefined = undefined;
  #transmitting = false;

  constructor(options: Options) {
    const pins = [options.reset, options.interrupt, options.select];
    if (options.spi === undefined || typeof options.spi.clock !== "number" || options.spi.io === undefined) throw new Error("Not Found");
    for (const pin of pins) if (pin === undefined || pin.io === undefined || !Number.isInteger(pin.pin)) throw new Error("Not Found");
    const sf = options.spreadingFactor ?? 7;
    const bandwidthKHz = options.bandwidth ?? 125;
    this.#symbolUs = Math.round(((1 << sf) * 1000) / bandwidthKHz);
    this.#onReadable = options.onReadable;
    this.#onWritable = options.onWritable;
    this.id = virtual.radios.length + 1;
    virtual.radios.push(this);
  }

  write(buffer: Uint8Array, size?: number): void {
    if (this.closed) throw new Error("closed");
    if (this.#transmitting) throw new Error("Xmit Overlap");
    const length = size ?? buffer.length;
    this.#transmitting = true;
    // Preamble (8 + 4.25 symbols) plus ~2 payload bytes per symbol at SF7 4/5: ordering, not a datasheet model.
    const airtimeMs = Math.ceil(((12.25 + 8 + Math.ceil(length / 2)) * this.#symbolUs) / 1000);
    transmitOnAir(this, buffer.subarray(0, length), airtimeMs);
  }

  read(buffer: Uint8Array): number | undefined {
    const frame = this.#waiting;
    if (frame === undefined || frame.length > buffer.length) return undefined;
    this.#waiting = undefined;
    buffer.set(frame);
    return frame.length;
  }

  statistics(): { rssi: number; packetRssi: number; snr: number; packetFrequencyError: number } {
    return { rssi: -90, packetRssi: -80, snr: 7.5, packetFrequencyError: 0 };
  }

  close(): void {
    this.closed = true;
  }

  hear(frame: Uint8Array): void {
    if (this.#transmitting) return; // half duplex
    this.#waiting = frame;
    const depth = callbackStarts();
    this.#onReadable?.(frame.length);
    callbackReturned(depth);
  }

  sent(): void {
    this.#transmitting = false;
    const depth = callbackStarts();
    this.#onWritable?.();
    callbackReturned(depth);
  }
}
