/**
 * CBOR diagnostic notation (RFC 8949 §8, with the indefinite-length `_`
 * forms of §8.1) for inspection: `picket inspect`, logs, test failures.
 *
 * Rendering runs on the bounded walker (cbor-walk.ts) with a lenient policy:
 * any tag, floats, simple values and duplicate keys are shown as they
 * arrived, but size, depth and item limits still hold and malformed input is
 * reported, never rendered. Off the hot path: it allocates the output.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { CborFrame, CborMajor, CborWalker, type CborHead, type CborPolicy, type CborVisitor } from "./cbor-walk";
import { decodeUtf8 } from "./utf8";

/** Inspection policy: show everything well-formed, within generous bounds. */
export const DIAG_POLICY: CborPolicy = Object.freeze({
  maxBytes: 1 << 24,
  maxDepth: 64,
  maxItems: 1 << 20,
  deterministic: false,
  allowedTags: null,
  allowFloats: true,
  allowOtherSimple: true,
  allowBigIntegers: true,
  allowDuplicateKeys: true,
});

const HEX_DIGITS = "0123456789abcdef";

function hexOf(bytes: Uint8Array, start: number, end: number): string {
  const parts: string[] = [];
  for (let i = start; i < end; i++) {
    const b = bytes[i] ?? 0;
    parts.push((HEX_DIGITS[b >>> 4] ?? "0") + (HEX_DIGITS[b & 15] ?? "0"));
  }
  return parts.join("");
}

/** JSON-style quoting (RFC 8949 §8: text strings are written as in JSON). */
function quote(text: string): string {
  const parts: string[] = ['"'];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x22) parts.push('\\"');
    else if (unit === 0x5c) parts.push("\\\\");
    else if (unit === 0x0a) parts.push("\\n");
    else if (unit === 0x0d) parts.push("\\r");
    else if (unit === 0x09) parts.push("\\t");
    else if (unit < 0x20 || unit === 0x7f) parts.push("\\u" + unit.toString(16).padStart(4, "0"));
    else parts.push(text.charAt(i));
  }
  parts.push('"');
  return parts.join("");
}

/** IEEE 754 binary16 to a number (RFC 8949 App. D), integer arithmetic on the fields. */
function halfToNumber(bits: number): number {
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (mantissa + 1024) * 2 ** (exponent - 25);
}

function floatText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (Object.is(value, -0)) return "-0.0";
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** The 64-bit argument as decimal text (BigInt only past 2^53). */
function argumentText(head: CborHead, negative: boolean): string {
  if (head.hi < 0x20_0000) {
    return negative ? String(-1 - head.value) : String(head.value);
  }
  const big = (BigInt(head.hi) << 32n) + BigInt(head.lo);
  return negative ? String(-1n - big) : String(big);
}

class DiagVisitor implements CborVisitor {
  readonly parts: string[] = [];
  private readonly bytes_: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes_ = bytes;
  }

  scalar(head: CborHead, start: number, end: number): void {
    const bytes = this.bytes_;
    switch (head.major) {
      case CborMajor.Unsigned:
        this.parts.push(argumentText(head, false));
        return;
      case CborMajor.Negative:
        this.parts.push(argumentText(head, true));
        return;
      case CborMajor.Bytes:
        this.parts.push(`h'${hexOf(bytes, end - head.value, end)}'`);
        return;
      case CborMajor.Text: {
        const text = decodeUtf8(bytes, end - head.value, end);
        this.parts.push(text.ok ? quote(text.value) : "<invalid utf-8>");
        return;
      }
      default:
        this.parts.push(simpleText(head, bytes, start));
    }
  }

  open(frame: number, head: CborHead, indefinite: boolean): void {
    const mark = indefinite ? "_ " : "";
    if (frame === CborFrame.Array) this.parts.push(`[${mark}`);
    else if (frame === CborFrame.Map) this.parts.push(`{${mark}`);
    else if (frame === CborFrame.Tag) this.parts.push(`${argumentText(head, false)}(`);
    else this.parts.push("(_ ");
  }

  close(frame: number): void {
    if (frame === CborFrame.Array) this.parts.push("]");
    else if (frame === CborFrame.Map) this.parts.push("}");
    else this.parts.push(")");
  }

  separator(keyValue: boolean): void {
    this.parts.push(keyValue ? ": " : ", ");
  }
}

function simpleText(head: CborHead, bytes: Uint8Array, start: number): string {
  const info = head.info;
  if (info === 20) return "false";
  if (info === 21) return "true";
  if (info === 22) return "null";
  if (info === 23) return "undefined";
  if (info < 24) return `simple(${info})`;
  if (info === 24) return `simple(${head.value})`;
  if (info === 25) return floatText(halfToNumber(head.lo));
  const view = new DataView(bytes.buffer, bytes.byteOffset + start + 1, info === 26 ? 4 : 8);
  return floatText(info === 26 ? view.getFloat32(0) : view.getFloat64(0));
}

/**
 * Render `bytes` (exactly one data item) as diagnostic notation, or the
 * codec error that made it unreadable.
 */
export function toDiagnostic(bytes: Uint8Array, policy: CborPolicy = DIAG_POLICY): Result<string> {
  const walker = CborWalker.create(policy);
  if (!walker.ok) return walker;
  const visitor = new DiagVisitor(bytes);
  const status = walker.value.walk(bytes, visitor);
  if (status !== ErrorCode.Ok) return err(status);
  return ok(visitor.parts.join(""));
}
