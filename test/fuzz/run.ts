/**
 * `npm run fuzz` (the lead adds: "fuzz": "tsx test/fuzz/run.ts"): every
 * decoder/verifier target of test/fuzz/targets.ts for many inputs (default
 * 10,000,000 each), in batches of 100k with a fresh seed per batch, printing
 * progress. Exit 0 when every input got a specific error code or Ok; exit 1
 * on the first escaping exception or unexpected code (fast-check prints the
 * shrunk counterexample and the seed to replay it).
 *
 * Then the send counter against randomly damaged flash images
 * (test/core/storage/counter-proof.ts; default 200,000 images over two
 * geometries): exit 1 if any resumes at a value already issued outside the
 * documented residual (erasure-like damage over the newest record).
 *
 * Then the site simulator's power-loss seed sweep (site-sweep.ts, target
 * name "site-sweep"): exit 1 when any site invariant fires on any seed.
 *
 *   tsx test/fuzz/run.ts [--runs N] [--target TEXT] [--seed S] [--corruptions N] [--site-seeds N] [--site-first S]
 */
import * as fc from "fast-check";
import { FUZZ_TARGETS } from "./targets";
import { parseStrict } from "../../host-sim/cli/args";
import { buildCounterScenario, corruptRandomly } from "../core/storage/counter-proof";
import { ESP32_GEOMETRY, SMALL_GEOMETRY } from "../core/storage/fixtures";
import { runSiteSweep, SITE_SWEEP_DEFAULT_SEEDS, SITE_SWEEP_NAME } from "./site-sweep";

const BATCH = 100_000;
const USAGE = `usage: npm run fuzz -- [--runs N (default 10000000)] [--target TEXT] [--seed S] [--corruptions N (default 200000; 0 skips)] [--site-seeds N (default ${SITE_SWEEP_DEFAULT_SEEDS})] [--site-first S (default 1)]\n`;
const COUNTER_TARGET = "send counter vs damaged flash";

function main(args: readonly string[]): number {
  const parsed = parseStrict(args, {
    runs: { type: "string" },
    target: { type: "string" },
    seed: { type: "string" },
    corruptions: { type: "string" },
    "site-seeds": { type: "string" },
    "site-first": { type: "string" },
    help: { type: "boolean" },
  });
  if (!parsed.ok) {
    process.stderr.write(`fuzz: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const v = parsed.parsed.values;
  if (v.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const runs = Number(v.runs ?? "10000000");
  const seed0 = Number(v.seed ?? String(Date.now() % 0x7fff_ffff));
  const filter = v.target ?? "";
  if (!/^\d+$/.test(v.runs ?? "1") || !Number.isSafeInteger(runs) || runs < 1 || !/^\d+$/.test(v.seed ?? "0") || !Number.isSafeInteger(seed0)) {
    process.stderr.write("fuzz: --runs and --seed must be positive integers\n");
    return 2;
  }
  const corruptions = Number(v.corruptions ?? "200000");
  if (!/^\d+$/.test(v.corruptions ?? "0") || !Number.isSafeInteger(corruptions)) {
    process.stderr.write("fuzz: --corruptions must be a non-negative integer\n");
    return 2;
  }
  const siteSeeds = Number(v["site-seeds"] ?? String(SITE_SWEEP_DEFAULT_SEEDS));
  const siteFirst = Number(v["site-first"] ?? "1");
  if (!/^\d+$/.test(v["site-seeds"] ?? "1") || !/^\d+$/.test(v["site-first"] ?? "1") || siteSeeds < 1 || siteFirst < 1 || !Number.isSafeInteger(siteSeeds + siteFirst)) {
    process.stderr.write("fuzz: --site-seeds and --site-first must be positive integers\n");
    return 2;
  }
  const targets = FUZZ_TARGETS.filter((t) => t.name.includes(filter));
  const counterSweep = corruptions > 0 && COUNTER_TARGET.includes(filter);
  const siteSweep = SITE_SWEEP_NAME.includes(filter);
  if (targets.length === 0 && !counterSweep && !siteSweep) {
    process.stderr.write(`fuzz: no target matches "${filter}"\n`);
    return 2;
  }
  if (targets.length > 0) process.stdout.write(`fuzz: ${targets.length} targets x ${runs.toLocaleString("en-US")} inputs, base seed ${seed0}\n`);
  for (const target of targets) {
    const started = process.hrtime.bigint();
    for (let done = 0, batch = 0; done < runs; batch++) {
      const n = Math.min(BATCH, runs - done);
      const seed = (seed0 + batch * 7919) % 0x7fff_ffff;
      try {
        target.run(fc, n, seed);
      } catch (error) {
        process.stderr.write(`\nfuzz: FAILED in "${target.name}" (batch ${batch}, seed ${seed})\n${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
      done += n;
      if (batch % 10 === 9 || done === runs) {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        process.stdout.write(`  ${target.name}: ${done.toLocaleString("en-US")} inputs, ${seconds.toFixed(0)} s\n`);
      }
    }
  }
  if (counterSweep && sweepCounter(corruptions, seed0) !== 0) return 1;
  if (siteSweep && runSiteSweep(siteFirst, siteSeeds, (text) => process.stdout.write(text)) !== 0) {
    process.stderr.write(`\nfuzz: FAILED in "${SITE_SWEEP_NAME}" (see the seeds above)\n`);
    return 1;
  }
  process.stdout.write("fuzz: no failures\n");
  return 0;
}

/** The send counter against `images` randomly damaged flash images, half per geometry, in batches with progress. */
function sweepCounter(images: number, seed0: number): number {
  const started = process.hrtime.bigint();
  const scenarios = [buildCounterScenario(SMALL_GEOMETRY, 7, 30), buildCounterScenario(ESP32_GEOMETRY, 11, 40)];
  const total = { cases: 0, resumed: 0, refused: 0, rolledBack: 0, tailErased: 0, tailErasedRolledBack: 0 };
  for (let done = 0, batch = 0; done < images; batch++) {
    const n = Math.min(10_000, images - done);
    const scenario = scenarios[batch % scenarios.length] ?? scenarios[0];
    if (scenario === undefined) return 1;
    const seed = (seed0 + batch * 104_729) % 0x7fff_ffff;
    const t = corruptRandomly(scenario, seed, n);
    total.cases += t.cases;
    total.resumed += t.resumed;
    total.refused += t.refused;
    total.rolledBack += t.rolledBack;
    total.tailErased += t.tailErased;
    total.tailErasedRolledBack += t.tailErasedRolledBack;
    done += n;
    if (t.rolledBack > 0) {
      process.stderr.write(`\nfuzz: FAILED in "${COUNTER_TARGET}": a nonce would be reused (batch ${batch}, seed ${seed}): ${t.examples.join("; ")}\n`);
      return 1;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`  ${COUNTER_TARGET}: ${done.toLocaleString("en-US")} images, ${seconds.toFixed(0)} s\n`);
  }
  process.stdout.write(
    `  ${COUNTER_TARGET}: ${total.cases} images: ${total.resumed} resumed above every value issued, ${total.refused} refused (CounterUnprovable or Corrupt), ` +
      `${total.rolledBack} resumed at a used value; a run of damaged bytes over the newest record (what a torn write leaves): ${total.tailErased} images, ${total.tailErasedRolledBack} resumed too low (documented residual)\n`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
