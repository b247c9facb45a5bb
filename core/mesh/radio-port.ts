/**
 * What the mesh transport needs from a radio (README "Mesh transport"). Declared here so
 * core stays independent of hal; hal/radio.ts extends it as the hardware
 * contract, and hal/sim/radio.ts, hal/moddable/radio/* implement it.
 *
 * Half duplex, one frame at a time: `transmit` refuses while a frame is on
 * the air. Received frames wait in the radio's own bounded queue until the
 * transport takes them with `receive`. Nothing here throws; drivers turn
 * exceptions into MeshRadioFault.
 */
import type { ValueOrCode } from "../collections/value-or-code";
import type { Status } from "../runtime/result";

/** Link measurements of the frame `receive` returned last. Caller-owned, reused. */
export class RadioReception {
  /** Received signal strength, dBm (integer). */
  rssiDbm = 0;
  /** Signal-to-noise ratio in quarter dB (the SX127x RegPktSnrValue unit, §6.4). */
  snrQuarterDb = 0;
  /** Time this frame occupied the channel, µs (for the channel-utilisation estimate). */
  airtimeUs = 0;
}

export interface MeshRadio {
  /** Largest frame the radio sends, bytes (255 for LoRa; the UDP datagram size chosen for Wi-Fi). */
  readonly mtuBytes: number;
  /** Time on air of a frame of `lengthBytes`, µs (airtime.ts); -1 past the MTU. */
  airtimeUs(lengthBytes: number): number;
  /** True while a transmission started earlier is still on the air at `nowMs`. */
  isTransmitting(nowMs: number): boolean;
  /** True while the radio hears a frame being received (carrier sense), at `nowMs`. */
  isChannelBusy(nowMs: number): boolean;
  /**
   * Start sending bytes[0 .. lengthBytes); the radio copies them. Ok,
   * MeshRadioBusy (a frame is on the air), MeshFrameOversized, MeshRadioFault.
   */
  transmit(bytes: Uint8Array, lengthBytes: number, nowMs: number): Status;
  /**
   * Move the oldest frame received by `nowMs` into `out` and its link
   * measurements into `meta`. Returns its length, -Empty when none is
   * waiting, -MeshFrameOversized when it did not fit `out` (then dropped).
   */
  receive(nowMs: number, out: Uint8Array, meta: RadioReception): ValueOrCode;
  /**
   * Register the handler the radio calls when a received frame has entered
   * its queue (its receive interrupt: the SX127x RxDone / the driver's
   * onReadable). Optional: a radio without it is only polled. The handler
   * must not call back into the radio; it wakes whoever polls it.
   */
  onReadable?(handler: () => void): void;
}
