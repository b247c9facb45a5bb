/**
 * Split-tag link frames (README "Link security", docs/architecture.md
 * "Identity and keys"): the same header and the same 16 tag bytes as
 * link-seal.ts, spent on two tags so that a frame is authenticated both
 * to its origin's gateways and to each hop, under keys no third board
 * holds (site-keys.ts):
 *
 *   header || ciphertext || e2e tag (8) || hop tag (8)
 *
 *   ciphertext = ChaCha20 under the board's end-to-end key (RFC 8439 §2.4),
 *                nonce = nonce base XOR (source id || counter), the sender's
 *                id in the nonce as in OSCORE (RFC 8613 §5.2), so the
 *                board and each gateway sealing to it under the same key
 *                never share a nonce
 *   e2e tag    = HMAC-SHA-256(origin tag key, AAD || ciphertext)[0..8]
 *                AAD = the header with its hop fields zeroed (writeAad)
 *   hop tag    = HMAC-SHA-256(hop key, transmitter || receiver || header as sent
 *                || ciphertext || e2e tag)[0..8]   (ids u16; receiver 0xffff on a flood)
 *
 * The origin tag key comes from B_origin (shared with gateways only); the
 * hop key from P(transmitter, receiver) for a frame with a named next hop
 * (one key per pair: the ids at the front of the input give each direction
 * its own tags), or from the flood secret F for a flooded one. A relay checks the hop tag,
 * rewrites the hop fields and stamps a new hop tag (`stampHop`), and so
 * now authenticates the hop fields too; it cannot read or alter the
 * payload, and only a gateway (or the destination board, for a gateway's
 * frame to it) checks the e2e tag and decrypts (`openEndToEnd`).
 *
 * Why HMAC and 8 bytes: the header keeps its 24 B / 27 B overhead, so the
 * two tags share 16 bytes. A truncated HMAC-SHA-256 is a PRF, so each
 * forgery attempt succeeds with probability 2^-64 (plus the PRF
 * advantage). RFC 2104 §5 recommends at least 80 bits against unbounded
 * attempts; here every attempt is a radio frame, counted and rate-limited,
 * and OSCORE's default AES-CCM-16-64-128 tags with 8 bytes too (RFC 8613
 * §3.2). Poly1305 cut to 8 bytes has a far weaker proven bound: its
 * 8⌈L/16⌉/2^106 per difference (Bernstein, "The Poly1305-AES
 * message-authentication code", 2005), summed over the 2^64 differences
 * a cut tag accepts, is about 2^-35 per attempt at 255 B. So the Poly1305
 * tag of the provider's AEAD call is discarded: the call is used for its
 * ChaCha20 keystream only (RFC 8439 §2.8), and since that stream does not
 * depend on the AAD, sealing the ciphertext again under the same key and
 * nonce gives the plaintext back (`openEndToEnd`). At LoRa rates (under
 * 2^20 frames a month per receiver) 2^-64 per attempt is far below any
 * other risk here.
 *
 * Replay: the origin's counter is checked and committed in the receiver's
 * ReplayTable only by an endpoint, after the e2e tag verified; a relay keeps
 * no window for an origin it cannot authenticate, so frames forged under
 * another origin's id (far-ahead counters included) move nobody's window.
 *
 * Not yet the transport's path (README "Link security" says what is
 * missing). Like it, it allocates nothing per frame: the provider's
 * offset forms (aeadSealAt, macAt) read keys and buffers in place, and the
 * tag inputs are assembled by loop in the caller's scratch.
 */
import type { ValueOrCode } from "../collections/value-or-code";
import { rangeOk } from "../crypto/chacha20-poly1305";
import type { KeyHandle } from "../crypto/key-store";
import type { CryptoProvider } from "../crypto/provider";
import type { ReplayTable } from "../crypto/replay-window";
import type { TrafficKey } from "../crypto/traffic-keys";
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import { COUNTER_MAX, LINK_HEADER_MAX_BYTES, LINK_TAG_BYTES, writeAad, writeLinkHeader, type LinkHeader } from "./link-header";

export const E2E_TAG_BYTES = 8;
export const HOP_TAG_BYTES = LINK_TAG_BYTES - E2E_TAG_BYTES;
const NONCE_BYTES = 12;
const MAC_BYTES = 32;

/**
 * A board's end-to-end keys, from its board secret: ChaCha20 key + nonce
 * base (a TrafficKey) and the HMAC tag key. The board seals its frames to
 * the gateways and opens theirs to it with them; a gateway derives them
 * from R_e2e. The source id in the nonce and the AAD keeps the directions
 * apart.
 */
export interface EndToEndKeys {
  readonly cipher: TrafficKey;
  readonly tag: KeyHandle;
}

/** Working buffers of one caller (made once). */
export class LinkAuthScratch {
  readonly nonce = new Uint8Array(NONCE_BYTES);
  readonly aad = new Uint8Array(LINK_HEADER_MAX_BYTES);
  readonly mac = new Uint8Array(MAC_BYTES);
  /** A tag's input: AAD || ciphertext (e2e), or the two ids and the frame (hop); a radio frame is at most 255 bytes. */
  readonly macInput = new Uint8Array(4 + 256);
}

function writeNonce(nonceBase: Uint8Array, source: number, counter: number, out: Uint8Array): void {
  for (let i = 0; i < NONCE_BYTES; i++) out[i] = nonceBase[i] ?? 0;
  out[6] = (out[6] ?? 0) ^ ((source >>> 8) & 0xff);
  out[7] = (out[7] ?? 0) ^ (source & 0xff);
  out[8] = (out[8] ?? 0) ^ ((counter >>> 24) & 0xff);
  out[9] = (out[9] ?? 0) ^ ((counter >>> 16) & 0xff);
  out[10] = (out[10] ?? 0) ^ ((counter >>> 8) & 0xff);
  out[11] = (out[11] ?? 0) ^ (counter & 0xff);
}

/** HMAC of AAD || ciphertext into scratch.mac (the e2e tag is its first 8 bytes). Copies by loop: no views. */
function e2eMac(provider: CryptoProvider, key: KeyHandle, frame: Uint8Array, h: LinkHeader, ciphertextBytes: number, s: LinkAuthScratch): Status {
  const aadBytes = writeAad(frame, h.headerBytes, s.aad);
  const input = s.macInput;
  if (aadBytes + ciphertextBytes > input.length) return ErrorCode.MeshFrameOversized;
  for (let i = 0; i < aadBytes; i++) input[i] = s.aad[i] ?? 0;
  for (let i = 0; i < ciphertextBytes; i++) input[aadBytes + i] = frame[h.headerBytes + i] ?? 0;
  return provider.macAt(key, input, 0, aadBytes + ciphertextBytes, s.mac, 0);
}

function equalAt(a: Uint8Array, aAt: number, b: Uint8Array, length: number): boolean {
  let diff = 0;
  for (let i = 0; i < length; i++) diff |= (a[aAt + i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * Seal `payload` as origin into `frame` behind the header `h` (every field
 * set by the caller, source = the origin, counter = its next counter),
 * then stamp the first hop (source -> `receiver`, 0xffff for a flood) with
 * `hopKey`. Returns the frame length or a
 * negated code (OutOfRange, MeshFrameOversized, provider errors).
 */
export function sealSplit(
  provider: CryptoProvider,
  h: LinkHeader,
  payload: Uint8Array,
  e2e: EndToEndKeys,
  hopKey: KeyHandle,
  receiver: number,
  frame: Uint8Array,
  s: LinkAuthScratch,
): ValueOrCode {
  if (!Number.isInteger(h.counter) || h.counter < 0 || h.counter > COUNTER_MAX) return -ErrorCode.OutOfRange;
  if (frame.length < LINK_HEADER_MAX_BYTES + payload.length + LINK_TAG_BYTES) return -ErrorCode.MeshFrameOversized;
  const headerBytes = writeLinkHeader(h, frame);
  const aadBytes = writeAad(frame, headerBytes, s.aad);
  writeNonce(e2e.cipher.nonceBase, h.source, h.counter, s.nonce);
  // Ciphertext || Poly1305 tag; the 16 tag bytes are overwritten by the two tags below.
  const sealed = provider.aeadSealAt(e2e.cipher.handle, s.nonce, s.aad, 0, aadBytes, payload, 0, payload.length, frame, headerBytes);
  if (sealed < 0) return sealed;
  const macked = e2eMac(provider, e2e.tag, frame, h, payload.length, s);
  if (macked !== ErrorCode.Ok) return -macked;
  const tagAt = headerBytes + payload.length;
  for (let i = 0; i < E2E_TAG_BYTES; i++) frame[tagAt + i] = s.mac[i] ?? 0;
  const length = tagAt + LINK_TAG_BYTES;
  const stamped = stampHop(provider, frame, length, hopKey, h.source, receiver, s);
  return stamped === ErrorCode.Ok ? length : -stamped;
}

/** HMAC of transmitter || receiver || frame[0 .. lengthBytes - 8) into scratch.mac. */
function hopMac(provider: CryptoProvider, frame: Uint8Array, lengthBytes: number, hopKey: KeyHandle, transmitter: number, receiver: number, s: LinkAuthScratch): Status {
  if (lengthBytes < LINK_TAG_BYTES || lengthBytes > frame.length || lengthBytes - HOP_TAG_BYTES + 4 > s.macInput.length) return ErrorCode.MeshFrameTruncated;
  const input = s.macInput;
  input[0] = (transmitter >>> 8) & 0xff;
  input[1] = transmitter & 0xff;
  input[2] = (receiver >>> 8) & 0xff;
  input[3] = receiver & 0xff;
  const covered = lengthBytes - HOP_TAG_BYTES;
  for (let i = 0; i < covered; i++) input[4 + i] = frame[i] ?? 0;
  return provider.macAt(hopKey, input, 0, 4 + covered, s.mac, 0);
}

/**
 * Write the hop tag of frame[0 .. lengthBytes) for the hop transmitter ->
 * receiver (0xffff: a flood) under `hopKey` (an origin, or a relay after
 * rewriting the hop fields).
 */
export function stampHop(provider: CryptoProvider, frame: Uint8Array, lengthBytes: number, hopKey: KeyHandle, transmitter: number, receiver: number, s: LinkAuthScratch): Status {
  const macked = hopMac(provider, frame, lengthBytes, hopKey, transmitter, receiver, s);
  if (macked !== ErrorCode.Ok) return macked;
  for (let i = 0; i < HOP_TAG_BYTES; i++) frame[lengthBytes - HOP_TAG_BYTES + i] = s.mac[i] ?? 0;
  return ErrorCode.Ok;
}

/** Ok when the hop tag of frame[0 .. lengthBytes) verifies for transmitter -> receiver under `hopKey`, else CryptoAuthFailed. */
export function verifyHop(provider: CryptoProvider, frame: Uint8Array, lengthBytes: number, hopKey: KeyHandle, transmitter: number, receiver: number, s: LinkAuthScratch): Status {
  const macked = hopMac(provider, frame, lengthBytes, hopKey, transmitter, receiver, s);
  if (macked !== ErrorCode.Ok) return macked;
  return equalAt(frame, lengthBytes - HOP_TAG_BYTES, s.mac, HOP_TAG_BYTES) ? ErrorCode.Ok : ErrorCode.CryptoAuthFailed;
}

/**
 * An endpoint's open (a gateway for a board's frame, a board for a
 * gateway's frame to it), after its hop check: replay check without state
 * change, e2e tag under the origin's keys, replay commit, decrypt into
 * `out` (which needs payload + 16 bytes of room). Returns the payload
 * length or a negated code (Replay*, CryptoAuthFailed, MeshFrameTruncated,
 * MeshFrameOversized). On failure no window moves and `out` is zeroed.
 */
export function openEndToEnd(
  provider: CryptoProvider,
  frame: Uint8Array,
  lengthBytes: number,
  h: LinkHeader,
  e2e: EndToEndKeys,
  replay: ReplayTable,
  out: Uint8Array,
  s: LinkAuthScratch,
): ValueOrCode {
  const ciphertextBytes = lengthBytes - h.headerBytes - LINK_TAG_BYTES;
  if (ciphertextBytes < 0 || lengthBytes > frame.length) return -ErrorCode.MeshFrameTruncated;
  if (!rangeOk(0, ciphertextBytes + LINK_TAG_BYTES, out.length)) return -ErrorCode.MeshFrameOversized;
  const epoch = e2e.cipher.epoch;
  const fresh = replay.check(h.source, epoch, h.counter);
  if (fresh !== ErrorCode.Ok) return -fresh;
  const macked = e2eMac(provider, e2e.tag, frame, h, ciphertextBytes, s);
  if (macked !== ErrorCode.Ok) return -macked;
  if (!equalAt(frame, h.headerBytes + ciphertextBytes, s.mac, E2E_TAG_BYTES)) return -ErrorCode.CryptoAuthFailed;
  const committed = replay.commit(h.source, epoch, h.counter);
  if (committed !== ErrorCode.Ok) return -committed;
  // The same ChaCha20 stream again turns the ciphertext back into the payload (the Poly1305 tag it also writes is dropped).
  const aadBytes = writeAad(frame, h.headerBytes, s.aad);
  writeNonce(e2e.cipher.nonceBase, h.source, h.counter, s.nonce);
  const opened = provider.aeadSealAt(e2e.cipher.handle, s.nonce, s.aad, 0, aadBytes, frame, h.headerBytes, ciphertextBytes, out, 0);
  out.fill(0, ciphertextBytes, ciphertextBytes + LINK_TAG_BYTES);
  if (opened < 0) {
    out.fill(0);
    return opened;
  }
  return ciphertextBytes;
}
