/**
 * Explicit UTF-8 (RFC 3629), because XS has no TextEncoder/TextDecoder and
 * strings that cross the wire must be the same bytes on every engine
 * (docs/architecture.md "Rules").
 *
 * Strict in both directions: a lone surrogate cannot be encoded, and
 * decoding refuses overlong forms, surrogate code points (U+D800..DFFF),
 * code points above U+10FFFF and truncated sequences (RFC 3629 §3-4). A
 * lenient decoder would map bad input to U+FFFD, and engines disagree on
 * how many U+FFFD a bad sequence becomes; refusing is deterministic.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";

/** Largest string (in UTF-16 code units) `decodeUtf8` builds per call; bounds allocation. */
export const UTF8_DECODE_MAX_BYTES = 1 << 20;

// String.fromCharCode takes arguments: build in chunks so no engine hits its argument limit.
const CHUNK_UNITS = 1024;

/**
 * Bytes `text` takes as UTF-8, or `-InvalidUtf8` when it holds a lone
 * surrogate (which has no UTF-8 form).
 */
export function utf8Length(text: string): ValueOrCode {
  let bytes = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (low < 0xdc00 || low > 0xdfff) return -ErrorCode.InvalidUtf8;
      bytes += 4;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return -ErrorCode.InvalidUtf8;
    else bytes += 3;
  }
  return bytes;
}

/**
 * Write `text` as UTF-8 into `out` at `offset`. Returns the bytes written,
 * `-InvalidUtf8` (lone surrogate) or `-CborBufferTooSmall`; on failure
 * nothing past `offset` is meaningful. Allocates nothing.
 */
export function encodeUtf8Into(text: string, out: Uint8Array, offset: number): ValueOrCode {
  const needed = utf8Length(text);
  if (needed < 0) return needed;
  if (offset < 0 || offset + needed > out.length) return -ErrorCode.CborBufferTooSmall;
  let at = offset;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      // utf8Length proved a low surrogate follows.
      code = 0x10000 + ((code - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00);
      i++;
    }
    if (code < 0x80) {
      out[at++] = code;
    } else if (code < 0x800) {
      out[at++] = 0xc0 | (code >>> 6);
      out[at++] = 0x80 | (code & 0x3f);
    } else if (code < 0x10000) {
      out[at++] = 0xe0 | (code >>> 12);
      out[at++] = 0x80 | ((code >>> 6) & 0x3f);
      out[at++] = 0x80 | (code & 0x3f);
    } else {
      out[at++] = 0xf0 | (code >>> 18);
      out[at++] = 0x80 | ((code >>> 12) & 0x3f);
      out[at++] = 0x80 | ((code >>> 6) & 0x3f);
      out[at++] = 0x80 | (code & 0x3f);
    }
  }
  return at - offset;
}

/** `text` as a new UTF-8 byte array (off the hot path). */
export function encodeUtf8(text: string): Result<Uint8Array> {
  const needed = utf8Length(text);
  if (needed < 0) return err(ErrorCode.InvalidUtf8);
  const out = new Uint8Array(needed);
  encodeUtf8Into(text, out, 0);
  return ok(out);
}

/**
 * Length of the well-formed UTF-8 sequence starting at `at` (1..4), or 0
 * when the bytes there are not well-formed (RFC 3629 §4 table).
 */
function sequenceLength(bytes: Uint8Array, at: number, end: number): number {
  const b0 = bytes[at] ?? 0x100;
  if (b0 < 0x80) return 1;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) need = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 3;
    if (b0 === 0xe0) lo = 0xa0; // no overlong 3-byte forms
    if (b0 === 0xed) hi = 0x9f; // no surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 4;
    if (b0 === 0xf0) lo = 0x90; // no overlong 4-byte forms
    if (b0 === 0xf4) hi = 0x8f; // nothing above U+10FFFF
  } else return 0;
  if (at + need > end) return 0;
  const b1 = bytes[at + 1] ?? 0;
  if (b1 < lo || b1 > hi) return 0;
  for (let k = 2; k < need; k++) {
    const b = bytes[at + k] ?? 0;
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return need;
}

/** True when bytes[start, end) is well-formed UTF-8. Allocates nothing. */
export function isWellFormedUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  if (start < 0 || end > bytes.length || start > end) return false;
  let at = start;
  // Each step consumes >= 1 byte, so the loop is bounded by end - start.
  while (at < end) {
    const step = sequenceLength(bytes, at, end);
    if (step === 0) return false;
    at += step;
  }
  return true;
}

/**
 * Decode well-formed UTF-8 in bytes[start, end) to a string, or
 * `InvalidUtf8`. Refuses more than UTF8_DECODE_MAX_BYTES (`CborTooLarge`).
 */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): Result<string> {
  if (start < 0 || end > bytes.length || start > end) return err(ErrorCode.InvalidArgument);
  if (end - start > UTF8_DECODE_MAX_BYTES) return err(ErrorCode.CborTooLarge);
  if (!isWellFormedUtf8(bytes, start, end)) return err(ErrorCode.InvalidUtf8);
  const units: number[] = [];
  let text = "";
  let at = start;
  while (at < end) {
    const step = sequenceLength(bytes, at, end);
    const b0 = bytes[at] ?? 0;
    let code: number;
    if (step === 1) code = b0;
    else if (step === 2) code = ((b0 & 0x1f) << 6) | ((bytes[at + 1] ?? 0) & 0x3f);
    else if (step === 3) code = ((b0 & 0x0f) << 12) | (((bytes[at + 1] ?? 0) & 0x3f) << 6) | ((bytes[at + 2] ?? 0) & 0x3f);
    else {
      code =
        ((b0 & 0x07) << 18) |
        (((bytes[at + 1] ?? 0) & 0x3f) << 12) |
        (((bytes[at + 2] ?? 0) & 0x3f) << 6) |
        ((bytes[at + 3] ?? 0) & 0x3f);
    }
    at += step;
    if (code >= 0x10000) {
      units.push(0xd800 + ((code - 0x10000) >>> 10), 0xdc00 + ((code - 0x10000) & 0x3ff));
    } else {
      units.push(code);
    }
    if (units.length >= CHUNK_UNITS) {
      text += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  if (units.length > 0) text += String.fromCharCode(...units);
  return ok(text);
}
