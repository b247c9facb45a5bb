/**
 * RAM per neighbour for link keys (README "Link security", bench row): what
 * one more symmetric key-store slot and one more sender-key-cache entry
 * cost, measured as heap growth between two sizes of each (XS:
 * test/xs/mesh.test.ts; the bench turns them into per-neighbour rows).
 * Platform neutral: no Node, no vitest.
 */
import { CoseAlg, KemAlg, KeyKind, PortableCryptoProvider, SenderKeyCache } from "../../core/crypto/index";
import { KeyStore } from "../../core/crypto/key-store";
import { SeededEntropy } from "../../hal/sim/entropy";

export const KEY_RAM_STEP = 16;
/** Measured on XS (test/xs/mesh.test.ts asserts them): heap bytes per symmetric key-store slot and per sender-key-cache entry. */
export const XS_KEY_SLOT_BYTES = 50.5;
export const XS_KEY_CACHE_ENTRY_BYTES = 39;

/** A key store of `slots` symmetric slots (nothing else). */
export function makeKeyStore(slots: number): unknown {
  const store = KeyStore.create({ symmetricSlots: slots, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 });
  if (!store.ok) throw new Error("key store");
  return store.value;
}

/** A sender-key cache of `capacity` keys for a 33-board site (its key-store slots are not counted here). */
export function makeCacheOnly(capacity: number): () => unknown {
  const provider = PortableCryptoProvider.create(new SeededEntropy(1), { symmetricSlots: 4, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }, null);
  if (!provider.ok) throw new Error("provider");
  const secret = provider.value.importSymmetricKey(KeyKind.Secret, new Uint8Array(32).fill(7));
  if (!secret.ok) throw new Error("secret");
  return () => {
    const cache = SenderKeyCache.create(provider.value, secret.value, { capacity, senderIdMax: 33, groupId: 1, epoch: 0 });
    if (!cache.ok) throw new Error("cache");
    return cache.value;
  };
}
