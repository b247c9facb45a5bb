/**
 * XS entry for test/xs/key-boot.test.ts: what a board's mesh boot costs
 * (computrons, bytes) as a member of a 33- and a 256-board site, and, for
 * contrast, deriving every sender's key up front the way boot used to
 * (deriveGroupSenderKey for each of 33 senders).
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { CoseAlg, KemAlg, KeyKind, PortableCryptoProvider, SenderKeyCache, deriveGroupSenderKey } from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { meshBootFor } from "../../agent/key-boot";

for (const boards of [33, 256]) {
  const rig = meshBootFor(boards);
  if (typeof rig === "string") {
    record("boot", { boards, error: rig });
    continue;
  }
  let booted = false;
  let derived = -1;
  const m = measure(() => {
    const outcome = rig.boot();
    booted = outcome.ok;
    derived = outcome.ok ? (outcome.keyCache?.derivationCount ?? -1) : -1;
  });
  record("boot", { boards, booted, derived, computrons: m.computrons, bytes: m.allocatedBytes, slots: m.slots, chunkBytes: m.chunkBytes, exact: m.exact });
}

// The old way, for contrast: every sender's key at boot (33 senders).
const provider = PortableCryptoProvider.create(
  { fill: () => ErrorCode.EntropyUnavailable },
  { symmetricSlots: 40, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 },
  null,
);
if (provider.ok) {
  const secret = provider.value.importSymmetricKey(KeyKind.Secret, new Uint8Array(32).fill(0x3c));
  if (secret.ok) {
    let made = 0;
    const m = measure(() => {
      for (let id = 1; id <= 33; id++) if (deriveGroupSenderKey(provider.value, secret.value, 1, 0, id).ok) made++;
    });
    record("allUpFront", { senders: 33, made, computrons: m.computrons, bytes: m.allocatedBytes, exact: m.exact });
  }
}
// The cache in steady state: hits allocate nothing; a miss that evicts costs one derivation.
const cacheProvider = PortableCryptoProvider.create(
  { fill: () => ErrorCode.EntropyUnavailable },
  { symmetricSlots: 8, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 },
  null,
);
const cacheSecret = cacheProvider.ok ? cacheProvider.value.importSymmetricKey(KeyKind.Secret, new Uint8Array(32).fill(0x3c)) : undefined;
if (cacheProvider.ok && cacheSecret !== undefined && cacheSecret.ok) {
  const cache = SenderKeyCache.create(cacheProvider.value, cacheSecret.value, { capacity: 4, senderIdMax: 64, groupId: 1, epoch: 0 });
  if (cache.ok) {
    const c = cache.value;
    let found = 0;
    // What the opener does for an authenticated frame: look up, then confirm.
    const use = (id: number): void => {
      const slot = c.lookup(id, 0);
      if (slot < 0) return;
      c.confirm(slot);
      found++;
    };
    for (let id = 1; id <= 12; id++) use(id); // warm up: the provider's lazily built state, evictions happen
    found = 0;
    const hits = measure(() => {
      for (let i = 0; i < 100; i++) use(9 + (i & 3));
    });
    const derived0 = c.derivationCount;
    const evicted0 = c.evictionCount;
    const misses = measure(() => {
      for (let id = 20; id < 28; id++) use(id);
    });
    record("cache", {
      found,
      hitBytes: hits.allocatedBytes,
      hitComputrons: hits.computrons / 100,
      hitsExact: hits.exact,
      misses: c.derivationCount - derived0,
      evictions: c.evictionCount - evicted0,
      missBytes: misses.allocatedBytes / 8,
      missComputrons: misses.computrons / 8,
    });
  }
}
done();
