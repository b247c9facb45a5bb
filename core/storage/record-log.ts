/**
 * One file of about 1,100 lines, on purpose: the log's crash-safety argument
 * (which record wins after a torn write, when a block may be erased, what
 * mount may trust) spans the on-flash format, append, cleaning and mount,
 * and reads as one proof only when those four sit together; each part is a
 * section below, and durable-store.ts is the only caller.
 *
 * An append-only log of CRC-protected records over NOR-flash erase blocks.
 *
 * Segments. Each data block holds one segment: a header (volume id, segment
 * sequence number, the block's erase count) and records packed after it.
 * The live segments form a FIFO ordered by segment sequence number: records
 * are appended to the head; the tail is the oldest. A new head takes the next
 * free block after the current one in block order, so erases rotate over
 * every block (wear levelling; static data is moved too, because cleaning
 * always takes the oldest segment).
 *
 * Cleaning. When the head needs a block and fewer than two are free, the
 * tail segment is cleaned: each record the owner still needs (latest KV
 * value, retained consensus entry, log base) is appended again at the head
 * (the owner finds them in its tables by address, see RecordOwner.evacuate),
 * then the superblock is advanced past the tail (superblock.ts), and only
 * then may the block be erased and reused. A crash anywhere in between
 * leaves both copies, and replay keeps the newer one.
 *
 * Reserve. User appends never leave fewer than RESERVE_BLOCKS (2) free
 * blocks: before writing, they clean until that holds, even when the head
 * still has room. Cleaning one segment copies at most one block of records,
 * so it needs one fresh block; the second covers power losses during
 * cleaning. A cleaning cut by power loss has consumed part of a reserve
 * block (now the head); the next append finishes it first, into that same
 * space, before user data can take it. Each further power loss within the
 * same cleaning wastes at most one record (zero fill), so the cleaning of a
 * segment only runs out of room after about (block size / record size)
 * power losses in a row inside it; then appends answer StorageFull and
 * nothing stored is lost.
 *
 * Mount. Segments newer than the superblock's tail and of this volume are
 * replayed in sequence order, every record CRC-checked (re-read on mismatch,
 * then skipped and counted). The head's end is where the records stop; if
 * the rest of its block is not erased (a torn write), those bytes are
 * programmed to 0x00 (NOR can always clear bits; layout.ts "zero fill") and
 * appending resumes after them: nothing is ever programmed over bytes of
 * unknown state, and a power loss costs one record's space, not a block.
 *
 * Live accounting. After replay the owner marks the records it kept; every
 * appended record then counts as live in its block until the owner releases
 * it (overwritten KV value, truncated or compacted entry, delete and
 * truncate markers at once). `liveBytes` against `capacityBytes`
 * lets the store refuse data that could not be cleaned into place.
 *
 * Capacity: with G good data blocks, u bytes per block after the header and
 * m the largest record, live data L <= (G - 4)(u - m) always fits: after one
 * cleaning lap the live records occupy at most floor(L / (u - m)) + 1 <= G - 3
 * blocks (each block wastes < m at its end), leaving one block for the new
 * head and two in reserve.
 *
 * Errors. A device failure while writing (power loss, driver fault) stops the
 * log: every later call answers `NotMounted` until the partition is mounted
 * again, because RAM may no longer match flash. A failed program
 * (`ProgramFailed`/`NotErased`) seals the head and is retried once in a new
 * segment. A block that fails to erase is retired until the next mount.
 * Mount itself may write (formatting, zero fill), so it can fail with a
 * device error; mounting again after power-up is always safe.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { BlockDevice } from "./block-device";
import { Crc32c } from "./crc32c";
import { FlashIo, READ_ATTEMPTS } from "./flash-io";
import {
  alignUp,
  decodeRecordHeader,
  encodeRecordHeader,
  HeaderState,
  zeroUnitBytes,
  isErased,
  NO_ADDRESS,
  RECORD_CRC_BYTES,
  RECORD_HEADER_BYTES,
  RECORD_PAYLOAD_FORMAT_MAX_BYTES,
  recordBytes,
  RecordView,
  readU32,
  SEGMENT_HEADER_BYTES,
  SEGMENT_MAGIC,
  serialAtOrAfter,
  SUPER_BLOCK_COUNT,
  SUPER_RECORD_BYTES,
  type RecordType,
  writeU32,
} from "./layout";
import { HIDDEN_RECORDS_UNBOUNDED, MountReport } from "./mount-report";
import { Superblock } from "./superblock";

/** What the log asks of the store that owns the records' meaning. */
export interface RecordOwner {
  /** Mount: one CRC-valid record, in log order; `record[RECORD_HEADER_BYTES ..]` is the payload. */
  replay(view: RecordView, record: Uint8Array): void;
  /**
   * Cleaning: `block` (addresses `[firstAddress, endAddress)`) is about to be
   * erased. Append again every record the owner still needs from it and
   * release the old addresses. The owner's tables say which records those
   * are, so the block is not re-parsed and a header corrupted since mount
   * cannot hide a live record.
   */
  evacuate(block: number, firstAddress: number, endAddress: number): Status;
}

/** Geometry limits: a partition outside them is `BadGeometry`. */
export const DATA_BLOCKS_MIN = 5;
/** Free blocks user appends always leave for cleaning (module comment, "Reserve"). */
export const RESERVE_BLOCKS = 2;
export const BLOCK_COUNT_MAX = 65_536;
export const BLOCK_SIZE_MIN_BYTES = 128;
export const BLOCK_SIZE_MAX_BYTES = 1 << 20;
export const PROGRAM_ALIGN_MAX_BYTES = 256;
/** Segment numbers this far past the superblock tail are taken as foreign, not live. */
const SEQ_WINDOW = 1 << 24;

const BlockState = Object.freeze({ Free: 0, Live: 1, Bad: 2, Super: 3 } as const);
/**
 * Rows of `blockWords_`, n words each: segment seq, live bytes, ring, state,
 * then what mount could not read in the block: hidden records, and the
 * offsets of the first and last unreadable spot (auditHidden_).
 */
const ROWS = 5;
/** Per block: the offset of its last unreadable spot (<< SPOT_SHIFT, offsets < BLOCK_SIZE_MAX_BYTES = 2^20) and how many records may hide there. */
const ROW_SPOTS = 4;
const SPOT_SHIFT = 4096;
const SPOT_COUNT_MAX = SPOT_SHIFT - 1;

export class RecordLog {
  private readonly io_: FlashIo;
  private readonly super_: Superblock;
  private readonly crc_: Crc32c;
  private readonly blockSize_: number;
  private readonly blockCount_: number;
  private readonly headerBytes_: number;
  private readonly payloadMax_: number;
  private readonly recordMax_: number;
  /**
   * ROWS regions of blockCount words (one array: each typed array costs heap
   * slots on XS): per block its segment seq at [block], the bytes of its
   * live records at [blockCount + block]; the live segments in sequence
   * order as a ring of block numbers at [2 * blockCount, 3 * blockCount);
   * per block its BlockState at [3 * blockCount + block]; then the rows
   * ROW_SPOTS (what mount could not read).
   */
  private readonly blockWords_: Uint32Array;
  private readonly writeBuf_: Uint8Array;
  private readonly relocBuf_: Uint8Array;
  private readonly readBuf_: Uint8Array;
  private readonly headerBuf_: Uint8Array;
  private readonly zeroBuf_: Uint8Array;
  private readonly zeroUnit_: number;
  private readonly view_ = new RecordView();
  readonly report = new MountReport();
  private owner_: RecordOwner | undefined;
  private ringFirst_ = 0;
  private ringCount_ = 0;
  private headBlock_ = -1;
  private headOffset_ = 0;
  private headWritable_ = false;
  private nextRecordSeq_ = 1;
  private replaySeqKnown_ = false;
  /** Where the bytes no record was read from begin, after the segment's last record read (-1: none); set by replaySegment_. */
  private unreadFrom_ = -1;
  private nextSegmentSeq_ = 1;
  private tailSeq_ = 0;
  private maxVolumeSeen_ = 0;
  private liveTotal_ = 0;
  private badBlocks_ = 0;
  private cleaning_ = false;
  private failed_: Status = ErrorCode.Ok;
  private recordsAppended_ = 0;
  private segmentsCleaned_ = 0;
  private recordsRelocated_ = 0;
  private sealedHeads_ = 0;
  private zeroFills_ = 0;
  private readCorrupt_ = 0;
  private accountingDrift_ = 0;

  private constructor(device: BlockDevice, payloadMaxBytes: number) {
    const align = device.programAlignBytes;
    this.crc_ = Crc32c.create();
    this.blockSize_ = device.blockSizeBytes;
    this.blockCount_ = device.blockCount;
    this.headerBytes_ = alignUp(SEGMENT_HEADER_BYTES, align);
    this.payloadMax_ = payloadMaxBytes;
    this.recordMax_ = recordBytes(payloadMaxBytes, align);
    this.zeroUnit_ = zeroUnitBytes(align);
    const zeroChunk = alignUp(64, this.zeroUnit_);
    const programMax = Math.max(this.recordMax_, this.headerBytes_, alignUp(SUPER_RECORD_BYTES, align), zeroChunk);
    // Per-block words, the flash I/O's erase counts and verify buffer, then the byte buffers: views on one
    // ArrayBuffer (every ArrayBuffer costs heap slots on XS); no two views overlap.
    const n = this.blockCount_;
    const ioAt = ROWS * n * 4;
    const ioBytes = alignUp(FlashIo.bytesFor(device, programMax), 4);
    const readBytes = Math.max(this.recordMax_, SEGMENT_HEADER_BYTES + 4);
    const superBytes = alignUp(SUPER_RECORD_BYTES, align);
    const bytes = new ArrayBuffer(ioAt + ioBytes + 2 * this.recordMax_ + readBytes + this.headerBytes_ + zeroChunk + superBytes);
    this.blockWords_ = new Uint32Array(bytes, 0, ROWS * n);
    this.io_ = new FlashIo(device, this.crc_, programMax, bytes, ioAt);
    let at = ioAt + ioBytes;
    this.writeBuf_ = new Uint8Array(bytes, at, this.recordMax_);
    this.relocBuf_ = new Uint8Array(bytes, (at += this.recordMax_), this.recordMax_);
    this.readBuf_ = new Uint8Array(bytes, (at += this.recordMax_), readBytes);
    this.headerBuf_ = new Uint8Array(bytes, (at += readBytes), this.headerBytes_);
    this.zeroBuf_ = new Uint8Array(bytes, (at += this.headerBytes_), zeroChunk);
    this.super_ = new Superblock(this.io_, new Uint8Array(bytes, at + zeroChunk, superBytes));
    this.blockWords_[3 * n] = BlockState.Super;
    this.blockWords_[3 * n + 1] = BlockState.Super;
  }

  /** Is the device usable for records of up to `payloadMaxBytes`? `Ok`, `InvalidArgument` or `BadGeometry`. */
  static checkGeometry(device: BlockDevice, payloadMaxBytes: number): Status {
    if (!isIntIn(payloadMaxBytes, 1, RECORD_PAYLOAD_FORMAT_MAX_BYTES)) return ErrorCode.InvalidArgument;
    const blockSize = device.blockSizeBytes;
    const count = device.blockCount;
    const align = device.programAlignBytes;
    if (!isIntIn(align, 1, PROGRAM_ALIGN_MAX_BYTES) || (align & (align - 1)) !== 0) return ErrorCode.BadGeometry;
    if (!isIntIn(blockSize, BLOCK_SIZE_MIN_BYTES, BLOCK_SIZE_MAX_BYTES) || blockSize % zeroUnitBytes(align) !== 0) return ErrorCode.BadGeometry;
    if (!isIntIn(count, SUPER_BLOCK_COUNT + DATA_BLOCKS_MIN, BLOCK_COUNT_MAX)) return ErrorCode.BadGeometry;
    if (blockSize * count >= NO_ADDRESS) return ErrorCode.BadGeometry;
    const usable = blockSize - alignUp(SEGMENT_HEADER_BYTES, align);
    // Two largest records per block at least, so every block holds more than its wasted tail.
    if (2 * recordBytes(payloadMaxBytes, align) > usable) return ErrorCode.BadGeometry;
    return ErrorCode.Ok;
  }

  /** `capacityBytes` of a healthy device of this geometry (no bad blocks), before mounting it. */
  static capacityFor(device: BlockDevice, payloadMaxBytes: number): number {
    const align = device.programAlignBytes;
    const perBlock = device.blockSizeBytes - alignUp(SEGMENT_HEADER_BYTES, align) - recordBytes(payloadMaxBytes, align);
    const good = device.blockCount - SUPER_BLOCK_COUNT;
    return good > RESERVE_BLOCKS + 2 ? (good - RESERVE_BLOCKS - 2) * perBlock : 0;
  }

  /**
   * Mount the partition: load the superblock (format if there is none),
   * replay every live record into `replayOwner`, and find the head. See
   * `report`. Cleaning needs an owner too: `attach` it after replay.
   */
  static mount(device: BlockDevice, payloadMaxBytes: number, replayOwner: RecordOwner): Result<RecordLog> {
    const geometry = RecordLog.checkGeometry(device, payloadMaxBytes);
    if (geometry !== ErrorCode.Ok) return err(geometry);
    const log = new RecordLog(device, payloadMaxBytes);
    log.owner_ = replayOwner;
    const status = log.mount_();
    log.owner_ = undefined;
    if (status !== ErrorCode.Ok) return err(status);
    return ok(log);
  }

  /** Attach the owner that evacuates blocks during cleaning. */
  attach(owner: RecordOwner): void {
    this.owner_ = owner;
  }

  // ------------------------------------------------------------------ mount

  private mount_(): Status {
    const sb = this.super_;
    const loaded = sb.load();
    if (loaded !== ErrorCode.Ok) return loaded;
    const scanned = this.scanHeaders_(sb.found ? sb.volumeId : -1, sb.found ? sb.tailSeq : 0);
    if (scanned !== ErrorCode.Ok) return scanned;
    if (!sb.found) {
      // Unreadable blocks may hold records of a volume whose superblock is gone: look before formatting over it.
      const audited = this.auditHidden_();
      return audited === ErrorCode.Ok ? this.formatVolume_() : audited;
    }
    this.nextSegmentSeq_ = this.tailSeq_;
    for (let i = 0; i < this.ringCount_; i++) {
      const block = this.ringAt_(i);
      const end = this.replaySegment_(block);
      if (end < 0) return -end as Status;
      this.report.segmentsReplayed++;
      this.nextSegmentSeq_ = ((this.blockWords_[block] ?? 0) + 1) >>> 0;
      if (i === this.ringCount_ - 1) {
        const headStatus = this.adoptHead_(block, end);
        if (headStatus !== ErrorCode.Ok) return headStatus;
      }
    }
    return this.auditHidden_();
  }

  /**
   * Bound the acknowledged records mount did not read (MountReport
   * `hiddenRecordsBound`): gaps in the record sequence (replayRecord_), the
   * head's unread tail (adoptHead_), segments missing from the sequence,
   * and blocks outside the live segments
   * that hold records newer than any replayed. The newest segment is the one
   * whose loss leaves no gap: its block is the next free one after the head
   * (openSegment_), or it shows as a foreign block if its header is
   * unreadable. Such blocks are kept (retired until the next mount), so the
   * evidence outlives this boot.
   */
  private auditHidden_(): Status {
    const report = this.report;
    if (report.lostSegments > 0 || report.anomalies > 0) report.hide(HIDDEN_RECORDS_UNBOUNDED);
    const n = this.blockCount_;
    let candidate = this.headBlock_;
    for (let tries = 0; tries < n - SUPER_BLOCK_COUNT; tries++) {
      candidate = candidate + 1 >= n ? SUPER_BLOCK_COUNT : candidate + 1;
      if (this.blockWords_[3 * n + candidate] === BlockState.Free) break;
    }
    const buf = this.readBuf_;
    const headFull = this.headBlock_ < SUPER_BLOCK_COUNT || !this.headWritable_ || this.headOffset_ + this.recordMax_ > this.blockSize_;
    for (let block = SUPER_BLOCK_COUNT; block < n; block++) {
      if (this.blockWords_[3 * n + block] !== BlockState.Free) continue;
      const status = this.io_.read(block, 0, buf, 0, SEGMENT_HEADER_BYTES);
      if (status !== ErrorCode.Ok) return status;
      const erasedHeader = isErased(buf, 0, SEGMENT_HEADER_BYTES);
      // A valid header outside the ring is an older segment (stale); only the candidate or an unreadable header may hide
      // the newest. The log opens the candidate only when the head cannot take a record (openSegment_ via ensureRoom_),
      // so while the head still has room for the largest one, an erased-looking candidate hides nothing: not read.
      if (erasedHeader ? block !== candidate || !headFull : this.io_.readChecked(block, 0, buf, SEGMENT_HEADER_BYTES - 4) === ErrorCode.Ok) continue;
      const newer = this.holdsNewerRecord_(block);
      if (newer < 0) return -newer as Status;
      // (2: written, but nothing readable: an erase cut short by power loss, or a segment whose header and every record
      // were damaged. Not counted: power loss during an erase is common, that much damage at once is not; README
      // "Link security" lists it among the residual risks.)
      if (newer === 1) {
        report.hide(HIDDEN_RECORDS_UNBOUNDED);
        this.blockWords_[3 * n + block] = BlockState.Bad;
        this.badBlocks_++;
      }
    }
    return ErrorCode.Ok;
  }

  /**
   * The offset of the first record at or after `from` in `block` that reads
   * valid (CRC) with a seq after the last one replayed, 0 if there is none,
   * or a negated device error. Used after a garbage header, which hides
   * where the next record starts.
   */
  private resync_(block: number, from: number): number {
    const buf = this.readBuf_;
    const view = this.view_;
    const limit = this.blockSize_ - RECORD_HEADER_BYTES - RECORD_CRC_BYTES;
    for (let offset = from; offset <= limit; offset += this.io_.alignBytes) {
      const status = this.io_.read(block, offset, buf, 0, RECORD_HEADER_BYTES);
      if (status !== ErrorCode.Ok) return -status;
      if (decodeRecordHeader(buf, 0, this.payloadMax_, view) !== HeaderState.Valid) continue;
      const state = this.readRecord_(block, offset, buf, view);
      if (state < 0) return state;
      if (state === HeaderState.Valid && (!this.replaySeqKnown_ || (serialAtOrAfter(view.seq, this.nextRecordSeq_) && ((view.seq - this.nextRecordSeq_) >>> 0) < SEQ_WINDOW))) return offset;
    }
    return 0;
  }

  /**
   * How many acknowledged records the unread bytes [from, to) after the
   * newest record read may have held: one when a single record's header
   * there covers them, otherwise as many smallest records as fit whole (a
   * write torn by power loss was never acknowledged, so a partial record
   * does not count), and at least one.
   */
  private tailRecords_(block: number, from: number, to: number): number {
    if (to <= from) return 0;
    const buf = this.readBuf_;
    // Read again on a bad header: a read flip must not make one record look like several.
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      if (this.io_.read(block, from, buf, 0, RECORD_HEADER_BYTES) !== ErrorCode.Ok) break;
      if (decodeRecordHeader(buf, 0, this.payloadMax_, this.view_) !== HeaderState.Valid) continue;
      if (from + recordBytes(this.view_.payloadBytes, this.io_.alignBytes) >= to) return 1;
      break;
    }
    return Math.max(1, Math.floor((to - from) / recordBytes(0, this.io_.alignBytes)));
  }

  /** `count` records at `offset` of `block` could not be read: in the report's total and in the block's spots. */
  private noteHidden_(block: number, offset: number, count: number): void {
    const n = this.blockCount_;
    const words = this.blockWords_;
    const word = words[ROW_SPOTS * n + block] ?? 0;
    const before = word % SPOT_SHIFT;
    const last = Math.floor(word / SPOT_SHIFT);
    const total = before + count;
    // Past what the row holds, no bound: hiddenAfter then answers from the report's total, which saturates the same way.
    if (total > SPOT_COUNT_MAX) this.report.hide(HIDDEN_RECORDS_UNBOUNDED);
    words[ROW_SPOTS * n + block] = (before === 0 || offset > last ? offset : last) * SPOT_SHIFT + Math.min(total, SPOT_COUNT_MAX);
    this.report.hide(count);
  }

  /**
   * At most how many acknowledged records mount could not read that are
   * newer than the record at `address` (NO_ADDRESS: than nothing, so all of
   * them): the unreadable spots of later segments, and of the same segment
   * after it. Records a cleaning moved since mount count as where they
   * were: only spots found at mount are known. HIDDEN_RECORDS_UNBOUNDED when
   * mount found losses it cannot place (MountReport `hiddenRecordsBound`).
   */
  hiddenAfter(address: number): number {
    const total = this.report.hiddenRecordsBound;
    if (total === 0 || total === HIDDEN_RECORDS_UNBOUNDED || address === NO_ADDRESS) return total;
    const n = this.blockCount_;
    const words = this.blockWords_;
    const block = Math.floor(address / this.blockSize_);
    const offset = address - block * this.blockSize_;
    const seq = words[block] ?? 0;
    let hidden = 0;
    for (let i = 0; i < this.ringCount_; i++) {
      const b = this.ringAt_(i);
      const word = words[ROW_SPOTS * n + b] ?? 0;
      const count = word % SPOT_SHIFT;
      if (count === 0) continue;
      if (b === block) {
        // Spots after the record: all of them unless every one is before it (the last spot's offset is below it).
        if (Math.floor(word / SPOT_SHIFT) > offset) hidden += count;
      } else if (serialAtOrAfter(words[b] ?? 0, seq)) {
        hidden += count;
      }
    }
    return hidden;
  }

  /**
   * 1 if `block` holds a CRC-valid record newer than every record replayed
   * (any valid record, when none was replayed), 0 if it holds nothing after
   * its header, 2 if it holds bytes but no such record, or a negated device
   * error. An erased block is answered with a few reads; otherwise
   * every aligned offset is tried (resync_; rare: only a torn erase or a
   * lost header leads here).
   */
  private holdsNewerRecord_(block: number): number {
    const dirtyEnd = this.dirtyEnd_(block, SEGMENT_HEADER_BYTES);
    if (dirtyEnd <= SEGMENT_HEADER_BYTES) return dirtyEnd < 0 ? dirtyEnd : 0;
    // The same search that resynchronises replay after a garbage header.
    const found = this.resync_(block, this.headerBytes_);
    return found < 0 ? found : found > 0 ? 1 : 2;
  }

  /**
   * One past the last non-erased byte of `block` at or after `from` (`from`
   * when all erased), or a negated device error. A chunk counts as erased if
   * any of READ_ATTEMPTS reads shows it all 0xFF (a read flip is transient;
   * programmed bytes read the same every time).
   */
  private dirtyEnd_(block: number, from: number): number {
    const buf = this.readBuf_;
    for (let end = this.blockSize_; end > from; ) {
      const length = Math.min(buf.length, end - from);
      const start = end - length;
      let last = -1;
      for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
        if (attempt > 0) this.io_.noteRetry();
        const status = this.io_.read(block, start, buf, 0, length);
        if (status !== ErrorCode.Ok) return -status;
        last = -1;
        for (let i = length - 1; i >= 0 && last < 0; i--) if (buf[i] !== 0xff) last = i;
        if (last < 0) break;
      }
      if (last >= 0) return start + last + 1;
      end = start;
    }
    return from;
  }

  /**
   * Read every data block's header: erase counts, volume ids, and the live
   * segments in order. The tail is the later of the superblock's and the
   * newest segment's `tailAtOpen`: blocks are erased for reuse only after the
   * tail passed them, and the newest header was written after that, so a
   * superblock record lost to corruption (mount then reads an older one)
   * cannot bring back segments whose blocks were reused since.
   */
  private scanHeaders_(volumeId: number, superTail: number): Status {
    const buf = this.readBuf_;
    const io = this.io_;
    let maxVolume = this.super_.maxVolumeSeen;
    let newestSeq = superTail;
    let tail = superTail;
    const words = this.blockWords_; // seq per candidate block at [block]
    const n = this.blockCount_; // scratch until replay: tailAtOpen per candidate block at [n + block], where live bytes go later
    for (let block = SUPER_BLOCK_COUNT; block < this.blockCount_; block++) {
      const status = io.read(block, 0, buf, 0, SEGMENT_HEADER_BYTES);
      if (status !== ErrorCode.Ok) return status;
      if (isErased(buf, 0, SEGMENT_HEADER_BYTES)) continue;
      const checked = io.readChecked(block, 0, buf, SEGMENT_HEADER_BYTES - 4);
      if (checked !== ErrorCode.Ok && checked !== ErrorCode.Corrupt) return checked;
      if (checked === ErrorCode.Corrupt || readU32(buf, 0) !== SEGMENT_MAGIC) {
        this.report.foreignBlocks++;
        continue;
      }
      const blockVolume = readU32(buf, 4);
      const seq = readU32(buf, 8);
      io.eraseCounts[block] = readU32(buf, 12);
      if (blockVolume > maxVolume) maxVolume = blockVolume;
      if (volumeId < 0) continue;
      if (blockVolume !== volumeId || !serialAtOrAfter(seq, superTail) || ((seq - superTail) >>> 0) >= SEQ_WINDOW) {
        this.report.staleSegments++;
        continue;
      }
      this.blockWords_[3 * this.blockCount_ + block] = BlockState.Live; // candidate, decided below
      words[block] = seq;
      words[n + block] = readU32(buf, 16);
      if (serialAtOrAfter(seq, newestSeq)) {
        newestSeq = seq;
        tail = serialAtOrAfter(words[n + block] ?? 0, superTail) ? (words[n + block] ?? 0) : superTail;
      }
    }
    this.maxVolumeSeen_ = maxVolume;
    this.tailSeq_ = tail;
    // Live: this volume, seq in [tail, tail + dataBlocks). Anything else is garbage.
    for (let block = SUPER_BLOCK_COUNT; block < this.blockCount_; block++) {
      if (this.blockWords_[3 * this.blockCount_ + block] !== BlockState.Live) continue;
      this.blockWords_[3 * this.blockCount_ + block] = BlockState.Free;
      words[n + block] = 0;
      const seq = words[block] ?? 0;
      if (!serialAtOrAfter(seq, tail) || ((seq - tail) >>> 0) >= (this.blockCount_ - SUPER_BLOCK_COUNT)) {
        this.report.staleSegments++;
        continue;
      }
      if (!this.insertLive_(block, seq)) this.report.anomalies++;
    }
    if (this.ringCount_ > 0) {
      const last = this.blockWords_[this.ringAt_(this.ringCount_ - 1)] ?? 0;
      this.report.lostSegments = ((last - tail + 1) >>> 0) - this.ringCount_;
    }
    return ErrorCode.Ok;
  }

  // Insert into the (not yet wrapped) ring, sorted by serial seq; false on a duplicate seq.
  private insertLive_(block: number, seq: number): boolean {
    const words = this.blockWords_;
    const ring = 2 * this.blockCount_;
    let at = this.ringCount_;
    for (; at > 0; at--) {
      const prevSeq = words[words[ring + at - 1] ?? 0] ?? 0;
      if (prevSeq === seq) return false;
      if (serialAtOrAfter(seq, prevSeq)) break;
    }
    words.copyWithin(ring + at + 1, ring + at, ring + this.ringCount_);
    words[ring + at] = block;
    this.blockWords_[block] = seq;
    this.blockWords_[3 * this.blockCount_ + block] = BlockState.Live;
    this.ringCount_++;
    return true;
  }

  private formatVolume_(): Status {
    this.report.formatted = true;
    this.report.foreign = this.report.foreignBlocks > 0 || this.super_.nonErasedSlots > 0 || this.maxVolumeSeen_ > 0;
    // Segments of a volume are gone from the new one: nothing read can be trusted to be the newest (auditHidden_
    // looked at unreadable blocks). A superblock slot alone (a format torn by power loss) held no records.
    if (this.maxVolumeSeen_ > 0) this.report.hide(HIDDEN_RECORDS_UNBOUNDED);
    // A volume id above every id on the partition, so old segments never match (0 and 0xFFFFFFFF avoided).
    let volumeId = (this.maxVolumeSeen_ + 1) >>> 0;
    if (volumeId === 0 || volumeId === 0xffffffff) volumeId = 1;
    this.nextSegmentSeq_ = 1;
    this.tailSeq_ = 1;
    const status = this.super_.format(volumeId, 1);
    return status === ErrorCode.Ok ? status : this.fail_(status);
  }

  /**
   * Replay one segment's records into the owner. Returns the offset where its
   * records end (at erased flash or at garbage), or a negated device error.
   */
  private replaySegment_(block: number): number {
    const buf = this.readBuf_;
    const view = this.view_;
    const base = block * this.blockSize_;
    let offset = this.headerBytes_;
    const limit = this.blockSize_ - RECORD_HEADER_BYTES - RECORD_CRC_BYTES;
    this.unreadFrom_ = -1;
    for (let step = 0; step <= this.blockSize_ && offset <= limit; step++) {
      const state = this.readRecord_(block, offset, buf, view);
      if (state < 0) return state;
      if (state === HeaderState.Erased) return offset;
      if (state === HeaderState.Zero) {
        offset += this.zeroUnit_;
        continue;
      }
      if (state === HeaderState.Valid) {
        view.address = base + offset;
        this.replayRecord_(view, buf, block, offset);
        this.unreadFrom_ = -1;
        offset += view.sizeBytes;
        continue;
      }
      if (this.unreadFrom_ < 0) this.unreadFrom_ = offset;
      if (state === HeaderState.Corrupt) {
        this.report.crcFailures++;
        offset += view.sizeBytes;
        continue;
      }
      // Garbage: nothing locates the next record but a search for one (its seq then tells what was skipped).
      this.report.garbageHeaders++;
      const next = this.resync_(block, offset + this.io_.alignBytes);
      if (next < 0) return next;
      if (next === 0) return offset;
      offset = next;
    }
    // Past the last offset a record fits at, only zero fill can remain (a torn write cleared at an earlier mount).
    for (; offset + this.zeroUnit_ <= this.blockSize_; offset += this.zeroUnit_) {
      const status = this.io_.read(block, offset, buf, 0, this.zeroUnit_);
      if (status !== ErrorCode.Ok) return -status;
      let zero = true;
      for (let i = 0; i < this.zeroUnit_ && zero; i++) zero = buf[i] === 0;
      if (!zero) break;
    }
    return offset;
  }

  private replayRecord_(view: RecordView, buf: Uint8Array, block: number, offset: number): void {
    // Records are appended in seq order; one that is not newer is foreign or corrupt.
    if (this.replaySeqKnown_ && !serialAtOrAfter(view.seq, this.nextRecordSeq_)) {
      this.report.anomalies++;
      return;
    }
    // Every acknowledged record took the next seq (a write torn by power loss gives its seq to the next one), so a
    // gap is exactly the acknowledged records between the last one read and this one that could not be read.
    if (this.replaySeqKnown_ && view.seq !== this.nextRecordSeq_) this.noteHidden_(block, offset - 1, (view.seq - this.nextRecordSeq_) >>> 0);
    this.replaySeqKnown_ = true;
    this.nextRecordSeq_ = (view.seq + 1) >>> 0;
    this.report.recordsReplayed++;
    this.owner_?.replay(view, buf);
  }

  /**
   * Read the record at `offset` into `buf` and decode its header into `view`
   * from the SAME bytes the CRC was checked on (a flip in an earlier read
   * must not leak into the fields). Each attempt reads the header, then the
   * whole record; up to READ_ATTEMPTS attempts. Returns a HeaderState
   * (Valid = CRC ok, Corrupt = plausible header, CRC never matched) or a
   * negated device error.
   */
  private readRecord_(block: number, offset: number, buf: Uint8Array, view: RecordView): number {
    const io = this.io_;
    let state: HeaderState = HeaderState.Garbage;
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      if (attempt > 0) io.noteRetry();
      const status = io.read(block, offset, buf, 0, RECORD_HEADER_BYTES);
      if (status !== ErrorCode.Ok) return -status;
      if (readU32(buf, 0) === 0) return HeaderState.Zero;
      const header = decodeRecordHeader(buf, 0, this.payloadMax_, view);
      if (header === HeaderState.Erased) return header;
      if (header !== HeaderState.Valid) continue;
      const body = RECORD_HEADER_BYTES + view.payloadBytes;
      view.sizeBytes = recordBytes(view.payloadBytes, io.alignBytes);
      if (offset + view.sizeBytes > this.blockSize_) continue;
      const whole = io.read(block, offset, buf, 0, body + RECORD_CRC_BYTES);
      if (whole !== ErrorCode.Ok) return -whole;
      if (decodeRecordHeader(buf, 0, this.payloadMax_, view) === HeaderState.Valid && io.crcMatches(buf, body)) {
        view.sizeBytes = recordBytes(view.payloadBytes, io.alignBytes);
        return HeaderState.Valid;
      }
      state = HeaderState.Corrupt;
    }
    if (state === HeaderState.Corrupt) io.noteCrcFailure();
    return state;
  }

  /**
   * The last live segment becomes the head. Appending resumes at `end`, or,
   * if bytes after `end` are not erased (a torn write), after zero-filling
   * them up to the last non-erased byte.
   */
  private adoptHead_(block: number, end: number): Status {
    this.headBlock_ = block;
    this.headOffset_ = end;
    this.headWritable_ = false;
    const dirtyEnd = this.dirtyEnd_(block, end); // one past the last non-erased byte
    if (dirtyEnd < 0) return -dirtyEnd as Status;
    const from = this.unreadFrom_ >= 0 ? this.unreadFrom_ : end;
    if (dirtyEnd <= from) {
      this.headWritable_ = end < this.blockSize_;
      return ErrorCode.Ok;
    }
    this.report.tornTail = true;
    const tail = this.tailRecords_(block, from, dirtyEnd);
    this.noteHidden_(block, from, tail);
    if (this.report.hiddenRecordsBound > 1) {
      // More than one record may be missing: keep the bytes (the evidence every later mount must see) and start a new segment.
      this.seal_();
      return ErrorCode.Ok;
    }
    // One record at most, this tail (a write torn by power loss, or the newest record corrupted): counted by this mount,
    // then cleared, so a power loss costs one record's space and is not counted again at every later mount.
    const fillEnd = from + alignUp(dirtyEnd - from, this.zeroUnit_);
    const filled = this.zeroFill_(block, from, fillEnd);
    if (filled === ErrorCode.ProgramFailed || filled === ErrorCode.NotErased) {
      this.seal_();
      return ErrorCode.Ok;
    }
    if (filled !== ErrorCode.Ok) return filled;
    this.headOffset_ = fillEnd;
    this.headWritable_ = fillEnd < this.blockSize_;
    return ErrorCode.Ok;
  }

  // Program 0x00 over [from, to) of `block` (both multiples of the zero unit from the record start).
  private zeroFill_(block: number, from: number, to: number): Status {
    const zeros = this.zeroBuf_;
    for (let offset = from; offset < to; offset += zeros.length) {
      const length = Math.min(zeros.length, to - offset);
      const status = this.io_.program(block, offset, zeros, 0, length);
      if (status !== ErrorCode.Ok) return status;
    }
    this.zeroFills_++;
    return ErrorCode.Ok;
  }

  // ------------------------------------------------------------------ append

  /**
   * Append one record; return its address once it is programmed and
   * verified, or a negated error code. May clean old segments first (only
   * outside cleaning). On error the record is not acknowledged; it may still
   * survive a reboot, exactly like a write cut by power loss.
   */
  append(
    type: RecordType,
    key: number,
    index: number,
    term: number,
    payload: Uint8Array,
    payloadOffset: number,
    payloadBytes: number,
  ): number {
    if (this.failed_ !== ErrorCode.Ok) return -this.refusal_();
    if (!isIntIn(payloadBytes, 0, this.payloadMax_) || payloadOffset < 0 || payloadOffset + payloadBytes > payload.length) {
      return -ErrorCode.TooLarge;
    }
    // Cleaning appends may run inside a user append: they use their own buffer.
    const buf = this.cleaning_ ? this.relocBuf_ : this.writeBuf_;
    const size = recordBytes(payloadBytes, this.io_.alignBytes);
    const room = this.ensureRoom_(size);
    if (room !== ErrorCode.Ok) return -room;
    encodeRecordHeader(buf, type, key, payloadBytes, 0, index, term);
    for (let i = 0; i < payloadBytes; i++) buf[RECORD_HEADER_BYTES + i] = payload[payloadOffset + i] ?? 0;
    // A tail call: XS reuses this frame, and appends sit twice on the deepest JS stack the agent reaches
    // (a counter reservation inside a frame seal that cleans, and the evacuating appends inside it).
    return this.programRecord_(buf, payloadBytes, size);
  }

  /**
   * Make room at the head for a record of `payloadBytes` (cleaning old
   * segments if needed), as `append` would first: Ok, NotMounted, TooLarge,
   * StorageFull or a device failure. An owner whose appends sit on a deep
   * call path calls this first, so the cleaning (and the evacuating appends
   * inside it) runs one frame lower: the append that follows finds its room.
   */
  makeRoom(payloadBytes: number): Status {
    if (this.failed_ !== ErrorCode.Ok) return this.refusal_();
    if (!isIntIn(payloadBytes, 0, this.payloadMax_)) return ErrorCode.TooLarge;
    return this.ensureRoom_(recordBytes(payloadBytes, this.io_.alignBytes));
  }

  /**
   * Stamp seq, CRC and padding into `buf` (header and payload in place, room
   * ensured) and program it at the head. A program that leaves unknown bytes
   * seals the head; the record is then tried once more in a new segment.
   */
  private programRecord_(buf: Uint8Array, payloadBytes: number, size: number): number {
    const crcAt = RECORD_HEADER_BYTES + payloadBytes;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) {
        const room = this.ensureRoom_(size);
        if (room !== ErrorCode.Ok) return -room;
      }
      writeU32(buf, 8, this.nextRecordSeq_);
      this.nextRecordSeq_ = (this.nextRecordSeq_ + 1) >>> 0;
      writeU32(buf, crcAt, this.crc_.checksum(buf, 0, crcAt));
      buf.fill(0xff, crcAt + RECORD_CRC_BYTES, size);
      const status = this.io_.program(this.headBlock_, this.headOffset_, buf, 0, size);
      if (status === ErrorCode.Ok) return this.programmed_(size);
      if (status !== ErrorCode.ProgramFailed && status !== ErrorCode.NotErased) return -this.fail_(status);
      // Unknown bytes at the head: never program after them.
      this.seal_();
    }
    return -ErrorCode.ProgramFailed;
  }

  // The record of `size` bytes at the head is on flash: account for it and return its address.
  private programmed_(size: number): number {
    const block = this.headBlock_;
    const offset = this.headOffset_;
    this.headOffset_ = offset + size;
    this.blockWords_[this.blockCount_ + block] = (this.blockWords_[this.blockCount_ + block] ?? 0) + size;
    this.liveTotal_ += size;
    this.recordsAppended_++;
    if (this.cleaning_) this.recordsRelocated_++;
    return block * this.blockSize_ + offset;
  }

  private seal_(): void {
    this.headWritable_ = false;
    this.sealedHeads_++;
  }

  /**
   * Refuse every write from now on (StoreFrozen) and keep reading: nothing
   * is appended, cleaned or erased, so the flash keeps whatever mount found
   * (the evidence behind `report.hiddenRecordsBound`) for every later mount.
   */
  freeze(): void {
    if (this.failed_ === ErrorCode.Ok) this.failed_ = ErrorCode.StoreFrozen;
  }

  // What a write answers once the log stopped: StoreFrozen, or NotMounted after a device failure.
  private refusal_(): Status {
    return this.failed_ === ErrorCode.StoreFrozen ? ErrorCode.StoreFrozen : ErrorCode.NotMounted;
  }

  private fail_(status: Status): Status {
    if (this.failed_ === ErrorCode.Ok) this.failed_ = status;
    return status;
  }

  /** After replay: forget all live accounting (the owner then marks what it kept). */
  resetLive(): void {
    this.blockWords_.fill(0, this.blockCount_, 2 * this.blockCount_);
    this.liveTotal_ = 0;
  }

  /** After replay: the record at `address` is still needed. */
  markLive(address: number, payloadBytes: number): void {
    if (address === NO_ADDRESS) return;
    const block = Math.floor(address / this.blockSize_);
    const size = recordBytes(payloadBytes, this.io_.alignBytes);
    this.blockWords_[this.blockCount_ + block] = (this.blockWords_[this.blockCount_ + block] ?? 0) + size;
    this.liveTotal_ += size;
  }

  /** The record at `address` (with `payloadBytes` of payload) is no longer needed. */
  release(address: number, payloadBytes: number): void {
    if (address === NO_ADDRESS) return;
    const block = Math.floor(address / this.blockSize_);
    const size = recordBytes(payloadBytes, this.io_.alignBytes);
    const live = this.blockWords_[this.blockCount_ + block] ?? 0;
    const taken = live < size ? live : size;
    if (live < size) this.accountingDrift_++;
    this.blockWords_[this.blockCount_ + block] = live - taken;
    this.liveTotal_ -= taken;
  }

  /**
   * Make room for `size` bytes at the head. Cleaning appends use the head or
   * any free block. User appends first clean until RESERVE_BLOCKS blocks are
   * free (finishing a cleaning a power loss cut short), then use the head or
   * open a segment only if that still leaves the reserve.
   */
  private ensureRoom_(size: number): Status {
    if (this.cleaning_) return this.headWritable_ && this.headOffset_ + size <= this.blockSize_ ? ErrorCode.Ok : this.openSegment_();
    // Each round cleans one segment or opens one; a full lap compacts everything (module comment).
    for (let round = 0; round <= (this.blockCount_ - SUPER_BLOCK_COUNT) + 1; round++) {
      const free = this.freeBlocks_();
      if (free >= RESERVE_BLOCKS && this.headWritable_ && this.headOffset_ + size <= this.blockSize_) return ErrorCode.Ok;
      let status: Status = ErrorCode.StorageFull;
      if (free >= RESERVE_BLOCKS + 1) {
        status = this.openSegment_();
        if (status !== ErrorCode.StorageFull) return status;
        continue;
      }
      if (this.ringCount_ <= 1) return status;
      status = this.cleanTail_();
      if (status !== ErrorCode.Ok) return status;
    }
    return ErrorCode.StorageFull;
  }

  private freeBlocks_(): number {
    return (this.blockCount_ - SUPER_BLOCK_COUNT) - this.ringCount_ - this.badBlocks_;
  }

  // Erase the next free block after the head and start a segment there. Ok, StorageFull or a device failure.
  // Erase and header program are called from here, not from a helper: this sits on the deepest JS stack the
  // agent reaches (a counter reservation inside a frame seal that cleans, evacuates and opens a segment).
  private openSegment_(): Status {
    let block = this.headBlock_ >= SUPER_BLOCK_COUNT ? this.headBlock_ : this.blockCount_ - 1;
    for (let tries = 0; tries < (this.blockCount_ - SUPER_BLOCK_COUNT); tries++) {
      block = block + 1 >= this.blockCount_ ? SUPER_BLOCK_COUNT : block + 1;
      if (this.blockWords_[3 * this.blockCount_ + block] !== BlockState.Free) continue;
      let status = this.io_.erase(block);
      if (status === ErrorCode.Ok) status = this.io_.program(block, 0, this.segmentHeader_(block), 0, this.headerBytes_);
      if (status === ErrorCode.Ok) {
        this.adoptSegment_(block);
        return ErrorCode.Ok;
      }
      if (status !== ErrorCode.EraseFailed && status !== ErrorCode.ProgramFailed && status !== ErrorCode.NotErased) {
        return this.fail_(status);
      }
      // Worn out: retired until the next mount (it is tried again then, and fails again).
      this.blockWords_[3 * this.blockCount_ + block] = BlockState.Bad;
      this.badBlocks_++;
    }
    return ErrorCode.StorageFull;
  }

  // The header of a new segment in `block` (just erased), in the header buffer.
  private segmentHeader_(block: number): Uint8Array {
    const header = this.headerBuf_;
    header.fill(0xff);
    writeU32(header, 0, SEGMENT_MAGIC);
    writeU32(header, 4, this.super_.volumeId);
    writeU32(header, 8, this.nextSegmentSeq_);
    writeU32(header, 12, this.io_.eraseCounts[block] ?? 0);
    writeU32(header, 16, this.tailSeq_);
    writeU32(header, 20, this.crc_.checksum(header, 0, 20));
    return header;
  }

  // The segment in `block` is on flash: it becomes the head, the newest in the ring.
  private adoptSegment_(block: number): void {
    const seq = this.nextSegmentSeq_;
    this.nextSegmentSeq_ = (seq + 1) >>> 0;
    this.blockWords_[3 * this.blockCount_ + block] = BlockState.Live;
    this.blockWords_[block] = seq;
    this.blockWords_[this.blockCount_ + block] = 0;
    this.blockWords_[ROW_SPOTS * this.blockCount_ + block] = 0;
    this.blockWords_[2 * this.blockCount_ + ((this.ringFirst_ + this.ringCount_) % this.blockCount_)] = block;
    this.ringCount_++;
    this.headBlock_ = block;
    this.headOffset_ = this.headerBytes_;
    this.headWritable_ = true;
  }

  private ringAt_(i: number): number {
    return this.blockWords_[2 * this.blockCount_ + ((this.ringFirst_ + i) % this.blockCount_)] ?? 0;
  }

  // ------------------------------------------------------------------ cleaning

  // Evacuate the tail segment to the head, persist the new tail, free the block.
  // (Few locals, and the rest in a tail call: cleaning sits on the deepest JS stack the agent reaches.)
  private cleanTail_(): Status {
    const tail = this.ringAt_(0);
    const owner = this.owner_;
    if (this.ringCount_ <= 1 || tail === this.headBlock_ || owner === undefined) return ErrorCode.StorageFull;
    this.cleaning_ = true;
    const evacuated = owner.evacuate(tail, tail * this.blockSize_, (tail + 1) * this.blockSize_);
    this.cleaning_ = false;
    if (this.failed_ !== ErrorCode.Ok) return this.failed_;
    if (evacuated !== ErrorCode.Ok) return evacuated;
    return this.retireTail_(tail);
  }

  // The tail segment is evacuated: persist the new tail, then free its block.
  private retireTail_(tail: number): Status {
    const left = this.blockWords_[this.blockCount_ + tail] ?? 0;
    if (left !== 0) {
      this.accountingDrift_++;
      this.liveTotal_ -= left;
      this.blockWords_[this.blockCount_ + tail] = 0;
    }
    // Durable before the block may be erased: segments older than the tail are garbage.
    const newTail = ((this.blockWords_[tail] ?? 0) + 1) >>> 0;
    const written = this.super_.write(newTail);
    if (written === ErrorCode.EraseFailed || written === ErrorCode.ProgramFailed || written === ErrorCode.NotErased) return written;
    if (written !== ErrorCode.Ok) return this.fail_(written);
    this.tailSeq_ = newTail;
    this.blockWords_[3 * this.blockCount_ + tail] = BlockState.Free;
    this.ringFirst_ = (this.ringFirst_ + 1) % this.blockCount_;
    this.ringCount_--;
    this.segmentsCleaned_++;
    return ErrorCode.Ok;
  }

  /**
   * Compaction: clean every segment older than the current head, so the
   * live records end up together in the newest blocks (segments written by
   * this compaction are not cleaned again). Crash-safe like any cleaning.
   * Returns the number of segments cleaned, or a negated error code.
   */
  compact(): number {
    if (this.failed_ !== ErrorCode.Ok) return -this.refusal_();
    if (this.ringCount_ <= 1) return 0;
    const headSeq = this.blockWords_[this.headBlock_] ?? 0;
    let cleaned = 0;
    for (let i = 0; i < (this.blockCount_ - SUPER_BLOCK_COUNT) && this.ringCount_ > 1; i++) {
      if (serialAtOrAfter(this.blockWords_[this.ringAt_(0)] ?? 0, headSeq)) break;
      const status = this.cleanTail_();
      if (status !== ErrorCode.Ok) return -status;
      cleaned++;
    }
    return cleaned;
  }

  // ------------------------------------------------------------------ reads

  /**
   * Read the record at `address` (CRC-checked, re-read on mismatch) and copy
   * its payload to `out[outOffset ..]`. Returns the payload length or a
   * negated code: `Corrupt`, `TooLarge` (does not fit in `out`), a device
   * error. The type and index must match, guarding against a stale address.
   */
  readPayload(address: number, expectedType: RecordType, expectedIndex: number, out: Uint8Array, outOffset: number): number {
    if (this.failed_ !== ErrorCode.Ok && this.failed_ !== ErrorCode.StoreFrozen) return -ErrorCode.NotMounted;
    const block = Math.floor(address / this.blockSize_);
    const offset = address - block * this.blockSize_;
    const view = this.view_;
    const buf = this.readBuf_;
    const state = this.readRecord_(block, offset, buf, view);
    if (state < 0) return state;
    if (state !== HeaderState.Valid) return this.corruptRead_();
    if (view.type !== expectedType || view.index !== expectedIndex) return this.corruptRead_();
    if (outOffset < 0 || outOffset + view.payloadBytes > out.length) return -ErrorCode.TooLarge;
    for (let i = 0; i < view.payloadBytes; i++) out[outOffset + i] = buf[RECORD_HEADER_BYTES + i] ?? 0;
    return view.payloadBytes;
  }

  private corruptRead_(): number {
    this.readCorrupt_++;
    return -ErrorCode.Corrupt;
  }

  // ------------------------------------------------------------------ status

  /** Is `address` inside the written part of a live segment? (for invariant checks) */
  isLiveAddress(address: number): boolean {
    if (address === NO_ADDRESS) return false;
    const block = Math.floor(address / this.blockSize_);
    const offset = address - block * this.blockSize_;
    if (this.blockWords_[3 * this.blockCount_ + block] !== BlockState.Live || offset < this.headerBytes_) return false;
    return block !== this.headBlock_ || offset < this.headOffset_;
  }

  /** `Ok`, StoreFrozen (`freeze`), or the device error that stopped the log (then every call answers `NotMounted`). */
  get failure(): Status {
    return this.failed_;
  }

  get payloadMaxBytes(): number {
    return this.payloadMax_;
  }

  /** Bytes on flash of a record with this payload length. */
  recordBytes(payloadBytes: number): number {
    return recordBytes(payloadBytes, this.io_.alignBytes);
  }

  /** Bytes of records the owner still needs. */
  get liveBytes(): number {
    return this.liveTotal_;
  }

  /** Live bytes the partition is guaranteed to hold with the blocks still good (module comment). */
  get capacityBytes(): number {
    const good = (this.blockCount_ - SUPER_BLOCK_COUNT) - this.badBlocks_;
    const perBlock = this.blockSize_ - this.headerBytes_ - this.recordMax_;
    return good > RESERVE_BLOCKS + 2 ? (good - RESERVE_BLOCKS - 2) * perBlock : 0;
  }

  get blockCount(): number {
    return this.blockCount_;
  }

  get blockSizeBytes(): number {
    return this.blockSize_;
  }

  /** Erases of `block`: persisted in block headers, so a lower bound across reboots. */
  eraseCount(block: number): number {
    return this.io_.eraseCounts[block] ?? 0;
  }

  get badBlocks(): number {
    return this.badBlocks_;
  }

  get liveSegments(): number {
    return this.ringCount_;
  }

  get recordsAppended(): number {
    return this.recordsAppended_;
  }

  get recordsRelocated(): number {
    return this.recordsRelocated_;
  }

  get segmentsCleaned(): number {
    return this.segmentsCleaned_;
  }

  /** Heads abandoned after a failed program (never reused until cleaned). */
  get sealedHeads(): number {
    return this.sealedHeads_;
  }

  /** Torn writes zero-filled at mount. */
  get zeroFills(): number {
    return this.zeroFills_;
  }

  /** Reads after mount whose CRC or identity check failed on every attempt. */
  get readCorrupt(): number {
    return this.readCorrupt_;
  }

  /** Live-byte accounting corrections (stays 0 unless records were lost to corruption). */
  get accountingDrift(): number {
    return this.accountingDrift_;
  }

  get superblockWrites(): number {
    return this.super_.writes;
  }

  /** Device counters: bytes programmed, erases, retries, CRC failures. */
  get io(): FlashIo {
    return this.io_;
  }
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
