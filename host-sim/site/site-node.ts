/**
 * One board of a simulated site: a kernel SimNode that runs a full agent
 * (agent/boot.ts, the same boot path as the device entry) on simulated
 * sensors, a simulated flash partition and the site transport.
 *
 *  - Power: a kernel crash is a power loss (RAM gone: agent, transport,
 *    sensors; the flash stays); the kernel's restart boots a new agent from
 *    the same flash. A planned shutdown (site `shutdowns`) is graceful: the
 *    agent walks its shutdown phases, the board stays off `offMs`, then boots.
 *  - Stored state: just before the board goes down (either way) the host
 *    reads every value the store acknowledged; right after the next boot it
 *    compares them with what the new agent mounted. Anything lost or changed
 *    (other than the boot count going up by one) is counted in
 *    `NodeStat.storedStateLost`, which an invariant holds at 0.
 *  - Driving: the agent runs under agent/driver.ts, the board's own driver
 *    loop, whose wake timer here is kernel timer 0 (the only difference
 *    from a board, where it is Moddable's `timer`). The radio interrupts the
 *    driver through the transport's `onReadable`, as a board's SX127x does.
 *  - Radio hardware: a reception ends after its airtime; kernel timer 2 is
 *    armed for that moment (SimRadio.nextEventMs) and the radio queues the
 *    frame and interrupts then. Timer 1 is the planned shutdown and the
 *    reboot after it.
 *  - Observation: after every callback the ports' counters (the mesh's
 *    counters, the radio's stats) are copied into host arrays
 *    (SiteLink.observe); nothing wraps the agent's transport. Every frame
 *    the radio transmits passes this node's air port (`broadcast`, the
 *    SimAirPort), where the site's nonce ledger sees it (`onAir`).
 *  - Host observation: the agent's counters are added to this node's totals
 *    when it goes down, so a reboot does not lose the site's measurements.
 */
import type { Agent } from "../../agent/agent";
import { AgentCounter } from "../../core/telemetry/agent-metrics";
import { bootAgent } from "../../agent/boot";
import { validateSiteConfig, type BoardIdentity } from "../../agent/config";
import { receiveCeilingsFirstKey, storeShapeOf, type AgentStore } from "../../agent/persistence";
import { provisionDevice } from "../../agent/provision-device";
import type { SensorConfig, SiteConfig } from "../../agent/config";
import type { GatewaySink } from "../../core/uplink/gateway-sink";
import { openSimSensor } from "../../agent/sim-sensors";
import { ErrorCode } from "../../core/runtime/errors";
import type { Result, Status } from "../../core/runtime/result";
import type { Clock } from "../../hal/clock";
import type { WakeTimer } from "../../hal/timer";
import { AgentDriver } from "../../agent/driver";
import type { Sensor } from "../../hal/sensor";
import { SimFlash } from "../../hal/sim/flash";
import type { SimEvent } from "../../hal/sim/sensors/script";
import type { SimContext, SimNode } from "../kernel/node";
import type { RouteTable } from "./routes";
import type { ShutdownPlan } from "./site-spec";
import { MESH_SITE_STAT_COUNT } from "./mesh-site-transport";
import { createSiteLink, siteProvisioning, type SiteLink, type SiteTransportContext } from "./transport-factory";
import { TRANSPORT_STAT_COUNT, TransportStat } from "./transport-stats";
import type { RadioLink } from "./stand-in-transport";
import type { SimAirPort } from "../../hal/sim/radio";
import { PROVISIONING_RECORD_BYTES } from "../../agent/provisioning";

export const NodeStat = Object.freeze({
  boots: 0,
  bootFailures: 1,
  crashes: 2,
  shutdowns: 3,
  storedStateChecks: 4,
  storedStateLost: 5,
  samples: 6,
  alertsRaised: 7,
  alertsDelivered: 8,
  alertsAbandoned: 9,
  alertsLostAtShutdown: 10,
  routineProduced: 11,
  routineDroppedInOutbox: 12,
  telemetryRecordsSent: 13,
  telemetryRecordsRefused: 14,
  taskFaults: 15,
  outboxHighWater: 16,
  pendingHighWater: 17,
} as const);
export type NodeStat = (typeof NodeStat)[keyof typeof NodeStat];
export const NODE_STAT_COUNT = 18;

/** Workload counters the kernel sums (ctx.count). */
export const SiteCounter = Object.freeze({ boots: 0, shutdowns: 1, storedStateChecks: 2 } as const);
export const SITE_COUNTER_NAMES: readonly string[] = Object.freeze(["boots", "shutdowns", "stored_state_checks"]);

const TIMER_AGENT = 0;
const TIMER_CONTROL = 1;
const TIMER_RADIO = 2;
/** Kernel timers a site board uses (site-spec.ts sets the kernel's timersPerNode from it). */
export const SITE_NODE_TIMERS = 3;
const NodeMode = Object.freeze({ Off: 0, Running: 1, ShuttingDown: 2 } as const);
/** Stored values are at most this long (agent/persistence.ts VALUE_MAX_BYTES: the provisioning record, the largest). */
const STORED_VALUE_MAX_BYTES = PROVISIONING_RECORD_BYTES;
const FLASH_BLOCK_BYTES = 2048;
const FLASH_BLOCKS = 8;

export interface SiteNodeSetup {
  readonly index: number;
  /** The site configuration (JSON), the same for every board: the template with the site's gateways. */
  readonly config: Readonly<Record<string, unknown>>;
  /** What this board is provisioned as (node id, role): written to its flash before its first boot, read back at every boot. */
  readonly identity: BoardIdentity;
  readonly routes: RouteTable;
  readonly sink: GatewaySink | undefined;
  /** Called after every successful boot (the host's sink tracks gateway boots). */
  readonly onBoot: (() => void) | undefined;
  /** Host observation of what this board's radio hands to the air port (the nonce ledger); undefined when nothing observes. */
  readonly onAir?: ((board: number, air: Uint8Array, airBytes: number) => void) | undefined;
  /** Per template sensor: its event script, or undefined. */
  readonly scripts: readonly (readonly SimEvent[] | undefined)[];
  readonly shutdowns: readonly ShutdownPlan[];
  readonly seed: number;
  /** The site's transport choice and shared state (transport-factory.ts). */
  readonly transport: SiteTransportContext;
}

export class SiteNode implements SimNode, Clock, RadioLink, SimAirPort {
  readonly index: number;
  readonly stats = new Float64Array(NODE_STAT_COUNT);
  readonly transportStats = new Float64Array(TRANSPORT_STAT_COUNT);
  /** Mesh counters (MeshCounter, then MeshSiteStat), kept across reboots; zero with the stand-in. */
  readonly meshStats = new Float64Array(MESH_SITE_STAT_COUNT);
  readonly flash: SimFlash;
  readonly #setup: SiteNodeSetup;
  #ctx: SimContext | undefined;
  #agent: Agent | undefined;
  #driver: AgentDriver | undefined;
  #link: SiteLink | undefined;
  #mode: number = NodeMode.Off;
  /** The driver's wake timer: kernel timer 0 of this node. */
  readonly #agentTimer: WakeTimer = {
    schedule: (delayMs: number): void => {
      this.#ctx?.setTimer(TIMER_AGENT, delayMs);
    },
    clear: (): void => {
      this.#ctx?.cancelTimer(TIMER_AGENT);
    },
  };
  readonly #onStopped = (): void => {
    const ctx = this.#ctx;
    if (ctx !== undefined) this.#stopped(ctx);
  };
  #nextPlan = 0;
  #rebootPending = false;
  #lastBootFailure = "";
  // The acknowledged store contents when the board last went down.
  readonly #expected = new Uint8Array(256 * STORED_VALUE_MAX_BYTES);
  readonly #expectedLength = new Int32Array(256);
  #expectedKeys = -1;

  constructor(setup: SiteNodeSetup) {
    this.index = setup.index;
    this.#setup = setup;
    const flash = SimFlash.create({ blockSizeBytes: FLASH_BLOCK_BYTES, blockCount: FLASH_BLOCKS });
    if (!flash.ok) throw new Error(`cannot make the simulated flash (code ${flash.code})`);
    this.flash = flash.value;
    // Every board is provisioned before its first boot (node id, role, and the mesh keys on a mesh site), as `picket provision` does on the bench.
    const validated = validateSiteConfig(setup.config);
    const shape = validated.ok ? storeShapeOf(validated.site) : { alertSlots: 1, siteSize: 1 };
    const transport = setup.transport;
    const fields = validated.ok ? siteProvisioning(transport, setup.identity, validated.site) : undefined;
    const provisioned = fields === undefined ? ErrorCode.AgentBadConfig : provisionDevice(this.flash, fields, shape);
    // A board whose configuration is bad fails at boot with every problem listed; anything else is a simulator bug.
    if (validated.ok && provisioned !== ErrorCode.Ok) throw new Error(`board ${this.index}: provisioning failed (code ${provisioned})`);
  }

  get agent(): Agent | undefined {
    return this.#agent;
  }
  get link(): SiteLink | undefined {
    return this.#link;
  }
  get driver(): AgentDriver | undefined {
    return this.#driver;
  }
  get running(): boolean {
    return this.#mode !== NodeMode.Off;
  }
  get lastBootFailure(): string {
    return this.#lastBootFailure;
  }

  // ------------------------------------------------------------- Clock, RadioLink

  nowMs(): number {
    return this.#ctx?.nowMs() ?? 0;
  }

  send(toIndex: number, bytes: Uint8Array, lengthBytes: number): Status {
    const ctx = this.#ctx;
    return ctx === undefined ? ErrorCode.SimNotInCallback : ctx.send(toIndex, bytes, lengthBytes);
  }

  broadcast(bytes: Uint8Array, lengthBytes: number): Status {
    const ctx = this.#ctx;
    // What the radio transmits, seen at the air port (never through the radio or the mesh).
    if (ctx !== undefined) this.#setup.onAir?.(this.index, bytes, lengthBytes);
    return ctx === undefined ? ErrorCode.SimNotInCallback : ctx.broadcast(bytes, lengthBytes);
  }

  // ------------------------------------------------------------------ SimNode

  onStart(ctx: SimContext): void {
    this.#ctx = ctx;
    this.#boot(ctx);
  }

  onRestart(ctx: SimContext): void {
    this.#ctx = ctx;
    this.#rebootPending = false;
    this.#boot(ctx);
  }

  onCrash(): void {
    this.stats[NodeStat.crashes] = (this.stats[NodeStat.crashes] ?? 0) + 1;
    if (this.#agent !== undefined) this.#goDown();
  }

  onMessage(ctx: SimContext, fromId: number, bytes: Uint8Array, lengthBytes: number): void {
    this.#ctx = ctx;
    const link = this.#link;
    if (link === undefined || this.#agent === undefined) {
      this.transportStats[TransportStat.dropNodeDown] = (this.transportStats[TransportStat.dropNodeDown] ?? 0) + 1;
      return;
    }
    // Onto the air; a frame that is complete at once interrupts (and the driver runs) inside this call.
    link.receiveFrame(fromId, bytes, lengthBytes);
    this.#armRadio(ctx, link);
    link.observe();
  }

  onTimer(ctx: SimContext, timerId: number): void {
    this.#ctx = ctx;
    if (timerId === TIMER_AGENT) {
      this.#driver?.onTimer();
      this.#link?.observe();
      return;
    }
    if (timerId === TIMER_RADIO) {
      const link = this.#link;
      if (link === undefined) return;
      link.radioEvent(ctx.nowMs());
      this.#armRadio(ctx, link);
      link.observe();
      return;
    }
    if (this.#mode === NodeMode.Off && this.#rebootPending) {
      this.#rebootPending = false;
      this.#boot(ctx);
      return;
    }
    const agent = this.#agent;
    if (this.#mode === NodeMode.Running && agent !== undefined) {
      this.#nextPlan++;
      this.stats[NodeStat.shutdowns] = (this.stats[NodeStat.shutdowns] ?? 0) + 1;
      ctx.count(SiteCounter.shutdowns, 1);
      this.#mode = NodeMode.ShuttingDown;
      agent.requestShutdown();
      this.#driver?.runNow();
      this.#link?.observe();
    }
  }

  // ----------------------------------------------------------------- internals

  #boot(ctx: SimContext): void {
    const setup = this.#setup;
    const booted = bootAgent(setup.config, {
      clock: this,
      transport: (config: SiteConfig, store: AgentStore) => {
        const link = createSiteLink({
          nodeIndex: this.index,
          config,
          context: setup.transport,
          routes: setup.routes,
          link: this,
          stats: this.transportStats,
          meshStats: this.meshStats,
          bootNonce: ctx.random.nextU32(),
          store,
        });
        // A transport that cannot be built is a site configuration bug: the kernel reports it as a fault.
        if (typeof link === "string") throw new Error(`board ${this.index}: ${link}`);
        this.#link = link;
        return link.transport;
      },
      openSensor: (sensor: SensorConfig, index: number): Result<Sensor> => {
        const script = setup.scripts[index];
        const seed = (Math.imul(setup.seed ^ 0x5bd1e995, 0x01000193) + this.index * 8 + index) >>> 0;
        return openSimSensor(sensor.part, script === undefined ? { seed } : { seed, script, scriptCapacity: Math.max(16, script.length) });
      },
      blockDevice: this.flash,
      ...(setup.sink === undefined ? {} : { gatewaySink: setup.sink }),
    });
    if (!booted.ok) {
      this.#link?.close();
      this.#link = undefined;
      this.#lastBootFailure = `${booted.stage}: ${booted.problems.join("; ")}`;
      this.stats[NodeStat.bootFailures] = (this.stats[NodeStat.bootFailures] ?? 0) + 1;
      return;
    }
    const agent = booted.agent;
    this.#agent = agent;
    this.#mode = NodeMode.Running;
    setup.onBoot?.();
    this.stats[NodeStat.boots] = (this.stats[NodeStat.boots] ?? 0) + 1;
    ctx.count(SiteCounter.boots, 1);
    this.#checkStoredState(agent, ctx);
    this.#armNextShutdown(ctx);
    // The board's own driver loop (agent/driver.ts), on this node's kernel timer.
    const driver = new AgentDriver(this);
    this.#driver = driver;
    driver.start(agent, this.#agentTimer, this.#onStopped);
    this.#link?.observe();
  }

  #armNextShutdown(ctx: SimContext): void {
    const plans = this.#setup.shutdowns;
    const nowMs = ctx.nowMs();
    while (this.#nextPlan < plans.length && (plans[this.#nextPlan]?.atMs ?? 0) < nowMs) this.#nextPlan++;
    const plan = plans[this.#nextPlan];
    if (plan !== undefined) ctx.setTimer(TIMER_CONTROL, plan.atMs - nowMs);
  }

  /** Arm the radio hardware's timer for its next event (a reception ending), if it has one. */
  #armRadio(ctx: SimContext, link: SiteLink): void {
    const atMs = link.radioEventMs();
    if (atMs < 0) return;
    const delayMs = atMs - ctx.nowMs();
    ctx.setTimer(TIMER_RADIO, delayMs > 0 ? delayMs : 0);
  }

  /** The agent finished a graceful shutdown: power off, boot again after offMs. */
  #stopped(ctx: SimContext): void {
    const plan = this.#setup.shutdowns[this.#nextPlan - 1];
    this.#goDown();
    ctx.cancelTimer(TIMER_AGENT);
    ctx.cancelTimer(TIMER_RADIO);
    this.#rebootPending = true;
    ctx.setTimer(TIMER_CONTROL, plan?.offMs ?? 1000);
  }

  /** Power goes: note what the store acknowledged and what the agent counted, then drop everything in RAM. */
  #goDown(): void {
    const agent = this.#agent;
    if (agent !== undefined) {
      this.#snapshotStore(agent);
      this.#accumulate(agent);
      this.#noteProduced(agent, this.#producedThrough);
    }
    this.#link?.close();
    this.#agent = undefined;
    this.#driver = undefined;
    this.#link = undefined;
    this.#mode = NodeMode.Off;
  }

  #snapshotStore(agent: Agent): void {
    const store = agent.store.store;
    if (store === undefined) {
      this.#expectedKeys = -1;
      return;
    }
    this.#expectedKeys = store.keyCount;
    for (let key = 0; key < store.keyCount; key++) {
      this.#expectedLength[key] = store.get(key, this.#expected, key * STORED_VALUE_MAX_BYTES);
    }
  }

  #checkStoredState(agent: Agent, ctx: SimContext): void {
    const store = agent.store.store;
    if (this.#expectedKeys < 0) return;
    this.stats[NodeStat.storedStateChecks] = (this.stats[NodeStat.storedStateChecks] ?? 0) + 1;
    ctx.count(SiteCounter.storedStateChecks, 1);
    if (store === undefined || store.keyCount !== this.#expectedKeys || !this.#sameAsExpected(agent)) {
      this.stats[NodeStat.storedStateLost] = (this.stats[NodeStat.storedStateLost] ?? 0) + 1;
    }
  }

  #sameAsExpected(agent: Agent): boolean {
    const store = agent.store.store;
    if (store === undefined) return false;
    const value = new Uint8Array(STORED_VALUE_MAX_BYTES);
    // Receive ceilings: the boot raised them (receive-ceilings.ts `seed`), so each may be higher, never lower, in the same epoch.
    const ceilingsFrom = receiveCeilingsFirstKey(agent.store.alertSlots);
    // The ceilings' keys are the store's last (persistence.ts agentStoreConfig).
    const ceilingsTo = store.keyCount;
    for (let key = 0; key < store.keyCount; key++) {
      const length = store.get(key, value, 0);
      const expectedLength = this.#expectedLength[key] ?? -1;
      const base = key * STORED_VALUE_MAX_BYTES;
      if (key >= ceilingsFrom && key < ceilingsTo) {
        if (!this.#ceilingsKept(value, length, base, expectedLength)) return false;
        continue;
      }
      if (length !== expectedLength) return false;
      // Key 0 (boot record): the boot count is one higher, the rest of it unchanged but the clean flag.
      const from = key === 0 ? 4 : 0;
      const to = key === 0 ? 8 : length;
      if (key === 0 && readU32(value, 0) !== readU32(this.#expected, base) + 1) return false;
      for (let i = from; i < to; i++) if (value[i] !== this.#expected[base + i]) return false;
    }
    return agent.store.bootCount === readU32(this.#expected, 0) + 1;
  }

  /** A chunk of receive ceilings after the boot: absent only if it was, the same epoch, no ceiling lower than before. */
  #ceilingsKept(value: Uint8Array, length: number, base: number, expectedLength: number): boolean {
    if (expectedLength < 0) return true;
    if (length !== expectedLength || readU32(value, 0) !== readU32(this.#expected, base)) return false;
    for (let i = 4; i < length; i += 4) if (readU32(value, i) < readU32(this.#expected, base + i)) return false;
    return true;
  }

  #accumulate(agent: Agent): void {
    const s = this.stats;
    const m = agent.metrics;
    const outbox = agent.pipeline.outbox;
    const add = (stat: NodeStat, by: number): void => {
      s[stat] = (s[stat] ?? 0) + by;
    };
    add(NodeStat.samples, m.value(AgentCounter.Samples));
    // Raised = every alert record the pipeline produced (accepted or refused by the outbox), not just those that got a pending slot.
    add(NodeStat.alertsRaised, outbox.alertsAccepted + outbox.alertsRefused);
    add(NodeStat.alertsDelivered, m.value(AgentCounter.AlertsDelivered));
    add(NodeStat.alertsAbandoned, m.value(AgentCounter.AlertsAbandoned));
    add(NodeStat.alertsLostAtShutdown, m.value(AgentCounter.AlertsLostAtShutdown));
    add(NodeStat.routineProduced, outbox.routineAccepted + outbox.routineRefused);
    add(NodeStat.routineDroppedInOutbox, outbox.routineDroppedForAlert + outbox.routineDroppedForRoutine + outbox.routineRefused);
    add(NodeStat.telemetryRecordsSent, m.value(AgentCounter.TelemetryRecordsSent));
    add(NodeStat.telemetryRecordsRefused, m.value(AgentCounter.TelemetryRecordsRefused));
    for (let task = 0; task < agent.scheduler.taskCount; task++) add(NodeStat.taskFaults, agent.boundary.faultCount(task));
    s[NodeStat.outboxHighWater] = Math.max(s[NodeStat.outboxHighWater] ?? 0, outbox.highWater);
    s[NodeStat.pendingHighWater] = Math.max(s[NodeStat.pendingHighWater] ?? 0, agent.pending.highWater);
  }

  /**
   * Per channel wire id, the window start below which every routine
   * reading of this board was already produced: a record of that channel
   * with `atMs` below it left the pipeline before now. Windows are aligned
   * and closed in order (core/telemetry/window-aggregate.ts), and a window
   * open at a power loss never closed, so the bound over every boot so far
   * is the largest one any boot reached.
   */
  readonly #producedThrough = new Map<number, number>();

  #noteProduced(agent: Agent, into: Map<number, number>): void {
    const pipeline = agent.pipeline;
    for (let c = 0; c < pipeline.channelCount; c++) {
      const channel = pipeline.channel(c);
      if (channel === undefined) continue;
      const window = channel.window;
      const bound = window.open ? window.startMs : window.closedCount > 0 ? window.startMs + 1 : 0;
      if (bound > (into.get(channel.channelId) ?? 0)) into.set(channel.channelId, bound);
    }
  }

  /** `#producedThrough` as of now, the running agent's windows included (a copy; for the drain phase's cut). */
  producedThrough(): Map<number, number> {
    const through = new Map(this.#producedThrough);
    const agent = this.#agent;
    if (agent !== undefined) this.#noteProduced(agent, through);
    return through;
  }

  /** This node's totals: everything accumulated plus the running agent's counts (allocates; for reports). */
  totals(): Float64Array {
    const saved = this.stats.slice();
    const agent = this.#agent;
    if (agent !== undefined) {
      this.#accumulate(agent);
      const total = this.stats.slice();
      this.stats.set(saved);
      return total;
    }
    return saved;
  }

  /** Capacity check of the running agent and transport; undefined when all bounds hold. */
  checkCapacities(): string | undefined {
    const agent = this.#agent;
    if (agent === undefined) return undefined;
    const detail = agent.checkCapacities();
    if (detail !== undefined) return detail;
    return this.#link?.checkCapacities();
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>> 0;
}
