/**
 * The crash-consistency workload and its model (platform neutral: runs on
 * V8 in vitest and on XS in test/xs/entries/storage.xs.ts).
 *
 * A seeded stream of operations on a DurableStore over a SimFlash: KV puts
 * and deletes, consensus appends, truncations, prefix compactions, counter
 * reservations, store compactions, clean reboots and read checks. A model
 * records every ACKNOWLEDGED change. When the device loses power, the
 * workload powers it on, mounts again and verifies:
 *  - every acknowledged KV value and consensus entry is present and intact
 *    (byte for byte), and the KV returns the last acknowledged values;
 *  - the one operation in flight shows up entirely or not at all (nothing
 *    half-written): the store must equal the model either without it or with it;
 *  - no counter value is issued twice (each new one is above every earlier one);
 *  - the store's own invariants hold (live accounting, addresses).
 *
 * `sweepFaultPoints` runs the workload once fault-free to count its program
 * and erase steps P, then for every i in [from, to) re-runs it from scratch
 * on a reset device with power lost at step i.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import { Outcome } from "../../../core/runtime/result";
import { CounterReservation } from "../../../core/storage/counter-reservation";
import type { DurableStore, StoreConfig } from "../../../core/storage/durable-store";
import type { SimFlash } from "../../../hal/sim/flash";
import type { FlashFaultOptions } from "../../../hal/sim/flash-faults";
import { fillPattern, mountAfterPowerUp, sameBytes, SMALL_CONFIG } from "./fixtures";
import type { LogIndex, Term } from "../../../core/runtime/ids";
import type { Counter } from "../../../core/runtime/ids";

export interface WorkloadOptions {
  /** Seed of the operation stream (independent of the device's fault seed). */
  readonly seed: number;
  /** Operations before the run ends (>= 1,000 for the acceptance runs). */
  readonly operations: number;
  readonly config?: StoreConfig;
  /** Reservation step K of the counter kept under the last KV key. */
  readonly counterStepK?: number;
  /** Stop this many operations after the first power loss (sweep mode); -1 runs to the end. */
  readonly operationsAfterCrash?: number;
}

export interface WorkloadResult {
  operations: number;
  acknowledged: number;
  crashes: number;
  cleanReboots: number;
  verifications: number;
  counterValuesIssued: number;
  /** Program + erase steps the device performed. */
  steps: number;
  problems: string[];
}

interface Entry {
  readonly term: number;
  readonly data: Uint8Array;
}

interface LogState {
  first: number;
  last: number;
  baseTerm: number;
  entries: Map<number, Entry>;
}

type Pending =
  | { readonly kind: "none" }
  | { readonly kind: "put"; readonly key: number; readonly value: Uint8Array }
  | { readonly kind: "remove"; readonly key: number }
  | { readonly kind: "append"; readonly index: number; readonly entry: Entry }
  | { readonly kind: "truncate"; readonly from: number }
  | { readonly kind: "compactThrough"; readonly through: number; readonly term: number };

const NONE: Pending = Object.freeze({ kind: "none" });
const PROBLEMS_KEPT = 20;
const LOG_LENGTH_TARGET = 40;

export class CrashWorkload {
  readonly #device: SimFlash;
  readonly #options: WorkloadOptions;
  readonly #config: StoreConfig;
  readonly #counterKey: number;
  readonly #rng: Xoshiro128;
  readonly #kv: (Uint8Array | null)[];
  #log: LogState = { first: 1, last: 0, baseTerm: 0, entries: new Map() };
  #term = 1;
  #highestIssued = -1;
  #store: DurableStore | undefined;
  #counter: CounterReservation | undefined;
  readonly #out = new Outcome<Counter>(0 as Counter);
  readonly #buffer: Uint8Array;
  readonly result: WorkloadResult = {
    operations: 0,
    acknowledged: 0,
    crashes: 0,
    cleanReboots: 0,
    verifications: 0,
    counterValuesIssued: 0,
    steps: 0,
    problems: [],
  };

  constructor(device: SimFlash, options: WorkloadOptions) {
    this.#device = device;
    this.#options = options;
    this.#config = options.config ?? SMALL_CONFIG;
    // The last two keys hold the counter's ceiling and its mirror (counter-reservation.ts); the workload's values use the rest.
    this.#counterKey = this.#config.kvKeyCount - 2;
    this.#rng = new Xoshiro128(options.seed);
    this.#kv = new Array<Uint8Array | null>(this.#config.kvKeyCount).fill(null);
    this.#buffer = new Uint8Array(this.#config.recordPayloadMaxBytes);
  }

  run(): WorkloadResult {
    const result = this.result;
    const stopAfter = this.#options.operationsAfterCrash ?? -1;
    let crashAt = -1;
    this.#reboot(NONE, false);
    for (let op = 0; op < this.#options.operations; op++) {
      if (crashAt >= 0 && op - crashAt >= stopAfter) break;
      const crashesBefore = result.crashes;
      this.#step();
      result.operations++;
      if (crashAt < 0 && stopAfter >= 0 && result.crashes > crashesBefore) crashAt = op;
      if (result.problems.length >= PROBLEMS_KEPT) break;
    }
    this.#reboot(NONE, false); // a final clean reboot: everything acknowledged is still there
    result.steps = this.#device.steps;
    return result;
  }

  #problem(message: string): void {
    if (this.result.problems.length < PROBLEMS_KEPT) this.result.problems.push(`op ${this.result.operations}: ${message}`);
  }

  // ------------------------------------------------------------------ operations

  #step(): void {
    const roll = this.#rng.nextBelow(100);
    if (roll < 28) this.#put();
    else if (roll < 32) this.#remove();
    else if (roll < 64) this.#append();
    else if (roll < 68) this.#truncate();
    else if (roll < 76) this.#compactThrough(-1);
    else if (roll < 89) this.#issueCounter();
    else if (roll < 91) this.#compactStore();
    else if (roll < 94) this.#cleanReboot();
    else this.#readBack();
  }

  #put(): void {
    const key = this.#rng.nextBelow(this.#counterKey);
    const length = 1 + this.#rng.nextBelow(this.#config.kvValueMaxBytes);
    const value = new Uint8Array(length);
    fillPattern(value, 0, length, this.#rng.nextU32());
    this.#finish(this.#store?.put(key, value, 0, length), { kind: "put", key, value });
  }

  #remove(): void {
    const key = this.#rng.nextBelow(this.#counterKey);
    this.#finish(this.#store?.remove(key), { kind: "remove", key });
  }

  #append(): void {
    const log = this.#log;
    if (log.last - log.first + 1 >= LOG_LENGTH_TARGET) {
      this.#compactThrough(log.last - LOG_LENGTH_TARGET / 2);
      return;
    }
    if (this.#rng.nextBelow(20) === 0) this.#term++;
    const length = this.#rng.nextBelow(Math.min(25, this.#config.recordPayloadMaxBytes + 1));
    const data = new Uint8Array(length);
    fillPattern(data, 0, length, this.#rng.nextU32());
    const index = log.last + 1;
    this.#finish(this.#store?.append(index as LogIndex, (this.#term) as Term, data, 0, length), { kind: "append", index, entry: { term: this.#term, data } });
  }

  #truncate(): void {
    const log = this.#log;
    const from = log.first + this.#rng.nextBelow(log.last - log.first + 2);
    this.#finish(this.#store?.truncateFrom(from as LogIndex), { kind: "truncate", from });
  }

  #compactThrough(throughWanted: number): void {
    const log = this.#log;
    const through = throughWanted >= 0 ? throughWanted : log.first - 1 + this.#rng.nextBelow(log.last - log.first + 2);
    const term = through === log.first - 1 ? log.baseTerm : (log.entries.get(through)?.term ?? 0);
    this.#finish(this.#store?.compactThrough(through as LogIndex, term as Term), { kind: "compactThrough", through, term });
  }

  #issueCounter(): void {
    const counter = this.#counter;
    if (counter === undefined) return;
    const status = counter.next(this.#out);
    if (status === ErrorCode.Ok) {
      const value = this.#out.value;
      if (value <= this.#highestIssued) this.#problem(`counter value ${value} issued again (highest so far ${this.#highestIssued})`);
      this.#highestIssued = value;
      this.result.counterValuesIssued++;
      return;
    }
    this.#finish(status, NONE);
  }

  #compactStore(): void {
    const cleaned = this.#store?.compact() ?? -ErrorCode.NotMounted;
    this.#finish(cleaned >= 0 ? ErrorCode.Ok : -cleaned, NONE);
  }

  #cleanReboot(): void {
    this.result.cleanReboots++;
    this.#reboot(NONE, false);
  }

  // A status that is not Ok must be a power loss (or the NotMounted that follows one): crash and verify.
  #finish(status: number | undefined, op: Pending): void {
    if (status === ErrorCode.Ok) {
      applyToModel(op, this.#kv, this.#log);
      this.result.acknowledged++;
      return;
    }
    if (status === ErrorCode.DevicePowerLost || status === ErrorCode.NotMounted || !this.#device.powered) {
      this.result.crashes++;
      this.#reboot(op, true);
      return;
    }
    this.#problem(`${op.kind} failed with code ${String(status)}`);
  }

  // ------------------------------------------------------------------ reboot + verify

  #reboot(pending: Pending, crashed: boolean): void {
    this.#store = mountAfterPowerUp(this.#device, this.#config);
    this.#verify(pending, crashed);
    const counter = CounterReservation.open(this.#store, { key: this.#counterKey, mirrorKey: this.#counterKey + 1, stepK: this.#options.counterStepK ?? 8 });
    if (!counter.ok) {
      this.#problem(`counter reopen failed with code ${counter.code}`);
      this.#counter = undefined;
      return;
    }
    this.#counter = counter.value;
    // As the agent does right after mount (agent/persistence.ts): both copies again before any other write.
    const repaired = counter.value.repair();
    if (repaired === ErrorCode.DevicePowerLost) {
      // Power lost during the repair: a crash like any other (the ceiling it read must still be proven next time).
      this.result.crashes++;
      this.#reboot(NONE, true);
      return;
    }
    if (repaired !== ErrorCode.Ok) this.#problem(`counter repair failed with code ${repaired}`);
    if (counter.value.peekNext <= this.#highestIssued) {
      this.#problem(`counter resumes at ${counter.value.peekNext}, not above ${this.#highestIssued}`);
    }
  }

  #verify(pending: Pending, crashed: boolean): void {
    const store = this.#store;
    if (store === undefined) {
      this.#problem("no store to verify");
      return;
    }
    this.result.verifications++;
    this.#verifyKv(store, pending);
    this.#verifyLog(store, pending);
    if (store.checkInvariants() !== ErrorCode.Ok) this.#problem("store invariants violated after mount");
    // Power loss tears at most the write in flight: torn records, headers and blocks are expected;
    // lost segments, lost entries or out-of-order records are not.
    const report = store.report;
    if (report.lostSegments !== 0 || report.anomalies !== 0 || report.lostEntries !== 0) {
      this.#problem(`unexpected corruption after ${crashed ? "a crash" : "a clean reboot"}: ${JSON.stringify(report)}`);
    }
  }

  #verifyKv(store: DurableStore, pending: Pending): void {
    const buffer = this.#buffer;
    for (let key = 0; key < this.#counterKey; key++) {
      const length = store.get(key, buffer, 0);
      const expected = this.#kv[key] ?? null;
      if (matches(buffer, length, expected)) continue;
      if (pending.kind === "put" && pending.key === key && matches(buffer, length, pending.value)) {
        this.#kv[key] = pending.value;
        continue;
      }
      if (pending.kind === "remove" && pending.key === key && length === -ErrorCode.NotFound) {
        this.#kv[key] = null;
        continue;
      }
      this.#problem(`kv key ${key}: got ${describe(buffer, length)}, acknowledged ${expected === null ? "absent" : `${expected.length} bytes`}`);
    }
  }

  #verifyLog(store: DurableStore, pending: Pending): void {
    const before = this.#log;
    if (logMatches(store, before, this.#buffer)) return;
    if (pending.kind === "append" || pending.kind === "truncate" || pending.kind === "compactThrough") {
      const after = cloneLog(before);
      applyToModel(pending, this.#kv, after);
      if (logMatches(store, after, this.#buffer)) {
        this.#log = after;
        return;
      }
    }
    this.#problem(
      `log: store [${store.firstIndex}, ${store.lastIndex}] term ${store.lastTerm}, acknowledged [${before.first}, ${before.last}] (in flight: ${pending.kind})`,
    );
  }

  #readBack(): void {
    const store = this.#store;
    if (store === undefined) return;
    const log = this.#log;
    if (log.last >= log.first) {
      const index = log.first + this.#rng.nextBelow(log.last - log.first + 1);
      const entry = log.entries.get(index);
      const length = store.readEntry(index as LogIndex, this.#buffer, 0);
      if (entry === undefined || !matches(this.#buffer, length, entry.data)) this.#problem(`readEntry(${index}) returned ${describe(this.#buffer, length)}`);
    }
    const key = this.#rng.nextBelow(this.#counterKey);
    const length = store.get(key, this.#buffer, 0);
    if (!matches(this.#buffer, length, this.#kv[key] ?? null)) this.#problem(`get(${key}) returned ${describe(this.#buffer, length)}`);
  }
}

function applyToModel(op: Pending, kv: (Uint8Array | null)[], log: LogState): void {
  switch (op.kind) {
    case "put":
      kv[op.key] = op.value;
      break;
    case "remove":
      kv[op.key] = null;
      break;
    case "append":
      log.entries.set(op.index, op.entry);
      log.last = op.index;
      break;
    case "truncate":
      for (let i = op.from; i <= log.last; i++) log.entries.delete(i);
      if (op.from <= log.last) log.last = op.from - 1;
      break;
    case "compactThrough":
      for (let i = log.first; i <= Math.min(op.through, log.last); i++) log.entries.delete(i);
      if (op.through >= log.first) {
        log.last = Math.max(log.last, op.through);
        log.first = op.through + 1;
      }
      log.baseTerm = op.term;
      break;
    default:
      break;
  }
}

function cloneLog(log: LogState): LogState {
  return { first: log.first, last: log.last, baseTerm: log.baseTerm, entries: new Map(log.entries) };
}

function logMatches(store: DurableStore, log: LogState, buffer: Uint8Array): boolean {
  if (store.firstIndex !== log.first || store.lastIndex !== log.last) return false;
  if (store.termAt((log.first - 1) as LogIndex) !== log.baseTerm) return false;
  for (let index = log.first; index <= log.last; index++) {
    const entry = log.entries.get(index);
    if (entry === undefined || store.termAt(index as LogIndex) !== entry.term) return false;
    if (!matches(buffer, store.readEntry(index as LogIndex, buffer, 0), entry.data)) return false;
  }
  return true;
}

function matches(buffer: Uint8Array, length: number, expected: Uint8Array | null): boolean {
  if (expected === null) return length === -ErrorCode.NotFound;
  return length === expected.length && sameBytes(buffer, 0, expected, 0, length);
}

function describe(buffer: Uint8Array, length: number): string {
  return length < 0 ? `error ${-length}` : `${length} bytes [${Array.from(buffer.subarray(0, Math.min(length, 8))).join(",")}...]`;
}

export interface SweepResult {
  /** P: program + erase steps of the fault-free run. */
  faultPoints: number;
  /** Fault points exercised (each a full re-run from scratch). */
  exercised: number;
  /** Runs in which power was indeed lost at the chosen step. */
  crashed: number;
  /** Operations of the fault-free run. */
  operations: number;
  problems: string[];
}

/**
 * Exhaustive power-loss sweep for one workload seed: count the steps of the
 * fault-free run, then for each step i in [from, min(to, P)) (stride
 * `stride`) reset the device, lose power at step i, recover and verify.
 */
export function sweepFaultPoints(
  device: SimFlash,
  options: WorkloadOptions,
  deviceSeed: number,
  from = 0,
  to = Number.MAX_SAFE_INTEGER,
  stride = 1,
): SweepResult {
  device.reset();
  device.faults.configure({ seed: deviceSeed });
  const clean = new CrashWorkload(device, { ...options, operationsAfterCrash: -1 }).run();
  const result: SweepResult = { faultPoints: clean.steps, exercised: 0, crashed: 0, operations: clean.operations, problems: [...clean.problems] };
  const end = Math.min(to, clean.steps);
  for (let step = from; step < end && result.problems.length < PROBLEMS_KEPT; step += stride) {
    device.reset();
    const plan: FlashFaultOptions = { seed: (deviceSeed + step) >>> 0, powerLossAtStep: step };
    device.faults.configure(plan);
    const run = new CrashWorkload(device, { ...options, operationsAfterCrash: options.operationsAfterCrash ?? 25 }).run();
    result.exercised++;
    if (device.faults.powerLosses === 1) result.crashed++;
    else result.problems.push(`step ${step}: power loss did not happen (${device.faults.powerLosses})`);
    for (const problem of run.problems) result.problems.push(`step ${step}: ${problem}`);
  }
  return result;
}
