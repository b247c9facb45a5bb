/**
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
import { MountReport } from "./mount-report";
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

export class RecordLog {
  readonly #io: FlashIo;
  readonly #super: Superblock;
  readonly #crc: Crc32c;
  readonly #blockSize: number;
  readonly #blockCount: number;
  readonly #dataBlocks: number;
  readonly #headerBytes: number;
  readonly #payloadMax: number;
  readonly #recordMax: number;
  readonly #blockState: Uint8Array;
  readonly #blockSeq: Uint32Array;
  /** Bytes of live records per block. */
  readonly #blockLive: Uint32Array;
  /** Live segments in sequence order, as a ring of block numbers. */
  readonly #ring: Uint32Array;
  readonly #writeBuf: Uint8Array;
  readonly #relocBuf: Uint8Array;
  readonly #readBuf: Uint8Array;
  readonly #headerBuf: Uint8Array;
  readonly #zeroBuf: Uint8Array;
  readonly #zeroUnit: number;
  readonly #view = new RecordView();
  readonly report = new MountReport();
  #owner: RecordOwner | undefined;
  #ringFirst = 0;
  #ringCount = 0;
  #headBlock = -1;
  #headOffset = 0;
  #headWritable = false;
  #nextRecordSeq = 1;
  #replaySeqKnown = false;
  #nextSegmentSeq = 1;
  #tailSeq = 0;
  #maxVolumeSeen = 0;
  #liveTotal = 0;
  #badBlocks = 0;
  #cleaning = false;
  #failed: Status = ErrorCode.Ok;
  #recordsAppended = 0;
  #segmentsCleaned = 0;
  #recordsRelocated = 0;
  #sealedHeads = 0;
  #zeroFills = 0;
  #readCorrupt = 0;
  #accountingDrift = 0;

  private constructor(device: BlockDevice, payloadMaxBytes: number) {
    const align = device.programAlignBytes;
    this.#crc = Crc32c.create();
    this.#blockSize = device.blockSizeBytes;
    this.#blockCount = device.blockCount;
    this.#dataBlocks = device.blockCount - SUPER_BLOCK_COUNT;
    this.#headerBytes = alignUp(SEGMENT_HEADER_BYTES, align);
    this.#payloadMax = payloadMaxBytes;
    this.#recordMax = recordBytes(payloadMaxBytes, align);
    this.#zeroUnit = zeroUnitBytes(align);
    const zeroChunk = alignUp(64, this.#zeroUnit);
    const programMax = Math.max(this.#recordMax, this.#headerBytes, alignUp(SUPER_RECORD_BYTES, align), zeroChunk);
    this.#io = new FlashIo(device, this.#crc, programMax);
    this.#super = new Superblock(this.#io);
    // Per-block words and the byte buffers are views on one array each (every ArrayBuffer costs heap slots on XS); no two views overlap.
    const n = this.#blockCount;
    const words = new Uint32Array(3 * n);
    this.#blockSeq = words.subarray(0, n);
    this.#blockLive = words.subarray(n, 2 * n);
    this.#ring = words.subarray(2 * n, 3 * n);
    const readBytes = Math.max(this.#recordMax, SEGMENT_HEADER_BYTES + 4);
    const bytes = new ArrayBuffer(n + 2 * this.#recordMax + readBytes + this.#headerBytes + zeroChunk);
    let at = 0;
    this.#blockState = new Uint8Array(bytes, at, n);
    this.#writeBuf = new Uint8Array(bytes, (at += n), this.#recordMax);
    this.#relocBuf = new Uint8Array(bytes, (at += this.#recordMax), this.#recordMax);
    this.#readBuf = new Uint8Array(bytes, (at += this.#recordMax), readBytes);
    this.#headerBuf = new Uint8Array(bytes, (at += readBytes), this.#headerBytes);
    this.#zeroBuf = new Uint8Array(bytes, at + this.#headerBytes, zeroChunk);
    this.#blockState[0] = BlockState.Super;
    this.#blockState[1] = BlockState.Super;
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
    log.#owner = replayOwner;
    const status = log.mount_();
    log.#owner = undefined;
    if (status !== ErrorCode.Ok) return err(status);
    return ok(log);
  }

  /** Attach the owner that evacuates blocks during cleaning. */
  attach(owner: RecordOwner): void {
    this.#owner = owner;
  }

  // ------------------------------------------------------------------ mount

  private mount_(): Status {
    const sb = this.#super;
    const loaded = sb.load();
    if (loaded !== ErrorCode.Ok) return loaded;
    const scanned = this.scanHeaders_(sb.found ? sb.volumeId : -1, sb.found ? sb.tailSeq : 0);
    if (scanned !== ErrorCode.Ok) return scanned;
    if (!sb.found) return this.formatVolume_();
    this.#nextSegmentSeq = this.#tailSeq;
    for (let i = 0; i < this.#ringCount; i++) {
      const block = this.ringAt_(i);
      const end = this.replaySegment_(block);
      if (end < 0) return -end as Status;
      this.report.segmentsReplayed++;
      this.#nextSegmentSeq = ((this.#blockSeq[block] ?? 0) + 1) >>> 0;
      if (i === this.#ringCount - 1) {
        const headStatus = this.adoptHead_(block, end);
        if (headStatus !== ErrorCode.Ok) return headStatus;
      }
    }
    return ErrorCode.Ok;
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
    const buf = this.#readBuf;
    const io = this.#io;
    let maxVolume = this.#super.maxVolumeSeen;
    let newestSeq = superTail;
    let tail = superTail;
    const candidates = this.#blockSeq;
    const tails = this.#blockLive; // scratch until replay: tailAtOpen per candidate block
    for (let block = SUPER_BLOCK_COUNT; block < this.#blockCount; block++) {
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
      this.#blockState[block] = BlockState.Live; // candidate, decided below
      candidates[block] = seq;
      tails[block] = readU32(buf, 16);
      if (serialAtOrAfter(seq, newestSeq)) {
        newestSeq = seq;
        tail = serialAtOrAfter(tails[block] ?? 0, superTail) ? (tails[block] ?? 0) : superTail;
      }
    }
    this.#maxVolumeSeen = maxVolume;
    this.#tailSeq = tail;
    // Live: this volume, seq in [tail, tail + dataBlocks). Anything else is garbage.
    for (let block = SUPER_BLOCK_COUNT; block < this.#blockCount; block++) {
      if (this.#blockState[block] !== BlockState.Live) continue;
      this.#blockState[block] = BlockState.Free;
      tails[block] = 0;
      const seq = candidates[block] ?? 0;
      if (!serialAtOrAfter(seq, tail) || ((seq - tail) >>> 0) >= this.#dataBlocks) {
        this.report.staleSegments++;
        continue;
      }
      if (!this.insertLive_(block, seq)) this.report.anomalies++;
    }
    if (this.#ringCount > 0) {
      const last = this.#blockSeq[this.ringAt_(this.#ringCount - 1)] ?? 0;
      this.report.lostSegments = ((last - tail + 1) >>> 0) - this.#ringCount;
    }
    return ErrorCode.Ok;
  }

  // Insert into the (not yet wrapped) ring, sorted by serial seq; false on a duplicate seq.
  private insertLive_(block: number, seq: number): boolean {
    const ring = this.#ring;
    let at = this.#ringCount;
    for (; at > 0; at--) {
      const prevSeq = this.#blockSeq[ring[at - 1] ?? 0] ?? 0;
      if (prevSeq === seq) return false;
      if (serialAtOrAfter(seq, prevSeq)) break;
    }
    ring.copyWithin(at + 1, at, this.#ringCount);
    ring[at] = block;
    this.#blockSeq[block] = seq;
    this.#blockState[block] = BlockState.Live;
    this.#ringCount++;
    return true;
  }

  private formatVolume_(): Status {
    this.report.formatted = true;
    this.report.foreign = this.report.foreignBlocks > 0 || this.#super.nonErasedSlots > 0 || this.#maxVolumeSeen > 0;
    // A volume id above every id on the partition, so old segments never match (0 and 0xFFFFFFFF avoided).
    let volumeId = (this.#maxVolumeSeen + 1) >>> 0;
    if (volumeId === 0 || volumeId === 0xffffffff) volumeId = 1;
    this.#nextSegmentSeq = 1;
    this.#tailSeq = 1;
    const status = this.#super.format(volumeId, 1);
    return status === ErrorCode.Ok ? status : this.fail_(status);
  }

  /**
   * Replay one segment's records into the owner. Returns the offset where its
   * records end (at erased flash or at garbage), or a negated device error.
   */
  private replaySegment_(block: number): number {
    const buf = this.#readBuf;
    const view = this.#view;
    const base = block * this.#blockSize;
    let offset = this.#headerBytes;
    const limit = this.#blockSize - RECORD_HEADER_BYTES - RECORD_CRC_BYTES;
    for (let step = 0; step <= this.#blockSize && offset <= limit; step++) {
      const state = this.readRecord_(block, offset, buf, view);
      if (state < 0) return state;
      if (state === HeaderState.Erased) return offset;
      if (state === HeaderState.Garbage) {
        this.report.garbageHeaders++;
        return offset;
      }
      if (state === HeaderState.Zero) {
        offset += this.#zeroUnit;
        continue;
      }
      if (state === HeaderState.Valid) {
        view.address = base + offset;
        this.replayRecord_(view, buf);
      } else {
        this.report.crcFailures++;
      }
      offset += view.sizeBytes;
    }
    return offset;
  }

  private replayRecord_(view: RecordView, buf: Uint8Array): void {
    // Records are appended in seq order; one that is not newer is foreign or corrupt.
    if (this.#replaySeqKnown && !serialAtOrAfter(view.seq, this.#nextRecordSeq)) {
      this.report.anomalies++;
      return;
    }
    this.#replaySeqKnown = true;
    this.#nextRecordSeq = (view.seq + 1) >>> 0;
    this.report.recordsReplayed++;
    this.#owner?.replay(view, buf);
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
    const io = this.#io;
    let state: HeaderState = HeaderState.Garbage;
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      if (attempt > 0) io.noteRetry();
      const status = io.read(block, offset, buf, 0, RECORD_HEADER_BYTES);
      if (status !== ErrorCode.Ok) return -status;
      if (readU32(buf, 0) === 0) return HeaderState.Zero;
      const header = decodeRecordHeader(buf, 0, this.#payloadMax, view);
      if (header === HeaderState.Erased) return header;
      if (header !== HeaderState.Valid) continue;
      const body = RECORD_HEADER_BYTES + view.payloadBytes;
      view.sizeBytes = recordBytes(view.payloadBytes, io.alignBytes);
      if (offset + view.sizeBytes > this.#blockSize) continue;
      const whole = io.read(block, offset, buf, 0, body + RECORD_CRC_BYTES);
      if (whole !== ErrorCode.Ok) return -whole;
      if (decodeRecordHeader(buf, 0, this.#payloadMax, view) === HeaderState.Valid && io.crcMatches(buf, body)) {
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
    this.#headBlock = block;
    this.#headOffset = end;
    this.#headWritable = false;
    const buf = this.#readBuf;
    let dirtyEnd = end; // one past the last non-erased byte
    for (let offset = end; offset < this.#blockSize; offset += buf.length) {
      const length = Math.min(buf.length, this.#blockSize - offset);
      const status = this.#io.read(block, offset, buf, 0, length);
      if (status !== ErrorCode.Ok) return status;
      for (let i = length - 1; i >= 0; i--) {
        if (buf[i] !== 0xff) {
          dirtyEnd = offset + i + 1;
          break;
        }
      }
    }
    if (dirtyEnd === end) {
      this.#headWritable = end < this.#blockSize;
      return ErrorCode.Ok;
    }
    this.report.tornTail = true;
    const fillEnd = end + alignUp(dirtyEnd - end, this.#zeroUnit);
    const filled = this.zeroFill_(block, end, fillEnd);
    if (filled === ErrorCode.ProgramFailed || filled === ErrorCode.NotErased) {
      this.seal_();
      return ErrorCode.Ok;
    }
    if (filled !== ErrorCode.Ok) return filled;
    this.#headOffset = fillEnd;
    this.#headWritable = fillEnd < this.#blockSize;
    return ErrorCode.Ok;
  }

  // Program 0x00 over [from, to) of `block` (both multiples of the zero unit from the record start).
  private zeroFill_(block: number, from: number, to: number): Status {
    const zeros = this.#zeroBuf;
    for (let offset = from; offset < to; offset += zeros.length) {
      const length = Math.min(zeros.length, to - offset);
      const status = this.#io.program(block, offset, zeros, 0, length);
      if (status !== ErrorCode.Ok) return status;
    }
    this.#zeroFills++;
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
    if (this.#failed !== ErrorCode.Ok) return -ErrorCode.NotMounted;
    if (!isIntIn(payloadBytes, 0, this.#payloadMax) || payloadOffset < 0 || payloadOffset + payloadBytes > payload.length) {
      return -ErrorCode.TooLarge;
    }
    // Cleaning appends may run inside a user append: they use their own buffer.
    const buf = this.#cleaning ? this.#relocBuf : this.#writeBuf;
    const size = recordBytes(payloadBytes, this.#io.alignBytes);
    const room = this.ensureRoom_(size);
    if (room !== ErrorCode.Ok) return -room;
    encodeRecordHeader(buf, type, key, payloadBytes, 0, index, term);
    for (let i = 0; i < payloadBytes; i++) buf[RECORD_HEADER_BYTES + i] = payload[payloadOffset + i] ?? 0;
    // A tail call: XS reuses this frame, and appends sit twice on the deepest JS stack the agent reaches
    // (a counter reservation inside a frame seal that cleans, and the evacuating appends inside it).
    return this.programRecord_(buf, payloadBytes, size);
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
      writeU32(buf, 8, this.#nextRecordSeq);
      this.#nextRecordSeq = (this.#nextRecordSeq + 1) >>> 0;
      writeU32(buf, crcAt, this.#crc.checksum(buf, 0, crcAt));
      buf.fill(0xff, crcAt + RECORD_CRC_BYTES, size);
      const status = this.#io.program(this.#headBlock, this.#headOffset, buf, 0, size);
      if (status === ErrorCode.Ok) return this.programmed_(size);
      if (status !== ErrorCode.ProgramFailed && status !== ErrorCode.NotErased) return -this.fail_(status);
      // Unknown bytes at the head: never program after them.
      this.seal_();
    }
    return -ErrorCode.ProgramFailed;
  }

  // The record of `size` bytes at the head is on flash: account for it and return its address.
  private programmed_(size: number): number {
    const block = this.#headBlock;
    const offset = this.#headOffset;
    this.#headOffset = offset + size;
    this.#blockLive[block] = (this.#blockLive[block] ?? 0) + size;
    this.#liveTotal += size;
    this.#recordsAppended++;
    if (this.#cleaning) this.#recordsRelocated++;
    return block * this.#blockSize + offset;
  }

  private seal_(): void {
    this.#headWritable = false;
    this.#sealedHeads++;
  }

  private fail_(status: Status): Status {
    if (this.#failed === ErrorCode.Ok) this.#failed = status;
    return status;
  }

  /** After replay: forget all live accounting (the owner then marks what it kept). */
  resetLive(): void {
    this.#blockLive.fill(0);
    this.#liveTotal = 0;
  }

  /** After replay: the record at `address` is still needed. */
  markLive(address: number, payloadBytes: number): void {
    if (address === NO_ADDRESS) return;
    const block = Math.floor(address / this.#blockSize);
    const size = recordBytes(payloadBytes, this.#io.alignBytes);
    this.#blockLive[block] = (this.#blockLive[block] ?? 0) + size;
    this.#liveTotal += size;
  }

  /** The record at `address` (with `payloadBytes` of payload) is no longer needed. */
  release(address: number, payloadBytes: number): void {
    if (address === NO_ADDRESS) return;
    const block = Math.floor(address / this.#blockSize);
    const size = recordBytes(payloadBytes, this.#io.alignBytes);
    const live = this.#blockLive[block] ?? 0;
    const taken = live < size ? live : size;
    if (live < size) this.#accountingDrift++;
    this.#blockLive[block] = live - taken;
    this.#liveTotal -= taken;
  }

  /**
   * Make room for `size` bytes at the head. Cleaning appends use the head or
   * any free block. User appends first clean until RESERVE_BLOCKS blocks are
   * free (finishing a cleaning a power loss cut short), then use the head or
   * open a segment only if that still leaves the reserve.
   */
  private ensureRoom_(size: number): Status {
    if (this.#cleaning) return this.#headWritable && this.#headOffset + size <= this.#blockSize ? ErrorCode.Ok : this.openSegment_();
    // Each round cleans one segment or opens one; a full lap compacts everything (module comment).
    for (let round = 0; round <= this.#dataBlocks + 1; round++) {
      const free = this.freeBlocks_();
      if (free >= RESERVE_BLOCKS && this.#headWritable && this.#headOffset + size <= this.#blockSize) return ErrorCode.Ok;
      let status: Status = ErrorCode.StorageFull;
      if (free >= RESERVE_BLOCKS + 1) {
        status = this.openSegment_();
        if (status !== ErrorCode.StorageFull) return status;
        continue;
      }
      if (this.#ringCount <= 1) return status;
      status = this.cleanTail_();
      if (status !== ErrorCode.Ok) return status;
    }
    return ErrorCode.StorageFull;
  }

  private freeBlocks_(): number {
    return this.#dataBlocks - this.#ringCount - this.#badBlocks;
  }

  // Erase the next free block after the head and start a segment there. Ok, StorageFull or a device failure.
  // Erase and header program are called from here, not from a helper: this sits on the deepest JS stack the
  // agent reaches (a counter reservation inside a frame seal that cleans, evacuates and opens a segment).
  private openSegment_(): Status {
    let block = this.#headBlock >= SUPER_BLOCK_COUNT ? this.#headBlock : this.#blockCount - 1;
    for (let tries = 0; tries < this.#dataBlocks; tries++) {
      block = block + 1 >= this.#blockCount ? SUPER_BLOCK_COUNT : block + 1;
      if (this.#blockState[block] !== BlockState.Free) continue;
      let status = this.#io.erase(block);
      if (status === ErrorCode.Ok) status = this.#io.program(block, 0, this.segmentHeader_(block), 0, this.#headerBytes);
      if (status === ErrorCode.Ok) {
        this.adoptSegment_(block);
        return ErrorCode.Ok;
      }
      if (status !== ErrorCode.EraseFailed && status !== ErrorCode.ProgramFailed && status !== ErrorCode.NotErased) {
        return this.fail_(status);
      }
      // Worn out: retired until the next mount (it is tried again then, and fails again).
      this.#blockState[block] = BlockState.Bad;
      this.#badBlocks++;
    }
    return ErrorCode.StorageFull;
  }

  // The header of a new segment in `block` (just erased), in the header buffer.
  private segmentHeader_(block: number): Uint8Array {
    const header = this.#headerBuf;
    header.fill(0xff);
    writeU32(header, 0, SEGMENT_MAGIC);
    writeU32(header, 4, this.#super.volumeId);
    writeU32(header, 8, this.#nextSegmentSeq);
    writeU32(header, 12, this.#io.eraseCounts[block] ?? 0);
    writeU32(header, 16, this.#tailSeq);
    writeU32(header, 20, this.#crc.checksum(header, 0, 20));
    return header;
  }

  // The segment in `block` is on flash: it becomes the head, the newest in the ring.
  private adoptSegment_(block: number): void {
    const seq = this.#nextSegmentSeq;
    this.#nextSegmentSeq = (seq + 1) >>> 0;
    this.#blockState[block] = BlockState.Live;
    this.#blockSeq[block] = seq;
    this.#blockLive[block] = 0;
    this.#ring[(this.#ringFirst + this.#ringCount) % this.#blockCount] = block;
    this.#ringCount++;
    this.#headBlock = block;
    this.#headOffset = this.#headerBytes;
    this.#headWritable = true;
  }

  private ringAt_(i: number): number {
    return this.#ring[(this.#ringFirst + i) % this.#blockCount] ?? 0;
  }

  // ------------------------------------------------------------------ cleaning

  // Evacuate the tail segment to the head, persist the new tail, free the block.
  // (Few locals, and the rest in a tail call: cleaning sits on the deepest JS stack the agent reaches.)
  private cleanTail_(): Status {
    const tail = this.ringAt_(0);
    const owner = this.#owner;
    if (this.#ringCount <= 1 || tail === this.#headBlock || owner === undefined) return ErrorCode.StorageFull;
    this.#cleaning = true;
    const evacuated = owner.evacuate(tail, tail * this.#blockSize, (tail + 1) * this.#blockSize);
    this.#cleaning = false;
    if (this.#failed !== ErrorCode.Ok) return this.#failed;
    if (evacuated !== ErrorCode.Ok) return evacuated;
    return this.retireTail_(tail);
  }

  // The tail segment is evacuated: persist the new tail, then free its block.
  private retireTail_(tail: number): Status {
    const left = this.#blockLive[tail] ?? 0;
    if (left !== 0) {
      this.#accountingDrift++;
      this.#liveTotal -= left;
      this.#blockLive[tail] = 0;
    }
    // Durable before the block may be erased: segments older than the tail are garbage.
    const newTail = ((this.#blockSeq[tail] ?? 0) + 1) >>> 0;
    const written = this.#super.write(newTail);
    if (written === ErrorCode.EraseFailed || written === ErrorCode.ProgramFailed || written === ErrorCode.NotErased) return written;
    if (written !== ErrorCode.Ok) return this.fail_(written);
    this.#tailSeq = newTail;
    this.#blockState[tail] = BlockState.Free;
    this.#ringFirst = (this.#ringFirst + 1) % this.#blockCount;
    this.#ringCount--;
    this.#segmentsCleaned++;
    return ErrorCode.Ok;
  }

  /**
   * Compaction: clean every segment older than the current head, so the
   * live records end up together in the newest blocks (segments written by
   * this compaction are not cleaned again). Crash-safe like any cleaning.
   * Returns the number of segments cleaned, or a negated error code.
   */
  compact(): number {
    if (this.#failed !== ErrorCode.Ok) return -ErrorCode.NotMounted;
    if (this.#ringCount <= 1) return 0;
    const headSeq = this.#blockSeq[this.#headBlock] ?? 0;
    let cleaned = 0;
    for (let i = 0; i < this.#dataBlocks && this.#ringCount > 1; i++) {
      if (serialAtOrAfter(this.#blockSeq[this.ringAt_(0)] ?? 0, headSeq)) break;
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
    if (this.#failed !== ErrorCode.Ok) return -ErrorCode.NotMounted;
    const block = Math.floor(address / this.#blockSize);
    const offset = address - block * this.#blockSize;
    const view = this.#view;
    const buf = this.#readBuf;
    const state = this.readRecord_(block, offset, buf, view);
    if (state < 0) return state;
    if (state !== HeaderState.Valid) return this.corruptRead_();
    if (view.type !== expectedType || view.index !== expectedIndex) return this.corruptRead_();
    if (outOffset < 0 || outOffset + view.payloadBytes > out.length) return -ErrorCode.TooLarge;
    for (let i = 0; i < view.payloadBytes; i++) out[outOffset + i] = buf[RECORD_HEADER_BYTES + i] ?? 0;
    return view.payloadBytes;
  }

  private corruptRead_(): number {
    this.#readCorrupt++;
    return -ErrorCode.Corrupt;
  }

  // ------------------------------------------------------------------ status

  /** Is `address` inside the written part of a live segment? (for invariant checks) */
  isLiveAddress(address: number): boolean {
    if (address === NO_ADDRESS) return false;
    const block = Math.floor(address / this.#blockSize);
    const offset = address - block * this.#blockSize;
    if (this.#blockState[block] !== BlockState.Live || offset < this.#headerBytes) return false;
    return block !== this.#headBlock || offset < this.#headOffset;
  }

  /** `Ok`, or the device error that stopped the log (then every call answers `NotMounted`). */
  get failure(): Status {
    return this.#failed;
  }

  get payloadMaxBytes(): number {
    return this.#payloadMax;
  }

  /** Bytes on flash of a record with this payload length. */
  recordBytes(payloadBytes: number): number {
    return recordBytes(payloadBytes, this.#io.alignBytes);
  }

  /** Bytes of records the owner still needs. */
  get liveBytes(): number {
    return this.#liveTotal;
  }

  /** Live bytes the partition is guaranteed to hold with the blocks still good (module comment). */
  get capacityBytes(): number {
    const good = this.#dataBlocks - this.#badBlocks;
    const perBlock = this.#blockSize - this.#headerBytes - this.#recordMax;
    return good > RESERVE_BLOCKS + 2 ? (good - RESERVE_BLOCKS - 2) * perBlock : 0;
  }

  get blockCount(): number {
    return this.#blockCount;
  }

  get blockSizeBytes(): number {
    return this.#blockSize;
  }

  /** Erases of `block`: persisted in block headers, so a lower bound across reboots. */
  eraseCount(block: number): number {
    return this.#io.eraseCounts[block] ?? 0;
  }

  get badBlocks(): number {
    return this.#badBlocks;
  }

  get liveSegments(): number {
    return this.#ringCount;
  }

  get recordsAppended(): number {
    return this.#recordsAppended;
  }

  get recordsRelocated(): number {
    return this.#recordsRelocated;
  }

  get segmentsCleaned(): number {
    return this.#segmentsCleaned;
  }

  /** Heads abandoned after a failed program (never reused until cleaned). */
  get sealedHeads(): number {
    return this.#sealedHeads;
  }

  /** Torn writes zero-filled at mount. */
  get zeroFills(): number {
    return this.#zeroFills;
  }

  /** Reads after mount whose CRC or identity check failed on every attempt. */
  get readCorrupt(): number {
    return this.#readCorrupt;
  }

  /** Live-byte accounting corrections (stays 0 unless records were lost to corruption). */
  get accountingDrift(): number {
    return this.#accountingDrift;
  }

  get superblockWrites(): number {
    return this.#super.writes;
  }

  /** Device counters: bytes programmed, erases, retries, CRC failures. */
  get io(): FlashIo {
    return this.#io;
  }
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
