/**
 * The received-frame queue both Moddable radios share: frames arrive in the
 * driver's callback (onReadable) and wait, with their link measurements,
 * until the transport's tick takes them (`receive`). Bounded (a ByteRing):
 * when full the new frame is dropped and counted, like a radio FIFO.
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
  dropped = 0;

  static create(capacityBytes: number, mtuBytes: number): Result<FrameQueue> {
    if ((mtuBytes | 0) !== mtuBytes || mtuBytes < 1 || mtuBytes > 0xffff - META_BYTES) return err(ErrorCode.InvalidArgument);
    const ring = ByteRing.create(capacityBytes, mtuBytes + META_BYTES, FullPolicy.RefuseNewest);
    if (!ring.ok) return ring;
    return ok(new FrameQueue(ring.value, mtuBytes));
  }

  private constructor(ring: ByteRing, mtuBytes: number) {
    this.#ring = ring;
    this.#record = new Uint8Array(mtuBytes + META_BYTES);
  }

  get count(): number {
    return this.#ring.count;
  }

  /** Queue bytes[0 .. length) with its measurements; false (counted) when full. */
  push(bytes: Uint8Array, length: number, rssiDbm: number, snrQuarterDb: number, airtimeUs: number): boolean {
    const record = this.#record;
    if (length + META_BYTES > record.length) {
      this.dropped++;
      return false;
    }
    record[0] = rssiDbm >= 0 ? 0 : rssiDbm < -255 ? 255 : -rssiDbm;
    record[1] = (snrQuarterDb < -128 ? -128 : snrQuarterDb > 127 ? 127 : snrQuarterDb) + 128;
    // A measurement in a u16, not a setting: a 255-byte LoRa frame at SF12/125 kHz is on air ~9.3 s, far below 65.5 s.
    const airtimeMs = Math.min(0xffff, Math.ceil(airtimeUs / 1000));
    record[2] = airtimeMs >>> 8;
    record[3] = airtimeMs & 0xff;
    for (let i = 0; i < length; i++) record[META_BYTES + i] = bytes[i] ?? 0;
    if (this.#ring.push(record, 0, META_BYTES + length) === ErrorCode.Ok) return true;
    this.dropped++;
    return false;
  }

  /** The oldest frame into `out`, measurements into `meta`: its length, -Empty, or -MeshFrameOversized. */
  shift(out: Uint8Array, meta: RadioReception): ValueOrCode {
    const record = this.#record;
    const length = this.#ring.shiftInto(record, 0);
    if (length < 0) return -ErrorCode.Empty;
    const frameBytes = length - META_BYTES;
    if (frameBytes > out.length) return -ErrorCode.MeshFrameOversized;
    meta.rssiDbm = -(record[0] ?? 0);
    meta.snrQuarterDb = (record[1] ?? 128) - 128;
    meta.airtimeUs = (((record[2] ?? 0) << 8) | (record[3] ?? 0)) * 1000;
    for (let i = 0; i < frameBytes; i++) out[i] = record[META_BYTES + i] ?? 0;
    return frameBytes;
  }

  clear(): void {
    this.#ring.clear();
  }
}
