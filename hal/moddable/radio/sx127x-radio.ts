/**
 * LoRa over a Semtech SX127x with the Moddable SDK's `sx127x` driver, as a
 * Picket Radio (hal/radio.ts), in the ECMA-419 driver shape: one options
 * object, callbacks, `close()`; errors as Status values and `onError`,
 * never thrown.
 *
 *     const radio = Sx127xRadio.open(LoRa_SX127x, {
 *       pins: { spi: { ...device.SPI.default, io: device.io.SPI, hz: 8_000_000 }, reset, interrupt, select },
 *       lora: { spreadingFactor: 7, bandwidthHz: 125_000, codingRateDenominator: 5, preambleSymbols: 8, crcOn: true, implicitHeader: false },
 *       frequencyHz: 869_525_000, transmitPowerDbm: 14, receiveQueueBytes: 2048,
 *     });
 *
 * Every driver call that can throw (constructor: "Not Found"; write:
 * "Xmit Overlap"; read; statistics; close) goes through core/runtime/guard.ts
 * and becomes MeshRadioFault, reported to `onError` and counted. The guarded
 * calls are closures made once at open. Received frames wait in a bounded
 * queue (frame-queue.ts). The driver reports no channel activity, so
 * `isChannelBusy` is always false here (the transport's duty cycle and
 * contention delays still apply).
 *
 * Airtime comes from the Semtech formula (core/mesh/airtime.ts) for the
 * configured parameters; a transmission is considered on the air until the
 * driver's onWritable, or at most its airtime plus a margin (a lost
 * interrupt must not stall the radio forever; counted as a fault).
 *
 * After a frame is queued the driver's onReadable ends in the handler given
 * to `onReadable` (the agent's driver, agent/driver.ts, wakes).
 *
 * Cannot run in this repository (no SX127x): type-checked only.
 */
/// <reference path="./sx127x.d.ts" />
import type LoRa_SX127x from "sx127x";
import { ErrorCode, type FailureCode } from "../../../core/runtime/errors";
import { guard, guardCall, guardStatus } from "../../../core/runtime/guard";
import { err, ok, type Result, type Status } from "../../../core/runtime/result";
import type { ValueOrCode } from "../../../core/collections/value-or-code";
import { AirtimeTable, LORA_PAYLOAD_MAX_BYTES, type LoRaParams } from "../../../core/mesh/airtime";
import type { RadioReception } from "../../../core/mesh/radio-port";
import type { Radio, RadioStats } from "../../radio";
import { FrameQueue } from "./frame-queue";

/** What this adapter needs from the driver (the `sx127x` class shape; tests may substitute). */
export interface Sx127xDriver {
  read(buffer: Uint8Array): number | undefined;
  write(buffer: Uint8Array, size?: number): void;
  statistics(): { readonly packetRssi: number; readonly snr: number };
  close(): void;
}

export type Sx127xDriverClass = new (options: Sx127xOptions) => Sx127xDriver;

/** Compile-time proof that the Moddable driver class fits (type only: nothing is imported at run time). */
export type Sx127xDriverFits = typeof LoRa_SX127x extends Sx127xDriverClass ? true : never;

export interface Sx127xRadioOptions {
  /** The driver's bus and pin options (spi, reset, interrupt, select). */
  readonly pins: Pick<Sx127xOptions, "spi" | "reset" | "interrupt" | "select">;
  readonly lora: LoRaParams;
  readonly frequencyHz: number;
  readonly transmitPowerDbm: number;
  /** 0x12 private networks (the driver's default). */
  readonly syncWord?: number;
  /** Largest frame, at most 255. */
  readonly mtuBytes?: number;
  readonly receiveQueueBytes: number;
  readonly onError?: (code: FailureCode) => void;
}

/** A transmission with no onWritable after its airtime plus this is taken as done (and counted). */
const TX_DONE_MARGIN_MS = 500;

class Sx127xStats implements RadioStats {
  framesSent = 0;
  framesReceived = 0;
  receiveQueueDropped = 0;
  faults = 0;
  lostTxInterrupts = 0;
}

export class Sx127xRadio implements Radio {
  readonly mtuBytes: number;
  readonly stats = new Sx127xStats();
  readonly #airtime: AirtimeTable;
  readonly #queue: FrameQueue;
  /** The frame being handed to the driver's write (the caller's buffer: write copies it into the radio's FIFO at once). */
  #txBytes: Uint8Array | undefined = undefined;
  readonly #onError: ((code: FailureCode) => void) | undefined;
  #readable: (() => void) | undefined = undefined;
  #driver: Sx127xDriver | undefined = undefined;
  #transmitting = false;
  #txDeadlineMs = 0;
  #txLength = 0;
  #rxLength = 0;
  #rssi = 0;
  #snr = 0;
  #closed = false;
  // The driver calls that may throw, as static thunks for guardCall (core/runtime/guard.ts): a closure per
  // instance would cost heap slots for the radio's whole life.
  // Straight into the receive queue's record buffer (frame-queue.ts): no receive buffer of our own.
  private static read_(self: Sx127xRadio): void {
    self.#rxLength = self.#driver?.read(self.#queue.receiveBuffer) ?? 0;
  }
  private static measure_(self: Sx127xRadio): void {
    const s = self.#driver?.statistics();
    self.#rssi = Math.round(s?.packetRssi ?? 0);
    self.#snr = Math.round((s?.snr ?? 0) * 4);
  }
  private static write_(self: Sx127xRadio): void {
    const bytes = self.#txBytes;
    if (bytes !== undefined) self.#driver?.write(bytes, self.#txLength);
  }

  /** Construct the driver (guarded). MeshRadioFault if it threw ("Not Found"); InvalidArgument for bad parameters. */
  static open(Driver: Sx127xDriverClass, options: Sx127xRadioOptions): Result<Sx127xRadio> {
    const mtu = options.mtuBytes ?? LORA_PAYLOAD_MAX_BYTES;
    const airtime = AirtimeTable.forLoRa(options.lora, mtu);
    if (!airtime.ok) return airtime;
    const queue = FrameQueue.create(options.receiveQueueBytes, mtu, LORA_PAYLOAD_MAX_BYTES);
    if (!queue.ok) return queue;
    const radio = new Sx127xRadio(mtu, airtime.value, queue.value, options.onError);
    const p = options.lora;
    const made = guard(
      () =>
        new Driver({
          ...options.pins,
          frequency: options.frequencyHz / 1_000_000,
          transmitPower: options.transmitPowerDbm,
          crc: p.crcOn,
          implicitHeader: p.implicitHeader,
          spreadingFactor: p.spreadingFactor,
          bandwidth: p.bandwidthHz / 1000,
          codingRate: p.codingRateDenominator,
          preambleLength: p.preambleSymbols,
          syncWord: options.syncWord ?? 0x12,
          enableReceiver: true,
          onReadable: radio.#onReadable,
          onWritable: radio.#onWritable,
        }),
      ErrorCode.MeshRadioFault,
    );
    if (!made.ok) {
      options.onError?.(ErrorCode.MeshRadioFault);
      return err(ErrorCode.MeshRadioFault);
    }
    radio.#driver = made.value;
    return ok(radio);
  }

  private constructor(mtu: number, airtime: AirtimeTable, queue: FrameQueue, onError: ((code: FailureCode) => void) | undefined) {
    this.mtuBytes = mtu;
    this.#airtime = airtime;
    this.#queue = queue;
    this.#onError = onError;
  }

  airtimeUs(lengthBytes: number): number {
    return lengthBytes > this.mtuBytes ? -1 : this.#airtime.airtimeUs(lengthBytes);
  }

  isTransmitting(nowMs: number): boolean {
    if (!this.#transmitting) return false;
    if (nowMs <= this.#txDeadlineMs) return true;
    this.#transmitting = false; // onWritable never came
    this.stats.lostTxInterrupts++;
    return false;
  }

  isChannelBusy(_nowMs: number): boolean {
    return false;
  }

  transmit(bytes: Uint8Array, lengthBytes: number, nowMs: number): Status {
    if (this.#closed || this.#driver === undefined) return this.fault_();
    if (this.isTransmitting(nowMs)) return ErrorCode.MeshRadioBusy;
    if ((lengthBytes >>> 0) !== lengthBytes || lengthBytes > this.mtuBytes || lengthBytes > bytes.length) return ErrorCode.MeshFrameOversized;
    this.#txBytes = bytes;
    this.#txLength = lengthBytes;
    this.#transmitting = true;
    this.#txDeadlineMs = nowMs + Math.ceil(this.#airtime.airtimeUs(lengthBytes) / 1000) + TX_DONE_MARGIN_MS;
    const written = guardCall(Sx127xRadio.write_, this, ErrorCode.MeshRadioFault);
    this.#txBytes = undefined;
    if (written !== ErrorCode.Ok) {
      this.#transmitting = false;
      return this.fault_();
    }
    this.stats.framesSent++;
    return ErrorCode.Ok;
  }

  receive(_nowMs: number, out: Uint8Array, meta: RadioReception): ValueOrCode {
    const length = this.#queue.shift(out, meta);
    if (length >= 0) this.stats.framesReceived++;
    return length;
  }

  onReadable(handler: () => void): void {
    this.#readable = handler;
  }

  /** Close the driver (guarded; idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    const driver = this.#driver;
    this.#driver = undefined;
    if (driver !== undefined && guardStatus(() => driver.close(), ErrorCode.MeshRadioFault) !== ErrorCode.Ok) this.fault_();
  }

  /** Driver callback: a frame is waiting. Read it and its measurements, queue them. */
  readonly #onReadable = (_count: number): void => {
    if (this.#closed) return;
    this.#rxLength = 0;
    if (guardCall(Sx127xRadio.read_, this, ErrorCode.MeshRadioFault) !== ErrorCode.Ok || this.#rxLength <= 0) {
      this.fault_();
      return;
    }
    if (guardCall(Sx127xRadio.measure_, this, ErrorCode.MeshRadioFault) !== ErrorCode.Ok) this.fault_();
    const length = this.#rxLength;
    if (length > this.mtuBytes || !this.#queue.pushReceived(length, this.#rssi, this.#snr, this.#airtime.airtimeUs(length))) {
      this.stats.receiveQueueDropped++;
      return;
    }
    const readable = this.#readable;
    if (readable === undefined) return;
    return readable(); // a tail call: the agent runs from here on the radio interrupt, on its deepest JS stack
  };

  /** Driver callback: the frame given to write is done. */
  readonly #onWritable = (): void => {
    this.#transmitting = false;
  };

  private fault_(): Status {
    this.stats.faults++;
    this.#onError?.(ErrorCode.MeshRadioFault);
    return ErrorCode.MeshRadioFault;
  }
}
