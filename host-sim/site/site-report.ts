/**
 * The numbers of a site run, as plain data (what `picket site` prints and
 * `--json` writes, what the tests check), and its text rendering.
 * Built off the hot path: allocates freely. Platform neutral.
 */
import { KernelCounter } from "../kernel/counters";
import { RunState } from "../kernel/kernel";
import { PendingState, type PendingAlerts } from "../../core/uplink/pending-alerts";
import { MESSAGE_HEADER_BYTES } from "../../core/uplink/wire";
import { percentile } from "./gateway-sink";
import { NodeStat } from "./site-node";
import { siteDutyPermille, virtualFromLocal, type Site } from "./site";
import type { SiteSpec } from "./site-spec";
import type { AlertHopStats } from "./alert-trace";
import { HOUR_MS } from "../../core/mesh/duty-cycle";
import { MESH_COUNTER_NAMES } from "../../core/mesh/mesh-counters";
import { MESH_SITE_STAT_COUNT, MeshSiteStat } from "./mesh-site-transport";
import { siteTransportName } from "./transport-factory";
import { TRANSPORT_DROP_STATS, TRANSPORT_STAT_COUNT, TransportStat, transportStatName } from "./transport-stats";

const DROP_LABELS: Readonly<Record<string, string>> = Object.freeze({
  refusedTooLarge: "send refused: too large",
  refusedBroadcast: "send refused: broadcast (stand-in)",
  refusedNoRoute: "send refused: no route",
  refusedQueueFull: "send refused: transmit table full",
  refusedDutyCycle: "send refused: duty cycle",
  dropRxQueueFull: "receive ring full",
  dropInboxFull: "inbox full",
  dropDuplicate: "duplicate copy (retransmission) filtered",
  dropRetriesExhausted: "link retries exhausted",
  dropHopLimit: "hop limit",
  dropNoRoute: "relay: no route",
  dropDutyCycle: "relay: duty cycle",
  dropForwardQueueFull: "relay: transmit table full",
  dropMalformed: "malformed frame",
  dropNodeDown: "receiver off (shut down or booting)",
});

function dropLabel(stat: number): string {
  const name = transportStatName(stat);
  return DROP_LABELS[name] ?? name;
}

export interface SiteReport {
  readonly name: string;
  readonly seed: number;
  readonly boards: number;
  readonly gateways: readonly number[];
  readonly links: number;
  readonly transport: string;
  readonly state: "running" | "finished" | "violated" | "faulted" | "queue-full";
  readonly ok: boolean;
  readonly violation: string | undefined;
  readonly virtualMs: number;
  readonly events: number;
  readonly traceHash: string;
  readonly samples: number;
  /** Virtual ms of the production phase and of the drain phase after it (site-spec.ts). */
  readonly productionMs: number;
  readonly drainMs: number;
  /** Routine readings produced before the drain phase (the whole run when there is none). */
  readonly readingsProduced: number;
  /** Of those, delivered to a gateway by the end of the run. */
  readonly readingsDelivered: number;
  /** readingsDelivered / readingsProduced (NaN when none were produced): the headline. */
  readonly deliveryRatio: number;
  /** Over the whole run, drain phase included. */
  readonly readingsProducedWholeRun: number;
  readonly readingsDeliveredWholeRun: number;
  /** Produced but still in the boards' outboxes when the run ended (sent with the next uplink). */
  readonly readingsQueuedAtEnd: number;
  /** Handed to the transport (or a gateway's own sink) in batches it accepted. */
  readonly readingsSent: number;
  /** Whose batch the transport refused (dropped, never sent). */
  readonly readingsRefused: number;
  /** Pushed out of a full outbox (or refused by it) before they could be sent. */
  readonly readingsDroppedInOutbox: number;
  readonly samplesDelivered: number;
  readonly alertsRaised: number;
  readonly alertsDelivered: number;
  /** Raised before quietAfterMs and not delivered (must be 0). */
  readonly alertsRaisedNotDelivered: number;
  readonly alertsAbandoned: number;
  readonly alertsPendingAtEnd: number;
  readonly alertCopies: number;
  readonly alertLatencyP50Ms: number;
  readonly alertLatencyP99Ms: number;
  readonly alertLatencyMaxMs: number;
  /** Where alert time went (mesh sites; alert-trace.ts), else undefined. */
  readonly alertHops: AlertHopStats | undefined;
  readonly framesOnAir: number;
  readonly bytesOnAir: number;
  readonly airtimeMs: number;
  readonly retransmissions: number;
  readonly dutyCyclePermille: number;
  /** Mean and busiest board's airtime over the run, permille of time. */
  readonly dutyCycleMeanPermille: number;
  readonly dutyCycleMaxPermille: number;
  /**
   * Sliding-hour duty use (mesh sites; undefined for the stand-in): the
   * board with the most airtime in any hour of the run, that airtime as
   * permille of an hour, and where its hour starts (virtual ms). A run
   * shorter than an hour counts its whole airtime against one hour.
   */
  readonly dutyHour: { readonly worstBoard: number; readonly worstPermille: number; readonly worstHourStartMs: number } | undefined;
  readonly dropsByReason: Readonly<Record<string, number>>;
  readonly boots: number;
  readonly bootFailures: number;
  readonly crashes: number;
  readonly shutdowns: number;
  readonly storedStateChecks: number;
  readonly storedStateLost: number;
  readonly telemetryDuplicates: number;
  /** Telemetry messages a gateway handed in again after it rebooted (invariant site-delivered-once-across-reboots). */
  readonly telemetryRedeliveredAfterReboot: number;
  /** Alerts a gateway handed in again after it rebooted (same invariant). */
  readonly alertsRedeliveredAfterReboot: number;
  /** Frames whose nonce the site checked (site-nonce-unique; 0 when not checked), and the same frames seen again (relays, hop retransmissions). */
  readonly nonceFramesChecked: number;
  readonly nonceSameFrameRepeats: number;
  /** Invariants checked after every event. */
  readonly invariants: readonly string[];
  readonly taskFaults: number;
  readonly outboxHighWater: number;
  readonly outboxCapacity: number;
  readonly perBoard: readonly BoardReport[];
  /** Boards grouped by their distance in hops to the nearest gateway (sensors only). */
  readonly byHops: readonly HopBandReport[];
  /** What each gateway handed in, and its airtime. */
  readonly perGateway: readonly GatewayReport[];
  /** The site file's targets, each with what the run reached (empty when it sets none). */
  readonly targets: readonly TargetVerdict[];
}

export interface HopBandReport {
  readonly hops: number;
  readonly boards: number;
  readonly readingsProduced: number;
  readonly readingsDelivered: number;
  /** Frames these boards lost to collisions and to transmitting while a frame arrived (radio model). */
  readonly collisionLosses: number;
  readonly halfDuplexLosses: number;
  /** Worst alert latency of these boards' alerts (virtual ms), 0 when none. */
  readonly alertLatencyMaxMs: number;
}

export interface GatewayReport {
  readonly board: number;
  /** Telemetry records and alerts this gateway handed to the application (copies included). */
  readonly recordsHandedIn: number;
  readonly airtimeMs: number;
}

export interface TargetVerdict {
  readonly name: "readingsPercent" | "alertsPercent" | "alertLatencyP99Ms";
  readonly target: number;
  readonly actual: number;
  readonly met: boolean;
}

export interface BoardReport {
  readonly board: number;
  readonly gateway: boolean;
  readonly hops: number;
  readonly readingsProduced: number;
  readonly readingsDelivered: number;
  readonly alertsRaised: number;
  readonly alertsDelivered: number;
  /** Worst alert latency of this board's alerts (virtual ms), 0 when none. */
  readonly alertLatencyMaxMs: number;
  readonly airtimeMs: number;
  readonly collisionLosses: number;
  readonly halfDuplexLosses: number;
  /** Airtime in each clock hour of the run, permille of the hour, and in the board's worst sliding hour (mesh sites; else empty and 0). */
  readonly dutyPerHourPermille: readonly number[];
  readonly dutyWorstHourPermille: number;
}

const STATE_NAMES: readonly SiteReport["state"][] = Object.freeze(["running", "finished", "violated", "faulted", "queue-full"]);

/** µs of airtime as permille of an hour. */
function permilleOfHour(us: number): number {
  return us / HOUR_MS;
}

export function siteReport(site: Site): SiteReport {
  const { kernel, nodes, sink, spec, routes } = site;
  const sums = new Float64Array(64);
  const transport = new Float64Array(TRANSPORT_STAT_COUNT);
  const perBoard: BoardReport[] = [];
  let pendingAtEnd = 0;
  let queuedAtEnd = 0;
  let pendingRaisedLate = 0;
  let outboxHighWater = 0;
  let maxAirtime = 0;
  let outboxCapacity = 0;
  for (const node of nodes) {
    const totals = node.totals();
    for (let i = 0; i < totals.length; i++) sums[i] = (sums[i] ?? 0) + (totals[i] ?? 0);
    for (let i = 0; i < TRANSPORT_STAT_COUNT; i++) transport[i] = (transport[i] ?? 0) + (node.transportStats[i] ?? 0);
    outboxHighWater = Math.max(outboxHighWater, totals[NodeStat.outboxHighWater] ?? 0);
    const agent = node.agent;
    if (agent !== undefined) {
      pendingAtEnd += agent.pending.inUse + agent.pipeline.outbox.alertLength;
      queuedAtEnd += agent.pipeline.outbox.routineLength;
      outboxCapacity = agent.pipeline.outbox.capacity;
      pendingRaisedLate += pendingRaisedAfter(site, node.index, agent.pending, spec.quietAfterMs);
    }
    const airtime = node.transportStats[TransportStat.airtimeMs] ?? 0;
    if (airtime > maxAirtime) maxAirtime = airtime;
    const nearest = spec.gateways.reduce((best, g) => Math.min(best, routes.hops(node.index, g)), 0xffff);
    perBoard.push({
      board: node.index,
      gateway: spec.gateways.includes(node.index),
      hops: nearest,
      readingsProduced: site.cut ? (site.productionAtCut[node.index] ?? 0) : (totals[NodeStat.routineProduced] ?? 0),
      readingsDelivered: sink.telemetryBeforeCut[node.index] ?? 0,
      alertsRaised: totals[NodeStat.alertsRaised] ?? 0,
      alertsDelivered: sink.alertsDelivered[node.index] ?? 0,
      alertLatencyMaxMs: boardLatencyMax(sink, node.index),
      airtimeMs: airtime,
      collisionLosses: node.meshStats[MeshSiteStat.radioCollisionLosses] ?? 0,
      halfDuplexLosses: node.meshStats[MeshSiteStat.radioHalfDuplexLosses] ?? 0,
      dutyPerHourPermille: [],
      dutyWorstHourPermille: 0,
    });
  }
  const alertCount = Math.min(sink.alerts, sink.alertCapacity);
  let latencyMax = 0;
  for (let i = 0; i < alertCount; i++) latencyMax = Math.max(latencyMax, sink.alertLatencyMs[i] ?? 0);
  const producedWholeRun = sums[NodeStat.routineProduced] ?? 0;
  const deliveredWholeRun = sink.telemetryRecords.reduce((a, b) => a + b, 0);
  const produced = site.cut ? site.productionAtCut.reduce((a, b) => a + b, 0) : producedWholeRun;
  const delivered = sink.telemetryBeforeCut.reduce((a, b) => a + b, 0);
  const alertsDelivered = sink.alertsDelivered.reduce((a, b) => a + b, 0);
  const alertsRaised = sums[NodeStat.alertsRaised] ?? 0;
  const drops: Record<string, number> = {};
  const kernelDrops: readonly (readonly [string, KernelCounter])[] = [
    ["radio loss", KernelCounter.droppedLoss],
    ["partition", KernelCounter.droppedPartition],
    ["clogged link", KernelCounter.droppedClog],
    ["receiver down (kernel)", KernelCounter.droppedDown],
    ["receiver paused", KernelCounter.droppedPaused],
  ];
  for (const [name, counter] of kernelDrops) if (kernel.counter(counter) > 0) drops[name] = kernel.counter(counter);
  for (const stat of TRANSPORT_DROP_STATS) if ((transport[stat] ?? 0) > 0) drops[dropLabel(stat)] = transport[stat] ?? 0;
  if ((sums[NodeStat.routineDroppedInOutbox] ?? 0) > 0) drops["outbox full (oldest routine record)"] = sums[NodeStat.routineDroppedInOutbox] ?? 0;
  if ((sums[NodeStat.telemetryRecordsRefused] ?? 0) > 0) drops["telemetry refused by transport (records)"] = sums[NodeStat.telemetryRecordsRefused] ?? 0;
  addMeshDrops(nodes, drops);
  const virtualMs = Math.max(1, kernel.nowMs);
  const airtime = transport[TransportStat.airtimeMs] ?? 0;
  const state = kernel.runState;
  const violation = kernel.violation;
  const dutyCyclePermille = siteDutyPermille(spec);
  const hours = site.duty?.hours(kernel.nowMs);
  let dutyHour: SiteReport["dutyHour"] = undefined;
  if (hours !== undefined) {
    let worst = hours[0];
    for (const h of hours) if (worst === undefined || h.worstHourUs > worst.worstHourUs) worst = h;
    dutyHour = { worstBoard: worst?.board ?? 0, worstPermille: permilleOfHour(worst?.worstHourUs ?? 0), worstHourStartMs: worst?.worstHourStartMs ?? 0 };
  }
  const alertLatencyP99Ms = percentile(sink.alertLatencyMs, alertCount, 99);
  const deliveredAlerts: { source: number; raisedMs: number; deliveredMs: number }[] = [];
  for (let i = 0; i < alertCount; i++) deliveredAlerts.push({ source: sink.alertSource[i] ?? 0, raisedMs: (sink.alertDeliveredAtMs[i] ?? 0) - (sink.alertLatencyMs[i] ?? 0), deliveredMs: sink.alertDeliveredAtMs[i] ?? 0 });
  const alertHops = site.alertTrace?.stats(deliveredAlerts);
  const targets = verdicts(spec.targets, produced > 0 ? (100 * delivered) / produced : Number.NaN, alertsRaised > 0 ? (100 * Math.min(alertsRaised, alertsDelivered)) / alertsRaised : 100, alertLatencyP99Ms);
  const boards = hours === undefined ? perBoard : perBoard.map((b) => ({ ...b, dutyPerHourPermille: (hours[b.board]?.perHourUs ?? []).map(permilleOfHour), dutyWorstHourPermille: permilleOfHour(hours[b.board]?.worstHourUs ?? 0) }));
  return {
    name: spec.name,
    seed: spec.seed,
    boards: spec.boards,
    gateways: spec.gateways,
    links: kernel.topology.edgeCount,
    transport: siteTransportName(spec.transport),
    state: STATE_NAMES[state] ?? "running",
    ok: state === RunState.Finished && violation === undefined,
    violation: violation === undefined ? undefined : `${violation.invariant} at event ${violation.eventIndex} (t = ${violation.timeMs} ms): ${violation.detail}`,
    virtualMs: kernel.nowMs,
    events: kernel.eventCount,
    traceHash: kernel.trace.hex(),
    samples: sums[NodeStat.samples] ?? 0,
    productionMs: spec.durationMs,
    drainMs: spec.drainMs,
    readingsProduced: produced,
    readingsDelivered: delivered,
    deliveryRatio: produced > 0 ? delivered / produced : Number.NaN,
    readingsProducedWholeRun: producedWholeRun,
    readingsDeliveredWholeRun: deliveredWholeRun,
    readingsQueuedAtEnd: queuedAtEnd,
    readingsSent: sums[NodeStat.telemetryRecordsSent] ?? 0,
    readingsRefused: sums[NodeStat.telemetryRecordsRefused] ?? 0,
    readingsDroppedInOutbox: sums[NodeStat.routineDroppedInOutbox] ?? 0,
    samplesDelivered: sink.telemetrySamples.reduce((a, b) => a + b, 0),
    alertsRaised,
    alertsDelivered,
    alertsRaisedNotDelivered: Math.max(0, alertsRaised - alertsDelivered - pendingRaisedLate),
    alertsAbandoned: sums[NodeStat.alertsAbandoned] ?? 0,
    alertsPendingAtEnd: pendingAtEnd,
    alertCopies: sink.alertCopies.reduce((a, b) => a + b, 0),
    alertLatencyP50Ms: percentile(sink.alertLatencyMs, alertCount, 50),
    alertLatencyP99Ms,
    alertHops,
    alertLatencyMaxMs: latencyMax,
    framesOnAir: transport[TransportStat.framesSent] ?? 0,
    bytesOnAir: transport[TransportStat.bytesSent] ?? 0,
    airtimeMs: airtime,
    retransmissions: transport[TransportStat.retransmissions] ?? 0,
    dutyCyclePermille,
    dutyCycleMeanPermille: (1000 * airtime) / (virtualMs * Math.max(1, spec.boards)),
    dutyCycleMaxPermille: (1000 * maxAirtime) / virtualMs,
    dutyHour,
    dropsByReason: drops,
    boots: sums[NodeStat.boots] ?? 0,
    bootFailures: sums[NodeStat.bootFailures] ?? 0,
    crashes: sums[NodeStat.crashes] ?? 0,
    shutdowns: sums[NodeStat.shutdowns] ?? 0,
    storedStateChecks: sums[NodeStat.storedStateChecks] ?? 0,
    storedStateLost: sums[NodeStat.storedStateLost] ?? 0,
    telemetryDuplicates: sink.telemetryDuplicates,
    telemetryRedeliveredAfterReboot: sink.telemetryRedeliveredAfterReboot,
    alertsRedeliveredAfterReboot: sink.alertsRedeliveredAfterReboot,
    nonceFramesChecked: site.nonces?.framesRecorded ?? 0,
    nonceSameFrameRepeats: site.nonces?.sameFrameRepeats ?? 0,
    invariants: site.invariantNames,
    taskFaults: sums[NodeStat.taskFaults] ?? 0,
    outboxHighWater,
    outboxCapacity,
    perBoard: boards,
    byHops: hopBands(boards),
    perGateway: spec.gateways.map((g) => ({ board: g, recordsHandedIn: sink.byGateway[g] ?? 0, airtimeMs: boards[g]?.airtimeMs ?? 0 })),
    targets,
  };
}

/** Each target the site sets, against what the run reached (percentages 0..100, latency in ms). */
export function verdicts(targets: SiteSpec["targets"], readingsPercent: number, alertsPercent: number, alertLatencyP99Ms: number): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  // NaN (nothing produced, no alert) meets no "at least" target and no latency bound: a run that shows nothing proves nothing.
  if (targets.readingsPercent !== undefined) out.push({ name: "readingsPercent", target: targets.readingsPercent, actual: readingsPercent, met: readingsPercent >= targets.readingsPercent });
  if (targets.alertsPercent !== undefined) out.push({ name: "alertsPercent", target: targets.alertsPercent, actual: alertsPercent, met: alertsPercent >= targets.alertsPercent });
  if (targets.alertLatencyP99Ms !== undefined) out.push({ name: "alertLatencyP99Ms", target: targets.alertLatencyP99Ms, actual: alertLatencyP99Ms, met: alertLatencyP99Ms <= targets.alertLatencyP99Ms });
  return out;
}

function hopBands(boards: readonly BoardReport[]): HopBandReport[] {
  const bands = new Map<number, { boards: number; produced: number; delivered: number; collisions: number; halfDuplex: number; latency: number }>();
  for (const b of boards) {
    if (b.gateway) continue;
    const band = bands.get(b.hops) ?? { boards: 0, produced: 0, delivered: 0, collisions: 0, halfDuplex: 0, latency: 0 };
    band.boards++;
    band.produced += b.readingsProduced;
    band.delivered += b.readingsDelivered;
    band.collisions += b.collisionLosses;
    band.halfDuplex += b.halfDuplexLosses;
    band.latency = Math.max(band.latency, b.alertLatencyMaxMs);
    bands.set(b.hops, band);
  }
  return [...bands.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([hops, band]) => ({ hops, boards: band.boards, readingsProduced: band.produced, readingsDelivered: band.delivered, collisionLosses: band.collisions, halfDuplexLosses: band.halfDuplex, alertLatencyMaxMs: band.latency }));
}

function boardLatencyMax(sink: Site["sink"], board: number): number {
  let max = 0;
  const count = Math.min(sink.alerts, sink.alertCapacity);
  for (let i = 0; i < count; i++) if (sink.alertSource[i] === board && (sink.alertLatencyMs[i] ?? 0) > max) max = sink.alertLatencyMs[i] ?? 0;
  return max;
}

/** Pending alerts of a board raised (virtual time) after `quietAfterMs`: allowed to be still in flight at the end. */
function pendingRaisedAfter(site: Site, index: number, pending: PendingAlerts, quietAfterMs: number): number {
  let late = 0;
  for (let slot = 0; slot < pending.capacity; slot++) {
    if (pending.state(slot) === PendingState.Free) continue;
    const atMs = readU32(pending.bytes, pending.offsetOf(slot) + MESSAGE_HEADER_BYTES + 8);
    if (virtualFromLocal(site.kernel, index, atMs) > quietAfterMs) late++;
  }
  return late;
}

/** Text report (what `picket site` prints). */
export function formatSiteReport(r: SiteReport, wallMs: number): string {
  const n = (value: number): string => Math.round(value).toLocaleString("en-US");
  const count = (value: number, one: string, many = `${one}s`): string => `${n(value)} ${value === 1 ? one : many}`;
  const pct = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : "-");
  const msText = (value: number): string => (Number.isFinite(value) ? `${n(value)} ms` : "-");
  const drops = Object.entries(r.dropsByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ${n(count)}`);
  const lines = [
    `picket site: ${r.name}, seed ${r.seed}, ${r.boards} boards (${r.gateways.length} gateway${r.gateways.length === 1 ? "" : "s"}: board ${r.gateways.join(", ")}), ${n(r.links)} radio links`,
    `  result          ${!r.ok ? "FAILED" : r.targets.every((t) => t.met) ? "ok" : "FAILED (targets missed)"} (${r.state}), ${(r.virtualMs / 1000).toFixed(0)} s virtual in ${(wallMs / 1000).toFixed(2)} s wall, ${n(r.events)} events`,
    `  transport       ${r.transport}`,
    `  samples         ${n(r.samples)} taken`,
    r.drainMs > 0
      ? `  readings        ${n(r.readingsProduced)} window aggregates produced in the first ${seconds(r.productionMs)}, ${n(r.readingsDelivered)} of them delivered (${pct(r.deliveryRatio)}) by the end of a ${seconds(r.drainMs)} drain phase; whole run ${n(r.readingsDeliveredWholeRun)} of ${n(r.readingsProducedWholeRun)} (${n(r.readingsQueuedAtEnd)} still queued at the end), covering ${n(r.samplesDelivered)} samples`
      : `  readings        ${n(r.readingsProduced)} window aggregates produced, ${n(r.readingsDelivered)} delivered (${pct(r.deliveryRatio)}; ${n(r.readingsQueuedAtEnd)} still queued at the end; no drain phase), covering ${n(r.samplesDelivered)} samples`,
    `  by hops         ${r.byHops.map((band) => `${band.hops} hop${band.hops === 1 ? "" : "s"} (${band.boards}): ${pct(band.readingsProduced > 0 ? band.readingsDelivered / band.readingsProduced : Number.NaN)}, ${n(band.collisionLosses)} collisions`).join("; ")}`,
    `  gateways        ${r.perGateway.map((g) => `board ${g.board}: ${n(g.recordsHandedIn)} records, airtime ${(g.airtimeMs / 1000).toFixed(1)} s`).join("; ")}`,
    `  readings lost   ${readingsLost(r, n)}`,
    `  alerts          ${n(r.alertsRaised)} raised, ${n(r.alertsDelivered)} delivered; latency p50 ${msText(r.alertLatencyP50Ms)}, p99 ${msText(r.alertLatencyP99Ms)}, max ${msText(r.alertLatencyMaxMs)} (virtual)`,
    `                  undelivered (raised ${r.drainMs > 0 ? "before the drain phase" : "before the last quarter"}): ${n(r.alertsRaisedNotDelivered)}; abandoned ${n(r.alertsAbandoned)}; still pending at the end ${n(r.alertsPendingAtEnd)}; extra copies filtered ${n(r.alertCopies)}`,
    ...(r.alertHops === undefined
      ? []
      : [
          `  alert path      wait at the origin p50 ${msText(r.alertHops.originWaitP50Ms)}, p99 ${msText(r.alertHops.originWaitP99Ms)}; each hop p50 ${msText(r.alertHops.hopDelayP50Ms)}, p99 ${msText(r.alertHops.hopDelayP99Ms)}, max ${msText(r.alertHops.hopDelayMaxMs)} (${n(r.alertHops.hopDelays)} hops); end-to-end attempts mean ${Number.isFinite(r.alertHops.attemptsMean) ? r.alertHops.attemptsMean.toFixed(2) : "-"}, max ${n(r.alertHops.attemptsMax)}`,
        ]),
    `  on air          ${n(r.framesOnAir)} frames, ${n(r.bytesOnAir)} bytes, ${n(r.retransmissions)} retransmissions, airtime ${(r.airtimeMs / 1000).toFixed(1)} s`,
    `  duty cycle      mean ${(r.dutyCycleMeanPermille / 10).toFixed(2)} %, busiest board ${(r.dutyCycleMaxPermille / 10).toFixed(2)} % (budget ${(r.dutyCyclePermille / 10).toFixed(1)} %)`,
    ...(r.dutyHour === undefined
      ? []
      : [
          `  sliding hour    worst board ${r.dutyHour.worstBoard}: ${(r.dutyHour.worstPermille / 10).toFixed(2)} % of the hour from t = ${(r.dutyHour.worstHourStartMs / 1000).toFixed(0)} s (budget ${(r.dutyCyclePermille / 10).toFixed(1)} %${r.virtualMs < HOUR_MS ? "; the run is shorter than an hour" : ""}); per board and clock hour in --json`,
        ]),
    `  drops           ${drops.length > 0 ? drops.join(", ") : "none"}`,
    `  boards          ${count(r.boots, "boot")} (${n(r.bootFailures)} failed), ${count(r.crashes, "power loss", "power losses")}, ${count(r.shutdowns, "graceful shutdown")}; stored state checked at ${count(r.storedStateChecks, "reboot")}, lost ${n(r.storedStateLost)}`,
    `  capacities      outbox high water ${n(r.outboxHighWater)} of ${n(r.outboxCapacity)}; task faults ${n(r.taskFaults)}; duplicate telemetry at gateways ${n(r.telemetryDuplicates)}`,
    `  after reboots   ${n(r.telemetryRedeliveredAfterReboot)} telemetry messages and ${n(r.alertsRedeliveredAfterReboot)} alerts handed to the application again by a gateway that rebooted`,
    `  nonces          ${n(r.nonceFramesChecked)} frames checked (${n(r.nonceSameFrameRepeats)} relayed or repeated unchanged)`,
    `  invariants      ${r.invariants.length} checked after every event: ${r.invariants.join(", ")}`,
    `  trace hash      ${r.traceHash}`,
  ];
  if (r.targets.length > 0) lines.splice(2, 0, `  targets         ${r.targets.map((t) => targetText(t, n)).join("; ")}`);
  const worst = r.perBoard
    .filter((b) => !b.gateway && b.readingsProduced > 0)
    .sort((a, b) => a.readingsDelivered / a.readingsProduced - b.readingsDelivered / b.readingsProduced || a.board - b.board)
    .slice(0, 3)
    .map((b) => `board ${b.board} (${b.hops} hops) ${n(b.readingsDelivered)}/${n(b.readingsProduced)}, alert latency max ${msText(b.alertLatencyMaxMs)}`);
  if (worst.length > 0) lines.splice(r.targets.length > 0 ? 6 : 5, 0, `  worst boards    ${worst.join("; ")}`);
  if (r.violation !== undefined) lines.push(`  STOPPED         ${r.violation}`);
  return lines.join("\n");
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000} min` : `${(ms / 1000).toFixed(0)} s`;
}

export function targetText(t: TargetVerdict, n: (value: number) => string): string {
  const verdict = t.met ? "met" : "MISSED";
  if (t.name === "alertLatencyP99Ms") return `alert p99 <= ${n(t.target)} ms: ${Number.isFinite(t.actual) ? `${n(t.actual)} ms` : "no alerts"} ${verdict}`;
  const what = t.name === "readingsPercent" ? "readings" : "alerts";
  return `${what} >= ${t.target} %: ${Number.isFinite(t.actual) ? `${t.actual.toFixed(1)} %` : "none"} ${verdict}`;
}

/**
 * Where the readings that did not arrive are: still in an outbox at the
 * end, dropped before sending (outbox full, transport refused), or sent and
 * not delivered (in flight at the end, or lost on the way: the mesh's drop
 * counters say where).
 */
function readingsLost(r: SiteReport, n: (value: number) => string): string {
  const undelivered = Math.max(0, r.readingsSent - r.readingsDeliveredWholeRun);
  return `${n(r.readingsProducedWholeRun - r.readingsDeliveredWholeRun)} of ${n(r.readingsProducedWholeRun)} over the whole run: ${n(r.readingsQueuedAtEnd)} still in outboxes at the end, ${n(r.readingsDroppedInOutbox)} dropped from full outboxes, ${n(r.readingsRefused)} refused by the transport, ${n(undelivered)} sent but not delivered (in flight at the end or lost on the way)`;
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
}

/** Mesh drop/refusal/hold counters (names from core/mesh/mesh-counters.ts), summed over boards; nothing with the stand-in. */
function addMeshDrops(nodes: Site["nodes"], drops: Record<string, number>): void {
  const sums = new Float64Array(MESH_SITE_STAT_COUNT);
  for (const node of nodes) for (let i = 0; i < MESH_SITE_STAT_COUNT; i++) sums[i] = (sums[i] ?? 0) + (node.meshStats[i] ?? 0);
  for (let i = 0; i < MESH_COUNTER_NAMES.length; i++) {
    const name = MESH_COUNTER_NAMES[i] ?? "";
    const isDrop = /^(drop|send_refused|send_dropped|dropped|relay_(queue_full|rate_limited|hop_limit|duty)|control_queue_full|send_rate_limited|duty_cycle_held|channel_gate_held|ack_timeouts|hop_given_up|hop_watch_full|radio_fault|seal_failures)/.test(name);
    if (isDrop && (sums[i] ?? 0) > 0) drops[`mesh: ${name}`] = sums[i] ?? 0;
  }
  const radio: readonly (readonly [string, number])[] = [
    ["radio: collision", MeshSiteStat.radioCollisionLosses],
    ["radio: half duplex", MeshSiteStat.radioHalfDuplexLosses],
    ["radio: receive queue full", MeshSiteStat.radioReceiveQueueDropped],
  ];
  for (const [label, stat] of radio) if ((sums[stat] ?? 0) > 0) drops[label] = sums[stat] ?? 0;
}
