/**
 * XS entry: the storage suites on the real XS engine against the simulated
 * flash. Records per part: a stratified slice of the exhaustive power-loss
 * sweep, random fault seeds, the flash image digest of a deterministic run
 * (compared with V8), the wear figures, and the allocation cost of a 64-byte
 * append, a KV put and a counter reservation after warm-up.
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { Crc32c } from "../../../core/storage/crc32c";
import { CounterReservation } from "../../../core/storage/counter-reservation";
import { Outcome } from "../../../core/runtime/result";
import { ESP32_GEOMETRY, mountAfterPowerUp, simDevice, SMALL_GEOMETRY } from "../../core/storage/fixtures";
import { CrashWorkload, sweepFaultPoints } from "../../core/storage/workload";
import { measureAppendWear, WEAR_CONFIG, WEAR_ENTRY_BYTES, WEAR_GEOMETRY } from "../../core/storage/wear";
import { XS_SWEEP, XS_RANDOM_SEEDS, imageDigest } from "../../core/storage/xs-plan";
import { buildCounterScenario, corruptRandomly, flipEveryBit, tearEveryWrite } from "../../core/storage/counter-proof";
import type { LogIndex, Term } from "../../../core/runtime/ids";
import type { Counter } from "../../../core/runtime/ids";

// 1. Stratified slice of the exhaustive sweep (same seed and plan as the V8 test).
{
  const device = simDevice(SMALL_GEOMETRY);
  const before = meter();
  const sweep = sweepFaultPoints(device, XS_SWEEP.workload, XS_SWEEP.deviceSeed, 0, Number.MAX_SAFE_INTEGER, XS_SWEEP.stride);
  record("sweep", { ...sweep, problems: sweep.problems.slice(0, 10), computrons: meter() - before });
}

// 2. Random fault points.
{
  const device = simDevice(ESP32_GEOMETRY);
  let crashes = 0;
  const problems: string[] = [];
  for (const seed of XS_RANDOM_SEEDS) {
    device.reset();
    device.faults.configure({ seed, powerLossPermille: 5, readFlipPermille: 5 });
    const run = new CrashWorkload(device, { seed: 1000 + seed, operations: 1000 }).run();
    crashes += run.crashes;
    for (const problem of run.problems) problems.push(`seed ${seed}: ${problem}`);
  }
  record("random", { seeds: XS_RANDOM_SEEDS.length, crashes, problems: problems.slice(0, 10) });
}

// 3. Determinism: the same workload leaves the same flash bytes as on V8.
{
  const device = simDevice(SMALL_GEOMETRY, { seed: 11, powerLossPermille: 5 });
  const run = new CrashWorkload(device, { seed: 7, operations: 1000 }).run();
  record("digest", { digest: imageDigest(device, Crc32c.create()), steps: run.steps, crashes: run.crashes });
}

// 4. Wear figures.
record("wear", { ...measureAppendWear() });

// 5. Allocation per operation after warm-up: append (with cleaning), KV put, counter reservation.
{
  const device = simDevice(WEAR_GEOMETRY);
  const store = mountAfterPowerUp(device, WEAR_CONFIG);
  const entry = new Uint8Array(WEAR_ENTRY_BYTES);
  let index = 0;
  const appendBatch = (count: number): number => {
    let status = 0;
    for (let i = 0; i < count; i++) {
      index++;
      status |= store.append(index as LogIndex, 1 as Term, entry, 0, WEAR_ENTRY_BYTES);
      if (index % 64 === 0 && index > 128) status |= store.compactThrough((index - 128) as LogIndex, 1 as Term);
    }
    return status;
  };
  appendBatch(3000); // warm-up: several cleaning laps
  const cleanedBefore = store.segmentsCleaned;
  let status = 0;
  const appends = measure(() => {
    status |= appendBatch(1000);
  });
  const value = new Uint8Array(16);
  const puts = measure(() => {
    for (let i = 0; i < 1000; i++) status |= store.put(i & 3, value, 0, 16);
  });
  const opened = CounterReservation.open(store, { key: 7, stepK: 16 });
  const out = new Outcome<Counter>(0 as Counter);
  let counterBytes = -1;
  let counterExact = false;
  if (opened.ok) {
    const counter = opened.value;
    counter.next(out);
    const issued = measure(() => {
      for (let i = 0; i < 1000; i++) status |= counter.next(out);
    });
    counterBytes = issued.allocatedBytes / 1000;
    counterExact = issued.exact;
  }
  record("cost", {
    status,
    cleanedDuringMeasure: store.segmentsCleaned - cleanedBefore,
    appendBytes: appends.allocatedBytes / 1000,
    appendComputrons: appends.computrons / 1000,
    putBytes: puts.allocatedBytes / 1000,
    counterBytes,
    exact: appends.exact && puts.exact && counterExact,
  });
}

// 6. The send counter against damaged flash: every bit flip and torn write of its last reservation, and 300 random images.
{
  const scenario = buildCounterScenario(SMALL_GEOMETRY, 7, 30);
  const flips = flipEveryBit(scenario);
  const tears = tearEveryWrite(scenario);
  const random = corruptRandomly(scenario, 5, 300);
  record("counterProof", { flips: { ...flips }, tears: { ...tears }, random: { ...random } });
}

done();
