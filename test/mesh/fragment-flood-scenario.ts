/**
 * A multi-identity fragment flood at a gateway (README "Link security"):
 * a captured board, one hop from the gateway, sends every round 50 first
 * fragments claiming 50 other boards of the site, and 50 more as itself,
 * while an honest board sends 3-fragment messages. The gateway's receive
 * path is the split-tag one (core/mesh/link-auth.ts): hop check against the
 * named transmitter, end-to-end check against the claimed origin, and only
 * then the reassembly table (core/mesh/reassembly.ts), so slots are
 * charged to authenticated origins and the per-sender cap holds the
 * captured board to its own share.
 * For contrast, the same flood by an attacker holding every origin's key
 * (what the group secret gave every board) fills the table.
 * Run on V8 (test/unit/link-auth.test.ts) and XS (test/xs/mesh.test.ts).
 * Platform neutral: no Node, no vitest.
 */
import { ReplayTable, type KeyHandle } from "../../core/crypto/index";
import { ErrorCode } from "../../core/runtime/errors";
import { FragmentHeader, FrameType, LinkClass, LinkHeader, parseFragmentHeader, parseLinkHeader, ReassemblyTable, rewriteHopFields, writeFragmentHeader, FRAGMENT_HEADER_BYTES } from "../../core/mesh/index";
import { LinkAuthScratch, openEndToEnd, sealSplit, stampHop, verifyHop, type EndToEndKeys } from "../../core/mesh/link-auth";
import { SITE_EPOCH, SiteBoard, siteEndToEndRoot } from "./split-tag-scenario";

const GATEWAY = 1;
const HONEST = 5;
const CAPTURED = 6;
export const FLOOD_SITE_BOARDS = 60;
export const FLOOD_IDS = 50;
export const FLOOD_ROUNDS = 20;
const MESSAGE_BYTES = 60;
const FRAGMENTS = 3;

export type FloodMode = "none" | "splitTag" | "groupKeys";

export interface FloodReport {
  readonly honestSent: number;
  readonly honestDelivered: number;
  readonly floodFrames: number;
  /** Flood frames that reached the reassembly table. */
  readonly floodReachedReassembly: number;
  /** Highest count of slots the captured board's frames held at once. */
  readonly capturedSlotsMax: number;
  readonly refusedFull: number;
  readonly refusedSenderCap: number;
}

export function runFragmentFlood(mode: FloodMode): FloodReport {
  const root = siteEndToEndRoot();
  const gateway = new SiteBoard(GATEWAY, root, FLOOD_SITE_BOARDS);
  const honest = new SiteBoard(HONEST, undefined, FLOOD_SITE_BOARDS);
  // The group-key contrast: an attacker who can derive every origin's key.
  const captured = new SiteBoard(CAPTURED, mode === "groupKeys" ? root : undefined, FLOOD_SITE_BOARDS);
  const s = new LinkAuthScratch();
  const replay = ReplayTable.create({ capacity: 64, windowBits: 64 });
  const table = ReassemblyTable.create({ slots: 8, slotBytes: 128, perSenderMax: 2, timeoutMs: 30_000 });
  if (!replay.ok || !table.ok) throw new Error("setup");
  const frame = new Uint8Array(128);
  const plain = new Uint8Array(144);
  const payload = new Uint8Array(64);
  const h = new LinkHeader();
  const f = new FragmentHeader();
  let counter6 = 1;
  let counter5 = 1;
  const report = { honestSent: 0, honestDelivered: 0, floodFrames: 0, floodReachedReassembly: 0, capturedSlotsMax: 0, refusedFull: 0, refusedSenderCap: 0 };

  const fragmentFrame = (from: SiteBoard, origin: number, e2e: EndToEndKeys, counter: number, messageId: number, index: number): number => {
    const chunk = Math.ceil(MESSAGE_BYTES / FRAGMENTS);
    const chunkBytes = index < FRAGMENTS - 1 ? chunk : MESSAGE_BYTES - chunk * (FRAGMENTS - 1);
    f.messageId = messageId;
    f.index = index;
    f.count = FRAGMENTS;
    f.ackRequested = false;
    f.totalBytes = MESSAGE_BYTES;
    writeFragmentHeader(f, payload, 0);
    for (let i = 0; i < chunkBytes; i++) payload[FRAGMENT_HEADER_BYTES + i] = (origin + messageId + i) & 0xff;
    h.type = FrameType.UnicastFragment;
    h.trafficClass = LinkClass.Telemetry;
    h.hopLimit = 2;
    h.hopsTaken = 0;
    h.routed = true;
    h.source = origin;
    h.destination = GATEWAY;
    h.counter = counter;
    h.linkHint = GATEWAY;
    h.relayHint = from.id;
    h.keyPhase = SITE_EPOCH & 7;
    const length = sealSplit(from.provider, h, payload.subarray(0, FRAGMENT_HEADER_BYTES + chunkBytes), e2e, from.hopKeyTo(GATEWAY), GATEWAY, frame, s);
    if (length < 0) throw new Error(`seal ${-length}`);
    if (origin !== from.id) {
      // A frame from another origin arrives relayed: the transmitter names itself in the relay hint and stamps its own hop.
      rewriteHopFields(frame, length - 16 - FRAGMENT_HEADER_BYTES - chunkBytes, 1, true, GATEWAY, from.id);
      stampHop(from.provider, frame, length, from.hopKeyTo(GATEWAY), from.id, GATEWAY, s);
    }
    return length;
  };

  /** The gateway's receive path; true when the frame reached the reassembly table. */
  const receive = (length: number, nowMs: number): boolean => {
    if (parseLinkHeader(frame, length, h) !== ErrorCode.Ok) return false;
    const transmitter = h.hopsTaken === 0 ? h.source : h.relayHint;
    if (transmitter < 1 || transmitter > FLOOD_SITE_BOARDS || transmitter === GATEWAY) return false;
    if (verifyHop(gateway.provider, frame, length, gateway.hopKeyFrom(transmitter), transmitter, GATEWAY, s) !== ErrorCode.Ok) return false;
    if (h.source < 1 || h.source > FLOOD_SITE_BOARDS) return false;
    const opened = openEndToEnd(gateway.provider, frame, length, h, gateway.gatewayE2e(h.source), replay.value, plain, s);
    if (opened < 0) return false;
    if (parseFragmentHeader(plain, opened, f) !== ErrorCode.Ok) return false;
    const got = table.value.accept(h.source, h.trafficClass, f, plain, FRAGMENT_HEADER_BYTES, nowMs);
    if (got === -ErrorCode.MeshReassemblyFull) report.refusedFull++;
    if (got === -ErrorCode.MeshReassemblySenderCap) report.refusedSenderCap++;
    if (got === 1 /* FragmentResult.Complete */) {
      if (h.source === HONEST) report.honestDelivered++;
      table.value.release(table.value.completedSlot);
    }
    return true;
  };

  for (let round = 0; round < FLOOD_ROUNDS; round++) {
    const nowMs = round * 1000;
    table.value.expire(nowMs);
    if (mode !== "none") {
      for (let k = 0; k < FLOOD_IDS; k++) {
        const origin = 10 + k; // other boards of the site
        const e2e = mode === "groupKeys" ? captured.gatewayE2e(origin) : captured.e2eFrom(captured.heldSecrets()[0] as KeyHandle, origin);
        report.floodFrames++;
        if (receive(fragmentFrame(captured, origin, e2e, 1000 * round + k + 1, 0x100 * round + k, 0), nowMs)) report.floodReachedReassembly++;
        report.floodFrames++;
        if (receive(fragmentFrame(captured, CAPTURED, captured.ownE2e(), counter6++, 0x4000 + 0x100 * round + k, 0), nowMs)) report.floodReachedReassembly++;
      }
    }
    let held = 0;
    for (let slot = 0; slot < table.value.slotCount; slot++) if (table.value.isInUse(slot) && table.value.sourceAt(slot) !== HONEST) held++;
    if (held > report.capturedSlotsMax) report.capturedSlotsMax = held;
    report.honestSent++;
    for (let index = 0; index < FRAGMENTS; index++) receive(fragmentFrame(honest, HONEST, honest.ownE2e(), counter5++, round, index), nowMs + 1 + index);
  }
  return report;
}
