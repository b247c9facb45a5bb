/**
 * Simulated radio attached to the simulation kernel's network (README "Mesh transport").
 *
 * The kernel decides who hears a frame (range or link graph), loss,
 * latency, duplication, reordering, partitions and crashes. This radio adds
 * what the kernel does not know about, in the receiver's local time:
 *
 *  - airtime: a frame arriving at t occupies the receiver for its time on
 *    air (AirtimeTable, the Semtech formula) and is handed over only at the
 *    end of that reception;
 *  - collisions: a frame that arrives while another is being received is
 *    lost, and so is the one being received unless it is at least
 *    CAPTURE_THRESHOLD_DB stronger (capture effect); counted;
 *  - half duplex: nothing is received while transmitting, and starting to
 *    transmit destroys a reception in progress, counted;
 *  - carrier sense: `isChannelBusy` is true during a reception;
 *  - the receive interrupt: when a frame enters the receive queue the
 *    handler given to `onReadable` runs (as the SX127x's RxDone does). The
 *    end of a reception is a hardware event: the host calls `advance` at
 *    `nextEventMs()` (the site node's radio timer), as the chip would
 *    interrupt then.
 *
 * On the kernel a frame travels as one message: a flag byte, then the frame.
 * Flag 1 marks an injected batch (a test attacker's wired side channel: no
 * airtime, no collision; a count, then length-prefixed frames), so a
 * CPU/memory flood can be tested apart from RF jamming, which no protocol
 * can stop. Injected frames wait in their own bounded queue (beyond its room
 * they are dropped and counted), so they never push frames heard on the air
 * out of the radio's FIFO: the side channel models CPU and memory, not air.
 *
 * The kernel port is structural (any object with `broadcast`): hal may not
 * import host-sim. Nothing is allocated after construction.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { err, ok, type Result, type Status } from "../../core/runtime/result";
import { ByteRing } from "../../core/collections/byte-ring";
import { FullPolicy } from "../../core/collections/full-policy";
import type { ValueOrCode } from "../../core/collections/value-or-code";
import type { AirtimeTable } from "../../core/mesh/airtime";
import type { RadioReception } from "../../core/mesh/radio-port";
import type { Radio, RadioStats } from "../radio";

/** The kernel side: a SimContext has this shape. */
export interface SimAirPort {
  broadcast(bytes: Uint8Array, lengthBytes: number): Status;
}

/** Link measurements a receiver sees from a given sender (a function of distance in the workload). */
export interface SimLinkModel {
  snrQuarterDb(fromNode: number): number;
  rssiDbm(fromNode: number): number;
}

export interface SimRadioOptions {
  readonly mtuBytes: number;
  readonly airtime: AirtimeTable;
  /** Bytes of the queue of received frames waiting for the transport. */
  readonly receiveQueueBytes: number;
  readonly link: SimLinkModel;
  /** Model collisions and half duplex (default true). */
  readonly collisions?: boolean;
}

export const SIM_AIR_PREFIX_BYTES = 1;
/**
 * LoRa co-channel rejection: a frame being received survives an overlapping
 * one that is at least this much weaker (the SX1276 datasheet's LoRa
 * co-channel rejection, about 6 dB at one spreading factor). Otherwise both
 * are lost.
 */
export const CAPTURE_THRESHOLD_DB = 6;
export const SimAirFlag = Object.freeze({ Radio: 0, Injected: 1 } as const);
const META_BYTES = 2;

export class SimRadioStats implements RadioStats {
  framesSent = 0;
  framesReceived = 0;
  receiveQueueDropped = 0;
  faults = 0;
  /** Receptions destroyed by an overlapping one (each frame counted). */
  collisionLosses = 0;
  /** Frames lost because this radio was transmitting (half duplex). */
  halfDuplexLosses = 0;
  /** Overlaps the frame being received survived (it was at least the capture threshold stronger). */
  captures = 0;
  injectedReceived = 0;
  /** Frames arriving malformed on the kernel (no flag byte, oversized). */
  malformedArrivals = 0;
  /** Bytes of the frames transmitted. */
  bytesSent = 0;
  /** Time on air of the frames transmitted, µs. */
  airtimeSentUs = 0;
}

export class SimRadio implements Radio {
  readonly mtuBytes: number;
  readonly stats = new SimRadioStats();
  readonly #port: SimAirPort;
  readonly #airtime: AirtimeTable;
  readonly #link: SimLinkModel;
  readonly #collisions: boolean;
  readonly #queue: ByteRing;
  readonly #injectedQueue: ByteRing;
  readonly #air: Uint8Array;
  readonly #current: Uint8Array;
  readonly #record: Uint8Array;
  #currentLength = 0;
  #currentFrom = 0;
  #currentCollided = false;
  #currentRssiDbm = 0;
  #receiving = false;
  #receiveEndMs = 0;
  #transmitEndMs = 0;
  #closed = false;
  #readable: (() => void) | undefined = undefined;

  static create(port: SimAirPort, options: SimRadioOptions): Result<SimRadio> {
    const mtu = options.mtuBytes;
    if ((mtu | 0) !== mtu || mtu < 1 || mtu > options.airtime.maxFrameBytes) return err(ErrorCode.InvalidArgument);
    const queue = ByteRing.create(options.receiveQueueBytes, mtu + META_BYTES, FullPolicy.RefuseNewest);
    if (!queue.ok) return queue;
    const injected = ByteRing.create(options.receiveQueueBytes, mtu + META_BYTES, FullPolicy.RefuseNewest);
    if (!injected.ok) return injected;
    return ok(new SimRadio(port, options, queue.value, injected.value));
  }

  private constructor(port: SimAirPort, options: SimRadioOptions, queue: ByteRing, injectedQueue: ByteRing) {
    this.mtuBytes = options.mtuBytes;
    this.#port = port;
    this.#airtime = options.airtime;
    this.#link = options.link;
    this.#collisions = options.collisions ?? true;
    this.#queue = queue;
    this.#injectedQueue = injectedQueue;
    this.#air = new Uint8Array(options.mtuBytes + SIM_AIR_PREFIX_BYTES);
    this.#current = new Uint8Array(options.mtuBytes);
    this.#record = new Uint8Array(options.mtuBytes + META_BYTES);
  }

  airtimeUs(lengthBytes: number): number {
    return lengthBytes > this.mtuBytes ? -1 : this.#airtime.airtimeUs(lengthBytes);
  }

  isTransmitting(nowMs: number): boolean {
    return nowMs < this.#transmitEndMs;
  }

  isChannelBusy(nowMs: number): boolean {
    return this.#receiving && nowMs < this.#receiveEndMs;
  }

  transmit(bytes: Uint8Array, lengthBytes: number, nowMs: number): Status {
    if (this.#closed) return this.fault_();
    if (nowMs < this.#transmitEndMs) return ErrorCode.MeshRadioBusy;
    if ((lengthBytes >>> 0) !== lengthBytes || lengthBytes > this.mtuBytes || lengthBytes > bytes.length) return ErrorCode.MeshFrameOversized;
    this.finishReception_(nowMs);
    if (this.#receiving && this.#collisions) {
      // Switching to transmit loses the frame being received.
      this.#currentCollided = true;
      this.stats.halfDuplexLosses++;
    }
    const air = this.#air;
    air[0] = SimAirFlag.Radio;
    for (let i = 0; i < lengthBytes; i++) air[SIM_AIR_PREFIX_BYTES + i] = bytes[i] ?? 0;
    if (this.#port.broadcast(air, lengthBytes + SIM_AIR_PREFIX_BYTES) !== ErrorCode.Ok) return this.fault_();
    const airtimeUs = this.#airtime.airtimeUs(lengthBytes);
    this.#transmitEndMs = nowMs + Math.ceil(airtimeUs / 1000);
    this.stats.framesSent++;
    this.stats.bytesSent += lengthBytes;
    this.stats.airtimeSentUs += airtimeUs;
    return ErrorCode.Ok;
  }

  /**
   * Send a batch on the injected side channel (test attackers only): no
   * airtime, no collision. `message[1 ..]` holds a frame count, then per
   * frame a length byte and the frame; byte 0 is set here.
   */
  inject(message: Uint8Array, lengthBytes: number): Status {
    message[0] = SimAirFlag.Injected;
    return this.#port.broadcast(message, lengthBytes);
  }

  /** The kernel delivered a message from node `fromNode` at local time `nowMs`. */
  onAir(fromNode: number, bytes: Uint8Array, lengthBytes: number, nowMs: number): void {
    if (this.#closed) return;
    this.finishReception_(nowMs);
    if (bytes[0] === SimAirFlag.Injected) {
      this.receiveInjected_(fromNode, bytes, lengthBytes);
      return;
    }
    const frameBytes = lengthBytes - SIM_AIR_PREFIX_BYTES;
    if (frameBytes < 0 || frameBytes > this.mtuBytes) {
      this.stats.malformedArrivals++;
      return;
    }
    if (!this.#collisions) {
      this.enqueue_(this.#queue, bytes, SIM_AIR_PREFIX_BYTES, frameBytes, fromNode);
      return;
    }
    const endMs = nowMs + Math.ceil(this.#airtime.airtimeUs(frameBytes) / 1000);
    if (nowMs < this.#transmitEndMs) {
      this.stats.halfDuplexLosses++;
      return;
    }
    if (this.#receiving) {
      const rssi = this.#link.rssiDbm(fromNode);
      this.stats.collisionLosses++;
      if (!this.#currentCollided && this.#currentRssiDbm >= rssi + CAPTURE_THRESHOLD_DB) {
        // Capture: the frame being received is strong enough to survive; only the newcomer is lost.
        this.stats.captures++;
        return;
      }
      // Overlap: both frames are lost; the channel stays busy until the later one ends.
      if (!this.#currentCollided) this.stats.collisionLosses++;
      this.#currentCollided = true;
      if (endMs > this.#receiveEndMs) this.#receiveEndMs = endMs;
      return;
    }
    this.#receiving = true;
    this.#currentRssiDbm = this.#link.rssiDbm(fromNode);
    this.#currentCollided = false;
    this.#currentFrom = fromNode;
    this.#currentLength = frameBytes;
    this.#receiveEndMs = endMs;
    for (let i = 0; i < frameBytes; i++) this.#current[i] = bytes[SIM_AIR_PREFIX_BYTES + i] ?? 0;
  }

  receive(nowMs: number, out: Uint8Array, meta: RadioReception): ValueOrCode {
    if (this.#closed) return -ErrorCode.Empty;
    // The reader is here already: no interrupt for a frame it takes now.
    this.finishReception_(nowMs, false);
    // Frames from the air first; the injected side channel never delays them.
    let length = this.#queue.shiftInto(this.#record, 0);
    const fromAir = length >= 0;
    if (!fromAir) length = this.#injectedQueue.shiftInto(this.#record, 0);
    if (length < 0) return -ErrorCode.Empty;
    const frameBytes = length - META_BYTES;
    if (frameBytes > out.length) return -ErrorCode.MeshFrameOversized;
    meta.rssiDbm = -(this.#record[0] ?? 0);
    meta.snrQuarterDb = (this.#record[1] ?? 128) - 128;
    meta.airtimeUs = fromAir ? this.#airtime.airtimeUs(frameBytes) : 0;
    for (let i = 0; i < frameBytes; i++) out[i] = this.#record[META_BYTES + i] ?? 0;
    this.stats.framesReceived++;
    return frameBytes;
  }

  /** When a reception in progress completes (the host calls `advance` then), or -1. */
  nextEventMs(): number {
    return this.#receiving ? this.#receiveEndMs : -1;
  }

  /** The radio's own time passes to `nowMs`: a reception that ended is queued (and interrupts). */
  advance(nowMs: number): void {
    if (!this.#closed) this.finishReception_(nowMs);
  }

  onReadable(handler: () => void): void {
    this.#readable = handler;
  }

  /** Frames waiting for the transport. */
  get queued(): number {
    return this.#queue.count + this.#injectedQueue.count;
  }

  close(): void {
    this.#closed = true;
    this.#receiving = false;
    this.#queue.clear();
    this.#injectedQueue.clear();
  }

  private receiveInjected_(fromNode: number, bytes: Uint8Array, lengthBytes: number): void {
    const count = bytes[SIM_AIR_PREFIX_BYTES] ?? 0;
    let at = SIM_AIR_PREFIX_BYTES + 1;
    for (let k = 0; k < count; k++) {
      const frameBytes = bytes[at] ?? 0;
      if (at + 1 + frameBytes > lengthBytes || frameBytes > this.mtuBytes) {
        this.stats.malformedArrivals++;
        return;
      }
      this.stats.injectedReceived++;
      this.enqueue_(this.#injectedQueue, bytes, at + 1, frameBytes, fromNode);
      at += 1 + frameBytes;
    }
  }

  /** A reception whose airtime has ended: queue it (or drop it, collided). */
  private finishReception_(nowMs: number, interrupt = true): void {
    if (!this.#receiving || nowMs < this.#receiveEndMs) return;
    this.#receiving = false;
    if (!this.#currentCollided) this.enqueue_(this.#queue, this.#current, 0, this.#currentLength, this.#currentFrom, interrupt);
  }

  private enqueue_(queue: ByteRing, bytes: Uint8Array, offset: number, frameBytes: number, fromNode: number, interrupt = true): void {
    const record = this.#record;
    const rssi = this.#link.rssiDbm(fromNode);
    const snr = this.#link.snrQuarterDb(fromNode);
    record[0] = rssi >= 0 ? 0 : rssi < -255 ? 255 : -rssi;
    record[1] = (snr < -128 ? -128 : snr > 127 ? 127 : snr) + 128;
    for (let i = 0; i < frameBytes; i++) record[META_BYTES + i] = bytes[offset + i] ?? 0;
    if (queue.push(record, 0, META_BYTES + frameBytes) !== ErrorCode.Ok) {
      this.stats.receiveQueueDropped++;
      return;
    }
    if (interrupt) this.#readable?.();
  }

  private fault_(): Status {
    this.stats.faults++;
    return ErrorCode.MeshRadioFault;
  }
}
