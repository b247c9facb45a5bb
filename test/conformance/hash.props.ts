/**
 * Properties of our SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104) and
 * HKDF-SHA-256 (RFC 5869), core/crypto/sha256.ts, hmac-sha256.ts and
 * hkdf-sha256.ts. Run on V8 (test/core/crypto/hash.property.test.ts) and on XS (the
 * conformance bundle). Known answers from the standards, then equality with
 * @noble/hashes (a test oracle only: the board image does not carry it) on
 * random inputs, split at random points, and reuse of one instance.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { HKDF_SHA256_OUTPUT_MAX_BYTES, HkdfSha256 } from "../../core/crypto/hkdf-sha256";
import { HmacSha256 } from "../../core/crypto/hmac-sha256";
import { Sha256 } from "../../core/crypto/sha256";
import { check, fail, type ConformanceProperty } from "./support";

export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
  return s;
}

export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

function counting(from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from + 1);
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
}

/** FIPS 180-4 / NIST CSRC "SHA256.pdf" examples (one- and two-block messages) and the empty message. */
export const SHA256_VECTORS: readonly { readonly name: string; readonly message: Uint8Array; readonly digest: string }[] = [
  { name: "empty", message: new Uint8Array(0), digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
  { name: "abc (one block)", message: ascii("abc"), digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  {
    name: "448-bit message (two blocks)",
    message: ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
    digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  },
  {
    name: "896-bit message",
    message: ascii("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
    digest: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
  },
];

/** RFC 4231 §4.2-§4.8, HMAC-SHA-256 (test case 5 is truncated to 128 bits). */
export const HMAC_VECTORS: readonly { readonly name: string; readonly key: Uint8Array; readonly data: Uint8Array; readonly mac: string }[] = [
  { name: "4.2", key: filled(20, 0x0b), data: ascii("Hi There"), mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
  { name: "4.3", key: ascii("Jefe"), data: ascii("what do ya want for nothing?"), mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
  { name: "4.4", key: filled(20, 0xaa), data: filled(50, 0xdd), mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
  { name: "4.5", key: counting(0x01, 0x19), data: filled(50, 0xcd), mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
  { name: "4.6 (truncated)", key: filled(20, 0x0c), data: ascii("Test With Truncation"), mac: "a3b6167473100ee06e0c796c2955552b" },
  { name: "4.7", key: filled(131, 0xaa), data: ascii("Test Using Larger Than Block-Size Key - Hash Key First"), mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
  {
    name: "4.8",
    key: filled(131, 0xaa),
    data: ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
    mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  },
];

/** RFC 5869 Appendix A.1-A.3 (HKDF-SHA-256). */
export const HKDF_VECTORS: readonly { readonly name: string; readonly ikm: Uint8Array; readonly salt: Uint8Array; readonly info: Uint8Array; readonly okm: string }[] = [
  {
    name: "A.1 basic",
    ikm: filled(22, 0x0b),
    salt: counting(0x00, 0x0c),
    info: counting(0xf0, 0xf9),
    okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
  },
  {
    name: "A.2 longer inputs and outputs",
    ikm: counting(0x00, 0x4f),
    salt: counting(0x60, 0xaf),
    info: counting(0xb0, 0xff),
    okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
  },
  {
    name: "A.3 zero-length salt and info",
    ikm: filled(22, 0x0b),
    salt: new Uint8Array(0),
    info: new Uint8Array(0),
    okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
  },
];

function sameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  if (toHex(a) !== toHex(b)) fail(`${what}: expected ${toHex(b)}, got ${toHex(a)}`);
}

const knownAnswers: ConformanceProperty = {
  name: "hash: SHA-256 (FIPS 180-4 examples), HMAC-SHA-256 (RFC 4231) and HKDF-SHA-256 (RFC 5869 A.1-A.3) known answers",
  run() {
    const h = new Sha256();
    const out = new Uint8Array(32);
    for (const v of SHA256_VECTORS) {
      h.update(v.message);
      check(h.digestInto(out, 0), `sha256 ${v.name}: digestInto refused`);
      sameBytes(out, hexBytes(v.digest), `sha256 ${v.name}`);
    }
    const mac = new HmacSha256();
    for (const v of HMAC_VECTORS) {
      mac.begin(v.key, 0, v.key.length);
      mac.update(v.data);
      check(mac.digestInto(out, 0), `hmac ${v.name}: digestInto refused`);
      sameBytes(out.subarray(0, v.mac.length / 2), hexBytes(v.mac), `hmac RFC 4231 ${v.name}`);
    }
    const kdf = new HkdfSha256();
    for (const v of HKDF_VECTORS) {
      const okm = new Uint8Array(v.okm.length / 2);
      check(kdf.derive(v.ikm, v.salt, v.info, okm, 0, okm.length), `hkdf ${v.name}: derive refused`);
      sameBytes(okm, hexBytes(v.okm), `hkdf RFC 5869 ${v.name}`);
    }
  },
};

const sha256MatchesNoble: ConformanceProperty = {
  name: "hash: SHA-256 of any bytes, fed in any split, equals noble's; one instance serves many messages",
  run(fc, numRuns, seed) {
    const h = new Sha256();
    const out = new Uint8Array(32);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat({ max: 300 }), { maxLength: 4 }), fc.option(fc.nat({ max: 255 })), (data: Uint8Array, cuts: number[], prefix: number | null) => {
        if (prefix !== null) h.updateByte(prefix);
        let at = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          const to = Math.min(cut, data.length);
          if (to < at) continue;
          h.updateRange(data, at, to - at);
          at = to;
        }
        h.updateRange(data, at, data.length - at);
        check(h.digestInto(out, 0), "digestInto refused");
        const message = prefix === null ? data : Uint8Array.of(prefix, ...data);
        sameBytes(out, sha256(message), `sha256 of ${data.length} bytes`);
      }),
      { numRuns, seed },
    );
  },
};

const hmacMatchesNoble: ConformanceProperty = {
  name: "hash: HMAC-SHA-256 with any key (shorter and longer than a block) equals noble's",
  run(fc, numRuns, seed) {
    const mac = new HmacSha256();
    const out = new Uint8Array(32);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.uint8Array({ maxLength: 200 }), (key: Uint8Array, data: Uint8Array) => {
        mac.begin(key, 0, key.length);
        mac.update(data);
        check(mac.digestInto(out, 0), "digestInto refused");
        sameBytes(out, hmac(sha256, key, data), `hmac key ${key.length} B, data ${data.length} B`);
      }),
      { numRuns, seed },
    );
  },
};

const hkdfMatchesNoble: ConformanceProperty = {
  name: "hash: HKDF-SHA-256 of any ikm, salt, info and length equals noble's; out-of-range lengths write nothing",
  run(fc, numRuns, seed) {
    const kdf = new HkdfSha256();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 1, max: 100 }),
        fc.nat({ max: 3 }),
        (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number, offset: number) => {
          const out = new Uint8Array(offset + length).fill(0xee);
          check(kdf.derive(ikm, salt, info, out, offset, length), "derive refused");
          for (let i = 0; i < offset; i++) check(out[i] === 0xee, "wrote before the offset");
          sameBytes(out.subarray(offset), hkdf(sha256, ikm, salt, info, length), `hkdf L=${length}`);
          const untouched = new Uint8Array(8).fill(0xee);
          check(!kdf.derive(ikm, salt, info, untouched, 0, 0), "L = 0 accepted");
          check(!kdf.derive(ikm, salt, info, untouched, 0, 9), "L beyond the output accepted");
          check(!kdf.derive(ikm, salt, info, untouched, 0, HKDF_SHA256_OUTPUT_MAX_BYTES + 1), "L > 255 * HashLen accepted");
          check(untouched.every((b) => b === 0xee), "a refused derive wrote bytes");
        },
      ),
      { numRuns, seed },
    );
  },
};

export const hashProperties: readonly ConformanceProperty[] = [knownAnswers, sha256MatchesNoble, hmacMatchesNoble, hkdfMatchesNoble];
