/**
 * Tables that keep several per-slot fields in one typed array (a stride per
 * entry, to save the per-array heap cost on XS): every slot's fields read
 * back as written when all slots are full of distinct values (no two slots
 * or fields overlap), and capacity is still honoured exactly. And the key
 * store's shared empty slot class (frozen at module level) is never written.
 */
import { describe, expect, it } from "vitest";
import { CoseAlg, KemAlg } from "../../../core/crypto/algorithms";
import { KeyKind, KeyStore } from "../../../core/crypto/key-store";
import { PortableCryptoProvider } from "../../../core/crypto/portable-provider";
import { ReplayTable } from "../../../core/crypto/replay-window";
import { ErrorCode } from "../../../core/runtime/errors";
import { LogTable } from "../../../core/storage/consensus-log";
import { DurableStore } from "../../../core/storage/durable-store";
import { KvTable } from "../../../core/storage/kv-store";
import { NO_ADDRESS } from "../../../core/storage/layout";
import { TelemetryOutbox } from "../../../core/telemetry/outbox";
import { RecordKind, TelemetryRecord } from "../../../core/telemetry/record";
import { SampleHistory } from "../../../core/telemetry/sample-history";
import { simDevice, SMALL_CONFIG, SMALL_GEOMETRY } from "./fixtures";
import type { LogIndex, Term } from "../../../core/runtime/ids";

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

describe("ReplayTable (counters, marks, bitmaps and sender index in one ArrayBuffer)", () => {
  it("keeps every sender's window bits apart from the others' and from the counters", () => {
    const made = ReplayTable.create({ capacity: 4, windowBits: 96 });
    if (!made.ok) throw new Error("create");
    const table = made.value;
    // Sender s marks counters 1000 + k for every k with k % 4 === s - 1, across all three window words.
    for (let sender = 1; sender <= 4; sender++) {
      for (let k = sender - 1; k < 96; k += 4) expect(table.commit(sender, 7, 1000 + k)).toBe(ErrorCode.Ok);
    }
    expect([table.acceptedCount, table.duplicateCount, table.size]).toEqual([96, 0, 4]);
    for (let sender = 1; sender <= 4; sender++) {
      for (let k = 0; k < 96; k++) {
        const mine = k % 4 === sender - 1;
        // Every counter 1000..1095 is inside every window (each sender's highest is 1092..1095, the window 96).
        expect(table.check(sender, 7, 1000 + k)).toBe(mine ? ErrorCode.ReplayDuplicate : ErrorCode.Ok);
      }
    }
    expect(table.acceptedCount).toBe(96);
    expect(table.duplicateCount).toBe(96);
    expect([table.check(5, 7, 1), table.tableFullCount]).toEqual([ErrorCode.ReplayTableFull, 1]);
  });
});

describe("TelemetryOutbox and SampleHistory in a caller's ArrayBuffer (the pipeline's one store)", () => {
  it("an outbox and two histories of odd capacities, each full, keep their numbers apart", () => {
    const align8 = (n: number): number => Math.ceil(n / 8) * 8;
    const outboxBytes = align8(TelemetryOutbox.bytesFor(3));
    const buffer = new ArrayBuffer(outboxBytes + align8(SampleHistory.bytesFor(5)) + SampleHistory.bytesFor(3));
    const outbox = TelemetryOutbox.create(3, buffer, 0);
    const a = SampleHistory.create(5, buffer, outboxBytes);
    const b = SampleHistory.create(3, buffer, outboxBytes + align8(SampleHistory.bytesFor(5)));
    if (!outbox.ok || !a.ok || !b.ok) throw new Error("create");
    const record = new TelemetryRecord();
    for (let i = 0; i < 3; i++) {
      record.reset(RecordKind.Aggregate, 10 + i, 1000 + i);
      record.value = -7 - i;
      expect(outbox.value.push(record)).toBe(ErrorCode.Ok);
    }
    for (let i = 0; i < 7; i++) a.value.push(100 + i, -1 - i);
    for (let i = 0; i < 4; i++) b.value.push(200 + i, 50 + i);
    expect([a.value.timeAt(2), a.value.valueAt(2), a.value.timeAt(6), a.value.valueAt(6)]).toEqual([102, -3, 106, -7]);
    expect([b.value.timeAt(1), b.value.valueAt(1), b.value.timeAt(3), b.value.valueAt(3)]).toEqual([201, 51, 203, 53]);
    for (let i = 0; i < 3; i++) {
      expect(outbox.value.pop(record)).toBe(ErrorCode.Ok);
      expect([record.channelId, record.atMs, record.value]).toEqual([10 + i, 1000 + i, -7 - i]);
    }
  });

  it("refuses a misaligned or too short range, and an invalid capacity first", () => {
    const buffer = new ArrayBuffer(64);
    expect(SampleHistory.create(4, buffer, 4)).toEqual({ ok: false, code: ErrorCode.InvalidArgument });
    expect(SampleHistory.create(6, buffer, 0)).toEqual({ ok: false, code: ErrorCode.InvalidArgument });
    expect(SampleHistory.create(0, buffer, 0)).toEqual({ ok: false, code: ErrorCode.TelemetryBadCapacity });
    expect(TelemetryOutbox.create(1, buffer, 8)).toEqual({ ok: false, code: ErrorCode.InvalidArgument });
    expect(SampleHistory.create(5, buffer, 0).ok).toBe(true);
  });
});

describe("DurableStore (log entries, key-value table and move buffer in one ArrayBuffer)", () => {
  it("a full key-value table and a full log read back after a compaction", () => {
    const device = simDevice(SMALL_GEOMETRY);
    const mounted = DurableStore.mount(device, SMALL_CONFIG);
    if (!mounted.ok) throw new Error(`mount ${mounted.code}`);
    const store = mounted.value;
    const valueOf = (key: number): Uint8Array => Uint8Array.from({ length: SMALL_CONFIG.kvValueMaxBytes }, (_, i) => (key * 31 + i) & 0xff);
    const entryOf = (index: number): Uint8Array => Uint8Array.from({ length: SMALL_CONFIG.recordPayloadMaxBytes }, (_, i) => (index * 7 + i * 3) & 0xff);
    for (let key = 0; key < SMALL_CONFIG.kvKeyCount; key++) expect(store.put(key, valueOf(key), 0, SMALL_CONFIG.kvValueMaxBytes)).toBe(ErrorCode.Ok);
    for (let index = 1; index <= SMALL_CONFIG.logCapacityEntries; index++) expect(store.append(index as LogIndex, 1 as Term, entryOf(index), 0, SMALL_CONFIG.recordPayloadMaxBytes)).toBe(ErrorCode.Ok);
    expect(store.compact()).toBeGreaterThanOrEqual(0);
    const value = new Uint8Array(SMALL_CONFIG.kvValueMaxBytes);
    for (let key = 0; key < SMALL_CONFIG.kvKeyCount; key++) {
      expect(store.get(key, value, 0)).toBe(SMALL_CONFIG.kvValueMaxBytes);
      expect(Array.from(value)).toEqual(Array.from(valueOf(key)));
    }
    const entry = new Uint8Array(SMALL_CONFIG.recordPayloadMaxBytes);
    for (let index = 1; index <= SMALL_CONFIG.logCapacityEntries; index++) {
      expect(store.readEntry(index as LogIndex, entry, 0)).toBe(SMALL_CONFIG.recordPayloadMaxBytes);
      expect(Array.from(entry)).toEqual(Array.from(entryOf(index)));
    }
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
