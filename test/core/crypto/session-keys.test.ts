/**
 * Session keys (README "Crypto boundary and envelopes": session keys): ML-KEM pairwise establishment against a
 * certified KEM key, HKDF context binding, group secrets distributed under
 * pairwise wrap keys, per-sender group keys, rotation.
 */
import { describe, expect, it } from "vitest";
import {
  Channel,
  FRAME_OVERHEAD_BYTES,
  KDF_INFO_BYTES,
  KemAlg,
  KeyKind,
  WRAPPED_SECRET_BYTES,
  TrafficKeyTable,
  createGroupSecret,
  deriveGroupSenderKey,
  deriveTrafficKey,
  initiatePairwise,
  kdfInfo,
  kemKeyCommitment,
  respondPairwise,
  unwrapGroupSecret,
  wrapGroupSecret,
  type TrafficKey,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { hex, makeKit, unwrap, utf8, type CryptoKit } from "./fixtures";

/** Seal with one key and try to open with another: proves two handles hold the same key (or not). */
function sameKey(kit: CryptoKit, a: TrafficKey, b: TrafficKey): boolean {
  const sealed = new Uint8Array(20);
  kit.provider.aeadSeal(a.handle, a.nonceBase, new Uint8Array(0), utf8("ping"), sealed);
  return kit.provider.aeadOpen(b.handle, b.nonceBase, new Uint8Array(0), sealed, new Uint8Array(4)) === 4 && hex(a.nonceBase) === hex(b.nonceBase);
}

function responder(kit: CryptoKit, alg: KemAlg = KemAlg.MlKem512) {
  const kem = unwrap(kit.provider.generateKemKey(alg));
  const pub = new Uint8Array(alg === KemAlg.MlKem512 ? 800 : 1184);
  kit.provider.publicKey(kem, pub);
  const commitment = new Uint8Array(32);
  expect(kemKeyCommitment(kit.provider, alg, pub, commitment)).toBe(ErrorCode.Ok);
  return { kem, pub, commitment, ct: new Uint8Array(alg === KemAlg.MlKem512 ? 768 : 1088) };
}

describe("pairwise keys from ML-KEM", () => {
  for (const alg of [KemAlg.MlKem512, KemAlg.MlKem768]) {
    it(`ML-KEM-${alg}: both sides derive mirrored send/receive keys and the same wrap key`, () => {
      const kit = makeKit(61);
      const r = responder(kit, alg);
      const ctx = { initiatorId: 10, responderId: 20, epoch: 3 };
      const i = unwrap(initiatePairwise(kit.provider, alg, r.pub, r.commitment, ctx, r.ct));
      const j = unwrap(respondPairwise(kit.provider, r.kem, r.commitment, r.ct, ctx));
      expect(sameKey(kit, i.send, j.receive)).toBe(true);
      expect(sameKey(kit, j.send, i.receive)).toBe(true);
      expect(sameKey(kit, i.send, i.receive)).toBe(false); // directions are independent
      expect(i.send.epoch).toBe(3);
      const secret = unwrap(createGroupSecret(kit.provider));
      const wrapped = new Uint8Array(WRAPPED_SECRET_BYTES);
      const gctx = { groupId: 1, epoch: 3, recipientId: 20 };
      expect(wrapGroupSecret(kit.provider, i.wrap, secret, gctx, wrapped)).toBe(WRAPPED_SECRET_BYTES);
      expect(unwrapGroupSecret(kit.provider, j.wrap, wrapped, gctx).ok).toBe(true);
    });
  }

  it("a KEM key that does not match the certificate's commitment is refused before encapsulating", () => {
    const kit = makeKit(62);
    const r = responder(kit);
    const other = responder(kit);
    const result = initiatePairwise(kit.provider, KemAlg.MlKem512, other.pub, r.commitment, { initiatorId: 1, responderId: 2, epoch: 0 }, r.ct);
    expect(result.ok ? 0 : result.code).toBe(ErrorCode.KeyCommitmentMismatch);
  });

  it("context binding: a different epoch, peer id or ciphertext gives unrelated keys", () => {
    const kit = makeKit(63);
    const r = responder(kit);
    const ctx = { initiatorId: 10, responderId: 20, epoch: 3 };
    const i = unwrap(initiatePairwise(kit.provider, KemAlg.MlKem512, r.pub, r.commitment, ctx, r.ct));
    const wrongEpoch = unwrap(respondPairwise(kit.provider, r.kem, r.commitment, r.ct, { ...ctx, epoch: 4 }));
    const wrongPeer = unwrap(respondPairwise(kit.provider, r.kem, r.commitment, r.ct, { ...ctx, initiatorId: 11 }));
    const wrongCt = unwrap(respondPairwise(kit.provider, r.kem, r.commitment, r.ct.map((b, k) => (k === 0 ? b ^ 1 : b)), ctx));
    for (const j of [wrongEpoch, wrongPeer, wrongCt]) expect(sameKey(kit, i.send, j.receive)).toBe(false);
  });

  it("the KDF info is the documented fixed layout", () => {
    const info = new Uint8Array(KDF_INFO_BYTES);
    expect(kdfInfo(1, { channel: Channel.Pairwise, epoch: 0x01020304, senderId: 5, receiverId: 6, groupId: 7 }, info)).toBe(ErrorCode.Ok);
    expect(hex(info)).toBe(hex(utf8("picket/kdf/v1")) + "0101" + "01020304" + "00000005" + "00000006" + "00000007");
    expect(kdfInfo(1, { channel: 9 as Channel, epoch: 0, senderId: 0, receiverId: 0, groupId: 0 }, info)).toBe(ErrorCode.InvalidArgument);
  });
});

describe("group keys", () => {
  it("each sender's group key is distinct; every member derives the same one from the unwrapped secret", () => {
    const kit = makeKit(64);
    const wrap = unwrap(kit.provider.generateSymmetricKey(KeyKind.Aead));
    const secret = unwrap(createGroupSecret(kit.provider));
    const wrapped = new Uint8Array(WRAPPED_SECRET_BYTES);
    const gctx = { groupId: 7, epoch: 2, recipientId: 30 };
    wrapGroupSecret(kit.provider, wrap, secret, gctx, wrapped);
    const memberCopy = unwrap(unwrapGroupSecret(kit.provider, wrap, wrapped, gctx));
    const a = unwrap(deriveGroupSenderKey(kit.provider, secret, 7, 2, 11));
    const aAtMember = unwrap(deriveGroupSenderKey(kit.provider, memberCopy, 7, 2, 11));
    const b = unwrap(deriveGroupSenderKey(kit.provider, secret, 7, 2, 12));
    const nextEpoch = unwrap(deriveGroupSenderKey(kit.provider, secret, 7, 3, 11));
    expect(sameKey(kit, a, aAtMember)).toBe(true);
    expect(sameKey(kit, a, b)).toBe(false);
    expect(sameKey(kit, a, nextEpoch)).toBe(false);
  });

  it("a wrapped secret opens only for its (group, epoch, recipient) and unmodified", () => {
    const kit = makeKit(65);
    const wrap = unwrap(kit.provider.generateSymmetricKey(KeyKind.Aead));
    const secret = unwrap(createGroupSecret(kit.provider));
    const wrapped = new Uint8Array(WRAPPED_SECRET_BYTES);
    const gctx = { groupId: 7, epoch: 2, recipientId: 30 };
    wrapGroupSecret(kit.provider, wrap, secret, gctx, wrapped);
    const codes = [
      unwrapGroupSecret(kit.provider, wrap, wrapped, { ...gctx, recipientId: 31 }),
      unwrapGroupSecret(kit.provider, wrap, wrapped, { ...gctx, epoch: 3 }),
      unwrapGroupSecret(kit.provider, wrap, wrapped.map((x, k) => (k === 20 ? x ^ 4 : x)), gctx),
      unwrapGroupSecret(kit.provider, wrap, wrapped.subarray(1), gctx),
    ].map((r) => (r.ok ? 0 : r.code));
    expect(codes).toEqual([ErrorCode.CryptoAuthFailed, ErrorCode.CryptoAuthFailed, ErrorCode.CryptoAuthFailed, ErrorCode.CryptoBadLength]);
  });
});

describe("rotation: traffic key table", () => {
  it("old and new epochs coexist until the old is retired; retiring destroys (zeroizes) the key", () => {
    const kit = makeKit(66);
    const secret = unwrap(kit.provider.generateSymmetricKey(KeyKind.Secret));
    const table = unwrap(TrafficKeyTable.create(kit.provider, 4));
    const base = { channel: Channel.Group, senderId: 5, receiverId: 0, groupId: 1 };
    const e0 = unwrap(deriveTrafficKey(kit.provider, secret, new Uint8Array(0), { ...base, epoch: 0 }));
    const e1 = unwrap(deriveTrafficKey(kit.provider, secret, new Uint8Array(0), { ...base, epoch: 1 }));
    expect(table.install(5, e0)).toBe(ErrorCode.Ok);
    expect(table.install(5, e1)).toBe(ErrorCode.Ok);
    expect(table.lookup(5, 0)).toBeGreaterThanOrEqual(0);
    expect(table.lookup(5, 1)).toBeGreaterThanOrEqual(0);
    expect(table.retireBefore(5, 1)).toBe(1);
    expect(table.lookup(5, 0)).toBe(-ErrorCode.KeyEpochUnknown);
    expect(kit.provider.keyKind(e0.handle)).toBe(-ErrorCode.CryptoKeyDestroyed);
    expect(table.retiredCount).toBe(1);
  });

  it("a full table refuses a new key (Full, counted) and keeps every installed one", () => {
    const kit = makeKit(67);
    const secret = unwrap(kit.provider.generateSymmetricKey(KeyKind.Secret));
    const table = unwrap(TrafficKeyTable.create(kit.provider, 1));
    const mk = (sender: number) =>
      unwrap(deriveTrafficKey(kit.provider, secret, new Uint8Array(0), { channel: Channel.Group, epoch: 0, senderId: sender, receiverId: 0, groupId: 1 }));
    expect(table.install(1, mk(1))).toBe(ErrorCode.Ok);
    expect(table.install(2, mk(2))).toBe(ErrorCode.Full);
    expect(table.refusedCount).toBe(1);
    expect(table.lookup(1, 0)).toBeGreaterThanOrEqual(0);
    expect(FRAME_OVERHEAD_BYTES).toBe(25);
  });
});
