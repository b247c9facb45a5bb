/**
 * BlockDevice contract: a NOR-flash partition of equal erase blocks
 * (4 KiB on ESP32). The interface and its semantics are defined next to the
 * code that relies on them, core/storage/block-device.ts (core imports no
 * other folder); this module is the HAL's name for it plus the argument
 * checks every driver shares, so the simulator and the Moddable driver
 * refuse exactly the same requests with the same codes.
 *
 * Implementations: hal/sim/flash.ts (in memory, with seeded power-loss,
 * bit-flip and wear faults), hal/moddable/flash.ts (Moddable `flash` module).
 */
import { ErrorCode } from "../core/runtime/errors";
import type { Status } from "../core/runtime/result";

export type { BlockDevice } from "../core/storage/block-device";

export interface BlockGeometry {
  readonly blockSizeBytes: number;
  readonly blockCount: number;
  readonly programAlignBytes: number;
}

/** `OutOfRange` unless `block` is a block of the device. */
export function checkBlock(geometry: BlockGeometry, block: number): Status {
  return (block >>> 0) === block && block < geometry.blockCount ? ErrorCode.Ok : ErrorCode.OutOfRange;
}

/**
 * A read of `lengthBytes` at `offsetBytes` in `block` into `buffer[bufferOffset ..]`:
 * `OutOfRange` if it leaves the block or the buffer.
 */
export function checkRead(
  geometry: BlockGeometry,
  block: number,
  offsetBytes: number,
  buffer: Uint8Array,
  bufferOffset: number,
  lengthBytes: number,
): Status {
  if (checkBlock(geometry, block) !== ErrorCode.Ok) return ErrorCode.OutOfRange;
  if (!isSpan(offsetBytes, lengthBytes, geometry.blockSizeBytes)) return ErrorCode.OutOfRange;
  if (!isSpan(bufferOffset, lengthBytes, buffer.length)) return ErrorCode.OutOfRange;
  return ErrorCode.Ok;
}

/** Like `checkRead`, plus `Misaligned` unless offset and length are multiples of the write alignment. */
export function checkProgram(
  geometry: BlockGeometry,
  block: number,
  offsetBytes: number,
  buffer: Uint8Array,
  bufferOffset: number,
  lengthBytes: number,
): Status {
  const range = checkRead(geometry, block, offsetBytes, buffer, bufferOffset, lengthBytes);
  if (range !== ErrorCode.Ok) return range;
  const align = geometry.programAlignBytes;
  if (offsetBytes % align !== 0 || lengthBytes % align !== 0) return ErrorCode.Misaligned;
  return ErrorCode.Ok;
}

function isSpan(offset: number, length: number, limit: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= limit;
}
