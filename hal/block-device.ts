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
 * `OutOfRange` if it leaves the block or the buffer. One flat expression, no
 * helper calls: these checks run at the deepest point of every flash access
 * (inside a frame seal that reserves counters), where each call level costs
 * XS stack slots. `(x >>> 0) === x` holds exactly for the integers
 * 0..2^32 - 1, which covers every offset and length a block allows.
 */
export function checkRead(
  geometry: BlockGeometry,
  block: number,
  offsetBytes: number,
  buffer: Uint8Array,
  bufferOffset: number,
  lengthBytes: number,
): Status {
  return (block >>> 0) === block &&
    block < geometry.blockCount &&
    (offsetBytes >>> 0) === offsetBytes &&
    (lengthBytes >>> 0) === lengthBytes &&
    (bufferOffset >>> 0) === bufferOffset &&
    offsetBytes + lengthBytes <= geometry.blockSizeBytes &&
    bufferOffset + lengthBytes <= buffer.length
    ? ErrorCode.Ok
    : ErrorCode.OutOfRange;
}

/** Like `checkRead`, plus `Misaligned` unless offset and length are multiples of the write alignment (flat, as `checkRead`). */
export function checkProgram(
  geometry: BlockGeometry,
  block: number,
  offsetBytes: number,
  buffer: Uint8Array,
  bufferOffset: number,
  lengthBytes: number,
): Status {
  if (
    (block >>> 0) !== block ||
    block >= geometry.blockCount ||
    (offsetBytes >>> 0) !== offsetBytes ||
    (lengthBytes >>> 0) !== lengthBytes ||
    (bufferOffset >>> 0) !== bufferOffset ||
    offsetBytes + lengthBytes > geometry.blockSizeBytes ||
    bufferOffset + lengthBytes > buffer.length
  ) {
    return ErrorCode.OutOfRange;
  }
  const align = geometry.programAlignBytes;
  return offsetBytes % align !== 0 || lengthBytes % align !== 0 ? ErrorCode.Misaligned : ErrorCode.Ok;
}
