/**
 * COSE_Mac0 (RFC 9052 §6.2) with HMAC 256/256 (RFC 9053 §3.1, alg 5).
 *
 *   COSE_Mac0 = 17([protected: bstr, unprotected: map, payload: bstr, tag: bstr])
 *
 * The tag is HMAC-SHA-256 over MAC_structure ["MAC0", protected,
 * external_aad, payload] (RFC 9052 §6.3), compared in constant time inside
 * the provider. Keys are Mac-kind handles.
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result, type Status } from "../runtime/result";
import { cborTag } from "../codec/cbor";
import { CoseAlg, HMAC_TAG_BYTES } from "./algorithms";
import { CoseTag, emptyBytes, encodeProtected, macStructure, parseHeaders, untag, type CoseCodecs, type CoseParts } from "./cose-common";
import { failure } from "./fail";
import type { KeyHandle } from "./key-store";
import type { CryptoProvider } from "./provider";

export interface Mac0 extends CoseParts {
  readonly payload: Uint8Array;
  readonly tag: Uint8Array;
}

export function decodeMac0(codecs: CoseCodecs, bytes: Uint8Array, allowUntagged = false): Result<Mac0> {
  const decoded = codecs.interop.decode(bytes);
  if (!decoded.ok) return decoded;
  const body = untag(decoded.value, CoseTag.Mac0, allowUntagged, 4);
  if (!body.ok) return body;
  const [protectedField, unprotectedField, payload, tag] = body.value;
  const parts = parseHeaders(codecs.interop, protectedField, unprotectedField);
  if (!parts.ok) return parts;
  if (!(payload instanceof Uint8Array) || !(tag instanceof Uint8Array)) return failure(ErrorCode.CoseMalformed);
  return ok(Object.freeze({ ...parts.value, payload, tag }));
}

/** MAC `payload` with a Mac key; protected header {1: 5, 4: kid?}. */
export function createMac0(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  key: KeyHandle,
  payload: Uint8Array,
  kid: Uint8Array | null = null,
  externalAad: Uint8Array = emptyBytes(),
): Result<Uint8Array> {
  const protectedBytes = encodeProtected(codecs.strict, CoseAlg.Hmac256, kid);
  if (!protectedBytes.ok) return protectedBytes;
  const toMac = macStructure(codecs.strict, protectedBytes.value, externalAad, payload);
  if (!toMac.ok) return toMac;
  const tag = new Uint8Array(HMAC_TAG_BYTES);
  const made = provider.mac(key, toMac.value, tag);
  if (made !== ErrorCode.Ok) return failure(made);
  return codecs.strict.encode(cborTag(CoseTag.Mac0, [protectedBytes.value, new Map(), payload, tag]));
}

/** Ok, or CryptoUnknownAlgorithm / CryptoBadLength / CryptoAuthFailed / key errors. */
export function verifyMac0(
  provider: CryptoProvider,
  codecs: CoseCodecs,
  message: Mac0,
  key: KeyHandle,
  externalAad: Uint8Array = emptyBytes(),
): Status {
  if (message.alg !== CoseAlg.Hmac256) return ErrorCode.CryptoUnknownAlgorithm;
  if (message.tag.length !== HMAC_TAG_BYTES) return ErrorCode.CryptoBadLength;
  const toMac = macStructure(codecs.strict, message.protectedBytes, externalAad, message.payload);
  if (!toMac.ok) return toMac.code;
  return provider.macVerify(key, toMac.value, message.tag);
}
