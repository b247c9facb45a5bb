/**
 * Fixtures for the mesh unit tests: a keyring, a loopback "air" that moves
 * frames between radios only when a test says so, and transports on it.
 * Platform neutral apart from nothing: no Node, no vitest.
 */
import { ReplayTable, VolatileCounterSource } from "../../../core/crypto/index";
import { LinkScratch, stampHop, windowIdMax } from "../../../core/mesh/link-seal";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import type { Result, Status } from "../../../core/runtime/result";
import type { ValueOrCode } from "../../../core/collections/value-or-code";
import { AirtimeTable } from "../../../core/mesh/airtime";
import { meshConfig, type MeshConfig } from "../../../core/mesh/mesh-config";
import type { MeshRadio, RadioReception } from "../../../core/mesh/radio-port";
import { MeshTransport, type MeshObserver, type MeshTransportOptions } from "../../../core/mesh/transport";
import { keyring, LORA_SF7 } from "./helpers";
import { takeDeliveries } from "../../support/deliveries";

export function unwrap<T>(result: Result<T>, what = "operation"): T {
  if (!result.ok) throw new Error(`${what} failed with code ${result.code}`);
  return result.value;
}

export const AIRTIME = unwrap(AirtimeTable.forLoRa(LORA_SF7, 255), "airtime table");

/** A frame on the loopback air. */
export interface AirFrame {
  readonly from: number;
  readonly bytes: Uint8Array;
}

/** A radio whose transmissions go to a list the test controls, and whose receptions the test pushes. */
export class LoopbackRadio implements MeshRadio {
  readonly mtuBytes: number;
  readonly sent: AirFrame[] = [];
  readonly inbox: { bytes: Uint8Array; snr: number; rssi: number }[] = [];
  busyUntilMs = 0;
  channelBusy = false;
  failNext: Status = ErrorCode.Ok;
  readonly #id: number;

  constructor(id: number, mtuBytes = 255) {
    this.#id = id;
    this.mtuBytes = mtuBytes;
  }

  airtimeUs(lengthBytes: number): number {
    return lengthBytes > this.mtuBytes ? -1 : AIRTIME.airtimeUs(lengthBytes);
  }
  isTransmitting(nowMs: number): boolean {
    return nowMs < this.busyUntilMs;
  }
  isChannelBusy(): boolean {
    return this.channelBusy;
  }
  transmit(bytes: Uint8Array, lengthBytes: number, nowMs: number): Status {
    if (this.failNext !== ErrorCode.Ok) {
      const status = this.failNext;
      this.failNext = ErrorCode.Ok;
      return status;
    }
    if (nowMs < this.busyUntilMs) return ErrorCode.MeshRadioBusy;
    this.sent.push({ from: this.#id, bytes: bytes.slice(0, lengthBytes) });
    this.busyUntilMs = nowMs + Math.ceil(this.airtimeUs(lengthBytes) / 1000);
    return ErrorCode.Ok;
  }
  receive(_nowMs: number, out: Uint8Array, meta: RadioReception): ValueOrCode {
    const next = this.inbox.shift();
    if (next === undefined) return -ErrorCode.Empty;
    if (next.bytes.length > out.length) return -ErrorCode.MeshFrameOversized;
    out.set(next.bytes);
    meta.snrQuarterDb = next.snr;
    meta.rssiDbm = next.rssi;
    meta.airtimeUs = this.airtimeUs(next.bytes.length);
    return next.bytes.length;
  }
  /** Hand a frame to this radio as if heard on the air. */
  hear(bytes: Uint8Array, snrQuarterDb = 0, rssiDbm = -80): void {
    this.inbox.push({ bytes: bytes.slice(), snr: snrQuarterDb, rssi: rssiDbm });
  }
}

export interface Node {
  readonly id: number;
  readonly radio: LoopbackRadio;
  readonly transport: MeshTransport;
  readonly replay: ReplayTable;
  readonly delivered: { source: number; trafficClass: number; bytes: Uint8Array }[];
  readonly outcomes: { destination: number; messageId: number; status: Status }[];
}

export interface NodeOptions {
  readonly config?: Partial<MeshConfig>;
  readonly mtuBytes?: number;
  readonly observer?: MeshObserver;
  readonly extra?: Partial<MeshTransportOptions>;
  readonly counterStart?: number;
}

/** A transport with mesh id `id` on a loopback radio, keyed from the shared keyring. */
export function makeNode(id: number, options: NodeOptions = {}): Node {
  const ring = keyring();
  const radio = new LoopbackRadio(id, options.mtuBytes ?? 255);
  const replay = unwrap(ReplayTable.create({ capacity: windowIdMax(ring.siteSize), windowBits: 128 }), "replay table");
  const keys = ring.keysFor(id);
  if (keys === undefined) throw new Error(`no keys for ${id}`);
  const transport = unwrap(
    MeshTransport.create({
      nodeId: id,
      radio,
      provider: ring.provider,
      counterSource: new VolatileCounterSource(options.counterStart ?? 1),
      keys,
      replay,
      random: new Xoshiro128(id),
      config: meshConfig({ relayJitterSlots: 1, helloIntervalMs: 0, sendBurstMessages: [100, 100, 100], accessDelayMaxMs: [0, 0, 0], ...options.config }),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      ...options.extra,
    }),
    "transport",
  );
  const node: Node = { id, radio, transport, replay, delivered: [], outcomes: [] };
  return node;
}

/** Take the transport's outcome batch into `node.outcomes` (what a driver does after every call into the transport). */
export function takeOutcomes(node: Node): void {
  const transport = node.transport;
  for (let i = 0; i < transport.outcomeCount; i++) {
    node.outcomes.push({ destination: transport.outcomeDestination(i), messageId: transport.outcomeMessageId(i), status: transport.outcomeStatus(i) });
  }
  transport.advanceOutcomes();
}

/** Tick, collect deliveries, then outcomes. */
export function step(node: Node, nowMs: number): void {
  node.transport.tick(nowMs);
  takeDeliveries(node.transport, 1000, (source, trafficClass, bytes, offset, length) => {
    node.delivered.push({ source, trafficClass, bytes: bytes.slice(offset, offset + length) });
  });
  takeOutcomes(node);
}

/** Move every frame `from` sent so far to each radio in `to` (and forget it). */
export function carry(from: Node, to: readonly Node[], snrQuarterDb = 0): number {
  const frames = from.radio.sent.splice(0);
  for (const frame of frames) for (const node of to) node.radio.hear(frame.bytes, snrQuarterDb);
  return frames.length;
}

/** Run a small static network until quiet: every node ticks each ms, frames reach `links[i]`. */
export function settle(nodes: readonly Node[], links: ReadonlyMap<number, readonly number[]>, startMs: number, untilMs: number): number {
  let now = startMs;
  for (; now <= untilMs; now++) {
    for (const node of nodes) step(node, now);
    for (const node of nodes) {
      const targets = (links.get(node.id) ?? []).map((id) => nodes.find((n) => n.id === id)).filter((n): n is Node => n !== undefined);
      carry(node, targets);
    }
  }
  return now;
}

export function bytesOf(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** `length` bytes of a recognisable pattern (seeded). */
export function payload(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_v, i) => (i * 7 + seed) & 0xff);
}

/** Links of a chain: each id hears the ids before and after it. */
export function line(...ids: number[]): Map<number, number[]> {
  const links = new Map<number, number[]>();
  for (let i = 0; i < ids.length; i++) {
    const near: number[] = [];
    if (i > 0) near.push(ids[i - 1] ?? 0);
    if (i + 1 < ids.length) near.push(ids[i + 1] ?? 0);
    links.set(ids[i] ?? 0, near);
  }
  return links;
}

/**
 * What any board of the site can do with the flood secret F it holds: stamp
 * a valid hop tag over `frame` as it stands (after a relay's rewrite, or
 * after a tampering the end-to-end tag must still catch). Board `by`'s keys.
 */
export function restamp(frame: Uint8Array, by = 3): Uint8Array {
  const ring = keyring();
  const keys = ring.keysFor(by);
  if (keys === undefined) throw new Error(`no keys for ${by}`);
  const out = frame.slice();
  if (stampHop(ring.provider, keys, new LinkScratch(), out, out.length) !== ErrorCode.Ok) throw new Error("stamp failed");
  return out;
}
