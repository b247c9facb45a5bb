/**
 * KeyStore (core/crypto/key-store.ts) against the changes mutation testing
 * (`npm run mutate -- --mutate core/crypto/key-store.ts`) found no test
 * noticing: slot-count boundaries, the handle layout (generation, class,
 * slot), every refusal with its code and its counter and nothing changed,
 * lengths checked on allocate and write, destroy zeroing the secret and the
 * public part and turning every copy of the handle stale (also when the
 * generation wraps), and the kind <-> algorithm maps.
 */
import { describe, expect, it } from "vitest";
import { CoseAlg, KemAlg, SYMMETRIC_KEY_BYTES, kemSizes, signatureSizes } from "../../../core/crypto/algorithms";
import {
  KEM_KINDS,
  KEY_STORE_SLOTS_MAX,
  KeyKind,
  KeyStore,
  SIGNING_KINDS,
  SYMMETRIC_KINDS,
  kemAlgOfKind,
  kemKindOf,
  kindBit,
  signatureAlgOfKind,
  signingKindOf,
  type KeyStoreOptions,
} from "../../../core/crypto/key-store";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Result } from "../../../core/runtime/result";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`setup failed with code ${result.code}`);
  return result.value;
}

const OPTIONS: KeyStoreOptions = { symmetricSlots: 3, signingSlots: 2, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 2, largestKemAlg: KemAlg.MlKem512 };
const ALL = 0x7fff_ffff;
const DSA44 = signatureSizes(CoseAlg.MlDsa44) ?? { secretKeyBytes: 0, publicKeyBytes: 0 };
const KEM512 = kemSizes(KemAlg.MlKem512) ?? { secretKeyBytes: 0, publicKeyBytes: 0 };

function counts(store: KeyStore): number[] {
  return [store.liveCount, store.fullCount, store.staleCount, store.kindMismatchCount];
}

describe("KeyStore.create: slot counts 0..KEY_STORE_SLOTS_MAX, known algorithms", () => {
  it("accepts 0 and KEY_STORE_SLOTS_MAX slots per class; a class of 0 slots refuses every key as full", () => {
    for (const slots of [0, 1, KEY_STORE_SLOTS_MAX]) {
      const made = KeyStore.create({ ...OPTIONS, symmetricSlots: slots, signingSlots: slots === 0 ? 0 : 1, kemSlots: slots === 0 ? 0 : 1 });
      expect(made.ok ? 0 : made.code, `${slots} slots`).toBe(ErrorCode.Ok);
      if (!made.ok) continue;
      const store = made.value;
      let live = 0;
      while (store.allocate(KeyKind.Aead, 32, 0) >= 0) live++;
      expect(live).toBe(slots);
      expect(counts(store)).toEqual([slots, 1, 0, 0]);
    }
    const empty = unwrap(KeyStore.create({ ...OPTIONS, symmetricSlots: 0, signingSlots: 0, kemSlots: 0 }));
    expect(empty.allocate(KeyKind.MlDsa44, 1, 1)).toBe(-ErrorCode.CryptoKeyStoreFull);
    expect(empty.allocate(KeyKind.MlKem512, 1, 1)).toBe(-ErrorCode.CryptoKeyStoreFull);
    expect(empty.locate(4096, ALL)).toBe(-ErrorCode.InvalidArgument); // no slot 0 to name
    expect(counts(empty)).toEqual([0, 2, 0, 0]);
  });

  it("refuses a negative, fractional or too-large slot count in any class with InvalidArgument", () => {
    for (const bad of [-1, 1.5, KEY_STORE_SLOTS_MAX + 1]) {
      for (const field of ["symmetricSlots", "signingSlots", "kemSlots"] as const) {
        const made = KeyStore.create({ ...OPTIONS, [field]: bad });
        expect(made.ok ? 0 : made.code, `${field} ${bad}`).toBe(ErrorCode.InvalidArgument);
      }
    }
  });

  it("refuses an unknown signature or KEM algorithm with CryptoUnknownAlgorithm", () => {
    const badSig = KeyStore.create({ ...OPTIONS, largestSignatureAlg: -7 as typeof CoseAlg.MlDsa44 });
    const badKem = KeyStore.create({ ...OPTIONS, largestKemAlg: 1024 as typeof KemAlg.MlKem512 });
    expect([badSig.ok ? 0 : badSig.code, badKem.ok ? 0 : badKem.code]).toEqual([ErrorCode.CryptoUnknownAlgorithm, ErrorCode.CryptoUnknownAlgorithm]);
  });
});

describe("KeyStore.allocate and locate: handle layout, refusals with their codes and counters", () => {
  it("hands out slot 0 first in each class; handle = generation * 4096 + class * 1024 + slot; location = class * 1024 + slot", () => {
    const store = unwrap(KeyStore.create(OPTIONS));
    const a = store.allocate(KeyKind.Aead, 32, 0);
    const b = store.allocate(KeyKind.Mac, 32, 0);
    const s = store.allocate(KeyKind.MlDsa44, DSA44.secretKeyBytes, DSA44.publicKeyBytes);
    const k = store.allocate(KeyKind.MlKem512, KEM512.secretKeyBytes, KEM512.publicKeyBytes);
    expect([a, b, s, k]).toEqual([4096, 4097, 4096 + 1024, 4096 + 2048]);
    expect([store.locate(a, ALL), store.locate(b, ALL), store.locate(s, ALL), store.locate(k, ALL)]).toEqual([0, 1, 1024, 2048]);
    expect([store.kindOf(a), store.kindOf(b), store.kindOf(s), store.kindOf(k)]).toEqual([KeyKind.Aead, KeyKind.Mac, KeyKind.MlDsa44, KeyKind.MlKem512]);
    expect(counts(store)).toEqual([4, 0, 0, 0]);
    // Each class fills on its own: the third symmetric key takes slot 2, the fourth is refused.
    expect(store.allocate(KeyKind.Secret, 32, 0)).toBe(4098);
    expect(store.allocate(KeyKind.Secret, 32, 0)).toBe(-ErrorCode.CryptoKeyStoreFull);
    expect(store.allocate(KeyKind.MlDsa65, 1, 1)).toBe(4096 + 1024 + 1); // a signing slot is still free
    expect(counts(store)).toEqual([6, 1, 0, 0]);
  });

  it("refuses a kind outside the three classes with InvalidArgument, taking no slot", () => {
    const store = unwrap(KeyStore.create(OPTIONS));
    for (const kind of [0, 9, 31, -1]) expect(store.allocate(kind as KeyKind, 1, 0), `kind ${kind}`).toBe(-ErrorCode.InvalidArgument);
    expect(counts(store)).toEqual([0, 0, 0, 0]);
  });

  it("refuses a secret or public part longer than the class's slot with CryptoKeyWrongLength, taking no slot; the exact sizes fit", () => {
    const store = unwrap(KeyStore.create({ ...OPTIONS, symmetricSlots: 1, signingSlots: 1, kemSlots: 1 }));
    expect(store.allocate(KeyKind.Aead, SYMMETRIC_KEY_BYTES + 1, 0)).toBe(-ErrorCode.CryptoKeyWrongLength);
    expect(store.allocate(KeyKind.Aead, 32, 1)).toBe(-ErrorCode.CryptoKeyWrongLength);
    expect(store.allocate(KeyKind.MlDsa44, DSA44.secretKeyBytes + 1, DSA44.publicKeyBytes)).toBe(-ErrorCode.CryptoKeyWrongLength);
    expect(store.allocate(KeyKind.MlDsa44, DSA44.secretKeyBytes, DSA44.publicKeyBytes + 1)).toBe(-ErrorCode.CryptoKeyWrongLength);
    expect(counts(store)).toEqual([0, 0, 0, 0]);
    const sym = store.allocate(KeyKind.Aead, SYMMETRIC_KEY_BYTES, 0);
    const sig = store.allocate(KeyKind.MlDsa44, DSA44.secretKeyBytes, DSA44.publicKeyBytes);
    const kem = store.allocate(KeyKind.MlKem512, KEM512.secretKeyBytes, KEM512.publicKeyBytes);
    expect([sym, sig, kem].every((h) => h >= 0)).toBe(true);
    expect(store.secretView(store.locate(sig, ALL)).length).toBe(DSA44.secretKeyBytes);
    expect(store.publicView(store.locate(sig, ALL)).length).toBe(DSA44.publicKeyBytes);
    expect(store.publicView(store.locate(kem, ALL)).length).toBe(KEM512.publicKeyBytes);
    expect(store.publicView(store.locate(sym, ALL)).length).toBe(0);
    expect(counts(store)).toEqual([3, 0, 0, 0]);
  });

  it("locate refuses a handle that is not a u32, names no class or no slot (InvalidArgument, uncounted)", () => {
    const store = unwrap(KeyStore.create(OPTIONS));
    const h = store.allocate(KeyKind.Aead, 32, 0);
    for (const bad of [-1, h + 0.5, 2 ** 32, 4096 + 3 * 1024, 4096 + 3, 4096 + 1024 + 2, 4096 + 2048 + 2]) {
      expect(store.locate(bad, ALL), `handle ${bad}`).toBe(-ErrorCode.InvalidArgument);
      expect(store.kindOf(bad)).toBe(-ErrorCode.InvalidArgument);
    }
    expect(counts(store)).toEqual([1, 0, 0, 0]);
  });

  it("locate refuses a never-issued or stale handle (CryptoKeyDestroyed) and a wrong kind (CryptoKeyKindMismatch), each counted", () => {
    const store = unwrap(KeyStore.create(OPTIONS));
    const h = store.allocate(KeyKind.Mac, 32, 0);
    expect(store.locate(4096 + 1, ALL)).toBe(-ErrorCode.CryptoKeyDestroyed); // slot 1: never issued
    expect(store.locate(h + 4096, ALL)).toBe(-ErrorCode.CryptoKeyDestroyed); // slot 0, a later generation
    expect(store.locate(h - 4096, ALL)).toBe(-ErrorCode.CryptoKeyDestroyed); // generation 0
    expect(counts(store)).toEqual([1, 0, 3, 0]);
    expect(store.locate(h, kindBit(KeyKind.Aead) | kindBit(KeyKind.Secret))).toBe(-ErrorCode.CryptoKeyKindMismatch);
    expect(store.locate(h, 0)).toBe(-ErrorCode.CryptoKeyKindMismatch);
    expect(counts(store)).toEqual([1, 0, 3, 2]);
    expect(store.locate(h, kindBit(KeyKind.Mac))).toBe(0);
    expect(store.locate(h, SYMMETRIC_KINDS)).toBe(0);
    expect(counts(store)).toEqual([1, 0, 3, 2]);
  });

  it("kind masks: each class's mask holds exactly its kinds", () => {
    const bits = (mask: number): number[] => [1, 2, 3, 4, 5, 6, 7, 8].filter((k) => (mask & (1 << k)) !== 0);
    expect([bits(SYMMETRIC_KINDS), bits(SIGNING_KINDS), bits(KEM_KINDS)]).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
  });
});

describe("KeyStore bytes: views, copies and writes only at a valid location with matching lengths", () => {
  function filled(): { store: KeyStore; sym: number; sig: number; symAt: number; sigAt: number } {
    const store = unwrap(KeyStore.create(OPTIONS));
    const sym = store.allocate(KeyKind.Aead, 32, 0);
    const sig = store.allocate(KeyKind.MlDsa44, 40, 24); // shorter than the slot: lengths are per key
    const symAt = store.locate(sym, ALL);
    const sigAt = store.locate(sig, ALL);
    expect(store.writeKey(symAt, Uint8Array.from({ length: 32 }, (_, i) => i + 1), null)).toBe(ErrorCode.Ok);
    expect(store.writeKey(sigAt, new Uint8Array(40).fill(0x51), new Uint8Array(24).fill(0x52))).toBe(ErrorCode.Ok);
    return { store, sym, sig, symAt, sigAt };
  }

  it("views and copies return exactly the key's own bytes", () => {
    const { store, symAt, sigAt } = filled();
    expect(Array.from(store.secretView(symAt))).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(Array.from(store.secretView(sigAt))).toEqual(Array(40).fill(0x51));
    expect(Array.from(store.publicView(sigAt))).toEqual(Array(24).fill(0x52));
    const out = new Uint8Array(41).fill(0xee);
    expect(store.copySecret(sigAt, out)).toBe(40);
    expect(Array.from(out)).toEqual([...Array(40).fill(0x51), 0xee]);
    const exact = new Uint8Array(32);
    expect(store.copySecret(symAt, exact)).toBe(32);
    expect(Array.from(exact)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(store.secretSlab(sigAt)?.length).toBe(2 * (DSA44.secretKeyBytes + DSA44.publicKeyBytes));
    expect(store.secretOffset(sigAt, 40)).toBe(0);
    expect(store.secretOffset(symAt, 32)).toBe(0);
  });

  it("a second key's bytes start one slot further and never overlap the first's", () => {
    const { store, symAt } = filled();
    const second = store.allocate(KeyKind.Aead, 32, 0);
    const at = store.locate(second, ALL);
    expect(store.writeKey(at, new Uint8Array(32).fill(0x77), null)).toBe(ErrorCode.Ok);
    expect(store.secretOffset(at, 32)).toBe(32);
    expect(Array.from(store.secretView(symAt))).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    const sig2 = store.allocate(KeyKind.MlDsa44, 10, 10);
    const sig2At = store.locate(sig2, ALL);
    expect(store.secretOffset(sig2At, 10)).toBe(DSA44.secretKeyBytes + DSA44.publicKeyBytes);
    expect(store.publicView(sig2At).byteOffset - store.secretView(sig2At).byteOffset).toBe(DSA44.secretKeyBytes);
    expect([store.secretView(sig2At).length, store.publicView(sig2At).length]).toEqual([10, 10]);
  });

  it("refuses an out-of-range location (empty view, -1 offset, InvalidArgument) and a short output (CryptoBufferTooSmall, output untouched)", () => {
    const { store, symAt, sigAt } = filled();
    for (const bad of [-1, 3, 1024 + 2, 3 * 1024]) {
      expect(store.secretView(bad).length, `location ${bad}`).toBe(0);
      expect(store.publicView(bad).length).toBe(0);
      expect(store.secretOffset(bad, 32)).toBe(-1);
      expect(store.secretOffset(bad, 0)).toBe(-1); // a slot past the end has no key, not an empty one
      expect(store.copySecret(bad, new Uint8Array(64))).toBe(-ErrorCode.InvalidArgument);
      expect(store.writeKey(bad, new Uint8Array(32), null)).toBe(ErrorCode.InvalidArgument);
    }
    expect(store.secretSlab(3 * 1024)).toBeUndefined();
    expect(store.secretOffset(symAt, 31)).toBe(-1);
    expect(store.secretOffset(sigAt, 41)).toBe(-1);
    const short = new Uint8Array(31).fill(0xee);
    expect(store.copySecret(symAt, short)).toBe(-ErrorCode.CryptoBufferTooSmall);
    expect(short.every((b) => b === 0xee)).toBe(true);
  });

  it("writeKey refuses lengths other than the allocated ones (CryptoKeyWrongLength), leaving the key's bytes as they were", () => {
    const { store, symAt, sigAt } = filled();
    expect(store.writeKey(symAt, new Uint8Array(31).fill(9), null)).toBe(ErrorCode.CryptoKeyWrongLength);
    expect(store.writeKey(symAt, new Uint8Array(32).fill(9), new Uint8Array(1))).toBe(ErrorCode.CryptoKeyWrongLength);
    expect(store.writeKey(sigAt, new Uint8Array(40).fill(9), null)).toBe(ErrorCode.CryptoKeyWrongLength);
    expect(store.writeKey(sigAt, new Uint8Array(40).fill(9), new Uint8Array(23))).toBe(ErrorCode.CryptoKeyWrongLength);
    expect(store.writeKey(sigAt, new Uint8Array(39).fill(9), new Uint8Array(24))).toBe(ErrorCode.CryptoKeyWrongLength);
    expect(Array.from(store.secretView(symAt))).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(Array.from(store.secretView(sigAt))).toEqual(Array(40).fill(0x51));
    expect(Array.from(store.publicView(sigAt))).toEqual(Array(24).fill(0x52));
  });
});

describe("KeyStore.destroy: zeroes the secret and public parts, frees the slot, and the old handle is stale forever", () => {
  it("zeroes the whole slot (secret and public), resets its kind and lengths, and reuses the slot under a new generation", () => {
    const store = unwrap(KeyStore.create(OPTIONS));
    const sig = store.allocate(KeyKind.MlDsa44, DSA44.secretKeyBytes, DSA44.publicKeyBytes);
    const other = store.allocate(KeyKind.MlDsa44, 8, 8);
    const at = store.locate(sig, ALL);
    const otherAt = store.locate(other, ALL);
    expect(store.writeKey(at, new Uint8Array(DSA44.secretKeyBytes).fill(0xa1), new Uint8Array(DSA44.publicKeyBytes).fill(0xa2))).toBe(ErrorCode.Ok);
    expect(store.writeKey(otherAt, new Uint8Array(8).fill(0xb1), new Uint8Array(8).fill(0xb2))).toBe(ErrorCode.Ok);
    const slab = store.secretSlab(at) ?? new Uint8Array(0);
    const slot = DSA44.secretKeyBytes + DSA44.publicKeyBytes;
    expect(store.destroy(sig)).toBe(ErrorCode.Ok);
    expect(slab.subarray(0, slot).every((b) => b === 0)).toBe(true);
    expect(Array.from(store.secretView(otherAt))).toEqual(Array(8).fill(0xb1)); // the neighbour is untouched
    expect(Array.from(store.publicView(otherAt))).toEqual(Array(8).fill(0xb2));
    expect(store.secretView(at).length).toBe(0); // lengths reset
    expect(store.publicView(at).length).toBe(0);
    expect(store.kindOf(sig)).toBe(-ErrorCode.CryptoKeyDestroyed);
    expect(store.destroy(sig)).toBe(ErrorCode.CryptoKeyDestroyed); // nothing changes
    expect(counts(store)).toEqual([1, 0, 2, 0]);
    const again = store.allocate(KeyKind.MlDsa87, 8, 8); // the freed slot comes back first, one generation on
    expect(again).toBe(sig + 4096);
    expect(store.kindOf(sig)).toBe(-ErrorCode.CryptoKeyDestroyed);
    expect(store.kindOf(again)).toBe(KeyKind.MlDsa87);
  });

  it("frees slots last-in first-out and refuses destroying the same handle twice", () => {
    const store = unwrap(KeyStore.create(OPTIONS));
    const h = [0, 1, 2].map(() => store.allocate(KeyKind.Secret, 32, 0));
    expect(h).toEqual([4096, 4097, 4098]);
    expect(store.destroy(h[0] ?? 0)).toBe(ErrorCode.Ok);
    expect(store.destroy(h[2] ?? 0)).toBe(ErrorCode.Ok);
    expect(store.liveCount).toBe(1);
    expect(store.allocate(KeyKind.Aead, 32, 0)).toBe(8192 + 2);
    expect(store.allocate(KeyKind.Aead, 32, 0)).toBe(8192);
    expect(store.allocate(KeyKind.Aead, 32, 0)).toBe(-ErrorCode.CryptoKeyStoreFull);
    expect(counts(store)).toEqual([3, 1, 0, 0]);
    store.abandon(8192);
    expect(store.liveCount).toBe(2);
    expect(store.kindOf(8192)).toBe(-ErrorCode.CryptoKeyDestroyed);
  });

  it("the generation wraps from 0x7ffff to 1, keeping handles below 2^31; a handle of the wrapped generation is then live again", () => {
    const store = unwrap(KeyStore.create({ ...OPTIONS, symmetricSlots: 1 }));
    let handle = store.allocate(KeyKind.Aead, 32, 0);
    const first = handle;
    let highest = handle;
    let failures = 0;
    for (let i = 0; i < 0x7_ffff; i++) {
      if (store.destroy(handle) !== ErrorCode.Ok) failures++;
      handle = store.allocate(KeyKind.Aead, 32, 0);
      if (handle > highest) highest = handle;
    }
    expect(failures).toBe(0);
    expect(highest).toBe(0x7_ffff * 4096);
    expect(highest).toBeLessThan(2 ** 31);
    expect(handle).toBe(first); // generation 1 again
    expect(store.kindOf(first)).toBe(KeyKind.Aead);
    expect(store.kindOf(highest)).toBe(-ErrorCode.CryptoKeyDestroyed);
  });
});

describe("kind <-> algorithm maps", () => {
  it("signing and KEM kinds map to their algorithms and back; other kinds map to 0", () => {
    expect([CoseAlg.MlDsa44, CoseAlg.MlDsa65, CoseAlg.MlDsa87].map(signingKindOf)).toEqual([KeyKind.MlDsa44, KeyKind.MlDsa65, KeyKind.MlDsa87]);
    expect([KeyKind.MlDsa44, KeyKind.MlDsa65, KeyKind.MlDsa87, KeyKind.Aead, KeyKind.MlKem512, 0].map(signatureAlgOfKind)).toEqual([CoseAlg.MlDsa44, CoseAlg.MlDsa65, CoseAlg.MlDsa87, 0, 0, 0]);
    expect([KemAlg.MlKem512, KemAlg.MlKem768].map(kemKindOf)).toEqual([KeyKind.MlKem512, KeyKind.MlKem768]);
    expect([KeyKind.MlKem512, KeyKind.MlKem768, KeyKind.MlDsa44, KeyKind.Secret, 0].map(kemAlgOfKind)).toEqual([KemAlg.MlKem512, KemAlg.MlKem768, 0, 0, 0]);
  });
});
