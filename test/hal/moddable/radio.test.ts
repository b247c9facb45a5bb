/**
 * The Moddable radios' receive queue (hal/moddable/radio/frame-queue.ts)
 * and the SX127x adapter's buffers: a driver reads straight into the
 * queue's record buffer and writes straight from the transport's frame,
 * so neither keeps a frame buffer of its own.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { loraAirtimeUs } from "../../../core/mesh/airtime";
import { RadioReception } from "../../../core/mesh/radio-port";
import { FrameQueue } from "../../../hal/moddable/radio/frame-queue";
import { Sx127xRadio, type Sx127xDriver } from "../../../hal/moddable/radio/sx127x-radio";
import { unwrap } from "../../core/mesh/fixtures";
import { LORA_SF7 } from "../../core/mesh/helpers";

function frame(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed + i * 7) & 0xff;
  return bytes;
}

describe("FrameQueue", () => {
  it("hands frames back in order with their measurements, whether copied in or read into its buffer", () => {
    const queue = unwrap(FrameQueue.create(256, 40));
    expect(queue.push(frame(40, 1), 40, -91, -7, 61_696)).toBe(true);
    const read = frame(12, 2);
    queue.receiveBuffer.set(read);
    expect(queue.pushReceived(12, -300, 200, 70_000_000)).toBe(true);
    expect(queue.count).toBe(2);
    const out = new Uint8Array(40);
    const meta = new RadioReception();
    expect(queue.shift(out, meta)).toBe(40);
    expect(out).toEqual(frame(40, 1));
    expect([meta.rssiDbm, meta.snrQuarterDb, meta.airtimeUs]).toEqual([-91, -7, 62_000]);
    expect(queue.shift(out, meta)).toBe(12);
    expect(out.subarray(0, 12)).toEqual(read);
    // Clamped measurements: RSSI to -255 dBm, SNR to +127 quarter dB, airtime to 65,535 ms.
    expect([meta.rssiDbm, meta.snrQuarterDb, meta.airtimeUs]).toEqual([-255, 127, 65_535_000]);
    expect(queue.shift(out, meta)).toBe(-ErrorCode.Empty);
  });

  it("refuses (and counts) a frame longer than its MTU, and a frame when full, keeping what it holds", () => {
    const queue = unwrap(FrameQueue.create(64, 20, 255));
    expect(queue.receiveBuffer.length).toBe(255 + 4);
    expect(queue.push(frame(21, 3), 21, -50, 0, 1000)).toBe(false);
    expect(queue.pushReceived(21, -50, 0, 1000)).toBe(false);
    expect(queue.dropped).toBe(2);
    expect(queue.push(frame(20, 4), 20, -50, 0, 1000)).toBe(true);
    expect(queue.push(frame(20, 5), 20, -50, 0, 1000)).toBe(true);
    expect(queue.push(frame(20, 6), 20, -50, 0, 1000)).toBe(false);
    expect(queue.dropped).toBe(3);
    expect(queue.count).toBe(2);
    const out = new Uint8Array(20);
    expect(queue.shift(out, new RadioReception())).toBe(20);
    expect(out).toEqual(frame(20, 4));
  });

  it("refuses a read size below the MTU", () => {
    expect(FrameQueue.create(64, 20, 19).ok).toBe(false);
  });
});

/** A stand-in for Moddable's sx127x driver: records writes, and reads the frame it is given to deliver. */
class FakeDriver implements Sx127xDriver {
  static last: FakeDriver | undefined;
  readonly options: { onReadable: (count: number) => void; onWritable: () => void };
  written: number[][] = [];
  pending: Uint8Array | undefined;
  constructor(options: unknown) {
    this.options = options as FakeDriver["options"];
    FakeDriver.last = this;
  }
  read(buffer: Uint8Array): number | undefined {
    const pending = this.pending;
    // Moddable's driver refuses a buffer shorter than the frame (and keeps the packet).
    if (pending === undefined || pending.length > buffer.byteLength) return undefined;
    buffer.set(pending);
    this.pending = undefined;
    return pending.length;
  }
  write(buffer: Uint8Array, size?: number): void {
    this.written.push([...buffer.subarray(0, size ?? buffer.byteLength)]);
  }
  statistics(): { packetRssi: number; snr: number } {
    return { packetRssi: -80.4, snr: 6.25 };
  }
  close(): void {}
}

describe("Sx127xRadio buffers", () => {
  const open = (mtuBytes: number): Sx127xRadio =>
    unwrap(
      Sx127xRadio.open(FakeDriver, {
        pins: {} as never,
        lora: LORA_SF7,
        frequencyHz: 869_525_000,
        transmitPowerDbm: 14,
        mtuBytes,
        receiveQueueBytes: 1024,
      }),
    );

  it("writes exactly the caller's frame bytes, and a later change to the caller's buffer is not sent again", () => {
    const radio = open(255);
    const tx = frame(255, 9);
    expect(radio.transmit(tx, 30, 0)).toBe(ErrorCode.Ok);
    tx.fill(0);
    FakeDriver.last?.options.onWritable();
    expect(radio.transmit(frame(255, 10), 5, 1000)).toBe(ErrorCode.Ok);
    expect(FakeDriver.last?.written).toEqual([[...frame(30, 9)], [...frame(5, 10)]]);
  });

  it("queues a received frame read straight into the queue, with its measurements, and drops one above the MTU (counted)", () => {
    const radio = open(64);
    const driver = FakeDriver.last as FakeDriver;
    driver.pending = frame(200, 11);
    driver.options.onReadable(1);
    expect(radio.stats.receiveQueueDropped).toBe(1);
    expect(radio.stats.faults).toBe(0);
    driver.pending = frame(64, 12);
    driver.options.onReadable(1);
    const out = new Uint8Array(64);
    const meta = new RadioReception();
    expect(radio.receive(0, out, meta)).toBe(64);
    expect(out).toEqual(frame(64, 12));
    expect([meta.rssiDbm, meta.snrQuarterDb, meta.airtimeUs]).toEqual([-80, 25, Math.ceil(loraAirtimeUs(LORA_SF7, 64) / 1000) * 1000]);
    expect(radio.receive(0, out, meta)).toBe(-ErrorCode.Empty);
  });
});
