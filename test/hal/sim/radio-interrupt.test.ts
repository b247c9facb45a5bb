/**
 * The simulated radio's receive interrupt (hal/sim/radio.ts), which wakes
 * the agent's driver as a board's SX127x RxDone does: it fires when a frame
 * has been received whole (the end of its airtime, when the host advances
 * the radio), not when it starts; never for a collided frame; and not for a
 * frame the transport takes itself in `receive`.
 */
import { describe, expect, it } from "vitest";
import { AirtimeTable } from "../../../core/mesh/airtime";
import { RadioReception } from "../../../core/mesh/radio-port";
import { ErrorCode } from "../../../core/runtime/errors";
import { SIM_AIR_PREFIX_BYTES, SimAirFlag, SimRadio } from "../../../hal/sim/radio";

const LORA = { spreadingFactor: 7, bandwidthHz: 125_000, codingRateDenominator: 5, preambleSymbols: 8, crcOn: true, implicitHeader: false } as const;

function radio(collisions = true): { radio: SimRadio; interrupts: () => number } {
  const airtime = AirtimeTable.forLoRa(LORA, 255);
  if (!airtime.ok) throw new Error("airtime");
  const made = SimRadio.create({ broadcast: () => ErrorCode.Ok }, { mtuBytes: 255, airtime: airtime.value, receiveQueueBytes: 4 * 260, link: { snrQuarterDb: () => 20, rssiDbm: (from) => -60 - from * 20 }, collisions });
  if (!made.ok) throw new Error("radio");
  let count = 0;
  made.value.onReadable(() => {
    count++;
  });
  return { radio: made.value, interrupts: () => count };
}

function onAirFrame(length: number): Uint8Array {
  const bytes = new Uint8Array(length + SIM_AIR_PREFIX_BYTES);
  bytes[0] = SimAirFlag.Radio;
  for (let i = 0; i < length; i++) bytes[SIM_AIR_PREFIX_BYTES + i] = i & 0xff;
  return bytes;
}

describe("simulated radio receive interrupt", () => {
  it("interrupts once, at the end of the frame's airtime, not when it starts", () => {
    const { radio: r, interrupts } = radio();
    const frame = onAirFrame(40);
    r.onAir(1, frame, frame.length, 1_000);
    expect(interrupts()).toBe(0);
    const endMs = r.nextEventMs();
    expect(endMs).toBeGreaterThan(1_000);
    r.advance(endMs - 1);
    expect(interrupts()).toBe(0);
    r.advance(endMs);
    expect(interrupts()).toBe(1);
    expect(r.nextEventMs()).toBe(-1);
    expect(r.receive(endMs, new Uint8Array(255), new RadioReception())).toBe(40);
    expect(interrupts()).toBe(1);
  });

  it("does not interrupt for a frame the transport takes itself in receive", () => {
    const { radio: r, interrupts } = radio();
    const frame = onAirFrame(20);
    r.onAir(1, frame, frame.length, 0);
    expect(r.receive(r.nextEventMs(), new Uint8Array(255), new RadioReception())).toBe(20);
    expect(interrupts()).toBe(0);
  });

  it("does not interrupt for frames lost in a collision", () => {
    const { radio: r, interrupts } = radio();
    const frame = onAirFrame(40);
    r.onAir(1, frame, frame.length, 0);
    r.onAir(2, frame, frame.length, 5); // node 2 is heard at -100 dBm, node 1 at -80 dBm
    r.advance(10_000);
    // Node 1's frame (-80 dBm) captured the channel against node 2's (-100 dBm): one frame, one interrupt.
    expect(r.stats.captures).toBe(1);
    expect(interrupts()).toBe(1);
    const equal = radio();
    equal.radio.onAir(1, frame, frame.length, 0);
    equal.radio.onAir(1, frame, frame.length, 5); // the same strength: both lost
    equal.radio.advance(10_000);
    expect(equal.radio.stats.collisionLosses).toBe(2);
    expect(equal.interrupts()).toBe(0);
  });

  it("without collisions a frame is complete on arrival and interrupts at once", () => {
    const { radio: r, interrupts } = radio(false);
    const frame = onAirFrame(12);
    r.onAir(3, frame, frame.length, 0);
    expect(interrupts()).toBe(1);
  });
});
