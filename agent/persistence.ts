/**
 * What the agent keeps across shutdown, restart and power loss, in the small
 * KV store of core/storage (DurableStore over the board's BlockDevice):
 *
 * | key        | value (little-endian)                              | written                       |
 * |------------|----------------------------------------------------|-------------------------------|
 * | 0 boot     | bootCount u32, cleanShutdowns u32, flags u32       | at every boot; at clean stop  |
 * | 1 lifetime | 4 x u64: samples, alerts raised, alerts delivered, | at graceful shutdown (flush)  |
 * |            | telemetry records sent                             |                               |
 * | 2 counter  | mesh send-counter ceiling (core/storage/           | once per COUNTER_STEP frames  |
 * |            | counter-reservation.ts), 8 bytes                   |                               |
 * | 3 keys     | the provisioning record (agent/provisioning.ts)    | by `picket provision` only    |
 * | 4 + i      | pending alert slot i: the encoded alert message    | when the alert is admitted;   |
 * |            | (core/uplink/wire.ts, 40 bytes)                          | removed when acknowledged     |
 * | 4 + slots  | the send-counter ceiling's mirror (8 bytes)        | right after key 2, each time  |
 * | 5 + slots  | receive ceilings: chunk c of windows at key        | when a sender's counter nears |
 * |  + 2c (+1) | 5 + slots + 2c, its mirror at the next key         | its ceiling (persist phase);  |
 * |            | (core/storage/receive-ceilings.ts, 4 + 4 x 20 B)   | at boot; at graceful shutdown |
 *
 * The boot count is the incarnation on the wire: (source, incarnation, seq)
 * stays unique across reboots, so the gateway's duplicate filter works after
 * a restart. Pending alerts are written through, so an alert raised before
 * a power loss is sent again after it (flag ResentAfterReboot); the gateway
 * drops it if the first copy had arrived. Lifetime counters are saved at a
 * graceful shutdown only; after a power loss they resume from the last one.
 *
 * The send counter is opened here, right after mount and before anything
 * else may write (core/storage/counter-reservation.ts "Proof, not hope"):
 * its range comes from the provisioning record's generation
 * (provisioning.ts sendCounterRange), both ceiling copies are repaired
 * first, and when mount cannot prove the highest value ever issued the
 * store is frozen (no writes, so no cleaning erases the evidence) and the
 * radio stays off with CounterUnprovable until the board is provisioned
 * with a new key. The receive ceilings are opened and proven right after
 * it, for the record's key epoch, with the same rule (ReceiveCeilingUnprovable
 * freezes the store and keeps the radio off too): the layout has a chunk
 * pair per 20 replay windows: two per board of the site's `radio.siteSize`
 * (its frames under a pair secret and under the flood secret,
 * core/mesh/link-seal.ts windowIdOf).
 *
 * Durability is the store's (core/storage/durable-store.ts): `Ok` means
 * programmed and verified. Without a block device, or when mounting fails,
 * the agent runs without persistence: every call is a counted no-op and
 * `mounted` is false (status reports it). Nothing here allocates after open.
 */
import type { ValueOrCode } from "../core/collections/value-or-code";
import { ErrorCode } from "../core/runtime/errors";
import type { Status } from "../core/runtime/result";
import type { BlockDevice } from "../core/storage/block-device";
import { DurableStore, type StoreConfig } from "../core/storage/durable-store";
import { CounterReservation } from "../core/storage/counter-reservation";
import { windowIdMax } from "../core/mesh/link-seal";
import { ceilingChunkBytes, ceilingChunkCount, ceilingStateBytes, ReceiveCeilings } from "../core/storage/receive-ceilings";
import { MirroredRing, RING_ENTRY_BYTES } from "../core/storage/mirrored-ring";
import type { AlertIdLog } from "../core/uplink/gateway";
import { PROVISIONING_RECORD_BYTES, ProvisioningRecord, RecordRole, sendCounterRange } from "./provisioning";
import { ALERT_MESSAGE_BYTES } from "../core/uplink/wire";

export const StoreKey = Object.freeze({ Boot: 0, Lifetime: 1, SendCounter: 2, Provisioning: 3, FirstAlert: 4 } as const);

export const LifetimeCounter = Object.freeze({ Samples: 0, AlertsRaised: 1, AlertsDelivered: 2, TelemetryRecordsSent: 3 } as const);
export const LIFETIME_COUNTER_COUNT = 4;

const BOOT_VALUE_BYTES = 12;
const LIFETIME_VALUE_BYTES = LIFETIME_COUNTER_COUNT * 8;
const VALUE_MAX_BYTES = Math.max(ALERT_MESSAGE_BYTES, LIFETIME_VALUE_BYTES, BOOT_VALUE_BYTES, PROVISIONING_RECORD_BYTES);

/** A send-counter ceiling (core/storage/counter-reservation.ts: 8 bytes). */
const SEND_COUNTER_VALUE_BYTES = 8;

/** Frames per durable counter reservation: two 8-byte flash writes (the ceiling and its mirror) per this many frames; at most this many values skipped per reboot. */
export const SEND_COUNTER_STEP = 256;
/**
 * Counter values the transport's persist phase (the start of every tick)
 * keeps reserved, far more than one tick uses (a tick seals at most one
 * frame; message ids come one per send). Should a burst of sends between two
 * ticks use them all, further sends are refused (SendCounterUnavailable) and
 * a message fragment waits for the next tick: nothing is sealed without a
 * durable reservation. A reboot skips at most SEND_COUNTER_STEP + this many.
 */
export const SEND_COUNTER_AHEAD = 128;

/** The send-counter mirror's key: after the alert slots, so stores written before it existed keep their keys. */
export function sendCounterMirrorKey(alertSlots: number): number {
  return StoreKey.FirstAlert + alertSlots;
}

/** The receive ceilings' first key (chunk 0; its mirror follows): after the send counter's mirror. */
export function receiveCeilingsFirstKey(alertSlots: number): number {
  return sendCounterMirrorKey(alertSlots) + 1;
}

/**
 * A receive ceiling is raised to the highest counter accepted + 1 + this
 * (receive-ceilings.ts): a sender's frames raise it about once per
 * RECEIVE_CEILING_STEP - RECEIVE_CEILING_LOW_WATER frames (two store
 * records, for every sender of the chunk at once), and after a power loss
 * a sender loses at most this many values at this receiver.
 */
export const RECEIVE_CEILING_STEP = 16;
/** Raise once fewer than this many values are left: the most frames from one sender a tick receives (RX_FRAMES_MAX). */
export const RECEIVE_CEILING_LOW_WATER = 4;

/** What the store's layout depends on (the provisioning tool formats a partition with the same). */
export interface StoreShape {
  /** Pending alert slots (uplink.alertPendingCapacity). */
  readonly alertSlots: number;
  /** Boards 1..siteSize (radio.siteSize): each gets two receive ceilings, one per replay window (windowIdMax). */
  readonly siteSize: number;
}

/** The store shape of a site configuration. */
export function storeShapeOf(config: { readonly uplink: { readonly alertPendingCapacity: number }; readonly radio: { readonly siteSize: number } }): StoreShape {
  return { alertSlots: config.uplink.alertPendingCapacity, siteSize: config.radio.siteSize };
}

/**
 * The store geometry the agent mounts with (the provisioning tool formats a
 * partition with the same one). Each key's value gets its own size, so the
 * RAM copy of the values is what the keys can hold (the boot record, the
 * lifetime counters, the send counter's ceiling, the provisioning record,
 * one alert message per pending slot), not every key at the largest.
 */
export function agentStoreConfig(shape: StoreShape): StoreConfig {
  const kvValueBytes: number[] = [BOOT_VALUE_BYTES, LIFETIME_VALUE_BYTES, SEND_COUNTER_VALUE_BYTES, PROVISIONING_RECORD_BYTES];
  for (let i = 0; i < shape.alertSlots; i++) kvValueBytes.push(ALERT_MESSAGE_BYTES);
  kvValueBytes.push(SEND_COUNTER_VALUE_BYTES);
  const windows = windowIdMax(shape.siteSize);
  for (let c = 0; c < ceilingChunkCount(windows); c++) {
    const bytes = ceilingChunkBytes(c, windows);
    kvValueBytes.push(bytes, bytes);
  }
  return { recordPayloadMaxBytes: VALUE_MAX_BYTES, kvKeyCount: kvValueBytes.length, kvValueMaxBytes: VALUE_MAX_BYTES, kvValueBytes, logCapacityEntries: 1 };
}
const FLAG_CLEAN_SHUTDOWN = 1;

export class AgentStore {
  private readonly store_: DurableStore | undefined;
  private readonly mountStatus_: Status;
  private readonly alertSlots_: number;
  /** Values in and out (VALUE_MAX_BYTES), then the receive ceilings' state (receive-ceilings.ts ceilingStateBytes): one typed array. */
  private readonly scratch_: Uint8Array;
  private bootCount_ = 0;
  private cleanShutdowns_ = 0;
  private previousShutdownClean_ = false;
  private writes_ = 0;
  private writeFailures_ = 0;
  private skipped_ = 0;
  private sendCounter_: CounterReservation | undefined = undefined;
  private sendCounterStatus_: Status = ErrorCode.AgentNotProvisioned;
  private receiveCeilings_: ReceiveCeilings | undefined = undefined;
  private receiveCeilingsStatus_: Status = ErrorCode.AgentNotProvisioned;
  /** A gateway's delivered-alert identities (mirrored-ring.ts over the alert slots a gateway does not use). */
  private alertIds_: MirroredRing | undefined = undefined;
  private alertIdsStatus_: Status = ErrorCode.Ok;

  /** Mount `device` (or run without persistence: see the file comment). Never fails. */
  static open(device: BlockDevice | undefined, shape: StoreShape): AgentStore {
    if (device === undefined) return new AgentStore(undefined, ErrorCode.AgentStorageUnavailable, shape);
    const mounted = DurableStore.mount(device, agentStoreConfig(shape));
    if (!mounted.ok) return new AgentStore(undefined, mounted.code, shape);
    return new AgentStore(mounted.value, ErrorCode.Ok, shape);
  }

  private constructor(store: DurableStore | undefined, mountStatus: Status, shape: StoreShape) {
    this.store_ = store;
    this.mountStatus_ = mountStatus;
    this.alertSlots_ = shape.alertSlots;
    this.scratch_ = new Uint8Array(VALUE_MAX_BYTES + ceilingStateBytes(windowIdMax(shape.siteSize)));
    this.openSendCounter_(shape.siteSize);
    this.load_();
  }

  // Before any write (see the file comment): open the counter in its provisioned range, repair both copies, or freeze.
  private openSendCounter_(siteSize: number): void {
    const store = this.store_;
    if (store === undefined) {
      this.sendCounterStatus_ = this.mountStatus_ === ErrorCode.Ok ? ErrorCode.AgentStorageUnavailable : this.mountStatus_;
      return;
    }
    const bytes = this.scratch_;
    const length = store.get(StoreKey.Provisioning, bytes, 0);
    if (length < 0) {
      this.sendCounterStatus_ = length === -ErrorCode.NotFound ? ErrorCode.AgentNotProvisioned : ErrorCode.AgentProvisioningMalformed;
      return;
    }
    const record = ProvisioningRecord.parse(bytes, length);
    const range = typeof record === "number" ? undefined : sendCounterRange(record.generation);
    const epoch = typeof record === "number" ? -1 : record.keyEpoch;
    const gateway = typeof record !== "number" && record.role === RecordRole.Gateway;
    bytes.fill(0, 0, VALUE_MAX_BYTES); // the record's secret was read into the scratch buffer
    if (range === undefined) {
      this.sendCounterStatus_ = typeof record === "number" ? record : ErrorCode.AgentProvisioningMalformed;
      return;
    }
    const opened = CounterReservation.open(store, {
      key: StoreKey.SendCounter,
      mirrorKey: sendCounterMirrorKey(this.alertSlots_),
      stepK: SEND_COUNTER_STEP,
      aheadValues: SEND_COUNTER_AHEAD,
      firstValue: range.firstValue,
      maxValue: range.maxValue,
    });
    if (!opened.ok) {
      this.sendCounterStatus_ = opened.code;
      // Nothing may write now: a cleaning could erase what made the counter unprovable, and a later mount would trust it.
      if (opened.code === ErrorCode.CounterUnprovable) store.freeze();
      return;
    }
    this.sendCounter_ = opened.value;
    // A failed repair leaves the copies as they were (still proven); the store's failure then stops every reservation.
    if (opened.value.repair() !== ErrorCode.Ok) this.writeFailures_++;
    this.sendCounterStatus_ = ErrorCode.Ok;
    this.openReceiveCeilings_(store, epoch, siteSize);
    if (gateway) this.openAlertIds_(store);
  }

  // A gateway's own alerts go to its gateway role, never to pending slots: the slots keep its delivered-alert identities.
  private openAlertIds_(store: DurableStore): void {
    const pairs = Math.min(64, this.alertSlots_ >>> 1);
    if (pairs === 0 || store.frozen) return;
    const opened = MirroredRing.open(store, { firstKey: StoreKey.FirstAlert, pairs, scratch: this.scratch_ });
    if (!opened.ok) {
      this.alertIdsStatus_ = opened.code;
      if (opened.code === ErrorCode.RingUnprovable) store.freeze();
      return;
    }
    this.alertIds_ = opened.value;
  }

  /** A gateway's durable alert identities (core/uplink/gateway.ts AlertIdLog), or undefined (not a gateway, no slots, or refused). */
  get alertIdLog(): AlertIdLog | undefined {
    return this.alertIds_ === undefined ? undefined : this;
  }

  /** Ok, or why a gateway's alert identities could not be opened (RingUnprovable: the store is frozen). */
  get alertIdLogStatus(): Status {
    return this.alertIdsStatus_;
  }

  /** AlertIdLog: keep (source, incarnation, seq) durably (source u16, incarnation u16, seq u32, little-endian). */
  remember(sourceId: number, incarnation: number, seq: number): Status {
    const ring = this.alertIds_;
    if (ring === undefined) return ErrorCode.AgentStorageUnavailable;
    const buf = this.scratch_;
    const at = VALUE_MAX_BYTES - RING_ENTRY_BYTES; // past the chunk the ring composes at the start
    buf[at] = sourceId & 0xff;
    buf[at + 1] = (sourceId >>> 8) & 0xff;
    buf[at + 2] = incarnation & 0xff;
    buf[at + 3] = (incarnation >>> 8) & 0xff;
    writeU32(buf, at + 4, seq >>> 0);
    return this.count_(ring.append(buf, at));
  }

  /** AlertIdLog: every identity kept into `visit`. */
  restore(visit: (sourceId: number, incarnation: number, seq: number) => void): number {
    const ring = this.alertIds_;
    if (ring === undefined) return 0;
    return ring.forEach((bytes, at) => visit((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8), (bytes[at + 2] ?? 0) | ((bytes[at + 3] ?? 0) << 8), readU32(bytes, at + 4)));
  }

  // Right after the send counter, before anything else writes: prove the receive ceilings of this key epoch, or freeze.
  private openReceiveCeilings_(store: DurableStore, epoch: number, siteSize: number): void {
    const opened = ReceiveCeilings.open(store, {
      firstKey: receiveCeilingsFirstKey(this.alertSlots_),
      senderIdMax: windowIdMax(siteSize),
      epoch,
      stepValues: RECEIVE_CEILING_STEP,
      lowWaterValues: RECEIVE_CEILING_LOW_WATER,
      buffer: this.scratch_,
    });
    if (!opened.ok) {
      this.receiveCeilingsStatus_ = opened.code;
      if (opened.code === ErrorCode.ReceiveCeilingUnprovable) store.freeze();
      return;
    }
    this.receiveCeilings_ = opened.value;
    this.receiveCeilingsStatus_ = ErrorCode.Ok;
  }

  /** The receive ceilings opened at mount (undefined when `receiveCeilingsStatus` is not Ok). */
  get receiveCeilings(): ReceiveCeilings | undefined {
    return this.receiveCeilings_;
  }

  /**
   * Ok, or why there are no receive ceilings: the send counter's reasons
   * (they open after it), ReceiveCeilingUnprovable (the store is frozen),
   * Corrupt, or the store's error.
   */
  get receiveCeilingsStatus(): Status {
    return this.sendCounterStatus_ !== ErrorCode.Ok ? this.sendCounterStatus_ : this.receiveCeilingsStatus_;
  }

  /** Pending alert slots (the layout the store was mounted with). */
  get alertSlots(): number {
    return this.alertSlots_;
  }



  /** The send counter opened at mount (undefined when `sendCounterStatus` is not Ok). */
  get sendCounter(): CounterReservation | undefined {
    return this.sendCounter_;
  }

  /**
   * Ok, or why there is no send counter: AgentStorageUnavailable (no
   * store), AgentNotProvisioned, AgentProvisioningMalformed, CounterUnprovable
   * (the store is frozen), Corrupt, or the store's error.
   */
  get sendCounterStatus(): Status {
    return this.sendCounterStatus_;
  }

  /** True when the store refuses every write (StoreFrozen), to keep what made the send counter unprovable. */
  get frozen(): boolean {
    return this.store_?.frozen ?? false;
  }

  private load_(): void {
    const store = this.store_;
    const buf = this.scratch_;
    if (store === undefined) return;
    if (store.get(StoreKey.Boot, buf, 0) === BOOT_VALUE_BYTES) {
      this.bootCount_ = readU32(buf, 0);
      this.cleanShutdowns_ = readU32(buf, 4);
      this.previousShutdownClean_ = (readU32(buf, 8) & FLAG_CLEAN_SHUTDOWN) !== 0;
    }
  }

  /**
   * The stored lifetime counters into `out[at .. at + LIFETIME_COUNTER_COUNT)`
   * (zeros when none are stored). Read it at boot: a graceful shutdown
   * stores new ones.
   */
  readLifetime(out: Float64Array, at: number): void {
    const buf = this.scratch_;
    const stored = this.store_ !== undefined && this.store_.get(StoreKey.Lifetime, buf, 0) === LIFETIME_VALUE_BYTES;
    for (let i = 0; i < LIFETIME_COUNTER_COUNT; i++) out[at + i] = stored ? readU32(buf, i * 8) + readU32(buf, i * 8 + 4) * 0x1_0000_0000 : 0;
  }

  get mounted(): boolean {
    return this.store_ !== undefined;
  }
  /** `Ok`, `AgentStorageUnavailable` (no device) or the mount's error. */
  get mountStatus(): Status {
    return this.mountStatus_;
  }
  /** Boots so far, this one included once `recordBoot` succeeded. */
  get bootCount(): number {
    return this.bootCount_;
  }
  get cleanShutdowns(): number {
    return this.cleanShutdowns_;
  }
  /** True when the boot before this one ended with a graceful shutdown. */
  get previousShutdownClean(): boolean {
    return this.previousShutdownClean_;
  }
  get writes(): number {
    return this.writes_;
  }
  get writeFailures(): number {
    return this.writeFailures_;
  }
  /** Calls made while not mounted (nothing stored). */
  get skipped(): number {
    return this.skipped_;
  }
  get store(): DurableStore | undefined {
    return this.store_;
  }

  /** Count this boot durably (the new incarnation). */
  recordBoot(): Status {
    this.bootCount_++;
    return this.writeBoot_(0);
  }

  /** A graceful shutdown finished its flush. */
  recordCleanShutdown(): Status {
    this.cleanShutdowns_++;
    return this.writeBoot_(FLAG_CLEAN_SHUTDOWN);
  }

  private writeBoot_(flags: number): Status {
    const buf = this.scratch_;
    writeU32(buf, 0, this.bootCount_);
    writeU32(buf, 4, this.cleanShutdowns_);
    writeU32(buf, 8, flags);
    return this.put_(StoreKey.Boot, buf, 0, BOOT_VALUE_BYTES);
  }

  /** Save the lifetime counters (`values`: LIFETIME_COUNTER_COUNT non-negative safe integers). */
  saveLifetime(values: Float64Array): Status {
    const buf = this.scratch_;
    for (let i = 0; i < LIFETIME_COUNTER_COUNT; i++) {
      const value = values[i] ?? 0;
      writeU32(buf, i * 8, value % 0x1_0000_0000);
      writeU32(buf, i * 8 + 4, Math.floor(value / 0x1_0000_0000));
    }
    return this.put_(StoreKey.Lifetime, buf, 0, LIFETIME_VALUE_BYTES);
  }

  /** Store pending alert slot `slot`'s message `bytes[offset .. + ALERT_MESSAGE_BYTES)`. */
  saveAlert(slot: number, bytes: Uint8Array, offset: number): Status {
    if ((slot >>> 0) !== slot || slot >= this.alertSlots_) return ErrorCode.OutOfRange;
    return this.put_(StoreKey.FirstAlert + slot, bytes, offset, ALERT_MESSAGE_BYTES);
  }

  removeAlert(slot: number): Status {
    const store = this.store_;
    if ((slot >>> 0) !== slot || slot >= this.alertSlots_) return ErrorCode.OutOfRange;
    if (store === undefined) return this.skip_();
    return this.count_(store.remove(StoreKey.FirstAlert + slot));
  }

  /** The stored alert of `slot` into `out[offset ..]`: its length, or `-NotFound` (none), `-AgentStorageUnavailable`. */
  loadAlert(slot: number, out: Uint8Array, offset: number): ValueOrCode {
    const store = this.store_;
    if (store === undefined) return -ErrorCode.AgentStorageUnavailable;
    if ((slot >>> 0) !== slot || slot >= this.alertSlots_) return -ErrorCode.OutOfRange;
    return store.get(StoreKey.FirstAlert + slot, out, offset);
  }

  /** The provisioning record into `out[offset ..]`: its length, or `-NotFound` (not provisioned), `-AgentStorageUnavailable`. */
  loadProvisioning(out: Uint8Array, offset: number): ValueOrCode {
    const store = this.store_;
    if (store === undefined) return -ErrorCode.AgentStorageUnavailable;
    return store.get(StoreKey.Provisioning, out, offset);
  }

  /** Store a provisioning record (the provisioning tool; a board never writes its own). */
  saveProvisioning(bytes: Uint8Array, lengthBytes: number): Status {
    return this.put_(StoreKey.Provisioning, bytes, 0, lengthBytes);
  }

  private put_(key: number, bytes: Uint8Array, offset: number, lengthBytes: number): Status {
    const store = this.store_;
    if (store === undefined) return this.skip_();
    return this.count_(store.put(key, bytes, offset, lengthBytes));
  }

  private count_(status: Status): Status {
    if (status === ErrorCode.Ok) this.writes_++;
    else this.writeFailures_++;
    return status;
  }

  private skip_(): Status {
    this.skipped_++;
    return ErrorCode.AgentStorageUnavailable;
  }
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
}
