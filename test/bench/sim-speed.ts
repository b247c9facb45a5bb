/**
 * Simulator speed: how much faster than real time the kernel runs a mesh.
 *
 * Full: the bundled speed-1000 scenario, 1,000 nodes at random positions
 * (about 8 radio neighbours each), each sending one 16-byte message per
 * second to a random neighbour, 1% loss, for 10 virtual minutes, with every
 * invariant checked after every event (the CLI's default). Quick: the same
 * with 100 nodes for 60 virtual seconds.
 *
 * Wall-clock numbers on V8: a benchmark, never a test assertion.
 * Standalone: `npx tsx test/bench/sim-speed.ts [--quick]`.
 */
import { pathToFileURL } from "node:url";
import { prepareSim, runSim } from "../../host-sim/cli/commands/sim";

export interface SimSpeedResult {
  readonly nodes: number;
  readonly virtualSeconds: number;
  readonly wallSeconds: number;
  /** Virtual time over wall time. */
  readonly speedup: number;
  readonly events: number;
  readonly eventsPerSecond: number;
  /** V8 heap in use right after the run, kernel still alive. */
  readonly heapUsedBytes: number;
  readonly traceHash: string;
}

export function simSpeedArgs(quick: boolean): string[] {
  return ["--scenario", "speed-1000", ...(quick ? ["--nodes", "100", "--duration", "60s"] : [])];
}

export async function runSimSpeedBench(opts: { quick: boolean }): Promise<SimSpeedResult> {
  const prepared = prepareSim(simSpeedArgs(opts.quick));
  if (!prepared.ok) throw new Error(prepared.message);
  await Promise.resolve(); // keep the signature async: a later version may run XS too
  const result = runSim(prepared.scenario, prepared.options);
  if (typeof result === "string") throw new Error(result);
  const heapUsedBytes = process.memoryUsage().heapUsed;
  const summary = result.summary;
  if (!summary.ok) throw new Error(`speed scenario failed: ${summary.state} ${JSON.stringify(summary.violation)}`);
  return {
    nodes: summary.nodes,
    virtualSeconds: summary.virtualMs / 1000,
    wallSeconds: result.wallMs / 1000,
    speedup: result.speedup,
    events: summary.events,
    eventsPerSecond: result.eventsPerSecond,
    heapUsedBytes,
    traceHash: summary.traceHash,
  };
}

/** The "simulator speed" table (markdown, like the main bench table). */
export function formatSimSpeedTable(rows: readonly SimSpeedResult[]): string {
  const f = (value: number, digits = 0): string => value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    "| nodes | virtual time | wall time | speed-up (virtual/wall) | events | events/s | V8 heap used |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${f(r.nodes)} | ${f(r.virtualSeconds)} s | ${f(r.wallSeconds, 2)} s | ${f(r.speedup)}x | ${f(r.events)} | ${f(r.eventsPerSecond)} | ${f(r.heapUsedBytes / 1_048_576, 1)} MiB |`,
    ),
  ];
  return lines.join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runSimSpeedBench({ quick: process.argv.includes("--quick") });
  process.stdout.write(`${formatSimSpeedTable([result])}\n${JSON.stringify(result)}\n`);
}
