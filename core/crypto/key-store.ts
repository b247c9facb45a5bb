/**
 * Secret keys behind handles (issue 5 §1: "callers never see key bytes they
 * do not own").
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
 * Full policy: refuse (`CryptoKeyStoreFull`), counted. Nothing is allocated
 * after `create` (views onto the slabs are made once there).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { zeroize } from "./ct";
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

/** One slab of equal slots: secret part, then (for key pairs) the public part. */
class SlotClass {
  readonly kinds: Uint8Array; // 0 = free
  readonly generations: Uint32Array;
  readonly free: Uint16Array; // stack of free slots
  readonly secrets: Uint8Array[]; // views, one per slot
  readonly publics: Uint8Array[];
  readonly secretLengths: Uint16Array;
  readonly publicLengths: Uint16Array;
  freeCount: number;

  constructor(slots: number, secretBytes: number, publicBytes: number) {
    const slab = new Uint8Array(slots * (secretBytes + publicBytes));
    this.kinds = new Uint8Array(slots);
    this.generations = new Uint32Array(slots).fill(1);
    this.free = new Uint16Array(slots);
    this.secretLengths = new Uint16Array(slots);
    this.publicLengths = new Uint16Array(slots);
    this.secrets = [];
    this.publics = [];
    // Symmetric slots have no public part: one shared empty view instead of one each (a view costs heap slots on XS).
    const noPublic = publicBytes === 0 ? new Uint8Array(0) : undefined;
    for (let i = 0; i < slots; i++) {
      const base = i * (secretBytes + publicBytes);
      this.secrets.push(slab.subarray(base, base + secretBytes));
      this.publics.push(noPublic ?? slab.subarray(base + secretBytes, base + secretBytes + publicBytes));
      this.free[i] = slots - 1 - i; // slot 0 is handed out first
    }
    this.freeCount = slots;
  }
}

export class KeyStore {
  readonly #classes: readonly SlotClass[];
  #fullCount = 0;
  #staleCount = 0;
  #kindMismatchCount = 0;

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
        new SlotClass(symmetricSlots, SYMMETRIC_KEY_BYTES, 0),
        new SlotClass(signingSlots, sig.secretKeyBytes, sig.publicKeyBytes),
        new SlotClass(kemSlots, kem.secretKeyBytes, kem.publicKeyBytes),
      ]),
    );
  }

  private constructor(classes: readonly SlotClass[]) {
    this.#classes = classes;
  }

  /** Allocations refused because a class was full. */
  get fullCount(): number {
    return this.#fullCount;
  }

  /** Uses of destroyed (stale) handles. */
  get staleCount(): number {
    return this.#staleCount;
  }

  get kindMismatchCount(): number {
    return this.#kindMismatchCount;
  }

  /** Live keys of all classes. */
  get liveCount(): number {
    let live = 0;
    for (const cls of this.#classes) live += cls.kinds.length - cls.freeCount;
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
    const cls = this.#classes[clsIndex];
    if (cls === undefined) return -ErrorCode.InvalidArgument;
    if (cls.freeCount === 0) {
      this.#fullCount++;
      return -ErrorCode.CryptoKeyStoreFull;
    }
    const slot = cls.free[cls.freeCount - 1] ?? 0;
    const secret = cls.secrets[slot];
    const pub = cls.publics[slot];
    if (secret === undefined || pub === undefined || secretLength > secret.length || publicLength > pub.length) {
      return -ErrorCode.CryptoKeyWrongLength;
    }
    cls.freeCount--;
    cls.kinds[slot] = kind;
    cls.secretLengths[slot] = secretLength;
    cls.publicLengths[slot] = publicLength;
    return (cls.generations[slot] ?? 1) * CLASS_RADIX + clsIndex * SLOT_RADIX + slot;
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
    const cls = this.#classes[clsIndex];
    if (cls === undefined || slot >= cls.kinds.length) return -ErrorCode.InvalidArgument;
    const kind = cls.kinds[slot] ?? 0;
    if (kind === 0 || cls.generations[slot] !== generation) {
      this.#staleCount++;
      return -ErrorCode.CryptoKeyDestroyed;
    }
    if ((kindMask & (1 << kind)) === 0) {
      this.#kindMismatchCount++;
      return -ErrorCode.CryptoKeyKindMismatch;
    }
    return clsIndex * SLOT_RADIX + slot;
  }

  /** The kind of a live key, or a negated code. */
  kindOf(handle: KeyHandle | number): ValueOrCode {
    const at = this.locate(handle, 0x7fff_ffff);
    if (at < 0) return at;
    const cls = this.#classes[Math.floor(at / SLOT_RADIX)];
    return cls?.kinds[at % SLOT_RADIX] ?? -ErrorCode.InvariantViolated;
  }

  /** Secret bytes at a location from `locate` (core/crypto internal). */
  secretView(location: number): Uint8Array {
    const cls = this.#classes[Math.floor(location / SLOT_RADIX)];
    const slot = location % SLOT_RADIX;
    const view = cls?.secrets[slot];
    if (cls === undefined || view === undefined) return new Uint8Array(0);
    const length = cls.secretLengths[slot] ?? 0;
    return length === view.length ? view : view.subarray(0, length);
  }

  /** Public bytes at a location (empty for symmetric keys). */
  publicView(location: number): Uint8Array {
    const cls = this.#classes[Math.floor(location / SLOT_RADIX)];
    const slot = location % SLOT_RADIX;
    const view = cls?.publics[slot];
    if (cls === undefined || view === undefined) return new Uint8Array(0);
    const length = cls.publicLengths[slot] ?? 0;
    return length === view.length ? view : view.subarray(0, length);
  }

  /** Zeroize and free. Ok, or CryptoKeyDestroyed for a stale handle (nothing changes). */
  destroy(handle: KeyHandle | number): Status {
    const at = this.locate(handle, 0x7fff_ffff);
    if (at < 0) return -at as Status;
    const cls = this.#classes[Math.floor(at / SLOT_RADIX)];
    const slot = at % SLOT_RADIX;
    if (cls === undefined) return ErrorCode.InvariantViolated;
    const secret = cls.secrets[slot];
    const pub = cls.publics[slot];
    if (secret !== undefined) zeroize(secret);
    if (pub !== undefined) zeroize(pub);
    cls.kinds[slot] = 0;
    const generation = (cls.generations[slot] ?? 1) + 1;
    cls.generations[slot] = generation > GENERATION_MAX ? 1 : generation;
    cls.free[cls.freeCount] = slot;
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
