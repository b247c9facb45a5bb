/**
 * Radio contract (README "Mesh transport"): the mesh transport's radio port
 * (core/mesh/radio-port.ts) plus what the agent needs to manage a driver.
 *
 * Implementations: hal/sim/radio.ts (attached to the simulation kernel's
 * network, with airtime-based collisions) and hal/moddable/radio/
 * (SX127x LoRa over the Moddable `sx127x` driver; UDP over
 * embedded:io/socket/udp). Like every HAL driver they never throw: driver
 * exceptions become MeshRadioFault and are counted.
 */
import type { MeshRadio } from "../core/mesh/radio-port";

export type { MeshRadio, RadioReception } from "../core/mesh/radio-port";

/** Counters every radio keeps (for metrics and tests). */
export interface RadioStats {
  readonly framesSent: number;
  readonly framesReceived: number;
  /** Received frames dropped because the radio's receive queue was full. */
  readonly receiveQueueDropped: number;
  /** Driver calls that threw or reported an error. */
  readonly faults: number;
}

export interface Radio extends MeshRadio {
  readonly stats: RadioStats;
  /** Every hardware radio interrupts: `handler` runs after each received frame is queued (the agent's driver wakes). */
  onReadable(handler: () => void): void;
  /** Release the hardware (guarded; idempotent). Later calls fail with MeshRadioFault. */
  close(): void;
}
