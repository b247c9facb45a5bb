/**
 * The provisioning record: the key material a board needs to join the
 * secured mesh, written into its flash store at provisioning time
 * (`picket provision`), never into the firmware image. The image stays the
 * same for every board of a site and can be inspected or published; the
 * secret lives only in the board's storage partition.
 *
 * What a record holds is the state a board has after admission
 * (docs/architecture.md "Link keys", core/crypto/site-keys.ts): for one key
 * epoch, the site's flood secret F, the pair secret this board shares with
 * each gateway it speaks to end to end (a gateway: with each gateway below
 * it) and, for a gateway, the root it derives its pair secrets with every
 * other board from; plus the facts it is bound to, checked against the site configuration at every boot
 * (agent/board-identity.ts): the authority's key commitment, the key epoch
 * and the group. The record is also the board's identity: its node id,
 * role and gateway preference come from here, not from the compiled site
 * configuration, so one firmware image boots as any board of its site. The
 * gateway preference is where the board stands: the site's gateways it
 * should try first (nearest first), each one the site lists.
 * In-band admission (ML-KEM delivery of later epochs) is the membership
 * layer's job; until then a new epoch means provisioning again.
 *
 * The provisioning generation partitions the send-counter space. A sender
 * sequence number is never reused under one key (RFC 8613 §7.5; App. B.1.1
 * persists it across reboots), but every receiver derives each sender's key
 * from the group secret, group, epoch and node id alone
 * (core/crypto/traffic-derive.ts), so provisioning a board again under the
 * same secret and epoch gives it the same key, and its store, formatted
 * afresh, forgets which counters it issued. A per-provisioning nonce in the
 * derivation would need header bits to reach the receivers; instead the
 * authority's ledger (`picket provision`) hands out generation g = 0, 1, ...
 * for each (group, epoch, node), and a board of generation g sends only
 * counters in [g * 2^28, (g + 1) * 2^28): a range no earlier provisioning
 * of that key could have used. 16 generations of 2^28 values fill the
 * 4-byte counter on the air (core/mesh/link-header.ts COUNTER_MAX); a 17th
 * provisioning needs a new key epoch.
 *
 * Layout, version 3 (little-endian, PROVISIONING_RECORD_BYTES; the durable
 * store adds its own CRC and power-loss safety):
 *
 * | offset | bytes | field                                             |
 * |-------:|------:|---------------------------------------------------|
 * |      0 |     4 | magic "PKv" + version (ASCII "3")                 |
 * |      4 |     2 | node id (1..0xfffe)                               |
 * |      6 |     2 | key epoch                                         |
 * |      8 |     2 | group id                                          |
 * |     10 |     2 | highest board id of the site (1..SENDER_ID_LIMIT) |
 * |     12 |     1 | role (RecordRole: 1 sensor, 2 relay, 3 gateway, 4 anchor) |
 * |     13 |     1 | provisioning generation, 0..15 (0 in records written before it existed) |
 * |     14 |     2 | reserved, zero                                    |
 * |     16 |     8 | preferred gateways: 4 node ids, first choice first, 0 = none (zeros last) |
 * |     24 |    32 | authority key commitment                          |
 * |     56 |    32 | flood secret F (never all zero)                   |
 * |     88 |    32 | gateway root R_self: a gateway's only, else zero  |
 * |    120 |     8 | keyed peers: 4 gateway ids, 0 = none (zeros last) |
 * |    128 |   128 | their pair secrets P(self, peer), 32 B each       |
 *
 * Versions 1 and 2 (one group secret every board held, so any board could
 * seal as any other) are refused with AgentProvisioningVersion: provision
 * the board again.
 */
import { ErrorCode, type FailureCode } from "../core/runtime/errors";
import type { ValueOrCode } from "../core/collections/value-or-code";
import { boardKeyMaterial } from "../core/crypto/site-keys";
import type { KeyEpoch } from "../core/runtime/ids";

export const PROVISIONING_RECORD_BYTES = 256;
/** Preferred gateways a record holds (config.ts GATEWAYS_MAX). */
export const PREFERRED_GATEWAYS_MAX = 4;
/** The layout this code writes and reads (the magic's last byte, ASCII). */
export const PROVISIONING_VERSION = 3;
export const LINK_SECRET_RECORD_BYTES = 32;
/** Pair secrets a record holds: one per gateway of the site (config.ts GATEWAYS_MAX). */
export const KEYED_PEERS_MAX = 4;
export const AUTHORITY_COMMITMENT_BYTES = 32;
/** Largest site a record can key: boards 1..255, the ids the header's hints name (core/mesh/link-keys.ts). */
export const SENDER_ID_LIMIT = 255;
const MAGIC = Object.freeze([0x50, 0x4b, 0x76]); // "PKv", then the version digit
const VERSION_AT = 3;
const ROLE_AT = 12;
const GENERATION_AT = 13;
const RESERVED_AT = 14;
const RESERVED_BYTES = 2;
const GATEWAYS_AT = 16;
const COMMITMENT_AT = 24;
/** Where the secrets sit (agent/link-keyring.ts reads them in place from the store). */
export const FLOOD_SECRET_AT = 56;
export const GATEWAY_ROOT_AT = 88;
export const KEYED_PEERS_AT = 120;
export const PAIR_SECRETS_AT = 128;

/** A role as the record stores it: the index in config.ts ROLE_NAMES, plus one (0 is never a role). */
export const RecordRole = Object.freeze({ Sensor: 1, Relay: 2, Gateway: 3, Anchor: 4 } as const);
export type RecordRole = (typeof RecordRole)[keyof typeof RecordRole];
const ROLE_CODE_MAX = 4;

/** Provisionings one board can have under one key (group secret, group, key epoch). */
export const PROVISIONING_GENERATIONS = 16;
/** Send-counter values each generation owns: PROVISIONING_GENERATIONS of them fill the 4-byte counter on the air. */
export const COUNTER_VALUES_PER_GENERATION = 0x1000_0000; // 2^28

/** The send counters a board of one provisioning generation may issue: [firstValue, maxValue], inclusive. */
export interface SendCounterRange {
  readonly firstValue: number;
  readonly maxValue: number;
}

/**
 * The send counters of provisioning generation `generation`:
 * [g * 2^28, (g + 1) * 2^28 - 1], disjoint from every other generation's;
 * undefined for a generation outside 0..PROVISIONING_GENERATIONS - 1 (never
 * a clamped range: a record's generation is checked when it is parsed).
 */
export function sendCounterRange(generation: number): SendCounterRange | undefined {
  if (!isGeneration(generation)) return undefined;
  const firstValue = generation * COUNTER_VALUES_PER_GENERATION;
  return { firstValue, maxValue: firstValue + COUNTER_VALUES_PER_GENERATION - 1 };
}

export interface ProvisioningFields {
  readonly nodeId: number;
  /** RecordRole. */
  readonly role: number;
  /** Provisioning generation, 0..PROVISIONING_GENERATIONS - 1: which send-counter range the board uses (sendCounterRange). */
  readonly generation: number;
  /** The site's gateways this board tries first, in order (0..PREFERRED_GATEWAYS_MAX node ids, unique). */
  readonly preferredGateways: readonly number[];
  readonly keyEpoch: number;
  readonly groupId: number;
  readonly senderIdMax: number;
  readonly authorityCommitment: Uint8Array;
  readonly floodSecret: Uint8Array;
  /** R_self for a gateway (never all zero), all zeros for every other role (core/crypto/site-keys.ts). */
  readonly gatewayRoot: Uint8Array;
  /** The gateways this board shares a pair secret with (0..KEYED_PEERS_MAX ids, unique), and those secrets. */
  readonly keyedPeers: readonly number[];
  readonly pairSecrets: readonly Uint8Array[];
}

/**
 * A record as read from the store. The secrets are views into the caller's
 * buffer: zeroize that buffer once checked (a board reads its secrets in
 * place from the store per frame: agent/link-keyring.ts).
 */
export class ProvisioningRecord implements ProvisioningFields {
  readonly nodeId: number;
  readonly role: number;
  readonly generation: number;
  readonly preferredGateways: readonly number[];
  readonly keyEpoch: KeyEpoch;
  readonly groupId: number;
  readonly senderIdMax: number;
  readonly authorityCommitment: Uint8Array;
  readonly floodSecret: Uint8Array;
  readonly gatewayRoot: Uint8Array;
  readonly keyedPeers: readonly number[];
  readonly pairSecrets: readonly Uint8Array[];

  private constructor(bytes: Uint8Array) {
    this.nodeId = u16(bytes, 4);
    this.keyEpoch = u16(bytes, 6) as KeyEpoch;
    this.groupId = u16(bytes, 8);
    this.senderIdMax = u16(bytes, 10);
    this.role = bytes[ROLE_AT] ?? 0;
    this.generation = bytes[GENERATION_AT] ?? 0;
    const preferred: number[] = [];
    for (let i = 0; i < PREFERRED_GATEWAYS_MAX; i++) {
      const id = u16(bytes, GATEWAYS_AT + 2 * i);
      if (id !== 0) preferred.push(id);
    }
    this.preferredGateways = preferred;
    this.authorityCommitment = bytes.subarray(COMMITMENT_AT, COMMITMENT_AT + AUTHORITY_COMMITMENT_BYTES);
    this.floodSecret = bytes.subarray(FLOOD_SECRET_AT, FLOOD_SECRET_AT + LINK_SECRET_RECORD_BYTES);
    this.gatewayRoot = bytes.subarray(GATEWAY_ROOT_AT, GATEWAY_ROOT_AT + LINK_SECRET_RECORD_BYTES);
    const peers: number[] = [];
    const secrets: Uint8Array[] = [];
    for (let i = 0; i < KEYED_PEERS_MAX; i++) {
      const id = u16(bytes, KEYED_PEERS_AT + 2 * i);
      if (id === 0) continue;
      peers.push(id);
      secrets.push(bytes.subarray(PAIR_SECRETS_AT + i * LINK_SECRET_RECORD_BYTES, PAIR_SECRETS_AT + (i + 1) * LINK_SECRET_RECORD_BYTES));
    }
    this.keyedPeers = peers;
    this.pairSecrets = secrets;
  }

  /**
   * Parse `bytes[0 .. length)`: the record; AgentProvisioningVersion for a
   * record of another layout version (checked first, whatever its length);
   * else AgentProvisioningMalformed.
   */
  static parse(bytes: Uint8Array, length: number): ProvisioningRecord | FailureCode {
    if (length < MAGIC.length + 1 || bytes.length < length) return ErrorCode.AgentProvisioningMalformed;
    for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return ErrorCode.AgentProvisioningMalformed;
    const version = (bytes[VERSION_AT] ?? 0) - 0x30;
    if (version !== PROVISIONING_VERSION) return version >= 1 && version <= 9 ? ErrorCode.AgentProvisioningVersion : ErrorCode.AgentProvisioningMalformed;
    if (length !== PROVISIONING_RECORD_BYTES) return ErrorCode.AgentProvisioningMalformed;
    for (let i = 0; i < RESERVED_BYTES; i++) if (bytes[RESERVED_AT + i] !== 0) return ErrorCode.AgentProvisioningMalformed;
    // Preferred gateways are packed: no id after a zero.
    for (let i = 1; i < PREFERRED_GATEWAYS_MAX; i++) if (u16(bytes, GATEWAYS_AT + 2 * (i - 1)) === 0 && u16(bytes, GATEWAYS_AT + 2 * i) !== 0) return ErrorCode.AgentProvisioningMalformed;
    // So are keyed peers, and an unused secret slot is zero.
    for (let i = 0; i < KEYED_PEERS_MAX; i++) {
      const id = u16(bytes, KEYED_PEERS_AT + 2 * i);
      if (i > 0 && id !== 0 && u16(bytes, KEYED_PEERS_AT + 2 * (i - 1)) === 0) return ErrorCode.AgentProvisioningMalformed;
      if (id === 0 && !allZero(bytes, PAIR_SECRETS_AT + i * LINK_SECRET_RECORD_BYTES, LINK_SECRET_RECORD_BYTES)) return ErrorCode.AgentProvisioningMalformed;
    }
    const record = new ProvisioningRecord(bytes);
    return fieldsProblem(record) === undefined ? record : ErrorCode.AgentProvisioningMalformed;
  }
}

/** Why `fields` cannot be a record (the first reason), or undefined. */
export function fieldsProblem(fields: ProvisioningFields): string | undefined {
  if (!isU16(fields.nodeId) || fields.nodeId < 1 || fields.nodeId > 0xfffe) return "node id must be 1..65534";
  if (!isU16(fields.keyEpoch)) return "key epoch must be 0..65535";
  if (!isU16(fields.groupId)) return "group id must be 0..65535";
  if (!isU16(fields.senderIdMax) || fields.senderIdMax < 1 || fields.senderIdMax > SENDER_ID_LIMIT) return `highest sender id must be 1..${SENDER_ID_LIMIT}`;
  if (fields.nodeId > fields.senderIdMax) return "node id is above the highest sender id";
  if (!Number.isInteger(fields.role) || fields.role < 1 || fields.role > ROLE_CODE_MAX) return `role must be 1..${ROLE_CODE_MAX} (sensor, relay, gateway, anchor)`;
  if (!isGeneration(fields.generation)) return `provisioning generation must be 0..${PROVISIONING_GENERATIONS - 1}`;
  const preferred = fields.preferredGateways;
  if (preferred.length > PREFERRED_GATEWAYS_MAX) return `at most ${PREFERRED_GATEWAYS_MAX} preferred gateways`;
  for (let i = 0; i < preferred.length; i++) {
    const id = preferred[i] ?? 0;
    if (!isU16(id) || id < 1 || id > 0xfffe) return "a preferred gateway must be a node id 1..65534";
    if (preferred.indexOf(id) !== i) return `preferred gateway ${id} is listed twice`;
  }
  if (fields.authorityCommitment.length !== AUTHORITY_COMMITMENT_BYTES) return `authority commitment must be ${AUTHORITY_COMMITMENT_BYTES} bytes`;
  if (fields.floodSecret.length !== LINK_SECRET_RECORD_BYTES) return `flood secret must be ${LINK_SECRET_RECORD_BYTES} bytes`;
  if (allZero(fields.floodSecret, 0, LINK_SECRET_RECORD_BYTES)) return "flood secret is all zero";
  if (fields.gatewayRoot.length !== LINK_SECRET_RECORD_BYTES) return `gateway root must be ${LINK_SECRET_RECORD_BYTES} bytes`;
  const gateway = fields.role === RecordRole.Gateway;
  if (gateway === allZero(fields.gatewayRoot, 0, LINK_SECRET_RECORD_BYTES)) return gateway ? "a gateway's record needs its gateway root" : "only a gateway's record holds a gateway root";
  const peers = fields.keyedPeers;
  if (peers.length > KEYED_PEERS_MAX || fields.pairSecrets.length !== peers.length) return `at most ${KEYED_PEERS_MAX} keyed peers, each with one pair secret`;
  for (let i = 0; i < peers.length; i++) {
    const id = peers[i] ?? 0;
    if (!isU16(id) || id < 1 || id > fields.senderIdMax || id === fields.nodeId) return "a keyed peer must be another board of the site";
    if (peers.indexOf(id) !== i) return `keyed peer ${id} is listed twice`;
    const secret = fields.pairSecrets[i];
    if (secret === undefined || secret.length !== LINK_SECRET_RECORD_BYTES || allZero(secret, 0, LINK_SECRET_RECORD_BYTES)) return `the pair secret with ${id} must be ${LINK_SECRET_RECORD_BYTES} bytes, not all zero`;
  }
  return undefined;
}

/** Encode `fields` into `out[0 .. PROVISIONING_RECORD_BYTES)`: the length, or `-AgentProvisioningMalformed` / `-CryptoBufferTooSmall`. */
export function encodeProvisioning(fields: ProvisioningFields, out: Uint8Array): ValueOrCode {
  if (fieldsProblem(fields) !== undefined) return -ErrorCode.AgentProvisioningMalformed;
  if (out.length < PROVISIONING_RECORD_BYTES) return -ErrorCode.CryptoBufferTooSmall;
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC[i] ?? 0;
  out[VERSION_AT] = 0x30 + PROVISIONING_VERSION;
  putU16(out, 4, fields.nodeId);
  putU16(out, 6, fields.keyEpoch);
  putU16(out, 8, fields.groupId);
  putU16(out, 10, fields.senderIdMax);
  out[ROLE_AT] = fields.role;
  out[GENERATION_AT] = fields.generation;
  out.fill(0, RESERVED_AT, COMMITMENT_AT);
  for (let i = 0; i < fields.preferredGateways.length; i++) putU16(out, GATEWAYS_AT + 2 * i, fields.preferredGateways[i] ?? 0);
  out.set(fields.authorityCommitment, COMMITMENT_AT);
  out.set(fields.floodSecret, FLOOD_SECRET_AT);
  out.set(fields.gatewayRoot, GATEWAY_ROOT_AT);
  out.fill(0, KEYED_PEERS_AT, PROVISIONING_RECORD_BYTES);
  for (let i = 0; i < fields.keyedPeers.length; i++) {
    putU16(out, KEYED_PEERS_AT + 2 * i, fields.keyedPeers[i] ?? 0);
    out.set(fields.pairSecrets[i] ?? new Uint8Array(LINK_SECRET_RECORD_BYTES), PAIR_SECRETS_AT + i * LINK_SECRET_RECORD_BYTES);
  }
  return PROVISIONING_RECORD_BYTES;
}

/** 64 hex digits -> 32 bytes into `out`, or false (nothing promised about `out`). */
export function hexInto(hex: string, out: Uint8Array): boolean {
  if (hex.length !== out.length * 2) return false;
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return false;
    out[i] = (hi << 4) | lo;
  }
  return true;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function allZero(bytes: Uint8Array, at: number, length: number): boolean {
  let any = 0;
  for (let i = 0; i < length; i++) any |= bytes[at + i] ?? 0;
  return any === 0;
}

function isGeneration(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < PROVISIONING_GENERATIONS;
}

function isU16(value: number): boolean {
  return (value & 0xffff) === value;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

function putU16(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
}

/** The link-key fields of a record (what `picket provision` and the site simulator write). */
export type LinkKeyFields = Pick<ProvisioningFields, "floodSecret" | "gatewayRoot" | "keyedPeers" | "pairSecrets">;

/**
 * The link-key fields of board `nodeId` (RecordRole `role`) on a site whose
 * gateways are `gateways`, derived from the authority's secret
 * (core/crypto/site-keys.ts); a board provisioned as a gateway is one of
 * them. Host side: allocates. The failure code of the derivation, or the fields.
 */
export function linkKeyFields(authority: Uint8Array, groupId: number, keyEpoch: number, nodeId: number, role: number, gateways: readonly number[]): LinkKeyFields | FailureCode {
  const all = role === RecordRole.Gateway && !gateways.includes(nodeId) ? [...gateways, nodeId] : gateways.filter((g) => g !== nodeId || role === RecordRole.Gateway);
  if (all.length > KEYED_PEERS_MAX) return ErrorCode.InvalidArgument;
  const material = boardKeyMaterial(authority, groupId, keyEpoch, nodeId, all);
  if (!material.ok) return material.code;
  const m = material.value;
  return { floodSecret: m.floodSecret, gatewayRoot: m.gatewayRoot, keyedPeers: m.pairs.map((p) => p.peer), pairSecrets: m.pairs.map((p) => p.secret) };
}
