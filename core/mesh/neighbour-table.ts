/**
 * Nodes heard directly, with link quality from the radio's SNR and RSSI
 * (README "Mesh transport").
 *
 * An entry is made or refreshed only from an authenticated frame heard with
 * zero hops taken (its source transmitted it), so relayed or forged frames
 * cannot add neighbours. Quality is an integer moving average (weight 1/4)
 * of SNR in quarter dB, mapped to 0..1000 permille over -20..+10 dB (the
 * SX1276 demodulates down to about -20 dB at SF12, datasheet §4.1.1.1).
 *
 * Link hints on the air carry only a neighbour's low id byte
 * (link-header.ts); `resolveHint` maps a byte back to a neighbour id when
 * exactly one fresh neighbour has it, and refuses ambiguity.
 *
 * Full policy: a new neighbour replaces the one heard longest ago
 * (`evictedCount`). Nothing is allocated after create.
 *
 * Storage (a region of the transport's arena, arena.ts, read through its
 * one DataView): per slot three doubles (last heard time and two airtime
 * sums: exact past 2^32), the id (u32), three 16-bit fields (in use, SNR in quarter dB, RSSI in dBm: the
 * SX127x reports each from an 8-bit register, so -32768..32767 holds them
 * and their moving averages); past TABLE_SCAN_MAX slots, an index from id
 * to slot (else a lookup scans the slots).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { SlotIndex } from "../collections/slot-index";
import { arenaOr, TABLE_SCAN_MAX, type Arena } from "./arena";

const NT_F64_FIELDS = 3;
const NT_F64_LAST_HEARD_MS = 0;
const NT_F64_LOAD_CURRENT_US = 1;
const NT_F64_LOAD_LAST_US = 2;
const NT_I16_FIELDS = 3;
const NT_I16_USED = 0;
const NT_I16_SNR_QDB = 1;
const NT_I16_RSSI_DBM = 2;

/** The 16-bit fields start after the doubles and ids: this many bytes per slot in. */
const NT_FIELDS_PER_SLOT_AT = 8 * NT_F64_FIELDS + 4;

/** Where the index starts in a table of `capacity` (4-aligned, after every slot's fields). */
function indexAt(capacity: number): number {
  return Math.ceil(((NT_FIELDS_PER_SLOT_AT + 2 * NT_I16_FIELDS) * capacity) / 4) * 4;
}

/** SNR range mapped onto quality 0..1000, quarter dB. */
const SNR_FLOOR_QDB = -80;
const SNR_CEILING_QDB = 40;

/** Quality permille of an SNR in quarter dB. */
export function snrQualityPermille(snrQuarterDb: number): number {
  if (snrQuarterDb <= SNR_FLOOR_QDB) return 0;
  if (snrQuarterDb >= SNR_CEILING_QDB) return 1000;
  return Math.floor(((snrQuarterDb - SNR_FLOOR_QDB) * 1000) / (SNR_CEILING_QDB - SNR_FLOOR_QDB));
}

export const NeighbourChange = Object.freeze({ Refreshed: 0, Added: 1, AddedEvicting: 2 } as const);

export class NeighbourTable {
  /** Id -> slot, only past TABLE_SCAN_MAX slots. */
  private readonly index_: SlotIndex | undefined;
  /**
   * The table's region: per slot 3 doubles from base_ (lastHeardMs, then the airtime heard from the
   * neighbour, every frame it sends to anyone, in the current load bucket and in the last one, µs),
   * per slot its id (u32), per slot 3 int16 (used, snrQdb, rssiDbm), then the index if any.
   */
  private readonly view_: Arena;
  private readonly base_: number;
  private readonly capacity_: number;
  /**
   * The load bucket every slot's sums are for. One number for the table: moving every slot on
   * to a newer bucket at once gives each the sums it would get moved on alone (bucket numbers
   * only grow, and a slot's sums are zero when it is added).
   */
  private loadEpoch_ = 0;
  private size_ = 0;
  private evicted_ = 0;
  private ambiguousHints_ = 0;
  /** Id of the neighbour the last `heard` call evicted (valid after AddedEvicting). */
  lastEvictedId = 0;

  /** Bytes of arena the table takes (arena.ts), or -1 for a capacity refused (SlotIndex's range). */
  static bytesFor(capacity: number): number {
    const indexBytes = SlotIndex.bytesFor(capacity);
    if (indexBytes < 0) return -1;
    return indexAt(capacity) + (capacity > TABLE_SCAN_MAX ? indexBytes : 0);
  }

  /** A table of `capacity` neighbours in `arena` from `base` (default: an arena of its own). */
  static create(capacity: number, arena?: Arena, base = 0): Result<NeighbourTable> {
    const bytes = NeighbourTable.bytesFor(capacity);
    if (bytes < 0) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(bytes, arena);
    const index = capacity > TABLE_SCAN_MAX ? SlotIndex.create(capacity, view.buffer, base + indexAt(capacity)) : undefined;
    if (index !== undefined && !index.ok) return err(ErrorCode.InvalidArgument);
    return ok(new NeighbourTable(index?.value, view, base, capacity));
  }

  private constructor(index: SlotIndex | undefined, view: Arena, base: number, capacity: number) {
    this.index_ = index;
    this.view_ = view;
    this.base_ = base;
    this.capacity_ = capacity;
  }

  get capacity(): number {
    return this.capacity_;
  }
  get size(): number {
    return this.size_;
  }
  get evictedCount(): number {
    return this.evicted_;
  }
  get ambiguousHintCount(): number {
    return this.ambiguousHints_;
  }

  /** Record a frame heard directly from `id`. Returns a NeighbourChange. */
  heard(id: number, nowMs: number, rssiDbm: number, snrQuarterDb: number): number {
    let slot = this.slotOf_(id);
    let change: number = NeighbourChange.Refreshed;
    if (slot < 0) {
      change = NeighbourChange.Added;
      slot = this.freeSlot_();
      if (slot < 0) {
        slot = this.oldestSlot_();
        this.lastEvictedId = this.idAt_(slot);
        this.index_?.delete(this.lastEvictedId);
        this.evicted_++;
        this.size_--;
        change = NeighbourChange.AddedEvicting;
      }
      this.setField_(slot, NT_I16_USED, 1);
      this.setField_(slot, NT_I16_SNR_QDB, snrQuarterDb);
      this.setField_(slot, NT_I16_RSSI_DBM, rssiDbm);
      this.setNumber_(slot * NT_F64_FIELDS + NT_F64_LOAD_CURRENT_US, 0);
      this.setNumber_(slot * NT_F64_FIELDS + NT_F64_LOAD_LAST_US, 0);
      this.setId_(slot, id);
      this.size_++;
    } else {
      const snr = this.field_(slot, NT_I16_SNR_QDB);
      const rssi = this.field_(slot, NT_I16_RSSI_DBM);
      this.setField_(slot, NT_I16_SNR_QDB, snr + ((snrQuarterDb - snr) >> 2));
      this.setField_(slot, NT_I16_RSSI_DBM, rssi + ((rssiDbm - rssi) >> 2));
    }
    this.setNumber_(slot * NT_F64_FIELDS + NT_F64_LAST_HEARD_MS, nowMs);
    return change;
  }

  has(id: number): boolean {
    return this.slotOf_(id) >= 0;
  }

  /** Quality 0..1000 of the link from `id`, or -1 when not a neighbour. */
  qualityPermille(id: number): number {
    const slot = this.slotOf_(id);
    return slot < 0 ? -1 : snrQualityPermille(this.field_(slot, NT_I16_SNR_QDB));
  }

  lastHeardMs(id: number): number {
    const slot = this.slotOf_(id);
    return slot < 0 ? -1 : this.number_(slot * NT_F64_FIELDS + NT_F64_LAST_HEARD_MS);
  }

  /**
   * The neighbour whose id has low byte `hint` and was heard within
   * `freshMs` of `nowMs`, or -1 when none or more than one does.
   */
  resolveHint(hint: number, nowMs: number, freshMs: number): number {
    let found = -1;
    for (let slot = 0; slot < this.capacity_; slot++) {
      if (!this.isUsed_(slot) || (this.idAt_(slot) & 0xff) !== hint) continue;
      if (nowMs - this.number_(slot * NT_F64_FIELDS + NT_F64_LAST_HEARD_MS) > freshMs) continue;
      if (found >= 0) {
        this.ambiguousHints_++;
        return -1;
      }
      found = this.idAt_(slot);
    }
    return found;
  }

  /**
   * A frame of `airtimeUs` sent by the neighbour with low id byte `hint`
   * was heard (whoever it was for): its load. Ignored when no neighbour, or
   * more than one, has that byte. `bucketMs` > 0 fixes the load window (two
   * buckets: the current one and the last); it must be the same on every
   * call, and `nowMs` must not go back.
   */
  noteAirtime(hint: number, nowMs: number, airtimeUs: number, bucketMs: number): void {
    const slot = this.slotOfHint_(hint);
    if (slot < 0) return;
    this.roll_(Math.floor(nowMs / bucketMs));
    const at = slot * NT_F64_FIELDS + NT_F64_LOAD_CURRENT_US;
    this.setNumber_(at, this.number_(at) + airtimeUs);
  }

  /**
   * How busy the neighbour with low id byte `hint` is: the airtime heard from
   * it over the last one to two buckets, permille of two buckets. 0 when
   * unknown (or ambiguous).
   */
  loadPermille(hint: number, nowMs: number, bucketMs: number): number {
    const slot = this.slotOfHint_(hint);
    if (slot < 0) return 0;
    this.roll_(Math.floor(nowMs / bucketMs));
    const at = slot * NT_F64_FIELDS;
    return Math.floor((this.number_(at + NT_F64_LOAD_CURRENT_US) + this.number_(at + NT_F64_LOAD_LAST_US)) / (2 * bucketMs));
  }

  /** Move every slot's load buckets on to bucket number `epoch` (O(capacity), once per bucket). */
  private roll_(epoch: number): void {
    const previous = this.loadEpoch_;
    if (epoch === previous) return;
    for (let at = 0; at < this.capacity_ * NT_F64_FIELDS; at += NT_F64_FIELDS) {
      this.setNumber_(at + NT_F64_LOAD_LAST_US, epoch === previous + 1 ? this.number_(at + NT_F64_LOAD_CURRENT_US) : 0);
      this.setNumber_(at + NT_F64_LOAD_CURRENT_US, 0);
    }
    this.loadEpoch_ = epoch;
  }

  /** The slot of the one neighbour with low id byte `hint`, or -1 (none, or more than one). */
  private slotOfHint_(hint: number): number {
    let found = -1;
    for (let slot = 0; slot < this.capacity_; slot++) {
      if (!this.isUsed_(slot) || (this.idAt_(slot) & 0xff) !== hint) continue;
      if (found >= 0) return -1;
      found = slot;
    }
    return found;
  }

  /** Whether any neighbour (fresh or not) has low id byte `hint`. */
  hasHint(hint: number): boolean {
    for (let slot = 0; slot < this.capacity_; slot++) if (this.isUsed_(slot) && (this.idAt_(slot) & 0xff) === hint) return true;
    return false;
  }

  private idAt_(slot: number): number {
    return this.view_.getUint32(this.base_ + 8 * NT_F64_FIELDS * this.capacity_ + 4 * slot);
  }
  /** Give `slot` to `id` (an id that is not a u32 is not kept, as SlotIndex refuses it). */
  private setId_(slot: number, id: number): void {
    if ((id >>> 0) === id) this.view_.setUint32(this.base_ + 8 * NT_F64_FIELDS * this.capacity_ + 4 * slot, id);
    this.index_?.set(id, slot);
  }
  /** The slot of neighbour `id`, or -1. */
  private slotOf_(id: number): number {
    if (this.index_ !== undefined) return this.index_.get(id, -1);
    if ((id >>> 0) !== id) return -1;
    for (let slot = 0; slot < this.capacity_; slot++) if (this.isUsed_(slot) && this.idAt_(slot) === id) return slot;
    return -1;
  }
  private isUsed_(slot: number): boolean {
    return this.field_(slot, NT_I16_USED) === 1;
  }
  private field_(slot: number, field: number): number {
    return this.view_.getInt16(this.base_ + NT_FIELDS_PER_SLOT_AT * this.capacity_ + 2 * (slot * NT_I16_FIELDS + field));
  }
  private setField_(slot: number, field: number, value: number): void {
    this.view_.setInt16(this.base_ + NT_FIELDS_PER_SLOT_AT * this.capacity_ + 2 * (slot * NT_I16_FIELDS + field), value);
  }
  /** Double `index` of the per-slot numbers (slot * NT_F64_FIELDS + field). */
  private number_(index: number): number {
    return this.view_.getFloat64(this.base_ + 8 * index);
  }
  private setNumber_(index: number, value: number): void {
    this.view_.setFloat64(this.base_ + 8 * index, value);
  }

  private freeSlot_(): number {
    for (let slot = 0; slot < this.capacity_; slot++) if (!this.isUsed_(slot)) return slot;
    return -1;
  }

  private oldestSlot_(): number {
    let oldest = 0;
    for (let slot = 1; slot < this.capacity_; slot++) {
      if (this.number_(slot * NT_F64_FIELDS + NT_F64_LAST_HEARD_MS) < this.number_(oldest * NT_F64_FIELDS + NT_F64_LAST_HEARD_MS)) oldest = slot;
    }
    return oldest;
  }
}
