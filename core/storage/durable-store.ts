/**
 * Durable state on a NOR-flash partition: a small key-value store and the
 * consensus log, both kept as records in one power-loss-safe record log.
 *
 * DURABILITY CONTRACT
 *  1. A mutating call (`put`, `remove`, `append`, `truncateFrom`,
 *     `compactThrough`, `compact`) returns `Ok` only after its record is
 *     programmed AND read back identical (verified). From then on it survives
 *     any power loss: the next mount shows it, or a later acknowledged state.
 *  2. Power loss before a call returns may lose that one change, never an
 *     earlier acknowledged one, and never produces a half-written value: every
 *     record is CRC-32C checked at mount and skipped if torn. The interrupted
 *     change shows up after a reboot either entirely or not at all.
 *  3. A call that returns an error has no effect in RAM; like an interrupted
 *     call, its record may or may not be on flash after the next reboot.
 *  4. After a device failure (power loss, driver fault) every call answers
 *     `NotMounted`: mount again, RAM no longer reflects flash.
 *  5. Mount never fails on content: a corrupted, truncated or foreign
 *     partition mounts as the last valid state it holds, or as empty, with
 *     what was found counted in `report` (never as garbage, never a throw).
 *     Mount fails only on device errors or an unusable geometry/config
 *     (checked before anything is written). Mount may write: it formats a
 *     partition without a store and zero-fills a write torn by power loss;
 *     after a power loss during mount, simply mount again.
 *  6. Reads are checked: KV values are served from RAM (checked when loaded
 *     or written); consensus entries are read from flash and CRC-checked,
 *     re-read on mismatch, and reported `Corrupt` rather than returned wrong.
 *     A record corrupted on flash (CRC fails on every read) is skipped at
 *     mount and counted: a KV key then shows its previous acknowledged value
 *     (or none), and the consensus log is cut before the lost entry.
 *  7. Full: a consensus `append` that would exceed the guaranteed capacity
 *     returns `StorageFull` and stores nothing. Room for every KV key at its
 *     largest value is reserved, so `put` (term, vote, counters) keeps working
 *     on a partition whose log is full.
 *
 * Sizing: everything is allocated at mount from `StoreConfig` and the
 * device's geometry. No call allocates afterwards.
 */
import type { ValueOrCode } from "../collections/value-or-code";
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { BlockDevice } from "./block-device";
import { LogTable, type ConsensusLogStore } from "./consensus-log";
import type { LogIndex, Term } from "../runtime/ids";
import { KvTable, slotBytes, type KvStore } from "./kv-store";
import { alignUp, NO_ADDRESS, RECORD_HEADER_BYTES, recordBytes, readU32, RecordType, type RecordView } from "./layout";
import { HIDDEN_RECORDS_UNBOUNDED, type MountReport } from "./mount-report";
import { RecordLog, type RecordOwner } from "./record-log";

export interface StoreConfig {
  /** Largest consensus entry, in bytes (also bounds KV values). */
  readonly recordPayloadMaxBytes: number;
  /** KV keys 0..kvKeyCount-1 (1..256). */
  readonly kvKeyCount: number;
  /** Largest KV value, in bytes (1..recordPayloadMaxBytes). */
  readonly kvValueMaxBytes: number;
  /**
   * Per key, its largest value (1..kvValueMaxBytes; at most kvKeyCount
   * entries): key k's RAM slot and its share of the flash reserve. Keys past
   * its end (all keys, without it) take kvValueMaxBytes. A put larger than
   * its key's value is refused (TooLarge), and so is such a record at mount.
   */
  readonly kvValueBytes?: readonly number[];
  /** Consensus entries retained at once (1..LOG_CAPACITY_ENTRIES_MAX); compact beyond that. */
  readonly logCapacityEntries: number;
}

export const KV_KEY_COUNT_MAX = 256;
export const LOG_CAPACITY_ENTRIES_MAX = 1 << 20;

export class DurableStore implements KvStore, ConsensusLogStore, RecordOwner {
  private readonly log_: RecordLog;
  private readonly kv_: KvTable;
  private readonly entries_: LogTable;
  private readonly moveBuf_: Uint8Array;
  private readonly kvReserveBytes_: number;
  private reservedLiveBytes_ = 0;
  private payloadBytesAcknowledged_ = 0;
  private operationsAcknowledged_ = 0;
  private fullRefusals_ = 0;
  private lostEntries_ = 0;

  private constructor(log: RecordLog, kv: KvTable, entries: LogTable, kvReserveBytes: number, moveBuf: Uint8Array) {
    this.log_ = log;
    this.kv_ = kv;
    this.entries_ = entries;
    this.moveBuf_ = moveBuf; // log.payloadMaxBytes bytes
    this.kvReserveBytes_ = kvReserveBytes;
  }

  /**
   * Mount `device`: replay its records, or format it if it holds no store.
   * Errors: InvalidArgument (config), BadGeometry (device too small or
   * misshaped for the config), or the device error that stopped the mount.
   */
  static mount(device: BlockDevice, config: StoreConfig): Result<DurableStore> {
    const configStatus = checkConfig(config);
    if (configStatus !== ErrorCode.Ok) return err(configStatus);
    const payloadMax = config.recordPayloadMaxBytes;
    const geometry = RecordLog.checkGeometry(device, payloadMax);
    if (geometry !== ErrorCode.Ok) return err(geometry);
    const align = device.programAlignBytes;
    let kvReserveBytes = recordBytes(0, align);
    for (let key = 0; key < config.kvKeyCount; key++) kvReserveBytes += recordBytes(slotBytes(key, config.kvValueMaxBytes, config.kvValueBytes), align);
    // Checked before anything is written: the reserve plus one largest entry must fit.
    if (kvReserveBytes + recordBytes(payloadMax, align) > RecordLog.capacityFor(device, payloadMax)) return err(ErrorCode.BadGeometry);
    // One backing store (each ArrayBuffer costs heap slots on XS): the log entries' words, the key-value table, the move buffer.
    const entriesBytes = LogTable.bytesFor(config.logCapacityEntries);
    const kvAt = alignUp(entriesBytes, 8);
    const moveAt = alignUp(kvAt + KvTable.bytesFor(config.kvKeyCount, config.kvValueMaxBytes, config.kvValueBytes), 8);
    const buffer = new ArrayBuffer(moveAt + payloadMax);
    const entries = new LogTable(config.logCapacityEntries, buffer, 0);
    const kv = new KvTable(config.kvKeyCount, config.kvValueMaxBytes, buffer, kvAt, config.kvValueBytes);
    const replayer = new Replayer(kv, entries);
    const mounted = RecordLog.mount(device, payloadMax, replayer);
    if (!mounted.ok) return mounted;
    const log = mounted.value;
    const store = new DurableStore(log, kv, entries, kvReserveBytes, new Uint8Array(buffer, moveAt, payloadMax));
    store.finishMount_(replayer.anomalies);
    return ok(store);
  }

  private finishMount_(replayAnomalies: number): void {
    const log = this.log_;
    const entries = this.entries_;
    const report = log.report;
    const lost = entries.finishReplay();
    report.lostEntries += lost;
    report.anomalies += replayAnomalies;
    if (replayAnomalies > 0) report.hide(HIDDEN_RECORDS_UNBOUNDED);
    // Live accounting starts from what replay kept; from here on the tables release what they drop.
    log.resetLive();
    for (let key = 0; key < this.kv_.keyCount; key++) {
      const length = this.kv_.lengthOf(key);
      if (length >= 0) this.markReserved_(this.kv_.addressOf(key), length);
    }
    if (entries.baseAddress !== NO_ADDRESS) this.markReserved_(entries.baseAddress, 0);
    for (let index = entries.first; index <= entries.last; index++) log.markLive(entries.addressOf(index), entries.bytesOf(index));
    this.kv_.attach(log);
    entries.attach(log);
    log.attach(this); // the store is the log's owner from now on (no adapter object or closure to keep in RAM)
  }

  private markReserved_(address: number, payloadBytes: number): void {
    this.log_.markLive(address, payloadBytes);
    this.reservedLiveBytes_ += this.log_.recordBytes(payloadBytes);
  }

  /** What mount found (torn writes, corruption, formatting). */
  get report(): MountReport {
    return this.log_.report;
  }

  /**
   * Stop writing (every mutating call answers StoreFrozen from now on; reads
   * go on), so the flash keeps what mount found. For owners that cannot
   * trust what they read (report.hiddenRecordsBound) and must not let
   * cleaning erase the evidence (agent/persistence.ts).
   */
  freeze(): void {
    this.log_.freeze();
  }

  hiddenRecordsAfter(key: number): number {
    const kv = this.kv_;
    return this.log_.hiddenAfter(kv.isKey(key) && kv.lengthOf(key) >= 0 ? kv.addressOf(key) : NO_ADDRESS);
  }

  get frozen(): boolean {
    return this.log_.failure === ErrorCode.StoreFrozen;
  }

  // ------------------------------------------------------------------ KV

  get keyCount(): number {
    return this.kv_.keyCount;
  }

  get valueMaxBytes(): number {
    return this.kv_.valueMaxBytes;
  }

  valueBytesOf(key: number): number {
    return this.kv_.valueBytesOf(key);
  }

  put(key: number, value: Uint8Array, offset: number, lengthBytes: number): Status {
    const kv = this.kv_;
    if (!kv.isKey(key)) return ErrorCode.OutOfRange;
    if (!isRange(value, offset, lengthBytes) || lengthBytes > kv.valueBytesOf(key)) return ErrorCode.TooLarge;
    // Room first, in a call of its own: a put sits on the agent's deepest JS stack (a send-counter reservation
    // in a mesh tick), and cleaning inside the append would stack a second append on the first.
    const room = this.log_.makeRoom(lengthBytes);
    if (room !== ErrorCode.Ok) return room;
    const address = this.log_.append(RecordType.KvPut, key, 0, 0, value, offset, lengthBytes);
    if (address < 0) return -address as Status;
    this.replaceReserved_(kv.addressOf(key), kv.lengthOf(key), address, lengthBytes);
    kv.set(key, value, offset, lengthBytes, address);
    this.acknowledge_(lengthBytes);
    return ErrorCode.Ok;
  }

  get(key: number, out: Uint8Array, outOffset: number): ValueOrCode {
    const kv = this.kv_;
    if (!kv.isKey(key)) return -ErrorCode.OutOfRange;
    const length = kv.lengthOf(key);
    if (length < 0) return -ErrorCode.NotFound;
    if (!isRange(out, outOffset, length)) return -ErrorCode.TooLarge;
    const values = kv.values;
    const from = kv.valueOffset(key);
    for (let i = 0; i < length; i++) out[outOffset + i] = values[from + i] ?? 0;
    return length;
  }

  readU32(key: number, at: number): number {
    const kv = this.kv_;
    if (!kv.isKey(key) || (at >>> 0) !== at || kv.lengthOf(key) < at + 4) return -1;
    return readU32(kv.values, kv.valueOffset(key) + at);
  }

  has(key: number): boolean {
    return this.kv_.lengthOf(key) >= 0;
  }

  remove(key: number): Status {
    const kv = this.kv_;
    if (!kv.isKey(key)) return ErrorCode.OutOfRange;
    if (kv.lengthOf(key) < 0) return ErrorCode.Ok;
    const address = this.log_.append(RecordType.KvDelete, key, 0, 0, this.moveBuf_, 0, 0);
    if (address < 0) return -address as Status;
    this.replaceReserved_(kv.addressOf(key), kv.lengthOf(key), NO_ADDRESS, 0);
    kv.clear(key);
    this.log_.release(address, 0); // a delete marker is never copied forward (older puts die with it)
    this.acknowledge_(0);
    return ErrorCode.Ok;
  }

  // The reserved share (KV values, log base) swaps the old record's size for the new one's.
  private replaceReserved_(oldAddress: number, oldPayloadBytes: number, newAddress: number, newPayloadBytes: number): void {
    if (oldAddress !== NO_ADDRESS) this.reservedLiveBytes_ -= this.log_.recordBytes(oldPayloadBytes);
    if (newAddress !== NO_ADDRESS) this.reservedLiveBytes_ += this.log_.recordBytes(newPayloadBytes);
  }

  // ------------------------------------------------------------------ consensus log

  get firstIndex(): LogIndex {
    return this.entries_.first as LogIndex;
  }

  get lastIndex(): LogIndex {
    return this.entries_.last as LogIndex;
  }

  get lastTerm(): Term {
    return this.entries_.lastTerm as Term;
  }

  append(index: LogIndex, term: Term, data: Uint8Array, offset: number, lengthBytes: number): Status {
    const entries = this.entries_;
    if ((term >>> 0) !== term || !Number.isSafeInteger(index)) return ErrorCode.InvalidArgument;
    const allowed = entries.checkAppend(index);
    if (allowed !== ErrorCode.Ok) return allowed;
    const log = this.log_;
    if (!isRange(data, offset, lengthBytes) || lengthBytes > log.payloadMaxBytes) return ErrorCode.TooLarge;
    // Capacity: entries may use what the KV reserve leaves (durability contract, item 7).
    const entryLive = log.liveBytes - this.reservedLiveBytes_;
    if (entryLive + this.kvReserveBytes_ + log.recordBytes(lengthBytes) > log.capacityBytes) {
      this.fullRefusals_++;
      return ErrorCode.StorageFull;
    }
    const address = log.append(RecordType.LogEntry, 0, index, term, data, offset, lengthBytes);
    if (address < 0) return -address as Status;
    entries.applyAppend(index, term, address, lengthBytes);
    this.acknowledge_(lengthBytes);
    return ErrorCode.Ok;
  }

  readEntry(index: LogIndex, out: Uint8Array, outOffset: number): ValueOrCode {
    const entries = this.entries_;
    if (index < entries.first) return -ErrorCode.LogCompacted;
    if (index > entries.last || !Number.isSafeInteger(index)) return -ErrorCode.NotFound;
    const address = entries.addressOf(index);
    if (address === NO_ADDRESS) return -ErrorCode.Corrupt;
    return this.log_.readPayload(address, RecordType.LogEntry, index, out, outOffset);
  }

  termAt(index: LogIndex): ValueOrCode {
    return this.entries_.termOf(index);
  }

  truncateFrom(fromIndex: LogIndex): Status {
    const entries = this.entries_;
    const allowed = entries.checkTruncate(fromIndex);
    if (allowed !== ErrorCode.Ok) return allowed;
    if (fromIndex > entries.last) return ErrorCode.Ok;
    const address = this.log_.append(RecordType.LogTruncate, 0, fromIndex, 0, this.moveBuf_, 0, 0);
    if (address < 0) return -address as Status;
    entries.applyTruncate(fromIndex);
    this.log_.release(address, 0); // never copied forward: what it removed is older than it
    this.acknowledge_(0);
    return ErrorCode.Ok;
  }

  compactThrough(throughIndex: LogIndex, throughTerm: Term): Status {
    const entries = this.entries_;
    const allowed = entries.checkCompact(throughIndex, throughTerm);
    if (allowed !== ErrorCode.Ok) return allowed;
    if (throughIndex === entries.first - 1 && entries.baseAddress !== NO_ADDRESS) {
      return entries.baseTerm === throughTerm ? ErrorCode.Ok : ErrorCode.InvalidArgument;
    }
    const address = this.log_.append(RecordType.LogBase, 0, throughIndex, throughTerm, this.moveBuf_, 0, 0);
    if (address < 0) return -address as Status;
    this.replaceReserved_(entries.baseAddress, 0, address, 0);
    entries.applyCompact(throughIndex, throughTerm, address);
    this.acknowledge_(0);
    return ErrorCode.Ok;
  }

  private acknowledge_(payloadBytes: number): void {
    this.payloadBytesAcknowledged_ += payloadBytes;
    this.operationsAcknowledged_++;
  }

  // ------------------------------------------------------------------ maintenance

  /**
   * Rewrite every live KV value and consensus entry out of all segments but
   * the newest into fresh blocks, freeing the rest (crash-safe: the old
   * copies stay valid until the superblock moves past them). Returns the
   * segments cleaned, or a negated error code.
   */
  compact(): ValueOrCode {
    return this.log_.compact();
  }

  /** RecordOwner: replay happens once, at mount, through the Replayer; nothing to do after. */
  replay(): void {
    // nothing: see above
  }

  /** RecordOwner: cleaning is about to erase `[firstAddress, endAddress)`. */
  evacuate(_block: number, firstAddress: number, endAddress: number): Status {
    return this.evacuateBlock_(firstAddress, endAddress);
  }

  // Cleaning: re-append everything still needed from one block (RecordOwner.evacuate). Few locals, the log
  // part in a tail call: evacuation sits on the deepest JS stack the agent reaches.
  private evacuateBlock_(firstAddress: number, endAddress: number): Status {
    const kv = this.kv_;
    for (let key = 0; key < kv.keyCount; key++) {
      const address = kv.addressOf(key);
      if (address === NO_ADDRESS || address < firstAddress || address >= endAddress) continue;
      const moved = this.log_.append(RecordType.KvPut, key, 0, 0, kv.values, kv.valueOffset(key), kv.lengthOf(key));
      if (moved < 0) return -moved as Status;
      this.log_.release(address, kv.lengthOf(key));
      kv.moved(key, moved);
    }
    return this.evacuateLog_(firstAddress, endAddress);
  }

  // The consensus log's base record and entries in [firstAddress, endAddress).
  private evacuateLog_(firstAddress: number, endAddress: number): Status {
    const log = this.log_;
    const entries = this.entries_;
    const base = entries.baseAddress;
    if (base !== NO_ADDRESS && base >= firstAddress && base < endAddress) {
      const moved = log.append(RecordType.LogBase, 0, entries.first - 1, entries.baseTerm, this.moveBuf_, 0, 0);
      if (moved < 0) return -moved as Status;
      log.release(base, 0);
      entries.moved(entries.first - 1, moved);
    }
    for (let index = entries.first; index <= entries.last; index++) {
      const status = this.evacuateEntry_(index, firstAddress, endAddress);
      if (status !== ErrorCode.Ok) return status;
    }
    return ErrorCode.Ok;
  }

  private evacuateEntry_(index: number, firstAddress: number, endAddress: number): Status {
    const entries = this.entries_;
    const log = this.log_;
    const address = entries.addressOf(index);
    if (address === NO_ADDRESS || address < firstAddress || address >= endAddress) return ErrorCode.Ok;
    const length = log.readPayload(address, RecordType.LogEntry, index, this.moveBuf_, 0);
    if (length === -ErrorCode.Corrupt) {
      // Unreadable on every attempt: the entry is lost; reads answer Corrupt, remount drops it.
      entries.markLost(index);
      this.lostEntries_++;
      return ErrorCode.Ok;
    }
    if (length < 0) return -length as Status;
    const moved = log.append(RecordType.LogEntry, 0, index, entries.termOf(index), this.moveBuf_, 0, length);
    if (moved < 0) return -moved as Status;
    log.release(address, length);
    entries.moved(index, moved);
    return ErrorCode.Ok;
  }

  // ------------------------------------------------------------------ statistics

  /**
   * Recompute what the tables hold and compare it with the record log's
   * accounting: live bytes, the reserved (KV + base) share, and that every
   * address points into a live segment. `Ok` or `InvariantViolated` (tests).
   */
  checkInvariants(): Status {
    const log = this.log_;
    const kv = this.kv_;
    const entries = this.entries_;
    let reserved = 0;
    for (let key = 0; key < kv.keyCount; key++) {
      const length = kv.lengthOf(key);
      if (length < 0) continue;
      if (!log.isLiveAddress(kv.addressOf(key))) return ErrorCode.InvariantViolated;
      reserved += log.recordBytes(length);
    }
    if (entries.baseAddress !== NO_ADDRESS) {
      if (!log.isLiveAddress(entries.baseAddress)) return ErrorCode.InvariantViolated;
      reserved += log.recordBytes(0);
    }
    let live = reserved;
    for (let index = entries.first; index <= entries.last; index++) {
      const address = entries.addressOf(index);
      if (address === NO_ADDRESS) continue; // lost to corruption, counted
      if (!log.isLiveAddress(address)) return ErrorCode.InvariantViolated;
      live += log.recordBytes(entries.bytesOf(index));
    }
    if (reserved !== this.reservedLiveBytes_ || live !== log.liveBytes) return ErrorCode.InvariantViolated;
    if (entries.length > entries.capacity || entries.length < 0) return ErrorCode.InvariantViolated;
    return ErrorCode.Ok;
  }

  /** Ok, or the device error that stopped the store (every call then answers NotMounted). */
  get failure(): Status {
    return this.log_.failure;
  }

  /** Payload bytes of acknowledged puts and appends (the denominator of write amplification). */
  get payloadBytesAcknowledged(): number {
    return this.payloadBytesAcknowledged_;
  }

  get operationsAcknowledged(): number {
    return this.operationsAcknowledged_;
  }

  /** Bytes programmed on flash since mount: records, copies, headers, superblocks, padding. */
  get bytesProgrammed(): number {
    return this.log_.io.bytesProgrammed;
  }

  /** Block erases since mount. */
  get erases(): number {
    return this.log_.io.erases;
  }

  /** Erases of one block over its life (persisted in block headers; a lower bound). */
  eraseCount(block: number): number {
    return this.log_.eraseCount(block);
  }

  get blockCount(): number {
    return this.log_.blockCount;
  }

  get liveBytes(): number {
    return this.log_.liveBytes;
  }

  get capacityBytes(): number {
    return this.log_.capacityBytes;
  }

  /** Appends refused with StorageFull. */
  get fullRefusals(): number {
    return this.fullRefusals_;
  }

  /** Entries lost since mount because their record became unreadable before cleaning moved it. */
  get lostEntries(): number {
    return this.lostEntries_;
  }

  get segmentsCleaned(): number {
    return this.log_.segmentsCleaned;
  }

  get recordsRelocated(): number {
    return this.log_.recordsRelocated;
  }

  get badBlocks(): number {
    return this.log_.badBlocks;
  }

  /** CRC mismatches that survived re-reading (mount and reads). */
  get crcFailures(): number {
    return this.log_.io.crcFailures;
  }

  get readRetries(): number {
    return this.log_.io.readRetries;
  }

  /** Reads answered Corrupt since mount. */
  get readCorrupt(): number {
    return this.log_.readCorrupt;
  }

  get accountingDrift(): number {
    return this.log_.accountingDrift;
  }
}

// Replay: records in log order into the tables (nothing is released during replay).
class Replayer implements RecordOwner {
  private readonly kv_: KvTable;
  private readonly entries_: LogTable;
  anomalies = 0;

  constructor(kv: KvTable, entries: LogTable) {
    this.kv_ = kv;
    this.entries_ = entries;
  }

  replay(view: RecordView, record: Uint8Array): void {
    let consistent = true;
    switch (view.type) {
      case RecordType.KvPut:
        consistent = this.kv_.set(view.key, record, RECORD_HEADER_BYTES, view.payloadBytes, view.address);
        break;
      case RecordType.KvDelete:
        consistent = this.kv_.isKey(view.key);
        this.kv_.clear(view.key);
        break;
      case RecordType.LogEntry:
        consistent = this.entries_.replayEntry(view.index, view.term, view.address, view.payloadBytes);
        break;
      case RecordType.LogTruncate:
        this.entries_.replayTruncate(view.index);
        break;
      case RecordType.LogBase:
        consistent = this.entries_.replayBase(view.index, view.term, view.address);
        break;
      default:
        consistent = false;
    }
    if (!consistent) this.anomalies++;
  }

  evacuate(): Status {
    return ErrorCode.WrongState;
  }
}


function checkConfig(config: StoreConfig): Status {
  if (!isIntIn(config.kvKeyCount, 1, KV_KEY_COUNT_MAX)) return ErrorCode.InvalidArgument;
  if (!isIntIn(config.kvValueMaxBytes, 1, config.recordPayloadMaxBytes)) return ErrorCode.InvalidArgument;
  const perKey = config.kvValueBytes;
  if (perKey !== undefined) {
    if (perKey.length > config.kvKeyCount) return ErrorCode.InvalidArgument;
    for (let key = 0; key < perKey.length; key++) if (!isIntIn(perKey[key] ?? 0, 1, config.kvValueMaxBytes)) return ErrorCode.InvalidArgument;
  }
  if (!isIntIn(config.logCapacityEntries, 1, LOG_CAPACITY_ENTRIES_MAX)) return ErrorCode.InvalidArgument;
  return ErrorCode.Ok;
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

function isRange(bytes: Uint8Array, offset: number, lengthBytes: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(lengthBytes) && offset >= 0 && lengthBytes >= 0 && offset + lengthBytes <= bytes.length;
}
