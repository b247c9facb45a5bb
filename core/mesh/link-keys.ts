/**
 * The secrets a board's link layer works with (README "Link security",
 * docs/architecture.md "Link keys"), for one key epoch
 * (core/crypto/site-keys.ts says who holds which):
 *
 *  - P(self, x): the pair secret of this board and board x, where one of
 *    the two is a gateway. Only those two hold it. It keys the end-to-end
 *    tag and payload of a unicast frame between them.
 *  - F: the site's flood secret, held by every board. It keys the hop tag
 *    of every hop, and the end-to-end tag and payload of a flood and of a
 *    unicast frame between two boards that share no pair secret: such a
 *    frame's origin is authenticated as "a board of the site", never as
 *    one board (the stated residual, README "Link security").
 *
 * A port, not a table: a board reads the secret it needs for one frame
 * into the caller's 32 bytes (from its provisioning record, or a gateway
 * derives it from its root: agent/link-keyring.ts), so no board's RAM
 * grows with its site; the simulator and the tests may hold them in
 * memory (`SecretTableKeyring`). The online ML-KEM admission
 * of a later issue replaces the provisioned P(self, x) by the secret of its
 * pairwise exchange (session-keys.ts): this interface stays.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { KeyEpoch } from "../runtime/ids";

/** Every link secret is 32 bytes (a BLAKE2s key, RFC 7693 §2.1 kk <= 32). */
export const LINK_SECRET_BYTES = 32;
/**
 * Largest site a keyring serves: boards 1..255, so that a board's low id
 * byte, which the header carries as the link and relay hints
 * (link-header.ts), names it: the hop tag's key is then known from the
 * header alone.
 */
export const LINK_SITE_SIZE_MAX = 255;

export interface LinkKeyring {
  /** The key epoch these secrets belong to (u16; the header carries its low bits). */
  readonly epoch: KeyEpoch;
  /** Boards 1..siteSize (1..LINK_SITE_SIZE_MAX). */
  readonly siteSize: number;
  /** Does this board share a pair secret with `peer`? (Symmetric: `peer`'s keyring says the same of this board.) */
  hasPair(peer: number): boolean;
  /**
   * P(self, peer) into out[outOffset, +32). InvalidArgument when `hasPair`
   * is false; a storage code when the secret cannot be read intact (the
   * frame is then refused: fail closed).
   */
  pairSecretInto(peer: number, out: Uint8Array, outOffset: number): Status;
  /** F into out[outOffset, +32), or a storage code. */
  floodSecretInto(out: Uint8Array, outOffset: number): Status;
}

/**
 * A keyring over secrets in memory: F, and P(self, x) at (x - 1) * 32 of
 * `pairSecrets` (32 B per board 1..siteSize; all zeros: no pair, as for
 * self). For the transport-level simulator and tests; a board reads its
 * record instead (agent/link-keyring.ts).
 */
export class SecretTableKeyring implements LinkKeyring {
  readonly epoch: KeyEpoch;
  readonly siteSize: number;
  private readonly selfId_: number;
  private readonly flood_: Uint8Array;
  private readonly pairs_: Uint8Array;

  /** InvalidArgument unless epoch is a u16, 1 <= selfId <= siteSize <= 255, F is 32 bytes and the pair table 32 x siteSize. */
  static create(selfId: number, epoch: number, floodSecret: Uint8Array, pairSecrets: Uint8Array): Result<SecretTableKeyring> {
    const siteSize = pairSecrets.length / LINK_SECRET_BYTES;
    if ((epoch >>> 0) !== epoch || epoch > 0xffff) return err(ErrorCode.InvalidArgument);
    if ((siteSize | 0) !== siteSize || siteSize < 1 || siteSize > LINK_SITE_SIZE_MAX) return err(ErrorCode.InvalidArgument);
    if ((selfId | 0) !== selfId || selfId < 1 || selfId > siteSize || floodSecret.length !== LINK_SECRET_BYTES) return err(ErrorCode.InvalidArgument);
    return ok(new SecretTableKeyring(selfId, epoch, siteSize, floodSecret, pairSecrets));
  }

  private constructor(selfId: number, epoch: number, siteSize: number, floodSecret: Uint8Array, pairSecrets: Uint8Array) {
    this.selfId_ = selfId;
    this.epoch = epoch as KeyEpoch;
    this.siteSize = siteSize;
    this.flood_ = floodSecret;
    this.pairs_ = pairSecrets;
  }

  hasPair(peer: number): boolean {
    if ((peer | 0) !== peer || peer < 1 || peer > this.siteSize || peer === this.selfId_) return false;
    const from = (peer - 1) * LINK_SECRET_BYTES;
    let any = 0;
    for (let i = 0; i < LINK_SECRET_BYTES; i++) any |= this.pairs_[from + i] ?? 0;
    return any !== 0;
  }

  pairSecretInto(peer: number, out: Uint8Array, outOffset: number): Status {
    if (!this.hasPair(peer)) return ErrorCode.InvalidArgument;
    if ((outOffset >>> 0) !== outOffset || outOffset + LINK_SECRET_BYTES > out.length) return ErrorCode.OutOfRange;
    const from = (peer - 1) * LINK_SECRET_BYTES;
    const pairs = this.pairs_;
    for (let i = 0; i < LINK_SECRET_BYTES; i++) out[outOffset + i] = pairs[from + i] ?? 0;
    return ErrorCode.Ok;
  }

  floodSecretInto(out: Uint8Array, outOffset: number): Status {
    if ((outOffset >>> 0) !== outOffset || outOffset + LINK_SECRET_BYTES > out.length) return ErrorCode.OutOfRange;
    const flood = this.flood_;
    for (let i = 0; i < LINK_SECRET_BYTES; i++) out[outOffset + i] = flood[i] ?? 0;
    return ErrorCode.Ok;
  }
}
