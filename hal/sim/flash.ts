/**
 * In-memory NOR flash that enforces the BlockDevice contract
 * (core/storage/block-device.ts) and injects the faults of a FlashFaults
 * plan (flash-faults.ts):
 *  - erase sets a block to 0xFF; program may only clear bits (a 0 -> 1
 *    change is refused with `NotErased`, nothing written); program offsets
 *    and lengths must be multiples of the write alignment;
 *  - power loss tears the program or erase in progress and turns the device
 *    off: every call answers `DevicePowerLost` until `powerOn()`;
 *  - reads may come back with flipped bits; worn blocks fail to erase.
 *
 * Built for speed in the exhaustive crash sweep: one Uint8Array for the
 * whole partition, `reset()` to reuse a device between runs, and no fault
 * decisions at all when the plan is quiet. Nothing allocates after `create`.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { err, ok, type Result, type Status } from "../../core/runtime/result";
import { checkBlock, checkProgram, checkRead, type BlockDevice } from "../block-device";
import { FlashFaults, MAX_FLIPS_PER_READ_LIMIT } from "./flash-faults";

export interface SimFlashOptions {
  readonly blockSizeBytes: number;
  readonly blockCount: number;
  /** Write alignment (a power of two, 1..256; default 4, as on nRF52 and encrypted ESP32 flash). */
  readonly programAlignBytes?: number;
}

/** Largest simulated partition (keeps a typo from allocating gigabytes). */
export const SIM_FLASH_MAX_BYTES = 64 * 1024 * 1024;

export class SimFlash implements BlockDevice {
  readonly blockSizeBytes: number;
  readonly blockCount: number;
  readonly programAlignBytes: number;
  /** The fault plan; reconfigure it between runs with `faults.configure(...)`. */
  readonly faults: FlashFaults;
  readonly #memory: Uint8Array;
  readonly #eraseCounts: Uint32Array;
  readonly #worn: Uint8Array;
  readonly #flipped = new Uint32Array(MAX_FLIPS_PER_READ_LIMIT);
  #powered = true;
  #steps = 0;
  #programs = 0;
  #erases = 0;
  #reads = 0;
  #bytesProgrammed = 0;
  #refusedPrograms = 0;
  #failedErases = 0;

  private constructor(blockSizeBytes: number, blockCount: number, programAlignBytes: number, faults: FlashFaults) {
    this.blockSizeBytes = blockSizeBytes;
    this.blockCount = blockCount;
    this.programAlignBytes = programAlignBytes;
    this.faults = faults;
    this.#memory = new Uint8Array(blockSizeBytes * blockCount).fill(0xff);
    this.#eraseCounts = new Uint32Array(blockCount);
    this.#worn = new Uint8Array(blockCount);
  }

  /** A blank (all 0xFF) device. `InvalidArgument` for a bad geometry or a fault plan built from bad options. */
  static create(options: SimFlashOptions, faults: FlashFaults = new FlashFaults()): Result<SimFlash> {
    if (faults.status !== ErrorCode.Ok) return err(ErrorCode.InvalidArgument);
    const { blockSizeBytes, blockCount } = options;
    const align = options.programAlignBytes ?? 4;
    if (!isPositiveInt(blockSizeBytes) || !isPositiveInt(blockCount) || !isPositiveInt(align)) return err(ErrorCode.InvalidArgument);
    if (align > 256 || (align & (align - 1)) !== 0 || blockSizeBytes % align !== 0) return err(ErrorCode.InvalidArgument);
    if (blockSizeBytes * blockCount > SIM_FLASH_MAX_BYTES) return err(ErrorCode.InvalidArgument);
    return ok(new SimFlash(blockSizeBytes, blockCount, align, faults));
  }

  // ------------------------------------------------------------------ BlockDevice

  read(block: number, offsetBytes: number, into: Uint8Array, intoOffset: number, lengthBytes: number): Status {
    if (!this.#powered) return ErrorCode.DevicePowerLost;
    const range = checkRead(this, block, offsetBytes, into, intoOffset, lengthBytes);
    if (range !== ErrorCode.Ok) return range;
    this.#reads++;
    const memory = this.#memory;
    const from = block * this.blockSizeBytes + offsetBytes;
    for (let i = 0; i < lengthBytes; i++) into[intoOffset + i] = memory[from + i] ?? 0xff;
    if (lengthBytes > 0 && this.faults.readFlipPermille > 0) this.flipBits_(into, intoOffset, lengthBytes);
    return ErrorCode.Ok;
  }

  program(block: number, offsetBytes: number, from: Uint8Array, fromOffset: number, lengthBytes: number): Status {
    if (!this.#powered) return ErrorCode.DevicePowerLost;
    const range = checkProgram(this, block, offsetBytes, from, fromOffset, lengthBytes);
    if (range !== ErrorCode.Ok) return range;
    const memory = this.#memory;
    const at = block * this.blockSizeBytes + offsetBytes;
    // NOR: a program can only clear bits. Refuse (and change nothing) if any byte needs a 0 -> 1.
    for (let i = 0; i < lengthBytes; i++) {
      const wanted = from[fromOffset + i] ?? 0xff;
      if (((memory[at + i] ?? 0xff) & wanted) !== wanted) {
        this.#refusedPrograms++;
        return ErrorCode.NotErased;
      }
    }
    const step = this.#steps++;
    this.#programs++;
    if (this.losesPower_(step)) {
      const written = this.faults.tornProgramBytes(lengthBytes);
      for (let i = 0; i < written; i++) memory[at + i] = from[fromOffset + i] ?? 0xff;
      if (written < lengthBytes) {
        // The byte in flight: some of its 1 -> 0 changes happened.
        const target = from[fromOffset + written] ?? 0xff;
        memory[at + written] = (memory[at + written] ?? 0xff) & (target | this.faults.partialByteMask());
      }
      this.#bytesProgrammed += written;
      return ErrorCode.DevicePowerLost;
    }
    for (let i = 0; i < lengthBytes; i++) memory[at + i] = from[fromOffset + i] ?? 0xff;
    this.#bytesProgrammed += lengthBytes;
    return ErrorCode.Ok;
  }

  erase(block: number): Status {
    if (!this.#powered) return ErrorCode.DevicePowerLost;
    const range = checkBlock(this, block);
    if (range !== ErrorCode.Ok) return range;
    const step = this.#steps++;
    this.#erases++;
    const start = block * this.blockSizeBytes;
    const end = start + this.blockSizeBytes;
    if (this.losesPower_(step)) {
      const split = start + this.faults.tornEraseSplit(this.blockSizeBytes);
      if (this.faults.tornEraseFromEnd()) this.#memory.fill(0xff, split, end);
      else this.#memory.fill(0xff, start, split);
      return ErrorCode.DevicePowerLost;
    }
    if (this.isWorn_(block)) {
      this.#failedErases++;
      return ErrorCode.EraseFailed;
    }
    this.#memory.fill(0xff, start, end);
    this.#eraseCounts[block] = (this.#eraseCounts[block] ?? 0) + 1;
    return ErrorCode.Ok;
  }

  // ------------------------------------------------------------------ simulation controls

  /** Power the device back up after a power loss (the flash keeps what the torn step left). */
  powerOn(): void {
    this.#powered = true;
  }

  get powered(): boolean {
    return this.#powered;
  }

  /** Program and erase steps performed since `reset` (the fault points a sweep walks). */
  get steps(): number {
    return this.#steps;
  }

  /** Back to a blank, powered, unworn device with zeroed counters (faults keep their plan). */
  reset(): void {
    this.#memory.fill(0xff);
    this.#eraseCounts.fill(0);
    this.#worn.fill(0);
    this.#powered = true;
    this.#steps = 0;
    this.#programs = 0;
    this.#erases = 0;
    this.#reads = 0;
    this.#bytesProgrammed = 0;
    this.#refusedPrograms = 0;
    this.#failedErases = 0;
  }

  /** Flip one stored bit (retention error): the corruption stays until the block is erased. */
  flipStoredBit(block: number, offsetBytes: number, bit: number): Status {
    const range = checkBlock(this, block);
    if (range !== ErrorCode.Ok) return range;
    if ((offsetBytes >>> 0) !== offsetBytes || offsetBytes >= this.blockSizeBytes) return ErrorCode.OutOfRange;
    const at = block * this.blockSizeBytes + offsetBytes;
    this.#memory[at] = (this.#memory[at] ?? 0xff) ^ (1 << (bit & 7));
    return ErrorCode.Ok;
  }

  /** From now on `block` fails to erase (until `reset`). */
  wearOut(block: number): Status {
    const range = checkBlock(this, block);
    if (range === ErrorCode.Ok) this.#worn[block] = 1;
    return range;
  }

  /** Stored byte at `address` (block * blockSize + offset), for tests; 0xFF outside the device. */
  peek(address: number): number {
    return this.#memory[address] ?? 0xff;
  }

  /** Copy the whole partition into `out` (at least blockSize * blockCount bytes). */
  copyTo(out: Uint8Array): Status {
    if (out.length < this.#memory.length) return ErrorCode.TooLarge;
    out.set(this.#memory);
    return ErrorCode.Ok;
  }

  /** Overwrite the whole partition from `image` (e.g. a foreign partition), powered, counters kept. */
  load(image: Uint8Array): Status {
    if (image.length !== this.#memory.length) return ErrorCode.InvalidArgument;
    this.#memory.set(image);
    return ErrorCode.Ok;
  }

  /** Erases this device performed on `block` since `reset` (ground truth for wear reports). */
  eraseCountOf(block: number): number {
    return this.#eraseCounts[block] ?? 0;
  }

  get programs(): number {
    return this.#programs;
  }

  get erases(): number {
    return this.#erases;
  }

  get reads(): number {
    return this.#reads;
  }

  get bytesProgrammed(): number {
    return this.#bytesProgrammed;
  }

  /** Programs refused because they needed a 0 -> 1 bit change. */
  get refusedPrograms(): number {
    return this.#refusedPrograms;
  }

  get failedErases(): number {
    return this.#failedErases;
  }

  private losesPower_(step: number): boolean {
    const faults = this.faults;
    if (faults.powerLossAtStep < 0 && faults.powerLossPermille === 0) return false;
    if (!faults.losesPowerAt(step)) return false;
    this.#powered = false;
    return true;
  }

  private isWorn_(block: number): boolean {
    const limit = this.faults.eraseLimit;
    return this.#worn[block] === 1 || (limit > 0 && (this.#eraseCounts[block] ?? 0) >= limit);
  }

  // Flip 1..maxFlipsPerRead DISTINCT bits, so a faulty read really differs in that many bits.
  private flipBits_(into: Uint8Array, intoOffset: number, lengthBytes: number): void {
    const bits = lengthBytes * 8;
    const flips = Math.min(this.faults.flipsForRead(), bits);
    const flipped = this.#flipped;
    for (let i = 0; i < flips; i++) {
      let bitIndex = this.faults.below(bits);
      for (let tries = 0; tries < 8 && seenBefore(flipped, i, bitIndex); tries++) bitIndex = (bitIndex + 1) % bits;
      flipped[i] = bitIndex;
      const at = intoOffset + (bitIndex >>> 3);
      into[at] = (into[at] ?? 0) ^ (1 << (bitIndex & 7));
    }
  }
}

function seenBefore(values: Uint32Array, count: number, value: number): boolean {
  for (let i = 0; i < count; i++) if (values[i] === value) return true;
  return false;
}

function isPositiveInt(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
