/**
 * THE place that chooses the site simulator's transport (site spec field
 * `transport`):
 *  - "mesh": the real secured mesh, core/mesh MeshTransport on a SimRadio
 *    attached to the kernel (mesh-site-transport.ts);
 *  - "stand-in": stand-in-transport.ts (static routes, link ARQ, NO security).
 * Either way it returns a SiteLink: the Transport the agent gets (for the
 * mesh, the MeshTransport a board builds, unwrapped), plus the simulated
 * radio hardware and the observation the site needs (a frame from the
 * kernel, the radio's own timed events, a capacity check for the
 * invariants, the ports' counters, a power-off hook). The agent is driven
 * by agent/driver.ts as on a board. Nothing else in host-sim/site names a
 * transport class.
 */
import { DEFAULT_GROUP_ID, type BoardIdentity, type CompiledSiteConfig, type SiteConfig } from "../../agent/config";
import type { ProvisioningFields } from "../../agent/provisioning";
import type { Transport } from "../../core/mesh/transport-port";
import type { SimAirPort } from "../../hal/sim/radio";
import type { AgentStore } from "../../agent/persistence";
import { boardProvisioning, MeshSiteLink, MeshSiteShared } from "./mesh-site-transport";
import type { RouteTable } from "./routes";
import type { SiteTransportKind } from "./site-spec";
import { StandInTransport, type RadioLink } from "./stand-in-transport";

export interface SiteLink {
  /** What the agent gets; it raises the radio interrupt through `Transport.onReadable`. */
  readonly transport: Transport;
  /** The kernel delivered a frame from neighbour `fromIndex` (inside the node's callback). */
  receiveFrame(fromIndex: number, bytes: Uint8Array, lengthBytes: number): void;
  /** When the simulated radio hardware next has an event of its own (a reception ends), node-local ms, or -1. */
  radioEventMs(): number;
  /** That time came (the radio may interrupt). */
  radioEvent(nowMs: number): void;
  /** `undefined` while every transport queue is within capacity, else what is wrong. */
  checkCapacities(): string | undefined;
  /** Copy what the ports counted into the host's arrays (after every node callback). */
  observe(): void;
  /** The board loses power. */
  close(): void;
}

/** Per-site transport state, built once by buildSite (keys, per-board persisted state). */
export type SiteTransportContext = { readonly kind: "stand-in"; readonly boardCount: number } | { readonly kind: "mesh"; readonly mesh: MeshSiteShared };

export function createSiteTransportContext(kind: SiteTransportKind, boardCount: number): SiteTransportContext | string {
  if (kind === "stand-in") return { kind, boardCount };
  const mesh = MeshSiteShared.create(boardCount);
  return typeof mesh === "string" ? mesh : { kind, mesh };
}

export interface SiteTransportSetup {
  readonly nodeIndex: number;
  readonly config: SiteConfig;
  readonly context: SiteTransportContext;
  readonly routes: RouteTable;
  /** The kernel side: unicast (stand-in), broadcast (mesh radio), the node's clock. */
  readonly link: RadioLink & SimAirPort;
  /** Host-owned counters (TransportStat), kept across reboots. */
  readonly stats: Float64Array;
  /** Host-owned mesh counters (MESH_SITE_STAT_COUNT), kept across reboots. */
  readonly meshStats: Float64Array;
  /** A fresh random 32-bit value per boot. */
  readonly bootNonce: number;
  /** The board's mounted store (the mesh keeps its record and send counter there). */
  readonly store: AgentStore;
}

/** The board's link, or a description of why it could not be built. */
export function createSiteLink(setup: SiteTransportSetup): SiteLink | string {
  const context = setup.context;
  if (context.kind === "mesh") {
    return MeshSiteLink.create({
      nodeIndex: setup.nodeIndex,
      config: setup.config,
      shared: context.mesh,
      air: setup.link,
      stats: setup.stats,
      meshStats: setup.meshStats,
      bootNonce: setup.bootNonce,
      store: setup.store,
    });
  }
  return new StandInTransport({
    nodeIndex: setup.nodeIndex,
    routes: setup.routes,
    link: setup.link,
    radio: setup.config.radio,
    rxFrames: setup.config.capacities.rxFrames,
    txFrames: setup.config.capacities.txFrames,
    stats: setup.stats,
    firstSeq: setup.bootNonce,
  });
}

/**
 * The provisioning record a board of this site gets before its first boot
 * (every board boots its identity from one, whatever the transport). The
 * stand-in keys nothing, so its record carries link secrets derived from a
 * fixed, labelled non-secret authority.
 */
export function siteProvisioning(context: SiteTransportContext, identity: BoardIdentity, site: CompiledSiteConfig): ProvisioningFields {
  if (context.kind === "mesh") return context.mesh.provisioningFor(identity, site);
  return boardProvisioning(identity, site, {
    keyEpoch: site.keys?.keyEpoch ?? 0,
    groupId: site.keys?.groupId ?? DEFAULT_GROUP_ID,
    senderIdMax: context.boardCount,
    // Not a secret: the stand-in transport is unsecured and never uses a key.
    authority: new Uint8Array(32).fill(0x5a),
  });
}

/** What the report calls the transport. */
export function siteTransportName(kind: SiteTransportKind): string {
  return kind === "mesh" ? "mesh (core/mesh MeshTransport, sealed + replay-checked, on the simulated LoRa radio)" : SITE_TRANSPORT_NAME;
}

/** The stand-in's report name. */
export const SITE_TRANSPORT_NAME = "stand-in (static routes, link ARQ, no security)";
