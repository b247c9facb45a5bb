/**
 * What the mesh must compute identically on V8 and XS (test/xs/mesh.test.ts):
 * frame encode/decode vectors (sealed bytes, header parses of mutated
 * frames, open results) and one full mesh simulation whose trace hash covers
 * every frame on the air, so every routing and relay decision. Platform
 * neutral: no Node, no vitest.
 */
import { ReplayTable, VolatileCounterSource } from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { BROADCAST_NODE_ID, FrameType, LinkHeader, LinkOpener, LinkSealer, parseLinkHeader, rewriteHopFields, type LinkClass } from "../../../core/mesh/index";
import { keyring, runMesh, type MeshRunSpec } from "./helpers";
import { ATTACK } from "./plan";

export const MESH_XS_SCENARIO: MeshRunSpec = Object.freeze({
  name: "mesh-xs-parity",
  seed: 20261124,
  nodes: 12,
  topology: "random",
  areaPerNodeM2: 25_000,
  lossPpm: 50_000,
  duplicatePpm: 20_000,
  reorderPpm: 20_000,
  durationMs: 30_000,
  traffic: { broadcastPeriodMs: 15_000, unicastPeriodMs: 15_000, unicastAck: true, messageBytes: 24, largeMessageBytes: 500, largeEvery: 2, stopAtMs: 18_000, broadcastSenders: 5, unicastSenders: 4 },
  attack: { ...ATTACK, node: 7, startMs: 2_000, everyMs: 900 },
  eventQueueCapacity: 4096,
});

export interface MeshParitySummary {
  readonly ok: boolean;
  readonly events: number;
  readonly traceHash: string;
  readonly stats: Readonly<Record<string, number>>;
  readonly counters: Readonly<Record<string, number>>;
}

export function runMeshParity(): MeshParitySummary {
  const run = runMesh(MESH_XS_SCENARIO);
  const stats: Record<string, number> = {};
  for (const [key, value] of Object.entries(run.workload.stats)) stats[key] = Number(value);
  return { ok: run.summary.ok, events: run.summary.events, traceHash: run.summary.traceHash, stats, counters: run.workload.transportTotals() };
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += ((bytes[i] ?? 0) < 16 ? "0" : "") + (bytes[i] ?? 0).toString(16);
  return out;
}

/** Sealed frames of each type, and what parsing and opening make of them and of mutations. */
export function meshFrameVectors(): string[] {
  const ring = keyring(16);
  const out: string[] = [];
  const sealer = LinkSealer.create(ring.provider, new VolatileCounterSource(0xfffff0), 5);
  const replay = ReplayTable.create({ capacity: 8, windowBits: 64 });
  const keys = ring.keysFor(5);
  const receiverSealer = LinkSealer.create(ring.provider, new VolatileCounterSource(1), 1);
  if (!sealer.ok || !replay.ok || !receiverSealer.ok || keys === undefined) return ["setup failed"];
  sealer.value.setKeys(keys);
  // The receiver is board 1: every unicast frame below is for it (destination 1), so it opens each end to end.
  const receiverKeys = ring.keysFor(1);
  if (receiverKeys === undefined) return ["setup failed"];
  receiverSealer.value.setKeys(receiverKeys);
  const opener = new LinkOpener(ring.provider, receiverSealer.value, replay.value);
  const frame = new Uint8Array(255);
  const plain = new Uint8Array(255);
  const h = new LinkHeader();
  for (let k = 0; k < 24; k++) {
    const type = (k % 7) as FrameType;
    h.type = type;
    h.trafficClass = (k % 3) as LinkClass;
    h.hopLimit = k % 8;
    h.hopsTaken = 0;
    h.routed = (k & 1) === 1;
    h.linkHint = k * 11;
    h.destination = type === FrameType.Broadcast || type === FrameType.BroadcastFragment ? BROADCAST_NODE_ID : 1;
    for (let i = 0; i < k * 9; i++) plain[i] = (i * 13 + k) & 0xff;
    const length = sealer.value.sealAt(h, plain, 0, k * 9, frame);
    const parsed = new LinkHeader();
    const sealedHex = length > 0 ? hex(frame.subarray(0, length)) : `error ${-length}`;
    const code = parseLinkHeader(frame, length, parsed);
    rewriteHopFields(frame, parsed.headerBytes, parsed.hopLimit, !parsed.routed, 0x5a);
    const restamped = opener.stampHop(frame, length);
    parseLinkHeader(frame, length, parsed);
    const hop = opener.verifyHop(frame, length);
    const bad = frame.slice(0, length);
    bad[length - 9] = (bad[length - 9] ?? 0) ^ 1;
    const badHop = opener.verifyHop(bad, length);
    const forged = opener.open(bad, length, parsed, plain);
    const opened = opener.open(frame, length, parsed, plain);
    const replayed = opener.open(frame, length, parsed, plain);
    const truncated = parseLinkHeader(frame, k, parsed);
    out.push(`${sealedHex} parse=${code} restamped=${restamped} hop=${hop} badHop=${badHop} forged=${forged} open=${opened} replayed=${replayed} truncated=${truncated === ErrorCode.Ok ? "ok" : truncated}`);
  }
  return out;
}
