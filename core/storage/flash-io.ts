/**
 * Every device access of the store goes through here, so that
 *  - a program is durable only once it has been read back and compared
 *    (a transient read flip during the comparison is re-read, not reported);
 *  - a CRC-protected read that fails is re-read before it is called corrupt
 *    (read disturb is transient; retention errors are not);
 *  - bytes programmed, erases per block and every retry are counted
 *    (write amplification and wear are reported from these counters).
 *
 * Nothing here allocates after `create`.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import type { BlockDevice } from "./block-device";
import type { Crc32c } from "./crc32c";
import { readU32 } from "./layout";

/** Reads of one structure before a CRC mismatch is reported as corruption (transient flips at 5 % per read then fail all attempts with p = 4e-11). */
export const READ_ATTEMPTS = 8;
/** Read-backs of one program before a mismatch is reported as a failed program. */
export const VERIFY_ATTEMPTS = 4;

export class FlashIo {
  readonly device: BlockDevice;
  readonly blockSizeBytes: number;
  readonly blockCount: number;
  readonly alignBytes: number;
  /** Erases per block; seeded at mount from the counts persisted in block headers (a lower bound). */
  readonly eraseCounts: Uint32Array;
  private readonly crc_: Crc32c;
  private readonly verify_: Uint8Array;
  private bytesProgrammed_ = 0;
  private programs_ = 0;
  private erases_ = 0;
  private readRetries_ = 0;
  private crcFailures_ = 0;
  private verifyRetries_ = 0;
  private verifyFailures_ = 0;

  /** Bytes a FlashIo for `device` takes in its owner's buffer (`constructor`'s `buffer`): erase counts, then the verify buffer. */
  static bytesFor(device: BlockDevice, programMaxBytes: number): number {
    return device.blockCount * 4 + programMaxBytes;
  }

  /**
   * With `buffer`, the erase counts and the verify buffer live there from
   * `byteOffset` (a multiple of 4) for `bytesFor` bytes, which the owner
   * does not use otherwise (each ArrayBuffer costs heap slots on XS).
   */
  constructor(device: BlockDevice, crc: Crc32c, programMaxBytes: number, buffer?: ArrayBuffer, byteOffset = 0) {
    this.device = device;
    this.blockSizeBytes = device.blockSizeBytes;
    this.blockCount = device.blockCount;
    this.alignBytes = device.programAlignBytes;
    const store = buffer ?? new ArrayBuffer(FlashIo.bytesFor(device, programMaxBytes));
    const at = buffer === undefined ? 0 : byteOffset;
    this.eraseCounts = new Uint32Array(store, at, device.blockCount);
    this.crc_ = crc;
    this.verify_ = new Uint8Array(store, at + device.blockCount * 4, programMaxBytes);
  }

  get crc(): Crc32c {
    return this.crc_;
  }

  /** Bytes handed to `program` that were verified (headers, records, padding, superblocks). */
  get bytesProgrammed(): number {
    return this.bytesProgrammed_;
  }

  get programs(): number {
    return this.programs_;
  }

  get erases(): number {
    return this.erases_;
  }

  /** Extra reads after a CRC mismatch. */
  get readRetries(): number {
    return this.readRetries_;
  }

  /** CRC mismatches that survived every re-read (corruption or torn writes). */
  get crcFailures(): number {
    return this.crcFailures_;
  }

  get verifyRetries(): number {
    return this.verifyRetries_;
  }

  /** Programs whose read-back never matched. */
  get verifyFailures(): number {
    return this.verifyFailures_;
  }

  read(block: number, offsetBytes: number, into: Uint8Array, intoOffset: number, lengthBytes: number): Status {
    return this.device.read(block, offsetBytes, into, intoOffset, lengthBytes);
  }

  /** Does `bytes[0 .. bodyBytes)` carry its CRC-32C in the u32 that follows? */
  crcMatches(bytes: Uint8Array, bodyBytes: number): boolean {
    return this.crc_.checksum(bytes, 0, bodyBytes) === readU32(bytes, bodyBytes);
  }

  /** A caller re-read a structure after a mismatch. */
  noteRetry(): void {
    this.readRetries_++;
  }

  /** A caller gave up on a structure after READ_ATTEMPTS reads. */
  noteCrcFailure(): void {
    this.crcFailures_++;
  }

  /**
   * Read `bodyBytes` followed by their u32 CRC-32C into `into[0 ..]` and check
   * it; re-read up to READ_ATTEMPTS times. `Ok`, `Corrupt`, or a device error.
   */
  readChecked(block: number, offsetBytes: number, into: Uint8Array, bodyBytes: number): Status {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      if (attempt > 0) this.readRetries_++;
      const status = this.device.read(block, offsetBytes, into, 0, bodyBytes + 4);
      if (status !== ErrorCode.Ok) return status;
      if (this.crc_.checksum(into, 0, bodyBytes) === readU32(into, bodyBytes)) return ErrorCode.Ok;
    }
    this.crcFailures_++;
    return ErrorCode.Corrupt;
  }

  /**
   * Program and read back. `Ok` means the bytes are on flash as given.
   * `ProgramFailed` (mismatch after VERIFY_ATTEMPTS reads) or `NotErased`
   * mean the area holds unknown bytes; other codes are device failures.
   */
  program(block: number, offsetBytes: number, from: Uint8Array, fromOffset: number, lengthBytes: number): Status {
    const status = this.device.program(block, offsetBytes, from, fromOffset, lengthBytes);
    this.programs_++;
    if (status !== ErrorCode.Ok) return status;
    const verify = this.verify_;
    for (let attempt = 0; attempt < VERIFY_ATTEMPTS; attempt++) {
      if (attempt > 0) this.verifyRetries_++;
      const readStatus = this.device.read(block, offsetBytes, verify, 0, lengthBytes);
      if (readStatus !== ErrorCode.Ok) return readStatus;
      if (sameBytes(verify, from, fromOffset, lengthBytes)) {
        this.bytesProgrammed_ += lengthBytes;
        return ErrorCode.Ok;
      }
    }
    this.verifyFailures_++;
    return ErrorCode.ProgramFailed;
  }

  /** Erase `block` and count it (a failed erase still wears the block). */
  erase(block: number): Status {
    this.eraseCounts[block] = ((this.eraseCounts[block] ?? 0) + 1) >>> 0;
    this.erases_++;
    return this.device.erase(block);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, bOffset: number, lengthBytes: number): boolean {
  for (let i = 0; i < lengthBytes; i++) if (a[i] !== b[bOffset + i]) return false;
  return true;
}
