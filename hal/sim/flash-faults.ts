/**
 * Seeded fault plan for the simulated flash (hal/sim/flash.ts), after
 * TigerBeetle's storage fault injection: every fault is a decision drawn
 * from one xoshiro128** stream, so a failing run replays exactly from its
 * seed on V8 and on XS.
 *
 *  - Power loss at a program/erase STEP (steps count every program and erase
 *    the device performs, from its last `reset`): either at one exact step
 *    (`powerLossAtStep`, for sweeping every fault point in turn) or with a
 *    probability per step (`powerLossPermille`, for random fault points).
 *    A torn program leaves a prefix of its bytes written (0 up to all of
 *    them) and the next byte partly programmed; a torn erase leaves the
 *    block partly erased (a prefix or a suffix of it, possibly none or all).
 *  - Read bit flips: with `readFlipPermille` per read, 1..maxFlipsPerRead bits
 *    of the returned data are flipped (transient read disturb; the stored
 *    bytes are unchanged).
 *  - Wear: a block fails to erase once it has been erased `eraseLimit` times.
 */
import { ErrorCode } from "../../core/runtime/errors";
import type { Status } from "../../core/runtime/result";
import { Xoshiro128 } from "../../core/runtime/prng";

/** Most bits one faulty read flips (CRC-32C detects every error of up to 3 bits in our records; 8 exercises beyond). */
export const MAX_FLIPS_PER_READ_LIMIT = 8;

function isIntIn(value: number | undefined, min: number, max: number): boolean {
  return value === undefined || (Number.isSafeInteger(value) && value >= min && value <= max);
}

/** `Ok`, or `InvalidArgument` when a field is outside its documented range (nothing is clamped). */
export function checkFaultOptions(options: FlashFaultOptions): Status {
  if (!Number.isSafeInteger(options.seed)) return ErrorCode.InvalidArgument;
  if (!isIntIn(options.powerLossAtStep, -1, Number.MAX_SAFE_INTEGER)) return ErrorCode.InvalidArgument;
  if (!isIntIn(options.powerLossPermille, 0, 1000) || !isIntIn(options.readFlipPermille, 0, 1000)) return ErrorCode.InvalidArgument;
  if (!isIntIn(options.maxFlipsPerRead, 1, MAX_FLIPS_PER_READ_LIMIT)) return ErrorCode.InvalidArgument;
  if (!isIntIn(options.eraseLimit, 0, Number.MAX_SAFE_INTEGER)) return ErrorCode.InvalidArgument;
  return ErrorCode.Ok;
}

export interface FlashFaultOptions {
  readonly seed: number;
  /** The one step (0-based) at which power fails; -1 for none. */
  readonly powerLossAtStep?: number;
  /** Chance per step, in 1/1000, that power fails during it. */
  readonly powerLossPermille?: number;
  /** Chance per read, in 1/1000, that the returned data has flipped bits. */
  readonly readFlipPermille?: number;
  /** Most bits flipped in one read (1..MAX_FLIPS_PER_READ_LIMIT; default 3: CRC-32C detects every such error). */
  readonly maxFlipsPerRead?: number;
  /** Erases a block survives before it fails to erase; 0 for unlimited. */
  readonly eraseLimit?: number;
}

export class FlashFaults {
  readonly #rng: Xoshiro128;
  powerLossAtStep = -1;
  powerLossPermille = 0;
  readFlipPermille = 0;
  maxFlipsPerRead = 3;
  eraseLimit = 0;
  #powerLosses = 0;
  #flippedReads = 0;
  /** What the constructor's options were: a plan built from bad options stays quiet, and SimFlash.create refuses it. */
  readonly status: Status;

  constructor(options: FlashFaultOptions = { seed: 1 }) {
    this.#rng = new Xoshiro128(Number.isSafeInteger(options.seed) ? options.seed : 1);
    this.status = this.configure(options);
  }

  /**
   * Replace the whole plan and restart the random stream from `options.seed`.
   * `InvalidArgument` (plan unchanged) if a field is outside its range.
   */
  configure(options: FlashFaultOptions): Status {
    const checked = checkFaultOptions(options);
    if (checked !== ErrorCode.Ok) return checked;
    this.#rng.reseed(options.seed);
    this.powerLossAtStep = options.powerLossAtStep ?? -1;
    this.powerLossPermille = options.powerLossPermille ?? 0;
    this.readFlipPermille = options.readFlipPermille ?? 0;
    this.maxFlipsPerRead = options.maxFlipsPerRead ?? 3;
    this.eraseLimit = options.eraseLimit ?? 0;
    this.#powerLosses = 0;
    this.#flippedReads = 0;
    return ErrorCode.Ok;
  }

  /** No faults at all (the device then skips every fault decision). */
  get quiet(): boolean {
    return this.powerLossAtStep < 0 && this.powerLossPermille === 0 && this.readFlipPermille === 0;
  }

  /** Does power fail during program/erase step `step`? */
  losesPowerAt(step: number): boolean {
    const lost = step === this.powerLossAtStep || (this.powerLossPermille > 0 && this.#rng.chancePermille(this.powerLossPermille));
    if (lost) this.#powerLosses++;
    return lost;
  }

  /** Bytes of a torn program that made it, 0..lengthBytes. */
  tornProgramBytes(lengthBytes: number): number {
    return this.#rng.nextBelow(lengthBytes + 1);
  }

  /** Bits that did get programmed in the byte being written when power failed (a random mask). */
  partialByteMask(): number {
    return this.#rng.nextBelow(256);
  }

  /** Where a torn erase stopped, 0..blockSizeBytes. */
  tornEraseSplit(blockSizeBytes: number): number {
    return this.#rng.nextBelow(blockSizeBytes + 1);
  }

  /** True: the erased part is the suffix [split, end); false: the prefix [0, split). */
  tornEraseFromEnd(): boolean {
    return this.#rng.nextBelow(2) === 1;
  }

  /** Bits to flip in this read: 0 (usually) or 1..maxFlipsPerRead. */
  flipsForRead(): number {
    if (this.readFlipPermille === 0 || !this.#rng.chancePermille(this.readFlipPermille)) return 0;
    this.#flippedReads++;
    return 1 + this.#rng.nextBelow(this.maxFlipsPerRead);
  }

  /** Uniform integer in [0, bound). */
  below(bound: number): number {
    return this.#rng.nextBelow(bound);
  }

  get powerLosses(): number {
    return this.#powerLosses;
  }

  get flippedReads(): number {
    return this.#flippedReads;
  }
}
