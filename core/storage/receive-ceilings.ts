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
 * A frame at or above the ceiling is refused before the window commits it
 * (core/mesh/link-seal.ts), and its counter is remembered (up to
 * WANTED_MAX senders at once), so the raise covers it: the same frame sent
 * again (a hop retransmission) is then taken.
 *
 * After a reboot `seed` starts every sender's window at its ceiling - 1:
 * everything it could have admitted before is refused; the sender's next
 * frame waits one persist phase for its raise, like a first frame. After a
 * graceful shutdown `flushExact` wrote every ceiling down to highest
 * accepted + 1, so nothing new is refused. After a power loss a sender's
 * values between its last admitted counter and its ceiling (at most
 * stepValues + 1 of them) are refused, unless the sender skips past them:
 * the rebooted board asks every sender to (core/mesh/transport.ts
 * `requestCounterSkip`, one flooded frame).
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
import { copyProvable, putMirrored } from "./counter-reservation";
import type { KvStore } from "./kv-store";
import { readU32, writeU32 } from "./layout";

/** Senders per chunk (a chunk's value: 4 + 4 x 20 = 84 bytes, within the agent store's largest value). */
export const CEILING_CHUNK_SENDERS = 20;
/** Largest counter value a ceiling can bound (link-header.ts COUNTER_MAX); the ceiling itself is capped there. */
const CEILING_MAX = 0xffff_ffff;
const EPOCH_BYTES = 4;
const CHUNK_MAX_BYTES = EPOCH_BYTES + 4 * CEILING_CHUNK_SENDERS;
/** Refused (sender, counter) pairs remembered for the next raise; more wait for a later frame of theirs. */
export const WANTED_MAX = 4;
/** A chunk value, read and composed at the start of the buffer. */
export const CEILING_SCRATCH_BYTES = CHUNK_MAX_BYTES;
// The numbers at the end of the buffer (ReceiveCeilings word_).
const S_FIRST_KEY = 0;
const S_SENDER_ID_MAX = 1;
const S_EPOCH = 2;
const S_STEP = 3;
const S_LOW_WATER = 4;
const S_CHUNKS = 5;
const S_RAISES = 6;
const S_FAILURES = 7;
const S_REFUSED = 8;
const S_DIRTY = 9;
const S_SEEDED = 10;
const STATE_WORDS = 11;

/** Bytes of a ReceiveCeilings' own state for senders 1..senderIdMax (after CEILING_SCRATCH_BYTES of scratch, ReceiveCeilingsOptions.buffer). */
export function ceilingStateBytes(senderIdMax: number): number {
  return 8 * WANTED_MAX + ((((senderIdMax + 8) >>> 3) + 3) & ~3) + 4 * STATE_WORDS;
}

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

/** The replay windows `seed` starts at their floors and `prepare`/`flushExact` read from then on (ReplayTable). */
export interface ReceiveWindows extends HighestAccepted {
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
  /**
   * Optional: a buffer of at least CEILING_SCRATCH_BYTES + ceilingStateBytes
   * bytes to work in, shared with the caller: its first CEILING_SCRATCH_BYTES
   * are scratch the caller may use between calls; the state lives at its end.
   */
  readonly buffer?: Uint8Array;
}

export const CEILING_STEP_MAX = 1 << 24;

/** Serves the transport's ReceiveAdmission port (core/mesh/transport.ts). */
export class ReceiveCeilings {
  private readonly kv_: KvStore;
  /**
   * One chunk's value, then WANTED_MAX (sender u32, counter u32) pairs, then
   * a mark bit per sender (bit s: raise s), then this object's numbers (u32
   * each, STATE_WORDS of them: the accessors below). Numbers in the buffer,
   * not in fields: on XS every field of an instance is a heap slot.
   */
  private readonly buffer_: Uint8Array;
  private windows_: ReceiveWindows | undefined = undefined;

  private get firstKey_(): number {
    return this.word_(S_FIRST_KEY);
  }
  private get senderIdMax_(): number {
    return this.word_(S_SENDER_ID_MAX);
  }
  private get epoch_(): number {
    return this.word_(S_EPOCH);
  }
  private get step_(): number {
    return this.word_(S_STEP);
  }
  private get lowWater_(): number {
    return this.word_(S_LOW_WATER);
  }
  private get chunks_(): number {
    return this.word_(S_CHUNKS);
  }
  private get raises_(): number {
    return this.word_(S_RAISES);
  }
  private set raises_(value: number) {
    this.setWord_(S_RAISES, value);
  }
  private get failures_(): number {
    return this.word_(S_FAILURES);
  }
  private set failures_(value: number) {
    this.setWord_(S_FAILURES, value);
  }
  private get refused_(): number {
    return this.word_(S_REFUSED);
  }
  private set refused_(value: number) {
    this.setWord_(S_REFUSED, value);
  }
  private get dirty_(): number {
    return this.word_(S_DIRTY);
  }
  private set dirty_(value: number) {
    this.setWord_(S_DIRTY, value);
  }
  private get seededSenders_(): number {
    return this.word_(S_SEEDED);
  }
  private set seededSenders_(value: number) {
    this.setWord_(S_SEEDED, value);
  }

  // The state from the end of the buffer: the wanted pairs, the marks (padded to 4 bytes), the numbers.
  private marksAt_(): number {
    return this.buffer_.length - 4 * STATE_WORDS - (((this.word_(S_SENDER_ID_MAX) + 8) >>> 3) + 3 & ~3);
  }

  private wantedAt_(): number {
    return this.marksAt_() - 8 * WANTED_MAX;
  }

  private word_(index: number): number {
    return readU32(this.buffer_, this.buffer_.length - 4 * STATE_WORDS + 4 * index);
  }

  private setWord_(index: number, value: number): void {
    writeU32(this.buffer_, this.buffer_.length - 4 * STATE_WORDS + 4 * index, value >>> 0);
  }

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
    const other = new Uint8Array(CHUNK_MAX_BYTES);
    for (let c = 0; c < chunks; c++) {
      const status = ceilings.repair_(c, other);
      if (status !== ErrorCode.Ok) return err(status);
    }
    return ok(ceilings);
  }

  private constructor(kv: KvStore, options: ReceiveCeilingsOptions, chunks: number) {
    this.kv_ = kv;
    const own = ceilingStateBytes(options.senderIdMax);
    const shared = options.buffer;
    // The caller's buffer (its scratch first, this object's state at its end), or one of its own: on XS each typed array costs heap.
    this.buffer_ = shared !== undefined && shared.length >= CEILING_SCRATCH_BYTES + own ? shared : new Uint8Array(CEILING_SCRATCH_BYTES + own);
    this.setWord_(S_FIRST_KEY, options.firstKey);
    this.setWord_(S_SENDER_ID_MAX, options.senderIdMax);
    this.setWord_(S_EPOCH, options.epoch);
    this.setWord_(S_STEP, options.stepValues);
    this.setWord_(S_LOW_WATER, options.lowWaterValues);
    this.setWord_(S_CHUNKS, chunks);
  }

  /**
   * May a frame from `senderId` with `counter`, authenticated and committed
   * to the replay window, be used? True when the counter is below the
   * sender's durable ceiling. Marks the sender's chunk for a raise when the
   * ceiling is near, and when it refuses, remembers the counter so the raise
   * covers it. False for senders outside 1..senderIdMax.
   */
  admit(senderId: number, counter: number): boolean {
    if ((senderId | 0) !== senderId || senderId < 1 || senderId > this.senderIdMax_) {
      this.refused_++;
      return false;
    }
    // The mirror's ceiling, two words read in place (not the chunk copied): this runs for every frame, on the deepest stack.
    // Every copy of this epoch has its chunk's exact length (open and every write make it so).
    const chunk = ((senderId - 1) / CEILING_CHUNK_SENDERS) | 0;
    const mirror = this.firstKey_ + 2 * chunk + 1;
    const stored = this.kv_.readU32(mirror, EPOCH_BYTES + 4 * (senderId - 1 - chunk * CEILING_CHUNK_SENDERS));
    const ceiling = stored >= 0 && this.kv_.readU32(mirror, 0) === this.epoch_ ? stored : 0;
    if (counter + this.lowWater_ >= ceiling) this.mark_(senderId);
    if (counter < ceiling) return true;
    this.want_(senderId, counter);
    this.refused_++;
    return false;
  }

  // Remember the highest refused counter of `senderId` for the next raise of its chunk (dropped when every pair is taken).
  private want_(senderId: number, counter: number): void {
    const buffer = this.buffer_;
    let free = -1;
    for (let i = 0; i < WANTED_MAX; i++) {
      const at = this.wantedAt_() + 8 * i;
      const sender = readU32(buffer, at);
      if (sender === senderId) {
        if (counter > readU32(buffer, at + 4)) writeU32(buffer, at + 4, counter);
        return;
      }
      if (sender === 0 && free < 0) free = at;
    }
    if (free < 0) return;
    writeU32(buffer, free, senderId);
    writeU32(buffer, free + 4, counter);
    this.mark_(senderId);
  }

  /** The durable ceiling of `senderId` (0: nothing admitted yet, or out of range). */
  ceiling(senderId: number): number {
    if ((senderId | 0) !== senderId || senderId < 1 || senderId > this.senderIdMax_) return 0;
    return this.ceilingOf_(((senderId - 1) / CEILING_CHUNK_SENDERS) | 0, senderId);
  }

  /**
   * The persist phase: raise the ceiling of every marked sender (near its
   * ceiling, or refused) to the highest counter it was admitted or refused
   * at + 1 + stepValues, one chunk write pair per chunk with a marked
   * sender. `Ok` when nothing needed writing; else the first failure (those
   * senders stay marked and their old ceilings stay in force); WrongState
   * before `seed` gave the windows.
   */
  prepare(): Status {
    const windows = this.windows_;
    if (this.dirty_ === 0) return ErrorCode.Ok;
    if (windows === undefined) return ErrorCode.WrongState;
    let result: Status = ErrorCode.Ok;
    for (let c = 0; c < this.chunks_ && this.dirty_ > 0; c++) {
      if (!this.chunkMarked_(c)) continue;
      // The write from this frame, not from inside raiseChunk_: a put may clean the log, the deepest stack the agent reaches.
      const raised = this.raiseChunk_(c, windows, false);
      const status = raised < 0 ? -raised : raised === 0 ? ErrorCode.Ok : this.writeChunk_(c, this.sendersIn_(c));
      if (status === ErrorCode.Ok) this.settle_(c);
      else if (result === ErrorCode.Ok) result = status as Status;
    }
    return result;
  }

  /**
   * After a reboot, into a fresh replay table (kept: `prepare` and
   * `flushExact` read it from now on): every sender with a ceiling starts
   * at floor ceiling - 1, so nothing it could have admitted before is
   * accepted again. Writes nothing. Errors: the table's (WrongState for a
   * sender seeded twice, ReplayTableFull) or the store's (Corrupt).
   */
  seed(table: ReceiveWindows): Status {
    const buffer = this.buffer_;
    this.windows_ = table;
    for (let c = 0; c < this.chunks_; c++) {
      const senders = this.sendersIn_(c);
      const read = this.readChunk_(c);
      if (read < 0) return -read as Status;
      if (read === 0) continue;
      for (let i = 0; i < senders; i++) {
        const ceiling = readU32(buffer, EPOCH_BYTES + 4 * i);
        if (ceiling === 0) continue;
        const seeded = table.seed(c * CEILING_CHUNK_SENDERS + i + 1, this.epoch_, ceiling - 1);
        if (seeded !== ErrorCode.Ok) return seeded;
        this.seededSenders_++;
      }
    }
    return ErrorCode.Ok;
  }

  /** Senders `seed` started above a floor (0 on a board that never admitted a frame under this key epoch). */
  get seededSenders(): number {
    return this.seededSenders_;
  }

  /**
   * A graceful shutdown: write every ceiling down to highest accepted + 1,
   * so the next boot refuses none of the senders' coming frames. `Ok`, or
   * the first failure (those ceilings stay as they were: still safe);
   * WrongState before `seed`.
   */
  flushExact(): Status {
    const windows = this.windows_;
    if (windows === undefined) return ErrorCode.WrongState;
    let result: Status = ErrorCode.Ok;
    for (let c = 0; c < this.chunks_; c++) {
      const raised = this.raiseChunk_(c, windows, true);
      const status = raised < 0 ? -raised : raised === 0 ? ErrorCode.Ok : this.writeChunk_(c, this.sendersIn_(c));
      if (status === ErrorCode.Ok) this.settle_(c);
      else if (result === ErrorCode.Ok) result = status as Status;
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
  /** Senders waiting for a raise. */
  get pendingSenders(): number {
    return this.dirty_;
  }
  get senderIdMax(): number {
    return this.senderIdMax_;
  }
  /** `seed` gave the windows (the radio was started). */
  get seeded(): boolean {
    return this.windows_ !== undefined;
  }

  private sendersIn_(chunk: number): number {
    return Math.min(CEILING_CHUNK_SENDERS, this.senderIdMax_ - chunk * CEILING_CHUNK_SENDERS);
  }

  private marked_(senderId: number): boolean {
    return ((this.buffer_[this.marksAt_() + (senderId >>> 3)] ?? 0) & (1 << (senderId & 7))) !== 0;
  }

  private mark_(senderId: number): void {
    if (this.marked_(senderId)) return;
    const at = this.marksAt_() + (senderId >>> 3);
    this.buffer_[at] = (this.buffer_[at] ?? 0) | (1 << (senderId & 7));
    this.dirty_++;
  }

  private unmark_(senderId: number): void {
    if (!this.marked_(senderId)) return;
    const at = this.marksAt_() + (senderId >>> 3);
    this.buffer_[at] = (this.buffer_[at] ?? 0) & ~(1 << (senderId & 7));
    this.dirty_--;
  }

  private chunkMarked_(chunk: number): boolean {
    const first = chunk * CEILING_CHUNK_SENDERS + 1;
    const end = first + this.sendersIn_(chunk);
    for (let s = first; s < end; s++) if (this.marked_(s)) return true;
    return false;
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

  /**
   * Raise every marked sender of `chunk` (its highest admitted or refused
   * counter + 1 + stepValues), or with `exact` set every sender's ceiling
   * down to its highest accepted + 1, in the buffer: 1 when any changed (the
   * caller writes the chunk), 0 when none did, -Corrupt. A sender seeded at
   * its floor and not heard since is left alone (raising it would only widen
   * what a power loss costs).
   */
  private raiseChunk_(chunk: number, windows: HighestAccepted, exact: boolean): number {
    const buffer = this.buffer_;
    const senders = this.sendersIn_(chunk);
    if (this.readChunk_(chunk) < 0) return -ErrorCode.Corrupt;
    let changed = 0;
    const first = chunk * CEILING_CHUNK_SENDERS + 1;
    for (let i = 0; i < senders; i++) {
      if (!exact && !this.marked_(first + i)) continue;
      let highest = windows.highest(first + i);
      if (!exact) highest = Math.max(highest, this.wanted_(first + i));
      if (highest < 0) continue;
      const ceiling = readU32(buffer, EPOCH_BYTES + 4 * i);
      let next = ceiling;
      if (exact) next = highest + 1 < ceiling ? highest + 1 : ceiling;
      else if (highest + this.lowWater_ >= ceiling) next = Math.min(highest + 1 + this.step_, CEILING_MAX);
      if (next !== ceiling) {
        writeU32(buffer, EPOCH_BYTES + 4 * i, next);
        changed = 1;
      }
    }
    return changed;
  }

  /** `chunk` is written (or needed nothing): its senders' refused counters are covered, their marks cleared. */
  private settle_(chunk: number): void {
    const first = chunk * CEILING_CHUNK_SENDERS + 1;
    const end = first + this.sendersIn_(chunk);
    this.forgetWanted_(first, end);
    for (let s = first; s < end; s++) this.unmark_(s);
  }

  /** The highest refused counter remembered for `senderId`, or -1. */
  private wanted_(senderId: number): number {
    for (let i = 0; i < WANTED_MAX; i++) {
      const at = this.wantedAt_() + 8 * i;
      if (readU32(this.buffer_, at) === senderId) return readU32(this.buffer_, at + 4);
    }
    return -1;
  }

  private forgetWanted_(fromSender: number, toSender: number): void {
    for (let i = 0; i < WANTED_MAX; i++) {
      const at = this.wantedAt_() + 8 * i;
      const sender = readU32(this.buffer_, at);
      if (sender >= fromSender && sender < toSender) {
        writeU32(this.buffer_, at, 0);
        writeU32(this.buffer_, at + 4, 0);
      }
    }
  }

  // Both copies, the key first; admission reads the mirror, so nothing uses the new value before both are durable.
  private writeChunk_(chunk: number, senders: number): Status {
    const bytes = EPOCH_BYTES + 4 * senders;
    writeU32(this.buffer_, 0, this.epoch_);
    const status = putMirrored(this.kv_, this.firstKey_ + 2 * chunk, this.firstKey_ + 2 * chunk + 1, this.buffer_, 0, bytes);
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
