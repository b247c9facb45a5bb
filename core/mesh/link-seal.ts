/**
 * Sealing and opening link frames (README "Mesh transport") with the crypto boundary's
 * pieces: per-sender group traffic keys (TrafficKeyTable, session-keys.ts),
 * never-repeating counters (CounterSource) and anti-replay windows
 * (ReplayTable, RFC 4303 §3.4.3).
 *
 * Seal: counter from the node's CounterSource; header (link-header.ts);
 * nonce = the key's nonce base XOR the counter in its last 4 bytes
 * (RFC 8613 §5.2); AAD = the header with its hop fields zeroed;
 * ChaCha20/Poly1305 through the provider into the caller's frame buffer.
 * Keys are per (sender, epoch) and counters never repeat, so a nonce never
 * repeats under a key.
 *
 * Open, in this order, each outcome counted by the caller: epoch from the
 * key phase -> KeyEpochMismatch (none of previous, current, next); key for
 * (source, epoch) -> KeyEpochUnknown; replay check
 * without state change -> Replay*; AEAD open -> CryptoAuthFailed (forged or
 * corrupted); replay commit only after the tag verified ("the receive
 * window is updated only if the integrity verification succeeds").
 *
 * Scratch buffers (nonce, AAD) are made at create. The provider's offset
 * forms (aeadSealAt/aeadOpenAt) read the AAD scratch, the payload and the
 * frame in place, so sealing and opening create no views: nothing is
 * allocated per frame (the XS mesh bench measures 0 B/op).
 */
import { ErrorCode } from "../runtime/errors";
import { Outcome, err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { rangeOk } from "../crypto/chacha20-poly1305";
import type { CounterSource } from "../crypto/counter-source";
import type { CryptoProvider } from "../crypto/provider";
import type { ReplayTable } from "../crypto/replay-window";
import type { ReceiveKeys, TrafficKey } from "../crypto/traffic-keys";
import { COUNTER_MAX, KEY_PHASE_MASK, LINK_HEADER_MAX_BYTES, LINK_TAG_BYTES, NODE_ID_MAX, writeAad, writeLinkHeader, type LinkHeader } from "./link-header";

const NONCE_BYTES = 12;

/**
 * The nonce and AAD a seal or an open builds before its AEAD call. Both
 * write every byte they use before the call and keep nothing after it,
 * so a node's sealer and opener may share one (the transport does: a
 * typed array costs heap slots on XS).
 */
export class LinkScratch {
  readonly nonce: Uint8Array;
  readonly aad: Uint8Array;

  /** In LINK_SCRATCH_BYTES of `buffer` from `base` (the transport's arena, arena.ts), or in buffers of its own. */
  constructor(buffer?: ArrayBuffer, base = 0) {
    this.nonce = buffer === undefined ? new Uint8Array(NONCE_BYTES) : new Uint8Array(buffer, base, NONCE_BYTES);
    this.aad = buffer === undefined ? new Uint8Array(LINK_HEADER_MAX_BYTES) : new Uint8Array(buffer, base + NONCE_BYTES, LINK_HEADER_MAX_BYTES);
  }
}

/** Bytes a LinkScratch takes in an arena: the nonce, then the AAD. */
export const LINK_SCRATCH_BYTES = NONCE_BYTES + LINK_HEADER_MAX_BYTES;

function writeNonce(nonceBase: Uint8Array, counter: number, out: Uint8Array): void {
  for (let i = 0; i < NONCE_BYTES; i++) out[i] = nonceBase[i] ?? 0;
  out[8] = (out[8] ?? 0) ^ ((counter >>> 24) & 0xff);
  out[9] = (out[9] ?? 0) ^ ((counter >>> 16) & 0xff);
  out[10] = (out[10] ?? 0) ^ ((counter >>> 8) & 0xff);
  out[11] = (out[11] ?? 0) ^ (counter & 0xff);
}

/** Send side: one per node. */
export class LinkSealer {
  private readonly provider_: CryptoProvider;
  private readonly counters_: CounterSource;
  private readonly nodeId_: number;
  private readonly counter_ = new Outcome<number>(0);
  /** The nonce and AAD buffers (shared with this node's opener or sealer). */
  private readonly scratch_: LinkScratch;
  private key_: TrafficKey | undefined = undefined;
  private sealed_ = 0;
  private counterFailures_ = 0;

  /** `scratch`: nonce and AAD buffers shared with this node's opener (default: its own). */
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

  /** This node's group traffic key (its epoch sets the key phase). Replaces the previous one. */
  setKey(key: TrafficKey): void {
    this.key_ = key;
  }

  get sealedCount(): number {
    return this.sealed_;
  }

  /**
   * The next value of the counter source seals draw from, for another use
   * of the same source (the transport's message ids), or -1 when the source
   * refuses one. Shares the sealer's outcome record: one record per node.
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
   * Seal `plaintext` into `frame` behind a header built from `h` (type,
   * class, hop limit, hops taken, routed, link hint, destination set by the
   * caller; source, counter and key phase are filled in here). Returns the
   * frame length, or a negated code: MeshKeyUnavailable, SendCounter*,
   * MeshFrameOversized (frame buffer too small), provider errors.
   */
  seal(h: LinkHeader, plaintext: Uint8Array, frame: Uint8Array): ValueOrCode {
    return this.sealAt(h, plaintext, 0, plaintext.length, frame);
  }

  /**
   * `seal` for plaintext[plaintextOffset, +plaintextLength) of a larger
   * buffer (a transmit staging area), without a view. -OutOfRange, before a
   * counter is spent, when the range is outside `plaintext`.
   */
  sealAt(h: LinkHeader, plaintext: Uint8Array, plaintextOffset: number, plaintextLength: number, frame: Uint8Array): ValueOrCode {
    const key = this.key_;
    if (key === undefined) return -ErrorCode.MeshKeyUnavailable;
    if (!rangeOk(plaintextOffset, plaintextLength, plaintext.length)) return -ErrorCode.OutOfRange;
    if (frame.length < LINK_HEADER_MAX_BYTES + plaintextLength + LINK_TAG_BYTES) return -ErrorCode.MeshFrameOversized;
    const got = this.counters_.next(this.counter_);
    const counter = this.counter_.value;
    if (got !== ErrorCode.Ok || !Number.isInteger(counter) || counter < 0 || counter > COUNTER_MAX) {
      this.counterFailures_++;
      return got === ErrorCode.Ok ? -ErrorCode.SendCounterExhausted : -got;
    }
    h.source = this.nodeId_;
    h.counter = counter;
    h.keyPhase = key.epoch & KEY_PHASE_MASK;
    const headerBytes = writeLinkHeader(h, frame);
    const { nonce, aad } = this.scratch_;
    const aadBytes = writeAad(frame, headerBytes, aad);
    writeNonce(key.nonceBase, counter, nonce);
    // Ciphertext || tag go straight after the header in the caller's frame.
    const sealed = this.provider_.aeadSealAt(key.handle, nonce, aad, 0, aadBytes, plaintext, plaintextOffset, plaintextLength, frame, headerBytes);
    if (sealed < 0) return sealed;
    this.sealed_++;
    return headerBytes + sealed;
  }
}

/** Receive side: the group key table and this node's replay windows. */
/**
 * Durable admission of authenticated frames (core/storage/receive-ceilings.ts,
 * README "Link security"): after the replay window committed a frame, may it
 * be used (delivered, relayed, acknowledged)? `prepare` is the persist phase,
 * at the start of every tick, before anything is sent or delivered.
 */
export interface ReceiveAdmission {
  admit(senderId: number, counter: number): boolean;
  prepare(): Status;
}

export class LinkOpener {
  private readonly provider_: CryptoProvider;
  private readonly keys_: ReceiveKeys;
  private readonly replay_: ReplayTable;
  /** The nonce and AAD buffers (shared with this node's opener or sealer). */
  private readonly scratch_: LinkScratch;
  private readonly admission_: ReceiveAdmission | undefined;
  private epoch_ = 0;
  /** Epoch of the frame last passed to `open` (valid once its key was found). */
  lastEpoch = 0;

  /** The receive ceilings frames are admitted under (undefined: the window alone). */
  get admission(): ReceiveAdmission | undefined {
    return this.admission_;
  }

  /** The receive keys frames are opened with. */
  get keys(): ReceiveKeys {
    return this.keys_;
  }

  /**
   * `scratch`: nonce and AAD buffers shared with this node's sealer (default:
   * its own). `admission`: receive ceilings that keep the window's promise
   * across reboots (absent: the window alone).
   */
  constructor(provider: CryptoProvider, keys: ReceiveKeys, replay: ReplayTable, scratch: LinkScratch = new LinkScratch(), admission?: ReceiveAdmission) {
    this.provider_ = provider;
    this.keys_ = keys;
    this.replay_ = replay;
    this.scratch_ = scratch;
    this.admission_ = admission;
  }

  /** The group's current key epoch (key phases are resolved against it). */
  setEpoch(epoch: number): Status {
    if ((epoch >>> 0) !== epoch || epoch > 0xffff) return ErrorCode.InvalidArgument;
    this.epoch_ = epoch;
    return ErrorCode.Ok;
  }

  /** Would this frame pass the replay window? No state changes (for callers that skip work early). */
  replayCheck(h: LinkHeader): Status {
    const slot = this.keySlot_(h);
    if (slot < 0) return -slot as Status;
    return this.replay_.check(h.source, this.lastEpoch, h.counter);
  }

  /**
   * Authenticate and decrypt the payload of frame[0 .. lengthBytes) (header
   * parsed into `h`) into `out`; commit the counter to the replay window.
   * Returns the plaintext length or a negated code (KeyEpochUnknown,
   * ReplayDuplicate/TooOld/WrongEpoch/TableFull, CryptoAuthFailed,
   * MeshReceiveCeiling (authentic, not yet below a durable ceiling),
   * MeshFrameOversized when `out` is too small, OutOfRange when lengthBytes
   * runs past `frame`). On failure no window moves.
   */
  open(frame: Uint8Array, lengthBytes: number, h: LinkHeader, out: Uint8Array): ValueOrCode {
    const plaintextBytes = lengthBytes - h.headerBytes - LINK_TAG_BYTES;
    if (plaintextBytes < 0) return -ErrorCode.MeshFrameTruncated;
    if (out.length < plaintextBytes) return -ErrorCode.MeshFrameOversized;
    const slot = this.keySlot_(h);
    if (slot < 0) return slot;
    const epoch = this.lastEpoch;
    const fresh = this.replay_.check(h.source, epoch, h.counter);
    if (fresh !== ErrorCode.Ok) return -fresh;
    const { nonce, aad } = this.scratch_;
    const aadBytes = writeAad(frame, h.headerBytes, aad);
    // The nonce is built in place from the sender's base (one scratch array: each costs heap slots on XS).
    this.keys_.copyNonceBase(slot, nonce);
    writeNonce(nonce, h.counter, nonce);
    // Sealed bytes read in place (no view): -OutOfRange if lengthBytes runs past `frame`.
    const sealedBytes = lengthBytes - h.headerBytes;
    const opened = this.provider_.aeadOpenAt(this.keys_.handleAt(slot), nonce, aad, 0, aadBytes, frame, h.headerBytes, sealedBytes, out, 0);
    if (opened < 0) return opened;
    // Authentic and fresh, but usable only below the sender's durable ceiling: refused without a commit, so the same
    // frame sent again after the persist phase raised the ceiling is taken (README "Link security").
    if (this.admission_ !== undefined && !this.admission_.admit(h.source, h.counter)) {
      out.fill(0, 0, plaintextBytes);
      return -ErrorCode.MeshReceiveCeiling;
    }
    const committed = this.replay_.commit(h.source, epoch, h.counter);
    if (committed !== ErrorCode.Ok) {
      out.fill(0, 0, plaintextBytes);
      return -committed;
    }
    // Authenticated and fresh: a key derived for this frame may now take a cache slot (sender-key-cache.ts).
    this.keys_.confirm(slot);
    return plaintextBytes;
  }

  /**
   * The key slot for the frame's (source, epoch): the epoch among the
   * current, the next and the previous whose low bits match the key phase
   * (link-header.ts). Sets `lastEpoch`. `-KeyEpochMismatch` when the phase
   * names none of them: a frame of another epoch is counted as such, before
   * any cryptography, not as a forgery. `-KeyEpochUnknown` when the epoch's
   * key is not installed.
   */
  private keySlot_(h: LinkHeader): ValueOrCode {
    const current = this.epoch_;
    const phase = h.keyPhase;
    if ((current & KEY_PHASE_MASK) === phase) {
      this.lastEpoch = current;
      return this.keys_.lookup(h.source, current);
    }
    if (((current + 1) & KEY_PHASE_MASK) === phase) {
      this.lastEpoch = current + 1;
      return this.keys_.lookup(h.source, current + 1);
    }
    if (current > 0 && ((current - 1) & KEY_PHASE_MASK) === phase) {
      this.lastEpoch = current - 1;
      return this.keys_.lookup(h.source, current - 1);
    }
    return -ErrorCode.KeyEpochMismatch;
  }
}
