/**
 * The provisioning record: the key material a board needs to join the
 * secured mesh, written into its flash store at provisioning time
 * (`picket provision`), never into the firmware image. The image stays the
 * same for every board of a site and can be inspected or published; the
 * secret lives only in the board's storage partition.
 *
 * What a record holds is the state a board has after admission
 * (ARCHITECTURE.md "Identity"): the site's group secret for one key epoch,
 * from which every sender's group traffic key is derived with HKDF
 * (core/crypto/session-keys.ts deriveGroupSenderKey), plus the facts it is
 * bound to, checked against the site configuration at every boot
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
 * Layout, version 2 (little-endian, PROVISIONING_RECORD_BYTES; the durable
 * store adds its own CRC and power-loss safety):
 *
 * | offset | bytes | field                                             |
 * |-------:|------:|---------------------------------------------------|
 * |      0 |     4 | magic "PKv" + version (ASCII "2")                 |
 * |      4 |     2 | node id (1..0xfffe)                               |
 * |      6 |     2 | key epoch                                         |
 * |      8 |     2 | group id                                          |
 * |     10 |     2 | highest sender id with a key (1..SENDER_ID_LIMIT) |
 * |     12 |     1 | role (RecordRole: 1 sensor, 2 relay, 3 gateway, 4 anchor) |
 * |     13 |     1 | provisioning generation, 0..15 (0 in records written before it existed) |
 * |     14 |     2 | reserved, zero                                    |
 * |     16 |     8 | preferred gateways: 4 node ids, first choice first, 0 = none (zeros last) |
 * |     24 |    32 | authority key commitment                          |
 * |     56 |    32 | group secret                                      |
 *
 * Version 1 ("PKv1", 76 bytes, no role) is refused with
 * AgentProvisioningVersion: provision the board again.
 */
import { ErrorCode, type FailureCode } from "../core/runtime/errors";
import type { ValueOrCode } from "../core/collections/value-or-code";

export const PROVISIONING_RECORD_BYTES = 88;
/** Preferred gateways a record holds (config.ts GATEWAYS_MAX). */
export const PREFERRED_GATEWAYS_MAX = 4;
/** The layout this code writes and reads (the magic's last byte, ASCII). */
export const PROVISIONING_VERSION = 2;
export const GROUP_SECRET_BYTES = 32;
export const AUTHORITY_COMMITMENT_BYTES = 32;
/** Largest site the record can key (the receive key table is sized from it). */
export const SENDER_ID_LIMIT = 1024;
const MAGIC = Object.freeze([0x50, 0x4b, 0x76]); // "PKv", then the version digit
const VERSION_AT = 3;
const ROLE_AT = 12;
const GENERATION_AT = 13;
const RESERVED_AT = 14;
const RESERVED_BYTES = 2;
const GATEWAYS_AT = 16;
const COMMITMENT_AT = 24;
const SECRET_AT = 56;

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
  readonly groupSecret: Uint8Array;
}

/**
 * A record as read from the store. The secret is a view into the caller's
 * buffer: zeroize that buffer once the keys are derived.
 */
export class ProvisioningRecord implements ProvisioningFields {
  readonly nodeId: number;
  readonly role: number;
  readonly generation: number;
  readonly preferredGateways: readonly number[];
  readonly keyEpoch: number;
  readonly groupId: number;
  readonly senderIdMax: number;
  readonly authorityCommitment: Uint8Array;
  readonly groupSecret: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.nodeId = u16(bytes, 4);
    this.keyEpoch = u16(bytes, 6);
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
    this.groupSecret = bytes.subarray(SECRET_AT, SECRET_AT + GROUP_SECRET_BYTES);
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
  if (fields.groupSecret.length !== GROUP_SECRET_BYTES) return `group secret must be ${GROUP_SECRET_BYTES} bytes`;
  let nonZero = 0;
  for (let i = 0; i < GROUP_SECRET_BYTES; i++) nonZero |= fields.groupSecret[i] ?? 0;
  if (nonZero === 0) return "group secret is all zero";
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
  out.set(fields.groupSecret, SECRET_AT);
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
