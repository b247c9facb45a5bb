/**
 * Mesh-level benchmark rows (README "Mesh transport"): bytes of overhead per frame, XS
 * computrons per frame sealed and opened (from the XS run of
 * bench/cases/mesh.ts), relays per broadcast under managed vs plain flooding
 * on 100-node random geometric graphs, and airtime per delivered telemetry
 * byte. The simulation rows are deterministic (seeded); only the V8 wall
 * time of the runs is not reported.
 *
 * Standalone: `npx tsx test/bench/mesh-bench.ts [--quick]` (without XS rows).
 */
import { pathToFileURL } from "node:url";
import { FRAGMENT_HEADER_BYTES, FrameType, LINK_TAG_BYTES, SHORT_COUNTER_LIMIT, linkHeaderBytes } from "../../core/mesh/index";
import { runMesh, ratio, type MeshRunSpec } from "../mesh/helpers";
import { BENCH_PAYLOAD_BYTES } from "./cases/mesh";
import { E2E_TAG_BYTES, HOP_TAG_BYTES } from "../../core/mesh/link-auth";
import { XS_KEY_CACHE_ENTRY_BYTES, XS_KEY_SLOT_BYTES } from "../mesh/key-ram";

export interface MeshBenchRow {
  readonly metric: string;
  readonly value: string;
  readonly note: string;
}

interface FloodStats {
  readonly broadcasts: number;
  readonly relays: number;
  readonly delivery: number;
  readonly airtimeUs: number;
  readonly appBytes: number;
}

function floodRun(managed: boolean, seeds: readonly number[]): FloodStats {
  let broadcasts = 0;
  let relays = 0;
  let delivered = 0;
  let expected = 0;
  let airtimeUs = 0;
  let appBytes = 0;
  for (const seed of seeds) {
    const spec: MeshRunSpec = {
      name: managed ? "managed" : "plain",
      seed,
      nodes: 100,
      topology: "random",
      lossPpm: 50_000,
      durationMs: 60_000,
      config: { managedFlooding: managed },
      traffic: { broadcastPeriodMs: 40_000, unicastPeriodMs: 0, unicastAck: false, messageBytes: 24, largeMessageBytes: 0, largeEvery: 0, stopAtMs: 40_000, broadcastSenders: 8, unicastSenders: 0 },
    };
    const run = runMesh(spec);
    if (!run.summary.ok) throw new Error(`mesh bench run failed: ${JSON.stringify(run.summary.violation)}`);
    const stats = run.workload.stats;
    broadcasts += stats.broadcastsSent;
    relays += run.workload.transportTotals()["frames_relayed"] ?? 0;
    delivered += stats.broadcastDelivered;
    expected += stats.broadcastExpected;
    airtimeUs += stats.airtimeUs;
    appBytes += stats.appBytesDelivered;
  }
  return { broadcasts, relays, delivery: ratio(delivered, expected), airtimeUs, appBytes };
}

const FRAME_TYPE_NAMES: readonly [string, FrameType, number][] = [
  ["broadcast", FrameType.Broadcast, 0],
  ["unicast", FrameType.Unicast, 0],
  ["acknowledged unicast", FrameType.UnicastAck, 2],
  ["broadcast fragment", FrameType.BroadcastFragment, FRAGMENT_HEADER_BYTES],
  ["unicast fragment", FrameType.UnicastFragment, FRAGMENT_HEADER_BYTES],
  ["ack", FrameType.Ack, 0],
  ["nack", FrameType.Nack, 0],
  ["hop ack", FrameType.HopAck, 0],
];

/**
 * Link security rows (README "Link security"): overhead by frame type, with the
 * group tag and with split tags (link-auth.ts), and RAM per neighbour for the
 * link keys on a 33-board site, from the per-slot and per-entry heap bytes
 * measured on XS (test/mesh/key-ram.ts).
 */
function linkSecurityRows(): MeshBenchRow[] {
  const perType = FRAME_TYPE_NAMES.map(([name, type, extra]) => `${name} ${linkHeaderBytes(type, 1) + LINK_TAG_BYTES + extra}`).join(", ");
  const split = E2E_TAG_BYTES + HOP_TAG_BYTES;
  const today = XS_KEY_SLOT_BYTES + XS_KEY_CACHE_ENTRY_BYTES;
  // Split tags: one hop key per neighbour pair (both directions), no nonce base; fixed per board: the flood key and the own e2e tag key beside the e2e cipher key that replaces the group send key, minus the group secret.
  const splitPerNeighbour = XS_KEY_SLOT_BYTES + XS_KEY_CACHE_ENTRY_BYTES - 12;
  const splitFixed = XS_KEY_SLOT_BYTES;
  const cache = 16; // radio.keyCacheCapacity default (agent/config.ts)
  return [
    {
      metric: "overhead by frame type (header + tags + typed prefix)",
      value: `${perType} B`,
      note: `short counter form; split tags (${E2E_TAG_BYTES} B e2e + ${HOP_TAG_BYTES} B hop) take the ${LINK_TAG_BYTES} B of the single tag: ${split === LINK_TAG_BYTES ? "no growth" : "GROWTH"}`,
    },
    {
      metric: "RAM per neighbour for link keys, 33-board site (XS heap)",
      value: `${fmt(today, 1)} B group key vs ${fmt(splitPerNeighbour, 1)} B pairwise hop key`,
      note: `one key-store slot (${fmt(XS_KEY_SLOT_BYTES, 1)} B) + one cache entry (${fmt(XS_KEY_CACHE_ENTRY_BYTES, 1)} B, less its 12 B nonce base for a MAC key); a ${cache}-key cache: ${fmt(cache * today, 0)} B vs ${fmt(cache * splitPerNeighbour + splitFixed, 0)} B with the split design's +${fmt(splitFixed, 1)} B fixed (flood key, own e2e tag key); pair secrets stay on flash (32 B x 32 = 1,024 B)`,
    },
    {
      metric: "RAM per origin at a gateway for end-to-end keys (XS heap)",
      value: `${fmt(2 * XS_KEY_SLOT_BYTES + XS_KEY_CACHE_ENTRY_BYTES, 1)} B`,
      note: "cipher key + nonce base + tag key, derived on demand from R_e2e (site-keys.ts), cached like sender keys",
    },
  ];
}

function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** `xsComputrons`: XS computrons/op by case name (from the bench's XS run), if available. */
export function runMeshBench(opts: { quick: boolean; xsComputrons?: ReadonlyMap<string, number> }): MeshBenchRow[] {
  const rows: MeshBenchRow[] = [];
  const broadcast = linkHeaderBytes(FrameType.Broadcast, 1) + LINK_TAG_BYTES;
  const unicast = linkHeaderBytes(FrameType.Unicast, 1) + LINK_TAG_BYTES;
  rows.push({ metric: "overhead per authenticated, encrypted, replay-protected frame", value: `${broadcast} B broadcast / ${unicast} B unicast`, note: "header + 16-byte Poly1305 tag; nonce derived, never sent (Meshtastic: 16 B header, +12 B for an authenticated DM)" });
  rows.push({ metric: "extra overhead", value: `+2 B acknowledged unicast, +${FRAGMENT_HEADER_BYTES} B per fragment, +1 B past 2^24 frames`, note: `long counter header ${linkHeaderBytes(FrameType.Unicast, SHORT_COUNTER_LIMIT)} B` });
  rows.push(...linkSecurityRows());
  const seal = opts.xsComputrons?.get(`link frame seal (${BENCH_PAYLOAD_BYTES}-byte telemetry, ChaCha20/Poly1305)`);
  const roundTrip = opts.xsComputrons?.get(`link frame seal + open (${BENCH_PAYLOAD_BYTES}-byte telemetry, replay window commit)`);
  if (seal !== undefined && roundTrip !== undefined) {
    rows.push({ metric: "XS computrons per frame sealed", value: fmt(seal), note: `${BENCH_PAYLOAD_BYTES}-byte payload, AEAD included (goal <= 150,000)` });
    rows.push({ metric: "XS computrons per frame opened", value: fmt(roundTrip - seal), note: "parse + replay check + AEAD open + commit (round trip minus seal)" });
  }
  const seeds = opts.quick ? [1] : [1, 2, 3, 4];
  const managed = floodRun(true, seeds);
  const plain = floodRun(false, seeds);
  rows.push({
    metric: "relays per broadcast, 100-node random geometric graph",
    value: `${fmt(managed.relays / managed.broadcasts, 1)} managed vs ${fmt(plain.relays / plain.broadcasts, 1)} plain flooding`,
    note: `delivery to nodes within the hop limit ${fmt(managed.delivery, 3)} vs ${fmt(plain.delivery, 3)}; ${seeds.length} seeds, 5 % loss, collisions modelled`,
  });
  rows.push({
    metric: "airtime per delivered telemetry byte",
    value: `${fmt(managed.airtimeUs / Math.max(1, managed.appBytes), 0)} µs managed vs ${fmt(plain.airtimeUs / Math.max(1, plain.appBytes), 0)} µs plain`,
    note: "all transmissions (originals, relays, beacons) over application bytes delivered; SF7/125 kHz/4:5",
  });
  return rows;
}

export function formatMeshBenchTable(rows: readonly MeshBenchRow[]): string {
  return ["| metric | value | note |", "|---|---|---|", ...rows.map((r) => `| ${r.metric} | ${r.value} | ${r.note} |`)].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${formatMeshBenchTable(runMeshBench({ quick: process.argv.includes("--quick") }))}\n`);
}
