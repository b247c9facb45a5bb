/**
 * `picket sim`: run a simulation scenario (host-sim/kernel) as fast as the
 * machine allows and print a summary: events, virtual and wall time,
 * speed-up over real time, trace hash, counters. Scenarios are JSON files
 * (host-sim/scenarios/*.json, or any path); flags override their fields.
 *
 * The scenario preparation and run helpers are exported for the simulation
 * tests and the speed benchmark, so a failing test seed prints the exact
 * command that reproduces it.
 */
import { parseStrict, type OptionsConfig } from "../args";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../../tools/build/targets";
import { createSimulation, parseDurationMs, RunState, summarizeRun, validateScenario, type SimKernel, type SimScenario, type SimSummary } from "../../kernel/index";
import { usageError, type Command } from "../command";

export const SCENARIO_DIR = join(repoRoot, "host-sim", "scenarios");

const USAGE = `picket sim [--scenario NAME|FILE] [options]

  --scenario NAME|FILE  a scenario in host-sim/scenarios (NAME) or a JSON file; default:
                        16 nodes at random positions, 60 s, unicast pings
  --list                list the bundled scenarios
  --seed S              run seed, 0..4294967295 (every random draw derives from it)
  --nodes N             number of nodes
  --duration D          virtual time to simulate: 500ms, 90s, 10m, 1h
  --loss P              per-link loss: a fraction (0.1) or a percentage (10%)
  --dup P               per-link duplication chance
  --reorder P           per-link chance of holding a copy back (reordering)
  --latency A..B        per-link latency range, e.g. 5..50 or 5ms..2s (one value = fixed)
  --drift PPM           clock drift, each node uniform in [-PPM, +PPM]
  --topology T          full | line | grid | random (line/grid/random are radio layouts)
  --range M             radio range in metres
  --mode M              workload: unicast (one random neighbour) | broadcast
  --period D            workload: time between a node's messages
  --ack / --no-ack      workload: receivers answer every ping
  --crashes N           random crashes (each followed by a restart)
  --pauses N            random pauses
  --partitions N        random partitions
  --queue N             event queue capacity (default: derived from the scenario)
  --verify              run twice and check both runs give the same trace hash
  --no-invariants       skip invariant checks (measures the kernel alone)
  --no-guard            let a component's exception propagate with its stack
  --json                print the summary as JSON
  --quiet               no progress line on stderr

Exit status: 0 ok, 1 invariant violation / component fault / queue overflow /
nondeterminism, 2 bad arguments or scenario.`;

const DEFAULT_SCENARIO: Readonly<Record<string, unknown>> = Object.freeze({
  name: "default",
  nodes: 16,
  durationMs: "60s",
  topology: { kind: "radio", layout: "random", areaPerNodeM2: 22_500, rangeM: 250 },
  link: { latencyMinMs: 5, latencyMaxMs: 50 },
});

export interface SimCliOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verify: boolean;
  readonly checkInvariants: boolean;
  readonly guardComponents: boolean;
  readonly list: boolean;
}

export type PreparedSim =
  | { readonly ok: true; readonly scenario: SimScenario; readonly options: SimCliOptions; readonly reproduce: string }
  | { readonly ok: false; readonly message: string };

type Raw = Record<string, unknown>;

function record(value: unknown): Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...(value as Raw) } : {};
}

/** "0.1" or "10%" -> parts per million; -1 when malformed or outside 0..1. */
export function parseChancePpm(text: string): number {
  const percent = text.endsWith("%");
  const value = Number(percent ? text.slice(0, -1) : text);
  if (text.trim() === "" || !Number.isFinite(value)) return -1;
  const ppm = Math.round(percent ? value * 10_000 : value * 1_000_000);
  return ppm >= 0 && ppm <= 1_000_000 ? ppm : -1;
}

/** "5..50", "5ms..2s" or "20" -> [minMs, maxMs]; undefined when malformed. */
function parseLatency(text: string): readonly [number, number] | undefined {
  const parts = text.split("..");
  const toMs = (part: string): number => (/^\d+$/.test(part) ? Number(part) : parseDurationMs(part));
  const low = toMs(parts[0] ?? "");
  const high = parts.length === 2 ? toMs(parts[1] ?? "") : low;
  if (parts.length > 2 || low < 0 || high < low) return undefined;
  return [low, high];
}

function loadScenarioJson(nameOrPath: string): Raw | string {
  const candidates = [nameOrPath, join(SCENARIO_DIR, `${nameOrPath}.json`)];
  const path = candidates.find((candidate) => candidate.endsWith(".json") && existsSync(candidate));
  if (path === undefined) return `no scenario "${nameOrPath}" (not a file; bundled: ${bundledScenarios().join(", ")})`;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Raw) : `${path}: a scenario must be a JSON object`;
  } catch (error) {
    return `${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export function bundledScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

const VALUE_FLAGS: readonly string[] = Object.freeze([
  "--scenario",
  "--seed",
  "--nodes",
  "--duration",
  "--loss",
  "--dup",
  "--reorder",
  "--latency",
  "--drift",
  "--topology",
  "--range",
  "--mode",
  "--period",
  "--crashes",
  "--pauses",
  "--partitions",
  "--queue",
]);
const SWITCHES: readonly string[] = Object.freeze(["--list", "--verify", "--no-invariants", "--no-guard", "--json", "--quiet", "--ack", "--no-ack"]);
const OUTPUT_SWITCHES: readonly string[] = Object.freeze(["--json", "--quiet", "--verify"]);
/** The parser's table, from the two lists above. */
const SIM_OPTIONS: OptionsConfig = Object.freeze(
  Object.fromEntries([...VALUE_FLAGS.map((flag) => [flag.slice(2), { type: "string" as const }]), ...SWITCHES.map((flag) => [flag.slice(2), { type: "boolean" as const }])]),
);

/** Parse flags, load the scenario, apply overrides, validate: the one path used by the CLI, tests and bench. */
export function prepareSim(args: readonly string[]): PreparedSim {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const parsed = parseStrict(args, SIM_OPTIONS);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  for (const [name, value] of Object.entries(parsed.parsed.values)) {
    if (typeof value === "string") values.set(`--${name}`, value);
    else if (value === true) switches.add(`--${name}`);
  }
  const options: SimCliOptions = {
    json: switches.has("--json"),
    quiet: switches.has("--quiet"),
    verify: switches.has("--verify"),
    checkInvariants: !switches.has("--no-invariants"),
    guardComponents: !switches.has("--no-guard"),
    list: switches.has("--list"),
  };
  const scenarioName = values.get("--scenario");
  const base = scenarioName === undefined ? record(DEFAULT_SCENARIO) : loadScenarioJson(scenarioName);
  if (typeof base === "string") return { ok: false, message: base };
  const raw = applyOverrides(structuredClone(base), values, switches);
  if (typeof raw === "string") return { ok: false, message: raw };
  const validation = validateScenario(raw);
  if (!validation.ok) {
    const source = scenarioName === undefined ? "the scenario" : `scenario ${scenarioName}`;
    return { ok: false, message: `${source} is not valid:\n  ${validation.problems.join("\n  ")}` };
  }
  const kept = args.filter((arg) => !OUTPUT_SWITCHES.includes(arg));
  const seedArgs = values.has("--seed") ? [] : ["--seed", String(validation.scenario.seed)];
  return { ok: true, scenario: validation.scenario, options, reproduce: ["picket sim", ...kept, ...seedArgs].join(" ") };
}

function applyOverrides(raw: Raw, values: ReadonlyMap<string, string>, switches: ReadonlySet<string>): Raw | string {
  const int = (flag: string, min: number, max: number): number | string | undefined => {
    const text = values.get(flag);
    if (text === undefined) return undefined;
    const n = Number(text);
    return /^\d+$/.test(text) && n >= min && n <= max ? n : `${flag} must be an integer ${min}..${max}`;
  };
  const link = record(raw["link"]);
  const workload = record(raw["workload"]);
  const problems: string[] = [];
  const setInt = (flag: string, min: number, max: number, apply: (n: number) => void): void => {
    const n = int(flag, min, max);
    if (typeof n === "string") problems.push(n);
    else if (n !== undefined) apply(n);
  };
  setInt("--seed", 0, 0xffff_ffff, (n) => (raw["seed"] = n));
  setInt("--nodes", 1, 65_536, (n) => (raw["nodes"] = n));
  setInt("--drift", 0, 200_000, (n) => (raw["clock"] = { ...record(raw["clock"]), driftPpmMax: n }));
  setInt("--crashes", 0, 65_536, (n) => (raw["randomCrashes"] = { ...record(raw["randomCrashes"]), count: n }));
  setInt("--pauses", 0, 65_536, (n) => (raw["randomPauses"] = { ...record(raw["randomPauses"]), count: n }));
  setInt("--partitions", 0, 32, (n) => (raw["randomPartitions"] = { ...record(raw["randomPartitions"]), count: n }));
  setInt("--queue", 16, 1 << 22, (n) => (raw["limits"] = { ...record(raw["limits"]), eventQueueCapacity: n }));
  for (const [flag, field] of [["--duration", "durationMs"], ["--period", "periodMs"]] as const) {
    const text = values.get(flag);
    if (text === undefined) continue;
    if (parseDurationMs(text) <= 0) problems.push(`${flag} must be a duration like 500ms, 90s, 10m or 1h`);
    else if (field === "durationMs") raw["durationMs"] = text;
    else workload["periodMs"] = text;
  }
  for (const [flag, field] of [["--loss", "lossPpm"], ["--dup", "duplicatePpm"], ["--reorder", "reorderPpm"]] as const) {
    const text = values.get(flag);
    if (text === undefined) continue;
    const ppm = parseChancePpm(text);
    if (ppm < 0) problems.push(`${flag} must be a fraction 0..1 (0.1) or a percentage (10%)`);
    else link[field] = ppm;
  }
  const latency = values.get("--latency");
  if (latency !== undefined) {
    const range = parseLatency(latency);
    if (range === undefined) problems.push("--latency must be MIN..MAX in ms or with units (5..50, 5ms..2s), or one value");
    else [link["latencyMinMs"], link["latencyMaxMs"]] = range;
  }
  const topologyProblem = applyTopology(raw, values);
  if (topologyProblem !== undefined) problems.push(topologyProblem);
  const mode = values.get("--mode");
  if (mode !== undefined) workload["mode"] = mode;
  if (switches.has("--ack")) workload["ack"] = true;
  if (switches.has("--no-ack")) workload["ack"] = false;
  if (Object.keys(link).length > 0) raw["link"] = link;
  if (Object.keys(workload).length > 0) raw["workload"] = workload;
  return problems.length > 0 ? problems.join("; ") : raw;
}

function applyTopology(raw: Raw, values: ReadonlyMap<string, string>): string | undefined {
  const kind = values.get("--topology");
  let topology = record(raw["topology"]);
  if (kind !== undefined) {
    if (kind === "full") topology = { kind: "full" };
    else if (kind === "line" || kind === "grid" || kind === "random") {
      const keep = topology["kind"] === "radio" ? topology : {};
      topology = { ...keep, kind: "radio", layout: kind };
      delete topology["positions"];
      if (kind === "random" && topology["widthM"] === undefined && topology["areaPerNodeM2"] === undefined) topology["areaPerNodeM2"] = 22_500;
    } else return "--topology must be full, line, grid or random";
  }
  const range = values.get("--range");
  if (range !== undefined) {
    if (topology["kind"] !== "radio") return "--range needs a radio topology (--topology line|grid|random)";
    if (!/^\d+$/.test(range)) return "--range must be an integer number of metres";
    topology["rangeM"] = Number(range);
  }
  if (kind !== undefined || range !== undefined) raw["topology"] = topology;
  return undefined;
}

export interface SimRunResult {
  readonly summary: SimSummary;
  readonly wallMs: number;
  /** Virtual time over wall time. */
  readonly speedup: number;
  readonly eventsPerSecond: number;
  readonly kernel: SimKernel;
}

const SLICE_EVENTS = 50_000;

/** Build and run a scenario to the end, calling `onProgress` about once per second of wall time. */
export function runSim(
  scenario: SimScenario,
  options: Pick<SimCliOptions, "checkInvariants" | "guardComponents">,
  onProgress?: (kernel: SimKernel, wallMs: number) => void,
): SimRunResult | string {
  const start = performance.now();
  const built = createSimulation(scenario, { checkInvariants: options.checkInvariants, guardComponents: options.guardComponents });
  if (!built.ok) return `the scenario cannot be built:\n  ${built.problems.join("\n  ")}`;
  const kernel = built.kernel;
  let lastReportMs = start;
  while (kernel.runFor(SLICE_EVENTS) === RunState.Running) {
    const now = performance.now();
    if (onProgress !== undefined && now - lastReportMs >= 1000) {
      lastReportMs = now;
      onProgress(kernel, now - start);
    }
  }
  const wallMs = Math.max(performance.now() - start, 0.001);
  const summary = summarizeRun(kernel);
  return { summary, wallMs, speedup: summary.virtualMs / wallMs, eventsPerSecond: (summary.events * 1000) / wallMs, kernel };
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.floor(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return h > 0 ? `${h}h ${m}m ${s}s` : `${m}m ${s}s`;
}

const n = (value: number): string => Math.round(value).toLocaleString("en-US");

function nonZero(values: Readonly<Record<string, number>>, skip: readonly string[] = []): string {
  const parts = Object.entries(values)
    .filter(([name, value]) => value !== 0 && !skip.includes(name))
    .map(([name, value]) => `${name} ${n(value)}`);
  return parts.length > 0 ? parts.join(", ") : "-";
}

export function formatSummary(result: SimRunResult, reproduce: string): string {
  const s = result.summary;
  const lines = [
    `picket sim: ${s.name}, seed ${s.seed}, ${n(s.nodes)} nodes, ${n(s.links)} links`,
    `  result        ${s.ok ? "ok" : "FAILED"} (${s.state})`,
    `  events        ${n(s.events)}`,
    `  virtual time  ${formatMs(s.virtualMs)}`,
    `  wall time     ${formatMs(result.wallMs)}`,
    `  speed-up      ${n(result.speedup)}x real time`,
    `  events/s      ${n(result.eventsPerSecond)}`,
    `  trace hash    ${s.traceHash}`,
    `  event queue   high water ${n(s.queue.highWater)} of ${n(s.queue.capacity)} slots, full ${n(s.queue.fullCount)} times`,
    `  kernel        ${nonZero(s.counters, ["events"])}`,
    `  workload      ${nonZero(s.workload)}`,
  ];
  if (s.violation !== undefined) {
    const v = s.violation;
    lines.push(`  STOPPED       ${v.invariant} at event ${v.eventIndex} (t = ${v.timeMs} ms): ${v.detail}`);
  }
  if (!s.ok) lines.push(`  reproduce     ${reproduce}`);
  return lines.join("\n");
}

function progressLine(kernel: SimKernel, wallMs: number): string {
  const durationMs = kernel.scenario.durationMs;
  const percent = Math.floor((100 * kernel.nowMs) / durationMs);
  return `picket sim: ${percent}% (${formatMs(kernel.nowMs)} of ${formatMs(durationMs)} virtual), ${n(kernel.eventCount)} events, ${n(kernel.nowMs / wallMs)}x real time`;
}

export async function runSimCommand(args: readonly string[]): Promise<number> {
  const prepared = prepareSim(args);
  if (!prepared.ok) return usageError("sim", prepared.message, "picket sim --help");
  const { scenario, options, reproduce } = prepared;
  if (options.list) {
    for (const name of bundledScenarios()) {
      const json = loadScenarioJson(name);
      const description = typeof json === "string" ? json : String(json["description"] ?? "");
      process.stdout.write(`${name.padEnd(16)} ${description}\n`);
    }
    return 0;
  }
  const tty = process.stderr.isTTY;
  const onProgress = options.quiet ? undefined : (kernel: SimKernel, wallMs: number): void => void process.stderr.write(tty ? `\r${progressLine(kernel, wallMs)}` : `${progressLine(kernel, wallMs)}\n`);
  const result = runSim(scenario, options, onProgress);
  if (tty && !options.quiet) process.stderr.write("\r\u001b[K");
  if (typeof result === "string") return usageError("sim", result, "picket sim --help");
  let deterministic = true;
  let secondHash = "";
  if (options.verify) {
    const again = runSim(scenario, options);
    secondHash = typeof again === "string" ? again : again.summary.traceHash;
    deterministic = secondHash === result.summary.traceHash;
  }
  if (options.json) {
    const out = { ...result.summary, wallMs: result.wallMs, speedup: result.speedup, eventsPerSecond: result.eventsPerSecond, reproduce, ...(options.verify ? { verified: deterministic, secondTraceHash: secondHash } : {}) };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatSummary(result, reproduce)}\n`);
    if (options.verify) process.stdout.write(`  determinism   ${deterministic ? "same trace hash on a second run" : `DIFFERENT trace hash on a second run: ${secondHash}`}\n`);
  }
  return result.summary.ok && deterministic ? 0 : 1;
}

export const simCommand: Command = {
  name: "sim",
  summary: "run a deterministic simulation scenario (virtual time, seeded faults) and print a summary",
  usage: USAGE,
  run: (args) => runSimCommand(args),
};
