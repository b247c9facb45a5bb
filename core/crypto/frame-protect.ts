/**
 * Per-frame protection: the compact AEAD envelope every mesh frame travels
 * in (docs/architecture.md "Data flow": seal (AEAD, counter) ... replay
 * window -> open). COSE_Encrypt0's CBOR framing would cost ~10 more bytes
 * per LoRa frame; like OSCORE (RFC 8613 §6) the header is fixed binary.
 *
 *   byte 0     0x10 | channel      (version 1; channel 0 group, 1 pairwise)
 *   bytes 1-2  sender id           (u16 big-endian; node ids are 16-bit on air)
 *   bytes 3-4  key epoch           (u16)
 *   bytes 5-8  counter             (u32, the partial IV)
 *   bytes 9..  ChaCha20/Poly1305 ciphertext || 16-byte tag
 *
 * AAD = the 9 header bytes || the caller's associated data, so sender,
 * epoch and counter are authenticated. Nonce = nonce base XOR (counter in
 * the last 4 bytes) (cf. RFC 8613 §5.2). Keys are per (channel, sender,
 * epoch) and counters come from one never-repeating CounterSource per node,
 * so a nonce never repeats under a key; no caller ever chooses one.
 *
 * Receive order: parse (FrameMalformed) -> key for (sender, epoch)
 * (KeyEpochUnknown) -> replay check without state change (ReplayDuplicate /
 * ReplayTooOld / ReplayWrongEpoch / ReplayTableFull) -> AEAD open
 * (CryptoAuthFailed: forged or corrupted) -> replay commit. Each outcome is
 * counted. Scratch buffers are allocated at create; the provider's offset
 * forms read them and the frame in place, so no view is made per frame.
 */
import { ErrorCode } from "../runtime/errors";
import { Outcome, err, ok, type Result } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES } from "./algorithms";
import type { CounterSource } from "./counter-source";
import type { CryptoProvider } from "./provider";
import type { ReplayTable } from "./replay-window";
import { Channel } from "./session-keys";
import { SENDER_ID_MAX, type TrafficKey, type TrafficKeyTable } from "./traffic-keys";
import type { Counter } from "../runtime/ids";

export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 9;
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + AEAD_TAG_BYTES;
/** Largest caller AAD per frame (link-layer addresses, a message type). */
export const FRAME_AAD_MAX_BYTES = 64;
const COUNTER_MAX = 0xffff_ffff;

/** Header fields of a frame, parsed. */
export class FrameHeader {
  channel = 0;
  senderId = 0;
  epoch = 0;
  counter = 0;
}

/** Parse the header; Ok or FrameMalformed. Allocates nothing. */
export function parseFrameHeader(frame: Uint8Array, out: FrameHeader): ErrorCode {
  if (frame.length < FRAME_OVERHEAD_BYTES) return ErrorCode.FrameMalformed;
  const first = frame[0] ?? 0;
  const channel = first & 0x0f;
  if (first >>> 4 !== FRAME_VERSION || (channel !== Channel.Group && channel !== Channel.Pairwise)) return ErrorCode.FrameMalformed;
  out.channel = channel;
  out.senderId = ((frame[1] ?? 0) << 8) | (frame[2] ?? 0);
  out.epoch = ((frame[3] ?? 0) << 8) | (frame[4] ?? 0);
  out.counter = (((frame[5] ?? 0) << 24) | ((frame[6] ?? 0) << 16) | ((frame[7] ?? 0) << 8) | (frame[8] ?? 0)) >>> 0;
  return ErrorCode.Ok;
}

function writeNonce(nonceBase: Uint8Array, counter: number, out: Uint8Array): void {
  out.set(nonceBase);
  out[8] = (out[8] ?? 0) ^ ((counter >>> 24) & 0xff);
  out[9] = (out[9] ?? 0) ^ ((counter >>> 16) & 0xff);
  out[10] = (out[10] ?? 0) ^ ((counter >>> 8) & 0xff);
  out[11] = (out[11] ?? 0) ^ (counter & 0xff);
}

/** AAD = header || caller aad, in `scratch`; returns its length or a negated code. */
function buildAad(header: Uint8Array, aad: Uint8Array, scratch: Uint8Array): ValueOrCode {
  if (aad.length > FRAME_AAD_MAX_BYTES) return -ErrorCode.CryptoBadLength;
  for (let i = 0; i < FRAME_HEADER_BYTES; i++) scratch[i] = header[i] ?? 0; // no view per frame
  scratch.set(aad, FRAME_HEADER_BYTES);
  return FRAME_HEADER_BYTES + aad.length;
}

/** Send side: one per node, sharing the node's counter source. */
export class FrameSealer {
  private readonly provider_: CryptoProvider;
  private readonly counters_: CounterSource;
  private readonly senderId_: number;
  private readonly counter_ = new Outcome<Counter>(0 as Counter);
  private readonly nonce_ = new Uint8Array(AEAD_NONCE_BYTES);
  private readonly aad_ = new Uint8Array(FRAME_HEADER_BYTES + FRAME_AAD_MAX_BYTES);
  private sealed_ = 0;
  private counterFailures_ = 0;

  static create(provider: CryptoProvider, counters: CounterSource, senderId: number): Result<FrameSealer> {
    if ((senderId >>> 0) !== senderId || senderId > SENDER_ID_MAX) return err(ErrorCode.InvalidArgument);
    return ok(new FrameSealer(provider, counters, senderId));
  }

  private constructor(provider: CryptoProvider, counters: CounterSource, senderId: number) {
    this.provider_ = provider;
    this.counters_ = counters;
    this.senderId_ = senderId;
  }

  get sealedCount(): number {
    return this.sealed_;
  }

  get counterFailureCount(): number {
    return this.counterFailures_;
  }

  /**
   * Seal `plaintext` into `out` (needs plaintext + FRAME_OVERHEAD_BYTES).
   * Returns the frame length, or a negated code: SendCounterUnavailable /
   * SendCounterExhausted (rekey), CryptoBufferTooSmall, key errors.
   */
  seal(channel: Channel, key: TrafficKey, plaintext: Uint8Array, aad: Uint8Array, out: Uint8Array): ValueOrCode {
    const length = plaintext.length + FRAME_OVERHEAD_BYTES;
    if (out.length < length) return -ErrorCode.CryptoBufferTooSmall;
    if (key.epoch > 0xffff) return -ErrorCode.InvalidArgument;
    const counter = this.counter_;
    const got = this.counters_.next(counter);
    if (got !== ErrorCode.Ok) {
      this.counterFailures_++;
      // The storage reservation scheme reports its ceiling as CounterExhausted: same meaning here.
      const exhausted = got === ErrorCode.SendCounterExhausted || got === ErrorCode.CounterExhausted;
      return exhausted ? -ErrorCode.SendCounterExhausted : -ErrorCode.SendCounterUnavailable;
    }
    if (!Number.isInteger(counter.value) || counter.value < 0 || counter.value > COUNTER_MAX) {
      this.counterFailures_++;
      return -ErrorCode.SendCounterExhausted;
    }
    const value = counter.value;
    out[0] = (FRAME_VERSION << 4) | channel;
    out[1] = this.senderId_ >>> 8;
    out[2] = this.senderId_ & 0xff;
    out[3] = key.epoch >>> 8;
    out[4] = key.epoch & 0xff;
    out[5] = value >>> 24;
    out[6] = (value >>> 16) & 0xff;
    out[7] = (value >>> 8) & 0xff;
    out[8] = value & 0xff;
    const aadLength = buildAad(out, aad, this.aad_);
    if (aadLength < 0) return aadLength;
    writeNonce(key.nonceBase, value, this.nonce_);
    const sealed = this.provider_.aeadSealAt(key.handle, this.nonce_, this.aad_, 0, aadLength, plaintext, 0, plaintext.length, out, FRAME_HEADER_BYTES);
    if (sealed < 0) return sealed;
    this.sealed_++;
    return length;
  }
}

/** Receive side counters, one per refusal reason. */
export interface FrameOpenerCounters {
  readonly opened: number;
  readonly malformed: number;
  readonly unknownKey: number;
  readonly forged: number;
}

/** Receive side: key tables and replay windows per channel (index = Channel). */
export class FrameOpener implements FrameOpenerCounters {
  private readonly provider_: CryptoProvider;
  private readonly keys_: readonly TrafficKeyTable[];
  private readonly replay_: readonly ReplayTable[];
  private readonly header_ = new FrameHeader();
  private readonly nonce_ = new Uint8Array(AEAD_NONCE_BYTES);
  private readonly nonceBase_ = new Uint8Array(AEAD_NONCE_BYTES);
  private readonly aad_ = new Uint8Array(FRAME_HEADER_BYTES + FRAME_AAD_MAX_BYTES);
  opened = 0;
  malformed = 0;
  unknownKey = 0;
  forged = 0;

  /** `keys` and `replay` are indexed by Channel (group, pairwise). */
  static create(provider: CryptoProvider, keys: readonly TrafficKeyTable[], replay: readonly ReplayTable[]): Result<FrameOpener> {
    if (keys.length !== 2 || replay.length !== 2) return err(ErrorCode.InvalidArgument);
    return ok(new FrameOpener(provider, keys, replay));
  }

  private constructor(provider: CryptoProvider, keys: readonly TrafficKeyTable[], replay: readonly ReplayTable[]) {
    this.provider_ = provider;
    this.keys_ = keys;
    this.replay_ = replay;
  }

  /** The header of the frame last passed to `open` (valid after a parse succeeded). */
  get lastHeader(): FrameHeader {
    return this.header_;
  }

  /**
   * Authenticate and decrypt `frame` into `out`. Returns the plaintext
   * length or a negated code (see the module comment); on any failure no
   * replay window changes and `out` holds no plaintext.
   */
  open(frame: Uint8Array, aad: Uint8Array, out: Uint8Array): ValueOrCode {
    const header = this.header_;
    if (parseFrameHeader(frame, header) !== ErrorCode.Ok) {
      this.malformed++;
      return -ErrorCode.FrameMalformed;
    }
    const plaintextLength = frame.length - FRAME_OVERHEAD_BYTES;
    if (out.length < plaintextLength) return -ErrorCode.CryptoBufferTooSmall;
    const keys = this.keys_[header.channel];
    const replay = this.replay_[header.channel];
    if (keys === undefined || replay === undefined) return -ErrorCode.InvariantViolated;
    const slot = keys.lookup(header.senderId, header.epoch);
    if (slot < 0) {
      this.unknownKey++;
      return slot;
    }
    const fresh = replay.check(header.senderId, header.epoch, header.counter);
    if (fresh !== ErrorCode.Ok) return -fresh;
    const aadLength = buildAad(frame, aad, this.aad_);
    if (aadLength < 0) return aadLength;
    keys.copyNonceBase(slot, this.nonceBase_);
    writeNonce(this.nonceBase_, header.counter, this.nonce_);
    // Offsets, not views: nothing allocated per frame; on auth failure only out[0, plaintextLength) is zeroed.
    const opened = this.provider_.aeadOpenAt(keys.handleAt(slot), this.nonce_, this.aad_, 0, aadLength, frame, FRAME_HEADER_BYTES, frame.length - FRAME_HEADER_BYTES, out, 0);
    if (opened < 0) {
      if (opened === -ErrorCode.CryptoAuthFailed) this.forged++;
      return opened;
    }
    const committed = replay.commit(header.senderId, header.epoch, header.counter);
    if (committed !== ErrorCode.Ok) {
      out.fill(0, 0, plaintextLength);
      return -committed;
    }
    this.opened++;
    return plaintextLength;
  }
}
