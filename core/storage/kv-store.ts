/**
 * The key-value half of the store: a few small, fixed-size values that must
 * survive power loss (current term, vote, replay-counter ceilings,
 * incarnation, config hash). Keys are small integers 0..keyCount-1; each
 * value is 0..valueMaxBytes bytes.
 *
 * `KvStore` is the interface other modules depend on (counter-reservation.ts
 * uses nothing else). `KvTable` is its RAM side inside the store: the latest
 * value of every key and the flash address of the record holding it. Reads
 * are served from RAM: every value there was CRC-checked at mount or
 * verified on flash when it was written.
 */
import type { ValueOrCode } from "../collections/value-or-code";
import type { Status } from "../runtime/result";
import { NO_ADDRESS } from "./layout";

export interface KvStore {
  readonly keyCount: number;
  /** The largest value any key takes. */
  readonly valueMaxBytes: number;
  /** The largest value `key` takes (its slot in RAM and its share of the flash reserve); 0 if not a key. */
  valueBytesOf(key: number): number;
  /**
   * Store `value[offset .. offset + lengthBytes)` under `key`; `Ok` only once
   * it is durable. Errors: OutOfRange (key), TooLarge, NotMounted, a device
   * error. On error the previous value stays readable (a reboot may show
   * either value, as after power loss in the middle of the write).
   */
  put(key: number, value: Uint8Array, offset: number, lengthBytes: number): Status;
  /** Copy the value into `out[outOffset ..]`; its length, or -NotFound / -OutOfRange / -TooLarge. */
  get(key: number, out: Uint8Array, outOffset: number): ValueOrCode;
  /**
   * The little-endian u32 at byte `at` of the value, read in place (a
   * receive path reads one word of a value per frame, not the whole value);
   * -1 when the key has no value that long.
   */
  readU32(key: number, at: number): number;
  /** Delete `key` durably (Ok also if it was absent). */
  remove(key: number): Status;
  has(key: number): boolean;
  /**
   * At most how many acknowledged records the store failed to read at mount
   * that are newer than the record `key`'s value was read from (all of them
   * when the key has no value; mount-report.ts `hiddenRecordsBound`). While
   * it is 0, the value read is the newest written; above 0, one of those
   * hidden records may be a newer value of `key`.
   */
  hiddenRecordsAfter(key: number): number;
}

/** Releases flash records the table no longer needs (RecordLog.release). */
export interface Releaser {
  release(address: number, payloadBytes: number): void;
}

export class KvTable {
  readonly valueMaxBytes: number;
  /** The values, each key's slot at its offset, after `meta_` in the same ArrayBuffer (each ArrayBuffer costs heap slots on XS). */
  private readonly values_: Uint8Array;
  /**
   * Per key: value length (ABSENT when there is none) at 2 * key, record
   * address at 2 * key + 1; then, from 2 * keyCount, keyCount + 1 slot
   * offsets into `values_` (key k's slot is [offset k, offset k + 1)).
   * 32-bit words (flash addresses and lengths fit; half the bytes of doubles).
   */
  private readonly meta_: Uint32Array;
  private readonly keyCount_: number;
  private releaser_: Releaser | undefined;

  /**
   * Bytes a table takes in a caller's buffer (`constructor`'s `buffer`): the
   * metadata, then the values. `valueBytes[k]` is key k's largest value; keys
   * past its end (all keys, without it) take `valueMaxBytes`.
   */
  static bytesFor(keyCount: number, valueMaxBytes: number, valueBytes?: readonly number[]): number {
    return (3 * keyCount + 1) * 4 + slotsBytes(keyCount, valueMaxBytes, valueBytes);
  }

  /** With `buffer`, the table lives there from `byteOffset` (a multiple of 4) for `bytesFor` bytes, which the caller does not use otherwise. */
  constructor(keyCount: number, valueMaxBytes: number, buffer?: ArrayBuffer, byteOffset = 0, valueBytes?: readonly number[]) {
    this.valueMaxBytes = valueMaxBytes;
    this.keyCount_ = keyCount;
    const store = buffer ?? new ArrayBuffer(KvTable.bytesFor(keyCount, valueMaxBytes, valueBytes));
    const at = buffer === undefined ? 0 : byteOffset;
    const metaWords = 3 * keyCount + 1;
    this.meta_ = new Uint32Array(store, at, metaWords);
    this.values_ = new Uint8Array(store, at + metaWords * 4, slotsBytes(keyCount, valueMaxBytes, valueBytes));
    let offset = 0;
    for (let key = 0; key < keyCount; key++) {
      this.meta_[2 * key] = ABSENT;
      this.meta_[2 * key + 1] = NO_ADDRESS;
      this.meta_[2 * keyCount + key] = offset;
      offset += slotBytes(key, valueMaxBytes, valueBytes);
    }
    this.meta_[3 * keyCount] = offset;
  }

  get keyCount(): number {
    return this.keyCount_;
  }

  /** Start releasing superseded records (after replay; during replay nothing is accounted). */
  attach(releaser: Releaser): void {
    this.releaser_ = releaser;
  }

  isKey(key: number): boolean {
    return (key >>> 0) === key && key < this.keyCount_;
  }

  /** The largest value `key` takes; 0 if not a key. */
  valueBytesOf(key: number): number {
    if (!this.isKey(key)) return 0;
    return (this.meta_[2 * this.keyCount_ + key + 1] ?? 0) - (this.meta_[2 * this.keyCount_ + key] ?? 0);
  }

  /** Value length, or -1 when absent (or not a key). */
  lengthOf(key: number): number {
    const length = this.isKey(key) ? (this.meta_[2 * key] ?? ABSENT) : ABSENT;
    return length === ABSENT ? -1 : length;
  }

  addressOf(key: number): number {
    return this.isKey(key) ? (this.meta_[2 * key + 1] ?? NO_ADDRESS) : NO_ADDRESS;
  }

  /** The backing array and where `key`'s value starts in it (for rewriting during cleaning). */
  get values(): Uint8Array {
    return this.values_;
  }

  valueOffset(key: number): number {
    return this.meta_[2 * this.keyCount_ + key] ?? 0;
  }

  /** Set `key` to `src[srcOffset ..+ lengthBytes)` stored at `address`; the old record is released. False if not a key or too long for it. */
  set(key: number, src: Uint8Array, srcOffset: number, lengthBytes: number, address: number): boolean {
    if (!this.isKey(key) || lengthBytes > this.valueBytesOf(key)) return false;
    this.releaseCurrent_(key);
    const at = this.valueOffset(key);
    for (let i = 0; i < lengthBytes; i++) this.values_[at + i] = src[srcOffset + i] ?? 0;
    this.meta_[2 * key] = lengthBytes;
    this.meta_[2 * key + 1] = address;
    return true;
  }

  /** The value moved to `address` (cleaning); the caller released the old copy. */
  moved(key: number, address: number): void {
    if (this.isKey(key)) this.meta_[2 * key + 1] = address;
  }

  /** Forget `key`; its record is released. */
  clear(key: number): void {
    if (!this.isKey(key)) return;
    this.releaseCurrent_(key);
    this.meta_[2 * key] = ABSENT;
    this.meta_[2 * key + 1] = NO_ADDRESS;
  }

  private releaseCurrent_(key: number): void {
    const address = this.meta_[2 * key + 1] ?? NO_ADDRESS;
    if (address !== NO_ADDRESS) this.releaser_?.release(address, this.lengthOf(key));
  }
}

/** A key's length word when it has no value. */
const ABSENT = 0xffff_ffff;

/** Key `key`'s largest value: `valueBytes[key]`, or `valueMaxBytes` past its end. */
export function slotBytes(key: number, valueMaxBytes: number, valueBytes: readonly number[] | undefined): number {
  return valueBytes !== undefined && key < valueBytes.length ? (valueBytes[key] ?? valueMaxBytes) : valueMaxBytes;
}

function slotsBytes(keyCount: number, valueMaxBytes: number, valueBytes: readonly number[] | undefined): number {
  let total = 0;
  for (let key = 0; key < keyCount; key++) total += slotBytes(key, valueMaxBytes, valueBytes);
  return total;
}
