/**
 * What one board's XS memory holds, measured on the board's terms
 * (docs/architecture.md "Rules"): the literal build/device/main.js,
 * on the 32-bit XS host (16-byte slots), with Moddable preload emulated
 * (picket-xs --preload: module bodies run in a build machine that is then
 * frozen and shared as flash; the board runs in a clone whose heap starts
 * empty), counted from before the first line of `main` runs, with the
 * drivers' stand-ins, config parsing, the timer, the key table and the stack.
 *
 * The measured board boots alone on the virtual LoRa channel and hears, at
 * the same virtual times, every frame it heard in a recorded run of its
 * radio neighbourhood (a gateway and three sensors of a site of
 * `siteBoards`), so its receive path (beacons, hop acknowledgements,
 * forwarding, delivery at a gateway) runs on real sealed frames.
 *
 * Figures (bytes at 16-byte slots):
 *  - flash: what the preloaded modules' bodies created (the build machine's
 *    live heap after the link step), and the aliases it leaves (4 B of RAM
 *    each: unfrozen preloaded objects and non-const module variables);
 *  - moduleLoad: RAM after module load, before `main` (aliases + what the
 *    clone allocated to start); without preload, what evaluating the module
 *    bodies allocates in RAM instead;
 *  - boot / steady: live heap after boot and its maximum over the minutes of
 *    steady state (a full collection before each reading), less the flash
 *    partition's stand-in (its bytes are flash on a board);
 *  - ram: steady maximum + aliases + the XS stack (the platform's
 *    `creation.stack` slots) + the key table (`creation.keys.initial`
 *    pointers): what the platform's `creation.static` must hold.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { buildDevice } from "../../tools/build/build";
import { DEVICE_MAIN, repoRoot } from "../../tools/build/targets";
import { expectCompleted, runOnXs, type XsRecord } from "../../tools/xs/run-xs";
import { BOARD_ALERT_SLOTS, BOARD_PARTITION_BLOCK_BYTES, BOARD_PARTITION_BLOCKS, boardFields, boardSiteConfig, provisionedPartition, sparseImage } from "../../host-sim/device-scenarios/board-mesh";
import { MODDABLE_STUBS } from "../../host-sim/moddable/index";
import type { AgentRole } from "../../agent/config";
import { prepareLiteralFolder } from "./literal-device";
import { SimFlash } from "../../hal/sim/flash";
import { ErrorCode } from "../../core/runtime/errors";
import { AgentStore, StoreKey } from "../../agent/persistence";

export type BoardRole = "sensor" | "relay" | "gateway";

/** Node ids in the recorded neighbourhood: 1 is the gateway, 2 a sensor, 3 a relay (no sensors of its own), 4 a sensor. */
const NODE_FOR_ROLE: Readonly<Record<BoardRole, number>> = Object.freeze({ gateway: 1, sensor: 2, relay: 3 });
const NEIGHBOURHOOD_BOARDS = 4;
const PARTITION_BYTES = BOARD_PARTITION_BLOCK_BYTES * BOARD_PARTITION_BLOCKS;

export interface BoardMemoryCase {
  readonly role: BoardRole;
  /** Boards in the site (the provisioning record's highest sender id). */
  readonly siteBoards: number;
  /** Virtual minutes of steady state after boot. */
  readonly minutes: number;
  /** The image to run (default build/device/main.js, the ESP32 family's; build/device/nrf52/main.js for the nRF52). */
  readonly image?: string;
  /** Replay the neighbourhood's recorded frames (default true; env PICKET_NO_TRAFFIC=1 turns it off). */
  readonly traffic?: boolean;
  /** Also take a heap census after boot and at the end (what costs RAM, by kind and prototype; see `BoardMemory.census`). */
  readonly census?: boolean;
  /**
   * Fill the store so that the board's (n + 1)-th flash write after power-on
   * finds the log full and cleans a segment first (stackWorstCase): the
   * deepest flash path, wherever that write happens (boot, a send, a seal).
   */
  readonly cleanAtWrite?: number;
}

/** One row of a heap census: instances of one kind and prototype, the slots they hold and the chunk bytes they own. */
export interface CensusRow {
  readonly name: string;
  readonly instances: number;
  readonly slots: number;
  readonly chunkBytes: number;
}

/** A platform's `creation` values from manifest.json. */
export interface PlatformCreation {
  readonly name: string;
  readonly staticBytes: number;
  readonly stackSlots: number;
  readonly keysInitial: number;
}

export interface BoardMemory {
  readonly role: BoardRole;
  readonly image: string;
  readonly siteBoards: number;
  readonly slotBytes: number;
  /** The build machine's live heap after the link step (everything preload puts in flash, built-ins included). */
  readonly flashBytes: number;
  /** Of that, what the image's module bodies created (less an empty preload's heap, less byte code). */
  readonly flashObjectsBytes: number;
  /** Of that, the image's function byte code (in flash on a board with or without preload). */
  readonly flashCodeBytes: number;
  readonly aliases: number;
  readonly frozenFunctions: number;
  /** RAM after module load, before main(): aliases + the clone's own start. */
  readonly moduleLoadBytes: number;
  readonly bootBytes: number;
  readonly steadyMaxBytes: number;
  /** Live heap after each minute of steady state. */
  readonly minuteBytes: readonly number[];
  /** The driver's own table of readings (allocated after boot at its full length, left out of every reading). */
  readonly readingsBytes: number;
  readonly standInFlashBytes: number;
  readonly bootComputrons: number;
  /**
   * The deepest JS stack the agent reached, in slots, on the board's terms:
   * main() and every callback (timers, the radio's onReadable/onWritable)
   * measured from where it is called, as Moddable's event loop calls it on
   * an otherwise empty stack (xsBeginHost, then the call). The test
   * harness's own frames below those calls are not counted.
   */
  readonly stackPeakSlots: number;
  /** Of which: main() (boot) and the deepest callback. */
  readonly bootStackSlots: number;
  readonly callbackStackSlots: number;
  readonly keysUsed: number;
  /** Preloaded objects written at run time (each copied into RAM, included in the heap figures). */
  readonly aliased: number;
  readonly framesReplayed: number;
  readonly status: Readonly<Record<string, unknown>>;
  /** Segments the board's flash log cleaned during the run (-1: no store). */
  readonly segmentsCleaned: number;
  /** With `census`: the clone's heap after boot and at the end, and the preloaded instances that cost an alias. */
  readonly census?: { readonly boot: readonly CensusRow[]; readonly end: readonly CensusRow[]; readonly aliased: readonly CensusRow[] };
}

/** Names census rows on XS (picket-xs heapCensus: category 3 function, 100+kind internal kind, 1000+behaviour exotic). */
const CENSUS_JS = [
  `const censusKinds = { 117: "ArrayBuffer", 121: "Date", 122: "DataView", 126: "host", 127: "Map", 130: "Promise", 133: "Set", 135: "WeakMap", 136: "WeakRef", 137: "WeakSet", 141: "Error", 118: "callback", 119: "code", 128: "module", 129: "program" };`,
  `const censusBehaviours = ["ordinary", "arguments", "arguments", "Array", "environment", "global", "module namespace", "Proxy", "String", "typed array"];`,
  `const censusName = (row) => {`,
  `  let proto = "";`,
  `  try { const c = row.prototype === null ? undefined : Object.getOwnPropertyDescriptor(row.prototype, "constructor"); proto = c && typeof c.value === "function" ? c.value.name : row.prototype === null ? "null" : "?"; } catch { proto = "!"; }`,
  `  const k = row.category;`,
  `  const kind = k === 0 ? "object" : k === 3 ? "function" : k >= 1000 ? censusBehaviours[k - 1000] ?? "exotic" + k : censusKinds[k] ?? "internal" + (k - 100);`,
  `  if (k === 3) { try { const n = Object.getOwnPropertyDescriptor(row.sample, "name"); return "function " + (n && typeof n.value === "string" && n.value !== "" ? n.value : "(anonymous)"); } catch { return "function !"; } }`,
  // Ordinary objects are grouped by their first key too: name them by their keys.
  `  if (k === 0) { try { return kind + " " + proto + " {" + Object.keys(row.sample).slice(0, 4).join(",") + "}"; } catch { return kind + " " + proto; } }`,
  `  return kind + " " + proto;`,
  `};`,
  `const census = (shared) => heapCensus(shared).map((r) => ({ name: censusName(r), instances: r.instances, slots: r.slots, chunkBytes: r.chunkBytes })).sort((a, b) => b.slots * 16 + b.chunkBytes - a.slots * 16 - a.chunkBytes);`,
].join("\n");

/** The manifest's creation for each platform (the top-level one is the default). */
export function platformCreations(): readonly PlatformCreation[] {
  const manifest = JSON.parse(readFileSync(join(DEVICE_MAIN, "..", "..", "..", "manifest.json"), "utf8")) as {
    creation: { static: number; stack: number; keys: { initial: number } };
    platforms: Record<string, { creation?: { static: number; stack: number; keys: { initial: number } } }>;
  };
  const out: PlatformCreation[] = [];
  for (const [name, platform] of Object.entries(manifest.platforms)) {
    const c = platform.creation ?? manifest.creation;
    out.push({ name, staticBytes: c.static, stackSlots: c.stack, keysInitial: c.keys.initial });
  }
  return out;
}

/**
 * The memory budgets a board must meet (README "Board memory"): the share of
 * a platform's `creation.static` left free by a role on a site of
 * `siteBoards`, at least `headroom` (0.1 = 10 %). Sensors and relays leave
 * room for membership on the smallest board; a gateway, which also carries
 * the host bridge, on the ESP32.
 */
export interface MemoryBudget {
  readonly roles: readonly BoardRole[];
  readonly siteBoards: number;
  readonly platform: string;
  readonly headroom: number;
}

/**
 * creation.stack must hold the deepest stack measured (a log clean during a
 * flash write included: measureStackWorstCase) with this much to spare: the
 * paths no scenario reaches (a gateway's uplink with a clean, a fault's
 * report) are not much deeper than the ones measured, and a stack overflow
 * on a board is a panic. And it must not be more than STACK_SPARE_MAX of it:
 * each slot of stack is 16 B the heap does not get.
 */
export const STACK_MARGIN = 1.2;
export const STACK_SPARE_MAX = 1.5;

export const MEMORY_BUDGETS: readonly MemoryBudget[] = Object.freeze([
  { roles: ["sensor", "relay"], siteBoards: 33, platform: "nrf52", headroom: 0.1 },
  { roles: ["sensor", "relay"], siteBoards: 33, platform: "esp32/esp32c3", headroom: 0.4 },
  { roles: ["gateway"], siteBoards: 33, platform: "esp32", headroom: 0.4 },
] satisfies MemoryBudget[]);

/** The share of `platform`'s static block `memory` leaves free (negative: over). */
export function headroomOf(memory: BoardMemory, platform: PlatformCreation): number {
  return 1 - ramBytes(memory, platform) / platform.staticBytes;
}

/** What `memory` needs from a platform: the static block minus what the stack, keys and aliases take. */
export function ramBytes(memory: BoardMemory, platform: PlatformCreation, heapBytes = memory.steadyMaxBytes): number {
  return heapBytes + memory.aliases * 4 + platform.stackSlots * memory.slotBytes + platform.keysInitial * 4;
}

/** The one site configuration every board of the site boots (node id and role are in each board's record). */
/**
 * The demo site's sample ring (sites/demo.json `board.sampleRingCapacity`),
 * the reference configuration users start from; the device scenarios' own
 * setting (64) is a test value, not a site's.
 */
const DEMO_SAMPLE_RING_CAPACITY = 32;

function siteFor(siteBoards: number): Record<string, unknown> {
  const base = boardSiteConfig(NEIGHBOURHOOD_BOARDS);
  // Receive ceilings for every sender of the site (radio.siteSize): what a board of that site keeps.
  return { ...base, radio: { ...(base["radio"] as Record<string, unknown>), siteSize: siteBoards }, sampleRingCapacity: DEMO_SAMPLE_RING_CAPACITY, neighbourCapacity: Math.min(32, Math.max(8, siteBoards)) };
}

function roleOf(nodeId: number): BoardRole {
  return nodeId === NODE_FOR_ROLE.gateway ? "gateway" : nodeId === NODE_FOR_ROLE.relay ? "relay" : "sensor";
}

const importStubs = (): string => Object.keys(MODDABLE_STUBS).map((specifier) => `import ${JSON.stringify(specifier)};`).join("\n");

/**
 * `image` (a provisioned partition) with the log filled by rewrites of the
 * send-counter ceiling at its initial value (a no-op for the board: it
 * resumes at the same counter), so that the (n + 1)-th smallest write after
 * it is the first to clean a segment. Board writes are at least that small,
 * so cleaning happens at or before the board's (n + 1)-th write.
 */
export function imageThatCleansAt(image: Uint8Array, n: number, siteBoards: number): Uint8Array {
  const flash = SimFlash.create({ blockSizeBytes: BOARD_PARTITION_BLOCK_BYTES, blockCount: BOARD_PARTITION_BLOCKS });
  if (!flash.ok || flash.value.load(image) !== ErrorCode.Ok) throw new Error("cannot load the provisioned image");
  const store = AgentStore.open(flash.value, { alertSlots: BOARD_ALERT_SLOTS, siteSize: siteBoards }).store;
  if (store === undefined) throw new Error("the provisioned image does not mount");
  const ceiling = new Uint8Array(8); // ceiling 0: what a board with no stored ceiling resumes at
  const snapshots: Uint8Array[] = [];
  for (let writes = 0; writes < 100_000; writes++) {
    const snapshot = new Uint8Array(image.length);
    flash.value.copyTo(snapshot);
    snapshots.push(snapshot);
    if (snapshots.length > n + 1) snapshots.shift();
    const cleaned = store.segmentsCleaned;
    if (store.put(StoreKey.SendCounter, ceiling, 0, ceiling.length) !== ErrorCode.Ok) throw new Error("filler write failed");
    // This write cleaned: the image n writes before it cleans at its (n + 1)-th.
    if (store.segmentsCleaned > cleaned) {
      if (snapshots.length < n + 1) throw new Error(`the log cleans within ${n + 1} writes of provisioning`);
      return snapshots[0] as Uint8Array;
    }
  }
  throw new Error("the log never cleaned");
}

/** Record, on XS, every frame `nodeId`'s radio hears in its neighbourhood over `minutes`. */
async function recordNeighbourhood(c: BoardMemoryCase, folder: string): Promise<readonly (readonly [number, string])[]> {
  const { dir, control } = await prepareLiteralFolder(folder);
  const image = c.image ?? DEVICE_MAIN;
  const measured = NODE_FOR_ROLE[c.role];
  const boards = Array.from({ length: NEIGHBOURHOOD_BOARDS }, (_, i) => i + 1);
  const images = boards.map((id) => sparseImage(provisionedPartition(boardFields(id, c.siteBoards, roleOf(id) as AgentRole))));
  const site = siteFor(c.siteBoards);
  const driver = [
    `import main from ${JSON.stringify(image)};`,
    `import { advanceTo, resetVirtual, setSparsePartition, virtual } from ${JSON.stringify(control)};`,
    `const images = ${JSON.stringify(images)};`,
    `const site = ${JSON.stringify(site)};`,
    `resetVirtual({});`,
    `const heard = [];`,
    `for (let i = 0; i < ${boards.length}; i++) {`,
    `  setSparsePartition("storage-" + (i + 1), ${BOARD_PARTITION_BLOCK_BYTES}, ${PARTITION_BYTES}, images[i]);`,
    `  virtual.config = { picket: site, picketBoard: { storage: { partition: "storage-" + (i + 1) } } };`,
    `  const booted = main();`,
    `  if (!booted.ok) { print("@@picket " + JSON.stringify({ kind: "refused", node: i + 1, booted })); }`,
    `  if (i + 1 === ${measured}) {`,
    `    const radio = virtual.radios[virtual.radios.length - 1];`,
    `    const hear = radio.hear.bind(radio);`,
    `    radio.hear = (frame) => { let hex = ""; for (let k = 0; k < frame.length; k++) hex += (frame[k] + 0x100).toString(16).slice(1); heard.push([virtual.nowMs, hex]); hear(frame); };`,
    `  }`,
    `}`,
    `advanceTo(${c.minutes * 60_000});`,
    `print("@@picket " + JSON.stringify({ kind: "heard", heard }));`,
    `print("@@picket " + JSON.stringify({ kind: "done" }));`,
  ].join("\n");
  const path = join(dir, "record.js");
  writeFileSync(path, driver);
  const run = runOnXs(path, { cwd: dir });
  expectCompleted(run, `recording the neighbourhood of a ${c.role}`);
  const refused = run.records.find((r) => r.kind === "refused");
  if (refused !== undefined) throw new Error(`a neighbourhood board refused to boot: ${JSON.stringify(refused)}`);
  const heard = run.records.find((r) => r.kind === "heard");
  return (heard?.["heard"] as [number, string][] | undefined) ?? [];
}

function recordOf(records: readonly XsRecord[], kind: string, what: string): XsRecord {
  const found = records.find((r) => r.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} record from ${what}`);
  return found;
}

/** Measure one board (see the file comment). Needs the 32-bit host (setup builds it). */
/** Neighbourhood recordings already made in this process, by role, site, minutes and image (the same inputs give the same frames). */
const recorded = new Map<string, readonly (readonly [number, string])[]>();

export async function measureBoardMemory(c: BoardMemoryCase, folder = `memory-${c.role}-${c.siteBoards}${c.image === undefined ? "" : "-other"}${c.traffic === false ? "-quiet" : ""}`): Promise<BoardMemory> {
  if (!existsSync(DEVICE_MAIN)) await buildDevice("full");
  const traffic = c.traffic !== false && process.env["PICKET_NO_TRAFFIC"] !== "1";
  const recordKey = `${c.role}-${c.siteBoards}-${c.minutes}-${c.image ?? ""}`;
  let heard = traffic ? recorded.get(recordKey) : [];
  if (heard === undefined) {
    heard = await recordNeighbourhood(c, `${folder}-record`);
    recorded.set(recordKey, heard);
  }
  const { dir, control } = await prepareLiteralFolder(folder);
  const bundle = c.image ?? DEVICE_MAIN;
  const measured = NODE_FOR_ROLE[c.role];
  const provisioned = provisionedPartition(boardFields(measured, c.siteBoards, c.role as AgentRole));
  const image = sparseImage(c.cleanAtWrite === undefined ? provisioned : imageThatCleansAt(provisioned, c.cleanAtWrite, c.siteBoards));
  // The build machine: every module of the image, the site config (mc/config is preloaded on a board) and the test's own data.
  // The config is installed by a module of its own, evaluated before the image's: on a board mc/config exists before
  // any module body runs (the image validates it at module load, agent/moddable/main.ts).
  const configModule = join(dir, "site-config.js");
  writeFileSync(
    configModule,
    [
      `import { virtual } from ${JSON.stringify(control)};`,
      `virtual.config = Object.freeze({ picket: ${JSON.stringify(siteFor(c.siteBoards))}, picketBoard: { storage: { partition: "storage" } } }, true);`,
    ].join("\n"),
  );
  const preload = join(dir, "preload.js");
  writeFileSync(
    preload,
    [
      `import ${JSON.stringify(configModule)};`,
      `import main from ${JSON.stringify(bundle)};`,
      importStubs(),
      `export const replay = Object.freeze(${JSON.stringify(heard)}, true);`,
      `export const image = Object.freeze(${JSON.stringify(image)}, true);`,
      `export default main;`,
    ].join("\n"),
  );
  const run = join(dir, "run.js");
  writeFileSync(
    run,
    [
      `import main from ${JSON.stringify(bundle)};`,
      `import { advanceTo, resetVirtual, setSparsePartition, virtual } from ${JSON.stringify(control)};`,
      `import { replay, image } from ${JSON.stringify(preload)};`,
      // Readings are kept as numbers: a memory() result object kept alive would count as the board's own RAM.
      `const live = (m) => m.slots * m.slotBytes + m.chunkBytes;`,
      `const mark = () => { gc(); return live(memory()); };`,
      c.census === true ? CENSUS_JS : "",
      // The stand-ins' own tables (timers, partitions, radios) are made in RAM, before the first reading: they are not the board's.
      `resetVirtual(virtual.config);`,
      `const m0 = mark();`,
      `setSparsePartition("storage", ${BOARD_PARTITION_BLOCK_BYTES}, ${PARTITION_BYTES}, image);`,
      `const m1 = mark();`,
      `const standIn = m1 - m0;`,
      `const c0 = meter();`,
      // The board calls main() and then its callbacks from its native event loop on an empty JS stack: each is measured from where it is called.
      `const bootDepth = stack(2);`,
      `const booted = main();`,
      `const bootStackSlots = stack(1) - bootDepth;`,
      `const bootComputrons = meter() - c0;`,
      `if (!booted.ok) { print("@@picket " + JSON.stringify({ kind: "refused", booted })); }`,
      `const m2 = mark();`,
      c.census === true ? `const censusBoot = census(false), censusAliased = census(true);` : "",
      `const radio = virtual.radios[virtual.radios.length - 1];`,
      // The driver's own readings: allocated once at full length (a growing array would add a slot to every reading), then left out of them.
      `const minutes = new Array(${c.minutes}).fill(0);`,
      `const readings = mark() - m2;`,
      `let next = 0;`,
      `for (let minute = 1; minute <= ${c.minutes}; minute++) {`,
      `  const endMs = minute * 60000;`,
      `  while (next < replay.length && replay[next][0] <= endMs) {`,
      `    const at = replay[next][0], hex = replay[next][1];`,
      `    next++;`,
      `    advanceTo(at);`,
      `    const frame = new Uint8Array(hex.length / 2);`,
      `    for (let k = 0; k < frame.length; k++) frame[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);`,
      `    radio.hear(frame);`,
      `  }`,
      `  advanceTo(endMs);`,
      `  minutes[minute - 1] = mark() - standIn - readings;`,
      `}`,
      `const end = memory();`,
      c.census === true ? `print("@@picket " + JSON.stringify({ kind: "census", boot: censusBoot, end: census(false), aliased: censusAliased }));` : "",
      `const status = booted.ok ? booted.agent.status() : {};`,
      // Segments the board's flash log cleaned while it ran (the stack worst case must have made it clean).
      `const segmentsCleaned = booted.ok ? booted.agent.store.store?.segmentsCleaned ?? -1 : -1;`,
      `print("@@picket " + JSON.stringify({ kind: "memory", segmentsCleaned, moduleLoad: m0, aliases: end.aliases, aliased: end.aliased, standIn, boot: m2 - standIn, minutes, readings, bootComputrons, stackPeakSlots: Math.max(bootStackSlots, virtual.callbackStackPeakSlots), bootStackSlots, callbackStackSlots: virtual.callbackStackPeakSlots, keysUsed: end.keysUsed, slotBytes: end.slotBytes, framesReplayed: next, status }));`,
      `print("@@picket " + JSON.stringify({ kind: "done" }));`,
    ].join("\n"),
  );
  const result = runOnXs(run, { cwd: dir, variant: "m32", preload });
  expectCompleted(result, `the ${c.role} board of a ${c.siteBoards}-board site (32-bit XS, preload)`);
  const refused = result.records.find((r) => r.kind === "refused");
  if (refused !== undefined) throw new Error(`the measured board refused to boot: ${JSON.stringify(refused)}`);
  const pre = recordOf(result.records, "preload", "picket-xs");
  const empty = emptyPreload(dir);
  const m = recordOf(result.records, "memory", "the memory run");
  const minuteBytes = m["minutes"] as number[];
  const slotBytes = m["slotBytes"] as number;
  const aliases = m["aliases"] as number;
  return {
    role: c.role,
    image: relative(repoRoot, bundle),
    siteBoards: c.siteBoards,
    slotBytes,
    flashBytes: (pre["slots"] as number) * (pre["slotBytes"] as number) + (pre["chunkBytes"] as number),
    flashObjectsBytes:
      ((pre["slots"] as number) - empty.slots) * (pre["slotBytes"] as number) + (pre["chunkBytes"] as number) - empty.chunkBytes - (pre["codeBytes"] as number),
    flashCodeBytes: pre["codeBytes"] as number,
    aliases,
    frozenFunctions: pre["frozenFunctions"] as number,
    moduleLoadBytes: (m["moduleLoad"] as number) + aliases * 4,
    bootBytes: m["boot"] as number,
    steadyMaxBytes: Math.max(m["boot"] as number, ...minuteBytes),
    minuteBytes,
    readingsBytes: m["readings"] as number,
    standInFlashBytes: m["standIn"] as number,
    bootComputrons: m["bootComputrons"] as number,
    stackPeakSlots: m["stackPeakSlots"] as number,
    bootStackSlots: m["bootStackSlots"] as number,
    callbackStackSlots: m["callbackStackSlots"] as number,
    keysUsed: m["keysUsed"] as number,
    aliased: m["aliased"] as number,
    framesReplayed: m["framesReplayed"] as number,
    status: m["status"] as Record<string, unknown>,
    segmentsCleaned: m["segmentsCleaned"] as number,
    ...(c.census === true ? { census: recordOf(result.records, "census", "the census") as unknown as NonNullable<BoardMemory["census"]> } : {}),
  };
}

/** The build machine's live heap when the preload imports nothing (the engine's built-ins). */
function emptyPreload(dir: string): { readonly slots: number; readonly chunkBytes: number } {
  const empty = join(dir, "empty-preload.js");
  writeFileSync(empty, "export {};\n");
  const done = join(dir, "empty-run.js");
  writeFileSync(done, `print("@@picket " + JSON.stringify({ kind: "done" }));\n`);
  const result = runOnXs(done, { cwd: dir, variant: "m32", preload: empty });
  expectCompleted(result, "an empty preload (32-bit XS)");
  const pre = recordOf(result.records, "preload", "picket-xs");
  return { slots: pre["slots"] as number, chunkBytes: pre["chunkBytes"] as number };
}

/**
 * What evaluating the module bodies allocates in RAM when nothing is
 * preloaded (a board whose manifest does not preload `main`), on 32-bit XS:
 * the live heap after importing the image, less the engine's own start.
 */
export async function moduleLoadWithoutPreload(folder = "memory-no-preload"): Promise<number> {
  if (!existsSync(DEVICE_MAIN)) await buildDevice("full");
  const { dir } = await prepareLiteralFolder(folder);
  const run = join(dir, "no-preload.js");
  writeFileSync(
    run,
    [
      `const live = (m) => m.slots * m.slotBytes + m.chunkBytes;`,
      `gc(); const before = live(memory());`,
      `await import(${JSON.stringify(DEVICE_MAIN)});`,
      `gc(); const after = live(memory());`,
      `print("@@picket " + JSON.stringify({ kind: "no-preload", bytes: after - before }));`,
      `print("@@picket " + JSON.stringify({ kind: "done" }));`,
    ].join("\n"),
  );
  const result = runOnXs(run, { cwd: dir, variant: "m32" });
  expectCompleted(result, "module load without preload (32-bit XS)");
  return recordOf(result.records, "no-preload", "the no-preload run")["bytes"] as number;
}

/** The deepest stack of `role` when its log must clean during one of its first `writes` flash writes (`cleanAtWrite` 0..writes-1), one virtual minute each. */
export interface StackWorstCase {
  readonly role: BoardRole;
  readonly siteBoards: number;
  /** Per cleanAtWrite: the stack peak (slots, board terms: BoardMemory.stackPeakSlots). */
  readonly peaks: readonly number[];
  /** Per cleanAtWrite: the segments the board's log cleaned (each run must have cleaned). */
  readonly cleaned: readonly number[];
  readonly worstSlots: number;
}

/** Flash writes a sensor makes in its first minute (its boot record, its first send-counter reservation): the writes measureStackWorstCase makes clean. */
export const STACK_CLEAN_WRITES = 2;

export async function measureStackWorstCase(role: BoardRole, siteBoards: number, writes: number, image?: string): Promise<StackWorstCase> {
  const peaks: number[] = [];
  const cleaned: number[] = [];
  for (let n = 0; n < writes; n++) {
    const m = await measureBoardMemory({ role, siteBoards, minutes: 1, cleanAtWrite: n, ...(image === undefined ? {} : { image }) }, `stack-${role}-${siteBoards}-clean${n}${image === undefined ? "" : "-other"}`);
    peaks.push(m.stackPeakSlots);
    cleaned.push(m.segmentsCleaned);
  }
  return { role, siteBoards, peaks, cleaned, worstSlots: Math.max(...peaks) };
}
