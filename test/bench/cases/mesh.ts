/**
 * Hot paths of core/mesh (README "Mesh transport"): sealing and opening link frames (the
 * split tags of link-seal.ts: keyed BLAKE2s tags, ChaCha20 payload), a relay's hop
 * check and re-stamp, header parsing, the duplicate
 * cache, route lookups, airtime lookups, and the transport's receive path
 * for a relayed duplicate (dropped before any cryptography).
 *
 * Opening cannot be benchmarked alone without allocating: a frame opens
 * once (the replay window refuses it afterwards), so `run` would need fresh
 * frames forever. "seal + open" measures the round trip; the open cost is
 * the difference with "seal" (bench/mesh-bench.ts reports it).
 */
import { ReplayTable, VolatileCounterSource } from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import type { Result, Status } from "../../../core/runtime/result";
import type { ValueOrCode } from "../../../core/collections/value-or-code";
import {
  AirtimeTable,
  BROADCAST_NODE_ID,
  FrameType,
  LinkClass,
  LinkHeader,
  LinkOpener,
  LinkSealer,
  MeshCounter,
  MeshTransport,
  RecentPairs,
  RouteTable,
  meshConfig,
  parseLinkHeader,
  type LoRaParams,
  type MeshRadio,
  type RadioReception,
} from "../../../core/mesh/index";
import { MeshKeyring } from "../../../host-sim/kernel/workloads/mesh-keys";
import { benchCase, type BenchCase } from "./types";

const GROUP = "mesh";
const CRYPTO_OPS = 20;
const OPS = 1_000;
/** Application payload of the telemetry frames sealed here (a 24-byte reading record). */
export const BENCH_PAYLOAD_BYTES = 24;
/** Case names the bench report reads XS computrons by (bench/mesh-bench.ts). */
export const SEAL_CASE = `link frame seal (${BENCH_PAYLOAD_BYTES}-byte telemetry: payload key, ChaCha20, end-to-end and hop tags)`;
export const ROUND_TRIP_CASE = `link frame seal + open (${BENCH_PAYLOAD_BYTES}-byte telemetry: hop check, end-to-end tag, replay window commit)`;
export const RELAY_CASE = `link frame relay (${BENCH_PAYLOAD_BYTES}-byte telemetry: hop check + re-stamp)`;

const LORA: LoRaParams = Object.freeze({ spreadingFactor: 7, bandwidthHz: 125_000, codingRateDenominator: 5, preambleSymbols: 8, crcOn: true, implicitHeader: false });

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bench setup failed with code ${result.code}`);
  return result.value;
}

function unwrapKeys<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("bench setup: no keys");
  return value;
}

function keys(): MeshKeyring {
  return unwrap(MeshKeyring.create(8));
}

interface SealState {
  readonly sealer: LinkSealer;
  readonly opener: LinkOpener;
  readonly header: LinkHeader;
  readonly parsed: LinkHeader;
  readonly payload: Uint8Array;
  readonly frame: Uint8Array;
  readonly out: Uint8Array;
}

function sealState(): SealState {
  const ring = keys();
  const sealer = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(1), 3));
  const own = ring.keysFor(3);
  const receiver = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(1), 1));
  const theirs = ring.keysFor(1);
  if (own === undefined || theirs === undefined) throw new Error("no keys");
  sealer.setKeys(own);
  receiver.setKeys(theirs);
  const opener = new LinkOpener(ring.provider, receiver, unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 })));
  const header = new LinkHeader();
  header.type = FrameType.Broadcast;
  header.trafficClass = LinkClass.Telemetry;
  header.hopLimit = 3;
  header.destination = BROADCAST_NODE_ID;
  header.linkHint = 3;
  return { sealer, opener, header, parsed: new LinkHeader(), payload: new Uint8Array(BENCH_PAYLOAD_BYTES).fill(7), frame: new Uint8Array(255), out: new Uint8Array(255) };
}

const frameSeal: BenchCase<SealState> = {
  group: GROUP,
  name: SEAL_CASE,
  opsPerRun: CRYPTO_OPS,
  setup: sealState,
  run(s) {
    let check = 0;
    for (let i = 0; i < CRYPTO_OPS; i++) check += s.sealer.sealAt(s.header, s.payload, 0, s.payload.length, s.frame);
    return check;
  },
};

const frameRoundTrip: BenchCase<SealState> = {
  group: GROUP,
  name: ROUND_TRIP_CASE,
  opsPerRun: CRYPTO_OPS,
  setup: sealState,
  run(s) {
    let check = 0;
    for (let i = 0; i < CRYPTO_OPS; i++) {
      const length = s.sealer.sealAt(s.header, s.payload, 0, s.payload.length, s.frame);
      parseLinkHeader(s.frame, length, s.parsed);
      check += s.opener.verifyHop(s.frame, length);
      check += s.opener.open(s.frame, length, s.parsed, s.out);
    }
    return check;
  },
};

interface RelayState extends SealState {
  readonly length: number;
}

const frameRelay: BenchCase<RelayState> = {
  group: GROUP,
  name: RELAY_CASE,
  opsPerRun: CRYPTO_OPS,
  setup() {
    const s = sealState();
    const length = s.sealer.sealAt(s.header, s.payload, 0, s.payload.length, s.frame);
    return { ...s, length };
  },
  run(s) {
    let check = 0;
    for (let i = 0; i < CRYPTO_OPS; i++) {
      check += s.opener.verifyHop(s.frame, s.length);
      check += s.opener.stampHop(s.frame, s.length);
    }
    return check;
  },
};

interface ParseState {
  readonly frame: Uint8Array;
  readonly length: number;
  readonly parsed: LinkHeader;
}

const headerParse: BenchCase<ParseState> = {
  group: GROUP,
  name: "link header parse + validate",
  opsPerRun: OPS,
  setup() {
    const s = sealState();
    const length = s.sealer.sealAt(s.header, s.payload, 0, s.payload.length, s.frame);
    return { frame: s.frame, length, parsed: new LinkHeader() };
  },
  run(s) {
    let check = 0;
    for (let i = 0; i < OPS; i++) check += parseLinkHeader(s.frame, s.length, s.parsed) + s.parsed.counter;
    return check;
  },
};

interface CacheState {
  readonly cache: RecentPairs;
  readonly next: Float64Array;
}

const duplicateLookup: BenchCase<CacheState> = {
  group: GROUP,
  name: "duplicate cache lookup (256 entries, hit)",
  opsPerRun: OPS,
  setup() {
    const cache = unwrap(RecentPairs.create(256));
    for (let i = 0; i < 256; i++) cache.insert(1 + (i % 40), 1000 + i, i, 0);
    return { cache, next: new Float64Array(1) };
  },
  run(s) {
    let check = 0;
    for (let i = 0; i < OPS; i++) check += s.cache.find(1 + (i % 40), 1000 + (i & 255));
    return check;
  },
};

const duplicateInsert: BenchCase<CacheState> = {
  group: GROUP,
  name: "duplicate cache insert (256 entries, full: evict oldest)",
  opsPerRun: OPS,
  setup() {
    const cache = unwrap(RecentPairs.create(256));
    for (let i = 0; i < 256; i++) cache.insert(1 + (i % 40), i, i, 0);
    return { cache, next: new Float64Array([256]) };
  },
  run(s) {
    let check = 0;
    for (let i = 0; i < OPS; i++) {
      const n = s.next[0] ?? 0;
      s.next[0] = n + 1;
      check += s.cache.insert(1 + (n % 40), n % 0xffff_ffff, i, 0);
    }
    return check;
  },
};

interface RouteState {
  readonly routes: RouteTable;
}

const routeLookup: BenchCase<RouteState> = {
  group: GROUP,
  name: "route lookup (64 learned routes)",
  opsPerRun: OPS,
  setup() {
    const routes = unwrap(RouteTable.create(64, 600_000));
    for (let d = 1; d <= 64; d++) routes.learn(d, 1 + (d % 5), 1 + (d % 4), 0);
    return { routes };
  },
  run(s) {
    let check = 0;
    for (let i = 0; i < OPS; i++) check += s.routes.nextHop(1 + (i & 63), 1000);
    return check;
  },
};

const airtimeLookup: BenchCase<{ readonly table: AirtimeTable }> = {
  group: GROUP,
  name: "LoRa airtime lookup (SF7/125 kHz table)",
  opsPerRun: OPS,
  setup() {
    return { table: unwrap(AirtimeTable.forLoRa(LORA, 255)) };
  },
  run(s) {
    let check = 0;
    for (let i = 0; i < OPS; i++) check += s.table.airtimeUs(i & 255);
    return check;
  },
};

/** A radio that hears the same frame over and over (a relayed copy). */
class EchoRadio implements MeshRadio {
  readonly mtuBytes = 255;
  readonly #frame: Uint8Array;
  readonly #length: number;
  readonly #airtime: AirtimeTable;
  pending = 0;

  constructor(frame: Uint8Array, length: number, airtime: AirtimeTable) {
    this.#frame = frame;
    this.#length = length;
    this.#airtime = airtime;
  }
  airtimeUs(lengthBytes: number): number {
    return this.#airtime.airtimeUs(lengthBytes);
  }
  isTransmitting(): boolean {
    return false;
  }
  isChannelBusy(): boolean {
    return false;
  }
  transmit(): Status {
    return ErrorCode.Ok;
  }
  receive(_nowMs: number, out: Uint8Array, meta: RadioReception): ValueOrCode {
    if (this.pending === 0) return -ErrorCode.Empty;
    this.pending--;
    for (let i = 0; i < this.#length; i++) out[i] = this.#frame[i] ?? 0;
    meta.rssiDbm = -90;
    meta.snrQuarterDb = 8;
    meta.airtimeUs = 0;
    return this.#length;
  }
}

interface DuplicateState {
  readonly transport: MeshTransport;
  readonly radio: EchoRadio;
  readonly clockMs: Float64Array;
}

const duplicateDrop: BenchCase<DuplicateState> = {
  group: GROUP,
  name: "transport receive: relayed duplicate dropped after its hop tag, before the end-to-end tag",
  opsPerRun: OPS,
  setup() {
    const ring = keys();
    const s = sealState();
    const length = s.sealer.sealAt(s.header, s.payload, 0, s.payload.length, s.frame);
    const airtime = unwrap(AirtimeTable.forLoRa(LORA, 255));
    const radio = new EchoRadio(s.frame, length, airtime);
    const transport = unwrap(
      MeshTransport.create({
        nodeId: 5,
        radio,
        provider: ring.provider,
        counterSource: new VolatileCounterSource(1),
        keys: unwrapKeys(ring.keysFor(5)),
        replay: unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 })),
        random: new Xoshiro128(5),
        config: meshConfig({ helloIntervalMs: 0, relaySlots: 1 }),
      }),
    );
    radio.pending = 1;
    transport.tick(1); // accept it once
    return { transport, radio, clockMs: new Float64Array([2]) };
  },
  run(s) {
    s.radio.pending = OPS;
    const t = (s.clockMs[0] ?? 0) + 1;
    s.clockMs[0] = t;
    for (let i = 0; i < OPS && s.radio.pending > 0; i++) s.transport.tick(t);
    return s.transport.counters.get(MeshCounter.dropDuplicate);
  },
};

export const meshCases: readonly BenchCase[] = Object.freeze([
  benchCase(frameSeal),
  benchCase(frameRoundTrip),
  benchCase(frameRelay),
  benchCase(headerParse),
  benchCase(duplicateLookup),
  benchCase(duplicateInsert),
  benchCase(routeLookup),
  benchCase(airtimeLookup),
  benchCase(duplicateDrop),
]);
