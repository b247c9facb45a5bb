/**
 * Receive ceilings: the durable half of the mesh's replay protection, so a
 * board that reboots accepts no frame it accepted before (README "Link
 * security"; RFC 4303 §3.4.3 for the window, RFC 8613 App. B.1.1 for the
 * reservation idea, applied to the receive side).
 *
 * The replay windows (core/crypto/replay-window.ts) live in RAM. For every
 * sender 1..senderIdMax this module keeps a CEILING in flash: no counter at
 * or above it has ever been admitted from that sender under the current key
 * epoch. The transport admits an authenticated frame (delivers, relays,
 * acknowledges it) only when its counter is below the durable ceiling
 * (`admit`). When a sender's counter comes within `lowWaterValues` of its
 * ceiling, the chunk holding it is marked, and the driver's persist phase
 * (`prepare`, at the start of the next tick, before anything is sent or
 * delivered) raises the ceiling to highest accepted + 1 + `stepValues`.
 * A frame at or above the ceiling is refused (counted by the caller); its
 * counter is in the window already, so the raise covers the sender's next
 * frame.
 *
 * After a reboot `seed` starts every sender's window at its ceiling - 1:
 * everything it could have admitted before is refused, and then each
 * ceiling is raised by `stepValues` so the sender's next frames are
 * admitted without a wait. After a power loss, a sender's values between its
 * last admitted counter and its old ceiling are refused: at most
 * `stepValues` frames per sender. After a graceful shutdown `flushExact`
 * wrote every ceiling down to highest accepted + 1, so nothing is refused.
 *
 * Layout: senders in chunks of CEILING_CHUNK_SENDERS. Chunk i has two store
 * keys, `firstKey + 2i` then its mirror `firstKey + 2i + 1`, each holding
 *   epoch u32 LE, then one u32 LE ceiling per sender of the chunk (0: none).
 * A raise writes the key, then the mirror, and admission reads the MIRROR,
 * so nothing is admitted under a new ceiling until both copies are durable.
 * At open, each chunk is proven exactly as the send counter is
 * (counter-reservation.ts `copyProvable`): while one copy is provably its
 * key's newest value, or at most one unread record is newer than either,
 * the element-wise maximum of the two copies bounds every counter admitted.
 * Otherwise the ceilings cannot be proven and `open` refuses
 * (ReceiveCeilingUnprovable): a reboot could let recorded frames in again,
 * so the board must not receive under this key (fail closed, as the send
 * side does).
 *
 * Cost: one chunk write pair per raise; a sender's ceiling is raised about
 * once per (stepValues - lowWaterValues) frames from it. RAM: the store's
 * copy of the chunks (2 x (4 + 4 per sender) bytes) plus one chunk buffer
 * and a dirty flag per chunk here. Nothing allocates after `open`.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { copyProvable } from "./counter-reservation";
import type { KvStore } from "./kv-store";

/** Senders per chunk (a chunk's value: 4 + 4 x 20 = 84 bytes, within the agent store's largest value). */
export const CEILING_CHUNK_SENDERS = 20;
/** Largest counter value a ceiling can bound (link-header.ts COUNTER_MAX); the ceiling itself is capped there. */
const CEILING_MAX = 0xffff_ffff;
const EPOCH_BYTES = 4;

/** Chunks for senders 1..senderIdMax. */
export function ceilingChunkCount(senderIdMax: number): number {
  return Math.ceil(senderIdMax / CEILING_CHUNK_SENDERS);
}

/** Bytes of chunk `chunk`'s value for senders 1..senderIdMax (the store geometry of both its keys). */
export function ceilingChunkBytes(chunk: number, senderIdMax: number): number {
  const senders = Math.min(CEILING_CHUNK_SENDERS, senderIdMax - chunk * CEILING_CHUNK_SENDERS);
  return EPOCH_BYTES + 4 * senders;
}

/** What `prepare` and `flushExact` read: the replay windows' highest accepted counter per sender (ReplayTable). */
export interface HighestAccepted {
  /** Highest counter accepted from `senderId` in the current epoch, or -1. */
  highest(senderId: number): number;
}

/** What `seed` writes the floors into (ReplayTable). */
export interface FloorSink {
  seed(senderId: number, epoch: number, floor: number): Status;
}

export interface ReceiveCeilingsOptions {
  /** Chunk i's keys are firstKey + 2i and its mirror firstKey + 2i + 1. */
  readonly firstKey: number;
  /** Senders 1..senderIdMax (1..65534). */
  readonly senderIdMax: number;
  /** The key epoch the ceilings belong to; a chunk of another epoch holds nothing (u32). */
  readonly epoch: number;
  /** A raise puts the ceiling this far above the highest accepted counter (2..2^24). */
  readonly stepValues: number;
  /** Raise once fewer than this many values are left below the ceiling (1..stepValues - 1). */
  readonly lowWaterValues: number;
}

export const CEILING_STEP_MAX = 1 << 24;

export class ReceiveCeilings {
  private readonly kv_: KvStore;
  private readonly firstKey_: number;
  private readonly senderIdMax_: number;
  private readonly epoch_: number;
  private readonly step_: number;
  private readonly lowWater_: number;
  private readonly chunks_: number;
  /** One chunk's value, then one dirty flag per chunk. */
  private readonly buffer_: Uint8Array;
  private raises_ = 0;
  private failures_ = 0;
  private refused_ = 0;
  private dirty_ = 0;

  /**
   * Prove every chunk (see the file comment) and restore both copies to
   * their element-wise maximum where they differ or a newer record went
   * unread. Call it right after mount, before anything else writes.
   * Errors: InvalidArgument (options, or keys the store does not size for
   * their chunk), ReceiveCeilingUnprovable, Corrupt (a copy that is not a
   * chunk), or the store's error on the repair.
   */
  static open(kv: KvStore, options: ReceiveCeilingsOptions): Result<ReceiveCeilings> {
    const { firstKey, senderIdMax, epoch, stepValues, lowWaterValues } = options;
    if ((senderIdMax | 0) !== senderIdMax || senderIdMax < 1 || senderIdMax > 0xfffe) return err(ErrorCode.InvalidArgument);
    if ((epoch >>> 0) !== epoch) return err(ErrorCode.InvalidArgument);
    if ((stepValues | 0) !== stepValues || stepValues < 2 || stepValues > CEILING_STEP_MAX) return err(ErrorCode.InvalidArgument);
    if ((lowWaterValues | 0) !== lowWaterValues || lowWaterValues < 1 || lowWaterValues >= stepValues) return err(ErrorCode.InvalidArgument);
    const chunks = ceilingChunkCount(senderIdMax);
    if ((firstKey | 0) !== firstKey || firstKey < 0 || firstKey + 2 * chunks > kv.keyCount) return err(ErrorCode.InvalidArgument);
    for (let c = 0; c < chunks; c++) {
      const bytes = ceilingChunkBytes(c, senderIdMax);
      if (kv.valueBytesOf(firstKey + 2 * c) < bytes || kv.valueBytesOf(firstKey + 2 * c + 1) < bytes) return err(ErrorCode.InvalidArgument);
    }
    for (let c = 0; c < chunks; c++) {
      if (!copyProvable(kv, firstKey + 2 * c, firstKey + 2 * c + 1)) return err(ErrorCode.ReceiveCeilingUnprovable);
    }
    const ceilings = new ReceiveCeilings(kv, options, chunks);
    const other = new Uint8Array(EPOCH_BYTES + 4 * CEILING_CHUNK_SENDERS);
    for (let c = 0; c < chunks; c++) {
      const status = ceilings.repair_(c, other);
      if (status !== ErrorCode.Ok) return err(status);
    }
    return ok(ceilings);
  }

  private constructor(kv: KvStore, options: ReceiveCeilingsOptions, chunks: number) {
    this.kv_ = kv;
    this.firstKey_ = options.firstKey;
    this.senderIdMax_ = options.senderIdMax;
    this.epoch_ = options.epoch;
    this.step_ = options.stepValues;
    this.lowWater_ = options.lowWaterValues;
    this.chunks_ = chunks;
    this.buffer_ = new Uint8Array(EPOCH_BYTES + 4 * CEILING_CHUNK_SENDERS + chunks);
  }

  /**
   * May a frame from `senderId` with `counter`, authenticated and committed
   * to the replay window, be used? True when the counter is below the
   * sender's durable ceiling. Marks the sender's chunk for a raise when the
   * ceiling is near (or passed). False for senders outside 1..senderIdMax.
   */
  admit(senderId: number, counter: number): boolean {
    if ((senderId | 0) !== senderId || senderId < 1 || senderId > this.senderIdMax_) {
      this.refused_++;
      return false;
    }
    const chunk = ((senderId - 1) / CEILING_CHUNK_SENDERS) | 0;
    const ceiling = this.ceilingOf_(chunk, senderId);
    if (counter + this.lowWater_ >= ceiling) this.mark_(chunk);
    if (counter < ceiling) return true;
    this.refused_++;
    return false;
  }

  /** The durable ceiling of `senderId` (0: nothing admitted yet, or out of range). */
  ceiling(senderId: number): number {
    if ((senderId | 0) !== senderId || senderId < 1 || senderId > this.senderIdMax_) return 0;
    return this.ceilingOf_(((senderId - 1) / CEILING_CHUNK_SENDERS) | 0, senderId);
  }

  /**
   * The persist phase: raise the ceilings of every marked chunk to highest
   * accepted + 1 + stepValues where fewer than lowWaterValues are left.
   * `Ok` when nothing needed writing; else the first failure (that chunk
   * stays marked and its old ceilings stay in force).
   */
  prepare(windows: HighestAccepted): Status {
    if (this.dirty_ === 0) return ErrorCode.Ok;
    let result: Status = ErrorCode.Ok;
    const flags = EPOCH_BYTES + 4 * CEILING_CHUNK_SENDERS;
    for (let c = 0; c < this.chunks_; c++) {
      if (this.buffer_[flags + c] === 0) continue;
      const status = this.raiseChunk_(c, windows, false);
      if (status === ErrorCode.Ok) {
        this.buffer_[flags + c] = 0;
        this.dirty_--;
      } else if (result === ErrorCode.Ok) result = status;
    }
    return result;
  }

  /**
   * After a reboot, into a fresh replay table: every sender with a ceiling
   * starts at floor ceiling - 1 (nothing it could have admitted before is
   * accepted again), then every such ceiling is raised by stepValues and
   * written (both copies) so the senders' next frames are admitted.
   * Errors: the table's (WrongState for a sender seeded twice,
   * ReplayTableFull) or the store's.
   */
  seed(table: FloorSink): Status {
    const buffer = this.buffer_;
    for (let c = 0; c < this.chunks_; c++) {
      const senders = this.sendersIn_(c);
      if (this.readChunk_(c) <= 0) continue;
      let any = false;
      for (let i = 0; i < senders; i++) {
        const ceiling = readU32(buffer, EPOCH_BYTES + 4 * i);
        if (ceiling === 0) continue;
        const seeded = table.seed(c * CEILING_CHUNK_SENDERS + i + 1, this.epoch_, ceiling - 1);
        if (seeded !== ErrorCode.Ok) return seeded;
        writeU32(buffer, EPOCH_BYTES + 4 * i, Math.min(ceiling + this.step_, CEILING_MAX));
        any = true;
      }
      if (!any) continue;
      const status = this.writeChunk_(c, senders);
      if (status !== ErrorCode.Ok) return status;
    }
    return ErrorCode.Ok;
  }

  /**
   * A graceful shutdown: write every ceiling down to highest accepted + 1,
   * so the next boot refuses none of the senders' coming frames. `Ok`, or
   * the first failure (those ceilings stay as they were: still safe).
   */
  flushExact(windows: HighestAccepted): Status {
    let result: Status = ErrorCode.Ok;
    for (let c = 0; c < this.chunks_; c++) {
      const status = this.raiseChunk_(c, windows, true);
      if (status !== ErrorCode.Ok && result === ErrorCode.Ok) result = status;
    }
    return result;
  }

  /** Chunk writes (each two store records) since open. */
  get raises(): number {
    return this.raises_;
  }
  /** Writes that failed (the old ceilings stayed in force). */
  get failures(): number {
    return this.failures_;
  }
  /** Frames `admit` refused. */
  get refused(): number {
    return this.refused_;
  }
  /** Chunks waiting for a raise. */
  get pendingChunks(): number {
    return this.dirty_;
  }
  get senderIdMax(): number {
    return this.senderIdMax_;
  }

  private sendersIn_(chunk: number): number {
    return Math.min(CEILING_CHUNK_SENDERS, this.senderIdMax_ - chunk * CEILING_CHUNK_SENDERS);
  }

  private mark_(chunk: number): void {
    const at = EPOCH_BYTES + 4 * CEILING_CHUNK_SENDERS + chunk;
    if (this.buffer_[at] !== 0) return;
    this.buffer_[at] = 1;
    this.dirty_++;
  }

  // The mirror's (the copy written second) ceiling of `senderId`: admission waits for both copies.
  private ceilingOf_(chunk: number, senderId: number): number {
    if (this.readChunk_(chunk) <= 0) return 0;
    return readU32(this.buffer_, EPOCH_BYTES + 4 * (senderId - 1 - chunk * CEILING_CHUNK_SENDERS));
  }

  /** The mirror copy of `chunk` into the buffer (readCopy_: 1, 0 for none of this epoch with the buffer zeroed, or a negated error). */
  private readChunk_(chunk: number): number {
    const read = this.readCopy_(this.firstKey_ + 2 * chunk + 1, this.buffer_, this.sendersIn_(chunk));
    if (read <= 0) this.buffer_.fill(0, 0, EPOCH_BYTES + 4 * this.sendersIn_(chunk));
    return read;
  }

  // Raise (or, `exact`, set) every ceiling of `chunk` from the windows, and write both copies when any changed.
  private raiseChunk_(chunk: number, windows: HighestAccepted, exact: boolean): Status {
    const buffer = this.buffer_;
    const senders = this.sendersIn_(chunk);
    if (this.readChunk_(chunk) < 0) return ErrorCode.Corrupt;
    let changed = false;
    for (let i = 0; i < senders; i++) {
      const highest = windows.highest(chunk * CEILING_CHUNK_SENDERS + i + 1);
      if (highest < 0) continue;
      const ceiling = readU32(buffer, EPOCH_BYTES + 4 * i);
      let next = ceiling;
      if (exact) next = highest + 1 < ceiling ? highest + 1 : ceiling;
      else if (highest + this.lowWater_ >= ceiling) next = Math.min(highest + 1 + this.step_, CEILING_MAX);
      if (next !== ceiling) {
        writeU32(buffer, EPOCH_BYTES + 4 * i, next);
        changed = true;
      }
    }
    return changed ? this.writeChunk_(chunk, senders) : ErrorCode.Ok;
  }

  // Both copies, the key first; admission reads the mirror, so nothing uses the new value before both are durable.
  private writeChunk_(chunk: number, senders: number): Status {
    const bytes = EPOCH_BYTES + 4 * senders;
    writeU32(this.buffer_, 0, this.epoch_);
    let status = this.kv_.put(this.firstKey_ + 2 * chunk, this.buffer_, 0, bytes);
    if (status === ErrorCode.Ok) status = this.kv_.put(this.firstKey_ + 2 * chunk + 1, this.buffer_, 0, bytes);
    if (status !== ErrorCode.Ok) {
      this.failures_++;
      return status;
    }
    this.raises_++;
    return ErrorCode.Ok;
  }

  /**
   * At open: both copies to their element-wise maximum (copies of another
   * epoch count as empty), written when they differ or a newer record went
   * unread. Corrupt when a copy of this epoch has the wrong length. `other`:
   * room for one chunk (open's own, dropped after it).
   */
  private repair_(chunk: number, other: Uint8Array): Status {
    const buffer = this.buffer_;
    const senders = this.sendersIn_(chunk);
    const key = this.firstKey_ + 2 * chunk;
    const first = this.readCopy_(key, other, senders);
    if (first < 0) return -first as Status;
    const second = this.readCopy_(key + 1, buffer, senders);
    if (second < 0) return -second as Status;
    if (first === 0 && second === 0) return ErrorCode.Ok;
    let differ = first !== second;
    for (let i = 0; i < senders; i++) {
      const a = readU32(other, EPOCH_BYTES + 4 * i);
      const b = readU32(buffer, EPOCH_BYTES + 4 * i);
      if (a === b) continue;
      differ = true;
      if (a > b) writeU32(buffer, EPOCH_BYTES + 4 * i, a);
    }
    const hidden = this.kv_.hiddenRecordsAfter(key) !== 0 || this.kv_.hiddenRecordsAfter(key + 1) !== 0;
    return differ || hidden ? this.writeChunk_(chunk, senders) : ErrorCode.Ok;
  }

  /** One copy into `out`: 1 when it holds this epoch's chunk, 0 when none (out zeroed), or a negated error (Corrupt: this epoch, wrong length). */
  private readCopy_(key: number, out: Uint8Array, senders: number): number {
    const bytes = EPOCH_BYTES + 4 * senders;
    const length = this.kv_.get(key, out, 0);
    if (length !== -ErrorCode.NotFound && length < 0) return length;
    const ours = length >= EPOCH_BYTES && readU32(out, 0) === this.epoch_;
    if (ours && length === bytes) return 1;
    if (ours) return -ErrorCode.Corrupt;
    out.fill(0, 0, bytes);
    return 0;
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}
