/**
 * Nodes heard directly, with link quality from the radio's SNR and RSSI
 * (issue 6 §3).
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
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { FixedMap } from "../collections/fixed-map";

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
  readonly #slotOf: FixedMap; // id -> slot
  readonly #ids: Uint16Array;
  readonly #used: Uint8Array;
  readonly #lastHeardMs: Float64Array;
  readonly #snrQdb: Int16Array;
  readonly #rssiDbm: Int16Array;
  readonly #framesHeard: Float64Array;
  // Airtime heard from each neighbour (every frame it sends, to anyone), two buckets: per slot the
  // current bucket's number, its airtime and the last bucket's (one array: a board's heap counts objects).
  readonly #load: Float64Array;
  readonly #capacity: number;
  #size = 0;
  #evicted = 0;
  #ambiguousHints = 0;
  /** Id of the neighbour the last `heard` call evicted (valid after AddedEvicting). */
  lastEvictedId = 0;

  static create(capacity: number): Result<NeighbourTable> {
    const map = FixedMap.create(capacity);
    if (!map.ok) return err(ErrorCode.InvalidArgument);
    return ok(new NeighbourTable(map.value, capacity));
  }

  private constructor(map: FixedMap, capacity: number) {
    this.#slotOf = map;
    this.#capacity = capacity;
    this.#ids = new Uint16Array(capacity);
    this.#used = new Uint8Array(capacity);
    this.#lastHeardMs = new Float64Array(capacity);
    this.#snrQdb = new Int16Array(capacity);
    this.#rssiDbm = new Int16Array(capacity);
    this.#framesHeard = new Float64Array(capacity);
    this.#load = new Float64Array(capacity * 3);
  }

  get capacity(): number {
    return this.#capacity;
  }
  get size(): number {
    return this.#size;
  }
  get evictedCount(): number {
    return this.#evicted;
  }
  get ambiguousHintCount(): number {
    return this.#ambiguousHints;
  }

  /** Record a frame heard directly from `id`. Returns a NeighbourChange. */
  heard(id: number, nowMs: number, rssiDbm: number, snrQuarterDb: number): number {
    let slot = this.#slotOf.get(id, -1);
    let change: number = NeighbourChange.Refreshed;
    if (slot < 0) {
      change = NeighbourChange.Added;
      slot = this.#freeSlot();
      if (slot < 0) {
        slot = this.#oldestSlot();
        this.lastEvictedId = this.#ids[slot] ?? 0;
        this.#slotOf.delete(this.lastEvictedId);
        this.#evicted++;
        this.#size--;
        change = NeighbourChange.AddedEvicting;
      }
      this.#used[slot] = 1;
      this.#ids[slot] = id;
      this.#snrQdb[slot] = snrQuarterDb;
      this.#rssiDbm[slot] = rssiDbm;
      this.#framesHeard[slot] = 0;
      this.#load.fill(0, slot * 3, slot * 3 + 3);
      this.#slotOf.set(id, slot);
      this.#size++;
    } else {
      const snr = this.#snrQdb[slot] ?? 0;
      const rssi = this.#rssiDbm[slot] ?? 0;
      this.#snrQdb[slot] = snr + ((snrQuarterDb - snr) >> 2);
      this.#rssiDbm[slot] = rssi + ((rssiDbm - rssi) >> 2);
    }
    this.#lastHeardMs[slot] = nowMs;
    this.#framesHeard[slot] = (this.#framesHeard[slot] ?? 0) + 1;
    return change;
  }

  has(id: number): boolean {
    return this.#slotOf.has(id);
  }

  /** Quality 0..1000 of the link from `id`, or -1 when not a neighbour. */
  qualityPermille(id: number): number {
    const slot = this.#slotOf.get(id, -1);
    return slot < 0 ? -1 : snrQualityPermille(this.#snrQdb[slot] ?? SNR_FLOOR_QDB);
  }

  lastHeardMs(id: number): number {
    const slot = this.#slotOf.get(id, -1);
    return slot < 0 ? -1 : (this.#lastHeardMs[slot] ?? -1);
  }

  /**
   * The neighbour whose id has low byte `hint` and was heard within
   * `freshMs` of `nowMs`, or -1 when none or more than one does.
   */
  resolveHint(hint: number, nowMs: number, freshMs: number): number {
    let found = -1;
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (this.#used[slot] !== 1 || ((this.#ids[slot] ?? 0) & 0xff) !== hint) continue;
      if (nowMs - (this.#lastHeardMs[slot] ?? 0) > freshMs) continue;
      if (found >= 0) {
        this.#ambiguousHints++;
        return -1;
      }
      found = this.#ids[slot] ?? 0;
    }
    return found;
  }

  /**
   * A frame of `airtimeUs` sent by the neighbour with low id byte `hint`
   * was heard (whoever it was for): its load. Ignored when no neighbour, or
   * more than one, has that byte. `bucketMs` > 0 fixes the load window (two
   * buckets: the current one and the last).
   */
  noteAirtime(hint: number, nowMs: number, airtimeUs: number, bucketMs: number): void {
    const slot = this.#slotOfHint(hint);
    if (slot < 0) return;
    this.#roll(slot, Math.floor(nowMs / bucketMs));
    this.#load[slot * 3 + 1] = (this.#load[slot * 3 + 1] ?? 0) + airtimeUs;
  }

  /**
   * How busy the neighbour with low id byte `hint` is: the airtime heard from
   * it over the last one to two buckets, permille of two buckets. 0 when
   * unknown (or ambiguous).
   */
  loadPermille(hint: number, nowMs: number, bucketMs: number): number {
    const slot = this.#slotOfHint(hint);
    if (slot < 0) return 0;
    this.#roll(slot, Math.floor(nowMs / bucketMs));
    return Math.floor(((this.#load[slot * 3 + 1] ?? 0) + (this.#load[slot * 3 + 2] ?? 0)) / (2 * bucketMs));
  }

  /** Move `slot`'s load buckets on to bucket number `epoch`. */
  #roll(slot: number, epoch: number): void {
    const load = this.#load;
    const last = load[slot * 3] ?? 0;
    if (epoch === last) return;
    load[slot * 3 + 2] = epoch === last + 1 ? (load[slot * 3 + 1] ?? 0) : 0;
    load[slot * 3 + 1] = 0;
    load[slot * 3] = epoch;
  }

  /** The slot of the one neighbour with low id byte `hint`, or -1 (none, or more than one). */
  #slotOfHint(hint: number): number {
    let found = -1;
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (this.#used[slot] !== 1 || ((this.#ids[slot] ?? 0) & 0xff) !== hint) continue;
      if (found >= 0) return -1;
      found = slot;
    }
    return found;
  }

  /** Whether any neighbour (fresh or not) has low id byte `hint`. */
  hasHint(hint: number): boolean {
    for (let slot = 0; slot < this.#capacity; slot++) if (this.#used[slot] === 1 && ((this.#ids[slot] ?? 0) & 0xff) === hint) return true;
    return false;
  }

  #freeSlot(): number {
    for (let slot = 0; slot < this.#capacity; slot++) if (this.#used[slot] !== 1) return slot;
    return -1;
  }

  #oldestSlot(): number {
    let oldest = 0;
    for (let slot = 1; slot < this.#capacity; slot++) {
      if ((this.#lastHeardMs[slot] ?? 0) < (this.#lastHeardMs[oldest] ?? 0)) oldest = slot;
    }
    return oldest;
  }
}
