/**
 * THE place that chooses the site simulator's transport. Today: the
 * stand-in (stand-in-transport.ts: static routes, link ARQ, no security).
 * When core/mesh lands, this function builds the real mesh transport over a
 * simulated radio attached to the kernel (hal/sim/radio) instead, and must
 * still return a SiteTransport: the agent's Transport, plus the two host
 * hooks the site needs (a frame from the kernel, and a capacity check for
 * the invariants). Nothing else in host-sim/site names a transport class.
 */
import type { SiteConfig } from "../../agent/config";
import type { Transport } from "../../agent/transport";
import type { RouteTable } from "./routes";
import { StandInTransport, type RadioLink } from "./stand-in-transport";

export interface SiteTransport extends Transport {
  /** The kernel delivered a frame from neighbour `fromIndex` (inside the node's callback). */
  receiveFrame(fromIndex: number, bytes: Uint8Array, lengthBytes: number): void;
  /** `undefined` while every transport queue is within capacity, else what is wrong. */
  checkCapacities(): string | undefined;
}

export interface SiteTransportSetup {
  readonly nodeIndex: number;
  readonly config: SiteConfig;
  readonly routes: RouteTable;
  readonly link: RadioLink;
  /** Host-owned counters (TransportStat), kept across reboots. */
  readonly stats: Float64Array;
  /** A fresh random 32-bit value per boot. */
  readonly bootNonce: number;
}

export function createSiteTransport(setup: SiteTransportSetup): SiteTransport {
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

/** What the report calls the transport. */
export const SITE_TRANSPORT_NAME = "stand-in (static routes, link ARQ, no security)";
