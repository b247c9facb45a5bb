/**
 * The flash port core/storage writes through: a NOR-flash partition of
 * equal erase blocks. hal/block-device.ts re-exports it as the HAL contract;
 * it lives here because `core` imports no other folder.
 *
 * NOR semantics (what every implementation must honour, and what the
 * simulator in hal/sim/flash.ts enforces):
 *  - `erase(block)` sets every byte of the block to 0xFF. It is the only way
 *    to turn a 0 bit back into 1, and wears the block.
 *  - `program` turns 1 bits into 0 bits only. Programming a byte that would
 *    need a 0 -> 1 change fails with `NotErased` and changes nothing (real
 *    chips silently AND the bits; refusing makes such bugs visible).
 *  - `program` offsets and lengths are multiples of `programAlignBytes` and
 *    stay inside one block. `read` has no alignment rule.
 *  - Power can fail in the middle of a program (a prefix of the bytes is
 *    written) or an erase (part of the block is erased). After that the
 *    device answers `DevicePowerLost` until it is powered up again; callers
 *    mount again from what is on the flash.
 *  - Reads may return flipped bits (read disturb, retention): callers check
 *    CRCs and re-read. A worn block may fail to erase (`EraseFailed`).
 *
 * Every method returns a Status and never throws. Buffers are passed with an
 * explicit offset and length so callers never create subarray views (XS
 * allocates one per `subarray`), keeping hot paths allocation-free.
 */
import type { Status } from "../runtime/result";

export interface BlockDevice {
  /** Erase-block size in bytes (4096 on ESP32 SPI flash); read from the device, never assumed. */
  readonly blockSizeBytes: number;
  /** Number of erase blocks in the partition. */
  readonly blockCount: number;
  /** Program offsets and lengths must be multiples of this (a power of two, >= 1). */
  readonly programAlignBytes: number;

  /** Copy `lengthBytes` from `block` at `offsetBytes` into `into[intoOffset ..]`. */
  read(block: number, offsetBytes: number, into: Uint8Array, intoOffset: number, lengthBytes: number): Status;

  /** Program `from[fromOffset .. + lengthBytes)` into `block` at `offsetBytes` (1 -> 0 bits only). */
  program(block: number, offsetBytes: number, from: Uint8Array, fromOffset: number, lengthBytes: number): Status;

  /** Erase `block` to 0xFF. */
  erase(block: number): Status;
}
