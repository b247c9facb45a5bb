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
import { runMesh, ratio, type MeshRunSpec } from "../core/mesh/helpers";
import { BENCH_PAYLOAD_BYTES, RELAY_CASE, ROUND_TRIP_CASE, SEAL_CASE } from "./cases/mesh";
import { E2E_TAG_BYTES, HOP_TAG_BYTES } from "../../core/mesh/link-header";
import { LINK_SECRET_BYTES } from "../../core/mesh/link-keys";
import { PROVISIONING_RECORD_BYTES } from "../../agent/provisioning";

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
 * Link security rows (README "Link security"): overhead by frame type with
 * the split tags (link-seal.ts), and the RAM the link secrets take: nothing
 * per neighbour (hop tags are under the flood secret F), one pair secret per
 * gateway in a sensor's record, a root on a gateway (site-keys.ts).
 */
function linkSecurityRows(): MeshBenchRow[] {
  const perType = FRAME_TYPE_NAMES.map(([name, type, extra]) => `${name} ${linkHeaderBytes(type, 1) + LINK_TAG_BYTES + extra}`).join(", ");
  const split = E2E_TAG_BYTES + HOP_TAG_BYTES;
  return [
    {
      metric: "overhead by frame type (header + tags + typed prefix)",
      value: `${perType} B`,
      note: `short counter form; split tags (${E2E_TAG_BYTES} B end to end + ${HOP_TAG_BYTES} B per hop) take the ${LINK_TAG_BYTES} B the one AEAD tag took: ${split === LINK_TAG_BYTES ? "no growth" : "GROWTH"}`,
    },
    {
      metric: "RAM for link secrets on a 33-board site",
      value: `0 B per neighbour; ${LINK_SECRET_BYTES} B per gateway (sensor), ${LINK_SECRET_BYTES} B root + ${LINK_SECRET_BYTES} B per lower gateway (gateway)`,
      note: `in the provisioning record the store keeps anyway (${PROVISIONING_RECORD_BYTES} B, agent/provisioning.ts), read in place per frame; no key-store slot, no cache (the group scheme's 16-key cache was ~1 KB)`,
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
  const seal = opts.xsComputrons?.get(SEAL_CASE);
  const roundTrip = opts.xsComputrons?.get(ROUND_TRIP_CASE);
  const relay = opts.xsComputrons?.get(RELAY_CASE);
  if (seal !== undefined && roundTrip !== undefined && relay !== undefined) {
    rows.push({ metric: "XS computrons per frame sealed", value: fmt(seal), note: `${BENCH_PAYLOAD_BYTES}-byte payload: payload key, ChaCha20, end-to-end and hop tags (goal <= 150,000)` });
    rows.push({ metric: "XS computrons per frame opened", value: fmt(roundTrip - seal), note: "parse + hop tag + replay check + end-to-end tag + commit + decrypt (round trip minus seal)" });
    rows.push({ metric: "XS computrons per frame relayed", value: fmt(relay), note: "hop tag checked, hop fields rewritten, hop tag stamped" });
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
