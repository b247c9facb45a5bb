/**
 * Property definitions for core/collections, shared by two runners:
 * vitest on V8 (test/core/collections/collections.property.test.ts) and the XS engine with
 * fast-check bundled. So this file takes `fc` as a parameter, imports
 * fast-check for types only, and uses ECMAScript built-ins only.
 *
 * Every collection has a model-based test (`fc.commands`) against a plain
 * array/Map model. After EVERY command the runner checks: the observable
 * state equals the model, `checkInvariants() === Ok`, every counter equals
 * the model's, and nothing vanished uncounted (stored + dropped + refused +
 * removed-by-the-caller === attempted).
 */
import type * as FastCheck from "fast-check";
import {
  BitSet,
  ByteRing,
  FixedMap,
  FullPolicy,
  MinHeap,
  Pool,
  popcount32,
  RingBuffer,
  type NumericArrayConstructor,
} from "../../core/collections/index";
import { ErrorCode } from "../../core/runtime/errors";
import { Outcome } from "../../core/runtime/result";
import { expectSame, fail, unwrap, type ConformanceProperty } from "./support";

export type Fc = typeof FastCheck;

export type CollectionProperty = ConformanceProperty;

// ---------------------------------------------------------------- helpers



/** String(-0) is "0"; counterexamples must tell them apart. */
function showNumber(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}


const POLICIES: readonly FullPolicy[] = Object.freeze([FullPolicy.RefuseNewest, FullPolicy.DropOldest]);

// =========================================================== RingBuffer

const RING_KINDS: readonly NumericArrayConstructor[] = Object.freeze([
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
]);

interface RingModel {
  readonly capacity: number;
  readonly policy: FullPolicy;
  readonly cell: { [index: number]: number }; // one element of the ring's kind: the model of its conversion
  items: number[];
  pushes: number;
  dropped: number;
  refused: number;
  shifted: number;
  cleared: number;
}

interface RingReal {
  readonly ring: RingBuffer;
  readonly out: Outcome<number>;
}

type RingCommand = FastCheck.Command<RingModel, RingReal>;

function checkRing(m: RingModel, r: RingReal): void {
  const ring = r.ring;
  expectSame(ring.checkInvariants(), ErrorCode.Ok, "ring invariants");
  expectSame(ring.length, m.items.length, "ring length");
  expectSame(ring.capacity, m.capacity, "ring capacity");
  for (let i = 0; i < m.items.length; i++) {
    expectSame(ring.at(i, r.out), ErrorCode.Ok, `ring at(${i}) status`);
    expectSame(r.out.value, m.items[i], `ring at(${i})`);
  }
  expectSame(ring.at(m.items.length, r.out), ErrorCode.OutOfRange, "ring at(length)");
  expectSame(ring.droppedCount, m.dropped, "ring droppedCount");
  expectSame(ring.refusedCount, m.refused, "ring refusedCount");
  expectSame(ring.length + ring.droppedCount + ring.refusedCount + m.shifted + m.cleared, m.pushes, "ring accounting");
}

class RingPush implements RingCommand {
  constructor(readonly value: number) {}
  check(): boolean {
    return true;
  }
  run(m: RingModel, r: RingReal): void {
    m.pushes++;
    m.cell[0] = this.value;
    const stored = m.cell[0] ?? fail("cell");
    const status = r.ring.push(this.value);
    if (m.items.length < m.capacity) {
      expectSame(status, ErrorCode.Ok, "push with room");
      m.items.push(stored);
    } else if (m.policy === FullPolicy.RefuseNewest) {
      expectSame(status, ErrorCode.Full, "push when full (RefuseNewest)");
      m.refused++;
    } else {
      expectSame(status, ErrorCode.Ok, "push when full (DropOldest)");
      m.items.shift();
      m.items.push(stored);
      m.dropped++;
    }
    checkRing(m, r);
  }
  toString(): string {
    return `push(${showNumber(this.value)})`;
  }
}

class RingShift implements RingCommand {
  check(): boolean {
    return true;
  }
  run(m: RingModel, r: RingReal): void {
    const status = r.ring.shift(r.out);
    const expected = m.items.shift();
    if (expected === undefined) {
      expectSame(status, ErrorCode.Empty, "shift of empty ring");
    } else {
      expectSame(status, ErrorCode.Ok, "shift status");
      expectSame(r.out.value, expected, "shifted value");
      m.shifted++;
    }
    checkRing(m, r);
  }
  toString(): string {
    return "shift";
  }
}

class RingPeek implements RingCommand {
  check(): boolean {
    return true;
  }
  run(m: RingModel, r: RingReal): void {
    const status = r.ring.peek(r.out);
    const expected = m.items[0];
    if (expected === undefined) {
      expectSame(status, ErrorCode.Empty, "peek of empty ring");
    } else {
      expectSame(status, ErrorCode.Ok, "peek status");
      expectSame(r.out.value, expected, "peeked value");
    }
    checkRing(m, r);
  }
  toString(): string {
    return "peek";
  }
}

class RingCopyInto implements RingCommand {
  constructor(
    readonly destOffset: number,
    readonly fromIndex: number,
    readonly count: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: RingModel, r: RingReal): void {
    const sentinel = -12345.5;
    const dest = new Float64Array(m.capacity + 2).fill(sentinel);
    const status = r.ring.copyInto(dest, this.destOffset, this.fromIndex, this.count);
    const fits = this.fromIndex + this.count <= m.items.length && this.destOffset + this.count <= dest.length;
    if (!fits) {
      expectSame(status, ErrorCode.OutOfRange, "copyInto outside the window");
      for (let i = 0; i < dest.length; i++) expectSame(dest[i], sentinel, "dest untouched on error");
    } else {
      expectSame(status, ErrorCode.Ok, "copyInto status");
      for (let i = 0; i < dest.length; i++) {
        const inside = i >= this.destOffset && i < this.destOffset + this.count;
        const expected = inside ? m.items[this.fromIndex + i - this.destOffset] : sentinel;
        expectSame(dest[i], expected, `copyInto dest[${i}]`);
      }
    }
    checkRing(m, r);
  }
  toString(): string {
    return `copyInto(destOffset=${this.destOffset}, from=${this.fromIndex}, count=${this.count})`;
  }
}

class RingClear implements RingCommand {
  check(): boolean {
    return true;
  }
  run(m: RingModel, r: RingReal): void {
    r.ring.clear();
    m.cleared += m.items.length;
    m.items = [];
    checkRing(m, r);
  }
  toString(): string {
    return "clear";
  }
}

function ringModelBased(fc: Fc, numRuns: number, seed: number): void {
  const commands: FastCheck.Arbitrary<RingCommand>[] = [
    fc
      .oneof(fc.integer({ min: -300, max: 300 }), fc.integer(), fc.double())
      .map((value): RingCommand => new RingPush(value)),
    fc.constant<RingCommand>(new RingShift()),
    fc.constant<RingCommand>(new RingPeek()),
    fc
      .tuple(fc.nat(10), fc.nat(10), fc.nat(10))
      .map(([destOffset, fromIndex, count]): RingCommand => new RingCopyInto(destOffset, fromIndex, count)),
    fc.constant<RingCommand>(new RingClear()),
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom(...POLICIES),
      fc.nat(RING_KINDS.length - 1),
      fc.commands(commands, { maxCommands: 60, size: "max" }),
      (capacity, policy, kindIndex, cmds) => {
        const kind = RING_KINDS[kindIndex] ?? fail("kind");
        const ring = unwrap(RingBuffer.create(capacity, kind, policy), "RingBuffer");
        const model: RingModel = {
          capacity,
          policy,
          cell: new kind(1),
          items: [],
          pushes: 0,
          dropped: 0,
          refused: 0,
          shifted: 0,
          cleared: 0,
        };
        fc.modelRun(() => ({ model, real: { ring, out: new Outcome(0) } }), cmds);
      },
    ),
    { numRuns, seed },
  );
}

// ============================================================= ByteRing

interface ByteRingModel {
  readonly capacityBytes: number;
  readonly maxRecordBytes: number;
  readonly prefixBytes: number;
  readonly policy: FullPolicy;
  records: Uint8Array[];
  pushes: number;
  dropped: number;
  refused: number;
  tooLarge: number;
  invalid: number;
  shifted: number;
  discarded: number;
  cleared: number;
  nextPattern: number;
}

interface ByteRingReal {
  readonly ring: ByteRing;
}

type ByteRingCommand = FastCheck.Command<ByteRingModel, ByteRingReal>;

function modelBytesUsed(m: ByteRingModel): number {
  let total = 0;
  for (const record of m.records) total += m.prefixBytes + record.length;
  return total;
}

function expectBytes(actual: Uint8Array, actualOffset: number, expected: Uint8Array, what: string): void {
  for (let i = 0; i < expected.length; i++) expectSame(actual[actualOffset + i], expected[i], `${what}[${i}]`);
}

function checkByteRing(m: ByteRingModel, r: ByteRingReal): void {
  const ring = r.ring;
  expectSame(ring.checkInvariants(), ErrorCode.Ok, "byte ring invariants");
  expectSame(ring.count, m.records.length, "byte ring count");
  expectSame(ring.bytesUsed, modelBytesUsed(m), "byte ring bytesUsed");
  expectSame(ring.capacityBytes, m.capacityBytes, "byte ring capacityBytes");
  expectSame(ring.droppedCount, m.dropped, "byte ring droppedCount");
  expectSame(ring.refusedCount, m.refused, "byte ring refusedCount");
  expectSame(ring.tooLargeCount, m.tooLarge, "byte ring tooLargeCount");
  expectSame(ring.invalidCount, m.invalid, "byte ring invalidCount");
  const oldest = m.records[0];
  if (oldest === undefined) {
    expectSame(ring.peekLength(), -ErrorCode.Empty, "peekLength of empty ring");
  } else {
    expectSame(ring.peekLength(), oldest.length, "peekLength");
    const scratch = new Uint8Array(m.maxRecordBytes);
    expectSame(ring.peekInto(scratch, 0), oldest.length, "peekInto length");
    expectBytes(scratch, 0, oldest, "oldest record");
  }
  const removedByCaller = m.shifted + m.discarded + m.cleared;
  const rejected = ring.refusedCount + ring.tooLargeCount + ring.invalidCount;
  expectSame(ring.count + ring.droppedCount + rejected + removedByCaller, m.pushes, "byte ring accounting");
}

/** Distinct, recognisable bytes for the n-th pushed record. */
function recordBytes(pattern: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (pattern * 37 + i * 11 + 1) & 0xff;
  return bytes;
}

class BytePush implements ByteRingCommand {
  constructor(
    readonly length: number,
    readonly srcOffset: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: ByteRingModel, r: ByteRingReal): void {
    m.pushes++;
    const record = recordBytes(m.nextPattern++, this.length);
    const src = new Uint8Array(this.srcOffset + this.length + 2).fill(0xa5);
    src.set(record, this.srcOffset);
    const status = r.ring.push(src, this.srcOffset, this.length);
    const neededBytes = m.prefixBytes + this.length;
    if (this.length > m.maxRecordBytes) {
      expectSame(status, ErrorCode.TooLarge, "push of oversize record");
      m.tooLarge++;
    } else if (modelBytesUsed(m) + neededBytes <= m.capacityBytes) {
      expectSame(status, ErrorCode.Ok, "push with room");
      m.records.push(record);
    } else if (m.policy === FullPolicy.RefuseNewest) {
      expectSame(status, ErrorCode.Full, "push when full (RefuseNewest)");
      m.refused++;
    } else {
      expectSame(status, ErrorCode.Ok, "push when full (DropOldest)");
      while (modelBytesUsed(m) + neededBytes > m.capacityBytes) {
        m.records.shift();
        m.dropped++;
      }
      m.records.push(record);
    }
    checkByteRing(m, r);
  }
  toString(): string {
    return `push(length=${this.length}, srcOffset=${this.srcOffset})`;
  }
}

class BytePushInvalid implements ByteRingCommand {
  constructor(
    readonly srcOffset: number,
    readonly length: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: ByteRingModel, r: ByteRingReal): void {
    m.pushes++;
    const src = new Uint8Array(4);
    expectSame(r.ring.push(src, this.srcOffset, this.length), ErrorCode.InvalidArgument, "push of bad range");
    m.invalid++;
    checkByteRing(m, r);
  }
  toString(): string {
    return `pushInvalid(srcOffset=${this.srcOffset}, length=${this.length})`;
  }
}

class ByteShift implements ByteRingCommand {
  constructor(
    readonly destBytes: number,
    readonly destOffset: number,
    readonly peekOnly: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: ByteRingModel, r: ByteRingReal): void {
    const dest = new Uint8Array(this.destBytes).fill(0x5a);
    const result = this.peekOnly ? r.ring.peekInto(dest, this.destOffset) : r.ring.shiftInto(dest, this.destOffset);
    const oldest = m.records[0];
    let expected: number;
    if (oldest === undefined) expected = -ErrorCode.Empty;
    else if (this.destOffset > this.destBytes) expected = -ErrorCode.InvalidArgument;
    else if (this.destOffset + oldest.length > this.destBytes) expected = -ErrorCode.TooLarge;
    else expected = oldest.length;
    expectSame(result, expected, this.peekOnly ? "peekInto result" : "shiftInto result");
    if (oldest !== undefined && result >= 0) {
      expectBytes(dest, this.destOffset, oldest, "copied record");
      for (let i = 0; i < dest.length; i++) {
        if (i < this.destOffset || i >= this.destOffset + oldest.length) expectSame(dest[i], 0x5a, "dest outside record");
      }
      if (!this.peekOnly) {
        m.records.shift();
        m.shifted++;
      }
    } else {
      for (let i = 0; i < dest.length; i++) expectSame(dest[i], 0x5a, "dest untouched on error");
    }
    checkByteRing(m, r);
  }
  toString(): string {
    return `${this.peekOnly ? "peekInto" : "shiftInto"}(destBytes=${this.destBytes}, destOffset=${this.destOffset})`;
  }
}

class ByteDiscard implements ByteRingCommand {
  check(): boolean {
    return true;
  }
  run(m: ByteRingModel, r: ByteRingReal): void {
    const result = r.ring.discardOldest();
    const oldest = m.records.shift();
    if (oldest === undefined) {
      expectSame(result, -ErrorCode.Empty, "discard of empty ring");
    } else {
      expectSame(result, oldest.length, "discarded length");
      m.discarded++;
    }
    checkByteRing(m, r);
  }
  toString(): string {
    return "discardOldest";
  }
}

class ByteClear implements ByteRingCommand {
  check(): boolean {
    return true;
  }
  run(m: ByteRingModel, r: ByteRingReal): void {
    r.ring.clear();
    m.cleared += m.records.length;
    m.records = [];
    checkByteRing(m, r);
  }
  toString(): string {
    return "clear";
  }
}

const BYTE_RING_MAX_RECORD_CHOICES: readonly number[] = Object.freeze([0, 1, 5, 32, 300]);

function byteRingModelBased(fc: Fc, numRuns: number, seed: number): void {
  const config = fc.record({
    maxRecordBytes: fc.constantFrom(...BYTE_RING_MAX_RECORD_CHOICES),
    slackBytes: fc.nat(48),
    policy: fc.constantFrom(...POLICIES),
  });
  const scenario = config.chain((c) => {
    // Mostly small records so several fit; sometimes up to the limit and past it.
    const length = fc.oneof(
      fc.integer({ min: 0, max: Math.min(c.maxRecordBytes + 2, 8) }),
      fc.integer({ min: 0, max: c.maxRecordBytes + 2 }),
    );
    const commands: FastCheck.Arbitrary<ByteRingCommand>[] = [
      fc.tuple(length, fc.nat(3)).map(([len, srcOffset]): ByteRingCommand => new BytePush(len, srcOffset)),
      fc.tuple(length, fc.nat(3)).map(([len, srcOffset]): ByteRingCommand => new BytePush(len, srcOffset)),
      fc
        .constantFrom<[number, number]>([5, 0], [0, 5], [3, 2], [-1, 1], [0, -1], [0.5, 1], [0, 1.5], [Number.NaN, 0])
        .map(([srcOffset, len]): ByteRingCommand => new BytePushInvalid(srcOffset, len)),
      fc
        .tuple(fc.nat(c.maxRecordBytes + 4), fc.nat(4), fc.boolean())
        .map(([destBytes, destOffset, peekOnly]): ByteRingCommand => new ByteShift(destBytes, destOffset, peekOnly)),
      fc.constant<ByteRingCommand>(new ByteDiscard()),
      fc.constant<ByteRingCommand>(new ByteClear()),
    ];
    return fc.tuple(fc.constant(c), fc.commands(commands, { maxCommands: 60, size: "max" }));
  });
  fc.assert(
    fc.property(scenario, ([c, cmds]) => {
      const prefixBytes = c.maxRecordBytes <= 0xff ? 1 : 2;
      const capacityBytes = prefixBytes + c.maxRecordBytes + c.slackBytes;
      const ring = unwrap(ByteRing.create(capacityBytes, c.maxRecordBytes, c.policy), "ByteRing");
      expectSame(ring.prefixBytes, prefixBytes, "prefixBytes");
      const model: ByteRingModel = {
        capacityBytes,
        maxRecordBytes: c.maxRecordBytes,
        prefixBytes,
        policy: c.policy,
        records: [],
        pushes: 0,
        dropped: 0,
        refused: 0,
        tooLarge: 0,
        invalid: 0,
        shifted: 0,
        discarded: 0,
        cleared: 0,
        nextPattern: 0,
      };
      const real: ByteRingReal = { ring };
      fc.modelRun(() => ({ model, real }), cmds);
      // Drain: every stored record comes out intact and in order.
      const dest = new Uint8Array(c.maxRecordBytes);
      for (const record of model.records) {
        expectSame(ring.shiftInto(dest, 0), record.length, "drained length");
        expectBytes(dest, 0, record, "drained record");
      }
      expectSame(ring.count, 0, "drained count");
      expectSame(ring.checkInvariants(), ErrorCode.Ok, "drained invariants");
    }),
    { numRuns, seed },
  );
}

// ================================================================= Pool

interface PoolItem {
  readonly madeForSlot: number;
}

interface PoolModel {
  readonly capacity: number;
  freeStack: number[]; // top at the end
  acquires: number;
  exhausted: number;
  badReleases: number;
  released: number;
  releasedByReleaseAll: number;
}

interface PoolReal {
  readonly pool: Pool<PoolItem>;
  readonly made: readonly PoolItem[];
  readonly factoryCalls: () => number;
}

type PoolCommand = FastCheck.Command<PoolModel, PoolReal>;

function isModelAllocated(m: PoolModel, slot: number): boolean {
  return Number.isInteger(slot) && slot >= 0 && slot < m.capacity && !m.freeStack.includes(slot);
}

function checkPool(m: PoolModel, r: PoolReal): void {
  const pool = r.pool;
  expectSame(pool.checkInvariants(), ErrorCode.Ok, "pool invariants");
  expectSame(r.factoryCalls(), m.capacity, "factory is called only at create");
  expectSame(pool.available, m.freeStack.length, "pool available");
  expectSame(pool.inUse, m.capacity - m.freeStack.length, "pool inUse");
  for (let slot = -1; slot <= m.capacity; slot++) {
    const allocated = isModelAllocated(m, slot);
    expectSame(pool.isAllocated(slot), allocated, `isAllocated(${slot})`);
    expectSame(pool.get(slot), allocated ? r.made[slot] : undefined, `get(${slot})`);
  }
  expectSame(pool.exhaustedCount, m.exhausted, "pool exhaustedCount");
  expectSame(pool.badReleaseCount, m.badReleases, "pool badReleaseCount");
  const returned = m.released + m.releasedByReleaseAll;
  expectSame(pool.inUse + returned + pool.exhaustedCount, m.acquires, "pool accounting");
}

class PoolAcquire implements PoolCommand {
  check(): boolean {
    return true;
  }
  run(m: PoolModel, r: PoolReal): void {
    m.acquires++;
    const slot = r.pool.acquire();
    const expected = m.freeStack.pop();
    if (expected === undefined) {
      expectSame(slot, -ErrorCode.PoolExhausted, "acquire when exhausted");
      m.exhausted++;
    } else {
      expectSame(slot, expected, "acquired slot (LIFO)");
    }
    checkPool(m, r);
  }
  toString(): string {
    return "acquire";
  }
}

/** `pick` chooses among allocated slots when there are any; `raw` is any slot number. */
class PoolRelease implements PoolCommand {
  constructor(
    readonly pick: number,
    readonly raw: number,
    readonly useRaw: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: PoolModel, r: PoolReal): void {
    const allocated: number[] = [];
    for (let slot = 0; slot < m.capacity; slot++) if (isModelAllocated(m, slot)) allocated.push(slot);
    const slot = this.useRaw || allocated.length === 0 ? this.raw : (allocated[this.pick % allocated.length] ?? -1);
    const status = r.pool.release(slot);
    if (isModelAllocated(m, slot)) {
      expectSame(status, ErrorCode.Ok, `release(${slot})`);
      m.freeStack.push(slot);
      m.released++;
    } else {
      expectSame(status, ErrorCode.NotAllocated, `release(${slot}) of a free or bad slot`);
      m.badReleases++;
    }
    checkPool(m, r);
  }
  toString(): string {
    return this.useRaw ? `release(raw ${this.raw})` : `release(pick ${this.pick})`;
  }
}

class PoolReleaseAll implements PoolCommand {
  check(): boolean {
    return true;
  }
  run(m: PoolModel, r: PoolReal): void {
    r.pool.releaseAll();
    m.releasedByReleaseAll += m.capacity - m.freeStack.length;
    m.freeStack = [];
    for (let slot = m.capacity - 1; slot >= 0; slot--) m.freeStack.push(slot);
    checkPool(m, r);
  }
  toString(): string {
    return "releaseAll";
  }
}

function poolModelBased(fc: Fc, numRuns: number, seed: number): void {
  const commands: FastCheck.Arbitrary<PoolCommand>[] = [
    fc.constant<PoolCommand>(new PoolAcquire()),
    fc.constant<PoolCommand>(new PoolAcquire()),
    fc
      .tuple(fc.nat(20), fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constantFrom(0.5, Number.NaN, 2 ** 32)), fc.boolean())
      .map(([pick, raw, useRaw]): PoolCommand => new PoolRelease(pick, raw, useRaw)),
    fc.constant<PoolCommand>(new PoolReleaseAll()),
  ];
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.commands(commands, { maxCommands: 60, size: "max" }), (capacity, cmds) => {
      let calls = 0;
      const made: PoolItem[] = [];
      const pool = unwrap(
        Pool.create(capacity, (slot) => {
          calls++;
          const item: PoolItem = { madeForSlot: slot };
          made.push(item);
          return item;
        }),
        "Pool",
      );
      for (let slot = 0; slot < capacity; slot++) expectSame(made[slot]?.madeForSlot, slot, "factory slot argument");
      const freeStack: number[] = [];
      for (let slot = capacity - 1; slot >= 0; slot--) freeStack.push(slot);
      const model: PoolModel = {
        capacity,
        freeStack,
        acquires: 0,
        exhausted: 0,
        badReleases: 0,
        released: 0,
        releasedByReleaseAll: 0,
      };
      const real: PoolReal = { pool, made, factoryCalls: () => calls };
      fc.modelRun(() => ({ model, real }), cmds);
    }),
    { numRuns, seed },
  );
}

// ============================================================= FixedMap

interface MapModel {
  readonly capacity: number;
  entries: Map<number, number>;
  refused: number;
  invalid: number;
}

interface MapReal {
  readonly map: FixedMap;
}

type MapCommand = FastCheck.Command<MapModel, MapReal>;

/**
 * The model's Map key for `key`. The XS build we test on compares Map keys
 * with SameValue, so -0 and +0 are different keys there (V8 follows the spec:
 * SameValueZero). FixedMap stores keys in a Uint32Array, which turns -0 into
 * 0, so the model normalises the same way to stay engine independent.
 */
function modelKey(key: number): number {
  return key === 0 ? 0 : key;
}

function isUint32(key: number): boolean {
  return Number.isInteger(key) && key >= 0 && key <= 0xffffffff;
}

/** Keys in a full scan, in slot order. */
function scanKeys(map: FixedMap): number[] {
  const keys: number[] = [];
  for (let slot = map.nextSlot(0), guard = 0; slot >= 0 && guard <= map.slotCount; slot = map.nextSlot(slot + 1), guard++) {
    keys.push(map.keyAt(slot));
  }
  return keys;
}

function checkMap(m: MapModel, r: MapReal, probeKeys: readonly number[]): void {
  const map = r.map;
  expectSame(map.checkInvariants(), ErrorCode.Ok, "map invariants");
  expectSame(map.size, m.entries.size, "map size");
  expectSame(map.refusedCount, m.refused, "map refusedCount");
  expectSame(map.invalidKeyCount, m.invalid, "map invalidKeyCount");
  for (const [key, value] of m.entries) {
    expectSame(map.has(key), true, `has(${key})`);
    expectSame(map.get(key, -7.25), value, `get(${key})`);
    expectSame(map.keyAt(map.slotOf(key)), key, `keyAt(slotOf(${key}))`);
  }
  for (const key of probeKeys) {
    if (m.entries.has(key)) continue;
    expectSame(map.has(key), false, `has(${key}) of absent key`);
    // Two different `missing` values prove `get` returns the caller's one.
    expectSame(map.get(key, -7.25), -7.25, `get(${key}) of absent key`);
    expectSame(map.get(key, 99.5), 99.5, `get(${key}) of absent key`);
    expectSame(map.slotOf(key), -ErrorCode.NotFound, `slotOf(${key}) of absent key`);
  }
  const scanned = scanKeys(map);
  expectSame(scanned.length, m.entries.size, "scan visits each entry once");
  for (const key of scanned) expectSame(m.entries.has(key), true, `scanned key ${key} is in the model`);
}

const MAP_PROBE_KEYS: readonly number[] = Object.freeze([0, 1, 2, 3, 7, 8, 15, 16, 31, 0xfffffffe, 0xffffffff, 0x80000000]);

class MapSet implements MapCommand {
  constructor(
    readonly key: number,
    readonly value: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: MapModel, r: MapReal): void {
    const status = r.map.set(this.key, this.value);
    if (!isUint32(this.key)) {
      expectSame(status, ErrorCode.InvalidArgument, `set(${this.key}) of invalid key`);
      m.invalid++;
    } else if (!m.entries.has(modelKey(this.key)) && m.entries.size >= m.capacity) {
      expectSame(status, ErrorCode.Full, `set(${this.key}) when full`);
      m.refused++;
    } else {
      expectSame(status, ErrorCode.Ok, `set(${this.key})`);
      m.entries.set(modelKey(this.key), this.value);
    }
    checkMap(m, r, MAP_PROBE_KEYS);
  }
  toString(): string {
    return `set(${showNumber(this.key)}, ${showNumber(this.value)})`;
  }
}

class MapDelete implements MapCommand {
  constructor(readonly key: number) {}
  check(): boolean {
    return true;
  }
  run(m: MapModel, r: MapReal): void {
    const status = r.map.delete(this.key);
    expectSame(status, m.entries.delete(modelKey(this.key)) ? ErrorCode.Ok : ErrorCode.NotFound, `delete(${this.key})`);
    checkMap(m, r, MAP_PROBE_KEYS);
  }
  toString(): string {
    return `delete(${showNumber(this.key)})`;
  }
}

/** Scan and delete every entry whose key has `parity`, as a caller expiring entries would. */
class MapScanDelete implements MapCommand {
  constructor(readonly parity: number) {}
  check(): boolean {
    return true;
  }
  run(m: MapModel, r: MapReal): void {
    const map = r.map;
    const visited = new Set<number>();
    let slot = map.nextSlot(0);
    for (let guard = 0; slot >= 0 && guard < 4 * map.slotCount; guard++) {
      const key = map.keyAt(slot);
      visited.add(key);
      if (key % 2 === this.parity) {
        expectSame(map.deleteAt(slot), ErrorCode.Ok, `deleteAt(${slot})`);
        slot = map.nextSlot(slot); // an entry may have moved into this slot
      } else {
        expectSame(map.setValueAt(slot, key * 2), ErrorCode.Ok, `setValueAt(${slot})`);
        slot = map.nextSlot(slot + 1);
      }
    }
    expectSame(slot, -ErrorCode.NotFound, "scan ended");
    for (const key of m.entries.keys()) {
      expectSame(visited.has(key), true, `scan with deletes visited ${key}`);
      if (key % 2 === this.parity) m.entries.delete(key);
      else m.entries.set(key, key * 2);
    }
    checkMap(m, r, MAP_PROBE_KEYS);
  }
  toString(): string {
    return `scanDelete(parity=${this.parity})`;
  }
}

class MapClear implements MapCommand {
  check(): boolean {
    return true;
  }
  run(m: MapModel, r: MapReal): void {
    r.map.clear();
    m.entries.clear();
    checkMap(m, r, MAP_PROBE_KEYS);
  }
  toString(): string {
    return "clear";
  }
}

function fixedMapModelBased(fc: Fc, numRuns: number, seed: number): void {
  // Small keys collide often in a small table; edge keys test the uint32 range.
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.nat(31) },
    { weight: 2, arbitrary: fc.constantFrom(...MAP_PROBE_KEYS) },
    { weight: 1, arbitrary: fc.constantFrom(-1, 2 ** 32, 1.5, Number.NaN, -0) },
  );
  const value = fc.oneof(fc.integer(), fc.double());
  const commands: FastCheck.Arbitrary<MapCommand>[] = [
    fc.tuple(key, value).map(([k, v]): MapCommand => new MapSet(k, v)),
    fc.tuple(key, value).map(([k, v]): MapCommand => new MapSet(k, v)),
    key.map((k): MapCommand => new MapDelete(k)),
    fc.nat(1).map((parity): MapCommand => new MapScanDelete(parity)),
    fc.constant<MapCommand>(new MapClear()),
  ];
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.commands(commands, { maxCommands: 60, size: "max" }), (capacity, cmds) => {
      const map = unwrap(FixedMap.create(capacity), "FixedMap");
      const model: MapModel = { capacity, entries: new Map(), refused: 0, invalid: 0 };
      const real: MapReal = { map };
      fc.modelRun(() => ({ model, real }), cmds);
    }),
    { numRuns, seed },
  );
}

/**
 * Slot order is a pure function of the operations (integer hash), so it is
 * pinned here: a different engine or a changed hash shows up as a failure.
 */
const FIXED_MAP_GOLDEN_ORDER: readonly number[] = Object.freeze([
  0, 87109, 79190, 47514, 4294967295, 7919, 55433, 71271, 15838, 63352, 39595, 31676,
]);

function fixedMapGoldenOrder(fc: Fc, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.constant(0), () => {
      const map = unwrap(FixedMap.create(16), "FixedMap");
      for (let key = 0; key < 12; key++) expectSame(map.set(key * 7919, key), ErrorCode.Ok, "golden set");
      expectSame(map.delete(3 * 7919), ErrorCode.Ok, "golden delete");
      expectSame(map.set(0xffffffff, 12), ErrorCode.Ok, "golden set max key");
      const keys = scanKeys(map);
      expectSame(keys.join(","), FIXED_MAP_GOLDEN_ORDER.join(","), "slot order");
    }),
    { numRuns: Math.min(numRuns, 1), seed },
  );
}

// =============================================================== BitSet

interface BitSetModel {
  readonly sizeBits: number;
  bits: boolean[];
  outOfRange: number;
}

interface BitSetReal {
  readonly bits: BitSet;
}

type BitSetCommand = FastCheck.Command<BitSetModel, BitSetReal>;

function isBitIndex(m: BitSetModel, index: number): boolean {
  return Number.isInteger(index) && index >= 0 && index < m.sizeBits;
}

function checkBitSet(m: BitSetModel, r: BitSetReal): void {
  const bits = r.bits;
  expectSame(bits.checkInvariants(), ErrorCode.Ok, "bit set invariants");
  let expectedCount = 0;
  for (let i = 0; i < m.sizeBits; i++) {
    const set = m.bits[i] === true;
    if (set) expectedCount++;
    expectSame(bits.test(i), set, `test(${i})`);
  }
  expectSame(bits.test(m.sizeBits), false, "test(sizeBits)");
  expectSame(bits.count, expectedCount, "bit set count");
  expectSame(bits.outOfRangeCount, m.outOfRange, "bit set outOfRangeCount");
  // A findNextSet scan lists exactly the set bits, ascending.
  let expectedNext = 0;
  let found = bits.findNextSet(0);
  for (let guard = 0; guard <= m.sizeBits; guard++) {
    while (expectedNext < m.sizeBits && m.bits[expectedNext] !== true) expectedNext++;
    if (expectedNext === m.sizeBits) break;
    expectSame(found, expectedNext, "findNextSet scan");
    expectedNext++;
    found = bits.findNextSet(found + 1);
  }
  expectSame(found, -ErrorCode.NotFound, "findNextSet scan end");
}

const BIT_OPS = Object.freeze(["set", "clear", "toggle", "test", "findNextSet"] as const);
type BitOp = (typeof BIT_OPS)[number];

class BitOpCommand implements BitSetCommand {
  constructor(
    readonly op: BitOp,
    readonly index: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: BitSetModel, r: BitSetReal): void {
    const valid = isBitIndex(m, this.index);
    const i = this.index;
    switch (this.op) {
      case "set":
      case "clear":
      case "toggle": {
        const status = this.op === "set" ? r.bits.set(i) : this.op === "clear" ? r.bits.clear(i) : r.bits.toggle(i);
        expectSame(status, valid ? ErrorCode.Ok : ErrorCode.OutOfRange, `${this.op}(${i})`);
        if (!valid) m.outOfRange++;
        else m.bits[i] = this.op === "set" ? true : this.op === "clear" ? false : m.bits[i] !== true;
        break;
      }
      case "test":
        expectSame(r.bits.test(i), valid && m.bits[i] === true, `test(${i})`);
        break;
      case "findNextSet": {
        let expected: number;
        if (!(Number.isInteger(i) && i >= 0 && i <= m.sizeBits)) expected = -ErrorCode.OutOfRange;
        else {
          expected = -ErrorCode.NotFound;
          for (let j = i; j < m.sizeBits; j++) {
            if (m.bits[j] === true) {
              expected = j;
              break;
            }
          }
        }
        expectSame(r.bits.findNextSet(i), expected, `findNextSet(${i})`);
        break;
      }
    }
    checkBitSet(m, r);
  }
  toString(): string {
    return `${this.op}(${this.index})`;
  }
}

class BitClearAll implements BitSetCommand {
  check(): boolean {
    return true;
  }
  run(m: BitSetModel, r: BitSetReal): void {
    r.bits.clearAll();
    m.bits = [];
    checkBitSet(m, r);
  }
  toString(): string {
    return "clearAll";
  }
}

function bitSetModelBased(fc: Fc, numRuns: number, seed: number): void {
  const scenario = fc.integer({ min: 1, max: 100 }).chain((sizeBits) => {
    const index = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: sizeBits - 1 }) },
      { weight: 1, arbitrary: fc.integer({ min: sizeBits - 2, max: sizeBits + 33 }) },
      { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, Number.NaN, 2 ** 32) },
    );
    const commands: FastCheck.Arbitrary<BitSetCommand>[] = [
      fc.tuple(fc.constantFrom(...BIT_OPS), index).map(([op, i]): BitSetCommand => new BitOpCommand(op, i)),
      fc.tuple(fc.constantFrom(...BIT_OPS), index).map(([op, i]): BitSetCommand => new BitOpCommand(op, i)),
      fc.constant<BitSetCommand>(new BitClearAll()),
    ];
    return fc.tuple(fc.constant(sizeBits), fc.commands(commands, { maxCommands: 80, size: "max" }));
  });
  fc.assert(
    fc.property(scenario, ([sizeBits, cmds]) => {
      const bits = unwrap(BitSet.create(sizeBits), "BitSet");
      const model: BitSetModel = { sizeBits, bits: [], outOfRange: 0 };
      const real: BitSetReal = { bits };
      fc.modelRun(() => ({ model, real }), cmds);
    }),
    { numRuns, seed },
  );
}

function popcountMatchesBitByBit(fc: Fc, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (word) => {
      let expected = 0;
      for (let bit = 0; bit < 32; bit++) if (((word >>> bit) & 1) === 1) expected++;
      expectSame(popcount32(word), expected, `popcount32(${word})`);
    }),
    { numRuns, seed },
  );
}

// ============================================================== MinHeap

interface HeapEntry {
  readonly deadline: number;
  readonly id: number;
  readonly sequence: number;
}

interface HeapModel {
  readonly capacity: number;
  readonly idLimit: number;
  entries: HeapEntry[];
  nextSequence: number;
  pushes: number;
  popped: number;
  removed: number;
  cleared: number;
  refused: number;
  rejected: number;
}

interface HeapReal {
  readonly heap: MinHeap;
}

type HeapCommand = FastCheck.Command<HeapModel, HeapReal>;

/** Index of the earliest entry: smallest deadline, then smallest sequence. */
function modelMinIndex(m: HeapModel): number {
  let best = -1;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i] ?? fail("entry");
    const b = m.entries[best];
    if (b === undefined || e.deadline < b.deadline || (e.deadline === b.deadline && e.sequence < b.sequence)) best = i;
  }
  return best;
}

function checkHeap(m: HeapModel, r: HeapReal): void {
  const heap = r.heap;
  expectSame(heap.checkInvariants(), ErrorCode.Ok, "heap invariants");
  expectSame(heap.size, m.entries.length, "heap size");
  const min = m.entries[modelMinIndex(m)];
  expectSame(heap.peekDeadline(), min === undefined ? Number.POSITIVE_INFINITY : min.deadline, "peekDeadline");
  expectSame(heap.peekId(), min === undefined ? -ErrorCode.Empty : min.id, "peekId");
  for (let id = 0; id < m.idLimit; id++) {
    const entry = m.entries.find((e) => e.id === id);
    expectSame(heap.contains(id), entry !== undefined, `contains(${id})`);
    expectSame(heap.deadlineOf(id), entry === undefined ? Number.POSITIVE_INFINITY : entry.deadline, `deadlineOf(${id})`);
  }
  expectSame(heap.refusedCount, m.refused, "heap refusedCount");
  expectSame(heap.rejectedCount, m.rejected, "heap rejectedCount");
  const removedByCaller = m.popped + m.removed + m.cleared;
  expectSame(heap.size + heap.refusedCount + heap.rejectedCount + removedByCaller, m.pushes, "heap accounting");
}

class HeapPush implements HeapCommand {
  constructor(
    readonly deadline: number,
    readonly id: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: HeapModel, r: HeapReal): void {
    m.pushes++;
    const status = r.heap.push(this.deadline, this.id);
    let expected: number;
    if (!(Number.isInteger(this.id) && this.id >= 0 && this.id < m.idLimit)) expected = ErrorCode.OutOfRange;
    else if (!Number.isSafeInteger(this.deadline)) expected = ErrorCode.InvalidArgument;
    else if (m.entries.some((e) => e.id === this.id)) expected = ErrorCode.Exists;
    else if (m.entries.length >= m.capacity) expected = ErrorCode.Full;
    else expected = ErrorCode.Ok;
    expectSame(status, expected, `push(${this.deadline}, ${this.id})`);
    if (expected === ErrorCode.Ok) {
      m.entries.push({ deadline: this.deadline, id: this.id, sequence: m.nextSequence });
      m.nextSequence++;
    } else if (expected === ErrorCode.Full) m.refused++;
    else m.rejected++;
    checkHeap(m, r);
  }
  toString(): string {
    return `push(${this.deadline}, ${this.id})`;
  }
}

class HeapPop implements HeapCommand {
  check(): boolean {
    return true;
  }
  run(m: HeapModel, r: HeapReal): void {
    const index = modelMinIndex(m);
    const min = m.entries[index];
    const result = r.heap.pop();
    if (min === undefined) {
      expectSame(result, -ErrorCode.Empty, "pop of empty heap");
    } else {
      expectSame(result, min.id, "popped id (earliest, FIFO on ties)");
      m.entries.splice(index, 1);
      m.popped++;
    }
    checkHeap(m, r);
  }
  toString(): string {
    return "pop";
  }
}

class HeapRemove implements HeapCommand {
  constructor(readonly id: number) {}
  check(): boolean {
    return true;
  }
  run(m: HeapModel, r: HeapReal): void {
    const status = r.heap.remove(this.id);
    const index = m.entries.findIndex((e) => e.id === this.id);
    if (!(Number.isInteger(this.id) && this.id >= 0 && this.id < m.idLimit)) {
      expectSame(status, ErrorCode.OutOfRange, `remove(${this.id}) of bad id`);
    } else if (index < 0) {
      expectSame(status, ErrorCode.NotFound, `remove(${this.id}) of absent id`);
    } else {
      expectSame(status, ErrorCode.Ok, `remove(${this.id})`);
      m.entries.splice(index, 1);
      m.removed++;
    }
    checkHeap(m, r);
  }
  toString(): string {
    return `remove(${this.id})`;
  }
}

class HeapClear implements HeapCommand {
  check(): boolean {
    return true;
  }
  run(m: HeapModel, r: HeapReal): void {
    r.heap.clear();
    m.cleared += m.entries.length;
    m.entries = [];
    checkHeap(m, r);
  }
  toString(): string {
    return "clear";
  }
}

function minHeapModelBased(fc: Fc, numRuns: number, seed: number): void {
  const config = fc.record({ capacity: fc.integer({ min: 1, max: 16 }), extraIds: fc.nat(4) });
  const scenario = config.chain((c) => {
    const idLimit = c.capacity + c.extraIds;
    const id = fc.oneof(
      { weight: 8, arbitrary: fc.nat(idLimit - 1) },
      { weight: 1, arbitrary: fc.constantFrom(-1, idLimit, 0.5, Number.NaN) },
    );
    // Few distinct deadlines so ties are common, a wide range so removes
    // from the middle must sift up as well as down; extremes and invalid ones.
    const deadline = fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 0, max: 5 }) },
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 1_000 }) },
      { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, -1) },
      { weight: 1, arbitrary: fc.constantFrom(2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY) },
    );
    const commands: FastCheck.Arbitrary<HeapCommand>[] = [
      fc.tuple(deadline, id).map(([d, i]): HeapCommand => new HeapPush(d, i)),
      fc.tuple(deadline, id).map(([d, i]): HeapCommand => new HeapPush(d, i)),
      fc.tuple(deadline, id).map(([d, i]): HeapCommand => new HeapPush(d, i)),
      fc.constant<HeapCommand>(new HeapPop()),
      id.map((i): HeapCommand => new HeapRemove(i)),
      id.map((i): HeapCommand => new HeapRemove(i)),
      fc.constant<HeapCommand>(new HeapClear()),
    ];
    return fc.tuple(fc.constant({ capacity: c.capacity, idLimit }), fc.commands(commands, { maxCommands: 60, size: "max" }));
  });
  fc.assert(
    fc.property(scenario, ([c, cmds]) => {
      const heap = unwrap(MinHeap.create(c.capacity, c.idLimit), "MinHeap");
      const model: HeapModel = {
        capacity: c.capacity,
        idLimit: c.idLimit,
        entries: [],
        nextSequence: 0,
        pushes: 0,
        popped: 0,
        removed: 0,
        cleared: 0,
        refused: 0,
        rejected: 0,
      };
      const real: HeapReal = { heap };
      fc.modelRun(() => ({ model, real }), cmds);
    }),
    { numRuns, seed },
  );
}

/** Popping everything is a stable sort by deadline: equal deadlines come out FIFO. */
function minHeapPopsStableSorted(fc: Fc, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 40 }), (deadlines) => {
      const heap = unwrap(MinHeap.create(deadlines.length), "MinHeap");
      for (let id = 0; id < deadlines.length; id++) {
        expectSame(heap.push(deadlines[id] ?? 0, id), ErrorCode.Ok, "push");
      }
      // Array.prototype.sort is stable (ES2019): the reference order.
      const expected = deadlines.map((_d, id) => id).sort((a, b) => (deadlines[a] ?? 0) - (deadlines[b] ?? 0));
      for (const id of expected) expectSame(heap.pop(), id, "pop order");
      expectSame(heap.pop(), -ErrorCode.Empty, "empty after draining");
    }),
    { numRuns, seed },
  );
}

// ================================================================ export

export const collectionProperties: readonly CollectionProperty[] = Object.freeze([
  Object.freeze({ name: "RingBuffer matches an array model under every command sequence", run: ringModelBased }),
  Object.freeze({ name: "ByteRing matches a list-of-records model and drains intact", run: byteRingModelBased }),
  Object.freeze({ name: "Pool matches a LIFO free-stack model; factory runs only at create", run: poolModelBased }),
  Object.freeze({ name: "FixedMap matches a Map model, including deletes during a scan", run: fixedMapModelBased }),
  Object.freeze({ name: "FixedMap slot order is the pinned golden order (engine independent)", run: fixedMapGoldenOrder }),
  Object.freeze({ name: "BitSet matches a boolean-array model; findNextSet lists exactly the set bits", run: bitSetModelBased }),
  Object.freeze({ name: "popcount32 equals a bit-by-bit count", run: popcountMatchesBitByBit }),
  Object.freeze({ name: "MinHeap matches a (deadline, sequence) model; ties fire FIFO", run: minHeapModelBased }),
  Object.freeze({ name: "MinHeap pops in stable-sorted deadline order", run: minHeapPopsStableSorted }),
]);
