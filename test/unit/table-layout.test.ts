/**
 * Tables that keep several per-slot fields in one typed array (a stride per
 * entry, to save the per-array heap cost on XS): every slot's fields read
 * back as written when all slots are full of distinct values (no two slots
 * or fields overlap), and capacity is still honoured exactly. And the key
 * store's shared empty slot class (frozen at module level) is never written.
 */
import { describe, expect, it } from "vitest";
import { CoseAlg, KemAlg } from "../../core/crypto/algorithms";
import { KeyKind, KeyStore } from "../../core/crypto/key-store";
import { ReplayTable } from "../../core/crypto/replay-window";
import { ErrorCode } from "../../core/runtime/errors";
import { LogTable } from "../../core/storage/consensus-log";
import { KvTable } from "../../core/storage/kv-store";
import { NO_ADDRESS } from "../../core/storage/layout";

describe("KvTable (lengths and addresses in one array)", () => {
  it("keeps every key's value, length and address apart, and knows absent keys", () => {
    const kv = new KvTable(7, 5);
    for (let key = 0; key < 7; key++) expect([kv.lengthOf(key), kv.addressOf(key)]).toEqual([-1, NO_ADDRESS]);
    const value = Uint8Array.from({ length: 5 }, (_, i) => 10 + i);
    for (let key = 0; key < 7; key += 2) expect(kv.set(key, value, 0, key % 6, 0xfffffff0 - key)).toBe(true);
    for (let key = 0; key < 7; key++) {
      const stored = key % 2 === 0;
      expect(kv.lengthOf(key)).toBe(stored ? key % 6 : -1);
      expect(kv.addressOf(key)).toBe(stored ? 0xfffffff0 - key : NO_ADDRESS);
    }
    kv.clear(2);
    expect([kv.lengthOf(2), kv.addressOf(2), kv.lengthOf(4), kv.addressOf(4)]).toEqual([-1, NO_ADDRESS, 4, 0xfffffff0 - 4]);
  });

  it("refuses a key outside 0..keyCount-1 and a value longer than valueMaxBytes, changing nothing", () => {
    const kv = new KvTable(3, 4);
    expect(kv.set(3, new Uint8Array(4), 0, 4, 1)).toBe(false);
    expect(kv.set(1, new Uint8Array(5), 0, 5, 1)).toBe(false);
    expect([kv.lengthOf(1), kv.addressOf(1), kv.lengthOf(3), kv.addressOf(3)]).toEqual([-1, NO_ADDRESS, -1, NO_ADDRESS]);
  });
});

describe("LogTable (index, term, address and size in one array)", () => {
  it("keeps each entry's term, address and size apart in a full table, and refuses one more", () => {
    const log = new LogTable(4);
    for (let index = 1; index <= 4; index++) {
      expect(log.checkAppend(index)).toBe(ErrorCode.Ok);
      log.applyAppend(index, 100 + index, 0xffff0000 + index, 3 * index);
    }
    expect(log.checkAppend(5)).toBe(ErrorCode.Full);
    for (let index = 1; index <= 4; index++) {
      expect([log.termOf(index), log.addressOf(index), log.bytesOf(index)]).toEqual([100 + index, 0xffff0000 + index, 3 * index]);
    }
    log.applyTruncate(3);
    expect([log.addressOf(3), log.addressOf(4), log.addressOf(2), log.termOf(2)]).toEqual([NO_ADDRESS, NO_ADDRESS, 0xffff0002, 102]);
  });
});

describe("ReplayTable (epoch and highest counter in one array)", () => {
  it("keeps every sender's epoch and window apart in a full table, and refuses one sender more", () => {
    const made = ReplayTable.create({ capacity: 5, windowBits: 64 });
    if (!made.ok) throw new Error("create");
    const table = made.value;
    for (let sender = 1; sender <= 5; sender++) expect(table.commit(sender, sender * 3, 1000 + sender)).toBe(ErrorCode.Ok);
    expect(table.check(6, 1, 1)).toBe(ErrorCode.ReplayTableFull);
    for (let sender = 1; sender <= 5; sender++) {
      expect([table.epochOf(sender), table.highest(sender)]).toEqual([sender * 3, 1000 + sender]);
      expect(table.check(sender, sender * 3, 1000 + sender)).toBe(ErrorCode.ReplayDuplicate);
    }
    expect([table.epochOf(6), table.highest(6)]).toEqual([-1, -1]);
  });
});

describe("KeyStore kinds configured with no slots (one shared, frozen empty class)", () => {
  it("refuse every key of that kind as full, in every store, and leave the stores' other kinds working", () => {
    const options = { symmetricSlots: 0, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 } as const;
    for (let store = 0; store < 2; store++) {
      const made = KeyStore.create(store === 0 ? options : { ...options, symmetricSlots: 1 });
      if (!made.ok) throw new Error("create");
      const keys = made.value;
      expect(keys.allocate(KeyKind.MlDsa44, 2560, 1312)).toBe(-ErrorCode.CryptoKeyStoreFull);
      const aead = keys.allocate(KeyKind.Aead, 32, 0);
      if (store === 0) expect(aead).toBe(-ErrorCode.CryptoKeyStoreFull);
      else expect(aead).toBeGreaterThanOrEqual(0);
      expect(keys.fullCount).toBe(store === 0 ? 2 : 1);
      expect(keys.liveCount).toBe(store);
    }
  });
});
