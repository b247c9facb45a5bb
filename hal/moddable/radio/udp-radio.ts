/**
 * The mesh over Wi-Fi: UDP datagrams on embedded:io/socket/udp (ECMA-419
 * §10, typed in @moddable/typings) as a Picket Radio (hal/radio.ts). Every
 * frame is sent to one broadcast or multicast address, so every board on
 * the segment "hears" it, as on a radio channel; the mesh above is the same.
 *
 *     const radio = UdpRadio.open(UDP, { port: 5683, peerAddress: "239.0.0.83", mtuBytes: 255, receiveQueueBytes: 4096 });
 *
 * Airtime is modelled as length x 8 / bitsPerSecond plus a per-frame
 * overhead (AirtimeTable.forBitRate), so the transport's budget and
 * utilisation gate still work; Wi-Fi needs no regulatory duty cycle, so a
 * site would configure dutyCyclePpm = 1_000_000. There are no link
 * measurements on UDP: every frame reports the same RSSI and SNR, so the
 * relay contention delay degrades to its random part.
 *
 * The socket's calls (constructor, write, read) go through
 * core/runtime/guard.ts and become MeshRadioFault, reported to onError and
 * counted. `read()` returns a new ArrayBuffer per datagram (the typings'
 * no-argument form); that allocation is the socket's.
 *
 * Cannot run in this repository (no network stack): type-checked only.
 */
/// <reference path="./moddable-io.d.ts" />
import type UDP from "embedded:io/socket/udp";
import { ErrorCode, type FailureCode } from "../../../core/runtime/errors";
import { guard, guardCall, guardStatus } from "../../../core/runtime/guard";
import { err, ok, type Result, type Status } from "../../../core/runtime/result";
import type { ValueOrCode } from "../../../core/collections/value-or-code";
import { AirtimeTable } from "../../../core/mesh/airtime";
import type { RadioReception } from "../../../core/mesh/radio-port";
import type { Radio, RadioStats } from "../../radio";
import { FrameQueue } from "./frame-queue";

/** What this adapter needs from the socket (the embedded:io/socket/udp shape; tests may substitute). */
export interface UdpSocket {
  write(buffer: Uint8Array, address: string, port: number): void;
  read(): ArrayBuffer;
}

export interface UdpSocketOptions {
  readonly port: number;
  readonly onReadable: (packets: number) => void;
  readonly onError: () => void;
}

export type UdpSocketClass = new (options: UdpSocketOptions) => UdpSocket;

/** Compile-time proof that the real socket class fits (type only: nothing is imported at run time). */
export type UdpSocketFits = typeof UDP extends UdpSocketClass ? true : never;

export interface UdpRadioOptions {
  /** Local port, also the port frames are sent to. */
  readonly port: number;
  /** Where every frame goes: the segment's broadcast address or a multicast group. */
  readonly peerAddress: string;
  readonly mtuBytes: number;
  readonly receiveQueueBytes: number;
  /** For the airtime model; default 1 Mbit/s with 200 µs per frame. */
  readonly bitsPerSecond?: number;
  readonly frameOverheadUs?: number;
  readonly onError?: (code: FailureCode) => void;
}

/** Datagrams taken from the socket per onReadable call (the rest wait for the next). */
const READS_PER_CALLBACK_MAX = 16;
const UDP_RSSI_DBM = -50;
const UDP_SNR_QDB = 0;

class UdpStats implements RadioStats {
  framesSent = 0;
  framesReceived = 0;
  receiveQueueDropped = 0;
  faults = 0;
}

export class UdpRadio implements Radio {
  readonly mtuBytes: number;
  readonly stats = new UdpStats();
  readonly #airtime: AirtimeTable;
  readonly #queue: FrameQueue;
  readonly #port: number;
  readonly #peerAddress: string;
  readonly #onError: ((code: FailureCode) => void) | undefined;
  #readable: (() => void) | undefined = undefined;
  #socket: UdpSocket | undefined = undefined;
  #datagram: ArrayBuffer | undefined = undefined;
  #closed = false;
  // A static thunk for guardCall (core/runtime/guard.ts), not a closure per instance (heap slots for life).
  private static readOne_(self: UdpRadio): void {
    self.#datagram = self.#socket?.read();
  }

  static open(Socket: UdpSocketClass, options: UdpRadioOptions): Result<UdpRadio> {
    const mtu = options.mtuBytes;
    if ((options.port >>> 0) !== options.port || options.port < 1 || options.port > 0xffff) return err(ErrorCode.InvalidArgument);
    const airtime = AirtimeTable.forBitRate(options.bitsPerSecond ?? 1_000_000, options.frameOverheadUs ?? 200, mtu);
    if (!airtime.ok) return airtime;
    const queue = FrameQueue.create(options.receiveQueueBytes, mtu);
    if (!queue.ok) return queue;
    const radio = new UdpRadio(options, airtime.value, queue.value);
    const made = guard(() => new Socket({ port: options.port, onReadable: radio.#onReadable, onError: radio.#onSocketError }), ErrorCode.MeshRadioFault);
    if (!made.ok) {
      options.onError?.(ErrorCode.MeshRadioFault);
      return err(ErrorCode.MeshRadioFault);
    }
    radio.#socket = made.value;
    return ok(radio);
  }

  private constructor(options: UdpRadioOptions, airtime: AirtimeTable, queue: FrameQueue) {
    this.mtuBytes = options.mtuBytes;
    this.#airtime = airtime;
    this.#queue = queue;
    this.#port = options.port;
    this.#peerAddress = options.peerAddress;
    this.#onError = options.onError;
  }

  airtimeUs(lengthBytes: number): number {
    return this.#airtime.airtimeUs(lengthBytes);
  }

  isTransmitting(_nowMs: number): boolean {
    return false;
  }

  isChannelBusy(_nowMs: number): boolean {
    return false;
  }

  transmit(bytes: Uint8Array, lengthBytes: number, _nowMs: number): Status {
    const socket = this.#socket;
    if (this.#closed || socket === undefined) return this.fault_();
    if ((lengthBytes >>> 0) !== lengthBytes || lengthBytes > this.mtuBytes || lengthBytes > bytes.length) return ErrorCode.MeshFrameOversized;
    const datagram = lengthBytes === bytes.length ? bytes : bytes.subarray(0, lengthBytes);
    if (guardStatus(() => socket.write(datagram, this.#peerAddress, this.#port), ErrorCode.MeshRadioFault) !== ErrorCode.Ok) return this.fault_();
    this.stats.framesSent++;
    return ErrorCode.Ok;
  }

  receive(_nowMs: number, out: Uint8Array, meta: RadioReception): ValueOrCode {
    const length = this.#queue.shift(out, meta);
    if (length >= 0) this.stats.framesReceived++;
    return length;
  }

  /** Stop taking datagrams (the typings declare no socket close; the socket is released with the radio). */
  onReadable(handler: () => void): void {
    this.#readable = handler;
  }

  close(): void {
    this.#closed = true;
    this.#socket = undefined;
    this.#queue.clear();
  }

  readonly #onReadable = (packets: number): void => {
    if (this.#closed) return;
    const count = packets < READS_PER_CALLBACK_MAX ? packets : READS_PER_CALLBACK_MAX;
    let queued = 0;
    for (let i = 0; i < count; i++) {
      this.#datagram = undefined;
      if (guardCall(UdpRadio.readOne_, this, ErrorCode.MeshRadioFault) !== ErrorCode.Ok || this.#datagram === undefined) {
        this.fault_();
        break;
      }
      const frame = new Uint8Array(this.#datagram);
      this.#datagram = undefined;
      if (frame.length > this.mtuBytes) {
        this.stats.receiveQueueDropped++;
        continue;
      }
      if (!this.#queue.push(frame, frame.length, UDP_RSSI_DBM, UDP_SNR_QDB, this.#airtime.airtimeUs(frame.length))) this.stats.receiveQueueDropped++;
      else queued++;
    }
    // One wake-up for the datagrams taken (the agent's driver, agent/driver.ts).
    const readable = this.#readable;
    if (queued === 0 || readable === undefined) return;
    return readable(); // a tail call, as in the SX127x radio
  };

  readonly #onSocketError = (): void => {
    this.fault_();
  };

  private fault_(): Status {
    this.stats.faults++;
    this.#onError?.(ErrorCode.MeshRadioFault);
    return ErrorCode.MeshRadioFault;
  }
}
