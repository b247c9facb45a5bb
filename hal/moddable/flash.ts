/**
 * BlockDevice over Moddable's `flash` module (a named flash partition; see
 * node_modules/@moddable/typings/flash.d.ts), in the Moddable driver shape:
 * `static open(options)` returns a Result, private `#fields`, errors as
 * values, `close()`.
 *
 * Geometry comes from the partition: `blockSize` is the erase unit the port
 * reports (SPI_FLASH_SEC_SIZE = 4096 on ESP32, the flash page on nRF52), and
 * `blockCount = floor(byteLength / blockSize)`; nothing is assumed.
 * `Flash.erase(sector)` takes the sector number within the partition;
 * `write(offset, byteLength, buffer)` writes the first byteLength bytes of
 * buffer; `read(offset, byteLength)` returns a new ArrayBuffer.
 *
 * Every Flash call can throw (Moddable reports "erase failed", "write
 * failed", bad offsets with xsUnknownError), so each goes through
 * core/runtime/guard.ts, the one place in hal allowed to catch: erase throws
 * become `EraseFailed` (the store retires the block), write throws
 * `ProgramFailed` (the store seals the segment and writes elsewhere), read
 * throws `DeviceFault`. The guarded calls are closures made once at open,
 * with arguments passed through private fields, so a call allocates nothing.
 *
 * Allocation: `write` hands Flash the caller's own Uint8Array (the store
 * always programs from offset 0, so nothing is allocated); a source at a
 * non-zero offset is passed as a view on the caller's bytes. Flash.write
 * takes any byte buffer: it reads it with xsmcGetBufferReadable, which
 * honours a typed array's offset and length (modules/files/flash/esp32 and
 * nrf52 flash.c, xs_flash_write), so no block-sized copy is kept in RAM.
 * `read` allocates the ArrayBuffer that Flash.read returns, unless
 * `mapped: true` reads through `flash.map()` (memory-mapped partition, no
 * allocation; not every port supports it, and `open` fails with
 * `Unsupported` if asked for it where it does not work).
 */
import Flash from "flash";
import { ErrorCode } from "../../core/runtime/errors";
import { guard, guardCall } from "../../core/runtime/guard";
import { err, ok, type Result, type Status } from "../../core/runtime/result";
import { checkBlock, checkProgram, checkRead, type BlockDevice } from "../block-device";

export interface ModdableFlashOptions {
  /** Partition name passed to `new Flash(partition)` (e.g. "storage" on nRF52, a data partition label on ESP32). */
  readonly partition: string;
  /** Write alignment; default 4 (word writes: nRF52 fstorage, encrypted ESP32 flash needs 16). */
  readonly programAlignBytes?: number;
  /** Read through the memory-mapped partition instead of Flash.read (no allocation per read). */
  readonly mapped?: boolean;
}

/** The part of Moddable's Flash this driver uses (tests substitute it). */
export interface FlashPartition {
  erase(sector: number): void;
  read(offset: number, byteLength: number): ArrayBuffer | HostBuffer;
  write(offset: number, byteLength: number, buffer: BufferLike): void;
  readonly byteLength: number;
  readonly blockSize: number;
  map(): HostBuffer;
}

export class ModdableFlash implements BlockDevice {
  readonly blockSizeBytes: number;
  readonly blockCount: number;
  readonly programAlignBytes: number;
  readonly #flash: FlashPartition;
  readonly #mapped: Uint8Array | undefined;
  #argOffset = 0;
  #argLength = 0;
  #argSector = 0;
  #argBuffer: Uint8Array | undefined;
  #readResult: ArrayBuffer | HostBuffer | undefined;
  #open = true;

  private constructor(flash: FlashPartition, blockSizeBytes: number, blockCount: number, align: number, mapped: Uint8Array | undefined) {
    this.#flash = flash;
    this.blockSizeBytes = blockSizeBytes;
    this.blockCount = blockCount;
    this.programAlignBytes = align;
    this.#mapped = mapped;
  }

  // The Flash calls that may throw, run under guardCall with their arguments in fields (no closure per instance).
  private static writeNow_(self: ModdableFlash): void {
    const buffer = self.#argBuffer;
    self.#argBuffer = undefined; // keep no reference to the caller's bytes (taken here: `program` tail-calls the guard)
    if (buffer !== undefined) self.#flash.write(self.#argOffset, self.#argLength, buffer);
  }

  private static eraseNow_(self: ModdableFlash): void {
    self.#flash.erase(self.#argSector);
  }

  private static readNow_(self: ModdableFlash): void {
    self.#readResult = self.#flash.read(self.#argOffset, self.#argLength);
  }

  /**
   * Open a partition. Errors: InvalidArgument (options), DeviceFault (no such
   * partition: Flash threw), BadGeometry (block size not a positive multiple
   * of the alignment, or an empty partition), Unsupported (`mapped` on a
   * port without mapping).
   */
  static open(options: ModdableFlashOptions): Result<ModdableFlash> {
    const opened = guard(() => new Flash(options.partition), ErrorCode.DeviceFault);
    if (!opened.ok) return opened;
    return ModdableFlash.wrap(opened.value, options);
  }

  /** Wrap an already opened partition (also how tests drive this driver with a stand-in). */
  static wrap(flash: FlashPartition, options: ModdableFlashOptions): Result<ModdableFlash> {
    const align = options.programAlignBytes ?? 4;
    if (!Number.isSafeInteger(align) || align < 1 || align > 256 || (align & (align - 1)) !== 0) return err(ErrorCode.InvalidArgument);
    const geometry = guard(() => readGeometry(flash), ErrorCode.DeviceFault);
    if (!geometry.ok) return geometry;
    const { blockSize, byteLength } = geometry.value;
    if (!Number.isSafeInteger(blockSize) || blockSize <= 0 || blockSize % align !== 0) return err(ErrorCode.BadGeometry);
    const blockCount = Number.isSafeInteger(byteLength) && byteLength > 0 ? Math.floor(byteLength / blockSize) : 0;
    if (blockCount < 1) return err(ErrorCode.BadGeometry);
    let mapped: Uint8Array | undefined;
    if (options.mapped === true) {
      const view = guard(() => mapPartition(flash), ErrorCode.Unsupported);
      if (!view.ok) return view;
      if (view.value.length < blockCount * blockSize) return err(ErrorCode.Unsupported);
      mapped = view.value;
    }
    return ok(new ModdableFlash(flash, blockSize, blockCount, align, mapped));
  }

  read(block: number, offsetBytes: number, into: Uint8Array, intoOffset: number, lengthBytes: number): Status {
    if (!this.#open) return ErrorCode.WrongState;
    const range = checkRead(this, block, offsetBytes, into, intoOffset, lengthBytes);
    if (range !== ErrorCode.Ok || lengthBytes === 0) return range;
    const at = block * this.blockSizeBytes + offsetBytes;
    const mapped = this.#mapped;
    if (mapped !== undefined) {
      for (let i = 0; i < lengthBytes; i++) into[intoOffset + i] = mapped[at + i] ?? 0xff;
      return ErrorCode.Ok;
    }
    this.#argOffset = at;
    this.#argLength = lengthBytes;
    const status = guardCall(ModdableFlash.readNow_, this, ErrorCode.DeviceFault);
    const result = this.takeReadResult_();
    if (status !== ErrorCode.Ok) return status;
    if (!(result instanceof ArrayBuffer) || result.byteLength < lengthBytes) return ErrorCode.DeviceFault;
    into.set(new Uint8Array(result, 0, lengthBytes), intoOffset);
    return ErrorCode.Ok;
  }

  program(block: number, offsetBytes: number, from: Uint8Array, fromOffset: number, lengthBytes: number): Status {
    if (!this.#open) return ErrorCode.WrongState;
    const range = checkProgram(this, block, offsetBytes, from, fromOffset, lengthBytes);
    if (range !== ErrorCode.Ok || lengthBytes === 0) return range;
    // Flash.write programs the first lengthBytes of the buffer it is given (xs_flash_write).
    this.#argBuffer = fromOffset === 0 ? from : from.subarray(fromOffset, fromOffset + lengthBytes);
    this.#argOffset = block * this.blockSizeBytes + offsetBytes;
    this.#argLength = lengthBytes;
    // A tail call: XS reuses this frame, and a program during a log clean sits on the agent's deepest JS stack.
    return guardCall(ModdableFlash.writeNow_, this, ErrorCode.ProgramFailed);
  }

  erase(block: number): Status {
    if (!this.#open) return ErrorCode.WrongState;
    const range = checkBlock(this, block);
    if (range !== ErrorCode.Ok) return range;
    this.#argSector = block;
    return guardCall(ModdableFlash.eraseNow_, this, ErrorCode.EraseFailed);
  }

  // The thunk stores Flash.read's buffer in a field; take it out so nothing keeps it alive.
  private takeReadResult_(): ArrayBuffer | HostBuffer | undefined {
    const result = this.#readResult;
    this.#readResult = undefined;
    return result;
  }

  /** Stop using the partition; later calls answer `WrongState`. */
  close(): void {
    this.#open = false;
  }
}

function readGeometry(flash: FlashPartition): { blockSize: number; byteLength: number } {
  return { blockSize: flash.blockSize, byteLength: flash.byteLength };
}

// A HostBuffer from map() behaves as an ArrayBuffer for typed-array views on XS.
function mapPartition(flash: FlashPartition): Uint8Array {
  const host: unknown = flash.map();
  return new Uint8Array(host as ArrayBuffer);
}
