/**
 * Sealing, checking and opening link frames (README "Link security",
 * docs/architecture.md "Link keys"): every frame carries two 8-byte tags in
 * the 16 bytes one AEAD tag took, so that a board can speak to a gateway,
 * and a gateway to a board, only as itself.
 *
 *   header || ciphertext || end-to-end tag (8) || hop tag (8)
 *
 * End to end, from the origin to the destination, under S = P(origin,
 * destination) when the two share a pair secret (one of them is a gateway:
 * only those two hold it, core/crypto/site-keys.ts), else F (a flood, or a
 * unicast frame between two boards that are not gateways: such a frame's
 * origin is "a board of the site", the stated residual):
 *   payload key  K  = BLAKE2s-256(key S, personal "PicketLK", empty)
 *   nonce           = source id (2) || 0 (6) || counter (4), so two boards
 *                     sealing under one S never share one (RFC 8613 §5.2
 *                     puts the sender id in the nonce the same way)
 *   ciphertext      = ChaCha20(K, nonce) from block 1 (RFC 8439 §2.4)
 *   end-to-end tag  = BLAKE2s-64(key S, personal "PicketLE",
 *                     header with its hop fields zeroed || ciphertext)
 * Per hop, under F: every board checks it before it relays, so no one
 * outside the site makes relays carry a forgery, and the hop fields (which
 * name the transmitter and the next hop) are authenticated too:
 *   hop tag         = BLAKE2s-64(key F, personal "PicketLH", the frame up to
 *                     the hop tag, hop fields as sent)
 *
 * BLAKE2s keyed is a PRF (RFC 7693; the digest length and personalization
 * are parameters of the function, so the three uses of one secret are three
 * independent functions). An 8-byte tag is forged with probability 2^-64
 * per attempt, as OSCORE's default AES-CCM-16-64-128 (RFC 8613 §3.2.1);
 * every attempt here is a radio frame. A relay checks the hop tag, rewrites
 * the hop fields and stamps a new hop tag; it cannot read a pairwise
 * payload nor change anything the end-to-end tag covers. The destination
 * (every board, for a flood) checks the end-to-end tag, then the replay
 * window, then the durable receive ceiling, commits and decrypts.
 *
 * Replay windows: frames under a pair secret at window id `origin`, frames
 * under F at `siteSize + origin` (`windowIdOf`), so a board forging F frames
 * under another's id moves only that id's F window, never the window of
 * the pairwise frames that board sends (its alerts, a gateway's acks).
 *
 * Nothing is allocated per frame: the provider's offset forms read keys and
 * buffers in place, the secret of the moment is read into the scratch and
 * zeroed after use, and the end-to-end tag is computed over the header with
 * its hop fields zeroed in place and then restored.
 */
import { ErrorCode } from "../runtime/errors";
import { Outcome, err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import type { CounterSource } from "../crypto/counter-source";
import type { CryptoProvider } from "../crypto/provider";
import type { ReplayTable } from "../crypto/replay-window";
import {
  COUNTER_MAX,
  E2E_TAG_BYTES,
  HOP_TAG_BYTES,
  KEY_PHASE_MASK,
  LINK_HEADER_MAX_BYTES,
  LINK_TAG_BYTES,
  NODE_ID_MAX,
  hasDestination,
  hopFieldsOf,
  restoreHopFields,
  writeLinkHeader,
  zeroHopFields,
  type LinkHeader,
} from "./link-header";
import { LINK_SECRET_BYTES, type LinkKeyring } from "./link-keys";
import type { Counter } from "../runtime/ids";

const NONCE_BYTES = 12;
const PERSONAL_BYTES = 8;
/** The personalizations' last byte: payload key, end-to-end tag, hop tag ("PicketL" + K, E, H). */
const USE_PAYLOAD_KEY = 0x4b;
const USE_E2E = 0x45;
const USE_HOP = 0x48;
const PERSONAL_PREFIX: readonly number[] = Object.freeze([0x50, 0x69, 0x63, 0x6b, 0x65, 0x74, 0x4c]); // "PicketL"

/**
 * The working bytes of a seal or an open: the secret of the moment, the
 * payload key (and a computed tag), the nonce and the personalization.
 * Every call writes what it uses before reading it and zeroes the secret
 * and the payload key before returning, so a node's sealer and opener share
 * one (the transport's arena: each typed array costs heap slots on XS).
 */
export class LinkScratch {
  readonly secret: Uint8Array;
  readonly derived: Uint8Array;
  readonly nonce: Uint8Array;
  readonly personal: Uint8Array;

  /** In LINK_SCRATCH_BYTES of `buffer` from `base` (the transport's arena, arena.ts), or in a buffer of its own. */
  constructor(buffer?: ArrayBuffer, base = 0) {
    const b = buffer ?? new ArrayBuffer(LINK_SCRATCH_BYTES);
    const at = buffer === undefined ? 0 : base;
    this.secret = new Uint8Array(b, at, LINK_SECRET_BYTES);
    this.derived = new Uint8Array(b, at + LINK_SECRET_BYTES, LINK_SECRET_BYTES);
    this.nonce = new Uint8Array(b, at + 2 * LINK_SECRET_BYTES, NONCE_BYTES);
    this.personal = new Uint8Array(b, at + 2 * LINK_SECRET_BYTES + NONCE_BYTES, PERSONAL_BYTES);
    for (let i = 0; i < PERSONAL_PREFIX.length; i++) this.personal[i] = PERSONAL_PREFIX[i] ?? 0;
  }

  wipe(): void {
    this.secret.fill(0);
    this.derived.fill(0);
  }
}

/** Bytes a LinkScratch takes in an arena. */
export const LINK_SCRATCH_BYTES = 2 * LINK_SECRET_BYTES + NONCE_BYTES + PERSONAL_BYTES;

/** The peer whose pair secret keys a frame end to end at this board (its origin, or its destination when sealing), or 0 for F. */
function pairPeerOf(keys: LinkKeyring, h: LinkHeader, sealing: boolean): number {
  if (!hasDestination(h.type)) return 0;
  const peer = sealing ? h.destination : h.source;
  return keys.hasPair(peer) ? peer : 0;
}

/** The replay window id of a frame received: its origin under a pair secret, siteSize + origin under F. */
export function windowIdOf(keys: LinkKeyring, h: LinkHeader): number {
  return windowOfPeer(pairPeerOf(keys, h, false), h, keys.siteSize);
}

/** `windowIdOf` once the pair peer is known (the open asks the keyring once per frame). */
function windowOfPeer(peer: number, h: LinkHeader, siteSize: number): number {
  return peer !== 0 ? h.source : siteSize + h.source;
}

/** Window ids a site of `siteSize` boards uses (1..2 x siteSize): what the replay table and the receive ceilings are sized for. */
export function windowIdMax(siteSize: number): number {
  return 2 * siteSize;
}

/** The end-to-end secret of a frame between this board and `peer` (0: a flood) into scratch.secret. */
function e2eSecret(keys: LinkKeyring, peer: number, s: LinkScratch): Status {
  return peer === 0 ? keys.floodSecretInto(s.secret, 0) : keys.pairSecretInto(peer, s.secret, 0);
}

function keyedTag(provider: CryptoProvider, s: LinkScratch, use: number, data: Uint8Array, dataBytes: number, out: Uint8Array, outAt: number, outBytes: number): Status {
  s.personal[PERSONAL_BYTES - 1] = use;
  return provider.keyedHashAt(s.secret, 0, LINK_SECRET_BYTES, s.personal, data, 0, dataBytes, out, outAt, outBytes);
}

/** The end-to-end tag of frame[0, headerBytes + cipherBytes) under scratch.secret into out[outAt, +8): hop fields zeroed for the call, then restored. */
function e2eTag(provider: CryptoProvider, s: LinkScratch, frame: Uint8Array, headerBytes: number, cipherBytes: number, out: Uint8Array, outAt: number): Status {
  const fields = hopFieldsOf(frame, headerBytes);
  zeroHopFields(frame, headerBytes);
  const status = keyedTag(provider, s, USE_E2E, frame, headerBytes + cipherBytes, out, outAt, E2E_TAG_BYTES);
  restoreHopFields(frame, headerBytes, fields);
  return status;
}

/** ChaCha20 of src[srcAt, +length) into dst[dstAt..] under the payload key of scratch.secret, for (source, counter). */
function payloadStream(provider: CryptoProvider, s: LinkScratch, source: number, counter: number, src: Uint8Array, srcAt: number, length: number, dst: Uint8Array, dstAt: number): Status {
  const derived = keyedTag(provider, s, USE_PAYLOAD_KEY, s.nonce, 0, s.derived, 0, LINK_SECRET_BYTES);
  if (derived !== ErrorCode.Ok) return derived;
  const n = s.nonce;
  n.fill(0);
  n[0] = (source >>> 8) & 0xff;
  n[1] = source & 0xff;
  n[8] = (counter >>> 24) & 0xff;
  n[9] = (counter >>> 16) & 0xff;
  n[10] = (counter >>> 8) & 0xff;
  n[11] = counter & 0xff;
  return provider.streamXorAt(s.derived, 0, n, src, srcAt, length, dst, dstAt);
}

function equalAt(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, length: number): boolean {
  let diff = 0;
  for (let i = 0; i < length; i++) diff |= (a[aAt + i] ?? 0) ^ (b[bAt + i] ?? 0);
  return diff === 0;
}

/**
 * Stamp the hop tag of frame[0, lengthBytes) (the origin's first hop, or a
 * relay's after it rewrote the hop fields, which name this hop's ends).
 */
export function stampHop(provider: CryptoProvider, keys: LinkKeyring, s: LinkScratch, frame: Uint8Array, lengthBytes: number): Status {
  if (lengthBytes > frame.length) return ErrorCode.OutOfRange;
  if (lengthBytes < LINK_TAG_BYTES) return ErrorCode.MeshFrameTruncated;
  const got = keys.floodSecretInto(s.secret, 0);
  const status = got === ErrorCode.Ok ? keyedTag(provider, s, USE_HOP, frame, lengthBytes - HOP_TAG_BYTES, frame, lengthBytes - HOP_TAG_BYTES, HOP_TAG_BYTES) : got;
  s.wipe();
  return status;
}

/** Ok when the hop tag of frame[0, lengthBytes) verifies under F; else CryptoAuthFailed, or the keyring's code. */
export function verifyHop(provider: CryptoProvider, keys: LinkKeyring, s: LinkScratch, frame: Uint8Array, lengthBytes: number): Status {
  if (lengthBytes > frame.length) return ErrorCode.OutOfRange;
  if (lengthBytes < LINK_TAG_BYTES) return ErrorCode.MeshFrameTruncated;
  const got = keys.floodSecretInto(s.secret, 0);
  let status = got === ErrorCode.Ok ? keyedTag(provider, s, USE_HOP, frame, lengthBytes - HOP_TAG_BYTES, s.derived, 0, HOP_TAG_BYTES) : got;
  if (status === ErrorCode.Ok && !equalAt(frame, lengthBytes - HOP_TAG_BYTES, s.derived, 0, HOP_TAG_BYTES)) status = ErrorCode.CryptoAuthFailed;
  s.wipe();
  return status;
}

/** Send side: one per node. */
export class LinkSealer {
  private readonly provider_: CryptoProvider;
  private readonly counters_: CounterSource;
  private readonly nodeId_: number;
  private readonly counter_ = new Outcome<Counter>(0 as Counter);
  private readonly scratch_: LinkScratch;
  private keys_: LinkKeyring | undefined = undefined;
  private sealed_ = 0;
  private counterFailures_ = 0;

  /** `scratch`: shared with this node's opener (default: its own). */
  static create(provider: CryptoProvider, counters: CounterSource, nodeId: number, scratch: LinkScratch = new LinkScratch()): Result<LinkSealer> {
    if ((nodeId >>> 0) !== nodeId || nodeId < 1 || nodeId > NODE_ID_MAX) return err(ErrorCode.InvalidArgument);
    return ok(new LinkSealer(provider, counters, nodeId, scratch));
  }

  private constructor(provider: CryptoProvider, counters: CounterSource, nodeId: number, scratch: LinkScratch) {
    this.provider_ = provider;
    this.counters_ = counters;
    this.nodeId_ = nodeId;
    this.scratch_ = scratch;
  }

  /** This node's link secrets (their epoch sets the key phase). Replaces the previous ones. */
  setKeys(keys: LinkKeyring): void {
    this.keys_ = keys;
  }

  get keys(): LinkKeyring | undefined {
    return this.keys_;
  }

  get sealedCount(): number {
    return this.sealed_;
  }

  /**
   * The next value of the counter source seals draw from, for another use
   * of the same source (the transport's message ids), or -1 when the source
   * refuses one.
   */
  nextCounter(): number {
    return this.counters_.next(this.counter_) === ErrorCode.Ok ? this.counter_.value : -1;
  }

  /** Leave the next `values` counter values unused (counter-source.ts `skip`): a rebooted receiver asked for it. */
  skipCounter(values: number): Status {
    return this.counters_.skip(values);
  }

  /** Let the counter source reserve what the next seals may take (counter-source.ts `prepare`), before a tick seals any. */
  prepare(): void {
    this.counters_.prepare();
  }

  get counterFailureCount(): number {
    return this.counterFailures_;
  }

  /**
   * Seal plaintext[plaintextOffset, +plaintextLength) into `frame` behind a
   * header built from `h` (type, class, hop limit, hops taken, routed, hints
   * and destination set by the caller; source, counter and key phase filled
   * in here), end to end to h.destination (under their pair secret, or F),
   * and stamp the first hop. Returns the frame length or
   * a negated code: MeshKeyUnavailable, OutOfRange (before a counter is
   * spent), MeshFrameOversized, SendCounter*, the keyring's or the
   * provider's codes. On failure the frame holds no payload bytes.
   */
  sealAt(h: LinkHeader, plaintext: Uint8Array, plaintextOffset: number, plaintextLength: number, frame: Uint8Array): ValueOrCode {
    const keys = this.keys_;
    if (keys === undefined) return -ErrorCode.MeshKeyUnavailable;
    if ((plaintextOffset >>> 0) !== plaintextOffset || (plaintextLength >>> 0) !== plaintextLength || plaintextOffset + plaintextLength > plaintext.length) return -ErrorCode.OutOfRange;
    if (frame.length < LINK_HEADER_MAX_BYTES + plaintextLength + LINK_TAG_BYTES) return -ErrorCode.MeshFrameOversized;
    const got = this.counters_.next(this.counter_);
    const counter = this.counter_.value;
    if (got !== ErrorCode.Ok || !Number.isInteger(counter) || counter < 0 || counter > COUNTER_MAX) {
      this.counterFailures_++;
      return got === ErrorCode.Ok ? -ErrorCode.SendCounterExhausted : -got;
    }
    h.source = this.nodeId_;
    h.counter = counter;
    h.keyPhase = keys.epoch & KEY_PHASE_MASK;
    const headerBytes = writeLinkHeader(h, frame);
    const s = this.scratch_;
    const provider = this.provider_;
    let status = e2eSecret(keys, pairPeerOf(keys, h, true), s);
    if (status === ErrorCode.Ok) status = payloadStream(provider, s, h.source, counter, plaintext, plaintextOffset, plaintextLength, frame, headerBytes);
    const tagAt = headerBytes + plaintextLength;
    if (status === ErrorCode.Ok) status = e2eTag(provider, s, frame, headerBytes, plaintextLength, frame, tagAt);
    s.wipe();
    const length = tagAt + LINK_TAG_BYTES;
    if (status === ErrorCode.Ok) status = stampHop(provider, keys, s, frame, length);
    if (status !== ErrorCode.Ok) {
      frame.fill(0, headerBytes, length);
      return -status;
    }
    this.sealed_++;
    return length;
  }
}

/**
 * Durable admission of authenticated frames (core/storage/receive-ceilings.ts,
 * README "Link security"): after the replay window checked a frame, may it
 * be used (delivered, acknowledged)? `prepare` is the persist phase, at the
 * start of every tick, before anything is sent or delivered.
 */
export interface ReceiveAdmission {
  admit(windowId: number, counter: number): boolean;
  prepare(): Status;
}

/** Receive side: the node's keyring (shared with its sealer), replay windows and receive ceilings. */
export class LinkOpener {
  private readonly provider_: CryptoProvider;
  private readonly sealer_: LinkSealer;
  private readonly replay_: ReplayTable;
  private readonly scratch_: LinkScratch;
  private readonly admission_: ReceiveAdmission | undefined;

  /** The receive ceilings frames are admitted under (undefined: the window alone). */
  get admission(): ReceiveAdmission | undefined {
    return this.admission_;
  }

  /**
   * `sealer`: this node's sealer, whose keyring both use. `scratch`: shared
   * with it. `admission`: receive ceilings that keep the window's promise
   * across reboots (absent: the window alone).
   */
  constructor(provider: CryptoProvider, sealer: LinkSealer, replay: ReplayTable, scratch: LinkScratch = new LinkScratch(), admission?: ReceiveAdmission) {
    this.provider_ = provider;
    this.sealer_ = sealer;
    this.replay_ = replay;
    this.scratch_ = scratch;
    this.admission_ = admission;
  }

  /**
   * Are there keys for this frame? Ok for the current epoch's key phase
   * and a source (and destination) of the site; KeyEpochUnknown for the
   * previous or next epoch (their secrets are not held); KeyEpochMismatch
   * for any other phase, before any cryptography, so a frame of another
   * epoch is counted as such, not as a forgery (epochs 8 apart alias and
   * are tried: link-header.ts); MeshKeyUnavailable for an id outside the
   * site (no board of it holds keys for that id).
   */
  keyCheck(h: LinkHeader): Status {
    const keys = this.sealer_.keys;
    if (keys === undefined) return ErrorCode.MeshKeyUnavailable;
    if (h.source > keys.siteSize || (hasDestination(h.type) && h.destination > keys.siteSize)) return ErrorCode.MeshKeyUnavailable;
    const current = keys.epoch;
    const phase = h.keyPhase;
    if ((current & KEY_PHASE_MASK) === phase) return ErrorCode.Ok;
    if (((current + 1) & KEY_PHASE_MASK) === phase || (current > 0 && ((current - 1) & KEY_PHASE_MASK) === phase)) return ErrorCode.KeyEpochUnknown;
    return ErrorCode.KeyEpochMismatch;
  }

  /** `verifyHop` with this node's keyring and scratch (after `epochCheck`). */
  verifyHop(frame: Uint8Array, lengthBytes: number): Status {
    const keys = this.sealer_.keys;
    if (keys === undefined) return ErrorCode.MeshKeyUnavailable;
    return verifyHop(this.provider_, keys, this.scratch_, frame, lengthBytes);
  }

  /** `stampHop` with this node's keyring and scratch: a relay's hop tag, after it rewrote the hop fields. */
  stampHop(frame: Uint8Array, lengthBytes: number): Status {
    const keys = this.sealer_.keys;
    if (keys === undefined) return ErrorCode.MeshKeyUnavailable;
    return stampHop(this.provider_, keys, this.scratch_, frame, lengthBytes);
  }

  /**
   * The destination's open (every board, for a flood), after `epochCheck`
   * and (where it can) the hop check: replay check without state change ->
   * Replay*; end-to-end tag -> CryptoAuthFailed; durable ceiling ->
   * MeshReceiveCeiling (authentic, not yet below it: nothing committed, so
   * the frame is taken after the persist phase raised it); commit; decrypt
   * into out[0, payload). Returns the payload length or a negated code; on
   * failure no window moves and `out` holds none of the payload.
   */
  open(frame: Uint8Array, lengthBytes: number, h: LinkHeader, out: Uint8Array): ValueOrCode {
    const keys = this.sealer_.keys;
    if (keys === undefined) return -ErrorCode.MeshKeyUnavailable;
    const payloadBytes = lengthBytes - h.headerBytes - LINK_TAG_BYTES;
    if (lengthBytes > frame.length) return -ErrorCode.OutOfRange;
    if (payloadBytes < 0) return -ErrorCode.MeshFrameTruncated;
    if (out.length < payloadBytes) return -ErrorCode.MeshFrameOversized;
    // Which secret keys the frame end to end, asked of the keyring once: it picks the window and the secret.
    const peer = pairPeerOf(keys, h, false);
    const windowId = windowOfPeer(peer, h, keys.siteSize);
    const epoch = keys.epoch;
    const fresh = this.replay_.check(windowId, epoch, h.counter);
    if (fresh !== ErrorCode.Ok) return -fresh;
    const s = this.scratch_;
    const provider = this.provider_;
    let status = e2eSecret(keys, peer, s);
    // The computed tag lands in scratch.derived, then is compared with the frame's.
    if (status === ErrorCode.Ok) status = e2eTag(provider, s, frame, h.headerBytes, payloadBytes, s.derived, 0);
    if (status === ErrorCode.Ok && !equalAt(frame, h.headerBytes + payloadBytes, s.derived, 0, E2E_TAG_BYTES)) status = ErrorCode.CryptoAuthFailed;
    // Authentic and fresh, but usable only below its durable ceiling: refused without a commit (README "Link security").
    if (status === ErrorCode.Ok && this.admission_ !== undefined && !this.admission_.admit(windowId, h.counter)) status = ErrorCode.MeshReceiveCeiling;
    if (status === ErrorCode.Ok) status = this.replay_.commit(windowId, epoch, h.counter);
    if (status === ErrorCode.Ok) status = payloadStream(provider, s, h.source, h.counter, frame, h.headerBytes, payloadBytes, out, 0);
    s.wipe();
    if (status !== ErrorCode.Ok) {
      out.fill(0, 0, Math.min(payloadBytes, out.length));
      return -status;
    }
    return payloadBytes;
  }
}
