/**
 * A site file (sites/*.json): the boards, where they are, which are
 * gateways, what every board runs (one site configuration template), what
 * happens to the sensors (scripted intrusions, ramps, faults) and to the
 * boards (graceful shutdowns, crashes), and the radio links.
 *
 * `validateSiteSpec` checks everything and lists every problem at once:
 *  - the simulator's fields (topology, link, crashes, pauses, partitions,
 *    clock, startJitterMs, ...) go to the kernel's own validator
 *    (host-sim/kernel/validate-scenario.ts), with its messages;
 *  - `board` plus the site's `gateways` is the one site configuration every
 *    board boots (siteConfigOf), validated by agent/config.ts, problems
 *    prefixed `board.`; node id, role and gateway preference are each
 *    board's provisioning record (site.ts boardIdentity);
 *  - `gateways`, `events` and `shutdowns` here.
 * Board i is kernel node i and mesh node id i + 1. Platform neutral (runs on
 * XS for the parity test); never throws.
 */
import { validateSiteConfig } from "../../agent/config";
import { sensorPartByName } from "../../agent/sensor-parts";
import { SIM_EVENT_AMOUNT_MAX, SIM_FOREVER_MS, SIM_SCRIPT_EVENTS_MAX, SimEventKind, type SimEvent } from "../../hal/sim/sensors/script";
import { parseDurationMs, validateScenario } from "../kernel/validate-scenario";
import type { SimScenario } from "../kernel/scenario";
import { SITE_ROUTED_NODES_MAX } from "./routes";
import { SITE_NODE_TIMERS } from "./site-node";

export interface ShutdownPlan {
  readonly board: number;
  /** Board-local time of the graceful shutdown request. */
  readonly atMs: number;
  /** How long the board stays off after it stopped, then boots again. */
  readonly offMs: number;
}

/**
 * What a run must reach (README "Site scale"): a run that misses one says
 * so and `picket site` exits 1. Each is optional; none set = no verdict
 * beyond the invariants and the alert check.
 */
export interface SiteTargets {
  /** Least share of the routine readings produced before the drain phase that reach a gateway, percent. */
  readonly readingsPercent?: number;
  /** Least share of the alerts raised before the drain phase delivered, percent (100 = every one). */
  readonly alertsPercent?: number;
  /** Largest 99th-percentile alert latency, virtual ms. */
  readonly alertLatencyP99Ms?: number;
}

export interface SiteSpec {
  readonly name: string;
  readonly seed: number;
  readonly boards: number;
  /** The production phase: boards sample and report from 0 to here (virtual ms). */
  readonly durationMs: number;
  /**
   * The drain phase after it: the run goes on to durationMs + drainMs so
   * that what was produced has time to arrive; the headline counts only
   * readings produced before it (host-sim/site/site.ts runSite).
   */
  readonly drainMs: number;
  readonly targets: SiteTargets;
  /** Board indices of the gateways. */
  readonly gateways: readonly number[];
  /** The site configuration template (JSON) every board starts from. */
  readonly board: Readonly<Record<string, unknown>>;
  /** Sensor scripts: scripts[board][sensor], undefined when none. */
  readonly scripts: readonly (readonly (readonly SimEvent[] | undefined)[])[];
  readonly shutdowns: readonly ShutdownPlan[];
  /** Alerts raised after this (virtual ms) may still be in flight at the end; the acceptance check stops here. */
  readonly quietAfterMs: number;
  readonly scenario: SimScenario;
  /** Which transport the boards run (transport-factory.ts). */
  readonly transport: SiteTransportKind;
}

/** "mesh": core/mesh MeshTransport on the simulated radio; "stand-in": stand-in-transport.ts (no security). */
export type SiteTransportKind = "mesh" | "stand-in";
export const SITE_TRANSPORT_KINDS: readonly SiteTransportKind[] = Object.freeze(["mesh", "stand-in"] as const);
/** What a site file without a `transport` field runs. */
export const DEFAULT_SITE_TRANSPORT: SiteTransportKind = "mesh";

export type SiteValidation = { readonly ok: true; readonly spec: SiteSpec } | { readonly ok: false; readonly problems: readonly string[] };

type Raw = Readonly<Record<string, unknown>>;

const SITE_FIELDS: readonly string[] = Object.freeze(["name", "description", "seed", "boards", "durationMs", "gateways", "board", "events", "shutdowns", "quietAfterMs", "transport", "drainMs", "targets"]);
/** A site file without `drainMs` drains for two minutes: twice the longest routine interval of the demo's board (4 x 15 s under congestion, agent/config.ts uplink.intervalMaxMs), so the headline is about losses. */
export const DEFAULT_DRAIN_MS = 120_000;
const TARGET_FIELDS: readonly string[] = Object.freeze(["readingsPercent", "alertsPercent", "alertLatencyP99Ms"]);
/** Kernel scenario fields a site file may set (passed to validateScenario). */
const KERNEL_FIELDS: readonly string[] = Object.freeze([
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
  "limits",
]);
const EVENT_FIELDS: readonly string[] = Object.freeze(["boards", "sensor", "kind", "atMs", "untilMs", "durationMs", "amount", "permille", "channelMask"]);
const EVENT_KINDS: readonly (readonly [string, SimEventKind])[] = Object.freeze([
  Object.freeze(["offset", SimEventKind.Offset] as const),
  Object.freeze(["ramp", SimEventKind.Ramp] as const),
  Object.freeze(["set", SimEventKind.Set] as const),
  Object.freeze(["noiseBurst", SimEventKind.NoiseBurst] as const),
  Object.freeze(["stuckAt", SimEventKind.StuckAt] as const),
  Object.freeze(["dropout", SimEventKind.Dropout] as const),
  Object.freeze(["spike", SimEventKind.Spike] as const),
]);
export const GATEWAYS_PER_SITE_MAX = 4;
/** Frame = stand-in header (20) + the largest message the boards may send (radio.maxMessageBytes <= 1024). */
const SITE_MAX_FRAME_BYTES = 1100;

function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ms(value: unknown): number {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : -1;
  if (typeof value === "string") return parseDurationMs(value);
  return -1;
}

export function validateSiteSpec(raw: unknown): SiteValidation {
  if (!isRecord(raw)) return { ok: false, problems: ["(root): a site file must be a JSON object"] };
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!SITE_FIELDS.includes(key) && !KERNEL_FIELDS.includes(key)) problems.push(`${key}: unknown field (site: ${SITE_FIELDS.join(", ")}; simulator: ${KERNEL_FIELDS.join(", ")})`);
  }
  const boards = raw["boards"];
  const boardCount = typeof boards === "number" && Number.isSafeInteger(boards) && boards >= 1 && boards <= SITE_ROUTED_NODES_MAX ? boards : 0;
  if (boardCount === 0) problems.push(`boards: must be an integer 1..${SITE_ROUTED_NODES_MAX}`);
  const drainMs = raw["drainMs"] === undefined ? DEFAULT_DRAIN_MS : ms(raw["drainMs"]);
  if (drainMs < 0) problems.push(`drainMs: must be a duration (ms, or "90s", "2m"), 0 for none`);
  const targets = readTargets(raw["targets"], problems);
  const scenario = kernelScenario(raw, boardCount, Math.max(0, drainMs), problems);
  const gateways = readGateways(raw["gateways"], boardCount, problems);
  const template = isRecord(raw["board"]) ? raw["board"] : undefined;
  if (template === undefined) problems.push("board: must be an object (the site configuration every board starts from)");
  else checkBoardTemplate(template, gateways, Math.max(1, boardCount), problems);
  const durationMs = Math.max(0, (scenario?.durationMs ?? 0) - Math.max(0, drainMs));
  const scripts = readEvents(raw["events"], boardCount, template, problems);
  const shutdowns = readShutdowns(raw["shutdowns"], boardCount, durationMs, problems);
  // With a drain phase every alert of the production phase has time to arrive; without one the last quarter may still be in flight.
  const quiet = raw["quietAfterMs"] === undefined ? (drainMs > 0 ? durationMs : Math.floor((durationMs * 3) / 4)) : ms(raw["quietAfterMs"]);
  if (quiet < 0 || quiet > durationMs) problems.push("quietAfterMs: must be a duration within durationMs");
  const rawTransport = raw["transport"] ?? DEFAULT_SITE_TRANSPORT;
  const transport = SITE_TRANSPORT_KINDS.find((kind) => kind === rawTransport);
  if (transport === undefined) problems.push(`transport: must be one of ${SITE_TRANSPORT_KINDS.map((k) => `"${k}"`).join(", ")}`);
  if (problems.length > 0 || scenario === undefined || template === undefined || transport === undefined) return { ok: false, problems };
  return {
    ok: true,
    spec: {
      name: scenario.name,
      seed: scenario.seed,
      boards: boardCount,
      durationMs,
      drainMs,
      targets,
      gateways,
      board: template,
      scripts,
      shutdowns,
      quietAfterMs: quiet,
      scenario,
      transport,
    },
  };
}

/** The kernel scenario: the site's simulator fields, its size and seed, and limits the site needs. */
function kernelScenario(raw: Raw, boardCount: number, drainMs: number, problems: string[]): SimScenario | undefined {
  const kernel: Record<string, unknown> = {
    name: raw["name"] ?? "site",
    seed: raw["seed"] ?? 1,
    nodes: boardCount > 0 ? boardCount : 1,
    durationMs: raw["durationMs"] ?? "5m",
    // The kernel needs a workload spec; the site replaces the workload with its boards.
    workload: { kind: "ping", periodMs: 1000, messageBytes: 16 },
  };
  for (const key of KERNEL_FIELDS) if (raw[key] !== undefined) kernel[key] = raw[key];
  const limits = isRecord(raw["limits"]) ? raw["limits"] : {};
  kernel["limits"] = { maxMessageBytes: SITE_MAX_FRAME_BYTES, timersPerNode: SITE_NODE_TIMERS, ...limits };
  let validation = validateScenario(kernel);
  if (!validation.ok) {
    for (const problem of validation.problems) problems.push(problem);
    return undefined;
  }
  // The kernel runs the production phase and the drain phase after it.
  if (drainMs > 0) {
    validation = validateScenario({ ...kernel, durationMs: validation.scenario.durationMs + drainMs });
    if (!validation.ok) {
      for (const problem of validation.problems) problems.push(problem.startsWith("durationMs") ? `drainMs: durationMs + drainMs: ${problem}` : problem);
      return undefined;
    }
  }
  // A board needs its driver's timer, the shutdown timer and the radio's timer (site-node.ts).
  if (validation.scenario.limits.timersPerNode < SITE_NODE_TIMERS) {
    problems.push(`limits.timersPerNode: a site board uses ${SITE_NODE_TIMERS} kernel timers`);
    return undefined;
  }
  return validation.scenario;
}

function readGateways(raw: unknown, boardCount: number, problems: string[]): readonly number[] {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > GATEWAYS_PER_SITE_MAX) {
    problems.push(`gateways: must be a list of 1..${GATEWAYS_PER_SITE_MAX} board indices`);
    return [];
  }
  const ids: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const id: unknown = raw[i];
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0 || id >= boardCount) problems.push(`gateways[${i}]: must be a board index 0..${boardCount - 1}`);
    else if (ids.includes(id)) problems.push(`gateways[${i}]: board ${id} is listed twice`);
    else ids.push(id);
  }
  return Object.freeze(ids);
}

/**
 * The template plus the site's gateways is the one site configuration every
 * board boots from (node id and role come from each board's provisioning
 * record), so it must be valid as a whole.
 */
function checkBoardTemplate(template: Raw, gateways: readonly number[], boardCount: number, problems: string[]): void {
  for (const key of ["nodeId", "role", "gateways"]) {
    if (template[key] !== undefined) problems.push(`board.${key}: is set per board by the site (remove it from the template)`);
  }
  const validation = validateSiteConfig(siteConfigOf(template, gateways, boardCount));
  if (validation.ok) return;
  for (const problem of validation.problems) {
    const line = `board.${problem.field}: ${problem.reason}`;
    if (!problems.includes(line)) problems.push(line);
  }
}

/**
 * The site configuration every board of the site is built with: the
 * template, the gateway boards' node ids in the site's order, and
 * radio.siteSize = the number of boards unless the template sets it.
 */
export function siteConfigOf(template: Raw, gateways: readonly number[], boardCount: number): Record<string, unknown> {
  const radio = isRecord(template["radio"]) ? template["radio"] : {};
  return { ...template, gateways: gateways.map((g) => g + 1), radio: { siteSize: boardCount, ...radio } };
}

function sensorCount(template: Raw | undefined): number {
  const sensors = template?.["sensors"];
  return Array.isArray(sensors) ? sensors.length : 1;
}

function readEvents(raw: unknown, boardCount: number, template: Raw | undefined, problems: string[]): readonly (readonly (readonly SimEvent[] | undefined)[])[] {
  const sensors = sensorCount(template);
  const scripts: (SimEvent[] | undefined)[][] = [];
  for (let b = 0; b < boardCount; b++) scripts.push(new Array<SimEvent[] | undefined>(sensors).fill(undefined));
  if (raw === undefined) return scripts;
  if (!Array.isArray(raw)) {
    problems.push("events: must be a list");
    return scripts;
  }
  for (let i = 0; i < raw.length; i++) {
    const item: unknown = raw[i];
    const path = `events[${i}]`;
    if (!isRecord(item)) {
      problems.push(`${path}: must be an object`);
      continue;
    }
    const event = readEvent(item, path, sensors, problems);
    const targets = readBoardList(item["boards"], `${path}.boards`, boardCount, problems);
    if (event === undefined) continue;
    for (const board of targets) {
      const row = scripts[board];
      if (row === undefined) continue;
      const list = row[event.sensor] ?? [];
      if (list.length >= SIM_SCRIPT_EVENTS_MAX) problems.push(`${path}: board ${board} sensor ${event.sensor} has more than ${SIM_SCRIPT_EVENTS_MAX} events`);
      list.push(event.event);
      row[event.sensor] = list;
    }
  }
  return scripts;
}

function readEvent(item: Raw, path: string, sensors: number, problems: string[]): { sensor: number; event: SimEvent } | undefined {
  const before = problems.length;
  for (const key of Object.keys(item)) if (!EVENT_FIELDS.includes(key)) problems.push(`${path}.${key}: unknown field (known: ${EVENT_FIELDS.join(", ")})`);
  const sensor = item["sensor"] ?? 0;
  if (typeof sensor !== "number" || !Number.isSafeInteger(sensor) || sensor < 0 || sensor >= sensors) problems.push(`${path}.sensor: must be a sensor index 0..${sensors - 1} of the board template`);
  const kind = EVENT_KINDS.find(([name]) => name === item["kind"])?.[1];
  if (kind === undefined) problems.push(`${path}.kind: must be one of ${EVENT_KINDS.map(([name]) => name).join(", ")}`);
  const atMs = ms(item["atMs"]);
  if (atMs < 0) problems.push(`${path}.atMs: must be a duration (ms, or "90s", "2m")`);
  let untilMs = SIM_FOREVER_MS;
  if (item["untilMs"] !== undefined && item["durationMs"] !== undefined) problems.push(`${path}: give untilMs or durationMs, not both`);
  else if (item["untilMs"] !== undefined) untilMs = ms(item["untilMs"]);
  else if (item["durationMs"] !== undefined) untilMs = ms(item["durationMs"]) < 0 ? -1 : atMs + ms(item["durationMs"]);
  if (untilMs <= atMs) problems.push(`${path}: the event must end after it starts`);
  const amount = item["amount"] ?? 0;
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || Math.abs(amount) > SIM_EVENT_AMOUNT_MAX) problems.push(`${path}.amount: must be an integer within ±${SIM_EVENT_AMOUNT_MAX}`);
  const permille = item["permille"];
  if (permille !== undefined && (typeof permille !== "number" || !Number.isSafeInteger(permille) || permille < 0 || permille > 1000)) problems.push(`${path}.permille: must be 0..1000`);
  const mask = item["channelMask"];
  if (mask !== undefined && (typeof mask !== "number" || !Number.isSafeInteger(mask) || mask < 1 || mask > 0xff)) problems.push(`${path}.channelMask: must be 1..255`);
  if (problems.length > before || kind === undefined) return undefined;
  const event: SimEvent = {
    kind,
    atMs,
    untilMs,
    amount: amount as number,
    ...(typeof permille === "number" ? { permille } : {}),
    ...(typeof mask === "number" ? { channelMask: mask } : {}),
  };
  return { sensor: sensor as number, event };
}

/** A list of board indices, or "all". */
function readBoardList(raw: unknown, path: string, boardCount: number, problems: string[]): readonly number[] {
  if (raw === "all") return Array.from({ length: boardCount }, (_, i) => i);
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push(`${path}: must be "all" or a list of board indices`);
    return [];
  }
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const id: unknown = raw[i];
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0 || id >= boardCount) problems.push(`${path}[${i}]: must be a board index 0..${boardCount - 1}`);
    else if (!out.includes(id)) out.push(id);
  }
  return out;
}

function readShutdowns(raw: unknown, boardCount: number, durationMs: number, problems: string[]): readonly ShutdownPlan[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push("shutdowns: must be a list");
    return [];
  }
  const plans: ShutdownPlan[] = [];
  for (let i = 0; i < raw.length; i++) {
    const item: unknown = raw[i];
    const path = `shutdowns[${i}]`;
    if (!isRecord(item)) {
      problems.push(`${path}: must be an object`);
      continue;
    }
    for (const key of Object.keys(item)) if (!["board", "atMs", "offMs"].includes(key)) problems.push(`${path}.${key}: unknown field (known: board, atMs, offMs)`);
    const board = item["board"];
    const atMs = ms(item["atMs"]);
    const offMs = ms(item["offMs"] ?? 1000);
    const badBoard = typeof board !== "number" || !Number.isSafeInteger(board) || board < 0 || board >= boardCount;
    if (badBoard) problems.push(`${path}.board: must be a board index 0..${boardCount - 1}`);
    if (atMs < 0 || atMs >= durationMs) problems.push(`${path}.atMs: must be a duration within the run`);
    if (offMs < 1) problems.push(`${path}.offMs: must be a duration of at least 1 ms`);
    if (!badBoard && atMs >= 0 && offMs >= 1) plans.push(Object.freeze({ board: board as number, atMs, offMs }));
  }
  plans.sort((a, b) => a.board - b.board || a.atMs - b.atMs);
  for (let i = 1; i < plans.length; i++) {
    const previous = plans[i - 1];
    const plan = plans[i];
    if (previous !== undefined && plan !== undefined && previous.board === plan.board && plan.atMs < previous.atMs + previous.offMs + 1000) {
      problems.push(`shutdowns: board ${plan.board} is shut down again before it is back up (at ${plan.atMs} ms)`);
    }
  }
  return Object.freeze(plans);
}

function readTargets(raw: unknown, problems: string[]): SiteTargets {
  if (raw === undefined) return Object.freeze({});
  if (!isRecord(raw)) {
    problems.push("targets: must be an object (readingsPercent, alertsPercent, alertLatencyP99Ms)");
    return Object.freeze({});
  }
  for (const key of Object.keys(raw)) if (!TARGET_FIELDS.includes(key)) problems.push(`targets.${key}: unknown field (known: ${TARGET_FIELDS.join(", ")})`);
  const percent = (key: string): number | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 100) return value;
    problems.push(`targets.${key}: must be a percentage 0..100`);
    return undefined;
  };
  const readingsPercent = percent("readingsPercent");
  const alertsPercent = percent("alertsPercent");
  let alertLatencyP99Ms: number | undefined;
  if (raw["alertLatencyP99Ms"] !== undefined) {
    const value = ms(raw["alertLatencyP99Ms"]);
    if (value < 0) problems.push(`targets.alertLatencyP99Ms: must be a duration (ms, or "5s")`);
    else alertLatencyP99Ms = value;
  }
  return Object.freeze({
    ...(readingsPercent === undefined ? {} : { readingsPercent }),
    ...(alertsPercent === undefined ? {} : { alertsPercent }),
    ...(alertLatencyP99Ms === undefined ? {} : { alertLatencyP99Ms }),
  });
}

/** The part name of each template sensor (for reports). */
export function templateSensorParts(template: Raw): readonly string[] {
  const sensors = template["sensors"];
  if (!Array.isArray(sensors)) return ["tmp117"];
  return sensors.map((s: unknown) => (isRecord(s) && typeof s["part"] === "string" && sensorPartByName(s["part"]) !== undefined ? s["part"] : "?"));
}
