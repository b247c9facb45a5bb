/**
 * The site's link-key hierarchy (README "Link security", docs/architecture.md
 * "Link keys"): what `picket provision` derives from the site authority's
 * secret for one key epoch, and which board holds each secret, so that no
 * board other than a gateway holds a secret that lets it seal a frame that
 * appears to come from another board to a gateway, or from a gateway.
 *
 *   A          the authority's secret: offline, never on a board
 *   F(e)       = HKDF(A, SiteRoot, Group, e)               every board
 *   R_g(e)     = HKDF(A, SiteRoot, Link, e, g)             gateway g only
 *   P(g, x)    = BLAKE2s-256(key R_g(e), data = x, u16 BE) gateway g and board x
 *                (for two gateways, g is the lower id)
 *
 * A gateway derives P(g, x) for any board x from its root when a frame
 * needs it (one BLAKE2s block), so its RAM does not grow with the site; a
 * board that is not a gateway holds P(x, g) for each gateway of its site
 * (at most GATEWAYS_MAX), in its provisioning record, and nothing else but F.
 * A gateway holds P(g', g) for each gateway g' below it. So:
 *  - a captured board knows F and its own pair secrets: it can seal only as
 *    itself to a gateway, and read only its own traffic with them;
 *  - a captured gateway g can seal as any board to g itself (and read the
 *    traffic of any board with g): a gateway is trusted with its boards'
 *    data anyway, and its compromise is bounded to itself;
 *  - F keys what every board must check: a flood's tags and payload, the
 *    hop tag of every hop, and the end-to-end tag of a frame between two
 *    boards that share no pair secret (two sensors: a hop acknowledgement).
 *    A captured board can seal those as any board: the stated residual,
 *    confined to flood and hop state (link-seal.ts keeps their replay windows
 *    apart from the pairwise ones).
 *
 * HKDF-SHA-256 (RFC 5869) with an empty salt and the fixed `info` of
 * traffic-derive.ts ("picket/kdf/v1" || purpose || channel || epoch ||
 * sender || receiver || group), so each root is bound to its site, epoch and
 * gateway, and HKDF's one-wayness keeps a root from giving away A or another
 * root; BLAKE2s keyed is a PRF (RFC 7693), so P(g, x) gives away neither R_g
 * nor P(g, y). Keys specific to each device as in LoRaWAN 1.1 (§6.1: a
 * captured end device exposes no other); the sender and recipient ids in the
 * derivation as in OSCORE (RFC 8613 §3.2.1). The online ML-KEM admission of
 * a later issue replaces P by the secret of its pairwise exchange
 * (session-keys.ts): the link layer takes 32 bytes either way (link-keys.ts).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { Blake2sMac } from "./blake2s";
import { HkdfSha256 } from "./hkdf-sha256";
import type { CryptoProvider } from "./provider";
import { Channel, KDF_INFO_BYTES, KdfPurpose, kdfInfo } from "./traffic-derive";

/** Every secret of the hierarchy is 32 bytes. */
export const SITE_SECRET_BYTES = 32;
/** Board ids in the hierarchy: 1..255 (link-keys.ts LINK_SITE_SIZE_MAX: the header's hints name them). */
export const SITE_BOARD_ID_MAX = 255;

const NO_SALT = Object.freeze(new Uint8Array(0));

function isBoardId(id: number): boolean {
  return (id | 0) === id && id >= 1 && id <= SITE_BOARD_ID_MAX;
}

function isU16(value: number): boolean {
  return (value >>> 0) === value && value <= 0xffff;
}

/** The keyed-hash call the pair derivation needs: the provider's (a board) or a BLAKE2s of its own (the tool). */
export type KeyedHash = Pick<CryptoProvider, "keyedHashAt">;

/**
 * P(g, peer) into out[outOffset, +32) from the root R_g at
 * root[rootOffset, +32); `work` (2 bytes or more) holds the peer id for the
 * call. InvalidArgument for a peer outside 1..255.
 */
export function pairSecretFromRoot(hash: KeyedHash, root: Uint8Array, rootOffset: number, peer: number, work: Uint8Array, out: Uint8Array, outOffset: number): Status {
  if (!isBoardId(peer) || work.length < 2) return ErrorCode.InvalidArgument;
  work[0] = 0;
  work[1] = peer;
  return hash.keyedHashAt(root, rootOffset, SITE_SECRET_BYTES, null, work, 0, 2, out, outOffset, SITE_SECRET_BYTES);
}

/** The tool's side: byte-level derivations from A. One per caller: it owns its HKDF, BLAKE2s and info buffer. */
export class SiteKeyDeriver {
  private readonly kdf_ = new HkdfSha256();
  private readonly info_ = new Uint8Array(KDF_INFO_BYTES);
  private readonly blake_ = new Blake2sMac();
  private readonly work_ = new Uint8Array(2);
  private readonly root_ = new Uint8Array(SITE_SECRET_BYTES);

  private derive_(authority: Uint8Array, channel: Channel, epoch: number, gateway: number, groupId: number, out: Uint8Array): Status {
    if (authority.length !== SITE_SECRET_BYTES || out.length !== SITE_SECRET_BYTES || !isU16(epoch)) return ErrorCode.InvalidArgument;
    const built = kdfInfo(KdfPurpose.SiteRoot, { channel, epoch, senderId: gateway, receiverId: 0, groupId }, this.info_);
    if (built !== ErrorCode.Ok) return built;
    return this.kdf_.derive(authority, NO_SALT, this.info_, out, 0, SITE_SECRET_BYTES) ? ErrorCode.Ok : ErrorCode.InvalidArgument;
  }

  /** F(epoch): the site's flood secret, held by every board. */
  floodSecret(authority: Uint8Array, groupId: number, epoch: number, out: Uint8Array): Status {
    return this.derive_(authority, Channel.Group, epoch, 0, groupId, out);
  }

  /** R_g(epoch): gateway g's root of its pair secrets. */
  gatewayRoot(authority: Uint8Array, groupId: number, epoch: number, gateway: number, out: Uint8Array): Status {
    if (!isBoardId(gateway)) return ErrorCode.InvalidArgument;
    return this.derive_(authority, Channel.Link, epoch, gateway, groupId, out);
  }

  /** P(gateway, peer): InvalidArgument for equal or out-of-range ids. */
  pairSecret(authority: Uint8Array, groupId: number, epoch: number, gateway: number, peer: number, out: Uint8Array): Status {
    if (!isBoardId(peer) || peer === gateway || out.length !== SITE_SECRET_BYTES) return ErrorCode.InvalidArgument;
    const root = this.root_;
    let status = this.gatewayRoot(authority, groupId, epoch, gateway, root);
    if (status === ErrorCode.Ok) status = pairSecretFromRoot(this, root, 0, peer, this.work_, out, 0);
    root.fill(0);
    return status;
  }

  /** The KeyedHash of `pairSecretFromRoot`: this deriver's BLAKE2s, the function the provider's keyedHashAt computes (host side). */
  readonly keyedHashAt: CryptoProvider["keyedHashAt"] = (...args) => this.blake_.tagAt(...args);
}

/** One pair secret a board's record carries: the gateway it shares it with. */
export interface KeyedPeer {
  readonly peer: number;
  readonly secret: Uint8Array;
}

/** What one board's provisioning record carries for the hierarchy (host side: allocates). */
export interface BoardKeyMaterial {
  readonly boardId: number;
  readonly floodSecret: Uint8Array;
  /** R_self for a gateway; zeros for any other board. */
  readonly gatewayRoot: Uint8Array;
  /** P(self, g) for every gateway g a board shares one with (for a gateway: the gateways below it). */
  readonly pairs: readonly KeyedPeer[];
}

/**
 * Board `boardId`'s key material on a site whose gateways are `gateways`
 * (distinct ids 1..255), from the authority's secret. InvalidArgument for
 * bad ids or a repeated gateway.
 */
export function boardKeyMaterial(authority: Uint8Array, groupId: number, epoch: number, boardId: number, gateways: readonly number[]): Result<BoardKeyMaterial> {
  if (!isBoardId(boardId) || !isU16(epoch)) return err(ErrorCode.InvalidArgument);
  for (let i = 0; i < gateways.length; i++) {
    const g = gateways[i] ?? 0;
    if (!isBoardId(g) || gateways.indexOf(g) !== i) return err(ErrorCode.InvalidArgument);
  }
  const deriver = new SiteKeyDeriver();
  const floodSecret = new Uint8Array(SITE_SECRET_BYTES);
  const gatewayRoot = new Uint8Array(SITE_SECRET_BYTES);
  const isGateway = gateways.includes(boardId);
  let status = deriver.floodSecret(authority, groupId, epoch, floodSecret);
  if (status === ErrorCode.Ok && isGateway) status = deriver.gatewayRoot(authority, groupId, epoch, boardId, gatewayRoot);
  const pairs: KeyedPeer[] = [];
  for (const g of gateways) {
    if (status !== ErrorCode.Ok) break;
    // A gateway derives its pairs with the gateways above it from its own root; it keeps those with the ones below.
    if (g === boardId || (isGateway && g > boardId)) continue;
    const secret = new Uint8Array(SITE_SECRET_BYTES);
    status = deriver.pairSecret(authority, groupId, epoch, g, boardId, secret);
    pairs.push({ peer: g, secret });
  }
  if (status !== ErrorCode.Ok) {
    floodSecret.fill(0);
    gatewayRoot.fill(0);
    for (const p of pairs) p.secret.fill(0);
    return err(status);
  }
  return ok({ boardId, floodSecret, gatewayRoot, pairs });
}
