/**
 * COSE_Encrypt0 (RFC 9052 §5.2) with ChaCha20/Poly1305 (RFC 9053 §4.3, alg 24).
 *
 *   COSE_Encrypt0 = 16([protected: bstr, unprotected: map, ciphertext: bstr])
 *
 * Why ChaCha20/Poly1305 and not AES-CCM:
 *  - XS cost: a 200-byte seal is ~105k computrons; AES-128 CTR + CBC-MAC over
 *    the same bytes (the work of CCM, before its formatting) is ~124k
 *    (`npm run bench`, group crypto), so ChaCha is ~15% cheaper;
 *  - noble ships ChaCha20/Poly1305 whole; it has no CCM, which would have to
 *    be hand-built from raw AES blocks (more code we would own);
 *  - add-rotate-xor is constant-time in plain JS on boards with caches,
 *    where table-driven AES is not.
 * The price is bytes on air: a 16-byte tag where AES-CCM-16-64-128 (alg 10)
 * sends 8, i.e. +8 B per protected message (the nonce costs the same: both
 * send only a partial IV or an IV of similar size).
 *
 * Nonces are never chosen by callers: the 12-byte IV (label 5, unprotected)
 * is drawn from the injected entropy per message. Random 96-bit nonces keep
 * the collision chance below 2^-32 for up to 2^32 messages per key (NIST SP
 * 800-38D §8.3 reasoning); Encrypt0 carries low-volume envelopes (key
 * distribution, configuration), while per-frame traffic uses the
 * counter-based nonces of frame-protect.ts.
 *
 * The AAD is Enc_structure ["Encrypt0", protected, external_aad] (RFC 9052 §5.3).
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result } from "../runtime/result";
import { canonicalMap, cborTag } from "../codec/cbor";
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, CoseAlg } from "./algorithms";
import {
  CoseTag,
  HeaderLabel,
  emptyBytes,
  encStructure,
  encodeProtected,
  parseHeaders,
  untag,
  type CoseCodecs,
  type CoseParts,
} from "./cose-common";
import { failure } from "./fail";
import type { KeyHandle } from "./key-store";
import type { CryptoProvider } from "./provider";

export interface Encrypt0 extends CoseParts {
  readonly iv: Uint8Array | null;
  readonly ciphertext: Uint8Array;
}

export function decodeEncrypt0(codecs: CoseCodecs, bytes: Uint8Array, allowUntagged = false): Result<Encrypt0> {
  const decoded = codecs.interop.decode(bytes);
  if (!decoded.ok) return decoded;
  const body = untag(decoded.value, CoseTag.Encrypt0, allowUntagged, 3);
  if (!body.ok) return body;
  const [protectedField, unprotectedField, ciphertext] = body.value;
  const parts = parseHeaders(codecs.interop, protectedField, unprotectedField);
  if (!parts.ok) return parts;
  if (!(ciphertext instanceof Uint8Array)) return failure(ErrorCode.CoseMalformed);
  const iv = parts.value.protectedHeader.get(HeaderLabel.Iv) ?? parts.value.unprotectedHeader.get(HeaderLabel.Iv);
  if (iv !== undefined && !(iv instanceof Uint8Array)) return failure(ErrorCode.CoseBadHeader);
  return ok(Object.freeze({ ...parts.value, iv: iv ?? null, ciphertext }));
}

/** Encrypt `plaintext` under an Aead key with a fresh random IV. */
export function sealEncrypt0(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  key: KeyHandle,
  plaintext: Uint8Array,
  kid: Uint8Array | null = null,
  externalAad: Uint8Array = emptyBytes(),
): Result<Uint8Array> {
  const protectedBytes = encodeProtected(codecs.strict, CoseAlg.ChaCha20Poly1305, null);
  if (!protectedBytes.ok) return protectedBytes;
  const aad = encStructure(codecs.strict, protectedBytes.value, externalAad);
  if (!aad.ok) return aad;
  const iv = new Uint8Array(AEAD_NONCE_BYTES);
  const drawn = provider.randomBytes(iv);
  if (drawn !== ErrorCode.Ok) return failure(drawn);
  const ciphertext = new Uint8Array(plaintext.length + AEAD_TAG_BYTES);
  const sealed = provider.aeadSeal(key, iv, aad.value, plaintext, ciphertext);
  if (sealed < 0) return failure(sealed);
  const unprotected = kid === null ? canonicalMap([[HeaderLabel.Iv, iv]]) : canonicalMap([[HeaderLabel.Iv, iv], [HeaderLabel.Kid, kid]]);
  return codecs.strict.encode(cborTag(CoseTag.Encrypt0, [protectedBytes.value, unprotected, ciphertext]));
}

/** Decrypt a decoded COSE_Encrypt0; the plaintext is a new array. */
export function openEncrypt0(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  message: Encrypt0,
  key: KeyHandle,
  externalAad: Uint8Array = emptyBytes(),
): Result<Uint8Array> {
  if (message.alg !== CoseAlg.ChaCha20Poly1305) return failure(ErrorCode.CryptoUnknownAlgorithm);
  if (message.iv === null || message.iv.length !== AEAD_NONCE_BYTES) return failure(ErrorCode.CryptoBadLength);
  if (message.ciphertext.length < AEAD_TAG_BYTES) return failure(ErrorCode.CryptoBadLength);
  const aad = encStructure(codecs.strict, message.protectedBytes, externalAad);
  if (!aad.ok) return aad;
  const plaintext = new Uint8Array(message.ciphertext.length - AEAD_TAG_BYTES);
  const opened = provider.aeadOpen(key, message.iv, aad.value, message.ciphertext, plaintext);
  if (opened < 0) return failure(opened);
  return ok(plaintext);
}
