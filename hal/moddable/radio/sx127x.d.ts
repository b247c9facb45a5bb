/**
 * Declarations for the Moddable SDK's SX127x LoRa driver
 * ($(MODDABLE)/modules/drivers/sx127x/sx127x.js, module specifier "sx127x"),
 * which @moddable/typings does not cover. Written from the driver's own
 * documentation comments: ECMA-419 style (one options object, `configure`,
 * `read`, `write`, `close`, `onReadable`/`onWritable` callbacks).
 *
 * Units as the driver takes them: frequency in MHz, bandwidth in kHz,
 * coding rate as the denominator 5..8 of 4/x. `write` throws "Xmit Overlap"
 * while a frame is on the air; the constructor throws "Not Found" when the
 * chip does not answer. `statistics()` returns a new object (RSSI dBm, SNR
 * dB as a float, the chip's RegPktSnrValue x 0.25).
 */

/** An ECMA-419 IO class (device.io.SPI, device.io.Digital) as the driver is handed it. */
type Sx127xIoClass = new (options: never) => object;

interface Sx127xPinOptions {
  readonly io: Sx127xIoClass;
  readonly pin: number;
  readonly mode?: unknown;
}

interface Sx127xSpiOptions {
  readonly io: Sx127xIoClass;
  readonly clock: number;
  readonly in: number;
  readonly out: number;
  readonly select?: number;
  readonly active?: 0 | 1;
  readonly hz: number;
  readonly port?: number;
  readonly mode?: number;
}

interface Sx127xSettings {
  readonly frequency?: number;
  readonly transmitPower?: number;
  readonly crc?: boolean;
  readonly implicitHeader?: boolean;
  readonly implicitHeaderSize?: number;
  readonly spreadingFactor?: number;
  readonly bandwidth?: number;
  readonly codingRate?: number;
  readonly preambleLength?: number;
  readonly syncWord?: number;
  readonly enableReceiver?: boolean;
  readonly gain?: number;
}

interface Sx127xOptions extends Sx127xSettings {
  readonly spi: Sx127xSpiOptions;
  readonly reset: Sx127xPinOptions;
  readonly interrupt: Sx127xPinOptions;
  readonly select: Sx127xPinOptions;
  /** A frame arrived; `count` bytes are waiting for `read`. */
  readonly onReadable?: (count: number) => void;
  /** The frame given to `write` is on the air and done. */
  readonly onWritable?: () => void;
}

interface Sx127xStatistics {
  readonly rssi: number;
  readonly packetRssi: number;
  readonly snr: number;
  readonly packetFrequencyError: number;
}

declare module "sx127x" {
  export default class LoRa_SX127x {
    constructor(options: Sx127xOptions);
    configure(options: Sx127xSettings): void;
    /** Copy the waiting frame into `buffer`; its length, or undefined when none (or it did not fit). */
    read(buffer: Uint8Array): number | undefined;
    write(buffer: Uint8Array, size?: number): void;
    statistics(): Sx127xStatistics;
    close(): void;
  }
}
