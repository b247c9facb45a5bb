/**
 * Receive keys derived on first use (core/crypto/sender-key-cache.ts): the
 * keys are the ones the full table holds (frames sealed with the site
 * keyring open), a miss costs one counted derivation, the least recently
 * used key is evicted (counted) and the replay window of an evicted sender
 * survives, bad options are refused, and `close` zeroes every key and the
 * group secret.
 */
import { describe, expect, it } from "vitest";
import {
  CoseAlg,
  KemAlg,
  KeyKind,
  PortableCryptoProvider,
  ReplayTable,
  SENDER_KEY_CACHE_CAPACITY_MAX,
  SenderKeyCache,
  VolatileCounterSource,
  type KeyHandle,
} from "../../core/crypto/index";
import { BROADCAST_NODE_ID, FrameType, LinkClass, LinkHeader, LinkOpener, LinkSealer, parseLinkHeader } from "../../core/mesh/index";
import { ErrorCode } from "../../core/runtime/errors";
import type { Result } from "../../core/runtime/result";
import { groupSecretFor, MeshKeyring, SIM_GROUP_ID } from "../../host-sim/kernel/workloads/mesh-keys";

const SEED = 0x5eed; // MeshKeyring's default: its table is the reference
const SENDERS = 12;

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`setup failed with code ${result.code}`);
  return result.value;
}

interface Rig {
  readonly provider: PortableCryptoProvider;
  readonly secret: KeyHandle;
  readonly cache: SenderKeyCache;
  readonly opener: LinkOpener;
  readonly replay: ReplayTable;
}

function rig(capacity: number, senderIdMax = SENDERS): Rig {
  const provider = unwrap(
    PortableCryptoProvider.create({ fill: () => ErrorCode.EntropyUnavailable }, { symmetricSlots: capacity + 2, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }, null),
  );
  const secret = unwrap(provider.importSymmetricKey(KeyKind.Secret, groupSecretFor(SEED)));
  const cache = unwrap(SenderKeyCache.create(provider, secret, { capacity, senderIdMax, groupId: SIM_GROUP_ID, epoch: 0 }));
  const replay = unwrap(ReplayTable.create({ capacity: senderIdMax, windowBits: 64 }));
  return { provider, secret, cache, opener: new LinkOpener(provider, cache, replay), replay };
}

/** Frames sealed by the site keyring's full table: `count` frames from sender `id`. */
function framesFrom(ring: MeshKeyring, id: number, count: number, counterStart = 1): Uint8Array[] {
  const sealer = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(counterStart), id));
  const key = ring.sendKey(id);
  if (key === undefined) throw new Error(`no key for ${id}`);
  sealer.setKey(key);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const h = new LinkHeader();
    h.type = FrameType.Broadcast;
    h.trafficClass = LinkClass.Telemetry;
    h.hopLimit = 3;
    h.destination = BROADCAST_NODE_ID;
    h.linkHint = id & 0xff;
    const frame = new Uint8Array(255);
    const length = sealer.seal(h, Uint8Array.of(id, i, 0xa5), frame);
    if (length < 0) throw new Error(`seal ${length}`);
    frames.push(frame.slice(0, length));
  }
  return frames;
}

function open(opener: LinkOpener, frame: Uint8Array): number {
  const h = new LinkHeader();
  expect(parseLinkHeader(frame, frame.length, h)).toBe(ErrorCode.Ok);
  return opener.open(frame, frame.length, h, new Uint8Array(255));
}

const ring = unwrap(MeshKeyring.create(SENDERS, SEED));

describe("sender key cache", () => {
  it("opens frames sealed with the full table's keys: one derivation per sender, hits after that", () => {
    const r = rig(SENDERS);
    for (let id = 1; id <= SENDERS; id++) for (const f of framesFrom(ring, id, 3)) expect(open(r.opener, f)).toBe(3);
    expect(r.cache.derivationCount).toBe(SENDERS);
    expect(r.cache.evictionCount).toBe(0);
    expect(r.cache.size).toBe(SENDERS);
    expect(r.cache.hitCount).toBe(SENDERS * 2);
  });

  it("a site larger than the cache: every frame opens, the least recently used key is evicted, each eviction counted", () => {
    const r = rig(3);
    const frames = Array.from({ length: SENDERS }, (_, i) => framesFrom(ring, i + 1, 2));
    for (let id = 1; id <= SENDERS; id++) for (const f of frames[id - 1] ?? []) expect(open(r.opener, f)).toBe(3);
    expect(r.cache.derivationCount).toBe(SENDERS);
    expect(r.cache.evictionCount).toBe(SENDERS - 3);
    expect(r.cache.size).toBe(3);
    // The key store holds the secret and three receive keys, never more.
    expect(r.provider.keyStore.liveCount).toBe(4);
    expect(r.provider.keyStore.fullCount).toBe(0);
  });

  /** What the opener does for an authenticated frame: look the key up, then confirm it. */
  function use(cache: SenderKeyCache, id: number): number {
    const slot = cache.lookup(id, 0);
    expect(slot, `sender ${id}`).toBeGreaterThanOrEqual(0);
    cache.confirm(slot);
    return slot;
  }

  it("evicts the least recently used sender, not the oldest derived", () => {
    const r = rig(3);
    for (const id of [1, 2, 3]) use(r.cache, id);
    use(r.cache, 1); // 1 used again: 2 is now least recent
    use(r.cache, 4); // evicts 2
    const derived = r.cache.derivationCount;
    for (const id of [1, 3, 4]) use(r.cache, id);
    expect(r.cache.derivationCount).toBe(derived); // 1, 3, 4 were cached
    use(r.cache, 2);
    expect(r.cache.derivationCount).toBe(derived + 1); // 2 had been evicted
    expect(r.cache.evictionCount).toBe(2);
  });

  it("a derived key is on probation: until a frame authenticates under it, it evicts nothing", () => {
    const r = rig(2);
    for (const id of [1, 2]) use(r.cache, id);
    const slot = r.cache.lookup(3, 0);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(r.cache.lookup(3, 0)).toBe(slot); // a second lookup before confirm: no second derivation
    expect(r.cache.derivationCount).toBe(3);
    expect(r.cache.size).toBe(2);
    expect(r.cache.evictionCount).toBe(0);
    expect(r.cache.lookup(4, 0)).toBe(slot); // another unconfirmed sender replaces it
    expect(r.cache.derivationCount).toBe(4);
    expect(r.provider.keyStore.liveCount).toBe(1 + 2 + 1); // secret, two cached, one on probation
    const hits = r.cache.hitCount;
    for (const id of [1, 2]) use(r.cache, id);
    expect(r.cache.hitCount).toBe(hits + 2);
    expect(r.cache.evictionCount).toBe(0);
  });

  it("frames forged under made-up or wrong keys cost a derivation each and push no real key out", () => {
    const r = rig(2);
    for (const id of [1, 2]) for (const f of framesFrom(ring, id, 1)) expect(open(r.opener, f)).toBe(3);
    const otherSite = unwrap(MeshKeyring.create(SENDERS, 0xbad));
    for (let id = 3; id <= 8; id++) for (const f of framesFrom(otherSite, id, 1)) expect(open(r.opener, f)).toBe(-ErrorCode.CryptoAuthFailed);
    expect(r.cache.derivationCount).toBe(2 + 6);
    expect(r.cache.evictionCount).toBe(0);
    const derived = r.cache.derivationCount;
    for (const id of [1, 2]) for (const f of framesFrom(ring, id, 1, 10)) expect(open(r.opener, f)).toBe(3);
    expect(r.cache.derivationCount).toBe(derived); // 1 and 2 were still cached
  });

  it("eviction never loses replay state: a frame replayed after its sender's key was evicted and re-derived is rejected", () => {
    const r = rig(2);
    const [first, second] = framesFrom(ring, 7, 2);
    if (first === undefined || second === undefined) throw new Error("frames");
    expect(open(r.opener, first)).toBe(3);
    for (const id of [8, 9, 10]) for (const f of framesFrom(ring, id, 1)) expect(open(r.opener, f)).toBe(3);
    expect(r.cache.evictionCount).toBeGreaterThanOrEqual(1);
    const derived = r.cache.derivationCount;
    expect(open(r.opener, first)).toBe(-ErrorCode.ReplayDuplicate);
    expect(r.cache.derivationCount).toBe(derived + 1); // 7's key was re-derived to check it
    expect(open(r.opener, second)).toBe(3); // the next counter is still accepted
    expect(open(r.opener, second)).toBe(-ErrorCode.ReplayDuplicate);
  });

  it("other epochs, sender 0 and ids above senderIdMax have no key, and cost no derivation", () => {
    const r = rig(4, 8);
    expect(r.cache.lookup(3, 1)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(r.cache.lookup(0, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(r.cache.lookup(9, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(r.cache.lookup(1.5, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(r.cache.derivationCount).toBe(0);
    expect(r.cache.size).toBe(0);
  });

  it("refuses capacity 0 or above the limit, a bad sender range, and a key that is not a Secret, changing nothing", () => {
    const r = rig(2);
    const live = r.provider.keyStore.liveCount;
    const options = { capacity: 4, senderIdMax: 8, groupId: 1, epoch: 0 };
    for (const capacity of [0, -1, 2.5, SENDER_KEY_CACHE_CAPACITY_MAX + 1]) {
      const made = SenderKeyCache.create(r.provider, r.secret, { ...options, capacity });
      expect(made.ok ? 0 : made.code, `capacity ${capacity}`).toBe(ErrorCode.InvalidArgument);
    }
    for (const senderIdMax of [0, 0x1_0000]) {
      const made = SenderKeyCache.create(r.provider, r.secret, { ...options, senderIdMax });
      expect(made.ok ? 0 : made.code).toBe(ErrorCode.InvalidArgument);
    }
    const aead = unwrap(r.provider.importSymmetricKey(KeyKind.Aead, new Uint8Array(32).fill(1)));
    const wrongKind = SenderKeyCache.create(r.provider, aead, options);
    expect(wrongKind.ok ? 0 : wrongKind.code).toBe(ErrorCode.CryptoKeyKindMismatch);
    expect(r.provider.keyStore.liveCount).toBe(live + 1);
    expect(r.provider.keyKind(r.secret)).toBe(KeyKind.Secret);
  });

  it("close destroys every cached key and the group secret; lookups then find nothing", () => {
    const r = rig(4);
    const handles = [1, 2, 3].map((id) => r.cache.handleAt(use(r.cache, id)));
    const pending = r.cache.handleAt(r.cache.lookup(4, 0)); // on probation
    expect(r.cache.close()).toBe(ErrorCode.Ok);
    expect(r.cache.closed).toBe(true);
    expect(r.provider.keyStore.liveCount).toBe(0);
    expect(r.provider.keyKind(r.secret)).toBe(-ErrorCode.CryptoKeyDestroyed);
    for (const handle of [...handles, pending]) expect(r.provider.keyKind(handle)).toBe(-ErrorCode.CryptoKeyDestroyed);
    expect(r.cache.lookup(1, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(r.cache.close()).toBe(ErrorCode.Ok);
  });
});
