/**
 * A simulated site: every board a SiteNode (a full agent) in the
 * deterministic kernel, with routes from the topology, a gateway sink on the
 * gateway boards, and site invariants checked after every event on top of
 * the kernel's own:
 *  - `site-capacities`: the agent and transport of the node that just ran
 *    stay within every capacity (outbox, histories, pending alerts,
 *    scheduler, log ring, duplicate filter, transport rings and tables);
 *  - `site-stored-state`: no board lost acknowledged stored state across a
 *    shutdown or power loss (checked at each boot, site-node.ts);
 *  - `site-at-most-once`: no gateway handed the application the same
 *    telemetry message twice within one of its boots (or through two
 *    gateways), nor the same alert twice within one of its boots (the
 *    transport's at-most-once promise and the gateway's alert filter);
 *  - `site-nonce-unique` (mesh sites): no AEAD nonce went on the air twice
 *    under one key with different contents, seen at every board's air port
 *    (nonce-ledger.ts);
 *  - `site-delivered-once-across-reboots`: no gateway handed the
 *    application a telemetry message or an alert again after it rebooted
 *    (receive state that does not survive a reboot lets a replayed or
 *    retransmitted frame in once more; gateway-sink.ts);
 *  - `site-duty-hour` (mesh sites): no board's airtime in the hour ending
 *    at any of its transmissions exceeds its duty-cycle budget
 *    (duty-ledger.ts; ETSI EN 300 220's sliding hour).
 * Each can be switched off by name (SiteOptions.invariants), e.g. to show
 * that another one fires on an injected fault; all are on by default.
 * Same spec (seed included) and code => same trace hash, on V8 and on XS.
 */
import { AgentRole, validateSiteConfig, type BoardIdentity } from "../../agent/config";
import { localTimeMs } from "../kernel/drift";
import { KERNEL_INVARIANTS } from "../kernel/invariants";
import type { InvariantFactory, SimInspect } from "../kernel/inspect";
import { RunState, SimKernel } from "../kernel/kernel";
import type { SimWorkload } from "../kernel/node";
import { buildTopology } from "../kernel/topology";
import { createStream, StreamPurpose } from "../kernel/streams";
import { SiteSink, type SiteClock } from "./gateway-sink";
import { DutyLedger } from "./duty-ledger";
import { AlertTrace } from "./alert-trace";
import { SIM_AIR_PREFIX_BYTES, SimAirFlag } from "../../hal/sim/radio";
import { NonceLedger } from "./nonce-ledger";
import { RouteTable } from "./routes";
import { SITE_COUNTER_NAMES, SiteNode, NodeStat } from "./site-node";
import { siteConfigOf, type SiteSpec } from "./site-spec";
import { createSiteTransportContext } from "./transport-factory";

export interface Site {
  readonly spec: SiteSpec;
  readonly kernel: SimKernel;
  readonly nodes: readonly SiteNode[];
  readonly sink: SiteSink;
  readonly routes: RouteTable;
  /** Every nonce on the air (mesh sites with `site-nonce-unique` on), else undefined. */
  readonly nonces: NonceLedger | undefined;
  /** Every board's airtime over time (mesh sites), else undefined. */
  readonly duty: DutyLedger | undefined;
  /** Every alert frame on the air, by hop (mesh sites; alert-trace.ts), else undefined. */
  readonly alertTrace: AlertTrace | undefined;
  /** Names of the invariants checked after every event, kernel's first. */
  readonly invariantNames: readonly string[];
  /** Set by `cutProduction` when the drain phase begins. */
  cut: boolean;
  /** Per board: routine readings it had produced when the drain phase began (valid once `cut`). */
  readonly productionAtCut: Float64Array;
}

/** The site's own invariants (see the top of this file). */
export const SITE_INVARIANT_NAMES = Object.freeze(["site-capacities", "site-stored-state", "site-at-most-once", "site-nonce-unique", "site-delivered-once-across-reboots", "site-duty-hour"] as const);
export type SiteInvariantName = (typeof SITE_INVARIANT_NAMES)[number];

export type SiteBuild = { readonly ok: true; readonly site: Site } | { readonly ok: false; readonly problems: readonly string[] };

export interface SiteOptions {
  /** Unique alerts the sink can record (default 65536). */
  readonly alertCapacity?: number;
  /** Default true: check the kernel's and the site's invariants after every event. */
  readonly checkInvariants?: boolean;
  /** Switch single site invariants off (false) by name; each defaults to on. */
  readonly invariants?: { readonly [name in SiteInvariantName]?: boolean };
  /** Distinct (key, counter) pairs the nonce ledger can hold (default NONCE_LEDGER_DEFAULT_CAPACITY). */
  readonly nonceLedgerCapacity?: number;
}

/** The one site configuration every board boots from, as one firmware image per site (site-spec.ts siteConfigOf). */
export function siteConfig(spec: SiteSpec): Record<string, unknown> {
  return siteConfigOf(spec.board, spec.gateways, spec.boards);
}

/**
 * What board `index` is provisioned as, as an installer would: node id
 * index + 1; a gateway if the site lists it, else a sensor preferring the
 * gateways nearest first (where it stands).
 */
export function boardIdentity(spec: SiteSpec, routes: RouteTable, index: number): BoardIdentity {
  const isGateway = spec.gateways.includes(index);
  const preferredGateways = isGateway ? [] : [...spec.gateways].sort((a, b) => routes.hops(index, a) - routes.hops(index, b) || a - b).map((g) => g + 1);
  return { nodeId: index + 1, role: isGateway ? AgentRole.Gateway : AgentRole.Sensor, preferredGateways };
}

export function buildSite(spec: SiteSpec, options: SiteOptions = {}): SiteBuild {
  const scenario = spec.scenario;
  // The kernel builds the same topology from the same stream; routes are computed from it up front.
  const built = buildTopology(scenario, createStream(scenario.seed, StreamPurpose.Topology, 0));
  if (!built.ok) return { ok: false, problems: built.problems };
  const routes = new RouteTable(built.topology);
  const config = siteConfig(spec);
  const validation = validateSiteConfig(config);
  if (!validation.ok) return { ok: false, problems: validation.problems.map((p) => `board.${p.field}: ${p.reason}`) };
  const transport = createSiteTransportContext(spec.transport, spec.boards);
  if (typeof transport === "string") return { ok: false, problems: [`transport: ${transport}`] };
  const sink = new SiteSink(spec.boards, options.alertCapacity ?? 65_536);
  const unknown = Object.keys(options.invariants ?? {}).filter((name) => !(SITE_INVARIANT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) return { ok: false, problems: unknown.map((name) => `invariants.${name}: no such site invariant (known: ${SITE_INVARIANT_NAMES.join(", ")})`) };
  const checking = options.checkInvariants !== false;
  const on = (name: SiteInvariantName): boolean => checking && options.invariants?.[name] !== false;
  // Only the mesh seals frames; the stand-in's frames carry no nonce.
  const nonces = on("site-nonce-unique") && spec.transport === "mesh" ? new NonceLedger(options.nonceLedgerCapacity) : undefined;
  // Airtime by the mesh's own LoRa table (the stand-in's frames have a model of their own and no duty ledger).
  const duty = transport.kind === "mesh" ? new DutyLedger(spec.boards, siteDutyPermille(spec)) : undefined;
  const airtime = transport.kind === "mesh" ? transport.mesh.airtime : undefined;
  const alertTrace = transport.kind === "mesh" ? new AlertTrace(spec.boards) : undefined;
  const onAir =
    nonces === undefined && duty === undefined && alertTrace === undefined
      ? undefined
      : (board: number, air: Uint8Array, airBytes: number): void => {
          nonces?.recordAir(board, air, airBytes);
          alertTrace?.recordAir(board, air, airBytes);
          // A radio frame behind the air port's flag byte (hal/sim/radio.ts); injected test frames take no airtime.
          if (duty !== undefined && airtime !== undefined && airBytes > SIM_AIR_PREFIX_BYTES && air[0] === SimAirFlag.Radio) duty.record(board, airtime.airtimeUs(airBytes - SIM_AIR_PREFIX_BYTES));
        };
  const nodes: SiteNode[] = [];
  for (let b = 0; b < spec.boards; b++) {
    nodes.push(
      new SiteNode({
        index: b,
        config,
        identity: boardIdentity(spec, routes, b),
        routes,
        sink: spec.gateways.includes(b) ? sink.sinkFor(b) : undefined,
        onBoot: spec.gateways.includes(b) ? (): void => sink.gatewayBooted(b) : undefined,
        onAir,
        scripts: spec.scripts[b] ?? [],
        shutdowns: spec.shutdowns.filter((plan) => plan.board === b),
        seed: spec.seed,
        transport,
      }),
    );
  }
  const workload: SimWorkload = { name: "site", counterNames: SITE_COUNTER_NAMES, createNode: (index) => nodes[index] ?? nodes[0] ?? new SiteNodePlaceholder() };
  const invariants: InvariantFactory[] = checking ? [...KERNEL_INVARIANTS] : [];
  if (on("site-capacities")) invariants.push(siteCapacities(nodes));
  if (on("site-stored-state")) invariants.push(siteStoredState(nodes));
  if (on("site-at-most-once")) invariants.push(siteAtMostOnce(sink));
  if (nonces !== undefined) invariants.push(siteNonceUnique(nonces));
  if (on("site-delivered-once-across-reboots")) invariants.push(siteDeliveredOnceAcrossReboots(sink));
  if (duty !== undefined && on("site-duty-hour")) invariants.push(siteDutyHour(duty));
  const kernelBuild = SimKernel.create(scenario, workload, { invariants, guardComponents: true });
  if (!kernelBuild.ok) return { ok: false, problems: kernelBuild.problems };
  const kernel = kernelBuild.kernel;
  sink.attachClock(kernelClock(kernel));
  nonces?.attachEvents(kernel.event);
  duty?.attachEvents(kernel.event);
  alertTrace?.attachEvents(kernel.event);
  return { ok: true, site: { spec, kernel, nodes, sink, routes, nonces, duty, alertTrace, invariantNames: kernel.invariantNames, cut: false, productionAtCut: new Float64Array(spec.boards) } };
}

/** Never used: `createNode` is only called with indices of existing boards. */
class SiteNodePlaceholder {
  onStart(): void {}
  onMessage(): void {}
  onTimer(): void {}
  onCrash(): void {}
  onRestart(): void {}
}

function kernelClock(kernel: SimKernel): SiteClock {
  return {
    virtualNowMs: () => kernel.nowMs,
    virtualFromLocal: (index, localMs) => virtualFromLocal(kernel, index, localMs),
  };
}

/**
 * Virtual time at which `index`'s clock read `localMs` (mod 2^32, as on the
 * wire): invert local(t) = offset + t + floor(t * drift / 10^6) (drift.ts),
 * the largest t with local(t) <= the reading, with the 2^32 wraps that put it
 * at or before now.
 */
export function virtualFromLocal(kernel: SimKernel, index: number, localMs: number): number {
  const { driftPpm, offsetMs } = kernel.clockOf(index);
  const nowLocal = localTimeMs(kernel.nowMs, driftPpm, offsetMs);
  let reading = nowLocal - ((nowLocal - localMs) % 0x1_0000_0000 + 0x1_0000_0000) % 0x1_0000_0000;
  if (reading < offsetMs) reading = offsetMs;
  let t = Math.floor(((reading - offsetMs) * 1_000_000) / (1_000_000 + driftPpm));
  for (let i = 0; i < 4 && localTimeMs(t, driftPpm, offsetMs) > reading; i++) t--;
  for (let i = 0; i < 4 && localTimeMs(t + 1, driftPpm, offsetMs) <= reading; i++) t++;
  return t < 0 ? 0 : t;
}

function siteCapacities(nodes: readonly SiteNode[]): InvariantFactory {
  return () => ({
    name: "site-capacities",
    check(sim: SimInspect): string | undefined {
      const node = nodes[sim.event.node];
      if (node === undefined) return undefined;
      const detail = node.checkCapacities();
      return detail === undefined ? undefined : `board ${node.index}: ${detail}`;
    },
  });
}

function siteStoredState(nodes: readonly SiteNode[]): InvariantFactory {
  return () => ({
    name: "site-stored-state",
    check(sim: SimInspect): string | undefined {
      const node = nodes[sim.event.node];
      if (node === undefined || (node.stats[NodeStat.storedStateLost] ?? 0) === 0) return undefined;
      return `board ${node.index} booted without state its store had acknowledged`;
    },
  });
}

function siteAtMostOnce(sink: SiteSink): InvariantFactory {
  return () => ({
    name: "site-at-most-once",
    check(): string | undefined {
      if (sink.telemetryDuplicates !== 0) return `the gateways received ${sink.telemetryDuplicates} telemetry message(s) twice`;
      return sink.alertDuplicates === 0 ? undefined : `a gateway handed ${sink.alertDuplicates} alert(s) to the application twice within one boot`;
    },
  });
}

/** Checked after every event: the ledger records each transmission as it happens, so the event that reused a nonce is the one stopped. */
function siteNonceUnique(nonces: NonceLedger): InvariantFactory {
  return () => ({
    name: "site-nonce-unique",
    check(): string | undefined {
      return nonces.violation;
    },
  });
}

/** Checked after every event: the ledger adds each transmission to its board's sliding hour as it happens. */
function siteDutyHour(duty: DutyLedger): InvariantFactory {
  return () => ({
    name: "site-duty-hour",
    check(): string | undefined {
      return duty.violation;
    },
  });
}

/** The boards' duty-cycle budget, permille of every hour (radio.dutyCyclePermille, default 100 as agent/config.ts). */
export function siteDutyPermille(spec: SiteSpec): number {
  const radio = spec.board["radio"];
  const value = radio !== undefined && typeof radio === "object" && radio !== null ? (radio as Record<string, unknown>)["dutyCyclePermille"] : undefined;
  return typeof value === "number" ? value : 100;
}

function siteDeliveredOnceAcrossReboots(sink: SiteSink): InvariantFactory {
  return () => ({
    name: "site-delivered-once-across-reboots",
    check(): string | undefined {
      if (sink.telemetryRedeliveredAfterReboot === 0 && sink.alertsRedeliveredAfterReboot === 0) return undefined;
      return `${sink.telemetryRedeliveredAfterReboot} telemetry message(s) and ${sink.alertsRedeliveredAfterReboot} alert(s) delivered again after a gateway reboot; first: ${sink.redeliveryDetail ?? "?"}`;
    },
  });
}

/**
 * Run to the end in slices of `sliceEvents`, calling `onSlice` after each.
 * At the end of the production phase (spec.durationMs, when a drain phase
 * follows) every board's production is cut: what it produced so far is the
 * headline's denominator (`productionAtCut`), and the sink counts a reading
 * towards the headline only if it was produced before the cut. Returns the
 * final run state.
 */
export function runSite(site: Site, sliceEvents = 20_000, onSlice?: (site: Site) => void): RunState {
  const kernel = site.kernel;
  const cutMs = site.spec.drainMs > 0 ? site.spec.durationMs : Number.POSITIVE_INFINITY;
  let state: RunState = kernel.runFor(sliceEvents, cutMs);
  for (; state === RunState.Running && !site.cut; state = kernel.runFor(sliceEvents, cutMs)) {
    if (kernel.nextEventMs > cutMs) cutProduction(site);
    onSlice?.(site);
  }
  for (; state === RunState.Running; state = kernel.runFor(sliceEvents)) onSlice?.(site);
  return state;
}

/** Snapshot every board's production (the drain phase begins); idempotent. */
export function cutProduction(site: Site): void {
  if (site.cut) return;
  for (const node of site.nodes) {
    site.sink.cutProduction(node.index, node.producedThrough());
    site.productionAtCut[node.index] = node.totals()[NodeStat.routineProduced] ?? 0;
  }
  site.cut = true;
}
