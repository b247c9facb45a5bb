/**
 * The secured mesh as a board builds it at boot: core/mesh MeshTransport
 * over the board's radio, keyed from its provisioning record, counting its
 * frames from flash. Used by the Moddable image (moddable/main.ts) and by
 * the site simulator, so both run the same path.
 *
 *  1. The provisioning record (provisioning.ts) is read from the agent's
 *     store and checked against the board's configuration: the node id and
 *     role boot took from it (board-identity.ts), and, when the
 *     configuration names keys, the key epoch, group and the authority's
 *     commitment. Every mismatch is a boot problem naming the field.
 *  2. Link secrets (docs/architecture.md "Link keys"): the record holds F,
 *     the pair secrets with the site's gateways and, on a gateway, the root
 *     it derives its pair secret with any board from. They stay in the
 *     record: the transport reads the one a frame needs, in place from the
 *     store (agent/link-keyring.ts), so boot derives nothing and the RAM
 *     they take does not grow with the site.
 *  3. The send counter is a CounterReservation in the same store, opened
 *     at mount before anything else writes (persistence.ts): its ceiling
 *     kept in two copies, its range set by the record's provisioning
 *     generation, RFC 8613 App. B.1.1 and §7.5: no AEAD nonce repeats
 *     across reboots, power loss, bit rot the store can detect, or
 *     provisioning again. When mount cannot prove the highest value ever
 *     used, the radio stays off (CounterUnprovable) rather than guess.
 *     Without a mounted store the radio stays off: a RAM counter would
 *     repeat nonces after a reboot.
 *  4. Replay windows: one per origin under a pair secret and one per origin
 *     under F (link-seal.ts windowIdOf), started at boot from the durable
 *     receive ceilings, so no frame accepted before a reboot is accepted
 *     after it.
 *
 * The crypto provider is the portable one without a post-quantum suite:
 * the per-frame path needs only BLAKE2s and ChaCha20, so the image does not
 * carry ML-DSA/ML-KEM.
 */
import { ErrorCode, type FailureCode } from "../core/runtime/errors";
import { Xoshiro128 } from "../core/runtime/prng";
import type { Status } from "../core/runtime/result";
import { CoseAlg, KemAlg } from "../core/crypto/algorithms";
import type { EntropySource } from "../core/crypto/entropy";
import { PortableCryptoProvider } from "../core/crypto/portable-provider";
import type { CryptoProvider } from "../core/crypto/provider";
import { ReplayTable } from "../core/crypto/replay-window";
import { meshConfig, validateMeshConfig, type MeshConfig } from "../core/mesh/mesh-config";
import type { MeshRadio } from "../core/mesh/radio-port";
import { windowIdMax } from "../core/mesh/link-seal";
import { MeshTransport, type MeshObserver } from "../core/mesh/transport";
import type { CounterReservation } from "../core/storage/counter-reservation";
import { recordSiteProblems } from "./board-identity";
import { AgentRole, ROLE_NAMES, type SiteConfig } from "./config";
import { RECEIVE_CEILING_STEP, StoreKey, type AgentStore } from "./persistence";
import { RecordKeyring } from "./link-keyring";
import { PROVISIONING_RECORD_BYTES, ProvisioningRecord, RecordRole } from "./provisioning";

export { SEND_COUNTER_AHEAD, SEND_COUNTER_STEP } from "./persistence";
/**
 * Replay window per sender, in counters: RFC 4303 §3.4.3's default (64; 32
 * is the minimum it requires). A window only has to cover reordering between
 * two neighbours: link counters are per hop, a board seals at most one frame
 * per tick and transmits it in that tick, and a receiver reads its radio's
 * queue in order, so a neighbour's counters arrive in order with gaps only
 * for frames not heard. 8 bytes per sender of the site, not 32 (RFC 6479's
 * larger windows are for IPsec over reordering networks).
 */
export const REPLAY_WINDOW_BITS = 64;

export interface RadioMeshSetup {
  readonly config: SiteConfig;
  readonly store: AgentStore;
  readonly radio: MeshRadio;
  /** Seeds contention jitter and the rate-limit hash: not secret, only distinct per node and boot. */
  readonly randomSeed: number;
  /** Test and simulator hooks. */
  readonly observer?: MeshObserver;
  /** Mesh parameters; default agentMeshConfig(config, randomSeed). */
  readonly meshConfig?: MeshConfig;
  /**
   * The board's entropy driver (hal/moddable/entropy.ts on a board,
   * hal/sim/entropy.ts in the simulator), handed to the crypto provider.
   * The per-frame path never draws from it; absent, every request is
   * refused (tests that build a mesh and nothing else).
   */
  readonly entropy?: EntropySource;
}

export type RadioMeshOutcome =
  | {
      readonly ok: true;
      readonly transport: MeshTransport;
      readonly counter: CounterReservation;
      readonly senderIdMax: number;
    }
  | { readonly ok: false; readonly code: FailureCode; readonly problems: readonly string[] };

/** How often a gateway floods its advertisement (routes live routeTtlMs, 10 min; load-aware next hops move at each). */
export const GATEWAY_HELLO_INTERVAL_MS = 60_000;
/** Random access delay per class (control, alert, telemetry): alerts barely wait, telemetry spreads over 2 s (CSMA/CA random access). */
export const ACCESS_DELAY_MAX_MS: readonly number[] = Object.freeze([0, 250, 2_000]);
/** Resends of a routed frame per hop (1, 2, 4, 8 base waits apart; core/mesh/hop-acks.ts), and how many frames a board keeps for them. */
export const HOP_RETRIES_MAX = 4;
export const HOP_ACK_SLOTS = 8;
/**
 * A board's frame store (core/mesh/frame-pool.ts): what its waiting relays,
 * hop-ack watches, pending alerts, staged messages and queued records (send
 * queues, inbox, control queue: core/mesh/record-queues.ts) hold at once. The
 * frames of the board scenario are 16..95 bytes (three 32-byte blocks at
 * most), so 80 blocks hold every one of a board's 6 relay + 8 hop-ack +
 * pending + 3 staged slots at that size together (the site simulator's
 * busiest small-site board holds at most 38 blocks at once, queued records
 * included); a largest message and an MTU frame always fit (frameStoreBytes below).
 */
export const FRAME_STORE_BYTES = 2560;
/** A queued reference to a pending send, and a queued message's bytes beyond its payload (core/mesh/transport.ts records, with the queue's 2-byte length prefix). */
const QUEUED_REFERENCE_BYTES = 15;
const QUEUED_MESSAGE_OVERHEAD_BYTES = 15;

/**
 * The mesh parameters a board runs, from its site configuration; the site
 * simulator runs the same ones. Buffers are sized for a board, not a host
 * (they are most of the mesh's heap): the delivered-message inbox from
 * `capacities.rxFrames`, the per-class send queues from the alert slots and
 * the message size, the neighbour, route and rate tables from
 * `neighbourCapacity`, one frame store for every frame kept for later.
 */
export function agentMeshConfig(config: SiteConfig, rateHashSeed: number): MeshConfig {
  const radio = config.radio;
  const message = radio.maxMessageBytes;
  const neighbours = config.neighbourCapacity;
  // 1..HOP_LIMIT_MAX: config.ts refuses what the link header cannot carry.
  const hopLimit = radio.hopLimit;
  const gateway = config.role === AgentRole.Gateway;
  const pendingAckSlots = Math.min(config.capacities.txFrames, config.uplink.alertPendingCapacity + 2);
  return meshConfig({
    maxMessageBytes: message,
    hopLimit,
    dutyCyclePpm: radio.dutyCyclePermille * 1000,
    // Acknowledged sends are alerts (one per pending slot) plus a little room, each slot a whole message;
    // txFrames bounds them (config.ts), so more slots than alerts + 2 could never fill.
    pendingAckSlots,
    // rxFrames x 64 bytes (rxFrames <= RX_FRAMES_MAX keeps it within 8 KB), and room for two largest messages.
    inboxCapacityBytes: Math.max(2 * (message + 16), config.capacities.rxFrames * 64),
    // Per class, room for what a board queues: control (nothing yet; membership will) one whole message;
    // alerts are acknowledged, so a reference per pending slot (the bytes stay in the slot), and still one
    // whole message; telemetry, sent once per uplink interval with the oldest dropped for the newest, two.
    queueCapacityBytes: [
      QUEUED_MESSAGE_OVERHEAD_BYTES + message,
      Math.max(QUEUED_MESSAGE_OVERHEAD_BYTES + message, pendingAckSlots * QUEUED_REFERENCE_BYTES),
      2 * (QUEUED_MESSAGE_OVERHEAD_BYTES + message),
    ],
    relaySlots: 6,
    duplicateCacheCapacity: 64,
    deliveredCacheCapacity: 32,
    neighbourCapacity: neighbours,
    routeCapacity: Math.max(16, neighbours),
    rateTableCapacity: Math.max(32, 2 * neighbours),
    rateHashSeed: rateHashSeed >>> 0,
    // A site boots every board at once: beacon early so routes exist before the first alert.
    helloJitterMs: 2_000,
    // Boards whose windows close together must not key up together: spread new messages.
    accessDelayMaxMs: ACCESS_DELAY_MAX_MS,
    // Routed frames go hop by hop with retransmission; a relay next to a gateway forwards for many boards.
    hopRetriesMax: HOP_RETRIES_MAX,
    // What a board rebooted after a power loss asks for (buildRadioMesh): its ceilings' step + 1; more is refused.
    counterSkipMaxValues: RECEIVE_CEILING_STEP + 1,
    hopAckSlots: HOP_ACK_SLOTS,
    // Two largest messages with their frame overhead, at least (a multiple of the store's 32-byte blocks).
    frameStoreBytes: Math.max(FRAME_STORE_BYTES, Math.ceil((2 * (message + 64)) / 32) * 32),
    // A gateway advertises itself across the mesh (a flooded beacon), so every board has a route to it.
    ...(gateway ? { helloHopLimit: hopLimit, helloIntervalMs: GATEWAY_HELLO_INTERVAL_MS } : {}),
  });
}

/** The per-frame path keeps no key in the provider's store (link secrets are read from the record per frame). */
const NO_KEY_SLOTS = Object.freeze({ symmetricSlots: 1, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 });

/** Entropy for a mesh built without a driver: every request refused (the per-frame path never asks). */
const NO_ENTROPY: EntropySource = Object.freeze({
  fill(_out: Uint8Array): Status {
    return ErrorCode.EntropyUnavailable;
  },
});

function refuse(code: FailureCode, problem: string): RadioMeshOutcome {
  return { ok: false, code, problems: [problem] };
}

export function buildRadioMesh(setup: RadioMeshSetup): RadioMeshOutcome {
  const { config, store } = setup;
  const kv = store.store;
  if (kv === undefined) return refuse(ErrorCode.AgentStorageUnavailable, `storage: not mounted (code ${store.mountStatus}); the radio needs flash for its send counter and keys`);
  const bytes = new Uint8Array(PROVISIONING_RECORD_BYTES);
  const length = store.loadProvisioning(bytes, 0);
  if (length === -ErrorCode.NotFound) return refuse(ErrorCode.AgentNotProvisioned, "keys: this board is not provisioned (no key record in its flash store); run `picket provision`");
  if (length < 0) return refuse(ErrorCode.AgentProvisioningMalformed, `keys: the provisioning record could not be read (code ${-length})`);
  const record = ProvisioningRecord.parse(bytes, length);
  if (typeof record === "number") {
    bytes.fill(0);
    return refuse(record, "keys: the provisioning record is malformed");
  }
  const problems = recordProblems(record, config);
  if (problems.length > 0) {
    bytes.fill(0);
    return { ok: false, code: ErrorCode.AgentProvisioningMismatch, problems };
  }
  bytes.fill(0);
  const provider = PortableCryptoProvider.create(setup.entropy ?? NO_ENTROPY, NO_KEY_SLOTS, null);
  if (!provider.ok) return refuse(provider.code, `keys: the crypto provider could not be created (code ${provider.code})`);
  const gateway = record.role === RecordRole.Gateway;
  const keys = new RecordKeyring({
    store: kv,
    recordKey: StoreKey.Provisioning,
    nodeId: record.nodeId,
    epoch: record.keyEpoch,
    siteSize: record.senderIdMax,
    gateway,
    hash: provider.value,
  });
  // Opened at mount, before anything wrote (persistence.ts). The transport's tick reserves counter values ahead (its persist
  // phase, from the first tick on), so no seal ever writes to flash.
  const counter = store.sendCounter;
  if (counter === undefined) return refuse(counterFailure(store.sendCounterStatus), counterProblem(store));
  // A window per origin under F, and per origin under a pair secret: every board for a gateway, its gateways for any other.
  const windows = gateway ? windowIdMax(record.senderIdMax) : record.senderIdMax + record.keyedPeers.length;
  const replay = ReplayTable.create({ capacity: windows, windowBits: REPLAY_WINDOW_BITS });
  if (!replay.ok) return refuse(replay.code, `mesh: replay table for ${windows} windows (code ${replay.code})`);
  // Opened and proven at mount with the counter (persistence.ts); every window starts above what any boot before admitted.
  const ceilings = store.receiveCeilings;
  if (ceilings === undefined) return refuse(counterFailure(store.receiveCeilingsStatus), ceilingProblem(store));
  const seeded = ceilings.seed(replay.value);
  if (seeded !== ErrorCode.Ok) return refuse(seeded, `storage: the receive ceilings could not start the replay windows (code ${seeded})`);
  const mesh = setup.meshConfig ?? agentMeshConfig(config, setup.randomSeed);
  const meshProblems = validateMeshConfig(mesh);
  if (meshProblems.length > 0) return { ok: false, code: ErrorCode.AgentBadConfig, problems: meshProblems.map((p) => `radio: ${p}`) };
  const transport = MeshTransport.create({
    nodeId: config.nodeId,
    radio: setup.radio,
    provider: provider.value,
    counterSource: counter,
    keys,
    replay: replay.value,
    receiveAdmission: ceilings,
    random: new Xoshiro128(setup.randomSeed >>> 0),
    config: mesh,
    ...(setup.observer === undefined ? {} : { observer: setup.observer }),
  });
  if (!transport.ok) return refuse(transport.code, `mesh: the transport could not be created (code ${transport.code})`);
  // After a power loss the floors restored from flash may sit up to a step above what each sender used last: ask every
  // sender to skip past them (one flooded frame), so their next frames are not refused (receive-ceilings.ts).
  if (!store.previousShutdownClean && ceilings.seededSenders > 0) transport.value.requestCounterSkip(RECEIVE_CEILING_STEP + 1);
  return { ok: true, transport: transport.value, counter, senderIdMax: record.senderIdMax };
}

function counterFailure(status: Status): FailureCode {
  return status === ErrorCode.Ok ? ErrorCode.InvariantViolated : status;
}

/** Why the radio stays off for want of a send counter, in words an operator can act on. */
function counterProblem(store: AgentStore): string {
  const status = store.sendCounterStatus;
  if (status === ErrorCode.CounterUnprovable) {
    const hidden = store.store?.report.hiddenRecordsBound ?? 0;
    return (
      `storage: the highest send counter ever used cannot be proven (mount could not read ${hidden >= 0xffff ? "an unknown number of" : hidden} stored record(s)); ` +
      "sending again under this key could reuse a nonce, so the radio stays off and the store is frozen: provision this board with a new key epoch (picket provision)"
    );
  }
  if (status === ErrorCode.CounterExhausted) return "storage: the send counter reached the end of this provisioning's range: provision the board again (a new generation or key epoch)";
  return `storage: the send counter could not be opened (code ${status})`;
}

/** Why the radio stays off for want of receive ceilings, in words an operator can act on. */
function ceilingProblem(store: AgentStore): string {
  const status = store.receiveCeilingsStatus;
  if (status === ErrorCode.ReceiveCeilingUnprovable) {
    return (
      "storage: the receive ceilings cannot be proven (stored records were lost); frames this board accepted before could be accepted again, " +
      "so the radio stays off and the store is frozen: provision this board with a new key epoch (picket provision)"
    );
  }
  return `storage: the receive ceilings could not be opened (code ${status})`;
}

/**
 * Every way the record contradicts the board's configuration (field paths as
 * in validateSiteConfig): the site checks of board-identity.ts, and the node
 * id and role boot merged in from this same record (a host that gave its own
 * identity is held to the record too).
 */
export function recordProblems(record: ProvisioningRecord, config: SiteConfig): string[] {
  const problems: string[] = [];
  if (record.nodeId !== config.nodeId) problems.push(`nodeId: the board was provisioned as node ${record.nodeId}, the configuration says ${config.nodeId}`);
  const role = ROLE_NAMES[record.role - 1];
  if (role !== config.role) problems.push(`role: the board was provisioned as ${role ?? "?"}, the configuration says ${config.role}`);
  if (record.senderIdMax > config.radio.siteSize) {
    problems.push(`radio.siteSize: the board was provisioned for senders 1..${record.senderIdMax}, the configuration keeps receive ceilings for 1..${config.radio.siteSize} only`);
  }
  const site = recordSiteProblems(record, config);
  for (let i = 0; i < site.length; i++) problems.push(site[i] ?? "");
  return problems;
}
