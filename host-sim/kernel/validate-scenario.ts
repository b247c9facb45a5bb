/**
 * JSON scenario -> SimScenario, checking every field and reporting every
 * problem at once ("partitions[1].endMs: must be greater than startMs"), so a
 * bad scenario is fixed in one pass. Never throws, on any input. Unknown
 * fields are errors too (a typo must not silently fall back to a default).
 *
 * Every `...Ms` field takes an integer number of milliseconds or a duration
 * string with a unit: "250ms", "90s", "10m", "1h".
 *
 * Platform neutral: the CLI and the XS test entry use the same validator.
 */
import {
  SimLimit,
  type ClockSpec,
  type LinkOverride,
  type LinkParams,
  type OutageSpec,
  type PartitionSpec,
  type PingWorkloadSpec,
  type RandomOutageSpec,
  type RandomPartitionSpec,
  type SimLimits,
  type SimScenario,
  type SwizzleClogSpec,
  type TopologySpec,
} from "./scenario";

export type ScenarioValidation = { readonly ok: true; readonly scenario: SimScenario } | { readonly ok: false; readonly problems: readonly string[] };

type Raw = Readonly<Record<string, unknown>>;

const SEED_MAX = 0xffff_ffff;
const UNITS_MS: readonly (readonly [string, number])[] = Object.freeze([
  Object.freeze(["ms", 1] as const),
  Object.freeze(["s", 1000] as const),
  Object.freeze(["m", 60_000] as const),
  Object.freeze(["h", 3_600_000] as const),
]);

/** "90s" -> 90000; integer count and one unit of ms, s, m, h. -1 if malformed. */
export function parseDurationMs(text: string): number {
  let digits = 0;
  while (digits < text.length && digits < 16 && text.charCodeAt(digits) >= 0x30 && text.charCodeAt(digits) <= 0x39) digits++;
  if (digits === 0 || digits > 15) return -1;
  const count = Number(text.slice(0, digits));
  const unit = text.slice(digits);
  for (const [name, factor] of UNITS_MS) {
    if (unit === name) return Number.isSafeInteger(count * factor) ? count * factor : -1;
  }
  return -1;
}

function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads fields of one JSON object, recording a problem for each bad one. */
class Fields {
  readonly #raw: Raw;
  readonly #path: string;
  readonly #problems: string[];

  constructor(raw: Raw, path: string, problems: string[], known: readonly string[]) {
    this.#raw = raw;
    this.#path = path;
    this.#problems = problems;
    for (const key of Object.keys(raw)) {
      if (!known.includes(key)) problems.push(`${this.at(key)}: unknown field (known: ${known.join(", ")})`);
    }
  }

  at(key: string): string {
    return this.#path === "" ? key : `${this.#path}.${key}`;
  }

  problem(key: string, reason: string): void {
    this.#problems.push(`${this.at(key)}: ${reason}`);
  }

  has(key: string): boolean {
    return this.#raw[key] !== undefined;
  }

  int(key: string, min: number, max: number, fallback: number, unit = ""): number {
    const value = this.#raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(key, `must be an integer ${min}..${max}${unit}`);
      return fallback;
    }
    return value;
  }

  ms(key: string, min: number, max: number, fallback: number): number {
    const value = this.#raw[key];
    if (value === undefined) return fallback;
    const ms = typeof value === "string" ? parseDurationMs(value) : typeof value === "number" && Number.isSafeInteger(value) ? value : Number.NaN;
    if (!(ms >= min && ms <= max)) {
      this.problem(key, `must be ${min}..${max} ms (an integer, or a string like "90s", "10m", "1h")`);
      return fallback;
    }
    return ms;
  }

  bool(key: string, fallback: boolean): boolean {
    const value = this.#raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      this.problem(key, "must be true or false");
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(key: string, options: readonly T[], fallback: T): T {
    const value = this.#raw[key];
    if (value === undefined) return fallback;
    const match = options.find((option) => option === value);
    if (match === undefined) {
      this.problem(key, `must be one of ${options.map((o) => `"${o}"`).join(", ")}`);
      return fallback;
    }
    return match;
  }

  string(key: string, maxChars: number, fallback: string): string {
    const value = this.#raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== "string" || value.length < 1 || value.length > maxChars) {
      this.problem(key, `must be a string of 1..${maxChars} characters`);
      return fallback;
    }
    return value;
  }

  object(key: string): Raw | undefined {
    const value = this.#raw[key];
    if (value === undefined) return undefined;
    if (!isRecord(value)) {
      this.problem(key, "must be an object");
      return undefined;
    }
    return value;
  }

  array(key: string, maxLength: number): readonly unknown[] {
    const value = this.#raw[key];
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem(key, "must be an array");
      return [];
    }
    if (value.length > maxLength) {
      this.problem(key, `must have at most ${maxLength} entries`);
      return [];
    }
    return value as readonly unknown[];
  }

  /** An array of node ids, each 0..nodeCount-1, no repeats. */
  nodeIds(key: string, nodeCount: number): readonly number[] {
    const list = this.array(key, SimLimit.nodesMax);
    const ids: number[] = [];
    const seen = new Uint8Array(nodeCount);
    for (let i = 0; i < list.length; i++) {
      const id = list[i];
      if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0 || id >= nodeCount) {
        this.problem(`${key}[${i}]`, `must be a node id 0..${nodeCount - 1}`);
      } else if (seen[id] === 1) {
        this.problem(`${key}[${i}]`, `node ${id} is listed twice`);
      } else {
        seen[id] = 1;
        ids.push(id);
      }
    }
    return ids;
  }
}

/** Each entry of array field `key` that is an object, with its path. */
function entries(fields: Fields, key: string, maxLength: number): { raw: Raw; path: string }[] {
  const list = fields.array(key, maxLength);
  const out: { raw: Raw; path: string }[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const path = `${fields.at(key)}[${i}]`;
    if (isRecord(item)) out.push({ raw: item, path });
    else fields.problem(`${key}[${i}]`, "must be an object");
  }
  return out;
}

const TOP_FIELDS: readonly string[] = Object.freeze([
  "name",
  "description",
  "seed",
  "nodes",
  "durationMs",
  "startJitterMs",
  "topology",
  "link",
  "linkOverrides",
  "partitions",
  "randomPartitions",
  "swizzleClogs",
  "crashes",
  "pauses",
  "randomCrashes",
  "randomPauses",
  "clock",
  "workload",
  "limits",
]);

export function validateScenario(raw: unknown): ScenarioValidation {
  const problems: string[] = [];
  if (!isRecord(raw)) return { ok: false, problems: ["(root): a scenario must be a JSON object"] };
  const top = new Fields(raw, "", problems, TOP_FIELDS);
  if (top.has("description") && typeof raw["description"] !== "string") top.problem("description", "must be a string");
  const nodeCount = top.int("nodes", 1, SimLimit.nodesMax, 16, " (nodes)");
  const durationMs = top.ms("durationMs", 1, SimLimit.durationMsMax, 60_000);
  const limits = readLimits(top, problems);
  const link = readLink(top.object("link"), "link", problems, DEFAULT_LINK);
  const partitions = readPartitions(top, problems, nodeCount, durationMs);
  const randomPartitions = readRandomPartitions(top.object("randomPartitions"), problems, durationMs);
  if (partitions.length + randomPartitions.count > SimLimit.partitionsMax) {
    top.problem("partitions", `at most ${SimLimit.partitionsMax} partitions in all (explicit + randomPartitions.count)`);
  }
  const scenario: SimScenario = {
    name: top.string("name", SimLimit.nameCharsMax, "scenario"),
    seed: top.int("seed", 0, SEED_MAX, 1),
    nodeCount,
    durationMs,
    startJitterMs: top.ms("startJitterMs", 0, SimLimit.durationMsMax, 0),
    topology: readTopology(top.object("topology"), problems, nodeCount),
    link,
    linkOverrides: readOverrides(top, problems, nodeCount, link),
    partitions,
    randomPartitions,
    swizzleClogs: readSwizzles(top, problems),
    crashes: readOutages(top, "crashes", problems, nodeCount, true),
    pauses: readOutages(top, "pauses", problems, nodeCount, false),
    randomCrashes: readRandomOutages(top.object("randomCrashes"), "randomCrashes", problems),
    randomPauses: readRandomOutages(top.object("randomPauses"), "randomPauses", problems),
    clock: readClock(top.object("clock"), problems, nodeCount),
    workload: readWorkload(top.object("workload"), problems, limits),
    limits,
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, scenario };
}

const DEFAULT_LINK: LinkParams = Object.freeze({
  lossPpm: 0,
  latencyMinMs: 1,
  latencyMaxMs: 10,
  duplicatePpm: 0,
  reorderPpm: 0,
  reorderDelayMaxMs: 50,
});

const LINK_FIELDS: readonly string[] = Object.freeze(["lossPpm", "latencyMinMs", "latencyMaxMs", "duplicatePpm", "reorderPpm", "reorderDelayMaxMs"]);

function readLink(raw: Raw | undefined, path: string, problems: string[], base: LinkParams): LinkParams {
  if (raw === undefined) return base;
  return linkFrom(new Fields(raw, path, problems, LINK_FIELDS), base);
}

function linkFrom(f: Fields, base: LinkParams): LinkParams {
  const latencyMinMs = f.ms("latencyMinMs", 0, SimLimit.latencyMsMax, base.latencyMinMs);
  const latencyMaxMs = f.ms("latencyMaxMs", 0, SimLimit.latencyMsMax, Math.max(base.latencyMaxMs, latencyMinMs));
  if (latencyMaxMs < latencyMinMs) f.problem("latencyMaxMs", `must be at least latencyMinMs (${latencyMinMs})`);
  return {
    lossPpm: f.int("lossPpm", 0, SimLimit.ppmMax, base.lossPpm, " (parts per million)"),
    latencyMinMs,
    latencyMaxMs,
    duplicatePpm: f.int("duplicatePpm", 0, SimLimit.ppmMax, base.duplicatePpm, " (parts per million)"),
    reorderPpm: f.int("reorderPpm", 0, SimLimit.ppmMax, base.reorderPpm, " (parts per million)"),
    reorderDelayMaxMs: f.ms("reorderDelayMaxMs", 1, SimLimit.latencyMsMax, base.reorderDelayMaxMs),
  };
}

/** Per-link settings: fields not given keep the scenario's `link` values. */
function readOverrides(top: Fields, problems: string[], nodeCount: number, link: LinkParams): readonly LinkOverride[] {
  return entries(top, "linkOverrides", SimLimit.linksMax).map(({ raw, path }) => {
    const f = new Fields(raw, path, problems, [...LINK_FIELDS, "from", "to", "bothWays"]);
    const from = nodeField(raw, path, "from", problems, nodeCount);
    const to = nodeField(raw, path, "to", problems, nodeCount);
    if (from === to && f.has("from") && f.has("to")) f.problem("to", "must differ from from");
    return { from, to, bothWays: f.bool("bothWays", false), params: linkFrom(f, link) };
  });
}

function nodeField(raw: Raw, path: string, key: string, problems: string[], nodeCount: number): number {
  const value = raw[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value >= nodeCount) {
    problems.push(`${path}.${key}: must be a node id 0..${nodeCount - 1}`);
    return 0;
  }
  return value;
}

const TOPOLOGY_FIELDS: readonly string[] = Object.freeze([
  "kind",
  "layout",
  "spacingM",
  "widthM",
  "heightM",
  "areaPerNodeM2",
  "positions",
  "rangeM",
  "links",
  "directed",
]);

function readTopology(raw: Raw | undefined, problems: string[], nodeCount: number): TopologySpec {
  if (raw === undefined) return { kind: "full" };
  const f = new Fields(raw, "topology", problems, TOPOLOGY_FIELDS);
  const kind = f.oneOf("kind", ["radio", "full", "links"] as const, "full");
  if (kind === "full") return { kind };
  if (kind === "links") {
    const links = readPairs(f, "links", nodeCount);
    if (!f.has("links")) f.problem("links", "is required for kind \"links\"");
    return { kind, links, directed: f.bool("directed", false) };
  }
  const layout = f.oneOf("layout", ["line", "grid", "random", "positions"] as const, "random");
  const positions = layout === "positions" ? readPositions(f, nodeCount) : [];
  // areaPerNodeM2 keeps a random layout's density when the node count changes (--nodes).
  const areaPerNodeM2 = f.int("areaPerNodeM2", 0, SimLimit.coordinateMMax, 0, " (square metres per node)");
  if (areaPerNodeM2 > 0 && (f.has("widthM") || f.has("heightM"))) f.problem("areaPerNodeM2", "give either areaPerNodeM2 or widthM/heightM, not both");
  // Fits without a cap: nodesMax (2^16) x coordinateMMax (2^24) square metres is a side of at most 2^20 m.
  const sideM = integerSqrt(nodeCount * areaPerNodeM2);
  return {
    kind,
    layout,
    spacingM: f.int("spacingM", 0, SimLimit.coordinateMMax, 100, " (m)"),
    widthM: areaPerNodeM2 > 0 ? sideM : f.int("widthM", 0, SimLimit.coordinateMMax, 1000, " (m)"),
    heightM: areaPerNodeM2 > 0 ? sideM : f.int("heightM", 0, SimLimit.coordinateMMax, 1000, " (m)"),
    positions,
    rangeM: f.int("rangeM", 0, SimLimit.coordinateMMax, 250, " (m)"),
  };
}

/** floor(sqrt(value)) for a safe integer, exactly (the float estimate corrected by integer steps). */
function integerSqrt(value: number): number {
  let root = Math.floor(Math.sqrt(value));
  for (let step = 0; step < 4 && root * root > value; step++) root--;
  for (let step = 0; step < 4 && (root + 1) * (root + 1) <= value; step++) root++;
  return root;
}

function readPairs(f: Fields, key: string, nodeCount: number): readonly (readonly [number, number])[] {
  const list = f.array(key, SimLimit.linksMax);
  const pairs: (readonly [number, number])[] = [];
  for (let i = 0; i < list.length; i++) {
    const pair = list[i];
    const ok =
      Array.isArray(pair) &&
      pair.length === 2 &&
      pair.every((id: unknown) => typeof id === "number" && Number.isSafeInteger(id) && id >= 0 && id < nodeCount) &&
      pair[0] !== pair[1];
    if (!ok) f.problem(`${key}[${i}]`, `must be [from, to]: two different node ids 0..${nodeCount - 1}`);
    else pairs.push([Number(pair[0]), Number(pair[1])]);
  }
  return pairs;
}

function readPositions(f: Fields, nodeCount: number): readonly (readonly [number, number])[] {
  const list = f.array("positions", SimLimit.nodesMax);
  if (list.length !== nodeCount) f.problem("positions", `must list exactly one [x, y] per node (${nodeCount}), got ${list.length}`);
  const positions: (readonly [number, number])[] = [];
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    const ok = Array.isArray(p) && p.length === 2 && p.every((v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= SimLimit.coordinateMMax);
    if (!ok) f.problem(`positions[${i}]`, `must be [x, y]: integers 0..${SimLimit.coordinateMMax} (m)`);
    else positions.push([Number(p[0]), Number(p[1])]);
  }
  return positions;
}

function readPartitions(top: Fields, problems: string[], nodeCount: number, durationMs: number): readonly PartitionSpec[] {
  return entries(top, "partitions", SimLimit.partitionsMax).map(({ raw, path }) => {
    const f = new Fields(raw, path, problems, ["startMs", "endMs", "sideA", "sideB", "symmetric"]);
    const startMs = f.ms("startMs", 0, SimLimit.durationMsMax, 0);
    const endMs = f.ms("endMs", 0, SimLimit.durationMsMax, durationMs);
    if (endMs <= startMs) f.problem("endMs", `must be greater than startMs (${startMs})`);
    const sideA = readSide(f, raw, "sideA", nodeCount);
    const sideB = f.has("sideB") ? f.nodeIds("sideB", nodeCount) : complement(sideA, nodeCount);
    for (const node of sideB) if (sideA.includes(node)) f.problem("sideB", `node ${node} is on both sides`);
    if (!f.has("sideA")) f.problem("sideA", "is required: a list of node ids, or {\"belowPermille\": N} for the nodes with id < nodes x N / 1000");
    return { startMs, endMs, sideA, sideB, symmetric: f.bool("symmetric", true) };
  });
}

/** sideA: a list of ids, or {"belowPermille": N}: ids below nodes x N / 1000 (scales with --nodes). */
function readSide(f: Fields, raw: Raw, key: string, nodeCount: number): readonly number[] {
  const value = raw[key];
  if (!isRecord(value)) return f.nodeIds(key, nodeCount);
  const side = new Fields(value, f.at(key), [], ["belowPermille"]);
  const permille = side.int("belowPermille", 1, 999, -1);
  if (permille < 0 || Object.keys(value).length !== 1) {
    f.problem(key, "must be a list of node ids, or {\"belowPermille\": 1..999}");
    return [];
  }
  const below = Math.max(1, Math.floor((nodeCount * permille) / 1000));
  return Array.from({ length: Math.min(below, nodeCount) }, (_unused, i) => i);
}

function complement(side: readonly number[], nodeCount: number): readonly number[] {
  const inSide = new Uint8Array(nodeCount);
  for (const node of side) inSide[node] = 1;
  const out: number[] = [];
  for (let node = 0; node < nodeCount; node++) if (inSide[node] === 0) out.push(node);
  return out;
}

function readRandomPartitions(raw: Raw | undefined, problems: string[], durationMs: number): RandomPartitionSpec {
  if (raw === undefined) return { count: 0, durationMinMs: 1, durationMaxMs: 1, asymmetricPpm: 0 };
  const f = new Fields(raw, "randomPartitions", problems, ["count", "durationMinMs", "durationMaxMs", "asymmetricPpm"]);
  const durationMinMs = f.ms("durationMinMs", 1, SimLimit.durationMsMax, Math.max(1, Math.floor(durationMs / 10)));
  const durationMaxMs = f.ms("durationMaxMs", 1, SimLimit.durationMsMax, Math.max(durationMinMs, Math.floor(durationMs / 4)));
  if (durationMaxMs < durationMinMs) f.problem("durationMaxMs", `must be at least durationMinMs (${durationMinMs})`);
  return {
    count: f.int("count", 0, SimLimit.partitionsMax, 1),
    durationMinMs,
    durationMaxMs,
    asymmetricPpm: f.int("asymmetricPpm", 0, SimLimit.ppmMax, 0, " (parts per million)"),
  };
}

function readSwizzles(top: Fields, problems: string[]): readonly SwizzleClogSpec[] {
  return entries(top, "swizzleClogs", SimLimit.swizzleClogsMax).map(({ raw, path }) => {
    const f = new Fields(raw, path, problems, ["startMs", "stepMs", "linkCount", "holdMs"]);
    return {
      startMs: f.ms("startMs", 0, SimLimit.durationMsMax, 0),
      stepMs: f.ms("stepMs", 0, SimLimit.durationMsMax, 100),
      linkCount: f.int("linkCount", 1, SimLimit.linksMax, 1, " (links)"),
      holdMs: f.ms("holdMs", 0, SimLimit.durationMsMax, 0),
    };
  });
}

function readOutages(top: Fields, key: string, problems: string[], nodeCount: number, forever: boolean): readonly OutageSpec[] {
  return entries(top, key, SimLimit.outagesMax).map(({ raw, path }) => {
    const f = new Fields(raw, path, problems, ["node", "atMs", "durationMs"]);
    const node = nodeField(raw, path, "node", problems, nodeCount);
    const atMs = f.ms("atMs", 0, SimLimit.durationMsMax, 0);
    if (!f.has("atMs")) f.problem("atMs", "is required");
    // A crash without durationMs (or with -1) is permanent; a pause always ends.
    const never = forever && (raw["durationMs"] === undefined || raw["durationMs"] === -1);
    const durationMs = never ? -1 : f.ms("durationMs", 1, SimLimit.durationMsMax, 1000);
    if (!forever && !f.has("durationMs")) f.problem("durationMs", "is required (a pause always ends)");
    return { node, atMs, durationMs };
  });
}

function readRandomOutages(raw: Raw | undefined, path: string, problems: string[]): RandomOutageSpec {
  if (raw === undefined) return { count: 0, durationMinMs: 1, durationMaxMs: 1 };
  const f = new Fields(raw, path, problems, ["count", "durationMinMs", "durationMaxMs"]);
  const durationMinMs = f.ms("durationMinMs", 1, SimLimit.durationMsMax, 1000);
  const durationMaxMs = f.ms("durationMaxMs", 1, SimLimit.durationMsMax, Math.max(durationMinMs, 10_000));
  if (durationMaxMs < durationMinMs) f.problem("durationMaxMs", `must be at least durationMinMs (${durationMinMs})`);
  return { count: f.int("count", 0, SimLimit.outagesMax, 1), durationMinMs, durationMaxMs };
}

function readClock(raw: Raw | undefined, problems: string[], nodeCount: number): ClockSpec {
  if (raw === undefined) return { driftPpmMax: 0, offsetMsMax: 0, nodes: [] };
  const f = new Fields(raw, "clock", problems, ["driftPpmMax", "offsetMsMax", "nodes"]);
  const nodes = entries(f, "nodes", SimLimit.nodesMax).map(({ raw: entry, path }) => {
    const e = new Fields(entry, path, problems, ["node", "driftPpm", "offsetMs"]);
    return {
      node: nodeField(entry, path, "node", problems, nodeCount),
      driftPpm: e.int("driftPpm", -SimLimit.driftPpmMax, SimLimit.driftPpmMax, 0, " (ppm)"),
      offsetMs: e.ms("offsetMs", 0, SimLimit.clockOffsetMsMax, 0),
    };
  });
  return {
    driftPpmMax: f.int("driftPpmMax", 0, SimLimit.driftPpmMax, 0, " (ppm)"),
    offsetMsMax: f.ms("offsetMsMax", 0, SimLimit.clockOffsetMsMax, 0),
    nodes,
  };
}

function readWorkload(raw: Raw | undefined, problems: string[], limits: SimLimits): PingWorkloadSpec {
  const fallback: PingWorkloadSpec = { kind: "ping", periodMs: 1000, mode: "unicast", ack: false, messageBytes: Math.min(16, limits.maxMessageBytes) };
  if (raw === undefined) return fallback;
  const f = new Fields(raw, "workload", problems, ["kind", "periodMs", "mode", "ack", "messageBytes"]);
  const messageBytes = f.int("messageBytes", 12, SimLimit.maxMessageBytesMax, fallback.messageBytes, " (bytes)");
  if (messageBytes > limits.maxMessageBytes) f.problem("messageBytes", `must be at most limits.maxMessageBytes (${limits.maxMessageBytes})`);
  return {
    kind: f.oneOf("kind", ["ping"] as const, "ping"),
    periodMs: f.ms("periodMs", 1, SimLimit.timerDelayMsMax, 1000),
    mode: f.oneOf("mode", ["unicast", "broadcast"] as const, "unicast"),
    ack: f.bool("ack", false),
    messageBytes,
  };
}

function readLimits(top: Fields, problems: string[]): SimLimits {
  const raw = top.object("limits");
  const fallback: SimLimits = { eventQueueCapacity: 0, maxMessageBytes: 64, timersPerNode: 4 };
  if (raw === undefined) return fallback;
  const f = new Fields(raw, "limits", problems, ["eventQueueCapacity", "maxMessageBytes", "timersPerNode"]);
  const eventQueueCapacity = f.int("eventQueueCapacity", 0, SimLimit.eventQueueCapacityMax, 0, " (events; 0 = derived)");
  if (eventQueueCapacity > 0 && eventQueueCapacity < SimLimit.eventQueueCapacityMin) {
    f.problem("eventQueueCapacity", `must be 0 (derived) or at least ${SimLimit.eventQueueCapacityMin}`);
  }
  return {
    eventQueueCapacity,
    maxMessageBytes: f.int("maxMessageBytes", 12, SimLimit.maxMessageBytesMax, 64, " (bytes)"),
    timersPerNode: f.int("timersPerNode", 1, SimLimit.timersPerNodeMax, 4, " (timers)"),
  };
}
