/**
 * core/storage hot paths on the simulated NOR flash (4 KiB blocks, ESP32
 * shape). Every `run` allocates nothing (the XS harness expects 0 bytes/op):
 * store, buffers and counters are built by `setup`, which also fills the
 * partition past several cleaning laps so runs measure the steady state,
 * cleaning and superblock writes included.
 *
 * The bench table has no column for flash figures, so the append row's name
 * carries them: bytes programmed per payload byte (write amplification) and
 * erases per 1,000 appends, from test/core/storage/wear.ts. They are deterministic
 * and computed on first use, so V8 and XS produce the same name.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import { Outcome, type Result } from "../../../core/runtime/result";
import { CounterReservation } from "../../../core/storage/counter-reservation";
import type { DurableStore } from "../../../core/storage/durable-store";
import { mountAfterPowerUp, simDevice } from "../../core/storage/fixtures";
import { measureAppendWear, WEAR_CONFIG, WEAR_ENTRY_BYTES, WEAR_GEOMETRY } from "../../core/storage/wear";
import { benchCase, type BenchCase } from "./types";
import type { LogIndex, Term } from "../../../core/runtime/ids";
import type { Counter } from "../../../core/runtime/ids";

const GROUP = "storage";
const APPENDS_PER_RUN = 1_000;
const RETAINED_ENTRIES = 128;

// Setup failures are configuration bugs in this file; the harness reports the throw.
function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bench setup failed with code ${result.code}`);
  return result.value;
}

interface AppendState {
  readonly store: DurableStore;
  readonly entry: Uint8Array;
  index: number;
}

function appendEntries(state: AppendState, count: number): number {
  const { store, entry } = state;
  let status = 0;
  for (let i = 0; i < count; i++) {
    const index = ++state.index;
    entry[0] = index & 0xff;
    status |= store.append(index as LogIndex, 1 as Term, entry, 0, WEAR_ENTRY_BYTES);
    // Raft §7: compact behind a snapshot every 64 entries, keeping 128.
    if ((index & 63) === 0 && index > RETAINED_ENTRIES) status |= store.compactThrough((index - RETAINED_ENTRIES) as LogIndex, 1 as Term);
  }
  return status;
}

function appendState(): AppendState {
  const state: AppendState = { store: mountAfterPowerUp(simDevice(WEAR_GEOMETRY), WEAR_CONFIG), entry: new Uint8Array(WEAR_ENTRY_BYTES), index: 0 };
  if (appendEntries(state, 5_000) !== ErrorCode.Ok) throw new Error("bench warm-up append failed");
  return state;
}

let appendName = "";

const append: BenchCase<AppendState> = {
  group: GROUP,
  get name(): string {
    if (appendName === "") {
      const wear = measureAppendWear();
      appendName =
        `DurableStore append 64 B entry, 4 KiB blocks (write amp ${wear.writeAmplification.toFixed(2)} B/B, ` +
        `${wear.erasesPer1000Appends.toFixed(1)} erases/1k appends)`;
    }
    return appendName;
  },
  opsPerRun: APPENDS_PER_RUN,
  setup: appendState,
  run(state) {
    return appendEntries(state, APPENDS_PER_RUN) + state.store.lastIndex;
  },
};

const kvPut: BenchCase<AppendState & { readonly value: Uint8Array }> = {
  group: GROUP,
  name: "DurableStore KV put 8 B value (term/vote)",
  opsPerRun: APPENDS_PER_RUN,
  setup: () => ({ ...appendState(), value: new Uint8Array(8) }),
  run({ store, value }) {
    let status = 0;
    for (let i = 0; i < APPENDS_PER_RUN; i++) {
      value[0] = i & 0xff;
      status |= store.put(i & 3, value, 0, 8);
    }
    return status + store.operationsAcknowledged;
  },
};

interface CounterState {
  readonly counter: CounterReservation;
  readonly out: Outcome<Counter>;
}

const counterNext: BenchCase<CounterState> = {
  group: GROUP,
  name: "CounterReservation next (K = 64, one KV put per 64)",
  opsPerRun: APPENDS_PER_RUN,
  setup() {
    const store = appendState().store;
    return { counter: unwrap(CounterReservation.open(store, { key: 7, stepK: 64 })), out: new Outcome<Counter>(0 as Counter) };
  },
  run({ counter, out }) {
    let status = 0;
    for (let i = 0; i < APPENDS_PER_RUN; i++) status |= counter.next(out);
    return status + out.value;
  },
};

export const storageCases: readonly BenchCase[] = Object.freeze([benchCase(append), benchCase(kvPut), benchCase(counterNext)]);
