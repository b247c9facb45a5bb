/**
 * `npm run bench`: every case in test/bench/cases on V8 (ops/s, wall clock) and on
 * the real XS engine (computrons/op and bytes allocated/op, both exact and
 * repeatable). Prints a table and writes test/bench/results.json.
 *
 * Not part of `npm test`: tests never assert on time.
 */
import { parseStrict } from "../../host-sim/cli/args";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../tools/build/targets";
import { buildDevice } from "../../tools/build/build";
import { expectCompleted, runOnXs } from "../../tools/xs/run-xs";
import { buildXsEntry } from "../../tools/xs/build-entry";
import { ALL_CASES } from "./cases/index";
import { formatSimSpeedTable, runSimSpeedBench } from "./sim-speed";
import { formatMeshBenchTable, runMeshBench } from "./mesh-bench";
import { formatBoardMemoryTable, runBoardMemoryBench } from "./board-memory-bench";
import { formatReplayStateTable, runReplayStateBench } from "./replay-state-bench";
import { formatSiteScaleTable, runSiteScaleBench } from "./site-scale-bench";

interface Row {
  group: string;
  name: string;
  v8OpsPerSec: number;
  xsComputronsPerOp: number | null;
  xsBytesPerOp: number | null;
}

/** Run a case on V8 for at least `minMs`, after warm-up; return ops/s. */
function timeOnV8(index: number, minMs: number): number {
  const c = ALL_CASES[index];
  if (c === undefined) return 0;
  const state = c.setup();
  for (let i = 0; i < 20; i++) c.run(state);
  let runs = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (elapsedNs < BigInt(minMs) * 1_000_000n) {
    sink += c.run(state);
    runs++;
    elapsedNs = process.hrtime.bigint() - start;
  }
  if (sink === Number.MIN_SAFE_INTEGER) process.stdout.write(""); // keep `sink` observable
  return (runs * c.opsPerRun) / (Number(elapsedNs) / 1e9);
}

function fmt(value: number | null, digits = 0): string {
  if (value === null) return "n/a";
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Replace the text between <!-- NAME --> and <!-- /NAME --> in README.md. */
function updateReadme(marker: string, body: string): void {
  const path = join(repoRoot, "README.md");
  const text = readFileSync(path, "utf8");
  const open = `<!-- ${marker} -->`;
  const close = `<!-- /${marker} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) {
    process.stderr.write(`bench: README.md has no ${open} ... ${close} block; table not written there\n`);
    return;
  }
  writeFileSync(path, `${text.slice(0, start + open.length)}\n${body}\n${text.slice(end)}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const usage =
    "usage: npm run bench [-- --quick] [-- --filter TEXT] [-- --update-readme]\nRuns every benchmark case on V8 and XS and prints the tables. A full run writes test/bench/results.json;\n--quick or --filter runs write test/bench/results.latest.json (not committed). The README's tables change only\nwith --update-readme, and only from a full run.\n";
  const parsed = parseStrict(argv, { quick: { type: "boolean" }, filter: { type: "string" }, "update-readme": { type: "boolean" }, help: { type: "boolean" } });
  if (!parsed.ok) {
    process.stderr.write(`bench: ${parsed.message}\n${usage}`);
    return 2;
  }
  if (parsed.parsed.values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const quick = parsed.parsed.values.quick === true;
  const filter = parsed.parsed.values.filter ?? "";
  const updateReadmeAsked = parsed.parsed.values["update-readme"] === true;
  if (updateReadmeAsked && (quick || filter !== "")) {
    process.stderr.write("bench: --update-readme needs a full run (no --quick, no --filter)\n");
    return 2;
  }

  process.stderr.write("bench: building the XS bench bundle\n");
  const bundle = await buildXsEntry("test/bench/xs-entry.ts", "bench");
  process.stderr.write("bench: running every case on XS\n");
  const xs = runOnXs(bundle.outfile);
  expectCompleted(xs, "bench bundle");
  const xsByName = new Map(xs.records.filter((r) => r.kind === "bench").map((r) => [`${String(r["group"])}/${String(r["name"])}`, r]));

  const rows: Row[] = [];
  for (let i = 0; i < ALL_CASES.length; i++) {
    const c = ALL_CASES[i];
    if (c === undefined || !`${c.group} ${c.name}`.includes(filter)) continue;
    process.stderr.write(`bench: [${i + 1}/${ALL_CASES.length}] ${c.group} / ${c.name} on V8\n`);
    const ops = timeOnV8(i, quick ? 100 : 500);
    const x = xsByName.get(`${c.group}/${c.name}`);
    rows.push({
      group: c.group,
      name: c.name,
      v8OpsPerSec: Math.round(ops),
      xsComputronsPerOp: x === undefined ? null : Number(x["computronsPerOp"]),
      xsBytesPerOp: x === undefined ? null : Number(x["bytesPerOp"]),
    });
  }

  const header = "| group | case | V8 ops/s | XS computrons/op | XS bytes allocated/op |";
  const lines = [header, "|---|---|---:|---:|---:|"];
  for (const r of rows) {
    lines.push(`| ${r.group} | ${r.name} | ${fmt(r.v8OpsPerSec)} | ${fmt(r.xsComputronsPerOp, 1)} | ${fmt(r.xsBytesPerOp, 1)} |`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);

  // Simulator speed (test/bench/sim-speed.ts): a second table; rows in results.json under "simulator".
  const simulator = "simulator speed".includes(filter) ? [await runSimSpeedBench({ quick })] : [];
  const simTable = simulator.length > 0 ? `\nSimulator speed (test/bench/sim-speed.ts):\n\n${formatSimSpeedTable(simulator)}` : "";
  if (simulator.length > 0) process.stdout.write(`${simTable}\n`);

  // Mesh (test/bench/mesh-bench.ts): overhead, XS cost per frame, flooding efficiency; rows in results.json under "mesh".
  const xsComputrons = new Map(xs.records.filter((r) => r.kind === "bench").map((r) => [String(r["name"]), Number(r["computronsPerOp"])]));
  const mesh = "mesh network".includes(filter) ? runMeshBench({ quick, xsComputrons }) : [];
  const meshTable = mesh.length > 0 ? `\nMesh (test/bench/mesh-bench.ts):\n\n${formatMeshBenchTable(mesh)}` : "";
  if (mesh.length > 0) process.stdout.write(`${meshTable}\n`);

  // Receive state across reboots (test/bench/replay-state-bench.ts): flash writes, holds, skip requests; results.json "replayState".
  const replayState = "receive state across reboots".includes(filter) ? runReplayStateBench({ quick }) : [];
  const replayTable = replayState.length > 0 ? `\nReceive state across reboots (test/bench/replay-state-bench.ts):\n\n${formatReplayStateTable(replayState)}` : "";
  if (replayState.length > 0) process.stdout.write(`${replayTable}\n`);

  // Site scale (test/bench/site-scale-bench.ts): the mesh-scale sites, one seed each; results.json "siteScale".
  const siteScale = "site scale".includes(filter) ? runSiteScaleBench({ quick }) : [];
  const siteScaleTable = siteScale.length > 0 ? `\nSite scale (test/bench/site-scale-bench.ts):\n\n${formatSiteScaleTable(siteScale)}` : "";
  if (siteScale.length > 0) process.stdout.write(`${siteScaleTable}\n`);

  // Board memory (test/bench/board-memory-bench.ts): the literal image on 32-bit XS with preload; results.json "boardMemory".
  const boardMemory = "board memory".includes(filter) ? await runBoardMemoryBench({ quick }) : undefined;
  const boardTable = boardMemory === undefined ? "" : formatBoardMemoryTable(boardMemory);
  if (boardMemory !== undefined) process.stdout.write(`\nBoard memory (test/bench/board-memory-bench.ts):\n\n${boardTable}\n`);

  const slotBytes = xs.records.find((r) => r.kind === "done")?.["slotBytes"];
  const results = {
    node: process.version,
    xs: { slotBytes, note: "bytes counted on this 64-bit host; an MCU build uses 16-byte slots" },
    cases: rows,
    simulator,
    mesh,
    replayState,
    siteScale,
    boardMemory,
  };
  // Only a complete, unfiltered, full-length run may replace the committed results.
  const partial = filter !== "" || quick;
  const out = join(repoRoot, "test", "bench", partial ? "results.latest.json" : "results.json");
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${out}\n`);
  if (updateReadmeAsked) {
    const build = await buildDevice("full");
    const sizes = [
      "| profile | bytes (minified) | gzip | share of budget |",
      "|---|---:|---:|---:|",
      ...build.builds.map(
        ({ profile, report }) =>
          `| ${profile.name} | ${fmt(report.bytes)} | ${fmt(report.gzipBytes)} | ${((100 * report.bytes) / (report.budgetBytes ?? 1)).toFixed(1)} % |`,
      ),
    ];
    updateReadme("bench-table", lines.join("\n") + simTable + meshTable + replayTable + siteScaleTable);
    updateReadme("size-table", sizes.join("\n"));
    if (boardMemory !== undefined) updateReadme("board-memory-table", boardTable);
    process.stderr.write("bench: updated the tables in README.md\n");
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
