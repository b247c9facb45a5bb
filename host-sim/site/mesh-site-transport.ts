/**
 * The real secured mesh for the site simulator: core/mesh MeshTransport on a
 * SimRadio (hal/sim/radio.ts) that is attached to the kernel through the
 * site node (kernel broadcast out, kernel delivery in), with group keys,
 * replay windows and a counter source built like the kernel's mesh workload
 * (host-sim/kernel/workloads/mesh.ts, mesh-keys.ts).
 *
 * Per site (MeshSiteShared): one keyring (every board's group send key, the
 * same for every run: simulation only, NOT cryptographic entropy) and the
 * LoRa airtime table. Per board and kept by the host across reboots
 * (MeshBoardState): the counter source and the replay table. They model
 * their persisted forms (a flash counter reservation, RFC 8613 App. B.1):
 * the agent builds its transport before it mounts its store (agent/boot.ts),
 * so the board's storage CounterReservation cannot be handed in yet; the
 * host-owned VolatileCounterSource never reuses a counter across reboots,
 * which is the property the reservation gives a real board.
 *
 * Host counters: the mesh's own counters (MeshCounter) are added to a
 * host-owned array after every tick and send, so a reboot loses none; the
 * site-wide TransportStat array gets frames/bytes/airtime on air (counted
 * at the radio), retransmissions (end to end, fragments and hop by hop),
 * frames received and messages delivered.
 */
import { VolatileCounterSource, type CounterSource } from "../../core/crypto/counter-source";
import { ReplayTable } from "../../core/crypto/replay-window";
import { AirtimeTable, type LoRaParams } from "../../core/mesh/airtime";
import { MESH_COUNTER_COUNT, MeshCounter } from "../../core/mesh/mesh-counters";
import { meshConfig, validateMeshConfig, type MeshConfig } from "../../core/mesh/mesh-config";
import type { MeshRadio, RadioReception } from "../../core/mesh/radio-port";
import { MeshTransport } from "../../core/mesh/transport";
import type { ValueOrCode } from "../../core/collections/value-or-code";
import { ErrorCode } from "../../core/runtime/errors";
import { Xoshiro128 } from "../../core/runtime/prng";
import type { Status } from "../../core/runtime/result";
import { AgentRole, type SiteConfig } from "../../agent/config";
import type { DeliverHandler, SendOutcomeHandler, TrafficClass } from "../../agent/transport";
import { SimRadio, type SimAirPort, type SimLinkModel } from "../../hal/sim/radio";
import { MeshKeyring } from "../kernel/workloads/mesh-keys";
import { TransportStat } from "./transport-stats";

/** EU868 LoRa SF7, 125 kHz, 4/5, 8-symbol preamble (the mesh tests' preset). */
export const SITE_LORA: LoRaParams = Object.freeze({
  spreadingFactor: 7,
  bandwidthHz: 125_000,
  codingRateDenominator: 5,
  preambleSymbols: 8,
  crcOn: true,
  implicitHeader: false,
});
export const SITE_MESH_MTU_BYTES = 255;
const KEYRING_SEED = 0x51fe;
/** How often a gateway floods its advertisement (routes live routeTtlMs, 10 min; load-aware next hops move at each). */
const GATEWAY_HELLO_INTERVAL_MS = 60_000;
/** Random access delay per class (control, alert, telemetry): alerts barely wait, telemetry spreads over 2 s. */
const SITE_ACCESS_DELAY_MAX_MS: readonly number[] = Object.freeze([0, 250, 2_000]);
/** Resends of a routed frame per hop (1, 2, 4, 8 base waits apart), and how many frames a board keeps for them. */
const SITE_HOP_RETRIES_MAX = 4;
const SITE_HOP_ACK_SLOTS = 8;
/** Extra host counters after the mesh's own (MESH_COUNTER_COUNT ..). */
export const MeshSiteStat = Object.freeze({
  radioCollisionLosses: MESH_COUNTER_COUNT,
  radioHalfDuplexLosses: MESH_COUNTER_COUNT + 1,
  radioReceiveQueueDropped: MESH_COUNTER_COUNT + 2,
} as const);
export const MESH_SITE_STAT_COUNT = MESH_COUNTER_COUNT + 3;

/** Built once per site. */
export class MeshSiteShared {
  readonly keyring: MeshKeyring;
  readonly airtime: AirtimeTable;
  readonly boards: readonly MeshBoardState[];

  static create(boardCount: number): MeshSiteShared | string {
    const keyring = MeshKeyring.create(boardCount, KEYRING_SEED);
    if (!keyring.ok) return `mesh keyring: code ${keyring.code}`;
    const airtime = AirtimeTable.forLoRa(SITE_LORA, SITE_MESH_MTU_BYTES);
    if (!airtime.ok) return `mesh airtime table: code ${airtime.code}`;
    const boards: MeshBoardState[] = [];
    for (let b = 0; b < boardCount; b++) {
      const replay = ReplayTable.create({ capacity: boardCount, windowBits: 256 });
      if (!replay.ok) return `mesh replay table: code ${replay.code}`;
      boards.push({ counterSource: new VolatileCounterSource(1), replay: replay.value });
    }
    return new MeshSiteShared(keyring.value, airtime.value, boards);
  }

  private constructor(keyring: MeshKeyring, airtime: AirtimeTable, boards: readonly MeshBoardState[]) {
    this.keyring = keyring;
    this.airtime = airtime;
    this.boards = boards;
  }
}

/** What a board keeps across reboots (models flash). */
export interface MeshBoardState {
  readonly counterSource: CounterSource;
  readonly replay: ReplayTable;
}

/** The mesh configuration a board runs, from its site configuration's radio section. */
export function siteMeshConfig(config: SiteConfig, rateHashSeed: number): MeshConfig {
  const radio = config.radio;
  const hopLimit = Math.min(7, radio.hopLimit);
  const gateway = config.role === AgentRole.Gateway;
  return meshConfig({
    maxMessageBytes: radio.maxMessageBytes,
    hopLimit,
    dutyCyclePpm: radio.dutyCyclePermille * 1000,
    pendingAckSlots: Math.max(4, config.capacities.txFrames),
    rateHashSeed: rateHashSeed >>> 0,
    // A site boots every board at once: beacon early so routes exist before the first alert.
    helloJitterMs: 2_000,
    // Every board's windows close at the same moment on a simulated site: spread new messages (CSMA/CA random access).
    accessDelayMaxMs: SITE_ACCESS_DELAY_MAX_MS,
    // Routed frames go hop by hop with retransmission (core/mesh hop-acks.ts); a relay next to a gateway
    // forwards for many boards at once: room to keep each routed frame until it is taken.
    hopRetriesMax: SITE_HOP_RETRIES_MAX,
    hopAckSlots: SITE_HOP_ACK_SLOTS,
    // A gateway advertises itself across the mesh (a flooded beacon), so every board has a route to it.
    ...(gateway ? { helloHopLimit: hopLimit, helloIntervalMs: GATEWAY_HELLO_INTERVAL_MS } : {}),
  });
}

export interface MeshSiteTransportSetup {
  readonly nodeIndex: number;
  readonly config: SiteConfig;
  readonly shared: MeshSiteShared;
  readonly air: SimAirPort & { nowMs(): number };
  readonly stats: Float64Array;
  readonly meshStats: Float64Array;
  readonly bootNonce: number;
}

/** Radio wrapper that counts bytes on air into the host's TransportStat array. */
class CountingRadio implements MeshRadio {
  readonly mtuBytes: number;
  readonly #radio: SimRadio;
  readonly #stats: Float64Array;

  constructor(radio: SimRadio, stats: Float64Array) {
    this.mtuBytes = radio.mtuBytes;
    this.#radio = radio;
    this.#stats = stats;
  }
  airtimeUs(lengthBytes: number): number {
    return this.#radio.airtimeUs(lengthBytes);
  }
  isTransmitting(nowMs: number): boolean {
    return this.#radio.isTransmitting(nowMs);
  }
  isChannelBusy(nowMs: number): boolean {
    return this.#radio.isChannelBusy(nowMs);
  }
  transmit(bytes: Uint8Array, lengthBytes: number, nowMs: number): Status {
    const status = this.#radio.transmit(bytes, lengthBytes, nowMs);
    if (status === ErrorCode.Ok) {
      const s = this.#stats;
      s[TransportStat.framesSent] = (s[TransportStat.framesSent] ?? 0) + 1;
      s[TransportStat.bytesSent] = (s[TransportStat.bytesSent] ?? 0) + lengthBytes;
      s[TransportStat.airtimeMs] = (s[TransportStat.airtimeMs] ?? 0) + this.#radio.airtimeUs(lengthBytes) / 1000;
    }
    return status;
  }
  receive(nowMs: number, out: Uint8Array, meta: RadioReception): ValueOrCode {
    return this.#radio.receive(nowMs, out, meta);
  }
}

/** Link quality from a hash of the link (the site's topology has no positions the radio could use). */
function hashedLink(self: number): SimLinkModel {
  const permille = (from: number): number => ((Math.imul(from + 1, 0x9e3779b1) ^ Math.imul(self + 1, 0x85ebca6b)) >>> 0) % 1001;
  return {
    snrQuarterDb: (from) => -80 + Math.floor((permille(from) * 120) / 1000),
    rssiDbm: (from) => -120 + Math.floor((permille(from) * 80) / 1000),
  };
}

export class MeshSiteTransport {
  readonly nodeId: number;
  readonly maxMessageBytes: number;
  readonly mesh: MeshTransport;
  readonly radio: SimRadio;
  readonly #air: SimAirPort & { nowMs(): number };
  readonly #stats: Float64Array;
  readonly #meshStats: Float64Array;
  readonly #flushed = new Float64Array(MESH_COUNTER_COUNT);
  readonly #radioFlushed = new Float64Array(3);
  readonly #pendingSlots: number;

  /** The transport, or a description of why it could not be built. */
  static create(setup: MeshSiteTransportSetup): MeshSiteTransport | string {
    const shared = setup.shared;
    const board = shared.boards[setup.nodeIndex];
    if (board === undefined) return `mesh: no state for board ${setup.nodeIndex}`;
    const config = siteMeshConfig(setup.config, setup.bootNonce);
    const problems = validateMeshConfig(config);
    if (problems.length > 0) return `mesh configuration: ${problems.join("; ")}`;
    const radio = SimRadio.create(setup.air, {
      mtuBytes: SITE_MESH_MTU_BYTES,
      airtime: shared.airtime,
      receiveQueueBytes: 8 * (SITE_MESH_MTU_BYTES + 3),
      link: hashedLink(setup.nodeIndex),
      collisions: true,
    });
    if (!radio.ok) return `mesh radio: code ${radio.code}`;
    const nodeId = setup.nodeIndex + 1;
    const sendKey = shared.keyring.sendKey(nodeId);
    const transport = MeshTransport.create({
      nodeId,
      radio: new CountingRadio(radio.value, setup.stats),
      provider: shared.keyring.provider,
      counterSource: board.counterSource,
      groupKeys: shared.keyring.groupKeys,
      replay: board.replay,
      epoch: shared.keyring.epoch,
      random: new Xoshiro128(setup.bootNonce >>> 0),
      config,
      ...(sendKey === undefined ? {} : { sendKey }),
    });
    if (!transport.ok) return `mesh transport: code ${transport.code}`;
    return new MeshSiteTransport(setup, transport.value, radio.value, config.pendingAckSlots);
  }

  private constructor(setup: MeshSiteTransportSetup, mesh: MeshTransport, radio: SimRadio, pendingSlots: number) {
    this.nodeId = mesh.nodeId;
    this.maxMessageBytes = mesh.maxMessageBytes;
    this.mesh = mesh;
    this.radio = radio;
    this.#air = setup.air;
    this.#stats = setup.stats;
    this.#meshStats = setup.meshStats;
    this.#pendingSlots = pendingSlots;
  }

  send(destinationId: number, trafficClass: TrafficClass, bytes: Uint8Array, offset: number, length: number, ackRequested: boolean, messageId: number): Status {
    const status = this.mesh.send(destinationId, trafficClass, bytes, offset, length, ackRequested, messageId);
    this.#flush();
    return status;
  }

  poll(maxMessages: number, deliver: DeliverHandler): number {
    const delivered = this.mesh.poll(maxMessages, deliver);
    this.#flush();
    return delivered;
  }

  onSendOutcome(handler: SendOutcomeHandler): void {
    this.mesh.onSendOutcome(handler);
  }

  tick(nowMs: number): void {
    this.mesh.tick(nowMs);
    this.#flush();
  }

  /** When the mesh or the radio next has work (node-local ms), or -1: a reception ending, a relay, a retransmission. */
  nextWakeMs(): number {
    const nowMs = this.#air.nowMs();
    let next = this.mesh.nextWakeMs();
    const radioNext = this.radio.queued > 0 ? nowMs : this.radio.nextEventMs();
    if (radioNext >= 0 && (next < 0 || radioNext < next)) next = radioNext;
    return next;
  }

  /** A kernel message from neighbour `fromIndex`: onto the simulated air. */
  receiveFrame(fromIndex: number, bytes: Uint8Array, lengthBytes: number): void {
    this.radio.onAir(fromIndex, bytes, lengthBytes, this.#air.nowMs());
  }

  checkCapacities(): string | undefined {
    if (this.mesh.pendingCount > this.#pendingSlots) return `mesh pending acks ${this.mesh.pendingCount} > ${this.#pendingSlots}`;
    return undefined;
  }

  /** The board loses power: the radio stops hearing anything. */
  close(): void {
    this.#flush();
    this.radio.close();
  }

  #flush(): void {
    const values = this.mesh.counters.values;
    const host = this.#meshStats;
    const flushed = this.#flushed;
    for (let c = 0; c < MESH_COUNTER_COUNT; c++) {
      const v = values[c] ?? 0;
      const delta = v - (flushed[c] ?? 0);
      if (delta !== 0) {
        host[c] = (host[c] ?? 0) + delta;
        flushed[c] = v;
      }
    }
    const radioStats = this.radio.stats;
    this.#radioDelta(0, MeshSiteStat.radioCollisionLosses, radioStats.collisionLosses);
    this.#radioDelta(1, MeshSiteStat.radioHalfDuplexLosses, radioStats.halfDuplexLosses);
    this.#radioDelta(2, MeshSiteStat.radioReceiveQueueDropped, radioStats.receiveQueueDropped);
    const s = this.#stats;
    s[TransportStat.retransmissions] = (host[MeshCounter.retransmissions] ?? 0) + (host[MeshCounter.fragmentsResent] ?? 0) + (host[MeshCounter.hopRetransmissions] ?? 0);
    s[TransportStat.framesReceived] = host[MeshCounter.framesReceived] ?? 0;
    s[TransportStat.messagesDelivered] = host[MeshCounter.messagesDelivered] ?? 0;
  }

  #radioDelta(slot: number, stat: number, value: number): void {
    const delta = value - (this.#radioFlushed[slot] ?? 0);
    if (delta === 0) return;
    this.#meshStats[stat] = (this.#meshStats[stat] ?? 0) + delta;
    this.#radioFlushed[slot] = value;
  }
}
