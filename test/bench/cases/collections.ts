/**
 * Hot paths of core/collections. Every `run` allocates nothing (the XS
 * harness expects 0 bytes/op): collections, input/output buffers and any
 * state that advances between runs (timer clock) are built by `setup`, and
 * the loop touches only numbers, typed arrays and those objects.
 */
import {
  BitSet,
  ByteRing,
  FixedMap,
  FullPolicy,
  MinHeap,
  Pool,
  RingBuffer,
} from "../../../core/collections/index";
import { Outcome, type Result } from "../../../core/runtime/result";
import { benchCase, type BenchCase } from "./types";

const OPS = 1_000;
const GROUP = "collections";

// Setup failures are configuration bugs in this file; the harness reports the throw.
function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bench setup failed with code ${result.code}`);
  return result.value;
}

// ------------------------------------------------------------ RingBuffer

interface RingState {
  readonly ring: RingBuffer;
  readonly out: Outcome<number>;
}

function ringState(policy: FullPolicy): RingState {
  const ring = unwrap(RingBuffer.create(256, Float64Array, policy));
  // Half full, so the indices wrap during a run.
  for (let i = 0; i < 128; i++) ring.push(i);
  return { ring, out: new Outcome(0) };
}

const ringPushShift: BenchCase<RingState> = {
  group: GROUP,
  name: "RingBuffer push+shift (Float64, 256)",
  opsPerRun: OPS,
  setup: () => ringState(FullPolicy.RefuseNewest),
  run({ ring, out }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      checksum |= ring.push(i);
      checksum |= ring.shift(out);
      checksum = (checksum + out.value) | 0;
    }
    return checksum;
  },
};

const ringPushDropOldest: BenchCase<RingState> = {
  group: GROUP,
  name: "RingBuffer push (Float64, full, DropOldest)",
  opsPerRun: OPS,
  setup() {
    const state = ringState(FullPolicy.DropOldest);
    for (let i = 0; i < 128; i++) state.ring.push(i);
    return state;
  },
  run({ ring }) {
    let status = 0;
    for (let i = 0; i < OPS; i++) status |= ring.push(i);
    return ring.droppedCount + status;
  },
};

const ringCopyWindow: BenchCase<RingState & { readonly window: Float64Array }> = {
  group: GROUP,
  name: "RingBuffer copyInto (newest 64 of 256)",
  opsPerRun: OPS,
  setup() {
    const state = ringState(FullPolicy.DropOldest);
    for (let i = 0; i < 256; i++) state.ring.push(i * 3);
    return { ...state, window: new Float64Array(64) };
  },
  run({ ring, window }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      checksum |= ring.copyInto(window, 0, ring.length - 64, 64);
      checksum = (checksum + (window[i & 63] ?? 0)) | 0;
    }
    return checksum;
  },
};

// -------------------------------------------------------------- ByteRing

interface ByteRingState {
  readonly ring: ByteRing;
  readonly record: Uint8Array;
  readonly dest: Uint8Array;
}

const byteRingPushShift: BenchCase<ByteRingState> = {
  group: GROUP,
  name: "ByteRing push+shiftInto (32-byte record)",
  opsPerRun: OPS,
  setup() {
    // 1000 bytes is not a multiple of 33, so records straddle the wrap point.
    const ring = unwrap(ByteRing.create(1_000, 64, FullPolicy.RefuseNewest));
    const record = new Uint8Array(32);
    for (let i = 0; i < record.length; i++) record[i] = (i * 7 + 1) & 0xff;
    for (let i = 0; i < 10; i++) ring.push(record, 0, 32);
    return { ring, record, dest: new Uint8Array(64) };
  },
  run({ ring, record, dest }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      checksum |= ring.push(record, 0, 32);
      checksum += ring.shiftInto(dest, 0);
      checksum = (checksum + (dest[i & 31] ?? 0)) | 0;
    }
    return checksum;
  },
};

// ------------------------------------------------------------------ Pool

interface PoolState {
  readonly pool: Pool<{ value: number }>;
}

const poolAcquireRelease: BenchCase<PoolState> = {
  group: GROUP,
  name: "Pool acquire+release (64 slots, half in use)",
  opsPerRun: OPS,
  setup() {
    const pool = unwrap(Pool.create(64, () => ({ value: 0 })));
    for (let i = 0; i < 32; i++) pool.acquire();
    return { pool };
  },
  run({ pool }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      const slot = pool.acquire();
      checksum = (checksum + slot) | 0;
      checksum |= pool.release(slot);
    }
    return checksum;
  },
};

// -------------------------------------------------------------- FixedMap

interface MapState {
  readonly map: FixedMap;
}

const mapSetGetDelete: BenchCase<MapState> = {
  group: GROUP,
  name: "FixedMap set+get+delete (1024 cap, half full)",
  opsPerRun: OPS,
  setup() {
    const map = unwrap(FixedMap.create(1_024));
    // Resident keys are even; the benchmark's keys are odd, so runs never disturb them.
    for (let i = 0; i < 512; i++) map.set((Math.imul(i, 0x9e3779b1) & ~1) >>> 0, i);
    return { map };
  },
  run({ map }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      const key = (Math.imul(i, 0x85ebca6b) | 1) >>> 0;
      checksum |= map.set(key, i);
      checksum = (checksum + map.get(key, 0)) | 0;
      checksum |= map.delete(key);
    }
    return checksum;
  },
};

const mapGetHit: BenchCase<MapState> = {
  group: GROUP,
  name: "FixedMap get hit (1024 cap, half full)",
  opsPerRun: OPS,
  setup() {
    const map = unwrap(FixedMap.create(1_024));
    for (let i = 0; i < 512; i++) map.set(i * 3, i);
    return { map };
  },
  run({ map }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) checksum = (checksum + map.get((i & 511) * 3, -1)) | 0;
    return checksum;
  },
};

// ---------------------------------------------------------------- BitSet

interface BitSetState {
  readonly bits: BitSet;
}

const bitSetSetTestClear: BenchCase<BitSetState> = {
  group: GROUP,
  name: "BitSet set+test+clear (4096 bits)",
  opsPerRun: OPS,
  setup: () => ({ bits: unwrap(BitSet.create(4_096)) }),
  run({ bits }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      const index = Math.imul(i, 37) & 4_095;
      checksum |= bits.set(index);
      if (bits.test(index)) checksum++;
      checksum |= bits.clear(index);
    }
    return checksum + bits.count;
  },
};

const bitSetScan: BenchCase<BitSetState> = {
  group: GROUP,
  name: "BitSet findNextSet step (4096 bits, 1 in 16 set)",
  opsPerRun: OPS,
  setup() {
    const bits = unwrap(BitSet.create(4_096));
    for (let i = 0; i < 4_096; i += 16) bits.set(i);
    return { bits };
  },
  run({ bits }) {
    let checksum = 0;
    let index = bits.findNextSet(0);
    for (let i = 0; i < OPS; i++) {
      checksum = (checksum + index) | 0;
      index = bits.findNextSet(index + 1);
      if (index < 0) index = bits.findNextSet(0);
    }
    return checksum;
  },
};

// --------------------------------------------------------------- MinHeap

interface HeapState {
  readonly heap: MinHeap;
}

const HEAP_ENTRIES = 128;

function heapState(): HeapState {
  const heap = unwrap(MinHeap.create(256));
  for (let id = 0; id < HEAP_ENTRIES; id++) heap.push(Math.imul(id, 40_503) & 1_023, id);
  return { heap };
}

const heapPushPop: BenchCase<HeapState> = {
  group: GROUP,
  name: "MinHeap pop+push (128 timers)",
  opsPerRun: OPS,
  setup: heapState,
  run({ heap }) {
    let checksum = 0;
    // Fire the earliest timer and re-arm it later: the size stays constant.
    for (let i = 0; i < OPS; i++) {
      const deadline = heap.peekDeadline();
      const id = heap.pop();
      checksum = (checksum + id) | 0;
      checksum |= heap.push(deadline + 1 + (Math.imul(i, 7) & 1_023), id);
    }
    return checksum;
  },
};

const heapRemovePush: BenchCase<HeapState> = {
  group: GROUP,
  name: "MinHeap remove(id)+push (cancel and re-arm, 128 timers)",
  opsPerRun: OPS,
  setup: heapState,
  run({ heap }) {
    let checksum = 0;
    for (let i = 0; i < OPS; i++) {
      const id = Math.imul(i, 97) & (HEAP_ENTRIES - 1);
      const deadline = heap.deadlineOf(id);
      checksum |= heap.remove(id);
      checksum |= heap.push(deadline + (Math.imul(i, 13) & 255), id);
    }
    return checksum + heap.size;
  },
};

export const collectionCases: readonly BenchCase[] = Object.freeze([
  benchCase(ringPushShift),
  benchCase(ringPushDropOldest),
  benchCase(ringCopyWindow),
  benchCase(byteRingPushShift),
  benchCase(poolAcquireRelease),
  benchCase(mapSetGetDelete),
  benchCase(mapGetHit),
  benchCase(bitSetSetTestClear),
  benchCase(bitSetScan),
  benchCase(heapPushPop),
  benchCase(heapRemovePush),
]);
