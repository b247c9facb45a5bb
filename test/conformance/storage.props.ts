/**
 * Property definitions for core/storage and the simulated flash. Runs on V8
 * (test/core/storage/storage.property.test.ts) and inside XS (test/xs/conformance.test.ts),
 * so it uses ECMAScript built-ins only and receives fast-check as a parameter.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { Outcome } from "../../core/runtime/result";
import { CounterReservation } from "../../core/storage/counter-reservation";
import { Crc32c } from "../../core/storage/crc32c";
import { DurableStore } from "../../core/storage/durable-store";
import { FlashFaults } from "../../hal/sim/flash-faults";
import { SimFlash } from "../../hal/sim/flash";
import { fillPattern, mountAfterPowerUp, sameBytes, simDevice, SMALL_CONFIG, SMALL_GEOMETRY, unwrap } from "../core/storage/fixtures";
import { CrashWorkload } from "../core/storage/workload";
import { check, type ConformanceProperty, type FastCheck } from "./support";
import type { Arbitrary } from "fast-check";
import type { LogIndex, Term } from "../../core/runtime/ids";
import type { Counter } from "../../core/runtime/ids";


export type StorageProperty = ConformanceProperty;


// ---------------------------------------------------------------- CRC-32C

/** Bit-at-a-time CRC-32C, written independently of the table-driven one. */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const crcMatchesReference: StorageProperty = {
  name: "CRC-32C: the table-driven checksum equals a bit-at-a-time reference",
  run(fc, numRuns, seed) {
    const crc = Crc32c.create();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        check(crc.checksum(bytes, 0, bytes.length) === referenceCrc32c(bytes), "checksum differs from reference");
      }),
      { numRuns, seed },
    );
  },
};

const crcDetectsSmallErrors: StorageProperty = {
  name: "CRC-32C: every error of 1 to 3 flipped bits in a record is detected",
  run(fc, numRuns, seed) {
    const crc = Crc32c.create();
    const flips = fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), flips, (bytes, positions) => {
        const before = crc.checksum(bytes, 0, bytes.length);
        const damaged = bytes.slice();
        const bits = damaged.length * 8;
        const used = new Set<number>();
        for (const p of positions) {
          let bit = p % bits;
          while (used.has(bit)) bit = (bit + 1) % bits;
          used.add(bit);
          damaged[bit >>> 3] = (damaged[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
        }
        if (used.size !== positions.length) return; // fewer distinct bits than asked (tiny input)
        check(crc.checksum(damaged, 0, damaged.length) !== before, `undetected ${used.size}-bit error`);
      }),
      { numRuns, seed },
    );
  },
};

// ---------------------------------------------------------------- simulated NOR flash

type FlashOp =
  | { readonly kind: "erase"; readonly block: number }
  | { readonly kind: "program"; readonly block: number; readonly word: number; readonly value: number; readonly words: number }
  | { readonly kind: "read"; readonly block: number; readonly offset: number; readonly length: number };

const simFlashFollowsNor: StorageProperty = {
  name: "SimFlash: erase sets 0xFF, programs only clear bits, refused programs change nothing",
  run(fc, numRuns, seed) {
    const op: Arbitrary<FlashOp> = fc.oneof(
      fc.record({ kind: fc.constant("erase" as const), block: fc.nat(3) }),
      fc.record({ kind: fc.constant("program" as const), block: fc.nat(3), word: fc.nat(31), value: fc.nat(255), words: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant("read" as const), block: fc.nat(3), offset: fc.nat(127), length: fc.nat(16) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const device = unwrap(SimFlash.create({ blockSizeBytes: 128, blockCount: 4, programAlignBytes: 4 }, new FlashFaults({ seed: 1 })), "create");
        const model = new Uint8Array(512).fill(0xff);
        const data = new Uint8Array(16);
        for (const o of ops) {
          if (o.kind === "erase") {
            check(device.erase(o.block) === ErrorCode.Ok, "erase failed");
            model.fill(0xff, o.block * 128, o.block * 128 + 128);
          } else if (o.kind === "program") {
            const offset = o.word * 4;
            const length = Math.min(o.words * 4, 128 - offset);
            data.fill(o.value);
            const at = o.block * 128 + offset;
            let allowed = true;
            for (let i = 0; i < length; i++) if (((model[at + i] ?? 0) & o.value) !== o.value) allowed = false;
            const status = device.program(o.block, offset, data, 0, length);
            check(status === (allowed ? ErrorCode.Ok : ErrorCode.NotErased), `program status ${status}, allowed ${allowed}`);
            if (allowed) model.fill(o.value, at, at + length);
          } else {
            const length = Math.min(o.length, 128 - o.offset);
            check(device.read(o.block, o.offset, data, 0, length) === ErrorCode.Ok, "read failed");
            check(sameBytes(data, 0, model, o.block * 128 + o.offset, length), "read differs from model");
          }
        }
        for (let i = 0; i < 512; i++) check(device.peek(i) === model[i], `byte ${i} differs from model`);
      }),
      { numRuns, seed },
    );
  },
};

// ---------------------------------------------------------------- store against a model

type StoreOp =
  | { readonly kind: "put"; readonly key: number; readonly length: number; readonly tag: number }
  | { readonly kind: "remove"; readonly key: number }
  | { readonly kind: "append"; readonly length: number; readonly tag: number; readonly newTerm: boolean }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "compactThrough"; readonly at: number }
  | { readonly kind: "compact" }
  | { readonly kind: "remount" };

interface ModelEntry {
  readonly term: number;
  readonly data: Uint8Array;
}

const storeMatchesModel: StorageProperty = {
  name: "DurableStore: KV and consensus log equal a model after any operations and remounts",
  run(fc, numRuns, seed) {
    const op: Arbitrary<StoreOp> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("put" as const), key: fc.nat(7), length: fc.nat(16), tag: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), key: fc.nat(7) }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("append" as const), length: fc.nat(32), tag: fc.nat(), newTerm: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(100) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("compactThrough" as const), at: fc.nat(100) }) },
      { weight: 1, arbitrary: fc.constant({ kind: "compact" as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: "remount" as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const device = simDevice(SMALL_GEOMETRY);
        let store = mountAfterPowerUp(device);
        const kv: (Uint8Array | null)[] = new Array<Uint8Array | null>(8).fill(null);
        const entries = new Map<number, ModelEntry>();
        let first = 1;
        let last = 0;
        let baseTerm = 0;
        let term = 1;
        for (const o of ops) {
          if (o.kind === "put") {
            const value = new Uint8Array(o.length);
            fillPattern(value, 0, o.length, o.tag);
            check(store.put(o.key, value, 0, o.length) === ErrorCode.Ok, "put failed");
            kv[o.key] = value;
          } else if (o.kind === "remove") {
            check(store.remove(o.key) === ErrorCode.Ok, "remove failed");
            kv[o.key] = null;
          } else if (o.kind === "append") {
            if (last - first + 1 >= SMALL_CONFIG.logCapacityEntries) continue;
            if (o.newTerm) term++;
            const data = new Uint8Array(o.length);
            fillPattern(data, 0, o.length, o.tag);
            check(store.append((last + 1) as LogIndex, term as Term, data, 0, o.length) === ErrorCode.Ok, "append failed");
            last++;
            entries.set(last, { term, data });
          } else if (o.kind === "truncate") {
            const from = first + (o.at % (last - first + 2));
            check(store.truncateFrom(from as LogIndex) === ErrorCode.Ok, "truncate failed");
            for (let i = from; i <= last; i++) entries.delete(i);
            last = Math.min(last, from - 1);
          } else if (o.kind === "compactThrough") {
            const through = first - 1 + (o.at % (last - first + 2));
            const throughTerm = through === first - 1 ? baseTerm : (entries.get(through)?.term ?? 0);
            check(store.compactThrough(through as LogIndex, throughTerm as Term) === ErrorCode.Ok, "compactThrough failed");
            for (let i = first; i <= through; i++) entries.delete(i);
            first = through + 1;
            baseTerm = throughTerm;
          } else if (o.kind === "compact") {
            check(store.compact() >= 0, "compact failed");
          } else {
            store = mountAfterPowerUp(device);
            check(!store.report.formatted && store.report.corruptionCount === 0, "clean remount reported corruption");
          }
        }
        for (const current of [store, mountAfterPowerUp(device)]) {
          check(current.checkInvariants() === ErrorCode.Ok, "invariants");
          check(current.firstIndex === first && current.lastIndex === last, `log bounds [${current.firstIndex}, ${current.lastIndex}] vs [${first}, ${last}]`);
          check(current.termAt((first - 1) as LogIndex) === baseTerm, "snapshot term");
          const out = new Uint8Array(32);
          for (let i = first; i <= last; i++) {
            const entry = entries.get(i);
            const length = current.readEntry(i as LogIndex, out, 0);
            check(entry !== undefined && length === entry.data.length && sameBytes(out, 0, entry.data, 0, length), `entry ${i}`);
            check(current.termAt(i as LogIndex) === entry?.term, `term of ${i}`);
          }
          for (let key = 0; key < 8; key++) {
            const expected = kv[key] ?? null;
            const length = current.get(key, out, 0);
            if (expected === null) check(length === -ErrorCode.NotFound, `key ${key} should be absent`);
            else check(length === expected.length && sameBytes(out, 0, expected, 0, length), `key ${key} value`);
          }
        }
      }),
      { numRuns, seed },
    );
  },
};

// ---------------------------------------------------------------- crash consistency

const powerLossAnywhere: StorageProperty = {
  name: "power loss at any step (and read flips) never loses or half-writes an acknowledged change",
  run(fc, numRuns, seed) {
    fc.assert(
      fc.property(fc.nat(), fc.nat(400), fc.nat(20), (workloadSeed, step, flipPermille) => {
        const device = simDevice(SMALL_GEOMETRY, { seed: workloadSeed ^ 0x55, powerLossAtStep: step, readFlipPermille: flipPermille });
        const result = new CrashWorkload(device, { seed: workloadSeed, operations: 200 }).run();
        check(result.problems.length === 0, result.problems.join("; "));
      }),
      { numRuns, seed },
    );
  },
};

const countersNeverRepeat: StorageProperty = {
  name: "CounterReservation: no value is issued twice across random reboots and power losses",
  run(fc, numRuns, seed) {
    const reboot = fc.record({ stepK: fc.integer({ min: 1, max: 12 }), issue: fc.nat(30), lossPermille: fc.constantFrom(0, 0, 100, 300), faultSeed: fc.nat() });
    fc.assert(
      fc.property(fc.array(reboot, { minLength: 1, maxLength: 25 }), (reboots) => {
        const device = simDevice(SMALL_GEOMETRY);
        const out = new Outcome<Counter>(0 as Counter);
        let highest = -1;
        for (const r of reboots) {
          device.faults.configure({ seed: 1 });
          const store = mountAfterPowerUp(device);
          // Two copies, repaired right after mount, as a board keeps its send counter (agent/persistence.ts).
          const counter = unwrap(CounterReservation.open(store, { key: 7, mirrorKey: 6, stepK: r.stepK }), "open");
          check(counter.peekNext > highest, `resumes at ${counter.peekNext}, not above ${highest}`);
          const repaired = counter.repair();
          check(repaired === ErrorCode.Ok, `repair failed with ${repaired}`);
          device.faults.configure({ seed: r.faultSeed, powerLossPermille: r.lossPermille });
          for (let i = 0; i < r.issue; i++) {
            if (counter.next(out) !== ErrorCode.Ok) break;
            check(out.value > highest, `value ${out.value} issued again`);
            highest = out.value;
          }
        }
      }),
      { numRuns, seed },
    );
  },
};

const storedFlipsNeverReadBack: StorageProperty = {
  name: "a stored bit flip anywhere on the partition is never read back as data after a remount",
  run(fc, numRuns, seed) {
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(SMALL_GEOMETRY.blockSizeBytes * SMALL_GEOMETRY.blockCount * 8 - 1), { minLength: 1, maxLength: 3 }), (tag, bits) => {
        const device = simDevice(SMALL_GEOMETRY);
        const store = mountAfterPowerUp(device);
        const history = new Map<number, Uint8Array[]>();
        const entries = new Map<number, Uint8Array>();
        for (let i = 1; i <= 50; i++) {
          const data = new Uint8Array(1 + ((tag + i) % 32));
          fillPattern(data, 0, data.length, tag + i);
          check(store.append(i as LogIndex, 1 as Term, data, 0, data.length) === ErrorCode.Ok, "append");
          entries.set(i, data);
          const value = new Uint8Array(1 + ((tag + i) % 16));
          fillPattern(value, 0, value.length, tag * 3 + i);
          check(store.put(i % 8, value, 0, value.length) === ErrorCode.Ok, "put");
          history.set(i % 8, [...(history.get(i % 8) ?? []), value]);
        }
        for (const bit of bits) {
          const address = bit >>> 3;
          device.flipStoredBit(Math.floor(address / SMALL_GEOMETRY.blockSizeBytes), address % SMALL_GEOMETRY.blockSizeBytes, bit & 7);
        }
        const mounted = DurableStore.mount(device, SMALL_CONFIG);
        check(mounted.ok, "mount failed");
        if (!mounted.ok) return;
        const again = mounted.value;
        const out = new Uint8Array(32);
        for (let i = again.firstIndex; i <= again.lastIndex; i++) {
          const length = again.readEntry(i, out, 0);
          if (length === -ErrorCode.Corrupt) continue;
          const expected = entries.get(i);
          check(expected !== undefined && length === expected.length && sameBytes(out, 0, expected, 0, length), `entry ${i} read back wrong`);
        }
        for (let key = 0; key < 8; key++) {
          const length = again.get(key, out, 0);
          if (length === -ErrorCode.NotFound) continue;
          check((history.get(key) ?? []).some((v) => v.length === length && sameBytes(out, 0, v, 0, length)), `key ${key} read back a value never written`);
        }
      }),
      { numRuns, seed },
    );
  },
};

export const storageProperties: readonly StorageProperty[] = Object.freeze([
  crcMatchesReference,
  crcDetectsSmallErrors,
  simFlashFollowsNor,
  storeMatchesModel,
  powerLossAnywhere,
  countersNeverRepeat,
  storedFlipsNeverReadBack,
]);
