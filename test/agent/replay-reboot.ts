/**
 * The recorded-radio replay after a receiver reboot (README "Link security"),
 * platform neutral: the V8 test (replay-after-reboot.test.ts) and the XS
 * entry (test/xs/entries/replay-reboot.xs.ts) run this same code through the
 * board's real boot path (a store mounted from flash, buildRadioMesh).
 *
 * A sender (node 5) sends 12 broadcasts and 6 acknowledged unicasts to a
 * receiver (node 6); every frame it puts on the air is recorded. The
 * receiver then reboots three times (after a graceful shutdown, or by power
 * loss), and after each reboot the whole recording is played to it again;
 * then the sender sends one new message, after hearing whatever the receiver
 * sent since its boot (after a power loss: its counter-skip request).
 */
import type { SiteConfig } from "../../agent/config";
import { AgentStore, storeShapeOf } from "../../agent/persistence";
import { provisionDevice } from "../../agent/provision-device";
import { hexInto, RecordRole, type ProvisioningFields } from "../../agent/provisioning";
import { buildRadioMesh } from "../../agent/radio-mesh";
import { MeshCounter } from "../../core/mesh/mesh-counters";
import type { MeshTransport } from "../../core/mesh/transport";
import { BROADCAST_ID, TrafficClass } from "../../core/mesh/transport-port";
import { ErrorCode } from "../../core/runtime/errors";
import { SimFlash } from "../../hal/sim/flash";
import { LoopbackRadio } from "../core/mesh/fixtures";
import { testConfig } from "./helpers";
import { keyed } from "./record-keys";
import { takeDeliveries } from "../support/deliveries";

const COMMITMENT_HEX = "a1".repeat(32);
export const REPLAY_SENDER = 5;
export const REPLAY_RECEIVER = 6;
export const REPLAY_MESSAGES = 18;
export const REPLAY_REBOOTS = 3;
/** A counter-skip request on the air: a broadcast header (8), its payload (3), the tag (16). */
export const SKIP_REQUEST_FRAME_BYTES = 27;

export type RebootKind = "graceful" | "power-loss";

export interface RebootRound {
  /** Seeded floors at the reboot (senders the store had ceilings for). */
  readonly seededSenders: number;
  /** Messages the receiver handed its application when the recording was played again (must be 0). */
  readonly replayedDelivered: number;
  /** Recorded frames the receiver accepted (authenticated and fresh: must be 0) and refused as replays. */
  readonly replayedAccepted: number;
  readonly replayedRefused: number;
  /** Skip requests the receiver sent since its boot, and the sender's skips applied so far. */
  readonly skipRequests: number;
  readonly skipsApplied: number;
  /** The sender's next message: delivered once (1) to the receiver's application. */
  readonly freshDelivered: number;
  readonly freshIntact: boolean;
}

export interface ReplayRun {
  readonly kind: RebootKind;
  readonly recordedFrames: number;
  /** Messages delivered the first time, before any reboot. */
  readonly delivered: number;
  readonly pendingAtEnd: number;
  readonly rounds: readonly RebootRound[];
  /** Over the receiver's first boot: store records its receive ceilings wrote (two per raise), and frames it received. */
  readonly ceilingRecords: number;
  readonly framesReceived: number;
}

interface Board {
  readonly transport: MeshTransport;
  readonly radio: LoopbackRadio;
  readonly store: AgentStore;
}

function fields(nodeId: number): ProvisioningFields {
  const secret = new Uint8Array(32);
  for (let i = 0; i < 32; i++) secret[i] = (i * 7 + 3) & 0xff;
  const commitment = new Uint8Array(32);
  hexInto(COMMITMENT_HEX, commitment);
  return keyed({ nodeId, role: nodeId <= 2 ? RecordRole.Gateway : RecordRole.Sensor, generation: 0, preferredGateways: [], keyEpoch: 3, groupId: 1, senderIdMax: 8, authorityCommitment: commitment, groupSecret: secret }, [1, 2]);
}

function config(nodeId: number): SiteConfig {
  return testConfig({ nodeId, keys: { authorityCommitment: COMMITMENT_HEX, keyEpoch: 3 }, gateways: [1, 2] });
}

export function provisionedFlash(nodeId: number): SimFlash {
  const flash = SimFlash.create({ blockSizeBytes: 4096, blockCount: 8, programAlignBytes: 4 });
  if (!flash.ok) throw new Error("flash");
  if (provisionDevice(flash.value, fields(nodeId), storeShapeOf(config(nodeId))) !== ErrorCode.Ok) throw new Error("provision");
  return flash.value;
}

/** The board's boot path: mount its flash, key the mesh from the record. */
export function bootBoard(flash: SimFlash, nodeId: number): Board {
  const site = config(nodeId);
  const store = AgentStore.open(flash, storeShapeOf(site));
  const radio = new LoopbackRadio(nodeId);
  const built = buildRadioMesh({ config: site, store, radio, randomSeed: nodeId });
  if (!built.ok) throw new Error(built.problems.join("; "));
  return { transport: built.transport, radio, store };
}

/** Hand `frames` to `to` and run it; the messages it delivered to its application (source, then bytes). */
export function hear(to: Board, frames: readonly Uint8Array[], atMs: number): number[][] {
  const got: number[][] = [];
  for (const frame of frames) {
    to.radio.hear(frame);
    to.transport.tick(atMs);
  }
  to.transport.tick(atMs + 1);
  takeDeliveries(to.transport, 64, (source, _cls, bytes, offset, length) => {
    const message = [source];
    for (let i = 0; i < length; i++) message.push(bytes[offset + i] ?? 0);
    got.push(message);
  });
  return got;
}

/** What `from` puts on the air from `fromMs` for `forMs`. */
export function airFrom(from: Board, fromMs: number, forMs: number): Uint8Array[] {
  const before = from.radio.sent.length;
  for (let t = fromMs; t < fromMs + forMs; t += 50) from.transport.tick(t);
  return from.radio.sent.slice(before).map((f) => f.bytes);
}

/** The sender's history, played to the receiver as it is sent (acknowledgements back), every frame recorded. */
export function recordHistory(sender: Board, receiver: Board): { frames: Uint8Array[]; delivered: number; endMs: number } {
  const frames: Uint8Array[] = [];
  let delivered = 0;
  let t = 0;
  for (let i = 0; i < REPLAY_MESSAGES; i++) {
    const message = Uint8Array.from([i, 0xa5, i]);
    const unicast = i % 3 === 2;
    const sent = sender.transport.send(unicast ? REPLAY_RECEIVER : BROADCAST_ID, unicast ? TrafficClass.Alert : TrafficClass.Telemetry, message, 0, message.length, unicast, i);
    if (sent !== ErrorCode.Ok) throw new Error(`send ${i}: code ${sent}`);
    // Sends spaced as the transport's per-class send rate allows.
    const air = airFrom(sender, t, 25_000);
    t += 25_000;
    frames.push(...air);
    delivered += hear(receiver, air, t).length;
    hear(sender, airFrom(receiver, t, 1_000), t + 1_000);
    t += 1_000;
  }
  // Until every acknowledged send is acknowledged: none is left to retransmit after the receiver's reboot.
  for (let round = 0; round < 10 && sender.transport.pendingCount > 0; round++) {
    const air = airFrom(sender, t, 5_000);
    frames.push(...air);
    delivered += hear(receiver, air, t + 5_000).length;
    hear(sender, airFrom(receiver, t + 5_000, 1_000), t + 6_000);
    t += 6_000;
  }
  return { frames, delivered, endMs: t };
}

export function runReplayAfterReboot(kind: RebootKind): ReplayRun {
  const sender = bootBoard(provisionedFlash(REPLAY_SENDER), REPLAY_SENDER);
  const receiverFlash = provisionedFlash(REPLAY_RECEIVER);
  let receiver = bootBoard(receiverFlash, REPLAY_RECEIVER);
  const { frames, delivered } = recordHistory(sender, receiver);
  const ceilingRecords = 2 * (receiver.store.receiveCeilings?.raises ?? 0);
  const framesReceived = receiver.transport.counters.values[MeshCounter.framesReceived] ?? 0;
  const rounds: RebootRound[] = [];
  let t = 1_000_000;
  for (let reboot = 1; reboot <= REPLAY_REBOOTS; reboot++) {
    if (kind === "graceful") {
      // What the agent's flush step does (agent.ts flushStep): ceilings down to what was accepted, then the clean mark.
      receiver.store.receiveCeilings?.flushExact();
      receiver.store.recordCleanShutdown();
    }
    receiver = bootBoard(receiverFlash, REPLAY_RECEIVER);
    const seededSenders = receiver.store.receiveCeilings?.seededSenders ?? -1;
    const replayed = hear(receiver, frames, t);
    const counters = receiver.transport.counters.values;
    const replayedAccepted = counters[MeshCounter.framesAccepted] ?? 0;
    const replayedRefused = counters[MeshCounter.dropReplay] ?? 0;
    airFrom(receiver, t, 10_000);
    // Everything the receiver sent since it booted (its radio is new at each boot).
    const skipFrames = receiver.radio.sent.map((f) => f.bytes).filter((f) => f.length === SKIP_REQUEST_FRAME_BYTES);
    hear(sender, skipFrames, t + 10_000);
    const message = Uint8Array.from([0xee, reboot]);
    if (sender.transport.send(BROADCAST_ID, TrafficClass.Telemetry, message, 0, message.length, false, 100 + reboot) !== ErrorCode.Ok) throw new Error("fresh send");
    const fresh = hear(receiver, airFrom(sender, t + 11_000, 5_000), t + 16_000);
    rounds.push({
      seededSenders,
      replayedDelivered: replayed.length,
      replayedAccepted,
      replayedRefused,
      skipRequests: skipFrames.length,
      skipsApplied: sender.transport.counters.values[MeshCounter.counterSkipsApplied] ?? 0,
      freshDelivered: fresh.length,
      freshIntact: fresh.length === 1 && fresh[0]?.[0] === REPLAY_SENDER && fresh[0]?.[1] === 0xee && fresh[0]?.[2] === reboot,
    });
    t += 60_000;
  }
  return { kind, recordedFrames: frames.length, delivered, pendingAtEnd: sender.transport.pendingCount, rounds, ceilingRecords, framesReceived };
}

/** The same history played to a receiver whose windows start empty (a fresh board under the same key): what a reboot did before the ceilings. */
export function replayToAmnesiac(): number {
  const sender = bootBoard(provisionedFlash(REPLAY_SENDER), REPLAY_SENDER);
  const receiver = bootBoard(provisionedFlash(REPLAY_RECEIVER), REPLAY_RECEIVER);
  const { frames } = recordHistory(sender, receiver);
  const amnesiac = bootBoard(provisionedFlash(REPLAY_RECEIVER), REPLAY_RECEIVER);
  return hear(amnesiac, frames, 1_000_000).length;
}
