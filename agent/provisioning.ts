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
 * bound to, checked against the site configuration at every boot: this
 * board's node id, the authority's key commitment and the key epoch.
 * In-band admission (ML-KEM delivery of later epochs) is the membership
 * layer's job; until then a new epoch means provisioning again.
 *
 * Layout (little-endian, PROVISIONING_RECORD_BYTES; the durable store adds
 * its own CRC and power-loss safety):
 *
 * | offset | bytes | field                                             |
 * |-------:|------:|---------------------------------------------------|
 * |      0 |     4 | magic "PKv1"                                      |
 * |      4 |     2 | node id (1..0xfffe)                               |
 * |      6 |     2 | key epoch                                         |
 * |      8 |     2 | group id                                          |
 * |     10 |     2 | highest sender id with a key (1..SENDER_ID_LIMIT) |
 * |     12 |    32 | authority key commitment                          |
 * |     44 |    32 | group secret                                      |
 */
import { ErrorCode, type FailureCode } from "../core/runtime/errors";
import type { ValueOrCode } from "../core/collections/value-or-code";

export const PROVISIONING_RECORD_BYTES = 76;
export const GROUP_SECRET_BYTES = 32;
export const AUTHORITY_COMMITMENT_BYTES = 32;
/** Largest site the record can key (the receive key table is sized from it). */
export const SENDER_ID_LIMIT = 1024;
const MAGIC = Object.freeze([0x50, 0x4b, 0x76, 0x31]); // "PKv1"
const COMMITMENT_AT = 12;
const SECRET_AT = 44;

export interface ProvisioningFields {
  readonly nodeId: number;
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
    this.authorityCommitment = bytes.subarray(COMMITMENT_AT, COMMITMENT_AT + AUTHORITY_COMMITMENT_BYTES);
    this.groupSecret = bytes.subarray(SECRET_AT, SECRET_AT + GROUP_SECRET_BYTES);
  }

  /** Parse `bytes[0 .. length)`: the record, or AgentProvisioningMalformed. */
  static parse(bytes: Uint8Array, length: number): ProvisioningRecord | FailureCode {
    if (length !== PROVISIONING_RECORD_BYTES || bytes.length < PROVISIONING_RECORD_BYTES) return ErrorCode.AgentProvisioningMalformed;
    for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return ErrorCode.AgentProvisioningMalformed;
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
  putU16(out, 4, fields.nodeId);
  putU16(out, 6, fields.keyEpoch);
  putU16(out, 8, fields.groupId);
  putU16(out, 10, fields.senderIdMax);
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
