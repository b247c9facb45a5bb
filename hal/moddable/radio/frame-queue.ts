/**
 * The received-frame queue both Moddable radios share: frames arrive in the
 * driver's callback (onReadable) and wait, with their link measurements,
 * until the transport's tick takes them (`receive`). Bounded (a ByteRing):
 * when full the new frame is dropped and counted, like a radio FIFO.
 *
 * A record is the frame, then its measurements (META_BYTES): a driver can
 * read a frame straight into `receiveBuffer` (the one record buffer, which
 * the queue also shifts through) and queue it with `pushReceived`, so a
 * radio needs no receive buffer of its own.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import { ByteRing } from "../../../core/collections/byte-ring";
import { FullPolicy } from "../../../core/collections/full-policy";
import type { ValueOrCode } from "../../../core/collections/value-or-code";
import { err, ok, type Result } from "../../../core/runtime/result";
import type { RadioReception } from "../../../core/mesh/radio-port";

const META_BYTES = 4;

export class FrameQueue {
  readonly #ring: ByteRing;
  readonly #record: Uint8Array;
  readonly #mtuBytes: number;
  dropped = 0;

  /**
   * Frames up to `mtuBytes` are queued; `readBytes` (default mtuBytes) is the
   * longest frame a driver may read into receiveBuffer (a LoRa driver reads
   * whatever arrived, up to 255 bytes, and refuses a shorter buffer).
   */
  static create(capacityBytes: number, mtuBytes: number, readBytes = mtuBytes): Result<FrameQueue> {
    if ((mtuBytes | 0) !== mtuBytes || mtuBytes < 1 || mtuBytes > 0xffff - META_BYTES) return err(ErrorCode.InvalidArgument);
    if ((readBytes | 0) !== readBytes || readBytes < mtuBytes || readBytes > 0xffff - META_BYTES) return err(ErrorCode.InvalidArgument);
    const ring = ByteRing.create(capacityBytes, mtuBytes + META_BYTES, FullPolicy.RefuseNewest);
    if (!ring.ok) return ring;
    return ok(new FrameQueue(ring.value, mtuBytes, readBytes));
  }

  private constructor(ring: ByteRing, mtuBytes: number, readBytes: number) {
    this.#ring = ring;
    this.#mtuBytes = mtuBytes;
    this.#record = new Uint8Array(readBytes + META_BYTES);
  }

  get count(): number {
    return this.#ring.count;
  }

  /**
   * Where a driver reads one frame (at offset 0) before `pushReceived`;
   * readBytes + META_BYTES long. Its contents are the queue's until then:
   * `push` and `shift` overwrite them.
   */
  get receiveBuffer(): Uint8Array {
    return this.#record;
  }

  /** Queue bytes[0 .. length) with its measurements; false (counted) when too long or full. */
  push(bytes: Uint8Array, length: number, rssiDbm: number, snrQuarterDb: number, airtimeUs: number): boolean {
    const record = this.#record;
    if ((length >>> 0) !== length || length > this.#mtuBytes || length > bytes.length) {
      this.dropped++;
      return false;
    }
    if (bytes !== record) for (let i = 0; i < length; i++) record[i] = bytes[i] ?? 0;
    return this.pushReceived(length, rssiDbm, snrQuarterDb, airtimeUs);
  }

  /** Queue the frame a driver read into receiveBuffer[0 .. length), with its measurements; false (counted) when too long or full. */
  pushReceived(length: number, rssiDbm: number, snrQuarterDb: number, airtimeUs: number): boolean {
    const record = this.#record;
    if ((length >>> 0) !== length || length > this.#mtuBytes) {
      this.dropped++;
      return false;
    }
    record[length] = rssiDbm >= 0 ? 0 : rssiDbm < -255 ? 255 : -rssiDbm;
    record[length + 1] = (snrQuarterDb < -128 ? -128 : snrQuarterDb > 127 ? 127 : snrQuarterDb) + 128;
    // A measurement in a u16, not a setting: a 255-byte LoRa frame at SF12/125 kHz is on air ~9.3 s, far below 65.5 s.
    const airtimeMs = Math.min(0xffff, Math.ceil(airtimeUs / 1000));
    record[length + 2] = airtimeMs >>> 8;
    record[length + 3] = airtimeMs & 0xff;
    if (this.#ring.push(record, 0, length + META_BYTES) === ErrorCode.Ok) return true;
    this.dropped++;
    return false;
  }

  /** The oldest frame into `out`, measurements into `meta`: its length, -Empty, or -MeshFrameOversized. */
  shift(out: Uint8Array, meta: RadioReception): ValueOrCode {
    const record = this.#record;
    const length = this.#ring.shiftInto(record, 0);
    if (length < META_BYTES) return -ErrorCode.Empty;
    const frameBytes = length - META_BYTES;
    if (frameBytes > out.length) return -ErrorCode.MeshFrameOversized;
    meta.rssiDbm = -(record[frameBytes] ?? 0);
    meta.snrQuarterDb = (record[frameBytes + 1] ?? 128) - 128;
    meta.airtimeUs = (((record[frameBytes + 2] ?? 0) << 8) | (record[frameBytes + 3] ?? 0)) * 1000;
    for (let i = 0; i < frameBytes; i++) out[i] = record[i] ?? 0;
    return frameBytes;
  }

  clear(): void {
    this.#ring.clear();
  }
}
