/**
 * Shared COSE pieces (RFC 9052): tags, header labels, header buckets, and
 * the to-be-signed / to-be-MACed / AAD structures.
 *
 * Received protected headers are kept as the bytes that arrived: the
 * signature, MAC or AEAD covers those bytes (RFC 9052 §4.4, §6.3, §5.3), so
 * re-encoding a decoded header could only break verification (or, worse,
 * verify something other than what was sent).
 */
import { ErrorCode } from "../runtime/errors";
import { ok, type Result } from "../runtime/result";
import { CborCodec, asTagged, canonicalMap, interopPolicy, strictPolicy, type CborKey } from "../codec/cbor";
import { failure } from "./fail";

/** RFC 9052 §2 Table 1 CBOR tags. */
export const CoseTag = Object.freeze({
  Encrypt0: 16,
  Mac0: 17,
  Sign1: 18,
} as const);

export const COSE_TAGS: readonly number[] = Object.freeze([CoseTag.Encrypt0, CoseTag.Mac0, CoseTag.Sign1]);

/** RFC 9052 §3.1 common header parameters. */
export const HeaderLabel = Object.freeze({
  Alg: 1,
  Crit: 2,
  ContentType: 3,
  Kid: 4,
  Iv: 5,
  PartialIv: 6,
} as const);

/** Largest COSE message Picket decodes: an ML-DSA-87 signature (4627 B) plus a few KiB. */
export const COSE_MAX_BYTES_DEFAULT = 16 * 1024;

export type HeaderMap = ReadonlyMap<CborKey, unknown>;

/** Codecs COSE code decodes and encodes with. */
export interface CoseCodecs {
  /** Deterministic encoding of what we send. */
  readonly strict: CborCodec;
  /** Decoding of what others send: bounded and tag-filtered, any key order. */
  readonly interop: CborCodec;
}

export function createCoseCodecs(maxBytes = COSE_MAX_BYTES_DEFAULT): Result<CoseCodecs> {
  const strict = CborCodec.create(strictPolicy(maxBytes, COSE_TAGS));
  if (!strict.ok) return strict;
  const interop = CborCodec.create(interopPolicy(maxBytes, COSE_TAGS));
  if (!interop.ok) return interop;
  return ok(Object.freeze({ strict: strict.value, interop: interop.value }));
}

/** The fields common to every decoded single-recipient COSE message. */
export interface CoseParts {
  /**
   * The protected bucket's bytes as received, or zero-length when it holds
   * no parameters: RFC 9052 §4.4/§5.3/§6.3 put a zero-length bstr in the
   * to-be-signed structure "if there are no protected attributes", even
   * when the sender encoded the empty map as h'a0'.
   */
  readonly protectedBytes: Uint8Array;
  readonly protectedHeader: HeaderMap;
  readonly unprotectedHeader: HeaderMap;
  /** Algorithm from the headers (protected preferred), or 0 when absent. */
  readonly alg: number;
  /** kid (label 4) or null. */
  readonly kid: Uint8Array | null;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/**
 * Strip the expected tag and check the array length. A different COSE tag,
 * a non-COSE tag, or no tag when one is required is `CoseWrongTag`.
 */
export function untag(decoded: unknown, expectedTag: number, allowUntagged: boolean, length: number): Result<readonly unknown[]> {
  let body = decoded;
  const tagged = asTagged(decoded);
  if (tagged !== null) {
    if (tagged.tag !== expectedTag) return failure(ErrorCode.CoseWrongTag);
    body = tagged.value;
  } else if (!allowUntagged) {
    return failure(ErrorCode.CoseWrongTag);
  }
  if (!Array.isArray(body) || body.length !== length) return failure(ErrorCode.CoseMalformed);
  return ok(body as readonly unknown[]);
}

/**
 * Decode a protected header bucket: a zero-length bstr (empty) or a bstr
 * holding a map (RFC 9052 §3). Keeps nothing but the map.
 */
function decodeProtected(codec: CborCodec, bytes: Uint8Array): Result<HeaderMap> {
  if (bytes.length === 0) return ok(new Map<CborKey, unknown>());
  const decoded = codec.decode(bytes);
  if (!decoded.ok) return failure(ErrorCode.CoseBadHeader);
  if (!(decoded.value instanceof Map)) return failure(ErrorCode.CoseBadHeader);
  return ok(decoded.value as HeaderMap);
}

/**
 * Parse both header buckets. Refuses: a protected bucket that is not a bstr
 * holding a map, an unprotected bucket that is not a map, a label in both
 * buckets (RFC 9052 §3), `crit` (no extension is understood, so §3.1
 * requires rejection), alg of the wrong type, kid that is not a bstr.
 */
export function parseHeaders(codec: CborCodec, protectedField: unknown, unprotectedField: unknown): Result<CoseParts> {
  if (!isBytes(protectedField)) return failure(ErrorCode.CoseMalformed);
  if (!(unprotectedField instanceof Map)) return failure(ErrorCode.CoseBadHeader);
  const unprotectedHeader = unprotectedField as HeaderMap;
  const protectedHeader = decodeProtected(codec, protectedField);
  if (!protectedHeader.ok) return protectedHeader;
  for (const label of protectedHeader.value.keys()) {
    if (unprotectedHeader.has(label)) return failure(ErrorCode.CoseBadHeader);
  }
  if (protectedHeader.value.has(HeaderLabel.Crit) || unprotectedHeader.has(HeaderLabel.Crit)) return failure(ErrorCode.CoseBadHeader);
  const alg = protectedHeader.value.get(HeaderLabel.Alg) ?? unprotectedHeader.get(HeaderLabel.Alg);
  if (alg !== undefined && (typeof alg !== "number" || !Number.isInteger(alg))) return failure(ErrorCode.CryptoUnknownAlgorithm);
  const kid = protectedHeader.value.get(HeaderLabel.Kid) ?? unprotectedHeader.get(HeaderLabel.Kid);
  if (kid !== undefined && !isBytes(kid)) return failure(ErrorCode.CoseBadHeader);
  return ok(
    Object.freeze({
      protectedBytes: protectedHeader.value.size === 0 ? new Uint8Array(0) : protectedField,
      protectedHeader: protectedHeader.value,
      unprotectedHeader,
      alg: alg ?? 0,
      kid: kid ?? null,
    }),
  );
}

/** Deterministic protected header {1: alg, 4: kid?, ...extra} as bytes. */
export function encodeProtected(codec: CborCodec, alg: number, kid: Uint8Array | null): Result<Uint8Array> {
  const entries: [CborKey, unknown][] = [[HeaderLabel.Alg, alg]];
  if (kid !== null) entries.push([HeaderLabel.Kid, kid]);
  return codec.encode(canonicalMap(entries));
}

/** RFC 9052 §4.4 Sig_structure for COSE_Sign1. */
export function sigStructure(codec: CborCodec, protectedBytes: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Result<Uint8Array> {
  return codec.encode(["Signature1", protectedBytes, externalAad, payload]);
}

/** RFC 9052 §6.3 MAC_structure for COSE_Mac0. */
export function macStructure(codec: CborCodec, protectedBytes: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Result<Uint8Array> {
  return codec.encode(["MAC0", protectedBytes, externalAad, payload]);
}

/** RFC 9052 §5.3 Enc_structure for COSE_Encrypt0 (the AEAD's associated data). */
export function encStructure(codec: CborCodec, protectedBytes: Uint8Array, externalAad: Uint8Array): Result<Uint8Array> {
  return codec.encode(["Encrypt0", protectedBytes, externalAad]);
}

export function emptyBytes(): Uint8Array {
  return new Uint8Array(0);
}

export function asBytesOrNull(value: unknown): Uint8Array | null | undefined {
  if (value === null) return null;
  return isBytes(value) ? value : undefined;
}
