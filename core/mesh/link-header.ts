/**
 * The link frame header: what every radio frame carries in front of its
 * AEAD-sealed payload (README "Mesh transport").
 *
 *   byte 0   type(3) | class(2) | key phase(3)
 *   byte 1   hop limit(3) | hops taken(3)* | routed(1)* | long counter(1)
 *   2..3     source id (u16, big-endian)
 *   [4..5]   destination id (u16), unicast types only
 *   then     counter: 3 bytes (long counter = 0) or 4 bytes (= 1), big-endian
 *   then     link hint* (1 byte): the transmitter's low id byte on a flooded
 *            frame, the chosen next hop's low id byte on a routed one
 *   [last]   relay hint* (1 byte), unicast types only: the transmitter's low
 *            id byte, flooded or routed, so every hop of a routed frame also
 *            learns the way back to its source (reverse routes, RFC 3561
 *            §6.5; Meshtastic carries next_hop and relay_node the same way)
 *   then     ciphertext || 16-byte Poly1305 tag
 *
 * (*) the hop fields: the only bits a relay changes. They are zeroed in the
 * associated data (`writeAad`), so a relay can rewrite them and nothing else:
 * version, type, class, key phase, hop limit, source, destination and
 * counter are authenticated. Routers read these fields in clear; nothing
 * they need is inside the ciphertext.
 *
 * The counter is the sender's never-repeating frame counter. Like OSCORE's
 * Partial IV (RFC 8613 §6.1, leading zero bytes stripped), it is sent in 3
 * bytes while it is below 2^24 and in 4 bytes after that; the nonce is
 * derived from it (nonce base XOR counter, RFC 8613 §5.2), never sent.
 * The key phase is the key epoch's low 3 bits (cf. QUIC's 1-bit key phase,
 * RFC 9001 §6): receivers hold the current and the next epoch's keys, and
 * a phase that is neither the previous, the current nor the next epoch's
 * tells "wrong epoch" from "forged" before any cryptography (link-seal.ts).
 * Epochs 8 apart alias: such a frame is tried under the receiver's own key
 * and counted as forged; a board 8 or more rotations behind has been
 * evicted from every epoch it could still open (README "Link security").
 *
 * No version field: format 1 spent 2 bits of byte 0 on a version that only
 * ever held 1. The traffic class has one spare code point, 3, and it is the
 * escape a future layout starts with (receivers drop it as
 * MeshWrongVersion), so the phase took those 2 bits and the header did not
 * grow. Every byte-0 bit is in the associated data.
 *
 * Overhead: broadcast 8 + 16 = 24 bytes, unicast 11 + 16 = 27 bytes
 * (Meshtastic: 16-byte header, +12 for an authenticated direct message).
 *
 * Parsing validates once, at the edge; everything past it trusts the fields.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";

/** Class code point 3: reserved for a future header layout (format escape). */
export const LINK_FORMAT_ESCAPE_CLASS = 3;
/** Byte 0: the frame type's position (its top 3 bits). */
export const LINK_TYPE_SHIFT = 5;
/** Bits of the key epoch the header carries (byte 0's low bits). */
export const KEY_PHASE_BITS = 3;
export const KEY_PHASE_MASK = (1 << KEY_PHASE_BITS) - 1;
export const LINK_TAG_BYTES = 16;
/** The tag bytes: the end-to-end tag, then the hop tag (link-seal.ts). */
export const E2E_TAG_BYTES = 8;
export const HOP_TAG_BYTES = LINK_TAG_BYTES - E2E_TAG_BYTES;
/** Largest hop limit the 3-bit field holds. */
export const HOP_LIMIT_MAX = 7;
/** Counters of 2^24 and above take the 4-byte form. */
export const SHORT_COUNTER_LIMIT = 0x100_0000;
export const COUNTER_MAX = 0xffff_ffff;
/** Node ids on the air: 1..0xfffe; 0 is reserved, 0xffff means "everyone". */
export const NODE_ID_MAX = 0xfffe;
export const BROADCAST_NODE_ID = 0xffff;

/** Smallest and largest headers (broadcast short counter, unicast long counter). */
export const LINK_HEADER_MIN_BYTES = 8;
export const LINK_HEADER_MAX_BYTES = 12;
/** Smallest well-formed frame: a header and a tag over an empty payload. */
export const LINK_FRAME_MIN_BYTES = LINK_HEADER_MIN_BYTES + LINK_TAG_BYTES;

/** Frame types (3 bits). Each says whether a destination field is present. */
export const FrameType = Object.freeze({
  /** Flooded application message to every node. */
  Broadcast: 0,
  /** Application message to one node, no acknowledgement. */
  Unicast: 1,
  /** Application message to one node; payload starts with a u16 message id to acknowledge. */
  UnicastAck: 2,
  /** One fragment of a broadcast message (payload starts with a fragment header). */
  BroadcastFragment: 3,
  /** One fragment of a unicast message. */
  UnicastFragment: 4,
  /** Acknowledgement of a message id. */
  Ack: 5,
  /** Selective retransmission request: message id, fragment count, bitmap of missing fragments. */
  Nack: 6,
  /**
   * Link-local hop acknowledgement (hop limit 0, no destination): "I hold
   * (source, counter)", sent by the next hop of a routed frame that will not
   * forward it (it is the destination, or it already did). Payload: source
   * u16, counter u32 (hop-acks.ts).
   */
  HopAck: 7,
} as const);

export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Traffic classes (2 bits), highest priority first; same numbering as transport-port.ts. */
export const LinkClass = Object.freeze({ Control: 0, Alert: 1, Telemetry: 2 } as const);
export type LinkClass = (typeof LinkClass)[keyof typeof LinkClass];
export const LINK_CLASS_COUNT = 3;

/** Whether frames of `type` carry a destination id (and then also a relay hint). */
export function hasDestination(type: number): boolean {
  return type !== FrameType.Broadcast && type !== FrameType.BroadcastFragment && type !== FrameType.HopAck;
}

/** Header length for a frame type and counter value. */
export function linkHeaderBytes(type: number, counter: number): number {
  return 8 + (hasDestination(type) ? 3 : 0) + (counter >= SHORT_COUNTER_LIMIT ? 1 : 0);
}

// Byte 1 bit layout.
const HOPS_TAKEN_SHIFT = 2;
const ROUTED_BIT = 0x02;
const LONG_COUNTER_BIT = 0x01;
/** Bits of byte 1 that relays change: hops taken and routed. */
const BYTE1_MUTABLE_MASK = 0x1e;

/** A parsed header. One reusable instance per caller; `parseLinkHeader` overwrites every field. */
export class LinkHeader {
  type: FrameType = FrameType.Broadcast;
  trafficClass: LinkClass = LinkClass.Telemetry;
  /** The key epoch's low KEY_PHASE_BITS bits. */
  keyPhase = 0;
  hopLimit = 0;
  hopsTaken = 0;
  routed = false;
  source = 0;
  /** BROADCAST_NODE_ID for broadcast types. */
  destination = BROADCAST_NODE_ID;
  counter = 0;
  linkHint = 0;
  /** Unicast types: the transmitter's low id byte (0 on the other types). */
  relayHint = 0;
  /** Header bytes; the sealed payload starts here. */
  headerBytes = 0;
}

/**
 * Write the header for `h` into frame[0 ..). Returns the header length.
 * The caller has validated the fields (ids, counter, class, hop limit).
 */
export function writeLinkHeader(h: LinkHeader, frame: Uint8Array): number {
  const long = h.counter >= SHORT_COUNTER_LIMIT;
  frame[0] = (h.type << LINK_TYPE_SHIFT) | (h.trafficClass << KEY_PHASE_BITS) | (h.keyPhase & KEY_PHASE_MASK);
  frame[1] = (h.hopLimit << 5) | ((h.hopsTaken & 7) << HOPS_TAKEN_SHIFT) | (h.routed ? ROUTED_BIT : 0) | (long ? LONG_COUNTER_BIT : 0);
  frame[2] = h.source >>> 8;
  frame[3] = h.source & 0xff;
  let at = 4;
  if (hasDestination(h.type)) {
    frame[4] = h.destination >>> 8;
    frame[5] = h.destination & 0xff;
    at = 6;
  }
  const counter = h.counter;
  if (long) frame[at++] = counter >>> 24;
  frame[at] = (counter >>> 16) & 0xff;
  frame[at + 1] = (counter >>> 8) & 0xff;
  frame[at + 2] = counter & 0xff;
  frame[at + 3] = h.linkHint & 0xff;
  let headerBytes = at + 4;
  if (hasDestination(h.type)) frame[headerBytes++] = h.relayHint & 0xff;
  h.headerBytes = headerBytes;
  return headerBytes;
}

/**
 * Parse and validate the header of frame[0 .. lengthBytes). Order of checks:
 * length, format escape, ids, counter form, hop fields. Allocates nothing.
 * Errors: MeshFrameTruncated, MeshWrongVersion (class code point 3: a
 * future layout), MeshUnknownType (a long counter form holding a short value),
 * MeshBadNodeId (source 0 or 0xffff, destination 0, unicast to 0xffff), MeshLooping (hops taken
 * above the hop limit).
 */
export function parseLinkHeader(frame: Uint8Array, lengthBytes: number, out: LinkHeader): Status {
  if (lengthBytes < LINK_FRAME_MIN_BYTES || lengthBytes > frame.length) return ErrorCode.MeshFrameTruncated;
  const b0 = frame[0] ?? 0;
  const b1 = frame[1] ?? 0;
  const type = b0 >>> LINK_TYPE_SHIFT;
  const trafficClass = (b0 >>> KEY_PHASE_BITS) & 3;
  if (trafficClass === LINK_FORMAT_ESCAPE_CLASS) return ErrorCode.MeshWrongVersion;
  const long = (b1 & LONG_COUNTER_BIT) !== 0;
  const withDestination = hasDestination(type);
  const headerBytes = 8 + (withDestination ? 3 : 0) + (long ? 1 : 0);
  if (lengthBytes < headerBytes + LINK_TAG_BYTES) return ErrorCode.MeshFrameTruncated;
  const source = ((frame[2] ?? 0) << 8) | (frame[3] ?? 0);
  let at = 4;
  let destination = BROADCAST_NODE_ID;
  if (withDestination) {
    destination = ((frame[4] ?? 0) << 8) | (frame[5] ?? 0);
    at = 6;
  }
  if (source === 0 || source === BROADCAST_NODE_ID || destination === 0 || (withDestination && destination === BROADCAST_NODE_ID)) {
    return ErrorCode.MeshBadNodeId;
  }
  let counter = 0;
  if (long) counter = (frame[at++] ?? 0) * 0x100_0000;
  counter += ((frame[at] ?? 0) << 16) | ((frame[at + 1] ?? 0) << 8) | (frame[at + 2] ?? 0);
  // A long form must carry a long value (one encoding per counter: no malleability).
  if (long && counter < SHORT_COUNTER_LIMIT) return ErrorCode.MeshUnknownType;
  const hopLimit = b1 >>> 5;
  const hopsTaken = (b1 >>> HOPS_TAKEN_SHIFT) & 7;
  if (hopsTaken > hopLimit) return ErrorCode.MeshLooping;
  out.type = type as FrameType;
  out.trafficClass = trafficClass as LinkClass;
  out.keyPhase = b0 & KEY_PHASE_MASK;
  out.hopLimit = hopLimit;
  out.hopsTaken = hopsTaken;
  out.routed = (b1 & ROUTED_BIT) !== 0;
  out.source = source;
  out.destination = destination;
  out.counter = counter;
  out.linkHint = frame[at + 3] ?? 0;
  out.relayHint = withDestination ? (frame[at + 4] ?? 0) : 0;
  out.headerBytes = headerBytes;
  return ErrorCode.Ok;
}

/** Hint bytes at the end of the header of `frame` (whose type is in byte 0): 2 for unicast types, else 1. */
function hintBytes(frame: Uint8Array): number {
  return hasDestination((frame[0] ?? 0) >>> LINK_TYPE_SHIFT) ? 2 : 1;
}

/**
 * The associated data: the header with the hop fields (hops taken, routed,
 * link hint, relay hint) zeroed, so relays may rewrite exactly those.
 * Returns its length.
 */
export function writeAad(frame: Uint8Array, headerBytes: number, aad: Uint8Array): number {
  for (let i = 0; i < headerBytes; i++) aad[i] = frame[i] ?? 0;
  aad[1] = (aad[1] ?? 0) & ~BYTE1_MUTABLE_MASK & 0xff;
  const hints = hintBytes(frame);
  for (let i = headerBytes - hints; i < headerBytes; i++) aad[i] = 0;
  return headerBytes;
}

/**
 * The hop fields of frame[0, headerBytes) packed in one number (byte 1's
 * mutable bits, then the one or two hint bytes), for `restoreHopFields`:
 * the end-to-end tag is computed over the header with them zeroed in
 * place (`zeroHopFields`), so no copy of the header is needed.
 */
export function hopFieldsOf(frame: Uint8Array, headerBytes: number): number {
  const hints = hintBytes(frame);
  const last = frame[headerBytes - 1] ?? 0;
  const before = hints === 2 ? (frame[headerBytes - 2] ?? 0) : 0;
  return ((frame[1] ?? 0) & BYTE1_MUTABLE_MASK) * 0x10000 + before * 0x100 + last;
}

/** Zero the hop fields of frame[0, headerBytes) in place: the header as the associated data sees it (`writeAad`). */
export function zeroHopFields(frame: Uint8Array, headerBytes: number): void {
  const hints = hintBytes(frame);
  frame[1] = (frame[1] ?? 0) & ~BYTE1_MUTABLE_MASK & 0xff;
  for (let i = headerBytes - hints; i < headerBytes; i++) frame[i] = 0;
}

/** Put back what `hopFieldsOf` took (after `zeroHopFields`). */
export function restoreHopFields(frame: Uint8Array, headerBytes: number, fields: number): void {
  frame[1] = (frame[1] ?? 0) | (Math.floor(fields / 0x10000) & BYTE1_MUTABLE_MASK);
  if (hintBytes(frame) === 2) frame[headerBytes - 2] = (fields >>> 8) & 0xff;
  frame[headerBytes - 1] = fields & 0xff;
}

/**
 * The low id byte of the board that put the frame on the air: its source
 * on the first hop, else the relay hint (unicast types) or the link hint
 * (broadcast types). On a site of at most 255 boards it is the board's id
 * (link-keys.ts LINK_SITE_SIZE_MAX).
 */
export function transmitterOf(h: LinkHeader): number {
  if (h.hopsTaken === 0) return h.source;
  return hasDestination(h.type) ? h.relayHint : h.linkHint;
}

/**
 * Rewrite the hop fields of a frame in place (a relay's only change); the
 * relay hint (unicast types) is the transmitter's low id byte.
 */
export function rewriteHopFields(frame: Uint8Array, headerBytes: number, hopsTaken: number, routed: boolean, linkHint: number, relayHint = 0): void {
  const b1 = (frame[1] ?? 0) & ~BYTE1_MUTABLE_MASK & 0xff;
  frame[1] = b1 | ((hopsTaken & 7) << HOPS_TAKEN_SHIFT) | (routed ? ROUTED_BIT : 0);
  if (hintBytes(frame) === 2) {
    frame[headerBytes - 2] = linkHint & 0xff;
    frame[headerBytes - 1] = relayHint & 0xff;
  } else frame[headerBytes - 1] = linkHint & 0xff;
}
