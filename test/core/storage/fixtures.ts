/**
 * Shared set-up for the storage tests. Platform neutral (no Node, no
 * vitest): the XS entry (test/xs/entries/storage.xs.ts) and the conformance
 * properties use it too.
 */
import type { Result, Status } from "../../../core/runtime/result";
import type { KvStore } from "../../../core/storage/kv-store";
import { ErrorCode } from "../../../core/runtime/errors";
import { DurableStore, type StoreConfig } from "../../../core/storage/durable-store";
import { FlashFaults, type FlashFaultOptions } from "../../../hal/sim/flash-faults";
import { SimFlash, type SimFlashOptions } from "../../../hal/sim/flash";

/** Small blocks so a 1,000-operation workload cleans, rotates and moves the superblock many times. */
export const SMALL_GEOMETRY: SimFlashOptions = Object.freeze({ blockSizeBytes: 512, blockCount: 16, programAlignBytes: 4 });
/** The ESP32 shape: 4 KiB erase blocks. */
export const ESP32_GEOMETRY: SimFlashOptions = Object.freeze({ blockSizeBytes: 4096, blockCount: 8, programAlignBytes: 4 });
/** Encrypted-flash style 16-byte write alignment. */
export const ALIGN16_GEOMETRY: SimFlashOptions = Object.freeze({ blockSizeBytes: 1024, blockCount: 12, programAlignBytes: 16 });

/** Room for term, vote, incarnation, config hash, counters: 8 keys of up to 16 bytes; entries up to 32 bytes. */
export const SMALL_CONFIG: StoreConfig = Object.freeze({
  recordPayloadMaxBytes: 32,
  kvKeyCount: 8,
  kvValueMaxBytes: 16,
  logCapacityEntries: 64,
});

export function unwrap<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what} failed with code ${result.code}`);
  return result.value;
}

export function simDevice(geometry: SimFlashOptions = SMALL_GEOMETRY, faults: FlashFaultOptions = { seed: 1 }): SimFlash {
  return unwrap(SimFlash.create(geometry, new FlashFaults(faults)), "SimFlash.create");
}

/**
 * Mount, powering the device back on if power fails during the mount itself
 * (a format writes). Throws on any other error or after 50 attempts.
 */
export function mountAfterPowerUp(device: SimFlash, config: StoreConfig = SMALL_CONFIG): DurableStore {
  for (let attempt = 0; attempt < 50; attempt++) {
    device.powerOn();
    const mounted = DurableStore.mount(device, config);
    if (mounted.ok) return mounted.value;
    if (mounted.code !== ErrorCode.DevicePowerLost) throw new Error(`mount failed with code ${mounted.code}`);
  }
  throw new Error("mount kept losing power");
}

/** Deterministic bytes for a value: what a test wrote can be recomputed from (tag, length). */
export function fillPattern(out: Uint8Array, offset: number, lengthBytes: number, tag: number): void {
  let x = (Math.imul(tag, 0x9e3779b1) ^ lengthBytes) >>> 0;
  for (let i = 0; i < lengthBytes; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6b) >>> 0;
    out[offset + i] = x >>> 24;
  }
}

export function sameBytes(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, lengthBytes: number): boolean {
  for (let i = 0; i < lengthBytes; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}

/** A store whose put to `failKey` answers DeviceFault (the value stays as it was); counts the puts that went through. */
export class FailingKv implements KvStore {
  failKey = -1;
  puts = 0;
  constructor(private readonly inner: DurableStore) {}
  get keyCount(): number {
    return this.inner.keyCount;
  }
  get valueMaxBytes(): number {
    return this.inner.valueMaxBytes;
  }
  valueBytesOf(key: number): number {
    return this.inner.valueBytesOf(key);
  }
  put(key: number, value: Uint8Array, offset: number, lengthBytes: number): Status {
    if (key === this.failKey) return ErrorCode.DeviceFault;
    this.puts++;
    return this.inner.put(key, value, offset, lengthBytes);
  }
  get(key: number, out: Uint8Array, outOffset: number): number {
    return this.inner.get(key, out, outOffset);
  }
  readU32(key: number, at: number): number {
    return this.inner.readU32(key, at);
  }
  remove(key: number): Status {
    return this.inner.remove(key);
  }
  has(key: number): boolean {
    return this.inner.has(key);
  }
  hiddenRecordsAfter(key: number): number {
    return this.inner.hiddenRecordsAfter(key);
  }
}

/**
 * A KV store in RAM with any key count and per-key sizes, and a settable
 * count of unread records after each key (what mount reports): for the
 * option and proof edges of the modules built on KvStore.
 */
export class MemoryKv implements KvStore {
  readonly valueMaxBytes: number;
  readonly hidden = new Map<number, number>();
  private readonly values_ = new Map<number, Uint8Array>();
  constructor(
    readonly keyCount: number,
    private readonly sizeOf: (key: number) => number,
  ) {
    let max = 0;
    for (let k = 0; k < keyCount; k++) max = Math.max(max, sizeOf(k));
    this.valueMaxBytes = max;
  }
  valueBytesOf(key: number): number {
    return key >= 0 && key < this.keyCount ? this.sizeOf(key) : 0;
  }
  put(key: number, value: Uint8Array, offset: number, lengthBytes: number): Status {
    if (key < 0 || key >= this.keyCount) return ErrorCode.OutOfRange;
    if (lengthBytes > this.sizeOf(key)) return ErrorCode.TooLarge;
    this.values_.set(key, value.slice(offset, offset + lengthBytes));
    return ErrorCode.Ok;
  }
  get(key: number, out: Uint8Array, outOffset: number): number {
    const v = this.values_.get(key);
    if (v === undefined) return -ErrorCode.NotFound;
    out.set(v, outOffset);
    return v.length;
  }
  readU32(key: number, at: number): number {
    const v = this.values_.get(key);
    if (v === undefined || v.length < at + 4) return -1;
    return ((v[at] ?? 0) | ((v[at + 1] ?? 0) << 8) | ((v[at + 2] ?? 0) << 16) | ((v[at + 3] ?? 0) << 24)) >>> 0;
  }
  remove(key: number): Status {
    this.values_.delete(key);
    return ErrorCode.Ok;
  }
  has(key: number): boolean {
    return this.values_.has(key);
  }
  hiddenRecordsAfter(key: number): number {
    return this.hidden.get(key) ?? 0;
  }
}
