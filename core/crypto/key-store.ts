/**
 * Secret keys behind handles (README "Crypto boundary and envelopes"): callers never see key bytes
 * they do not own.
 *
 * Key bytes live in three fixed slabs allocated at `create` (symmetric,
 * signing, KEM); callers hold a `KeyHandle`, an integer naming a slot and the
 * slot's generation. Only the provider in core/crypto reads the bytes
 * (`locate` + `secretView`); nothing exported to other folders returns them.
 *
 * `destroy` zeroizes the slot and bumps its generation, so a stale handle is
 * refused (`CryptoKeyDestroyed`), never silently aliased to a newer key.
 * Each key has a kind, checked on every use (`CryptoKeyKindMismatch`): an
 * AEAD key cannot be used as a MAC key or read by the KDF, and a KEM shared
 * secret can only feed the KDF.
 *
 * Full policy: refuse (`CryptoKeyStoreFull`), counted. Each class is one
 * slab plus one metadata array, with no per-slot views (on XS each typed
 * array costs heap slots of its own); `copySecret` and `writeKey` allocate
 * nothing, `secretView`/`publicView` make a view per call (slow paths only).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { CoseAlg, KemAlg, SYMMETRIC_KEY_BYTES, kemSizes, signatureSizes, type SignatureAlg } from "./algorithms";

export const KeyKind = Object.freeze({
  Aead: 1, // ChaCha20/Poly1305 key
  Mac: 2, // HMAC-SHA-256 key
  Secret: 3, // KDF input only: KEM shared secrets, group secrets
  MlDsa44: 4,
  MlDsa65: 5,
  MlDsa87: 6,
  MlKem512: 7,
  MlKem768: 8,
} as const);

export type KeyKind = (typeof KeyKind)[keyof typeof KeyKind];

/** A key's name. Not interchangeable with other numbers; meaningless outside its store. */
export type KeyHandle = number & { readonly __brand: "KeyHandle" };

export function kindBit(kind: KeyKind): number {
  return 1 << kind;
}

export const SYMMETRIC_KINDS = kindBit(KeyKind.Aead) | kindBit(KeyKind.Mac) | kindBit(KeyKind.Secret);
export const SIGNING_KINDS = kindBit(KeyKind.MlDsa44) | kindBit(KeyKind.MlDsa65) | kindBit(KeyKind.MlDsa87);
export const KEM_KINDS = kindBit(KeyKind.MlKem512) | kindBit(KeyKind.MlKem768);

export function signingKindOf(alg: SignatureAlg): KeyKind {
  if (alg === CoseAlg.MlDsa44) return KeyKind.MlDsa44;
  if (alg === CoseAlg.MlDsa65) return KeyKind.MlDsa65;
  return KeyKind.MlDsa87;
}

export function signatureAlgOfKind(kind: number): SignatureAlg | 0 {
  if (kind === KeyKind.MlDsa44) return CoseAlg.MlDsa44;
  if (kind === KeyKind.MlDsa65) return CoseAlg.MlDsa65;
  if (kind === KeyKind.MlDsa87) return CoseAlg.MlDsa87;
  return 0;
}

export function kemKindOf(alg: KemAlg): KeyKind {
  return alg === KemAlg.MlKem512 ? KeyKind.MlKem512 : KeyKind.MlKem768;
}

export function kemAlgOfKind(kind: number): KemAlg | 0 {
  if (kind === KeyKind.MlKem512) return KemAlg.MlKem512;
  if (kind === KeyKind.MlKem768) return KemAlg.MlKem768;
  return 0;
}

export interface KeyStoreOptions {
  /** AEAD, MAC and KDF-input keys (32 bytes each). */
  readonly symmetricSlots: number;
  /** ML-DSA key pairs, each sized for `largestSignatureAlg`. */
  readonly signingSlots: number;
  readonly largestSignatureAlg: SignatureAlg;
  /** ML-KEM key pairs, each sized for `largestKemAlg`. */
  readonly kemSlots: number;
  readonly largestKemAlg: KemAlg;
}

export const KEY_STORE_SLOTS_MAX = 1024;
const SLOT_RADIX = 1024; // handle = generation * 4096 + class * 1024 + slot
const CLASS_RADIX = 4096;
const GENERATION_MAX = 0x7_ffff; // keeps handles below 2^31

const SYMMETRIC = 0;
const SIGNING = 1;
const KEM = 2;

/** Per-slot words of a class's `meta` (one typed array per class: each typed array costs heap slots on XS). */
const META_KIND = 0; // 0 = free
const META_GENERATION = 1;
const META_FREE = 2; // stack of free slots
const META_LENGTHS = 3; // secret length | public length << 16
const META_WORDS = 4;

/** One slab of equal slots: secret part, then (for key pairs) the public part. No per-slot views (each would cost heap slots on XS). */
class SlotClass {
  readonly secretBytes: number;
  readonly publicBytes: number;
  /** Key bytes, after `meta` in the same ArrayBuffer. */
  readonly slab: Uint8Array;
  /** META_WORDS words per slot (so its length is slots * META_WORDS). */
  readonly meta: Uint32Array;
  freeCount: number;

  constructor(slots: number, secretBytes: number, publicBytes: number) {
    this.secretBytes = secretBytes;
    this.publicBytes = publicBytes;
    // One backing store: metadata words, then the slab.
    const metaBytes = slots * META_WORDS * 4;
    const buffer = new ArrayBuffer(metaBytes + slots * (secretBytes + publicBytes));
    this.meta = new Uint32Array(buffer, 0, slots * META_WORDS);
    this.slab = new Uint8Array(buffer, metaBytes);
    for (let i = 0; i < slots; i++) {
      this.meta[i * META_WORDS + META_GENERATION] = 1;
      this.meta[i * META_WORDS + META_FREE] = slots - 1 - i; // slot 0 is handed out first
    }
    this.freeCount = slots;
  }

  get slots(): number {
    return this.meta.length / META_WORDS;
  }

  kind(slot: number): number {
    return this.meta[slot * META_WORDS + META_KIND] ?? 0;
  }

  generation(slot: number): number {
    return this.meta[slot * META_WORDS + META_GENERATION] ?? 1;
  }

  secretLength(slot: number): number {
    return (this.meta[slot * META_WORDS + META_LENGTHS] ?? 0) & 0xffff;
  }

  publicLength(slot: number): number {
    return (this.meta[slot * META_WORDS + META_LENGTHS] ?? 0) >>> 16;
  }

  secretStart(slot: number): number {
    return slot * (this.secretBytes + this.publicBytes);
  }
}

/**
 * The class every store configured with no slots of a kind shares: frozen at
 * module level (preloaded into flash on a board, no RAM), and never written,
 * as a 0-slot class refuses before touching state (allocate sees no free
 * slot; locate finds no slot to destroy or write).
 */
const NO_SLOTS: SlotClass = Object.freeze(new SlotClass(0, 0, 0));

/** A class of `slots` slots, or the shared empty one. */
function slotClass(slots: number, secretBytes: number, publicBytes: number): SlotClass {
  return slots === 0 ? NO_SLOTS : new SlotClass(slots, secretBytes, publicBytes);
}

export class KeyStore {
  private readonly classes_: readonly SlotClass[];
  private fullCount_ = 0;
  private staleCount_ = 0;
  private kindMismatchCount_ = 0;

  static create(options: KeyStoreOptions): Result<KeyStore> {
    const { symmetricSlots, signingSlots, kemSlots } = options;
    for (const slots of [symmetricSlots, signingSlots, kemSlots]) {
      if ((slots | 0) !== slots || slots < 0 || slots > KEY_STORE_SLOTS_MAX) return err(ErrorCode.InvalidArgument);
    }
    const sig = signatureSizes(options.largestSignatureAlg);
    const kem = kemSizes(options.largestKemAlg);
    if (sig === null || kem === null) return err(ErrorCode.CryptoUnknownAlgorithm);
    return ok(
      new KeyStore([
        slotClass(symmetricSlots, SYMMETRIC_KEY_BYTES, 0),
        slotClass(signingSlots, sig.secretKeyBytes, sig.publicKeyBytes),
        slotClass(kemSlots, kem.secretKeyBytes, kem.publicKeyBytes),
      ]),
    );
  }

  private constructor(classes: readonly SlotClass[]) {
    this.classes_ = classes;
  }

  /** Allocations refused because a class was full. */
  get fullCount(): number {
    return this.fullCount_;
  }

  /** Uses of destroyed (stale) handles. */
  get staleCount(): number {
    return this.staleCount_;
  }

  get kindMismatchCount(): number {
    return this.kindMismatchCount_;
  }

  /** Live keys of all classes. */
  get liveCount(): number {
    let live = 0;
    for (const cls of this.classes_) live += cls.slots - cls.freeCount;
    return live;
  }

  /**
   * Reserve a slot for a new key of `kind` whose secret is `secretLength`
   * bytes (and public part `publicLength`). Returns the handle (>= 0) or
   * `-CryptoKeyStoreFull` / `-CryptoKeyWrongLength`. The slot's bytes are
   * zero; the provider fills them through `locate` + views.
   */
  allocate(kind: KeyKind, secretLength: number, publicLength: number): ValueOrCode {
    const clsIndex = classOf(kind);
    const cls = this.classes_[clsIndex];
    if (cls === undefined) return -ErrorCode.InvalidArgument;
    if (cls.freeCount === 0) {
      this.fullCount_++;
      return -ErrorCode.CryptoKeyStoreFull;
    }
    const slot = cls.meta[(cls.freeCount - 1) * META_WORDS + META_FREE] ?? 0;
    if (secretLength > cls.secretBytes || publicLength > cls.publicBytes) return -ErrorCode.CryptoKeyWrongLength;
    cls.freeCount--;
    cls.meta[slot * META_WORDS + META_KIND] = kind;
    cls.meta[slot * META_WORDS + META_LENGTHS] = (secretLength | (publicLength << 16)) >>> 0;
    return cls.generation(slot) * CLASS_RADIX + clsIndex * SLOT_RADIX + slot;
  }

  /**
   * A live key's location (an index for `secretView`/`publicView`) if its
   * kind is in `kindMask`; else `-CryptoKeyDestroyed` (stale or never
   * issued) or `-CryptoKeyKindMismatch`.
   */
  locate(handle: KeyHandle | number, kindMask: number): ValueOrCode {
    if ((handle >>> 0) !== handle) return -ErrorCode.InvalidArgument;
    const generation = Math.floor(handle / CLASS_RADIX);
    const clsIndex = Math.floor((handle % CLASS_RADIX) / SLOT_RADIX);
    const slot = handle % SLOT_RADIX;
    const cls = this.classes_[clsIndex];
    if (cls === undefined || slot >= cls.slots) return -ErrorCode.InvalidArgument;
    const kind = cls.kind(slot);
    if (kind === 0 || cls.generation(slot) !== generation) {
      this.staleCount_++;
      return -ErrorCode.CryptoKeyDestroyed;
    }
    if ((kindMask & (1 << kind)) === 0) {
      this.kindMismatchCount_++;
      return -ErrorCode.CryptoKeyKindMismatch;
    }
    return clsIndex * SLOT_RADIX + slot;
  }

  /** The kind of a live key, or a negated code. */
  kindOf(handle: KeyHandle | number): ValueOrCode {
    const at = this.locate(handle, 0x7fff_ffff);
    if (at < 0) return at;
    const cls = this.classes_[Math.floor(at / SLOT_RADIX)];
    return cls === undefined ? -ErrorCode.InvariantViolated : cls.kind(at % SLOT_RADIX);
  }

  /** Secret bytes at a location from `locate`, as a new view (allocates: not for per-frame paths; see `copySecret`). */
  secretView(location: number): Uint8Array {
    const cls = this.classes_[Math.floor(location / SLOT_RADIX)];
    const slot = location % SLOT_RADIX;
    if (cls === undefined || slot < 0 || slot >= cls.slots) return new Uint8Array(0);
    const start = cls.secretStart(slot);
    return cls.slab.subarray(start, start + cls.secretLength(slot));
  }

  /** Public bytes at a location (empty for symmetric keys), as a new view. */
  publicView(location: number): Uint8Array {
    const cls = this.classes_[Math.floor(location / SLOT_RADIX)];
    const slot = location % SLOT_RADIX;
    if (cls === undefined || slot < 0 || slot >= cls.slots) return new Uint8Array(0);
    const start = cls.secretStart(slot) + cls.secretBytes;
    return cls.slab.subarray(start, start + cls.publicLength(slot));
  }

  /** The slab holding the secret at a location (read it in place at `secretOffset`; never write through it). */
  secretSlab(location: number): Uint8Array | undefined {
    return this.classes_[Math.floor(location / SLOT_RADIX)]?.slab;
  }

  /** Offset of the secret at a location in `secretSlab`, if it is exactly `length` bytes; else -1. Allocates nothing. */
  secretOffset(location: number, length: number): number {
    const cls = this.classes_[Math.floor(location / SLOT_RADIX)];
    const slot = location % SLOT_RADIX;
    if (cls === undefined || slot < 0 || slot >= cls.slots || cls.secretLength(slot) !== length) return -1;
    return cls.secretStart(slot);
  }

  /** Copy the secret bytes at a location into out[0, length); returns the length, or -CryptoBufferTooSmall. Allocates nothing. */
  copySecret(location: number, out: Uint8Array): ValueOrCode {
    const cls = this.classes_[Math.floor(location / SLOT_RADIX)];
    const slot = location % SLOT_RADIX;
    if (cls === undefined || slot < 0 || slot >= cls.slots) return -ErrorCode.InvalidArgument;
    const length = cls.secretLength(slot);
    if (out.length < length) return -ErrorCode.CryptoBufferTooSmall;
    const start = cls.secretStart(slot);
    const slab = cls.slab;
    for (let i = 0; i < length; i++) out[i] = slab[start + i] ?? 0;
    return length;
  }

  /** Write a freshly allocated key's bytes (lengths as given to `allocate`). Allocates nothing. */
  writeKey(location: number, secret: Uint8Array, pub: Uint8Array | null): Status {
    const cls = this.classes_[Math.floor(location / SLOT_RADIX)];
    const slot = location % SLOT_RADIX;
    if (cls === undefined || slot < 0 || slot >= cls.slots) return ErrorCode.InvalidArgument;
    if (secret.length !== cls.secretLength(slot) || (pub === null ? 0 : pub.length) !== cls.publicLength(slot)) return ErrorCode.CryptoKeyWrongLength;
    const start = cls.secretStart(slot);
    cls.slab.set(secret, start);
    if (pub !== null) cls.slab.set(pub, start + cls.secretBytes);
    return ErrorCode.Ok;
  }

  /** Zeroize and free. Ok, or CryptoKeyDestroyed for a stale handle (nothing changes). */
  destroy(handle: KeyHandle | number): Status {
    const at = this.locate(handle, 0x7fff_ffff);
    if (at < 0) return -at as Status;
    const cls = this.classes_[Math.floor(at / SLOT_RADIX)];
    const slot = at % SLOT_RADIX;
    if (cls === undefined) return ErrorCode.InvariantViolated;
    const start = cls.secretStart(slot);
    cls.slab.fill(0, start, start + cls.secretBytes + cls.publicBytes); // zeroize the secret and public parts
    cls.meta[slot * META_WORDS + META_KIND] = 0;
    cls.meta[slot * META_WORDS + META_LENGTHS] = 0;
    const generation = cls.generation(slot) + 1;
    cls.meta[slot * META_WORDS + META_GENERATION] = generation > GENERATION_MAX ? 1 : generation;
    cls.meta[cls.freeCount * META_WORDS + META_FREE] = slot;
    cls.freeCount++;
    return ErrorCode.Ok;
  }

  /** Release a freshly allocated slot whose key could not be made (zeroizes). */
  abandon(handle: number): void {
    this.destroy(handle);
  }
}

function classOf(kind: KeyKind): number {
  if ((SYMMETRIC_KINDS & (1 << kind)) !== 0) return SYMMETRIC;
  if ((SIGNING_KINDS & (1 << kind)) !== 0) return SIGNING;
  if ((KEM_KINDS & (1 << kind)) !== 0) return KEM;
  return -1;
}
