/**
 * Fragment header, carried inside the sealed payload of fragment frames
 * (README "Mesh transport"). Only the endpoints need it, so routers never see it.
 *
 *   0..1  message id (u16, big-endian): the sender's id for this message
 *   2     fragment index 0..count-1
 *   3     bit 7: acknowledgement requested; bits 0..6: fragment count 1..127
 *   4..5  message length in bytes (u16)
 *
 * Sizes are implied, so offsets need no field: every fragment but the last
 * carries exactly ceil(length / count) bytes and the last carries the rest
 * (`fragmentChunkBytes`); the receiver refuses any other length.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";

export const FRAGMENT_HEADER_BYTES = 6;
export const FRAGMENT_COUNT_MAX = 127;
const ACK_BIT = 0x80;

/** A parsed fragment header; one reusable instance per caller. */
export class FragmentHeader {
  messageId = 0;
  index = 0;
  count = 0;
  ackRequested = false;
  totalBytes = 0;
}

/** Fragments needed for `totalBytes` with at most `maxChunkBytes` per fragment (0 if impossible). */
export function fragmentCount(totalBytes: number, maxChunkBytes: number): number {
  if (totalBytes < 1 || maxChunkBytes < 1) return 0;
  const count = Math.floor((totalBytes + maxChunkBytes - 1) / maxChunkBytes);
  return count > FRAGMENT_COUNT_MAX ? 0 : count;
}

/** Bytes of fragment `index` of a `count`-fragment message of `totalBytes`. */
export function fragmentChunkBytes(totalBytes: number, count: number, index: number): number {
  const chunk = Math.floor((totalBytes + count - 1) / count);
  return index < count - 1 ? chunk : totalBytes - (count - 1) * chunk;
}

/** Offset of fragment `index` in the message. */
export function fragmentOffset(totalBytes: number, count: number, index: number): number {
  return index * Math.floor((totalBytes + count - 1) / count);
}

export function writeFragmentHeader(h: FragmentHeader, out: Uint8Array, at: number): void {
  out[at] = (h.messageId >>> 8) & 0xff;
  out[at + 1] = h.messageId & 0xff;
  out[at + 2] = h.index;
  out[at + 3] = (h.ackRequested ? ACK_BIT : 0) | h.count;
  out[at + 4] = (h.totalBytes >>> 8) & 0xff;
  out[at + 5] = h.totalBytes & 0xff;
}

/**
 * Parse the header at plaintext[0..) of a fragment whose payload (after the
 * header) is `chunkBytes` long, and check it is self-consistent: count
 * 1..127, index < count, a split the sender could have made (last chunk not
 * empty), and the chunk exactly as long as the index implies. MeshFragmentInvalid otherwise (or MeshFrameTruncated).
 */
export function parseFragmentHeader(plaintext: Uint8Array, plaintextBytes: number, out: FragmentHeader): Status {
  if (plaintextBytes < FRAGMENT_HEADER_BYTES) return ErrorCode.MeshFrameTruncated;
  const countByte = plaintext[3] ?? 0;
  const count = countByte & ~ACK_BIT;
  const index = plaintext[2] ?? 0;
  const totalBytes = ((plaintext[4] ?? 0) << 8) | (plaintext[5] ?? 0);
  if (count < 1 || index >= count || totalBytes < count) return ErrorCode.MeshFragmentInvalid;
  if (fragmentChunkBytes(totalBytes, count, count - 1) < 1) return ErrorCode.MeshFragmentInvalid; // not a minimal split
  if (plaintextBytes - FRAGMENT_HEADER_BYTES !== fragmentChunkBytes(totalBytes, count, index)) return ErrorCode.MeshFragmentInvalid;
  out.messageId = ((plaintext[0] ?? 0) << 8) | (plaintext[1] ?? 0);
  out.index = index;
  out.count = count;
  out.ackRequested = (countByte & ACK_BIT) !== 0;
  out.totalBytes = totalBytes;
  return ErrorCode.Ok;
}
