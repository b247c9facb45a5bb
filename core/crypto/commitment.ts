/**
 * Key commitments (README "Crypto boundary and envelopes"): a domain-separated hash of a public key.
 *
 *   commitment = SHA-256("picket/key-commitment/v1" || 0x00 || alg as int32 big-endian || publicKey)
 *
 * The label keeps these hashes from colliding with any other SHA-256 use
 * (RFC 9162 leaf/node hashes start with 0x00/0x01; thumbprints hash a CBOR
 * map, which starts with 0xa3); the algorithm id binds the key to its
 * parameter set, so the same bytes read as another algorithm commit
 * differently. Certificates carry commitments, not 1-2.5 KB public keys.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";
import { HASH_BYTES } from "./algorithms";
import { constantTimeEqual } from "./ct";
import type { CryptoProvider } from "./provider";

/** ASCII "picket/key-commitment/v1". */
const LABEL: readonly number[] = Object.freeze([
  0x70, 0x69, 0x63, 0x6b, 0x65, 0x74, 0x2f, 0x6b, 0x65, 0x79, 0x2d, 0x63, 0x6f, 0x6d, 0x6d, 0x69, 0x74, 0x6d, 0x65, 0x6e, 0x74, 0x2f,
  0x76, 0x31,
]);

export const KEY_COMMITMENT_BYTES = HASH_BYTES;

/** Write the commitment of (alg, publicKey) into out[0, 32). */
export function keyCommitment(provider: CryptoProvider, alg: number, publicKey: Uint8Array, out: Uint8Array): Status {
  if ((alg | 0) !== alg) return ErrorCode.InvalidArgument;
  const prefix = new Uint8Array(LABEL.length + 1 + 4);
  for (let i = 0; i < LABEL.length; i++) prefix[i] = LABEL[i] ?? 0;
  const at = LABEL.length + 1; // one 0x00 separator after the label
  prefix[at] = (alg >>> 24) & 0xff;
  prefix[at + 1] = (alg >>> 16) & 0xff;
  prefix[at + 2] = (alg >>> 8) & 0xff;
  prefix[at + 3] = alg & 0xff;
  return provider.hashParts(-1, prefix, publicKey, out);
}

/** Ok when `publicKey` (of `alg`) matches `commitment`, else KeyCommitmentMismatch. */
export function checkKeyCommitment(provider: CryptoProvider, alg: number, publicKey: Uint8Array, commitment: Uint8Array): Status {
  if (commitment.length !== KEY_COMMITMENT_BYTES) return ErrorCode.KeyCommitmentMismatch;
  const computed = new Uint8Array(KEY_COMMITMENT_BYTES);
  const made = keyCommitment(provider, alg, publicKey, computed);
  if (made !== ErrorCode.Ok) return made;
  return constantTimeEqual(computed, commitment) ? ErrorCode.Ok : ErrorCode.KeyCommitmentMismatch;
}
