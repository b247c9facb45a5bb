/**
 * SenderKeyCache (core/crypto/sender-key-cache.ts) against the changes
 * mutation testing (`npm run mutate -- --mutate core/crypto/sender-key-cache.ts`)
 * found no test noticing: the option boundaries (each edge accepted, the
 * value past it refused, nothing changed), the least-recently-used eviction
 * and the probation slot checked step by step against a reference model
 * (with the key store's live and stale counts: a key never leaked, a handle
 * never destroyed twice), a derivation the provider refuses (counted, no key
 * left behind), and `close` zeroing every key and nonce base at any fill.
 */
import { describe, expect, it } from "vitest";
import { CoseAlg, KemAlg, KeyKind, PortableCryptoProvider, SENDER_KEY_CACHE_CAPACITY_MAX, SenderKeyCache, type CryptoProvider, type KeyHandle } from "../../core/crypto/index";
import { KEY_EPOCH_MAX, SENDER_ID_MAX } from "../../core/crypto/traffic-keys";
import { ErrorCode } from "../../core/runtime/errors";
import type { Result } from "../../core/runtime/result";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`setup failed with code ${result.code}`);
  return result.value;
}

function providerWith(symmetricSlots: number): PortableCryptoProvider {
  return unwrap(
    PortableCryptoProvider.create({ fill: () => ErrorCode.EntropyUnavailable }, { symmetricSlots, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }, null),
  );
}

interface Rig {
  readonly provider: PortableCryptoProvider;
  readonly secret: KeyHandle;
  readonly cache: SenderKeyCache;
}

function rig(capacity: number, senderIdMax = 16, symmetricSlots = capacity + 2, wrap?: (p: PortableCryptoProvider) => CryptoProvider): Rig {
  const provider = providerWith(symmetricSlots);
  const secret = unwrap(provider.importSymmetricKey(KeyKind.Secret, Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i)));
  const cache = unwrap(SenderKeyCache.create(wrap === undefined ? provider : wrap(provider), secret, { capacity, senderIdMax, groupId: 3, epoch: 0 }));
  return { provider, secret, cache };
}

function nonceBase(cache: SenderKeyCache, slot: number): number[] {
  const out = new Uint8Array(12).fill(0xee);
  cache.copyNonceBase(slot, out);
  return Array.from(out);
}

const ZERO_BASE = Array.from(new Uint8Array(12));

describe("SenderKeyCache options: every edge accepted, the value past it refused, nothing changed", () => {
  const good = { capacity: 2, senderIdMax: 8, groupId: 1, epoch: 0 };

  it("accepts the smallest and largest capacity, sender range, epoch and group id", () => {
    const accepted = [
      { ...good, capacity: 1 },
      { ...good, capacity: SENDER_KEY_CACHE_CAPACITY_MAX },
      { ...good, senderIdMax: 1 },
      { ...good, senderIdMax: SENDER_ID_MAX },
      { ...good, epoch: KEY_EPOCH_MAX },
      { ...good, groupId: 0 },
      { ...good, groupId: 0xffff_ffff },
    ];
    for (const options of accepted) {
      const provider = providerWith(2);
      const secret = unwrap(provider.importSymmetricKey(KeyKind.Secret, new Uint8Array(32).fill(7)));
      const made = SenderKeyCache.create(provider, secret, options);
      expect(made.ok ? 0 : made.code, JSON.stringify(options)).toBe(ErrorCode.Ok);
      if (!made.ok) continue;
      expect(made.value.capacity).toBe(options.capacity);
      expect(made.value.closed).toBe(false);
      // The edge values work: the highest sender id gets a key under the configured epoch.
      const slot = made.value.lookup(options.senderIdMax, options.epoch);
      expect(slot).toBe(options.capacity); // the probation slot, after the cache's slots
      expect(provider.keyKind(made.value.handleAt(slot))).toBe(KeyKind.Aead);
      expect(made.value.derivationCount).toBe(1);
    }
  });

  it("refuses a fractional or out-of-range sender range, epoch or group id with InvalidArgument, changing nothing", () => {
    const refused = [
      { ...good, senderIdMax: 2.5 },
      { ...good, senderIdMax: -1 },
      { ...good, senderIdMax: SENDER_ID_MAX + 1 },
      { ...good, epoch: 0.5 },
      { ...good, epoch: -1 },
      { ...good, epoch: KEY_EPOCH_MAX + 1 },
      { ...good, groupId: 1.5 },
      { ...good, groupId: -1 },
      { ...good, groupId: 0x1_0000_0000 },
    ];
    const provider = providerWith(2);
    const secret = unwrap(provider.importSymmetricKey(KeyKind.Secret, new Uint8Array(32).fill(7)));
    for (const options of refused) {
      const made = SenderKeyCache.create(provider, secret, options);
      expect(made.ok ? 0 : made.code, JSON.stringify(options)).toBe(ErrorCode.InvalidArgument);
    }
    expect(provider.keyStore.liveCount).toBe(1);
    expect(provider.keyKind(secret)).toBe(KeyKind.Secret);
    expect(provider.keyStore.staleCount).toBe(0);
  });
});

/** A small deterministic generator (a 32-bit LCG, Numerical Recipes constants). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

describe("SenderKeyCache against a reference LRU model with one probation slot", () => {
  for (const capacity of [1, 3, 5, 9]) {
    it(`capacity ${capacity}: hits, derivations, evictions, size and the key store's live keys match the model after every step; no handle is destroyed twice`, () => {
      const senders = capacity * 2 + 3;
      const r = rig(capacity, senders);
      const next = lcg(0xc0ffee + capacity);
      const lru: number[] = []; // least recent first
      let probation = 0;
      let hits = 0;
      let derivations = 0;
      let evictions = 0;
      const slotOf = new Map<number, number>();
      for (let step = 0; step < 600; step++) {
        const sender = 1 + (next() % senders);
        const authenticated = next() % 4 !== 0; // a quarter are forgeries: looked up, never confirmed
        const slot = r.cache.lookup(sender, 0);
        expect(slot, `step ${step}`).toBeGreaterThanOrEqual(0);
        const at = lru.indexOf(sender);
        if (at >= 0) {
          hits++;
          lru.splice(at, 1);
          lru.push(sender);
          expect(slot, `step ${step}: sender ${sender} keeps its slot`).toBe(slotOf.get(sender));
        } else if (probation === sender) {
          hits++;
        } else {
          derivations++;
          probation = sender;
        }
        expect(r.provider.keyKind(r.cache.handleAt(slot))).toBe(KeyKind.Aead);
        if (authenticated) {
          r.cache.confirm(slot);
          if (probation === sender && at < 0) {
            if (lru.length === capacity) {
              const victim = lru.shift() ?? 0;
              slotOf.delete(victim);
              evictions++;
            }
            lru.push(sender);
            slotOf.set(sender, slot);
            probation = 0;
          }
        }
        expect([r.cache.hitCount, r.cache.derivationCount, r.cache.evictionCount, r.cache.size], `step ${step}`).toEqual([hits, derivations, evictions, lru.length]);
        expect(r.provider.keyStore.liveCount, `step ${step}`).toBe(1 + lru.length + (probation === 0 ? 0 : 1));
        expect(r.provider.keyStore.staleCount, `step ${step}`).toBe(0);
        expect(r.provider.keyStore.fullCount, `step ${step}`).toBe(0);
      }
      expect(r.cache.failureCount).toBe(0);
      expect(evictions).toBeGreaterThan(0);
    });
  }

  it("confirming the probation slot while nothing is on probation changes nothing", () => {
    const touched = rig(4);
    const untouched = rig(4);
    touched.cache.confirm(4); // the probation slot of a fresh cache of 4
    expect(touched.cache.lookup(2, 3)).toBe(-ErrorCode.KeyEpochUnknown); // refused: the probation slot is still empty
    touched.cache.confirm(4);
    for (const id of [1, 2, 3]) {
      const a = touched.cache.lookup(id, 0);
      const b = untouched.cache.lookup(id, 0);
      expect(a).toBe(b);
      touched.cache.confirm(a);
      untouched.cache.confirm(b);
    }
    expect([touched.cache.size, touched.cache.hitCount, touched.cache.evictionCount]).toEqual([3, 0, 0]);
    expect(touched.provider.keyStore.liveCount).toBe(untouched.provider.keyStore.liveCount);
  });

  it("a refused lookup (fraction, closed cache) derives nothing and counts no failure", () => {
    const r = rig(2, 8);
    for (const id of [1.5, 2.5, 7.5]) expect(r.cache.lookup(id, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect([r.cache.derivationCount, r.cache.failureCount, r.cache.hitCount]).toEqual([0, 0, 0]);
    expect(r.cache.close()).toBe(ErrorCode.Ok);
    const stale = r.provider.keyStore.staleCount;
    expect(r.cache.lookup(1, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect([r.cache.derivationCount, r.cache.failureCount]).toEqual([0, 0]);
    expect(r.provider.keyStore.staleCount).toBe(stale); // the destroyed secret was not even tried
  });
});

describe("SenderKeyCache when the provider refuses a derivation", () => {
  it("a full key store: the lookup is refused as KeyEpochUnknown, counted as a failure, the cached keys untouched", () => {
    // Room for the secret and two keys: one cached, one on probation; a third derivation has no slot.
    const r = rig(2, 8, 3);
    const one = r.cache.lookup(1, 0);
    r.cache.confirm(one);
    const two = r.cache.lookup(2, 0);
    expect(two).toBeGreaterThanOrEqual(0);
    r.cache.confirm(two); // both keys cached now; the store is full
    expect(r.provider.keyStore.liveCount).toBe(3);
    expect(r.cache.lookup(3, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect([r.cache.failureCount, r.cache.derivationCount, r.cache.size, r.cache.evictionCount]).toEqual([1, 2, 2, 0]);
    expect(r.provider.keyStore.liveCount).toBe(3);
    // The cached keys still answer; the probation slot holds nothing.
    expect(r.cache.lookup(1, 0)).toBe(one);
    expect(r.cache.lookup(2, 0)).toBe(two);
    expect(r.cache.handleAt(3 - one - two)).toBe(-1); // slots 0..2: the third is the probation slot
    expect(nonceBase(r.cache, 3 - one - two)).toEqual(ZERO_BASE);
  });

  it("a refused nonce-base derivation destroys the key just derived: refused, counted, no key left behind", () => {
    const failing = (p: PortableCryptoProvider): CryptoProvider =>
      new Proxy(p, {
        get(target, property) {
          if (property === "deriveNonSecret") return () => ErrorCode.CryptoProviderFault;
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }) as unknown as CryptoProvider;
    const r = rig(2, 8, 4, failing);
    expect(r.cache.lookup(1, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect([r.cache.failureCount, r.cache.derivationCount, r.cache.size]).toEqual([1, 0, 0]);
    expect(r.provider.keyStore.liveCount).toBe(1); // the secret only: the traffic key was destroyed
    expect(r.cache.handleAt(2)).toBe(-1);
    expect(nonceBase(r.cache, 2)).toEqual(ZERO_BASE);
    expect(r.cache.lookup(1, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(r.cache.failureCount).toBe(2);
  });
});

describe("SenderKeyCache close: every key destroyed and every nonce base zeroed, at any fill", () => {
  for (const [capacity, keys] of [
    [1, 1],
    [9, 1],
    [9, 7],
    [12, 12],
    [12, 4],
  ] as const) {
    it(`capacity ${capacity}, ${keys} cached and one on probation`, () => {
      const r = rig(capacity, 32);
      const handles: number[] = [];
      for (let id = 1; id <= keys; id++) {
        const slot = r.cache.lookup(id, 0);
        r.cache.confirm(slot);
        handles.push(r.cache.handleAt(slot));
      }
      const pending = r.cache.lookup(keys + 1, 0);
      handles.push(r.cache.handleAt(pending));
      expect(r.provider.keyStore.liveCount).toBe(keys + 2);
      const bases = Array.from({ length: capacity + 1 }, (_, slot) => nonceBase(r.cache, slot));
      expect(bases.filter((b) => b.some((x) => x !== 0)).length).toBe(keys + 1);
      expect(r.cache.close()).toBe(ErrorCode.Ok);
      expect(r.cache.closed).toBe(true);
      expect(r.provider.keyStore.liveCount).toBe(0);
      for (const handle of handles) expect(r.provider.keyKind(handle as KeyHandle)).toBe(-ErrorCode.CryptoKeyDestroyed);
      for (let slot = 0; slot <= capacity; slot++) {
        expect(nonceBase(r.cache, slot), `slot ${slot}`).toEqual(ZERO_BASE);
        expect(r.cache.handleAt(slot)).toBe(-1);
      }
      expect(r.cache.size).toBe(0);
      const stale = r.provider.keyStore.staleCount;
      expect(r.cache.close()).toBe(ErrorCode.Ok); // idempotent: nothing destroyed twice
      expect(r.provider.keyStore.staleCount).toBe(stale);
    });
  }

  it("a slot past the last (or negative, or fractional) has no nonce base: zeros, never the sender -> slot table stored after the bases", () => {
    const r = rig(2, 8);
    for (const id of [1, 2]) r.cache.confirm(r.cache.lookup(id, 0));
    expect(r.cache.lookup(3, 0)).toBe(1); // on probation: every slot holds a key now
    for (const slot of [0, 1, 2]) expect(nonceBase(r.cache, slot), `slot ${slot}`).not.toEqual(ZERO_BASE);
    for (const slot of [3, 4, 5, 40, -1, 0.5]) expect(nonceBase(r.cache, slot), `slot ${slot}`).toEqual(ZERO_BASE);
  });

  it("evicted keys leave no nonce base behind in the slot that becomes the probation slot", () => {
    const r = rig(2, 8);
    for (const id of [1, 2, 3]) r.cache.confirm(r.cache.lookup(id, 0)); // 3 evicts 1
    expect(r.cache.evictionCount).toBe(1);
    // The evicted slot is the probation slot now, empty until the next miss.
    const empty = [0, 1, 2].filter((slot) => r.cache.handleAt(slot) === -1);
    expect(empty.length).toBe(1);
    expect(nonceBase(r.cache, empty[0] ?? -1)).toEqual(ZERO_BASE);
    expect(r.provider.keyStore.staleCount).toBe(0);
  });
});
