/**
 * The real secured mesh for the site simulator, built exactly as a board
 * builds it (agent/radio-mesh.ts buildRadioMesh): the board's provisioning
 * record is read from its simulated flash and checked against its site
 * configuration, the send counter is a CounterReservation in that flash
 * (so no AEAD nonce repeats across the site's reboots and power losses),
 * replay windows live in RAM and are lost at a reboot, and the mesh runs
 * with the board's own parameters (agentMeshConfig). The radio is a SimRadio
 * (hal/sim/radio.ts) attached to the kernel through the site node (kernel
 * broadcast out, kernel delivery in).
 *
 * Per site (MeshSiteShared): the keyring - every sender's group traffic key
 * derived once from the site's group secret (simulation only, NOT
 * cryptographic entropy) and shared by the boards instead of each deriving
 * the same keys again (buildRadioMesh's `keys`; the record is still read
 * and checked at every boot) - the provisioning fields written into each
 * board's flash before its first boot, and the LoRa airtime table.
 *
 * Host counters: the mesh's own counters (MeshCounter) are added to a
 * host-owned array after every tick and send, so a reboot loses none; the
 * site-wide TransportStat array gets frames/bytes/airtime on air (counted
 * at the radio), retransmissions (end to end, fragments and hop by hop),
 * frames received and messages delivered.
 */
import { AirtimeTable, type LoRaParams } from "../../core/mesh/airtime";
import { MESH_COUNTER_COUNT, MeshCounter } from "../../core/mesh/mesh-counters";
import type { MeshRadio, RadioReception } from "../../core/mesh/radio-port";
import type { MeshTransport } from "../../core/mesh/transport";
import type { ValueOrCode } from "../../core/collections/value-or-code";
import { ErrorCode } from "../../core/runtime/errors";
import type { Status } from "../../core/runtime/result";
import { ROLE_NAMES, type BoardIdentity, type CompiledSiteConfig, type SiteConfig } from "../../agent/config";
import type { AgentStore } from "../../agent/persistence";
import { AUTHORITY_COMMITMENT_BYTES, hexInto, type ProvisioningFields } from "../../agent/provisioning";
import { agentMeshConfig, buildRadioMesh } from "../../agent/radio-mesh";
import type { DeliverHandler, SendOutcomeHandler, TrafficClass } from "../../agent/transport";
import { SimRadio, type SimAirPort, type SimLinkModel } from "../../hal/sim/radio";
import { groupSecretFor, MeshKeyring, SIM_GROUP_ID } from "../kernel/workloads/mesh-keys";
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
  readonly boardCount: number;

  static create(boardCount: number): MeshSiteShared | string {
    const keyring = MeshKeyring.create(boardCount, KEYRING_SEED);
    if (!keyring.ok) return `mesh keyring: code ${keyring.code}`;
    const airtime = AirtimeTable.forLoRa(SITE_LORA, SITE_MESH_MTU_BYTES);
    if (!airtime.ok) return `mesh airtime table: code ${airtime.code}`;
    return new MeshSiteShared(keyring.value, airtime.value, boardCount);
  }

  private constructor(keyring: MeshKeyring, airtime: AirtimeTable, boardCount: number) {
    this.keyring = keyring;
    this.airtime = airtime;
    this.boardCount = boardCount;
  }

  /**
   * What `picket provision` would write for a board of this site: its node
   * id, role and preferred gateways, the keyring's epoch and group secret, every board a sender,
   * and the authority commitment the site configuration names (zeros if none).
   */
  provisioningFor(identity: BoardIdentity, site: CompiledSiteConfig): ProvisioningFields {
    const commitment = new Uint8Array(AUTHORITY_COMMITMENT_BYTES);
    if (site.keys !== undefined) hexInto(site.keys.authorityCommitment, commitment);
    return {
      nodeId: identity.nodeId,
      role: ROLE_NAMES.indexOf(identity.role) + 1,
      preferredGateways: identity.preferredGateways ?? [],
      keyEpoch: this.keyring.epoch,
      groupId: SIM_GROUP_ID,
      senderIdMax: this.boardCount,
      authorityCommitment: commitment,
      groupSecret: groupSecretFor(KEYRING_SEED),
    };
  }
}

/** The mesh configuration a simulated board runs: the board's own (agent/radio-mesh.ts). */
export const siteMeshConfig = agentMeshConfig;

export interface MeshSiteTransportSetup {
  readonly nodeIndex: number;
  readonly config: SiteConfig;
  readonly shared: MeshSiteShared;
  readonly air: SimAirPort & { nowMs(): number };
  readonly stats: Float64Array;
  readonly meshStats: Float64Array;
  readonly bootNonce: number;
  /** The board's store, mounted by boot before the transport (it holds the record and the send counter). */
  readonly store: AgentStore;
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
    const config = agentMeshConfig(setup.config, setup.bootNonce);
    const radio = SimRadio.create(setup.air, {
      mtuBytes: SITE_MESH_MTU_BYTES,
      airtime: shared.airtime,
      receiveQueueBytes: 8 * (SITE_MESH_MTU_BYTES + 3),
      link: hashedLink(setup.nodeIndex),
      collisions: true,
    });
    if (!radio.ok) return `mesh radio: code ${radio.code}`;
    const built = buildRadioMesh({
      config: setup.config,
      store: setup.store,
      radio: new CountingRadio(radio.value, setup.stats),
      randomSeed: setup.bootNonce,
      keys: shared.keyring,
      meshConfig: config,
    });
    if (!built.ok) {
      radio.value.close();
      return `mesh (code ${built.code}): ${built.problems.join("; ")}`;
    }
    return new MeshSiteTransport(setup, built.transport, radio.value, config.pendingAckSlots);
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
