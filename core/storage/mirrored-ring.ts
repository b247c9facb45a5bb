/**
 * A small ring of fixed-size entries that survives reboots and power loss,
 * kept in pairs of store keys (a chunk and its mirror): the gateway's
 * delivered-alert identities (core/uplink/gateway.ts), so that an alert
 * delivered before a reboot is not delivered again when its source sends it
 * once more (README "Link security").
 *
 * Layout: chunk c is stored under `firstKey + 2c` and, written second, under
 * its mirror `firstKey + 2c + 1`; each holds
 *   count u32 LE (entries appended to the ring when it was written),
 *   then ENTRIES_PER_CHUNK entries of RING_ENTRY_BYTES (all zero: empty).
 * Entry n of the ring lives in slot n mod capacity. `append` writes the
 * entry's chunk, then its mirror, and is Ok only when both are durable: the
 * caller uses the entry (delivers the alert) only after that. An append
 * interrupted by power loss may already have overwritten the oldest slot in
 * one copy, so after a reboot the ring holds at least the last capacity - 1
 * acknowledged entries.
 *
 * Proof at open, as for the send counter (counter-reservation.ts
 * `copyProvable`): while one copy of each chunk is provably its key's newest
 * value, or at most one unread record is newer than either, the copy with
 * the larger count holds every entry appended to that chunk before its
 * last acknowledged write. Otherwise `open` refuses (RingUnprovable): an
 * identity the ring held could be missing, and the caller must not guess.
 *
 * RAM: nothing of its own beyond a few numbers; the chunk is composed in
 * the caller's scratch buffer (the store holds the values).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { copyProvable, putMirrored } from "./counter-reservation";
import type { KvStore } from "./kv-store";
import { readU32, writeU32 } from "./layout";

export const RING_ENTRY_BYTES = 8;
const COUNT_BYTES = 4;

/** Entries a chunk of `valueBytes` holds. */
export function ringEntriesPerChunk(valueBytes: number): number {
  return Math.floor((valueBytes - COUNT_BYTES) / RING_ENTRY_BYTES);
}

export interface MirroredRingOptions {
  /** Chunk c under firstKey + 2c, its mirror under firstKey + 2c + 1. */
  readonly firstKey: number;
  /** Key pairs (1..64). */
  readonly pairs: number;
  /** A scratch buffer of at least the chunk's bytes (the caller's, shared: used only inside each call). */
  readonly scratch: Uint8Array;
}

export class MirroredRing {
  private readonly kv_: KvStore;
  private readonly firstKey_: number;
  private readonly pairs_: number;
  private readonly perChunk_: number;
  private readonly scratch_: Uint8Array;
  private total_: number;
  private failures_ = 0;

  /**
   * Prove every pair and repair the copies (both set to the one with the
   * larger count where they differ or a newer record went unread). Errors:
   * InvalidArgument (options, keys too small for one entry, scratch too
   * small), RingUnprovable, Corrupt (a copy of the wrong length), the store's.
   */
  static open(kv: KvStore, options: MirroredRingOptions): Result<MirroredRing> {
    const { firstKey, pairs, scratch } = options;
    if ((pairs | 0) !== pairs || pairs < 1 || pairs > 64 || (firstKey | 0) !== firstKey || firstKey < 0 || firstKey + 2 * pairs > kv.keyCount) return err(ErrorCode.InvalidArgument);
    const valueBytes = kv.valueBytesOf(firstKey);
    const perChunk = ringEntriesPerChunk(valueBytes);
    if (perChunk < 1 || scratch.length < valueBytes) return err(ErrorCode.InvalidArgument);
    for (let c = 0; c < pairs; c++) {
      if (kv.valueBytesOf(firstKey + 2 * c) !== valueBytes || kv.valueBytesOf(firstKey + 2 * c + 1) !== valueBytes) return err(ErrorCode.InvalidArgument);
      if (!copyProvable(kv, firstKey + 2 * c, firstKey + 2 * c + 1)) return err(ErrorCode.RingUnprovable);
    }
    const ring = new MirroredRing(kv, firstKey, pairs, perChunk, scratch);
    for (let c = 0; c < pairs; c++) {
      const status = ring.repair_(c);
      if (status !== ErrorCode.Ok) return err(status);
    }
    // After the repair: every mirror holds its chunk's newest count.
    ring.countAppended_();
    return ok(ring);
  }

  private constructor(kv: KvStore, firstKey: number, pairs: number, perChunk: number, scratch: Uint8Array) {
    this.kv_ = kv;
    this.firstKey_ = firstKey;
    this.pairs_ = pairs;
    this.perChunk_ = perChunk;
    this.scratch_ = scratch;
    this.total_ = 0;
  }

  private countAppended_(): void {
    const bytes = COUNT_BYTES + this.perChunk_ * RING_ENTRY_BYTES;
    for (let c = 0; c < this.pairs_; c++) {
      if (this.kv_.get(this.firstKey_ + 2 * c + 1, this.scratch_, 0) === bytes) this.total_ = Math.max(this.total_, readU32(this.scratch_, 0));
    }
  }

  /** Entries the ring holds at once. */
  get capacity(): number {
    return this.pairs_ * this.perChunk_;
  }

  /** Entries appended in the ring's life (the oldest are overwritten past `capacity`). */
  get appended(): number {
    return this.total_;
  }

  /** Appends the store refused (the entry was not kept). */
  get failures(): number {
    return this.failures_;
  }

  /**
   * Keep `entry[offset .. + RING_ENTRY_BYTES)` (not all zero) in the next
   * slot, overwriting the oldest once full. Ok only once both copies of its
   * chunk are durable; else the store's error (the ring is as before) or
   * InvalidArgument (an all-zero entry: zero marks an empty slot).
   */
  append(entry: Uint8Array, offset: number): Status {
    let any = 0;
    for (let i = 0; i < RING_ENTRY_BYTES; i++) any |= entry[offset + i] ?? 0;
    if (any === 0) return ErrorCode.InvalidArgument;
    const slot = this.total_ % this.capacity;
    const chunk = (slot / this.perChunk_) | 0;
    const key = this.firstKey_ + 2 * chunk;
    const scratch = this.scratch_;
    const bytes = COUNT_BYTES + this.perChunk_ * RING_ENTRY_BYTES;
    if (this.kv_.get(key + 1, scratch, 0) !== bytes) scratch.fill(0, 0, bytes);
    writeU32(scratch, 0, this.total_ + 1);
    const at = COUNT_BYTES + (slot - chunk * this.perChunk_) * RING_ENTRY_BYTES;
    for (let i = 0; i < RING_ENTRY_BYTES; i++) scratch[at + i] = entry[offset + i] ?? 0;
    const status = putMirrored(this.kv_, key, key + 1, scratch, 0, bytes);
    if (status !== ErrorCode.Ok) {
      this.failures_++;
      return status;
    }
    this.total_++;
    return ErrorCode.Ok;
  }

  /**
   * Every entry held, chunk by chunk, into `visit(bytes, offset)` (the bytes
   * are the scratch buffer: copy what is kept). Returns how many.
   */
  forEach(visit: (bytes: Uint8Array, offset: number) => void): number {
    const scratch = this.scratch_;
    const bytes = COUNT_BYTES + this.perChunk_ * RING_ENTRY_BYTES;
    let visited = 0;
    for (let c = 0; c < this.pairs_; c++) {
      if (this.kv_.get(this.firstKey_ + 2 * c + 1, scratch, 0) !== bytes) continue;
      for (let e = 0; e < this.perChunk_; e++) {
        const at = COUNT_BYTES + e * RING_ENTRY_BYTES;
        let any = 0;
        for (let i = 0; i < RING_ENTRY_BYTES; i++) any |= scratch[at + i] ?? 0;
        if (any === 0) continue;
        visit(scratch, at);
        visited++;
      }
    }
    return visited;
  }

  // Both copies to the one with the larger count (the mirror when equal), written when they differ or a record went unread.
  private repair_(chunk: number): Status {
    const kv = this.kv_;
    const key = this.firstKey_ + 2 * chunk;
    const scratch = this.scratch_;
    const bytes = COUNT_BYTES + this.perChunk_ * RING_ENTRY_BYTES;
    const first = kv.get(key, scratch, 0);
    if (first !== -ErrorCode.NotFound && first < 0) return -first as Status;
    if (first >= 0 && first !== bytes) return ErrorCode.Corrupt;
    const firstCount = first === bytes ? readU32(scratch, 0) : -1;
    const second = kv.get(key + 1, scratch, 0);
    if (second !== -ErrorCode.NotFound && second < 0) return -second as Status;
    if (second >= 0 && second !== bytes) return ErrorCode.Corrupt;
    const secondCount = second === bytes ? readU32(scratch, 0) : -1;
    const hidden = kv.hiddenRecordsAfter(key) !== 0 || kv.hiddenRecordsAfter(key + 1) !== 0;
    if (firstCount < 0 && secondCount < 0) return ErrorCode.Ok;
    if (firstCount === secondCount && !hidden) return ErrorCode.Ok;
    // The newer copy into the scratch (the mirror is there now), then both keys.
    if (firstCount > secondCount && kv.get(key, scratch, 0) !== bytes) return ErrorCode.Corrupt;
    return putMirrored(kv, key, key + 1, scratch, 0, bytes);
  }
}
