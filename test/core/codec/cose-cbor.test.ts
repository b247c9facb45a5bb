/**
 * The CBOR layer under COSE: the bounded walker (RFC 8949 well-formedness,
 * limits, deterministic encoding), diagnostic notation (RFC 8949 §8,
 * App. A examples), explicit UTF-8, the cbor-x configuration, and the
 * no-eval cbor-x build passing the XS gate.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CborCodec, asTagged, canonicalMap, cborTag, compareKeys, interopPolicy, strictPolicy } from "../../../core/codec/cbor";
import { CborWalker } from "../../../core/codec/cbor-walk";
import { DIAG_POLICY, toDiagnostic } from "../../../core/codec/diag";
import { decodeUtf8, encodeUtf8, encodeUtf8Into, isWellFormedUtf8, utf8Length } from "../../../core/codec/utf8";
import { ErrorCode } from "../../../core/runtime/errors";
import { bundleForXs, GateError, repoRoot } from "../../../tools/build/targets";
import { fromHex, hex, unwrap } from "../crypto/fixtures";

const strict = unwrap(CborCodec.create(strictPolicy(4096, [18])));

function diag(h: string): string {
  return unwrap(toDiagnostic(fromHex(h)));
}

describe("diagnostic notation: RFC 8949 Appendix A examples", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["00", "0"],
    ["17", "23"],
    ["1818", "24"],
    ["1903e8", "1000"],
    ["1b000000e8d4a51000", "1000000000000"],
    ["1bffffffffffffffff", "18446744073709551615"],
    ["3bffffffffffffffff", "-18446744073709551616"],
    ["20", "-1"],
    ["3863", "-100"],
    ["f90000", "0.0"],
    ["f98000", "-0.0"],
    ["f93c00", "1.0"],
    ["fb3ff199999999999a", "1.1"],
    ["f93e00", "1.5"],
    ["f97bff", "65504.0"],
    ["fa47c35000", "100000.0"],
    ["f90001", "5.960464477539063e-8"],
    ["f97c00", "Infinity"],
    ["f97e00", "NaN"],
    ["f9fc00", "-Infinity"],
    ["f4", "false"],
    ["f5", "true"],
    ["f6", "null"],
    ["f7", "undefined"],
    ["f0", "simple(16)"],
    ["f8ff", "simple(255)"],
    ["c074323031332d30332d32315432303a30343a30305a", '0("2013-03-21T20:04:00Z")'],
    ["d74401020304", "23(h'01020304')"],
    ["40", "h''"],
    ["4401020304", "h'01020304'"],
    ["60", '""'],
    ["6161", '"a"'],
    ["62225c", '"\\"\\\\"'],
    ["62c3bc", '"\u00fc"'],
    ["64f0908591", '"\ud800\udd51"'],
    ["80", "[]"],
    ["83010203", "[1, 2, 3]"],
    ["8301820203820405", "[1, [2, 3], [4, 5]]"],
    ["a0", "{}"],
    ["a201020304", "{1: 2, 3: 4}"],
    ["a26161016162820203", '{"a": 1, "b": [2, 3]}'],
    ["5f42010243030405ff", "(_ h'0102', h'030405')"],
    ["7f657374726561646d696e67ff", '(_ "strea", "ming")'],
    ["9fff", "[_ ]"],
    ["9f018202039f0405ffff", "[_ 1, [2, 3], [_ 4, 5]]"],
    ["bf61610161629f0203ffff", '{_ "a": 1, "b": [_ 2, 3]}'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${expected}`, () => {
      expect(diag(input)).toBe(expected);
    });
  }
});

describe("well-formedness (RFC 8949 App. F): each defect has its code", () => {
  const walker = unwrap(CborWalker.create(DIAG_POLICY));
  const cases: readonly (readonly [string, string, number])[] = [
    ["truncated argument", "18", ErrorCode.CborTruncated],
    ["truncated string", "4401", ErrorCode.CborTruncated],
    ["truncated array", "8301", ErrorCode.CborTruncated],
    ["reserved additional information", "1c", ErrorCode.CborMalformed],
    ["two-byte simple value below 32", "f818", ErrorCode.CborMalformed],
    ["indefinite integer", "1f", ErrorCode.CborMalformed],
    ["indefinite tag", "df00", ErrorCode.CborMalformed],
    ["stray break", "ff", ErrorCode.CborMalformed],
    ["break inside a definite array", "81ff", ErrorCode.CborMalformed],
    ["wrong chunk type in an indefinite byte string", "5f00ff", ErrorCode.CborMalformed],
    ["indefinite chunk in an indefinite string", "5f5fffff", ErrorCode.CborMalformed],
    ["indefinite map with a key and no value", "bf00ff", ErrorCode.CborMalformed],
    ["two items", "0000", ErrorCode.CborTrailingBytes],
    ["invalid UTF-8 (overlong)", "62c0af", ErrorCode.InvalidUtf8],
    ["invalid UTF-8 (surrogate)", "63eda080", ErrorCode.InvalidUtf8],
    ["empty input", "", ErrorCode.CborTruncated],
  ];
  for (const [what, input, code] of cases) {
    it(`${what}: ${code}`, () => {
      expect(walker.walk(fromHex(input))).toBe(code);
    });
  }

  it("limits: size, depth and item count are enforced before anything is decoded", () => {
    const small = unwrap(CborWalker.create({ ...DIAG_POLICY, maxBytes: 8, maxDepth: 3, maxItems: 5 }));
    expect(small.walk(new Uint8Array(9))).toBe(ErrorCode.CborTooLarge);
    expect(small.walk(fromHex("81818180"))).toBe(ErrorCode.CborTooDeep);
    expect(small.walk(fromHex("8501020304"))).toBe(ErrorCode.CborTruncated);
    expect(small.walk(fromHex("850102030405"))).toBe(ErrorCode.CborTooManyItems);
    expect(small.walk(fromHex("8401020304"))).toBe(ErrorCode.Ok);
  });
});

describe("strict (deterministic) policy: RFC 8949 §4.2.1", () => {
  const walker = unwrap(CborWalker.create(strictPolicy(4096, [18])));
  const cases: readonly (readonly [string, string, number])[] = [
    ["non-shortest integer", "1817", ErrorCode.CborNotDeterministic],
    ["non-shortest length", "580100", ErrorCode.CborNotDeterministic],
    ["indefinite length", "9f01ff", ErrorCode.CborNotDeterministic],
    ["keys out of order", "a203040102", ErrorCode.CborNotDeterministic],
    ["negative key before positive", "a220000100", ErrorCode.CborNotDeterministic],
    ["duplicate key", "a201020103", ErrorCode.CborDuplicateKey],
    ["a float", "f93c00", ErrorCode.CborUnsupportedType],
    ["undefined", "f7", ErrorCode.CborUnsupportedType],
    ["an integer beyond 2^53", "1b0020000000000000", ErrorCode.CborUnsupportedType],
    ["-2^53", "3b001fffffffffffff", ErrorCode.CborUnsupportedType],
    ["a tag not in the policy", "c100", ErrorCode.CborForbiddenTag],
  ];
  for (const [what, input, code] of cases) {
    it(`${what}: ${code}`, () => {
      expect(walker.walk(fromHex(input))).toBe(code);
    });
  }

  it("keys in deterministic order pass: 1, 3, -1, -2, \"a\"", () => {
    expect(walker.walk(fromHex("a50100030020002100616100"))).toBe(ErrorCode.Ok);
  });

  it("the interop policy accepts any key order but still refuses duplicates, pairwise", () => {
    const interop = unwrap(CborWalker.create(interopPolicy(4096, [18])));
    expect(interop.walk(fromHex("a3030401020500"))).toBe(ErrorCode.Ok);
    expect(interop.walk(fromHex("a303040102030a"))).toBe(ErrorCode.CborDuplicateKey);
  });
});

describe("the cbor-x codec, configured for COSE", () => {
  it("maps decode to Map with integer keys; byte strings to fresh Uint8Array copies; tags to Tag", () => {
    const input = fromHex("d283a201260442abcd4401020304f6");
    const decoded = unwrap(strict.decode(input)) as unknown;
    const tagged = asTagged(decoded);
    expect(tagged?.tag).toBe(18);
    const [map, bytes, nil] = tagged?.value as [Map<number, unknown>, Uint8Array, null];
    expect(map).toBeInstanceOf(Map);
    expect(map.get(1)).toBe(-7);
    expect(hex(map.get(4) as Uint8Array)).toBe("abcd");
    expect(nil).toBeNull();
    input[input.length - 2] = 0xff;
    expect(hex(bytes)).toBe("01020304"); // a copy, not a view of the input
  });

  it("byte strings encode plainly (no typed-array tag 64), maps canonically, output is deterministic", () => {
    expect(hex(unwrap(strict.encode(new Uint8Array([1, 2]))))).toBe("420102");
    const map = canonicalMap([[-1, 0], ["a", 1], [3, 2], [1, 3], [-2, 4]]);
    expect(hex(unwrap(strict.encode(map)))).toBe("a50103030220002104616101");
    expect(hex(unwrap(strict.encode(cborTag(18, [1]))))).toBe("d28101");
  });

  it("what cannot be encoded deterministically is refused: floats, integers beyond 32 bits, lone surrogates", () => {
    for (const value of [1.5, 2 ** 40, "\ud800"]) {
      const result = strict.encode(value);
      expect(result.ok ? 0 : result.code).toBe(ErrorCode.CborEncodeFailed);
    }
    expect(strict.encodeFailures).toBe(3);
  });

  it("encodeInto writes into the caller's buffer or refuses", () => {
    const out = new Uint8Array(4);
    expect(strict.encodeInto([1, 2], out, 1)).toBe(3);
    expect(hex(out)).toBe("00820102");
    expect(strict.encodeInto([1, 2, 3, 4], out, 1)).toBe(-ErrorCode.CborBufferTooSmall);
  });

  it("compareKeys orders like RFC 8949 §4.2.1", () => {
    const keys = [-2, "bb", 24, -1, "a", 0, 23, -25, 1000];
    expect([...keys].sort(compareKeys)).toEqual([0, 23, 24, 1000, -1, -2, -25, "a", "bb"]);
  });
});

describe("explicit UTF-8", () => {
  it("round trips every plane, with the same bytes as TextEncoder", () => {
    for (const text of ["", "ascii", "é", "€", "𐍈", "mixed é€𐍈 text"]) {
      const bytes = unwrap(encodeUtf8(text));
      expect(hex(bytes)).toBe(hex(new TextEncoder().encode(text)));
      expect(unwrap(decodeUtf8(bytes))).toBe(text);
      expect(utf8Length(text)).toBe(bytes.length);
    }
  });

  it("refuses lone surrogates to encode and ill-formed bytes to decode", () => {
    expect(utf8Length("a\udc00")).toBe(-ErrorCode.InvalidUtf8);
    expect(encodeUtf8Into("\ud800x", new Uint8Array(8), 0)).toBe(-ErrorCode.InvalidUtf8);
    for (const bad of ["c0af", "e080af", "eda080", "f4908080", "f8", "c3", "e282"]) {
      expect(isWellFormedUtf8(fromHex(bad), 0, bad.length / 2)).toBe(false);
      const decoded = decodeUtf8(fromHex(bad));
      expect(decoded.ok ? 0 : decoded.code).toBe(ErrorCode.InvalidUtf8);
    }
  });
});

describe("the no-eval cbor-x build passes the XS gate", () => {
  const dir = join(repoRoot, "build", `cbor-gate-${process.pid}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a bundle of core/codec has no eval or Function constructor and still decodes", async () => {
    mkdirSync(dir, { recursive: true });
    const entry = join(dir, "codec-entry.ts");
    writeFileSync(entry, `import { CborCodec, strictPolicy } from "../../core/codec/cbor";\nexport default CborCodec.create(strictPolicy(64, []));\n`);
    const report = await bundleForXs({ entry, outfile: join(dir, "codec.js"), minify: true });
    expect(report.bytes).toBeGreaterThan(10_000);
    const codec = (await import(join(dir, "codec.js"))) as { default: ReturnType<typeof CborCodec.create> };
    expect(codec.default.ok && codec.default.value.decode(fromHex("83010203")).ok).toBe(true);
  });

  it("the default cbor-x entry would fail the gate (why core/codec uses index-no-eval)", async () => {
    mkdirSync(dir, { recursive: true });
    const entry = join(dir, "default-entry.ts");
    writeFileSync(entry, `import { decode } from "cbor-x";\nexport default decode;\n`);
    const build = bundleForXs({ entry, outfile: join(tmpdir(), `cbor-default-${process.pid}.js`), minify: false });
    await expect(build).rejects.toBeInstanceOf(GateError);
    await expect(build).rejects.toThrow(/Function/);
  });
});
