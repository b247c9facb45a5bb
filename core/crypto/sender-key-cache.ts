/**
 * Receive-side group traffic keys derived on first use (traffic-derive.ts,
 * HKDF-SHA-256 per RFC 5869), held in a bounded cache with least-recently-
 * used eviction. Boot derives nothing per site member, so its cost does not
 * grow with the site: a frame from a sender whose key is not cached costs
 * one derivation (two HKDF calls), counted in `derivationCount`. The link
 * header's source is the frame's origin (relays do not re-seal), so a board
 * opens frames of every origin whose traffic reaches or crosses it; a cache
 * the size of that set rarely derives after the first minutes, and a
 * smaller one derives on its misses.
 *
 * Probation: a freshly derived key goes into one spare slot, not into the
 * cache. Only when a frame authenticated under it (`confirm`, called by the
 * opener after the AEAD tag verified) does it take a cache slot, evicting
 * the least recently used key if the cache is full (counted in
 * `evictionCount`). So frames forged with made-up sender ids cost a
 * derivation each but never push a real neighbour's key out (RFC 4303
 * §3.4.3's rule for the replay window, applied to the key cache: state moves
 * only on authenticated frames).
 *
 * The group secret therefore stays in service: it is one Secret key in the
 * provider's key store (one fixed 32-byte slot of its slab, read only by the
 * KDF, never exposed), destroyed, and so zeroed, by `close` at shutdown.
 * Keeping it is what on-demand derivation costs: a board that holds it can
 * derive every member's group key, as every member already could with the
 * full table. Per-board keys that remove that ability belong to the
 * link-security design (ARCHITECTURE.md "Identity"), not to this cache.
 *
 * Replay windows are not here: they stay per sender in ReplayTable, so
 * evicting and re-deriving a key never forgets which counters were seen.
 *
 * Memory is fixed at `create`, in one ArrayBuffer: capacity + 1 slots of
 * (sender, key handle, nonce base, last-use stamp) plus a sender -> slot
 * index of `senderIdMax + 1` entries; the provider's key store needs capacity + 2
 * symmetric slots for it (the slots and the secret). A hit, a confirm and an
 * eviction allocate nothing; a derivation allocates only the provider's
 * result record. Slot choice is deterministic: the lowest free slot, else the
 * smallest stamp (stamps are unique).
 */
import type { ValueOrCode } from "../collections/value-or-code";
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { AEAD_NONCE_BYTES } from "./algorithms";
import { KeyKind, type KeyHandle } from "./key-store";
import type { CryptoProvider } from "./provider";
import { Channel, KDF_INFO_BYTES, KdfPurpose, kdfInfo } from "./traffic-derive";
import { copyNonceBaseAt, KEY_EPOCH_MAX, SENDER_ID_MAX, type ReceiveKeys } from "./traffic-keys";

/** Largest cache: 256 keys take ~20 KB with their key-store slots (78 B a key), more than a gateway's neighbourhood needs. */
export const SENDER_KEY_CACHE_CAPACITY_MAX = 256;

export interface SenderKeyCacheOptions {
  /** Keys held at once, 1..SENDER_KEY_CACHE_CAPACITY_MAX. */
  readonly capacity: number;
  /** Highest sender id of the group (1..SENDER_ID_MAX); ids above it have no key. */
  readonly senderIdMax: number;
  readonly groupId: number;
  /** The key epoch the group secret belongs to; other epochs have no key here. */
  readonly epoch: number;
}

const NO_SLOT = -1;
const EMPTY = 0; // sender ids start at 1
/** Per slot in `entries_`: sender id, key handle, last use. */
const ENTRY_WORDS = 3;
const AT_SENDER = 0;
const AT_HANDLE = 1;
const AT_LAST_USE = 2;
/** The cache's own numbers, ahead of the slots in `entries_`: the use clock and the counters. */
const C_CLOCK = 0;
const C_HITS = 1;
const C_DERIVATIONS = 2;
const C_EVICTIONS = 3;
const C_FAILURES = 4;
/** Slot s's numbers start at entries_[E + s * ENTRY_WORDS]. */
const E = 5;
/** HKDF salt of every traffic key: empty (RFC 5869 §2.2: HashLen zeros). Frozen: it has no elements to write. */
const NO_SALT = Object.freeze(new Uint8Array(0));

export class SenderKeyCache implements ReceiveKeys {
  private readonly provider_: CryptoProvider;
  private secret_: KeyHandle;
  /** The slot on probation: its key (if `spareSender_` is not EMPTY) awaits an authenticated frame. */
  private spare_: number;
  private spareSender_ = EMPTY;
  /**
   * The clock and counters (C_*), then per slot (capacity + 1 of them, so
   * its length is E + that times ENTRY_WORDS), ENTRY_WORDS numbers: sender
   * id (EMPTY = free; the spare's is always EMPTY), key handle (-1 = none),
   * last use.
   */
  private readonly entries_: Float64Array;
  /**
   * Per slot its nonce base (AEAD_NONCE_BYTES at slot * AEAD_NONCE_BYTES);
   * then per sender id 0..senderIdMax its slot as a little-endian u16 at
   * slotOfAt_() + 2 * id, 0xffff when not cached (the spare slot is never
   * there). Its length is therefore slots * AEAD_NONCE_BYTES + 2 *
   * (senderIdMax + 1).
   */
  private readonly bytes_: Uint8Array;
  /**
   * Scratch for one derivation: HKDF info and nonce base, and the KDF
   * context (reused, never shared; its epoch is the cache's epoch). Every
   * array here is a view on one ArrayBuffer (each ArrayBuffer costs heap
   * slots on XS).
   */
  private readonly info_: Uint8Array;
  private readonly nonce_: Uint8Array;
  private readonly context_: { channel: Channel; epoch: number; senderId: number; receiverId: number; groupId: number };

  /**
   * A cache deriving from `groupSecret` (a Secret key in `provider`'s store,
   * owned by the cache from here on: `close` destroys it).
   */
  static create(provider: CryptoProvider, groupSecret: KeyHandle, options: SenderKeyCacheOptions): Result<SenderKeyCache> {
    const { capacity, senderIdMax, groupId, epoch } = options;
    if ((capacity | 0) !== capacity || capacity < 1 || capacity > SENDER_KEY_CACHE_CAPACITY_MAX) return err(ErrorCode.InvalidArgument);
    if ((senderIdMax | 0) !== senderIdMax || senderIdMax < 1 || senderIdMax > SENDER_ID_MAX) return err(ErrorCode.InvalidArgument);
    if ((epoch >>> 0) !== epoch || epoch > KEY_EPOCH_MAX || (groupId >>> 0) !== groupId) return err(ErrorCode.InvalidArgument);
    if (provider.keyKind(groupSecret) !== KeyKind.Secret) return err(ErrorCode.CryptoKeyKindMismatch);
    return ok(new SenderKeyCache(provider, groupSecret, options));
  }

  private constructor(provider: CryptoProvider, groupSecret: KeyHandle, options: SenderKeyCacheOptions) {
    this.provider_ = provider;
    this.secret_ = groupSecret;
    const slots = options.capacity + 1;
    // One backing store: entries (float64), then nonce bases and sender -> slot, HKDF info and nonce scratch (bytes).
    const bytesAt = (E + slots * ENTRY_WORDS) * 8;
    const slotOfAt = slots * AEAD_NONCE_BYTES;
    const bytes = slotOfAt + 2 * (options.senderIdMax + 1);
    const buffer = new ArrayBuffer(bytesAt + bytes + KDF_INFO_BYTES + AEAD_NONCE_BYTES);
    this.entries_ = new Float64Array(buffer, 0, E + slots * ENTRY_WORDS);
    this.bytes_ = new Uint8Array(buffer, bytesAt, bytes);
    this.bytes_.fill(0xff, slotOfAt); // no sender cached
    this.info_ = new Uint8Array(buffer, bytesAt + bytes, KDF_INFO_BYTES);
    this.nonce_ = new Uint8Array(buffer, bytesAt + bytes + KDF_INFO_BYTES, AEAD_NONCE_BYTES);
    for (let slot = 0; slot < slots; slot++) this.entries_[E + slot * ENTRY_WORDS + AT_HANDLE] = -1;
    this.spare_ = options.capacity;
    this.context_ = { channel: Channel.Group, epoch: options.epoch, senderId: 0, receiverId: 0, groupId: options.groupId };
  }

  get capacity(): number {
    return this.slots_() - 1;
  }

  /** Keys cached now (confirmed; the one on probation is not counted). */
  get size(): number {
    let n = 0;
    const slots = this.slots_();
    for (let slot = 0; slot < slots; slot++) if (this.entries_[E + slot * ENTRY_WORDS + AT_SENDER] !== EMPTY) n++;
    return n;
  }

  /** Lookups answered from the cache. */
  get hitCount(): number {
    return this.entries_[C_HITS] ?? 0;
  }

  /** Keys derived (one per frame from a sender whose key was not cached). */
  get derivationCount(): number {
    return this.entries_[C_DERIVATIONS] ?? 0;
  }

  /** Cached keys destroyed to make room for a confirmed one (least recently used first). */
  get evictionCount(): number {
    return this.entries_[C_EVICTIONS] ?? 0;
  }

  /** Derivations the provider refused (the frame is dropped as having no key). */
  get failureCount(): number {
    return this.entries_[C_FAILURES] ?? 0;
  }

  /** True once `close` has destroyed the group secret. */
  get closed(): boolean {
    return this.secret_ < 0;
  }

  /**
   * Slot of `senderId`'s key for `epoch`: a cached key, the key on probation,
   * or one derived now into the probation slot (replacing the previous,
   * never confirmed one). `-KeyEpochUnknown` for another epoch, a sender id
   * outside 1..senderIdMax, a closed cache, or a derivation the provider
   * refused.
   */
  lookup(senderId: number, epoch: number): ValueOrCode {
    if (epoch !== this.context_.epoch || (senderId | 0) !== senderId || senderId < 1 || senderId > this.senderIdMax_() || this.secret_ < 0) return -ErrorCode.KeyEpochUnknown;
    const cached = this.cachedSlot_(senderId);
    if (cached !== NO_SLOT) {
      this.count_(C_HITS);
      this.entries_[E + cached * ENTRY_WORDS + AT_LAST_USE] = this.count_(C_CLOCK);
      return cached;
    }
    const spare = this.spare_;
    if (this.spareSender_ === senderId) {
      this.count_(C_HITS);
      return spare;
    }
    this.clearSpare_();
    // A tail call: XS reuses this frame, and a miss derives a key on the agent's deepest JS stack (a frame received in a tick).
    return this.deriveIntoSpare_(senderId, spare);
  }

  /**
   * A frame authenticated under the key at `slot`: a key on probation takes a
   * cache slot (the lowest free one, else the least recently used key is
   * destroyed, counted). A cached slot or anything else: no change.
   */
  confirm(slot: number): void {
    const sender = this.spareSender_;
    if (slot !== this.spare_ || sender === EMPTY) return;
    const victim = this.victim_();
    if (this.entries_[E + victim * ENTRY_WORDS + AT_SENDER] !== EMPTY) {
      this.evict_(victim);
      this.count_(C_EVICTIONS);
    }
    // The probation slot joins the cache; the emptied slot becomes the probation slot.
    this.entries_[E + slot * ENTRY_WORDS + AT_SENDER] = sender;
    this.setCachedSlot_(sender, slot);
    this.entries_[E + slot * ENTRY_WORDS + AT_LAST_USE] = this.count_(C_CLOCK);
    this.spare_ = victim;
    this.spareSender_ = EMPTY;
  }

  handleAt(slot: number): KeyHandle {
    return (this.entries_[E + slot * ENTRY_WORDS + AT_HANDLE] ?? -1) as KeyHandle;
  }

  copyNonceBase(slot: number, out: Uint8Array): void {
    // `bytes_` holds the sender -> slot table after the nonce bases: a slot past the last is out of range (zeros), not table bytes.
    copyNonceBaseAt(this.bytes_, slot < this.slots_() ? slot : -1, out);
  }

  /** Destroy every cached key and the group secret (zeroized in the key store). Idempotent. */
  close(): Status {
    const slots = this.slots_();
    for (let slot = 0; slot < slots; slot++) if (this.entries_[E + slot * ENTRY_WORDS + AT_SENDER] !== EMPTY) this.evict_(slot);
    this.clearSpare_();
    if (this.secret_ >= 0) {
      this.provider_.destroyKey(this.secret_);
      this.secret_ = -1 as KeyHandle;
    }
    return ErrorCode.Ok;
  }

  /** Slots: the cache's capacity plus the probation slot. */
  private slots_(): number {
    return (this.entries_.length - E) / ENTRY_WORDS;
  }

  /** Where the sender -> slot table starts in `bytes_` (after the nonce bases). */
  private slotOfAt_(): number {
    return ((this.entries_.length - E) / ENTRY_WORDS) * AEAD_NONCE_BYTES;
  }

  /** The highest sender id with an entry in the sender -> slot table. */
  private senderIdMax_(): number {
    return (this.bytes_.length - this.slotOfAt_()) / 2 - 1;
  }

  /** The cached slot of `senderId` (1..senderIdMax), or NO_SLOT. */
  private cachedSlot_(senderId: number): number {
    const at = this.slotOfAt_() + 2 * senderId;
    const slot = (this.bytes_[at] ?? 0xff) | ((this.bytes_[at + 1] ?? 0xff) << 8);
    return slot === 0xffff ? NO_SLOT : slot;
  }

  /** Record `slot` (or NO_SLOT) as `senderId`'s cached slot. */
  private setCachedSlot_(senderId: number, slot: number): void {
    const at = this.slotOfAt_() + 2 * senderId;
    this.bytes_[at] = slot & 0xff;
    this.bytes_[at + 1] = (slot >>> 8) & 0xff;
  }

  /** Add one to the number at `at` (a C_* index); the new value. */
  private count_(at: number): number {
    const value = (this.entries_[at] ?? 0) + 1;
    this.entries_[at] = value;
    return value;
  }

  /** The lowest free cache slot, else the least recently used one (the probation slot is never chosen). */
  private victim_(): number {
    const spare = this.spare_;
    let oldest = -1;
    const slots = this.slots_();
    for (let slot = 0; slot < slots; slot++) {
      if (slot === spare) continue;
      if (this.entries_[E + slot * ENTRY_WORDS + AT_SENDER] === EMPTY) return slot;
      if (oldest < 0 || (this.entries_[E + slot * ENTRY_WORDS + AT_LAST_USE] ?? 0) < (this.entries_[E + oldest * ENTRY_WORDS + AT_LAST_USE] ?? 0)) oldest = slot;
    }
    return oldest;
  }

  /** Destroy the key on probation, if any. */
  private clearSpare_(): void {
    const spare = this.spare_;
    if ((this.entries_[E + spare * ENTRY_WORDS + AT_HANDLE] ?? -1) >= 0) this.provider_.destroyKey((this.entries_[E + spare * ENTRY_WORDS + AT_HANDLE] ?? -1) as KeyHandle);
    this.entries_[E + spare * ENTRY_WORDS + AT_HANDLE] = -1;
    this.bytes_.fill(0, spare * AEAD_NONCE_BYTES, (spare + 1) * AEAD_NONCE_BYTES);
    this.spareSender_ = EMPTY;
  }

  private evict_(slot: number): void {
    this.provider_.destroyKey((this.entries_[E + slot * ENTRY_WORDS + AT_HANDLE] ?? -1) as KeyHandle);
    this.setCachedSlot_(this.entries_[E + slot * ENTRY_WORDS + AT_SENDER] ?? 0, NO_SLOT);
    this.entries_[E + slot * ENTRY_WORDS + AT_SENDER] = EMPTY;
    this.entries_[E + slot * ENTRY_WORDS + AT_HANDLE] = -1;
    this.bytes_.fill(0, slot * AEAD_NONCE_BYTES, (slot + 1) * AEAD_NONCE_BYTES);
  }

  /** deriveGroupSenderKey's bytes (traffic-derive.ts), into `slot`, without its per-call buffers. */
  // A miss: derive `senderId`'s traffic key and nonce base into `spare` (on probation until a frame authenticates
  // under it). One frame between `lookup` and the provider: a miss runs on the agent's deepest JS stack.
  private deriveIntoSpare_(senderId: number, spare: number): ValueOrCode {
    const context = this.context_;
    context.senderId = senderId;
    const info = this.info_;
    const key = kdfInfo(KdfPurpose.TrafficKey, context, info) === ErrorCode.Ok ? this.provider_.deriveKey(this.secret_, NO_SALT, info, KeyKind.Aead) : undefined;
    if (key === undefined || !key.ok) return this.missFailed_();
    kdfInfo(KdfPurpose.NonceBase, context, info);
    const nonce = this.nonce_;
    if (this.provider_.deriveNonSecret(this.secret_, NO_SALT, info, nonce) !== ErrorCode.Ok) {
      this.provider_.destroyKey(key.value);
      return this.missFailed_();
    }
    this.entries_[E + spare * ENTRY_WORDS + AT_HANDLE] = key.value;
    this.bytes_.set(nonce, spare * AEAD_NONCE_BYTES);
    nonce.fill(0);
    this.count_(C_DERIVATIONS);
    this.spareSender_ = senderId;
    return spare;
  }

  private missFailed_(): ValueOrCode {
    this.nonce_.fill(0);
    this.count_(C_FAILURES);
    return -ErrorCode.KeyEpochUnknown;
  }

}
