/**
 * The superblock pair: blocks 0 and 1 of the partition.
 *
 * Each block is an append-only array of fixed slots; a slot holds one
 * superblock record (SUPER_RECORD_BYTES, padded to the write alignment):
 *
 *   0 u32 magic "PKS\x01"    4 u32 volumeId      8 u32 superSeq
 *  12 u32 tailSegmentSeq    16 u32 blockSizeBytes 20 u32 blockCount
 *  24 u32 eraseCount (of this block)             28 u32 crc32c(bytes 0..27)
 *
 * Mount takes the valid record with the highest superSeq across both blocks
 * (the "two copies, highest valid sequence wins" rule; cf. LittleFS metadata
 * pairs). A new record goes into the next unused slot of the block holding
 * the current one; when that block is full the OTHER block is erased and
 * receives it. So an interrupted erase or program only ever damages the
 * block that does not hold the current record: the previous state stays
 * readable until the new one is verified.
 *
 * What the superblock carries: the volume id (which segment headers belong
 * to this store), the geometry (a partition reformatted with another block
 * size is foreign), and the tail: the oldest segment still live. Segments
 * older than the tail are garbage even if parts of them survive a torn
 * erase, which is why the tail is persisted BEFORE a cleaned block is
 * reused (record-log.ts).
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import type { FlashIo } from "./flash-io";
import { alignUp, isErased, readU32, serialAtOrAfter, SUPER_MAGIC, SUPER_RECORD_BYTES, writeU32 } from "./layout";

const BODY_BYTES = SUPER_RECORD_BYTES - 4;

export class Superblock {
  private readonly io_: FlashIo;
  private readonly slotBytes_: number;
  private readonly slotsPerBlock_: number;
  private readonly buffer_: Uint8Array;
  private found_ = false;
  private volumeId_ = 0;
  private seq_ = 0;
  private tailSeq_ = 0;
  private activeBlock_ = 0;
  private nextSlot_ = 0;
  private maxVolumeSeen_ = 0;
  private nonErasedSlots_ = 0;
  private writes_ = 0;

  /** Bytes of the record buffer a superblock on `io` needs (`constructor`'s `buffer`). */
  static bufferBytes(io: FlashIo): number {
    return alignUp(SUPER_RECORD_BYTES, io.alignBytes);
  }

  /** `buffer`: `bufferBytes(io)` bytes of the owner's to encode records in (a view on its own store), or none for a buffer of its own. */
  constructor(io: FlashIo, buffer?: Uint8Array) {
    this.io_ = io;
    this.slotBytes_ = Superblock.bufferBytes(io);
    this.slotsPerBlock_ = Math.floor(io.blockSizeBytes / this.slotBytes_);
    this.buffer_ = buffer !== undefined && buffer.length === this.slotBytes_ ? buffer : new Uint8Array(this.slotBytes_);
  }

  /** Bytes of one slot (the record padded to the write alignment). */
  get slotBytes(): number {
    return this.slotBytes_;
  }

  get found(): boolean {
    return this.found_;
  }

  get volumeId(): number {
    return this.volumeId_;
  }

  get tailSeq(): number {
    return this.tailSeq_;
  }

  get seq(): number {
    return this.seq_;
  }

  /** Largest volume id in any valid superblock record, whatever its geometry (for reformatting). */
  get maxVolumeSeen(): number {
    return this.maxVolumeSeen_;
  }

  /** Slots that were neither erased nor a valid record of this geometry (foreign or torn). */
  get nonErasedSlots(): number {
    return this.nonErasedSlots_;
  }

  /** Superblock records written since mount. */
  get writes(): number {
    return this.writes_;
  }

  /**
   * Scan both blocks for the newest valid record of this geometry. `Ok`
   * whether or not one was found (see `found`); a device error otherwise.
   */
  load(): Status {
    this.found_ = false;
    let bestBlock = 0;
    let bestSlot = -1;
    const lastUsed = [-1, -1];
    for (let block = 0; block < 2; block++) {
      for (let slot = 0; slot < this.slotsPerBlock_; slot++) {
        const status = this.loadSlot_(block, slot);
        if (status === ErrorCode.Empty) continue;
        lastUsed[block] = slot;
        if (status === ErrorCode.Ok && (!this.found_ || serialAtOrAfter(readU32(this.buffer_, 8), this.seq_ + 1))) {
          this.take_();
          bestBlock = block;
          bestSlot = slot;
        } else if (status !== ErrorCode.Ok && status !== ErrorCode.Corrupt) {
          return status;
        }
      }
    }
    if (this.found_) {
      this.activeBlock_ = bestBlock;
      this.nextSlot_ = Math.max(bestSlot, lastUsed[bestBlock] ?? -1) + 1;
    }
    return ErrorCode.Ok;
  }

  // Ok: valid record of this geometry in buffer_. Empty: erased slot. Corrupt: anything else.
  private loadSlot_(block: number, slot: number): Status {
    const io = this.io_;
    const buffer = this.buffer_;
    const status = io.read(block, slot * this.slotBytes_, buffer, 0, SUPER_RECORD_BYTES);
    if (status !== ErrorCode.Ok) return status;
    if (isErased(buffer, 0, SUPER_RECORD_BYTES)) return ErrorCode.Empty;
    const checked = io.readChecked(block, slot * this.slotBytes_, buffer, BODY_BYTES);
    if (checked === ErrorCode.Corrupt || (checked === ErrorCode.Ok && readU32(buffer, 0) !== SUPER_MAGIC)) {
      this.nonErasedSlots_++;
      return ErrorCode.Corrupt;
    }
    if (checked !== ErrorCode.Ok) return checked;
    const volumeId = readU32(buffer, 4);
    if (volumeId > this.maxVolumeSeen_) this.maxVolumeSeen_ = volumeId;
    const eraseCount = readU32(buffer, 24);
    if (eraseCount > (io.eraseCounts[block] ?? 0)) io.eraseCounts[block] = eraseCount;
    if (readU32(buffer, 16) !== io.blockSizeBytes || readU32(buffer, 20) !== io.blockCount) {
      this.nonErasedSlots_++;
      return ErrorCode.Corrupt;
    }
    return ErrorCode.Ok;
  }

  private take_(): void {
    this.found_ = true;
    this.volumeId_ = readU32(this.buffer_, 4);
    this.seq_ = readU32(this.buffer_, 8);
    this.tailSeq_ = readU32(this.buffer_, 12);
  }

  /**
   * Start a new volume: erase both blocks, then write the first record
   * (superSeq 1, tail `tailSeq`) into block 0.
   */
  format(volumeId: number, tailSeq: number): Status {
    for (let block = 1; block >= 0; block--) {
      const status = this.io_.erase(block);
      if (status !== ErrorCode.Ok) return status;
    }
    this.found_ = true;
    this.volumeId_ = volumeId;
    this.seq_ = 0;
    this.activeBlock_ = 0;
    this.nextSlot_ = 0;
    return this.write(tailSeq);
  }

  /** Persist a new tail. `Ok` once the record is verified on flash. */
  write(tailSeq: number): Status {
    const io = this.io_;
    let block = this.activeBlock_;
    let slot = this.nextSlot_;
    if (slot >= this.slotsPerBlock_) {
      block = 1 - block;
      slot = 0;
      const erased = io.erase(block);
      if (erased !== ErrorCode.Ok) return erased;
      this.activeBlock_ = block;
      this.nextSlot_ = 0;
    }
    const seq = (this.seq_ + 1) >>> 0;
    const buffer = this.buffer_;
    buffer.fill(0xff);
    writeU32(buffer, 0, SUPER_MAGIC);
    writeU32(buffer, 4, this.volumeId_);
    writeU32(buffer, 8, seq);
    writeU32(buffer, 12, tailSeq);
    writeU32(buffer, 16, io.blockSizeBytes);
    writeU32(buffer, 20, io.blockCount);
    writeU32(buffer, 24, io.eraseCounts[block] ?? 0);
    writeU32(buffer, BODY_BYTES, io.crc.checksum(buffer, 0, BODY_BYTES));
    // The slot is used from now on, whatever happens to this program.
    this.nextSlot_ = slot + 1;
    const status = io.program(block, slot * this.slotBytes_, buffer, 0, this.slotBytes_);
    if (status !== ErrorCode.Ok) return status;
    this.seq_ = seq;
    this.tailSeq_ = tailSeq;
    this.writes_++;
    return ErrorCode.Ok;
  }
}
