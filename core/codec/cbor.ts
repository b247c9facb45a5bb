/**
 * CBOR for Picket: cbor-x behind a guard, configured for COSE.
 *
 * Which cbor-x: the package's own `index-no-eval` build. Its default entry
 * (decode.js) calls `new Function(...)` for the "records" feature and as a
 * CSP probe; the no-eval build ships with those calls pointed at an
 * undefined constructor, so the probe takes its fallback path and records
 * cannot run. It is also the same file on V8 and XS (the default Node entry
 * would load native acceleration and Node Buffers instead), so both engines
 * decode with identical code. The XS build gate stays as strict as before.
 *
 * Configuration (RFC 9052 §9 "CBOR Encoding Restrictions"):
 *  - maps decode to `Map` (integer keys stay integers), never plain objects;
 *  - no records, structures, packing, bundled strings or structured clone;
 *  - byte strings encode as plain byte strings (no typed-array tags);
 *  - decoded byte strings are copies, never views into the input.
 *
 * Every decode first passes the bounded walker (cbor-walk.ts), which caps the
 * size before anything is decoded, proves well-formedness, limits depth and
 * item counts, allows only the policy's tags and checks UTF-8; cbor-x then
 * runs under `guard`. Every encode is walked again with the same policy, so
 * what we send is deterministic (RFC 8949 §4.2.1) or is refused. The
 * encoder's own deterministic rules are kept by construction: maps are built
 * with `canonicalMap`, integers stay within 32 bits (cbor-x writes larger
 * numbers as floats) and strings must be well-formed.
 */
import { Decoder, Encoder, Tag } from "cbor-x/index-no-eval";
import { ErrorCode } from "../runtime/errors";
import { guard } from "../runtime/guard";
import { err, ok, type Result } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { CborWalker, type CborPolicy } from "./cbor-walk";
import { utf8Length } from "./utf8";

/** A CBOR tag as cbor-x represents it. */
export interface CborTagged {
  readonly tag: number;
  readonly value: unknown;
}

/** Integer or text map key; maps of anything else are not used by Picket schemas. */
export type CborKey = number | string;

interface CborxEncoder {
  encode(value: unknown): Uint8Array;
}
interface CborxDecoder {
  decode(bytes: Uint8Array): unknown;
}

const ENCODER_OPTIONS = Object.freeze({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  pack: false,
  structuredClone: false,
  bundleStrings: false,
  variableMapSize: true,
  useSelfDescribedHeader: false,
  useToJSON: false,
  largeBigIntToFloat: false,
  encodeUndefinedAsNil: false,
});

const DECODER_OPTIONS = Object.freeze({
  useRecords: false,
  mapsAsObjects: false,
  copyBuffers: true,
  pack: false,
  structuredClone: false,
  bundleStrings: false,
});

/** Protocol policy: deterministic, no floats, no simple values but false/true/null. */
export function strictPolicy(maxBytes: number, allowedTags: readonly number[], maxDepth = 8, maxItems = 1024): CborPolicy {
  return Object.freeze({
    maxBytes,
    maxDepth,
    maxItems,
    deterministic: true,
    allowedTags: Object.freeze([...allowedTags]),
    allowFloats: false,
    allowOtherSimple: false,
    allowBigIntegers: false,
    allowDuplicateKeys: false,
  });
}

/**
 * Interop policy for messages made by other COSE implementations: still
 * bounded, tag-filtered, float-free and duplicate-free, but map order and
 * argument length are not enforced (what is signed is the bytes as received).
 */
export function interopPolicy(maxBytes: number, allowedTags: readonly number[], maxDepth = 8, maxItems = 1024): CborPolicy {
  return Object.freeze({ ...strictPolicy(maxBytes, allowedTags, maxDepth, maxItems), deterministic: false });
}

export class CborCodec {
  private readonly walker_: CborWalker;
  private readonly strictWalker_: CborWalker;
  private readonly encoder_: CborxEncoder;
  private readonly decoder_: CborxDecoder;
  private decodeFailures_ = 0;
  private encodeFailures_ = 0;

  /** `policy` gates decoding; encodes are checked against its deterministic form. */
  static create(policy: CborPolicy): Result<CborCodec> {
    const walker = CborWalker.create(policy);
    if (!walker.ok) return walker;
    const strict = CborWalker.create(policy.deterministic ? policy : Object.freeze({ ...policy, deterministic: true }));
    if (!strict.ok) return strict;
    const encoder = guard(() => new Encoder(ENCODER_OPTIONS) as unknown as CborxEncoder, ErrorCode.CborEncodeFailed);
    if (!encoder.ok) return encoder;
    const decoder = guard(() => new Decoder(DECODER_OPTIONS) as unknown as CborxDecoder, ErrorCode.CborDecodeFailed);
    if (!decoder.ok) return decoder;
    return ok(new CborCodec(walker.value, strict.value, encoder.value, decoder.value));
  }

  private constructor(walker: CborWalker, strictWalker: CborWalker, encoder: CborxEncoder, decoder: CborxDecoder) {
    this.walker_ = walker;
    this.strictWalker_ = strictWalker;
    this.encoder_ = encoder;
    this.decoder_ = decoder;
  }

  get policy(): CborPolicy {
    return this.walker_.policy;
  }

  /** cbor-x calls that threw after the walker accepted their input (should stay 0). */
  get decodeFailures(): number {
    return this.decodeFailures_;
  }

  get encodeFailures(): number {
    return this.encodeFailures_;
  }

  /** Check `bytes` against the policy without decoding: Ok or the specific codec error. */
  check(bytes: Uint8Array): ErrorCode {
    return this.walker_.walk(bytes);
  }

  /** Decode exactly one item. Never throws; never sizes anything from unchecked headers. */
  decode(bytes: Uint8Array): Result<unknown> {
    const checked = this.walker_.walk(bytes);
    if (checked !== ErrorCode.Ok) return err(checked);
    const decoder = this.decoder_;
    const decoded = guard(() => decoder.decode(bytes), ErrorCode.CborDecodeFailed);
    if (!decoded.ok) this.decodeFailures_++;
    return decoded;
  }

  /** Encode `value` to a fresh byte array, deterministic or refused. */
  encode(value: unknown): Result<Uint8Array> {
    const encoder = this.encoder_;
    const encoded = guard(() => encoder.encode(value), ErrorCode.CborEncodeFailed);
    if (!encoded.ok) {
      this.encodeFailures_++;
      return encoded;
    }
    // cbor-x hands back a view of its reusable buffer (a Node Buffer on V8): copy it out.
    const out = new Uint8Array(encoded.value.length);
    out.set(encoded.value);
    if (this.strictWalker_.walk(out) !== ErrorCode.Ok) {
      this.encodeFailures_++;
      return err(ErrorCode.CborEncodeFailed);
    }
    return ok(out);
  }

  /** Encode into `out` at `offset`; returns bytes written or a negated code. */
  encodeInto(value: unknown, out: Uint8Array, offset = 0): ValueOrCode {
    const encoded = this.encode(value);
    if (!encoded.ok) return -encoded.code;
    if (offset < 0 || offset + encoded.value.length > out.length) return -ErrorCode.CborBufferTooSmall;
    out.set(encoded.value, offset);
    return encoded.value.length;
  }
}

/** A tagged value for encoding (RFC 8949 §3.4). */
export function cborTag(tag: number, value: unknown): CborTagged {
  return new Tag(value, tag) as unknown as CborTagged;
}

/** A decoded tag, or null. */
export function asTagged(value: unknown): CborTagged | null {
  if (typeof value !== "object" || value === null) return null;
  if (!(value instanceof Tag)) return null;
  const tagged = value as unknown as CborTagged;
  return typeof tagged.tag === "number" ? tagged : null;
}

/**
 * Order of two keys' deterministic encodings (RFC 8949 §4.2.1): unsigned
 * integers ascending, then negative integers by magnitude, then text by
 * (UTF-8 length, then code units; equal to byte order outside the surrogate
 * range, and `encode` re-checks the bytes anyway).
 */
export function compareKeys(a: CborKey, b: CborKey): number {
  if (typeof a === "number" && typeof b === "number") {
    if (a >= 0 && b >= 0) return a - b;
    if (a < 0 && b < 0) return b - a;
    return a >= 0 ? -1 : 1;
  }
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  const la = utf8Length(a);
  const lb = utf8Length(b);
  if (la !== lb) return la - lb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A Map whose insertion order is the deterministic key order, so cbor-x writes it canonically. */
export function canonicalMap(entries: readonly (readonly [CborKey, unknown])[]): Map<CborKey, unknown> {
  const sorted = [...entries].sort((x, y) => compareKeys(x[0], y[0]));
  return new Map(sorted);
}

/** True for an integer cbor-x will write as a CBOR integer (|n| < 2^32). */
export function isCborInt32(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= -0x1_0000_0000 && value <= 0xffff_ffff;
}
