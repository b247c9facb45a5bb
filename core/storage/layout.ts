/**
 * On-flash layout of the store: byte order, the three structures and their
 * sizes. Everything is little-endian and covered by CRC-32C (crc32c.ts).
 *
 * Partition:  block 0, block 1      superblock pair (superblock.ts)
 *             block 2 .. count-1    data blocks, one log segment each
 *
 * Segment header (offset 0 of a data block, SEGMENT_HEADER_BYTES):
 *   0 u32 magic "PKG\x01"   4 u32 volumeId   8 u32 segmentSeq
 *  12 u32 eraseCount        16 u32 tailAtOpen (the superblock tail when opened)
 *  20 u32 crc32c(bytes 0..19)
 *
 * Record (packed after the header, padded with 0xFF to the write alignment):
 *   0 u16 payloadBytes       2 u16 ~payloadBytes (header sanity check)
 *   4 u8  type               5 u8  key        6 u16 reserved (0)
 *   8 u32 recordSeq         12 u32 index      16 u32 term
 *  20 payload[payloadBytes]  then u32 crc32c(bytes 0 .. 20 + payloadBytes)
 *
 * A unit of 0x00 bytes where a record could start is a zero fill (below):
 * the remains of a torn write, cleared at mount and skipped when parsing.
 *
 * Sequence numbers (record, segment, superblock) are 32-bit and compared
 * with serial-number arithmetic (RFC 1982 §3.2): only values less than 2^31
 * apart are ever compared, because live data spans far fewer than 2^31
 * records or segments.
 */

export const SEGMENT_MAGIC = 0x01474b50; // bytes "P" "K" "G" 0x01
export const SUPER_MAGIC = 0x01534b50; // bytes "P" "K" "S" 0x01
export const SEGMENT_HEADER_BYTES = 24;
export const SUPER_RECORD_BYTES = 32;
export const RECORD_HEADER_BYTES = 20;
export const RECORD_CRC_BYTES = 4;
/** Largest record payload the format can describe (u16 length; 0xFFFF marks erased flash). */
export const RECORD_PAYLOAD_FORMAT_MAX_BYTES = 0xfffe;
/** Superblock blocks; data blocks follow. */
export const SUPER_BLOCK_COUNT = 2;
/** A byte address no record can have (block * blockSize + offset is always smaller). */
export const NO_ADDRESS = 0xffffffff;

/** Record kinds. Values are on flash: never renumber, only add. */
export const RecordType = Object.freeze({
  KvPut: 1, // key = kv key id, payload = value
  KvDelete: 2, // key = kv key id
  LogEntry: 3, // index, term, payload = entry data (append or relocation copy)
  LogTruncate: 4, // index = first removed index
  LogBase: 5, // index = last compacted index, term = its term (Raft §7 snapshot point)
} as const);

export type RecordType = (typeof RecordType)[keyof typeof RecordType];

export function isRecordType(value: number): value is RecordType {
  return value >= RecordType.KvPut && value <= RecordType.LogBase;
}

/** Round `value` up to a multiple of `alignBytes` (a power of two). */
export function alignUp(value: number, alignBytes: number): number {
  return (value + alignBytes - 1) & ~(alignBytes - 1);
}

/** Bytes a record with `payloadBytes` of payload occupies on flash. */
export function recordBytes(payloadBytes: number, alignBytes: number): number {
  return alignUp(RECORD_HEADER_BYTES + payloadBytes + RECORD_CRC_BYTES, alignBytes);
}

/** RFC 1982 serial comparison: is `a` at or after `b`? */
export function serialAtOrAfter(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8);
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16) | ((bytes[offset + 3] ?? 0) << 24)) >>> 0
  );
}

export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

/** True if `bytes[offset .. offset + lengthBytes)` are all 0xFF (erased NOR flash). */
export function isErased(bytes: Uint8Array, offset: number, lengthBytes: number): boolean {
  const end = offset + lengthBytes;
  for (let i = offset; i < end; i++) if (bytes[i] !== 0xff) return false;
  return true;
}

/** The decoded header of one record; one reusable instance per reader. */
export class RecordView {
  type = 0;
  key = 0;
  payloadBytes = 0;
  seq = 0;
  index = 0;
  term = 0;
  /** Byte address of the record on the partition (block * blockSize + offset). */
  address = NO_ADDRESS;
  /** Bytes the record occupies on flash, padding included. */
  sizeBytes = 0;
}

/** Header check outcome (and, for a whole record, RecordState.Corrupt on top). */
export const HeaderState = Object.freeze({
  Valid: 0, // lengths agree and type is known (for a whole record: and the CRC matches)
  Erased: 1, // all 0xFF: end of the segment's records
  Garbage: 2, // neither: a torn or corrupted header; nothing after it can be located
  Corrupt: 3, // whole record: plausible header, CRC mismatch on every read; sizeBytes still locates the next one
  Zero: 4, // a zero-filled unit (a torn write cleared to 0x00 at mount): skip ZERO_UNIT bytes
} as const);

/**
 * Zero fill: a torn write at the head is programmed to 0x00 (NOR can always
 * clear bits) in units of `zeroUnitBytes(align)`, and the parser skips a unit
 * whose first u32 is 0. A real record never starts with a zero u32: its
 * first two u16 are a length and its complement.
 */
export function zeroUnitBytes(alignBytes: number): number {
  return alignBytes > 4 ? alignBytes : 4;
}

export type HeaderState = (typeof HeaderState)[keyof typeof HeaderState];

/** Decode and sanity-check a record header at `bytes[offset]` into `view` (CRC not checked here). */
export function decodeRecordHeader(bytes: Uint8Array, offset: number, payloadMaxBytes: number, view: RecordView): HeaderState {
  if (isErased(bytes, offset, RECORD_HEADER_BYTES)) return HeaderState.Erased;
  const payloadBytes = readU16(bytes, offset);
  const check = readU16(bytes, offset + 2);
  const type = bytes[offset + 4] ?? 0;
  if ((payloadBytes ^ check) !== 0xffff || payloadBytes > payloadMaxBytes || !isRecordType(type)) return HeaderState.Garbage;
  view.payloadBytes = payloadBytes;
  view.type = type;
  view.key = bytes[offset + 5] ?? 0;
  view.seq = readU32(bytes, offset + 8);
  view.index = readU32(bytes, offset + 12);
  view.term = readU32(bytes, offset + 16);
  return HeaderState.Valid;
}

/** Write a record header into `bytes[0 ..]`; the payload goes at RECORD_HEADER_BYTES. */
export function encodeRecordHeader(
  bytes: Uint8Array,
  type: RecordType,
  key: number,
  payloadBytes: number,
  seq: number,
  index: number,
  term: number,
): void {
  writeU16(bytes, 0, payloadBytes);
  writeU16(bytes, 2, ~payloadBytes & 0xffff);
  bytes[4] = type;
  bytes[5] = key & 0xff;
  writeU16(bytes, 6, 0);
  writeU32(bytes, 8, seq);
  writeU32(bytes, 12, index);
  writeU32(bytes, 16, term);
}
