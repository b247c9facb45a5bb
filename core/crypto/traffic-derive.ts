/**
 * Traffic-key derivation (README "Crypto boundary and envelopes"), the part of session-keys.ts a board
 * needs on its per-frame path: HKDF-SHA-256 (RFC 5869) from a Secret key to
 * an AEAD key plus a nonce base, bound to the full context through `info`
 * ("picket/kdf/v1" || purpose || channel || epoch || sender || receiver ||
 * group). Kept apart from the ML-KEM/COSE half of session-keys.ts so an
 * image with only group keys does not bundle the codec.
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result, type Status } from "../runtime/result";
import { AEAD_NONCE_BYTES } from "./algorithms";
import { failure } from "./fail";
import { KeyKind, type KeyHandle } from "./key-store";
import type { CryptoProvider } from "./provider";
import type { TrafficKey } from "./traffic-keys";

/** Key channels: group and ML-KEM pairwise (session-keys.ts); a board's end-to-end keys and pairwise link keys (site-keys.ts). */
export const Channel = Object.freeze({ Group: 0, Pairwise: 1, EndToEnd: 2, Link: 3 } as const);
export type Channel = (typeof Channel)[keyof typeof Channel];

/** What a derivation makes; SiteRoot: the link secrets `picket provision` derives from the site secret (site-keys.ts). */
export const KdfPurpose = Object.freeze({ TrafficKey: 1, NonceBase: 2, WrapKey: 3, SiteRoot: 4 } as const);

export interface KdfContext {
  readonly channel: Channel;
  readonly epoch: number;
  readonly senderId: number;
  readonly receiverId: number;
  readonly groupId: number;
}

/** ASCII labels, kept as frozen numbers (typed arrays cannot be frozen). */
const KDF_LABEL: readonly number[] = Object.freeze([0x70, 0x69, 0x63, 0x6b, 0x65, 0x74, 0x2f, 0x6b, 0x64, 0x66, 0x2f, 0x76, 0x31]); // picket/kdf/v1

export const KDF_INFO_BYTES = KDF_LABEL.length + 2 + 16;

export function putU32(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 24) & 0xff;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

export function isU32(value: number): boolean {
  return (value >>> 0) === value;
}

function validContext(ctx: KdfContext): boolean {
  return (
    (ctx.channel === Channel.Group || ctx.channel === Channel.Pairwise || ctx.channel === Channel.EndToEnd || ctx.channel === Channel.Link) &&
    isU32(ctx.epoch) &&
    isU32(ctx.senderId) &&
    isU32(ctx.receiverId) &&
    isU32(ctx.groupId)
  );
}

/** The HKDF info for one purpose and context (fixed layout, see the module comment). */
export function kdfInfo(purpose: number, ctx: KdfContext, out: Uint8Array): Status {
  if (out.length < KDF_INFO_BYTES || !validContext(ctx)) return ErrorCode.InvalidArgument;
  for (let i = 0; i < KDF_LABEL.length; i++) out[i] = KDF_LABEL[i] ?? 0;
  let at = KDF_LABEL.length;
  out[at++] = purpose & 0xff;
  out[at++] = ctx.channel;
  putU32(out, at, ctx.epoch);
  putU32(out, at + 4, ctx.senderId);
  putU32(out, at + 8, ctx.receiverId);
  putU32(out, at + 12, ctx.groupId);
  return ErrorCode.Ok;
}

/** Derive one direction's traffic key + nonce base from a Secret key. */
export function deriveTrafficKey(provider: CryptoProvider, secret: KeyHandle, salt: Uint8Array, ctx: KdfContext): Result<TrafficKey> {
  const info = new Uint8Array(KDF_INFO_BYTES);
  const built = kdfInfo(KdfPurpose.TrafficKey, ctx, info);
  if (built !== ErrorCode.Ok) return failure(built);
  const key = provider.deriveKey(secret, salt, info, KeyKind.Aead);
  if (!key.ok) return key;
  kdfInfo(KdfPurpose.NonceBase, ctx, info);
  const nonceBase = new Uint8Array(AEAD_NONCE_BYTES);
  const derived = provider.deriveNonSecret(secret, salt, info, nonceBase);
  if (derived !== ErrorCode.Ok) {
    provider.destroyKey(key.value);
    return failure(derived);
  }
  return ok(Object.freeze({ handle: key.value, nonceBase, epoch: ctx.epoch }));
}

/** One sender's group traffic key for (group, epoch). Receivers derive it per sender. */
export function deriveGroupSenderKey(provider: CryptoProvider, groupSecret: KeyHandle, groupId: number, epoch: number, senderId: number): Result<TrafficKey> {
  return deriveTrafficKey(provider, groupSecret, new Uint8Array(0), {
    channel: Channel.Group,
    epoch,
    senderId,
    receiverId: 0,
    groupId,
  });
}
