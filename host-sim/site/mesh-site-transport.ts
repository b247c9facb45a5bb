/**
 * The real secured mesh for the site simulator, built exactly as a board
 * builds it (agent/radio-mesh.ts buildRadioMesh): the board's provisioning
 * record is read from its simulated flash and checked against its site
 * configuration, the send counter is a CounterReservation in that flash
 * (so no AEAD nonce repeats across the site's reboots and power losses),
 * replay windows start from the receive ceilings in that flash, and the
 * mesh runs with the board's own parameters (agentMeshConfig). The radio is a SimRadio
 * (hal/sim/radio.ts) attached to the kernel through the site node (kernel
 * broadcast out, kernel delivery in).
 *
 * Per site (MeshSiteShared): the key epoch and the authority secret (a
 * seeded stream: simulation only, NOT cryptographic entropy), from which
 * each board's link secrets are derived into the provisioning fields
 * written into its flash before its first boot, as `picket provision`
 * does, and the LoRa airtime table. Keys are not shared: every board reads
 * its own from its record (agent/link-keyring.ts), as a board does.
 *
 * The agent gets the MeshTransport itself, exactly the object a board's
 * agent gets; nothing wraps it. MeshSiteLink holds it beside the simulated
 * radio hardware (kernel frames onto the air, the end of a reception as a
 * timed hardware event) and observes both through their ports: `observe()`
 * adds the mesh's counters (MeshCounter) and the radio's (frames, bytes and
 * airtime sent, collisions, half-duplex and queue losses) to host-owned
 * arrays, so a reboot loses none; the site-wide TransportStat array gets
 * frames/bytes/airtime on air, retransmissions (end to end, fragments and
 * hop by hop), frames received and messages delivered.
 */
import { AirtimeTable, type LoRaParams } from "../../core/mesh/airtime";
import { MESH_COUNTER_COUNT, MeshCounter } from "../../core/mesh/mesh-counters";
import type { MeshTransport } from "../../core/mesh/transport";
import type { ValueOrCode } from "../../core/collections/value-or-code";
import { ErrorCode } from "../../core/runtime/errors";
import type { Status } from "../../core/runtime/result";
import { ROLE_NAMES, type BoardIdentity, type CompiledSiteConfig, type SiteConfig } from "../../agent/config";
import type { AgentStore } from "../../agent/persistence";
import { AUTHORITY_COMMITMENT_BYTES, hexInto, linkKeyFields, type ProvisioningFields } from "../../agent/provisioning";
import { agentMeshConfig, buildRadioMesh } from "../../agent/radio-mesh";
import type { Transport } from "../../core/mesh/transport-port";
import { SimRadio, type SimAirPort, type SimLinkModel } from "../../hal/sim/radio";
import { SeededEntropy } from "../../hal/sim/entropy";
import { groupSecretFor, SIM_GROUP_ID } from "../kernel/workloads/mesh-keys";
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

/** The simulated sites' key epoch. */
const SITE_KEY_EPOCH = 0;

/** Built once per site. */
export class MeshSiteShared {
  readonly airtime: AirtimeTable;
  readonly boardCount: number;

  static create(boardCount: number): MeshSiteShared | string {
    const airtime = AirtimeTable.forLoRa(SITE_LORA, SITE_MESH_MTU_BYTES);
    if (!airtime.ok) return `mesh airtime table: code ${airtime.code}`;
    return new MeshSiteShared(airtime.value, boardCount);
  }

  private constructor(airtime: AirtimeTable, boardCount: number) {
    this.airtime = airtime;
    this.boardCount = boardCount;
  }

  /**
   * What `picket provision` would write for a board of this site: its node
   * id, role and preferred gateways, its link secrets for the site's key
   * epoch, every board a sender, and the authority commitment the site
   * configuration names (zeros if none).
   */
  provisioningFor(identity: BoardIdentity, site: CompiledSiteConfig): ProvisioningFields {
    return boardProvisioning(identity, site, { keyEpoch: SITE_KEY_EPOCH, groupId: SIM_GROUP_ID, senderIdMax: this.boardCount, authority: groupSecretFor(KEYRING_SEED) });
  }
}

/** The site's part of a board's record: what every board of a simulated site shares. */
export interface SiteKeying {
  readonly keyEpoch: number;
  readonly groupId: number;
  readonly senderIdMax: number;
  /** The site authority's secret the link secrets are derived from (core/crypto/site-keys.ts). */
  readonly authority: Uint8Array;
}

/** A board's provisioning record: its identity, its link secrets from the site's keying, and the authority commitment the site names (zeros if none). */
export function boardProvisioning(identity: BoardIdentity, site: CompiledSiteConfig, keying: SiteKeying): ProvisioningFields {
  const commitment = new Uint8Array(AUTHORITY_COMMITMENT_BYTES);
  if (site.keys !== undefined) hexInto(site.keys.authorityCommitment, commitment);
  const role = ROLE_NAMES.indexOf(identity.role) + 1;
  const keys = linkKeyFields(keying.authority, keying.groupId, keying.keyEpoch, identity.nodeId, role, site.gateways);
  if (typeof keys === "number") throw new Error(`site keys for board ${identity.nodeId}: code ${keys}`);
  return {
    nodeId: identity.nodeId,
    role,
    // Provisioned once, before the board's first boot: the first generation.
    generation: 0,
    preferredGateways: identity.preferredGateways ?? [],
    keyEpoch: keying.keyEpoch,
    groupId: keying.groupId,
    senderIdMax: keying.senderIdMax,
    authorityCommitment: commitment,
    ...keys,
  };
}

/** The mesh configuration a simulated board runs: the board's own (agent/radio-mesh.ts). */
export const siteMeshConfig = agentMeshConfig;

export interface MeshSiteLinkSetup {
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

/** Link quality from a hash of the link (the site's topology has no positions the radio could use). */
function hashedLink(self: number): SimLinkModel {
  const permille = (from: number): number => ((Math.imul(from + 1, 0x9e3779b1) ^ Math.imul(self + 1, 0x85ebca6b)) >>> 0) % 1001;
  return {
    snrQuarterDb: (from) => -80 + Math.floor((permille(from) * 120) / 1000),
    rssiDbm: (from) => -120 + Math.floor((permille(from) * 80) / 1000),
  };
}

export class MeshSiteLink {
  readonly mesh: MeshTransport;
  readonly radio: SimRadio;
  readonly #air: SimAirPort & { nowMs(): number };
  readonly #stats: Float64Array;
  readonly #meshStats: Float64Array;
  readonly #flushed = new Float64Array(MESH_COUNTER_COUNT);
  readonly #radioFlushed = new Float64Array(6);
  readonly #pendingSlots: number;

  /** The board's radio and mesh, or a description of why they could not be built. */
  static create(setup: MeshSiteLinkSetup): MeshSiteLink | string {
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
    // As moddable/main.ts boardTransport does: the radio, then buildRadioMesh over it, unwrapped.
    const built = buildRadioMesh({
      config: setup.config,
      store: setup.store,
      radio: radio.value,
      randomSeed: setup.bootNonce,
      meshConfig: config,
      // The simulator's entropy driver where a board has its hardware one (never drawn on the per-frame path).
      entropy: new SeededEntropy(setup.bootNonce ^ 0x5eed),
    });
    if (!built.ok) {
      radio.value.close();
      return `mesh (code ${built.code}): ${built.problems.join("; ")}`;
    }
    return new MeshSiteLink(setup, built.transport, radio.value, config.pendingAckSlots);
  }

  private constructor(setup: MeshSiteLinkSetup, mesh: MeshTransport, radio: SimRadio, pendingSlots: number) {
    this.mesh = mesh;
    this.radio = radio;
    this.#air = setup.air;
    this.#stats = setup.stats;
    this.#meshStats = setup.meshStats;
    this.#pendingSlots = pendingSlots;
  }

  /** What the agent gets: the MeshTransport itself. */
  get transport(): Transport {
    return this.mesh;
  }

  /** A kernel message from neighbour `fromIndex`: onto the simulated air. */
  receiveFrame(fromIndex: number, bytes: Uint8Array, lengthBytes: number): void {
    this.radio.onAir(fromIndex, bytes, lengthBytes, this.#air.nowMs());
  }

  /** When the radio hardware next has an event of its own (a reception ends), node-local ms, or -1. */
  radioEventMs(): number {
    return this.radio.nextEventMs();
  }

  /** That time came: the radio queues what it received and interrupts. */
  radioEvent(nowMs: number): void {
    this.radio.advance(nowMs);
  }

  checkCapacities(): string | undefined {
    if (this.mesh.pendingCount > this.#pendingSlots) return `mesh pending acks ${this.mesh.pendingCount} > ${this.#pendingSlots}`;
    // The transport's own cross-table invariants (core/mesh/transport-invariants.ts).
    if (this.mesh.checkInvariants() !== ErrorCode.Ok) return "mesh transport invariants broken (core/mesh/transport-invariants.ts)";
    return undefined;
  }

  /** The board loses power: the radio stops hearing anything. */
  close(): void {
    this.observe();
    this.radio.close();
  }

  /** Add what the mesh and the radio counted since the last call to the host's arrays (allocation-free). */
  observe(): void {
    const values = this.mesh.counters.values;
    const host = this.#meshStats;
    const flushed = this.#flushed;
    for (let c = 0; c < MESH_COUNTER_COUNT; c++) {
      const v = values[c] ?? 0;
      // The mesh's counters count modulo 2^32 (core/mesh/mesh-counters.ts).
      const delta = (v - (flushed[c] ?? 0)) >>> 0;
      if (delta !== 0) {
        host[c] = (host[c] ?? 0) + delta;
        flushed[c] = v;
      }
    }
    const radioStats = this.radio.stats;
    this.#radioDelta(0, host, MeshSiteStat.radioCollisionLosses, radioStats.collisionLosses);
    this.#radioDelta(1, host, MeshSiteStat.radioHalfDuplexLosses, radioStats.halfDuplexLosses);
    this.#radioDelta(2, host, MeshSiteStat.radioReceiveQueueDropped, radioStats.receiveQueueDropped);
    const s = this.#stats;
    this.#radioDelta(3, s, TransportStat.framesSent, radioStats.framesSent);
    this.#radioDelta(4, s, TransportStat.bytesSent, radioStats.bytesSent);
    this.#radioDelta(5, s, TransportStat.airtimeMs, radioStats.airtimeSentUs / 1000);
    s[TransportStat.retransmissions] = (host[MeshCounter.retransmissions] ?? 0) + (host[MeshCounter.fragmentsResent] ?? 0) + (host[MeshCounter.hopRetransmissions] ?? 0);
    s[TransportStat.framesReceived] = host[MeshCounter.framesReceived] ?? 0;
    s[TransportStat.messagesDelivered] = host[MeshCounter.messagesDelivered] ?? 0;
  }

  #radioDelta(slot: number, into: Float64Array, stat: number, value: number): void {
    const delta = value - (this.#radioFlushed[slot] ?? 0);
    if (delta === 0) return;
    into[stat] = (into[stat] ?? 0) + delta;
    this.#radioFlushed[slot] = value;
  }
}
