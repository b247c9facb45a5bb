/**
 * Receive-side traffic keys by (sender, key epoch), with rotation (README "Crypto boundary and envelopes").
 *
 * A fixed table from (16-bit sender id, 16-bit key epoch) to a key handle and
 * its 12-byte nonce base. Rotation installs the new epoch's key next to the
 * old one (frames in flight still open), then `retireBefore` destroys, and
 * so zeroizes, every key of older epochs.
 *
 * Full policy: refuse the newcomer (`Full`, counted); no key is evicted
 * implicitly, because dropping a live key would silently drop its traffic.
 * Lookups allocate nothing.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { SlotIndex } from "../collections/slot-index";
import type { ValueOrCode } from "../collections/value-or-code";
import { AEAD_NONCE_BYTES } from "./algorithms";
import type { KeyHandle } from "./key-store";
import type { CryptoProvider } from "./provider";

const TK_U16_FIELDS = 2;
const TK_U16_SENDERS = 0;
const TK_U16_EPOCHS = 1;

/** On-air widths of the frame header fields (frame-protect.ts). */
export const SENDER_ID_MAX = 0xffff;
export const KEY_EPOCH_MAX = 0xffff;

/** A traffic key: handle plus the nonce base its frames XOR their counter into. */
export interface TrafficKey {
  readonly handle: KeyHandle;
  readonly nonceBase: Uint8Array;
  readonly epoch: number;
}

/**
 * What a receiver needs of its key source per frame (core/mesh/link-seal.ts):
 * the slot of (sender, epoch), then that slot's handle and nonce base, and
 * `confirm` once the frame authenticated. The
 * full table (TrafficKeyTable) serves it. A slot stays valid until the next `lookup`.
 */
export interface ReceiveKeys {
  /** Slot of (sender, epoch), or `-KeyEpochUnknown`. */
  lookup(senderId: number, epoch: number): ValueOrCode;
  handleAt(slot: number): KeyHandle;
  /** Copy slot `slot`'s nonce base into `out[0 .. AEAD_NONCE_BYTES)` (zeros for a slot out of range). */
  copyNonceBase(slot: number, out: Uint8Array): void;
  /** A frame authenticated under slot `slot`'s key (after the AEAD tag verified): a source may keep the key now. */
  confirm(slot: number): void;
  /** Keys derived on a lookup (0 for a table filled in advance). */
  readonly derivationCount: number;
  /** Keys destroyed to make room for another (0 for a table that refuses instead). */
  readonly evictionCount: number;
}

/**
 * Copy the nonce base of slot `slot` out of `bases` (one AEAD_NONCE_BYTES
 * stride per slot) into `out[0 .. AEAD_NONCE_BYTES)`; zeros for a slot out
 * of range. Shared by the full key table and the receive-key cache.
 */
export function copyNonceBaseAt(bases: Uint8Array, slot: number, out: Uint8Array): void {
  const base = slot * AEAD_NONCE_BYTES;
  const inRange = (slot >>> 0) === slot && base < bases.length;
  for (let i = 0; i < AEAD_NONCE_BYTES; i++) out[i] = inRange ? (bases[base + i] ?? 0) : 0;
}

function tableKey(senderId: number, epoch: number): number {
  return (senderId * 0x1_0000 + epoch) >>> 0;
}

export class TrafficKeyTable implements ReceiveKeys {
  private readonly provider_: CryptoProvider;
  private readonly index_: SlotIndex; // (sender, epoch) -> slot
  private readonly handles_: Float64Array;
  /** Per-slot fields, 2 per slot (one array: each typed array costs heap slots on XS): senders, epochs. */
  private readonly words_: Uint16Array;
  private readonly used_: Uint8Array;
  /** Nonce bases, AEAD_NONCE_BYTES per slot (one slab: no per-slot view, which costs heap slots on XS). */
  private readonly nonceBases_: Uint8Array;
  private refused_ = 0;
  private retired_ = 0;

  static create(provider: CryptoProvider, capacity: number): Result<TrafficKeyTable> {
    const index = SlotIndex.create(capacity);
    if (!index.ok) return index;
    return ok(new TrafficKeyTable(provider, index.value, capacity));
  }

  private constructor(provider: CryptoProvider, index: SlotIndex, capacity: number) {
    this.provider_ = provider;
    this.index_ = index;
    this.handles_ = new Float64Array(capacity);
    this.words_ = new Uint16Array(capacity * TK_U16_FIELDS);
    this.used_ = new Uint8Array(capacity);
    this.nonceBases_ = new Uint8Array(capacity * AEAD_NONCE_BYTES);
  }

  get size(): number {
    return this.index_.size;
  }

  /** Installs refused because the table was full. */
  get refusedCount(): number {
    return this.refused_;
  }

  /** Every key was installed in advance: nothing to keep. */
  confirm(_slot: number): void {
    // Installed keys are already kept.
  }

  /** Every key was installed in advance: none is derived on a lookup. */
  get derivationCount(): number {
    return 0;
  }

  /** Full means refuse (see the module comment): nothing is evicted. */
  get evictionCount(): number {
    return 0;
  }

  /** Keys destroyed by rotation or replacement. */
  get retiredCount(): number {
    return this.retired_;
  }

  /**
   * Install the key for (sender, epoch); the table takes ownership of the
   * handle (it destroys it on retirement). A key already there for the same
   * pair is destroyed and replaced. `Full` leaves the caller owning `key`.
   */
  install(senderId: number, key: TrafficKey): Status {
    if ((senderId >>> 0) !== senderId || senderId > SENDER_ID_MAX) return ErrorCode.InvalidArgument;
    if ((key.epoch >>> 0) !== key.epoch || key.epoch > KEY_EPOCH_MAX) return ErrorCode.InvalidArgument;
    if (key.nonceBase.length !== AEAD_NONCE_BYTES) return ErrorCode.CryptoBadLength;
    const id = tableKey(senderId, key.epoch);
    let slot = this.index_.get(id, -1);
    if (slot >= 0) {
      this.destroySlot_(slot);
    } else {
      slot = this.used_.indexOf(0);
      if (slot < 0 || this.index_.set(id, slot) !== ErrorCode.Ok) {
        this.refused_++;
        return ErrorCode.Full;
      }
    }
    this.used_[slot] = 1;
    this.handles_[slot] = key.handle;
    this.words_[slot * TK_U16_FIELDS + TK_U16_SENDERS] = senderId;
    this.words_[slot * TK_U16_FIELDS + TK_U16_EPOCHS] = key.epoch;
    this.nonceBases_.set(key.nonceBase, slot * AEAD_NONCE_BYTES);
    return ErrorCode.Ok;
  }

  /** Slot of (sender, epoch), or `-KeyEpochUnknown`. */
  lookup(senderId: number, epoch: number): ValueOrCode {
    if ((senderId >>> 0) !== senderId || senderId > SENDER_ID_MAX || (epoch >>> 0) !== epoch || epoch > KEY_EPOCH_MAX) {
      return -ErrorCode.KeyEpochUnknown;
    }
    const slot = this.index_.get(tableKey(senderId, epoch), -1);
    return slot < 0 ? -ErrorCode.KeyEpochUnknown : slot;
  }

  handleAt(slot: number): KeyHandle {
    return (this.handles_[slot] ?? -1) as KeyHandle;
  }

  /** Copy slot `slot`'s nonce base into `out[0 .. AEAD_NONCE_BYTES)` (zeros for a slot out of range). */
  copyNonceBase(slot: number, out: Uint8Array): void {
    copyNonceBaseAt(this.nonceBases_, slot, out);
  }

  /** Destroy every key of `senderId` with epoch < `epoch`. Returns how many. */
  retireBefore(senderId: number, epoch: number): number {
    return this.retireWhere_(senderId, epoch);
  }

  /** Destroy every key (all senders) with epoch < `epoch`: group-wide rotation. */
  retireAllBefore(epoch: number): number {
    return this.retireWhere_(-1, epoch);
  }

  private retireWhere_(senderId: number, epoch: number): number {
    let retired = 0;
    for (let slot = 0; slot < this.used_.length; slot++) {
      if (this.used_[slot] !== 1) continue;
      const sender = this.words_[slot * TK_U16_FIELDS + TK_U16_SENDERS] ?? 0;
      const slotEpoch = this.words_[slot * TK_U16_FIELDS + TK_U16_EPOCHS] ?? 0;
      if ((senderId < 0 || sender === senderId) && slotEpoch < epoch) {
        this.destroySlot_(slot);
        this.index_.delete(tableKey(sender, slotEpoch));
        this.used_[slot] = 0;
        retired++;
      }
    }
    return retired;
  }

  private destroySlot_(slot: number): void {
    this.provider_.destroyKey((this.handles_[slot] ?? -1) as KeyHandle);
    this.nonceBases_.fill(0, slot * AEAD_NONCE_BYTES, (slot + 1) * AEAD_NONCE_BYTES);
    this.retired_++;
  }
}

export function makeTrafficKey(handle: KeyHandle, nonceBase: Uint8Array, epoch: number): Result<TrafficKey> {
  if (nonceBase.length !== AEAD_NONCE_BYTES) return err(ErrorCode.CryptoBadLength);
  return ok(Object.freeze({ handle, nonceBase: nonceBase.slice(), epoch }));
}
