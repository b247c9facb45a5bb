/**
 * The site's key hierarchy (README "Link security", docs/architecture.md
 * "Identity and keys"): what `picket provision` derives from the site
 * authority's secret for one key epoch, and which role holds each key, so
 * that no sensor board holds a secret that lets it seal, for any receiver,
 * a frame that appears to come from another board.
 *
 *   A            the authority's secret: offline, never on a board
 *   R_e2e(e)     = HKDF(A, SiteRoot, EndToEnd, e)            gateways (anchors) only
 *     B_b(e)     = HKDF(R_e2e(e), BoardSecret, EndToEnd, e, b)  board b; a gateway derives it on demand
 *   R_link(e)    = HKDF(A, SiteRoot, Link, e)                the authority only
 *     P_ab(e)    = HKDF(R_link(e), PairSecret, Link, e, min(a,b), max(a,b))   boards a and b only
 *   F(e)         = HKDF(A, SiteRoot, Group, e)               every board: the hop tag of floods
 *
 * F is the one secret every board shares, and it only tags a flooded
 * frame's last hop: with it an outsider still cannot make relays amplify a
 * forgery, but a captured board can tag a flood hop as any transmitter.
 * It never attributes an origin (only B_b does, at a gateway), so the
 * residual is routing, not data (README "Link security"; µTESLA-style
 * delayed disclosure, SPINS, Perrig et al. 2002, is what would close it).
 *
 * Every step is HKDF-SHA-256 (RFC 5869) with an empty salt and the fixed
 * `info` of traffic-derive.ts ("picket/kdf/v1" || purpose || channel ||
 * epoch || sender || receiver || group), so each secret is bound to its
 * site, epoch and ends, and HKDF's one-wayness keeps a child from giving
 * away its parent or its siblings. Keys specific to each device as in
 * LoRaWAN 1.1 (§6.1: root and session keys are per end-device, so one
 * captured device exposes no other); one master secret per security context as in
 * OSCORE (RFC 8613 §3.2), with the sender and recipient ids in the
 * derivation (§3.2.1).
 *
 * A board's provisioning record carries B_b and P_bx for every other board
 * x of the site (32 B each: 1,024 B of flash on a 33-board site); the
 * board derives its traffic and tag keys from them through its provider
 * (`deriveSiteTagKey`, link-auth.ts). The online ML-KEM admission of a
 * later issue replaces P_bx by the pairwise secret of initiatePairwise /
 * respondPairwise (session-keys.ts) and B_b by a secret wrapped to the
 * board: the consumers take a 32-byte Secret either way.
 *
 * This file works on bytes for the provisioning tool (host) and the tests;
 * a gateway derives B_b from R_e2e on the device through its provider
 * (`deriveBoardSecretKey`), and both paths give the same key
 * (test/unit/site-keys.test.ts).
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result, type Status } from "../runtime/result";
import { failure } from "./fail";
import { HkdfSha256 } from "./hkdf-sha256";
import { KeyKind, type KeyHandle } from "./key-store";
import type { CryptoProvider } from "./provider";
import { Channel, KDF_INFO_BYTES, KdfPurpose, kdfInfo, type KdfContext } from "./traffic-derive";

/** Every secret of the hierarchy is 32 bytes. */
export const SITE_SECRET_BYTES = 32;
/** Board ids in the hierarchy: 1..0xfffe, as on the air (link-header.ts NODE_ID_MAX). */
export const SITE_BOARD_ID_MAX = 0xfffe;

/** What a tag key authenticates: an origin's frames to gateways, one hop between two boards (either way), or a flood's hop. */
export const TagKeyUse = Object.freeze({ EndToEnd: 0, Hop: 1, Flood: 2 } as const);
export type TagKeyUse = (typeof TagKeyUse)[keyof typeof TagKeyUse];

const NO_SALT = Object.freeze(new Uint8Array(0));

function isBoardId(id: number): boolean {
  return (id >>> 0) === id && id >= 1 && id <= SITE_BOARD_ID_MAX;
}

function isU16(value: number): boolean {
  return (value >>> 0) === value && value <= 0xffff;
}

/** Byte-level derivations of the hierarchy (the provisioning tool's side). One per caller: it owns its HKDF and info buffer. */
export class SiteKeyDeriver {
  private readonly kdf_ = new HkdfSha256();
  private readonly info_ = new Uint8Array(KDF_INFO_BYTES);

  private derive_(ikm: Uint8Array, purpose: number, ctx: KdfContext, out: Uint8Array): Status {
    if (ikm.length !== SITE_SECRET_BYTES || out.length !== SITE_SECRET_BYTES) return ErrorCode.InvalidArgument;
    const built = kdfInfo(purpose, ctx, this.info_);
    if (built !== ErrorCode.Ok) return built;
    return this.kdf_.derive(ikm, NO_SALT, this.info_, out, 0, SITE_SECRET_BYTES) ? ErrorCode.Ok : ErrorCode.InvalidArgument;
  }

  /** R_e2e(epoch): the gateways' root of every board's end-to-end secret. */
  endToEndRoot(authority: Uint8Array, groupId: number, epoch: number, out: Uint8Array): Status {
    if (!isU16(epoch)) return ErrorCode.InvalidArgument;
    return this.derive_(authority, KdfPurpose.SiteRoot, { channel: Channel.EndToEnd, epoch, senderId: 0, receiverId: 0, groupId }, out);
  }

  /** F(epoch): the site's flood-hop secret, held by every board. */
  floodSecret(authority: Uint8Array, groupId: number, epoch: number, out: Uint8Array): Status {
    if (!isU16(epoch)) return ErrorCode.InvalidArgument;
    return this.derive_(authority, KdfPurpose.SiteRoot, { channel: Channel.Group, epoch, senderId: 0, receiverId: 0, groupId }, out);
  }

  /** R_link(epoch): the root of the pairwise link secrets; stays with the authority. */
  linkRoot(authority: Uint8Array, groupId: number, epoch: number, out: Uint8Array): Status {
    if (!isU16(epoch)) return ErrorCode.InvalidArgument;
    return this.derive_(authority, KdfPurpose.SiteRoot, { channel: Channel.Link, epoch, senderId: 0, receiverId: 0, groupId }, out);
  }

  /** B_b(epoch): board `boardId`'s end-to-end secret, shared with the gateways only. */
  boardSecret(endToEndRoot: Uint8Array, groupId: number, epoch: number, boardId: number, out: Uint8Array): Status {
    if (!isU16(epoch) || !isBoardId(boardId)) return ErrorCode.InvalidArgument;
    return this.derive_(endToEndRoot, KdfPurpose.BoardSecret, boardContext(groupId, epoch, boardId), out);
  }

  /** P_ab(epoch): the link secret of boards a and b (the same for (b, a)); a == b is InvalidArgument. */
  pairSecret(linkRoot: Uint8Array, groupId: number, epoch: number, a: number, b: number, out: Uint8Array): Status {
    if (!isU16(epoch) || !isBoardId(a) || !isBoardId(b) || a === b) return ErrorCode.InvalidArgument;
    const low = a < b ? a : b;
    const high = a < b ? b : a;
    return this.derive_(linkRoot, KdfPurpose.PairSecret, { channel: Channel.Link, epoch, senderId: low, receiverId: high, groupId }, out);
  }
}

function boardContext(groupId: number, epoch: number, boardId: number): KdfContext {
  return { channel: Channel.EndToEnd, epoch, senderId: boardId, receiverId: 0, groupId };
}

/**
 * What one board's provisioning record carries for the hierarchy: its own
 * end-to-end secret and its link secret with every other board of the
 * site (ids 1..boardIdMax; the row of its own id is left zero). Host side
 * (the provisioning tool): allocates the result.
 */
export interface BoardKeyMaterial {
  readonly boardId: number;
  readonly boardSecret: Uint8Array;
  /** F: the flood-hop secret every board holds. */
  readonly floodSecret: Uint8Array;
  /** 32 B per board id 1..boardIdMax, at (id - 1) * 32; zero at the board's own row. */
  readonly pairSecrets: Uint8Array;
}

/** The key material of board `boardId` on a site of boards 1..boardIdMax, from the authority's secret. */
export function boardKeyMaterial(authority: Uint8Array, groupId: number, epoch: number, boardId: number, boardIdMax: number): Result<BoardKeyMaterial> {
  if (!isBoardId(boardIdMax) || !isBoardId(boardId) || boardId > boardIdMax) return failure(ErrorCode.InvalidArgument);
  const deriver = new SiteKeyDeriver();
  const e2eRoot = new Uint8Array(SITE_SECRET_BYTES);
  const linkRoot = new Uint8Array(SITE_SECRET_BYTES);
  const boardSecret = new Uint8Array(SITE_SECRET_BYTES);
  const floodSecret = new Uint8Array(SITE_SECRET_BYTES);
  const pairSecrets = new Uint8Array(SITE_SECRET_BYTES * boardIdMax);
  const pair = new Uint8Array(SITE_SECRET_BYTES);
  let status = deriver.endToEndRoot(authority, groupId, epoch, e2eRoot);
  if (status === ErrorCode.Ok) status = deriver.linkRoot(authority, groupId, epoch, linkRoot);
  if (status === ErrorCode.Ok) status = deriver.boardSecret(e2eRoot, groupId, epoch, boardId, boardSecret);
  if (status === ErrorCode.Ok) status = deriver.floodSecret(authority, groupId, epoch, floodSecret);
  for (let peer = 1; peer <= boardIdMax && status === ErrorCode.Ok; peer++) {
    if (peer === boardId) continue;
    status = deriver.pairSecret(linkRoot, groupId, epoch, boardId, peer, pair);
    pairSecrets.set(pair, (peer - 1) * SITE_SECRET_BYTES);
  }
  // The roots never leave this function.
  e2eRoot.fill(0);
  linkRoot.fill(0);
  pair.fill(0);
  if (status !== ErrorCode.Ok) {
    boardSecret.fill(0);
    floodSecret.fill(0);
    pairSecrets.fill(0);
    return failure(status);
  }
  return ok({ boardId, boardSecret, floodSecret, pairSecrets });
}

/**
 * A gateway's step on the device: B_b from its R_e2e handle, as a Secret
 * key in the provider's store (the same bytes `SiteKeyDeriver.boardSecret`
 * gives the provisioning tool).
 */
export function deriveBoardSecretKey(provider: CryptoProvider, endToEndRoot: KeyHandle, groupId: number, epoch: number, boardId: number): Result<KeyHandle> {
  if (!isU16(epoch) || !isBoardId(boardId)) return failure(ErrorCode.InvalidArgument);
  const info = new Uint8Array(KDF_INFO_BYTES);
  const built = kdfInfo(KdfPurpose.BoardSecret, boardContext(groupId, epoch, boardId), info);
  if (built !== ErrorCode.Ok) return failure(built);
  return provider.deriveKey(endToEndRoot, NO_SALT, info, KeyKind.Secret);
}

/**
 * An HMAC-SHA-256 tag key (KeyKind.Mac) from
 *  - a board secret, use EndToEnd: origin `a` to the gateways (b = 0), or
 *    a gateway to board `b` (a = 0);
 *  - a pair secret, use Hop: boards a and b, one key for both directions
 *    (the hop tag's input starts with the transmitter and receiver ids,
 *    link-auth.ts, so a tag reflected back to its sender never verifies);
 *    (a, b) and (b, a) give the same key;
 *  - the flood secret, use Flood: one key for every flood hop (a = b = 0):
 *    whoever holds F can tag as any transmitter anyway, so a key per
 *    transmitter would only cost RAM.
 */
export function deriveSiteTagKey(provider: CryptoProvider, secret: KeyHandle, use: TagKeyUse, groupId: number, epoch: number, a: number, b: number): Result<KeyHandle> {
  let ctx: KdfContext;
  if (use === TagKeyUse.EndToEnd && isBoardId(a) !== isBoardId(b) && (a === 0 || b === 0)) {
    ctx = { channel: Channel.EndToEnd, epoch, senderId: a, receiverId: b, groupId };
  } else if (use === TagKeyUse.Hop && isBoardId(a) && isBoardId(b) && a !== b) {
    ctx = { channel: Channel.Link, epoch, senderId: a < b ? a : b, receiverId: a < b ? b : a, groupId };
  } else if (use === TagKeyUse.Flood && a === 0 && b === 0) {
    ctx = { channel: Channel.Group, epoch, senderId: 0, receiverId: 0xffff, groupId };
  } else {
    return failure(ErrorCode.InvalidArgument);
  }
  if (!isU16(epoch)) return failure(ErrorCode.InvalidArgument);
  const info = new Uint8Array(KDF_INFO_BYTES);
  const built = kdfInfo(KdfPurpose.TagKey, ctx, info);
  if (built !== ErrorCode.Ok) return failure(built);
  return provider.deriveKey(secret, NO_SALT, info, KeyKind.Mac);
}
